"""Every git access ``vetgate audit`` needs, as plain frozen data.

History is streamed (``git log -z`` through ``git_stream``) so that memory does not grow with the
number of commits; the per-fix work (the fix's diff against its parent, one blame per file with
all of its ranges) runs one short git process each. Nothing here interprets the data: which
commits are fixes or reverts, and what a failure is, is decided in ``vetgate.audit``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from vetgate.changes.commits import read_commits
from vetgate.changes.git import git_stream, run_git
from vetgate.changes.model import Commit
from vetgate.errors import GitError, UsageError

# Options that make `git log` print the same thing whatever the user's configuration says:
# raw identities (a .mailmap must not turn an agent into a person), root commits diffed against
# the empty tree, paths from the top level, no external diff or textconv drivers.
_LOG_OPTIONS = (
    "--no-use-mailmap", "--root", "--no-relative", "--no-ext-diff", "--no-textconv",
    "--no-notes", "--no-merges", "-z",
)
_SHA_RE = re.compile(rb"\A[0-9a-f]{40}(?:[0-9a-f]{24})?\Z")
_NUMSTAT_RE = re.compile(rb"\A\n?(\d+|-)\t(\d+|-)\t")
_HUNK_RE = re.compile(rb"\A@@ -(\d+)(?:,(\d+))? \+\d+(?:,(\d+))? @@")
_T = TypeVar("_T")


@dataclass(frozen=True)
class RevisionSelection:
    """What part of history to read: a revision range plus git's own date limits."""

    rev_range: str = "HEAD"
    since: str | None = None
    until: str | None = None

    def log_args(self) -> tuple[str, ...]:
        """The revision arguments for ``git log``/``git rev-list``, option-injection safe."""
        dates: list[str] = []
        if self.since:
            dates.append(f"--since={self.since}")
        if self.until:
            dates.append(f"--until={self.until}")
        return (*dates, "--end-of-options", self.rev_range, "--")


@dataclass(frozen=True)
class LogEntry:
    """One commit as the first, cheap pass sees it: enough to find reverts and fixes."""

    sha: str
    parents: tuple[str, ...]
    commit_time: int
    message: str

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0].strip()


@dataclass(frozen=True)
class FileStat:
    """One file of a commit's ``--numstat`` (binary files count no lines)."""

    path: str
    old_path: str | None = None  # set for renames and copies
    added: int = 0
    removed: int = 0
    binary: bool = False

    @property
    def lines(self) -> int:
        return self.added + self.removed


@dataclass(frozen=True)
class HistoryCommit:
    """One commit with its per-file line counts against its first parent."""

    commit: Commit
    files: tuple[FileStat, ...]

    @property
    def lines(self) -> int:
        return sum(item.lines for item in self.files)


@dataclass(frozen=True)
class RemovedLines:
    """The lines a commit removed or changed in one file, numbered as in its parent."""

    path: str  # the path in the parent (the old path of a rename)
    lines: tuple[tuple[int, str], ...]  # (1-based line number in the parent, line text)


@dataclass(frozen=True)
class CommitFacts:
    """What the SZZ step needs to know about a candidate introducing commit."""

    sha: str
    parents: tuple[str, ...]
    commit_time: int
    lines: int  # added + removed against the first parent (0 for merges)


# --- repository state ----------------------------------------------------------------------------


