"""The explained result tree. Evaluation builds it; reporters only format it."""

from __future__ import annotations

from typing import Literal

from vetgate.changes.model import ChangeMode, FileChange
from vetgate.policy.model import Level, SourceLocation
from vetgate.provenance.model import CommitOrigin, Evidence
from vetgate.records import frozen

# ``error``: the evidence cannot decide (a team whose membership could not be read); the run is
# undecided (exit 2), never a pass.
Status = Literal["pass", "fail", "pending", "skip", "error"]
Verdict = Literal["pass", "warn", "fail"]


@frozen
class RequirementResult:
    kind: str  # a requirement kind (vetgate.engine.kinds.KINDS), or coverage
    status: Status
    message: str  # why, and for an unmet requirement the one step that satisfies it
    paths: tuple[str, ...] = ()  # the files this requirement speaks about
    details: tuple[str, ...] = ()  # e.g. approvals counted, approvals that went stale and why


@frozen
class RuleResult:
    rule: str
    source: SourceLocation
    level: Level
    status: Status
    description: str = ""
    paths: tuple[str, ...] = ()  # matching changed files (new path; old path for deletions)
    origin: Literal["ai", "human", "mixed", "none"] = "none"  # of the matching files
    requirements: tuple[RequirementResult, ...] = ()
    evidence: tuple[Evidence, ...] = ()  # AI evidence of the commits that touched ``paths``
    reason: str = ""  # for skip: why the rule did not apply
    requires: tuple[str, ...] = ()  # what the rule requires, one sentence per requirement


@frozen
class FileResult:
    change: FileChange
    origin: Literal["ai", "human"]
    rules: tuple[str, ...] = ()  # ids of rules matching any of its paths


@frozen
class CheckResult:
    verdict: Verdict
    mode: ChangeMode
    base: str | None
    head: str | None
    policy_files: tuple[str, ...]
    commits: tuple[CommitOrigin, ...]
    files: tuple[FileResult, ...]
    results: tuple[RuleResult, ...]
    ci: bool = False  # evaluated with CI authority (review evidence from the code host)
    warnings: tuple[str, ...] = ()  # e.g. uncovered AI-origin files under ``coverage: warn``
    warn_only: bool = False  # --warn-only: reported, never blocks
    # Which policy judged, in one line: file(s) and where they were read (``.vetgate.yaml@<sha>
    # (base)``, ``(index)``, ``(work tree)``), or the built-in default and why.
    policy_source: str = ""
    # One line each: the head changes the policy (it applies after merge); the work tree's copy
    # differs from the index's, which judged.
    policy_notes: tuple[str, ...] = ()
