"""Streaming counters: one commit in, a handful of integers updated; nothing per commit kept.

The only per-commit data that survives a commit is a ``Failure`` when the commit failed, and the
hours-to-fix of failed commits (for the medians): both grow with failures, not with history.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from vetgate.audit.model import (
    ORIGINS,
    SIZE_BUCKETS,
    Failure,
    OriginStats,
    PeriodStats,
    Signal,
    size_bucket,
)
from vetgate.audit.stats import median, wilson_interval

if TYPE_CHECKING:
    from vetgate.audit.deployments import DeploymentTracker


class Tally:
    """Mutable counters for one origin in one scope."""

    __slots__ = ("commits", "failed", "fix_inducing", "hours", "lines", "reverted")

    def __init__(self) -> None:
        self.commits = 0
        self.lines = 0
        self.reverted = 0
        self.fix_inducing = 0
        self.failed = 0
        self.hours: list[float] = []

    def add(self, lines: int, reverted: bool, fix_inducing: bool, hours: float | None) -> None:
        self.commits += 1
        self.lines += lines
        self.reverted += reverted
        self.fix_inducing += fix_inducing
        if reverted or fix_inducing:
            self.failed += 1
            if hours is not None:
                self.hours.append(hours)

    def freeze(self) -> OriginStats:
        interval = wilson_interval(self.failed, self.commits)
        hours = median(self.hours)
        return OriginStats(
            commits=self.commits,
            lines=self.lines,
            reverted=self.reverted,
            fix_inducing=self.fix_inducing,
            failed=self.failed,
            failure_rate=round(self.failed / self.commits, 4) if self.commits else None,
            ci95=(round(interval[0], 4), round(interval[1], 4)) if interval else None,
            median_hours_to_fix=round(hours, 1) if hours is not None else None,
        )


def _by_origin() -> dict[str, Tally]:
    return {origin: Tally() for origin in ORIGINS}


def _freeze(tallies: Mapping[str, Tally]) -> dict[str, OriginStats]:
    return {origin: tally.freeze() for origin, tally in tallies.items()}


def month_of(unix_time: int) -> str:
    """The UTC calendar month of a unix time, as ``YYYY-MM``."""
    moment = time.gmtime(unix_time)
    return f"{moment.tm_year:04d}-{moment.tm_mon:02d}"


class Aggregator:
    """Counts commits into origins, rules, size buckets and months as they stream by."""

    def __init__(self, rule_ids: Sequence[str], *,
                 reverted: Mapping[str, tuple[str, int]],
                 inducing: Mapping[str, Sequence[tuple[str, int]]],
                 window_seconds: int | None, cutoff_time: int | None,
                 deployments: DeploymentTracker | None = None) -> None:
        self._reverted = reverted
        self._inducing = inducing
        self._window = window_seconds
        self._cutoff = cutoff_time
        self.deployments = deployments
        self.origins = _by_origin()
        # The same commits as the policy counts them (``origin.unknown``, ``origin.suggestions``).
        self.counted = {"ai": Tally(), "human": Tally()}
        self.rules: dict[str, dict[str, Tally]] = {rule: _by_origin() for rule in rule_ids}
        self.sizes: dict[str, dict[str, Tally]] = {label: _by_origin() for label, _ in SIZE_BUCKETS}
        self._months: dict[str, dict[str, list[int]]] = {}
        self.failures: list[Failure] = []
        self.commits = 0
        self.commits_in_rates = 0
        self.excluded_young = 0
        self.first_time: int | None = None
        self.last_time: int | None = None
        self.seen_failed: set[str] = set()  # commits with a signal that were seen (≤ failures)

    def _within(self, commit_time: int, signal_time: int) -> bool:
        return self._window is None or signal_time - commit_time <= self._window

    def add(self, sha: str, origin: str, commit_time: int, lines: int,
            rule_lines: Mapping[str, int], counts_as: str | None = None) -> None:
        """Count one commit: its origin (and how the policy counts it), its total lines, and its
        lines per rule it touched."""
        self.commits += 1
        if self.first_time is None or commit_time < self.first_time:
            self.first_time = commit_time
        if self.last_time is None or commit_time > self.last_time:
            self.last_time = commit_time
        month = self._months.setdefault(month_of(commit_time), {o: [0, 0] for o in ORIGINS})
        month[origin][0] += 1
        month[origin][1] += lines

        if self._cutoff is not None and commit_time > self._cutoff:
            self.excluded_young += 1
            return
        self.commits_in_rates += 1

        signals: list[tuple[Signal, str, int]] = []  # (signal, by, when)
        revert = self._reverted.get(sha)
        if revert is not None and self._within(commit_time, revert[1]):
            signals.append(("reverted", revert[0], revert[1]))
        for fix, when in self._inducing.get(sha, ()):
            if self._within(commit_time, when):
                signals.append(("fix_inducing", fix, when))
        if revert is not None or sha in self._inducing:
            self.seen_failed.add(sha)
        is_reverted = any(kind == "reverted" for kind, _, _ in signals)
        is_inducing = any(kind == "fix_inducing" for kind, _, _ in signals)
        hours = (
            max(0.0, (min(when for _, _, when in signals) - commit_time) / 3600)
            if signals else None
        )
        self.origins[origin].add(lines, is_reverted, is_inducing, hours)
        self.counted[counts_as or ("ai" if origin == "ai" else "human")].add(
            lines, is_reverted, is_inducing, hours)
        self.sizes[size_bucket(lines)][origin].add(lines, is_reverted, is_inducing, hours)
        for rule, count in rule_lines.items():
            self.rules.setdefault(rule, _by_origin())[origin].add(
                count, is_reverted, is_inducing, hours
            )
        if self.deployments is not None:
            self.deployments.add(sha, origin, [by for _, by, _ in signals])
        touched = tuple(rule_lines)
        for kind, by, when in signals:
            delay = round(max(0.0, (when - commit_time) / 3600), 1)
            self.failures.append(Failure(sha, origin, kind, by, delay, touched))

    def origin_stats(self) -> dict[str, OriginStats]:
        return _freeze(self.origins)

    def counted_stats(self) -> dict[str, OriginStats]:
        return _freeze(self.counted)

    def rule_stats(self) -> dict[str, dict[str, OriginStats]]:
        return {rule: _freeze(tallies) for rule, tallies in self.rules.items()}

    def size_stats(self) -> dict[str, dict[str, OriginStats]]:
        return {label: _freeze(tallies) for label, tallies in self.sizes.items()}

    def periods(self) -> tuple[PeriodStats, ...]:
        return tuple(
            PeriodStats(
                period=month,
                commits={o: counts[o][0] for o in ORIGINS},
                lines={o: counts[o][1] for o in ORIGINS},
            )
            for month, counts in sorted(self._months.items())
        )
