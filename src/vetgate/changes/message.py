"""The pending commit message, cleaned the way ``git commit`` cleans it before storing it.

The commit-msg hook receives the raw file git opened in the editor: comment lines and, after
``git commit -v``, a scissors line followed by the whole diff. Trailers must be read from what git
will actually store, so this module reproduces git's default ("strip") cleanup exactly.
"""

from __future__ import annotations

from vetgate.errors import UsageError

# git's cut line, written below the comment character (wt-status.c: cut_line).
SCISSORS = "------------------------ >8 ------------------------"

# What git's own isspace() treats as trailing whitespace (git-compat-util.h sane_ctype): space,
# tab, newline and carriage return, but not the other Unicode or C whitespace characters.
_GIT_SPACE = " \t\n\r"


def clean_message(raw: str, comment_char: str = "#") -> str:
    """Return the message git would store for ``raw`` with its default cleanup.

    Everything from the scissors line (``<cc> ------------------------ >8 ---...``) on is dropped,
    then lines starting with ``comment_char`` are dropped, trailing whitespace is removed from
    every line, runs of empty lines collapse into one, and leading and trailing empty lines go.
    The rest, trailers included, is kept exactly. A non-empty result ends with one newline, as
    ``git log --format=%B`` prints it. Lines are split on ``\\n`` only, as git does.
    """
    if not comment_char:
        comment_char = "#"
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
        content = line.rstrip(_GIT_SPACE)
        if not content:
            pending_empty = True
            continue
        if pending_empty and kept:
            kept.append("")
        pending_empty = False
        kept.append(content)
    return "".join(f"{line}\n" for line in kept)


def read_message_file(path: str, comment_char: str = "#") -> str:
    """Read a commit message file (bytes decoded as UTF-8, invalid bytes replaced) and clean it.

    Raises ``UsageError`` naming the file when it cannot be read.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise UsageError(
            f"cannot read the commit message file {path}: {reason}; pass the file git gives the "
            "commit-msg hook (usually .git/COMMIT_EDITMSG)"
        ) from exc
    return clean_message(data.decode("utf-8", "replace"), comment_char)
