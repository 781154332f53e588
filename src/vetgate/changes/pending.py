"""The pending commit: what ``git commit`` is about to record, as the commit-msg hook and
``check --staged`` see it.

The hook runs on every commit, so this module asks git as little as it can: ``repo_state`` is one
``git rev-parse`` for everything the hook needs at start (top level, HEAD, branch, the message
and merge-state files), ``pending_identity`` one ``git var -l`` for both identities and
``core.commentChar`` when git has already checked the identities, and ``staged_change`` one
``git diff-index`` (plus, only for a merge, the commits it brings in).

Merge-state files never make the gate skip anything: a ``MERGE_HEAD`` only adds what git will
record as the commit's other parents, and everything the staged commit brings is judged (its
diff against HEAD; for a real merge, the commits it brings in and what it writes itself).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from vetgate.changes._parse import DIFF_ARGS, parse_diff, parse_ident
from vetgate.changes.git import repo_root, run_git, start_git
from vetgate.changes.model import ChangeSet, Commit, FileChange, Identity
from vetgate.errors import GitError
from vetgate.records import frozen

# What `git commit` exports to its hooks and what `git var` reads to build the identities.
_IDENT_ENV = (
    "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE",
    "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE",
)
_VAR_LIST = ["var", "-l"]
# Set by `git commit` for its hooks, after it has checked both identities strictly.
_IN_GIT_COMMIT = ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE")


@frozen
class RepoState:
    """The repository as the hooks find it at start: the work tree's top level, HEAD (None while
    unborn), the branch (None when detached), and the paths of ``COMMIT_EDITMSG`` and
    ``MERGE_HEAD`` (``git rev-parse --git-path``: linked worktrees are honoured), and the folder
    for vetgate's compiled policy and catalog (``--git-path vetgate``; ``vetgate.compiled``)."""

    root: str
    head: str | None
    branch: str | None
    commit_editmsg: str
    merge_head: str
    compiled_dir: str


def repo_state(cwd: str) -> RepoState:
    """Everything ``RepoState`` holds, from one ``git rev-parse`` (two more only while HEAD is
    unborn). ``GitError`` with the remedy when ``cwd`` is not in a work tree."""
    from vetgate.changes.repo import current_branch, head_sha

    proc = run_git(["rev-parse", "--show-toplevel", "--git-path", "COMMIT_EDITMSG",
                    "--git-path", "MERGE_HEAD", "--git-path", "vetgate", "HEAD",
                    "--symbolic-full-name", "HEAD", "--"], cwd, check=False)
    lines = proc.stdout.decode("utf-8", "surrogateescape").split("\n")
    if len(lines) < 5 or not all(lines[:4]):
        repo_root(cwd)  # raises the error that says what to do
        raise GitError(f"cannot read the repository at {os.path.abspath(cwd)}: "
                       f"{proc.stderr.decode('utf-8', 'replace').strip()}")
    where = os.path.abspath(cwd)
    root = lines[0]
    editmsg, merge_head, compiled_dir = (os.path.normpath(os.path.join(where, p))
                                         for p in lines[1:4])
    if proc.returncode == 0 and len(lines) >= 6:
        symbolic = lines[5]
        branch = symbolic.removeprefix("refs/heads/") if symbolic.startswith("refs/heads/") \
            else None
        return RepoState(root, lines[4], branch, editmsg, merge_head, compiled_dir)
    # HEAD names no commit: an unborn branch (or a damaged HEAD, which head_sha reports).
    return RepoState(root, head_sha(root), current_branch(root), editmsg, merge_head,
                     compiled_dir)


@frozen
class PendingIdentity:
    """Who the pending commit records as author and committer, when, and the configured
    ``core.commentChar`` (``#`` by default, ``auto``, or the character)."""

    author: Identity
    author_time: int
    committer: Identity
    commit_time: int
    comment_char: str


def _overlay(source: Mapping[str, str]) -> dict[str, str]:
    return {key: source[key] for key in (*_IDENT_ENV, "GIT_INDEX_FILE") if key in source}


