"""The logic behind `vetgate hook ...` and `vetgate install-hooks`.

Three git hooks, each its own entry point because pre-commit does not tell a hook which stage it
runs in:

* ``prepare-commit-msg`` ("vetgate-mark"): inside an AI agent's shell, append the agent's
  declaration trailer to the message, the way ``git interpret-trailers`` would;
* ``commit-msg`` ("vetgate"): evaluate the staged change with the pending message;
* ``pre-push`` ("vetgate-push"): evaluate the commits being pushed.

This module is on the hook path of every commit, so it imports only the standard library and
vetgate's own light modules at the top; everything else is imported where it is used.
"""

from __future__ import annotations

import os
import re
import shlex
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vetgate.changes.git import run_git
from vetgate.errors import GitError, UsageError

if TYPE_CHECKING:
    from vetgate.policy.model import OriginConfig

# --- which trailer to add -------------------------------------------------------------------------


def declaration_for(env: Mapping[str, str], root: str | None = None) -> tuple[str, str] | None:
    """The trailer that declares the agent whose shell this is, or None outside an agent.

    The built-in catalog names the agent (``AI-Assisted: claude-code`` under ``CLAUDECODE=1``);
    variables the team lists under ``origin.markers.env`` in the working tree's policy count
    too, and ``origin.builtin: false`` switches the catalog off. A policy that cannot be loaded
    is read as the default one here: this hook must never stop a commit for it (the commit-msg
    hook reports the broken policy).
    """
    from vetgate.provenance.classify import agent_declaration_trailer

    origin = _policy_origin(root) if root is not None else None
    if origin is None:
        return agent_declaration_trailer(env)
    return agent_declaration_trailer(env, origin)


