"""Two cores at once: SZZ in a forked process (a thread where vetgate cannot fork) while the
classifying pass spools its counts to disk. The report is the same, figure for figure and in the
same order, with one job or two, forked or threaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_audit_lineage import _random_repo
from vetgate.audit import spool
from vetgate.main import main


@pytest.mark.parametrize("extra", [[], ["--window", "1d"], ["--szz", "b"]])
def test_one_job_and_two_give_the_same_report(tmp_path: Path, extra: list[str],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    repo = _random_repo(tmp_path / "r", 7, commits=60)
    repo.git("tag", "v1.0", "HEAD~20")
    repo.git("tag", "v1.1", "HEAD~5")
    reports = []
    for jobs in ("1", "2"):
        assert main(["audit", "-C", str(repo.path), "--format", "json", "--progress", "never",
                     "--jobs", jobs, *extra]) == 0
        reports.append(json.loads(capsys.readouterr().out))
    assert reports[0]["failures"] and reports[0]["deployments"]
    assert reports[0] == reports[1]


def test_spooled_records_come_back_in_order() -> None:
    records = [(f"{i:040x}", "ai", i, i % 7, {"auth": i} if i % 3 else {}, None)
               for i in range(2_345)]
    spooled = spool.spool(iter(records))
    assert list(spool.replay(spooled)) == records
    assert spooled.closed
    assert list(spool.replay(spool.spool([]))) == []


def test_background_work_hands_back_its_result_or_its_error() -> None:
    assert spool.Background(lambda: 42).result() == 42

    def fail() -> int:
        raise ValueError("blame failed")

    with pytest.raises(ValueError, match="blame failed"):
        spool.Background(fail).result()


def test_one_job_and_two_forked_give_the_same_report(tmp_path: Path) -> None:
    """As its own process (no other thread: the SZZ pass is forked, not threaded)."""
    repo = _random_repo(tmp_path / "r", 7, commits=60)
    reports = [subprocess.run([sys.executable, "-m", "vetgate", "audit", "-C", str(repo.path),
                               "--format", "json", "--progress", "never", "--jobs", jobs],
                              capture_output=True, text=True, check=True).stdout
               for jobs in ("1", "2")]
    assert json.loads(reports[0])["failures"]
    assert reports[0] == reports[1]


FORKED = """
import sys, time
from vetgate.audit import spool
from vetgate.errors import GitError
assert spool.Forked(lambda: {"found": [1, 2]}).result() == {"found": [1, 2]}
def fail():
    raise GitError("blame failed")
try:
    spool.Forked(fail).result()
except GitError as exc:
    print("raised:", exc)
slow = spool.Forked(lambda: time.sleep(60))
slow.close()
print("closed")
"""


def test_forked_work_hands_back_its_result_or_its_error(tmp_path: Path) -> None:
    """In a process of its own, as vetgate forks: no other thread (pytest's workers have some)."""
    proc = subprocess.run([sys.executable, "-c", FORKED], capture_output=True, text=True,
                          check=True, timeout=30, env={**os.environ})
    assert proc.stdout == "raised: blame failed\nclosed\n"
