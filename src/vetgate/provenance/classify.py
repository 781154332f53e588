"""Classify commits as ai / human / unknown, keeping every piece of evidence.

The built-in catalog (``catalog.yaml``) and the policy's own markers are compiled once into
dictionaries keyed by folded addresses, trailer keys and logins, so classifying a commit costs a
few dictionary lookups plus parsing its trailers — audit streams whole histories through here.

A commit is **ai** if any AI mark fires (an accepted review-bot suggestion is an AI mark of kind
``suggestion``), **human** if a human declaration fires and no AI mark does, otherwise
**unknown**. ``counts_as`` then applies ``origin.suggestions`` and ``origin.unknown``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Literal

from vetgate.changes.model import Commit, CommitReading
from vetgate.policy.model import OriginConfig
from vetgate.provenance.context import ContextDetectors
from vetgate.provenance.index import (
    _DEFAULT_CONFIG,
    _EMPTY_CONTEXT,
    _SQUASH_SUBJECT,
    PolicyMarkers,
    builtin_index,
)
from vetgate.provenance.message import MessageDetectors
from vetgate.provenance.model import CommitOrigin, Evidence, EvidenceKind, ProvenanceContext
from vetgate.provenance.normalize import fold
from vetgate.records import replace

# The kinds of evidence that make a commit ai.
_AI_KINDS = frozenset({"ai", "suggestion", "executed"})


class Classifier(MessageDetectors, ContextDetectors):
    """Decides the origin of commits under one ``origin:`` configuration.

    Construct once (the catalog and the policy's markers are compiled here), then call
    :meth:`classify` for each commit.
    """

    def __init__(self, config: OriginConfig = _DEFAULT_CONFIG) -> None:
        self.config = config
        self._index = builtin_index()
        self._builtin = config.builtin
        self._markers = PolicyMarkers(config.markers, "origin.markers")
        self._human = PolicyMarkers(config.human, "origin.human")
        sets: list[tuple[PolicyMarkers, EvidenceKind]] = []
        if not self._markers.empty:
            sets.append((self._markers, "ai"))
        if not self._human.empty:
            sets.append((self._human, "human"))
        self._policy_sets = tuple(sets)
        self._context_key: tuple[str | None, tuple[str, ...]] | None = None
        self._context_evidence: tuple[Evidence, ...] = ()
        # What lets most commits skip most detectors: the marks of each distinct author and
        # committer pair (histories repeat them), and the trailer keys any mark needs.
        self._people_seen: dict[tuple[str, str, str, str], tuple[Evidence, ...]] = {}
        self._trailer_marks: dict[tuple[str, str, int, str | None], tuple[Evidence, ...]] = {}
        self._init_trailer_prefilter()

    def classify(self, commit: Commit, context: ProvenanceContext = _EMPTY_CONTEXT
                 ) -> CommitOrigin:
        """The origin of ``commit`` with all its evidence, in the order found."""
        evidence: list[Evidence] = []
        subject = self._commit_text(commit, evidence)
        for reading in commit.other_readings:
            self._other_reading(commit, reading, evidence)
        if commit.sha is not None:
            if context.notes:
                self._note(commit.sha, context.notes, evidence)
            if context.traces:
                self._traces(commit.sha, context.traces, evidence)
        elif context.env is not None:
            evidence.extend(self.env_evidence(context.env))
        if context.branch or context.labels:
            evidence.extend(self._context_marks(context))
        return self._verdict(commit, evidence, subject)

    def _commit_text(self, commit: Commit, evidence: list[Evidence]) -> str:
        """The marks in the commit's own text: identities, trailers and message. Returns the
        subject (``commit.subject``)."""
        message = commit.message
        folded_message = fold(message)
        end = message.find("\n")
        subject = (message if end < 0 else message[:end]).strip()
        end = folded_message.find("\n")
        folded_subject = (folded_message if end < 0 else folded_message[:end]).strip()
        suggested_by = self._suggested_by(folded_subject)

        evidence.extend(self._people(commit))
        squash_message = folded_subject == _SQUASH_SUBJECT
        self._trailers(message, folded_message, suggested_by, evidence,
                       squash_message=squash_message)
        if squash_message:
            self._squashed(message, evidence)
        if self._builtin:
            self._message_marks(message, folded_message, folded_subject, subject, suggested_by,
                                evidence)
        if self._policy_sets:
            self._policy_messages(message, folded_message, evidence)
        return subject

    def _other_reading(self, commit: Commit, reading: CommitReading,
                       evidence: list[Evidence]) -> None:
        """The marks the commit's bytes show when read another way (its encoding header
        honoured or ignored): each one not found already, saying how it was read."""
        found: list[Evidence] = []
        self._commit_text(replace(commit, author=reading.author, committer=reading.committer,
                                  message=reading.message, other_readings=()), found)
        seen = {(item.detector, item.kind, item.entry, item.source) for item in evidence}
        for item in found:
            if (item.detector, item.kind, item.entry, item.source) not in seen:
                evidence.append(replace(item, where=f"{item.where} (commit read {reading.how})"))

    def _verdict(self, commit: Commit, evidence: list[Evidence], subject: str) -> CommitOrigin:
        config = self.config
        if not evidence and not commit.unreadable:  # most commits of most histories
            return CommitOrigin(sha=commit.sha, origin="unknown", counts_as=config.unknown,
                                evidence=(), subject=subject)
        kinds = {item.kind for item in evidence}
        counts_as: Literal["ai", "human"]
        if not kinds.isdisjoint(_AI_KINDS):
            origin: Literal["ai", "human", "unknown"] = "ai"
            # An accepted suggestion or an orchestrator's run counts as the policy says.
            counts_as = "ai" if ("ai" in kinds
                                 or ("suggestion" in kinds and config.suggestions == "ai")
                                 or ("executed" in kinds and config.executed == "ai")) else "human"
        elif commit.unreadable:
            # An author or committer vetgate cannot read may be anyone: never human.
            evidence.append(Evidence(
                detector="identity", kind="undecided",
                detail=f"the commit cannot be read: {commit.unreadable}", where="commit object"))
            origin, counts_as = "unknown", self.config.unknown
        elif "human" in kinds:
            origin, counts_as = "human", "human"
        else:
            origin, counts_as = "unknown", self.config.unknown
        return CommitOrigin(sha=commit.sha, origin=origin, counts_as=counts_as,
                            evidence=tuple(evidence), subject=subject)


@functools.lru_cache(maxsize=8)
def _classifier(config: OriginConfig) -> Classifier:
    return Classifier(config)


def env_markers(env: Mapping[str, str], config: OriginConfig = _DEFAULT_CONFIG
                ) -> tuple[Evidence, ...]:
    """The agent environment variables present in ``env`` as evidence (for the
    prepare-commit-msg hook and pending commits)."""
    return _classifier(config).env_evidence(env)


def agent_declaration_trailer(env: Mapping[str, str], config: OriginConfig = _DEFAULT_CONFIG
                              ) -> tuple[str, str] | None:
    """The trailer ``vetgate-mark`` appends inside an agent's shell, e.g.
    ``("AI-Assisted", "claude-code")`` for ``CLAUDECODE=1``; None outside one.

    The catalog names the value per tool (``AI_AGENT``/``AGENT`` give their own value). The
    trailer classifies as ai through the catalog's ``AI-Assisted: <not no>`` entry.
    """
    return _classifier(config).declaration(env)


def is_agent_account(login_or_email: str) -> bool:
    """True for known agent and bot accounts: any ``…[bot]`` login, ``Copilot``, the catalog's
    agent logins and identities (``Name <email>``, a bare address or a login all work). Review
    independence uses it: such an account's approval never counts as a human's."""
    if not login_or_email or not login_or_email.strip():
        return False
    return builtin_index().is_agent_account(login_or_email)

