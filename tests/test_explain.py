"""`vetgate explain`: for each path, the rules that match (id, source file:line, deciding
pattern, level, origin scope) and what they require of an AI-origin and of a human change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import GitRepo
from vetgate.main import main

POLICY = """\
version: 1
groups:
  security: [alice, "@acme/security"]
policy_owners: [security]
coverage: warn
rules:
  - id: auth
    description: Sign-in
    paths: ["src/auth/**", "!**/*.md"]
    require:
      tests: ["tests/auth/**"]
      review: {count: 2, from: [security], fresh: head}
      trailer: {key: Risk-Reviewed-by}
  - id: everything
    origin: any
    level: warn
    paths: ["src/**"]
    require:
      max_lines: 100
      trailer: {key: X, value: "y*"}
      label: big
      signed: true
  - id: humans
    origin: human
    paths: ["src/**/*.py"]
    require:
      forbid: "Humans must not."
"""

EXPECTED_TEXT = """\
policy: .vetgate.yaml; commits without AI evidence count as human (origin.unknown: human)

src/auth/login.py
  rule auth (.vetgate.yaml:7) — Sign-in
    matched by: src/auth/**
    level: block (an unmet requirement blocks the change)
    applies to: AI-origin changes (origin: ai)
    AI-origin change requires:
      - tests: at least 1 added or modified file matching tests/auth/**
      - review: 2 approvals on the code host from independent members of security (alice, \
@acme/security) — only approvals of the head commit count (checked in CI; pending locally)
      - trailer: every AI-origin commit touching these files carries "Risk-Reviewed-by:"
    human change: not applicable (rule applies to ai-origin changes)
  rule everything (.vetgate.yaml:14)
    matched by: src/**
    level: warn (an unmet requirement only warns)
    applies to: every change, AI-origin or human (origin: any)
    AI-origin change requires:
      - trailer: every AI-origin commit touching these files carries "X: y*"
      - label: the pull/merge request carries the label "big" (checked in CI; pending locally)
      - max_lines: at most 100 added or removed lines in the files this rule matches
      - signed: every commit touching these files has a good signature
    human change requires:
      - label: the pull/merge request carries the label "big" (checked in CI; pending locally)
      - max_lines: at most 100 added or removed lines in the files this rule matches
      - signed: every commit touching these files has a good signature
  rule humans (.vetgate.yaml:23)
    matched by: src/**/*.py
    level: block (an unmet requirement blocks the change)
    applies to: human changes (origin: human)
    AI-origin change: not applicable (rule applies to human-origin changes)
    human change requires:
      - forbid: not allowed at all — Humans must not.

docs/readme.md
  no rule matches (coverage: warn, so an AI-origin change here gets a warning)
"""


@pytest.fixture
def policy_repo(in_repo: GitRepo) -> GitRepo:
    in_repo.write(".vetgate.yaml", POLICY)
    return in_repo


def explain(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["explain", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_text_report(policy_repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = explain(["src/auth/login.py", "docs/readme.md"], capsys)
    assert (code, err) == (0, "")
    assert out == EXPECTED_TEXT


def test_json_report(policy_repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = explain(["--format", "json", "src/auth/login.py", "docs/readme.md"], capsys)
    assert code == 0
    document = json.loads(out)
    assert document["version"] == 1
    assert document["policy"] == {"files": [".vetgate.yaml"], "coverage": "warn",
                                  "unknown": "human"}
    first, second = document["paths"]
    assert first["path"] == "src/auth/login.py"
    assert [r["rule"] for r in first["rules"]] == ["auth", "everything", "humans"]
    auth = first["rules"][0]
    assert auth["source"] == ".vetgate.yaml:7"
    assert auth["pattern"] == "src/auth/**"
    assert (auth["level"], auth["origin"], auth["builtin"]) == ("block", "ai", False)
    assert auth["human"] == {"applies": False, "requirements": [],
                             "reason": "rule applies to ai-origin changes"}
    assert auth["ai"]["requirements"][1] == {
        "kind": "review", "count": 2, "groups": ["security"], "fresh": "head",
        "text": "review: 2 approvals on the code host from independent members of security "
                "(alice, @acme/security) — only approvals of the head commit count (checked in "
                "CI; pending locally)"}
    assert second == {"path": "docs/readme.md", "rules": [],
                      "note": "no rule matches (coverage: warn, so an AI-origin change here "
                              "gets a warning)"}


def test_the_policy_file_is_covered_by_the_builtin_rule(
        policy_repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = explain([".vetgate.yaml"], capsys)
    assert code == 0
    assert ("  rule vetgate-policy (.vetgate.yaml:4) [built-in] — The policy files themselves: a "
            "change to them needs a review from the policy owners\n"
            "    matched by: /.vetgate.yaml\n") in out
    assert "    human change requires:\n      - review: 1 approval on the code host from " \
           "independent members of security (alice, @acme/security)" in out


def test_paths_relative_to_the_current_directory_or_the_root(
        policy_repo: GitRepo, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    policy_repo.write("src/auth/login.py", "x\n")
    monkeypatch.chdir(policy_repo.path / "src")
    code, out, _ = explain(["--format", "json", "auth/login.py", "src/auth/new.py",
                            str(policy_repo.path / "README.md"), "./auth/../auth/login.py"],
                           capsys)
    assert code == 0
    assert [p["path"] for p in json.loads(out)["paths"]] == [
        "src/auth/login.py", "src/auth/new.py", "README.md", "src/auth/login.py"]


def test_path_outside_the_repository(policy_repo: GitRepo, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = explain([str(tmp_path / "elsewhere.py")], capsys)
    assert code == 2
    assert "is outside the repository" in err


def test_the_repository_root_itself(policy_repo: GitRepo,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = explain(["."], capsys)
    assert code == 2
    assert err == "vetgate: error: . is the repository root; name a file inside it\n"


def test_default_policy_when_the_repository_has_none(
        in_repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = explain(["app/auth/session.py", "README.md"], capsys)
    assert code == 0
    assert out.startswith("policy: the built-in default policy; commits without AI evidence")
    assert "  rule auth (vetgate:default.yaml:16) — Authentication" in out
    assert "    matched by: **/auth/**\n" in out
    assert "README.md\n  no rule matches (coverage: ignore, so an AI-origin change here " \
           "passes)\n" in out


def test_explicit_policy(in_repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    in_repo.write("other.yaml", 'version: 1\nrules:\n  - id: x\n    paths: ["x/**"]\n'
                                "    require: {label: x}\n")
    code, out, _ = explain(["--policy", "other.yaml", "x/y"], capsys)
    assert code == 0
    assert "  rule x (other.yaml:3)\n    matched by: x/**\n" in out


def test_invalid_policy_is_undecided(in_repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    in_repo.write(".vetgate.yaml", "version: 1\nrules: 3\n")
    code, _, err = explain(["x"], capsys)
    assert code == 2
    assert err == "vetgate: .vetgate.yaml:2:8: error: rules must be a list (got 3)\n"


def test_odd_path_names_print_safely(policy_repo: GitRepo,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    odd = "src/auth/new\nline \udcff.py"
    code, out, _ = explain([odd], capsys)
    assert code == 0
    assert "src/auth/new\\nline \\xff.py\n  rule auth" in out


def test_directory_note(policy_repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    policy_repo.write("src/auth/login.py", "x\n")
    code, out, _ = explain(["src/auth"], capsys)
    assert code == 0
    assert "src/auth\n  (a directory: rules match files, so name a file inside it)\n" in out
