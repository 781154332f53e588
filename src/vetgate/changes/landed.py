"""The changes that reached a branch, one at a time, for ``vetgate replay``.

A branch's history is walked along its first parents: each first-parent commit is one change —
a merge brings in its pull request (the commits in it and not in its first parent), a squash or
rebase commit is its own change. Each is returned exactly as ``check --range C^1..C`` would
collect it: the commits of ``C^1..C`` and the diff from ``C^1`` (a root commit: from the empty
tree).

Streams: the first-parent list is read once (a sha and its parents per change), and each change
is collected when it is needed, a few ahead on worker threads (git runs in other processes, so
two cores are used); memory stays flat in the number of changes.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from vetgate.changes._parse import DIFF_ARGS, parse_diff
from vetgate.changes.collect import _with_whole_file_lines
from vetgate.changes.commits import log_commits, read_commits
from vetgate.changes.git import git_stream, run_git
from vetgate.changes.model import ChangeSet, Commit, FileChange
from vetgate.changes.repo import shallow_boundary
from vetgate.errors import GitError
from vetgate.records import frozen, replace

# Changes are collected in chunks of this many, and this many chunks ahead of the one judged.
_CHUNK = 8
_AHEAD = 2


@frozen
class Landed:
    """One first-parent commit of the branch: a change that reached it."""

    sha: str
    parents: tuple[str, ...]


def first_parents(root: str, head: str, *, last: int | None = None,
                  base: str | None = None) -> Generator[Landed, None, None]:
    """The first-parent commits of ``head``, newest first: at most ``last`` of them, and only
    those not reachable from ``base`` when it is given. One streaming ``git rev-list``."""
    args = ["rev-list", "--first-parent", "--parents"]
    if last is not None:
        args.append(f"--max-count={last}")
    args += ["--end-of-options", head]
    if base is not None:
        args.append(f"^{base}")
    for line in git_stream(args, root, sep=b"\n"):
        shas = line.decode("ascii").split()
        if shas:
            yield Landed(shas[0], tuple(shas[1:]))


def _shallow_cut(landed: Landed, commits: tuple[Commit, ...], boundary: frozenset[str]) -> None:
    if any(c.sha in boundary for c in commits) or (not landed.parents
                                                   and landed.sha in boundary):
        raise GitError(
            f"the clone is shallow and cuts off the history of change {landed.sha[:12]}: fetch "
            "the history to replay (`git fetch --unshallow`; on GitHub Actions `fetch-depth: 0`, "
            "on GitLab `GIT_DEPTH: 0`), or replay fewer changes with --last N"
        )


def _change(root: str, landed: Landed, commits: tuple[Commit, ...],
            files: tuple[FileChange, ...]) -> ChangeSet:
    return ChangeSet(mode="range", root=os.path.abspath(root),
                     base=landed.parents[0] if landed.parents else None, head=landed.sha,
                     commits=commits, files=files)


def collect_landed(root: str, landed: Landed, boundary: frozenset[str] = frozenset()
                   ) -> ChangeSet:
    """The change ``landed`` brought to the branch, as ``check --range C^1..C`` sees it.

    ``boundary``: the commits a shallow clone cuts off (``shallow_boundary``); a change that
    reaches one cannot be judged whole and is a ``GitError`` with the remedy.
    """
    return collect_chunk(root, [landed], boundary)[0]


def collect_chunk(root: str, chunk: Sequence[Landed], boundary: frozenset[str] = frozenset()
                  ) -> list[ChangeSet]:
    """``collect_landed`` for several changes: the commit objects of the non-merge ones are read
    with one ``git cat-file --batch``, and such a commit's touched paths are its diff's (the
    same rename and copy detection), so a squash or rebase commit costs one more git process
    (its diff); a merge also lists its pull request's commits (``git log``)."""
    singles = [landed for landed in chunk if len(landed.parents) <= 1]
    single_commits = {c.sha: c for c in read_commits(root, [x.sha for x in singles])}
    diffs = first_parent_diffs(root, chunk)
    changes = []
    for landed, files in zip(chunk, diffs, strict=True):
        first = landed.parents[0] if landed.parents else None
        if landed.sha in single_commits:
            renames = tuple((f.old_path, f.path) for f in files
                            if f.old_path is not None and f.status in ("R", "C"))
            commit = replace(single_commits[landed.sha],
                             paths=frozenset(p for f in files for p in f.paths),
                             renames=renames)
            commits: tuple[Commit, ...] = (commit,)
        else:
            commits = tuple(log_commits(root, ["--topo-order", "--reverse", "--end-of-options",
                                               landed.sha, f"^{first}"]))
        _shallow_cut(landed, commits, boundary)
        changes.append(_change(root, landed, commits, files))
    return changes


