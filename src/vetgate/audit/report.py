"""The audit report as JSON, text and Markdown (HTML lives in ``vetgate.audit.html``)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from vetgate.audit.model import (
    ORIGINS,
    AuditReport,
    DeploymentStats,
    EscapeStats,
    Method,
    OriginStats,
)
from vetgate.audit.szz import SZZ_NAMES

JSON_VERSION = 1


def iso_date(unix_time: int | None, *, with_time: bool = False) -> str | None:
    """A unix time as a UTC ISO date (or date and time), None stays None."""
    if unix_time is None:
        return None
    pattern = "%Y-%m-%dT%H:%M:%SZ" if with_time else "%Y-%m-%d"
    return time.strftime(pattern, time.gmtime(unix_time))


def stats_json(stats: OriginStats) -> dict[str, Any]:
    """One origin's numbers, in SPEC section 6's field names."""
    return {
        "commits": stats.commits,
        "lines": stats.lines,
        "reverted": stats.reverted,
        "fix_inducing": stats.fix_inducing,
        "failed": stats.failed,
        "failure_rate": stats.failure_rate,
        "ci95": list(stats.ci95) if stats.ci95 is not None else None,
        "median_hours_to_fix": stats.median_hours_to_fix,
    }


def _by_origin(stats: Mapping[str, OriginStats]) -> dict[str, Any]:
    return {origin: stats_json(stats[origin]) for origin in ORIGINS if origin in stats}


def window_text(method: Method) -> str | None:
    return f"{method.window_days}d" if method.window_days else None


def method_json(method: Method) -> dict[str, Any]:
    return {
        "szz": method.szz,
        "szz_name": SZZ_NAMES[method.szz],
        "window": window_text(method),
        "window_days": method.window_days,
        "window_reference": iso_date(method.window_reference, with_time=True),
        "fix_pattern": method.fix_pattern,
        "fix_pattern_default": method.fix_pattern_is_default,
        "fixes": {
            "total": method.fixes,
            "blamed": method.fixes_blamed,
            "ghost": method.ghost_fixes,
            "data_only": method.data_only_fixes,
            "without_parent": method.fixes_without_parent,
        },
        "reverts": {"total": method.reverts, "unresolved": method.reverts_unresolved},
        "candidates_ignored": method.candidates_ignored,
        "failures_outside_range": method.failures_outside_range,
        "excluded_young": method.excluded_young,
        "shallow": method.shallow,
        "skipped_paths": list(method.skipped_paths),
        "notes": list(method.notes),
    }


def escape_json(stats: EscapeStats) -> dict[str, Any]:
    """One origin's production figures (SPEC 6.1), merged into ``origins[origin]``."""
    return {
        "shipped": stats.shipped,
        "escaped": stats.escaped,
        "escape_rate": stats.escape_rate,
        "escape_ci95": list(stats.escape_ci95) if stats.escape_ci95 is not None else None,
        "median_hours_to_restore": stats.median_hours_to_restore,
        "share_of_failures": stats.share_of_failures,
        "share_of_shipped": stats.share_of_shipped,
    }


def deployments_json(stats: DeploymentStats) -> dict[str, Any]:
    """``deployments``: the DORA figures and one item per deployment that shipped something."""
    ai = stats.origins["ai"]
    return {
        "pattern": stats.pattern,
        "count": stats.count,
        "failed": stats.failed,
        "cfr": stats.cfr,
        "ci95": list(stats.ci95) if stats.ci95 is not None else None,
        "median_hours_to_restore": stats.median_hours_to_restore,
        "unshipped": stats.unshipped,
        "ai_share_of_shipped": ai.share_of_shipped,
        "ai_share_of_failures": ai.share_of_failures,
        "items": [
            {"name": row.name, "sha": row.sha, "date": iso_date(row.time, with_time=True),
             "shipped": dict(row.shipped), "escaped": dict(row.escaped)}
            for row in stats.rows
        ],
    }


