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
from collections.abc import Generator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from vetgate.changes.collect import _diff_trees
from vetgate.changes.commits import log_commits
from vetgate.changes.git import git_stream
from vetgate.changes.model import ChangeSet
from vetgate.changes.repo import shallow_boundary
from vetgate.errors import GitError

# How many changes are collected ahead of the one being judged.
_AHEAD = 8


@dataclass(frozen=True)
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


def collect_landed(root: str, landed: Landed, boundary: frozenset[str] = frozenset()
                   ) -> ChangeSet:
    """The change ``landed`` brought to the branch, as ``check --range C^1..C`` sees it.

    ``boundary``: the commits a shallow clone cuts off (``shallow_boundary``); a change that
    reaches one cannot be judged whole and is a ``GitError`` with the remedy.
    """
    first = landed.parents[0] if landed.parents else None
    args = ["--topo-order", "--reverse", "--end-of-options", landed.sha]
    if first is not None:
        args.append(f"^{first}")
    else:
        args.insert(0, "--max-count=1")
    commits = tuple(log_commits(root, args))
    cut = [c.sha for c in commits if c.sha in boundary]
    if cut or (first is None and landed.sha in boundary):
        raise GitError(
            f"the clone is shallow and cuts off the history of change {landed.sha[:12]}: fetch "
            "the history to replay (`git fetch --unshallow`; on GitHub Actions `fetch-depth: 0`, "
            "on GitLab `GIT_DEPTH: 0`), or replay fewer changes with --last N"
        )
    return ChangeSet(
        mode="range", root=os.path.abspath(root), base=first, head=landed.sha,
        commits=commits, files=_diff_trees(root, first, landed.sha),
    )


def landed_changes(root: str, head: str, *, last: int | None = None, base: str | None = None,
                   workers: int = 2) -> Generator[tuple[Landed, ChangeSet], None, None]:
    """Each change that reached ``head`` (see ``first_parents``), newest first, collected a few
    ahead on ``workers`` threads. Stopping early (closing the iterator) cancels the rest."""
    boundary = shallow_boundary(root)
    pending: deque[tuple[Landed, Future[ChangeSet]]] = deque()
    walk = first_parents(root, head, last=last, base=base)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        try:
            for landed in walk:
                pending.append((landed, pool.submit(collect_landed, root, landed, boundary)))
                if len(pending) > _AHEAD:
                    done, future = pending.popleft()
                    yield done, future.result()
            while pending:
                done, future = pending.popleft()
                yield done, future.result()
        finally:
            for _landed, future in pending:
                future.cancel()
            walk.close()
