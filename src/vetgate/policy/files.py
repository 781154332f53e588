"""The one reader of policy files: the work tree, the index, or a commit.

Every policy read — the root file and each include, in the work tree, the index (the hooks and
``check --staged``) or a revision (``check --base``/``--ci``, ``--policy-ref``) — goes through a
source of this module, and each source refuses what is not a regular file before reading a byte:
a symbolic link (git mode 120000, or a link anywhere on the path in the work tree), a submodule
(160000), a directory, a named pipe, a device or a socket, and an entry with unresolved merge
conflicts. The size is capped before reading (``fstat``, or git's object size) and the read
itself is bounded, so a policy can never make vetgate read forever (``/dev/zero``), block (a
named pipe) or fill memory.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from vetgate.errors import UsageError, VetgateError

if TYPE_CHECKING:
    from vetgate.changes.entries import Entry

MAX_POLICY_BYTES = 1 << 20  # 1 MiB: far beyond any real policy; split big ones with include:
DEFAULT_POLICY_FILE = ".vetgate.yaml"
# Names a team may have meant for its policy. Falling back to the default policy when one of
# them is there would silently ignore the team's policy.
NEAR_MISS_POLICY_FILES = (".vetgate.yml", "vetgate.yaml", "vetgate.yml")
TOO_LARGE = (f"is larger than 1 MiB ({MAX_POLICY_BYTES} bytes); policy files are limited to that "
             "size: split the policy into several files with include:")
_GLOB_CHARS = re.compile(r"[*?\[]")
_REPLACE = "replace it with the policy file itself (a regular file, committed as such)"


class PolicyFileRefused(VetgateError):
    """A policy path holds something vetgate does not read (not a regular file, too large).

    ``reason`` completes a sentence whose subject is the file: "… is a symbolic link, …"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _refused(what: str, fix: str = _REPLACE) -> PolicyFileRefused:
    return PolicyFileRefused(f"is {what}, not a regular file; vetgate reads a policy only from a "
                             f"regular file: {fix}")


def symlink_refused() -> PolicyFileRefused:
    """The refusal of a symbolic link."""
    return _refused("a symbolic link", "replace the link with the policy file itself (a link "
                    "can point outside the repository, or at a device such as /dev/zero)")


def _submodule() -> PolicyFileRefused:
    return _refused("a submodule (a gitlink)", "remove the submodule and commit the policy as a "
                    "file")


def _directory() -> PolicyFileRefused:
    return _refused("a directory", "move the directory away and commit the policy as a file")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _link_on_path(root: str, relpath: str) -> bool:
    """Whether the file or a directory on its way down from ``root`` is a symbolic link."""
    current = root
    for part in relpath.split("/"):
        current = os.path.join(current, part)
        try:
            if stat.S_ISLNK(os.lstat(current).st_mode):
                return True
        except OSError:
            return False
    return False


def read_file(path: str) -> bytes | None:
    """The bytes of the regular file ``path``, or None when there is nothing there.

    Opened without following a final symlink and without blocking (a named pipe cannot hang
    it), then checked with ``fstat`` on the open file: anything but a regular file, or one over
    the size limit, raises ``PolicyFileRefused`` before a byte is read. At most one byte over
    the limit is ever read (a file that grows meanwhile).
    """
    flags = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
             | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    try:
        fd = os.open(path, flags)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        if os.path.islink(path):
            raise symlink_refused() from exc
        if os.path.isdir(path):
            raise _directory() from exc
        raise UsageError(f"cannot read policy file {path}: {exc.strerror or exc}") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _refused(_kind(info.st_mode))
        if info.st_size > MAX_POLICY_BYTES:
            raise PolicyFileRefused(TOO_LARGE)
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_POLICY_BYTES:
            chunk = os.read(fd, MAX_POLICY_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise UsageError(f"cannot read policy file {path}: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)


def glob_paths(pattern: str, paths: Sequence[str]) -> list[str]:
    """The ``paths`` matching an include glob, sorted.

    ``*``, ``?`` and ``[...]`` match within one path segment (a leading dot included), ``**``
    matches any number of whole segments, and the match is case-sensitive.
    """
    parts = [p for p in pattern.split("/") if p not in ("", ".")]
    return sorted(p for p in paths if _glob_parts(parts, p.split("/")))


def _glob_parts(pattern: Sequence[str], path: Sequence[str]) -> bool:
    if not pattern:
        return not path
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_glob_parts(rest, path[i:]) for i in range(len(path) + 1))
    return bool(path) and fnmatch.fnmatchcase(path[0], head) and _glob_parts(rest, path[1:])


def glob_work_tree(root: str, pattern: str) -> list[str]:
    """Files under ``root`` matching the include glob ``pattern`` (see ``glob_paths``)."""
    absolute = os.path.isabs(pattern)
    parts = [p for p in pattern.split("/") if p not in ("", ".")]
    literal: list[str] = []
    for part in parts[:-1]:
        if _GLOB_CHARS.search(part) or part == "**":
            break
        literal.append(part)
    start_rel = "/".join(literal)
    start = os.path.join("/" if absolute else root, *literal)
    if not os.path.isdir(start):
        return []
    found: list[str] = []
    for directory, dirnames, filenames in os.walk(start):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        rel_dir = os.path.relpath(directory, start)
        for name in filenames:
            rel = name if rel_dir == "." else f"{rel_dir.replace(os.sep, '/')}/{name}"
            full = f"{start_rel}/{rel}" if start_rel else rel
            found.append("/" + full if absolute else full)
    return sorted(p for p in found
                  if _glob_parts(parts, [s for s in p.split("/") if s not in ("", ".")]))


class WorkTreeSource:
    """Policy files as they are on disk under ``root``.

    A repository-relative path must not be, or lie under, a symbolic link (git never records a
    file through one, and a link could leave the repository); an absolute path given on the
    command line (``--policy /etc/vetgate/team.yaml``) is the user's choice and is resolved."""

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)

    def read(self, relpath: str) -> bytes | None:
        """The file's bytes, or None if it is absent; ``PolicyFileRefused`` if it is not a
        regular file (or too large)."""
        if os.path.isabs(relpath):
            return read_file(os.path.realpath(relpath))
        if _link_on_path(self.root, relpath):
            raise symlink_refused()
        return read_file(os.path.join(self.root, *relpath.split("/")))

    def glob(self, pattern: str) -> list[str]:
        """Files under the root matching the include glob ``pattern`` (see ``glob_paths``)."""
        return glob_work_tree(self.root, pattern)

    def describe(self, relpath: str) -> str:
        """The repository-relative path (absolute for files outside the repository)."""
        return relpath


