"""Small questions the gate asks the repository: revisions, branches, trees, blobs, signatures.

Every answer comes from one git process through ``vetgate.changes.git`` and is plain data.
Revisions are passed to git behind ``--end-of-options`` (or refused when they look like an
option), so a ref name can never be read as a command-line flag.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence

from vetgate.changes._parse import decode_path
from vetgate.changes.commits import list_commits, log_commits, with_logged_paths
from vetgate.changes.git import WHERE_ARGS, HistoryRoot, parse_where, run_git
from vetgate.changes.model import Commit
from vetgate.errors import GitError, UsageError

_SHALLOW_HINT = (
    "the clone is shallow, so it may lack that history: fetch more (`git fetch --deepen=N` or "
    "`--unshallow`; on GitHub Actions set `fetch-depth: 0`, on GitLab `GIT_DEPTH: 0`)"
)
# %G? letters git prints for a signature it found good. They are only candidates: what counts is
# `git verify-commit` exiting 0. G (good; for SSH: a key of gpg.ssh.allowedSignersFile) passes.
# U is "good signature, unknown trust": for GPG it passes verify-commit unless gpg.minTrustLevel
# asks for more, for SSH it means the key is NOT an allowed signer and verify-commit fails.
# B (bad), X/Y (expired signature/key), R (revoked key), E (cannot check: key missing) and
# N (unsigned; also SSH without an allowedSignersFile) never pass.
SIGNATURE_CANDIDATES = frozenset("GU")
# Keep each command line well below every platform's argument limit.
_MAX_ARGS_BYTES = 64 * 1024


# Where a revision stops being a name and starts counting or selecting (HEAD~2, main^, @{u}).
_RELATIVE = re.compile(r"[~^:]|@\{")


def remotes(root: str) -> frozenset[str]:
    """The names of the remotes configured here (``git remote``)."""
    proc = run_git(["remote"], root, check=False)
    return frozenset(decode_path(proc.stdout).split()) if proc.returncode == 0 else frozenset()


def _check_rev(rev: str) -> None:
    """Refuse revisions git would misread (options, empty, control characters)."""
    if not rev or rev.startswith("-") or any(ch in rev for ch in "\0\n\r"):
        raise GitError(f"invalid revision {rev!r}: give a branch, tag or commit id")


def _unknown_rev(root: str, rev: str) -> GitError:
    if rev == "HEAD":
        return GitError(
            "HEAD does not point at a commit yet (no commit on this branch); make the first "
            "commit (`vetgate check --staged` judges what is staged until then)"
        )
    # Bytes that are not UTF-8 arrive as surrogate escapes; show them as \xNN, never raw.
    shown = rev.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    message = f"unknown revision '{shown}': no commit of that name in this repository; "
    anchor = _RELATIVE.split(shown, 1)[0]
    if anchor != shown:
        # HEAD~5, main^2, v1^{tree}, @{u}, HEAD:path: nothing to fetch under that name.
        message += "check the spelling"
        if anchor:
            message += (f": it counts from {anchor}, and there may be fewer commits behind it "
                        f"here (`git log --oneline {anchor}` lists them)")
    else:
        remote, _, branch = shown.partition("/")
        if not branch or (remote != "origin" and remote not in remotes(root)):
            remote, branch = "origin", shown
        message += f"check the spelling, or fetch it first (`git fetch {remote} {branch}`)"
    if is_shallow(root):
        message += f"; {_SHALLOW_HINT}"
    return GitError(message)


def is_ancestor(root: str, ancestor: str, descendant: str) -> bool:
    """Whether commit ``ancestor`` is reachable from ``descendant`` (both full shas)."""
    proc = run_git(["merge-base", "--is-ancestor", ancestor, descendant], root, check=False)
    return proc.returncode == 0


def resolve_optional(root: str, rev: str) -> str | None:
    """The full commit id ``rev`` names, or None when it names no commit here."""
    proc = run_git(
        ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], root,
        check=False,
    )
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("ascii", "replace").strip() or None


def resolve(root: str, rev: str) -> str:
    """The full commit id ``rev`` names (tags are peeled); ``GitError`` with the remedy if none."""
    if not rev or any(ch in rev for ch in "\0\n\r"):
        raise GitError(f"invalid revision {rev!r}: give a branch, tag or commit id")
    proc = run_git(
        ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], root,
        check=False,
    )
    if proc.returncode == 1:
        raise _unknown_rev(root, rev)
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(
            f"cannot resolve {rev!r}: {detail[-1] if detail else 'git rev-parse failed'}"
        )
    return proc.stdout.decode("ascii").strip()


def head_sha(root: str) -> str | None:
    """The commit HEAD points at, or None when HEAD is unborn (no commit yet on the branch)."""
    proc = run_git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], root, check=False)
    if proc.returncode == 0:
        return proc.stdout.decode("ascii").strip()
    if proc.returncode == 1:
        return None
    detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    raise GitError(f"cannot read HEAD: {detail[-1] if detail else 'git rev-parse failed'}")


def current_branch(root: str) -> str | None:
    """The branch HEAD is on (also while it is unborn); None when HEAD is detached."""
    proc = run_git(["symbolic-ref", "--quiet", "HEAD"], root, check=False)
    if proc.returncode == 1:
        return None
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"cannot read HEAD: {detail[-1] if detail else 'git symbolic-ref failed'}")
    ref = decode_path(proc.stdout.rstrip(b"\n"))
    return ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None


def branch_of(root: str, rev: str) -> str | None:
    """The branch ``rev`` names (``HEAD`` → the current branch), or None for other revisions."""
    if rev == "HEAD":
        return current_branch(root)
    proc = run_git(
        ["rev-parse", "--verify", "--quiet", "--symbolic-full-name", "--end-of-options", rev],
        root, check=False,
    )
    ref = decode_path(proc.stdout.rstrip(b"\n")) if proc.returncode == 0 else ""
    return ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None


def tracked_files(root: str) -> list[str]:
    """Every path in the index (``git ls-files -z``), each once, in git's order."""
    output = run_git(["ls-files", "-z", "--full-name"], root).stdout
    # Unmerged paths are listed once per conflict stage; keep the first.
    return list(dict.fromkeys(decode_path(raw) for raw in output.split(b"\0") if raw))


