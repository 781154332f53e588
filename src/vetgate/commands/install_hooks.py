"""`vetgate install-hooks [--force]`: plain git hooks, for teams not using the pre-commit framework.

Writes prepare-commit-msg, commit-msg and pre-push into the directory git reads hooks from
(``git rev-parse --git-path hooks``: core.hooksPath and linked worktrees are honoured). Each runs
``<this python> -m vetgate hook NAME "$@"``. Hooks vetgate did not write are never replaced
without ``--force``.
"""

from __future__ import annotations

import os
import sys

from vetgate.errors import EXIT_PASS


def run(*, repo: str = ".", force: bool = False) -> int:
    """Install the hooks; 0 on success, 2 (``UsageError``) when a foreign hook is in the way."""
    from vetgate import hooks
    from vetgate.changes.git import repo_root

    root = repo_root(repo)
    directory, written = hooks.install(root, sys.executable, force=force)
    shown = os.path.relpath(directory, root)
    if shown.startswith(".."):
        shown = directory
    for name in written:
        print(f"vetgate: installed {os.path.join(shown, name)}")
    print("vetgate: hooks run `vetgate hook ...` on every commit and push and say early what "
          "the policy needs; CI enforces it (see docs/hooks.md).")
    return EXIT_PASS
