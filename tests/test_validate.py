"""`vetgate validate`: every problem at once as file:line:col, warnings for rules that match no
tracked file, one ok line per policy, exit 2 on errors and 0 otherwise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import GitRepo
from vetgate.main import main

GOOD = """\
version: 1
rules:
  - id: auth
    paths: ["src/auth/**"]
    require: {review: {count: 1}}
  - id: payments
    paths: ["payments/**"]
    require: {forbid: "By hand, please."}
"""


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_ok_line_and_warning_for_a_rule_matching_nothing(
        in_repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    in_repo.commit("files", {".vetgate.yaml": GOOD, "src/auth/login.py": "x\n"})
    code, out, err = run(["validate"], capsys)
    assert code == 0
    assert out == ".vetgate.yaml: ok (2 rules, 1 file, 1 warning)\n"
    assert err == ('.vetgate.yaml:6:5: warning: rule "payments" matches no tracked file; check '
                   "its paths (fine if the files are yet to be added)\n")


def test_untracked_files_do_not_count_as_matches(
        in_repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    in_repo.write(".vetgate.yaml", GOOD)
    in_repo.write("src/auth/login.py", "x\n")  # never added
    code, out, _ = run(["validate"], capsys)
    assert code == 0
    assert out == ".vetgate.yaml: ok (2 rules, 1 file, 2 warnings)\n"


def test_every_error_at_once_and_no_ok_line(in_repo: GitRepo,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    in_repo.write(".vetgate.yaml", "version: 1\ncoverage: all\nrules:\n  - id: a\n"
                                   "    level: blocker\n    paths: []\n    require: {}\n")
    code, out, err = run(["validate"], capsys)
    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        '.vetgate.yaml:2:11: error: coverage must be one of: fail, ignore, warn (got "all")',
        '.vetgate.yaml:5:12: error: level must be one of: block, warn (got "blocker")',
        ".vetgate.yaml:6:12: error: paths must not be empty",
        ".vetgate.yaml:7:14: error: require must not be empty; give at least one of: forbid, "
        "label, max_lines, review, signed, tests, trailer",
    ]


def test_without_a_policy_the_default_is_named(in_repo: GitRepo,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["validate"], capsys)
    assert code == 0
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == (f"no .vetgate.yaml in {in_repo.path.resolve()}: vetgate uses its built-in "
                        "default policy (vetgate:default.yaml); write your own with `vetgate init`")
    assert lines[1] == "vetgate:default.yaml: ok (5 rules, 1 file)"


def test_each_named_policy_is_validated_on_its_own(
        in_repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    in_repo.write("policies/good.yaml", "version: 1\n")
    in_repo.write("policies/bad.yaml", "version: 3\n")
    code, out, err = run(["validate", "policies/good.yaml", "policies/bad.yaml"], capsys)
    assert code == 2
    assert out == "policies/good.yaml: ok (0 rules, 1 file)\n"
    assert err == ("policies/bad.yaml:1:10: error: version must be 1 (got 3); this vetgate reads "
                   "version 1 policies\n")


def test_includes_are_followed_and_counted(in_repo: GitRepo,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    in_repo.commit("p", {
        ".vetgate.yaml": 'version: 1\ninclude: ["teams/*.yaml"]\n',
        "teams/web ünï.yaml": 'rules:\n  - id: web\n    paths: ["web/**"]\n'
                              "    require: {label: web}\n",
        "web/a.js": "x\n",
    })
    code, out, err = run(["validate"], capsys)
    assert (code, out, err) == (0, ".vetgate.yaml: ok (1 rule, 2 files)\n", "")


def test_paths_are_taken_from_the_C_directory(repo: GitRepo,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("sub/p.yaml", "version: 1\n")
    code, out, _ = run(["validate", "-C", str(repo.path / "sub"), "p.yaml"], capsys)
    assert code == 0
    assert out == "sub/p.yaml: ok (0 rules, 1 file)\n"


def test_validate_from_a_subdirectory_finds_the_root_policy(
        in_repo: GitRepo, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    in_repo.commit("p", {".vetgate.yaml": GOOD, "src/auth/a.py": "x", "payments/p.py": "x"})
    monkeypatch.chdir(in_repo.path / "src")
    code, out, err = run(["validate"], capsys)
    assert (code, out, err) == (0, ".vetgate.yaml: ok (2 rules, 1 file)\n", "")


def test_missing_policy_file(in_repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["validate", "nope.yaml"], capsys)
    assert code == 2
    assert err == ("vetgate: error: policy file nope.yaml does not exist; check the path "
                   "(relative paths are taken from the current directory, or from -C DIR)\n")


def test_a_file_outside_any_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "p.yaml").write_text(GOOD)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["validate", "p.yaml"], capsys)
    assert (code, out, err) == (0, "p.yaml: ok (2 rules, 1 file)\n", "")


def test_outside_a_repository_without_a_file_is_undecided(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["validate"], capsys)
    assert code == 2
    assert "is not inside a git work tree" in err


def test_odd_tracked_file_names_do_not_break_warnings(
        in_repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    in_repo.write(".vetgate.yaml", 'version: 1\nrules:\n  - id: odd\n'
                                   '    paths: ["odd/**"]\n    require: {label: x}\n')
    in_repo.write("odd/line\nbreak.txt", "x")
    (in_repo.path / "odd").joinpath(b"bad-\xff.txt".decode("utf-8", "surrogateescape")) \
        .write_text("x")
    in_repo.git("add", "-A")
    code, out, err = run(["validate"], capsys)
    assert (code, out, err) == (0, ".vetgate.yaml: ok (1 rule, 1 file)\n", "")


def test_through_the_console_script(repo: GitRepo) -> None:
    repo.write(".vetgate.yaml", "version: 1\nrules: {}\n")
    proc = subprocess.run([sys.executable, "-m", "vetgate", "validate", "-C", str(repo.path)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert proc.stderr == ".vetgate.yaml:2:8: error: rules must be a list (got a mapping)\n"
