"""The ``tests: related`` evaluator, and which files it reads before evaluation. The relations
themselves (naming, imports, mappings) are ``vetgate.engine.related``."""

from __future__ import annotations

from collections.abc import Sequence

from vetgate.changes.model import FileChange
from vetgate.engine.related import (
    Relation,
    TestIndex,
    existing_related,
    is_source,
    is_test_for,
    looks_like_test,
    needs_contents,
    no_related_test,
    relations,
    repository_tests,
    suggested_test,
)
from vetgate.engine.requirements import RuleScope
from vetgate.engine.result import RequirementResult
from vetgate.policy.model import Policy, Rule, TestsRequirement

# --- the evaluator --------------------------------------------------------------------------


def split_change(policy: Policy, req: TestsRequirement, files: Sequence[FileChange],
                 changed: Sequence[FileChange], test_matches: Sequence[FileChange] | None
                 ) -> tuple[list[FileChange], list[FileChange], list[str]]:
    """(sources of ``files`` that need a related test, changed tests that can count, files of
    ``files`` no convention or mapping covers). ``test_matches``: the changed files matching
    ``req.patterns`` (None when the requirement gives none)."""
    matching = {f.path for f in test_matches} if test_matches is not None else set()
    tests = [f for f in changed if f.no_content_reason() is None and is_test_for(
        policy, f.path, req.patterns, f.path in matching)]
    test_paths = {t.path for t in tests}
    sources: list[FileChange] = []
    other: list[str] = []
    for file in files:
        if file.no_content_reason() is not None or file.path in test_paths or (
                not req.patterns and looks_like_test(file.path)):
            continue
        if is_source(policy, file.path):
            sources.append(file)
        else:
            other.append(file.path)
    return sources, tests, other


def _short_list(items: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return shown if len(items) <= limit else f"{shown} and {len(items) - limit} more"


def check_related(rule: Rule, req: TestsRequirement, scope: RuleScope) -> RequirementResult:
    """``tests: related``: every changed source file needs a changed test related to it."""
    inputs = scope.inputs
    matches = scope.files_matching(req.patterns) if req.patterns else None
    sources, tests, other = split_change(scope.policy, req, scope.files, scope.change.files,
                                         matches)
    test_paths = [t.path for t in tests]
    met: list[Relation] = []
    missing: list[str] = []
    known: TestIndex | None = None  # the repository's tests, indexed on the first miss
    for source in sources:
        names_of = tuple(p for p in source.paths if p != source.path)
        found = relations(scope.policy, source.path, test_paths, inputs.test_contents,
                          names_of=names_of)
        if len(found) >= req.min:
            met.extend(found)
            continue
        would: list[Relation] = []
        if inputs.repo_files is not None:
            if known is None:
                known = TestIndex(repository_tests(scope.policy, inputs.repo_files,
                                                   req.patterns))
            would = existing_related(scope.policy, source.path, (), tests=known)
        if would:
            missing.append(f"{source.path} (tests that would count: "
                           f"{_short_list([r.test for r in would])})")
        elif inputs.repo_files is not None:
            where = suggested_test(source.path, inputs.repo_files, known)
            missing.append(f"{source.path} ({no_related_test(source.path, where)})")
        else:
            missing.append(f"{source.path} (e.g. {suggested_test(source.path)})")
    details = [r.line() for r in met]
    details += [f"{path}: no test convention for this file type; map it under related_tests: "
                "to require tests" for path in other]
    if not missing:
        counted = len({r.source for r in met})
        message = (f"{counted} changed source {'file comes' if counted == 1 else 'files come'} "
                   "with a related test" if counted else "no changed source file needs a test")
        return RequirementResult(kind="tests", status="pass", paths=tuple(sorted(
            {r.test for r in met})), details=tuple(details), message=message)
    related = {r.test for r in met}
    unrelated = [t for t in test_paths if t not in related]
    if unrelated:
        details.append(f"changed tests related to none of these files: {_short_list(unrelated)}")
    where = "in this commit" if scope.staged else "in this change"
    need = "a test" if req.min == 1 else f"{req.min} tests"
    return RequirementResult(
        kind="tests", status="fail", paths=tuple(s.path for s in sources),
        details=tuple(details),
        message=f"Add or update {need} related to each changed source file {where}: "
        f"{'; '.join(missing[:5])}" + (f"; and {len(missing) - 5} more" if len(missing) > 5
                                        else ""),
    )


def contents_to_read(policy: Policy, changed: Sequence[FileChange]) -> list[FileChange]:
    """Before evaluation: the changed files whose content every ``tests: related`` requirement
    of the rules these files fall under may read (see ``needs_contents``)."""
    matcher = policy.matcher
    if matcher is None:
        return []
    by_rule: dict[str, list[FileChange]] = {}
    for file in changed:
        for rule_id in {r for path in file.paths for r in matcher.rules_for(path)}:
            by_rule.setdefault(rule_id, []).append(file)
    wanted: dict[str, FileChange] = {}
    for rule in policy.rules:
        for req in rule.requirements:
            if not (isinstance(req, TestsRequirement) and req.related) or rule.id not in by_rule:
                continue
            tests_set = req.matcher
            matches = ([f for f in changed if tests_set.match(f.path)]
                       if tests_set is not None and req.patterns else None)
            sources, tests, _other = split_change(policy, req, by_rule[rule.id], changed, matches)
            for file in needs_contents(policy, sources, tests):
                wanted.setdefault(file.path, file)
    return list(wanted.values())
