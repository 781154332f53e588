"""`vetgate validate [POLICY...]`: load policy files and report every problem at once.

Errors and warnings go to stderr as ``file:line:col: error|warning: message`` (the format
editors and CI annotators understand); a policy that loads gets one ``ok`` line on stdout.
Exit code 2 when any policy has an error, 0 otherwise (warnings allowed).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from vetgate.errors import EXIT_PASS, EXIT_UNDECIDED, GitError, PolicyError, UsageError
from vetgate.policy.model import Policy


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def summary(display: str, policy: Policy, warnings: int = 0) -> str:
    """The one ``ok`` line for a policy that loads."""
    team_rules = sum(1 for rule in policy.rules if not rule.builtin)
    files = len(policy.files) or 1  # the packaged default is one file, though not the repo's
    line = f"{display}: ok ({_plural(team_rules, 'rule')}, {_plural(files, 'file')}"
    if warnings:
        line += f", {_plural(warnings, 'warning')}"
    return line + ")"


def run(*, repo: str = ".", policies: Sequence[str] = ()) -> int:
    """Validate the given policy files (each its own root), or the repository's policy."""
    from vetgate.changes.git import repo_root
    from vetgate.changes.repo import tracked_files
    from vetgate.policy.loader import (
        DEFAULT_POLICY_LABEL,
        WorkTreeSource,
        discover,
        load_default_policy,
        load_policy,
        missing_file_error,
        policy_warnings,
    )
    from vetgate.policy.reviewers import review_warnings

    start = os.path.abspath(repo)
    if not os.path.isdir(start):
        raise UsageError(f"-C {repo}: no such directory")
    try:
        root: str = repo_root(start)
        in_repository = True
    except GitError:
        if not policies:
            raise
        # Checking a file outside any repository still works; only the
        # "matches no tracked file" warnings need git.
        root, in_repository = start, False

    targets: list[list[str]] = []
    if policies:
        for given in policies:
            path = given if os.path.isabs(given) else os.path.join(start, given)
            if not os.path.isfile(path):
                raise missing_file_error("policy file", given)
            found = discover(root, [path])
            assert found is not None
            targets.append(found)
    else:
        found = discover(root)
        if found is None:
            policy = load_default_policy()
            print(f"no .vetgate.yaml in {root}: vetgate uses its built-in default policy "
                  f"({DEFAULT_POLICY_LABEL}); write your own with `vetgate init`")
            print(summary(DEFAULT_POLICY_LABEL, policy))
            return EXIT_PASS
        targets.append(found)

    source = WorkTreeSource(root)
    tracked = tracked_files(root) if in_repository else None
    exit_code = EXIT_PASS
    for files in targets:
        try:
            policy = load_policy(files, source, root=root)
        except PolicyError as exc:
            for diagnostic in exc.diagnostics:
                print(diagnostic, file=sys.stderr)
            exit_code = EXIT_UNDECIDED
            continue
        warnings = policy_warnings(policy, tracked) if tracked is not None else []
        warnings += review_warnings(policy)
        for warning in warnings:
            print(warning, file=sys.stderr)
        print(summary(source.describe(files[0]), policy, len(warnings)))
    return exit_code
