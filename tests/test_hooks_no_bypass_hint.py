"""Block messages say how to satisfy the policy, never how to skip a hook (issue 14).

The committer reading hook output is more and more often an AI agent, and agents act on hints. So
no output of a blocking hook — plain git hooks or the real pre-commit framework, inside an agent's
shell or outside — names `--no-verify`, `SKIP=` or `core.hooksPath`. The bypass is documented in
docs/hooks.md only.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from conftest import GitRepo, make_repo
from test_precommit_e2e import POLICY, install_pre_commit, local_config, run

BYPASS = re.compile(r"no-verify|SKIP=|hooksPath|\bgit -c core\.", re.IGNORECASE)
AI_TRAILER = "Co-authored-by: Claude <noreply@anthropic.com>"
SHELLS = {"outside an agent's shell": {}, "in Claude Code's shell": {"CLAUDECODE": "1"}}


def _project(tmp_path: Path, framework: str) -> GitRepo:
    repo = make_repo(tmp_path / "project")
    files = {".vetgate.yaml": POLICY, "payments/charge.py": "def charge(): ...\n"}
    if framework == "pre-commit":
        files[".pre-commit-config.yaml"] = local_config()
    repo.commit("Initial layout", files)
    remote = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "--no-verify", "-u", "origin", "main")
    if framework == "pre-commit":
        install_pre_commit(repo)
    else:
        installed = run(repo, sys.executable, "-m", "vetgate", "install-hooks")
        assert installed.returncode == 0, installed.stdout
        assert not BYPASS.search(installed.stdout), installed.stdout
    return repo


@pytest.fixture(params=["plain git hooks", "pre-commit"])
def framework(request: pytest.FixtureRequest, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-home"))
    monkeypatch.setenv("NO_COLOR", "1")
    return "pre-commit" if request.param == "pre-commit" else "git"


def _blocked_commit(repo: GitRepo, env: Mapping[str, str]) -> str:
    repo.write("payments/charge.py", "def charge(): return 1\n")
    repo.git("add", "-A")
    proc = run(repo, "git", "commit", "-m", f"Speed up charging\n\n{AI_TRAILER}", env=env)
    assert proc.returncode != 0, proc.stdout
    return proc.stdout


@pytest.mark.parametrize("shell", list(SHELLS))
def test_blocked_commit_names_no_bypass(framework: str, shell: str, tmp_path: Path) -> None:
    repo = _project(tmp_path, framework)
    output = _blocked_commit(repo, SHELLS[shell])
    assert "vetgate: BLOCKED" in output
    assert "then commit again" in output and "CI enforces the same policy" in output
    assert not BYPASS.search(output), output


@pytest.mark.parametrize("shell", list(SHELLS))
def test_blocked_push_names_no_bypass(framework: str, shell: str, tmp_path: Path) -> None:
    repo = _project(tmp_path, framework)
    repo.write("payments/charge.py", "def charge(): return 2\n")
    repo.git("add", "-A")
    # Made without hooks, as an agent that skipped them would: the push is then the gate.
    repo.git("commit", "-q", "--no-verify", "-m", f"Charge twice\n\n{AI_TRAILER}")
    proc = run(repo, "git", "push", "origin", "main", env=SHELLS[shell])
    assert proc.returncode != 0, proc.stdout
    assert "vetgate: BLOCKED" in proc.stdout
    assert "then push again" in proc.stdout
    assert not BYPASS.search(proc.stdout), proc.stdout
