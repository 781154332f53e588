"""Benchmarks of the hooks' own cost: `vetgate hook ...` as a process, wall time, median of 10.

- commit-msg on a 10-file staged change under a 50-rule policy with an AI message, in the
  environment `git commit` gives its hooks (GIT_AUTHOR_NAME/EMAIL/DATE), against
  `git diff --cached --name-status -z` on the same change and a bare interpreter start; then
  paired with the peers' commit-msg checks on the same message file (commit-check, and
  commitguardian where Python >= 3.12 exists; see peers.py): runs alternate A/B, and the row
  gives both medians and the median of the per-pair ratios A/B. Goals: median <= 0.12 s and
  A/B < 0.95 against commit-check;
- a whole `git commit` through the pre-commit framework with the recommended configuration
  (docs/hooks.md: `vetgate` at commit-msg, `vetgate-push` at pre-push), paired with the same
  commit under commit-check's commit-msg hook; goal <= 0.45 s. Baseline: `git commit
  --no-verify`;
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

import peers  # sibling scripts, not installed modules
import synth
from bench_gate import BenchError, Row, table_main, vetgate_command

GOAL_SECONDS = 0.12
COMMIT_GOAL_SECONDS = 0.45
PEER_RATIO_GOAL = 0.95
# What `git commit` exports to its hooks (the commit-msg hook relies on git having checked the
# identities then).
GIT_COMMIT_ENV = {"GIT_AUTHOR_NAME": synth.HUMAN[0], "GIT_AUTHOR_EMAIL": synth.HUMAN[1],
                  "GIT_AUTHOR_DATE": "@1767225600 +0000"}


def time_command(cmd: Sequence[str], cwd: Path, env: Mapping[str, str], *, repeat: int,
                 expect: Sequence[int] = (0, 1), warmup: bool = True
                 ) -> tuple[list[float], list[float]]:
    """Wall times and CPU times (user + system of the process and its git children) of ``cmd``,
    ``repeat`` runs after one warm-up run (which also writes the bytecode cache).

    CPU time is reported beside wall time because a shared machine inflates wall time: the CPU
    a hook burns is what it costs wherever it runs. Raises ``BenchError`` on an exit code outside
    ``expect``.
    """
    walls: list[float] = []
    cpus: list[float] = []
    for attempt in range(repeat + (1 if warmup else 0)):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(list(cmd), cwd=cwd, env=dict(env), stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, timeout=120, check=False)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode not in expect:
            lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise BenchError(f"exit {proc.returncode}: {(lines[-1] if lines else '')[:120]}")
        if attempt or not warmup:
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
    verdict = ("ok" if value <= limit else "MISS") if limit is not None else ""
    return Row(name, size, value, baseline=baseline, ratio=ratio, goal=goal, verdict=verdict,
               runs=len(walls))


def paired(a: tuple[Sequence[str], Mapping[str, str]], b: tuple[Sequence[str], Mapping[str, str]],
           cwd: Path | tuple[Path, Path], *, repeat: int, expect: Sequence[int] = (0, 1),
           after: Sequence[Sequence[str]] = ()) -> tuple[list[float], list[float]]:
    """Wall times of A and B run alternately (A B, B A, A B ...) after one warm-up each, so
    both see the same machine load; ``cwd`` is one directory or one per command; ``after``:
    commands run (untimed) in that directory after each timed run (to undo a commit)."""
    dirs = cwd if isinstance(cwd, tuple) else (cwd, cwd)
    times: tuple[list[float], list[float]] = ([], [])
    for attempt in range(repeat + 1):
        order = (0, 1) if attempt % 2 == 0 else (1, 0)
        for which in order:
            cmd, env = (a, b)[which]
            walls, _cpus = time_command(cmd, dirs[which], env, repeat=1, expect=expect,
                                        warmup=False)
            for undo in after:
                subprocess.run(list(undo), cwd=dirs[which], env=dict(env), check=True,
                               capture_output=True)
            if attempt:
                times[which].append(walls[0])
    return times


def _paired_row(name: str, size: str, cwd: Path | tuple[Path, Path], repeat: int,
                a: tuple[Sequence[str], Mapping[str, str]],
                b: tuple[Sequence[str], Mapping[str, str]], *, goal: str = "",
                limit: float | None = None, ratio_limit: float | None = None,
                after: Sequence[Sequence[str]] = ()) -> Row:
    """One row for a paired measurement: A's median, B's median as the baseline, and the
    median of the per-pair ratios A/B."""
    try:
        walls_a, walls_b = paired(a, b, cwd, repeat=repeat, after=after)
    except (BenchError, RuntimeError, subprocess.CalledProcessError) as exc:
        return Row(name=name, size=size, goal=goal, verdict=f"error: {exc}")
    value = statistics.median(walls_a)
    ratio = statistics.median(x / y for x, y in zip(walls_a, walls_b, strict=True))
    ok = (limit is None or value <= limit) and (ratio_limit is None or ratio < ratio_limit)
    verdict = ("ok" if ok else "MISS") if limit is not None or ratio_limit is not None else ""
    return Row(name, size, value, baseline=statistics.median(walls_b),
               ratio=f"paired A/B {ratio:.2f}", goal=goal, verdict=verdict, runs=len(walls_a))


def _precommit_repo(path: Path, env: Mapping[str, str], hook: Mapping[str, object]) -> Path:
    """The hook benchmark's repository with pre-commit installed for ``hook`` at commit-msg
    (and, for vetgate, the recommended pre-push hook beside it)."""
    import yaml

    repo = synth.small_change_repo(path, env, files=300, rules=50, staged=10)
    hooks = [dict(hook)]
    if hook["id"] == "vetgate":
        hooks.append({"id": "vetgate-push", "name": "vetgate-push", "language": "system",
                      "entry": " ".join([*vetgate_command(), "hook", "pre-push"]),
                      "stages": ["pre-push"], "pass_filenames": False, "always_run": True})
    config = {"default_install_hook_types": ["commit-msg", "pre-push"],
              "repos": [{"repo": "local", "hooks": hooks}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    synth.git(repo, "add", ".pre-commit-config.yaml", env=env)
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, env=dict(env),
                   check=True, capture_output=True)
    return repo


def _commit_rows(workdir: Path, env: Mapping[str, str], repeat: int, *, quick: bool
                 ) -> list[Row]:
    """A hooked `git commit` through pre-commit with the recommended configuration, paired
    with the same commit under commit-check's hook; `git commit --no-verify` as baseline."""
    env = {**env, "PRE_COMMIT_HOME": str(workdir / "pre-commit-home")}
    size = "10 staged files, 50 rules"
    vetgate_hook = {"id": "vetgate", "name": "vetgate", "language": "system",
                    "entry": " ".join([*vetgate_command(), "hook", "commit-msg"]),
                    "stages": ["commit-msg"], "pass_filenames": True, "always_run": True}
    try:
        ours = _precommit_repo(workdir / "commit-vetgate", env, vetgate_hook)
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        return [Row("git commit via pre-commit (recommended)", size, verdict=f"error: {exc}")]
    commit = ["git", "commit", "-q", "-m", "feat: tidy the staged files"]
    undo = [["git", "reset", "-q", "--soft", "HEAD~1"]]
    rows = [_guarded_commit("git commit --no-verify", size, ours, env, repeat,
                            [*commit, "--no-verify"], undo)]
    command, why = peers.ensure_peer(peers.COMMIT_CHECK, install=not quick)
    name = "git commit via pre-commit (recommended)"
    if command is None:
        rows.append(_guarded_commit(name, size, ours, env, repeat, commit, undo,
                                    goal=f"<= {COMMIT_GOAL_SECONDS} s",
                                    limit=COMMIT_GOAL_SECONDS, note=why))
        return rows
    peer_hook = {"id": "commit-check", "name": "commit-check", "language": "system",
                 "entry": " ".join(command), "stages": ["commit-msg"], "pass_filenames": True,
                 "always_run": True}
    try:
        theirs = _precommit_repo(workdir / "commit-peer", env, peer_hook)
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        rows.append(Row(f"{name} / commit-check", size, verdict=f"error: {exc}"))
        return rows
    rows.append(_paired_row(f"{name} / commit-check", size, (ours, theirs), repeat,
                            (commit, env), (commit, env), goal=f"<= {COMMIT_GOAL_SECONDS} s",
                            limit=COMMIT_GOAL_SECONDS, after=undo))
    return rows


