"""Deployments, escaped failures and the AI share of production failures (SPEC 6.1), end to end
on tagged histories built here, with exact counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import GitRepo, count_git_processes
from conftest import at_day as _at
from vetgate.changes.deploys import RELEASE_TAG, Deployment, shipped_by
from vetgate.main import main

CLAUDE = "Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>"


def _audit(repo: GitRepo, tmp_path: Path, *args: str) -> dict[str, object]:
    out = tmp_path / "audit.json"
    assert main(["audit", "-C", str(repo.path), "--format", "json", "--output", str(out),
                 "--progress", "never", *args]) == 0
    data: dict[str, object] = json.loads(out.read_text())
    return data


@pytest.fixture
def released(repo: GitRepo) -> dict[str, str]:
    """Four releases; c1 (AI) escapes to v1.0.0 and is fixed in v1.1.0; c3 (AI) is fixed
    before it ships; c4 ships in v1.2.0 and its revert in the hotfix v1.2.1."""
    shas = {"base": repo.commit("feat: base", {"a.py": "a = 1\nb = 1\nc = 1\n"}, env=_at(0))}
    shas["c1"] = repo.commit(f"feat: tune b\n\n{CLAUDE}", {"a.py": "a = 1\nb = 2\nc = 1\n"},
                             env=_at(1))
    shas["c2"] = repo.commit("feat: other", {"b.py": "x = 1\n"}, env=_at(2))
    repo.git("tag", "v1.0.0")
    shas["f1"] = repo.commit("fix: b", {"a.py": "a = 1\nb = 3\nc = 1\n"}, env=_at(5))
    shas["c3"] = repo.commit(f"feat: c\n\n{CLAUDE}", {"c.py": "c = 1\nd = 1\n"}, env=_at(6))
    shas["f2"] = repo.commit("fix: c", {"c.py": "c = 2\nd = 1\n"}, env=_at(7))
    repo.git("tag", "v1.1.0")
    shas["c4"] = repo.commit("feat: d", {"d.py": "d = 1\n"}, env=_at(10))
    repo.git("tag", "v1.2.0")
    repo.git("tag", "v1")  # a moving major tag: not a release of its own
    repo.git("revert", "--no-edit", shas["c4"], env=_at(12))
    shas["revert"] = repo.head()
    repo.git("tag", "-a", "-m", "hotfix", "v1.2.1", env=_at(13))  # annotated: its own date
    return shas


def test_escaped_failures_cfr_and_time_to_restore(repo: GitRepo, released: dict[str, str],
                                                  tmp_path: Path) -> None:
    data = _audit(repo, tmp_path)  # release tags are the default deployments
    deployments = data["deployments"]
    assert isinstance(deployments, dict)
    assert {key: deployments[key] for key in ("pattern", "count", "failed", "cfr", "unshipped")} \
        == {"pattern": "auto: release tags", "count": 4, "failed": 2, "cfr": 0.5, "unshipped": 0}
    assert deployments["ci95"] == [0.15, 0.85]
    assert [item["name"] for item in deployments["items"]] == ["v1.0.0", "v1.1.0", "v1.2.0",
                                                                "v1.2.1"]
    assert [item["escaped"] for item in deployments["items"]] == [
        {"ai": 1, "human": 0, "unknown": 0}, {"ai": 0, "human": 0, "unknown": 0},
        {"ai": 0, "human": 0, "unknown": 1}, {"ai": 0, "human": 0, "unknown": 0}]
    origins = data["origins"]
    assert isinstance(origins, dict)
    ai, unknown = origins["ai"], origins["unknown"]
    assert (ai["shipped"], ai["escaped"], ai["escape_rate"]) == (2, 1, 0.5)
    assert (unknown["shipped"], unknown["escaped"]) == (6, 1)
    assert ai["median_hours_to_restore"] == 5 * 24  # v1.0.0 (day 2) → v1.1.0 (day 7)
    assert unknown["median_hours_to_restore"] == 3 * 24  # v1.2.0 (day 10) → v1.2.1 (day 13)
    assert (ai["share_of_failures"], ai["share_of_shipped"]) == (0.5, 0.25)
    assert deployments["ai_share_of_failures"] == 0.5
    assert ai["failed"] == 2  # the commit-level proxy also counts c3, caught before release


def test_a_fix_not_yet_deployed_still_escaped(repo: GitRepo, released: dict[str, str],
                                              tmp_path: Path) -> None:
    repo.commit("fix: d again", {"b.py": "x = 2\n"}, env=_at(20))  # blames c2, after v1.0.0
    data = _audit(repo, tmp_path, "--deployments", "v1.*")
    deployments = data["deployments"]
    assert isinstance(deployments, dict)
    assert (deployments["pattern"], deployments["failed"], deployments["unshipped"]) == \
        ("v1.*", 2, 1)
    origins = data["origins"]
    assert isinstance(origins, dict)
    assert origins["unknown"]["escaped"] == 2
    assert origins["unknown"]["median_hours_to_restore"] == 72  # c2 is not restored yet


def test_revert_of_a_merge_across_deployments(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("feat: base", {"a.py": "a = 1\n"}, env=_at(0))
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit(f"feat: one\n\n{CLAUDE}", {"t1.py": "1\n"}, env=_at(1))
    repo.commit("feat: two", {"t2.py": "2\n"}, env=_at(2))
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge pull request #5 from org/topic", "topic",
             env=_at(3))
    repo.git("tag", "2.0")
    merge = repo.head()
    repo.git("revert", "--no-edit", "-m", "1", merge, env=_at(4))
    repo.git("tag", "2.1")
    data = _audit(repo, tmp_path, "--deployments", "2.*")
    deployments = data["deployments"]
    assert isinstance(deployments, dict)
    assert (deployments["count"], deployments["failed"]) == (2, 1)
    assert deployments["items"][0]["escaped"] == {"ai": 1, "human": 0, "unknown": 1}


def test_first_parent_deployments(repo: GitRepo, released: dict[str, str],
                                  tmp_path: Path) -> None:
    data = _audit(repo, tmp_path, "--deployments", "first-parent:main")
    deployments = data["deployments"]
    assert isinstance(deployments, dict)
    # Every commit is its own deployment: every later fix or revert escaped.
    assert (deployments["count"], deployments["failed"]) == (8, 3)


def test_no_release_tags_means_no_deployments(repo: GitRepo, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("feat: base", {"a.py": "a = 1\n"}, env=_at(0))
    repo.git("tag", "beta")
    assert "deployments" not in _audit(repo, tmp_path)
    assert "deployments" not in _audit(repo, tmp_path, "--deployments", "none")
    assert main(["audit", "-C", str(repo.path), "--deployments", "v*"]) == 2
    assert capsys.readouterr().err == (
        "vetgate: error: --deployments 'v*' matches no tag of a commit; give a tag glob that "
        "matches your release tags (e.g. 'v*'), first-parent:BRANCH, or none\n")
    assert main(["audit", "-C", str(repo.path), "--deployments", "first-parent:nosuch"]) == 2
    assert "git knows no branch or commit 'nosuch'" in capsys.readouterr().err


@pytest.mark.parametrize(("name", "release"), [
    ("v1.2.3", True), ("1.2", True), ("release-2.0.1", True), ("v2.0.0-rc.1", True),
    ("v1", False), ("beta", False), ("latest", False), ("v1.x", False),
])
def test_release_looking_tags(name: str, release: bool) -> None:
    assert bool(RELEASE_TAG.match(name)) is release


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_every_format_shows_the_ai_share_of_failures(repo: GitRepo, released: dict[str, str],
                                                     fmt: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "-C", str(repo.path), "--format", fmt, "--progress", "never"]) == 0
    out = capsys.readouterr().out
    assert ("AI-origin commits were 25.0% of shipped commits and 50.0% of escaped failures "
            "(1 of 2).") in out
    assert "change-failure rate 50.0% (95% CI 15.0–85.0%)" in out
    if fmt == "html":
        assert 'aria-label="Escaped failures per deployment, by origin"' in out
        assert "Unknown is not human" in out and "Read the intervals before the rates" in out


def test_text_counts_one_commit_and_one_deployment_in_the_singular(
        repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("feat: base", {"a.py": "a = 1\n"}, env=_at(0))
    repo.git("tag", "v1.0.0")
    repo.commit("feat: next", {"a.py": "a = 2\n"}, env=_at(1))
    assert main(["audit", "-C", str(repo.path), "--progress", "never"]) == 0
    out = capsys.readouterr().out
    assert ": 2 commits, " in out.splitlines()[0]
    assert ("  1 deployment (auto: release tags); 0 shipped an escaped failure: change-failure "
            "rate 0.0% (95% CI 0.0–79.3%); median time to restore – h; 1 commit not shipped "
            "yet\n") in out
    assert "  2 commits in the rates\n" in out
    assert "  2023-11       2 commits  " in out


def test_shipped_by_walks_history_once_for_all_deployments(repo: GitRepo) -> None:
    """Each commit goes to the first deployment (in the given order) that contains it, the same
    as one `git rev-list D ^EARLIER...` per deployment, from one git process."""
    base = repo.commit("feat: base", {"a.py": "1\n"}, env=_at(0))
    one = repo.commit("feat: one", {"a.py": "2\n"}, env=_at(1))
    repo.git("checkout", "-q", "-b", "side", base)
    side = repo.commit("feat: side", {"b.py": "1\n"}, env=_at(2))
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "merge side", "side", env=_at(3))
    merge = repo.head()
    two = repo.commit("feat: two", {"a.py": "3\n"}, env=_at(4))
    deployments = [Deployment("v1.0", one, 1), Deployment("side-1.0", side, 2),
                   Deployment("v2.0", two, 4)]
    with count_git_processes() as calls:
        shipped = shipped_by(str(repo.path), deployments)
    assert len(calls) == 1
    assert shipped == {base: 0, one: 0, side: 1, merge: 2, two: 2}
