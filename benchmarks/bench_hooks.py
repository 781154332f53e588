"""Benchmarks of the hooks' own cost: `vetgate hook ...` as a process, wall time, median of 10.

- commit-msg on a 10-file staged change under a 50-rule policy (goal < 0.25 s), against
  `git diff --cached --name-status -z` on the same change and a bare interpreter start;
- prepare-commit-msg, outside an agent's shell (the cost every human commit pays) and inside
  one (CLAUDECODE=1: the trailer is written);
- pre-push of one new commit (pre-commit's PRE_COMMIT_FROM_REF/TO_REF form).

pre-commit itself adds about 0.2 s per hooked stage before vetgate starts (SPEC section 7); these
figures are vetgate's share. Bytecode is cached (in the work directory, via PYTHONPYCACHEPREFIX)
even when the calling shell sets PYTHONDONTWRITEBYTECODE: an installed vetgate has its .pyc files,
and compiling ~40 modules on every run would measure the compiler, not the hook.

Run on its own (``python benchmarks/bench_hooks.py [--quick]``) or
through ``benchmarks/run.py``, which calls ``run()``.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth  # sibling scripts, not installed modules
from bench_gate import BenchError, Row, table_main, vetgate_command

GOAL_SECONDS = 0.25


def time_command(cmd: Sequence[str], cwd: Path, env: Mapping[str, str], *, repeat: int,
                 expect: Sequence[int] = (0, 1)) -> tuple[list[float], list[float]]:
    """Wall times and CPU times (user + system of the process and its git children) of ``cmd``,
    ``repeat`` runs after one warm-up run (which also writes the bytecode cache).

    CPU time is reported beside wall time because a shared machine inflates wall time: the CPU
    a hook burns is what it costs wherever it runs. Raises ``BenchError`` on an exit code outside
    ``expect``.
    """
    walls: list[float] = []
    cpus: list[float] = []
    for attempt in range(repeat + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(list(cmd), cwd=cwd, env=dict(env), stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, timeout=120, check=False)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode not in expect:
            lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise BenchError(f"exit {proc.returncode}: {(lines[-1] if lines else '')[:120]}")
        if attempt:
            walls.append(wall)
            cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return walls, cpus


def _row(name: str, size: str, times: tuple[list[float], list[float]],
         baseline: float | None = None, goal: str = "", limit: float | None = None) -> Row:
    walls, cpus = times
    value = statistics.median(walls)
    cpu = statistics.median(cpus)
    ratio = f"cpu {cpu * 1000:.0f} ms"
    if baseline:
        ratio += f"; {value / baseline:.0f}x git"
    verdict = ("ok" if value < limit else "MISS") if limit is not None else ""
    return Row(name, size, value, baseline=baseline, ratio=ratio, goal=goal, verdict=verdict,
               runs=len(walls))


def run(workdir: Path, *, quick: bool = False) -> list[Row]:
    """Every hook benchmark, with repositories built under ``workdir``."""
    repeat = 3 if quick else 10
    env = synth.isolated_env(workdir / "home")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    repo = synth.small_change_repo(workdir / "hooks", env, files=300 if quick else 1000,
                                   rules=50, staged=10)
    size = "10 staged files, 50 rules"
    message = workdir / "COMMIT_EDITMSG"
    message.write_text("Add the staged change\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
                       encoding="utf-8")
    vetgate = vetgate_command()
    rows: list[Row] = []

    git_times = time_command(["git", "diff", "--cached", "--name-status", "-z"], repo, env,
                             repeat=repeat, expect=(0,))
    git_median = statistics.median(git_times[0])
    rows.append(_row("git diff --cached --name-status -z", size, git_times))
    rows.append(_row("python -c pass (interpreter start)", "-",
                     time_command([sys.executable, "-c", "pass"], repo, env, repeat=repeat,
                                  expect=(0,))))
    rows.append(_guarded(
        "vetgate hook commit-msg", size, repo, env, repeat,
        [*vetgate, "hook", "commit-msg", str(message)], baseline=git_median,
        goal=f"< {GOAL_SECONDS} s", limit=GOAL_SECONDS,
    ))

    human = workdir / "human.msg"
    human.write_text("Fix the thing\n", encoding="utf-8")
    rows.append(_guarded("vetgate hook prepare-commit-msg (human shell)", "-", repo, env, repeat,
                         [*vetgate, "hook", "prepare-commit-msg", str(human), "message"],
                         expect=(0,)))
    agent = workdir / "agent.msg"
    agent.write_text("Fix the thing\n", encoding="utf-8")
    rows.append(_guarded("vetgate hook prepare-commit-msg (CLAUDECODE=1)", "-", repo,
                         {**env, "CLAUDECODE": "1"}, repeat,
                         [*vetgate, "hook", "prepare-commit-msg", str(agent), "message"],
                         expect=(0,)))

    base = synth.git(repo, "rev-parse", "HEAD", env=env).strip()
    synth.git(repo, "commit", "-q", "--no-verify", "-F", str(message), env=env)
    head = synth.git(repo, "rev-parse", "HEAD", env=env).strip()
    push_env = {**env, "PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": head,
                "PRE_COMMIT_REMOTE_NAME": "origin", "PRE_COMMIT_REMOTE_BRANCH": "refs/heads/main",
                "PRE_COMMIT_LOCAL_BRANCH": "refs/heads/main"}
    rows.append(_guarded("vetgate hook pre-push (one commit)", "1 commit, 10 files, 50 rules",
                         repo, push_env, repeat, [*vetgate, "hook", "pre-push"]))
    return rows


def _guarded(name: str, size: str, repo: Path, env: Mapping[str, str], repeat: int,
             cmd: Sequence[str], *, baseline: float | None = None, goal: str = "",
             limit: float | None = None, expect: Sequence[int] = (0, 1)) -> Row:
    try:
        times = time_command(cmd, repo, env, repeat=repeat, expect=expect)
    except (BenchError, RuntimeError) as exc:
        return Row(name=name, size=size, goal=goal, verdict=f"error: {exc}")
    return _row(name, size, times, baseline=baseline, goal=goal, limit=limit)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the hook benchmarks and print the table."""
    return table_main(run, "vetgate hook benchmarks", "3 runs each (smoke test)", argv)


if __name__ == "__main__":
    sys.exit(main())
