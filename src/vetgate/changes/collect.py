"""Select the change ``check`` evaluates: a range of commits, or one commit (the staged index and
its pending commit: ``vetgate.changes.pending``).

Every mode asks git for one diff (``--raw`` and ``--numstat`` together, NUL-separated, renames
and copies detected) and one ``git log`` stream for the commits. The index is never read
directly: inside a hook ``GIT_INDEX_FILE`` may name a temporary one, and only git knows.
"""

from __future__ import annotations

import os

from vetgate.changes._parse import DIFF_ARGS, parse_diff
from vetgate.changes.commits import log_commits
from vetgate.changes.git import missing_object_id, missing_object_message, run_git
from vetgate.changes.model import ChangeSet, Commit, FileChange
from vetgate.changes.repo import (
    branch_of,
    commits_between,
    is_shallow,
    resolve,
    shallow_boundary,
    split_range,
    with_paths_between,
)
from vetgate.errors import GitError
from vetgate.records import replace


def _paths_of(files: tuple[FileChange, ...]) -> frozenset[str]:
    return frozenset(path for change in files for path in change.paths)


def _diff_trees(root: str, old: str | None, new: str) -> tuple[FileChange, ...]:
    """The diff from commit ``old`` to commit ``new``; ``old`` None: from the empty tree."""
    if old is None:
        args = ["diff-tree", "-r", "--root", "--no-commit-id", *DIFF_ARGS, new]
    else:
        args = ["diff-tree", "-r", "--no-commit-id", *DIFF_ARGS, old, new]
    # A missing object that git itself stops on is named by run_git (changes.git.missing_object).
    files = parse_diff(run_git(args, root).stdout)
    _require_objects(root, files)
    return _with_whole_file_lines(root, files)


def _lacks_object(oid: str) -> GitError:
    return GitError(missing_object_message(oid, "cannot read the change"))


def _require_objects(root: str, files: list[FileChange]) -> None:
    """``GitError`` when a blob of the diff is not in the repository (a damaged clone, or a
    partial one whose promisor is gone). git's numstat does not fail there: it counts a line
    for a blob it cannot read, so a line limit would be judged on made-up counts. One
    ``git cat-file --batch-check`` for all of them; submodules record commits of other
    repositories and are skipped."""
    oids = list(dict.fromkeys(
        oid for f in files if f.kind != "submodule" for oid in (f.old_blob, f.new_blob) if oid
    ))
    if not oids:
        return
    proc = run_git(["cat-file", "--batch-check=%(objectname)"], root,
                   input="".join(f"{oid}\n" for oid in oids).encode("ascii"))
    for line in proc.stdout.decode("ascii", "replace").splitlines():
        if line.endswith(" missing"):
            raise _lacks_object(line.split()[0])


def _line_count(content: bytes) -> int:
    # As git counts lines: a last line without a newline still counts.
    return content.count(b"\n") + (1 if content and not content.endswith(b"\n") else 0)


def _blob_line_counts(root: str, blobs: list[str]) -> dict[str, int]:
    """Line counts of ``blobs``, read with one ``git cat-file --batch``."""
    request = b"".join(f"{blob}\n".encode("ascii") for blob in blobs)
    output = run_git(["cat-file", "--batch"], root, input=request).stdout
    counts: dict[str, int] = {}
    position = 0
    for blob in blobs:
        end = output.index(b"\n", position)
        header = output[position:end].split()
        if len(header) != 3 or header[1] != b"blob":
            raise GitError(f"cannot read blob {blob}: this repository lacks it; fetch the "
                           "whole history again (`git fetch --refetch origin`)")
        size = int(header[2])
        counts[blob] = _line_count(output[end + 1:end + 1 + size])
        position = end + 1 + size + 1  # the content is followed by a newline
    return counts