def read_blob_at(root: str, rev: str, path: str) -> bytes | None:
    """The content of ``path`` at ``rev`` (a symlink's target text), or None when ``rev`` has no
    file there (absent, a directory, or a submodule). ``GitError`` if ``rev`` is unknown."""
    _check_rev(rev)
    # subprocess encodes the argument with surrogateescape, so odd path bytes round-trip.
    proc = run_git(["cat-file", "blob", f"{rev}:{path}"], root, check=False)
    if proc.returncode == 0:
        return proc.stdout
    # Tell "no such file" (None) from "no such revision" (an error) with one more question.
    tree = run_git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{tree}}"],
                   root, check=False)
    if tree.returncode != 0:
        raise _unknown_rev(root, rev)
    return None


def read_blobs(root: str, object_ids: Iterable[str], *, max_bytes: int) -> dict[str, bytes]:
    """Contents of blobs by id, with one ``git cat-file --batch``; non-blobs, missing ids and
    blobs larger than ``max_bytes`` are left out."""
    ids = list(dict.fromkeys(object_ids))
    if not ids:
        return {}
    proc = run_git(["cat-file", "--batch"], root, input=("\n".join(ids) + "\n").encode())
    out = proc.stdout
    result: dict[str, bytes] = {}
    pos = 0
    for object_id in ids:
        newline = out.find(b"\n", pos)
        if newline < 0:
            break
        header = out[pos:newline].split()
        pos = newline + 1
        if len(header) != 3:  # "<id> missing" (or ambiguous)
            continue
        object_type, size = header[1], int(header[2])
        content = out[pos:pos + size]
        pos += size + 1  # the content is followed by a newline
        if object_type == b"blob" and size <= max_bytes:
            result[object_id] = content
    return result


