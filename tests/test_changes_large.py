"""Large changes: one git process per question, however many commits or files.

Timings live in benchmarks/ (bench_gate.py); these tests count what the code does instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import GitRepo, count_git_processes, make_repo
from vetgate.changes.collect import range_change
from vetgate.changes.pending import staged_change

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
    with count_git_processes() as calls:
        change = range_change(str(repo.path), "base", "main")
    assert len(change.commits) == COMMITS
    assert len(change.files) > FILES
    assert sum(f.status == "R" for f in change.files) == COMMITS // 10
    assert change.commits[9].paths == {"src/module_10.py", "keep/file_0.txt",
                                       "moved/file_0.txt"}
    assert change.commits[-1].subject == f"change {COMMITS}"
    assert len(change.commits[-1].paths) == FILES + 3  # + a module and a rename
    # However many commits and files: a fixed number of git processes, not one per commit
    # (one of them checks that every blob of the diff is present: numstat invents counts).
    assert len(calls) <= 13, calls


def test_staged_change_asks_git_a_fixed_number_of_times(repo: GitRepo) -> None:
    repo.commit("base", {f"src/f{n}.py": f"{n}\n" for n in range(50)})
    few = _staged_calls(repo, 1)
    many = _staged_calls(repo, 50)
    assert len(many) == len(few), (few, many)
    assert len(many) <= 8, many


def _staged_calls(repo: GitRepo, files: int) -> list[str]:
    for n in range(files):
        repo.write(f"src/f{n}.py", f"changed {files}\n")
    repo.git("add", "-A")
    with count_git_processes() as calls:
        change = staged_change(str(repo.path))
    assert len(change.files) == files
    return calls
