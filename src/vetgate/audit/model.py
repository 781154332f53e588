"""The audit's result, as frozen data; the report formats only read it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from vetgate.records import frozen

ORIGINS: tuple[str, ...] = ("ai", "human", "unknown")
Signal = Literal["reverted", "fix_inducing"]

# Commit size buckets by added+removed lines: (label, largest size in the bucket or None).
SIZE_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("0-10", 10), ("11-50", 50), ("51-200", 200), ("201+", None),
)


def size_bucket(lines: int) -> str:
    """The label of the size bucket a commit of ``lines`` added+removed lines falls in."""
    for label, largest in SIZE_BUCKETS:
        if largest is None or lines <= largest:
            return label
    return SIZE_BUCKETS[-1][0]


@frozen
class OriginStats:
    """The counts behind one change-failure rate (one origin, in one scope)."""

    commits: int = 0
    lines: int = 0  # added + removed
    reverted: int = 0
    fix_inducing: int = 0
    failed: int = 0  # either signal, counted once
    failure_rate: float | None = None  # failed / commits; None when commits == 0
    ci95: tuple[float, float] | None = None  # Wilson score interval; None when commits == 0
    median_hours_to_fix: float | None = None  # commit → first revert/fix, over failed commits


@frozen
class PeriodStats:
    """One calendar month (UTC): commits and lines per origin."""

    period: str  # "YYYY-MM"
    commits: Mapping[str, int]
    lines: Mapping[str, int]

    def commit_share(self, origin: str) -> float | None:
        total = sum(self.commits.values())
        return self.commits.get(origin, 0) / total if total else None

    def line_share(self, origin: str) -> float | None:
        total = sum(self.lines.values())
        return self.lines.get(origin, 0) / total if total else None


@frozen
class Failure:
    """One failure signal on one commit."""

    sha: str
    origin: str
    signal: Signal
    by: str  # the revert or fix commit
    hours: float  # from the commit to ``by`` (commit times; 0 if the clocks disagree)
    rules: tuple[str, ...] = ()


@frozen
class Method:
    """How the numbers were made, so the report can say it."""

    szz: str  # "b" | "r" | "l"
    fix_pattern: str
    fix_pattern_is_default: bool
    window_days: int | None
    window_reference: int | None  # unix time the window is measured back from (newest commit)
    fixes: int = 0
    fixes_blamed: int = 0
    ghost_fixes: int = 0
    data_only_fixes: int = 0
    fixes_without_parent: int = 0
    reverts: int = 0
    reverts_unresolved: int = 0
    candidates_ignored: int = 0
    failures_outside_range: int = 0
    excluded_young: int = 0
    shallow: bool = False
    skipped_paths: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@frozen
class EscapeStats:
    """One origin's production figures."""

    shipped: int = 0
    escaped: int = 0
    escape_rate: float | None = None  # escaped / shipped; None when nothing shipped
    escape_ci95: tuple[float, float] | None = None
    median_hours_to_restore: float | None = None  # over escaped commits whose fix shipped
    share_of_failures: float | None = None  # of all escaped failures; None when none escaped
    share_of_shipped: float | None = None  # of all shipped commits


@frozen
class DeploymentRow:
    """One deployment: what it shipped and how much of that escaped, per origin."""

    name: str
    sha: str
    time: int
    shipped: Mapping[str, int]
    escaped: Mapping[str, int]


@frozen
class DeploymentStats:
    """The deployment-level figures of an audit."""

    pattern: str
    count: int  # deployments that shipped at least one commit of the range
    failed: int  # ... of which shipped at least one escaped failure
    cfr: float | None
    ci95: tuple[float, float] | None
    median_hours_to_restore: float | None
    unshipped: int  # commits of the range (in the rates) that no deployment contains yet
    origins: Mapping[str, EscapeStats]
    rows: tuple[DeploymentRow, ...]


@frozen
class RepositoryRow:
    """One repository of a merged report (``vetgate audit --merge``)."""

    name: str
    range: str
    head: str
    origins: Mapping[str, OriginStats]
    deployments: int = 0
    failed_deployments: int = 0


@frozen
class AuditReport:
    """Everything ``vetgate audit`` found."""

    range: str
    head: str  # the sha the range ends at ("" if unknown)
    since: str | None
    until: str | None
    commits: int  # non-merge commits in the range
    commits_in_rates: int  # after leaving out commits younger than the window
    first_time: int | None  # oldest / newest commit time in the range (unix seconds)
    last_time: int | None
    origins: Mapping[str, OriginStats]
    # ai / human as the policy counts commits (unknown → ``origin.unknown``): the "ai vs human".
    counted: Mapping[str, OriginStats]
    unknown_counts_as: str
    rules: Mapping[str, Mapping[str, OriginStats]]
    rule_descriptions: Mapping[str, str]
    size_buckets: Mapping[str, Mapping[str, OriginStats]]
    periods: tuple[PeriodStats, ...]
    failures: tuple[Failure, ...]
    method: Method
    policy_files: tuple[str, ...] = ()
    # Where the policy was read (``gate.policy.describe_policy``): the work tree, or HEAD's
    # commit in a bare repository, or the built-in default and why.
    policy_source: str = ""
    deployments: DeploymentStats | None = None  # with --deployments (or release tags)
    repository: str = ""  # the repository's folder name (a merged report's rows use it)
    repositories: tuple[RepositoryRow, ...] = ()  # a merged report: one row per repository
