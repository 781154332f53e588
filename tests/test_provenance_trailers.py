"""parse_trailers follows `git interpret-trailers --parse`, checked against the real git."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vetgate.provenance.trailers import (
    SQUASH_SUBJECT,
    SquashedCommit,
    Trailer,
    find_separator,
    last_paragraph,
    parse_trailers,
    squashed_commits,
)


def git_parse(message: str, *, divider: bool) -> list[tuple[str, str]]:
    """What git says the trailers are (key, value), via the real `git interpret-trailers`."""
    args = ["git", "interpret-trailers", "--parse"] + ([] if divider else ["--no-divider"])
    proc = subprocess.run(args, input=message.encode("utf-8"), capture_output=True, check=True)
    pairs = []
    for line in proc.stdout.decode("utf-8").split("\n"):
        if line:
            key, _, value = line.partition(":")
            pairs.append((key, value[1:]))
    return pairs


def ours(message: str, *, divider: bool) -> list[tuple[str, str]]:
    return [(t.key, t.value) for t in parse_trailers(message, divider=divider)]


@pytest.mark.parametrize("message, expected", [
    ("Title\n\nBody.\n\nSigned-off-by: A <a@x>\nCo-authored-by: B <b@x>\n",
     [Trailer("Signed-off-by", "A <a@x>", 5), Trailer("Co-authored-by", "B <b@x>", 6)]),
    ("Title\nKey: value\n", []),  # no blank line: all title
    ("Key: value", []),
    ("Title\n\nKey: first\n  second\n\tthird\n", [Trailer("Key", "first second third", 3)]),
    ("Title\n\nBug  : 1\n", [Trailer("Bug", "1", 3)]),
    ("Title\n\nprose line\nKey: v\n", []),  # 1 of 2 lines, nothing git-generated
    ("Title\n\nprose\nmore prose\nSigned-off-by: A\n", [Trailer("Signed-off-by", "A", 5)]),
    ("Title\n\nKey: v\n# a comment\n\n\n", [Trailer("Key", "v", 3)]),
    ("Title\n\nKey: v\n---\nOther: w\n", []),  # "---" is a prose line in a commit message
    ("Title\n\nBody\n\nKey: v\n# ------------------------ >8 ------------------------\ndiff\n",
     [Trailer("Key", "v", 5)]),
])
def test_examples(message: str, expected: list[Trailer]) -> None:
    assert list(parse_trailers(message)) == expected
    assert ours(message, divider=False) == git_parse(message, divider=False)


def test_divider_mode_stops_at_a_patch() -> None:
    message = "Title\n\nKey: v\n---\nOther: w\n"
    assert ours(message, divider=True) == git_parse(message, divider=True) == [("Key", "v")]


def test_custom_comment_char() -> None:
    message = "Title\n\nKey: v\n; note\n"
    assert [t.key for t in parse_trailers(message, comment_char=";")] == ["Key"]


def test_find_separator() -> None:
    assert find_separator("Key: v") == 3
    assert find_separator("Key  :v") == 5
    assert find_separator(": v") == 0
    assert find_separator(" Key: v") == -1
    assert find_separator("Key value: v") == -1
    assert find_separator("Ключ: v") == -1  # non-ASCII never forms a token, as in git


def test_last_paragraph() -> None:
    assert last_paragraph("T\n\nA\nB\n\n") == (3, ["A", "B"])
    assert last_paragraph("T\nA\n") == (1, [])


LINES = st.one_of(
    st.sampled_from([
        "", " ", "\t", "Title", "prose line", "Key: value", "key-2:value", "Bug #42",
        "Bug : spaced", "Signed-off-by: A U Thor <a@x>", "Signed-off-by:nospace",
        "(cherry picked from commit 0123abc)", "Co-authored-by: Claude <noreply@anthropic.com>",
        "  continued", "\tcontinued", "# comment", "#Key: v", "---", "--- x", "----",
        "Conflicts:", "\tpath/in/conflict", ":nokey", "Key:", "Ключ: значение",
        "Assisted-by: Claude:claude-3-opus coccinelle", "a: b: c", "-: dash", "Key : v\r",
    ]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\n"),
            max_size=20),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(LINES, min_size=1, max_size=12), final_newline=st.booleans(),
       divider=st.booleans())
def test_matches_git_interpret_trailers(lines: list[str], final_newline: bool,
                                        divider: bool) -> None:
    message = "\n".join(lines) + ("\n" if final_newline else "")
    assert ours(message, divider=divider) == git_parse(message, divider=divider)


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(LINES, min_size=1, max_size=12))
def test_line_numbers_point_at_the_trailer(lines: list[str]) -> None:
    message = "\n".join(lines) + "\n"
    split = message.split("\n")
    for trailer in parse_trailers(message):
        assert split[trailer.line - 1].startswith(trailer.key)


# --- git's squash message ---------------------------------------------------------------------

_QUOTED_LINE = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"),
                       max_size=30)


@settings(max_examples=200, deadline=None)
@given(commits=st.lists(st.tuples(
    st.from_regex(r"[0-9a-f]{40}", fullmatch=True),
    st.one_of(st.none(), st.from_regex(r"[A-Za-z][A-Za-z ()]{0,15} <[a-z.]{1,10}@[a-z.]{1,10}>",
                                       fullmatch=True)),
    st.booleans(),
    st.lists(_QUOTED_LINE, min_size=1, max_size=6),
), max_size=5))
def test_squashed_commits_reads_back_what_git_writes(
        commits: list[tuple[str, str | None, bool, list[str]]]) -> None:
    """Built the way git's squash_message() writes it: headers, a blank line, the message
    indented by four spaces (blank lines empty), a blank line between commits."""
    parts = [SQUASH_SUBJECT, ""]
    expected = []
    for sha, author, merge, lines in commits:
        parts.append(f"commit {sha}")
        if merge:
            parts.append("Merge: 0123456 89abcde")
        if author is not None:
            parts.append(f"Author: {author}")
        parts += ["Date:   Thu Nov 26 06:18:47 2026 +0000", ""]
        first = len(parts) + 1
        text = "\n".join(lines).rstrip("\n")
        parts += [f"    {line}" if line.strip() else "" for line in text.split("\n")]
        parts.append("")
        quoted = "\n".join(line if line.strip() else "" for line in text.split("\n"))
        quoted = quoted.rstrip("\n")
        expected.append(SquashedCommit(sha, author.strip() if author else None,
                                       quoted + "\n" if quoted else "", first))
    assert list(squashed_commits("\n".join(parts))) == expected


def test_squashed_commits_of_the_real_git(tmp_path: Path) -> None:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True,
                              text=True).stdout
    git("init", "-q", "-b", "main")
    (tmp_path / "a").write_text("0\n")
    git("add", "a")
    git("commit", "-qm", "base")
    git("checkout", "-qb", "side")
    (tmp_path / "a").write_text("1\n")
    git("commit", "-q", "--author=Claude <noreply@anthropic.com>", "-am",
        "Tune cache\n\nBody.\n\nCo-authored-by: Codex <noreply@openai.com>")
    git("checkout", "-q", "main")
    git("merge", "-q", "--squash", "side")
    git("commit", "-q", "--no-edit")
    message = git("log", "-1", "--format=%B")
    [quoted] = squashed_commits(message)
    assert quoted.author == "Claude <noreply@anthropic.com>"
    assert quoted.message == "Tune cache\n\nBody.\n\nCo-authored-by: Codex <noreply@openai.com>\n"
    lines = message.split("\n")
    assert lines[quoted.first_line - 1] == "    Tune cache"