def _ls_tree(root: str, rev: str, paths: Sequence[str] = ()
             ) -> list[tuple[str, str, str, str]]:
    """(mode, type, object id, path) for every non-tree entry at ``rev``, optionally limited to
    the literal ``paths``."""
    _check_rev(rev)
    args = ["ls-tree", "-r", "-z", "--full-tree", rev]
    if paths:
        args.append("--")
        args.extend(paths)
    # Paths are literal names, never glob patterns.
    proc = run_git(args, root, check=False, env={"GIT_LITERAL_PATHSPECS": "1"})
    if proc.returncode != 0:
        if run_git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{tree}}"],
                   root, check=False).returncode != 0:
            raise _unknown_rev(root, rev)
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"cannot list {rev}: {detail[-1] if detail else 'git ls-tree failed'}")
    entries: list[tuple[str, str, str, str]] = []
    for record in proc.stdout.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        mode, object_type, oid = meta.split(b" ")
        entries.append((mode.decode("ascii"), object_type.decode("ascii"), oid.decode("ascii"),
                        decode_path(raw_path)))
    return entries


def list_tree_at(root: str, rev: str) -> list[str]:
    """Every file path (regular files and symlinks; not submodules) in the tree of ``rev``."""
    return [path for _mode, object_type, _oid, path in _ls_tree(root, rev)
            if object_type == "blob"]


Entry = tuple[str, str]  # (git file mode, object id)


def entries_at(root: str, rev: str, paths: Sequence[str]) -> dict[str, Entry | None]:
    """For each of ``paths``: its (mode, object id) at ``rev`` (the blob; for a submodule, the
    commit it records), or None when ``rev`` has no file at that path. The mode tells a regular
    file from an executable, a symlink and a submodule with the same object id."""
    found: dict[str, Entry | None] = dict.fromkeys(paths)
    batch: list[str] = []
    size = 0
    for path in dict.fromkeys(paths):
        batch.append(path)
        size += len(path.encode("utf-8", "surrogateescape")) + 1
        if size >= _MAX_ARGS_BYTES:
            _fill_blobs(root, rev, batch, found)
            batch, size = [], 0
    if batch or not found:
        _fill_blobs(root, rev, batch, found)
    return found


def _fill_blobs(root: str, rev: str, batch: list[str], found: dict[str, Entry | None]) -> None:
    if not batch:
        _check_rev(rev)
        resolve_tree = run_git(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{tree}}"], root,
            check=False,
        )
        if resolve_tree.returncode != 0:
            raise _unknown_rev(root, rev)
        return
    for mode, _object_type, oid, path in _ls_tree(root, rev, batch):
        # A directory given as a path lists its contents; only exact names count.
        if path in found:
            found[path] = (mode, oid)


def _verified(root: str, shas: Sequence[str]) -> set[str]:
    """The commits of ``shas`` that ``git verify-commit`` accepts.

    One ``verify-commit`` for all of them first (the usual case: every one is good); only when
    that fails, one per commit to tell which.
    """
    good: set[str] = set()
    batch: list[str] = []
    size = 0
    batches: list[list[str]] = []
    for sha in shas:
        batch.append(sha)
        size += len(sha) + 1
        if size >= _MAX_ARGS_BYTES:
            batches.append(batch)
            batch, size = [], 0
    if batch:
        batches.append(batch)
    for group in batches:
        if run_git(["verify-commit", "--", *group], root, check=False).returncode == 0:
            good.update(group)
            continue
        for sha in group:
            if run_git(["verify-commit", "--", sha], root, check=False).returncode == 0:
                good.add(sha)
    return good


