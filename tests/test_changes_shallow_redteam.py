"""Issue 17, class 11: a clone that lacks part of the range must never pass.

A shallow clone can hold the merge-base (reached through a merge of the base branch) and still
lack commits of ``base..head``: git shows the commit at the shallow boundary as a root commit,
the commits below it simply vanish, and an AI commit among them would be judged by nobody. Any
commit of the range whose parents the clone cuts off (``.git/shallow``), and any commit object
the repository cannot read, is exit 2 with the remedy. Everything runs on real clones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from adversarial.harness import (
    PAYMENTS_POLICY,
    Outcome,
    ai_message,
    assert_decided,
    check,
    clone_repo,
    run_main,
)
from conftest import GitRepo, make_repo

POLICY = PAYMENTS_POLICY


@pytest.fixture
def upstream(tmp_path: Path) -> GitRepo:
    """main: M → B1; feature: M → A1 (AI, payments/) → A2 → A3 → merge of main → A4."""
    source = make_repo(tmp_path / "upstream")
    source.commit("policy", {".vetgate.yaml": POLICY, "payments/pay.py": "x = 0\n"})
    source.git("checkout", "-qb", "feature")
    source.commit(ai_message("charge"), {"payments/charge.py": "steal = True\n"})
    source.commit("docs", {"docs/a.md": "a\n"})
    source.commit("more docs", {"docs/b.md": "b\n"})
    source.git("checkout", "-q", "main")
    source.commit("main moves on", {"lib/other.py": "o = 1\n"})
    source.git("checkout", "-q", "feature")
    source.git("merge", "-q", "--no-edit", "main")
    source.commit("last", {"docs/c.md": "c\n"})
    return source


def _clone(upstream: GitRepo, target: Path, *options: str) -> GitRepo:
    return GitRepo(clone_repo(upstream.path, target, *options, branch="feature"))


def _judge(clone: GitRepo, capsys: Any) -> Outcome:
    outcome = check(clone.path, capsys, "--base", "origin/main", "--head", "origin/feature")
    assert_decided(outcome, 1, 2)
    return outcome


def test_a_commit_cut_off_inside_the_range_is_exit_2_with_the_remedy(
        upstream: GitRepo, tmp_path: Path, capsys: Any) -> None:
    clone = _clone(upstream, tmp_path / "shallow", "--depth", "3", "--no-single-branch")
    cut = clone.git("rev-parse", "origin/feature~2").strip()  # "more docs"
    assert cut in (clone.path / ".git" / "shallow").read_text()
    # The merge-base is here (main's tip, through the merge), so git itself sees no problem.
    assert clone.git("merge-base", "origin/main", "origin/feature").strip()
    outcome = _judge(clone, capsys)
    assert outcome.code == 2, outcome.describe()
    assert outcome.err == (
        "vetgate: error: the clone is shallow and cuts off history inside "
        f"origin/main..origin/feature: the parents of commit {cut[:12]} ('more docs') are "
        "missing here, so commits of the change may be missing too; fetch the whole range "
        "(`git fetch --deepen=N` or `--unshallow`; on GitHub Actions set `fetch-depth: 0`, on "
        "GitLab `GIT_DEPTH: 0`)\n"
    )
    clone.git("fetch", "-q", "--deepen=3")
    assert _judge(clone, capsys).code == 1


@pytest.mark.parametrize("depth", range(1, 9))
def test_no_clone_depth_lets_the_ai_commit_pass(upstream: GitRepo, tmp_path: Path,
                                                capsys: Any, depth: int) -> None:
    """Whatever the depth, the verdict is the full clone's (1) or undecided (2), never 0."""
    clone = _clone(upstream, tmp_path / "shallow", "--depth", str(depth), "--no-single-branch")
    outcome = _judge(clone, capsys)
    if outcome.code == 2:
        assert "shallow" in outcome.err and "fetch-depth: 0" in outcome.err
    else:
        assert outcome.data is not None
        assert {c["path"] for c in outcome.data["changes"]} >= {"payments/charge.py"}


