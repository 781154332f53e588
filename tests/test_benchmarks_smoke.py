"""`python benchmarks/run.py --quick` runs every benchmark at smoke sizes and prints the table.

Nothing here asserts a timing: benchmark figures live in benchmarks/RESULTS.md. This only proves
that the benchmark command still works, so the figures can be reproduced.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow  # ~15-25 s: it builds repositories and starts vetgate a few dozen times
def test_quick_benchmarks_run_and_print_the_table() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick"],
                          cwd=ROOT, capture_output=True, text=True, check=False,
                          timeout=1800)  # a hang guard only: a loaded machine is slow, not wrong
    report = f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}"
    assert proc.returncode == 0, report
    lines = proc.stdout.splitlines()
    header = next((line for line in lines if line.startswith("benchmark ")), None)
    assert header is not None, report
    for column in ("size", "median", "baseline", "goal", "result", "ratio"):
        assert column in header, report
    for machine_fact in ("nproc:", "python:", "git:", "cpu:"):
        assert any(machine_fact in line for line in lines), report
    assert "vetgate check --staged (hook latency)" in proc.stdout, report
    assert "Traceback" not in proc.stdout + proc.stderr, report
