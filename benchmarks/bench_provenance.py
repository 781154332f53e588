"""Micro-benchmark for provenance.

1. ``Classifier.classify`` throughput on synthetic commits (a realistic mix: one-line subjects,
   bodies, sign-offs, AI trailers and footers, some non-ASCII text). Goal: ≥ 20,000 commits/s.
2. ``vetgate origin A..B`` wall time on a generated 5,000-commit repository (built with
   ``git fast-import``; 10% of the commits carry a git-ai note). Goal: well under 5 s.

    python benchmarks/bench_provenance.py [--commits 5000] [--classify 50000]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time

from vetgate.changes.model import Commit, Identity
from vetgate.provenance.classify import Classifier
from vetgate.provenance.model import ProvenanceContext

SUBJECTS = ["Fix typo in README", "Add retry to HTTP client", "Refactor session store",
            "Bump lodash from 4.17.20 to 4.17.21", "aider: add CSV export", "Update docs",
            "Handle empty input in parser", "Remove dead code", "Speed up the build"]
BODIES = [
    "",
    "\n\nThe client now retries idempotent requests up to 3 times\nwith exponential backoff.\n",
    "\n\nMove session handling into its own module.\n\nSigned-off-by: Dev 1 <dev1@example.com>\n",
    "\n\nLimit failed attempts.\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)"
    "\n\nCo-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>\n",
    "\n\nReviewed-by: A <a@example.com>\nSigned-off-by: B <b@example.com>\n",
    "\n\nCo-authored-by: Jane Roe <jane@example.com>\n",
    "\n\nCorrige la gestion des délais d'attente.\n",
    "\n\nAssisted-by: Claude:claude-3-opus coccinelle sparse\n"
    "Signed-off-by: Jane Dev <jane@kernel.example>\n",
]
NOTE = ('src/app.py\n  s_0123456789abcd 1-40\n---\n{"schema_version": "authorship/3.0.0", '
        '"base_commit_sha": "x", "prompts": {}, "sessions": {"s_0123456789abcd": '
        '{"agent_id": {"tool": "claude", "id": "1", "model": "m"}}}}')


def synthetic_commits(count: int, seed: int = 7) -> list[Commit]:
    rng = random.Random(seed)
    people = [Identity(f"Dev {i}", f"dev{i}@example.com") for i in range(40)]
    people.append(Identity("Cursor Agent", "cursoragent@cursor.com"))
    people.append(Identity("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"))
    return [
        Commit(f"{i:040x}", (f"{i + 1:040x}",), rng.choice(people), rng.choice(people[:40]),
               1700000000 + i, 1700000000 + i, rng.choice(SUBJECTS) + rng.choice(BODIES))
        for i in range(count)
    ]


def bench_classify(count: int) -> float:
    commits = synthetic_commits(count)
    notes = {c.sha: NOTE for c in commits[::10] if c.sha}
    context = ProvenanceContext(notes=notes)
    classifier = Classifier()
    classifier.classify(commits[0], context)  # warm up (catalog loaded, regexes compiled)
    started, cpu_started = time.perf_counter(), time.process_time()
    ai = 0
    for commit in commits:
        if classifier.classify(commit, context).origin == "ai":
            ai += 1
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    rate = count / elapsed
    # CPU time too: on a machine busy with other work, wall time undercounts the speed.
    print(f"classify: {count} commits in {elapsed:.3f} s = {rate:,.0f} commits/s wall, "
          f"{count / cpu:,.0f} commits/s CPU ({ai} ai; goal >= 20,000/s)")
    return max(rate, count / cpu)


def build_repo(path: str, count: int) -> str:
    """A repository with ``count`` commits on main (plus a root commit), notes on every tenth;
    returns the root commit's sha."""
    subprocess.run(["git", "init", "-q", "-b", "main", path], check=True)
    rng = random.Random(11)
    chunks: list[bytes] = []
    for i in range(count + 1):
        message = (rng.choice(SUBJECTS) + rng.choice(BODIES)).encode()
        who = rng.choice(["Dev One <dev1@example.com>", "Dev Two <dev2@example.com>",
                          "Claude <noreply@anthropic.com>"])
        content = f"line {i}\n".encode()
        chunks.append(b"commit refs/heads/main\nmark :%d\n" % (i + 1))
        chunks.append(b"author %s %d +0000\n" % (who.encode(), 1700000000 + i))
        chunks.append(b"committer Dev One <dev1@example.com> %d +0000\n" % (1700000000 + i))
        chunks.append(b"data %d\n%s\n" % (len(message), message))
        chunks.append(b"M 100644 inline src/file%d.txt\ndata %d\n%s\n"
                      % (i % 50, len(content), content))
    chunks.append(b"commit refs/notes/ai\ncommitter A <a@x> 1700000000 +0000\ndata 5\nnotes\n")
    note = NOTE.encode()
    for i in range(1, count + 2, 10):
        chunks.append(b"N inline :%d\ndata %d\n%s\n" % (i, len(note), note))
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=b"".join(chunks),
                   check=True)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=path, check=True)
    return subprocess.run(["git", "rev-list", "--max-parents=0", "main"], cwd=path, check=True,
                          capture_output=True, text=True).stdout.strip()


def bench_origin(count: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        repo = os.path.join(tmp, "repo")
        started = time.perf_counter()
        root = build_repo(repo, count)
        print(f"built a {count}-commit repository with git fast-import in "
              f"{time.perf_counter() - started:.2f} s")
        timings = []
        for fmt in ("text", "json"):
            started = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "vetgate", "origin", f"{root}..main", "--format", fmt],
                cwd=repo, capture_output=True, check=False)
            elapsed = time.perf_counter() - started
            if proc.returncode != 0:
                raise SystemExit(proc.stderr.decode())
            timings.append(elapsed)
            print(f"vetgate origin {root[:10]}..main --format {fmt}: {count} commits in "
                  f"{elapsed:.2f} s wall ({len(proc.stdout) / 1e6:.1f} MB output; goal < 5 s)")
        return max(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=5000, help="repository size")
    parser.add_argument("--classify", type=int, default=50000, help="synthetic commits")
    args = parser.parse_args()
    rate = bench_classify(args.classify)
    wall = bench_origin(args.commits)
    ok = rate >= 20000 and wall < 5
    # A missed goal is reported, not failed (docs/development.md): the exit code says whether the
    # benchmark ran, so a loaded machine cannot turn the smoke run red.
    print("OK" if ok else "MISS: below the goal (a loaded machine? run again)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
