"""Benchmark of `vetgate replay`: wall time and peak memory over 100 and 1,000 changes.

A synthetic main branch of 1,000 changes (``git fast-import``): every fourth a merged pull
request of two commits, the rest squash commits; every third commit AI-origin; each touching two
of 500 files under a 50-rule policy at HEAD. The proposed policy has 80 rules. ``vetgate replay
--last N`` judges each change with both. Goal: 1,000 changes in under 10 s on two cores, and
memory flat in N (peak RSS at 1,000 within 1.25x of 100).

Peak RSS is the largest single process of the run (vetgate's own Python process; git's are
smaller), read from the operating system's accounting of the finished children.

Run on its own (``python benchmarks/bench_replay.py [--quick]``) or through ``benchmarks/run.py``.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth  # a sibling script, not an installed module
from bench_gate import Row, format_seconds, table_main, time_command, vetgate_command

FILES = 500


def replay_repo(path: Path, env: Mapping[str, str], *, changes: int) -> Path:
    """A main branch of ``changes`` first-parent changes (see the module doc)."""
    synth.init_repo(path, env)
    stream = synth.FastImport()
    paths = synth.changed_paths(FILES)
    tip = stream.commit("base", {".vetgate.yaml": synth.policy_yaml(50).encode(),
                                 **{p: b"v0\n" for p in paths}})
    for number in range(1, changes):
        def touched(salt: int, n: int = number) -> dict[str, bytes]:
            return {paths[(n * 7 + salt) % FILES]: b"v%d.%d\n" % (n, salt),
                    paths[(n * 13 + 1 + salt) % FILES]: b"w%d.%d\n" % (n, salt)}

        subject = f"change {number} (#{number})"
        message = synth.ai_message(subject) if number % 3 == 0 else subject + "\n"
        if number % 4 == 0:
            first = stream.commit(message, touched(0), ref="refs/heads/side", parents=(tip,))
            second = stream.commit(f"follow-up {number}\n", touched(1), ref="refs/heads/side",
                                   parents=(first,))
            tip = stream.commit(f"Merge pull request #{number}\n", ref="refs/heads/main",
                                parents=(tip, second))
        else:
            tip = stream.commit(message, touched(0), parents=(tip,))
    stream.run(path, env)
    synth.git(path, "checkout", "-q", "-f", "main", env=env)
    (path.parent / "proposed.yaml").write_bytes(synth.policy_yaml(80).encode())
    return path


def peak_rss(cmd: Sequence[str], cwd: Path, env: Mapping[str, str]) -> int:
    """Peak resident memory (KiB) of the largest process ``cmd`` ran, measured in a fresh
    interpreter so earlier runs do not count."""
    probe = ("import resource, subprocess, sys; "
             "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    proc = subprocess.run([sys.executable, "-c", probe, *cmd], cwd=cwd, env=dict(env),
                          capture_output=True, text=True, check=True)
    return int(proc.stdout.strip())


def run(workdir: Path, *, quick: bool = False) -> list[Row]:
    """Replay 100 and 1,000 changes (quick: 10 and 40, one run each)."""
    env = synth.isolated_env(workdir / "home")
    small, large = (10, 40) if quick else (100, 1_000)
    repeat = 1 if quick else 3
    repo = replay_repo(workdir / "replay" / "repo", env, changes=large)
    proposed = str(repo.parent / "proposed.yaml")
    rows: list[Row] = []
    memory: dict[int, int] = {}
    medians: dict[int, float] = {}
    for count in (small, large):
        cmd = [*vetgate_command(), "replay", "--policy", proposed, "--last", str(count)]
        times = time_command(cmd, repo, env, repeat=repeat, expect=(0,), timeout=300,
                             warmup=not quick)
        medians[count] = sorted(times)[len(times) // 2]
        memory[count] = peak_rss(cmd, repo, env)
    for count in (small, large):
        goal = "< 10 s" if count == 1_000 else ""
        verdict = ("ok" if medians[count] < 10 else "MISS") if goal else ""
        ratio = f"peak RSS {memory[count] / 1024:.0f} MiB"
        if count == large:
            growth = memory[large] / memory[small]
            ratio += f" (x{growth:.2f} of {small}; {'flat' if growth < 1.25 else 'GROWS'})"
        rows.append(Row(f"replay --last {count}", f"{count} changes, 50/80 rules",
                        medians[count], ratio=ratio, goal=goal, verdict=verdict, runs=repeat))
    per_change = medians[large] / large
    rows.append(Row(f"replay: per change ({large}-change run)", "", per_change,
                    ratio=f"{format_seconds(per_change)} a change"))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Run the replay benchmarks and print the table."""
    return table_main(run, "vetgate replay benchmark", "small sizes (smoke test)", argv)


if __name__ == "__main__":
    sys.exit(main())
