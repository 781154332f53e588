"""Every commit's diff, oldest first, from one ``git log -p`` stream: what following line owners
forward through history needs (``vetgate.audit.lineage``), instead of one ``git blame`` per fix.

The diffs are the ones ``git blame -w`` itself works with: ``-U0`` hunks without context,
whitespace ignored, renames detected, and a merge diffed against each of its parents in turn
(``-m``). Anything this module does not recognise raises ``LineageUnsupported``: the caller then
blames fix by fix instead, so a surprise costs speed, never a different answer.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Iterator

from vetgate.changes.blame import patch_header_path, unquote_path
from vetgate.changes.git import git_stream, run_git
from vetgate.records import frozen

_HUNK_RE = re.compile(rb"\A@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_COMMIT_LINE = re.compile(rb"[0-9a-f]{40}(?:[0-9a-f]{24})?(?: |\Z)")
_NOT_TEXT_MODES = (b" 120000", b" 160000")  # a symlink, a submodule

# What makes `git log -p` and `git blame` compare files differently, or blame skip commits:
# with any of these set, vetgate blames fix by fix (as git blame itself would). Blame's other
# settings (dates, colours, marks) only change how it prints.
_CONFIG_RE = (r"^(diff\.(algorithm|indentheuristic|orderfile|renamelimit|renames|"
              r"[^.]+\.(textconv|command|binary))|blame\.ignorerevs(file)?)$")


class LineageUnsupported(Exception):
    """The history or its output is something the forward pass does not follow exactly."""


@frozen
class FileDelta:
    """One file of one diff: where its lines came from."""

    old_path: str | None  # None: a new file
    new_path: str | None  # None: the file was deleted
    hunks: tuple[tuple[int, int, int, int], ...]  # (old start, old count, new start, new count)
    renamed: bool = False  # a rename: the old path is gone (a copy keeps it)
    identical: bool = False  # a rename or copy without a changed line
    opaque: bool = False  # binary, a symlink or a submodule: no lines to follow


@frozen
class DiffSection:
    """A commit's diff against one parent (``against``; None for a root commit, and for a merge
    identical to every parent)."""

    sha: str
    parents: tuple[str, ...]
    children: int  # how many commits of the history have this one as a parent
    against: str | None
    files: tuple[FileDelta, ...]
    patch: tuple[bytes, ...] = ()  # the raw lines, kept for the commits asked for only
    # Where dates go backwards behind this commit: (after, until) for each commit behind it
    # dated before one of its own ancestors (after: its date; until: the newest ancestor's). A
    # blame of a parent that stops at a date S (``--max-age``) stops at the line owners' dates
    # unless after < S <= until for one of them (see audit.lineage.forward_blames).
    backdated: tuple[tuple[int, int], ...] = ()


def blame_config_differs(root: str) -> bool:
    """True when the repository's config changes how diffs or blame work (see ``_CONFIG_RE``)."""
    proc = run_git(["config", "--get-regexp", _CONFIG_RE], root, check=False)
    return bool(proc.stdout.strip())


def commit_dates(root: str, shas: Iterable[str]) -> dict[str, int]:
    """Each commit's date as git compares it with ``--max-age`` (``git rev-list --timestamp``:
    the committer date git parsed, the very value ``git blame --max-age`` looks at)."""
    unique = list(dict.fromkeys(shas))
    if not unique:
        return {}
    proc = run_git(["rev-list", "--no-walk=unsorted", "--timestamp", "--stdin"], root,
                   input="".join(f"{sha}\n" for sha in unique).encode())
    dates: dict[str, int] = {}
    for line in proc.stdout.splitlines():
        when, _, sha = line.partition(b" ")
        if not when.isdigit() or not _COMMIT_LINE.match(sha):
            raise LineageUnsupported(f"unexpected git rev-list --timestamp line {line[:80]!r}")
        dates[sha.decode("ascii")] = int(when)
    return dates


