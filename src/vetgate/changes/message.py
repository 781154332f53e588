"""git's rules for a commit message file: the comment character, the scissors line, cleanup.

The message hooks receive the raw file git opened in the editor: comment lines and, after ``git
commit -v``, a scissors line followed by the whole diff. Trailers must be read from what git will
actually store, and a trailer must be written where git would put it, so this module is the one
home of those rules (trailers themselves: ``vetgate.changes.trailers``):

* ``clean_message``: git's default ("strip") cleanup, exactly;
* ``configured_comment_char`` / ``effective_comment_char``: ``core.commentChar``, ``auto``
  included (git picks a character per message, so the file itself tells which);
* ``read_message`` / ``write_message``: the raw file, bytes that are not UTF-8 surviving a
  rewrite; ``pending_message``: the cleaned text the gate judges.
"""

from __future__ import annotations

from vetgate.errors import UsageError

# git's cut line, written below the comment character (wt-status.c: cut_line).
SCISSORS = "------------------------ >8 ------------------------"

# What git's own isspace() treats as trailing whitespace (git-compat-util.h sane_ctype): space,
# tab, newline and carriage return, but not the other Unicode or C whitespace characters.
GIT_SPACE = " \t\n\r"
DEFAULT_COMMENT_CHAR = "#"
# The characters git tries, in order, under ``core.commentChar=auto`` (builtin/commit.c).
AUTO_COMMENT_CHARS = "#;@!$%^&|:"


def clean_message(raw: str, comment_char: str = DEFAULT_COMMENT_CHAR) -> str:
    """Return the message git would store for ``raw`` with its default cleanup.

    Everything from the scissors line (``<cc> ------------------------ >8 ---...``) on is dropped,
    then lines starting with ``comment_char`` are dropped, trailing whitespace is removed from
    every line, runs of empty lines collapse into one, and leading and trailing empty lines go.
    The rest, trailers included, is kept exactly. A non-empty result ends with one newline, as
    ``git log --format=%B`` prints it. Lines are split on ``\\n`` only, as git does.
    """
    if not comment_char:
        comment_char = DEFAULT_COMMENT_CHAR
    lines = raw.split("\n")
    scissors = f"{comment_char} {SCISSORS}"
    # git cuts only at a complete scissors line (one followed by a newline), so the last
    # element of ``lines`` (the text after the final newline) never counts as one.
    for index, line in enumerate(lines[:-1]):
        if line == scissors:
            lines = lines[:index]
            break
    kept: list[str] = []
    pending_empty = False
    for line in lines:
        if line.startswith(comment_char):
            continue
        content = line.rstrip(GIT_SPACE)
        if not content:
            pending_empty = True
            continue
        if pending_empty and kept:
            kept.append("")
        pending_empty = False
        kept.append(content)
    return "".join(f"{line}\n" for line in kept)


def configured_comment_char(root: str) -> str:
    """``core.commentChar`` as configured: ``#`` by default, ``auto``, or the character."""
    from vetgate.changes.git import run_git

    proc = run_git(["config", "--get", "core.commentChar"], root, check=False)
    value = proc.stdout.decode("utf-8", "replace").rstrip("\n") if proc.returncode == 0 else ""
    return value or DEFAULT_COMMENT_CHAR


def effective_comment_char(message: str, configured: str) -> str:
    """The comment character of this message file.

    Under ``core.commentChar=auto`` git picks the first of ``#;@!$%^&|:`` that starts no line of
    the message, so the file itself tells: its scissors line, or the lone comment character git
    writes as an empty comment line. A file with neither has no comments; then the answer is a
    character that starts none of its lines, so no text is mistaken for a comment (a subject
    like "#123 fix" stays text).
    """
    if configured != "auto":
        return configured or DEFAULT_COMMENT_CHAR
    lines = message.split("\n")
    complete = set(lines[:-1])
    for char in AUTO_COMMENT_CHARS:
        if f"{char} {SCISSORS}" in complete or char in complete:
            return char
    starts = {line[:1] for line in lines if line}
    for char in AUTO_COMMENT_CHARS:
        if char not in starts:
            return char
    return DEFAULT_COMMENT_CHAR


def read_message(path: str) -> str:
    """The raw message file, decoded so that bytes that are not UTF-8 survive a rewrite
    (``surrogateescape``). Raises ``UsageError`` naming the file when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "surrogateescape")
    except OSError as exc:
        raise UsageError(
            f"cannot read the commit message file {path}: {exc.strerror or exc}; pass the "
            "file git gives the commit-msg hook (usually .git/COMMIT_EDITMSG)"
        ) from exc


def write_message(path: str, text: str) -> None:
    """Rewrite the message file in place (git reads it again after the hook)."""
    try:
        with open(path, "wb") as handle:
            handle.write(text.encode("utf-8", "surrogateescape"))
    except OSError as exc:
        raise UsageError(
            f"cannot write the commit message file {path}: {exc.strerror or exc}; check its "
            "permissions (the AI declaration trailer could not be added)"
        ) from exc


def pending_message(raw: str, configured: str = DEFAULT_COMMENT_CHAR) -> str:
    """The message git will store for the raw file text ``raw`` (as ``read_message`` returns
    it) under ``core.commentChar`` = ``configured``; bytes that are not UTF-8 become U+FFFD."""
    text = raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return clean_message(text, effective_comment_char(raw, configured))


def read_message_file(path: str, configured: str = DEFAULT_COMMENT_CHAR) -> str:
    """Read a commit message file and clean it as git will (``pending_message``).

    Raises ``UsageError`` naming the file when it cannot be read.
    """
    return pending_message(read_message(path), configured)
