"""The logic behind `vetgate hook ...` (installing plain git hooks: commands/install_hooks.py).

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

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from vetgate.errors import GitError, UsageError
from vetgate.records import frozen

if TYPE_CHECKING:
    from vetgate.policy.model import OriginConfig

# --- which trailer to add -------------------------------------------------------------------------


def declaration_for(env: Mapping[str, str], root: str | None = None) -> tuple[str, str] | None:
    """The trailer that declares the agent whose shell this is, or None outside an agent.

    The built-in catalog names the agent (``AI-Assisted: claude-code`` under ``CLAUDECODE=1``);
    variables the team lists under ``origin.markers.env`` in the index's policy count
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
    """The parts of ``origin:`` in the index's ``.vetgate.yaml`` (the policy the commit will
    carry) that decide the mark (``builtin`` and ``markers.env``); None when there is no policy
    or it cannot be read.

    Read through the one policy reader (regular files only, size-capped: a committed link to
    /dev/zero cannot make it read forever) and parsed with a plain YAML parse, not the full
    policy loader: this hook runs on every commit, human ones included, and needs two
    settings. A policy it cannot read is reported in one line on stderr and the built-in
    settings apply: this hook must never stop a commit that only needs a trailer (it runs even
    under --no-verify); the commit-msg hook and CI refuse the broken policy (exit 2).
    """
    import sys

    from vetgate.changes.entries import entries
    from vetgate.errors import VetgateError
    from vetgate.policy.files import read_entry
    from vetgate.policy.model import MarkerConfig, OriginConfig

    try:
        data = read_entry(root, entries(root, None, [".vetgate.yaml"]).get(".vetgate.yaml"))
    except VetgateError as exc:
        reason = getattr(exc, "reason", None)
        detail = f".vetgate.yaml {reason}" if reason else str(exc).splitlines()[0]
        print(f"vetgate-mark: the policy was not read ({detail}); marking with the built-in "
              "settings", file=sys.stderr)
        return None
    if data is None:
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


@frozen
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


@frozen
class PushCheck:
    """A pushed range to evaluate: commits in ``head`` not in ``base`` (diffed from their
    merge-base). ``base`` None: every commit of ``head``'s history (nothing of it is on a
    remote yet)."""

    ref: str  # what is being pushed, for messages (the remote ref, else the local one)
    head: str
    base: str | None
    how: str  # how the base was chosen, one phrase


def _resolve(root: str, rev: str) -> str:
    from vetgate.changes.repo import resolve_optional

    sha = resolve_optional(root, rev)
    if sha is None:
        raise GitError(f"pre-push: {rev!r} is not a commit in this repository; nothing to check")
    return sha


def default_branch_candidates(root: str, remote: str | None) -> list[str]:
    """Refs that stand for the remote's default branch, best first: ``refs/remotes/R/HEAD``'s
    target, then ``R/main``, ``R/master``, then the same under ``origin``."""
    from vetgate.changes.repo import symbolic_ref

    remotes = [r for r in dict.fromkeys([remote or "origin", "origin"]) if r]
    candidates: list[str] = []
    for name in remotes:
        target = symbolic_ref(root, f"refs/remotes/{name}/HEAD")
        if target:
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
    from vetgate.changes.repo import (
        commits_not_on_remotes,
        has_merge_base,
        parents_of,
        resolve_optional,
    )

    for candidate in default_branch_candidates(root, remote):
        sha = resolve_optional(root, candidate)
        if sha is not None and has_merge_base(root, sha, head):
            short = candidate.removeprefix("refs/remotes/")
            return sha, f"new branch, against {short}"
    unpushed = commits_not_on_remotes(root, head)
    if not unpushed:
        return None
    parent_list = parents_of(root, unpushed[0])
    if not parent_list:
        return (None, "first push: every commit of the branch")
    return parent_list[0], "new branch, commits not on any remote"


def plan_update(root: str, remote: str | None, update: PushUpdate) -> PushCheck | None:
    """What to evaluate for one pushed ref; None when there is nothing to check (a deletion,
    or commits every remote already has)."""
    from vetgate.changes.repo import resolve_optional

    ref = update.remote_ref or update.local_ref
    if is_null_sha(update.local_sha):
        return None  # deleting a remote ref adds no change
    head = update.local_sha
    if not is_null_sha(update.remote_sha) and resolve_optional(root, update.remote_sha):
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
    from vetgate.changes.repo import resolve_optional

    to_ref = env.get("PRE_COMMIT_TO_REF")
    from_ref = env.get("PRE_COMMIT_FROM_REF")
    remote = env.get("PRE_COMMIT_REMOTE_NAME") or None
    ref = env.get("PRE_COMMIT_REMOTE_BRANCH") or env.get("PRE_COMMIT_LOCAL_BRANCH") or "HEAD"
    if to_ref:
        if is_null_sha(to_ref):
            return []
        head = _resolve(root, to_ref)
        if from_ref and not is_null_sha(from_ref) and resolve_optional(root, from_ref):
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
