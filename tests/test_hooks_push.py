"""pre-push: which commits a push sends, from git's stdin form and from pre-commit's variables."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import GitRepo, make_repo
from vetgate.errors import UsageError
from vetgate.hooks import (
    PushCheck,
    PushUpdate,
    is_null_sha,
    new_branch_base,
    parse_push_updates,
    plan_from_pre_commit,
    plan_update,
)

ZERO = "0" * 40


@pytest.fixture
def pushed(tmp_path: Path) -> tuple[GitRepo, Path]:
    """A repository with two commits on main, pushed to a bare ``origin`` (origin/HEAD set)."""
    remote = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    repo = make_repo(tmp_path / "work")
    repo.commit("one", {"a.txt": "1\n"})
    repo.commit("two", {"a.txt": "2\n"})
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "--no-verify", "-u", "origin", "main")
    repo.git("remote", "set-head", "origin", "main")
    return repo, remote


def test_parse_push_updates() -> None:
    data = (
        f"refs/heads/feature {'a' * 40} refs/heads/feature {ZERO}\n"
        f"(delete) {ZERO} refs/heads/old {'b' * 40}\n\n"
    ).encode()
    assert parse_push_updates(data) == (
        PushUpdate("refs/heads/feature", "a" * 40, "refs/heads/feature", ZERO),
        PushUpdate("(delete)", ZERO, "refs/heads/old", "b" * 40),
    )
    assert parse_push_updates(b"") == ()


def test_parse_push_updates_rejects_garbage() -> None:
    with pytest.raises(UsageError, match="stdin line 1 is not"):
        parse_push_updates(b"what\n")


def test_null_sha() -> None:
    assert is_null_sha(ZERO)
    assert is_null_sha("0" * 64)
    assert not is_null_sha("")
    assert not is_null_sha(None)
    assert not is_null_sha("0" * 39 + "1")


def test_update_of_existing_branch(pushed: tuple[GitRepo, Path]) -> None:
    repo, _ = pushed
    remote_sha = repo.head()
    head = repo.commit("three", {"b.txt": "b\n"})
    update = PushUpdate("refs/heads/main", head, "refs/heads/main", remote_sha)
    assert plan_update(str(repo.path), "origin", update) == PushCheck(
        ref="refs/heads/main", head=head, base=remote_sha, how="update",
    )


def test_deletion_passes(pushed: tuple[GitRepo, Path]) -> None:
    repo, _ = pushed
    update = PushUpdate("(delete)", ZERO, "refs/heads/main", repo.head())
    assert plan_update(str(repo.path), "origin", update) is None


def test_new_branch_is_checked_against_the_remote_default_branch(
        pushed: tuple[GitRepo, Path]) -> None:
    repo, _ = pushed
    fork = repo.head()
    repo.git("switch", "-q", "-c", "feature")
    head = repo.commit("feature work", {"f.txt": "f\n"})
    update = PushUpdate("refs/heads/feature", head, "refs/heads/feature", ZERO)
    check = plan_update(str(repo.path), "origin", update)
    assert check == PushCheck(ref="refs/heads/feature", head=head, base=fork,
                              how="new branch, against origin/main")


def test_default_branch_without_origin_head(pushed: tuple[GitRepo, Path]) -> None:
    repo, _ = pushed
    repo.git("remote", "set-head", "origin", "-d")
    fork = repo.head()
    head = repo.commit("more", {"g.txt": "g\n"})
    assert new_branch_base(str(repo.path), "origin", head) == (
        fork, "new branch, against origin/main",
    )


def test_remote_sha_unknown_locally_counts_as_new_branch(pushed: tuple[GitRepo, Path]) -> None:
    repo, _ = pushed
    fork = repo.head()
    head = repo.commit("three", {"b.txt": "b\n"})
    update = PushUpdate("refs/heads/main", head, "refs/heads/main", "c" * 40)
    check = plan_update(str(repo.path), "origin", update)
    assert check is not None and check.base == fork and check.head == head


def test_no_default_branch_uses_commits_not_on_any_remote(tmp_path: Path) -> None:
    remote = tmp_path / "r.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    repo = make_repo(tmp_path / "work", branch="trunk")
    first = repo.commit("one", {"a.txt": "1\n"})
    repo.git("remote", "add", "upstream", str(remote))
    repo.git("push", "-q", "--no-verify", "upstream", "trunk")
    head = repo.commit("two", {"a.txt": "2\n"})
    # No upstream/HEAD, upstream/main or upstream/master: the boundary of what remotes have.
    assert new_branch_base(str(repo.path), "upstream", head) == (
        first, "new branch, commits not on any remote",
    )
    # Everything already on a remote: nothing to check.
    assert new_branch_base(str(repo.path), "upstream", first) is None


def test_first_push_to_empty_remote_has_no_base(repo: GitRepo) -> None:
    repo.commit("one", {"a.txt": "1\n"})
    head = repo.commit("two", {"a.txt": "2\n"})
    assert new_branch_base(str(repo.path), "origin", head) == (
        None, "first push: every commit of the branch",
    )


def test_unrelated_default_branch_is_skipped(pushed: tuple[GitRepo, Path]) -> None:
    repo, _ = pushed
    repo.git("switch", "-q", "--orphan", "pages")
    head = repo.commit("pages", {"index.html": "<p>\n"})
    assert new_branch_base(str(repo.path), "origin", head) == (
        None, "first push: every commit of the branch",
    )


def test_pre_commit_environment(pushed: tuple[GitRepo, Path]) -> None:
    repo, _ = pushed
    root = str(repo.path)
    base = repo.head()
    head = repo.commit("three", {"b.txt": "b\n"})
    env = {"PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": head,
           "PRE_COMMIT_REMOTE_NAME": "origin", "PRE_COMMIT_REMOTE_BRANCH": "refs/heads/main",
           "PRE_COMMIT_LOCAL_BRANCH": "refs/heads/main"}
    assert plan_from_pre_commit(root, env) == [
        PushCheck(ref="refs/heads/main", head=head, base=base, how="update"),
    ]
    # Deleting: TO is all zeros.
    assert plan_from_pre_commit(root, {**env, "PRE_COMMIT_TO_REF": ZERO}) == []
    # A first push (pre-commit sets no FROM/TO, only the branch names).
    first = {k: v for k, v in env.items() if k not in ("PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF")}
    repo.git("switch", "-q", "-c", "topic")
    topic = repo.commit("topic", {"t.txt": "t\n"})
    first["PRE_COMMIT_LOCAL_BRANCH"] = "refs/heads/topic"
    first["PRE_COMMIT_REMOTE_BRANCH"] = "refs/heads/topic"
    assert plan_from_pre_commit(root, first) == [
        PushCheck(ref="refs/heads/topic", head=topic, base=base,
                  how="new branch, against origin/main"),
    ]


def test_pre_commit_environment_missing(repo: GitRepo) -> None:
    repo.commit("one", allow_empty=True)
    with pytest.raises(UsageError, match="no pushed refs"):
        plan_from_pre_commit(str(repo.path), {})
