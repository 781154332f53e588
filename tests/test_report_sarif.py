"""``--format sarif``: valid against the official SARIF 2.1.0 schema (vendored in tests/data/,
from oasis-tcs/sarif-spec Documents/CommitteeSpecifications/2.1.0), and shaped for GitHub code
scanning."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from test_report_scenarios import (
    ODD_PATHS,
    SCENARIOS,
    failing,
    many_files,
    odd_names,
    pending_review,
    src,
    warn_only,
)
from vetgate import __version__
from vetgate.engine.result import CheckResult, RequirementResult, RuleResult
from vetgate.report.sarif import artifact_uri, render

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
# RFC 3986 relative-path reference as we emit it: unreserved characters, "/" and %XX only.
URI = re.compile(r"^(?:[A-Za-z0-9\-._~/]|%[0-9A-F]{2})+$")


@functools.cache
def _validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def sarif(result: CheckResult) -> dict[str, Any]:
    data = json.loads(render(result))
    _validator().validate(data)
    assert isinstance(data, dict)
    return data


def test_vendored_schema_is_the_official_one() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]
    assert len(schema["definitions"]) == 52


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_report_is_valid_sarif(name: str) -> None:
    data = sarif(SCENARIOS[name]())
    for item in data["runs"][0]["results"]:
        location = item["locations"][0]["physicalLocation"]
        assert URI.match(location["artifactLocation"]["uri"])
        assert location["region"]["startLine"] >= 1


def test_run_header_for_code_scanning() -> None:
    data = sarif(failing())
    assert data["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert data["version"] == "2.1.0"
    driver = data["runs"][0]["tool"]["driver"]
    assert driver["name"] == "vetgate" and driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")
    assert [r["id"] for r in driver["rules"]] == [
        "auth", "payments", "data-access", "docs", "vetgate-policy"]
    auth = driver["rules"][0]
    assert auth["shortDescription"] == {"text": "Authentication and session handling"}
    assert auth["fullDescription"]["text"].startswith(
        "Authentication and session handling. Policy rule 'auth' defined at .vetgate.yaml:14; "
        "level block (blocks the change); requires: tests, review.")
    assert "vetgate explain PATH" in auth["help"]["text"]
    assert auth["defaultConfiguration"] == {"level": "error"}
    assert driver["rules"][1]["shortDescription"] == {"text": "vetgate policy rule payments"}
    assert driver["rules"][2]["defaultConfiguration"] == {"level": "warning"}
    assert data["runs"][0]["properties"]["verdict"] == "fail"


def test_one_result_per_unmet_requirement_per_file() -> None:
    results = sarif(failing())["runs"][0]["results"]
    pairs = [(r["ruleId"], r["properties"]["requirement"],
              r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["level"])
             for r in results]
    assert pairs == [
        ("auth", "tests", "src/auth/login.py", "error"),
        ("auth", "tests", "src/auth/session.py", "error"),
        ("auth", "review", "src/auth/login.py", "error"),
        ("auth", "review", "src/auth/session.py", "error"),
        ("payments", "forbid", "payments/charge.py", "error"),
        ("data-access", "max_lines", "src/db/query.py", "warning"),
    ]
    rule_ids = [r["id"] for r in sarif(failing())["runs"][0]["tool"]["driver"]["rules"]]
    assert all(rule_ids[r["ruleIndex"]] == r["ruleId"] for r in results)
    assert results[0]["message"]["text"] == (
        "auth: Add or update at least 1 test file matching tests/auth/** in this change "
        "(found 0)")
    assert results[2]["properties"]["details"] == [
        "mallory: not counted, author of commit aaaaaaaaaa (not independent)"]


def test_pending_is_a_note() -> None:
    results = sarif(pending_review())["runs"][0]["results"]
    assert [(r["level"], r["properties"]["status"]) for r in results] == [("note", "pending")]
    assert results[0]["message"]["text"].endswith("(pending: can only be met in CI)")


def test_warn_only_keeps_policy_levels_and_says_so() -> None:
    data = sarif(warn_only())
    assert data["runs"][0]["properties"]["warnOnly"] is True
    assert data["runs"][0]["results"][0]["level"] == "error"


def test_fingerprints_are_stable_and_distinct() -> None:
    first = sarif(many_files(30))["runs"][0]["results"]
    second = sarif(many_files(30))["runs"][0]["results"]
    prints = [r["partialFingerprints"]["vetgate/v1"] for r in first]
    assert prints == [r["partialFingerprints"]["vetgate/v1"] for r in second]
    assert len(set(prints)) == len(prints) == 60
    expected = hashlib.sha256(b"auth\x00src/auth/module_00.py\x00tests\x00").hexdigest()
    assert prints[0] == expected


def test_odd_names_are_percent_encoded() -> None:
    results = sarif(odd_names())["runs"][0]["results"]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
    assert uris == [artifact_uri(p) for p in ODD_PATHS]
    assert uris[:3] == ["src/auth/my%20file.py", "src/auth/%C3%BCn%C3%AFc%C3%B8d%C3%A9.py",
                        "src/auth/new%0Aline.py"]
    assert "src/auth/100%25.py" in uris and "src/auth/a%2Cb%3Ac.py" in uris
    assert "src/auth/bad%FFbyte.py" in uris  # the original byte, not a replacement character
    assert "c%3Aodd/%40acme-team.py" in uris  # never read as a URI scheme "c:"


def test_a_requirement_without_files_points_at_the_rule_definition() -> None:
    rule = RuleResult(rule="sig", source=src(31, "policies/extra.yaml"), level="block",
                      status="fail",
                      requirements=(RequirementResult(kind="signed", status="fail",
                                                      message="Sign it"),))
    result = CheckResult(verdict="fail", mode="range", base=None, head=None, policy_files=(),
                         commits=(), files=(), results=(rule,))
    location = sarif(result)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": "policies/extra.yaml"},
                        "region": {"startLine": 31}}


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_any_path_becomes_a_uri_that_decodes_back_to_its_bytes(path: str) -> None:
    uri = artifact_uri(path)
    assert URI.match(uri)
    assert ":" not in uri.split("/")[0]
    assert unquote_to_bytes(uri) == path.encode("utf-8", "surrogateescape")
