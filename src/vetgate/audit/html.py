"""The audit report as ONE self-contained HTML file: inline CSS, inline SVG charts drawn here.

No scripts, fonts, images or style sheets are loaded from anywhere: the file opens offline and
can be attached to a ticket or archived as a CI artifact.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from vetgate.audit.model import ORIGINS, AuditReport, DeploymentStats, OriginStats, PeriodStats
from vetgate.audit.report import (
    ESCAPE_COLUMNS,
    deployment_headline,
    deployment_summary,
    escape_row,
    headline,
    hours,
    interval,
    pct,
    summary_lines,
)

COLOURS = {"ai": "#d95f02", "human": "#1b9e77", "unknown": "#7570b3"}

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:60rem;
color:#222;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid
#ddd;padding-bottom:.2rem}
.sub{color:#555;margin-top:0}
table{border-collapse:collapse;margin:.5rem 0;font-variant-numeric:tabular-nums}
th,td{padding:.25rem .6rem;border-bottom:1px solid #eee;text-align:right}
th:first-child,td:first-child{text-align:left}
th{background:#f6f6f6}
.swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.3em;
vertical-align:baseline}
svg{display:block;margin:.5rem 0;max-width:100%;height:auto}
svg text{font:11px system-ui,sans-serif;fill:#333}
.note{color:#555}
code{background:#f3f3f3;padding:0 .2em;border-radius:3px}
"""


def _svg_open(width: int, height: int, label: str) -> str:
    return (f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img" aria-label="{escape(label)}">')


def _nice_max(value: float) -> float:
    """A round upper bound for a rate axis with four equal steps that print exactly: the axis
    reads 0%, 5%, 10%, 15%, 20% — never 18.8% or 56.2%."""
    for step in (0.0025, 0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25):
        if value <= step * 4:
            return step * 4
    return 1.0


def _stack(x: float, bar: float, base: float, unit: float,
           segments: Sequence[tuple[str, int, str]]) -> list[str]:
    """One stacked bar of (origin, count, title) segments, unknown at the bottom and ai on top;
    ``unit`` pixels per count."""
    order = {"unknown": 0, "human": 1, "ai": 2}
    parts = []
    y = base
    for origin, count, title in sorted(segments, key=lambda item: order.get(item[0], 3)):
        if not count:
            continue
        h = unit * count
        y -= h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                     f'fill="{COLOURS[origin]}"><title>{escape(title)}</title></rect>')
    return parts


def _bar_chart(title: str, height: int, ticks: Sequence[tuple[float, str]],
               columns: Sequence[tuple[str, float, Sequence[tuple[str, int, str]]]],
               labels_at_most: int) -> str:
    """Stacked bars on a grid. ``ticks``: (fraction of the plot's height, label); ``columns``:
    (label, the count that fills the plot's height, (origin, count, title) segments)."""
    width, left, bottom, top = 720, 40, 36, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    step = plot_w / len(columns)
    bar = max(1.0, step * 0.8)
    parts = [_svg_open(width, height, title)]
    for fraction, label in ticks:
        y = top + plot_h * (1 - fraction)
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" '
                     'stroke="#ddd"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{escape(label)}</text>')
    label_every = max(1, math.ceil(len(columns) / labels_at_most))
    for index, (label, full, segments) in enumerate(columns):
        x = left + index * step + (step - bar) / 2
        if full:
            parts += _stack(x, bar, top + plot_h, plot_h / full, segments)
        if index % label_every == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 14}" '
                         f'text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def share_chart(periods: Sequence[PeriodStats]) -> str:
    """Stacked bars: the share of ai / human / unknown commits per month."""
    if not periods:
        return "<p class=note>No commits in the range.</p>"
    columns = []
    for period in periods:
        total = sum(period.commits.values())
        columns.append((period.period, total, [
            (origin, count, f"{period.period} {origin}: {count:,} of {total:,} commits "
                            f"({pct(count / total)})")
            for origin, count in period.commits.items()] if total else []))
    ticks = [(tick, f"{int(tick * 100)}%") for tick in (0.0, 0.25, 0.5, 0.75, 1.0)]
    return _bar_chart("Share of commits by origin per month", 220, ticks, columns, 12)


