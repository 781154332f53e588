"""The replay report, as frozen data. ``walk`` builds it; ``render`` only formats it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from vetgate.records import frozen

# How one rule treated one change.
Outcome = Literal["blocked", "warned", "passed", "unknown", "skipped"]
OUTCOMES: tuple[Outcome, ...] = ("blocked", "warned", "passed", "unknown", "skipped")
# How one policy treated one change.
ChangeVerdict = Literal["fail", "warn", "pass", "unknown"]
SIDES = ("proposed", "against")

JUDGED_BY = (
    "Each change is judged by the proposed policy and by the policy it is compared against, as "
    "`check --range` would judge it (its commits' provenance; its diff against its first "
    "parent) -- not by the policy that was in force when it landed."
)
REVIEWS_UNKNOWN = (
    "Reviews and labels are not in git: review and label requirements count as unknown, never "
    "as met{reviews}."
)


@frozen
class RuleOutcome:
    """One rule on one change, under each policy (None: that policy has no such rule)."""

    rule: str
    proposed: Outcome | None
    against: Outcome | None
    message: str = ""  # the unmet requirement (the proposed policy's when it has one)


@frozen
class ReplayedChange:
    """One change that reached the branch."""

    sha: str  # the merge, squash or rebase commit
    subject: str
    origin: Literal["ai", "human", "unknown"]
    commits: int  # how many commits it brought (a merge: its pull request's, plus itself)
    proposed: ChangeVerdict
    against: ChangeVerdict
    rules: tuple[RuleOutcome, ...]  # the rules that applied under either policy


@frozen
class Counts:
    """How many changes a rule blocked, warned about, passed, could not judge, or skipped."""

    blocked: int = 0
    warned: int = 0
    passed: int = 0
    unknown: int = 0
    skipped: int = 0

    def add(self, outcome: Outcome | None) -> Counts:
        """These counts with one more ``outcome`` (None: the policy has no such rule)."""
        if outcome is None:
            return self
        values = {name: getattr(self, name) for name in OUTCOMES}
        values[outcome] += 1
        return Counts(**values)


@frozen
class ReplayReport:
    """The whole replay: both policies, the changes (newest first) and the counts per rule."""

    policy: str  # where the proposed policy was read
    against: str  # where the policy it is compared with was read
    head: str  # the branch tip the walk started from
    requested: int | None  # --last N (None: a RANGE)
    changes: tuple[ReplayedChange, ...]
    # rule -> {"proposed": counts, "against": counts}; None where that policy has no such rule
    rules: Mapping[str, Mapping[str, Counts | None]]
    reviews: str | None = None  # the --reviews file, when given
    note: str | None = None  # why the walk stopped early (the budget), else None
    # The changes of the window that edited the policy files (newest first): the changes before
    # each were gated by another policy when they landed, and are judged by these ones here.
    policy_changed: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """Whether every change asked for was replayed."""
        return self.note is None

    def difference(self) -> list[tuple[str, int]]:
        """(rule, proposed blocked - against blocked) for each rule where they differ."""
        out = []
        for rule, sides in self.rules.items():
            mine, theirs = sides["proposed"], sides["against"]
            delta = (mine.blocked if mine else 0) - (theirs.blocked if theirs else 0)
            if delta:
                out.append((rule, delta))
        return out