class GitSource:
    """Policy files as git records them in commit ``rev``, or in the index when ``rev`` is None
    (the hooks and ``check --staged``: the policy the commit will carry)."""

    def __init__(self, root: str, rev: str | None) -> None:
        self.root = root
        self.rev = rev
        # Index only: the files whose work tree copy is not what the index holds.
        self.work_tree_differs: list[str] = []
        # What git records at each path asked so far (None: nothing), so a path is asked once.
        self.entries: dict[str, Entry | None] = {}
        if rev is None:
            self.not_found_message = ("policy file not found in the index: stage it "
                                      "(`git add`) so the commit carries it")
        else:
            self.not_found_message = (
                f"policy file not found in commit {rev[:12]}: in range and CI modes the policy "
                "is read from the base commit; commit the file there, or pick the commit with "
                "--policy-ref (to try a policy that is not committed on this history: "
                "`vetgate replay BASE..HEAD --policy FILE`)"
            )

    def read(self, relpath: str) -> bytes | None:
        """The file's bytes as git records them, or None when there is no entry at the path;
        ``PolicyFileRefused`` for a symlink, submodule, directory or unmerged entry, or a blob
        over the size limit (read at most one byte past it)."""
        from vetgate.changes.entries import entries

        if relpath not in self.entries:
            self.entries.update(entries(self.root, self.rev, [relpath]))
            self.entries.setdefault(relpath, None)
        entry = self.entries[relpath]
        if self.rev is None and not os.path.isabs(relpath):
            if entry is None:
                if os.path.lexists(os.path.join(self.root, *relpath.split("/"))):
                    self.work_tree_differs.append(relpath)
                return None
            same = self._work_tree_copy(relpath, entry)
            if same is not None:
                return same  # the very bytes the index holds, without asking git for them
            self.work_tree_differs.append(relpath)
        return read_entry(self.root, entry)

    def work_tree_matches(self, relpath: str) -> bool:
        """Whether the work tree holds exactly the index's regular blob at ``relpath`` (asked
        of a path this source already looked up)."""
        entry = self.entries.get(relpath)
        return entry is not None and self._work_tree_copy(relpath, entry) is not None

    def _work_tree_copy(self, relpath: str, entry: Entry) -> bytes | None:
        """The work tree's bytes when they are exactly the index's regular blob (same object
        id: no need to ask git for it), else None (the work tree's copy differs)."""
        if not entry.regular:
            return None
        try:
            data = WorkTreeSource(self.root).read(relpath)
        except VetgateError:
            return None
        if data is None or _blob_id(data, len(entry.oid)) != entry.oid:
            return None
        return data

    @cached_property
    def _files(self) -> list[str]:
        from vetgate.changes.entries import index_files
        from vetgate.changes.repo import list_tree_at

        if self.rev is None:
            return index_files(self.root)
        return list_tree_at(self.root, self.rev)

    def glob(self, pattern: str) -> list[str]:
        """The recorded files matching the include glob ``pattern``."""
        return glob_paths(pattern, self._files)

    def describe(self, relpath: str) -> str:
        """``path@sha12`` for a commit; the plain path for the index."""
        return relpath if self.rev is None else f"{relpath}@{self.rev[:12]}"