def _guarded_commit(name: str, size: str, repo: Path, env: Mapping[str, str], repeat: int,
                    cmd: Sequence[str], undo: Sequence[Sequence[str]], *, goal: str = "",
                    limit: float | None = None, note: str = "") -> Row:
    walls: list[float] = []
    try:
        for attempt in range(repeat + 1):
            wall, _cpu = time_command(cmd, repo, env, repeat=1, expect=(0,), warmup=False)
            for step in undo:
                subprocess.run(list(step), cwd=repo, env=dict(env), check=True,
                               capture_output=True)
            if attempt:
                walls.append(wall[0])
    except (BenchError, RuntimeError, subprocess.CalledProcessError) as exc:
        return Row(name=name, size=size, goal=goal, verdict=f"error: {exc}")
    value = statistics.median(walls)
    verdict = ("ok" if value <= limit else "MISS") if limit is not None else ""
    return Row(name, size, value, ratio=note, goal=goal, verdict=verdict, runs=len(walls))


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
    hook_env = {**env, **GIT_COMMIT_ENV}
    rows.append(_guarded(
        "vetgate hook commit-msg", size, repo, hook_env, repeat,
        [*vetgate, "hook", "commit-msg", str(message)], baseline=git_median,
        goal=f"<= {GOAL_SECONDS} s", limit=GOAL_SECONDS,
    ))
    # The row above is every commit after the first: the compiled policy and catalog are
    # stored (.git/vetgate/, docs/hooks.md). This one is a commit that finds nothing stored
    # (the first after a policy change or an upgrade), as every run was before the store.
    rows.append(_guarded(
        "vetgate hook commit-msg (nothing stored)", size, repo,
        {**hook_env, "VETGATE_NO_CACHE": "1"}, repeat,
        [*vetgate, "hook", "commit-msg", str(message)], baseline=git_median,
    ))
    for peer in () if quick else peers.PEERS:  # --quick proves the script runs: no peers
        command, why = peers.ensure_peer(peer, install=True)
        name = f"commit-msg: vetgate / {peer.name}"
        if command is None:
            rows.append(Row(name, size, verdict="", ratio=why))
            continue
        rows.append(_paired_row(
            name, size, repo, repeat,
            ([*vetgate, "hook", "commit-msg", str(message)], hook_env),
            ([*command, str(message)], hook_env),
            goal=(f"A/B < {PEER_RATIO_GOAL}" if peer is peers.COMMIT_CHECK else ""),
            ratio_limit=PEER_RATIO_GOAL if peer is peers.COMMIT_CHECK else None,
        ))
    if quick:  # whole commits through pre-commit build two framework repositories: full runs only
        rows.append(Row("git commit via pre-commit (recommended)", size, ratio="full run only"))
    else:
        rows += _commit_rows(workdir, env, repeat, quick=quick)

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
