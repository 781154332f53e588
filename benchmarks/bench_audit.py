"""Benchmark `vetgate audit` on a generated 20,000-commit history (git fast-import).

    python benchmarks/bench_audit.py [--commits 20000] [--small 5000] [--keep DIR]

Prints:
- classification throughput (commits/s): the Classifier alone, and the whole second pass
  (streaming `git log --numstat` + classify + count); goal ≥ 5,000 commits/s on 2 cores;
- SZZ cost (fix commits/s: diff + one blame per file + candidate lookup), with and without a
  commit-graph with changed-path filters (written into the generated repository only);
- memory: tracemalloc peak of a whole audit at ``--small`` commits vs ``--commits`` commits.

The history is a mix known by construction: ~30% AI commits (Claude trailer or author), ~5%
declared human, the rest unmarked; ~5% fix commits that change lines earlier commits wrote;
~1% reverts (both git's sha form and the subject-only form).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from vetgate.audit import szz as szz_module  # noqa: E402
from vetgate.audit.pipeline import AuditOptions, run_audit, scan_history  # noqa: E402
from vetgate.audit.progress import Progress  # noqa: E402
from vetgate.changes import history  # noqa: E402
from vetgate.policy.loader import load_policy_bytes  # noqa: E402
from vetgate.provenance.classify import Classifier  # noqa: E402

T0 = 1_672_531_200  # 2023-01-01
SEGMENT = 500  # commits per fast-import run; a revert in sha form needs its target's sha
HUMANS = [("Ada Lovelace", "ada@example.com"), ("Grace Hopper", "grace@example.com"),
          ("Linus Example", "linus@example.org"), ("Margaret H", "mh@example.net")]
CLAUDE_TRAILER = "Co-Authored-By: Claude Opus 4.1 <noreply@anthropic.com>"
POLICY = b"""\
version: 1
rules:
  - id: auth
    paths: ["src/auth/**"]
    require: {review: {count: 1}}
  - id: payments
    paths: ["src/pay/**"]
    require: {forbid: "no AI code in payments"}
  - id: migrations
    paths: ["**/migrations/**"]
    require: {review: {count: 1}}
"""


def _files() -> list[str]:
    files = [f"src/auth/m{i}.py" for i in range(20)] + [f"src/pay/p{i}.py" for i in range(20)]
    files += [f"src/db/migrations/{i:04d}.sql" for i in range(10)]
    files += [f"src/mod{m}/f{i}.py" for m in range(25) for i in range(10)]
    return files


class Generator:
    """Writes a fast-import stream for commits [start, end) and keeps file contents."""

    def __init__(self, seed: int = 7, fix_share: float = 0.05) -> None:
        self.rng = random.Random(seed)
        self.fix_share = fix_share
        self.files = _files()
        self.content: dict[str, list[str]] = {
            path: [f"value_{i} = {self.rng.randint(0, 999)}" for i in range(30)]
            for path in self.files
        }
        self.previous: tuple[str, str, list[str]] | None = None  # (subject, path, old lines)

    def _data(self, text: str) -> bytes:
        raw = text.encode()
        return b"data %d\n" % len(raw) + raw + b"\n"

    def commit(self, index: int, first_in_run: bool, last_sha: str | None) -> bytes:
        rng = self.rng
        ts = T0 + index * 1800 + rng.randint(0, 900)
        name, email = rng.choice(HUMANS)
        roll = rng.random()
        trailer = ""
        if index and roll < 0.25:
            trailer = f"\n\n{CLAUDE_TRAILER}"
        elif index and roll < 0.30:
            name, email = "Claude", "noreply@anthropic.com"
        elif index and roll < 0.35:
            trailer = "\n\nAI-Assisted: no"
        changes: dict[str, list[str]] = {}
        kind = rng.random()
        if index == 0:
            subject = "initial import"
            changes = {path: list(lines) for path, lines in self.content.items()}
        elif first_in_run and last_sha and self.previous:
            subject_prev, path, old = self.previous
            subject = f'Revert "{subject_prev}"'
            trailer = f"\n\nThis reverts commit {last_sha}."
            changes[path] = list(old)
        elif kind < 0.01 and self.previous:
            subject_prev, path, old = self.previous
            subject = f'Revert "{subject_prev}"'  # the subject-only form
            trailer = ""
            changes[path] = list(old)
        elif kind < 0.01 + self.fix_share:
            subject = rng.choice([f"fix: crash {index}", f"Fix off-by-one in {index}",
                                  f"hotfix {index}"])
            path = rng.choice(self.files)
            lines = list(self.content[path])
            for _ in range(rng.randint(1, 3)):
                at = rng.randrange(len(lines))
                lines[at] = f"value_{at} = {rng.randint(0, 99_999)}  # fixed {index}"
            changes[path] = lines
        else:
            subject = f"feat: change {index}"
            for path in rng.sample(self.files, rng.choice((1, 1, 1, 2))):
                lines = list(self.content[path])
                size = rng.choice((1, 2, 3, 5, 8, 13, 40, 120))
                for _ in range(size):
                    if rng.random() < 0.5 and len(lines) < 400:
                        lines.append(f"extra_{len(lines)} = {rng.randint(0, 999)}")
                    else:
                        at = rng.randrange(len(lines))
                        lines[at] = f"value_{at} = {rng.randint(0, 99_999)}"
                changes[path] = lines
        if changes and not subject.startswith("Revert"):
            path = next(iter(changes))
            self.previous = (subject, path, list(self.content[path]))
        else:
            self.previous = None
        for path, lines in changes.items():
            self.content[path] = lines
        out = [b"commit refs/heads/main\n", b"mark :%d\n" % (index + 1)]
        out.append(f"author {name} <{email}> {ts} +0000\n".encode())
        out.append(f"committer {name} <{email}> {ts} +0000\n".encode())
        out.append(self._data(subject + trailer + "\n"))
        if first_in_run and index:
            out.append(b"from refs/heads/main^0\n")
        for path, lines in changes.items():
            out.append(f"M 100644 inline {path}\n".encode())
            out.append(self._data("\n".join(lines) + "\n"))
        return b"".join(out)


def generate(path: Path, commits: int, fix_share: float = 0.05) -> dict[int, str]:
    """Create a repository with ``commits`` commits; return mark number → sha."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    gen = Generator(fix_share=fix_share)
    marks_file = path / ".git" / "bench-marks"
    shas: dict[int, str] = {}
    for start in range(0, commits, SEGMENT):
        end = min(commits, start + SEGMENT)
        last_sha = shas.get(start)  # mark :start is commit index start-1
        stream = b"".join(
            gen.commit(i, i == start, last_sha) for i in range(start, end)
        )
        args = ["git", "fast-import", "--quiet", f"--export-marks={marks_file}"]
        if marks_file.exists():
            args.append(f"--import-marks={marks_file}")
        subprocess.run(args, cwd=path, input=stream, check=True)
        for line in marks_file.read_text().splitlines():
            mark, sha = line.split()
            shas[int(mark[1:])] = sha
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=path, check=True)
    return shas


