"""Adding a trailer (what the hooks write): git-style, and nothing else in the message changes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import GitRepo
from vetgate.changes.message import (
    clean_message,
    effective_comment_char,
    read_message,
    write_message,
)
from vetgate.changes.trailers import add_trailer, parse_trailers

SCISSORS = "# ------------------------ >8 ------------------------\n"
TEMPLATE = (
    "\n# Please enter the commit message for your changes. Lines starting\n"
    "# with '#' will be ignored, and an empty message aborts the commit.\n#\n"
    "# On branch main\n"
)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # A subject alone: the trailer starts a new paragraph.
        ("Fix login\n", "Fix login\n\nAI-Assisted: claude-code\n"),
        ("Fix login", "Fix login\n\nAI-Assisted: claude-code\n"),
        # A body that is not a trailer block: new block after a blank line.
        ("Fix login\n\nThe token was\nnot refreshed.\n",
         "Fix login\n\nThe token was\nnot refreshed.\n\nAI-Assisted: claude-code\n"),
        # An existing trailer block: joined, no blank line.
        ("Fix login\n\nBody.\n\nSigned-off-by: Hannah <h@example.com>\n",
         "Fix login\n\nBody.\n\nSigned-off-by: Hannah <h@example.com>\n"
         "AI-Assisted: claude-code\n"),
        ("Fix\n\nRefs: #12\n  continued\nTicket: 7\n",
         "Fix\n\nRefs: #12\n  continued\nTicket: 7\nAI-Assisted: claude-code\n"),
        # A paragraph that is mostly prose is not a trailer block, even with a colon in it.
        ("Fix\n\nNote: this is prose\nand more prose here\n",
         "Fix\n\nNote: this is prose\nand more prose here\n\nAI-Assisted: claude-code\n"),
        # git's rule: with a git-generated line, a quarter of trailers is enough.
        ("Fix\n\nSome words\nSigned-off-by: A <a@example.com>\n",
         "Fix\n\nSome words\nSigned-off-by: A <a@example.com>\nAI-Assisted: claude-code\n"),
        # The subject paragraph is never a trailer block.
        ("Key: value\n", "Key: value\n\nAI-Assisted: claude-code\n"),
        # Comment lines and the scissors line (git commit -v) stay below, byte for byte.
        ("Fix\n\n# Please enter\n#\n" + SCISSORS + "diff --git a/x b/x\n+Key: v\n",
         "Fix\n\nAI-Assisted: claude-code\n\n# Please enter\n#\n" + SCISSORS
         + "diff --git a/x b/x\n+Key: v\n"),
        ("Fix\n\nBody\n\nRefs: 1\n\n# comment\n",
         "Fix\n\nBody\n\nRefs: 1\nAI-Assisted: claude-code\n\n# comment\n"),
        # An editor template with no text yet: line 1 stays free for the subject.
        (TEMPLATE, "\nAI-Assisted: claude-code\n" + TEMPLATE[1:]),
        ("", "\nAI-Assisted: claude-code\n"),
        # Old-style merge conflict lists are git's ignored tail too.
        ("Merge branch 'x'\n\nConflicts:\n\tsrc/a.py\n",
         "Merge branch 'x'\n\nAI-Assisted: claude-code\n\nConflicts:\n\tsrc/a.py\n"),
        # CRLF messages get a CRLF trailer line.
        ("Fix\r\n", "Fix\r\n\r\nAI-Assisted: claude-code\r\n"),
    ],
)
def test_add_trailer(message: str, expected: str) -> None:
    assert add_trailer(message, "AI-Assisted", "claude-code") == expected


@pytest.mark.parametrize(
    "message",
    [
        "Fix\n\nAI-Assisted: claude-code\n",
        "Fix\n\nai-assisted:   Claude-Code  \n",
        "Fix\n\nSigned-off-by: A <a@example.com>\nAI-Assisted: claude-code\n\n# comment\n",
        "Fix\n\nAI-Assisted: claude-code\n" + SCISSORS + "diff\n",
    ],
)
def test_equivalent_trailer_is_not_repeated(message: str) -> None:
    assert add_trailer(message, "AI-Assisted", "claude-code") is None


def test_other_value_or_key_is_added() -> None:
    assert add_trailer("Fix\n\nAI-Assisted: cursor\n", "AI-Assisted", "claude-code") == (
        "Fix\n\nAI-Assisted: cursor\nAI-Assisted: claude-code\n"
    )
    # The same text outside the trailer block (in the subject) is not a trailer.
    assert add_trailer("AI-Assisted: claude-code\n", "AI-Assisted", "claude-code") == (
        "AI-Assisted: claude-code\n\nAI-Assisted: claude-code\n"
    )


def test_custom_comment_char() -> None:
    message = "Fix\n\n; comment\n# not a comment\n"
    assert add_trailer(message, "K", "v", comment_char=";") == (
        "Fix\n\n; comment\n# not a comment\n\nK: v\n"
    )
    scissors = "; ------------------------ >8 ------------------------\n"
    assert add_trailer("Fix\n" + scissors + "x\n", "K", "v", comment_char=";") == (
        "Fix\n\nK: v\n" + scissors + "x\n"
    )


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Fix\n\n; Please enter\n;\n", ";"),
        ("Fix\n@ ------------------------ >8 ------------------------\ndiff\n", "@"),
        # No comments at all: a character no line starts with, so "#123" stays text.
        ("#123 fix the thing\n", ";"),
        ("#1\n;2\n@3\n", "!"),
    ],
)
def test_effective_comment_char_auto(message: str, expected: str) -> None:
    assert effective_comment_char(message, "auto") == expected


def test_effective_comment_char_configured() -> None:
    assert effective_comment_char("x\n", "#") == "#"
    assert effective_comment_char("x\n", "%") == "%"


def test_read_write_keeps_non_utf8_bytes(tmp_path: Path) -> None:
    path = tmp_path / "COMMIT_EDITMSG"
    path.write_bytes(b"Caf\xe9 fix\n\n# comment\n")
    text = read_message(str(path))
    updated = add_trailer(text, "AI-Assisted", "claude-code")
    assert updated is not None
    write_message(str(path), updated)
    assert path.read_bytes() == b"Caf\xe9 fix\n\nAI-Assisted: claude-code\n\n# comment\n"


# --- properties ---------------------------------------------------------------------------------

_TEXT = st.text(alphabet="abcxyz .,()", min_size=1, max_size=12).map(str.strip).filter(bool)
_KEY = st.sampled_from(["Refs", "Signed-off-by", "Co-authored-by", "AI-Assisted", "Ticket"])
_BODY_LINE = st.one_of(
    _TEXT,
    st.builds(lambda k, v: f"{k}: {v}", _KEY, _TEXT),
    st.builds(lambda v: f"Signed-off-by: {v}", _TEXT),
    st.builds(lambda v: f"  {v}", _TEXT),  # continuation
    st.just(""),
)
_TAIL_LINE = st.sampled_from(["", "# comment", "#", "# On branch main"])


@st.composite
def messages(draw: st.DrawFn, *, scissors: bool = True) -> str:
    """Commit messages as editors leave them: a subject, body lines and trailer-ish lines, then
    comment lines and maybe the scissors line with a diff below it."""
    lines = [draw(_TEXT)]
    lines += draw(st.lists(_BODY_LINE, max_size=8))
    lines += draw(st.lists(_TAIL_LINE, max_size=3))
    text = "".join(f"{line}\n" for line in lines)
    if scissors and draw(st.booleans()):
        text += SCISSORS + "".join(f"{line}\n" for line in draw(st.lists(_BODY_LINE, max_size=3)))
    return text


@pytest.fixture(scope="module")
def git_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("interpret")
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    return path


def _git_interpret(cwd: Path, message: str, key: str, value: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "core.commentChar=#", "interpret-trailers", "--no-divider",
         "--if-exists", "addIfDifferent", "--trailer", f"{key}: {value}"],
        cwd=cwd, input=message.encode(), capture_output=True, check=True,
    )
    return proc.stdout.decode()


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(message=messages(), value=st.sampled_from(["claude-code", "cursor"]))
def test_agrees_with_git_interpret_trailers(git_dir: Path, message: str, value: str) -> None:
    """On messages whose trailers are written the canonical way, ours is exactly git's."""
    ours = add_trailer(message, "AI-Assisted", value)
    theirs = _git_interpret(git_dir, message, "AI-Assisted", value)
    assert (message if ours is None else ours) == theirs


