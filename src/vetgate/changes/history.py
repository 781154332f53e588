"""Every git access ``vetgate audit`` needs, as plain frozen data.

History is streamed (``git log -z`` through ``git_stream``) so that memory does not grow with the
number of commits; the per-fix work (the fix's diff against its parent, one blame per file with
all of its ranges) runs one short git process each. Nothing here interprets the data: which
commits are fixes or reverts, and what a failure is, is decided in ``vetgate.audit``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

from vetgate.changes._parse import LOG_PINNED, LogRecord, log_format, parse_log_stream
from vetgate.changes.commits import iter_listed_commits, read_commits, start_listing
from vetgate.changes.git import git_stream, run_git
from vetgate.changes.model import Commit
from vetgate.errors import GitError, UsageError
from vetgate.records import frozen, replace

# Every `git log` here is parsed by the one parser, ``parse_log_stream``; its options pin what
# git prints (``LOG_PINNED``), and root commits are diffed against the empty tree.
_LOG_OPTIONS = (*LOG_PINNED, "--root", "--no-merges")
_T = TypeVar("_T")


@frozen
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


@frozen
class LogEntry:
    """One commit as the first, cheap pass sees it: enough to find reverts and fixes."""

    sha: str
    parents: tuple[str, ...]
    commit_time: int
    message: str

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0].strip()


@frozen
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


@frozen
class HistoryCommit:
    """One commit with its per-file line counts against its first parent."""

    commit: Commit
    files: tuple[FileStat, ...]

    @property
    def lines(self) -> int:
        return sum(item.lines for item in self.files)


@frozen
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
    end = range_end(rev_range)
    resolved = run_git(
        ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{end}^{{commit}}"], root,
        check=False,
    )
    return resolved.stdout.decode("ascii", "replace").strip() if resolved.returncode == 0 else ""


def range_end(rev_range: str) -> str:
    """The revision a range (``A..B``, ``A...B`` or one revision) ends at (``A..`` ends at
    HEAD, as git reads it)."""
    return rev_range.split("..")[-1].lstrip(".") or "HEAD"


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
    if seconds >= 1 << 63:  # git prints a date before 1970 as an unsigned 64-bit number
        return 0
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


def write_commit_graph(root: str) -> None:
    """``git commit-graph write --reachable --changed-paths`` (only when the user asks)."""
    run_git(["commit-graph", "write", "--reachable", "--changed-paths"], root)


def is_shallow(root: str) -> bool:
    """True in a shallow clone (history is cut off; old fixes may have no parent here)."""
    proc = run_git(["rev-parse", "--is-shallow-repository"], root)
    return proc.stdout.strip() == b"true"


def refuse_shallow(root: str) -> None:
    """``GitError`` with the remedy in a shallow clone: its history is cut off, so an audit of it
    would rate a fragment (a depth-1 clone: one commit, 0% failures) as if it were the whole."""
    if not is_shallow(root):
        return
    cut = len(shallow_commits(root))
    raise GitError(
        f"this clone is shallow (its history is cut off at {cut:,} commit"
        f"{'' if cut == 1 else 's'}): fixes of older code cannot be blamed and the figures would "
        "be too low; fetch the whole history (`git fetch --unshallow`; in CI `fetch-depth: 0` "
        "for actions/checkout or `GIT_DEPTH: 0` on GitLab), or pass --allow-shallow to audit "
        "only the history in hand"
    )


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


def _chunks(items: Iterable[_T], size: int = 512) -> Iterator[list[_T]]:
    chunk: list[_T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _parents_here(commit: Commit, cut: frozenset[str]) -> tuple[str, ...]:
    """The parents as git shows them: none for a commit a shallow clone cuts off (its object
    names parents this clone does not have; diffing or blaming against them fails)."""
    return () if commit.sha in cut else commit.parents


def iter_log(root: str, selection: RevisionSelection, *,
             merges: bool = False) -> Iterator[LogEntry]:
    """Every non-merge commit of ``selection`` (and merges when asked), newest first, without
    diffs (the cheap pass).

    ``git rev-list | git cat-file --batch``: the ids never pass through Python, and the
    commits are read from their objects as git writes them (one cat-file, not one per batch).
    Messages come from the objects, never from a ``--format`` placeholder: git re-encodes those
    by the commit's encoding header. ``rev-list`` walks in the order ``git log`` does.
    """
    args = [*(() if merges else ("--no-merges",)), *selection.log_args()]
    cut = shallow_commits(root)
    with start_listing(root, args) as listing:
        for commit in iter_listed_commits(listing):
            yield LogEntry(
                sha=commit.sha or "",
                parents=_parents_here(commit, cut),
                commit_time=commit.commit_time,
                message=commit.message,
            )


def _file_stats(record: LogRecord) -> tuple[FileStat, ...]:
    return tuple(FileStat(item.path, item.old_path, item.added, item.removed, item.binary)
                 for item in record.files)


def iter_history(root: str, selection: RevisionSelection) -> Iterator[HistoryCommit]:
    """Every non-merge commit of ``selection`` with ``--numstat`` line counts, newest first.

    Renames are detected (``-M``): a renamed file counts its real edits, not a whole-file delete
    and add, and is known under both paths. Identities and messages come from the commit
    objects (``read_commits``), so an encoding header cannot hide them.
    """
    args = ["log", *_LOG_OPTIONS, "-M", "--numstat", log_format(), *selection.log_args()]
    cut = shallow_commits(root)
    for chunk in _chunks(parse_log_stream(git_stream(args, root))):
        commits = read_commits(root, [record.sha for record in chunk])
        for commit, record in zip(commits, chunk, strict=True):
            if commit.sha in cut:
                commit = replace(commit, parents=())
            files = _file_stats(record)
            paths: set[str] = set()
            for item in files:
                paths.add(item.path)
                if item.old_path is not None:
                    paths.add(item.old_path)
            yield HistoryCommit(replace(commit, paths=frozenset(paths)), files)


def commit_parents(root: str, shas: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The parents of each named commit, in one ``git rev-list --no-walk``."""
    unique = list(dict.fromkeys(shas))
    if not unique:
        return {}
    proc = run_git(["rev-list", "--no-walk=unsorted", "--parents", "--stdin"], root,
                   input="".join(f"{sha}\n" for sha in unique).encode())
    out: dict[str, tuple[str, ...]] = {}
    for line in proc.stdout.decode("ascii", "replace").splitlines():
        sha, *parents = line.split()
        out[sha] = tuple(parents)
    return out