def _history(root: str, rev: str) -> Iterator[history.HistoryCommit]:
    return history.iter_history(root, history.RevisionSelection(rev))


def bench(root: str, shas: dict[int, str], commits: int, small: int) -> None:
    policy = load_policy_bytes(POLICY)
    print(f"repository: {root} ({commits:,} commits)")

    # 1. Classification throughput.
    loaded = list(_history(root, "HEAD"))
    classifier = Classifier(policy.origin)
    start = time.perf_counter()
    origins = [classifier.classify(item.commit) for item in loaded]
    classify_s = time.perf_counter() - start
    counts = {o: sum(1 for v in origins if v.origin == o) for o in ("ai", "human", "unknown")}
    print(f"classifier alone: {len(loaded) / classify_s:,.0f} commits/s "
          f"({classify_s:.2f} s; {counts})")
    del loaded, origins
    start = time.perf_counter()
    streamed = sum(1 for _ in _history(root, "HEAD"))
    log_s = time.perf_counter() - start
    print(f"git log --numstat streaming parse: {streamed / log_s:,.0f} commits/s ({log_s:.2f} s)")

    # 2. SZZ cost.
    fix_re = szz_module.compile_fix_pattern(None)
    scan = scan_history(root, history.RevisionSelection(), fix_re, Progress("never"))
    fixes = scan.fixes
    for label in ("no commit-graph", "commit-graph --changed-paths"):
        if label.startswith("commit-graph"):
            subprocess.run(["git", "commit-graph", "write", "--reachable", "--changed-paths"],
                           cwd=root, check=True, capture_output=True)
        start = time.perf_counter()
        result = szz_module.run_szz(root, fixes, "r")
        szz_s = time.perf_counter() - start
        print(f"SZZ ({label}): {len(fixes) / szz_s:,.1f} fix commits/s ({len(fixes):,} fixes in "
              f"{szz_s:.1f} s; blamed {result.blamed}, ghost {result.ghost}, "
              f"{len(result.inducing):,} fix-inducing)")
    graph = Path(root, ".git", "objects", "info", "commit-graph")
    if graph.exists():
        graph.unlink()  # the end-to-end runs below measure a repository without one

    # 3. Whole audit: time at full size; memory at small vs full size, once as is and once with
    #    a fix pattern that matches nothing (what is left then is what commits alone cost).
    for size in (small, commits):
        rev = shas[size]  # mark :size is the size-th commit: history of exactly `size` commits
        selection = history.RevisionSelection(rev)
        options = AuditOptions(root=root, selection=selection)
        start = time.perf_counter()
        report = run_audit(options, policy)
        total_s = time.perf_counter() - start
        peak = _peak(options, policy)
        no_fixes = _peak(AuditOptions(root=root, selection=selection, fix_pattern=r"(?!x)x"),
                         policy)
        print(f"audit of {report.commits:,} commits: {total_s:.1f} s end to end "
              f"({report.method.fixes:,} fixes, {len(report.failures):,} failure signals); "
              f"tracemalloc peak {peak / 1e6:.2f} MB, {no_fixes / 1e6:.2f} MB without fixes")
    options = AuditOptions(root=root, window_days=90)
    start = time.perf_counter()
    report = run_audit(options, policy)
    print(f"audit of {report.commits:,} commits with --window 90d (blame stops at the window): "
          f"{time.perf_counter() - start:.1f} s")


def _peak(options: AuditOptions, policy: object) -> int:
    tracemalloc.start()
    run_audit(options, policy)  # type: ignore[arg-type]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commits", type=int, default=20_000)
    parser.add_argument("--small", type=int, default=5_000)
    parser.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it")
    args = parser.parse_args()
    os.environ.setdefault("GIT_CONFIG_NOSYSTEM", "1")
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="vetgate-bench-"))
    repo = base / "repo"
    try:
        if repo.exists():
            shutil.rmtree(repo)
        start = time.perf_counter()
        shas = generate(repo, args.commits)
        print(f"generated {args.commits:,} commits in {time.perf_counter() - start:.1f} s")
        bench(str(repo), shas, args.commits, args.small)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
