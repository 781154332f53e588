"""``--format github``: GitHub Actions workflow commands, and the step summary.

GitHub shows at most 10 error and 10 warning annotations per step (50 per job); beyond that they
vanish silently. So when there are more, the last slot of each kind becomes one annotation saying
how many more there are and pointing at the step summary, which lists everything.
"""

from __future__ import annotations

import re

from vetgate.engine.result import CheckResult, RuleResult
from vetgate.records import frozen
from vetgate.report._common import (
    encodable,
    evidence_lines,
    limited,
    plural,
    printable,
    requirement_paths,
    tally,
    unmet,
    verdict_line,
)

MAX_PER_KIND = 10  # annotations of one kind (error, warning) per step
MAX_EVIDENCE = 3  # AI evidence lines in one annotation before "+N more"
# $GITHUB_STEP_SUMMARY takes at most 1 MiB per step; stay a little below.
MAX_STEP_SUMMARY_BYTES = 1_000_000


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF are percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as data, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


# Control characters other than CR/LF (which the runner decodes back from %0D/%0A) never go out
# raw: an ESC in a file name would otherwise reach the log viewer as a terminal sequence.
# U+2028/U+2029 are line breaks to many readers of the log, so they are escaped too.
_OTHER_CONTROLS = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def _file_property(path: str) -> str:
    return _OTHER_CONTROLS.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) <= 0xFF
        else f"\\u{ord(m.group()):04x}",
        encodable(path),
    )


@frozen
class Annotation:
    """One ``::error``/``::warning``/``::notice`` line."""

    level: str  # error | warning | notice
    message: str
    title: str = ""
    file: str | None = None
    line: int | None = None

    def command(self) -> str:
        """The workflow command text."""
        props = []
        if self.file is not None:
            props.append(f"file={escape_property(self.file)}")
            props.append(f"line={self.line or 1}")
        if self.title:
            props.append(f"title={escape_property(self.title)}")
        head = f"::{self.level}" + (" " + ",".join(props) if props else "")
        return f"{head}::{escape_data(self.message)}"


def _rule_annotations(rule: RuleResult) -> list[Annotation]:
    """One annotation per file of the rule, listing every unmet requirement for that file.

    It is an error when the rule blocks and a requirement fails for that file; a warning when the
    rule only warns or all that is unmet for the file is pending (CI decides later).
    """
    lines_by_file: dict[str | None, list[str]] = {}
    failing: set[str | None] = set()
    for requirement in unmet(rule):
        pending = requirement.status == "pending"
        label = requirement.kind + (" (pending, CI decides)" if pending else "")
        line = f"{label}: {printable(requirement.message)}"
        for path in requirement_paths(rule, requirement) or (None,):
            lines_by_file.setdefault(path, []).append(line)
            if not pending:
                failing.add(path)
    rule_id = printable(rule.rule)
    header = printable(rule.description) if rule.description else f"policy rule {rule_id}"
    evidence, more = limited([printable(e) for e in evidence_lines(rule.evidence)], MAX_EVIDENCE)
    cited = (["AI evidence:", *(f"  {e}" for e in evidence)] if evidence else []) + (
        [f"  +{more} more"] if more else [])
    return [
        Annotation(
            level="error" if rule.level == "block" and path in failing else "warning",
            title=f"vetgate {rule_id}",
            message=f"{header} ({printable(str(rule.source))})\n" + "\n".join([*lines, *cited]),
            file=None if path is None else _file_property(path),
            line=None if path is None else 1,
        )
        for path, lines in lines_by_file.items()
    ]


def _capped(annotations: list[Annotation], level: str) -> list[Annotation]:
    if len(annotations) <= MAX_PER_KIND:
        return annotations
    shown = annotations[:MAX_PER_KIND - 1]
    hidden = len(annotations) - len(shown)
    return [*shown, Annotation(
        level=level,
        title="vetgate: more findings",
        message=f"{plural(hidden, 'more ' + level)} not shown as annotations (GitHub shows at "
                f"most {MAX_PER_KIND} per step): read the step summary or the full report",
    )]


def collect_annotations(result: CheckResult) -> list[Annotation]:
    """Every annotation of the report, already capped per kind."""
    errors: list[Annotation] = []
    warnings: list[Annotation] = []
    counts = tally(result)
    for rule in (*counts.blocking, *counts.warning, *counts.pending):
        for annotation in _rule_annotations(rule):
            (errors if annotation.level == "error" else warnings).append(annotation)
    warnings.extend(
        Annotation(level="warning", title="vetgate", message=printable(note))
        for note in result.warnings
    )
    out = _capped(errors, "error") + _capped(warnings, "warning")
    if result.verdict != "fail":
        out.append(Annotation(level="notice", title="vetgate", message=_pass_summary(result)))
    return out


def _pass_summary(result: CheckResult) -> str:
    counts = tally(result)
    parts = [verdict_line(result)]
    if counts.passed:
        parts.append(f"{plural(len(counts.passed), 'rule')} passed")
    if counts.skipped:
        parts.append(f"{len(counts.skipped)} not applicable")
    return " · ".join(parts)


def render(result: CheckResult) -> str:
    """Workflow commands, one per line; a blocked check ends with a plain verdict line."""
    lines = [a.command() for a in collect_annotations(result)]
    if result.policy_source:
        # Plain lines, not commands: they must not take annotation slots.
        lines.append(f"vetgate policy: {escape_data(result.policy_source)}")
        lines.extend(f"vetgate note: {escape_data(note)}" for note in result.policy_notes)
    if result.verdict == "fail":
        # Plain text, not a command: it must not take one of the ten error slots.
        # Outside Actions there is no step summary: say where else the details are.
        lines.append(f"{verdict_line(result)} (details: the job's step summary, or "
                     "`--format text`)")
    return "\n".join(lines) + "\n"


def step_summary(result: CheckResult) -> str:
    """The Markdown report for ``$GITHUB_STEP_SUMMARY``, at most 1 MiB (truncated with a note)."""
    from vetgate.report import markdown

    return markdown.render(result, limit=MAX_STEP_SUMMARY_BYTES, measure="bytes")