def merged_commits(root: str, merge: str) -> tuple[str, ...]:
    """The non-merge commits a merge brought in: ``MERGE^1..MERGE``, newest first."""
    proc = run_git(["rev-list", "--no-merges", f"{merge}^1..{merge}", "--"], root)
    return tuple(proc.stdout.decode("ascii", "replace").split())


def commit_facts(root: str, shas: Iterable[str], *, sizes: bool = True
                 ) -> dict[str, CommitFacts]:
    """Parents, commit time and size of each named commit, in one ``git log --no-walk``.

    ``sizes=False`` leaves the diffs out (``lines`` is then 0): the walk alone, a fraction of
    the cost, for callers that need a size only to break ties (``audit.szz``).
    """
    unique = list(dict.fromkeys(shas))
    if not unique:
        return {}
    diff = ("--root", "-M", "--numstat") if sizes else ()
    args = ["log", "--no-walk=unsorted", "--stdin", *LOG_PINNED, *diff, log_format("%P", "%ct")]
    proc = run_git(args, root, input="".join(f"{sha}\n" for sha in unique).encode())
    out: dict[str, CommitFacts] = {}
    output = proc.stdout[:-1] if proc.stdout.endswith(b"\0") else proc.stdout
    for record in parse_log_stream(output.split(b"\0"), width=2):
        parents, ctime = record.fields
        lines = sum(item.added + item.removed for item in record.files)
        out[record.sha] = CommitFacts(record.sha, tuple(parents.split()), int(ctime), lines)
    return out