def signature_status(root: str, shas: Sequence[str]) -> dict[str, bool]:
    """For each commit id: does ``git verify-commit`` accept its signature?

    ``%G?`` (one ``git log`` for all) picks the candidates (G or U); each candidate must then
    pass ``git verify-commit``, which also applies ``gpg.minTrustLevel`` and refuses an SSH key
    that is not in ``gpg.ssh.allowedSignersFile`` (``%G?`` shows such a signature as U).
    Unsigned, bad, expired, revoked or uncheckable → False. Keys are the ids as given;
    ``GitError`` if one is not a commit.
    """
    unique = list(dict.fromkeys(shas))
    if not unique:
        return {}
    for sha in unique:
        _check_rev(sha)
    proc = run_git(
        ["log", "--no-walk=unsorted", "--stdin", "--format=%H %G?", "--no-show-signature"],
        root, input="".join(f"{sha}\n" for sha in unique).encode("utf-8"), check=False,
    )
    if proc.returncode != 0:
        for sha in unique:
            resolve(root, sha)  # raises the helpful error for the unknown one
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"cannot check signatures: {detail[-1] if detail else 'git log failed'}")
    letters: dict[str, str] = {}
    for line in proc.stdout.decode("ascii", "replace").splitlines():
        full, _, letter = line.partition(" ")
        letters[full] = letter
    full_of = {sha: sha if sha in letters else resolve(root, sha) for sha in unique}
    candidates = [full for full in dict.fromkeys(full_of.values())
                  if letters.get(full) in SIGNATURE_CANDIDATES]
    good = _verified(root, candidates) if candidates else set()
    return {sha: full_of[sha] in good for sha in unique}


def commits_between(root: str, base: str, head: str, *, paths: bool = True) -> list[Commit]:
    """Commits reachable from ``head`` but not from ``base`` (``git rev-list base..head``),
    oldest first (parents before children), merges included.

    With ``paths`` each commit's ``paths`` are the files it touched against its first parent,
    both paths of renames and copies (a merge: its dense combined diff). Without, no diff is
    computed at all: what only classifying needs, fast and possible in a clone without blobs.
    """
    args = _between(base, head)
    return log_commits(root, args) if paths else list_commits(root, args)


def with_paths_between(root: str, base: str, head: str, commits: Sequence[Commit]
                       ) -> list[Commit]:
    """``commits_between(root, base, head, paths=False)`` given the paths each touched (as
    ``paths=True`` gives them), without reading the commits again."""
    return with_logged_paths(root, commits, _between(base, head))


def _between(base: str, head: str) -> list[str]:
    _check_rev(base)
    _check_rev(head)
    return ["--topo-order", "--reverse", "--end-of-options", head, f"^{base}"]


def split_range(spec: str) -> tuple[str, str]:
    """``(BASE, HEAD)`` of ``BASE..HEAD``.

    Unlike git, an empty side is refused rather than read as HEAD: in a CI script an unset
    variable (``"$BASE..HEAD"``) would otherwise select an empty range and pass. ``A...B`` is
    refused with ``UsageError``: vetgate always diffs from the merge-base, which
    is what ``A..B`` already means here.
    """
    if "..." in spec:
        raise UsageError(
            f"`{spec}` is a three-dot range; vetgate always compares HEAD with its merge-base "
            "with BASE, so write it as BASE..HEAD"
        )
    if ".." not in spec:
        raise UsageError(f"`{spec}` is not a range; write it as BASE..HEAD")
    base, head = spec.split("..", 1)
    if not base.strip() or not head.strip():
        raise UsageError(
            f"`{spec}` leaves a side of the range empty; write both: BASE..HEAD (an empty side "
            "is not read as HEAD, so an unset variable cannot select an empty range)"
        )
    return base, head


