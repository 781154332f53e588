"""Cleaning the pending commit message exactly as git does before storing it."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import GitRepo, make_repo
from vetgate.changes.message import (
    clean_message,
    configured_comment_char,
    read_message_file,
)
from vetgate.errors import UsageError

SCISSORS = "# ------------------------ >8 ------------------------"


def test_comment_lines_and_whitespace() -> None:
    raw = (
        "\n\n  \nSubject line   \n# Please enter the commit message\n\n\n\nBody\t\n"
        "#comment without space\n\nCo-authored-by: Claude <noreply@anthropic.com>\n\n \n"
    )
    assert clean_message(raw) == (
        "Subject line\n\nBody\n\nCo-authored-by: Claude <noreply@anthropic.com>\n"
    )


def test_empty_and_comment_only_messages() -> None:
    assert clean_message("") == ""
    assert clean_message("# only a comment\n#\n\n") == ""
    assert clean_message("no newline at end") == "no newline at end\n"


def test_custom_comment_char() -> None:
    raw = "Subject\n; a comment\n# not a comment here\n"
    assert clean_message(raw, ";") == "Subject\n# not a comment here\n"
    assert clean_message(raw, "") == "Subject\n; a comment\n"  # empty means the default


def test_scissors_line_and_diff_after_it() -> None:
    raw = (
        "Subject\n\nBody\n\nAssisted-by: aider\n"
        "# Please enter the commit message for your changes.\n"
        f"{SCISSORS}\n"
        "# Do not modify or remove the line above.\n"
        "diff --git a/x b/x\n+Co-authored-by: Claude <noreply@anthropic.com>\n"
        "+Generated with [Claude Code]\n"
    )
    assert clean_message(raw) == "Subject\n\nBody\n\nAssisted-by: aider\n"


def test_scissors_with_custom_comment_char() -> None:
    raw = f"Subject\n; {SCISSORS[2:]}\n+diff line\n"
    assert clean_message(raw, ";") == "Subject\n"
    # A '#' scissors line is an ordinary (kept) line when the comment character is ';'.
    assert clean_message(f"Subject\n{SCISSORS}\n+diff\n", ";") == (
        f"Subject\n{SCISSORS}\n+diff\n"
    )


def test_scissors_must_be_the_whole_line() -> None:
    raw = f"Subject\n{SCISSORS} trailing\nkept\n"
    assert clean_message(raw) == "Subject\nkept\n"


def test_only_newline_splits_lines() -> None:
    raw = "Subject\u2028# not a comment\rstill\x85one line\n"
    assert clean_message(raw) == "Subject\u2028# not a comment\rstill\x85one line\n"


def test_read_message_file(tmp_path: Path) -> None:
    message_file = tmp_path / "COMMIT_EDITMSG"
    message_file.write_bytes(b"Caf\xc3\xa9 \xff\n# comment\n\nAI-Assisted: yes\n")
    assert read_message_file(str(message_file)) == "Café \ufffd\n\nAI-Assisted: yes\n"
    missing = tmp_path / "missing"
    with pytest.raises(UsageError) as info:
        read_message_file(str(missing))
    assert str(info.value) == (
        f"cannot read the commit message file {missing}: No such file or directory; pass the "
        "file git gives the commit-msg hook (usually .git/COMMIT_EDITMSG)"
    )


def test_configured_comment_char(tmp_path: Path) -> None:
    root = str(make_repo(tmp_path / "r").path)
    assert configured_comment_char(root) == "#"
    subprocess.run(["git", "config", "core.commentChar", ";"], cwd=root, check=True)
    assert configured_comment_char(root) == ";"
    subprocess.run(["git", "config", "core.commentChar", "auto"], cwd=root, check=True)
    assert configured_comment_char(root) == "auto"


def test_read_message_file_with_comment_char_auto(tmp_path: Path) -> None:
    """Under ``auto`` the file tells which character git picked (here ``;``: a line starts
    with ``#``)."""
    message_file = tmp_path / "COMMIT_EDITMSG"
    message_file.write_text("#123 fix\n\n; Please enter the commit message\n;\n",
                            encoding="utf-8")
    assert read_message_file(str(message_file), "auto") == "#123 fix\n"


EDITOR = """\
import shutil, sys
path = sys.argv[1]
with open(path, encoding="utf-8") as handle:
    template = handle.read()
with open(path, "w", encoding="utf-8") as handle:
    handle.write("Add feature  \\n\\n\\nLonger body.\\n\\nAssisted-by: Some Agent\\n" + template)
shutil.copyfile(path, path + ".seen")
"""


@pytest.mark.parametrize("char", ["#", ";"])
def test_matches_what_git_commit_v_stores(repo: GitRepo, tmp_path: Path, char: str) -> None:
    """Run a real `git commit -v` with an editor, and clean the file the editor left."""
    repo.commit("base", {"a.txt": "1\n"})
    repo.git("config", "core.commentChar", char)
    editor = tmp_path / "editor.py"
    editor.write_text(EDITOR, encoding="utf-8")
    repo.write("a.txt", "1\nCo-authored-by: Claude <noreply@anthropic.com>\n# not a comment\n")
    repo.git("add", "a.txt")
    repo.git("commit", "-q", "-v", "--no-verify",
             env={"GIT_EDITOR": f"{shlex.quote(sys.executable)} {shlex.quote(str(editor))}"})
    seen = (repo.path / ".git" / "COMMIT_EDITMSG.seen").read_text(encoding="utf-8")
    assert ">8" in seen and "Co-authored-by: Claude" in seen  # the diff was in the file
    stored = subprocess.run(["git", "log", "-1", "--format=%B"], cwd=repo.path, check=True,
                            capture_output=True, text=True).stdout
    assert clean_message(seen, char) + "\n" == stored  # %B adds one newline
    assert clean_message(seen, char) == "Add feature\n\nLonger body.\n\nAssisted-by: Some Agent\n"


message_text = st.text(
    alphabet=st.sampled_from(["a", "B", " ", "\t", "\r", "\n", "\n", "#", ";", "é", ":", "-"]),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(raw=message_text, char=st.sampled_from(["#", ";"]))
def test_same_as_git_stripspace(raw: str, char: str) -> None:
    """Outside the scissors rule, the cleanup is git's own `stripspace --strip-comments`."""
    expected = subprocess.run(
        ["git", "-c", f"core.commentChar={char}", "stripspace", "--strip-comments"],
        input=raw.encode("utf-8"), capture_output=True, check=True,
    ).stdout.decode("utf-8")
    assert clean_message(raw, char) == expected