def test_shallow_since_cut_inside_the_range_is_exit_2(upstream: GitRepo, tmp_path: Path,
                                                     capsys: Any) -> None:
    """The class, not the option: a cut made by date is caught the same way."""
    upstream.git("checkout", "-q", "-b", "dated", "main~1")
    stamps = {}
    for number, day in enumerate((1, 2, 3, 4), start=1):
        when = f"2026-01-0{day}T12:00:00Z"
        env = {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
        message = ai_message(f"step {number}") if number == 1 else f"step {number}"
        stamps[number] = upstream.commit(message, {f"payments/s{number}.py": "s = 1\n"},
                                         env=env)
    when = "2026-01-05T12:00:00Z"
    upstream.git("merge", "-q", "--no-edit", "main",
                 env={"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when})
    clone = _clone(upstream, tmp_path / "since", "--shallow-since=2026-01-02T00:00:00Z",
                   "--no-single-branch")
    outcome = check(clone.path, capsys, "--base", "origin/main", "--head", "origin/dated")
    assert_decided(outcome, 2)
    assert "cuts off history" in outcome.err


def test_a_shallow_clone_holding_the_whole_range_is_judged_normally(
        upstream: GitRepo, tmp_path: Path, capsys: Any) -> None:
    """The boundary below the merge-base is not a problem: no false exit 2."""
    upstream.git("checkout", "-q", "-b", "small", "main")
    upstream.commit("human docs", {"docs/z.md": "z\n"})
    clone = _clone(upstream, tmp_path / "shallow", "--depth", "2", "--no-single-branch")
    assert (clone.path / ".git" / "shallow").exists()
    outcome = check(clone.path, capsys, "--base", "origin/main", "--head", "origin/small")
    assert_decided(outcome, 0)


def _lose(clone: GitRepo, tmp_path: Path, oid: str) -> None:
    """Loosen every object of ``clone``, then delete ``oid``: a damaged clone."""
    for pack in list((clone.path / ".git" / "objects" / "pack").glob("*.pack")):
        moved = tmp_path / pack.name
        pack.rename(moved)
        pack.with_suffix(".idx").unlink()
        clone.git("unpack-objects", "-q", input=moved.read_bytes())
    (clone.path / ".git" / "objects" / oid[:2] / oid[2:]).unlink()


def test_a_commit_object_missing_from_a_full_clone_is_exit_2(
        upstream: GitRepo, tmp_path: Path, capsys: Any) -> None:
    clone = _clone(upstream, tmp_path / "damaged", "--no-local")
    ai_commit = clone.git("log", "--format=%H", "--grep=^charge", "origin/feature").strip()
    _lose(clone, tmp_path, ai_commit)
    outcome = _judge(clone, capsys)
    assert outcome.code == 2, outcome.describe()
    assert f"lacks commit {ai_commit[:12]}" in outcome.err
    assert "fetch the whole history again" in outcome.err


def test_a_blob_of_the_change_missing_from_the_clone_is_exit_2(
        upstream: GitRepo, tmp_path: Path, capsys: Any) -> None:
    clone = _clone(upstream, tmp_path / "damaged", "--no-local")
    blob = clone.git("rev-parse", "origin/feature:payments/charge.py").strip()
    _lose(clone, tmp_path, blob)
    outcome = _judge(clone, capsys)
    assert outcome.code == 2, outcome.describe()
    assert f"lacks the object {blob} that git needs here" in outcome.err


def test_a_blob_an_ai_commit_wrote_missing_from_the_clone_is_exit_2(
        repo: GitRepo, tmp_path: Path, capsys: Any) -> None:
    """Content links must read what the AI commits wrote; without it they cannot tell whether
    a human-looking file is a moved AI file, so vetgate does not guess."""
    charge = "".join(f"def charge_{i}(x):\n    return x * {i}\n" for i in range(10))
    repo.commit("policy", {".vetgate.yaml": POLICY})
    base = repo.head()
    repo.commit(ai_message("helper"), {"lib/charge.py": charge})
    repo.commit("copy", {"payments/charge.py": charge + "# mine now\n"})
    repo.commit("tidy", remove=["lib/charge.py"])
    blob = repo.git("rev-parse", "HEAD~2:lib/charge.py").strip()
    _lose(repo, tmp_path, blob)
    outcome = check(repo.path, capsys, "--base", base)
    assert_decided(outcome, 2)
    assert f"lacks the object {blob} that git needs here" in outcome.err


def test_origin_of_a_commit_whose_parent_the_clone_cut_off_says_how_to_fetch(
        upstream: GitRepo, tmp_path: Path, capsys: Any) -> None:
    clone = _clone(upstream, tmp_path / "shallow", "--depth", "1")
    outcome = run_main(["origin", "-C", str(clone.path), "HEAD"], capsys)
    assert_decided(outcome, 0, 2)
    if outcome.code == 2:  # the commit's own diff is needed and its parent is not here
        assert "the clone is shallow" in outcome.err and "--deepen" in outcome.err