def locate(cwd: str, revs: Sequence[str], globs: Sequence[str] = ()
           ) -> tuple[HistoryRoot, str, list[str], list[str]] | None:
    """The root a history command works in (``history_root``: the work tree's top level, or a
    bare repository's git directory), vetgate's compiled store (``--git-path vetgate``,
    absolute), the commit each of ``revs`` names (tags peeled) and the refs ``globs`` match,
    from one ``git rev-parse``; None when git refuses any of it or a revision could be read as
    something else (the caller then asks the way that explains: ``history_root``,
    ``resolve``)."""
    if any(not rev or rev.startswith("-") or any(ch in rev for ch in "\0\n\r")
           for rev in revs):
        return None
    proc = run_git(["rev-parse", *WHERE_ARGS, "--git-path", "vetgate",
                    *(f"{rev}^{{commit}}" for rev in revs), "--symbolic-full-name",
                    *(f"--glob={glob}" for glob in globs)], cwd, check=False)
    lines = proc.stdout.decode("utf-8", "surrogateescape").split("\n")
    where = parse_where(lines, cwd) if proc.returncode == 0 else None
    if where is None:
        return None
    root, used = where
    lines = lines[used:]
    if len(lines) < len(revs) + 2 or lines[-1] or not lines[0]:
        return None
    shas = lines[1:1 + len(revs)]
    if not all(len(sha) in (40, 64) and not sha.strip("0123456789abcdef") for sha in shas):
        return None
    store = os.path.normpath(os.path.join(os.path.abspath(cwd), lines[0]))
    return root, store, shas, lines[1 + len(revs):-1]


def is_shallow(root: str) -> bool:
    """Is this a shallow clone (history cut off below some commits)?"""
    proc = run_git(["rev-parse", "--is-shallow-repository"], root)
    return proc.stdout.strip() == b"true"


def shallow_boundary(root: str) -> frozenset[str]:
    """The commits whose parents a shallow clone cuts off (git's ``shallow`` file); empty in a
    full clone. git shows each of them as a root commit: its parents, and every commit below
    them, are missing here. One git process."""
    proc = run_git(["rev-parse", "--is-shallow-repository", "--git-path", "shallow"], root)
    flag, _, path = proc.stdout.decode("utf-8", "surrogateescape").partition("\n")
    if flag.strip() != "true":
        return frozenset()
    path = path.rstrip("\n")
    path = path if os.path.isabs(path) else os.path.join(root, path)
    try:
        with open(path, "rb") as handle:
            lines = handle.read().decode("ascii", "replace").split()
    except FileNotFoundError:
        return frozenset()
    except OSError as exc:
        raise GitError(f"cannot read {path}: {exc.strerror}") from exc
    return frozenset(lines)


def git_path(cwd: str, name: str) -> str:
    """``git rev-parse --git-path NAME`` as an absolute path (honours linked worktrees and, for
    ``hooks``, core.hooksPath)."""
    proc = run_git(["rev-parse", "--git-path", name], cwd)
    return os.path.normpath(os.path.join(
        os.path.abspath(cwd), proc.stdout.decode("utf-8", "surrogateescape").rstrip("\n")))


def hooks_dir(cwd: str) -> str:
    """Where git looks for hooks (``git rev-parse --git-path hooks``), absolute."""
    return git_path(cwd, "hooks")


def has_merge_base(root: str, one: str, other: str) -> bool:
    """Do two commits share history?"""
    return run_git(["merge-base", "--end-of-options", one, other], root,
                   check=False).returncode == 0


def symbolic_ref(root: str, ref: str) -> str | None:
    """The ref the symbolic ref ``ref`` points at (``refs/remotes/origin/HEAD`` →
    ``refs/remotes/origin/main``), or None when it is not a symbolic ref."""
    proc = run_git(["symbolic-ref", "-q", "--", ref], root, check=False)
    target = decode_path(proc.stdout.rstrip(b"\n")) if proc.returncode == 0 else ""
    return target or None


def commits_not_on_remotes(root: str, head: str) -> list[str]:
    """Commits of ``head`` that no remote-tracking ref has, oldest first (parents first)."""
    _check_rev(head)
    proc = run_git(["rev-list", "--topo-order", "--reverse", head, "--not", "--remotes"], root)
    return proc.stdout.decode("ascii").split()


def parents_of(root: str, sha: str) -> list[str]:
    """The parents of commit ``sha`` (none for a root commit)."""
    _check_rev(sha)
    proc = run_git(["rev-list", "--parents", "-n", "1", "--end-of-options", sha], root)
    return proc.stdout.decode("ascii").split()[1:]
