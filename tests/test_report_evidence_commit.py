"""Every piece of evidence names its commit (short sha and subject) in every format where evidence
appears (issue 14): in a range of many commits, "trailer, message line 8" alone says nothing."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from adversarial.harness import CLAUDE_TRAILER as CLAUDE
from adversarial.harness import PAYMENTS_POLICY as POLICY
from conftest import GitRepo
from vetgate.main import main

TRAILER = f"Claude Code: trailer, message line 3: {CLAUDE}"


@pytest.fixture
def two_ai_commits(repo: GitRepo) -> tuple[str, list[tuple[str, str]]]:
    """A base, then two AI commits to payments/ with the same trailer; (base, [(sha, subject)])."""
    base = repo.commit("Initial layout", {".vetgate.yaml": POLICY, "README": "x\n"})
    made = []
    for subject, name in (("Speed up charging", "a"), ("Refund in one call", "b")):
        sha = repo.commit(f"{subject}\n\n{CLAUDE}\n", {f"payments/{name}.py": f"{name} = 1\n"})
        made.append((sha, subject))
    return base, made


def _report(repo: GitRepo, base: str, fmt: str, tmp_path: Path) -> str:
    out = tmp_path / f"report.{fmt}"
    code = main(["check", "-C", str(repo.path), "--base", base, "--format", fmt,
                 "--output", str(out)])
    assert code == 1
    return out.read_text(encoding="utf-8")


def _cited(made: list[tuple[str, str]]) -> list[str]:
    return [f'{sha[:10]} "{subject}": {TRAILER}' for sha, subject in made]


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_text_and_github_lines_name_each_commit(fmt: str, repo: GitRepo, two_ai_commits: tuple[
        str, list[tuple[str, str]]], tmp_path: Path) -> None:
    base, made = two_ai_commits
    report = _report(repo, base, fmt, tmp_path)
    if fmt == "github":
        report = report.replace("%0A", "\n")
    for line in _cited(made):
        assert f"  {line}\n" in report


def test_markdown_names_each_commit(repo: GitRepo, two_ai_commits: tuple[
        str, list[tuple[str, str]]], tmp_path: Path) -> None:
    base, made = two_ai_commits
    report = _report(repo, base, "markdown", tmp_path)
    for line in _cited(made):
        escaped = line.replace("<", "&lt;").replace(">", "&gt;")
        assert f"- {escaped}\n" in report


def test_json_evidence_names_its_commit(repo: GitRepo, two_ai_commits: tuple[
        str, list[tuple[str, str]]], tmp_path: Path) -> None:
    base, made = two_ai_commits
    data = json.loads(_report(repo, base, "json", tmp_path))
    (payments,) = [r for r in data["results"] if r["rule"] == "payments"]
    assert [(e["commit"], e["subject"], e["where"]) for e in payments["evidence"]] == [
        (sha, subject, "trailer, message line 3") for sha, subject in made]


def test_sarif_evidence_names_its_commit(repo: GitRepo, two_ai_commits: tuple[
        str, list[tuple[str, str]]], tmp_path: Path) -> None:
    base, made = two_ai_commits
    data = json.loads(_report(repo, base, "sarif", tmp_path))
    results = data["runs"][0]["results"]
    assert len(results) == 2  # one per file
    for result in results:
        assert result["properties"]["evidence"] == [
            {"commit": sha, "subject": subject, "text": text}
            for (sha, subject), text in zip(made, _cited(made), strict=True)]


def test_junit_failure_names_each_commit(repo: GitRepo, two_ai_commits: tuple[
        str, list[tuple[str, str]]], tmp_path: Path) -> None:
    base, made = two_ai_commits
    root = ET.fromstring(_report(repo, base, "junit", tmp_path))
    failure = root.find(".//testcase[@name='payments']/failure")
    assert failure is not None and failure.text is not None
    for line in _cited(made):
        assert f"  {line}\n" in failure.text


def test_staged_evidence_names_the_pending_commit(repo: GitRepo, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("Initial layout", {".vetgate.yaml": POLICY, "README": "x\n"})
    repo.write("payments/a.py", "x\n")
    repo.git("add", "-A")
    message = tmp_path / "MSG"
    message.write_text(f"Speed up charging\n\n{CLAUDE}\n", encoding="utf-8")
    code = main(["check", "-C", str(repo.path), "--staged", "--message-file", str(message)])
    assert code == 1
    assert f'      pending commit "Speed up charging": {TRAILER}\n' in capsys.readouterr().out
