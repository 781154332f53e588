"""The one benchmark command: ``python benchmarks/run.py [--quick] [--format text|markdown]``.

Builds synthetic repositories under a temporary directory (``git fast-import``, see synth.py),
runs every benchmark and prints one table of medians and ratios, preceded by a description of the
machine. ``--quick`` uses small sizes so the whole run takes seconds: it is a smoke test that
every benchmark still runs, not a measurement.

The gate benchmarks live in bench_gate.py. The other bench_*.py scripts (hooks, provenance,
audit) are run too: a script whose module has ``run(workdir: Path, *, quick: bool) -> list[Row]``
(rows with the fields of ``bench_gate.Row``) joins the table; any other script runs as a
subprocess (with ``--quick`` when its source mentions that option, else with the small sizes of
QUICK_FALLBACK_ARGS, else it is skipped in quick mode) and its output is printed below the
table, with its wall time in the table.

Exit status: 0 when every benchmark ran (goals missed are reported, not failed: timing is not a
test), 1 when one could not run.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_gate  # the gate benchmarks (a sibling script)
from bench_gate import Row

HERE = Path(__file__).resolve().parent

# The other benchmark scripts, run after the gate's own (each is optional).
EXTERNAL_SCRIPTS = ("bench_hooks.py", "bench_provenance.py", "bench_audit.py", "bench_replay.py")
# Small sizes for scripts that have no --quick option yet, used in quick mode only when every
# option named here appears in the script's source.
QUICK_FALLBACK_ARGS = {
    "bench_provenance.py": ["--commits", "300", "--classify", "3000"],
    "bench_audit.py": ["--commits", "400", "--small", "200"],
}
# Wall-time bounds for a script run as a subprocess: hang guards, far above what a smoke run takes
# even on a loaded machine (a slow run is a figure to read, not an error).
EXTERNAL_TIMEOUT = {True: 600.0, False: 3600.0}


@dataclass(frozen=True)
class ExternalOutput:
    """What a benchmark script run as a subprocess printed."""

    script: str
    text: str


def machine_description() -> list[str]:
    """nproc, Python, git and the CPU model, one ``key: value`` line each."""
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        cpu = platform.processor() or "unknown"
    try:
        git_version = subprocess.run(["git", "--version"], capture_output=True, text=True,
                                     check=False).stdout.strip()
    except OSError:
        git_version = "git not found"
    return [
        f"nproc: {os.cpu_count()}",
        f"python: Python {platform.python_version()} ({sys.executable})",
        f"git: {git_version}",
        f"cpu: {cpu}",
        f"os: {platform.platform()}",
    ]


def _module_runner(script: str) -> object | None:
    """The script's ``run(workdir, *, quick)`` function when it has one, else None."""
    try:
        module = importlib.import_module(script.removesuffix(".py"))
    except Exception:  # a script that cannot be imported still gets its subprocess run
        return None
    runner = getattr(module, "run", None)
    if not callable(runner):
        return None
    try:
        parameters = inspect.signature(runner).parameters
    except (TypeError, ValueError):
        return None
    if "quick" not in parameters or len(parameters) < 2:
        return None
    return runner


def run_external(script: str, workdir: Path, *, quick: bool
                 ) -> tuple[list[Row], ExternalOutput | None]:
    """Run one of the other benchmark scripts; rows for the table plus any captured output."""
    path = HERE / script
    runner = _module_runner(script)
    if runner is not None:
        try:
            rows = runner(workdir, quick=quick)  # type: ignore[operator]
            return [_as_row(script, item) for item in rows], None
        except Exception as exc:  # their failure is one row, not the end of the run
            return [Row(name=script, size="", verdict=f"error: {type(exc).__name__}: {exc}")], None
    source = path.read_text(encoding="utf-8", errors="replace")
    args = [sys.executable, str(path)]
    fallback = QUICK_FALLBACK_ARGS.get(script, [])
    if quick and "--quick" in source:
        args.append("--quick")
    elif quick and fallback and all(a in source for a in fallback if a.startswith("--")):
        args += fallback
    elif quick:
        return [Row(name=f"{script} (subprocess)", size="skipped: no --quick option")], None
    start = time.perf_counter()
    try:
        proc = subprocess.run(args, cwd=workdir, capture_output=True, text=True,
                              timeout=EXTERNAL_TIMEOUT[quick], check=False)
    except subprocess.TimeoutExpired:
        return [Row(name=f"{script} (subprocess)", size="",
                    verdict=f"error: timeout after {EXTERNAL_TIMEOUT[quick]:.0f} s")], None
    elapsed = time.perf_counter() - start
    verdict = "" if proc.returncode == 0 else f"error: exit {proc.returncode}"
    text = proc.stdout
    if proc.returncode != 0:
        text += proc.stderr
    row = Row(name=f"{script} (subprocess)", size="whole script", median=elapsed,
              ratio="output below", verdict=verdict, runs=1)
    return [row], ExternalOutput(script, text.rstrip())


def _as_row(script: str, item: object) -> Row:
    """A row from another script, copied field by field (it may define its own Row class)."""
    if isinstance(item, Row):
        return item
    fields = {name: getattr(item, name) for name in Row.__dataclass_fields__
              if hasattr(item, name)}
    fields.setdefault("name", script)
    fields.setdefault("size", "")
    return Row(**fields)


def format_markdown(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table (for RESULTS.md)."""
    lines = ["| benchmark | size | median | baseline | goal | result | ratio |",
             "|---|---|---:|---:|---|---|---|"]
    for row in rows:
        cells = [row.name, row.size, bench_gate.format_seconds(row.median),
                 bench_gate.format_seconds(row.baseline), row.goal, row.verdict, row.ratio]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run every benchmark and print the table."""
    parser = argparse.ArgumentParser(description="vetgate benchmarks: one table of medians")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes, a few seconds: checks that every benchmark runs")
    parser.add_argument("--format", choices=("text", "markdown"), default="text")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="run only these parts: gate, or a script name such as bench_audit")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="build the repositories in DIR and keep them (default: a temp dir)")
    args = parser.parse_args(argv)
    wanted = set(args.only or ())

    def selected(name: str) -> bool:
        return not wanted or name in wanted or name.removesuffix(".py") in wanted

    started = time.perf_counter()
    print("vetgate benchmarks" + (" (--quick: smoke sizes, not measurements)" if args.quick
                                  else ""))
    for line in machine_description():
        print(f"  {line}")
    print(flush=True)
    rows: list[Row] = []
    outputs: list[ExternalOutput] = []
    with tempfile.TemporaryDirectory(prefix="vetgate-bench-") as tmp:
        workdir = args.keep.resolve() if args.keep else Path(tmp)
        if selected("gate"):
            gate_dir = workdir / "gate"
            gate_dir.mkdir(parents=True, exist_ok=True)
            rows += bench_gate.run(gate_dir, quick=args.quick)
        for script in EXTERNAL_SCRIPTS:
            if not selected(script) or not (HERE / script).exists():
                continue
            script_dir = workdir / script.removesuffix(".py")
            script_dir.mkdir(parents=True, exist_ok=True)
            script_rows, output = run_external(script, script_dir, quick=args.quick)
            rows += script_rows
            if output is not None:
                outputs.append(output)
    if args.format == "markdown":
        print(format_markdown(rows))
    else:
        print(bench_gate.format_rows(rows))
    for output in outputs:
        print(f"\n== {output.script} ==\n{output.text}")
    print(f"\ntotal wall time: {time.perf_counter() - started:.1f} s")
    return 1 if any(row.verdict.startswith("error") for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
