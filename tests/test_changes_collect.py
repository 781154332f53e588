"""Change selection against real repositories: staged, range and single-commit changes."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import GitRepo, make_repo
from vetgate.changes.collect import (
    commit_change,
    history_change,
    parse_range,
    range_change,
)
from vetgate.changes.model import ChangeSet, FileChange
from vetgate.changes.pending import staged_change
from vetgate.errors import GitError, UsageError

BIG = "".join(f"line {n}\n" for n in range(40))  # long enough for rename/copy similarity

ODD_NAMES = (
    "with space.txt",
    "ünïcödé/日本語.txt",
    'quote"d.txt',
    "single'quote.txt",
    "back\\slash.txt",
    "-leading-dash.txt",
    "--double-dash",
    "new\nline.txt",
    "tab\tname.txt",
    " leading space",
    "trailing space ",
    "star*[glob]?.txt",
)


def by_path(change: ChangeSet) -> dict[str, FileChange]:
    return {f.path: f for f in change.files}


def blob_id(repo: GitRepo, rev_path: str) -> str:
    return repo.git("rev-parse", rev_path).strip()


# --- staged changes ----------------------------------------------------------------------------


def test_staged_every_status(repo: GitRepo) -> None:
    base = repo.commit("base", {"mod.txt": "a\n", "gone.txt": "bye\n", "old.txt": BIG,
                                "kind": "plain file\n"})
    repo.write("mod.txt", "a\nb\nc\n")
    repo.write("new.txt", "1\n2\n")
    (repo.path / "gone.txt").unlink()
    repo.git("mv", "old.txt", "renamed.txt")
    (repo.path / "kind").unlink()
    os.symlink("mod.txt", repo.path / "kind")
    repo.git("add", "-A")

    change = staged_change(str(repo.path), message="subject\n")

    assert change.mode == "staged"
    assert change.base == base
    assert change.head is None
    assert change.branch == "main"
    assert change.root == str(repo.path)
    files = by_path(change)
    assert set(files) == {"mod.txt", "new.txt", "gone.txt", "renamed.txt", "kind"}
    assert files["mod.txt"] == FileChange(
        "mod.txt", "M", None, 2, 0, False, "file",
        blob_id(repo, "HEAD:mod.txt"), blob_id(repo, ":mod.txt"),
        old_mode="100644", new_mode="100644",
    )
    assert files["new.txt"].status == "A"
    assert (files["new.txt"].old_mode, files["new.txt"].new_mode) == (None, "100644")
    assert (files["new.txt"].added, files["new.txt"].removed) == (2, 0)
    assert files["new.txt"].old_blob is None
    assert files["new.txt"].new_blob == blob_id(repo, ":new.txt")
    assert files["gone.txt"].status == "D"
    assert files["gone.txt"].removed == 1
    assert files["gone.txt"].new_blob is None
    assert files["renamed.txt"].status == "R"
    assert files["renamed.txt"].old_path == "old.txt"
    assert files["renamed.txt"].paths == ("renamed.txt", "old.txt")
    assert files["kind"].status == "T"
    assert files["kind"].kind == "symlink"
    assert (files["kind"].old_mode, files["kind"].new_mode) == ("100644", "120000")
    assert files["gone.txt"].new_mode is None and files["gone.txt"].new_entry is None

    (pending,) = change.commits
    assert pending.sha is None
    assert pending.parents == (base,)
    assert pending.message == "subject\n"
    assert pending.paths == {"mod.txt", "new.txt", "gone.txt", "renamed.txt", "old.txt", "kind"}


def test_staged_symlink_to_file_is_a_type_change(repo: GitRepo) -> None:
    os.symlink("target", repo.path / "link")
    repo.commit("link")
    (repo.path / "link").unlink()
    repo.write("link", "now a file\n")
    repo.git("add", "-A")
    (change,) = staged_change(str(repo.path)).files
    assert (change.path, change.status, change.kind) == ("link", "T", "file")


def test_staged_unborn_head(repo: GitRepo) -> None:
    repo.write("first.txt", "hello\n")
    repo.git("add", "first.txt")
    change = staged_change(str(repo.path))
    assert change.base is None
    assert change.branch == "main"
    assert change.commits[0].parents == ()
    (only,) = change.files
    assert (only.path, only.status, only.added, only.old_blob) == ("first.txt", "A", 1, None)


def test_staged_empty_repository_nothing_staged(repo: GitRepo) -> None:
    change = staged_change(str(repo.path), message="")
    assert change.files == ()
    assert change.base is None
    assert len(change.commits) == 1
    assert change.commits[0].paths == frozenset()


def test_staged_detached_head(repo: GitRepo) -> None:
    first = repo.commit("one", {"a.txt": "1\n"})
    repo.commit("two", {"a.txt": "2\n"})
    repo.git("checkout", "-q", "--detach", first)
    repo.write("b.txt", "b\n")
    repo.git("add", "b.txt")
    change = staged_change(str(repo.path))
    assert change.branch is None
    assert change.base == first
    assert [f.path for f in change.files] == ["b.txt"]


def test_staged_author_from_env_committer_from_git_var(repo: GitRepo) -> None:
    repo.commit("base", {"a.txt": "1\n"})
    env = dict(os.environ, GIT_AUTHOR_NAME="Claude", GIT_AUTHOR_EMAIL="noreply@anthropic.com",
               GIT_AUTHOR_DATE="@1700000000 +0000")
    pending = staged_change(str(repo.path), env=env).commits[0]
    assert str(pending.author) == "Claude <noreply@anthropic.com>"
    assert pending.author_time == 1700000000
    assert str(pending.committer) == "Hannah Human <hannah@example.com>"
    assert pending.commit_time > 1700000000


def test_staged_identity_from_config_when_env_is_silent(repo: GitRepo,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                 "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(name)
    repo.git("config", "user.name", "Config Person")
    repo.git("config", "user.email", "config@example.com")
    pending = staged_change(str(repo.path)).commits[0]
    assert str(pending.author) == "Config Person <config@example.com>"
    assert str(pending.committer) == "Config Person <config@example.com>"


def test_staged_unknown_identity_is_an_error(repo: GitRepo,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                 "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(name, raising=False)
    repo.git("config", "user.useConfigOnly", "true")
    with pytest.raises(GitError) as info:
        staged_change(str(repo.path))
    assert str(info.value) == (
        "git cannot tell who the author of the pending commit is; set it with "
        "`git config user.name NAME` and `git config user.email EMAIL`"
    )


def test_staged_honours_git_index_file(repo: GitRepo, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    repo.commit("base", {"a.txt": "1\n", "b.txt": "1\n"})
    repo.write("a.txt", "staged in the real index\n")
    repo.git("add", "a.txt")
    temp_index = tmp_path / "temp-index"
    index_env = {"GIT_INDEX_FILE": str(temp_index)}
    repo.git("read-tree", "HEAD", env=index_env)
    repo.write("b.txt", "only in the temporary index\n")
    repo.git("add", "b.txt", env=index_env)

    # Through the `env` argument ...
    via_arg = staged_change(str(repo.path), env=dict(os.environ, **index_env))
    assert [f.path for f in via_arg.files] == ["b.txt"]
    # ... and through the process environment, as inside a hook.
    monkeypatch.setenv("GIT_INDEX_FILE", str(temp_index))
    assert [f.path for f in staged_change(str(repo.path)).files] == ["b.txt"]
    monkeypatch.delenv("GIT_INDEX_FILE")
    assert [f.path for f in staged_change(str(repo.path)).files] == ["a.txt"]


HOOK = """\
import json, os, sys
from vetgate.changes.pending import staged_change
from vetgate.changes.message import read_message_file
change = staged_change(os.getcwd(), message=read_message_file(sys.argv[1]))
pending = change.commits[0]
with open(os.environ["VETGATE_TEST_OUT"], "w", encoding="utf-8") as out:
    json.dump({"files": [f.path for f in change.files], "author": str(pending.author),
               "committer": str(pending.committer), "message": pending.message}, out)
