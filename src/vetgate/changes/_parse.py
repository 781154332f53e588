"""Parsers for git's NUL-separated machine output (private to ``vetgate.changes``).

Everything here works on bytes as git printed them. Paths are decoded as UTF-8 with
"surrogateescape", so a name that is not valid UTF-8 still round-trips to the same bytes
(``path.encode("utf-8", "surrogateescape")``); text meant for people (messages, names) is decoded
with "replace" so it can never raise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from vetgate.changes.model import EntryKind, FileChange, Identity
from vetgate.errors import GitError
from vetgate.records import frozen

# Rename (-M) and copy (-C) detection, used the same way by every diff and log vetgate runs.
# Copies are found among the files the same change modifies (plain -C, not
# --find-copies-harder): that costs almost nothing and is what `git log -C` users know.
RENAME_ARGS = ("-M", "-C")

# Options that pin what a diff prints, whatever the user's configuration says.
DIFF_ARGS = (
    "-z", "--raw", "--numstat", "--no-abbrev", *RENAME_ARGS,
    "--no-ext-diff", "--no-textconv", "--ignore-submodules=none", "--no-relative",
)

# One header per commit: \x01, then the requested fields separated by \x02 (the sha first), so
# it can never be mistaken for an entry of the --name-status or --numstat list that follows it.
# Identities and messages are NOT read from `git log`: its formats re-encode the whole commit by
# the commit's encoding header (see ``vetgate.changes.commits``), so they come from the raw
# objects.
_COMMIT_MARK = b"\x01"
_FIELD_SEP = b"\x02"
LOG_FORMAT = "%x01%H"


def log_format(*fields: str) -> str:
    """``--format`` for ``parse_log_stream``: the sha, then ``fields`` (``%P``, ``%ct`` …)."""
    return "--format=" + "%x02".join((LOG_FORMAT, *fields))


# Options every `git log` vetgate parses runs with, whatever the user's configuration says: raw
# identities (a .mailmap must not turn an agent into a person), no signature or notes text mixed
# into the stream, no colour, paths from the top level, no external diff or textconv drivers.
LOG_PINNED = (
    "-z", "--no-mailmap", "--no-show-signature", "--no-notes", "--no-color", "--no-relative",
    "--no-ext-diff", "--no-textconv",
)
LOG_ARGS = (
    "log", f"--format={LOG_FORMAT}", "--name-status", *RENAME_ARGS,
    # A merge lists the paths whose merged content differs from every parent (what the merge
    # itself wrote: conflict resolutions, "evil" changes); the root commit is diffed against
    # the empty tree.
    "--diff-merges=dense-combined", "--root", "--ignore-submodules=none", *LOG_PINNED,
)

_STATUS = re.compile(rb"[ACDMRTUXB][0-9]*")
# A combined (merge) status has one letter per parent ("MM", "AA") and one path.
_COMBINED_STATUS = re.compile(rb"[ACDMRTUXB]{2,}")
_SYMLINK_MODE = b"120000"
_GITLINK_MODE = b"160000"


def decode_path(raw: bytes) -> str:
    """A path as git printed it, decoded so that odd bytes round-trip."""
    return raw.decode("utf-8", "surrogateescape")


def _is_null_oid(oid: bytes) -> bool:
    return not oid.strip(b"0")


def _kind(mode: bytes) -> EntryKind:
    if mode == _SYMLINK_MODE:
        return "symlink"
    if mode == _GITLINK_MODE:
        return "submodule"
    return "file"


def parse_diff(output: bytes) -> list[FileChange]:
    """Parse ``git diff-* -z --raw --numstat`` output (raw section, then numstat section).

    Unmerged entries raise ``GitError``: a change with unresolved conflicts cannot be judged.
    """
    tokens = output.split(b"\0")
    if tokens and tokens[-1] == b"":
        tokens.pop()
    position = 0
    raw_entries: list[tuple[bytes, bytes, bytes, bytes, str, str, str | None]] = []
    # Raw lines come first: ":old_mode new_mode old_oid new_oid STATUS", then one path (two for
    # renames and copies, old first).
    while position < len(tokens) and tokens[position].startswith(b":"):
        fields = tokens[position][1:].split(b" ")
        if len(fields) != 5:
            raise GitError(f"unexpected `git diff --raw` output: {tokens[position]!r}")
        old_mode, new_mode, old_oid, new_oid, status_field = fields
        letter = status_field[:1].decode("ascii", "replace")
        if letter in ("R", "C"):
            old_path: str | None = decode_path(tokens[position + 1])
            path = decode_path(tokens[position + 2])
            position += 3
        else:
            old_path = None
            path = decode_path(tokens[position + 1])
            position += 2
        if letter == "U":
            raise GitError(
                f"the index has unresolved merge conflicts ({path}); resolve them and "
                "`git add` the files before checking"
            )
        if letter not in ("A", "M", "D", "R", "C", "T"):
            raise GitError(f"git reported an unexpected change status {letter!r} for {path}")
        raw_entries.append((old_mode, new_mode, old_oid, new_oid, letter, path, old_path))
    changes: list[FileChange] = []
    # Numstat lines follow in the same order: "added\tremoved\tpath", or for renames and copies
    # "added\tremoved\t" followed by the old and new path as two more tokens.
    for old_mode, new_mode, old_oid, new_oid, letter, path, old_path in raw_entries:
        if position >= len(tokens):
            raise GitError("unexpected `git diff --numstat` output: fewer entries than --raw")
        counts = tokens[position].split(b"\t", 2)
        if len(counts) != 3:
            raise GitError(f"unexpected `git diff --numstat` output: {tokens[position]!r}")
        added_field, removed_field, stat_path = counts
        if stat_path:
            stat_paths: tuple[str | None, str] = (None, decode_path(stat_path))
            position += 1
        else:
            stat_paths = (decode_path(tokens[position + 1]), decode_path(tokens[position + 2]))
            position += 3
        if stat_paths != (old_path, path):
            raise GitError(f"`git diff --raw` and `--numstat` disagree about {path!r}")
        binary = added_field == b"-"
        deleted = letter == "D"
        changes.append(FileChange(
            path=path,
            status=letter,  # type: ignore[arg-type]  # checked against FileStatus above
            old_path=old_path,
            added=0 if binary else int(added_field),
            removed=0 if binary else int(removed_field),
            binary=binary,
            kind=_kind(old_mode if deleted else new_mode),
            old_blob=None if _is_null_oid(old_oid) else old_oid.decode("ascii"),
            new_blob=None if _is_null_oid(new_oid) else new_oid.decode("ascii"),
            old_mode=None if not old_mode.strip(b"0") else old_mode.decode("ascii"),
            new_mode=None if not new_mode.strip(b"0") else new_mode.decode("ascii"),
        ))
    return changes


class LogStreamError(Exception):
    """``git log`` printed something its documented format cannot produce: a bug in vetgate (or
    in git), never a property of the repository. Deliberately not a ``VetgateError``: it ends
    the run with exit 3 and the bug-report hint, not exit 2."""


@frozen
class LoggedFile:
    """One entry of a commit's ``--name-status`` or ``--numstat`` list."""

    path: str
    old_path: str | None = None  # renames and copies
    status: str | None = None  # the --name-status letters ("M", "R087", "MM" for a merge)
    added: int = 0  # --numstat counts; binary files count 0
    removed: int = 0
    binary: bool = False


