"""Peer tools the hook benchmarks run beside vetgate, each in its own virtual environment.

They are benchmark tools, not vetgate dependencies: ``ensure_peer`` creates a virtual environment
under the benchmark cache (``$VETGATE_BENCH_CACHE``, default ``~/.cache/vetgate-benchmarks``) and
installs the peer with pip the first time, then reuses it. A peer that cannot be installed (no
suitable Python, no package index) is skipped with the reason, never faked.

- commit-check: checks a commit message's patterns (Conventional Commits by default) and knows no
  policy or paths: the simplest commit-msg hook there is. ``commit-check -m FILE``.
- commitguardian (``commitguard``): blocks AI attribution in commit messages; needs Python 3.12
  or newer. ``commitguard hook commit-msg FILE``.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Peer:
    """A peer's commit-msg check as a command prefix (the message file is appended)."""

    name: str
    package: str
    entry: tuple[str, ...]  # the console script and its arguments before the file
    min_python: tuple[int, int] = (3, 8)


COMMIT_CHECK = Peer("commit-check", "commit-check", ("commit-check", "-m"))
COMMITGUARD = Peer("commitguardian", "commitguardian", ("commitguard", "hook", "commit-msg"),
                   min_python=(3, 12))
PEERS = (COMMIT_CHECK, COMMITGUARD)


def cache_dir() -> Path:
    """Where the peers' virtual environments live."""
    default = Path.home() / ".cache" / "vetgate-benchmarks"
    return Path(os.environ.get("VETGATE_BENCH_CACHE", default))


def _version(python: str) -> tuple[int, int] | None:
    try:
        out = subprocess.run([python, "-c", "import sys; print(*sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=30, check=False).stdout
        major, minor = out.split()
        return int(major), int(minor)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None


def find_python(minimum: tuple[int, int]) -> str | None:
    """An interpreter of at least ``minimum``: this one, a ``python3.N`` on PATH, or one under
    pyenv's versions folder."""
    if sys.version_info[:2] >= minimum:
        return sys.executable
    candidates = [shutil.which(f"python3.{minor}") for minor in range(minimum[1], 20)]
    candidates += sorted(glob.glob(str(Path.home() / ".pyenv" / "versions" / "3.*" / "bin"
                                        / "python3")), reverse=True)
    for candidate in candidates:
        if candidate and (_version(candidate) or (0, 0)) >= minimum:
            return candidate
    return None


def ensure_peer(peer: Peer, *, install: bool = True) -> tuple[list[str] | None, str]:
    """The peer's command prefix, installing it on first use (only with ``install``: a smoke
    run never reaches a package index); or None and why it is skipped."""
    script = cache_dir() / peer.name / "bin" / peer.entry[0]
    if not install and not script.exists():
        return None, f"{peer.name} skipped: not installed (a full run installs it)"
    python = find_python(peer.min_python)
    if python is None:
        wanted = ".".join(map(str, peer.min_python))
        return None, f"{peer.name} skipped: it needs Python >= {wanted}, none found"
    venv = cache_dir() / peer.name
    script = venv / "bin" / peer.entry[0]
    if not script.exists():
        try:
            subprocess.run([python, "-m", "venv", "--clear", str(venv)], check=True,
                           capture_output=True, timeout=300)
            subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                            "--disable-pip-version-check", peer.package], check=True,
                           capture_output=True, timeout=600)
        except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            detail = getattr(exc, "stderr", b"") or b""
            last = detail.decode("utf-8", "replace").strip().splitlines()[-1:] or [str(exc)]
            return None, f"{peer.name} skipped: cannot install it ({last[0][:100]})"
    if not script.exists():
        return None, f"{peer.name} skipped: {script} missing after install"
    return [str(script), *peer.entry[1:]], ""