def _blob_id(data: bytes, length: int) -> str:
    """git's object id of a blob holding ``data`` (SHA-1, or SHA-256 for 64-digit ids)."""
    try:  # the built-in digests: OpenSSL's (hashlib) takes milliseconds to load, on every hook
        from _sha1 import sha1  # type: ignore[import-not-found]
        from _sha256 import sha256  # type: ignore[import-not-found]
    except ImportError:  # pragma: no cover - a Python built without them
        from hashlib import sha1, sha256

    digest = sha256 if length == 64 else sha1
    return digest(b"blob %d\0" % len(data) + data).hexdigest()


def read_entry(root: str, entry: Entry | None) -> bytes | None:
    """The bytes of a git ``Entry`` (None: no entry), refusing what is not a regular file."""
    from vetgate.changes.entries import (
        MODE_GITLINK,
        MODE_SYMLINK,
        MODE_TREE,
        read_blob_capped,
    )

    if entry is None:
        return None
    if entry.stage:
        raise PolicyFileRefused("has unresolved merge conflicts in the index; resolve them and "
                                "`git add` the file")
    if entry.mode == MODE_SYMLINK:
        raise symlink_refused()
    if entry.mode == MODE_GITLINK:
        raise _submodule()
    if entry.mode == MODE_TREE:
        raise _directory()
    if not entry.regular:
        raise _refused(f"an entry of mode {entry.mode}")
    data = read_blob_capped(root, entry.oid, MAX_POLICY_BYTES + 1)
    if len(data) > MAX_POLICY_BYTES:
        raise PolicyFileRefused(TOO_LARGE)
    return data


def near_miss_error(near_miss: str, where: str = "") -> UsageError:
    """The error for a policy file under a name vetgate does not read."""
    return UsageError(f"found {near_miss}{where} but vetgate reads {DEFAULT_POLICY_FILE}; "
                      f"rename it to {DEFAULT_POLICY_FILE} (or pass --policy {near_miss})")


def _inside(path: str, root: str) -> str | None:
    """``path`` relative to ``root`` as POSIX, or None when it lies outside."""
    rel = os.path.relpath(path, root)
    if rel == os.pardir or rel.startswith(os.pardir + os.sep) or os.path.isabs(rel):
        return None
    return rel.replace(os.sep, "/")


def _real(path: str) -> str:
    # Resolve symlinked directories (git reports the real top level) but keep the file's name.
    directory, name = os.path.split(os.path.abspath(path))
    return os.path.join(os.path.realpath(directory), name)


def discover(root: str, explicit: Sequence[str] | None = None, *, within: bool = True
             ) -> list[str] | None:
    """The policy files to load.

    ``explicit`` paths (relative to the current directory, or absolute) become repo-relative
    POSIX paths when they are inside ``root`` (and ``within``: a root that is a work tree) and
    stay absolute otherwise; one that does not exist is a ``UsageError``. Without them:
    ``[".vetgate.yaml"]`` when the repository has one, else None (the caller then uses
    ``load_default_policy()``).
    """
    real_root = os.path.realpath(root)
    if explicit:
        files: list[str] = []
        for given in explicit:
            if not os.path.isfile(given):
                raise missing_file_error("policy file", given)
            real = _real(given)
            files.append((_inside(real, real_root) if within else None) or real)
        return files
    default = os.path.join(real_root, DEFAULT_POLICY_FILE)
    if os.path.lexists(default):
        if os.path.islink(default) or not os.path.isfile(default):
            # Whatever is there (a directory, a link, a device) is the team's policy path:
            # falling back to the default policy would silently drop the team's.
            try:
                WorkTreeSource(real_root).read(DEFAULT_POLICY_FILE)
            except PolicyFileRefused as exc:
                raise UsageError(f"{DEFAULT_POLICY_FILE} {exc.reason}") from None
        return [DEFAULT_POLICY_FILE]
    for near_miss in NEAR_MISS_POLICY_FILES:
        if os.path.isfile(os.path.join(real_root, near_miss)):
            raise near_miss_error(near_miss)
    return None


def missing_file_error(what: str, given: str) -> UsageError:
    """``what`` (e.g. "policy file") ``given`` on the command line is not a readable file."""
    if os.path.isdir(given):
        return UsageError(f"{what} {given} is a directory; give a file")
    if os.path.exists(given):
        return UsageError(f"{what} {given} is not a regular file (a pipe or a device?); give "
                          "a file")
    return UsageError(f"{what} {given} does not exist; check the path (relative paths are "
                      "taken from the current directory, or from -C DIR)")
