"""`vetgate install-hooks [--force]`: plain git hooks, for teams not using the pre-commit framework.

Writes prepare-commit-msg, commit-msg and pre-push into the directory git reads hooks from
(``git rev-parse --git-path hooks``: core.hooksPath and linked worktrees are honoured). Each runs
``<this python> -m vetgate hook NAME "$@"``. Hooks vetgate did not write are never replaced
without ``--force``.
"""

from __future__ import annotations

import os
import shlex
import stat
import sys
from collections.abc import Iterable

from vetgate.errors import EXIT_PASS, UsageError


def run(*, repo: str = ".", force: bool = False) -> int:
    """Install the hooks; 0 on success, 2 (``UsageError``) when a foreign hook is in the way."""
    from vetgate.changes.git import repo_root

    root = repo_root(repo)
    directory, written = install(root, sys.executable, force=force)
    shown = os.path.relpath(directory, root)
    if shown.startswith(".."):
        shown = directory
    for name in written:
        print(f"vetgate: installed {os.path.join(shown, name)}")
    print("vetgate: hooks run `vetgate hook ...` on every commit and push and say early what "
          "the policy needs; CI enforces it (see docs/hooks.md).")
    return EXIT_PASS


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
    from vetgate.changes.repo import hooks_dir

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
