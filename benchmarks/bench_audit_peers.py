"""Full-history audit of a generated 10,000-commit history with about 1,000 fixes: vetgate with
one blame worker (serial) vs one per core (parallel) vs PyDriller's SZZ, as whole processes.

    python benchmarks/bench_audit_peers.py generate DIR [--commits 10000] [--fix-share 0.1]
    python benchmarks/bench_audit_peers.py pydriller DIR   # PyDriller's SZZ over the same fixes
    python benchmarks/bench_audit_peers.py memory DIR...   # peak memory of `vetgate audit`

`generate` writes the repository (git fast-import, the generator of bench_audit.py), packs it
into one pack as a clone would have it (`git repack -ad`; fast-import leaves one pack per 500
commits), and prints how many fix commits vetgate finds in it. `pydriller` runs PyDriller's SZZ
(``Git.get_commits_last_modified_lines``) on every commit vetgate's default fix pattern marks,
and prints the number of fix-inducing commits it found. Time the commands from outside, paired,
e.g. with a whole-process timer that alternates A and B; figures are in RESULTS.md.

What each side computes (both on the same repository, no commit-graph):

- ``vetgate audit -C DIR --format json`` is the whole audit: the first pass over history (fix
  and revert commits), SZZ (R-SZZ: the removed source lines of each fix, data files, comments,
  blank lines and docstrings left out, owners as ``git blame -w`` names them, by the forward
  pass over one ``git log -p``), the second pass classifying every commit (origin, rules, sizes,
  months) and the JSON report.
- ``pydriller`` finds the same fix commits (PyDriller's ``Repository`` traversal and the same
  pattern), then for each: its diff (``commit.modified_files``), one whole-file ``git blame -w``
  per modified file at the fix's parent, and the commit of every removed line that is not
  blank or a comment (B-SZZ: no choice among candidates, no classification, no report).

`memory` audits each DIR in a fresh process and prints the peak resident memory of vetgate's
own process and of the largest git process it ran (the operating system's accounting), to see
whether memory grows with the number of commits.

PyDriller is installed into the benchmark's own environment only (`pip install pydriller`); it
is never a dependency of vetgate. Without it, `pydriller` says so and exits 0.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _generate(path: Path, commits: int, fix_share: float) -> int:
    from bench_audit import POLICY, generate

    from vetgate.audit.szz import compile_fix_pattern
    from vetgate.changes import history

    generate(path, commits, fix_share)
    subprocess.run(["git", "repack", "-adq"], cwd=path, check=True)
    (path / ".vetgate.yaml").write_bytes(POLICY)
    fix_re = compile_fix_pattern(None)
    fixes = sum(1 for entry in history.iter_log(str(path), history.RevisionSelection())
                if fix_re.search(entry.message) and not entry.message.startswith("Revert"))
    print(f"{commits:,} commits, {fixes:,} fix commits in {path}")
    return 0


def _pydriller(path: Path) -> int:
    try:
        from pydriller import Git, Repository
    except ImportError:
        print("PyDriller is not installed here (pip install pydriller in a benchmark "
              "environment); skipped")
        return 0
    from vetgate.audit.szz import compile_fix_pattern

    fix_re = compile_fix_pattern(None)
    git = Git(str(path))
    inducing: set[str] = set()
    fixes = 0
    for commit in Repository(str(path)).traverse_commits():
        if commit.merge or commit.msg.startswith("Revert") or not fix_re.search(commit.msg):
            continue
        fixes += 1
        for shas in git.get_commits_last_modified_lines(commit).values():
            inducing.update(shas)
    print(f"PyDriller SZZ: {fixes:,} fixes, {len(inducing):,} fix-inducing commits")
    return 0


def _memory(paths: list[Path]) -> int:
    code = ("import contextlib, io, resource, sys; from vetgate.main import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    main(['audit', '-C', sys.argv[1], '--format', 'json', '--progress', 'never'])\n"
            "own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "git = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
            "print(f'{own / 1024:.1f} {git / 1024:.1f}')\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    for path in paths:
        commits = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=path, check=True,
                                 capture_output=True, text=True).stdout.strip()
        out = subprocess.run([sys.executable, "-c", code, str(path)], env=env, check=True,
                             capture_output=True, text=True).stdout.split()
        print(f"{path}: {int(commits):,} commits: vetgate peak {out[0]} MiB, "
              f"largest git process {out[1]} MiB")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("what", choices=("generate", "pydriller", "memory"))
    parser.add_argument("path", type=Path, nargs="+")
    parser.add_argument("--commits", type=int, default=10_000)
    parser.add_argument("--fix-share", type=float, default=0.10)
    args = parser.parse_args()
    if args.what == "memory":
        return _memory(args.path)
    if args.what == "generate":
        return _generate(args.path[0], args.commits, args.fix_share)
    return _pydriller(args.path[0])


if __name__ == "__main__":
    raise SystemExit(main())
