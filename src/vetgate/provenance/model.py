"""Provenance verdicts and their evidence, as frozen data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from vetgate.records import field, frozen

Origin = Literal["ai", "human", "unknown"]
# "undecided": not a mark but the reason a commit cannot be judged (its author or committer
# cannot be read); it keeps the commit unknown, never human.
# "executed": an agent orchestrator ran the commit (Executed-By, a role-path author); it counts
# as ai unless the policy sets origin.executed: human.
EvidenceKind = Literal["ai", "human", "suggestion", "undecided", "executed"]


@frozen
class Evidence:
    """One mark found on a commit."""

    detector: str  # trailer | identity | message | env | branch | label | note | agent-trace
    kind: EvidenceKind  # what the mark says: ai, a human declaration, an accepted AI suggestion
    detail: str  # the exact text that matched, e.g. "Co-Authored-By: Claude <noreply@…>"
    where: str  # e.g. "trailer, message line 4", "author", "environment CLAUDECODE"
    tool: str | None = None  # e.g. "Claude Code"
    source: Literal["builtin", "policy"] = "builtin"
    entry: str | None = None  # catalog entry id, or the policy marker that fired
    # The commit it was found on, set when a rule cites it (the engine's ``cite``): its sha (None
    # for the pending commit) and subject. ``commit_subject`` None means "not cited".
    commit: str | None = None
    commit_subject: str | None = None

    @property
    def cited(self) -> bool:
        """Does this evidence name the commit it was found on?"""
        return self.commit is not None or self.commit_subject is not None

    def describe(self) -> str:
        """One line for people: 'Claude Code: trailer, message line 4: Co-Authored-By: …'."""
        head = f"{self.tool}: " if self.tool else ""
        # "trailer, message line 4" already names the detector; don't say it twice.
        where = self.where if self.where.startswith(self.detector) else (
            f"{self.detector}, {self.where}" if self.where else self.detector)
        if self.detail and self.detail in where:
            return f"{head}{where}"  # "environment CLAUDECODE=1" already shows what matched
        return f"{head}{where}: {self.detail}"


@frozen
class CommitOrigin:
    """The verdict on one commit (``sha`` None for the pending commit)."""

    sha: str | None
    origin: Origin  # what the evidence says
    counts_as: Literal["ai", "human"]  # after ``origin.unknown`` and ``origin.suggestions``
    evidence: tuple[Evidence, ...] = ()
    subject: str = ""

    @property
    def tools(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for item in self.evidence:
            if item.tool and item.kind in ("ai", "suggestion", "executed"):
                seen.setdefault(item.tool, None)
        return tuple(seen)


@frozen
class ProvenanceContext:
    """What is known about a change besides its commits."""

    env: Mapping[str, str] | None = None  # commit-time environment: the pending commit only
    branch: str | None = None  # head branch (CI)
    labels: tuple[str, ...] = ()  # PR/MR labels (CI)
    # git-ai authorship notes (refs/notes/ai) and Agent Trace records, keyed by commit sha.
    notes: Mapping[str, str] = field(default_factory=dict)
    traces: Mapping[str, tuple[Mapping[str, object], ...]] = field(default_factory=dict)
