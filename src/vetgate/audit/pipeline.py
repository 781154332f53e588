"""The audit from start to finish: two streaming passes over history and SZZ in between.

1. A cheap pass (no diffs) finds the newest commit time, the revert commits and the fix commits.
   It keeps only those (a few per cent of history), never every commit.
2. Reverts are resolved to full shas and reverts of reverts cancelled; each fix is blamed (SZZ).
   The result: a small map of failed commit → (signal, by, when).
3. A second pass with ``--numstat`` classifies every commit with the same Classifier the gate
   uses, and counts it into origin/rule/size/month tallies (with two jobs it runs beside 1 and 2,
   its counts spooled to disk until they are done). Memory stays flat.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Iterator, Mapping

from vetgate.audit.aggregate import Aggregator
from vetgate.audit.model import AuditReport, Method
from vetgate.audit.progress import Progress
from vetgate.audit.reverts import (
    TRUNCATED,
    RevertMessage,
    parse_revert,
    pull_request_number,
    reverted_commits,
)
from vetgate.audit.szz import (
    COMMITS_PER_FIX,
    DATA_NAMES,
    DATA_SUFFIXES,
    DEFAULT_FIX_PATTERN,
    SZZ_NAMES,
    VENDORED_DIRS,
    FixCommit,
    SzzResult,
    SzzVariant,
    compile_fix_pattern,
    run_szz,
)
from vetgate.changes import git, history
from vetgate.changes.history import HistoryCommit, RevisionSelection
from vetgate.policy.model import Policy
from vetgate.provenance.model import CommitOrigin, ProvenanceContext
from vetgate.records import field, frozen, replace

# Commits classified per batch of git-ai notes lookups; bounds what a batch holds in memory.
CHUNK = 1000
# Above this many commits, suggest a commit-graph (blame and log get faster with it).
LARGE_HISTORY = 10_000
MANY_FIXES = 200

METHOD_FACTS = {
    "b": "it keeps every blamed commit: recall 0.69, precision 0.39 (Rosa et al., ICSE 2021, "
         "developer-informed oracle of 1,115 fixes).",
    "r": "it keeps the most recent blamed commit per fix: recall 0.57, precision 0.66, the "
         "best F1 (0.61) in Rosa et al., ICSE 2021 (B-SZZ 0.69/0.39; PyDriller 0.67/0.39).",
    "l": "it keeps the largest blamed commit per fix (most lines changed); Rosa et al. (ICSE "
         "2021) found R-SZZ more precise (0.66) and B-SZZ more complete (recall 0.69).",
}
PROXY_NOTE = (
    "Commit-level revert and SZZ rates are a proxy for DORA's deployment-level change-failure "
    "rate, not the same measure."
)


@frozen
class AuditOptions:
    """What to audit and how (the command line, already checked)."""

    root: str
    selection: RevisionSelection = field(default_factory=RevisionSelection)
    szz: SzzVariant = "r"
    window_days: int | None = None
    fix_pattern: str | None = None
    jobs: int | None = None  # blame workers; None: one per core
    write_commit_graph: bool = False  # --write-commit-graph: the user asked for it
    deployments: str | None = None  # --deployments: a tag glob, first-parent:BRANCH, auto, none
    since_label: str | None = None  # --since/--until as the user wrote them (the selection holds
    until_label: str | None = None  # the unix times they resolved to)


@dataclasses.dataclass
class HistoryScan:
    """What the cheap first pass keeps: small, proportional to fixes and reverts only."""

    commits: int = 0
    newest: int | None = None  # the newest commit date of the range
    fixes: list[FixCommit] = dataclasses.field(default_factory=list)
    # revert sha → the names it claims; revert sha → its commit date
    revert_claims: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    revert_times: dict[str, int] = dataclasses.field(default_factory=dict)
    subject_reverts: int = 0  # reverts without a sha line (by subject or pull request number)
    subject_resolved: int = 0  # ... of which found their commit


class _WaitingReverts:
    """Reverts without a sha line, waiting for the nearest older commit they name by subject or
    by pull request number (history streams newest first, so it can only come later)."""

    def __init__(self) -> None:
        self.by_subject: dict[str, list[str]] = {}
        self.truncated: list[tuple[str, RevertMessage]] = []  # GitHub cut the subject with "…"
        self.by_pr: dict[int, list[str]] = {}
        self.claims: dict[str, RevertMessage] = {}

    def add(self, sha: str, claim: RevertMessage) -> None:
        self.claims[sha] = claim
        if claim.subject is not None and claim.subject.endswith(TRUNCATED):
            self.truncated.append((sha, claim))
        elif claim.subject is not None:
            self.by_subject.setdefault(claim.subject, []).append(sha)
        if claim.pr is not None:
            self.by_pr.setdefault(claim.pr, []).append(sha)

    def match(self, subject: str) -> list[str]:
        """The waiting reverts that name a commit with ``subject``; they stop waiting."""
        if not self.claims:
            return []
        found = list(self.by_subject.pop(subject, ()))
        number = pull_request_number(subject)
        if number is not None:
            found += self.by_pr.pop(number, ())
        if self.truncated:
            found += [sha for sha, claim in self.truncated if claim.matches_subject(subject)]
        matched = [sha for sha in dict.fromkeys(found) if self.claims.pop(sha, None) is not None]
        if matched and self.truncated:
            self.truncated = [(sha, c) for sha, c in self.truncated if sha in self.claims]
        return matched


def scan_history(root: str, selection: RevisionSelection, fix_re: re.Pattern[str],
                 progress: Progress) -> HistoryScan:
    """The first pass: count commits, find the newest date, the reverts and the fix commits.

    Merges stream by too, uncounted: a revert may name one by subject or pull request number.
    A revert is never a fix, whatever its message says (``Revert "fix: x"``).
    """
    scan = HistoryScan()
    waiting = _WaitingReverts()
    # Sha lines in a commit whose subject is no revert: a revert only if a named commit is here.
    implicit: dict[str, tuple[RevertMessage, FixCommit | None, int]] = {}
    for entry in history.iter_log(root, selection, merges=True):
        for revert in waiting.match(entry.subject):
            scan.revert_claims[revert] = (entry.sha,)
            scan.subject_resolved += 1
        if len(entry.parents) > 1:
            continue
        scan.commits += 1
        if scan.newest is None or entry.commit_time > scan.newest:
            scan.newest = entry.commit_time
        claim = parse_revert(entry.message)
        if claim is not None and not claim.explicit:
            fix = None
            if fix_re.search(entry.message):
                fix = FixCommit(entry.sha, entry.parents[0] if entry.parents else None,
                                entry.commit_time)
            implicit[entry.sha] = (claim, fix, entry.commit_time)
        elif claim is not None:
            scan.revert_times[entry.sha] = entry.commit_time
            if claim.shas:
                scan.revert_claims[entry.sha] = claim.shas
            else:
                scan.subject_reverts += 1
                waiting.add(entry.sha, claim)
        elif fix_re.search(entry.message):
            parent = entry.parents[0] if entry.parents else None
            scan.fixes.append(FixCommit(entry.sha, parent, entry.commit_time))
        if scan.commits % 100 == 0:
            progress.step("scanning history", scan.commits)
    _settle_implicit(root, scan, implicit)
    return scan


def _settle_implicit(root: str, scan: HistoryScan,
                     implicit: Mapping[str, tuple[RevertMessage, FixCommit | None, int]]
                     ) -> None:
    """Commits whose body has "This reverts commit" lines under a subject that is no revert: a
    revert when one of the named commits is in the repository, else an ordinary commit (and a
    fix, if its message says so)."""
    if not implicit:
        return
    resolved = history.resolve_commits(root, {sha for claim, _, _ in implicit.values()
                                              for sha in claim.shas})
    for sha, (claim, fix, commit_time) in implicit.items():
        if any(resolved.get(name) for name in claim.shas):
            scan.revert_claims[sha] = claim.shas
            scan.revert_times[sha] = commit_time
        elif fix is not None:
            scan.fixes.append(fix)


def resolve_reverts(root: str, scan: HistoryScan) -> tuple[dict[str, tuple[str, ...]], int]:
    """Revert sha → full shas it reverts; and how many claims named no commit here.

    A revert of a merge reverts the commits the merge brought in (``M^1..M``, without merges):
    merges are not in the commit population, what they merged is.
    """
    names = {name for claims in scan.revert_claims.values() for name in claims}
    resolved = history.resolve_commits(root, names)
    full_names = {sha for sha in resolved.values() if sha}
    merged = {sha: history.merged_commits(root, sha)
              for sha, facts in history.commit_parents(root, full_names).items()
              if len(facts) > 1}
    targets: dict[str, tuple[str, ...]] = {}
    unresolved = 0
    for revert, claims in scan.revert_claims.items():
        full = [sha for sha in (resolved.get(name) for name in claims) if sha]
        unresolved += len(claims) - len(full)
        expanded = tuple(dict.fromkeys(
            inner for sha in full for inner in merged.get(sha, (sha,)) if inner != revert
        ))
        if expanded:
            targets[revert] = expanded
    return targets, unresolved


def _classified(root: str, commits: Iterator[HistoryCommit],
                classify: Callable[[HistoryCommit, ProvenanceContext], CommitOrigin],
                read_notes: Callable[[str, list[str]], Mapping[str, str]] | None,
                traces: Mapping[str, tuple[Mapping[str, object], ...]],
                ) -> Iterator[tuple[HistoryCommit, CommitOrigin]]:
    """Classify commits; with git-ai notes in chunks, so notes are read once per chunk."""
    if read_notes is None:
        context = ProvenanceContext(traces=traces)
        for item in commits:
            yield item, classify(item, context)
        return
    chunk: list[HistoryCommit] = []

    def flush() -> Iterator[tuple[HistoryCommit, CommitOrigin]]:
        assert read_notes is not None
        notes = read_notes(root, [item.commit.sha or "" for item in chunk])
        context = ProvenanceContext(notes=notes, traces=traces)
        for item in chunk:
            yield item, classify(item, context)

    for item in commits:
        chunk.append(item)
        if len(chunk) >= CHUNK:
            yield from flush()
            chunk = []
    if chunk:
        yield from flush()


def _rule_lookup(policy: Policy) -> Callable[[str], tuple[str, ...]]:
    """``path → rule ids`` with a bounded cache (the same paths recur across history)."""
    matcher = policy.matcher
    if matcher is None:
        from vetgate.policy.pattern_index import PathMatcher

        matcher = PathMatcher([(rule.id, rule.paths) for rule in policy.rules],
                              case_sensitive=policy.case_sensitive)
    cache: dict[str, tuple[str, ...]] = {}
    rules_for = matcher.rules_for

    def lookup(path: str) -> tuple[str, ...]:
        found = cache.get(path)
        if found is None:
            if len(cache) >= 50_000:
                cache.clear()
            found = cache[path] = rules_for(path)
        return found

    return lookup


def make_classifier(policy: Policy) -> Callable[[HistoryCommit, ProvenanceContext], CommitOrigin]:
    """The gate's own Classifier, configured by the policy's ``origin:`` section."""
    from vetgate.provenance.classify import Classifier

    classifier = Classifier(policy.origin)

    def classify(item: HistoryCommit, context: ProvenanceContext) -> CommitOrigin:
        return classifier.classify(item.commit, context)

    return classify


def notes_reader(root: str) -> Callable[[str, list[str]], Mapping[str, str]] | None:
    """``read_ai_notes`` when the repository has git-ai notes; None (no lookups) otherwise."""
    if not history.has_ref(root, "refs/notes/ai", "refs/ai/authorship"):
        return None
    from vetgate.changes.notes import read_ai_notes

    return read_ai_notes


def pin_range(rev_range: str, head: str) -> str:
    """``rev_range`` with its end replaced by the sha it resolved to, so that both passes read
    the same history even if a branch moves while the audit runs."""
    if not head:
        return rev_range
    for dots in ("...", ".."):
        if dots in rev_range:
            start = rev_range.split(dots, 1)[0]
            return f"{start}{dots}{head}"
    return head


def agent_traces(root: str, head: str) -> Mapping[str, tuple[Mapping[str, object], ...]]:
    """Agent Trace records committed in the tree as of the range's end (one git process)."""
    if not head:
        return {}
    from vetgate.changes.notes import read_agent_traces

    return read_agent_traces(root, head)


