"""``--format codequality``: GitLab Code Quality issues."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from test_report_scenarios import (
    SCENARIOS,
    failing,
    many_files,
    odd_names,
    pending_review,
    src,
    warn_only,
)
from vetgate.engine.result import CheckResult, RequirementResult, RuleResult
from vetgate.report.codequality import render

SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def issues(result: CheckResult) -> list[dict[str, Any]]:
    text = render(result)
    assert not text.startswith("\ufeff") and text.endswith("\n")
    data = json.loads(text)
    assert isinstance(data, list)
    return data


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_issue_has_gitlabs_shape(name: str) -> None:
    found = issues(SCENARIOS[name]())
    for issue in found:
        assert list(issue) == ["description", "check_name", "fingerprint", "severity", "location"]
        assert isinstance(issue["description"], str) and issue["description"]
        assert issue["severity"] in SEVERITIES
        assert len(issue["fingerprint"]) == 64
        assert list(issue["location"]) == ["path", "lines"]
        assert issue["location"]["lines"]["begin"] >= 1
    assert len({i["fingerprint"] for i in found}) == len(found)  # GitLab needs them unique


def test_failing_result() -> None:
    found = issues(failing())
    assert [(i["check_name"], i["location"]["path"], i["severity"]) for i in found] == [
        ("vetgate/auth/tests", "src/auth/login.py", "blocker"),
        ("vetgate/auth/tests", "src/auth/session.py", "blocker"),
        ("vetgate/auth/review", "src/auth/login.py", "blocker"),
        ("vetgate/auth/review", "src/auth/session.py", "blocker"),
        ("vetgate/payments/forbid", "payments/charge.py", "blocker"),
        ("vetgate/data-access/max_lines", "src/db/query.py", "minor"),
    ]
    assert found[0]["description"] == (
        "vetgate auth: Add or update at least 1 test file matching tests/auth/** in this change "
        "(found 0)")
    assert found[0]["fingerprint"] == hashlib.sha256(
        b"auth\x00src/auth/login.py\x00tests\x00").hexdigest()
    assert found[0]["location"] == {"path": "src/auth/login.py", "lines": {"begin": 1}}


def test_severity_follows_level_status_and_warn_only() -> None:
    assert [i["severity"] for i in issues(pending_review())] == ["info"]
    assert {i["severity"] for i in issues(warn_only())} == {"major", "minor"}


def test_fingerprints_do_not_change_between_runs() -> None:
    assert issues(many_files(30)) == issues(many_files(30))


def test_paths_are_kept_as_they_are() -> None:
    paths = [i["location"]["path"] for i in issues(odd_names())]
    assert "src/auth/new\nline.py" in paths and "src/auth/a,b:c.py" in paths
    assert "src/auth/bad\\xffbyte.py" in paths


def test_requirement_without_files_points_at_the_policy() -> None:
    rule = RuleResult(rule="sig", source=src(31), level="block", status="fail",
                      requirements=(RequirementResult(kind="signed", status="fail",
                                                      message="Sign it"),))
    result = CheckResult(verdict="fail", mode="range", base=None, head=None, policy_files=(),
                         commits=(), files=(), results=(rule,))
    (issue,) = issues(result)
    assert issue["location"] == {"path": ".vetgate.yaml", "lines": {"begin": 31}}


def test_nothing_to_report_is_an_empty_array() -> None:
    assert render(SCENARIOS["passing"]()) == "[]\n"