def history_size(root: str, head: str) -> int:
    """How many commits are reachable from ``head``."""
    return int(run_git(["rev-list", "--count", head, "--"], root).stdout)


_REGULAR = (b"100644", b"100755")
# The lines that are not a hunk's own ("+", "-", "\\ No newline at end of file"): what the pass
# reads. A -U0 hunk has no context lines, so nothing else can start a line inside one.
_STRUCTURAL = re.compile(rb"^[^-+\\\n][^\n]*", re.MULTILINE)
_FILE_HEADERS = (b"index ", b"old mode ", b"new mode ", b"deleted file mode ", b"new file mode ",
                 b"similarity index ", b"dissimilarity index ", b"rename from ", b"copy from ")


def _git_header_path(line: bytes) -> str | None:
    """The path of ``diff --git a/P b/P`` (None when the two sides differ: a rename or copy,
    whose ``rename to`` line names it)."""
    rest = line[len(b"diff --git "):]
    if rest.startswith(b'"'):
        end = 1
        while end < len(rest) and (rest[end] != 0x22 or rest[end - 1] == 0x5C):
            end += 1
        a_path = patch_header_path(rest[:end + 1], b"a/")
        b_path = patch_header_path(rest[end + 2:], b"b/")
        same = a_path if a_path is not None and a_path == b_path else None
    else:
        half = (len(rest) - 1) // 2
        first, second = rest[:half], rest[half + 1:]
        same = first[2:] if (first.startswith(b"a/") and second.startswith(b"b/")
                             and first[2:] == second[2:]) else None
    return None if same is None else same.decode("utf-8", "surrogateescape")


def _raw(line: bytes) -> tuple[str, str | None, str | None, bool, bool]:
    """A ``--raw`` line: (status letter, old path, new path, same content, not a text file)."""
    meta, _, names = line.partition(b"\t")
    fields = meta.split(b" ")
    if len(fields) != 5 or not names:
        raise LineageUnsupported(f"unexpected raw diff line {line[:80]!r}")
    src_mode, dst_mode, src, dst, status = fields
    kind = status[:1].decode("ascii", "replace")
    paths = [unquote_path(name).decode("utf-8", "surrogateescape") for name in names.split(b"\t")]
    opaque = not ((src_mode in _REGULAR or kind == "A") and (dst_mode in _REGULAR or kind == "D"))
    if kind in ("R", "C") and len(paths) == 2:
        return kind, paths[0], paths[1], src == dst, opaque
    if kind == "A" and len(paths) == 1:
        return kind, None, paths[0], False, opaque
    if kind == "D" and len(paths) == 1:
        return kind, paths[0], None, False, opaque
    if kind in ("M", "T") and len(paths) == 1:
        return kind, paths[0], paths[0], src == dst, opaque or kind == "T"
    raise LineageUnsupported(f"unexpected raw diff line {line[:80]!r}")


class _Section:
    """The diff of one commit against one parent, as it is read."""

    def __init__(self, sha: str, parents: tuple[str, ...], member: _Member, against: str | None,
                 keep: bool) -> None:
        self.sha = sha
        self.parents = parents
        self.member = member
        self.against = against
        self.raw: list[tuple[str, str | None, str | None, bool, bool]] = []
        self.hunks: dict[str, list[tuple[int, int, int, int]]] = {}  # new (or deleted) path
        self.binary: set[str] = set()
        self.patch: list[bytes] | None = [] if keep else None  # raw bytes, in pieces
        self.path: str | None = None  # the file whose patch is being read

    def file_line(self, line: bytes) -> None:
        """A line of a file's patch header (after ``diff --git``)."""
        if line.startswith((b"rename to ", b"copy to ")):
            self.path = unquote_path(line.split(b" ", 2)[2]).decode("utf-8", "surrogateescape")
        elif line.startswith(b"Binary files "):
            if self.path is None:
                raise LineageUnsupported(f"a binary file without a name: {line[:80]!r}")
            self.binary.add(self.path)
        elif not line.startswith(_FILE_HEADERS):
            raise LineageUnsupported(f"unexpected line in a diff: {line[:80]!r}")

    def section(self) -> DiffSection:
        files = []
        for kind, old, new, same, opaque in self.raw:
            key = new if new is not None else old
            assert key is not None
            hunks = tuple(self.hunks.get(key, ()))
            opaque = opaque or key in self.binary
            files.append(FileDelta(old, new, hunks, renamed=kind == "R",
                                   identical=same and not hunks, opaque=opaque))
        patch = b"".join(self.patch).split(b"\n") if self.patch is not None else ()
        return DiffSection(self.sha, self.parents, self.member.children, self.against,
                           tuple(files), tuple(patch), self.member.backdated)


