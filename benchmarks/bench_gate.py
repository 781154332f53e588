"""Benchmarks of the gate itself: `vetgate check` as a process, wall time, median of several runs.

- hook latency: 10 staged files, a 50-rule policy: `vetgate check --staged` against
  `git diff --cached --name-status -z` on the same change (and a bare interpreter start);
- scale: 20,000 changed files under 100, 300, 1,000 and 3,000 rules (`check --base`); goal:
  under 3 s at 1,000 rules, and cost growing sublinearly in the number of rules;
- tests scale: 20,000 changed files under 100, 1,000 and 3,000 rules that each have a `tests:`
  requirement the change meets; goal: under 1.5 s at 1,000 rules, and 3,000 rules costing less
  than 1.5x 100 rules (a requirement's patterns are indexed like rule paths);
- range: a 2,000-commit pull-request history, `vetgate check --base`;
- content links, worst case: one AI commit writes N files and a human commit adds N other files
  under a rule (every one compared line by line), against the same history with the first
  commit unmarked (nothing to link);
- policy size: a 10,000-rule policy through `vetgate validate` and `vetgate check`.

No timing is asserted anywhere in the test suite: figures go to benchmarks/RESULTS.md.
Run on its own (``python benchmarks/bench_gate.py [--quick]``) or through ``benchmarks/run.py``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth  # a sibling script, not an installed module


@dataclass(frozen=True)
class Row:
    """One line of the results table. Times in seconds; ``None`` when not measured."""

    name: str
    size: str
    median: float | None = None
    baseline: float | None = None
    ratio: str = ""  # e.g. "78x git" or "t/t100 = 1.4 (rules x3)"
    goal: str = ""
    verdict: str = ""  # "ok", "MISS", "error: ..." or "" when there is no goal
    runs: int = 0


class BenchError(Exception):
    """A benchmarked command did not do what it should (wrong exit code, timeout)."""


# What ends one benchmark (reported in its row) without ending the others: the command under
# test misbehaved, or git failed while building the synthetic repository.
_FAILURES = (BenchError, RuntimeError)


def vetgate_command() -> list[str]:
    """The console script users run (next to this interpreter), else ``python -m vetgate``."""
    script = Path(sys.executable).parent / "vetgate"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "vetgate"]


def time_command(cmd: Sequence[str], cwd: Path, env: Mapping[str, str], *, repeat: int,
                 expect: Sequence[int] = (0, 1), timeout: float = 120.0,
                 warmup: bool = True) -> list[float]:
    """Wall time of ``cmd`` (stdout discarded), ``repeat`` runs after one warm-up run.

    Raises ``BenchError`` when the command exits with a code outside ``expect`` (vetgate's 2 and
    3 mean it could not do the work being measured) or runs past ``timeout``.
    """
    times: list[float] = []
    for attempt in range(repeat + (1 if warmup else 0)):
        start = time.perf_counter()
        try:
            proc = subprocess.run(list(cmd), cwd=cwd, env=dict(env), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise BenchError(f"timeout after {timeout:.0f} s") from exc
        elapsed = time.perf_counter() - start
        if proc.returncode not in expect:
            lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            # On a crash (exit 3) the last line is the bug-report hint; the exception is above.
            lines = [line for line in lines if "vetgate crashed" not in line]
            detail = lines[-1] if lines else ""
            raise BenchError(f"exit {proc.returncode}: {detail[:120]}")
        if attempt or not warmup:
            times.append(elapsed)
    return times


def _median(times: Sequence[float]) -> float:
    return statistics.median(times)


def format_seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _error_row(name: str, size: str, goal: str, exc: Exception) -> Row:
    return Row(name=name, size=size, goal=goal, verdict=f"error: {exc}")


# --- hook latency -------------------------------------------------------------------------------

def bench_hook_latency(workdir: Path, env: Mapping[str, str], *, repeat: int) -> list[Row]:
    """10 staged files, 50 rules: the work a commit-msg hook does, against plain git."""
    repo = synth.small_change_repo(workdir / "hook-latency", env, files=1000, rules=50,
                                   staged=10)
    message = workdir / "hook-latency.msg"
    message.write_text(synth.ai_message("staged change"), encoding="utf-8")
    size = "10 staged files, 50 rules"
    rows: list[Row] = []
    git_times = time_command(["git", "diff", "--cached", "--name-status", "-z"], repo, env,
                             repeat=repeat, expect=(0,))
    python_times = time_command([sys.executable, "-c", "pass"], repo, env, repeat=repeat,
                                expect=(0,))
    rows.append(Row("git diff --cached --name-status -z", size, _median(git_times),
                    runs=len(git_times)))
    rows.append(Row("python -c pass (interpreter start)", "-", _median(python_times),
                    runs=len(python_times)))
    name = "vetgate check --staged (hook latency)"
    goal = "< 0.25 s"
    try:
        times = time_command([*vetgate_command(), "check", "--staged", "--message-file",
                              str(message)], repo, env, repeat=repeat)
    except _FAILURES as exc:
        rows.append(_error_row(name, size, goal, exc))
        return rows
    value = _median(times)
    git_median = _median(git_times)
    rows.append(Row(name, size, value, baseline=git_median,
                    ratio=f"{value / git_median:.0f}x git", goal=goal,
                    verdict="ok" if value < 0.25 else "MISS", runs=len(times)))
    return rows


# --- scale: many files, many rules --------------------------------------------------------------

def bench_scale(workdir: Path, env: Mapping[str, str], *, files: int,
                rule_counts: Sequence[int], repeat: int, limit: float,
                timeout: float, warmup: bool = True, tests: bool = False,
                total_growth: float | None = None) -> list[Row]:
    """``files`` changed files against growing policies; the time ratio against the smallest
    policy shows how the cost grows with the number of rules. ``tests``: every rule has a
    ``tests:`` requirement the change meets (synth.tests_policy_yaml); ``total_growth``: the
    goal for the largest policy's time over the smallest's (else: each step sublinear)."""
    rows: list[Row] = []
    first: float | None = None
    first_run: tuple[list[str], Path] | None = None
    previous: tuple[int, float] | None = None
    goal_rules = 1000 if 1000 in rule_counts else rule_counts[len(rule_counts) // 2]
    label = "check --base (tests: each)" if tests else "check --base"
    for rules in rule_counts:
        name = f"{label}: {files // 1000}k files x {rules:,} rules" if tests else \
            f"{label}: {files:,} files x {rules:,} rules"
        size = f"{files:,} files, {rules:,} rules"
        try:
            change = synth.big_change_repo(
                workdir / f"scale-{'tests-' if tests else ''}{files}-{rules}", env,
                files=files, rules=rules, tests=tests)
            git_times = time_command(
                ["git", "diff", "-z", "--raw", "--numstat", "-M", change.base, change.head],
                change.path, env, repeat=1, expect=(0,),
            )
            times = time_command([*vetgate_command(), "check", "--base", change.base],
                                 change.path, env, repeat=repeat, timeout=timeout,
                                 warmup=warmup)
            # Every run above after the first finds the base's compiled policy stored
            # (.git/vetgate/, docs/hooks.md); a fresh CI checkout does not.
            cold = time_command([*vetgate_command(), "check", "--base", change.base],
                                change.path, {**env, "VETGATE_NO_CACHE": "1"},
                                repeat=max(1, repeat // 2), timeout=timeout, warmup=False)
        except _FAILURES as exc:
            rows.append(_error_row(name, size, "", exc))
            continue
        value = _median(times)
        command = [*vetgate_command(), "check", "--base", change.base]
        if first is None:
            first, first_run = value, (command, change.path)
        ratio = (f"x{value / first:.2f} vs {rule_counts[0]:,} rules; nothing stored "
                 f"{_median(cold):.2f} s")
        goal, verdict = "", ""
        if rules == goal_rules:
            goal = f"< {limit:g} s"
            verdict = "ok" if value < limit else "MISS"
        if previous is not None:
            prev_rules, prev_value = previous
            growth = value / prev_value
            rule_growth = rules / prev_rules
            ratio += f"; step x{growth:.2f} for x{rule_growth:.1f} rules"
            if rules == rule_counts[-1] and total_growth is not None and first_run is not None:
                # Judged on the two policies run in turn (A B A B ...): unpaired medians taken
                # minutes apart drift with the machine more than the goal's margin.
                growth_paired = _paired_ratio((command, change.path), first_run, env,
                                              repeat=repeat, timeout=timeout)
                ratio += f"; paired x{growth_paired:.2f} vs {rule_counts[0]:,} rules"
                goal = f"x{total_growth:.1f} total (paired)"
                verdict = "ok" if growth_paired < total_growth else "MISS"
            elif rules == rule_counts[-1]:
                # Sublinear: the last step must cost clearly less than the rule ratio, else
                # every added rule costs a full pass over the files.
                goal = f"step < x{rule_growth / 1.5:.1f}"
                verdict = "ok" if growth < rule_growth / 1.5 else "MISS"
        previous = (rules, value)
        rows.append(Row(name, size, value, baseline=_median(git_times), ratio=ratio, goal=goal,
                        verdict=verdict, runs=len(times)))
    return rows


def _paired_ratio(a: tuple[list[str], Path], b: tuple[list[str], Path],
                  env: Mapping[str, str], *, repeat: int, timeout: float) -> float:
    """The median of the per-pair wall-time ratios A/B, A and B run in turn ``repeat`` times."""
    ratios = []
    for _ in range(repeat):
        (a_time,) = time_command(a[0], a[1], env, repeat=1, timeout=timeout, warmup=False)
        (b_time,) = time_command(b[0], b[1], env, repeat=1, timeout=timeout, warmup=False)
        ratios.append(a_time / b_time)
    return statistics.median(ratios)


def bench_staged_scale(workdir: Path, env: Mapping[str, str], *, files: int, rules: int,
                       repeat: int, timeout: float, warmup: bool = True) -> list[Row]:
    """The same big change, staged (the index holds the head tree, HEAD the base)."""
    name = f"check --staged: {files:,} files x {rules:,} rules"
    size = f"{files:,} files, {rules:,} rules"
    try:
        change = synth.big_change_repo(workdir / f"staged-{files}-{rules}", env, files=files,
                                       rules=rules)
        synth.stage_tree(change.path, env, head=change.base, tree_of=change.head)
        message = workdir / "staged-scale.msg"
        message.write_text(synth.ai_message("big staged change"), encoding="utf-8")
        git_times = time_command(["git", "diff", "--cached", "--name-status", "-z"],
                                 change.path, env, repeat=1, expect=(0,))
        times = time_command([*vetgate_command(), "check", "--staged", "--message-file",
                              str(message)], change.path, env, repeat=repeat, timeout=timeout,
                             warmup=warmup)
    except _FAILURES as exc:
        return [_error_row(name, size, "", exc)]
    value = _median(times)
    git_median = _median(git_times)
    return [Row(name, size, value, baseline=git_median, ratio=f"{value / git_median:.0f}x git",
                runs=len(times))]


# --- range: a long pull request -----------------------------------------------------------------

def bench_range(workdir: Path, env: Mapping[str, str], *, commits: int, repeat: int,
                timeout: float, merges: bool = False, warmup: bool = True) -> list[Row]:
    """`vetgate check --base` over a ``commits``-commit history (a third AI-origin)."""
    label = "with merges" if merges else "linear"
    name = f"check --base: {commits:,}-commit range ({label})"
    size = f"{commits:,} commits, 50 rules"
    goal = "< 2 s" if commits >= 2000 and not merges else ""
    try:
        history = synth.history_repo(workdir / f"range-{commits}-{label}", env,
                                     commits=commits, rules=50, merge_every=10 if merges else 0)
        git_times = time_command(
            ["git", "log", "-z", "--format=%H%x00%B", "--name-status", "-M",
             f"{history.base}..{history.head}"], history.path, env, repeat=1, expect=(0,),
        )
        times = time_command([*vetgate_command(), "check", "--base", history.base],
                             history.path, env, repeat=repeat, timeout=timeout, warmup=warmup)
    except _FAILURES as exc:
        return [_error_row(name, size, goal, exc)]
    value = _median(times)
    git_median = _median(git_times)
    verdict = ("ok" if value < 2 else "MISS") if goal else ""
    return [Row(name, size, value, baseline=git_median, ratio=f"{value / git_median:.0f}x git log",
                goal=goal, verdict=verdict, runs=len(times))]


# --- content links: the worst case -------------------------------------------------------------

def bench_content_links(workdir: Path, env: Mapping[str, str], *, files: int, repeat: int,
                        timeout: float, warmup: bool = True) -> list[Row]:
    """`check --base` over an AI commit of ``files`` files and a human commit adding ``files``
    other files under a rule; baseline: the same history with the first commit unmarked."""
    name = "check --base: content links (worst case)"
    size = f"{files:,} AI + {files:,} human files"
    try:
        repo = synth.content_links_repo(workdir / f"links-{files}", env, files=files)
        plain = synth.content_links_repo(workdir / f"links-{files}-plain", env, files=files,
                                         ai=False)
        times = time_command([*vetgate_command(), "check", "--base", repo.base], repo.path, env,
                             repeat=repeat, timeout=timeout, warmup=warmup)
        baseline = time_command([*vetgate_command(), "check", "--base", plain.base], plain.path,
                                env, repeat=repeat, timeout=timeout, warmup=warmup)
    except _FAILURES as exc:
        return [_error_row(name, size, "", exc)]
    value, base_value = _median(times), _median(baseline)
    return [Row(name, size, value, baseline=base_value,
                ratio=f"{value / base_value:.2f}x without an AI commit", runs=len(times))]


# --- a very large policy ------------------------------------------------------------------------

def bench_big_policy(workdir: Path, env: Mapping[str, str], *, rules: int, repeat: int,
                     timeout: float, warmup: bool = True) -> list[Row]:
    """Load (`validate`) and apply (`check --base`, 10 changed files) a ``rules``-rule policy."""
    size = f"{rules:,} rules, 10 files"
    rows: list[Row] = []
    try:
        change = synth.big_change_repo(workdir / f"policy-{rules}", env, files=10, rules=rules)
        # Track the head's files so `validate` has a file list to check rule paths against.
        synth.git(change.path, "read-tree", change.head, env=env)
    except _FAILURES as exc:
        return [_error_row(f"policy with {rules:,} rules", size, "", exc)]
    for name, args in (
        (f"validate: {rules:,}-rule policy", ["validate"]),
        (f"check --base: {rules:,}-rule policy", ["check", "--base", change.base]),
    ):
        try:
            times = time_command([*vetgate_command(), *args], change.path, env, repeat=repeat,
                                 timeout=timeout, warmup=warmup)
        except _FAILURES as exc:
            rows.append(_error_row(name, size, "", exc))
            continue
        rows.append(Row(name, size, _median(times), runs=len(times)))
    return rows


# --- entry points -------------------------------------------------------------------------------

def run(workdir: Path, *, quick: bool = False) -> list[Row]:
    """Every gate benchmark, in ``workdir`` (repositories are built there). ``quick``: small
    sizes so the whole set runs in a few seconds (a smoke test, not a measurement)."""
    env = synth.isolated_env(workdir / "home")
    rows: list[Row] = []
    if quick:
        rows += bench_hook_latency(workdir, env, repeat=3)
        # One run each, no warm-up: this checks that every benchmark runs, it measures nothing.
        rows += bench_scale(workdir, env, files=2_000, rule_counts=(10, 30, 100, 300),
                            repeat=1, limit=3.0, timeout=30, warmup=False)
        rows += bench_scale(workdir, env, files=2_000, rule_counts=(10, 300), repeat=1,
                            limit=1.5, timeout=30, warmup=False, tests=True, total_growth=1.5)
        rows += bench_staged_scale(workdir, env, files=2_000, rules=100, repeat=1, timeout=30,
                                   warmup=False)
        rows += bench_range(workdir, env, commits=200, repeat=1, timeout=30, warmup=False)
        rows += bench_content_links(workdir, env, files=200, repeat=1, timeout=30, warmup=False)
        rows += bench_big_policy(workdir, env, rules=1_000, repeat=1, timeout=30, warmup=False)
        return rows
    rows += bench_hook_latency(workdir, env, repeat=10)
    rows += bench_scale(workdir, env, files=20_000, rule_counts=(100, 300, 1_000, 3_000),
                        repeat=3, limit=3.0, timeout=300)
    rows += bench_scale(workdir, env, files=20_000, rule_counts=(100, 1_000, 3_000), repeat=3,
                        limit=1.5, timeout=300, tests=True, total_growth=1.5)
    rows += bench_staged_scale(workdir, env, files=20_000, rules=1_000, repeat=3, timeout=300)
    rows += bench_range(workdir, env, commits=2_000, repeat=5, timeout=120)
    rows += bench_range(workdir, env, commits=2_000, repeat=3, timeout=120, merges=True)
    rows += bench_content_links(workdir, env, files=2_000, repeat=5, timeout=120)
    rows += bench_big_policy(workdir, env, rules=10_000, repeat=3, timeout=300)
    return rows


TABLE_HEADER = (
    f"{'benchmark':<46} {'size':<26} {'median':>9} {'baseline':>9}  {'goal':<14} "
    f"{'result':<6} ratio"
)


def format_rows(rows: Sequence[Row]) -> str:
    """The rows as a plain-text table (the header is ``TABLE_HEADER``)."""
    lines = [TABLE_HEADER, "-" * len(TABLE_HEADER)]
    for row in rows:
        lines.append(
            f"{row.name:<46} {row.size:<26} {format_seconds(row.median):>9} "
            f"{format_seconds(row.baseline):>9}  {row.goal:<14} {row.verdict:<6} {row.ratio}"
        )
    return "\n".join(lines)




def table_main(bench: Callable[..., list[Row]], description: str, quick_help: str,
               argv: Sequence[str] | None = None) -> int:
    """The command line of a table benchmark: ``[--quick]``, run in a temporary directory, print
    the table; exit 1 if a benchmark could not run."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help=quick_help)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vetgate-bench-") as tmp:
        rows = bench(Path(tmp), quick=args.quick)
    print(format_rows(rows))
    return 1 if any(r.verdict.startswith("error") for r in rows) else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the gate benchmarks and print the table."""
    return table_main(run, "vetgate gate benchmarks", "small sizes (smoke test)", argv)


if __name__ == "__main__":
    sys.exit(main())