def _verbatim(which: str, ident: str, source: Mapping[str, str]) -> tuple[Identity, int]:
    identity, when = parse_ident(ident)
    # `git commit` exports the identity it will record (it reflects --author); take it verbatim.
    name = source.get(f"GIT_{which}_NAME", identity.name)
    email = source.get(f"GIT_{which}_EMAIL", identity.email)
    return Identity(name, email), when


def _identity(root: str, which: str, overlay: Mapping[str, str],
              source: Mapping[str, str]) -> tuple[Identity, int]:
    """The author or committer (``which``) a commit made now would record, and the time."""
    proc = run_git(["var", f"GIT_{which}_IDENT"], root, env=overlay, check=False)
    if proc.returncode != 0:
        raise GitError(
            f"git cannot tell who the {which.lower()} of the pending commit is; set it with "
            "`git config user.name NAME` and `git config user.email EMAIL`"
        )
    return _verbatim(which, proc.stdout.decode("utf-8", "replace"), source)


def _listed(root: str, overlay: Mapping[str, str]) -> tuple[dict[str, str], str]:
    """``git var -l``: its logical variables, and the last ``core.commentChar`` of the
    configuration it lists first. The variables come after every configuration line, so the
    last ``GIT_COMMITTER_IDENT=`` starts them whatever a configured value contains."""
    lines = run_git(_VAR_LIST, root, env=overlay).stdout.decode("utf-8", "replace")
    listed = lines.split("\n")
    starts = [i for i, line in enumerate(listed) if line.startswith("GIT_COMMITTER_IDENT=")]
    if not starts:
        raise GitError("`git var -l` did not list GIT_COMMITTER_IDENT; please report this")
    variables: dict[str, str] = {}
    for line in listed[starts[-1]:]:
        key, _, value = line.partition("=")
        variables.setdefault(key, value)
    comment = ""
    for line in listed[:starts[-1]]:
        key, _, value = line.partition("=")
        if key in ("core.commentchar", "core.commentstring"):
            comment = value
    return variables, comment


def _in_git_commit(env: Mapping[str, str]) -> bool:
    """Whether ``git commit`` runs this process (it exports the author it has checked)."""
    return all(env.get(key) for key in _IN_GIT_COMMIT)


def start_pending(root: str, env: Mapping[str, str], state: RepoState) -> None:
    """Start the git processes ``pending_identity`` and ``staged_change`` will wait for (inside
    ``git commit``: ``git var -l``; the staged diff against HEAD), so they run side by side."""
    overlay = _overlay(env)
    if _in_git_commit(env):
        start_git(_VAR_LIST, root, env=overlay)
    if state.head is not None:
        start_git(_staged_diff_args(state.head), root, env=overlay)


def _staged_diff_args(tree: str) -> list[str]:
    return ["diff-index", "--cached", *DIFF_ARGS, tree]


def pending_identity(root: str, env: Mapping[str, str] | None = None) -> PendingIdentity:
    """The identities and comment character of a commit made now in ``env`` (default: this
    process's environment).

    Inside ``git commit`` (which exports ``GIT_AUTHOR_NAME``/``EMAIL``/``DATE`` to its hooks
    after checking both identities strictly) one ``git var -l`` answers everything; elsewhere
    each identity is asked strictly, so an unconfigured one is an error, never a guess.
    """
    from vetgate.changes.message import DEFAULT_COMMENT_CHAR, configured_comment_char

    source: Mapping[str, str] = os.environ if env is None else env
    overlay = _overlay(source)
    if _in_git_commit(source):
        variables, comment = _listed(root, overlay)
        author, author_time = _verbatim("AUTHOR", variables.get("GIT_AUTHOR_IDENT", ""), source)
        committer, commit_time = _verbatim("COMMITTER", variables["GIT_COMMITTER_IDENT"],
                                           source)
        return PendingIdentity(author, author_time, committer, commit_time,
                               comment or DEFAULT_COMMENT_CHAR)
    author, author_time = _identity(root, "AUTHOR", overlay, source)
    committer, commit_time = _identity(root, "COMMITTER", overlay, source)
    return PendingIdentity(author, author_time, committer, commit_time,
                           configured_comment_char(root))


