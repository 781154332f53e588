"""`vetgate origin` reads identities and messages only (issue 11.4): no diff, no blob.

A clone made with ``--filter=blob:none`` (from a local repository served with
``uploadpack.allowFilter``) lacks every blob; its promisor remote is then pointed at nothing, so
any blob vetgate asked for would fail. origin must classify the range anyway, with the same
verdicts as in the full repository, and ask git for no diff.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import GitRepo, make_repo
from test_changes_large import count_git_processes
from vetgate.main import main

CLAUDE = "Co-Authored-By: Claude <noreply@anthropic.com>"


def _origin(path: Path, capsys: pytest.CaptureFixture[str], spec: str) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert main(["origin", "-C", str(path), spec, "--format", "json"]) == 0
    return list(json.loads(capsys.readouterr().out)["commits"])


def _missing(path: Path) -> int:
    proc = subprocess.run(["git", "rev-list", "--objects", "--missing=print", "--all"], cwd=path,
                          capture_output=True, text=True, check=True)
    return sum(1 for line in proc.stdout.splitlines() if line.startswith("?"))


@pytest.fixture
def served(tmp_path: Path) -> GitRepo:
    repo = make_repo(tmp_path / "server")
    repo.commit("base", {"README.md": "r\n"})
    repo.git("tag", "base")
    repo.commit(f"AI change\n\n{CLAUDE}\n", {"src/a.py": "a = 1\n"})
    repo.git("switch", "-q", "-c", "side")
    repo.commit("side work", {"src/b.py": "b = 1\n"})
    repo.git("switch", "-q", "main")
    repo.commit("human change", {"src/a.py": "a = 2\n"})
    repo.git("merge", "-q", "--no-edit", "side")
    repo.commit("by hand\n\nAI-Assisted: no\n", {"docs/x.md": "x\n"})
    repo.git("config", "uploadpack.allowFilter", "true")
    return repo


def test_origin_works_on_a_clone_without_blobs(served: GitRepo, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    clone = tmp_path / "partial"
    subprocess.run(["git", "clone", "-q", "--filter=blob:none", "--no-checkout",
                    f"file://{served.path}", str(clone)], check=True)
    subprocess.run(["git", "remote", "set-url", "origin", str(tmp_path / "gone")], cwd=clone,
                   check=True)
    missing = _missing(clone)
    assert missing > 0  # the clone really lacks blobs
    expected = _origin(served.path, capsys, "base..main")
    with count_git_processes() as calls:
        got = _origin(clone, capsys, "base..main")
    assert got == expected
    assert [c["origin"] for c in got] == ["ai", "unknown", "unknown", "unknown", "human"]
    assert _missing(clone) == missing  # nothing was fetched
    assert not [call for call in calls if "--name-status" in call or call.startswith(
        ("diff", "log"))], calls
    single = _origin(clone, capsys, "main~1")
    assert single[0]["origin"] == "unknown"
