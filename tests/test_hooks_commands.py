"""`vetgate hook NAME ...` in-process, on real repositories, in both calling conventions (git's
own and pre-commit's)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import GitRepo, make_repo
from conftest import agent_declaration as _declaration
from vetgate.main import main

AI_TRAILER = "Co-authored-by: Claude <noreply@anthropic.com>"
ZERO = "0" * 40

POLICY = """\
version: 1
rules:
  - id: payments
    paths: ["payments/**"]
    require:
      forbid: "AI-written changes are not accepted in payments/; write this by hand."
  - id: auth
    paths: ["src/auth/**"]
    require:
      review: {count: 1}
"""


@pytest.fixture
def project(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """A repository with a policy and one commit; the working directory is its root (where git
    runs hooks)."""
    repo.commit("Initial", {".vetgate.yaml": POLICY, "payments/charge.py": "x = 1\n",
                            "src/auth/login.py": "y = 1\n", "docs/a.md": "a\n"})
    monkeypatch.chdir(repo.path)
    monkeypatch.setenv("NO_COLOR", "1")
    return repo


def message_file(repo: GitRepo, text: str | bytes, name: str = "COMMIT_EDITMSG") -> Path:
    path = repo.path / ".git" / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def stage(repo: GitRepo, files: dict[str, str]) -> None:
    for relpath, content in files.items():
        repo.write(relpath, content)
    repo.git("add", "-A")


# --- commit-msg ---------------------------------------------------------------------------------


def test_commit_msg_blocks_with_explanation(project: GitRepo,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    stage(project, {"payments/charge.py": "x = 2\n"})
    path = message_file(project, f"Speed up\n\n{AI_TRAILER}\n")
    assert main(["hook", "commit-msg", str(path)]) == 1
    out = capsys.readouterr().out
    assert "payments" in out
    assert "AI-written changes are not accepted in payments/" in out


def test_commit_msg_pass_is_quiet(project: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    stage(project, {"payments/charge.py": "x = 2\n"})
    path = message_file(project, "Speed up by hand\n")
    assert main(["hook", "commit-msg", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""


def test_commit_msg_pending_review_is_one_line(project: GitRepo,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    stage(project, {"src/auth/login.py": "y = 2\n"})
    path = message_file(project, f"Harden login\n\n{AI_TRAILER}\n")
    assert main(["hook", "commit-msg", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert "review will be needed in CI" in out and "auth" in out


def test_commit_msg_agent_environment(project: GitRepo, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    stage(project, {"payments/charge.py": "x = 3\n"})
    path = message_file(project, "Speed up\n")
    monkeypatch.setenv("CLAUDECODE", "1")
    assert main(["hook", "commit-msg", str(path)]) == 1
    assert "payments" in capsys.readouterr().out


def test_commit_msg_ignores_comments_and_scissors(project: GitRepo) -> None:
    stage(project, {"payments/charge.py": "x = 4\n"})
    raw = (f"Speed up by hand\n\n# {AI_TRAILER}\n"
           "# ------------------------ >8 ------------------------\n"
           f"diff --git a/x b/x\n+{AI_TRAILER}\n")
    assert main(["hook", "commit-msg", str(message_file(project, raw))]) == 0


def test_commit_msg_honours_comment_char(project: GitRepo) -> None:
    project.git("config", "core.commentChar", ";")
    stage(project, {"payments/charge.py": "x = 5\n"})
    # With ';' as comment character, a '#' line is message text (and this one is not a trailer).
    path = message_file(project, f"#12 speed up\n\n; {AI_TRAILER}\n")
    assert main(["hook", "commit-msg", str(path)]) == 0
    path = message_file(project, f"#12 speed up\n\n{AI_TRAILER}\n; comment\n")
    assert main(["hook", "commit-msg", str(path)]) == 1


def test_commit_msg_comment_char_auto(project: GitRepo) -> None:
    project.git("config", "core.commentChar", "auto")
    stage(project, {"payments/charge.py": "x = 6\n"})
    # git picked ';' because a line starts with '#': the subject "#12" is text.
    path = message_file(project, f"#12 speed up\n\n; {AI_TRAILER}\n;\n; On branch main\n")
    assert main(["hook", "commit-msg", str(path)]) == 0


def test_commit_msg_without_argument_reads_commit_editmsg(project: GitRepo) -> None:
    """pre-commit with `pass_filenames: false` passes no file: COMMIT_EDITMSG is the one."""
    stage(project, {"payments/charge.py": "x = 7\n"})
    message_file(project, f"Speed up\n\n{AI_TRAILER}\n")
    assert main(["hook", "commit-msg"]) == 1


def test_commit_msg_missing_file(project: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hook", "commit-msg", "no-such-file"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("vetgate: error: cannot read the commit message file no-such-file")
    assert len(err.strip().splitlines()) == 1


def test_commit_msg_too_many_arguments(project: GitRepo,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hook", "commit-msg", "--verbose", ".git/COMMIT_EDITMSG"]) == 2
    assert "commit-msg takes one argument" in capsys.readouterr().err


def test_commit_msg_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "msg").write_text("x\n", encoding="utf-8")
    assert main(["hook", "commit-msg", "msg"]) == 2
    assert "not inside a git work tree" in capsys.readouterr().err


def test_commit_msg_broken_policy_is_undecided(project: GitRepo,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    project.write(".vetgate.yaml", "version: 1\nrules: [{id: x, pathz: []}]\n")
    stage(project, {"docs/a.md": "c\n"})
    assert main(["hook", "commit-msg", str(message_file(project, "Docs\n"))]) == 2
    assert ".vetgate.yaml" in capsys.readouterr().err


# --- prepare-commit-msg -------------------------------------------------------------------------


def test_mark_in_agent_shell(project: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDECODE", "1")
    path = message_file(project, "Fix it\n")
    assert main(["hook", "prepare-commit-msg", str(path), "message"]) == 0
    assert path.read_text(encoding="utf-8") == f"Fix it\n\n{_declaration()}\n"
    # Idempotent: a second run (an amend, a retry) adds nothing.
    assert main(["hook", "prepare-commit-msg", str(path), "commit", "HEAD"]) == 0
    assert path.read_text(encoding="utf-8") == f"Fix it\n\n{_declaration()}\n"


def test_mark_does_nothing_for_humans(project: GitRepo) -> None:
    raw = b"Caf\xe9\n\n# comment\n"
    path = message_file(project, raw)
    assert main(["hook", "prepare-commit-msg", str(path)]) == 0
    assert path.read_bytes() == raw


def test_mark_under_pre_commit_without_arguments(project: GitRepo,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDECODE", "1")
    monkeypatch.setenv("PRE_COMMIT_COMMIT_MSG_SOURCE", "message")
    path = message_file(project, "Fix it\n")
    assert main(["hook", "prepare-commit-msg"]) == 0
    assert path.read_text(encoding="utf-8") == f"Fix it\n\n{_declaration()}\n"


def test_mark_merge_without_file_argument_is_left_alone(project: GitRepo,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDECODE", "1")
    monkeypatch.setenv("PRE_COMMIT_COMMIT_MSG_SOURCE", "merge")
    path = message_file(project, "Merge branch 'x'\n")
    assert main(["hook", "prepare-commit-msg"]) == 0
    assert path.read_text(encoding="utf-8") == "Merge branch 'x'\n"


def test_mark_team_env_marker(project: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    project.write(".vetgate.yaml", POLICY.replace(
        "version: 1\n", "version: 1\norigin:\n  markers:\n    env: [MY_AGENT_SESSION]\n"))
    project.git("add", ".vetgate.yaml")  # the mark reads the policy the commit will carry
    monkeypatch.setenv("MY_AGENT_SESSION", "abc")
    path = message_file(project, "Fix it\n")
    assert main(["hook", "prepare-commit-msg", str(path), "message"]) == 0
    text = path.read_text(encoding="utf-8")
    assert text.startswith("Fix it\n\nAI-Assisted: ")
    assert "my" in text.lower().split("ai-assisted: ")[1]


def test_mark_never_blocks_on_a_broken_policy(project: GitRepo,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    project.write(".vetgate.yaml", "version: [\n")
    monkeypatch.setenv("CLAUDECODE", "1")
    path = message_file(project, "Fix it\n")
    assert main(["hook", "prepare-commit-msg", str(path), "message"]) == 0
    assert _declaration() in path.read_text(encoding="utf-8")


def test_mark_unwritable_file_is_undecided(project: GitRepo, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CLAUDECODE", "1")
    assert main(["hook", "prepare-commit-msg", str(project.path / "missing"), "message"]) == 2
    assert "cannot read the commit message file" in capsys.readouterr().err


# --- pre-push -----------------------------------------------------------------------------------


@pytest.fixture
def remote(project: GitRepo, tmp_path: Path) -> Path:
    path = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(path)], check=True)
    project.git("remote", "add", "origin", str(path))
    project.git("push", "-q", "--no-verify", "origin", "main")
    project.git("fetch", "-q", "origin")
    project.git("remote", "set-head", "origin", "main")
    return path


def push(stdin: str, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    return main(["hook", "pre-push", *args])


def test_pre_push_git_form(project: GitRepo, remote: Path, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    base = project.head()
    human = project.commit("by hand", {"payments/charge.py": "x = 9\n"})
    line = f"refs/heads/main {human} refs/heads/main {base}\n"
    assert push(line, monkeypatch, "origin", str(remote)) == 0
    assert capsys.readouterr().out == ""

    ai = project.commit(f"AI\n\n{AI_TRAILER}", {"payments/charge.py": "x = 10\n"})
    line = f"refs/heads/main {ai} refs/heads/main {base}\n"
    assert push(line, monkeypatch, "origin", str(remote)) == 1
    out = capsys.readouterr().out
    assert "main: the policy blocks this push" in out
    assert "payments" in out


def test_pre_push_every_ref_is_checked(project: GitRepo, remote: Path,
                                       monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    base = project.head()
    project.git("switch", "-q", "-c", "ok")
    ok = project.commit("docs", {"docs/a.md": "d\n"})
    project.git("switch", "-q", "-c", "bad", base)
    bad = project.commit(f"AI\n\n{AI_TRAILER}", {"payments/charge.py": "x = 11\n"})
    lines = (f"refs/heads/ok {ok} refs/heads/ok {ZERO}\n"
             f"refs/heads/bad {bad} refs/heads/bad {ZERO}\n"
             f"(delete) {ZERO} refs/heads/old {base}\n")
    assert push(lines, monkeypatch, "origin", str(remote)) == 1
    assert "bad: the policy blocks this push" in capsys.readouterr().out


def test_pre_push_pending_heads_up(project: GitRepo, remote: Path,
                                   monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    base = project.head()
    head = project.commit(f"AI login\n\n{AI_TRAILER}", {"src/auth/login.py": "y = 3\n"})
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", base)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", head)
    monkeypatch.setenv("PRE_COMMIT_REMOTE_NAME", "origin")
    monkeypatch.setenv("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/main")
    monkeypatch.setenv("PRE_COMMIT_LOCAL_BRANCH", "refs/heads/main")
    assert main(["hook", "pre-push"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("main: vetgate: review will be needed in CI")


def test_pre_push_deletion_only(project: GitRepo, remote: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    assert push(f"(delete) {ZERO} refs/heads/main {project.head()}\n", monkeypatch,
                "origin", str(remote)) == 0


def test_pre_push_without_refs_is_undecided(project: GitRepo,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hook", "pre-push"]) == 2
    assert "no pushed refs" in capsys.readouterr().err


def test_pre_push_first_push_to_empty_remote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """No base commit: every commit of the branch is judged, down to the root."""
    repo = make_repo(tmp_path / "fresh")
    repo.commit("human start", {".vetgate.yaml": POLICY, "README.md": "hi\n"})
    head = repo.commit(f"AI\n\n{AI_TRAILER}", {"payments/charge.py": "x\n"})
    monkeypatch.chdir(repo.path)
    code = push(f"refs/heads/main {head} refs/heads/main {ZERO}\n", monkeypatch,
                "origin", str(tmp_path / "empty.git"))
    assert code == 1
    assert "payments" in capsys.readouterr().out


def test_pre_push_first_push_of_human_history_passes(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "fresh")
    head = repo.commit("by hand", {".vetgate.yaml": POLICY, "payments/charge.py": "x\n"})
    monkeypatch.chdir(repo.path)
    assert push(f"refs/heads/main {head} refs/heads/main {ZERO}\n", monkeypatch,
                "origin", str(tmp_path / "empty.git")) == 0


def test_mark_merge_message(project: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    """`git merge` in an agent's shell: MERGE_MSG (with git's commented conflict list) is
    marked like any other message, above the comments."""
    monkeypatch.setenv("CLAUDECODE", "1")
    path = message_file(project, "Merge branch 'side'\n\n# Conflicts:\n#\ta.txt\n",
                        name="MERGE_MSG")
    assert main(["hook", "prepare-commit-msg", str(path), "merge"]) == 0
    assert path.read_text(encoding="utf-8") == (
        f"Merge branch 'side'\n\n{_declaration()}\n\n# Conflicts:\n#\ta.txt\n"
    )


def test_mark_respects_builtin_false(project: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    """A team that switched the built-in catalog off gets no built-in mark."""
    project.write(".vetgate.yaml", POLICY.replace("version: 1\n",
                                                  "version: 1\norigin:\n  builtin: false\n"))
    project.git("add", ".vetgate.yaml")  # the mark reads the policy the commit will carry
    monkeypatch.setenv("CLAUDECODE", "1")
    path = message_file(project, "Fix it\n")
    assert main(["hook", "prepare-commit-msg", str(path), "message"]) == 0
    assert path.read_text(encoding="utf-8") == "Fix it\n"


def test_commit_msg_asks_git_four_times(project: GitRepo, monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    """Inside `git commit` (which exports the author and has checked both identities) the hook
    starts four git processes, however many files are staged: one rev-parse for everything at
    start, one ls-files for the index's policy entry (its bytes come from the work tree when
    they are the index's), one `git var -l` for the identities and core.commentChar, one
    diff."""
    from conftest import count_git_processes

    stage(project, {f"docs/f{n}.md": f"{n}\n" for n in range(10)})
    path = message_file(project, "Docs by hand\n")
    monkeypatch.setenv("GIT_AUTHOR_DATE", "@1700000000 +0000")
    with count_git_processes() as calls:
        assert main(["hook", "commit-msg", str(path)]) == 0
    # After the rev-parse the other three run side by side (changes.git.start_git): any order.
    names = [_subcommand(call) for call in calls]
    assert names[0] == "rev-parse" and sorted(names[1:]) == ["diff-index", "ls-files", "var"], \
        calls
    from vetgate.changes import git

    assert git._started == {}  # every process started ahead was waited for


def _subcommand(call: str) -> str:
    words = call.split()
    while words and words[0] == "-c":
        words = words[2:]
    return words[0] if words else ""


def test_commit_msg_on_an_unborn_branch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """The first commit: HEAD names no commit yet, the start-up rev-parse still answers."""
    repo = make_repo(tmp_path / "fresh")
    monkeypatch.chdir(repo.path)
    stage(repo, {".vetgate.yaml": POLICY, "payments/charge.py": "x = 1\n"})
    path = message_file(repo, f"Start\n\n{AI_TRAILER}\n")
    assert main(["hook", "commit-msg", str(path)]) == 1
    assert "payments" in capsys.readouterr().out


def test_commit_msg_pass_names_a_work_tree_policy_that_differs(
        project: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    """The index's policy judged; an unstaged edit of it is named in one line, even on a pass."""
    project.write(".vetgate.yaml", POLICY.replace("payments/**", "nothing/**"))
    project.write("docs/a.md", "b\n")
    project.git("add", "docs/a.md")
    path = message_file(project, "Docs by hand\n")
    assert main(["hook", "commit-msg", str(path)]) == 0
    assert capsys.readouterr().out == (
        "vetgate: note: the work tree's .vetgate.yaml differs from the index; the index's copy "
        "(what the commit will carry) judged\n")
