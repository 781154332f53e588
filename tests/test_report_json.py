"""``--format json``: the stable contract, validated against the shipped JSON Schema."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from test_report_scenarios import (
    BASE,
    HEAD,
    SCENARIOS,
    SHA_A,
    failing,
    file_result,
    odd_names,
    pending_review,
    src,
)
from vetgate.engine.result import CheckResult, RequirementResult, RuleResult
from vetgate.provenance.model import CommitOrigin, Evidence
from vetgate.report.json import render

TOP_KEYS = ["version", "verdict", "base", "head", "mode", "ci", "policy_files", "policy_source",
            "policy_notes", "commits", "changes", "results", "warnings"]
COMMIT_KEYS = ["sha", "origin", "counts_as", "tools", "subject", "evidence"]
EVIDENCE_KEYS = ["detector", "kind", "tool", "detail", "where", "source"]
RULE_EVIDENCE_KEYS = [*EVIDENCE_KEYS, "commit", "subject"]  # a rule's evidence names its commit
CHANGE_KEYS = ["path", "old_path", "status", "added", "removed", "binary", "kind", "origin",
               "rules"]
RESULT_KEYS = ["rule", "source", "level", "status", "description", "origin", "paths", "reason",
               "evidence", "requirements"]
REQUIREMENT_KEYS = ["kind", "status", "message", "paths", "details"]


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    # Read as the installed package ships it (package data), not from the source tree.
    text = resources.files("vetgate.report").joinpath("check-output.schema.json").read_text(
        encoding="utf-8")
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    return _validator()


def report(result: CheckResult) -> dict[str, Any]:
    data = json.loads(render(result))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_report_matches_the_schema_and_key_order(
        name: str, validator: jsonschema.Draft202012Validator) -> None:
    data = report(SCENARIOS[name]())
    validator.validate(data)
    assert list(data) == TOP_KEYS
    for commit in data["commits"]:
        assert list(commit) == COMMIT_KEYS
        assert all(list(e) == EVIDENCE_KEYS for e in commit["evidence"])
    assert all(list(c) == CHANGE_KEYS for c in data["changes"])
    for result in data["results"]:
        assert list(result) == RESULT_KEYS
        assert all(list(e) == RULE_EVIDENCE_KEYS for e in result["evidence"])
        assert all(list(r) == REQUIREMENT_KEYS for r in result["requirements"])


def test_failing_report_values() -> None:
    data = report(failing())
    assert data["version"] == 1
    assert (data["verdict"], data["base"], data["head"], data["mode"], data["ci"]) == (
        "fail", BASE, HEAD, "range", False)
    assert data["policy_files"] == [".vetgate.yaml"]
    assert data["commits"][0] == {
        "sha": SHA_A, "origin": "ai", "counts_as": "ai", "tools": ["Claude Code"],
        "subject": "Add token refresh",
        "evidence": [
            {"detector": "trailer", "kind": "ai", "tool": "Claude Code",
             "detail": "Co-Authored-By: Claude <noreply@anthropic.com>",
             "where": "trailer, message line 4", "source": "builtin"},
            {"detector": "message", "kind": "ai", "tool": "Claude Code",
             "detail": "Generated with [Claude Code](https://claude.com/claude-code)",
             "where": "message line 3", "source": "builtin"},
        ],
    }
    assert data["commits"][2]["evidence"][0]["source"] == "policy"
    assert data["changes"][4] == {
        "path": "docs/auth.md", "old_path": "docs/login.md", "status": "R", "added": 10,
        "removed": 2, "binary": False, "kind": "file", "origin": "human", "rules": ["docs"],
    }
    auth = data["results"][0]
    assert auth["rule"] == "auth" and auth["source"] == ".vetgate.yaml:14"
    assert (auth["level"], auth["status"], auth["origin"]) == ("block", "fail", "ai")
    assert auth["paths"] == ["src/auth/login.py", "src/auth/session.py"]
    assert auth["requirements"][1] == {
        "kind": "review", "status": "fail",
        "message": "Needs 1 approval from security (alice, @acme/security); has 0. Request a "
                   "review on the pull request.",
        "paths": ["src/auth/login.py", "src/auth/session.py"],
        "details": ["mallory: not counted, author of commit aaaaaaaaaa (not independent)"],
    }
    assert data["results"][-1]["status"] == "skip"
    assert data["results"][-1]["reason"] == "no changed file matches"
    assert data["warnings"] == []


def test_pending_commit_has_a_null_sha_and_staged_head_is_null() -> None:
    data = report(pending_review())
    assert data["commits"][0]["sha"] is None and data["head"] is None
    assert data["mode"] == "staged"
    assert data["results"][0]["requirements"][1]["status"] == "pending"


def test_layout_is_indented_utf8_with_a_trailing_newline() -> None:
    text = render(odd_names())
    assert text.startswith('{\n  "version": 1,\n  "verdict": "fail",\n')
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert '"src/auth/ünïcødé.py"' in text  # ensure_ascii off
    assert "\\u001b" in text  # control characters escaped by JSON, never raw
    assert "\x1b" not in text


def test_odd_paths_are_data_and_undecodable_bytes_become_escapes() -> None:
    data = report(odd_names())
    paths = [c["path"] for c in data["changes"]]
    assert "src/auth/new\nline.py" in paths
    assert "src/auth/a,b:c.py" in paths
    assert "src/auth/bad\\xffbyte.py" in paths  # lone surrogate from surrogateescape
    assert data["warnings"] == ["uncovered AI-origin file: weird\tname <x>"]


def test_schema_rejects_a_report_missing_a_promised_field(
        validator: jsonschema.Draft202012Validator) -> None:
    data = report(failing())
    del data["results"][0]["requirements"][0]["message"]
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(data)


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
_path = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1,
                max_size=30)


@settings(max_examples=60, deadline=None)
@given(paths=st.lists(_path, max_size=5, unique=True), message=_text, description=_text,
       detail=_text, verdict=st.sampled_from(["pass", "warn", "fail"]))
def test_any_text_round_trips_and_stays_valid(paths: list[str], message: str, description: str,
                                              detail: str, verdict: str) -> None:
    rule = RuleResult(
        rule="r", source=src(2), level="block", status="fail", description=description,
        paths=tuple(paths), origin="ai",
        evidence=(Evidence(detector="message", kind="ai", where="subject", detail=detail),),
        requirements=(RequirementResult(kind="tests", status="fail", message=message,
                                        paths=tuple(paths)),),
    )
    result = CheckResult(
        verdict=verdict, mode="range", base=BASE, head=HEAD,  # type: ignore[arg-type]
        policy_files=(".vetgate.yaml",),
        commits=(CommitOrigin(sha=SHA_A, origin="ai", counts_as="ai", subject=detail),),
        files=tuple(file_result(p) for p in paths), results=(rule,),
    )
    data = json.loads(render(result))
    _validator().validate(data)
    assert [c["path"] for c in data["changes"]] == paths
    assert data["results"][0]["requirements"][0]["message"] == message
    assert data["results"][0]["description"] == description
    assert data["results"][0]["evidence"][0]["detail"] == detail
