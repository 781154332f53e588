"""Commit-message trailers, parsed and added the way git does it.

A faithful port of git's ``trailer.c`` (``trailer_info_get`` and helpers, git 2.39+) for the
default configuration (separator ``:``, no ``trailer.*`` settings): ``parse_trailers`` is checked
against ``git interpret-trailers --parse`` and ``add_trailer`` against ``git interpret-trailers
--trailer`` by property tests. The hook that writes the AI declaration trailer and the gate that
reads trailers both use this module, so they can never disagree on where the trailer block is.
The rules, briefly:

* Only the last paragraph can be a trailer block, never the first (the title paragraph).
* A paragraph is a trailer block if all its non-comment lines are trailers (or continuation
  lines, which start with whitespace), or if at least one is git-generated
  (``Signed-off-by: ``, ``(cherry picked from commit ``) and at least 25% are trailers.
* A trailer line is ``Token: value`` where the token is letters, digits and ``-``, optionally
  followed by blanks before the ``:``. Keys compare case-insensitively (callers fold them).
* Lines starting with the comment character, a trailing run of comment/blank lines, and
  everything from the scissors line on are ignored (``vetgate.changes.message`` holds the
  comment character and scissors rules).

One deliberate choice: by default a ``---`` line does *not* end the message. git treats it as
the start of a patch only when it parses e-mail (``git interpret-trailers`` without
``--no-divider``); for commit messages (``git log --format=%(trailers)``, ``git commit
--trailer``) git itself passes ``no_divider``, and so do we. Pass ``divider=True`` for the
e-mail behaviour.

Only git's notion of whitespace (space, tab, LF, CR) and ASCII letters/digits count, as in
git's own ``sane_ctype``; non-ASCII text never forms a token.
"""

from __future__ import annotations

import re

from vetgate.changes.message import DEFAULT_COMMENT_CHAR, GIT_SPACE, SCISSORS
from vetgate.records import frozen

_GIT_SPACE = GIT_SPACE
# Lines git itself writes into a trailer block; one of them makes a mostly-trailer paragraph count
# as a trailer block (trailer.c: git_generated_prefixes).
_GIT_GENERATED_PREFIXES = ("Signed-off-by: ", "(cherry picked from commit ")
_CUT_LINE = SCISSORS + "\n"
_CONTINUATION = re.compile(r"\n[ \t\n\r]*")


@frozen
class Trailer:
    """One trailer: ``key`` as written (trimmed), ``value`` unfolded and trimmed, ``line`` the
    1-based line of the message where it starts."""

    key: str
    value: str
    line: int

    def __str__(self) -> str:
        return f"{self.key}: {self.value}"


# git's find_separator as a regular expression: a token of letters, digits and "-", then blanks
# (never at the start of the line), then the separator; or the separator first.
_SEPARATOR_AT = re.compile(r"(?:[A-Za-z0-9-]+[ \t]*)?:")


def find_separator(line: str) -> int:
    """Position of the ``:`` in ``Token<blanks>:…``; 0 if the line starts with ``:``; -1 if the
    line is not of that form (git's ``find_separator``)."""
    match = _SEPARATOR_AT.match(line)
    return match.end() - 1 if match else -1


def _next_line(buf: str, pos: int) -> int:
    newline = buf.find("\n", pos)
    return len(buf) if newline < 0 else newline + 1


def _last_line(buf: str, length: int) -> int:
    """Start of the last line of ``buf[:length]`` (a final newline belongs to that line)."""
    if length == 0:
        return -1
    if length == 1:
        return 0
    newline = buf.rfind("\n", 0, length - 1)
    return newline + 1


def _is_blank_line(buf: str, pos: int) -> bool:
    newline = buf.find("\n", pos)
    line = buf[pos:] if newline < 0 else buf[pos:newline]
    return not line.strip(" \t\r")


def _line_at(buf: str, pos: int) -> str:
    newline = buf.find("\n", pos)
    return buf[pos:] if newline < 0 else buf[pos:newline]


def _find_patch_start(buf: str) -> int:
    pos = 0
    end = len(buf)
    while pos < end:
        if buf.startswith("---", pos) and pos + 3 < end and buf[pos + 3] in _GIT_SPACE:
            return pos
        pos = _next_line(buf, pos)
    return end


def _locate_scissors(buf: str, length: int, comment: str) -> int:
    """git's ``wt_status_locate_end``: where the scissors line starts, else ``length``."""
    pattern = f"\n{comment} {_CUT_LINE}"
    if buf.startswith(pattern[1:]):
        return 0
    found = buf.find(pattern)
    if found >= 0:
        # git searches the whole buffer; a cut line beyond ``length`` cannot shorten it.
        return min(found + 1, length)
    return length