def _merge_heads(path: str) -> tuple[str, ...]:
    """The commits named in ``MERGE_HEAD`` (git makes them the other parents of the commit)."""
    try:
        with open(path, "rb") as handle:
            lines = handle.read().decode("ascii", "replace").split()
    except FileNotFoundError:
        return ()
    except OSError as exc:
        raise GitError(f"cannot read {path}: {exc.strerror}") from exc
    return tuple(line for line in lines if line)


def _merge_parts(root: str, base: str, heads: Sequence[str], files: Sequence[FileChange]
                 ) -> tuple[tuple[str, ...], tuple[Commit, ...], frozenset[str]]:
    """For a pending merge: the other parents (resolved), the commits it brings in (oldest
    first) and the paths it writes itself (staged content that differs from every other
    parent's; content it takes from one of them is traced to the commits that wrote it).

    A ``MERGE_HEAD`` that names no commit is an error: git would refuse the commit too.
    """
    from vetgate.changes.repo import commits_between, entries_at, resolve_optional

    parents: list[str] = []
    for head in heads:
        sha = resolve_optional(root, head)
        if sha is None:
            raise GitError(
                f"MERGE_HEAD names {head!r}, which is not a commit here; finish or abort the "
                "merge (`git merge --abort`) before committing"
            )
        parents.append(sha)
    brought: dict[str | None, Commit] = {}
    for sha in parents:
        for commit in commits_between(root, base, sha):
            brought.setdefault(commit.sha, commit)
    paths = sorted({p for f in files for p in f.paths})
    theirs = [entries_at(root, sha, paths) for sha in parents]
    own = frozenset(
        p for f in files for p in f.paths
        if all(entries.get(f.path) != f.new_entry for entries in theirs)
    )
    return tuple(parents), tuple(brought.values()), own


def staged_change(root: str, *, message: str = "", env: Mapping[str, str] | None = None,
                  state: RepoState | None = None, identity: PendingIdentity | None = None
                  ) -> ChangeSet:
    """The index against HEAD (against the empty tree while HEAD is unborn), with the pending
    commit that would record it.

    ``message`` is the pending message, already cleaned (``vetgate.changes.message``). ``env``
    is the environment of the commit (default: this process's); its ``GIT_AUTHOR_*``,
    ``GIT_COMMITTER_*`` and ``GIT_INDEX_FILE`` are honoured. ``state`` and ``identity``, when
    the caller has them (``repo_state``, ``pending_identity``), save asking git again.

    While a merge is being concluded (``MERGE_HEAD``) the pending commit's parents are HEAD and
    the merged commits; the change then also holds the commits the merge brings in (before the
    pending commit), and the pending commit's paths are what it writes itself.
    """
    from vetgate.changes.collect import _empty_tree, _paths_of, _with_whole_file_lines
    from vetgate.changes.repo import current_branch, git_path, head_sha

    source: Mapping[str, str] = os.environ if env is None else env
    overlay = _overlay(source)
    base = state.head if state is not None else head_sha(root)
    tree = base if base is not None else _empty_tree(root)
    # Always ask git: GIT_INDEX_FILE may name a temporary index (`git commit -a`, `commit FILE`).
    diff = run_git(_staged_diff_args(tree), root, env=overlay)
    files = _with_whole_file_lines(root, parse_diff(diff.stdout))
    who = identity or pending_identity(root, source)
    merge_head = state.merge_head if state is not None else git_path(root, "MERGE_HEAD")
    heads = _merge_heads(merge_head) if base is not None else ()
    brought: tuple[Commit, ...] = ()
    paths = _paths_of(files)
    parents: tuple[str, ...] = () if base is None else (base,)
    if heads and base is not None:
        others, brought, paths = _merge_parts(root, base, heads, files)
        parents = (base, *others)
    pending = Commit(
        sha=None, parents=parents, author=who.author, committer=who.committer,
        author_time=who.author_time, commit_time=who.commit_time, message=message,
        paths=paths,
    )
    return ChangeSet(
        mode="staged", root=os.path.abspath(root), base=base, head=None,
        commits=(*brought, pending), files=files,
        branch=state.branch if state is not None else current_branch(root),
    )
