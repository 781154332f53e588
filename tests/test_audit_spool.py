"""Two cores at once: SZZ in a thread while the classifying pass spools its counts to disk.
The report is the same, figure for figure and in the same order, with one job or two."""

from __future__ import annotations

import json
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
