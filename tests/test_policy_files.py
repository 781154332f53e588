"""The one policy reader (issue 17, classes 15 and 12): a policy path that is not a regular file
— a symlink (to /dev/zero), a named pipe, a device, a directory, a submodule — or that is too
large is exit 2 naming the path and the fix, in the work tree, the index and a commit, for the
root file and for includes; never a hang, never the built-in default. Every attack is built
from nothing with real git (and the real pre-commit for the hooks)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from conftest import GitRepo, make_repo
from test_precommit_e2e import install_pre_commit, local_config
from vetgate.policy.yamlload import MAX_POLICY_BYTES

POLICY = """\
version: 1
rules:
  - id: payments
    paths: ["payments/**"]
    require:
      forbid: "AI-written changes are not accepted in payments/; write this by hand."
"""
LINK_REASON = ("is a symbolic link, not a regular file; vetgate reads a policy only from a "
               "regular file: replace the link with the policy file itself")
TIMEOUT = 60  # far beyond any real run: a read of /dev/zero or a FIFO would never end


def vetgate(repo: GitRepo, *args: str, env: Mapping[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ, NO_COLOR="1", **(env or {}))
    return subprocess.run([sys.executable, "-m", "vetgate", *args], cwd=repo.path, env=full,
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)


def commit_link(repo: GitRepo, path: str, target: str, message: str = "link the policy") -> str:
    """Commit ``path`` as a symbolic link to ``target`` (git mode 120000)."""
    full = repo.path / path
    full.parent.mkdir(parents=True, exist_ok=True)
    if full.exists() or full.is_symlink():
        full.unlink()
    os.symlink(target, full)
    return repo.commit(message)


def commit_gitlink(repo: GitRepo, path: str, message: str = "submodule the policy") -> str:
    """Commit ``path`` as a submodule entry (git mode 160000), as `git submodule add` would."""
    repo.git("rm", "-q", "--cached", "--ignore-unmatch", "--", path)
    sha = repo.head()
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{sha},{path}")
    repo.git("commit", "-q", "--no-verify", "-m", message)
    return repo.head()


@pytest.fixture
def base_repo(repo: GitRepo) -> GitRepo:
    repo.commit("Initial", {"payments/charge.py": "x = 1\n", "README.md": "r\n"})
    return repo


# --- 15: a committed link to /dev/zero -----------------------------------------------------------


@pytest.fixture
def hooked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """pre-commit installed with vetgate's hooks; `.vetgate.yaml` committed as a link to
    /dev/zero."""
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-home"))
    monkeypatch.setenv("NO_COLOR", "1")
    repo = make_repo(tmp_path / "project")
    repo.commit("Initial", {".pre-commit-config.yaml": local_config(), "docs/a.md": "a\n"})
    commit_link(repo, ".vetgate.yaml", "/dev/zero")
    install_pre_commit(repo)
    return repo


def git_commit(repo: GitRepo, *args: str, env: Mapping[str, str] | None = None
               ) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ, **(env or {}))
    return subprocess.run(["git", "commit", *args], cwd=repo.path, env=full, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT,
                          check=False)


def test_link_to_dev_zero_does_not_stop_a_no_verify_commit(hooked: GitRepo) -> None:
    """vetgate-mark runs even under --no-verify: it neither hangs nor aborts, marks the commit
    with the built-in settings and says in one line why the policy was not read."""
    hooked.write("docs/a.md", "b\n")
    hooked.git("add", "-A")
    proc = git_commit(hooked, "--no-verify", "-m", "Edit docs", env={"CLAUDECODE": "1"})
    assert proc.returncode == 0, proc.stdout
    assert "AI-Assisted: claude-code" in hooked.git("log", "-1", "--format=%B")
    # pre-commit hides a passing hook's output; run directly, the hook says why in one line.
    (hooked.path / "MSG").write_text("Edit\n", encoding="utf-8")
    direct = vetgate(hooked, "hook", "prepare-commit-msg", "MSG", "message",
                     env={"CLAUDECODE": "1"})
    assert direct.returncode == 0
    assert direct.stderr == (f"vetgate-mark: the policy was not read (.vetgate.yaml {LINK_REASON}"
                             " (a link can point outside the repository, or at a device such as "
                             "/dev/zero)); marking with the built-in settings\n")


def test_link_to_dev_zero_is_refused_by_the_commit_msg_hook(hooked: GitRepo) -> None:
    hooked.write("docs/a.md", "c\n")
    hooked.git("add", "-A")
    before = hooked.head()
    proc = git_commit(hooked, "-m", "Edit docs")
    assert proc.returncode != 0, proc.stdout
    assert f".vetgate.yaml:1:1: error: .vetgate.yaml {LINK_REASON}" in proc.stdout
    assert hooked.head() == before


def test_link_to_dev_zero_at_the_base_is_exit_2(base_repo: GitRepo) -> None:
    base = commit_link(base_repo, ".vetgate.yaml", "/dev/zero")
    base_repo.commit("more", {"payments/charge.py": "x = 2\n"})
    proc = vetgate(base_repo, "check", "--base", base)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f".vetgate.yaml@{base[:12]}:1:1: error: .vetgate.yaml@{base[:12]} {LINK_REASON}" \
        in proc.stderr


@pytest.mark.parametrize("command", [["validate"], ["explain", "docs/a.md"], ["check", "--staged"]])
def test_link_in_the_work_tree_is_exit_2(base_repo: GitRepo, command: list[str]) -> None:
    commit_link(base_repo, ".vetgate.yaml", "/dev/zero")
    base_repo.write("docs/a.md", "a\n")
    proc = vetgate(base_repo, *command)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert LINK_REASON in proc.stderr


def test_link_inside_the_repository_is_refused_too(base_repo: GitRepo) -> None:
    """Even a link to a good policy in the repository: git records the link, not the file, and
    the base's link would be judged by what it names in another tree."""
    base_repo.commit("policy", {"policies/real.yaml": POLICY})
    base = commit_link(base_repo, ".vetgate.yaml", "policies/real.yaml")
    proc = vetgate(base_repo, "check", "--base", base)
    assert proc.returncode == 2 and LINK_REASON in proc.stderr


