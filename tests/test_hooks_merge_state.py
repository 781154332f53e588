"""Merge-state files never make the commit-msg hook skip judging (issue 17, class 8).

Writing HEAD's sha into .git/MERGE_HEAD used to make the hook pass without evaluating, yet git
makes an ordinary commit. Every attack is built from nothing with real git; the last tests run
the real `git commit` through installed hooks.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from adversarial.harness import PAYMENTS_POLICY
from conftest import GitRepo
from vetgate.main import main

AI_TRAILER = "Co-authored-by: Claude <noreply@anthropic.com>"

POLICY = PAYMENTS_POLICY


@pytest.fixture
def project(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    repo.commit("Initial", {".vetgate.yaml": POLICY, "payments/charge.py": "x = 1\n",
                            "docs/a.md": "a\n"})
    monkeypatch.chdir(repo.path)
    monkeypatch.setenv("NO_COLOR", "1")
    return repo


def _message(repo: GitRepo, text: str, name: str = "COMMIT_EDITMSG") -> str:
    path = repo.path / ".git" / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _stage_ai_payment(repo: GitRepo) -> str:
    repo.write("payments/charge.py", "x = 2\n")
    repo.git("add", "-A")
    return _message(repo, f"Speed up\n\n{AI_TRAILER}\n")


# Every file git reads as "an operation is in progress", with HEAD's own sha in it.
STATE_FILES = ["MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD", "REBASE_HEAD", "AUTO_MERGE",
               "ORIG_HEAD", "MERGE_MODE", "MERGE_MSG", "SQUASH_MSG", "BISECT_LOG"]


@pytest.mark.parametrize("name", STATE_FILES)
def test_a_state_file_holding_head_does_not_skip_judging(project: GitRepo, name: str,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    head = project.git("rev-parse", "HEAD").strip()
    (project.path / ".git" / name).write_text(f"{head}\n", encoding="utf-8")
    path = _stage_ai_payment(project)
    assert main(["hook", "commit-msg", path]) == 1
    out = capsys.readouterr().out
    assert "AI-written changes are not accepted in payments/" in out


@pytest.mark.parametrize("name", ["rebase-merge", "rebase-apply", "sequencer"])
def test_a_state_directory_does_not_skip_judging(project: GitRepo, name: str) -> None:
    (project.path / ".git" / name).mkdir()
    assert main(["hook", "commit-msg", _stage_ai_payment(project)]) == 1


def test_merge_head_naming_an_ancestor_still_judges_the_staged_diff(project: GitRepo) -> None:
    first = project.git("rev-parse", "HEAD").strip()
    project.commit("docs", {"docs/a.md": "b\n"})
    (project.path / ".git" / "MERGE_HEAD").write_text(f"{first}\n", encoding="utf-8")
    assert main(["hook", "commit-msg", _stage_ai_payment(project)]) == 1


def test_merge_head_naming_no_commit_is_undecided(project: GitRepo,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    (project.path / ".git" / "MERGE_HEAD").write_text("f" * 40 + "\n", encoding="utf-8")
    assert main(["hook", "commit-msg", _stage_ai_payment(project)]) == 2
    err = capsys.readouterr().err
    assert f"MERGE_HEAD names '{'f' * 40}', which is not a commit here" in err


def _side_branch(project: GitRepo, message: str, files: dict[str, str]) -> None:
    project.git("switch", "-q", "-c", "side")
    project.commit(message, files)
    project.git("switch", "-q", "main")
    project.commit("docs", {"docs/b.md": "b\n"})


def test_a_real_merge_judges_the_commits_it_brings_in(project: GitRepo,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    """A human concludes a merge that brings in an AI commit to payments/: blocked, and the
    evidence names the AI commit."""
    _side_branch(project, f"AI charge\n\n{AI_TRAILER}", {"payments/charge.py": "x = 8\n"})
    project.git("merge", "-q", "--no-ff", "--no-commit", "side")
    path = _message(project, "Merge branch 'side'\n", name="MERGE_MSG")
    assert main(["hook", "commit-msg", path]) == 1
    out = capsys.readouterr().out
    assert "AI-written changes are not accepted in payments/" in out
    assert "AI charge" in out


def test_a_real_merge_of_human_work_passes(project: GitRepo,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    _side_branch(project, "Hand-written charge", {"payments/charge.py": "x = 9\n"})
    project.git("merge", "-q", "--no-ff", "--no-commit", "side")
    path = _message(project, "Merge branch 'side'\n", name="MERGE_MSG")
    assert main(["hook", "commit-msg", path]) == 0
    assert capsys.readouterr().out == ""


def test_a_real_merge_of_ai_work_elsewhere_passes(project: GitRepo) -> None:
    """AI commits the merge brings in only make their own files AI-origin."""
    _side_branch(project, f"AI docs\n\n{AI_TRAILER}", {"docs/c.md": "c\n"})
    project.git("switch", "-q", "side")
    project.commit("Hand-written charge", {"payments/charge.py": "x = 10\n"})
    project.git("switch", "-q", "main")
    project.git("merge", "-q", "--no-ff", "--no-commit", "side")
    path = _message(project, "Merge branch 'side'\n", name="MERGE_MSG")
    assert main(["hook", "commit-msg", path]) == 0


def test_what_an_agent_writes_while_merging_is_its_own(project: GitRepo,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Content the merge writes itself (an "evil merge" or a conflict resolution) is the
    pending commit's: inside an agent's shell it is AI-origin."""
    _side_branch(project, "Hand-written docs", {"docs/c.md": "c\n"})
    project.git("merge", "-q", "--no-ff", "--no-commit", "side")
    project.write("payments/charge.py", "x = 11\n")
    project.git("add", "-A")
    path = _message(project, "Merge branch 'side'\n", name="MERGE_MSG")
    monkeypatch.setenv("CLAUDECODE", "1")
    assert main(["hook", "commit-msg", path]) == 1