def to_json(report: AuditReport) -> dict[str, Any]:
    """The stable JSON object (SPEC section 6, plus periods, size buckets and method)."""
    data = _to_json(report)
    if report.repository:
        data["repository"] = report.repository
    if report.repositories:
        data["repositories"] = [
            {"name": row.name, "range": row.range, "head": row.head or None,
             "origins": _by_origin(row.origins), "deployments": row.deployments,
             "failed_deployments": row.failed_deployments}
            for row in report.repositories
        ]
    if report.deployments is not None:
        data["deployments"] = deployments_json(report.deployments)
        for origin, stats in report.deployments.origins.items():
            data["origins"][origin].update(escape_json(stats))
    return data


def _to_json(report: AuditReport) -> dict[str, Any]:
    return {
        "version": JSON_VERSION,
        "range": report.range,
        "head": report.head or None,
        "since": report.since,
        "until": report.until,
        "first_commit": iso_date(report.first_time, with_time=True),
        "last_commit": iso_date(report.last_time, with_time=True),
        "commits": report.commits,
        "commits_in_rates": report.commits_in_rates,
        "origins": _by_origin(report.origins),
        "counted": {
            "unknown_counts_as": report.unknown_counts_as,
            "ai": stats_json(report.counted["ai"]),
            "human": stats_json(report.counted["human"]),
        },
        "rules": {rule: _by_origin(stats) for rule, stats in report.rules.items()},
        "size_buckets": {label: _by_origin(stats) for label, stats in report.size_buckets.items()},
        "periods": [
            {
                "period": period.period,
                "commits": dict(period.commits),
                "lines": dict(period.lines),
                "commit_share": {o: _round(period.commit_share(o)) for o in ORIGINS},
                "line_share": {o: _round(period.line_share(o)) for o in ORIGINS},
            }
            for period in report.periods
        ],
        "failures": [
            {"sha": f.sha, "origin": f.origin, "signal": f.signal, "by": f.by, "hours": f.hours,
             "rules": list(f.rules)}
            for f in report.failures
        ],
        "method": method_json(report.method),
        "policy_files": list(report.policy_files),
        "policy_source": report.policy_source,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def render_json(report: AuditReport) -> str:
    return json.dumps(to_json(report), indent=2, ensure_ascii=False) + "\n"


# --- shared wording ------------------------------------------------------------------------------


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def interval(stats: OriginStats) -> str:
    if stats.ci95 is None:
        return "–"
    return f"{stats.ci95[0] * 100:.1f}–{stats.ci95[1] * 100:.1f}%"


def hours(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def counted(count: int, word: str) -> str:
    """``1 commit`` / ``1,234 commits``."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def headline(report: AuditReport) -> str:
    """One sentence: range, size, span, and the method used."""
    head = f" at {report.head[:12]}" if report.head else ""
    span = ""
    if report.first_time is not None:
        span = f", {iso_date(report.first_time)} to {iso_date(report.last_time)}"
    window = window_text(report.method)
    return (
        f"{report.range}{head}: {counted(report.commits, 'commit')}{span}; "
        f"{SZZ_NAMES[report.method.szz]}, window {window or 'none (all history)'}"
    )


def summary_lines(report: AuditReport) -> list[str]:
    """The facts behind the rates that a reader should see next to them."""
    method = report.method
    lines = [
        f"{counted(report.commits_in_rates, 'commit')} in the rates"
        + (f" ({method.excluded_young:,} younger than the window left out)"
           if method.excluded_young else ""),
        f"fix commits: {method.fixes:,} ({method.fixes_blamed:,} blamed, "
        f"{method.ghost_fixes:,} ghost, {method.data_only_fixes:,} data/docs only, "
        f"{method.fixes_without_parent:,} without parent)",
        f"reverts: {method.reverts:,} ({method.reverts_unresolved:,} naming no commit here)",
    ]
    if method.failures_outside_range:
        lines.append(f"{counted(method.failures_outside_range, 'failed commit')} "
                     f"{'lies' if method.failures_outside_range == 1 else 'lie'} outside the "
                     "range (not counted)")
    if report.policy_source:
        lines.append(f"policy: {report.policy_source}")
    return lines


_COLUMNS = ("commits", "lines", "reverted", "fix-inducing", "failed", "rate", "95% CI",
            "median h to fix")


def _row(label: str, stats: OriginStats) -> list[str]:
    return [label, f"{stats.commits:,}", f"{stats.lines:,}", f"{stats.reverted:,}",
            f"{stats.fix_inducing:,}", f"{stats.failed:,}", pct(stats.failure_rate),
            interval(stats), hours(stats.median_hours_to_fix)]


def _table_text(first: str, rows: list[list[str]],
                columns: tuple[str, ...] = _COLUMNS) -> list[str]:
    header = [first, *columns]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    out = []
    for row in [header, *rows]:
        cells = [row[0].ljust(widths[0])] + [cell.rjust(w) for cell, w in zip(row[1:], widths[1:],
                                                                                strict=True)]
        out.append("  " + "  ".join(cells).rstrip())
    return out


def deployment_headline(stats: DeploymentStats) -> str:
    """The one line a manager reads: the AI share of escaped failures next to its share of
    shipped commits."""
    ai = stats.origins["ai"]
    return (f"AI-origin commits were {pct(ai.share_of_shipped)} of shipped commits and "
            f"{pct(ai.share_of_failures)} of escaped failures "
            f"({ai.escaped:,} of {sum(o.escaped for o in stats.origins.values()):,}).")


def deployment_summary(stats: DeploymentStats) -> str:
    ci = "–" if stats.ci95 is None else f"{stats.ci95[0] * 100:.1f}–{stats.ci95[1] * 100:.1f}%"
    return (f"{counted(stats.count, 'deployment')} ({stats.pattern}); {stats.failed:,} shipped "
            f"an escaped failure: change-failure rate {pct(stats.cfr)} (95% CI {ci}); median "
            f"time to restore {hours(stats.median_hours_to_restore)} h; "
            f"{counted(stats.unshipped, 'commit')} not shipped yet")


ESCAPE_COLUMNS = ("shipped", "escaped", "escape rate", "95% CI", "median h to restore",
                  "share of escaped failures", "share of shipped")


def escape_row(label: str, stats: EscapeStats) -> list[str]:
    ci = ("–" if stats.escape_ci95 is None
          else f"{stats.escape_ci95[0] * 100:.1f}–{stats.escape_ci95[1] * 100:.1f}%")
    return [label, f"{stats.shipped:,}", f"{stats.escaped:,}", pct(stats.escape_rate), ci,
            hours(stats.median_hours_to_restore), pct(stats.share_of_failures),
            pct(stats.share_of_shipped)]


def repository_rows(report: AuditReport) -> list[list[str]]:
    """A merged report's per-repository rows (origins with commits)."""
    return [_row(f"{row.name} / {origin}", row.origins[origin])
            for row in report.repositories for origin in ORIGINS if row.origins[origin].commits]


def render_text(report: AuditReport) -> str:
    """A plain-text report for the terminal."""
    out = [f"vetgate audit — {headline(report)}", ""]
    if report.deployments is not None:
        deploy = report.deployments
        out += [f"In production: {deployment_headline(deploy)}",
                f"  {deployment_summary(deploy)}"]
        out += _table_text("origin", [escape_row(o, deploy.origins[o]) for o in ORIGINS],
                           ESCAPE_COLUMNS)
        out.append("")
    if report.repositories:
        out.append("By repository:")
        out += _table_text("repository / origin", repository_rows(report))
        out.append("")
    out.append("Change-failure proxy by origin (failed = reverted or fix-inducing, counted once):")
    out += _table_text("origin", [_row(o, report.origins[o]) for o in ORIGINS])
    out.append("")
    out.append(f"AI vs human as the policy counts them (unknown counts as "
               f"{report.unknown_counts_as}):")
    out += _table_text("counted as", [_row(o, report.counted[o]) for o in ("ai", "human")])
    out.append("")
    if report.rules:
        out.append("By risk area (policy rule):")
        rows = []
        for rule, stats in report.rules.items():
            for origin in ORIGINS:
                if stats[origin].commits:
                    rows.append(_row(f"{rule} / {origin}", stats[origin]))
        out += _table_text("rule / origin", rows) if rows else ["  (no commit touched a rule)"]
        out.append("")
    out.append("By commit size (added+removed lines), so AI vs human is not a size effect:")
    rows = [_row(f"{label} / {origin}", stats[origin])
            for label, stats in report.size_buckets.items() for origin in ORIGINS
            if stats[origin].commits]
    out += _table_text("size / origin", rows) if rows else ["  (no commits)"]
    out.append("")
    out.append("Share of commits (and lines) by month:")
    for period in report.periods:
        shares = "  ".join(
            f"{o} {pct(period.commit_share(o))} ({pct(period.line_share(o))})" for o in ORIGINS
        )
        total = sum(period.commits.values())
        word = "commit " if total == 1 else "commits"
        out.append(f"  {period.period}  {total:>6,} {word}  {shares}")
    if not report.periods:
        out.append("  (no commits)")
    out.append("")
    out.append("Method:")
    out += [f"  {line}" for line in summary_lines(report)]
    out += [f"  - {note}" for note in report.method.notes]
    return "\n".join(out) + "\n"


def _md_table(first: str, rows: list[list[str]],
              columns: tuple[str, ...] = _COLUMNS) -> list[str]:
    header = [first, *columns]
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_md_escape(cell) for cell in row) + " |" for row in rows]
    return out


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: AuditReport) -> str:
    """A Markdown report (a wiki page, an issue, a CI step summary)."""
    out = ["## vetgate audit", "", f"**{_md_escape(headline(report))}**", ""]
    if report.deployments is not None:
        deploy = report.deployments
        out += ["### In production (per deployment)", "",
                f"**{_md_escape(deployment_headline(deploy))}**", "",
                _md_escape(deployment_summary(deploy)), ""]
        out += _md_table("origin", [escape_row(o, deploy.origins[o]) for o in ORIGINS],
                         ESCAPE_COLUMNS)
        out.append("")
    if report.repositories:
        out += ["### By repository", ""]
        out += _md_table("repository", repository_rows(report))
        out.append("")
    out.append("### Change-failure proxy by origin")
    out.append("")
    out += _md_table("origin", [_row(o, report.origins[o]) for o in ORIGINS])
    out += ["", f"AI vs human as the policy counts them (unknown counts as "
                f"{report.unknown_counts_as}):", ""]
    out += _md_table("counted as", [_row(o, report.counted[o]) for o in ("ai", "human")])
    out.append("")
    if report.rules:
        out += ["### By risk area (policy rule)", ""]
        rows = [_row(f"`{rule}` {origin}", stats[origin])
                for rule, stats in report.rules.items() for origin in ORIGINS
                if stats[origin].commits]
        out += _md_table("rule", rows) if rows else ["No commit touched a rule."]
        out.append("")
    out += ["### By commit size (added+removed lines)", ""]
    rows = [_row(f"{label} {origin}", stats[origin])
            for label, stats in report.size_buckets.items() for origin in ORIGINS
            if stats[origin].commits]
    out += _md_table("size", rows) if rows else ["No commits."]
    out += ["", "### Share by month (commits; lines in parentheses)", ""]
    out += ["| month | commits | ai | human | unknown |", "|---|---|---|---|---|"]
    for period in report.periods:
        cells = [f"{pct(period.commit_share(o))} ({pct(period.line_share(o))})" for o in ORIGINS]
        out.append(f"| {period.period} | {sum(period.commits.values()):,} | "
                   + " | ".join(cells) + " |")
    out += ["", "### Method", ""]
    out += [f"- {_md_escape(line)}" for line in summary_lines(report)]
    out += [f"- {_md_escape(note)}" for note in report.method.notes]
    return "\n".join(out) + "\n"
