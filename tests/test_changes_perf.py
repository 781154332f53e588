"""Speed on large changes: one git process per question, however many commits or files."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conftest import GitRepo, make_repo
from vetgate.changes.collect import range_change, staged_change

COMMITS = 2000
FILES = 5000


def _fast_import(repo: GitRepo, commits: int, files_in_last: int) -> None:
    """Build history quickly with `git fast-import`: a base commit, then ``commits`` commits
    that each touch a file or two (every tenth renames one), the last adding many files."""
    chunks: list[bytes] = []

    def data(payload: bytes) -> None:
        chunks.append(b"data %d\n" % len(payload) + payload + b"\n")

    for number in range(commits + 1):
        chunks.append(b"commit refs/heads/main\nmark :%d\n" % (number + 1))
        who = b"Claude <noreply@anthropic.com>" if number % 3 else b"Hannah <h@example.com>"
        chunks.append(b"author %s %d +0000\n" % (who, 1700000000 + number))
        chunks.append(b"committer Hannah <h@example.com> %d +0000\n" % (1700000000 + number))
        data(b"change %d\n\nCo-authored-by: Someone <s@example.com>\n" % number)
        if number:
            chunks.append(b"from :%d\n" % number)
        if number == 0:
            for index in range(commits // 10):
                chunks.append(b"M 100644 inline keep/file_%d.txt\n" % index)
                data(b"kept %d\n" % index)
            continue
        chunks.append(b"M 100644 inline src/module_%d.py\n" % (number % 200))
        data(b"".join(b"line %d of %d\n" % (n, number) for n in range(20)))
        if number % 10 == 0:
            chunks.append(b"R keep/file_%d.txt moved/file_%d.txt\n" % (number // 10 - 1,
                                                                      number // 10 - 1))
        if number == commits:
            for index in range(files_in_last):
                chunks.append(b"M 100644 inline many/dir_%d/file %d.txt\n" % (index % 50, index))
                data(b"content %d\n" % index)
    repo.git("fast-import", "--quiet", input=b"".join(chunks))
    repo.git("branch", "base", f"main~{commits}")
    repo.git("reset", "-q", "--hard", "main")


@pytest.mark.slow
def test_range_of_2000_commits_and_5000_files(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "big")
    _fast_import(repo, COMMITS, FILES)
    start = time.perf_counter()
    change = range_change(str(repo.path), "base", "main")
    elapsed = time.perf_counter() - start
    assert len(change.commits) == COMMITS
    assert len(change.files) > FILES
    assert sum(f.status == "R" for f in change.files) == COMMITS // 10
    assert change.commits[9].paths == {"src/module_10.py", "keep/file_0.txt",
                                       "moved/file_0.txt"}
    assert change.commits[-1].subject == f"change {COMMITS}"
    assert len(change.commits[-1].paths) == FILES + 3  # + a module and a rename
    print(f"\nrange_change: {COMMITS} commits, {len(change.files)} files in {elapsed:.2f} s")
    assert elapsed < 2.0


def test_staged_change_is_quick(repo: GitRepo) -> None:
    repo.commit("base", {f"src/f{n}.py": f"{n}\n" for n in range(50)})
    repo.write("src/f1.py", "changed\n")
    repo.git("add", "-A")
    staged_change(str(repo.path))  # warm the file system cache
    start = time.perf_counter()
    rounds = 5
    for _ in range(rounds):
        staged_change(str(repo.path))
    per_call = (time.perf_counter() - start) / rounds
    print(f"\nstaged_change: {per_call * 1000:.1f} ms per call")
    assert per_call < 0.25
