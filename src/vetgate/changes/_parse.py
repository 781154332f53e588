"""Parsers for git's NUL-separated machine output (private to ``vetgate.changes``).

Everything here works on bytes as git printed them. Paths are decoded as UTF-8 with
"surrogateescape", so a name that is not valid UTF-8 still round-trips to the same bytes
(``path.encode("utf-8", "surrogateescape")``); text meant for people (messages, names) is decoded
with "replace" so it can never raise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from vetgate.changes.model import EntryKind, FileChange, Identity
from vetgate.errors import GitError

# Rename (-M) and copy (-C) detection, used the same way by every diff and log vetgate runs.
# Copies are found among the files the same change modifies (plain -C, not
# --find-copies-harder): that costs almost nothing and is what `git log -C` users know.
RENAME_ARGS = ("-M", "-C")

# Options that pin what a diff prints, whatever the user's configuration says.
DIFF_ARGS = (
    "-z", "--raw", "--numstat", "--no-abbrev", *RENAME_ARGS,
    "--no-ext-diff", "--no-textconv", "--ignore-submodules=none", "--no-relative",
)

# One header per commit: \x01 and the sha, so it can never be mistaken for a status token of
# the --name-status list that follows it. Identities and messages are NOT read from `git log`:
# its formats re-encode the whole commit by the commit's encoding header (see
# ``vetgate.changes.commits``), so they come from the raw objects.
_COMMIT_MARK = b"\x01"
LOG_FORMAT = "%x01%H"
LOG_ARGS = (
    "log", "-z", f"--format={LOG_FORMAT}", "--name-status", *RENAME_ARGS,
    # A merge lists the paths whose merged content differs from every parent (what the merge
    # itself wrote: conflict resolutions, "evil" changes); the root commit is diffed against
    # the empty tree.
    "--diff-merges=dense-combined", "--root",
    "--no-mailmap", "--no-show-signature", "--no-notes", "--no-color",
    "--ignore-submodules=none", "--no-relative", "--no-ext-diff",
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


@dataclass(frozen=True)
class LoggedPaths:
    """One commit of a ``git LOG_ARGS`` stream: its sha and the paths it touched."""

    sha: str
    paths: frozenset[str]
    renames: tuple[tuple[str, str], ...]


def parse_log(tokens: Iterable[bytes]) -> Iterator[LoggedPaths]:
    """Parse the NUL-separated records of ``git LOG_ARGS``, in git's order.

    ``paths`` holds every path of the commit's --name-status list (both paths of renames and
    copies, which also go to ``renames``); for a merge, the paths its dense combined diff lists
    (content that differs from every parent).
    """
    sha: str | None = None
    paths: set[str] = set()
    renames: list[tuple[str, str]] = []
    stream = iter(tokens)
    for token in stream:
        if sha is None or token.startswith(_COMMIT_MARK):
            if sha is not None:
                yield LoggedPaths(sha, frozenset(paths), tuple(renames))
            if not token.startswith(_COMMIT_MARK):
                if not token.strip(b"\n"):
                    continue  # separators before the first commit
                raise GitError(f"unexpected `git log` output: {token[:80]!r}")
            sha = token[len(_COMMIT_MARK):].decode("ascii", "replace")
            paths = set()
            renames = []
            continue
        # git separates the header from the --name-status list with a newline, not a NUL.
        status = token.lstrip(b"\n")
        if not status:
            continue
        if _COMBINED_STATUS.fullmatch(status):
            paths.add(decode_path(next(stream, b"")))
            continue
        if not _STATUS.fullmatch(status):
            raise GitError(f"unexpected `git log --name-status` output: {status[:80]!r}")
        if status[:1] in (b"R", b"C"):
            old, new = decode_path(next(stream, b"")), decode_path(next(stream, b""))
            paths.update((old, new))
            renames.append((old, new))
        else:
            paths.add(decode_path(next(stream, b"")))
    if sha is not None:
        yield LoggedPaths(sha, frozenset(paths), tuple(renames))


_IDENT = re.compile(r"^(?P<name>.*?) ?<(?P<email>[^<>]*)> (?P<time>-?\d+)(?: [+-]\d{4})?$")


def parse_ident(line: str) -> tuple[Identity, int]:
    """Parse ``git var GIT_*_IDENT`` output ("Name <email> 1700000000 +0100")."""
    match = _IDENT.match(line.rstrip("\n"))
    if match is None:
        raise GitError(f"unexpected `git var` output: {line.strip()!r}")
    return Identity(match["name"], match["email"]), int(match["time"])

