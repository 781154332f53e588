"""Class 9 of issue 17: the hooks and `check --staged` judge the policy the commit will carry
(the index's), never an unstaged copy in the work tree; `git commit -a` and `git commit FILE`
(a temporary index in GIT_INDEX_FILE) judge what they commit. Real git, real pre-commit."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from conftest import GitRepo, make_repo
from test_precommit_e2e import install_pre_commit, local_config

AI_TRAILER = "Co-authored-by: Claude <noreply@anthropic.com>"
POLICY = """\
version: 1
rules:
  - id: payments
    paths: ["payments/**"]
    require:
      forbid: "AI-written changes are not accepted in payments/; write this by hand."
"""
WEAK = """\
version: 1
rules:
  - id: payments
    paths: ["nothing-here/**"]
    require:
      forbid: "never"
"""
TIMEOUT = 120


@pytest.fixture
def hooked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-home"))
    monkeypatch.setenv("NO_COLOR", "1")
    repo = make_repo(tmp_path / "project")
    repo.commit("Initial", {".vetgate.yaml": POLICY, ".pre-commit-config.yaml": local_config(),
                            "payments/charge.py": "x = 1\n"})
    install_pre_commit(repo)
    return repo


def git(repo: GitRepo, *args: str, env: Mapping[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo.path, env=dict(os.environ, **(env or {})),
                          text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=TIMEOUT, check=False)


def test_unstaged_weakened_policy_does_not_judge_the_commit(hooked: GitRepo) -> None:
    hooked.write(".vetgate.yaml", WEAK)  # never staged, never committed
    hooked.write("payments/charge.py", "x = 2\n")
    hooked.git("add", "payments/charge.py")
    before = hooked.head()
    proc = git(hooked, "commit", "-m", f"Speed up\n\n{AI_TRAILER}")
    assert proc.returncode != 0, proc.stdout
    assert "AI-written changes are not accepted in payments/" in proc.stdout
    assert hooked.head() == before


def test_unstaged_builtin_false_does_not_stop_the_mark(hooked: GitRepo) -> None:
    hooked.write(".vetgate.yaml", POLICY.replace("version: 1\n",
                                                 "version: 1\norigin:\n  builtin: false\n"))
    hooked.write("docs.md", "d\n")
    hooked.git("add", "docs.md")
    proc = git(hooked, "commit", "--no-verify", "-m", "Docs", env={"CLAUDECODE": "1"})
    assert proc.returncode == 0, proc.stdout
    assert "AI-Assisted: claude-code" in hooked.git("log", "-1", "--format=%B")


def test_commit_all_judges_the_policy_it_commits(hooked: GitRepo) -> None:
    """`git commit -a` commits the weakened policy with the change: the policy the commit
    carries judges it (the base's policy and its vetgate-policy rule judge it in CI)."""
    hooked.write(".vetgate.yaml", WEAK)
    hooked.write("payments/charge.py", "x = 3\n")
    proc = git(hooked, "commit", "-a", "-m", f"Speed up\n\n{AI_TRAILER}")
    assert proc.returncode == 0, proc.stdout
    assert hooked.git("show", "HEAD:.vetgate.yaml") == WEAK


def test_commit_file_judges_the_committed_policy_not_the_staged_one(hooked: GitRepo) -> None:
    """`git commit payments/charge.py` commits that file only, with a temporary index: a
    weakened policy staged in the real index is not part of the commit and does not judge."""
    hooked.write(".vetgate.yaml", WEAK)
    hooked.git("add", ".vetgate.yaml")
    hooked.write("payments/charge.py", "x = 4\n")
    before = hooked.head()
    proc = git(hooked, "commit", "-m", f"Speed up\n\n{AI_TRAILER}", "--", "payments/charge.py")
    assert proc.returncode != 0, proc.stdout
    assert "AI-written changes are not accepted in payments/" in proc.stdout
    assert hooked.head() == before


@pytest.fixture
def weakened_work_tree(tmp_path: Path) -> GitRepo:
    """A staged change to payments/ beside an unstaged, weakened .vetgate.yaml."""
    repo = make_repo(tmp_path / "r")
    repo.commit("Initial", {".vetgate.yaml": POLICY, "payments/charge.py": "x = 1\n"})
    repo.write(".vetgate.yaml", WEAK)
    repo.write("payments/charge.py", "x = 5\n")
    repo.git("add", "payments/charge.py")
    return repo


def test_check_staged_reads_the_index(weakened_work_tree: GitRepo, tmp_path: Path) -> None:
    repo = weakened_work_tree
    message = tmp_path / "MSG"
    message.write_text(f"Speed up\n\n{AI_TRAILER}\n", encoding="utf-8")
    proc = _check(repo, "--staged", "--message-file", str(message))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "AI-written changes are not accepted in payments/" in proc.stdout


# --- class 13: every report says which policy judged ----------------------------------------------

FORMATS = ("text", "json", "markdown", "sarif", "github", "junit", "codequality")


def _check(repo: GitRepo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vetgate", "check", *args], cwd=repo.path,
                          text=True, capture_output=True, env=dict(os.environ, NO_COLOR="1"),
                          check=False)


@pytest.fixture
def policy_added_by_the_change(tmp_path: Path) -> tuple[GitRepo, str]:
    """The base has no policy; the change adds one, with an AI change to payments/ (codequality
    needs an unmet requirement, here a pending review, to have an issue to carry the line)."""
    repo = make_repo(tmp_path / "r")
    base = repo.commit("Initial", {"payments/charge.py": "x = 1\n"})
    repo.commit(f"Add policy and speed up\n\n{AI_TRAILER}",
                {".vetgate.yaml": POLICY, "payments/charge.py": "x = 2\n"})
    return repo, base


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_report_names_the_default_and_the_head_policy(
        policy_added_by_the_change: tuple[GitRepo, str], fmt: str) -> None:
    """The base has no policy: the built-in default judges (a change cannot choose its own
    gate; its new policy needs a policy-owner review) and every format says so, and that the
    head's policy applies after merge."""
    repo, base = policy_added_by_the_change
    proc = _check(repo, "--base", base, "--format", fmt)
    assert proc.returncode == 0, proc.stdout + proc.stderr  # the default's rules are pending
    assert f"built-in default: the base commit {base[:12]} has no .vetgate.yaml" in proc.stdout
    assert ("the head changes .vetgate.yaml; the base's policy judged this change, the head's "
            "applies after merge") in proc.stdout


def test_json_policy_source_explains_empty_policy_files(
        policy_added_by_the_change: tuple[GitRepo, str]) -> None:
    import json

    repo, base = policy_added_by_the_change
    data = json.loads(_check(repo, "--base", base, "--format", "json").stdout)
    assert data["policy_files"] == []
    assert data["policy_source"] == (f"built-in default: the base commit {base[:12]} has no "
                                     ".vetgate.yaml")
    head = repo.head()
    data = json.loads(_check(repo, "--base", head, "--format", "json").stdout)
    assert data["policy_files"] == [".vetgate.yaml"]
    assert data["policy_source"] == f".vetgate.yaml@{head[:12]} (base)"
    assert data["policy_notes"] == []


def test_staged_report_names_the_index_and_a_differing_work_tree(weakened_work_tree: GitRepo
                                                                 ) -> None:
    proc = _check(weakened_work_tree, "--staged")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "· policy: .vetgate.yaml (index: the policy the commit will carry)\n" in proc.stdout
    assert ("· note: the work tree's .vetgate.yaml differs from the index; the index's copy "
            "(what the commit will carry) judged\n") in proc.stdout


def test_a_policy_file_outside_the_repository_is_named_as_a_file(repo: GitRepo,
                                                                   tmp_path: Path) -> None:
    """`check --staged --policy FILE` (a file the caller chose, read where it is): named as the
    file it is, as `origin` and `audit` name it, not as part of the work tree."""
    import json

    given = tmp_path / "elsewhere" / "team.yaml"
    given.parent.mkdir()
    given.write_text(POLICY, encoding="utf-8")
    repo.commit("base", {"README.md": "r\n"})
    repo.write("notes.txt", "n\n")
    repo.git("add", "notes.txt")
    data = json.loads(_check(repo, "--staged", "--policy", str(given), "--format", "json").stdout)
    assert data["policy_source"] == f"{os.path.realpath(given)} (file)"
