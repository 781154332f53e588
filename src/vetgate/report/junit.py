"""``--format junit``: one test suite ``vetgate``, one test case per policy rule.

For CI systems that read JUnit XML (GitLab ``artifacts:reports:junit``, Jenkins, Azure): a rule
that fails is a ``<failure>`` (``type`` says ``block`` or ``warn``), a rule that did not apply is
``<skipped>``, and a rule that is pending — only CI can meet it — is ``<skipped message="pending:
…">``. XML 1.0 cannot carry most control characters at all; they are shown as escapes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from vetgate.engine.result import CheckResult, RuleResult
from vetgate.report._common import (
    evidence_lines,
    plural,
    printable,
    tally,
    unmet,
    verdict_line,
)

# Characters XML 1.0 forbids even as references (after ``printable`` only U+FFFE/U+FFFF remain).
_ILLEGAL_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` made safe for XML 1.0: control characters and undecodable bytes as escapes."""
    return _ILLEGAL_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", printable(text))


def _body(rule: RuleResult) -> str:
    """The readable explanation inside ``<failure>``: what, which files, evidence, what to do."""
    lines = [xml_text(f"{rule.rule} ({rule.level}, {rule.source})")]
    if rule.description:
        lines.append(xml_text(rule.description))
    if rule.paths:
        lines.append(f"{plural(len(rule.paths), 'file')}:")
        lines.extend(f"  {xml_text(p)}" for p in rule.paths)
    evidence = evidence_lines(rule.evidence)
    if evidence:
        lines.append("AI evidence:")
        lines.extend(f"  {xml_text(e)}" for e in evidence)
    for requirement in rule.requirements:
        lines.append(f"[{requirement.status}] {requirement.kind}: {xml_text(requirement.message)}")
        lines.extend(f"  {xml_text(d)}" for d in requirement.details)
    return "\n".join(lines) + "\n"


def _summary(rule: RuleResult, statuses: tuple[str, ...]) -> str:
    messages = [xml_text(r.message) for r in unmet(rule) if r.status in statuses]
    return "; ".join(messages) or xml_text(rule.reason) or rule.status


def _testcase(rule: RuleResult) -> ET.Element:
    case = ET.Element("testcase", {
        "classname": "vetgate",
        "name": xml_text(rule.rule),
        "file": xml_text(rule.source.file),
        "line": str(rule.source.line),
        "time": "0",
    })
    if rule.status == "fail":
        failure = ET.SubElement(case, "failure", {
            "message": _summary(rule, ("fail",)),
            "type": rule.level,
        })
        failure.text = _body(rule)
    elif rule.status == "pending":
        ET.SubElement(case, "skipped", {"message": "pending: " + _summary(rule, ("pending",))})
        ET.SubElement(case, "system-out").text = _body(rule)
    elif rule.status == "skip":
        reason = xml_text(rule.reason) if rule.reason else "no change it applies to"
        ET.SubElement(case, "skipped", {"message": f"not applicable: {reason}"})
    else:
        ET.SubElement(case, "system-out").text = _body(rule)
    return case


def render(result: CheckResult) -> str:
    """The JUnit XML report (UTF-8 declaration, indented, trailing newline)."""
    counts = tally(result)
    tests = str(len(result.results))
    failures = str(len(counts.blocking) + len(counts.warning))
    skipped = str(len(counts.pending) + len(counts.skipped))
    totals = {"tests": tests, "failures": failures, "errors": "0", "skipped": skipped,
              "time": "0"}
    root = ET.Element("testsuites", {"name": "vetgate", **totals})
    suite = ET.SubElement(root, "testsuite", {"name": "vetgate", **totals})
    properties = ET.SubElement(suite, "properties")
    facts = {
        "verdict": result.verdict,
        "warn_only": "true" if result.warn_only else "false",
        "mode": result.mode,
        "base": result.base or "",
        "head": result.head or "",
        "policy_files": xml_text(", ".join(result.policy_files)),
        "policy_source": xml_text(result.policy_source),
    }
    for number, note in enumerate(result.policy_notes, 1):
        facts[f"policy_note_{number}"] = xml_text(note)
    for name, value in facts.items():
        ET.SubElement(properties, "property", {"name": name, "value": value})
    for rule in result.results:
        suite.append(_testcase(rule))
    out_lines = [xml_text(w) for w in result.warnings]
    ET.SubElement(suite, "system-out").text = "\n".join(
        [*(f"warning: {w}" for w in out_lines), verdict_line(result)]
    ) + "\n"
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'

