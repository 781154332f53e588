"""``--format text``: the terminal report, and the one-line heads-up the hooks print.

Grouped by rule, what blocks first; each unmet requirement says the one step that fixes it.
Every string that came from a repository (file names, commit text) goes through ``printable``:
a file name must not be able to move the cursor or colour the reader's terminal.
"""

from __future__ import annotations

from vetgate.engine.result import CheckResult, RequirementResult, RuleResult
from vetgate.report._common import (
    change_summary,
    evidence_lines,
    limited,
    ordered,
    plural,
    printable,
    tally,
    unmet,
    verdict_line,
)

MAX_FILES = 10  # files listed under a rule before "+N more"
MAX_EVIDENCE = 3  # AI evidence lines under a rule before "+N more"
MAX_DETAILS = 5  # detail lines under a requirement before "+N more"
MAX_PASSED_IDS = 8  # rule ids named on the "passed" line

_RESET = "\x1b[0m"
_STYLES = {"red": "\x1b[31m", "yellow": "\x1b[33m", "green": "\x1b[32m", "bold": "\x1b[1m",
           "dim": "\x1b[2m", "red-bold": "\x1b[1;31m", "yellow-bold": "\x1b[1;33m",
           "green-bold": "\x1b[1;32m"}

FAIL_MARK = "✗"
WARN_MARK = "!"
PASS_MARK = "✓"

# What a pending requirement asks of CI, for the heads-up line.
_PENDING_NOUNS = {"review": "review", "label": "a pull-request label", "signed": "signed commits"}


class _Painter:
    """ANSI styling that is a no-op unless colour was asked for."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, style: str, text: str) -> str:
        return f"{_STYLES[style]}{text}{_RESET}" if self.enabled and text else text


def _summary_line(result: CheckResult) -> str:
    return f"vetgate: {change_summary(result) or 'no changed files'}"


def _rule_header(rule: RuleResult, paint: _Painter) -> str:
    if rule.status == "fail" and rule.level == "block":
        mark, style = FAIL_MARK, "red-bold"
    else:
        mark, style = WARN_MARK, "yellow-bold"
    facts: list[str] = [rule.level]
    if rule.status == "pending":
        facts.append("pending")
    facts.append(printable(str(rule.source)))
    return f"{paint(style, mark)} {paint('bold', printable(rule.rule))}  ({', '.join(facts)})"


def _requirement_lines(requirement: RequirementResult, rule: RuleResult,
                       paint: _Painter) -> list[str]:
    if requirement.status == "fail" and rule.level == "block":
        mark = paint("red", FAIL_MARK)
    else:
        mark = paint("yellow", WARN_MARK)
    label = requirement.kind + (" (pending)" if requirement.status == "pending" else "")
    lines = [f"    {mark} {label}: {printable(requirement.message)}"]
    details, more = limited([printable(d) for d in requirement.details], MAX_DETAILS)
    lines.extend(f"        {paint('dim', d)}" for d in details)
    if more:
        lines.append(f"        {paint('dim', f'+{more} more')}")
    return lines


def _rule_block(rule: RuleResult, paint: _Painter) -> list[str]:
    lines = [_rule_header(rule, paint)]
    if rule.description:
        lines.append(f"    {printable(rule.description)}")
    if rule.paths:
        files, more = limited([printable(p) for p in rule.paths], MAX_FILES)
        lines.append(f"    {plural(len(rule.paths), 'file')}:")
        lines.extend(f"      {p}" for p in files)
        if more:
            lines.append(f"      +{more} more")
    evidence = [printable(e) for e in evidence_lines(rule.evidence)]
    if evidence:
        shown, more = limited(evidence, MAX_EVIDENCE)
        lines.append("    AI evidence:")
        lines.extend(f"      {paint('dim', e)}" for e in shown)
        if more:
            lines.append(f"      {paint('dim', f'+{more} more')}")
    for requirement in unmet(rule):
        lines.extend(_requirement_lines(requirement, rule, paint))
    return lines


def _settled_line(result: CheckResult, paint: _Painter) -> str | None:
    """The one line that sums up the rules that need nothing: passed and not applicable."""
    counts = tally(result)
    skipped = len(counts.skipped)
    if counts.passed:
        ids, more = limited([printable(r.rule) for r in counts.passed], MAX_PASSED_IDS)
        named = ", ".join(ids) + (f", +{more} more" if more else "")
        line = f"{paint('green', PASS_MARK)} {plural(len(counts.passed), 'rule')} passed ({named})"
        return line + (f"; {skipped} did not apply" if skipped else "")
    if skipped:
        return f"· {plural(skipped, 'rule')} did not apply"
    return None


def _hint(result: CheckResult) -> str:
    """What to do next. Never how to skip a hook: the reader is more and more often an AI agent,
    and agents act on such hints (the bypass is documented in docs/hooks.md only)."""
    if result.ci:
        return ("hint: `vetgate explain PATH` shows what a path needs; the policy is read from "
                "the base commit, so edits to it take effect after the merge")
    again = "commit" if result.mode == "staged" else "push"
    return (f"hint: meet the requirements above, then {again} again (`vetgate explain PATH` "
            "shows what a path needs); CI enforces the same policy on the pull request")


def render(result: CheckResult, *, color: bool = False) -> str:
    """The terminal report. ANSI colour only when ``color`` is true."""
    paint = _Painter(color)
    lines = [_summary_line(result), ""]
    for rule in ordered(result.results):
        if rule.status in ("fail", "pending"):
            lines.extend(_rule_block(rule, paint))
            lines.append("")
    settled = _settled_line(result, paint)
    if settled:
        lines.append(settled)
    for note in result.warnings:
        lines.append(f"{paint('yellow', WARN_MARK)} warning: {printable(note)}")
    if result.policy_source:
        lines.append(f"· policy: {printable(result.policy_source)}")
    lines.extend(f"· note: {printable(note)}" for note in result.policy_notes)
    if lines[-1] != "":
        lines.append("")
    verdict = verdict_line(result)
    if result.verdict == "fail" and not result.warn_only:
        lines.append(paint("red-bold", verdict))
        lines.append(_hint(result))
    elif result.verdict == "pass":
        lines.append(paint("green-bold", verdict))
    else:
        lines.append(paint("yellow-bold", verdict))
    return "\n".join(lines) + "\n"


def pending_headsup(result: CheckResult) -> str | None:
    """One line for the hooks about what CI will ask later, e.g.
    ``vetgate: review will be needed in CI for src/auth/login.py (rule auth)``;
    None when nothing is pending."""
    nouns: dict[str, None] = {}
    rules: dict[str, None] = {}
    paths: dict[str, None] = {}
    for rule in result.results:
        for requirement in rule.requirements:
            if requirement.status != "pending":
                continue
            nouns.setdefault(_PENDING_NOUNS.get(requirement.kind, requirement.kind), None)
            rules.setdefault(printable(rule.rule), None)
            for path in requirement.paths or rule.paths:
                paths.setdefault(printable(path), None)
    if not nouns:
        return None
    wanted = list(nouns)
    needs = wanted[0] if len(wanted) == 1 else ", ".join(wanted[:-1]) + " and " + wanted[-1]
    shown, more = limited(list(paths), 2)
    where = ", ".join(shown) + (f" and {plural(more, 'more file')}" if more else "")
    which = ("rule " if len(rules) == 1 else "rules ") + ", ".join(rules)
    target = f" for {where}" if where else ""
    return f"vetgate: {needs} will be needed in CI{target} ({which})"