def check_history(root: str, selection: RevisionSelection) -> str:
    """Make sure ``selection`` names history that exists; return the sha its range ends at.

    Raises ``GitError`` for an empty repository (unborn HEAD) and ``UsageError`` for a range
    git cannot read.
    """
    rev_range = selection.rev_range
    if not rev_range or rev_range.startswith("-"):
        raise UsageError(
            f"bad revision range {rev_range!r}: give a commit or A..B (it may not start with '-')"
        )
    head = run_git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], root, check=False)
    if head.returncode != 0:
        any_ref = run_git(["rev-list", "--all", "--max-count=1"], root, check=False)
        if not any_ref.stdout.strip():
            raise GitError(
                "this repository has no commits yet (HEAD is unborn): there is no history to "
                "audit; commit something first"
            )
        if rev_range == "HEAD":
            raise GitError(
                "HEAD is unborn (the current branch has no commits): name a range to audit, "
                "e.g. `vetgate audit main`"
            )
    probe = run_git(["rev-list", "--max-count=1", "--end-of-options", rev_range, "--"], root,
                    check=False)
    if probe.returncode != 0:
        lines = probe.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = lines[0].removeprefix("fatal: ") if lines else f"exit code {probe.returncode}"
        raise UsageError(
            f"bad revision range {rev_range!r}: {detail}; use a commit, a branch or A..B"
        )
    end = rev_range.split("..")[-1].lstrip(".") or "HEAD"
    resolved = run_git(
        ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{end}^{{commit}}"], root,
        check=False,
    )
    return resolved.stdout.decode("ascii", "replace").strip() if resolved.returncode == 0 else ""


def resolve_date(root: str, option: str, text: str) -> int:
    """The unix time git reads from ``text`` (``--since``/``--until``); ``UsageError`` if none.

    git's date reader never fails: text it cannot read silently means "now". We refuse that,
    unless the text asks for now.
    """
    proc = run_git(["rev-parse", f"--since={text}"], root)
    value = proc.stdout.decode("ascii", "replace").strip().removeprefix("--max-age=")
    try:
        seconds = int(value)
    except ValueError as exc:
        raise UsageError(f"{option} {text!r}: git could not read a date in it") from exc
    lowered = text.strip().lower()
    if abs(seconds - time.time()) < 3 and lowered not in ("now", "today", "today.now"):
        raise UsageError(
            f"{option} {text!r}: git could not read a date in it; use YYYY-MM-DD or a relative "
            "date such as '6 months ago'"
        )
    return seconds


def commit_graph_present(root: str) -> bool:
    """True when the repository has a commit-graph file (vetgate never writes one itself)."""
    proc = run_git(["rev-parse", "--git-path", "objects/info/commit-graph",
                    "--git-path", "objects/info/commit-graphs/commit-graph-chain"], root)
    for line in proc.stdout.decode("utf-8", "surrogateescape").splitlines():
        path = line if os.path.isabs(line) else os.path.join(root, line)
        if os.path.exists(path):
            return True
    return False


def is_shallow(root: str) -> bool:
    """True in a shallow clone (history is cut off; old fixes may have no parent here)."""
    proc = run_git(["rev-parse", "--is-shallow-repository"], root)
    return proc.stdout.strip() == b"true"


def shallow_commits(root: str) -> frozenset[str]:
    """The cut-off commits of a shallow clone (empty in a full clone)."""
    proc = run_git(["rev-parse", "--git-path", "shallow"], root)
    path = proc.stdout.decode("utf-8", "surrogateescape").strip()
    path = path if os.path.isabs(path) else os.path.join(root, path)
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            return frozenset(line.strip() for line in handle if line.strip())
    except OSError:
        return frozenset()


def has_ref(root: str, *refs: str) -> bool:
    """True when any ref under the given names or prefixes exists (e.g. ``refs/notes/ai``)."""
    proc = run_git(["for-each-ref", "--count=1", "--format=%(refname)", *refs], root)
    return bool(proc.stdout.strip())


def resolve_commits(root: str, names: Iterable[str]) -> dict[str, str | None]:
    """Full commit shas for (possibly abbreviated) names, in one ``git cat-file`` process.

    A name that is missing, ambiguous or not a commit maps to None.
    """
    unique = list(dict.fromkeys(name for name in names if name and "\n" not in name))
    if not unique:
        return {}
    # "<name>^{commit}" makes git prefer the commit when an abbreviation also fits a blob.
    stdin = "".join(f"{name}^{{commit}}\n" for name in unique).encode()
    proc = run_git(["cat-file", "--batch-check=%(objectname) %(objecttype)"], root, input=stdin)
    out: dict[str, str | None] = {name: None for name in unique}
    answers = proc.stdout.decode("ascii", "replace").splitlines()
    for name, line in zip(unique, answers, strict=False):
        parts = line.split()
        out[name] = parts[0] if len(parts) == 2 and parts[1] == "commit" else None
    return out