def _ignored_tail(buf: str, length: int, comment: str) -> int:
    """git's ``ignore_non_trailer``: bytes at the end of ``buf[:length]`` that are trailing
    comments, blank lines, an old-style ``Conflicts:`` block, or the scissors part."""
    if (not buf.startswith(comment) and f"\n{comment}" not in buf
            and "Conflicts:\n" not in buf):
        # No comment, scissors or conflicts lines: only a trailing run of empty lines is
        # ignored (the common case, without a Python loop over every line).
        boc = len(buf[:length].rstrip("\n")) + 1
        return length - boc if boc < length else 0
    boc = 0
    bol = 0
    in_conflicts = False
    cutoff = _locate_scissors(buf, length, comment)
    while bol < cutoff:
        newline = buf.find("\n", bol, length)
        next_bol = length if newline < 0 else newline + 1
        first = buf[bol]
        if buf.startswith(comment, bol) or first == "\n":
            if not boc:  # git's quirk: a run starting at offset 0 is not remembered
                boc = bol
        elif buf.startswith("Conflicts:\n", bol):
            in_conflicts = True
            if not boc:
                boc = bol
        elif in_conflicts and first == "\t":
            pass
        elif boc:
            boc = 0
            in_conflicts = False
        bol = next_bol
    return length - boc if boc else length - cutoff


def _find_trailer_start(buf: str, length: int, comment: str) -> int:
    """Start of the trailer block in ``buf[:length]``, or ``length`` when there is none."""
    # The first paragraph is the title and cannot be trailers.
    pos = 0
    while pos < length:
        if buf.startswith(comment, pos):
            pos = _next_line(buf, pos)
            continue
        if _is_blank_line(buf, pos):
            break
        pos = _next_line(buf, pos)
    end_of_title = pos

    only_spaces = True
    recognized_prefix = False
    trailer_lines = 0
    non_trailer_lines = 0
    possible_continuation_lines = 0
    bol = _last_line(buf, length)
    while bol >= end_of_title and bol >= 0:
        first = buf[bol] if bol < len(buf) else ""
        if first and buf.startswith(comment, bol):
            non_trailer_lines += possible_continuation_lines
            possible_continuation_lines = 0
        elif _is_blank_line(buf, bol):
            if not only_spaces:
                non_trailer_lines += possible_continuation_lines
                if recognized_prefix and trailer_lines * 3 >= non_trailer_lines:
                    return _next_line(buf, bol)
                if trailer_lines and not non_trailer_lines:
                    return _next_line(buf, bol)
                return length
        else:
            only_spaces = False
            if buf.startswith(_GIT_GENERATED_PREFIXES, bol):
                trailer_lines += 1
                possible_continuation_lines = 0
                recognized_prefix = True
            elif find_separator(_line_at(buf, bol)) >= 1 and first not in _GIT_SPACE:
                trailer_lines += 1
                possible_continuation_lines = 0
            elif first in _GIT_SPACE:
                possible_continuation_lines += 1
            else:
                non_trailer_lines += 1 + possible_continuation_lines
                possible_continuation_lines = 0
        bol = _last_line(buf, bol)
    return length


def _trim(text: str) -> str:
    return text.strip(_GIT_SPACE)


def _unfold(value: str) -> str:
    if value.endswith("\n"):
        value = value[:-1]  # the line's own newline; trimmed away by git too
    if "\n" not in value:
        return _trim(value)
    # A newline and the whitespace after it collapse to one space (git's unfold_value).
    return _trim(_CONTINUATION.sub(" ", value))


def trailer_block(message: str, *, comment_char: str = DEFAULT_COMMENT_CHAR,
                  divider: bool = False) -> tuple[int, int]:
    """``(start, end)`` offsets of the trailer block in ``message`` (``start == end`` when there
    is none), by git's rules."""
    length = _find_patch_start(message) if divider else len(message)
    end = length - _ignored_tail(message, length, comment_char)
    start = _find_trailer_start(message, end, comment_char)
    return start, end


# The common trailer block: after a blank line (git's blank: spaces, tabs, CRs), a last paragraph
# whose every line is ``Token<blanks>:value`` (no continuation lines), up to the end.
_PLAIN_BLOCK = re.compile(r"\n[ \t\r]*\n((?:[A-Za-z0-9-]+[ \t]*:[^\n]*(?:\n|\Z))+)\Z")
_PLAIN_TRAILER = re.compile(r"([A-Za-z0-9-]+)[ \t]*:([^\n]*)")


