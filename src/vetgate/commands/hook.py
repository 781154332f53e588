"""`vetgate hook NAME ARGS...`: the entry points of the git hooks.

Each works both under the pre-commit framework (which passes the message file as the argument
and the pushed refs in ``PRE_COMMIT_*`` variables) and as a plain git hook (git passes the message
file, or the remote name and URL with the pushed refs on stdin). See docs/hooks.md.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, BinaryIO

from vetgate import compiled
from vetgate.errors import EXIT_PASS, UsageError

if TYPE_CHECKING:
    from vetgate.engine.result import CheckResult
    from vetgate.hooks import PushCheck


def run(*, repo: str = ".", hook_name: str, hook_args: Sequence[str] = ()) -> int:
    """Run the hook ``hook_name`` with git's (or pre-commit's) arguments; return the exit code."""
    args = list(hook_args)
    if args and args[0] == "--":
        args = args[1:]
    env = dict(os.environ)
    try:
        if hook_name == "prepare-commit-msg":
            return prepare_commit_msg(repo, args, env)
        if hook_name == "commit-msg":
            return commit_msg(repo, args, env)
        if hook_name == "pre-push":
            return pre_push(repo, args, env, sys.stdin.buffer)
    finally:
        compiled.use_directory(None)  # each hook names its repository's store
    raise UsageError(
        f"unknown hook {hook_name!r}; vetgate has prepare-commit-msg, commit-msg and pre-push"
    )


# --- prepare-commit-msg -------------------------------------------------------------------------


def prepare_commit_msg(repo: str, args: Sequence[str], env: Mapping[str, str]) -> int:
    """Inside an AI agent's shell, add the agent's declaration trailer to the message file.

    Arguments as git passes them: ``FILE [SOURCE [SHA]]``; under pre-commit the source comes in
    ``PRE_COMMIT_COMMIT_MSG_SOURCE``. Never blocks a commit: it exits 0 whatever the message or
    the policy, and 2 only when it cannot read or write the message file.
    """
    from vetgate import hooks
    from vetgate.changes import message
    from vetgate.changes.pending import repo_state
    from vetgate.changes.trailers import add_trailer

    if len(args) > 3:
        raise UsageError(
            f"prepare-commit-msg takes FILE [SOURCE [SHA]] (what git passes), got {len(args)} "
            "arguments; remove `args:` from the hook's pre-commit configuration"
        )
    state = repo_state(repo)
    compiled.use_directory(state.compiled_dir)
    root = state.root
    source = args[1] if len(args) > 1 else env.get("PRE_COMMIT_COMMIT_MSG_SOURCE", "")
    trailer = hooks.declaration_for(env, root)
    if trailer is None:
        return EXIT_PASS
    if args:
        path = args[0]
    elif source == "merge" or os.path.lexists(state.merge_head):
        # Without the file argument a merge cannot be told apart: `git merge` edits MERGE_MSG,
        # `git commit` concluding a conflicted merge edits COMMIT_EDITMSG. A merge commit
        # changes no file's origin, so leaving it unmarked is safe.
        return EXIT_PASS
    else:
        path = state.commit_editmsg
    raw = message.read_message(path)
    comment_char = message.effective_comment_char(raw, message.configured_comment_char(root))
    # Every source is marked the same way (message, template, merge, squash, commit/amend): the
    # trailer records that this commit object was made in an agent's shell, whatever supplied
    # its text. An equivalent trailer already there (an amend, a -c reuse) is not repeated.
    updated = add_trailer(raw, trailer[0], trailer[1], comment_char)
    if updated is not None and updated != raw:
        message.write_message(path, updated)
    return EXIT_PASS


# --- commit-msg ---------------------------------------------------------------------------------


def commit_msg(repo: str, args: Sequence[str], env: Mapping[str, str]) -> int:
    """Mark and judge the pending commit; 1 blocks the commit.

    Inside an AI agent's shell the agent's declaration trailer is added to the message file
    first (as ``vetgate-mark`` does; git lets commit-msg edit the message), so one hooked stage
    both marks and judges. Then the staged change is evaluated with the message as git will
    store it. Quiet when the change passes (a one-line heads-up when CI will ask for more); the
    full explanation when it is blocked. A merge being concluded is judged like any commit:
    its diff against HEAD, with the commits it brings in (``vetgate.changes.pending``).
    """
    from vetgate.changes.pending import repo_state
    from vetgate.gate.pipeline import CheckRequest, evaluate_request, exit_code

    if len(args) > 1:
        raise UsageError(
            f"commit-msg takes one argument, the message file git passes, got {len(args)}: "
            f"{' '.join(args)}; remove `args:` from the hook's pre-commit configuration"
        )
    state = repo_state(repo)
    compiled.use_directory(state.compiled_dir)
    if args:
        path = args[0]
    elif os.path.lexists(state.merge_head):
        # `git merge` writes its message to MERGE_MSG, `git commit` concluding a merge to
        # COMMIT_EDITMSG: without the file argument the message cannot be known.
        raise UsageError(
            "commit-msg got no message file while a merge is being concluded; give the hook "
            "the file git passes (with pre-commit: `pass_filenames: true`, as vetgate's "
            "published hooks declare)"
        )
    else:
        # pre-commit passes the file only with `pass_filenames: true`; without it, a commit
        # that is not a merge has its message in COMMIT_EDITMSG (git commit, the sequencer).
        path = state.commit_editmsg
    request = CheckRequest(repo=state.root, staged=True, message_file=path, declare=True,
                           state=state, env=dict(env))
    result = evaluate_request(request).result
    code = exit_code(result)
    _report(result, code, prefix="")
    return code


# --- pre-push -----------------------------------------------------------------------------------


def pre_push(repo: str, args: Sequence[str], env: Mapping[str, str], stdin: BinaryIO) -> int:
    """Evaluate what is being pushed; 1 stops the push.

    As a plain git hook (``REMOTE URL`` arguments, refs on stdin) every pushed ref is checked;
    under pre-commit (no arguments, ``PRE_COMMIT_FROM_REF``/``TO_REF``) the one ref pre-commit
    passes is. Deleting a remote ref always passes.
    """
    from vetgate import hooks
    from vetgate.changes.pending import repo_state

    state = repo_state(repo)
    compiled.use_directory(state.compiled_dir)
    root = state.root
    checks: list[PushCheck]
    if args:
        if len(args) != 2:
            raise UsageError(
                f"pre-push takes REMOTE URL (what git passes) or no arguments under pre-commit, "
                f"got {len(args)}: {' '.join(args)}"
            )
        remote = args[0]
        planned = [hooks.plan_update(root, remote, u)
                   for u in hooks.parse_push_updates(stdin.read())]
        checks = [c for c in planned if c is not None]
    else:
        checks = hooks.plan_from_pre_commit(root, env)
    worst = EXIT_PASS
    for check in checks:
        worst = max(worst, _check_push(root, check, env))
    return worst


def _check_push(root: str, check: PushCheck, env: Mapping[str, str]) -> int:
    from vetgate.gate.pipeline import CheckRequest, evaluate_request, exit_code

    name = _short_ref(check.ref)
    if check.base is None:
        # A first push to an empty remote: every commit of the branch is new, down to the root.
        request = CheckRequest(repo=root, head=check.head, from_root=True, env=dict(env))
    else:
        request = CheckRequest(repo=root, base=check.base, head=check.head, env=dict(env))
    result = evaluate_request(request).result
    code = exit_code(result)
    _report(result, code, prefix=f"{name}: ")
    return code


def _short_ref(ref: str) -> str:
    for prefix in ("refs/heads/", "refs/tags/", "refs/remotes/"):
        if ref.startswith(prefix):
            return ref[len(prefix):]
    return ref


# --- output -------------------------------------------------------------------------------------


def _report(result: CheckResult, code: int, *, prefix: str) -> None:
    """A block: the full text report. A pass: nothing, or the one-line heads-up about what is
    still pending (review, labels: what CI will ask for), and one line per policy note (the
    work tree's policy differs from the index's, which judged; the push changes the policy)."""
    if code != EXIT_PASS:
        from vetgate import report
        from vetgate.commands.common import use_color

        text = report.render(result, "text", color=use_color("auto", None))
        if prefix:
            print(f"vetgate: {prefix.rstrip(': ')}: the policy blocks this push")
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    from vetgate.report.text import pending_headsup

    line = pending_headsup(result)
    if line:
        print(f"{prefix}{line}" if prefix else line)
    for note in result.policy_notes:
        print(f"vetgate: {prefix}note: {note}")