def _blames_each_fix(scan: HistoryScan, shallow: bool) -> bool:
    """True when the fixes will be blamed one by one (``git blame``), not settled by the
    forward pass over history (szz.run_szz says when that runs; with a window too)."""
    return shallow or scan.commits > COMMITS_PER_FIX * len(scan.fixes)


def _commit_graph(root: str, options: AuditOptions, scan: HistoryScan,
                  note: Callable[[str], None], shallow: bool) -> None:
    """Write a commit-graph when asked; otherwise offer it where it pays (never silently): where
    fixes are blamed one by one, which is what it speeds up."""
    if history.commit_graph_present(root):
        return
    if options.write_commit_graph:
        history.write_commit_graph(root)
        note("wrote a commit-graph with changed-path filters (--write-commit-graph)")
    elif ((scan.commits >= LARGE_HISTORY or len(scan.fixes) >= MANY_FIXES)
          and _blames_each_fix(scan, shallow)):
        note(
            f"hint: {scan.commits:,} commits, {len(scan.fixes):,} fixes to blame and no "
            "commit-graph: one with changed-path filters made blame about 2x faster in our "
            "benchmark (docs/audit.md); add --write-commit-graph, or run `git commit-graph write "
            "--reachable --changed-paths` (vetgate never writes it unasked)"
        )


