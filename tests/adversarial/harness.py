"""Helpers shared by the adversarial and red-team suites (tests/test_*_adversarial.py,
tests/test_*_redteam.py).

Every adversarial case asserts a documented outcome — exit 0 (pass), 1 (block) or 2 (could not
decide, with a one-line message) — and never a crash: no traceback on stderr and never exit 3.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import isolate
from vetgate.main import main

CORPUS = Path(__file__).resolve().parent

CLAUDE_TRAILER = "Co-Authored-By: Claude <noreply@anthropic.com>"

# The smallest gate: AI-written changes to payments/ are blocked.
PAYMENTS_POLICY = """\
version: 1
rules:
  - id: payments
    paths: ["payments/**"]
    require: {forbid: "AI-written changes are not accepted in payments/"}
"""


def ai_message(subject: str, *body: str) -> str:
    """A commit message with Claude Code's co-author trailer as its last paragraph."""
    return "\n".join([subject, "", *body, CLAUDE_TRAILER]) + "\n"


@dataclass(frozen=True)
class Outcome:
    """What one vetgate run did."""

    code: int
    out: str
    err: str
    data: dict[str, Any] | None = None  # the JSON report, when one was written

    def describe(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out[-3000:]}\n--- stderr\n{self.err[-3000:]}"


def assert_decided(outcome: Outcome, *allowed: int) -> None:
    """The run ended with a documented exit code and no traceback."""
    assert "Traceback" not in outcome.err, outcome.describe()
    assert outcome.code != 3, outcome.describe()
    if allowed:
        assert outcome.code in allowed, outcome.describe()


def run_main(args: Sequence[str], capsys: pytest.CaptureFixture[str]) -> Outcome:
    """``vetgate ARGS`` in-process (fast); stdout and stderr captured."""
    capsys.readouterr()  # drop anything printed before
    code = main(list(args))
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


def check(repo: Path, capsys: pytest.CaptureFixture[str], *args: str) -> Outcome:
    """``vetgate check -C REPO ARGS --format json`` in-process, with the parsed report."""
    report = repo.parent / f"{repo.name}-report.json"
    if report.exists():
        report.unlink()
    outcome = run_main(["check", "-C", str(repo), *args, "--format", "json",
                        "--output", str(report)], capsys)
    data = None
    if outcome.code in (0, 1) and report.exists():
        data = json.loads(report.read_text(encoding="utf-8"))
        report.unlink()
    return Outcome(outcome.code, outcome.out, outcome.err, data)


def run_process(args: Sequence[str], cwd: Path, *, timeout: float = 60.0) -> Outcome:
    """``python -m vetgate ARGS`` as a separate process (for cases that could hang or blow
    memory in-process, e.g. an alias bomb)."""
    proc = subprocess.run([sys.executable, "-m", "vetgate", *args], cwd=cwd,
                          capture_output=True, text=True, errors="replace", timeout=timeout,
                          check=False)
    return Outcome(proc.returncode, proc.stdout, proc.stderr)


def rule_result(data: dict[str, Any], rule: str) -> dict[str, Any]:
    """The ``results`` entry of one rule in a JSON report."""
    for item in data["results"]:
        if item["rule"] == rule:
            return item
    raise AssertionError(f"no result for rule {rule}: {[r['rule'] for r in data['results']]}")


@contextmanager
def isolated_environment(home: Path) -> Iterator[pytest.MonkeyPatch]:
    """The isolation tests/conftest.py gives each test, for module-scoped fixtures (which are
    set up before the function-scoped autouse fixture runs)."""
    with pytest.MonkeyPatch.context() as patch:
        isolate(patch, home)
        yield patch


def git_bytes(repo: Path, *args: str, input: bytes | None = None) -> bytes:
    """Run git and return raw stdout (for file names that are not valid text)."""
    proc = subprocess.run(["git", *args], cwd=repo, input=input, capture_output=True,
                          env=dict(os.environ), check=False)
    if proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: "
                             f"{proc.stderr.decode('utf-8', 'replace')}")
    return proc.stdout


def clone_repo(source: Path, target: Path, *options: str, branch: str | None = None) -> Path:
    """``git clone OPTIONS file://SOURCE TARGET`` (file:// so --depth and --filter apply),
    then check out ``branch`` when given."""
    subprocess.run(["git", "clone", "-q", *options, f"file://{source}", str(target)],
                   check=True, capture_output=True)
    if branch is not None:
        subprocess.run(["git", "checkout", "-q", branch], cwd=target, check=True,
                       capture_output=True)
    return target