def interval_chart(rows: Sequence[tuple[str, str, OriginStats]], title: str) -> str:
    """Dots with Wilson 95% interval bars: failure rate per (label, origin) row."""
    if not any(row[2].commits for row in rows):
        return "<p class=note>No commits to rate.</p>"
    row_h, left, right, top, bottom = 22, 220, 20, 10, 30
    width = 720
    height = top + bottom + row_h * len(rows)
    plot_w = width - left - right
    highest = max((stats.ci95[1] if stats.ci95 else 0.0) for _, _, stats in rows)
    scale = _nice_max(highest)
    parts = [_svg_open(width, height, title)]
    for i in range(5):
        tick = scale * i / 4
        x = left + plot_w * tick / scale
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{height - bottom}" '
                     'stroke="#eee"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - bottom + 14}" text-anchor="middle">'
                     f'{round(tick * 100, 2):g}%</text>')
    for index, (label, origin, stats) in enumerate(rows):
        y = top + row_h * index + row_h / 2
        colour = COLOURS.get(origin, "#444")
        parts.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{escape(label)}</text>')
        if stats.ci95 is not None:
            x1 = left + plot_w * stats.ci95[0] / scale
            x2 = left + plot_w * stats.ci95[1] / scale
            parts.append(f'<line x1="{x1:.1f}" x2="{x2:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                         f'stroke="{colour}" stroke-width="2"/>')
            for x in (x1, x2):
                parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y - 5:.1f}" '
                             f'y2="{y + 5:.1f}" stroke="{colour}" stroke-width="2"/>')
        if not stats.commits:  # shown, as zero: an origin with no commits is a finding too
            parts.append(f'<text x="{left + 4}" y="{y + 4:.1f}">0 commits: no rate</text>')
            continue
        rate = stats.failure_rate or 0.0
        cx = left + plot_w * rate / scale
        parts.append(
            f'<circle cx="{cx:.1f}" cy="{y:.1f}" r="4.5" fill="{colour}"><title>'
            f'{escape(label)}: {stats.failed:,} of {stats.commits:,} failed, '
            f'{pct(stats.failure_rate)} (95% CI {interval(stats)})</title></circle>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _stats_table(first: str, rows: Sequence[tuple[str, str, OriginStats]]) -> str:
    head = ("<tr><th>" + escape(first) + "</th><th>commits</th><th>lines</th><th>reverted</th>"
            "<th>fix-inducing</th><th>failed</th><th>rate</th><th>95% CI</th>"
            "<th>median h to fix</th></tr>")
    body = []
    for label, origin, stats in rows:
        swatch = f'<span class=swatch style="background:{COLOURS.get(origin, "#444")}"></span>'
        body.append(
            f"<tr><td>{swatch}{escape(label)}</td><td>{stats.commits:,}</td>"
            f"<td>{stats.lines:,}</td><td>{stats.reverted:,}</td><td>{stats.fix_inducing:,}</td>"
            f"<td>{stats.failed:,}</td><td>{pct(stats.failure_rate)}</td>"
            f"<td>{interval(stats)}</td><td>{hours(stats.median_hours_to_fix)}</td></tr>"
        )
    return f"<table>{head}{''.join(body)}</table>"


def escapes_chart(stats: DeploymentStats) -> str:
    """Stacked bars: escaped failures per deployment, by origin (oldest deployment first)."""
    rows = stats.rows
    if not rows:
        return "<p class=note>No deployment shipped a commit of the range.</p>"
    highest = max(1, *(sum(row.escaped.values()) for row in rows))
    ticks = [(tick / highest, str(tick)) for tick in sorted({0, highest // 2, highest})]
    columns = [(row.name[:14], highest, [
        (origin, count, f"{row.name} {origin}: {count:,} escaped of "
                        f"{row.shipped.get(origin, 0):,} shipped")
        for origin, count in row.escaped.items()]) for row in rows]
    return _bar_chart("Escaped failures per deployment, by origin", 200, ticks, columns, 10)


def _deployment_section(report: AuditReport) -> list[str]:
    stats = report.deployments
    if stats is None:
        return []
    head = "".join(f"<th>{escape(name)}</th>" for name in ("origin", *ESCAPE_COLUMNS))
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in escape_row(o, stats.origins[o]))
        + "</tr>" for o in ORIGINS)
    return [
        "<h2>In production: escaped failures per deployment</h2>",
        f"<p><strong>{escape(deployment_headline(stats))}</strong></p>",
        f"<p class=note>{escape(deployment_summary(stats))}. A failure <em>escaped</em> when "
        "the commit was shipped and its revert or fix was not in that deployment.</p>",
        escapes_chart(stats),
        f"<table>{head}{body}</table>",
    ]


def _repository_section(report: AuditReport) -> list[str]:
    if not report.repositories:
        return []
    rows = [(f"{row.name} · {origin}", origin, row.origins[origin])
            for row in report.repositories for origin in ORIGINS if row.origins[origin].commits]
    return ["<h2>By repository</h2>", interval_chart(rows, "Failure rate by repository"),
            _stats_table("repository · origin", rows)]


CAVEATS = (
    "Read the intervals before the rates: two origins whose 95% intervals overlap widely are "
    "not shown to differ, however far apart the rates look.",
    "Unknown is not human: a commit without any AI mark is <em>unknown</em> (teams strip "
    "trailers). Compare unknown and the “as counted” view before reading much into human.",
    "Skipped files: data, lock, documentation, generated and vendored files are left out of SZZ "
    "(see <code>method.skipped_paths</code>), and ghost fixes that only add lines cannot be "
    "blamed.",
    "Commit-level revert and SZZ rates are a proxy for DORA's deployment-level change-failure "
    "rate; the per-deployment figures (when there are deployments) are the DORA measure.",
)


MAX_FAILURE_ROWS = 200


def _failures_table(report: AuditReport) -> str:
    """The failure signals, newest first (the first ``MAX_FAILURE_ROWS``; JSON has them all)."""
    if not report.failures:
        return "<p class=note>No reverted or fix-inducing commits in the rates.</p>"
    rows = []
    for failure in report.failures[:MAX_FAILURE_ROWS]:
        swatch = f'<span class=swatch style="background:{COLOURS.get(failure.origin, "#444")}">'
        rows.append(
            f"<tr><td><code>{escape(failure.sha[:12])}</code></td><td>{swatch}</span>"
            f"{escape(failure.origin)}</td><td>{escape(failure.signal)}</td>"
            f"<td><code>{escape(failure.by[:12])}</code></td><td>{failure.hours:g}</td>"
            f"<td>{escape(', '.join(failure.rules))}</td></tr>"
        )
    more = len(report.failures) - MAX_FAILURE_ROWS
    tail = (f"<p class=note>… and {more:,} more (see <code>--format json</code>).</p>"
            if more > 0 else "")
    return ("<table><tr><th>commit</th><th>origin</th><th>signal</th><th>by</th>"
            "<th>hours</th><th>rules</th></tr>" + "".join(rows) + "</table>" + tail)


def render_html(report: AuditReport) -> str:
    """The whole report as one HTML document."""
    origin_rows = [(origin, origin, report.origins[origin]) for origin in ORIGINS]
    counted_rows = [(f"{origin} (as counted)", origin, report.counted[origin])
                    for origin in ("ai", "human")]
    rule_rows = [(f"{rule} · {origin}", origin, stats[origin])
                 for rule, stats in report.rules.items() for origin in ORIGINS
                 if stats[origin].commits]
    size_rows = [(f"{label} lines · {origin}", origin, stats[origin])
                 for label, stats in report.size_buckets.items() for origin in ORIGINS
                 if stats[origin].commits]
    legend = " ".join(
        f'<span class=swatch style="background:{COLOURS[o]}"></span>{o}' for o in ORIGINS
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>vetgate audit</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>vetgate audit</h1>",
        f"<p class=sub>{escape(headline(report))}</p>",
        "<h2>Before you read the numbers</h2><ul>",
        *(f"<li>{caveat}</li>" for caveat in CAVEATS),
        "</ul>",
        *_deployment_section(report),
        *_repository_section(report),
        "<h2>Share of commits by origin, per month</h2>",
        f"<p>{legend}</p>",
        share_chart(report.periods),
        "<h2>Change-failure proxy by origin</h2>",
        "<p class=note>Failed = reverted or fix-inducing (counted once); the bars are Wilson 95% "
        "intervals.</p>",
        interval_chart([*origin_rows, *counted_rows], "Failure rate by origin"),
        _stats_table("origin", origin_rows),
        f"<p class=note>As the policy counts them (unknown counts as "
        f"{escape(report.unknown_counts_as)}):</p>",
        _stats_table("counted as", counted_rows),
        "<h2>By risk area (policy rule)</h2>",
        interval_chart(rule_rows, "Failure rate by risk area") if rule_rows
        else "<p class=note>No commit touched a rule.</p>",
        _stats_table("rule · origin", rule_rows) if rule_rows else "",
        "<h2>By commit size</h2>",
        "<p class=note>Added+removed lines per commit, so that AI vs human is not a size "
        "effect.</p>",
        interval_chart(size_rows, "Failure rate by commit size"),
        _stats_table("size · origin", size_rows) if size_rows else "",
        "<h2>Failures</h2>",
        _failures_table(report),
        "<h2>Method</h2><ul>",
        *(f"<li>{escape(line)}</li>" for line in summary_lines(report)),
        *(f"<li>{escape(note)}</li>" for note in report.method.notes),
        f"<li>Fix pattern: <code>{escape(report.method.fix_pattern)}</code></li>",
        "</ul>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"