def _plain_trailers(message: str, comment_char: str) -> tuple[Trailer, ...] | None:
    """:func:`parse_trailers` (no divider) for the common message, in a few steps: no line
    starts with the comment character, no ``Conflicts:`` block, and the last paragraph is all
    one-line trailers after a blank line (which then ends the title paragraph or follows it):
    git's walk up from the end takes exactly those lines. None for anything else."""
    if (message.startswith(comment_char) or f"\n{comment_char}" in message
            or "Conflicts:\n" in message):
        return None
    # What _ignored_tail leaves without comment lines: the text up to one final newline.
    stripped = message.rstrip("\n")
    end = min(len(stripped) + 1, len(message))
    block = _PLAIN_BLOCK.search(message, 0, end)
    if block is None:
        return None
    line = message.count("\n", 0, block.start(1)) + 1
    return tuple(Trailer(key, value.strip(_GIT_SPACE), line + offset) for offset, (key, value)
                 in enumerate(_PLAIN_TRAILER.findall(message, block.start(1), end)))


def parse_trailers(message: str, *, comment_char: str = DEFAULT_COMMENT_CHAR,
                   divider: bool = False) -> tuple[Trailer, ...]:
    """The trailers of ``message``, as ``git interpret-trailers --parse --no-divider`` reports
    them (``divider=True``: without ``--no-divider``), with the line each starts on."""
    body = message.rstrip("\n")
    if "\n" not in body:
        return ()  # one line: it is the title, which never holds trailers
    if not divider:
        plain = _plain_trailers(message, comment_char)
        if plain is not None:
            return plain
    start, end = trailer_block(message, comment_char=comment_char, divider=divider)
    if start >= end:
        return ()

    # Group continuation lines with the trailer above them (git's trailer_info_get).
    groups: list[tuple[int, str]] = []  # (offset, text)
    last_is_trailer = False
    pos = start
    while pos < end:
        next_pos = _next_line(message, pos)
        if next_pos > end:
            next_pos = end
        line = message[pos:next_pos]
        if last_is_trailer and line[:1] in (" ", "\t", "\n", "\r") and line:
            offset, text = groups[-1]
            groups[-1] = (offset, text + line)
        else:
            groups.append((pos, line))
            last_is_trailer = find_separator(line) >= 1
        pos = next_pos

    trailers: list[Trailer] = []
    line_number = message.count("\n", 0, start) + 1
    counted_to = start
    for offset, text in groups:
        if text.startswith(comment_char):
            continue
        separator = find_separator(text)
        if separator < 1:
            continue
        line_number += message.count("\n", counted_to, offset)
        counted_to = offset
        key = _trim(text[:separator])
        value = _unfold(text[separator + 1:])
        trailers.append(Trailer(key, value, line_number))
    return tuple(trailers)


def _has_text(head: str, comment_char: str) -> bool:
    """Does ``head`` hold a line that is neither blank nor a comment?"""
    return any(line.strip(_GIT_SPACE) and not line.startswith(comment_char)
               for line in head.split("\n"))


def add_trailer(message: str, key: str, value: str,
                comment_char: str = DEFAULT_COMMENT_CHAR) -> str | None:
    """Return ``message`` with the trailer ``key: value`` appended git-style, or None when an
    equivalent trailer (same key and value, ignoring case) is already in its trailer block.

    Like ``git interpret-trailers --no-divider --if-exists addIfDifferent``: the trailer joins
    the trailer block of the last paragraph, or starts a new block after a blank line; comment
    lines at the end and the scissors line (``git commit -v``) with everything below it stay
    below the trailer. A message with no text yet gets the trailer on its second line, leaving
    the first for the subject, as ``git commit --trailer`` does. Nothing else in the message
    changes, byte for byte.
    """
    comment_char = comment_char or DEFAULT_COMMENT_CHAR
    first_end = message.find("\n")
    newline = "\r\n" if first_end > 0 and message[first_end - 1] == "\r" else "\n"
    trailer = f"{key}: {value}{newline}"
    start, end = trailer_block(message, comment_char=comment_char)
    head = message[:end]
    if not _has_text(head, comment_char):
        if first_end >= 0 and not message[:first_end].strip(_GIT_SPACE):
            return message[:first_end + 1] + trailer + message[first_end + 1:]
        return newline + trailer + message
    if start < end:
        wanted = (key.casefold(), value.strip().casefold())
        for found in parse_trailers(message[:end], comment_char=comment_char):
            if (found.key.casefold(), found.value.casefold()) == wanted:
                return None
    if not head.endswith("\n"):
        head += newline
    separator = "" if start < end else newline
    return head + separator + trailer + message[end:]