def _with_whole_file_lines(root: str, files: list[FileChange]) -> tuple[FileChange, ...]:
    """Renames and copies with ``new_lines`` (and, for renames, ``old_lines``) set: their numstat
    is against the source file, and a rule that only one of the two paths falls under must see
    the whole file arrive or leave. One ``git cat-file --batch`` for all of them."""
    wanted = [f for f in files if f.status in ("R", "C") and f.kind != "submodule"
              and not f.binary and f.new_blob and f.old_blob]
    if not wanted:
        return tuple(files)
    blobs: dict[str, None] = {}
    for change in wanted:
        blobs.setdefault(change.new_blob or "", None)
        if change.status == "R":
            blobs.setdefault(change.old_blob or "", None)
    counts = _blob_line_counts(root, list(blobs))
    chosen = {id(f) for f in wanted}
    return tuple(
        replace(f, new_lines=counts[f.new_blob or ""],
                old_lines=counts.get(f.old_blob or "") if f.status == "R" else None)
        if id(f) in chosen else f
        for f in files
    )


def _empty_tree(root: str) -> str:
    # The empty tree's id depends on the repository's hash (SHA-1 or SHA-256); git knows the
    # object without it being stored.
    proc = run_git(["hash-object", "-t", "tree", "--stdin"], root, input=b"")
    return proc.stdout.decode("ascii").strip()


def _shallow_error(base: str, head: str) -> GitError:
    return GitError(
        f"cannot find where {head} forked from {base}: the clone is shallow and lacks the "
        f"merge-base of {base} and {head}; fetch more history (`git fetch --deepen=N` or "
        "`--unshallow`; on GitHub Actions set `fetch-depth: 0`, on GitLab `GIT_DEPTH: 0`)"
    )


_FETCH_MORE = ("`git fetch --deepen=N` or `--unshallow`; on GitHub Actions set `fetch-depth: 0`, "
               "on GitLab `GIT_DEPTH: 0`")


def _missing_commit(root: str, *revs: str) -> str | None:
    """The id of a commit reachable from ``revs`` that this repository cannot read, or None.

    ``git merge-base`` answers "no merge-base" (exit 1, no message) when a commit object on the
    way is missing; only a walk tells that from unrelated histories.
    """
    proc = run_git(["rev-list", "--quiet", "--end-of-options", *revs], root, check=False)
    if proc.returncode == 0:
        return None
    return missing_object_id(proc.stderr.decode("utf-8", "replace")) or "?"


def _incomplete_error(missing: str, base: str, head: str) -> GitError:
    which = "a commit" if missing == "?" else f"commit {missing[:12]}"
    return GitError(
        f"the history of {base}..{head} is incomplete: this repository lacks {which}, so "
        "commits of the change cannot be read; fetch the whole history again (`git fetch "
        f"--refetch origin`, or a fresh clone; on a shallow clone {_FETCH_MORE})"
    )


def merge_base(root: str, base: str, head: str, *, base_name: str | None = None,
               head_name: str | None = None) -> str:
    """The merge-base of two commits; ``GitError`` with the remedy when there is none.

    ``base_name``/``head_name`` are how the user called them (for the message). Never falls
    back to comparing the two tips directly: that would blame the change for everything that
    happened on the base branch since it forked.
    """
    base_name = base_name or base
    head_name = head_name or head
    proc = run_git(["merge-base", "--end-of-options", base, head], root, check=False)
    if proc.returncode == 0:
        return proc.stdout.decode("ascii").strip()
    if is_shallow(root):
        raise _shallow_error(base_name, head_name)
    missing = _missing_commit(root, base, head)
    if missing is not None:
        raise _incomplete_error(missing, base_name, head_name)
    if proc.returncode == 1:
        raise GitError(
            f"{base_name} and {head_name} share no history (no merge-base); give as base the "
            f"branch {head_name} was forked from"
        )
    detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    raise GitError(
        f"cannot find the merge-base of {base_name} and {head_name}: "
        f"{detail[-1] if detail else 'git merge-base failed'}"
    )


def _require_whole_range(root: str, commits: tuple[Commit, ...], what: str) -> None:
    """``GitError`` when a shallow clone cuts the parents of a commit of ``commits``.

    git shows such a commit as a root commit: the commits below it are simply not there, and
    judging without them would silently drop an AI commit (and read the cut commit's whole tree
    as its own change). Exit 2 with the remedy, never a pass.
    """
    boundary = shallow_boundary(root)
    if not boundary:
        return
    cut = [c for c in commits if c.sha in boundary]
    if not cut:
        return
    first = cut[0]
    shown = ", ".join(c.sha[:12] for c in cut[:3] if c.sha) + (
        f" and {len(cut) - 3} more" if len(cut) > 3 else "")
    raise GitError(
        f"the clone is shallow and cuts off history inside {what}: the parents of commit "
        f"{shown} ({first.subject[:60]!r}) are missing here, so commits of the change may be "
        f"missing too; fetch the whole range ({_FETCH_MORE})"
    )