def first_parent_diffs(root: str, chunk: Sequence[Landed]) -> list[tuple[FileChange, ...]]:
    """Each change's diff against its first parent (a root commit: against the empty tree),
    with one ``git diff-tree --stdin`` for the whole chunk (``chunk``: consecutive first
    parents, newest first, as ``first_parents`` yields them).

    The diffs are asked for oldest first, so the header that ends one diff names the next,
    newer commit: its id depends on the earlier commit's tree, so no path in that tree can
    spell it, and splitting on it cannot be fooled by a file's name.
    """
    if not chunk:
        return []
    ordered = list(reversed(chunk))
    request = "".join(
        f"{landed.sha} {landed.parents[0]}\n" if landed.parents else f"{landed.sha}\n"
        for landed in ordered).encode("ascii")
    output = run_git(["diff-tree", "--stdin", "--always", "--root", "--format=%x01%H", "-r",
                      *DIFF_ARGS], root, input=request).stdout
    diffs: list[tuple[FileChange, ...]] = []
    rest = output
    for index, landed in enumerate(ordered):
        header = b"\x01" + landed.sha.encode("ascii") + b"\0"
        if not rest.startswith(header):
            raise GitError(f"unexpected `git diff-tree --stdin` output for {landed.sha[:12]}")
        rest = rest[len(header):]
        if index + 1 < len(ordered):
            following = b"\0\x01" + ordered[index + 1].sha.encode("ascii") + b"\0"
            end = rest.find(following)
            end = end + 1 if end >= 0 else rest.find(following[1:])
            if end < 0:
                raise GitError("unexpected `git diff-tree --stdin` output after "
                               f"{landed.sha[:12]}")
            body, rest = rest[:end], rest[end:]
        else:
            body, rest = rest, b""
        diffs.append(_with_whole_file_lines(root, parse_diff(body.lstrip(b"\n"))))
    diffs.reverse()
    return diffs


def landed_changes(root: str, head: str, *, last: int | None = None, base: str | None = None,
                   workers: int = 2) -> Generator[tuple[Landed, ChangeSet], None, None]:
    """Each change that reached ``head`` (see ``first_parents``), newest first, collected in
    chunks a little ahead on ``workers`` threads. Stopping early (closing the iterator) cancels
    the rest."""
    boundary = shallow_boundary(root)
    pending: deque[tuple[list[Landed], Future[list[ChangeSet]]]] = deque()
    walk = first_parents(root, head, last=last, base=base)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        try:
            chunk: list[Landed] = []
            for landed in walk:
                chunk.append(landed)
                if len(chunk) < _CHUNK:
                    continue
                pending.append((chunk, pool.submit(collect_chunk, root, chunk, boundary)))
                chunk = []
                if len(pending) > _AHEAD:
                    yield from _ready(pending)
            if chunk:
                pending.append((chunk, pool.submit(collect_chunk, root, chunk, boundary)))
            while pending:
                yield from _ready(pending)
        finally:
            for _chunk, future in pending:
                future.cancel()
            walk.close()


def _ready(pending: deque[tuple[list[Landed], Future[list[ChangeSet]]]]
           ) -> Iterator[tuple[Landed, ChangeSet]]:
    chunk, future = pending.popleft()
    yield from zip(chunk, future.result(), strict=True)