def _policy_origin(root: str) -> OriginConfig | None:
    """The parts of ``origin:`` in the work tree's ``.vetgate.yaml`` that decide the mark
    (``builtin`` and ``markers.env``); None when there is no policy or it cannot be read.

    Read with a plain YAML parse, not the full policy loader: this hook runs on every commit,
    human ones included, and needs two settings, not compiled path patterns. Anything odd falls
    back to the defaults; the commit-msg hook loads and validates the whole policy.
    """
    from vetgate.policy.model import MarkerConfig, OriginConfig

    try:
        with open(os.path.join(root, ".vetgate.yaml"), "rb") as handle:
            data = handle.read()
    except OSError:
        return None  # no policy: the packaged default, whose origin settings are the defaults
    import yaml

    try:
        document = yaml.load(data, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None
    origin = document.get("origin") if isinstance(document, dict) else None
    if not isinstance(origin, dict):
        return None
    markers = origin.get("markers")
    names = markers.get("env") if isinstance(markers, dict) else None
    env = tuple(n for n in names if isinstance(n, str)) if isinstance(names, list) else ()
    return OriginConfig(builtin=origin.get("builtin") is not False, markers=MarkerConfig(env=env))


# --- pre-push -----------------------------------------------------------------------------------


_ZEROS = re.compile(r"0+")


def is_null_sha(sha: str | None) -> bool:
    """True for git's all-zero object name (40 or 64 zeros): "no such ref"."""
    return bool(sha) and _ZEROS.fullmatch(sha or "") is not None


@dataclass(frozen=True)
class PushUpdate:
    """One line of what git tells the pre-push hook on stdin."""

    local_ref: str
    local_sha: str
    remote_ref: str
    remote_sha: str


def parse_push_updates(data: bytes) -> tuple[PushUpdate, ...]:
    """Parse pre-push stdin: ``<local ref> <local sha> <remote ref> <remote sha>`` per line.

    Raises ``UsageError`` on a line that does not have that shape.
    """
    updates: list[PushUpdate] = []
    for number, raw in enumerate(data.decode("utf-8", "surrogateescape").splitlines(), 1):
        if not raw.strip():
            continue
        # Split from the right: the local ref is the only field that is not a name git made.
        parts = raw.rsplit(maxsplit=3)
        if len(parts) != 4:
            raise UsageError(
                f"pre-push: stdin line {number} is not '<local ref> <sha> <remote ref> <sha>': "
                f"{raw!r}; run `vetgate hook pre-push REMOTE URL` only from git's pre-push hook"
            )
        updates.append(PushUpdate(*parts))
    return tuple(updates)


@dataclass(frozen=True)
class PushCheck:
    """A pushed range to evaluate: commits in ``head`` not in ``base`` (diffed from their
    merge-base). ``base`` None: every commit of ``head``'s history (nothing of it is on a
    remote yet)."""

    ref: str  # what is being pushed, for messages (the remote ref, else the local one)
    head: str
    base: str | None
    how: str  # how the base was chosen, one phrase


def _commit_exists(root: str, rev: str) -> bool:
    proc = run_git(["rev-parse", "-q", "--verify", "--end-of-options", f"{rev}^{{commit}}"],
                   root, check=False)
    return proc.returncode == 0


def _resolve(root: str, rev: str) -> str:
    proc = run_git(["rev-parse", "-q", "--verify", "--end-of-options", f"{rev}^{{commit}}"],
                   root, check=False)
    if proc.returncode != 0:
        raise GitError(f"pre-push: {rev!r} is not a commit in this repository; nothing to check")
    return proc.stdout.decode("ascii").strip()


def _has_merge_base(root: str, base: str, head: str) -> bool:
    return run_git(["merge-base", base, head], root, check=False).returncode == 0


def default_branch_candidates(root: str, remote: str | None) -> list[str]:
    """Refs that stand for the remote's default branch, best first: ``refs/remotes/R/HEAD``'s
    target, then ``R/main``, ``R/master``, then the same under ``origin``."""
    remotes = [r for r in dict.fromkeys([remote or "origin", "origin"]) if r]
    candidates: list[str] = []
    for name in remotes:
        proc = run_git(["symbolic-ref", "-q", f"refs/remotes/{name}/HEAD"], root, check=False)
        target = proc.stdout.decode("utf-8", "surrogateescape").strip()
        if proc.returncode == 0 and target:
            candidates.append(target)
        candidates += [f"refs/remotes/{name}/main", f"refs/remotes/{name}/master"]
    return list(dict.fromkeys(candidates))


def new_branch_base(root: str, remote: str | None, head: str) -> tuple[str | None, str] | None:
    """The base for a branch the remote does not have yet, and how it was chosen.

    The remote's default branch (what a pull request would target) when one is known and shares
    history with ``head``; else the parent of the oldest commit no remote-tracking ref has
    (``git rev-list HEAD --not --remotes``), or None as base when that commit is a root (a first
    push). Returns None when every commit of ``head`` is already on a remote.
    """
    for candidate in default_branch_candidates(root, remote):
        if _commit_exists(root, candidate) and _has_merge_base(root, candidate, head):
            short = candidate.removeprefix("refs/remotes/")
            return _resolve(root, candidate), f"new branch, against {short}"
    proc = run_git(["rev-list", "--topo-order", "--reverse", head, "--not", "--remotes"], root)
    unpushed = proc.stdout.decode("ascii").split()
    if not unpushed:
        return None
    oldest = unpushed[0]
    parents = run_git(["rev-list", "--parents", "-n", "1", oldest], root)
    parent_list = parents.stdout.decode("ascii").split()[1:]
    if not parent_list:
        return (None, "first push: every commit of the branch")
    return parent_list[0], "new branch, commits not on any remote"


def plan_update(root: str, remote: str | None, update: PushUpdate) -> PushCheck | None:
    """What to evaluate for one pushed ref; None when there is nothing to check (a deletion,
    or commits every remote already has)."""
    ref = update.remote_ref or update.local_ref
    if is_null_sha(update.local_sha):
        return None  # deleting a remote ref adds no change
    head = update.local_sha
    if not is_null_sha(update.remote_sha) and _commit_exists(root, update.remote_sha):
        return PushCheck(ref=ref, head=head, base=update.remote_sha, how="update")
    found = new_branch_base(root, remote, head)
    if found is None:
        return None
    base, how = found
    return PushCheck(ref=ref, head=head, base=base, how=how)


def plan_from_pre_commit(root: str, env: Mapping[str, str]) -> list[PushCheck]:
    """The pushed range from pre-commit's environment (``PRE_COMMIT_FROM_REF``/``TO_REF``...).

    pre-commit passes the first pushed ref only. For a new branch it sets FROM to the parent of
    the first commit not on the remote; on a first push to an empty remote it sets no FROM/TO
    at all, only the branch names.
    """
    to_ref = env.get("PRE_COMMIT_TO_REF")
    from_ref = env.get("PRE_COMMIT_FROM_REF")
    remote = env.get("PRE_COMMIT_REMOTE_NAME") or None
    ref = env.get("PRE_COMMIT_REMOTE_BRANCH") or env.get("PRE_COMMIT_LOCAL_BRANCH") or "HEAD"
    if to_ref:
        if is_null_sha(to_ref):
            return []
        head = _resolve(root, to_ref)
        if from_ref and not is_null_sha(from_ref) and _commit_exists(root, from_ref):
            return [PushCheck(ref=ref, head=head, base=_resolve(root, from_ref), how="update")]
        update = PushUpdate(ref, head, ref, "0" * 40)
    elif env.get("PRE_COMMIT_LOCAL_BRANCH"):
        head = _resolve(root, env["PRE_COMMIT_LOCAL_BRANCH"])
        update = PushUpdate(env["PRE_COMMIT_LOCAL_BRANCH"], head, ref, "0" * 40)
    else:
        raise UsageError(
            "pre-push: no pushed refs: run `vetgate hook pre-push` from pre-commit's pre-push "
            "stage, or as git's pre-push hook with its arguments (REMOTE URL) and stdin"
        )
    planned = plan_update(root, remote, update)
    return [planned] if planned else []


# --- plain git hooks ----------------------------------------------------------------------------

HOOK_NAMES = ("prepare-commit-msg", "commit-msg", "pre-push")
# Marks a hook file as vetgate's, so install-hooks may replace its own scripts without --force.
INSTALLED_MARKER = "# installed by `vetgate install-hooks`"


def hook_script(name: str, python: str) -> str:
    """A POSIX shell hook that runs ``python -m vetgate hook NAME "$@"`` (stdin passes through);
    when that interpreter is gone it falls back to ``vetgate`` on PATH, and fails with the remedy
    when neither exists (a hook that silently does nothing would be a silent pass)."""
    quoted = shlex.quote(python)
    return (
        "#!/bin/sh\n"
        f"{INSTALLED_MARKER}; remove this file to uninstall.\n"
        "# Local hooks are advisory: CI runs `vetgate check --ci` as the authority.\n"
        f"if [ -x {quoted} ]; then\n"
        f"    exec {quoted} -m vetgate hook {name} \"$@\"\n"
        "fi\n"
        "if command -v vetgate >/dev/null 2>&1; then\n"
        f"    exec vetgate hook {name} \"$@\"\n"
        "fi\n"
        f"echo \"vetgate: {python} is gone and vetgate is not on PATH; reinstall vetgate and run "
        f"'vetgate install-hooks --force', or delete this hook ($0)\" >&2\n"
        "exit 2\n"
    )


def hooks_dir(cwd: str) -> str:
    """Where git looks for hooks: ``git rev-parse --git-path hooks`` (honours core.hooksPath
    and linked worktrees), as an absolute path."""
    proc = run_git(["rev-parse", "--git-path", "hooks"], cwd)
    path = proc.stdout.decode("utf-8", "surrogateescape").rstrip("\n")
    return os.path.normpath(os.path.join(cwd, path))


def _is_ours(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return INSTALLED_MARKER.encode() in head


def _describe_existing(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        head = b""
    name = os.path.basename(path)
    if b"pre-commit" in head and b"hook-impl" in head:
        return f"{name} (pre-commit's)"
    return name


def install(cwd: str, python: str, *, force: bool = False,
            names: Iterable[str] = HOOK_NAMES) -> tuple[str, list[str]]:
    """Write the plain git hooks; return the hooks directory and the hooks written.

    Existing hooks that vetgate did not write are never replaced without ``force``: then nothing
    is written and ``UsageError`` names them with the remedy.
    """
    directory = hooks_dir(cwd)
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise UsageError(
            f"git's hooks path {directory} is not a directory (core.hooksPath disables hooks?); "
            "unset core.hooksPath or point it at a directory, then run `vetgate install-hooks`"
        )
    names = tuple(names)
    targets = [os.path.join(directory, name) for name in names]
    foreign = [t for t in targets if os.path.lexists(t) and not _is_ours(t)]
    if foreign and not force:
        listed = ", ".join(_describe_existing(t) for t in foreign)
        raise UsageError(
            f"{directory} already has {listed}; vetgate did not write "
            f"{'it' if len(foreign) == 1 else 'them'} and will not replace "
            f"{'it' if len(foreign) == 1 else 'them'}: run `vetgate install-hooks --force` to "
            "replace, or call `vetgate hook NAME \"$@\"` from the existing hook (with pre-commit, "
            "add vetgate's hooks to .pre-commit-config.yaml instead)"
        )
    try:
        os.makedirs(directory, exist_ok=True)
        for name, target in zip(names, targets, strict=True):
            if os.path.lexists(target):
                os.unlink(target)  # also replaces a symlink rather than writing through it
            with open(target, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(hook_script(name, python))
            mode = os.stat(target).st_mode
            os.chmod(target, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    except OSError as exc:
        raise UsageError(
            f"cannot write git hooks into {directory}: {exc.strerror or exc}; check the "
            "directory's permissions (or core.hooksPath)"
        ) from exc
    return directory, list(names)