def test_no_message_file_while_merging_is_undecided(project: GitRepo,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    _side_branch(project, "Hand-written docs", {"docs/c.md": "c\n"})
    project.git("merge", "-q", "--no-ff", "--no-commit", "side")
    assert main(["hook", "commit-msg"]) == 2
    assert "no message file while a merge is being concluded" in capsys.readouterr().err


# --- the real `git commit`, through installed hooks -------------------------------------------


def _install(project: GitRepo) -> None:
    subprocess.run([sys.executable, "-m", "vetgate", "install-hooks"], cwd=project.path,
                   check=True, capture_output=True)


def test_git_commit_with_a_forged_merge_head_is_blocked(project: GitRepo) -> None:
    _install(project)
    head = project.git("rev-parse", "HEAD").strip()
    (project.path / ".git" / "MERGE_HEAD").write_text(f"{head}\n", encoding="utf-8")
    project.write("payments/charge.py", "x = 3\n")
    project.git("add", "-A")
    proc = subprocess.run(["git", "commit", "-q", "-m", f"Speed up\n\n{AI_TRAILER}"],
                          cwd=project.path, capture_output=True, text=True, check=False)
    assert proc.returncode != 0
    assert "AI-written changes are not accepted in payments/" in proc.stdout + proc.stderr
    assert project.git("rev-parse", "HEAD").strip() == head  # no commit was made


def test_git_merge_bringing_in_ai_work_is_blocked(project: GitRepo) -> None:
    _side_branch(project, f"AI charge\n\n{AI_TRAILER}", {"payments/charge.py": "x = 12\n"})
    _install(project)
    head = project.git("rev-parse", "HEAD").strip()
    proc = subprocess.run(["git", "merge", "--no-ff", "-m", "Merge side", "side"],
                          cwd=project.path, capture_output=True, text=True, check=False)
    assert proc.returncode != 0
    assert "AI-written changes are not accepted in payments/" in proc.stdout + proc.stderr
    assert project.git("rev-parse", "HEAD").strip() == head


def test_git_commit_in_agent_shell_is_marked_by_commit_msg(project: GitRepo) -> None:
    """One hooked stage marks and judges: only commit-msg is installed, and the commit made in
    an agent's shell carries the declaration trailer."""
    subprocess.run([sys.executable, "-m", "vetgate", "install-hooks"], cwd=project.path,
                   check=True, capture_output=True)
    (project.path / ".git" / "hooks" / "prepare-commit-msg").unlink()
    project.write("docs/a.md", "changed\n")
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "Update docs", env={"CLAUDECODE": "1"})
    assert project.git("log", "-1", "--format=%(trailers:key=AI-Assisted,valueonly)"
                       ).strip() == "claude-code"