"""


def test_inside_a_real_commit_msg_hook(repo: GitRepo, tmp_path: Path) -> None:
    """`git commit --author=... -- FILE` commits through a temporary index; the hook must see
    exactly what is committed, and the author given on the command line."""
    repo.commit("base", {"a.txt": "1\n", "b.txt": "1\n"})
    hook = repo.path / ".git" / "hooks" / "commit-msg"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(f"#!{sys.executable}\n{HOOK}", encoding="utf-8")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)
    repo.write("a.txt", "staged but not part of this commit\n")
    repo.git("add", "a.txt")
    repo.write("b.txt", "committed by path\n")
    out = tmp_path / "hook.json"
    repo.git("commit", "-q", "--author=Coding Agent <agent@example.com>",
             "-m", "Fix b\n\nAssisted-by: Some Agent", "--", "b.txt",
             env={"VETGATE_TEST_OUT": str(out)})
    seen = json.loads(out.read_text(encoding="utf-8"))
    assert seen == {
        "files": ["b.txt"],
        "author": "Coding Agent <agent@example.com>",
        "committer": "Hannah Human <hannah@example.com>",
        "message": "Fix b\n\nAssisted-by: Some Agent\n",
    }
    assert repo.git("log", "-1", "--format=%B") == seen["message"] + "\n"


def test_staged_during_a_merge_lists_merge_head_as_parent(repo: GitRepo) -> None:
    base = repo.commit("base", {"a.txt": "1\n"})
    repo.git("checkout", "-q", "-b", "topic")
    topic = repo.commit("topic", {"t.txt": "t\n"})
    repo.git("checkout", "-q", "main")
    main = repo.commit("main", {"m.txt": "m\n"})
    repo.git("merge", "-q", "--no-commit", "--no-ff", "topic")
    change = staged_change(str(repo.path))
    assert change.base == main != base
    # The commits the merge brings in come first, the pending merge commit last; what it takes
    # from topic is topic's, so the merge itself writes nothing.
    assert [c.sha for c in change.commits] == [topic, None]
    assert change.commits[-1].parents == (main, topic)
    assert change.commits[-1].paths == frozenset()
    assert [f.path for f in change.files] == ["t.txt"]


def test_staged_unresolved_conflict_is_an_error(repo: GitRepo) -> None:
    repo.commit("base", {"a.txt": "1\n"})
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit("topic", {"a.txt": "topic\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main", {"a.txt": "main\n"})
    repo.git("merge", "-q", "topic", check=False)
    with pytest.raises(GitError) as info:
        staged_change(str(repo.path))
    assert str(info.value) == (
        "the index has unresolved merge conflicts (a.txt); resolve them and `git add` the "
        "files before checking"
    )


def test_staged_submodule_gitlink(repo: GitRepo) -> None:
    first = repo.commit("base", {"a.txt": "1\n"})
    second = repo.commit("two", {"a.txt": "2\n"})
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{first},vendor/lib")
    (added,) = staged_change(str(repo.path)).files
    assert (added.path, added.status, added.kind) == ("vendor/lib", "A", "submodule")
    assert (added.old_blob, added.new_blob) == (None, first)
    repo.git("commit", "-q", "--no-verify", "-m", "add gitlink")
    repo.git("update-index", "--cacheinfo", f"160000,{second},vendor/lib")
    (bumped,) = staged_change(str(repo.path)).files
    assert (bumped.status, bumped.kind, bumped.old_blob, bumped.new_blob) == (
        "M", "submodule", first, second)
    repo.git("commit", "-q", "--no-verify", "-m", "bump")
    repo.git("update-index", "--force-remove", "vendor/lib")
    (removed,) = staged_change(str(repo.path)).files
    assert (removed.status, removed.kind, removed.new_blob) == ("D", "submodule", None)


def test_binary_files_have_no_line_counts(repo: GitRepo) -> None:
    repo.commit("base", {"img.bin": b"\x00\x01\x02"})
    repo.write("img.bin", b"\x00\x01\x03\x04")
    repo.git("add", "-A")
    (change,) = staged_change(str(repo.path)).files
    assert (change.status, change.binary, change.added, change.removed) == ("M", True, 0, 0)


@pytest.mark.parametrize("name", ODD_NAMES)
def test_odd_file_names_round_trip(repo: GitRepo, name: str) -> None:
    base = repo.commit("base", {"keep.txt": "k\n"})
    repo.write(name, "content\n")
    repo.git("add", "-A")
    assert [f.path for f in staged_change(str(repo.path)).files] == [name]
    head = repo.commit("add odd")
    change = range_change(str(repo.path), base, head)
    assert [f.path for f in change.files] == [name]
    assert change.commits[0].paths == {name}
    assert [f.path for f in commit_change(str(repo.path), head).files] == [name]
    # Renamed, the odd name shows up as the old path.
    repo.git("mv", "--", name, "plain.txt")
    (renamed,) = staged_change(str(repo.path)).files
    assert (renamed.status, renamed.old_path, renamed.path) == ("R", name, "plain.txt")


def test_non_utf8_file_name_round_trips_as_bytes(repo: GitRepo) -> None:
    raw = b"caf\xe9-\xff.txt"
    (repo.path / os.fsdecode(raw)).write_bytes(b"x\n")
    repo.git("add", "-A")
    (change,) = staged_change(str(repo.path)).files
    assert change.path.encode("utf-8", "surrogateescape") == raw


# --- ranges -------------------------------------------------------------------------------------


def test_range_renames_into_and_out_of_folders_and_copies(repo: GitRepo) -> None:
    base = repo.commit("base", {"top.py": BIG, "pkg/inner.py": BIG + "inner\n",
                                "src.py": BIG + "src\n"})
    repo.git("mv", "top.py", "pkg/top.py")
    repo.git("mv", "pkg/inner.py", "inner.py")
    repo.write("copy.py", BIG + "src\n")  # a copy of src.py ...
    repo.write("src.py", BIG + "src\nchanged\n")  # ... which the same change modifies
    head = repo.commit("move things")
    change = range_change(str(repo.path), base, head)
    files = by_path(change)
    assert (files["pkg/top.py"].status, files["pkg/top.py"].old_path) == ("R", "top.py")
    assert (files["inner.py"].status, files["inner.py"].old_path) == ("R", "pkg/inner.py")
    assert (files["copy.py"].status, files["copy.py"].old_path) == ("C", "src.py")
    assert files["src.py"].status == "M"
    assert change.commits[0].paths == {"pkg/top.py", "top.py", "inner.py", "pkg/inner.py",
                                       "copy.py", "src.py"}


def test_range_lists_commits_oldest_first_and_diffs_from_merge_base(repo: GitRepo) -> None:
    fork = repo.commit("fork point", {"shared.txt": "1\n"})
    repo.git("checkout", "-q", "-b", "pr")
    one = repo.commit("pr one", {"pr1.txt": "1\n"})
    two = repo.commit("pr two", {"pr2.txt": "2\n"}, author="Claude <noreply@anthropic.com>")
    repo.git("checkout", "-q", "main")
    repo.commit("main moves on", {"main-only.txt": "m\n"})
    change = range_change(str(repo.path), "main", "pr")
    assert change.mode == "range"
    assert change.base == fork
    assert change.head == two
    assert change.branch == "pr"
    assert [c.sha for c in change.commits] == [one, two]
    assert [c.subject for c in change.commits] == ["pr one", "pr two"]
    assert str(change.commits[1].author) == "Claude <noreply@anthropic.com>"
    assert str(change.commits[1].committer) == "Hannah Human <hannah@example.com>"
    assert change.commits[1].parents == (one,)
    assert change.commits[1].author_time > 0
    assert [f.path for f in change.files] == ["pr1.txt", "pr2.txt"]


def test_base_merged_into_pr_branch_is_not_blamed(repo: GitRepo) -> None:
    repo.commit("fork point", {"shared.txt": "1\n"})
    repo.git("checkout", "-q", "-b", "pr")
    first = repo.commit("pr work", {"feature.txt": "f\n"})
    repo.git("checkout", "-q", "main")
    main_tip = repo.commit("base work", {"base-only.txt": "b\n"})
    repo.git("checkout", "-q", "pr")
    repo.git("merge", "-q", "--no-edit", "main")
    merge = repo.head()
    last = repo.commit("more pr work", {"feature.txt": "f2\n"})

    change = range_change(str(repo.path), "main", "HEAD")

    assert change.base == main_tip
    assert [c.sha for c in change.commits] == [first, merge, last]
    merge_commit = change.commits[1]
    assert merge_commit.is_merge
    assert merge_commit.parents == (first, main_tip)
    assert merge_commit.paths == frozenset()
    assert [f.path for f in change.files] == ["feature.txt"]
    assert all("base-only.txt" not in c.paths for c in change.commits)


def test_range_empty_when_head_is_in_base(repo: GitRepo) -> None:
    first = repo.commit("one", {"a.txt": "1\n"})
    repo.commit("two", {"a.txt": "2\n"})
    change = range_change(str(repo.path), "HEAD", first)
    assert change.commits == ()
    assert change.files == ()
    assert change.base == first


def test_range_detached_head(repo: GitRepo) -> None:
    base = repo.commit("one", {"a.txt": "1\n"})
    head = repo.commit("two", {"a.txt": "2\n"})
    repo.git("checkout", "-q", "--detach")
    change = range_change(str(repo.path), base)
    assert change.head == head
    assert change.branch is None
    assert [c.sha for c in change.commits] == [head]


def test_range_unknown_ref(repo: GitRepo) -> None:
    repo.commit("one", {"a.txt": "1\n"})
    with pytest.raises(GitError) as info:
        range_change(str(repo.path), "origin/nope")
    assert str(info.value) == (
        "unknown revision 'origin/nope': no commit of that name in this repository; check the "
        "spelling, or fetch it first (`git fetch origin nope`)"
    )


def test_range_in_empty_repository(repo: GitRepo) -> None:
    with pytest.raises(GitError) as info:
        range_change(str(repo.path), "HEAD", "HEAD")
    assert str(info.value) == (
        "HEAD does not point at a commit yet (no commit on this branch); make the first "
        "commit (`vetgate check --staged` judges what is staged until then)"
    )


def test_range_without_common_history(repo: GitRepo) -> None:
    repo.commit("one", {"a.txt": "1\n"})
    repo.git("checkout", "-q", "--orphan", "other")
    repo.commit("unrelated", {"b.txt": "1\n"})
    with pytest.raises(GitError) as info:
        range_change(str(repo.path), "main", "other")
    assert str(info.value) == (
        "main and other share no history (no merge-base); give as base the branch other was "
        "forked from"
    )


def test_shallow_clone_lacking_merge_base(tmp_path: Path) -> None:
    origin = make_repo(tmp_path / "origin")
    origin.commit("c1", {"a.txt": "1\n"})
    origin.git("checkout", "-q", "-b", "feature")
    origin.commit("f1", {"f.txt": "f\n"})
    origin.git("checkout", "-q", "main")
    origin.commit("c2", {"a.txt": "2\n"})
    origin.commit("c3", {"a.txt": "3\n"})
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{origin.path}",
                    str(tmp_path / "clone")], check=True, capture_output=True)
    clone = GitRepo(tmp_path / "clone")
    clone.git("fetch", "-q", "--depth", "1", "origin", "feature:refs/remotes/origin/feature")
    with pytest.raises(GitError) as info:
        range_change(str(clone.path), "origin/main", "origin/feature")
    assert str(info.value) == (
        "cannot find where origin/feature forked from origin/main: the clone is shallow and "
        "lacks the merge-base of origin/main and origin/feature; fetch more history "
        "(`git fetch --deepen=N` or `--unshallow`; on GitHub Actions set `fetch-depth: 0`, "
        "on GitLab `GIT_DEPTH: 0`)"
    )
    # An unknown base in a shallow clone also says the history may be missing.
    with pytest.raises(GitError, match=r"the clone is shallow, so it may lack that history"):
        range_change(str(clone.path), "origin/develop", "origin/feature")
    # Once the history is there, the same range works.
    clone.git("fetch", "-q", "--unshallow", "origin", "main", "feature")
    assert [f.path for f in range_change(str(clone.path), "origin/main",
                                         "origin/feature").files] == ["f.txt"]


# --- single commits and messages ----------------------------------------------------------------


def test_commit_change_root_and_merge(repo: GitRepo) -> None:
    root = repo.commit("root", {"a.txt": "1\n", "b.txt": "2\n"})
    change = commit_change(str(repo.path), root)
    assert change.mode == "commit"
    assert change.base is None
    assert change.head == root
    assert {(f.path, f.status) for f in change.files} == {("a.txt", "A"), ("b.txt", "A")}
    assert change.commits[0].paths == {"a.txt", "b.txt"}
    assert change.branch is None

    repo.git("checkout", "-q", "-b", "topic")
    repo.commit("topic", {"t.txt": "t\n"})
    repo.git("checkout", "-q", "main")
    main = repo.commit("main", {"m.txt": "m\n"})
    repo.git("merge", "-q", "--no-edit", "topic")
    merge = commit_change(str(repo.path), "main")
    assert merge.base == main
    assert merge.branch == "main"
    assert merge.commits[0].is_merge
    assert merge.commits[0].paths == frozenset()
    assert [f.path for f in merge.files] == ["t.txt"]  # against the first parent


def test_non_utf8_commit_messages_decode(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("base", {"a.txt": "1\n"})
    message_file = tmp_path / "msg"
    message_file.write_bytes(b"caf\xe9 na\xefve\n\nAssisted-by: Bob\n")
    repo.write("a.txt", "2\n")
    repo.git("-c", "i18n.commitEncoding=latin-1", "commit", "-q", "-a", "--no-verify",
             "-F", str(message_file))
    declared = commit_change(str(repo.path), "HEAD").commits[0]
    assert declared.message == "café naïve\n\nAssisted-by: Bob\n"

    # `git commit` repairs invalid UTF-8 itself, so write the raw commit object by hand, as
    # other tools (and old gits) can.
    tree = repo.git("rev-parse", "HEAD^{tree}").strip()
    raw = (f"tree {tree}\nparent {repo.head()}\n"
           "author A <a@example.com> 1700000000 +0000\n"
           "committer A <a@example.com> 1700000000 +0000\n\n").encode() + b"broken \xff\xfe\n"
    sha = repo.git("hash-object", "-t", "commit", "-w", "--stdin", input=raw).strip()
    undeclared = commit_change(str(repo.path), sha).commits[0]
    assert undeclared.message == "broken \ufffd\ufffd\n"


def test_commit_messages_with_odd_content(repo: GitRepo) -> None:
    repo.commit("base", {"a.txt": "1\n"})
    message = "\x01looks like a header\n\nA\nR100\n\x01\n"
    head = repo.commit(message, {"a.txt": "2\n"})
    (commit,) = commit_change(str(repo.path), head).commits
    assert commit.message == message
    assert commit.paths == {"a.txt"}


def test_commit_change_unknown(repo: GitRepo) -> None:
    with pytest.raises(GitError, match="HEAD does not point at a commit yet"):
        commit_change(str(repo.path), "HEAD")
    with pytest.raises(GitError, match="unknown revision 'main'"):
        commit_change(str(repo.path), "main")


# --- parse_range --------------------------------------------------------------------------------


def test_parse_range(repo: GitRepo) -> None:
    repo.commit("one", {"a.txt": "1\n"})
    repo.commit("two", {"a.txt": "2\n"})
    root = str(repo.path)
    assert parse_range(root, "HEAD~1..HEAD") == ("HEAD~1", "HEAD")
    for spec in ("HEAD~1..", "..main", "..", " ..HEAD"):
        with pytest.raises(UsageError, match="leaves a side of the range empty"):
            parse_range(root, spec)
    with pytest.raises(UsageError) as info:
        parse_range(root, "main...HEAD")
    assert str(info.value) == (
        "`main...HEAD` is a three-dot range; vetgate always compares HEAD with its merge-base "
        "with BASE, so write it as BASE..HEAD"
    )
    with pytest.raises(UsageError, match=r"is not a range; write it as BASE\.\.HEAD"):
        parse_range(root, "main")
    with pytest.raises(GitError, match="unknown revision 'nope'"):
        parse_range(root, "nope..HEAD")
    with pytest.raises(GitError, match="unknown revision '--output=x'"):
        range_change(root, "--output=x")


def test_history_change_judges_a_branch_from_its_root(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    first = repo.commit("c1", {"a.txt": "1\n"})
    second = repo.commit("c2", {"b.txt": "2\n"}, remove=["a.txt"])
    change = history_change(str(repo.path), "HEAD")
    assert (change.mode, change.base, change.head) == ("range", None, second)
    assert [c.sha for c in change.commits] == [first, second]
    assert [(f.path, f.status) for f in change.files] == [("b.txt", "A")]
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.path}",
                    str(tmp_path / "clone")], check=True, capture_output=True)
    with pytest.raises(GitError, match=r"the clone is shallow; fetch the whole history"):
        history_change(str(tmp_path / "clone"), "HEAD")


def test_replay_on_an_unborn_head_names_no_option_it_lacks(repo: GitRepo,
                                                           capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    from vetgate.main import main

    assert main(["replay", "-C", str(repo.path)]) == 2
    assert capsys.readouterr().err == (
        "vetgate: error: HEAD does not point at a commit yet (no commit on this branch); make the "
        "first commit (`vetgate check --staged` judges what is staged until then)\n")


@pytest.mark.parametrize("shape", ["one commit", "two commits", "a merge"])
def test_range_commits_touch_what_git_log_says(repo: GitRepo, shape: str) -> None:
    """A range of one commit on the merge-base takes each commit's paths from its diff (git is
    not asked twice); every other range from git's log. Both give what `git log --name-status
    -M -C` lists, renames and copies with both paths."""
    from vetgate.changes.repo import commits_between

    body = "".join(f"line {n}\n" for n in range(40))
    repo.commit("base", {"a.py": body, "b.py": body + "b\n", "gone.py": "x\n"})
    base = repo.head()
    repo.git("mv", "a.py", "renamed.py")
    repo.write("copy.py", body + "b\n")
    repo.write("b.py", body + "b\nmore\n")
    repo.git("rm", "-q", "gone.py")
    repo.write("new.py", "n\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "first")
    if shape == "two commits":
        repo.commit("second", {"new.py": "n2\n"})
    elif shape == "a merge":
        repo.git("checkout", "-q", "-b", "side", base)
        repo.commit("side", {"side.py": "s\n"})
        repo.git("checkout", "-q", "-")
        repo.git("merge", "-q", "--no-ff", "-m", "merge", "side")
    change = range_change(str(repo.path), base)
    expected = commits_between(str(repo.path), base, repo.head())
    assert [(c.sha, c.paths, c.renames) for c in change.commits] == \
        [(c.sha, c.paths, c.renames) for c in expected]
    assert change.commits == tuple(expected)