Counted = tuple[str, str, int, int, dict[str, int], str | None]


@frozen
class _Signals:
    """What the first pass and SZZ found: the failure signals the counts wait for."""
    scan: HistoryScan
    shallow: bool
    targets: dict[str, tuple[str, ...]]
    unresolved: int
    szz: SzzResult


def _counted(root: str, selection: RevisionSelection, head: str, policy: Policy,
             classify: Callable[[HistoryCommit, ProvenanceContext], CommitOrigin] | None,
             progress: Progress, total: int | None) -> Iterator[Counted]:
    """The second pass: every commit classified, as what ``Aggregator.add`` counts (sha,
    origin, commit time, lines, lines per rule, how the policy counts it)."""
    rules_for = _rule_lookup(policy)
    classify = classify or make_classifier(policy)
    stream = history.iter_history(root, selection)
    for done, (item, verdict) in enumerate(
        _classified(root, stream, classify, notes_reader(root), agent_traces(root, head)), 1
    ):
        rule_lines: dict[str, int] = {}
        for stat in item.files:
            paths = (stat.path,) if stat.old_path is None else (stat.path, stat.old_path)
            matched: set[str] = set()
            for path in paths:
                matched.update(rules_for(path))
            for rule in matched:
                rule_lines[rule] = rule_lines.get(rule, 0) + stat.lines
        yield (item.commit.sha or "", verdict.origin, item.commit.commit_time, item.lines,
               rule_lines, verdict.counts_as)
        if done % 100 == 0 or done == total:
            progress.step("classifying", done, total)


