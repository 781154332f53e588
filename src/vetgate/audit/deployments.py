"""Deployments, escaped failures and the AI share of production failures (SPEC 6.1).

A commit is *shipped* by the first deployment that contains it. A failure *escaped* when the
commit was shipped and the revert or fix that signalled it was not in that deployment: it
reached production before anyone fixed it. DORA's change-failure rate is the share of
deployments that shipped at least one escaped failure; time to restore runs from the deployment
that shipped the failure to the one that shipped its first revert or fix.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence

from vetgate.audit.model import ORIGINS, DeploymentRow, DeploymentStats, EscapeStats
from vetgate.audit.stats import median, wilson_interval
from vetgate.changes import deploys
from vetgate.changes.deploys import Deployment
from vetgate.errors import UsageError

AUTO = "auto"
NONE = "none"
_FIRST_PARENT = "first-parent:"


def resolve(root: str, pattern: str | None) -> tuple[str, list[Deployment], bool] | None:
    """``(pattern, deployments oldest first, chain?)`` for ``--deployments``; None when off.

    ``auto`` (the default): release-looking tags when there are any, else none. ``none``: off.
    ``first-parent:BRANCH``: every first-parent commit of BRANCH. Anything else: a tag glob.
    """
    text = AUTO if pattern is None else pattern.strip()
    if text == NONE:
        return None
    if text == AUTO:
        found = deploys.tag_deployments(root, lambda name: bool(deploys.RELEASE_TAG.match(name)))
        return (f"{AUTO}: release tags", found, False) if found else None
    if text.startswith(_FIRST_PARENT):
        branch = text[len(_FIRST_PARENT):]
        if not branch:
            raise UsageError(f"--deployments {pattern!r}: name the branch, e.g. "
                             "first-parent:main")
        return text, deploys.branch_deployments(root, branch), True
    if not text:
        raise UsageError("--deployments is empty; give a tag glob such as 'v*', "
                         "first-parent:BRANCH, auto or none")
    found = deploys.tag_deployments(root, lambda name: fnmatch.fnmatchcase(name, text))
    if not found:
        raise UsageError(f"--deployments {text!r} matches no tag of a commit; give a tag glob "
                         "that matches your release tags (e.g. 'v*'), first-parent:BRANCH, or "
                         "none")
    return text, found, False


class _Tally:
    __slots__ = ("escaped", "hours", "shipped")

    def __init__(self) -> None:
        self.shipped = 0
        self.escaped = 0
        self.hours: list[float] = []


class DeploymentTracker:
    """Counts shipped and escaped commits as the audit's commits stream by."""

    def __init__(self, pattern: str, deployments: Sequence[Deployment],
                 shipped: Mapping[str, int]) -> None:
        self.pattern = pattern
        self._deployments = deployments
        self._shipped = shipped
        self._tallies = {origin: _Tally() for origin in ORIGINS}
        self._rows_shipped: dict[int, dict[str, int]] = {}
        self._rows_escaped: dict[int, dict[str, int]] = {}
        self.unshipped = 0

    def add(self, sha: str, origin: str, signals: Iterable[str]) -> None:
        """One commit in the rates, with the shas of the reverts/fixes that signalled it."""
        index = self._shipped.get(sha)
        if index is None:
            self.unshipped += 1
            return
        tally = self._tallies[origin]
        tally.shipped += 1
        row = self._rows_shipped.setdefault(index, dict.fromkeys(ORIGINS, 0))
        row[origin] += 1
        restored: list[int] = []
        escaped = False
        for by in signals:
            fixed_in = self._shipped.get(by)
            if fixed_in is not None and fixed_in <= index:
                continue  # the fix went out with (or before) the failure: caught before production
            escaped = True
            if fixed_in is not None:
                restored.append(self._deployments[fixed_in].time)
        if not escaped:
            return
        tally.escaped += 1
        self._rows_escaped.setdefault(index, dict.fromkeys(ORIGINS, 0))[origin] += 1
        if restored:
            tally.hours.append(max(0.0, (min(restored) - self._deployments[index].time) / 3600))

    def freeze(self) -> DeploymentStats:
        total_shipped = sum(t.shipped for t in self._tallies.values())
        total_escaped = sum(t.escaped for t in self._tallies.values())
        origins = {}
        for origin, tally in self._tallies.items():
            interval = wilson_interval(tally.escaped, tally.shipped)
            hours = median(tally.hours)
            origins[origin] = EscapeStats(
                shipped=tally.shipped,
                escaped=tally.escaped,
                escape_rate=_ratio(tally.escaped, tally.shipped),
                escape_ci95=_rounded(interval),
                median_hours_to_restore=None if hours is None else round(hours, 1),
                share_of_failures=_ratio(tally.escaped, total_escaped),
                share_of_shipped=_ratio(tally.shipped, total_shipped),
            )
        count = len(self._rows_shipped)
        failed = len(self._rows_escaped)
        all_hours = median([h for t in self._tallies.values() for h in t.hours])
        rows = tuple(
            DeploymentRow(self._deployments[i].name, self._deployments[i].sha,
                          self._deployments[i].time, self._rows_shipped[i],
                          self._rows_escaped.get(i, dict.fromkeys(ORIGINS, 0)))
            for i in sorted(self._rows_shipped)
        )
        return DeploymentStats(
            pattern=self.pattern, count=count, failed=failed, cfr=_ratio(failed, count),
            ci95=_rounded(wilson_interval(failed, count)),
            median_hours_to_restore=None if all_hours is None else round(all_hours, 1),
            unshipped=self.unshipped, origins=origins, rows=rows,
        )


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _rounded(interval: tuple[float, float] | None) -> tuple[float, float] | None:
    return None if interval is None else (round(interval[0], 4), round(interval[1], 4))


def tracker(root: str, pattern: str | None) -> DeploymentTracker | None:
    """A tracker for ``--deployments PATTERN`` (None when there are no deployments to use)."""
    resolved = resolve(root, pattern)
    if resolved is None:
        return None
    text, found, chain = resolved
    return DeploymentTracker(text, found, deploys.shipped_by(root, found, chain=chain))