@settings(max_examples=300, deadline=None)
@given(message=messages())
def test_only_inserts_and_is_idempotent(message: str) -> None:
    ours = add_trailer(message, "AI-Assisted", "claude-code")
    if ours is None:
        return
    out_lines = ours.split("\n")
    index = out_lines.index("AI-Assisted: claude-code")
    rest = out_lines[:index] + out_lines[index + 1:]
    # At most one blank separator line was added besides the trailer.
    original = message.split("\n")
    assert rest == original or (
        index > 0 and rest[:index - 1] + rest[index:] == original and out_lines[index - 1] == ""
    )
    assert add_trailer(ours, "AI-Assisted", "claude-code") is None


def test_added_trailer_is_what_git_stores(repo: GitRepo) -> None:
    """End to end with git's own parser: commit the edited message, read the trailer back."""
    repo.commit("init", {"a.txt": "a\n"})
    message = add_trailer("Fix it\n\nBody text.\n\n# comment\n" + SCISSORS + "diff\n",
                          "AI-Assisted", "claude-code")
    assert message is not None
    repo.write("b.txt", "b\n")
    repo.git("add", "b.txt")
    message_file = repo.path.parent / "message.txt"
    message_file.write_text(message, encoding="utf-8")
    # -v -e: git cleans the message the way an editor commit is cleaned (comments and
    # everything below the scissors line go).
    repo.git("commit", "-q", "--no-verify", "-v", "-e", "-F", str(message_file),
             env={"GIT_EDITOR": "true"})
    trailers = repo.git("log", "-1", "--format=%(trailers:key=AI-Assisted,valueonly)").strip()
    assert trailers == "claude-code"
    stored = repo.git("log", "-1", "--format=%B")
    assert stored == "Fix it\n\nBody text.\n\nAI-Assisted: claude-code\n\n"


@settings(max_examples=200, deadline=None)
@given(message=messages(), char=st.sampled_from(["#", ";"]))
def test_what_the_hook_writes_the_gate_reads(message: str, char: str) -> None:
    """One home for the rules: a trailer added to any message is a trailer of the message git
    stores from it (cleanup, then git's trailer parser)."""
    message = message.replace("#", char)
    added = add_trailer(message, "AI-Assisted", "claude-code", char)
    stored = clean_message(message if added is None else added, char)
    assert ("AI-Assisted", "claude-code") in [
        (t.key, t.value) for t in parse_trailers(stored, comment_char=char)
    ]
