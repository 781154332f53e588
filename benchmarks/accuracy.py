"""Provenance accuracy on real history (issue 11.3).

Runs vetgate's classifier over ``../shared/corpus/real-commits.jsonl.gz`` (public commits from
six repositories where agents write much of the code) and compares it with

1. an **independent reference for strong marks**, written apart from the catalog and kept
   deliberately simple (``REFERENCE_ADDRESSES``, ``REFERENCE_FOOTERS`` below: a handful of
   exact agent addresses and footers, matched as author, committer or a whole co-author line
   anywhere in the message): recall per repository;
2. every commit vetgate flags that the reference does not, counted by the catalog entry that
   fired;
3. the hand-labelled sample in ``benchmarks/accuracy_labels.csv`` (``sha, repo, label,
   reason``; label ``ai`` = a person reading the commit sees an AI mark, ``none`` = no AI mark):
   false positives (flagged, labelled none) and false negatives (labelled ai, not flagged).

    python benchmarks/accuracy.py [--corpus PATH] [--sample N]   # --sample: print a new sample

Exits 0 when the goals hold (recall ≥ 99.5% in every repository, no false positive in the
labelled sample), 1 when not, and 0 with a message when the corpus is absent.
"""

from __future__ import annotations

import argparse
import collections
import csv
import gzip
import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vetgate.changes.model import Commit, Identity
from vetgate.provenance.classify import Classifier
from vetgate.provenance.model import CommitOrigin

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "corpus" / "real-commits.jsonl.gz"
LABELS = HERE / "accuracy_labels.csv"
RECALL_GOAL = 0.995

# The reference: exact addresses agents commit or co-author with (MARKERS.md, confidence H),
# written out by hand here, not read from the catalog.
REFERENCE_ADDRESSES = frozenset({
    "noreply@anthropic.com",
    "209825114+claude[bot]@users.noreply.github.com",
    "41898282+claude[bot]@users.noreply.github.com",
    "198982749+copilot@users.noreply.github.com",
    "cursoragent@cursor.com",
    "noreply@openai.com",
    "aider@aider.chat",
    "openhands@all-hands.dev",
    "158243242+devin-ai-integration[bot]@users.noreply.github.com",
    "161369871+google-labs-jules[bot]@users.noreply.github.com",
    "amp@ampcode.com",
})
REFERENCE_FOOTERS = ("generated with [claude code]", "generated with claude code")
_IDENT = re.compile(r"^(.*?)\s*<([^<>]*)>\s*$")
_COAUTHOR = re.compile(r"^co-authored-by:.*<([^<>]+)>\s*$", re.I)


