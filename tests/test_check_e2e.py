"""`vetgate check` end to end: real repositories, real commits, the real CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conftest import GitRepo
from vetgate.main import main

OUTPUT_SCHEMA = json.loads(
    (Path(__file__).resolve().parent.parent / "src" / "vetgate" / "report"
     / "check-output.schema.json").read_text(encoding="utf-8")
)
CLAUDE = "Co-Authored-By: Claude <noreply@anthropic.com>"

POLICY = """\
version: 1
groups:
  security: [alice]
  policy-owners: [carol]
policy_owners: [policy-owners]
rules:
  - id: auth
    description: Authentication and session handling
    paths: ["src/auth/**"]
    require:
      tests: ["tests/auth/**"]
  - id: payments
    paths: ["payments/**"]
    require:
      forbid: "AI-written changes are not accepted in payments/; write this by hand."
  - id: data-access
    paths: ["db/**"]
    require:
      trailer: {key: Risk-Reviewed-by}
      max_lines: 5
  - id: review
    paths: ["secure/**"]
    require:
      review: {count: 1, from: [security]}
  - id: labelled
    paths: ["labelled/**"]
    require:
      label: ai-reviewed
  - id: signed
    paths: ["signed/**"]
    require:
      signed: true
"""


def ai_message(subject: str, *extra: str) -> str:
    return "\n".join([subject, "", *extra, CLAUDE]) + "\n"


@pytest.fixture
def gated(in_repo: GitRepo) -> GitRepo:
    in_repo.commit("initial", {".vetgate.yaml": POLICY, "README.md": "hello\n",
                               "src/auth/session.py": "a = 1\n"})
    return in_repo


def check_json(*args: str, expect: int | None = None) -> tuple[int, dict[str, Any]]:
    out = Path("report.json").resolve()
    code = main(["check", *args, "--format", "json", "--output", str(out)])
    data = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    if expect is not None:
        assert code == expect, json.dumps(data["results"], indent=1)
    # Every scenario's JSON keeps the documented, stable contract.
    jsonschema.validate(data, OUTPUT_SCHEMA)
    return code, data


def result_of(data: dict[str, Any], rule: str) -> dict[str, Any]:
    for item in data["results"]:
        if item["rule"] == rule:
            return item
    raise AssertionError(f"no result for {rule}")


def test_forbid_blocks_ai_commit_in_range(gated: GitRepo) -> None:
    base = gated.head()
    gated.commit(ai_message("charge"), {"payments/charge.py": "x = 1\n"})
    _, data = check_json("--base", base, expect=1)
    assert data["verdict"] == "fail"
    payments = result_of(data, "payments")
    assert payments["status"] == "fail"
    assert payments["source"] == ".vetgate.yaml:12"
    assert payments["paths"] == ["payments/charge.py"]
    assert data["commits"][0]["origin"] == "ai"
    assert data["changes"][0]["origin"] == "ai"


def test_forbid_passes_human_commit(gated: GitRepo) -> None:
    base = gated.head()
    gated.commit("charge by hand", {"payments/charge.py": "x = 1\n"})
    _, data = check_json("--base", base, expect=0)
    assert result_of(data, "payments")["status"] == "skip"


def test_text_report_names_rule_file_line_evidence_and_fix(
        gated: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    base = gated.head()
    gated.commit(ai_message("charge"), {"payments/charge.py": "x = 1\n"})
    assert main(["check", "--base", base]) == 1
    out = capsys.readouterr().out
    for expected in ("payments", ".vetgate.yaml:12", "payments/charge.py", "Claude",
                     "write this by hand"):
        assert expected in out


def test_tests_requirement_range(gated: GitRepo) -> None:
    base = gated.head()
    gated.commit(ai_message("auth"), {"src/auth/session.py": "a = 2\n"})
    _, data = check_json("--range", f"{base}..HEAD", expect=1)
    req = result_of(data, "auth")["requirements"][0]
    assert req["kind"] == "tests" and req["status"] == "fail"
    gated.commit(ai_message("auth tests"), {"tests/auth/test_session.py": "def test(): pass\n"})
    check_json("--range", f"{base}..HEAD", expect=0)


def test_staged_mode_with_message_file(gated: GitRepo) -> None:
    gated.write("src/auth/session.py", "a = 3\n")
    gated.git("add", "-A")
    msg = gated.path / "MSG"
    msg.write_text(ai_message("auth change"), encoding="utf-8")
    _, data = check_json("--staged", "--message-file", str(msg), expect=1)
    assert data["commits"][0]["sha"] is None
    msg.write_text("auth change by hand\n", encoding="utf-8")
    check_json("--staged", "--message-file", str(msg), expect=0)


def test_staged_mode_agent_environment(gated: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    gated.write("payments/x.py", "x\n")
    gated.git("add", "-A")
    msg = gated.path / "MSG"
    msg.write_text("plain message\n", encoding="utf-8")
    check_json("--staged", "--message-file", str(msg), expect=0)
    monkeypatch.setenv("CLAUDECODE", "1")
    check_json("--staged", "--message-file", str(msg), expect=1)


def test_trailer_and_max_lines(gated: GitRepo) -> None:
    base = gated.head()
    gated.commit(ai_message("db", "Risk-Reviewed-by: Ana <ana@example.com>"),
                 {"db/q.sql": "select 1;\n"})
    check_json("--base", base, expect=0)
    gated.commit(ai_message("db more"), {"db/q.sql": "select 1;\nselect 2;\n"})
    _, data = check_json("--base", base, expect=1)
    kinds = {r["kind"]: r["status"] for r in result_of(data, "data-access")["requirements"]}
    assert kinds == {"trailer": "fail", "max_lines": "pass"}
    gated.commit(ai_message("big", "Risk-Reviewed-by: Ana <ana@example.com>"),
                 {"db/big.sql": "".join(f"select {i};\n" for i in range(10))})
    _, data = check_json("--base", base, expect=1)
    kinds = {r["kind"]: r["status"] for r in result_of(data, "data-access")["requirements"]}
    assert kinds["max_lines"] == "fail"


def test_review_pending_locally_then_reviews_file(gated: GitRepo, tmp_path: Path) -> None:
    base = gated.head()
    gated.commit(ai_message("secure"), {"secure/x.py": "x\n"})
    _, data = check_json("--base", base, expect=0)
    assert data["verdict"] == "warn"
    assert result_of(data, "review")["status"] == "pending"
    reviews = tmp_path / "reviews.json"
    reviews.write_text(json.dumps([{"user": "alice", "state": "APPROVED",
                                    "commit_id": gated.head()}]), encoding="utf-8")
    _, data = check_json("--base", base, "--reviews", str(reviews), expect=0)
    assert result_of(data, "review")["status"] == "pass"
    reviews.write_text(json.dumps([{"user": "mallory", "state": "APPROVED",
                                    "commit_id": gated.head()}]), encoding="utf-8")
    check_json("--base", base, "--reviews", str(reviews), expect=1)


def test_label_pending_then_given(gated: GitRepo) -> None:
    base = gated.head()
    gated.commit(ai_message("labelled"), {"labelled/x.py": "x\n"})
    _, data = check_json("--base", base, expect=0)
    assert result_of(data, "labelled")["status"] == "pending"
    check_json("--base", base, "--label", "ai-reviewed", expect=0)
    check_json("--base", base, "--label", "other", expect=1)


def test_signed_fails_for_unsigned_commits(gated: GitRepo) -> None:
    base = gated.head()
    gated.commit(ai_message("signed"), {"signed/x.py": "x\n"})
    _, data = check_json("--base", base, expect=1)
    assert result_of(data, "signed")["requirements"][0]["kind"] == "signed"


def test_rename_out_of_auth_is_caught(gated: GitRepo) -> None:
    base = gated.head()
    gated.git("mv", "src/auth/session.py", "src/util_session.py")
    gated.commit(ai_message("move session"))
    _, data = check_json("--base", base, expect=1)
    auth = result_of(data, "auth")
    assert auth["status"] == "fail"
    change = data["changes"][0]
    assert (change["status"], change["old_path"]) == ("R", "src/auth/session.py")


def test_ai_commit_deleting_its_rule_is_judged_by_base_policy(gated: GitRepo) -> None:
    base = gated.head()
    weakened = POLICY.replace('  - id: payments\n    paths: ["payments/**"]\n    require:\n'
                              '      forbid: "AI-written changes are not accepted in payments/; '
                              'write this by hand."\n', "")
    assert weakened != POLICY
    gated.commit(ai_message("drop rule and charge"),
                 {".vetgate.yaml": weakened, "payments/charge.py": "x\n"})
    _, data = check_json("--base", base, expect=1)
    assert result_of(data, "payments")["status"] == "fail"
    builtin = result_of(data, "vetgate-policy")
    assert builtin["status"] in ("fail", "pending")
    assert builtin["paths"] == [".vetgate.yaml"]


def test_policy_change_by_human_is_pending_review_locally(gated: GitRepo) -> None:
    base = gated.head()
    gated.commit("tune policy", {".vetgate.yaml": POLICY + "# comment\n"})
    _, data = check_json("--base", base, expect=0)
    assert result_of(data, "vetgate-policy")["status"] == "pending"


def test_invalid_head_policy_fails_closed(gated: GitRepo, capsys: pytest.CaptureFixture[str]
                                          ) -> None:
    base = gated.head()
    gated.commit("break policy", {".vetgate.yaml": "version: 1\nrules: 7\n"})
    assert main(["check", "--base", base]) == 2
    assert ".vetgate.yaml" in capsys.readouterr().err


def test_warn_only_reports_but_exits_zero(gated: GitRepo) -> None:
    base = gated.head()
    gated.commit(ai_message("charge"), {"payments/charge.py": "x = 1\n"})
    _, data = check_json("--base", base, "--warn-only", expect=0)
    assert data["verdict"] == "fail"


def test_no_policy_uses_default(in_repo: GitRepo) -> None:
    in_repo.commit("one", {"a.txt": "a\n"})
    in_repo.commit("two", {"a.txt": "b\n"})
    code, data = check_json("--base", "HEAD~1")
    assert code == 0
    assert data["policy_files"] == []  # the packaged default policy, no file of the repository


@pytest.mark.parametrize("args, fragment", [
    (["--base", "no-such-ref"], "no-such-ref"),
    (["--head", "HEAD"], "--head goes with --base"),
    (["--staged", "--message-file", "missing.txt"], "missing.txt"),
])
def test_undecidable_exits_2(gated: GitRepo, capsys: pytest.CaptureFixture[str],
                             args: list[str], fragment: str) -> None:
    assert main(["check", *args]) == 2
    err = capsys.readouterr().err
    assert fragment in err
    assert "Traceback" not in err


def test_not_a_repository_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--staged"]) == 2
    assert "not inside a git work tree" in capsys.readouterr().err


def test_unborn_head_staged(in_repo: GitRepo) -> None:
    in_repo.write(".vetgate.yaml", POLICY)
    in_repo.write("payments/x.py", "x\n")
    in_repo.git("add", "-A")
    msg = in_repo.path / "MSG"
    msg.write_text(ai_message("first"), encoding="utf-8")
    _, data = check_json("--staged", "--message-file", str(msg), expect=1)
    assert data["base"] is None
