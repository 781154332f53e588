"""The change under evaluation, as plain frozen data."""

from __future__ import annotations

from typing import Literal

from vetgate.records import frozen

FileStatus = Literal["A", "M", "D", "R", "C", "T"]
EntryKind = Literal["file", "symlink", "submodule"]
ChangeMode = Literal["staged", "range", "commit"]


@frozen
class Identity:
    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


@frozen
class CommitReading:
    """Another way to read a commit's bytes: the author, committer and message it gives."""

    author: Identity
    committer: Identity
    message: str
    how: str  # e.g. "as UTF-8, ignoring its encoding header IBM037"


@frozen
class Commit:
    """One commit of the change, or the pending commit (``sha`` None) of a staged change."""

    sha: str | None
    parents: tuple[str, ...]
    author: Identity
    committer: Identity
    author_time: int  # unix seconds
    commit_time: int
    # The full message, read from the commit object (``vetgate.changes.commits``: as UTF-8, or as
    # its encoding header declares when only that reads cleanly; invalid bytes replaced); for a
    # pending commit, the message with comment lines and everything below the scissors line
    # removed.
    message: str
    # Repository-relative paths this commit touched against its first parent, including the old
    # path of renames and the source of copies. For a merge: the paths whose merged content
    # differs from every parent (conflict resolutions and "evil" changes the merge itself made).
    paths: frozenset[str] = frozenset()
    # (old path, new path) of each rename and copy the commit made, so a file can be followed
    # through the names it had earlier in the range.
    renames: tuple[tuple[str, str], ...] = ()
    # The commit's ``encoding`` header (None: none, i.e. UTF-8).
    encoding: str | None = None
    # When the encoding header makes the bytes read differently: the reading not chosen above
    # (author, committer and message as UTF-8, or as declared). Provenance reads both.
    other_readings: tuple[CommitReading, ...] = ()
    # Why the author or committer cannot be read ("" when they can): such a commit is
    # undecided, never human.
    unreadable: str = ""

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0].strip()

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1


@frozen
class FileChange:
    """One entry of the diff from base to head (or index against HEAD)."""

    path: str  # the new path ("" never; for deletions the deleted path)
    status: FileStatus
    old_path: str | None = None  # set for R and C
    added: int = 0
    removed: int = 0
    binary: bool = False
    kind: EntryKind = "file"
    old_blob: str | None = None  # None when absent (added file)
    new_blob: str | None = None  # None when absent (deleted file)
    # For a rename or copy: the number of lines of the new file as a whole (None: not counted,
    # e.g. binary). ``added``/``removed`` are against the source file, which may lie outside a
    # rule that the new path falls under.
    new_lines: int | None = None
    # For a rename: the number of lines of the old file as a whole (None: not counted). A rule
    # the new path lies outside of loses all of them.
    old_lines: int | None = None
    # git's file modes of the two sides ("100644", "100755", "120000" symlink, "160000"
    # submodule); None when absent. Review freshness compares (mode, object id).
    old_mode: str | None = None
    new_mode: str | None = None

    @property
    def paths(self) -> tuple[str, ...]:
        """Every path this change is known under: new path and, for renames/copies, the old one."""
        return (self.path,) if self.old_path is None else (self.path, self.old_path)

    @property
    def new_entry(self) -> tuple[str, str] | None:
        """(mode, object id) of the new side, None for a deletion: what an approval of
        ``fresh: content`` must still see (a regular file turned symlink or executable with
        the same bytes is not the file that was approved)."""
        if self.new_blob is None:
            return None
        return (self.new_mode or "", self.new_blob)

    def no_content_reason(self) -> str | None:
        """Why this entry brings no new file content to its path, or None when it does.

        New content means a regular file (text or binary) whose bytes differ from what the path
        (or, for a rename or copy, its source) held: an added non-empty file, a modification,
        a rename or copy with edits, a symlink or submodule that became a file with content.
        A deletion, a mode-only change, a rename or copy without edits, an added empty file, a
        symlink (its "content" is a target path) and a submodule do not (``tests:`` counts
        only test files with new content).
        """
        if self.status == "D":
            return "deleted"
        if self.kind == "symlink":
            return "a symlink (its target is not test content)"
        if self.kind == "submodule":
            return "a submodule"
        if self.old_blob == self.new_blob:
            return {"R": "renamed without a content change",
                    "C": "an identical copy of another file"}.get(self.status,
                                                               "a mode change only")
        if self.status == "A" and not self.binary and self.added == 0:
            return "an empty file"
        return None


@frozen
class ContentLink:
    """A changed file whose content an AI commit of the range wrote under another path."""

    path: str  # the changed file (its new path)
    sha: str  # the commit that wrote the content
    source: str  # where that commit wrote it
    how: str  # "the same content", or how many of the file's lines it shares


@frozen
class ChangeSet:
    """What ``check`` evaluates."""

    mode: ChangeMode
    root: str  # absolute path of the work tree's top level
    base: str | None  # merge-base sha (range), HEAD sha (staged; None when HEAD is unborn)
    head: str | None  # head sha; None for a staged change
    commits: tuple[Commit, ...]  # oldest first; a staged change has the one pending commit
    files: tuple[FileChange, ...]
    branch: str | None = None  # the head branch, when known
    # Files linked by content to AI commits of the range (``vetgate.changes.links``): set once
    # provenance has found those commits; the engine counts them as commits that touched it.
    content_links: tuple[ContentLink, ...] = ()
