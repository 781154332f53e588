"""vetgate.changes.history: streaming log parsing, fix diffs and blame, on real repositories."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import GitRepo, make_repo
from vetgate.changes import blame, history
from vetgate.changes.history import RevisionSelection
from vetgate.errors import GitError, UsageError

HEAD = RevisionSelection()


def _dated(ts: int) -> dict[str, str]:
    return {"GIT_AUTHOR_DATE": f"{ts} +0000", "GIT_COMMITTER_DATE": f"{ts} +0000"}


def test_log_and_history_stream_every_non_merge_commit(repo: GitRepo) -> None:
    first = repo.commit("first", {"a.txt": "1\n"}, env=_dated(1_700_000_000))
    repo.git("checkout", "-q", "-b", "side")
    side = repo.commit("side work", {"s.txt": "s\n"}, env=_dated(1_700_000_100))
    repo.git("checkout", "-q", "main")
    main = repo.commit("main work", {"a.txt": "1\n2\n"}, env=_dated(1_700_000_200))
    repo.git("merge", "-q", "--no-edit", "side", env=_dated(1_700_000_300))

    entries = list(history.iter_log(str(repo.path), HEAD))
    assert {e.sha for e in entries} == {first, side, main}  # the merge is left out
    commits = {c.commit.sha: c for c in history.iter_history(str(repo.path), HEAD)}
    assert set(commits) == {first, side, main}
    assert commits[main].files == (history.FileStat("a.txt", None, 1, 0),)
    assert commits[main].commit.commit_time == 1_700_000_200
    assert commits[first].commit.parents == ()


def test_history_survives_hostile_file_names_and_messages(repo: GitRepo) -> None:
    names = ["with space.py", "tab\there.py", "new\nline.py", "ünïcødé/ß.py", '"quoted".py',
             "0\t1\tlooks-like-numstat.py", "1234567890123456789012345678901234567890"]
    repo.commit("add hostile names", dict.fromkeys(names, "x\ny\n"))
    repo.write("bin.dat", b"\x00\x01\x02")
    repo.git("add", "bin.dat")
    repo.git("commit", "-q", "-m", "binary")
    repo.git("commit", "-q", "--allow-empty", "--allow-empty-message", "-m", "")
    # A non-UTF-8 message without an encoding header (raw Latin-1 bytes); commit-tree would
    # repair it, so write the object by hand.
    tree = repo.git("rev-parse", "HEAD^{tree}").strip()
    parent = repo.head()
    body = (f"tree {tree}\nparent {parent}\nauthor A <a@example.com> 1700000000 +0000\n"
            f"committer A <a@example.com> 1700000000 +0000\n\n").encode() + b"caf\xe9 au lait\n"
    raw = repo.git("hash-object", "-t", "commit", "-w", "--stdin", input=body).strip()
    repo.git("update-ref", "HEAD", raw)

    commits = list(history.iter_history(str(repo.path), HEAD))
    assert len(commits) == 4
    latin, empty, binary, hostile = commits
    assert latin.commit.message.startswith("caf\ufffd au lait")
    assert latin.files == () and empty.files == () and empty.commit.message == ""
    assert binary.files == (history.FileStat("bin.dat", None, 0, 0, binary=True),)
    assert {f.path for f in hostile.files} == set(names)
    assert all(f.added == 2 for f in hostile.files)


def test_history_reports_renames_under_both_paths(repo: GitRepo) -> None:
    body = "".join(f"line {i}\n" for i in range(40))
    repo.commit("add", {"old name.py": body})
    repo.git("mv", "old name.py", "new name.py")
    repo.write("new name.py", body + "one more\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "rename")
    latest = next(history.iter_history(str(repo.path), HEAD))
    assert latest.files == (history.FileStat("new name.py", "old name.py", 1, 0),)
    assert latest.commit.paths == frozenset({"old name.py", "new name.py"})
    assert latest.lines == 1


def test_since_until_and_ranges_go_to_git(repo: GitRepo) -> None:
    old = repo.commit("old", {"a": "1\n"}, env=_dated(1_600_000_000))
    mid = repo.commit("mid", {"a": "2\n"}, env=_dated(1_650_000_000))
    new = repo.commit("new", {"a": "3\n"}, env=_dated(1_700_000_000))
    root = str(repo.path)

    def shas(selection: RevisionSelection) -> list[str]:
        return [e.sha for e in history.iter_log(root, selection)]

    assert shas(RevisionSelection(f"{old}..{new}")) == [new, mid]
    assert shas(RevisionSelection("HEAD", since="2022-01-01")) == [new, mid]
    assert shas(RevisionSelection("HEAD", until="2021-01-01")) == [old]


def test_check_history_empty_repository(repo: GitRepo) -> None:
    with pytest.raises(GitError, match="no commits yet"):
        history.check_history(str(repo.path), HEAD)


def test_check_history_unborn_branch_with_other_history(repo: GitRepo) -> None:
    repo.commit("on main", {"a": "1\n"})
    repo.git("checkout", "-q", "--orphan", "fresh")
    with pytest.raises(GitError, match="HEAD is unborn"):
        history.check_history(str(repo.path), HEAD)
    assert history.check_history(str(repo.path), RevisionSelection("main"))


@pytest.mark.parametrize("bad", ["nosuchbranch", "main..nosuch", "--all", ""])
def test_check_history_bad_range(repo: GitRepo, bad: str) -> None:
    repo.commit("one", {"a": "1\n"})
    with pytest.raises(UsageError, match="bad revision range"):
        history.check_history(str(repo.path), RevisionSelection(bad))


def test_check_history_returns_range_end(repo: GitRepo) -> None:
    first = repo.commit("one", {"a": "1\n"})
    second = repo.commit("two", {"a": "2\n"})
    root = str(repo.path)
    assert history.check_history(root, HEAD) == second
    assert history.check_history(root, RevisionSelection(f"{first}..{second}")) == second
    assert history.check_history(root, RevisionSelection(first)) == first


def test_resolve_date_refuses_text_git_cannot_read(repo: GitRepo) -> None:
    repo.commit("one", {"a": "1\n"})
    root = str(repo.path)
    assert history.resolve_date(root, "--since", "2024-01-05") > 1_704_000_000
    assert history.resolve_date(root, "--since", "3 months ago") > 0
    with pytest.raises(UsageError, match=r"--since 'foo bar': git could not read a date"):
        history.resolve_date(root, "--since", "foo bar")


def test_resolve_commits_full_short_missing(repo: GitRepo) -> None:
    sha = repo.commit("one", {"a": "1\n"})
    found = history.resolve_commits(str(repo.path), [sha, sha[:9], "deadbeefdeadbeef", "HEAD"])
    assert found == {sha: sha, sha[:9]: sha, "deadbeefdeadbeef": None, "HEAD": sha}


def test_removed_lines_numbers_lines_in_the_parent(repo: GitRepo) -> None:
    repo.commit("add", {"q.sql": "select 1;\n-- keep\n-- old comment\nselect 2;\n",
                        "w.py": "a = 1\nb = 2\n"})
    parent = repo.head()
    fix = repo.commit("fix", {"q.sql": "select 1;\n-- keep\nselect 3;\n",
                              "w.py": "a = 1\nb  =  2\n"})  # whitespace-only change in w.py
    removed = blame.removed_lines(str(repo.path), fix, parent)
    assert removed == (blame.RemovedLines("q.sql", ((3, "-- old comment"), (4, "select 2;"))),)


def test_removed_lines_excludes_by_pathspec_and_skips_binary(repo: GitRepo) -> None:
    repo.commit("add", {"d/data.json": '{"a": 1}\n', "src/code.py": "x = 1\n",
                        "img.bin": b"\0\1"})
    parent = repo.head()
    fix = repo.commit("fix", {"d/data.json": '{"a": 2}\n', "src/code.py": "x = 2\n",
                              "img.bin": b"\0\2"})
    root = str(repo.path)
    removed = blame.removed_lines(root, fix, parent, [":(exclude,glob)**/*.json"])
    assert removed == (blame.RemovedLines("src/code.py", ((1, "x = 1"),)),)
    assert blame.changed_paths(root, parent, fix, [":(exclude,glob)**/*.json"]) == (
        "img.bin", "src/code.py")


def test_blame_ranges_names_the_commit_per_line(repo: GitRepo) -> None:
    first = repo.commit("one", {"f.py": "a\nb\nc\nd\n"})
    second = repo.commit("two", {"f.py": "a\nB\nc\nD\n"})
    lines = blame.blame_ranges(str(repo.path), second, "f.py", ((1, 2), (4, 4)))
    assert [(b.line, b.sha) for b in lines] == [(1, first), (2, second), (4, second)]
    assert not any(b.boundary for b in lines)  # the root commit is blamed like any other


def test_commit_facts(repo: GitRepo) -> None:
    first = repo.commit("one", {"f.py": "a\nb\n"}, env=_dated(1_650_000_000))
    second = repo.commit("two", {"f.py": "a\nc\n", "g": "1\n"}, env=_dated(1_660_000_000))
    facts = history.commit_facts(str(repo.path), [second, first])
    assert facts[first] == history.CommitFacts(first, (), 1_650_000_000, 2)
    assert facts[second] == history.CommitFacts(second, (first,), 1_660_000_000, 3)


@given(st.lists(st.integers(min_value=1, max_value=500), max_size=60))
def test_to_ranges_covers_exactly_the_lines(numbers: list[int]) -> None:
    ranges = blame.to_ranges(numbers)
    covered = [n for start, end in ranges for n in range(start, end + 1)]
    assert covered == sorted(set(numbers))
    assert all(a[1] + 1 < b[0] for a, b in itertools.pairwise(ranges))


def _c_quote(raw: bytes) -> bytes:
    """git's quoting of a path with special bytes (the inverse under test)."""
    out = bytearray(b'"')
    for byte in raw:
        if byte in (0x22, 0x5C):
            out += b"\\" + bytes([byte])
        elif byte == 0x0A:
            out += b"\\n"
        elif byte == 0x09:
            out += b"\\t"
        elif byte < 0x20 or byte >= 0x7F:
            out += b"\\%03o" % byte
        else:
            out.append(byte)
    return bytes(out + b'"')


