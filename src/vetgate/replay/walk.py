"""Walk the changes that reached a branch and judge each with two policies.

Every change goes through ``vetgate.gate.pipeline.judge`` exactly as ``check --range C^1..C``
sends it (no code host: reviews come only from a ``--reviews`` file), once with the proposed
policy and once with the policy it is compared against. Only a small summary of each change is
kept, so memory stays flat in the number of changes.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Literal

from vetgate.changes.model import ChangeSet
from vetgate.engine.result import CheckResult, RuleResult
from vetgate.hosts.model import ReviewEvidence
from vetgate.policy.model import BUILTIN_COVERAGE_RULE_ID, Policy
from vetgate.records import frozen, replace
from vetgate.replay.model import (
    OUTCOMES,
    SIDES,
    ChangeVerdict,
    Counts,
    Outcome,
    ReplayedChange,
    ReplayReport,
    RuleOutcome,
)


@frozen
class Side:
    """One of the two policies, and where it was read (for the report)."""

    policy: Policy
    source: str


def outcome(result: RuleResult) -> Outcome:
    """How one rule's result counts in a replay: ``pending`` (review and label evidence is not
    in git) and ``error`` are unknown, never met."""
    if result.status == "skip":
        return "skipped"
    if result.status in ("pending", "error"):
        return "unknown"
    if result.status == "fail":
        return "blocked" if result.level == "block" else "warned"
    return "passed"


def verdict(result: CheckResult) -> ChangeVerdict:
    """fail when a block rule blocks; unknown when a block rule cannot be judged; warn when a
    warn rule fails or cannot be judged; else pass."""
    outcomes = [(r.level, outcome(r)) for r in result.results]
    if ("block", "blocked") in outcomes:
        return "fail"
    if ("block", "unknown") in outcomes:
        return "unknown"
    if any(o in ("warned", "unknown") for _level, o in outcomes):
        return "warn"
    return "pass"


def _origin(result: CheckResult) -> Literal["ai", "human", "unknown"]:
    origins = {c.origin for c in result.commits}
    if "ai" in origins:
        return "ai"
    return "unknown" if "unknown" in origins else "human"


def _message(result: RuleResult) -> str:
    for requirement in result.requirements:
        if requirement.status in ("fail", "error", "pending"):
            return requirement.message
    return result.reason if result.status != "pass" else ""


def _reviews_for(evidence: ReviewEvidence | None, change: ChangeSet) -> ReviewEvidence | None:
    """The reviews of the file that can speak about ``change`` — those of one of its commits (a
    review of another pull request's commit is not a review of this one) and those that name no
    commit — then the latest decisive one per user. ``evidence`` holds every review of the file
    (``load_reviews_file(decisive=False)``)."""
    if evidence is None:
        return None
    from vetgate.hosts.evidence import latest_decisive

    shas = {c.sha for c in change.commits if c.sha}
    kept = [r for r in evidence.reviews if r.commit_id is None or r.commit_id in shas]
    return replace(evidence, reviews=latest_decisive(kept))


def summarise(change: ChangeSet, proposed: CheckResult, against: CheckResult
              ) -> ReplayedChange:
    """The part of two results a replay keeps: verdicts and the rules that applied."""
    by_side = [{r.rule: r for r in res.results} for res in (proposed, against)]
    ids = list(dict.fromkeys([*by_side[0], *by_side[1]]))
    rules = []
    for rule in ids:
        mine, theirs = by_side[0].get(rule), by_side[1].get(rule)
        pair = (outcome(mine) if mine else None, outcome(theirs) if theirs else None)
        if all(o in (None, "skipped") for o in pair):
            continue
        message = (_message(mine) if mine else "") or (_message(theirs) if theirs else "")
        rules.append(RuleOutcome(rule=rule, proposed=pair[0], against=pair[1], message=message))
    head = change.commits[-1] if change.commits else None
    return ReplayedChange(
        sha=change.head or "", subject=head.subject if head else "",
        origin=_origin(proposed),
        commits=len(change.commits), proposed=verdict(proposed), against=verdict(against),
        rules=tuple(rules),
    )


def _rule_ids(policy: Policy) -> list[str]:
    """The rules a policy has: its own, and the coverage rule unless ``coverage: ignore``."""
    ids = [rule.id for rule in policy.rules]
    return ids + ([BUILTIN_COVERAGE_RULE_ID] if policy.coverage != "ignore" else [])


def _count(counts: dict[str, dict[str, Counter[str] | None]],
           results: tuple[CheckResult, CheckResult]) -> None:
    for side_name, result in zip(SIDES, results, strict=True):
        seen = {r.rule: outcome(r) for r in result.results}
        for rule, sides in counts.items():
            tally = sides[side_name]
            if tally is not None:
                # The coverage rule is reported only when it fails: absent, it was met.
                tally[seen.get(rule, "passed")] += 1


def replay(root: str, proposed: Side, against: Side, *, head: str = "HEAD",
           last: int | None = None, base: str | None = None,
           reviews: ReviewEvidence | None = None, reviews_source: str | None = None,
           budget: float | None = None, workers: int = 2,
           clock: Callable[[], float] = time.monotonic) -> ReplayReport:
    """Judge each change that reached ``head`` (the last ``last``, or those not in ``base``)
    with both policies. ``budget`` (seconds): stop early, with a note, when it runs out."""
    from vetgate.changes.landed import landed_changes
    from vetgate.changes.notes import (
        has_ai_notes,
        read_agent_traces,
        read_ai_notes,
        traces_in_history,
    )
    from vetgate.changes.repo import resolve
    from vetgate.gate.pipeline import JudgeInputs, judge

    head_sha = resolve(root, head)
    notes_present = has_ai_notes(root)
    traces_present = traces_in_history(root, head_sha)
    has = [set(_rule_ids(side.policy)) for side in (proposed, against)]
    counts: dict[str, dict[str, Counter[str] | None]] = {
        rule: {name: Counter() if rule in has[i] else None for i, name in enumerate(SIDES)}
        for rule in dict.fromkeys([*_rule_ids(proposed.policy), *_rule_ids(against.policy)])
    }
    changes: list[ReplayedChange] = []
    note = None
    policy_files = {".vetgate.yaml", *proposed.policy.files, *against.policy.files}
    policy_changed: list[str] = []
    started = clock()
    walk = landed_changes(root, head_sha, last=last, base=base, workers=workers)
    try:
        for _landed, change in walk:
            if budget is not None and clock() - started > budget:
                note = (f"stopped after {len(changes)} changes: the replay budget of {budget:g} s "
                        "ran out (raise it with --replay-budget)")
                break
            shas = [c.sha for c in change.commits if c.sha]
            inputs = JudgeInputs(
                notes=read_ai_notes(root, shas) if notes_present else {},
                traces=read_agent_traces(root, change.head or head_sha)
                if traces_present else {},
                reviews=_reviews_for(reviews, change),
            )
            results = (judge(root, proposed.policy, change, inputs),
                       judge(root, against.policy, change, inputs))
            _count(counts, results)
            changes.append(summarise(change, *results))
            if change.base is not None and any(  # (a root commit has nothing before it)
                    path in policy_files for f in change.files for path in f.paths):
                policy_changed.append(change.head or "")
    finally:
        walk.close()
    frozen: Mapping[str, Mapping[str, Counts | None]] = {
        rule: {side: Counts(**{o: tally[o] for o in OUTCOMES}) if tally is not None else None
               for side, tally in sides.items()}
        for rule, sides in counts.items()}
    return ReplayReport(
        policy=proposed.source, against=against.source, head=head_sha, requested=last,
        changes=tuple(changes), rules=frozen, reviews=reviews_source, note=note,
        policy_changed=tuple(policy_changed),
    )