def _header(line: bytes, count: int) -> tuple[str, tuple[str, ...], str | None]:
    """A ``--pretty=oneline --parents`` header of a commit with ``count`` parents: the commit,
    its parents, and the parent its diff is against."""
    words = line.split(b" ", count + 3)
    sha = words[0].decode("ascii", "replace")
    parents = tuple(word.decode("ascii", "replace") for word in words[1:count + 1])
    if len(parents) != count or not all(_COMMIT_LINE.match(word) for word in words[1:count + 1]):
        raise LineageUnsupported(f"the parents of {sha[:12]} are not where git log puts them")
    if count > 1 and len(words) > count + 2 and words[count + 1] == b"(from":
        against = words[count + 2].rstrip(b")").decode("ascii", "replace")
        if against in parents:  # git writes "(from P)" for a merge only; else it is the subject
            return sha, parents, against
    return sha, parents, parents[0] if count == 1 else None


@frozen
class _Member:
    """One commit as ``git rev-list --children --timestamp`` gives it."""

    parents: int
    children: int
    backdated: tuple[tuple[int, int], ...]  # see DiffSection.backdated


Spans = tuple[tuple[int, int], ...]
MAX_SPANS = 32  # more are joined (a wider span only sends more fixes to git blame)


def _union(first: Spans, second: Spans) -> Spans:
    """The (after, until] spans of both, joined where they touch, at most ``MAX_SPANS``."""
    if not second or first is second:
        return first
    if not first:
        return second
    joined: list[tuple[int, int]] = []
    for after, until in sorted(first + second):
        if joined and after <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], until))
        else:
            joined.append((after, until))
    while len(joined) > MAX_SPANS:  # join the two nearest: blame decides more, never less
        at = min(range(len(joined) - 1), key=lambda i: joined[i + 1][0] - joined[i][1])
        joined[at:at + 2] = [(joined[at][0], joined[at + 1][1])]
    return tuple(joined)


class _Family:
    """``git rev-list --children --timestamp`` in the same order as the log: each commit's
    number of parents and children, and where dates go backwards behind it; keeping only the
    commits whose parents are still to come (with the newest date behind them)."""

    def __init__(self, lines: Iterator[bytes]) -> None:
        self.lines = lines
        # commit → (parents seen so far, the newest date behind it, backdated spans behind it)
        self.waiting: dict[str, tuple[int, int | None, Spans]] = {}

    def next(self, sha_prefix: bytes) -> _Member:
        """The next commit, which must be the one ``sha_prefix`` names."""
        line: bytes | None = b""
        while not line:
            line = next(self.lines, None)
            if line is None:
                raise LineageUnsupported("git rev-list ended before git log")
        words = line.decode("ascii", "replace").split()
        if len(words) < 2 or not words[0].isdigit():
            raise LineageUnsupported(f"unexpected git rev-list line {line[:80]!r}")
        when, sha, *children = words
        if not sha_prefix.startswith(sha.encode()):
            raise LineageUnsupported("git rev-list and git log list commits in different orders")
        time = int(when)
        parents, newest, behind = self.waiting.pop(sha, (0, None, ()))
        spans = behind
        if newest is not None and time < newest:  # dated before one of its ancestors
            spans = _union(behind, ((time, newest),))
        reach = time if newest is None else max(time, newest)
        for child in children:
            seen, top, known = self.waiting.get(child, (0, None, ()))
            self.waiting[child] = (seen + 1, reach if top is None else max(top, reach),
                                   _union(known, spans))
        return _Member(parents, len(children), behind)