@given(st.binary(min_size=1, max_size=40).filter(lambda b: b"\0" not in b))
def test_unquote_path_inverts_git_quoting(raw: bytes) -> None:
    assert blame.unquote_path(_c_quote(raw)) == raw


def test_unquote_path_real_git_output(repo: GitRepo) -> None:
    name = "dir/naïve\tname.py"
    repo.commit("add", {name: "a\n"})
    parent = repo.head()
    fix = repo.commit("fix", {name: "b\n"})
    # core.quotepath=false keeps UTF-8 readable, but the tab still makes git quote the path.
    assert blame.removed_lines(str(repo.path), fix, parent)[0].path == name


def test_blame_since_sends_older_lines_to_a_boundary(repo: GitRepo) -> None:
    repo.commit("old", {"f.py": "a\nb\n"}, env=_dated(1_600_000_000))
    new = repo.commit("new", {"f.py": "a\nB\n"}, env=_dated(1_700_000_000))
    lines = blame.blame_ranges(str(repo.path), new, "f.py", ((1, 2),), since=1_650_000_000)
    assert [(b.line, b.sha == new, b.boundary) for b in lines] == [(1, False, True),
                                                                   (2, True, False)]


def test_removed_lines_skip_symlinks_and_submodules(repo: GitRepo, tmp_path: Path) -> None:
    sub = make_repo(tmp_path / "sub")
    sub.commit("s1", allow_empty=True)
    repo.git("-c", "protocol.file.allow=always", "submodule", "-q", "add", str(sub.path), "sub")
    (repo.path / "link").symlink_to("target")
    repo.commit("one", {"code.py": "a = 1\n"})
    parent = repo.head()
    sub.commit("s2", allow_empty=True)
    repo.git("-C", "sub", "pull", "-q")
    (repo.path / "link").unlink()
    (repo.path / "link").symlink_to("other")
    fix = repo.commit("fix", {"code.py": "a = 2\n"})
    assert blame.changed_paths(str(repo.path), parent, fix) == ("code.py", "link", "sub")
    removed = blame.removed_lines(str(repo.path), fix, parent)
    assert removed == (blame.RemovedLines("code.py", ((1, "a = 1"),)),)


def test_blame_explains_a_missing_ignore_revs_file(repo: GitRepo) -> None:
    sha = repo.commit("one", {"f.py": "a\n"})
    repo.git("config", "blame.ignoreRevsFile", ".git-blame-ignore-revs")
    with pytest.raises(GitError, match=r"blame.ignoreRevsFile names '.git-blame-ignore-revs', "
                                       r"which this repository does not have; create it"):
        blame.blame_ranges(str(repo.path), sha, "f.py", ((1, 1),))
    repo.write(".git-blame-ignore-revs", "")
    assert [b.sha for b in blame.blame_ranges(str(repo.path), sha, "f.py", ((1, 1),))] == [sha]
