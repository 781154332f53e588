"""The compiled policy and catalog kept between hook runs (``vetgate.compiled``): a second run
says exactly what the first said, a changed policy is never judged by its old compiled form, a
damaged store is recomputed, and ``VETGATE_NO_CACHE=1`` keeps nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import GitRepo
from vetgate import compiled

AI_MESSAGE = "Change it\n\nCo-authored-by: Claude <noreply@anthropic.com>\n"
FORBID_PAYMENTS = """\
version: 1
rules:
  - id: payments
    paths: ["payments/**"]
    require:
      forbid: "no AI-written code in payments/"
"""
FORBID_BILLING = FORBID_PAYMENTS.replace("payments", "billing")


def hook(repo: GitRepo, message: str = AI_MESSAGE, **env: str) -> tuple[int, str]:
    """``vetgate hook commit-msg`` as git runs it: its own process, in the repository."""
    path = repo.path / ".git" / "COMMIT_EDITMSG"
    path.write_text(message, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "vetgate", "hook", "commit-msg", str(path)],
                          cwd=repo.path, capture_output=True, text=True, check=False,
                          env={**os.environ, "NO_COLOR": "1", **env})
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, proc.stdout


def stored(repo: GitRepo) -> list[str]:
    folder = repo.path / ".git" / "vetgate"
    return sorted(p.name.split("-")[0] for p in folder.glob("*.pickle")) \
        if folder.is_dir() else []


@pytest.fixture
def project(repo: GitRepo) -> GitRepo:
    repo.commit("init", {".vetgate.yaml": FORBID_PAYMENTS, "payments/a.py": "a\n"})
    repo.write("payments/a.py", "b\n")
    repo.git("add", "-A")
    return repo


def test_second_run_judges_the_same_from_the_store(project: GitRepo) -> None:
    first = hook(project)
    assert stored(project) == ["catalog", "policy"]
    assert hook(project) == first
    assert first[0] == 1 and "no AI-written code in payments/" in first[1]


def test_a_changed_policy_is_never_judged_by_its_stored_form(project: GitRepo) -> None:
    assert hook(project)[0] == 1
    project.write(".vetgate.yaml", FORBID_BILLING)
    project.git("add", "-A")
    code, out = hook(project)
    assert "no AI-written code in payments/" not in out
    assert "payments" not in out.split("policy:")[0] or code == 0
    project.write(".vetgate.yaml", FORBID_PAYMENTS)  # back again: the first stored form serves
    project.git("add", "-A")
    assert hook(project)[0] == 1
    assert stored(project) == ["catalog", "policy", "policy"]


def test_the_store_is_keyed_by_the_index_not_the_work_tree(project: GitRepo) -> None:
    hook(project)
    project.write(".vetgate.yaml", FORBID_BILLING)  # not staged: the index's policy judges
    code, out = hook(project)
    assert code == 1 and "no AI-written code in payments/" in out
    assert "differs from the index" in out


def test_a_damaged_store_is_computed_again(project: GitRepo) -> None:
    first = hook(project)
    for path in (project.path / ".git" / "vetgate").glob("*.pickle"):
        key = path.read_bytes().split(b"\n", 1)[0]
        path.write_bytes(key + b"\nnot a pickle")
    assert hook(project) == first
    assert hook(project) == first


def test_no_cache_keeps_nothing(project: GitRepo) -> None:
    first = hook(project, VETGATE_NO_CACHE="1")
    assert stored(project) == []
    assert hook(project) == first


def test_a_policy_with_includes_is_read_every_time(repo: GitRepo) -> None:
    repo.commit("init", {".vetgate.yaml": "version: 1\ninclude: [policy/more.yaml]\n",
                         "policy/more.yaml": FORBID_PAYMENTS.replace("version: 1\n", ""),
                         "payments/a.py": "a\n"})
    repo.write("payments/a.py", "b\n")
    repo.git("add", "-A")
    assert hook(repo)[0] == 1
    assert stored(repo) == ["catalog"]
    repo.write("policy/more.yaml", FORBID_BILLING.replace("version: 1\n", ""))
    repo.git("add", "-A")
    assert "no AI-written code in payments/" not in hook(repo)[1]


def test_a_value_is_served_only_under_its_whole_key(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    compiled.use_directory(str(tmp_path / "store"))
    try:
        compiled.store("policy", "k", {"v": 1})
        assert compiled.load("policy", "k") == {"v": 1}
        assert compiled.load("policy", "k2") is None
        # Another vetgate (its files changed: an upgrade, an editable install being edited).
        monkeypatch.setattr(compiled, "code_fingerprint", lambda: "other")
        assert compiled.load("policy", "k") is None
    finally:
        compiled.use_directory(None)
    assert compiled.load("policy", "k") is None  # no store in use


def test_the_store_keeps_a_bounded_number_of_files(tmp_path: Path) -> None:
    compiled.use_directory(str(tmp_path))
    try:
        for number in range(40):
            compiled.store("policy", f"key {number}", number)
    finally:
        compiled.use_directory(None)
    assert len(list(tmp_path.glob("*.pickle"))) == 32


def test_check_keeps_the_base_policy_compiled(project: GitRepo) -> None:
    """`check --base` stores the base commit's compiled policy too; a second run says the same."""
    base = project.head()
    project.git("commit", "-q", "-m", "change\n\nCo-authored-by: Claude <noreply@anthropic.com>")

    def check() -> tuple[int, str]:
        proc = subprocess.run([sys.executable, "-m", "vetgate", "check", "--base", base],
                              cwd=project.path, capture_output=True, text=True, check=False,
                              env={**os.environ, "NO_COLOR": "1"})
        assert proc.returncode in (0, 1), proc.stderr
        return proc.returncode, proc.stdout

    first = check()
    assert first[0] == 1 and "no AI-written code in payments/" in first[1]
    assert "policy" in stored(project)
    assert check() == first
