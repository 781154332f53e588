"""What provenance reads in a commit message beyond git's own trailers: the last paragraph (for
disguised trailers git would not parse) and the commits quoted in a ``git merge --squash`` message.

git's trailer rules themselves live in ``vetgate.changes.trailers`` (one home for the hook that
writes the declaration trailer and the gate that reads trailers); they are re-exported here for
the detectors.
"""

from __future__ import annotations

import re

from vetgate.changes.trailers import Trailer, find_separator, parse_trailers, trailer_block
from vetgate.records import frozen

__all__ = [
    "SQUASH_QUOTE_INDENT", "SQUASH_SUBJECT", "SquashedCommit", "Trailer", "find_separator",
    "last_paragraph", "parse_trailers", "squashed_commits", "trailer_block",
]


def last_paragraph(message: str) -> tuple[int, list[str]]:
    """The last non-blank paragraph of ``message`` as ``(first line number, lines)``; used to
    look for disguised trailers that git itself would not parse."""
    lines = message.split("\n")
    end = len(lines)
    while end > 0 and not lines[end - 1].strip():
        end -= 1
    start = end
    while start > 0 and lines[start - 1].strip():
        start -= 1
    if start == 0:
        return 1, []  # the title paragraph is never a trailer block
    return start + 1, lines[start:end]


SQUASH_SUBJECT = "Squashed commit of the following:"
_SQUASH_COMMIT_LINE = re.compile(r"commit ([0-9a-fA-F]{7,64})(?![0-9a-zA-Z])")
SQUASH_QUOTE_INDENT = "    "  # how git indents the quoted messages


@frozen
class SquashedCommit:
    """One commit quoted in git's squash message: its sha, the text after ``Author:`` (None if
    the header is missing), and its message de-indented, which starts on ``first_line`` of the
    whole message."""

    sha: str
    author: str | None
    message: str
    first_line: int


def squashed_commits(message: str) -> tuple[SquashedCommit, ...]:
    """The commits quoted in the message ``git merge --squash`` prepares::

        Squashed commit of the following:

        commit <sha>
        Merge: <a> <b>            (merges only)
        Author: Name <email>
        Date:   <date>

            <the commit's message, every line indented by four spaces>

    The caller checks the subject; this reads any message of that shape. Linear in the message.
    """
    lines = message.split("\n")
    found: list[SquashedCommit] = []
    count = len(lines)
    position = 1  # the subject is never a quoted commit
    while position < count:
        match = _SQUASH_COMMIT_LINE.match(lines[position].rstrip("\r"))
        position += 1
        if match is None:
            continue
        author: str | None = None
        while position < count and lines[position].strip():  # headers up to a blank line
            header = lines[position].rstrip("\r")
            if header.startswith("Author:"):
                author = header[len("Author:"):].strip()
            position += 1
        position += 1  # the blank line after the headers
        first = position
        body: list[str] = []
        while position < count:
            line = lines[position]
            if line.startswith(SQUASH_QUOTE_INDENT):
                body.append(line[len(SQUASH_QUOTE_INDENT):])
            elif not line.strip():
                body.append("")
            else:
                break  # the next "commit <sha>" line (or text the user added)
            position += 1
        text = "\n".join(body).rstrip("\n")
        found.append(SquashedCommit(match.group(1), author, text + "\n" if text else "",
                                    first + 1))
    return tuple(found)
