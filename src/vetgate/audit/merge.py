"""``vetgate audit --merge FILE...``: one report from the JSON reports of many repositories.

Counts add; every rate and Wilson interval is recomputed from the summed counts (never averaged);
medians are recomputed from the failures the reports list where that is possible (per origin and
per rule) and left out where it is not (size buckets, time to restore). A row per repository is
kept. Reports of another ``version``, or made with another SZZ variant or window, are refused:
their counts do not add up to one measure.
"""

from __future__ import annotations

import calendar
import json
import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

from vetgate.audit.model import (
    ORIGINS,
    AuditReport,
    DeploymentStats,
    EscapeStats,
    Failure,
    Method,
    OriginStats,
    PeriodStats,
    RepositoryRow,
)
from vetgate.audit.stats import median, wilson_interval
from vetgate.errors import UsageError

_COUNTS = ("commits", "lines", "reverted", "fix_inducing", "failed")
_FIX_KINDS = {"total": "fixes", "blamed": "fixes_blamed", "ghost": "ghost_fixes",
              "data_only": "data_only_fixes", "without_parent": "fixes_without_parent"}


def _load(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise UsageError(f"--merge {path}: cannot read it: {exc.strerror}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"--merge {path}: not a JSON report ({exc}); write each report with "
                         "`vetgate audit --format json --output FILE`") from exc
    if not isinstance(data, dict) or "origins" not in data or "method" not in data:
        raise UsageError(f"--merge {path}: not a `vetgate audit --format json` report")
    return data


def _same(reports: Sequence[tuple[str, Mapping[str, Any]]], what: str, read: Any) -> Any:
    values = {json.dumps(read(data)): (path, read(data)) for path, data in reports}
    if len(values) > 1:
        shown = "; ".join(f"{path}: {value!r}" for path, value in values.values())
        raise UsageError(f"--merge: the reports differ in {what} ({shown}); their figures do not "
                         f"add up to one measure: audit every repository with the same {what}")
    return next(iter(values.values()))[1]


def _stats(parts: Sequence[Mapping[str, Any]], hours: Sequence[float] | None) -> OriginStats:
    counts = {key: sum(int(part.get(key) or 0) for part in parts) for key in _COUNTS}
    interval = wilson_interval(counts["failed"], counts["commits"])
    middle = median(hours) if hours else None
    return OriginStats(
        **counts,
        failure_rate=round(counts["failed"] / counts["commits"], 4) if counts["commits"] else None,
        ci95=None if interval is None else (round(interval[0], 4), round(interval[1], 4)),
        median_hours_to_fix=None if middle is None else round(middle, 1),
    )


def _first_hours(failures: Sequence[tuple[str, Mapping[str, Any]]]) -> dict[tuple[str, str], Any]:
    """(repository, sha) → the failure with the earliest signal (hours to fix is to that one)."""
    first: dict[tuple[str, str], Any] = {}
    for repo, item in failures:
        key = (repo, item["sha"])
        if key not in first or item["hours"] < first[key]["hours"]:
            first[key] = item
    return first


def _time(text: str | None) -> int | None:
    if not text:
        return None
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


def _method(reports: Sequence[tuple[str, Mapping[str, Any]]], szz: str,
            window: int | None) -> Method:
    methods = [data["method"] for _, data in reports]
    fixes = {attr: sum(int(m["fixes"][key]) for m in methods) for key, attr in _FIX_KINDS.items()}
    patterns = {m["fix_pattern"] for m in methods}
    notes = list(dict.fromkeys(note for m in methods for note in m.get("notes", ())))
    notes.append(f"Merged from {len(reports)} reports; rates and intervals are recomputed from "
                 "the summed counts, medians from the listed failures where possible.")
    if len(patterns) > 1:
        notes.append(f"The reports used {len(patterns)} different fix patterns.")
    return Method(
        szz=szz, fix_pattern=" | ".join(sorted(patterns)),
        fix_pattern_is_default=all(m["fix_pattern_default"] for m in methods),
        window_days=window, window_reference=None, **fixes,
        reverts=sum(int(m["reverts"]["total"]) for m in methods),
        reverts_unresolved=sum(int(m["reverts"]["unresolved"]) for m in methods),
        candidates_ignored=sum(int(m["candidates_ignored"]) for m in methods),
        failures_outside_range=sum(int(m["failures_outside_range"]) for m in methods),
        excluded_young=sum(int(m["excluded_young"]) for m in methods),
        shallow=any(m["shallow"] for m in methods),
        skipped_paths=tuple(methods[0]["skipped_paths"]), notes=tuple(notes),
    )


def _deployments(reports: Sequence[tuple[str, Mapping[str, Any]]]) -> DeploymentStats | None:
    with_deploys = [data for _, data in reports if data.get("deployments")]
    if not with_deploys:
        return None
    count = sum(int(d["deployments"]["count"]) for d in with_deploys)
    failed = sum(int(d["deployments"]["failed"]) for d in with_deploys)
    shipped = {o: sum(int(d["origins"][o].get("shipped", 0)) for d in with_deploys)
               for o in ORIGINS}
    escaped = {o: sum(int(d["origins"][o].get("escaped", 0)) for d in with_deploys)
               for o in ORIGINS}
    origins = {}
    for origin in ORIGINS:
        interval = wilson_interval(escaped[origin], shipped[origin])
        origins[origin] = EscapeStats(
            shipped=shipped[origin], escaped=escaped[origin],
            escape_rate=_ratio(escaped[origin], shipped[origin]),
            escape_ci95=_rounded(interval), median_hours_to_restore=None,
            share_of_failures=_ratio(escaped[origin], sum(escaped.values())),
            share_of_shipped=_ratio(shipped[origin], sum(shipped.values())),
        )
    patterns = sorted({str(d["deployments"]["pattern"]) for d in with_deploys})
    return DeploymentStats(
        pattern=", ".join(patterns), count=count, failed=failed, cfr=_ratio(failed, count),
        ci95=_rounded(wilson_interval(failed, count)), median_hours_to_restore=None,
        unshipped=sum(int(d["deployments"]["unshipped"]) for d in with_deploys),
        origins=origins, rows=(),
    )


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _rounded(interval: tuple[float, float] | None) -> tuple[float, float] | None:
    return None if interval is None else (round(interval[0], 4), round(interval[1], 4))


def _repository(path: str, data: Mapping[str, Any]) -> RepositoryRow:
    name = data.get("repository") or os.path.splitext(os.path.basename(path))[0]
    deployments = data.get("deployments") or {}
    return RepositoryRow(
        name=str(name), range=str(data.get("range")), head=str(data.get("head") or ""),
        origins={o: _stats([data["origins"][o]], None) for o in ORIGINS},
        deployments=int(deployments.get("count", 0)), failed_deployments=int(
            deployments.get("failed", 0)),
    )


def _refuse_twice(reports: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
    """Exit 2 when two reports are one audit (the same head, range and dates): a file given
    twice, a copy, or a repository audited twice would count its history twice."""
    seen: dict[str, str] = {}
    for path, data in reports:
        if not data.get("head"):
            continue
        key = json.dumps([data.get(k) for k in ("head", "range", "since", "until")])
        if key in seen:
            raise UsageError(
                f"--merge: {seen[key]} and {path} are the same audit (head "
                f"{str(data['head'])[:12]}, range {data.get('range')}); merging both would "
                "count that history twice: give each repository's report once")
        seen[key] = path


def merge_reports(paths: Sequence[str]) -> AuditReport:
    """One ``AuditReport`` from the JSON reports at ``paths`` (exit 2 when they cannot add)."""
    reports = [(path, _load(path)) for path in paths]
    _same(reports, "version", lambda d: d.get("version"))
    szz = _same(reports, "SZZ variant", lambda d: d["method"]["szz"])
    window = _same(reports, "window", lambda d: d["method"]["window_days"])
    _refuse_twice(reports)
    failures = [(f"{i}:{path}", item) for i, (path, data) in enumerate(reports)
                for item in data.get("failures", ())]
    first = _first_hours(failures)
    origin_hours = {o: [f["hours"] for f in first.values() if f["origin"] == o] for o in ORIGINS}
    rule_names = list(dict.fromkeys(rule for _, data in reports for rule in data["rules"]))
    rules = {}
    for rule in rule_names:
        rules[rule] = {o: _stats([d["rules"][rule][o] for _, d in reports if rule in d["rules"]
                                  and o in d["rules"][rule]],
                                 [f["hours"] for f in first.values()
                                  if f["origin"] == o and rule in f.get("rules", ())])
                       for o in ORIGINS}
    buckets = list(dict.fromkeys(b for _, data in reports for b in data["size_buckets"]))
    sizes = {b: {o: _stats([d["size_buckets"][b][o] for _, d in reports
                            if o in d["size_buckets"].get(b, {})], None) for o in ORIGINS}
             for b in buckets}
    months: dict[str, dict[str, list[int]]] = {}
    for _, data in reports:
        for period in data["periods"]:
            month = months.setdefault(period["period"], {o: [0, 0] for o in ORIGINS})
            for origin in ORIGINS:
                month[origin][0] += int(period["commits"].get(origin, 0))
                month[origin][1] += int(period["lines"].get(origin, 0))
    counted = {side: _stats([d["counted"][side] for _, d in reports], None)
               for side in ("ai", "human")}
    firsts = [t for _, d in reports if (t := _time(d.get("first_commit"))) is not None]
    lasts = [t for _, d in reports if (t := _time(d.get("last_commit"))) is not None]
    return AuditReport(
        range=f"{len(reports)} repositories", head="", since=None, until=None,
        commits=sum(int(d["commits"]) for _, d in reports),
        commits_in_rates=sum(int(d["commits_in_rates"]) for _, d in reports),
        first_time=min(firsts, default=None), last_time=max(lasts, default=None),
        origins={o: _stats([d["origins"][o] for _, d in reports], origin_hours[o])
                 for o in ORIGINS},
        counted=counted,
        unknown_counts_as=", ".join(sorted({d["counted"]["unknown_counts_as"]
                                            for _, d in reports})),
        rules=rules, rule_descriptions={},
        size_buckets=sizes,
        periods=tuple(PeriodStats(m, {o: c[o][0] for o in ORIGINS}, {o: c[o][1] for o in ORIGINS})
                      for m, c in sorted(months.items())),
        failures=tuple(Failure(f["sha"], f["origin"], f["signal"], f["by"], f["hours"],
                               tuple(f.get("rules", ()))) for _, f in failures),
        method=_method(reports, szz, window),
        policy_files=tuple(dict.fromkeys(p for _, d in reports for p in d["policy_files"])),
        policy_source="; ".join(dict.fromkeys(d["policy_source"] for _, d in reports
                                              if d.get("policy_source"))),
        deployments=_deployments(reports),
        repositories=tuple(_repository(path, data) for path, data in reports),
    )
