"""`vetgate origin` over a merge-heavy history (issue 11.4): messages and identities, no diffs.

Builds (with one ``git fast-import``) a repository of ``--commits`` commits in which every
fourth commit is a merge of a two-commit feature branch, each commit touching a few of 2,000
files and about a third carrying an agent's co-author trailer, then times, as whole processes
(median of ``--runs``), ``vetgate origin base..main`` against ``git log --format=%H%x00%B
base..main`` (the least git must do to hand over the same messages).

    python benchmarks/bench_origin.py [--commits 5000] [--runs 5] [--keep DIR]

Goal: ≥ 20,000 commits/s end to end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRAILERS = ("", "\nCo-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>\n",
            "\nSigned-off-by: Dev <dev@example.com>\n",
            "\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>\n")


def build(path: Path, commits: int) -> None:
    """A merge-heavy repository at ``path`` with ``commits`` commits above the tag ``base``."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    out: list[bytes] = []
    mark = 0
    when = 1_700_000_000

    def commit(ref: str, message: str, parents: list[str], files: list[int]) -> str:
        nonlocal mark, when
        mark += 1
        when += 60
        body = message.encode()
        out.append(f"commit {ref}\nmark :{mark}\n".encode())
        out.append(f"author Dev <dev@example.com> {when} +0000\n".encode())
        out.append(f"committer Dev <dev@example.com> {when} +0000\n".encode())
        out.append(b"data %d\n%s\n" % (len(body), body))
        if parents:
            out.append(f"from {parents[0]}\n".encode())
        for parent in parents[1:]:
            out.append(f"merge {parent}\n".encode())
        for number in files:
            content = f"file {number} at commit {mark}\n".encode()
            out.append(b"M 100644 inline src/f%d.py\ndata %d\n%s\n" % (number, len(content),
                                                                      content))
        return f":{mark}"

    head = commit("refs/heads/main", "base\n", [], list(range(2000)))
    out.append(f"reset refs/tags/base\nfrom {head}\n\n".encode())
    made = 0
    while made < commits:
        n = made
        if n % 4 == 3:
            one = commit("refs/heads/feature", f"feature part 1 of {n}\n{TRAILERS[n % 4]}",
                         [head], [(n * 7) % 2000])
            two = commit("refs/heads/feature", f"feature part 2 of {n}\n", [one],
                         [(n * 11) % 2000])
            head = commit("refs/heads/main", f"Merge branch 'feature-{n}'\n", [head, two],
                          [(n * 13) % 2000])
            made += 3
        else:
            head = commit("refs/heads/main", f"change {n}\n\nBody of change {n}.\n"
                          f"{TRAILERS[n % 4]}", [head], [(n * 3 + k) % 2000 for k in range(3)])
            made += 1
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=b"".join(out), check=True)


def _time(args: list[str], cwd: Path, runs: int) -> float:
    samples = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        subprocess.run(args, cwd=cwd, stdout=subprocess.DEVNULL, check=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples[1:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commits", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build the repository here and keep it")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        path = args.keep or Path(scratch) / "repo"
        build(path, args.commits)
        count = int(subprocess.run(["git", "rev-list", "--count", "base..main"], cwd=path,
                                   capture_output=True, text=True, check=True).stdout)
        env_python = [sys.executable, "-m", "vetgate", "origin", "base..main"]
        origin = _time(env_python, path, args.runs)
        log = _time(["git", "log", "--format=%H%x00%B", "base..main"], path, args.runs)
        print(f"{count} commits: vetgate origin {origin * 1000:.0f} ms "
              f"({count / origin:,.0f} commits/s), git log {log * 1000:.0f} ms, "
              f"ratio {origin / log:.1f}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("GIT_CONFIG_NOSYSTEM", "1")
    sys.exit(main())