def run_audit(options: AuditOptions, policy: Policy, *, progress: Progress | None = None,
              classify: Callable[[HistoryCommit, ProvenanceContext], CommitOrigin] | None = None,
              ) -> AuditReport:
    """Audit ``options.selection`` of the repository at ``options.root`` under ``policy``."""
    progress = progress or Progress("never")
    root = options.root
    fix_re = compile_fix_pattern(options.fix_pattern)
    head = history.check_history(root, options.selection)
    selection = replace(options.selection,
                        rev_range=pin_range(options.selection.rev_range, head))

    window = options.window_days * 86_400 if options.window_days else None

    def signals(progress: Progress, note: Callable[[str], None],
                on_progress: Callable[[int, int], None] | None) -> _Signals:
        scan = scan_history(root, selection, fix_re, progress)
        shallow = history.is_shallow(root)
        _commit_graph(root, options, scan, note, shallow)
        targets, unresolved = resolve_reverts(root, scan)
        szz = run_szz(root, scan.fixes, options.szz, revert_targets=targets,
                      shallow=history.shallow_commits(root) if shallow else (),
                      window_seconds=window, on_progress=on_progress, workers=options.jobs,
                      head=head)
        return _Signals(scan, shallow, targets, unresolved, szz)

    if (options.jobs or os.cpu_count() or 1) > 1:
        # Two cores: first pass and SZZ beside the classifying pass (audit.spool says how).
        from vetgate.audit import spool

        def work() -> tuple[_Signals, list[str]]:
            notes: list[str] = []
            return signals(Progress("never"), notes.append, None), notes

        (found, notes), spooled = spool.beside(
            work, _counted(root, selection, head, policy, classify, progress, None))
        for text in notes:
            progress.note(text)
        progress.step("blaming fixes", found.szz.fixes, found.szz.fixes, unit="fixes")
        records: Iterator[Counted] = spool.replay(spooled)
    else:
        found = signals(progress, progress.note,
                        lambda done, total: progress.step("blaming fixes", done, total,
                                                          unit="fixes"))
        records = _counted(root, selection, head, policy, classify, progress, found.scan.commits)
    scan, shallow, szz = found.scan, found.shallow, found.szz
    reverted = reverted_commits(found.targets, scan.revert_times)
    cutoff = scan.newest - window if window is not None and scan.newest is not None else None
    rule_ids = [rule.id for rule in policy.rules]
    from vetgate.audit.deployments import tracker

    deployments = tracker(root, options.deployments)
    aggregator = Aggregator(rule_ids, reverted=reverted, inducing=szz.inducing,
                            window_seconds=window, cutoff_time=cutoff, deployments=deployments)
    for record in records:
        aggregator.add(*record)
    progress.done()

    signalled = set(reverted) | set(szz.inducing)
    method = Method(
        szz=options.szz,
        fix_pattern=options.fix_pattern or DEFAULT_FIX_PATTERN,
        fix_pattern_is_default=options.fix_pattern is None,
        window_days=options.window_days,
        window_reference=scan.newest if window is not None else None,
        fixes=szz.fixes,
        fixes_blamed=szz.blamed,
        ghost_fixes=szz.ghost,
        data_only_fixes=szz.data_only,
        fixes_without_parent=szz.no_parent,
        reverts=len(scan.revert_times),
        reverts_unresolved=found.unresolved + scan.subject_reverts - scan.subject_resolved,
        candidates_ignored=szz.candidates_ignored,
        failures_outside_range=len(signalled - aggregator.seen_failed),
        excluded_young=aggregator.excluded_young,
        shallow=shallow,
        skipped_paths=(*(f"*{s}" for s in DATA_SUFFIXES), *DATA_NAMES,
                       *(f"{d}/" for d in VENDORED_DIRS)),
        notes=_notes(options, szz.ghost, shallow),
    )
    return AuditReport(
        range=options.selection.rev_range,
        head=head,
        since=options.since_label or options.selection.since,
        until=options.until_label or options.selection.until,
        commits=aggregator.commits,
        commits_in_rates=aggregator.commits_in_rates,
        first_time=aggregator.first_time,
        last_time=aggregator.last_time,
        origins=aggregator.origin_stats(),
        counted=aggregator.counted_stats(),
        unknown_counts_as=policy.origin.unknown,
        rules=aggregator.rule_stats(),
        rule_descriptions={rule.id: rule.description for rule in policy.rules},
        size_buckets=aggregator.size_stats(),
        periods=aggregator.periods(),
        failures=tuple(aggregator.failures),
        method=method,
        policy_files=policy.files,
        deployments=None if deployments is None else deployments.freeze(),
        repository=git.repository_name(root),
    )


def _notes(options: AuditOptions, ghosts: int, shallow: bool) -> tuple[str, ...]:
    notes = [
        f"SZZ variant {SZZ_NAMES[options.szz]}: {METHOD_FACTS[options.szz]}",
        PROXY_NOTE,
        "Fix commits are found by their message (a heuristic): unlabelled fixes are missed and "
        "labelled non-fixes are counted.",
        f"Ghost fixes ({ghosts}) only add lines; they cannot be blamed and induce no failure.",
        "Reverts of reverts restore the original: the original is not counted as reverted.",
    ]
    if options.window_days:
        notes.append(
            f"Window {options.window_days} days: a revert or fix counts only within "
            f"{options.window_days} days after the commit, and commits younger than that "
            "(relative to the newest commit in the range) are left out of the rates."
        )
    else:
        notes.append("No window: failures count whenever they came, so older commits had "
                     "longer to fail than recent ones; consider --window 90d.")
    if shallow:
        notes.append("Shallow clone: history is cut off, fixes of older code cannot be blamed; "
                     "fetch full history (fetch-depth: 0) for complete numbers.")
    return tuple(notes)
