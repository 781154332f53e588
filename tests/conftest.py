"""Shared fixtures: real git repositories in temporary directories, real commits."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from fakehost import FakeHost, serve

# No timing in any test (docs/development.md): hypothesis's per-example deadline and its
# too-slow health check are timings, and a loaded CI machine turns them into false failures.
settings.register_profile("vetgate", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("vetgate")

# A fixed, neutral identity and a clean environment, so the developer's own git config and any
# agent variables in the shell running the tests never leak into the repositories under test.
AGENT_ENV_VARS = (
    "CLAUDECODE", "CLAUDE_CODE_ENTRYPOINT", "CURSOR_AGENT", "CURSOR_TRACE_ID", "GEMINI_CLI",
    "CODEX_SANDBOX", "CODEX_THREAD_ID", "CODEX_SANDBOX_NETWORK_DISABLED", "COPILOT_CLI",
    "GH_COPILOT", "GOOSE_TERMINAL", "OPENCODE", "AI_AGENT", "AGENT", "AMP", "AMP_THREAD_ID",
    "REPL_ID", "REPLIT_MODE", "TERM_PROGRAM", "GITHUB_ACTIONS", "GITLAB_CI", "CI",
    "GITHUB_EVENT_PATH", "GITHUB_STEP_SUMMARY", "GITHUB_TOKEN", "GITLAB_TOKEN", "CI_JOB_TOKEN",
    "GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE", "PRE_COMMIT",
)


def isolate(patch: pytest.MonkeyPatch, home: Path) -> None:
    """A fresh HOME, no system git config, a fixed human identity, no agent variables."""
    home.mkdir(parents=True, exist_ok=True)
    patch.setenv("HOME", str(home))
    patch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    patch.setenv("GIT_AUTHOR_NAME", "Hannah Human")
    patch.setenv("GIT_AUTHOR_EMAIL", "hannah@example.com")
    patch.setenv("GIT_COMMITTER_NAME", "Hannah Human")
    patch.setenv("GIT_COMMITTER_EMAIL", "hannah@example.com")
    for name in AGENT_ENV_VARS:
        patch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _isolated_git_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
                      ) -> None:
    isolate(monkeypatch, tmp_path_factory.mktemp("home"))


class GitRepo:
    """A real repository for tests: write files, stage, commit, branch, with real git."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def git(self, *args: str, env: Mapping[str, str] | None = None, check: bool = True,
            input: bytes | None = None) -> str:
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        proc = subprocess.run(
            ["git", *args], cwd=self.path, env=full_env, input=input, capture_output=True,
            check=False,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"git {' '.join(args)} failed ({proc.returncode}):\n"
                f"{proc.stderr.decode('utf-8', 'replace')}"
            )
        return proc.stdout.decode("utf-8", "replace")

    def write(self, relpath: str, content: str | bytes = "x\n") -> Path:
        target = self.path / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
        return target

    def commit(self, message: str = "change", files: Mapping[str, str | bytes] | None = None,
               *, author: str | None = None, committer: tuple[str, str] | None = None,
               env: Mapping[str, str] | None = None, allow_empty: bool = False,
               remove: Sequence[str] = ()) -> str:
        """Write ``files``, remove ``remove``, stage everything and commit; return the sha."""
        for relpath, content in (files or {}).items():
            self.write(relpath, content)
        for relpath in remove:
            self.git("rm", "-q", "--", relpath)
        self.git("add", "-A")
        args = ["commit", "-q", "--no-verify", "-m", message]
        if author:
            args.append(f"--author={author}")
        if allow_empty:
            args.append("--allow-empty")
        commit_env = dict(env or {})
        if committer:
            commit_env["GIT_COMMITTER_NAME"], commit_env["GIT_COMMITTER_EMAIL"] = committer
        self.git(*args, env=commit_env)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()


def make_repo(path: Path, *, branch: str = "main") -> GitRepo:
    path.mkdir(parents=True, exist_ok=True)
    repo = GitRepo(path)
    repo.git("init", "-q", "-b", branch)
    repo.git("config", "commit.gpgsign", "false")
    return repo


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """An empty repository (unborn HEAD on ``main``)."""
    return make_repo(tmp_path / "repo")


@pytest.fixture
def in_repo(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> Iterator[GitRepo]:
    """``repo`` with the working directory set to it."""
    monkeypatch.chdir(repo.path)
    yield repo


@contextmanager
def count_git_processes() -> Iterator[list[str]]:
    """Count the git processes started inside the block, through a logging `git` on PATH."""
    real = shutil.which("git")
    assert real is not None
    with tempfile.TemporaryDirectory() as shim_dir:
        log = Path(shim_dir) / "calls.log"
        shim = Path(shim_dir) / "git"
        shim.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {shlex.quote(str(log))}\n'
                        f'exec {shlex.quote(real)} "$@"\n')
        shim.chmod(0o755)
        old_path = os.environ["PATH"]
        os.environ["PATH"] = f"{shim_dir}{os.pathsep}{old_path}"
        calls: list[str] = []
        try:
            yield calls
        finally:
            os.environ["PATH"] = old_path
            if log.exists():
                calls.extend(log.read_text().splitlines())


@pytest.fixture
def host() -> Iterator[FakeHost]:
    """A fake code host (GitHub/GitLab API) on 127.0.0.1 for one test (tests/fakehost.py)."""
    yield from serve()


DAY = 86_400
T0 = 1_700_000_000  # 2023-11-14


def at_day(day: float) -> dict[str, str]:
    """Author and committer dates ``day`` days after T0, as the environment of a commit."""
    ts = int(T0 + day * DAY)
    return {"GIT_AUTHOR_DATE": f"{ts} +0000", "GIT_COMMITTER_DATE": f"{ts} +0000"}


def agent_declaration() -> str:
    """The agent-declaration trailer (``Key: value``) the hooks add in a Claude Code session."""
    from vetgate.provenance.classify import agent_declaration_trailer

    found = agent_declaration_trailer({"CLAUDECODE": "1"})
    assert found is not None
    return f"{found[0]}: {found[1]}"
