"""Red-team review: fail-closed UX and docs against code.

Every way to call a command wrongly must end with exit 2 and one line that names the problem and
the fix (never a traceback, never exit 0 or 3); what README.md and docs/*.md promise about
options, messages and output must be what the CLI does; a blocked report must name the rule, its
policy file:line, the files, the AI evidence and the step that fixes each unmet requirement.

The review's sixteen findings (unwritable stdout, a policy path that is a directory, a message
file with a range, a missing GIT_WORK_TREE, -C before the command, two reports to one file, the
coverage result's id, source and evidence, docs that disagreed with the output, ...) are fixed;
these tests keep them fixed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from adversarial.harness import Outcome, assert_decided, run_main
from conftest import GitRepo
from fakehost import FakeHost, Reply
from vetgate.main import main

ROOT = Path(__file__).resolve().parent.parent
CLAUDE = "Co-Authored-By: Claude <noreply@anthropic.com>"

POLICY = """\
version: 1
groups:
  security: [alice]
coverage: fail
rules:
  - id: payments
    paths: ["payments/**"]
    require:
      forbid: "AI-written changes are not accepted in payments/; write this by hand."
  - id: auth
    paths: ["src/auth/**"]
    require:
      tests: ["tests/auth/**"]
"""
COVERAGE_LINE = 4  # the line of `coverage: fail` above


def ai_message(subject: str) -> str:
    return f"{subject}\n\n{CLAUDE}\n"


@pytest.fixture
def gated(in_repo: GitRepo) -> GitRepo:
    """A repository with POLICY committed (cwd inside it)."""
    in_repo.commit("initial", {".vetgate.yaml": POLICY, "README.md": "hello\n"})
    return in_repo


def one_error_line(outcome: Outcome) -> str:
    """The run exited 2 with exactly one `vetgate: error:` line and no traceback."""
    assert_decided(outcome, 2)
    lines = outcome.err.strip().splitlines()
    assert len(lines) == 1, outcome.describe()
    assert lines[0].startswith("vetgate: error: "), outcome.describe()
    return lines[0]


# --- (1) wrong invocations: exit 2, one clear line -----------------------------------------------

@pytest.mark.parametrize("args, fragment", [
    (["check", "--format"], "--format"),
    (["check", "--format", "xml"], "xml"),
    (["check", "--range"], "--range"),
    (["check", "--range", "HEAD"], "BASE..HEAD"),
    (["check", "--range", "a...b"], "three-dot"),
    (["check", "--base", ""], "--base is empty"),
    (["check", "--head", "HEAD"], "--head goes with --base"),
    (["check", "--staged", "--base", "HEAD"], "not allowed with"),
    (["check", "--ci", "--staged"], "not allowed with"),
    (["check", "--post-status", "x"], "--post-status needs --ci"),
    (["check", "--report", "pdf=x.pdf"], "FORMAT=FILE"),
    (["check", "--color", "rainbow"], "rainbow"),
    (["check", "--base", "no-such-branch"], "unknown revision"),
    (["check", "--policy-ref", "no-such-branch"], "unknown revision"),
    (["check", "--ci"], "--ci needs GitHub Actions or GitLab CI"),
    (["origin", "--message-file", "m"], "add --staged"),
    (["origin", "HEAD", "--staged"], "not both"),
    (["origin", "a...b"], "three-dot"),
    (["origin", "--format", "xml"], "xml"),
    (["explain"], "PATH"),
    (["explain", "/"], "outside the repository"),
    (["explain", "."], "repository root"),
    (["validate", "no-such.yaml"], "no-such.yaml"),
    (["init", "--output", "src"], "is a directory"),
    (["audit", "--window", "0"], "at least one day"),
    (["audit", "--window", "soon"], "90d"),
    (["audit", "--fix-pattern", "("], "regular expression"),
    (["audit", "--since", "garbage"], "--since"),
    (["audit", "--szz", "x"], "--szz"),
    (["hook", "nope"], "nope"),
    (["hook", "commit-msg", "a", "b"], "one argument"),
    (["hook", "pre-push", "origin"], "REMOTE URL"),
    (["install-hooks", "--bogus"], "--bogus"),
    (["check", "-C", "no-such-dir"], "no-such-dir"),
    (["check", "-C", "README.md"], "Not a directory"),
])
def test_wrong_invocations_exit_2_with_one_line(gated: GitRepo, capsys: Any, args: list[str],
                                                fragment: str) -> None:
    (gated.path / "src").mkdir(exist_ok=True)
    line = one_error_line(run_main(args, capsys))
    assert fragment in line


@pytest.mark.parametrize("args", [
    ["check", "--staged"], ["check", "--base", "HEAD"], ["origin"], ["explain", "x"],
    ["validate"], ["init"], ["audit"], ["hook", "commit-msg"], ["install-hooks"],
])
def test_every_command_outside_a_repository_names_the_remedy(tmp_path: Path, capsys: Any,
                                                             args: list[str]) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    line = one_error_line(run_main([args[0], "-C", str(plain), *args[1:]], capsys))
    history = args[0] in ("origin", "audit")  # read history: a bare repository would do
    where = "repository" if history else "work tree"
    assert f"is not inside a git {where}" in line and "-C DIR" in line


@pytest.mark.parametrize("args, code", [
    (["init"], 0),
    (["install-hooks"], 0),
    (["origin", "--staged"], 0),
    (["hook", "pre-push"], 2),
    (["audit", "main"], 2),
])
def test_unborn_head_for_the_commands_not_yet_covered(repo: GitRepo, capsys: Any,
                                                      args: list[str], code: int) -> None:
    outcome = run_main([args[0], "-C", str(repo.path), *args[1:]], capsys)
    assert_decided(outcome, code)
    if code == 2:
        one_error_line(outcome)


@pytest.mark.parametrize("args", [
    ["check", "--staged"], ["origin", "--staged"], ["hook", "commit-msg"],
])
def test_missing_identity_for_the_pending_commit(gated: GitRepo, capsys: Any,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 args: list[str]) -> None:
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                 "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(name, raising=False)
    gated.git("config", "user.useConfigOnly", "true")
    gated.write("lib/x.py", "x\n")
    gated.git("add", "-A")
    (gated.path / ".git" / "COMMIT_EDITMSG").write_text("subject\n", encoding="utf-8")
    line = one_error_line(run_main(args, capsys))
    assert "git config user.name" in line


def test_git_dir_set_from_outside_the_work_tree_like_a_hook(gated: GitRepo, tmp_path: Path,
                                                            capsys: Any,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    gated.commit(ai_message("pay"), {"payments/p.py": "x\n"})
    monkeypatch.setenv("GIT_DIR", str(gated.path / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(gated.path))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    outcome = run_main(["check", "--base", "HEAD~1"], capsys)
    assert_decided(outcome, 1)
    assert "payments" in outcome.out


def test_missing_work_tree_is_not_reported_as_missing_git(gated: GitRepo, tmp_path: Path,
                                                          capsys: Any,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.setenv("GIT_DIR", str(gated.path / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(tmp_path / "gone"))
    line = one_error_line(run_main(["check", "--base", "HEAD"], capsys))
    assert "not installed" not in line
    assert "gone" in line


@pytest.mark.parametrize("args", [
    ["check", "--staged"], ["origin"], ["explain", "x.py"], ["validate"],
    ["audit", "--progress", "never"],
])
def test_stdout_that_cannot_be_written_exits_2_without_traceback(gated: GitRepo,
                                                                  args: list[str]) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full")
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "vetgate", *args], cwd=gated.path,
                              stdout=full, stderr=subprocess.PIPE, text=True, check=False,
                              timeout=60)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 2, proc.stderr
    # validate may print its warnings first; the error is the last line.
    assert proc.stderr.strip().splitlines()[-1].startswith("vetgate: error: ")


@pytest.mark.parametrize("kind", ["directory", "dangling-symlink"])
@pytest.mark.parametrize("command", [["check", "--staged"], ["validate"]])
def test_policy_path_that_is_not_a_file_is_not_silently_ignored(in_repo: GitRepo, capsys: Any,
                                                                kind: str,
                                                                command: list[str]) -> None:
    in_repo.commit("initial", {"README.md": "hello\n"})
    target = in_repo.path / ".vetgate.yaml"
    if kind == "directory":
        target.mkdir()
    else:
        target.symlink_to("policies/main.yaml")
    line = one_error_line(run_main(command, capsys))
    assert ".vetgate.yaml" in line


@pytest.mark.parametrize("args", [
    ["check", "--policy", "adir"],
    ["check", "--staged", "--message-file", "adir"],
    ["validate", "adir"],
    ["explain", "--policy", "adir", "x.py"],
])
def test_directory_given_as_a_file_is_named_a_directory(gated: GitRepo, capsys: Any,
                                                       args: list[str]) -> None:
    (gated.path / "adir").mkdir()
    line = one_error_line(run_main(args, capsys))
    assert "is a directory" in line


@pytest.mark.parametrize("message_file", ["exists", "missing"])
def test_message_file_with_a_range_is_refused(gated: GitRepo, capsys: Any,
                                              message_file: str) -> None:
    if message_file == "exists":
        (gated.path.parent / "MSG").write_text(ai_message("x"), encoding="utf-8")
    outcome = run_main(["check", "--base", "HEAD", "--message-file",
                        str(gated.path.parent / "MSG")], capsys)
    assert "--message-file" in one_error_line(outcome)


def test_range_policy_missing_from_the_base_names_the_remedy(gated: GitRepo,
                                                              capsys: Any) -> None:
    gated.commit("more", {"lib/x.py": "x\n"})
    (gated.path / "new-policy.yaml").write_text("version: 1\nrules: []\n", encoding="utf-8")
    outcome = run_main(["check", "--base", "HEAD~1", "--policy", "new-policy.yaml"], capsys)
    assert_decided(outcome, 2)
    assert "--policy-ref" in outcome.err or "base commit" in outcome.err


def test_non_utf8_revision_is_shown_as_a_byte_escape(gated: GitRepo, capsys: Any) -> None:
    line = one_error_line(run_main(["check", "--base", "br\udcffanch"], capsys))
    assert "\\xff" in line and "udcff" not in line


def test_dash_c_before_the_command_like_git(gated: GitRepo, tmp_path: Path,
                                            capsys: Any, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    monkeypatch.chdir(tmp_path)
    outcome = run_main(["-C", str(gated.path), "check", "--base", "HEAD"], capsys)
    assert outcome.code == 0 or "-C" in outcome.err, outcome.describe()


def test_two_reports_to_one_file_are_refused(gated: GitRepo, capsys: Any) -> None:
    outcome = run_main(["check", "--base", "HEAD", "--output", "r.json", "--report",
                        "sarif=r.json"], capsys)
    assert "r.json" in one_error_line(outcome)


# --- (2) docs against code ----------------------------------------------------------------------

def test_documented_policy_limits_hold_at_the_boundary(in_repo: GitRepo, capsys: Any) -> None:
    """policy.md: 'files over 1 MiB (1,048,576 bytes)' and 'nesting deeper than 64 levels'."""
    policy = in_repo.path / ".vetgate.yaml"
    head = b"version: 1\nrules: []\n# "
    policy.write_bytes(head + b"x" * ((1 << 20) - len(head) - 1) + b"\n")
    assert run_main(["validate"], capsys).code == 0
    policy.write_bytes(head + b"x" * ((1 << 20) - len(head)) + b"\n")
    outcome = run_main(["validate"], capsys)
    assert outcome.code == 2 and "1 MiB" in outcome.err
    # the root mapping is level 1: 63 nested lists below it make 64 levels, 64 make 65
    policy.write_text("version: 1\nrules: " + "[" * 63 + "]" * 63 + "\n", encoding="utf-8")
    assert "nested" not in run_main(["validate"], capsys).err
    policy.write_text("version: 1\nrules: " + "[" * 64 + "]" * 64 + "\n", encoding="utf-8")
    outcome = run_main(["validate"], capsys)
    assert outcome.code == 2 and "64 levels" in outcome.err


def test_documented_messages_from_policy_md(in_repo: GitRepo, capsys: Any) -> None:
    """policy.md quotes these two lines verbatim (its example policy has them at 5:5 and 7:12)."""
    (in_repo.path / ".vetgate.yaml").write_text(
        "version: 1\nrules:\n  - id: auth\n    paths: [\"src/**\"]\n    levle: warn\n"
        "    require: {forbid: x}\n    level: blocker\n", encoding="utf-8")
    outcome = run_main(["validate"], capsys)
    assert outcome.code == 2
    docs = (ROOT / "docs" / "policy.md").read_text(encoding="utf-8")
    for line in outcome.err.strip().splitlines():
        assert line in docs, line


def test_near_miss_policy_name_stops_every_command(in_repo: GitRepo, capsys: Any) -> None:
    """policy.md: '.vetgate.yml ... vetgate stops with exit code 2 and asks you to rename it'."""
    in_repo.commit("initial", {".vetgate.yml": "version: 1\n"})
    for args in (["check"], ["validate"], ["explain", "x"], ["origin"], ["audit"]):
        assert "rename it to .vetgate.yaml" in one_error_line(run_main(args, capsys))


def test_docs_on_open_ended_ranges_match_the_code(gated: GitRepo, capsys: Any) -> None:
    gated.commit("more", {"lib/x.py": "x\n"})
    outcome = run_main(["check", "--range", "HEAD~1.."], capsys)
    docs = (ROOT / "docs" / "changes.md").read_text(encoding="utf-8")
    claims_open_ends = "Either side may be left out" in docs
    assert claims_open_ends == (outcome.code != 2), outcome.describe()


@pytest.mark.parametrize("doc", ["README.md", "docs/output.md"])
def test_documented_evidence_line_matches_the_report(gated: GitRepo, capsys: Any,
                                                     doc: str) -> None:
    base = gated.head()
    gated.commit(f"pay\n\nSigned-off-by: Hannah Human <hannah@example.com>\n{CLAUDE}\n",
                 {"payments/p.py": "x\n"})
    outcome = run_main(["check", "--base", base, "--color", "never"], capsys)
    assert outcome.code == 1
    lines = outcome.out.splitlines()
    evidence = lines[lines.index("    AI evidence:") + 1].strip()
    sha = gated.head()[:10]
    assert evidence == f'{sha} "pay": Claude Code: trailer, message line 4: {CLAUDE}'
    evidence = evidence.removeprefix(f'{sha} "pay": ')  # the docs' commit is another one
    text = " ".join((ROOT / doc).read_text(encoding="utf-8").split())
    assert evidence in text


# --- (3) output quality -------------------------------------------------------------------------

def test_blocked_text_report_names_rule_source_files_evidence_and_step(gated: GitRepo,
                                                                       capsys: Any) -> None:
    base = gated.head()
    gated.commit(ai_message("touch"), {"payments/p.py": "x\n", "src/auth/a.py": "a\n"})
    outcome = run_main(["check", "--base", base, "--color", "never"], capsys)
    assert outcome.code == 1
    out = outcome.out
    for rule, line, path, step in (
            ("payments", 6, "payments/p.py", "write this by hand"),
            ("auth", 10, "src/auth/a.py", "Add or update at least 1 test file matching "
                                          "tests/auth/**")):
        block = out[out.index(f"✗ {rule}  (block, .vetgate.yaml:{line})"):]
        block = block[:block.index("\n\n")]
        assert f"      {path}" in block
        touch = f'{gated.head()[:10]} "touch"'
        assert f"      {touch}: Claude Code: trailer, message line 3: {CLAUDE}" in block
        assert step in block
    assert out.rstrip().splitlines()[-2] == "vetgate: BLOCKED — 2 rules fail"


def _json_report(args: list[str], capsys: Any) -> dict[str, Any]:
    out = Path("report.json").resolve()
    code = main(["check", *args, "--format", "json", "--output", str(out)])
    capsys.readouterr()
    assert code in (0, 1)
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    return data


def test_json_report_has_the_documented_fields_in_order(gated: GitRepo, capsys: Any) -> None:
    """docs/output.md: 'keys in the order below', field by field."""
    base = gated.head()
    gated.commit(ai_message("touch"), {"payments/p.py": "x\n"})
    data = _json_report(["--base", base], capsys)
    assert list(data) == ["version", "verdict", "base", "head", "mode", "ci", "policy_files",
                          "policy_source", "policy_notes", "commits", "changes", "results",
                          "warnings"]
    assert list(data["commits"][0]) == ["sha", "origin", "counts_as", "tools", "subject",
                                        "evidence"]
    assert list(data["commits"][0]["evidence"][0]) == ["detector", "kind", "tool", "detail",
                                                       "where", "source"]
    assert list(data["changes"][0]) == ["path", "old_path", "status", "added", "removed",
                                        "binary", "kind", "origin", "rules"]
    payments = next(r for r in data["results"] if r["rule"] == "payments")
    assert list(payments) == ["rule", "source", "level", "status", "description", "origin",
                              "paths", "reason", "evidence", "requirements"]
    assert list(payments["requirements"][0]) == ["kind", "status", "message", "paths",
                                                 "details"]
    skipped = next(r for r in data["results"] if r["rule"] == "auth")
    assert (skipped["status"], skipped["origin"]) == ("skip", "none") and skipped["reason"]


def _coverage_change(gated: GitRepo) -> str:
    base = gated.head()
    gated.commit(ai_message("unowned"), {"lib/unowned.py": "x\n"})
    return base


def test_coverage_block_shows_the_ai_evidence(gated: GitRepo, capsys: Any) -> None:
    base = _coverage_change(gated)
    data = _json_report(["--base", base], capsys)
    coverage = next(r for r in data["results"] if r["rule"] == "vetgate-coverage")
    assert coverage["status"] == "fail"
    assert coverage["evidence"], coverage


def test_coverage_source_points_at_the_coverage_key(gated: GitRepo, capsys: Any) -> None:
    base = _coverage_change(gated)
    data = _json_report(["--base", base], capsys)
    coverage = next(r for r in data["results"] if r["rule"] == "vetgate-coverage")
    assert coverage["source"] == f".vetgate.yaml:{COVERAGE_LINE}"


def test_a_team_rule_named_coverage_does_not_collide(in_repo: GitRepo, capsys: Any) -> None:
    in_repo.commit("initial", {".vetgate.yaml": (
        "version: 1\ncoverage: fail\nrules:\n  - id: coverage\n    paths: [\"cov/**\"]\n"
        "    require: {tests: [\"tests/**\"]}\n")})
    base = in_repo.head()
    in_repo.commit(ai_message("x"), {"cov/a.py": "a\n", "lib/b.py": "b\n"})
    outcome = run_main(["check", "--base", base, "--format", "json"], capsys)
    if outcome.code == 2:
        assert "coverage" in outcome.err
        return
    ids = [r["rule"] for r in json.loads(outcome.out)["results"]]
    assert len(ids) == len(set(ids)), ids


def test_environment_evidence_is_not_repeated(gated: GitRepo, capsys: Any,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    gated.write("payments/p.py", "x\n")
    gated.git("add", "-A")
    monkeypatch.setenv("CLAUDECODE", "1")
    outcome = run_main(["check", "--staged", "--color", "never"], capsys)
    assert outcome.code == 1
    assert "CLAUDECODE=1: CLAUDECODE=1" not in outcome.out


# --- CI: a run that cannot finish must not leave the required status as it was -------------------

PR_PATH = "/repos/acme/web/pulls/42"


def _pull_request(gated: GitRepo, host: FakeHost, tmp_path: Path,
                  monkeypatch: pytest.MonkeyPatch) -> str:
    """A passing pull request on a fake GitHub; returns the head sha (status route ready)."""
    base = gated.head()
    gated.commit("human change", {"lib/h.py": "h\n"})
    head = gated.head()
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"number": 42, "pull_request": {
        "number": 42, "user": {"login": "octo"}, "labels": [],
        "base": {"sha": base, "ref": "main"}, "head": {"sha": head, "ref": "feature"}}}),
        encoding="utf-8")
    host.route("GET", PR_PATH, {"number": 42, "user": {"login": "octo"}, "labels": []})
    host.route("POST", f"/repos/acme/web/statuses/{head}", Reply(201, json={}))
    for name, value in {
            "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(event), "GITHUB_REPOSITORY": "acme/web",
            "GITHUB_API_URL": host.url, "GITHUB_TOKEN": "ghs_x", "VETGATE_HTTP_BACKOFF": "0",
            "GITHUB_SHA": "c" * 40}.items():
        monkeypatch.setenv(name, value)
    return head


def _posted(host: FakeHost, head: str) -> list[str]:
    return [r.json()["state"]
            for r in host.requests_to(f"/repos/acme/web/statuses/{head}", "POST")]


def test_post_status_control_case_posts_success(gated: GitRepo, host: FakeHost,
                                                tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: Any) -> None:
    """The setup of the next test, with a writable report: the verdict is posted."""
    head = _pull_request(gated, host, tmp_path, monkeypatch)
    outcome = run_main(["check", "--ci", "--post-status", "vetgate", "--output",
                        str(tmp_path / "r.txt")], capsys)
    assert_decided(outcome, 0)
    assert _posted(host, head) == ["success"]


@pytest.mark.parametrize("broken", ["output", "step-summary"])
def test_post_status_marks_error_when_the_report_cannot_be_written(
        gated: GitRepo, host: FakeHost, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: Any, broken: str) -> None:
    head = _pull_request(gated, host, tmp_path, monkeypatch)
    args = ["check", "--ci", "--post-status", "vetgate"]
    if broken == "output":
        args += ["--output", str(tmp_path / "no-such-dir" / "r.txt")]
    else:
        monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path))  # a directory
    outcome = run_main(args, capsys)
    assert_decided(outcome, 2)
    assert "cannot" in outcome.err
    posted = _posted(host, head)
    assert posted and posted[-1] == "error", posted
