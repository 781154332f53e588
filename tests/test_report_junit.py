"""``--format junit``: one suite, one test case per rule, parseable whatever the file names."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from test_report_scenarios import (
    empty,
    failing,
    odd_names,
    pending_review,
    src,
    warn_only,
)
from vetgate.engine.result import CheckResult, RequirementResult, RuleResult
from vetgate.report.junit import render, xml_text


def parse(result: CheckResult) -> ET.Element:
    text = render(result)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')
    return ET.fromstring(text.encode("utf-8"))


def test_one_suite_with_one_case_per_rule() -> None:
    root = parse(failing())
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    assert suite.attrib == {"name": "vetgate", "tests": "5", "failures": "3", "errors": "0",
                            "skipped": "1", "time": "0"}
    assert root.attrib["failures"] == "3"
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("vetgate", "auth"), ("vetgate", "payments"), ("vetgate", "data-access"),
        ("vetgate", "docs"), ("vetgate", "vetgate-policy")]
    assert (cases[0].get("file"), cases[0].get("line")) == (".vetgate.yaml", "14")
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["verdict"] == "fail" and properties["warn_only"] == "false"


def test_failures_carry_the_steps_and_the_level() -> None:
    cases = parse(failing()).find("testsuite").findall("testcase")  # type: ignore[union-attr]
    failure = cases[0].find("failure")
    assert failure is not None and failure.get("type") == "block"
    assert failure.get("message") == (
        "Add or update at least 1 test file matching tests/auth/** in this change (found 0); "
        "Needs 1 approval from security (alice, @acme/security); has 0. Request a review on the "
        "pull request.")
    body = failure.text or ""
    assert body.startswith("auth (block, .vetgate.yaml:14)\nAuthentication and session handling\n"
                           "2 files:\n  src/auth/login.py\n  src/auth/session.py\nAI evidence:\n")
    assert "[fail] review: Needs 1 approval" in body and "  mallory: not counted" in body
    warn = cases[2].find("failure")
    assert warn is not None and warn.get("type") == "warn"
    assert cases[3].find("failure") is None and cases[3].find("skipped") is None  # passed
    skipped = cases[4].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "not applicable: no changed file matches"


def test_pending_is_skipped_with_a_pending_message() -> None:
    suite = parse(pending_review()).find("testsuite")
    assert suite is not None and suite.get("skipped") == "2" and suite.get("failures") == "0"
    skipped = suite.find("testcase/skipped")
    assert skipped is not None
    assert skipped.get("message") == (
        "pending: Needs 1 approval from security (alice, bob@example.com) on the pull request; "
        "CI checks it")


def test_warn_only_and_empty() -> None:
    properties = {p.get("name"): p.get("value") for p in parse(warn_only()).iter("property")}
    assert properties["warn_only"] == "true"
    suite = parse(empty()).find("testsuite")
    assert suite is not None and suite.get("tests") == "2" and suite.get("skipped") == "2"


def test_odd_names_are_escaped_not_lost() -> None:
    text = render(odd_names())
    assert "\x1b" not in text
    root = ET.fromstring(text.encode("utf-8"))
    body = root.find("testsuite/testcase/failure").text or ""  # type: ignore[union-attr]
    assert "  src/auth/<img src=x onerror=alert(1)>.py\n" in body  # XML-escaped, parsed back
    assert "  src/auth/new\\nline.py\n" in body
    assert "  src/auth/esc\\x1b[31mred.py\n" in body
    assert "  src/auth/bad\\xffbyte.py\n" in body
    assert "  src/auth/a|b.py\n  src/auth/ünïcødé.py" not in body
    out = root.find("testsuite/system-out").text or ""  # type: ignore[union-attr]
    assert out == ("warning: uncovered AI-origin file: weird\\tname <x>\n"
                   "vetgate: BLOCKED — 1 rule fails\n")


@given(st.text(max_size=40))
def test_any_text_survives_as_parseable_xml(text: str) -> None:
    rule = RuleResult(rule="r" + text, source=src(1), level="block", status="fail",
                      description=text, paths=(text or "x",),
                      requirements=(RequirementResult(kind="forbid", status="fail",
                                                      message=text, details=(text,)),))
    result = CheckResult(verdict="fail", mode="range", base=None, head=None, policy_files=(),
                         commits=(), files=(), results=(rule,))
    root = ET.fromstring(render(result).encode("utf-8"))
    case = root.find("testsuite/testcase")
    assert case is not None and case.get("name") == xml_text("r" + text)
    failure = case.find("failure")
    assert failure is not None and failure.get("message") == (xml_text(text) or "fail")