def range_change(root: str, base: str, head: str = "HEAD") -> ChangeSet:
    """Commits in ``head`` not in ``base`` (oldest first, merges included), and the diff from
    merge-base(``base``, ``head``) to ``head``.

    ``ChangeSet.base`` is the merge-base, ``ChangeSet.head`` the head commit. In a shallow clone
    that lacks the merge-base this raises ``GitError`` saying how to fetch more history.
    """
    base_sha = resolve(root, base)
    head_commit = resolve(root, head)
    fork_point = merge_base(root, base_sha, head_commit, base_name=base, head_name=head)
    try:
        commits = tuple(commits_between(root, base_sha, head_commit, paths=False))
    except GitError:
        missing = _missing_commit(root, head_commit, f"^{base_sha}")
        if missing is None:
            raise
        raise _incomplete_error(missing, base, head) from None
    _require_whole_range(root, commits, f"{base}..{head}")
    files = _diff_trees(root, fork_point, head_commit)
    if len(commits) == 1 and commits[0].parents == (fork_point,):
        # One commit on top of the merge-base (a pushed commit, a squashed pull request): the
        # files it touched are the diff's, so git need not list them a second time.
        commits = (replace(commits[0], paths=_paths_of(files), renames=tuple(
            (f.old_path, f.path) for f in files if f.old_path is not None)),)
    else:
        commits = tuple(with_paths_between(root, base_sha, head_commit, commits))
    return ChangeSet(
        mode="range", root=os.path.abspath(root), base=fork_point, head=head_commit,
        commits=commits, files=files, branch=branch_of(root, head),
    )


def history_change(root: str, head: str = "HEAD") -> ChangeSet:
    """Every commit reachable from ``head`` and the diff from the empty tree to ``head``: a
    branch judged from its root (the first push to an empty remote). ``ChangeSet.base`` is None.

    A shallow clone has no root to start from: ``GitError`` with the remedy.
    """
    head_commit = resolve(root, head)
    if is_shallow(root):
        raise GitError(
            f"cannot judge {head} from its first commit: the clone is shallow; fetch the whole "
            "history (`git fetch --unshallow`)"
        )
    commits = tuple(log_commits(
        root, ["--topo-order", "--reverse", "--end-of-options", head_commit]))
    return ChangeSet(
        mode="range", root=os.path.abspath(root), base=None, head=head_commit, commits=commits,
        files=_diff_trees(root, _empty_tree(root), head_commit), branch=branch_of(root, head),
    )


def commit_change(root: str, rev: str) -> ChangeSet:
    """One commit against its first parent (a root commit: against the empty tree)."""
    sha = resolve(root, rev)
    commits = tuple(log_commits(root, ["--max-count=1", "--end-of-options", sha]))
    if len(commits) != 1:
        raise GitError(f"cannot read commit {rev}")
    parents = commits[0].parents
    first_parent = parents[0] if parents else None
    try:
        files = _diff_trees(root, first_parent, sha)
    except GitError:
        if sha not in shallow_boundary(root):
            raise
        raise GitError(
            f"cannot diff {rev} against its parent: the clone is shallow and cuts history off "
            f"at that commit, so its parent is missing here; fetch more ({_FETCH_MORE})"
        ) from None
    return ChangeSet(
        mode="commit", root=os.path.abspath(root), base=first_parent, head=sha, commits=commits,
        files=files, branch=branch_of(root, rev),
    )


def parse_range(root: str, spec: str) -> tuple[str, str]:
    """Split ``BASE..HEAD`` (``split_range``) and check both sides exist: unknown revisions
    raise ``GitError``."""
    base, head = split_range(spec)
    resolve(root, base)
    resolve(root, head)
    return base, head
