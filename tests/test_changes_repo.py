"""The small repository helpers (vetgate.changes.repo) against real repositories."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import GitRepo
from vetgate.changes.repo import (
    commits_between,
    current_branch,
    entries_at,
    head_sha,
    is_shallow,
    list_tree_at,
    read_blob_at,
    resolve,
    signature_status,
    tracked_files,
)
from vetgate.errors import GitError


def test_resolve(repo: GitRepo) -> None:
    first = repo.commit("one", {"a.txt": "1\n"})
    second = repo.commit("two", {"a.txt": "2\n"})
    repo.git("tag", "-a", "-m", "annotated", "v1", first)
    root = str(repo.path)
    assert resolve(root, "HEAD") == second
    assert resolve(root, "main") == second
    assert resolve(root, "HEAD~1") == first
    assert resolve(root, first[:10]) == first
    assert resolve(root, "v1") == first  # annotated tags are peeled to the commit
    with pytest.raises(GitError) as info:
        resolve(root, "v2")
    assert str(info.value) == (
        "unknown revision 'v2': no commit of that name in this repository; check the spelling, "
        "or fetch it first (`git fetch origin v2`)"
    )
    with pytest.raises(GitError) as info:
        resolve(root, "HEAD~5")
    assert str(info.value) == (  # nothing to fetch under the name HEAD~5
        "unknown revision 'HEAD~5': no commit of that name in this repository; check the "
        "spelling: it counts from HEAD, and there may be fewer commits behind it here (`git log "
        "--oneline HEAD` lists them)"
    )
    repo.git("remote", "add", "upstream", str(repo.path))
    with pytest.raises(GitError) as info:
        resolve(root, "upstream/topic")
    assert str(info.value).endswith("or fetch it first (`git fetch upstream topic`)")
    with pytest.raises(GitError, match="unknown revision '--all'"):
        resolve(root, "--all")
    with pytest.raises(GitError, match="invalid revision ''"):
        resolve(root, "")
    tree = repo.git("rev-parse", "HEAD^{tree}").strip()
    with pytest.raises(GitError, match="unknown revision"):
        resolve(root, tree)  # a tree is not a commit


def test_head_and_branch(repo: GitRepo, tmp_path: Path) -> None:
    root = str(repo.path)
    assert head_sha(root) is None
    assert current_branch(root) == "main"  # unborn, but already on main
    sha = repo.commit("one", {"a.txt": "1\n"})
    assert head_sha(root) == sha
    repo.git("checkout", "-q", "-b", "feature/x")
    assert current_branch(root) == "feature/x"
    repo.git("checkout", "-q", "--detach")
    assert current_branch(root) is None
    assert head_sha(root) == sha
    outside = tmp_path / "not-a-repo"
    outside.mkdir()
    with pytest.raises(GitError, match="cannot read HEAD"):
        head_sha(str(outside))


def test_tracked_files(repo: GitRepo) -> None:
    assert tracked_files(str(repo.path)) == []
    repo.commit("base", {"a.txt": "1\n", "dir/new\nline": "x\n", "-dash": "d\n"})
    assert tracked_files(str(repo.path)) == ["-dash", "a.txt", "dir/new\nline"]
    # An unmerged path is listed once per conflict stage by git; once here.
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit("topic", {"a.txt": "topic\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main", {"a.txt": "main\n"})
    repo.git("merge", "-q", "topic", check=False)
    assert tracked_files(str(repo.path)) == ["-dash", "a.txt", "dir/new\nline"]


def test_read_blob_at(repo: GitRepo) -> None:
    first = repo.commit("one", {"a.txt": "1\n", "dir/odd name\n.txt": b"\x00bin"})
    os.symlink("a.txt", repo.path / "link")
    repo.commit("two", {"a.txt": "2\n"})
    root = str(repo.path)
    assert read_blob_at(root, first, "a.txt") == b"1\n"
    assert read_blob_at(root, "HEAD", "a.txt") == b"2\n"
    assert read_blob_at(root, "HEAD", "dir/odd name\n.txt") == b"\x00bin"
    assert read_blob_at(root, "HEAD", "link") == b"a.txt"
    assert read_blob_at(root, first, "link") is None
    assert read_blob_at(root, "HEAD", "dir") is None
    assert read_blob_at(root, "HEAD", "missing.yaml") is None
    with pytest.raises(GitError, match="unknown revision 'nope'"):
        read_blob_at(root, "nope", "a.txt")
    with pytest.raises(GitError, match="invalid revision '-p'"):
        read_blob_at(root, "-p", "a.txt")


def test_list_tree_and_entries_at(repo: GitRepo) -> None:
    first = repo.commit("one", {"a*.txt": "star\n", "ab.txt": "ab\n", "dir/x.txt": "x\n"})
    os.symlink("ab.txt", repo.path / "link")
    repo.git("add", "link")
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{first},sub")
    repo.git("commit", "-q", "--no-verify", "-m", "two")
    root = str(repo.path)
    assert list_tree_at(root, "HEAD") == ["a*.txt", "ab.txt", "dir/x.txt", "link"]
    assert list_tree_at(root, first) == ["a*.txt", "ab.txt", "dir/x.txt"]

    entries = entries_at(root, "HEAD", ["a*.txt", "dir", "dir/x.txt", "sub", "missing", "link"])
    assert entries == {
        # a literal name, not a glob
        "a*.txt": ("100644", repo.git("rev-parse", "HEAD:a*.txt").strip()),
        "dir": None,  # a directory is not a file
        "dir/x.txt": ("100644", repo.git("rev-parse", "HEAD:dir/x.txt").strip()),
        "sub": ("160000", first),  # a submodule: the commit it records
        "missing": None,
        "link": ("120000", repo.git("rev-parse", "HEAD:link").strip()),
    }
    assert entries_at(root, first, ["link"]) == {"link": None}
    assert entries_at(root, "HEAD", []) == {}
    with pytest.raises(GitError, match="unknown revision 'nope'"):
        entries_at(root, "nope", ["a*.txt"])
    with pytest.raises(GitError, match="unknown revision 'nope'"):
        entries_at(root, "nope", [])
    with pytest.raises(GitError, match="unknown revision 'nope'"):
        list_tree_at(root, "nope")


def test_entries_at_many_paths(repo: GitRepo) -> None:
    blob = repo.git("hash-object", "-w", "--stdin", input=b"same\n").strip()
    paths = [f"deep/folder/number-{n:05d}-of-many.txt" for n in range(3000)]
    index_info = "".join(f"100644 {blob}\t{p}\0" for p in paths).encode()
    repo.git("update-index", "--add", "-z", "--index-info", input=index_info)
    repo.git("commit", "-q", "--no-verify", "-m", "many")
    found = entries_at(str(repo.path), "HEAD", [*paths, "absent.txt"])
    assert len(found) == 3001
    assert found["absent.txt"] is None
    assert all(found[p] == ("100644", blob) for p in paths)


def test_signature_status_unsigned(repo: GitRepo) -> None:
    first = repo.commit("one", {"a.txt": "1\n"})
    second = repo.commit("two", {"a.txt": "2\n"})
    assert signature_status(str(repo.path), [first, second, first]) == {
        first: False, second: False,
    }
    assert signature_status(str(repo.path), []) == {}
    with pytest.raises(GitError, match="unknown revision"):
        signature_status(str(repo.path), [first, "0" * 40])


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")
def test_signature_status_ssh_signed(repo: GitRepo, tmp_path: Path) -> None:
    key = tmp_path / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    public = key.with_suffix(".pub").read_text(encoding="utf-8").strip()
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"hannah@example.com {public}\n", encoding="utf-8")
    repo.git("config", "gpg.format", "ssh")
    repo.git("config", "user.signingkey", str(key))
    unsigned = repo.commit("unsigned", {"a.txt": "1\n"})
    repo.write("a.txt", "2\n")
    repo.git("commit", "-q", "-a", "--no-verify", "-S", "-m", "signed")
    signed = repo.head()
    # Without a list of allowed signers git cannot check the signature: not good.
    assert signature_status(str(repo.path), [signed]) == {signed: False}
    repo.git("config", "gpg.ssh.allowedSignersFile", str(allowed))
    assert signature_status(str(repo.path), [unsigned, signed]) == {
        unsigned: False, signed: True,
    }


def test_commits_between_is_topological(repo: GitRepo) -> None:
    base = repo.commit("base", {"a.txt": "0\n"})
    shas = []
    # Commit dates run backwards (clock skew): parents must still come first.
    for n, date in enumerate(("1700000300", "1700000200", "1700000100")):
        stamp = f"@{date} +0000"
        shas.append(repo.commit(f"c{n}", {"a.txt": f"{n + 1}\n"},
                                env={"GIT_COMMITTER_DATE": stamp, "GIT_AUTHOR_DATE": stamp}))
    commits = commits_between(str(repo.path), base, "HEAD")
    assert [c.sha for c in commits] == shas
    assert [c.author_time for c in commits] == [1700000300, 1700000200, 1700000100]
    assert commits_between(str(repo.path), "HEAD", base) == []


def test_is_shallow(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("one", {"a.txt": "1\n"})
    repo.commit("two", {"a.txt": "2\n"})
    assert is_shallow(str(repo.path)) is False
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone)],
                   check=True, capture_output=True)
    assert is_shallow(str(clone)) is True


def test_a_git_process_started_ahead_answers_the_same_call(repo: GitRepo) -> None:
    """`start_git` runs git while the caller works; `run_git` with exactly the same arguments
    and environment waits for it (one process), anything else runs its own; what nobody asked
    for is reaped by `forget_started`."""
    from vetgate.changes import git

    repo.commit("one", {"a.txt": "a\n"})
    root = str(repo.path)
    git.start_git(["rev-parse", "HEAD"], root)
    git.start_git(["rev-parse", "HEAD"], root, env={"GIT_LITERAL_PATHSPECS": "1"})
    assert len(git._started) == 2
    assert git.run_git(["rev-parse", "HEAD"], root).stdout.decode().strip() == repo.head()
    assert len(git._started) == 1  # the other environment's process is still waiting
    with pytest.raises(GitError, match="unknown-rev"):
        git.start_git(["rev-parse", "--verify", "unknown-rev"], root)
        git.run_git(["rev-parse", "--verify", "unknown-rev"], root)  # its failure, as ever
    git.forget_started()
    assert git._started == {}
