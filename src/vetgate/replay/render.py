"""The replay report as text, markdown or JSON (schema: ``replay-output.schema.json``)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from vetgate.replay.model import (
    JUDGED_BY,
    OUTCOMES,
    REVIEWS_UNKNOWN,
    SIDES,
    Counts,
    ReplayedChange,
    ReplayReport,
)

SHORT = 10
# How many blocked changes the markdown table lists (a PR comment has a size limit).
MARKDOWN_BLOCKED_LIMIT = 50
_SIDE_WORD = {"blocked": "fail", "warned": "warn", "passed": "pass", "unknown": "unknown",
              "skipped": "skip"}


def _reviews_note(report: ReplayReport) -> str:
    if report.reviews:
        return REVIEWS_UNKNOWN.format(
            reviews=f"; review requirements read {report.reviews} (its reviews of each change's "
                    "own commits)").replace("review and label requirements", "label requirements")
    return REVIEWS_UNKNOWN.format(reviews=" (pass --reviews FILE to judge reviews)")


def difference_text(report: ReplayReport, quote: str = "") -> str:
    """``+7 blocked by payments, −2 by auth`` (``quote`` wraps rule ids, e.g. a backtick)."""
    parts = []
    for index, (rule, delta) in enumerate(report.difference()):
        sign = "+" if delta > 0 else "\u2212"
        by = "blocked by" if index == 0 else "by"
        parts.append(f"{sign}{abs(delta)} {by} {quote}{rule}{quote}")
    return ", ".join(parts) if parts else "no difference in what is blocked"


def policy_changed_text(report: ReplayReport) -> str | None:
    """Where the policy files changed inside the window, or None."""
    if not report.policy_changed:
        return None
    subjects = {c.sha: c.subject for c in report.changes}
    shown = ", ".join(f"{sha[:SHORT]} ({subjects.get(sha, '')})" for sha in report.policy_changed)
    return (f"The policy files changed inside this window, at {shown}: the changes before were "
            "gated by another policy when they landed; here every change is judged by the two "
            "policies above.")


def _blocked(report: ReplayReport) -> list[ReplayedChange]:
    return [c for c in report.changes if c.proposed == "fail"]


def _unmet(change: ReplayedChange) -> list[tuple[str, str]]:
    return [(r.rule, r.message) for r in change.rules if r.proposed == "blocked"]


def _window(report: ReplayReport) -> str:
    count = len(report.changes)
    noun = "change" if count == 1 else "changes"
    if report.changes:
        span = (f" (newest {report.changes[0].sha[:SHORT]}, oldest "
                f"{report.changes[-1].sha[:SHORT]})")
    else:
        span = ""
    return f"{count} {noun} that reached {report.head[:SHORT]}{span}"


def render_text(report: ReplayReport) -> str:
    """The terminal report: the window, the per-rule table, the difference, the blocked list."""
    out = [f"vetgate replay: {_window(report)}",
           f"proposed: {report.policy}",
           f"against:  {report.against}",
           JUDGED_BY, _reviews_note(report)]
    changed = policy_changed_text(report)
    if changed:
        out.append(changed)
    if report.note:
        out.append(f"note: {report.note}")
    out.append("")
    width = max([len("rule"), *(len(rule) for rule in report.rules)])
    heads = ["blocked", "warned", "passed", "unknown"]
    out.append(f"{'rule':<{width}}  proposed: " + " ".join(f"{h:>7}" for h in heads)
               + "   against: " + " ".join(f"{h:>7}" for h in heads))
    for rule, sides in report.rules.items():
        cells = [" ".join(f"{_cell(sides[side], h):>7}" for h in heads) for side in SIDES]
        out.append(f"{rule:<{width}}            {cells[0]}            {cells[1]}")
    out.append("")
    out.append(f"difference (proposed - against): {difference_text(report)}")
    blocked = _blocked(report)
    out.append("")
    out.append(f"blocked by the proposed policy: {len(blocked)} of {len(report.changes)}")
    for change in blocked:
        out.append(f"  {change.sha[:SHORT]}  {change.origin:<7}  {change.subject}".rstrip())
        for rule, message in _unmet(change):
            out.append(f"      {rule}: {message}")
    return "\n".join(out) + "\n"


def _cell(counts: Counts | None, name: str) -> str:
    """One count, or "-" where the policy has no such rule."""
    return "-" if counts is None else str(getattr(counts, name))


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: ReplayReport, *, heading: str = "## vetgate replay") -> str:
    """A PR comment / step summary section: the per-rule table, the difference, the blocked
    changes (the first ``MARKDOWN_BLOCKED_LIMIT``)."""
    out = [heading, "",
           f"What the proposed policy would have done to the last {_window(report)}.", "",
           f"- proposed: `{report.policy}`", f"- against: `{report.against}`",
           f"- {JUDGED_BY}", f"- {_reviews_note(report)}"]
    changed = policy_changed_text(report)
    if changed:
        out.append(f"- {_md(changed)}")
    if report.note:
        out.append(f"- **Note:** {report.note}")
    out += ["", "| rule | blocked | warned | passed | unknown | blocked now | difference |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for rule, sides in report.rules.items():
        mine, now = sides["proposed"], sides["against"]
        delta = (mine.blocked if mine else 0) - (now.blocked if now else 0)
        shown = f"{delta:+d}" if delta else "0"
        cells = " | ".join(_cell(mine, h) for h in ("blocked", "warned", "passed", "unknown"))
        out.append(f"| `{_md(rule)}` | {cells} | {_cell(now, 'blocked')} | {shown} |")
    out += ["", f"**Difference:** {difference_text(report, '`')}", ""]
    blocked = _blocked(report)
    if blocked:
        out += [f"<details><summary>{len(blocked)} changes the proposed policy would have "
                "blocked</summary>", "", "| change | origin | subject | unmet |",
                "|---|---|---|---|"]
        for change in blocked[:MARKDOWN_BLOCKED_LIMIT]:
            unmet = "<br>".join(f"`{_md(r)}`: {_md(m)}" for r, m in _unmet(change))
            out.append(f"| `{change.sha[:SHORT]}` | {change.origin} | {_md(change.subject)} | "
                       f"{unmet} |")
        if len(blocked) > MARKDOWN_BLOCKED_LIMIT:
            out.append(f"| … | | {len(blocked) - MARKDOWN_BLOCKED_LIMIT} more | |")
        out += ["", "</details>", ""]
    return "\n".join(out) + "\n"


def to_json(report: ReplayReport) -> dict[str, object]:
    """The JSON object (``version`` 1), newest change first."""
    return {
        "version": 1,
        "policy": report.policy,
        "against": report.against,
        "head": report.head,
        "judged_by": JUDGED_BY,
        "reviews": report.reviews,
        "window": {"requested": report.requested, "replayed": len(report.changes),
                   "complete": report.complete, "note": report.note},
        "changes": [_change_json(c) for c in report.changes],
        "rules": {rule: {side: ({name: getattr(counts, name) for name in OUTCOMES}
                                if counts is not None else None)
                         for side, counts in sides.items()}
                  for rule, sides in report.rules.items()},
        "difference": [{"rule": rule, "blocked": delta} for rule, delta in report.difference()],
        "policy_changed": list(report.policy_changed),
    }


def _change_json(change: ReplayedChange) -> dict[str, object]:
    return {
        "sha": change.sha, "subject": change.subject, "origin": change.origin,
        "commits": change.commits,
        "verdict": {"proposed": change.proposed, "against": change.against},
        "rules": [{"rule": r.rule,
                   "proposed": _SIDE_WORD[r.proposed] if r.proposed else None,
                   "against": _SIDE_WORD[r.against] if r.against else None,
                   "message": r.message} for r in change.rules],
    }


def render_json(report: ReplayReport) -> str:
    """``to_json`` as indented text."""
    return json.dumps(to_json(report), indent=2, ensure_ascii=False) + "\n"


FORMATS: Sequence[str] = ("json", "markdown", "text")


def render(report: ReplayReport, fmt: str) -> str:
    """The report in ``fmt`` (one of ``FORMATS``)."""
    if fmt == "json":
        return render_json(report)
    if fmt == "markdown":
        return render_markdown(report)
    return render_text(report)
