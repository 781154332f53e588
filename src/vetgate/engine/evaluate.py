"""Evaluation: policy + change + provenance (+ CI evidence) -> an explained ``CheckResult``.

Pure: no git, no network, no printing, no exceptions for evidence it cannot judge (such a rule
comes back with status ``error``). ``vetgate.gate`` gathers the inputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from vetgate.changes.model import ChangeSet, Commit, FileChange
from vetgate.engine.kinds import (
    describe,
    evaluate_rule_requirements,
    pattern_lists,
    requirement_index,
)
from vetgate.engine.requirements import ChangeIndex, EvaluationInputs, RuleScope
from vetgate.engine.result import (
    CheckResult,
    FileResult,
    RequirementResult,
    RuleResult,
    Status,
    Verdict,
)
from vetgate.policy.model import BUILTIN_COVERAGE_RULE_ID, Policy, Rule, SourceLocation
from vetgate.provenance.model import CommitOrigin, Evidence
from vetgate.records import replace

COVERAGE_RULE_ID = BUILTIN_COVERAGE_RULE_ID


class _PathHistory:
    """Which commits of a range touched a file, under any name the file had in the range.

    Renames and copies made by any commit of the range (and by the range diff itself) join the
    names they connect, so AI-written content moved into a protected folder by a later, unmarked
    commit is still traced to the AI commit. Joining is deliberately generous: a name shared by
    unrelated content can only make a file count as AI-origin, never as human.
    """

    def __init__(self, change: ChangeSet) -> None:
        self._parent: dict[str, str] = {}
        for commit in change.commits:
            for old, new in commit.renames:
                self._join(old, new)
        for file in change.files:
            if file.old_path is not None:
                self._join(file.old_path, file.path)
        self._by_name: dict[str, list[int]] = {}
        for position, commit in enumerate(change.commits):
            # A merge's paths are what it wrote itself (content that differs from every parent).
            for path in commit.paths:
                self._by_name.setdefault(self._find(path), []).append(position)
        # Content an AI commit wrote under another name, found without git's rename detection.
        position_of = {commit.sha: position for position, commit in enumerate(change.commits)}
        self._linked: dict[str, list[int]] = {}
        for link in change.content_links:
            if link.sha in position_of:
                self._linked.setdefault(link.path, []).append(position_of[link.sha])

    def _find(self, name: str) -> str:
        parent = self._parent.get(name, name)
        if parent == name:
            return name
        root = self._find(parent)
        self._parent[name] = root
        return root

    def _join(self, a: str, b: str) -> None:
        root_a, root_b = self._find(a), self._find(b)
        if root_a != root_b:
            self._parent[root_a] = root_b

    def positions(self, file: FileChange) -> list[int]:
        """Positions in ``change.commits`` of the commits that touched any name of ``file``."""
        found: set[int] = set(self._linked.get(file.path, ()))
        for path in file.paths:
            found.update(self._by_name.get(self._find(path), ()))
        return sorted(found)


def _touching_commits(change: ChangeSet, file: FileChange,
                      history: _PathHistory | None) -> tuple[Commit, ...]:
    """The commits of the change that touched ``file`` under any of its names.

    A file the range diff shows but no commit touched is attributed to the merge commits, and
    failing those to every commit: the origin of a change must never be guessed in the
    permissive direction.
    """
    if history is None:
        return change.commits
    positions = history.positions(file)
    if positions:
        return tuple(change.commits[p] for p in positions)
    merges = tuple(c for c in change.commits if c.is_merge)
    return merges or change.commits


def _file_origin(commits: Sequence[Commit], origins: Mapping[str | None, CommitOrigin]
                 ) -> Literal["ai", "human"]:
    for commit in commits:
        origin = origins.get(commit.sha)
        if origin is None or origin.counts_as == "ai":
            # A commit without a verdict is treated as AI-origin: fail closed.
            return "ai"
    return "ai" if not commits else "human"


def _fits(scope: str, origin: str) -> bool:
    return scope == "any" or scope == origin


def _rule_status(requirements: Sequence[RequirementResult]) -> Status:
    statuses = {r.status for r in requirements}
    if "error" in statuses:
        return "error"  # undecided outweighs everything: the run cannot be judged
    if "fail" in statuses:
        return "fail"
    if "pending" in statuses:
        return "pending"
    return "pass"


def _ai_evidence(commits: Sequence[Commit], origins: Mapping[str | None, CommitOrigin]
                 ) -> tuple[Evidence, ...]:
    """The AI evidence of ``commits``, each piece naming the commit it was found on."""
    seen: dict[Evidence, None] = {}
    for commit in commits:
        origin = origins.get(commit.sha)
        if origin is None:
            continue
        for item in origin.evidence:
            if item.kind != "human":
                seen.setdefault(replace(item, commit=origin.sha,
                                        commit_subject=origin.subject), None)
    return tuple(seen)


def _rule_result(rule: Rule, policy: Policy, status: Status, *, paths: tuple[str, ...] = (),
                 origin: Literal["ai", "human", "mixed", "none"] = "none",
                 requirements: tuple[RequirementResult, ...] = (),
                 evidence: tuple[Evidence, ...] = (), reason: str = "") -> RuleResult:
    return RuleResult(
        rule=rule.id, source=rule.source, level=rule.level, status=status,
        description=rule.description,
        requires=tuple(describe(r, policy) for r in rule.requirements), paths=paths,
        origin=origin, requirements=requirements, evidence=evidence, reason=reason,
    )


def _evaluate_rule(rule: Rule, policy: Policy, change: ChangeSet,
                   matched: Sequence[FileChange],
                   file_origin: Mapping[FileChange, Literal["ai", "human"]],
                   file_commits: Mapping[FileChange, tuple[Commit, ...]],
                   origins: Mapping[str | None, CommitOrigin],
                   inputs: EvaluationInputs, index: ChangeIndex) -> RuleResult:
    if not matched:
        return _rule_result(rule, policy, "skip", reason="no changed file matches")
    origins_seen = {file_origin[f] for f in matched}
    applicable = tuple(f for f in matched if _fits(rule.origin, file_origin[f]))
    matched_origin: Literal["ai", "human", "mixed"] = (
        "mixed" if len(origins_seen) > 1 else next(iter(origins_seen))
    )
    if not applicable:
        return _rule_result(
            rule, policy, "skip", paths=tuple(f.path for f in matched), origin=matched_origin,
            reason=f"the matching files are {matched_origin}-origin; the rule applies to "
            f"{rule.origin}-origin changes",
        )
    commits = _scope_commits(rule.origin, applicable, file_commits, origins)
    scope = RuleScope(policy=policy, change=change, files=applicable,
                      commits=commits, inputs=inputs, index=index)

    def ai_scope() -> RuleScope | None:
        # Kinds asked of AI-origin changes only (trailer) see the AI-origin part of the scope.
        if rule.origin == "ai":
            return scope
        ai_files = tuple(f for f in applicable if file_origin[f] == "ai")
        if not ai_files:
            return None
        return RuleScope(policy=policy, change=change, files=ai_files,
                         commits=_scope_commits("ai", ai_files, file_commits, origins),
                         inputs=inputs, index=index)

    requirements = evaluate_rule_requirements(rule, scope, ai_scope)
    applicable_origin = {file_origin[f] for f in applicable}
    origin_seen: Literal["ai", "human", "mixed"] = (
        "mixed" if len(applicable_origin) > 1 else next(iter(applicable_origin)))
    reason = ""
    if rule.requirements and not requirements:
        reason = (f"nothing is asked of {origin_seen}-origin changes: "
                  f"{', '.join(r.kind for r in rule.requirements)} only of AI-origin ones")
    return _rule_result(
        rule, policy, _rule_status(requirements),
        paths=scope.paths,
        origin=origin_seen,
        requirements=requirements,
        evidence=(_ai_evidence(scope.commits, origins)
                  + _link_evidence(change, scope.paths, origins)),
        reason=reason,
    )


def _link_evidence(change: ChangeSet, paths: Sequence[str],
                   origins: Mapping[str | None, CommitOrigin]) -> tuple[Evidence, ...]:
    """Why a file counts as written by a commit that never touched its path (naming that
    commit, as every piece of a rule's evidence does)."""
    wanted = set(paths)
    return tuple(
        Evidence(detector="content", kind="ai", where="content link",
                 detail=f"{link.path} has {link.how} as {link.source} written by commit "
                 f"{link.sha[:10]}", commit=link.sha,
                 commit_subject=origin.subject if (origin := origins.get(link.sha)) else "")
        for link in change.content_links if link.path in wanted
    )


def _scope_commits(scope_origin: str, files: Sequence[FileChange],
                   file_commits: Mapping[FileChange, tuple[Commit, ...]],
                   origins: Mapping[str | None, CommitOrigin]) -> tuple[Commit, ...]:
    """The commits that touched ``files`` and whose origin fits ``scope_origin``."""
    commits: dict[str | None, Commit] = {}
    for file in files:
        for commit in file_commits[file]:
            origin = origins.get(commit.sha)
            counts_as = origin.counts_as if origin else "ai"
            if _fits(scope_origin, counts_as):
                commits.setdefault(commit.sha, commit)
    return tuple(commits.values())


def _coverage_result(policy: Policy, uncovered: Sequence[FileChange],
                     evidence: tuple[Evidence, ...]) -> RuleResult | None:
    if policy.coverage == "ignore" or not uncovered:
        return None
    paths = tuple(f.path for f in uncovered)
    source = policy.coverage_source or SourceLocation(
        policy.files[0] if policy.files else "<default policy>", 1)
    requirement = RequirementResult(
        kind="coverage", status="fail", paths=paths,
        message="No rule covers these AI-origin files; add a rule whose paths match them "
        "(or set `coverage: ignore`)",
    )
    return RuleResult(
        rule=COVERAGE_RULE_ID, source=source,
        level="block" if policy.coverage == "fail" else "warn", status="fail",
        description="every AI-origin changed file must be owned by a rule", paths=paths,
        origin="ai", requirements=(requirement,), evidence=evidence,
    )


def _verdict(results: Sequence[RuleResult]) -> Verdict:
    if any(r.status == "fail" and r.level == "block" for r in results):
        return "fail"
    if any(r.status in ("fail", "pending") for r in results):
        return "warn"
    return "pass"


def evaluate(
    policy: Policy,
    change: ChangeSet,
    origins: Sequence[CommitOrigin],
    *,
    inputs: EvaluationInputs | None = None,
    warn_only: bool = False,
) -> CheckResult:
    """Judge ``change`` against ``policy`` and explain every rule's outcome."""
    inputs = inputs or EvaluationInputs()
    by_sha: dict[str | None, CommitOrigin] = {o.sha: o for o in origins}
    matcher = policy.matcher
    file_rules: dict[FileChange, tuple[str, ...]] = {}
    file_origin: dict[FileChange, Literal["ai", "human"]] = {}
    file_commits: dict[FileChange, tuple[Commit, ...]] = {}
    # A range, or a pending merge with the commits it brings in: each file is traced to the
    # commits that touched it.
    history = _PathHistory(change) if change.mode == "range" or len(change.commits) > 1 \
        else None
    for file in change.files:
        ids: dict[str, None] = {}
        if matcher is not None:
            for path in file.paths:
                for rule_id in matcher.rules_for(path):
                    ids.setdefault(rule_id, None)
        file_rules[file] = tuple(ids)
        file_commits[file] = _touching_commits(change, file, history)
        file_origin[file] = _file_origin(file_commits[file], by_sha)

    # Invert once (rule -> its files) rather than scanning every file for every rule: a large
    # change under a large policy would otherwise cost files x rules.
    files_by_rule: dict[str, list[FileChange]] = {}
    for file, rule_ids in file_rules.items():
        for rule_id in rule_ids:
            files_by_rule.setdefault(rule_id, []).append(file)
    index = ChangeIndex(change, pattern_lists(policy), case_sensitive=policy.case_sensitive,
                        index_of_lists=lambda: requirement_index(policy))
    results = []
    for rule in policy.rules:
        matched = files_by_rule.get(rule.id, [])
        results.append(_evaluate_rule(rule, policy, change, matched, file_origin,
                                      file_commits, by_sha, inputs, index))
    uncovered = [
        f for f in change.files
        if file_origin[f] == "ai" and not file_rules[f]
    ]
    coverage_commits: dict[str | None, Commit] = {}
    for file in uncovered:
        for commit in file_commits[file]:
            coverage_commits.setdefault(commit.sha, commit)
    coverage = _coverage_result(policy, uncovered,
                                _ai_evidence(tuple(coverage_commits.values()), by_sha))
    if coverage is not None:
        results.append(coverage)

    ordered_origins = tuple(by_sha[c.sha] for c in change.commits if c.sha in by_sha)
    return CheckResult(
        verdict=_verdict(results),
        mode=change.mode,
        base=change.base,
        head=change.head,
        policy_files=policy.files,
        commits=ordered_origins,
        files=tuple(
            FileResult(change=f, origin=file_origin[f], rules=file_rules[f]) for f in change.files
        ),
        results=tuple(results),
        ci=inputs.ci,
        warn_only=warn_only,
    )