# --- streaming log -------------------------------------------------------------------------------


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def _path(raw: bytes) -> str:
    # Paths keep undecodable bytes (surrogateescape) so they can be handed back to git intact.
    return raw.decode("utf-8", "surrogateescape")


def _chunks(items: Iterable[_T], size: int = 512) -> Iterator[list[_T]]:
    chunk: list[_T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def iter_log(root: str, selection: RevisionSelection) -> Iterator[LogEntry]:
    """Every non-merge commit of ``selection``, newest first, without diffs (the cheap pass).

    Messages come from the commit objects (``read_commits``), never from a ``--format``
    placeholder: git re-encodes those by the commit's encoding header.
    """
    args = ["log", *_LOG_OPTIONS, "--format=%H", *selection.log_args()]
    shas = (token.decode("ascii") for token in git_stream(args, root) if token.strip())
    for chunk in _chunks(shas):
        for commit in read_commits(root, chunk):
            yield LogEntry(
                sha=commit.sha or "",
                parents=commit.parents,
                commit_time=commit.commit_time,
                message=commit.message,
            )


class _Pushback:
    """An iterator with one token of look-ahead."""

    def __init__(self, tokens: Iterator[bytes]) -> None:
        self._tokens = tokens
        self._held: bytes | None = None

    def next(self) -> bytes | None:
        if self._held is not None:
            held, self._held = self._held, None
            return held
        return next(self._tokens, None)

    def push(self, token: bytes) -> None:
        self._held = token


def _numstat_log(root: str, selection: RevisionSelection
                 ) -> Iterator[tuple[str, tuple[FileStat, ...]]]:
    """``(sha, files)`` of every non-merge commit of ``selection``, newest first."""
    args = ["log", *_LOG_OPTIONS, "-M", "--numstat", "--format=%H%x00", *selection.log_args()]
    tokens = _Pushback(git_stream(args, root))
    while True:
        sha = tokens.next()
        if sha is None:
            return
        if not sha:
            continue
        if not _SHA_RE.match(sha):
            raise GitError(f"unexpected `git log` output near {sha[:60]!r}; please report this")
        files: list[FileStat] = []
        while True:
            token = tokens.next()
            if token is None:
                break
            if not token:
                continue  # the separator between the header and the numstat block
            match = _NUMSTAT_RE.match(token)
            if match is None:
                tokens.push(token)  # the next commit's sha
                break
            binary = match.group(1) == b"-"
            added = 0 if binary else int(match.group(1))
            removed = 0 if binary else int(match.group(2))
            rest = token[match.end():]
            if rest:
                files.append(FileStat(_path(rest), None, added, removed, binary))
            else:  # a rename or copy: old and new path follow as their own tokens
                old = tokens.next() or b""
                new = tokens.next() or b""
                files.append(FileStat(_path(new), _path(old), added, removed, binary))
        yield sha.decode("ascii"), tuple(files)


def iter_history(root: str, selection: RevisionSelection) -> Iterator[HistoryCommit]:
    """Every non-merge commit of ``selection`` with ``--numstat`` line counts, newest first.

    Renames are detected (``-M``): a renamed file counts its real edits, not a whole-file delete
    and add, and is known under both paths. Identities and messages come from the commit
    objects (``read_commits``), so an encoding header cannot hide them.
    """
    for chunk in _chunks(_numstat_log(root, selection)):
        commits = read_commits(root, [sha for sha, _files in chunk])
        for commit, (_sha, files) in zip(commits, chunk, strict=True):
            paths: set[str] = set()
            for item in files:
                paths.add(item.path)
                if item.old_path is not None:
                    paths.add(item.old_path)
            yield HistoryCommit(replace(commit, paths=frozenset(paths)), files)


def commit_facts(root: str, shas: Iterable[str]) -> dict[str, CommitFacts]:
    """Parents, commit time and size of each named commit, in one ``git log --no-walk``."""
    unique = list(dict.fromkeys(shas))
    if not unique:
        return {}
    args = ["log", "--no-walk=unsorted", "--stdin", "--no-use-mailmap", "--root", "--no-relative",
            "--no-ext-diff", "--no-textconv", "--no-notes", "-z", "-M", "--numstat",
            "--format=%H%x00%P%x00%ct%x00"]
    proc = run_git(args, root, input="".join(f"{sha}\n" for sha in unique).encode())
    out: dict[str, CommitFacts] = {}
    tokens = _Pushback(iter(proc.stdout.split(b"\0")))
    while True:
        sha = tokens.next()
        if sha is None:
            break
        if not sha:
            continue
        parents = tokens.next() or b""
        ctime = tokens.next() or b"0"
        lines = 0
        while True:
            token = tokens.next()
            if token is None:
                break
            if not token:
                continue
            match = _NUMSTAT_RE.match(token)
            if match is None:
                tokens.push(token)
                break
            if match.group(1) != b"-":
                lines += int(match.group(1)) + int(match.group(2))
            if not token[match.end():]:
                tokens.next()
                tokens.next()
        key = sha.decode("ascii")
        out[key] = CommitFacts(key, tuple(parents.decode("ascii").split()), int(ctime), lines)
    return out


# --- one fix: its diff and the blame of what it removed ------------------------------------------


_C_ESCAPES = {ord("a"): 7, ord("b"): 8, ord("t"): 9, ord("n"): 10, ord("v"): 11, ord("f"): 12,
              ord("r"): 13, ord('"'): 34, ord("\\"): 92}


def unquote_path(raw: bytes) -> bytes:
    """Undo git's C-style quoting of a path in a patch header (``"a/t\\303\\251st"``)."""
    if not (raw.startswith(b'"') and raw.endswith(b'"') and len(raw) >= 2):
        return raw
    body = raw[1:-1]
    out = bytearray()
    i = 0
    while i < len(body):
        byte = body[i]
        if byte != 0x5C or i + 1 >= len(body):  # not a backslash
            out.append(byte)
            i += 1
            continue
        nxt = body[i + 1]
        if 0x30 <= nxt <= 0x37:  # \ooo octal byte
            out.append(int(body[i + 1:i + 4], 8) & 0xFF)
            i += 4
        else:
            out.append(_C_ESCAPES.get(nxt, nxt))
            i += 2
    return bytes(out)


def removed_lines(root: str, fix: str, parent: str,
                  exclude: Sequence[str] = ()) -> tuple[RemovedLines, ...]:
    """The lines ``fix`` removed or changed, per file, numbered as in ``parent``.

    One ``git diff-tree -p -U0 -M -w``: whitespace-only changes are no change, renames keep the
    old path, binary files are left out, and ``exclude`` (pathspecs such as
    ``:(exclude,glob)**/*.json``) keeps data files out before git even diffs them.
    """
    args = ["diff-tree", "-r", "-p", "-U0", "-M", "-w", "--no-color", "--no-ext-diff",
            "--no-textconv", "--no-relative", parent, fix, "--", ".", *exclude]
    output = run_git(args, root).stdout
    files: list[RemovedLines] = []
    old_path: bytes | None = None
    current: list[tuple[int, str]] = []
    not_text = False  # a symlink (its "line" is the target) or a submodule ("Subproject commit")
    lines = output.split(b"\n")
    i = 0

    def flush() -> None:
        if old_path is not None and current and not not_text:
            files.append(RemovedLines(_path(old_path), tuple(current)))

    while i < len(lines):
        line = lines[i]
        i += 1
        if line.startswith(b"diff --git "):
            flush()
            old_path, current, not_text = None, [], False
        elif line.startswith((b"index ", b"old mode ", b"deleted file mode ")):
            not_text = not_text or line.endswith((b" 120000", b" 160000"))
        elif line.startswith(b"--- "):
            target = unquote_path(line[4:])
            old_path = target[2:] if target.startswith(b"a/") else None  # None: /dev/null
        elif line.startswith(b"@@ "):
            match = _HUNK_RE.match(line)
            if match is None:
                continue
            start = int(match.group(1))
            old_count = 1 if match.group(2) is None else int(match.group(2))
            new_count = 1 if match.group(3) is None else int(match.group(3))
            seen_old = seen_new = 0
            # Consume exactly the hunk's lines, so a removed "-- comment" line ("--- comment" in
            # the patch) is never taken for a file header.
            while (seen_old < old_count or seen_new < new_count) and i < len(lines):
                body = lines[i]
                i += 1
                if body.startswith(b"-"):
                    current.append((start + seen_old, _text(body[1:])))
                    seen_old += 1
                elif body.startswith(b"+"):
                    seen_new += 1
                elif body.startswith(b"\\"):
                    continue  # "\ No newline at end of file"
                else:
                    break
    flush()
    return tuple(files)


def changed_paths(root: str, parent: str, commit: str,
                  exclude: Sequence[str] = ()) -> tuple[str, ...]:
    """Paths ``commit`` changed against ``parent``, without those ``exclude`` pathspecs drop."""
    proc = run_git(["diff-tree", "-r", "--no-renames", "--name-only", "-z", "--no-relative", parent,
                    commit, "--", ".", *exclude], root)
    return tuple(_path(name) for name in proc.stdout.split(b"\0") if name)


@dataclass(frozen=True)
class BlameLine:
    """Which commit last touched one line, as of the blamed revision."""

    line: int  # line number in the blamed revision
    sha: str
    boundary: bool = False  # the history stops here (shallow clone or a root commit)


def blame_ranges(root: str, revision: str, path: str, ranges: Sequence[tuple[int, int]], *,
                 since: int | None = None) -> tuple[BlameLine, ...]:
    """One ``git blame -w --porcelain`` over ``path`` at ``revision`` with every range as -L.

    ``since`` (unix time) stops the walk there: older lines go to a ``boundary`` commit.
    """
    if not ranges:
        return ()
    # --root: a root commit is blamed like any other (not a "boundary" to ignore).
    args = ["blame", "-w", "--porcelain", "--root"]
    if since is not None:
        args.append(f"--max-age={since}")
    for start, end in ranges:
        args += ["-L", f"{start},{end}"]
    args += [revision, "--", path]
    proc = run_git(args, root, check=False)
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = message[-1].removeprefix("fatal: ") if message else f"exit {proc.returncode}"
        if "could not open object name list" in detail:
            name = detail.rsplit(":", 1)[-1].strip()
            raise GitError(
                f"git blame cannot run here: blame.ignoreRevsFile names {name!r}, which this "
                "repository does not have; create it (an empty file will do) or remove that "
                "setting, then run the audit again"
            )
        raise GitError(f"`git blame` of {path!r} at {revision[:12]} failed: {detail}")
    output = proc.stdout
    result: list[BlameLine] = []
    boundaries: set[bytes] = set()
    current: bytes | None = None
    line_no = 0
    for raw in output.split(b"\n"):
        if not raw:
            continue
        if raw.startswith(b"\t"):
            if current is not None:
                result.append(BlameLine(line_no, current.decode("ascii"), current in boundaries))
            current = None
            continue
        head = raw.split(b" ", 3)
        if len(head) >= 3 and len(head[0]) in (40, 64) and _SHA_RE.match(head[0]):
            current = head[0]
            line_no = int(head[2])
        elif raw == b"boundary" and current is not None:
            boundaries.add(current)
    return tuple(result)


def to_ranges(line_numbers: Iterable[int]) -> tuple[tuple[int, int], ...]:
    """Collapse line numbers into sorted inclusive ranges: [1, 2, 3, 7] → ((1, 3), (7, 7))."""
    out: list[tuple[int, int]] = []
    for number in sorted(set(line_numbers)):
        if out and number == out[-1][1] + 1:
            out[-1] = (out[-1][0], number)
        else:
            out.append((number, number))
    return tuple(out)