def read_corpus(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def identity(text: str) -> Identity:
    match = _IDENT.match(text)
    return Identity(match.group(1), match.group(2)) if match else Identity(text, "")


def to_commit(row: dict[str, Any]) -> Commit:
    return Commit(sha=row["sha"], parents=("0" * 40,) * int(row.get("parents", 1)),
                  author=identity(row["author"]), committer=identity(row["committer"]),
                  author_time=0, commit_time=0, message=row["message"])


def reference_mark(row: dict[str, Any]) -> str | None:
    """What strong mark the simple reference sees, or None."""
    for role in ("author", "committer"):
        if identity(row[role]).email.lower() in REFERENCE_ADDRESSES:
            return f"{role} address"
    for raw in row["message"].split("\n")[1:]:
        line = raw.strip().lower()
        if raw[:1] in (" ", "\t", ">"):
            continue
        match = _COAUTHOR.match(line)
        if match and match.group(1).strip() in REFERENCE_ADDRESSES:
            return "co-author line"
        if line.lstrip("🤖 ").startswith(REFERENCE_FOOTERS):
            return "claude code footer"
    return None


def classify_all(rows: list[dict[str, Any]]) -> dict[str, CommitOrigin]:
    classifier = Classifier()
    return {row["sha"]: classifier.classify(to_commit(row)) for row in rows}


def read_labels() -> dict[str, tuple[str, str, str]]:
    if not LABELS.exists():
        return {}
    with LABELS.open(encoding="utf-8", newline="") as handle:
        return {row["sha"]: (row["repo"], row["label"], row["reason"])
                for row in csv.DictReader(handle)}


def sample(rows: list[dict[str, Any]], origins: dict[str, CommitOrigin], per_cell: int,
           seed: int = 11) -> list[dict[str, Any]]:
    """``per_cell`` flagged and ``per_cell`` unflagged commits of every repository."""
    rng = random.Random(seed)
    cells: dict[tuple[str, bool], list[dict[str, Any]]] = collections.defaultdict(list)
    for row in rows:
        cells[(row["repo"], origins[row["sha"]].origin == "ai")].append(row)
    picked = []
    for key in sorted(cells):
        group = cells[key]
        picked.extend(rng.sample(group, min(per_cell, len(group))))
    return picked


def report(rows: list[dict[str, Any]], origins: dict[str, CommitOrigin]) -> tuple[str, bool]:
    by_repo: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0, 0, 0])
    outside: collections.Counter[str] = collections.Counter()
    missed: list[str] = []
    for row in rows:
        flagged = origins[row["sha"]].origin == "ai"
        strong = reference_mark(row) is not None
        stats = by_repo[row["repo"]]
        stats[0] += 1
        stats[1] += strong
        stats[2] += strong and flagged
        stats[3] += flagged
        if strong and not flagged:
            missed.append(f"{row['repo']} {row['sha'][:10]} ({reference_mark(row)})")
        if flagged and not strong:
            entries = sorted({e.entry or "?" for e in origins[row["sha"]].evidence
                              if e.kind != "human"})
            outside[" + ".join(entries)] += 1
    ok = True
    lines = ["| repository | commits | strong marks (reference) | found by vetgate | recall | "
             "flagged ai |", "|---|---:|---:|---:|---:|---:|"]
    for repo in sorted(by_repo):
        total, strong, found, flagged = by_repo[repo]
        recall = found / strong if strong else 1.0
        ok = ok and recall >= RECALL_GOAL
        lines.append(f"| {repo} | {total:,} | {strong:,} | {found:,} | {recall:.2%} | "
                     f"{flagged:,} |")
    lines += ["", "Flags outside the reference, by the catalog entries that fired:", "",
              "| entries | commits |", "|---|---:|"]
    lines += [f"| {name} | {count:,} |" for name, count in outside.most_common()]
    if missed:
        lines += ["", "Strong marks missed:", *[f"- {item}" for item in missed]]
    labels = read_labels()
    fp = [sha for sha, (_r, label, _w) in labels.items()
          if label == "none" and sha in origins and origins[sha].origin == "ai"]
    fn = [sha for sha, (_r, label, _w) in labels.items()
          if label == "ai" and sha in origins and origins[sha].origin != "ai"]
    repos = collections.Counter(repo for repo, _l, _w in labels.values())
    lines += ["", f"Hand-labelled sample: {len(labels)} commits "
              f"({', '.join(f'{r} {n}' for r, n in sorted(repos.items()))}); "
              f"{sum(1 for _r, lab, _w in labels.values() if lab == 'ai')} labelled ai; "
              f"false positives {len(fp)}, false negatives {len(fn)}."]
    lines += [f"- false positive: {sha}" for sha in fp]
    lines += [f"- false negative: {sha}" for sha in fn]
    ok = ok and not fp and len(labels) >= 200
    return "\n".join(lines), ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--sample", type=int, default=0,
                        help="print a stratified sample of N per (repository, flagged) cell")
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"skipped: {args.corpus} is absent (the shared corpus sits beside the clone as "
              "../shared; see README)")
        return 0
    rows = list(read_corpus(args.corpus))
    origins = classify_all(rows)
    if args.sample:
        for row in sample(rows, origins, args.sample):
            co = origins[row["sha"]]
            print(json.dumps({"sha": row["sha"], "repo": row["repo"], "vetgate": co.origin,
                              "evidence": [e.describe() for e in co.evidence],
                              "author": row["author"], "committer": row["committer"],
                              "message": row["message"][:700]}, ensure_ascii=False))
        return 0
    text, ok = report(rows, origins)
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