def test_included_link_is_refused_at_the_include(base_repo: GitRepo) -> None:
    base_repo.commit("policy", {".vetgate.yaml": POLICY + "include: [team.yaml]\n"})
    base = commit_link(base_repo, "team.yaml", "/dev/zero")
    proc = vetgate(base_repo, "check", "--base", base)
    assert proc.returncode == 2
    assert (f".vetgate.yaml@{base[:12]}:7:11: error: included file team.yaml@{base[:12]} "
            f"{LINK_REASON}") in proc.stderr
    proc = vetgate(base_repo, "validate")
    assert proc.returncode == 2
    assert f".vetgate.yaml:7:11: error: included file team.yaml {LINK_REASON}" in proc.stderr


def test_link_through_a_linked_directory_is_refused(base_repo: GitRepo, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "team.yaml").write_text("rules: []\n", encoding="utf-8")
    os.symlink(outside, base_repo.path / "policies")
    base_repo.write(".vetgate.yaml", POLICY + "include: [policies/team.yaml]\n")
    proc = vetgate(base_repo, "validate")
    assert proc.returncode == 2
    assert f"included file policies/team.yaml {LINK_REASON}" in proc.stderr


# --- pipes, devices, size ------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")
def test_named_pipe_policy_does_not_block(base_repo: GitRepo) -> None:
    os.mkfifo(base_repo.path / ".vetgate.yaml")
    proc = vetgate(base_repo, "validate")
    assert proc.returncode == 2
    assert ("vetgate: error: .vetgate.yaml is a named pipe, not a regular file"
            in proc.stderr)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")
def test_named_pipe_include_does_not_block(base_repo: GitRepo) -> None:
    base_repo.write(".vetgate.yaml", POLICY + "include: [team.yaml]\n")
    os.mkfifo(base_repo.path / "team.yaml")
    proc = vetgate(base_repo, "validate")
    assert proc.returncode == 2
    assert "included file team.yaml is a named pipe, not a regular file" in proc.stderr


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_explicit_device_is_refused(base_repo: GitRepo) -> None:
    proc = vetgate(base_repo, "check", "--staged", "--policy", "/dev/zero")
    assert proc.returncode == 2
    assert "policy file /dev/zero is not a regular file" in proc.stderr


def test_oversized_policy_at_the_base_is_refused(base_repo: GitRepo) -> None:
    base = base_repo.commit("huge", {".vetgate.yaml": "#" * (4 * MAX_POLICY_BYTES)})
    proc = vetgate(base_repo, "check", "--base", base)
    assert proc.returncode == 2
    assert (f".vetgate.yaml@{base[:12]} is larger than 1 MiB (1048576 bytes); policy files are "
            "limited to that size: split the policy into several files with include:"
            in proc.stderr)


# --- 12: a directory or a submodule at the base ---------------------------------------------------


def test_directory_at_the_base_is_exit_2(base_repo: GitRepo) -> None:
    base = base_repo.commit("dir", {".vetgate.yaml/rules.yaml": POLICY})
    base_repo.commit("AI change", {"payments/charge.py": "x = 3\n"})
    proc = vetgate(base_repo, "check", "--base", base)
    assert proc.returncode == 2, proc.stdout
    assert (f".vetgate.yaml@{base[:12]} is a directory, not a regular file; vetgate reads a "
            "policy only from a regular file: move the directory away and commit the policy as "
            "a file") in proc.stderr


def test_submodule_at_the_base_is_exit_2(base_repo: GitRepo) -> None:
    base = commit_gitlink(base_repo, ".vetgate.yaml")
    base_repo.commit("AI change", {"payments/charge.py": "x = 3\n"})
    for args in (["check", "--base", base], ["check", "--range", f"{base}..HEAD"]):
        proc = vetgate(base_repo, *args)
        assert proc.returncode == 2, proc.stdout
        assert (f".vetgate.yaml@{base[:12]} is a submodule (a gitlink), not a regular file"
                in proc.stderr)


def test_submodule_in_the_index_is_exit_2_for_the_hooks(base_repo: GitRepo) -> None:
    commit_gitlink(base_repo, ".vetgate.yaml")
    proc = vetgate(base_repo, "check", "--staged")
    assert proc.returncode == 2
    assert ".vetgate.yaml is a submodule (a gitlink), not a regular file" in proc.stderr


def test_directory_at_the_head_fails_the_head_policy_check(base_repo: GitRepo) -> None:
    base = base_repo.commit("policy", {".vetgate.yaml": POLICY})
    base_repo.git("rm", "-q", ".vetgate.yaml")
    base_repo.commit("dir", {".vetgate.yaml/x.yaml": POLICY})
    proc = vetgate(base_repo, "check", "--base", base)
    assert proc.returncode == 2
    assert "is a directory, not a regular file" in proc.stderr