@frozen
class LogRecord:
    """One commit of a ``git log -z`` stream: its sha, the other header fields, its files."""

    sha: str
    fields: tuple[str, ...]
    files: tuple[LoggedFile, ...]


_SHA = re.compile(rb"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_NUMSTAT = re.compile(rb"(\d+|-)\t(\d+|-)\t(.*)", re.DOTALL)


def _unexpected(what: str, token: bytes) -> LogStreamError:
    return LogStreamError(f"unexpected `git log` output ({what}) near {token[:80]!r}; this is a "
                          "bug in vetgate, please report it")


def _header(token: bytes, width: int) -> tuple[str, tuple[str, ...]]:
    parts = token[len(_COMMIT_MARK):].split(_FIELD_SEP)
    if len(parts) != width + 1 or not _SHA.fullmatch(parts[0]):
        raise _unexpected("a commit header", token)
    return (parts[0].decode("ascii"),
            tuple(part.decode("ascii", "replace") for part in parts[1:]))


def _entry(token: bytes, stream: Iterator[bytes]) -> LoggedFile:
    """One --name-status or --numstat entry starting at ``token``; its paths follow as tokens
    when git printed them apart (renames and copies, and every --name-status path)."""

    def path() -> str:
        raw = next(stream, None)
        if raw is None:
            raise _unexpected("a path is missing at the end", token)
        return decode_path(raw)

    numstat = _NUMSTAT.fullmatch(token)
    if numstat is not None:
        added, removed, rest = numstat.groups()
        binary = added == b"-" or removed == b"-"
        if rest:
            new, old = decode_path(rest), None
        else:
            old = path()
            new = path()
        return LoggedFile(new, old, None, 0 if binary else int(added),
                          0 if binary else int(removed), binary)
    if _COMBINED_STATUS.fullmatch(token):
        return LoggedFile(path(), None, token.decode("ascii"))
    if _STATUS.fullmatch(token):
        if token[:1] in (b"R", b"C"):
            old = path()
            return LoggedFile(path(), old, token.decode("ascii"))
        return LoggedFile(path(), None, token.decode("ascii"))
    raise _unexpected("a --name-status or --numstat entry", token)


def parse_log_stream(tokens: Iterable[bytes], width: int = 0) -> Iterator[LogRecord]:
    """THE parser of vetgate's ``git log -z`` streams (``log_format`` header with ``width``
    fields after the sha, then an optional ``--name-status`` or ``--numstat`` list), in git's
    order and in constant memory.

    Every token is accounted for: a commit header, an entry, or a path an entry announced. git
    puts a newline (not a NUL) between a header and its first entry; a commit without entries
    is a header alone (an empty commit) or a header and an empty record (a merge with no content
    of its own in a combined diff). Anything else is
    ``LogStreamError`` (a bug, exit 3) — never silently skipped, never exit 2.
    """
    stream = iter(tokens)
    sha: str | None = None
    fields: tuple[str, ...] = ()
    files: list[LoggedFile] = []
    after_header = False
    for token in stream:
        if token.startswith(_COMMIT_MARK):
            if sha is not None:
                yield LogRecord(sha, fields, tuple(files))
            sha, fields = _header(token, width)
            files = []
            after_header = True
            continue
        if sha is None:
            raise _unexpected("output before the first commit", token)
        entry = token[1:] if after_header and token.startswith(b"\n") else token
        if not entry and after_header:
            continue  # a merge whose combined diff is empty: its header, then an empty record
        after_header = False
        files.append(_entry(entry, stream))
    if sha is not None:
        yield LogRecord(sha, fields, tuple(files))


@frozen
class LoggedPaths:
    """One commit of a ``git LOG_ARGS`` stream: its sha and the paths it touched."""

    sha: str
    paths: frozenset[str]
    renames: tuple[tuple[str, str], ...]


def parse_log(tokens: Iterable[bytes]) -> Iterator[LoggedPaths]:
    """The commits of a ``git LOG_ARGS`` stream, in git's order (``parse_log_stream``).

    ``paths`` holds every path of the commit's --name-status list (both paths of renames and
    copies, which also go to ``renames``); for a merge, the paths its dense combined diff lists
    (content that differs from every parent).
    """
    for record in parse_log_stream(tokens):
        paths: set[str] = set()
        renames: list[tuple[str, str]] = []
        for item in record.files:
            paths.add(item.path)
            if item.old_path is not None:
                paths.add(item.old_path)
                renames.append((item.old_path, item.path))
        yield LoggedPaths(record.sha, frozenset(paths), tuple(renames))


_IDENT = re.compile(r"^(?P<name>.*?) ?<(?P<email>[^<>]*)> (?P<time>-?\d+)(?: [+-]\d{4})?$")


def parse_ident(line: str) -> tuple[Identity, int]:
    """Parse ``git var GIT_*_IDENT`` output ("Name <email> 1700000000 +0100")."""
    match = _IDENT.match(line.rstrip("\n"))
    if match is None:
        raise GitError(f"unexpected `git var` output: {line.strip()!r}")
    return Identity(match["name"], match["email"]), int(match["time"])