def history_diffs(root: str, head: str, keep: Container[str], warnings: list[str]
                  ) -> Iterator[DiffSection]:
    """Every commit reachable from ``head``, parents before children, as its diff against each
    parent it differs from (a merge identical to all of them: one empty section with ``against``
    None). The raw patch lines are kept for commits in ``keep``. What git warns about goes to
    ``warnings`` once the stream ends."""
    # --diff-merges=separate, not -m: -m follows log.diffMerges, which may say first-parent.
    args = ["log", "--reverse", "--topo-order", "--diff-merges=separate", "--submodule=short",
            "-p", "-U0", "--inter-hunk-context=0",
            "-w", "-M", "--root", "--no-color", "--no-ext-diff", "--no-textconv",
            "--no-relative", "--src-prefix=a/", "--dst-prefix=b/", "--pretty=oneline",
            "--no-abbrev-commit", "--no-abbrev", "--raw", "--no-decorate", "--no-notes",
            "--parents", head, "--"]
    children = git_stream(["rev-list", "--reverse", "--topo-order", "--children", "--timestamp",
                           head, "--"], root, sep=b"\n")
    try:
        yield from _sections(git_stream(args, root, sep=None, chunk_size=1 << 20,
                                        warnings=warnings), _Family(children), keep)
    finally:
        children.close()  # stops its git process now, wherever the log stopped


def _sections(chunks: Iterator[bytes], family: _Family, keep: Container[str]
              ) -> Iterator[DiffSection]:
    current: _Section | None = None
    for block in _blocks(chunks):
        start = 0  # where the current section's bytes begin in this block
        for match in _STRUCTURAL.finditer(block):
            line = match.group()
            first = line[0]
            if first == 0x40:  # "@@": the hunk's own lines are skipped by _STRUCTURAL
                hunk = _HUNK_RE.match(line)
                if hunk is None or current is None or current.path is None:
                    raise LineageUnsupported(f"unexpected hunk header {line[:80]!r}")
                old_start, old_count, new_start, new_count = hunk.groups()
                current.hunks.setdefault(current.path, []).append(
                    (int(old_start), 1 if old_count is None else int(old_count),
                     int(new_start), 1 if new_count is None else int(new_count)))
            elif current is not None and first == 0x3A:  # ":" a --raw line
                current.raw.append(_raw(line[1:]))
            elif current is not None and line.startswith(b"diff --git "):
                current.path = _git_header_path(line)
            elif _COMMIT_LINE.match(line):
                if current is not None:
                    if current.patch is not None:
                        current.patch.append(block[start:match.start()])
                    yield current.section()
                if current is not None and line.startswith(current.sha.encode()):
                    member = current.member  # a merge again
                else:
                    member = family.next(line[:64])
                sha, parent_shas, against = _header(line, member.parents)
                current = _Section(sha, parent_shas, member, against, sha in keep)
                start = match.end() + 1
            elif current is None:
                raise LineageUnsupported(f"unexpected line in git log: {line[:80]!r}")
            else:
                current.file_line(line)
        if current is not None and current.patch is not None:
            current.patch.append(block[start:])
    if current is not None:
        yield current.section()


def _blocks(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """``chunks`` re-cut into blocks of whole lines (each ends with a newline)."""
    rest = b""
    for chunk in chunks:
        block = rest + chunk
        cut = block.rfind(b"\n") + 1
        rest = block[cut:]
        if cut:
            yield block[:cut]
    if rest:
        yield rest + b"\n"
