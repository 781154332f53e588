"""What git records at a path, in a commit or in the index, and bounded reads of its blob.

The policy reader (``vetgate.policy.files``) asks here so that a policy path that is a symlink
(mode 120000), a submodule (160000), a directory or an unmerged entry is seen as such, and so
that no blob is read past a size limit. The index is always read through git (``git ls-files``
honours ``GIT_INDEX_FILE``, which ``git commit -a`` and ``git commit FILE`` point at a temporary
index), never from ``.git/index``.
"""

from __future__ import annotations

from collections.abc import Sequence

from vetgate.changes._parse import decode_path
from vetgate.changes.git import run_git, run_git_capped, start_git
from vetgate.changes.repo import _check_rev, _unknown_rev
from vetgate.records import frozen

# git's modes for what a tree or the index can hold at a path.
MODE_REGULAR = ("100644", "100755")
MODE_SYMLINK = "120000"
MODE_GITLINK = "160000"
MODE_TREE = "040000"


@frozen
class Entry:
    """What git records at one path: its mode, object id and (in the index) merge stage.

    A path that is a directory is an ``Entry`` with mode ``040000`` (the index records no
    directories; one is reported when files lie below the path)."""

    path: str
    mode: str
    oid: str
    stage: int = 0

    @property
    def regular(self) -> bool:
        """A plain file (not a symlink, submodule or directory), merged."""
        return self.mode in MODE_REGULAR and self.stage == 0


_LITERAL = {"GIT_LITERAL_PATHSPECS": "1"}


def _entries_args(rev: str | None, paths: Sequence[str]) -> list[str]:
    if rev is None:
        return ["ls-files", "--stage", "-z", "--full-name", "--", *paths]
    _check_rev(rev)
    return ["ls-tree", "-z", "--full-tree", rev, "--", *paths]


def start_entries(root: str, rev: str | None, paths: Sequence[str]) -> None:
    """Start the git process ``entries`` with the same arguments will wait for."""
    start_git(_entries_args(rev, paths), root, env=_LITERAL)


def entries(root: str, rev: str | None, paths: Sequence[str]) -> dict[str, Entry]:
    """For each of the literal ``paths`` that exists at ``rev`` (None: the index), its entry.

    One git process: ``git ls-tree`` for a revision, ``git ls-files --stage`` for the index.
    ``GitError`` when ``rev`` is not a revision of this repository.
    """
    if not paths:
        return {}
    args = _entries_args(rev, paths)
    proc = run_git(args, root, check=False, env=_LITERAL)
    if proc.returncode != 0:
        if rev is not None and run_git(
                ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{tree}}"],
                root, check=False).returncode != 0:
            raise _unknown_rev(root, rev)
        run_git(args, root, env=_LITERAL)  # raises with git's message
    wanted = set(paths)
    found: dict[str, Entry] = {}
    for record in proc.stdout.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        path = decode_path(raw_path)
        fields = meta.decode("ascii").split(" ")
        if rev is None:
            mode, oid, stage = fields[0], fields[1], int(fields[2])
        else:
            mode, oid, stage = fields[0], fields[2], 0
        if path in wanted:
            if path not in found or stage < found[path].stage:
                found[path] = Entry(path, mode.rjust(6, "0"), oid, stage)
            continue
        # A file below a wanted path: that path is a directory.
        for parent in wanted:
            if path.startswith(parent + "/") and parent not in found:
                found[parent] = Entry(parent, MODE_TREE, "", 0)
    return found


def index_files(root: str) -> list[str]:
    """Every path in the index (``git ls-files``), repository-relative, each once."""
    output = run_git(["ls-files", "-z", "--full-name"], root).stdout
    return list(dict.fromkeys(decode_path(raw) for raw in output.split(b"\0") if raw))


def read_blob_capped(root: str, oid: str, limit: int) -> bytes:
    """The blob ``oid``'s bytes, at most ``limit`` of them (git is stopped there)."""
    return run_git_capped(["cat-file", "blob", oid], root, limit)
