"""`vetgate audit --merge`: many repositories' reports into one (SPEC 6.2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import GitRepo, make_repo
from conftest import at_day as _at
from vetgate.audit.stats import wilson_interval
from vetgate.main import main

CLAUDE = "Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>"


def _history(repo: GitRepo, ai_fixed: int, human: int) -> None:
    repo.commit("feat: base", {"a.py": "a = 1\n"}, env=_at(0))
    for i in range(ai_fixed):
        repo.commit(f"feat: ai {i}\n\n{CLAUDE}", {f"ai{i}.py": "x = 1\ny = 1\n"}, env=_at(1 + i))
        repo.git("tag", f"v1.{i}.0")
        repo.commit(f"fix: ai {i}", {f"ai{i}.py": "x = 1\ny = 2\n"}, env=_at(2 + i))
    for i in range(human):
        repo.commit(f"feat: by hand {i}\n\nAI-Assisted: no", {f"h{i}.py": "h = 1\n"},
                    env=_at(20 + i))


def _report(repo: GitRepo, out: Path, *args: str) -> dict[str, object]:
    assert main(["audit", "-C", str(repo.path), "--format", "json", "--output", str(out),
                 "--progress", "never", *args]) == 0
    data: dict[str, object] = json.loads(out.read_text())
    return data


@pytest.fixture
def reports(tmp_path: Path) -> list[Path]:
    first, second = make_repo(tmp_path / "alpha"), make_repo(tmp_path / "beta")
    _history(first, 2, 3)
    _history(second, 1, 5)
    paths = [tmp_path / "alpha.json", tmp_path / "beta.json"]
    _report(first, paths[0])
    _report(second, paths[1])
    return paths


def test_merge_adds_counts_and_recomputes_intervals(reports: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "merged.json"
    assert main(["audit", "--merge", *map(str, reports), "--format", "json",
                 "--output", str(out)]) == 0
    merged = json.loads(out.read_text())
    parts = [json.loads(path.read_text()) for path in reports]
    for origin in ("ai", "human", "unknown"):
        for key in ("commits", "lines", "reverted", "fix_inducing", "failed"):
            assert merged["origins"][origin][key] == sum(p["origins"][origin][key] for p in parts)
    ai = merged["origins"]["ai"]
    assert (ai["commits"], ai["failed"]) == (3, 3)
    low, high = wilson_interval(ai["failed"], ai["commits"]) or (0, 0)
    assert ai["ci95"] == [round(low, 4), round(high, 4)] and ai["failure_rate"] == 1.0
    assert merged["commits"] == sum(p["commits"] for p in parts)
    assert [row["name"] for row in merged["repositories"]] == ["alpha", "beta"]
    assert merged["repositories"][1]["origins"]["human"]["commits"] == 5
    assert merged["deployments"]["count"] == 3 and merged["deployments"]["failed"] == 3
    assert merged["origins"]["ai"]["escaped"] == 3
    assert len(merged["failures"]) == 3


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_merge_in_every_format(reports: list[Path], fmt: str,
                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--merge", *map(str, reports), "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert "alpha" in out and "beta" in out and "2 repositories" in out


def test_merge_refuses_mixed_methods(tmp_path: Path, reports: list[Path],
                                     capsys: pytest.CaptureFixture[str]) -> None:
    other = make_repo(tmp_path / "gamma")
    _history(other, 1, 1)
    windowed = tmp_path / "gamma.json"
    _report(other, windowed, "--szz", "b")
    assert main(["audit", "--merge", str(reports[0]), str(windowed)]) == 2
    err = capsys.readouterr().err
    assert "the reports differ in SZZ variant" in err and "'r'" in err and "'b'" in err
    data = json.loads(reports[0].read_text())
    data["version"] = 2
    reports[1].write_text(json.dumps(data))
    assert main(["audit", "--merge", str(reports[0]), str(reports[1])]) == 2
    assert "the reports differ in version" in capsys.readouterr().err


def test_merge_refuses_what_is_not_a_report(tmp_path: Path, reports: list[Path],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text("[1, 2]")
    assert main(["audit", "--merge", str(reports[0]), str(junk)]) == 2
    assert "not a `vetgate audit --format json` report" in capsys.readouterr().err
    assert main(["audit", "--merge", str(tmp_path / "missing.json")]) == 2
    assert "cannot read it" in capsys.readouterr().err
    assert main(["audit", "--merge", str(reports[0]), "--window", "90d"]) == 2
    assert "--window belong to the audits that wrote them" in capsys.readouterr().err


def test_merge_refuses_the_same_audit_twice(tmp_path: Path, reports: list[Path],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "copy.json"
    copy.write_bytes(reports[0].read_bytes())
    head = json.loads(reports[0].read_text())["head"][:12]
    for twice in ([reports[0], reports[1], reports[0]], [reports[0], copy]):
        assert main(["audit", "--merge", *map(str, twice)]) == 2
        assert capsys.readouterr().err == (
            f"vetgate: error: --merge: {reports[0]} and {twice[-1]} are the same audit (head "
            f"{head}, range HEAD); merging both would count that history twice: give each "
            "repository's report once\n")


def test_examples_audit_a_matrix_and_merge() -> None:
    root = Path(__file__).resolve().parent.parent
    github = yaml.safe_load((root / "examples/github-audit-matrix.yml").read_text())
    audit, merge = github["jobs"]["audit"], github["jobs"]["merge"]
    assert audit["strategy"]["matrix"]["repository"] and merge["needs"] == "audit"
    checkout = audit["steps"][0]
    assert checkout["with"]["fetch-depth"] == 0
    assert "vetgate audit --window 90d --format json" in audit["steps"][2]["run"]
    assert "vetgate audit --merge reports/*.json --format html" in merge["steps"][2]["run"]
    gitlab = yaml.safe_load((root / "examples/gitlab-audit-matrix.yml").read_text())
    assert gitlab["audit"]["parallel"]["matrix"][0]["PROJECT"]
    assert any("--merge reports/*.json --format html" in line
               for line in gitlab["merge"]["script"])
