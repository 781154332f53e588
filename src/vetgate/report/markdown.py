"""``--format markdown``: a pull/merge request comment (also GitHub's step summary).

Everything that came from the repository is escaped, so a file named ``a|b`` cannot break the
table, ``<img>`` cannot inject HTML and ``@org/team`` in a message cannot ping a team. The comment
stays under GitHub's 65,536-character limit: past it whole sections are dropped and a note says
which rules are missing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from vetgate import __version__
from vetgate.engine.result import CheckResult, RequirementResult, RuleResult
from vetgate.report._common import (
    change_summary,
    evidence_lines,
    fit,
    limited,
    ordered,
    plural,
    printable,
    tally,
    verdict_line,
)

# GitHub rejects comments longer than 65,536 characters; keep a margin for a bot's own framing.
MAX_COMMENT_CHARS = 65_000
MARKER = "<!-- vetgate:report -->"  # lets a bot find and update its previous comment

MAX_TABLE_FILES = 3
MAX_SECTION_FILES = 50
MAX_EVIDENCE = 20
MAX_DETAILS = 10

_STATUS = {
    ("fail", "block"): "❌ fail",
    ("fail", "warn"): "⚠️ fail (warn)",
    ("pending", "block"): "⏳ pending",
    ("pending", "warn"): "⏳ pending",
    ("pass", "block"): "✅ pass",
    ("pass", "warn"): "✅ pass",
    ("skip", "block"): "➖ not applicable",
    ("skip", "warn"): "➖ not applicable",
}
_REQUIREMENT_MARK = {"error": "⚠️", "fail": "❌", "pending": "⏳", "pass": "✅", "skip": "➖"}

# Characters that start emphasis, links, tables, strikethrough or escapes anywhere in a line;
# line-start syntax (#, -, +, 1.) cannot occur because every value is placed after other text.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# "@name" or "@org/team" at a word start would notify people; a zero-width space defuses it.
_MENTION = re.compile(r"(?<![\w@])@(?=[\w-])")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)


def escape(text: str) -> str:
    """``text`` as literal Markdown text: no formatting, no HTML, no mentions, no raw control
    characters (they are shown as escapes)."""
    text = _MD_SPECIAL.sub(r"\\\1", printable(text))
    text = re.sub(r"[&<>]", lambda m: _HTML[m.group()], text)
    return _MENTION.sub("@&#8203;", text)


def message(text: str) -> str:
    """An engine message: its ``code spans`` are kept, everything else is escaped."""
    text = printable(text)
    out: list[str] = []
    position = 0
    for match in _CODE_SPAN.finditer(text):
        out.append(escape(text[position:match.start()]))
        out.append(match.group(0))
        position = match.end()
    out.append(escape(text[position:]))
    return "".join(out)


def _files_cell(paths: Sequence[str]) -> str:
    if not paths:
        return "—"
    shown, more = limited([escape(p) for p in paths], MAX_TABLE_FILES)
    return ", ".join(shown) + (f", +{more} more" if more else "")


def _summary(result: CheckResult) -> str:
    text = change_summary(result, range_style="`{}`") or "No changed files"
    if result.policy_source:
        text += " · policy: " + escape(result.policy_source)
    elif result.policy_files:
        text += " · policy: " + ", ".join(escape(p) for p in result.policy_files)
    for note in result.policy_notes:
        text += "  \n" + escape(f"Note: {note}")
    return text


def _heading(result: CheckResult) -> str:
    if result.verdict == "fail":
        emoji = "⚠️" if result.warn_only else "❌"
    else:
        emoji = "⚠️" if result.verdict == "warn" else "✅"
    return f"## {emoji} {escape(verdict_line(result))}"


def _row(rule: RuleResult) -> str:
    return (f"| {escape(rule.rule)} | {rule.level} | {_STATUS[(rule.status, rule.level)]} "
            f"| {_files_cell(rule.paths)} |\n")


def _requirement(requirement: RequirementResult, rule: RuleResult) -> str:
    mark = _REQUIREMENT_MARK.get(requirement.status, "•")
    if requirement.status == "fail" and rule.level == "warn":
        mark = "⚠️"
    label = f"**{escape(requirement.kind)}**"
    if requirement.status == "pending":
        label += " (pending: CI decides)"
    lines = [f"- {mark} {label}: {message(requirement.message)}"]
    details, more = limited([escape(d) for d in requirement.details], MAX_DETAILS)
    lines.extend(f"  - {d}" for d in details)
    if more:
        lines.append(f"  - +{more} more")
    return "\n".join(lines) + "\n"


def _section(rule: RuleResult) -> str:
    mark = "❌" if rule.status == "fail" and rule.level == "block" else (
        "⏳" if rule.status == "pending" else "⚠️")
    title = f"### {mark} {escape(rule.rule)}"
    if rule.description:
        title += f" — {escape(rule.description)}"
    parts = [
        title,
        "",
        f"Defined at {escape(str(rule.source))} · level **{rule.level}** · "
        f"status **{rule.status}** · {rule.origin}-origin files",
        "",
        "Requirements:",
        "",
        "".join(_requirement(r, rule) for r in rule.requirements).rstrip("\n"),
        "",
    ]
    if rule.paths:
        shown, more = limited([escape(p) for p in rule.paths], MAX_SECTION_FILES)
        items = [f"- {p}" for p in shown] + ([f"- +{more} more"] if more else [])
        parts += [f"<details><summary>{plural(len(rule.paths), 'file')}</summary>", "",
                  *items, "", "</details>", ""]
    evidence = evidence_lines(rule.evidence)
    if evidence:
        shown, more = limited([escape(e) for e in evidence], MAX_EVIDENCE)
        items = [f"- {e}" for e in shown] + ([f"- +{more} more"] if more else [])
        parts += [f"<details><summary>AI evidence ({len(evidence)})</summary>", "",
                  *items, "", "</details>", ""]
    return "\n".join(parts) + "\n"


def _policy_origin(result: CheckResult) -> str:
    """Where the policy that judged came from, in the words that fit the mode."""
    if result.mode == "staged":
        return ("This check read the policy from the checkout being committed; CI reads it "
                "from the pull request's base commit, so changes to it apply after the merge.")
    return ("In CI the policy is read from the base commit, so changes to it apply after the "
            "merge.")


def _footer(result: CheckResult) -> str:
    lines: list[str] = []
    if result.warnings:
        lines += ["**Warnings**", ""] + [f"- {escape(w)}" for w in result.warnings] + [""]
    if result.verdict == "fail" and not result.warn_only:
        lines += [f"Run `vetgate explain PATH` to see what a path needs. {_policy_origin(result)}",
                  ""]
    lines.append(f"<sub>vetgate {escape(__version__)}</sub>")
    return "\n".join(lines) + "\n"


def _truncation_note(omitted: list[str]) -> str:
    named, more = limited([escape(r) for r in omitted], 5)
    which = ", ".join(named) + (f" and {more} more" if more else "")
    what = f": {plural(len(omitted), 'rule')} not shown in full ({which})" if omitted else ""
    return (f"\n> [!WARNING]\n> This report was truncated to fit{what}. Run `vetgate check` "
            "locally or read the CI job log for the full report.\n")


def pieces(result: CheckResult) -> list[tuple[str, str | None]]:
    """The report as ordered pieces (text, rule id) that truncation may cut between."""
    counts = tally(result)
    out: list[tuple[str, str | None]] = [
        (f"{MARKER}\n{_heading(result)}\n\n{_summary(result)}\n\n", None),
    ]
    rules = ordered(result.results)
    if rules:
        out.append(("| Rule | Level | Status | Files |\n| --- | --- | --- | --- |\n", None))
        out += [(_row(rule), rule.rule) for rule in rules]
        out.append(("\n", None))
    else:
        out.append(("No rules in the policy.\n\n", None))
    attention = (*counts.blocking, *counts.warning, *counts.pending)
    out += [(_section(rule), rule.rule) for rule in ordered(attention)]
    out.append((_footer(result), None))
    return out


def render(result: CheckResult, *, limit: int = MAX_COMMENT_CHARS,
           measure: str = "chars") -> str:
    """The Markdown report, at most ``limit`` characters (or UTF-8 bytes: ``measure="bytes"``)."""
    return fit(pieces(result), limit, _truncation_note, measure=measure)
