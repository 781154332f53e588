"""Provenance of commits with the repository's context: what ``check`` and ``origin`` share.

Kept apart from ``vetgate.gate.pipeline`` so that ``vetgate origin``, which only classifies,
does not load the engine and the host models on its way to the first commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from vetgate.changes.model import Commit
from vetgate.policy.model import OriginConfig
from vetgate.provenance.model import CommitOrigin, ProvenanceContext


def classify_commits(root: str, commits: Sequence[Commit], config: OriginConfig, *,
                     traces_rev: str | None = None, env: Mapping[str, str] | None = None,
                     branch: str | None = None, labels: Sequence[str] = (),
                     notes_refs: bool = True) -> list[CommitOrigin]:
    """Classify ``commits`` with the git-ai notes and Agent Trace records of the repository.

    ``traces_rev``: the revision whose ``.agent-trace/traces.jsonl`` to read (None: none).
    ``env`` is the commit-time environment (a pending commit only); ``branch`` and ``labels``
    are CI context. ``notes_refs`` False: the caller knows the repository has no notes refs
    (``vetgate.changes.notes.REF_GLOBS`` matched none), so none are asked for.
    """
    from vetgate.changes.notes import read_agent_traces, read_ai_notes

    shas = [c.sha for c in commits if c.sha]
    notes = read_ai_notes(root, shas) if shas and notes_refs else {}
    traces = read_agent_traces(root, traces_rev) if traces_rev and shas else {}
    context = ProvenanceContext(env=env, branch=branch, labels=tuple(labels), notes=notes,
                                traces=traces)
    return classify_with(config, commits, context)


def classify_with(config: OriginConfig, commits: Sequence[Commit],
                  context: ProvenanceContext) -> list[CommitOrigin]:
    """Classify ``commits`` under ``config`` with provenance context already gathered."""
    from vetgate.provenance.classify import Classifier

    classifier = Classifier(config)
    return [classifier.classify(commit, context) for commit in commits]
