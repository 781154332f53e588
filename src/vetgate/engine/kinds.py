"""The registry of requirement kinds: the one place that says, for each kind, how it is evaluated,
how it is described, which changes it asks something of, which evidence it needs gathered before
evaluation, and which path patterns it matches changed files against.

``check`` (through the engine), ``explain``, the hooks and the reports all read it, so what
``explain`` says a path needs is what ``check`` then requires (a property test holds them to it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from vetgate.engine import requirements as ev
from vetgate.engine.result import RequirementResult
from vetgate.policy.model import (
    ForbidRequirement,
    LabelRequirement,
    MaxLinesRequirement,
    Policy,
    Requirement,
    ReviewRequirement,
    Rule,
    SignedRequirement,
    TestsRequirement,
    TrailerRequirement,
)
from vetgate.records import frozen

if TYPE_CHECKING:
    from vetgate.policy.pattern_index import PatternIndex

# What a kind needs gathered before evaluation (the engine itself reads no git and no host).
EvidenceNeed = Literal["reviews", "labels", "signatures", "test_contents", "repo_files"]
Origin = Literal["ai", "human"]

R = TypeVar(
    "R", ForbidRequirement, TestsRequirement, ReviewRequirement, TrailerRequirement,
    LabelRequirement, MaxLinesRequirement, SignedRequirement,
)

_FRESHNESS_NOTES = {
    "content": "an approval keeps counting while the files it covers keep the content it saw",
    "head": "only approvals of the head commit count",
    "any": "an approval of any commit of the change counts",
}


def _plural(count: int, singular: str) -> str:
    return f"{count} {singular if count == 1 else singular + 's'}"


def _no_patterns(requirement: Any) -> tuple[tuple[str, ...], ...]:
    return ()


@frozen
class Kind(Generic[R]):
    """One requirement kind. ``ai_only``: asked only of the AI-origin files and commits a rule
    matches, even under ``origin: any`` (a human commit has nothing to mark)."""

    name: str
    type: type[R]
    evaluator: Callable[[Rule, R, ev.RuleScope], RequirementResult]
    describer: Callable[[R, Policy], str]
    evidence: frozenset[EvidenceNeed] = frozenset()
    ai_only: bool = False
    patterner: Callable[[R], tuple[tuple[str, ...], ...]] = _no_patterns
    # Evidence that depends on the requirement's own settings (beyond ``evidence``).
    needer: Callable[[R], frozenset[EvidenceNeed]] | None = None

    def evaluate(self, rule: Rule, requirement: Requirement, scope: ev.RuleScope
                 ) -> RequirementResult:
        """Evaluate ``requirement`` (of this kind) of ``rule`` over ``scope``."""
        if not isinstance(requirement, self.type):
            raise TypeError(f"{self.name} cannot evaluate {requirement!r}")
        return self.evaluator(rule, requirement, scope)

    def describe(self, requirement: Requirement, policy: Policy) -> str:
        """One sentence saying what ``requirement`` asks for."""
        if not isinstance(requirement, self.type):
            raise TypeError(f"{self.name} cannot describe {requirement!r}")
        return self.describer(requirement, policy)

    def needs(self, requirement: Requirement) -> frozenset[EvidenceNeed]:
        """The evidence ``requirement`` needs gathered before evaluation."""
        if not isinstance(requirement, self.type):
            raise TypeError(f"{self.name} cannot read {requirement!r}")
        return self.evidence | (self.needer(requirement) if self.needer else frozenset())

    def patterns(self, requirement: Requirement) -> tuple[tuple[str, ...], ...]:
        """The pattern lists ``requirement`` matches changed files against."""
        if not isinstance(requirement, self.type):
            raise TypeError(f"{self.name} cannot read {requirement!r}")
        return self.patterner(requirement)


# --- descriptions -------------------------------------------------------------------------------


def _describe_forbid(req: ForbidRequirement, policy: Policy) -> str:
    return f"forbid: not allowed at all — {req.message}"


def _describe_tests(req: TestsRequirement, policy: Policy) -> str:
    if req.related:
        counted = (f"among the files matching {', '.join(req.patterns)}" if req.patterns
                   else "by naming convention, import or related_tests")
        each = "an added or modified test" if req.min == 1 else f"{req.min} added or modified tests"
        return (f"tests: related — each added or modified source file comes with {each} "
                f"related to it ({counted})")
    return (f"tests: at least {_plural(req.min, 'added or modified file')} "
            f"matching {', '.join(req.patterns)}")


def _describe_review(req: ReviewRequirement, policy: Policy) -> str:
    approvals = _plural(req.count, "approval")
    if req.groups:
        groups = "; ".join(
            f"{name} ({', '.join(policy.groups.get(name, ()))})" for name in req.groups
        )
        who = f"from independent members of {groups}"
    else:
        who = "from any independent human reviewer"
    return (f"review: {approvals} on the code host {who} — "
            f"{_FRESHNESS_NOTES[req.fresh]} (checked in CI; pending locally)")


def _describe_trailer(req: TrailerRequirement, policy: Policy) -> str:
    trailer = req.key + (f": {req.value}" if req.value else ":")
    return f'trailer: every AI-origin commit touching these files carries "{trailer}"'


def _describe_label(req: LabelRequirement, policy: Policy) -> str:
    return (f'label: the pull/merge request carries the label "{req.name}" '
            "(checked in CI; pending locally)")


def _describe_max_lines(req: MaxLinesRequirement, policy: Policy) -> str:
    return (f"max_lines: at most {_plural(req.limit, 'added or removed line')} "
            "in the files this rule matches")


def _describe_signed(req: SignedRequirement, policy: Policy) -> str:
    return "signed: every commit touching these files has a good signature"


def _tests_patterns(req: TestsRequirement) -> tuple[tuple[str, ...], ...]:
    return (req.patterns,) if req.patterns else ()


def _tests_needs(req: TestsRequirement) -> frozenset[EvidenceNeed]:
    return frozenset({"test_contents", "repo_files"}) if req.related else frozenset()


# --- the registry -------------------------------------------------------------------------------

KINDS: Mapping[str, Kind[Any]] = {kind.name: kind for kind in (
    Kind("forbid", ForbidRequirement, ev.check_forbid, _describe_forbid),
    Kind("tests", TestsRequirement, ev.check_tests, _describe_tests,
         patterner=_tests_patterns, needer=_tests_needs),
    Kind("review", ReviewRequirement, ev.check_review, _describe_review,
         evidence=frozenset({"reviews"})),
    Kind("trailer", TrailerRequirement, ev.check_trailer, _describe_trailer, ai_only=True),
    Kind("label", LabelRequirement, ev.check_label, _describe_label,
         evidence=frozenset({"labels"})),
    Kind("max_lines", MaxLinesRequirement, ev.check_max_lines, _describe_max_lines),
    Kind("signed", SignedRequirement, ev.check_signed, _describe_signed,
         evidence=frozenset({"signatures"})),
)}


def kind_of(requirement: Requirement) -> Kind[Any]:
    """The registered kind of ``requirement``."""
    return KINDS[requirement.kind]


def describe(requirement: Requirement, policy: Policy) -> str:
    """One sentence saying what ``requirement`` asks for (explain, reports, SARIF metadata)."""
    return kind_of(requirement).describe(requirement, policy)


def rule_applies(rule: Rule, origin: Origin) -> bool:
    """Whether ``rule`` applies to files of ``origin``."""
    return rule.origin == "any" or rule.origin == origin


def asked_of(rule: Rule, origin: Origin) -> tuple[Requirement, ...]:
    """The requirements ``rule`` asks of files of ``origin`` (none when it does not apply)."""
    if not rule_applies(rule, origin):
        return ()
    return tuple(r for r in rule.requirements if origin == "ai" or not kind_of(r).ai_only)


def pattern_lists(policy: Policy) -> list[tuple[str, ...]]:
    """Every pattern list the policy's requirements match changed files against."""
    return [patterns for rule in policy.rules for req in rule.requirements
            for patterns in kind_of(req).patterns(req)]


def requirement_index(policy: Policy) -> PatternIndex:
    """The index of every pattern list of ``policy``'s requirements (``pattern_lists``), built
    once per policy and kept with it (a stored compiled policy carries it: vetgate.compiled)."""
    index: PatternIndex | None = policy.__dict__.get("_requirement_index")
    if index is None:
        from vetgate.policy.pattern_index import PatternIndex

        index = PatternIndex(list(dict.fromkeys(pattern_lists(policy))),
                             case_sensitive=policy.case_sensitive)
        policy.__dict__["_requirement_index"] = index
    return index


def needed_evidence(policy: Policy, paths: Iterable[str]) -> frozenset[EvidenceNeed]:
    """The evidence to gather for a change touching ``paths``: what the requirements of the rules
    matching them need (origin is not known yet when evidence is gathered, so any origin)."""
    matcher = policy.matcher
    wanted: set[EvidenceNeed] = set()
    by_rule: dict[str, frozenset[EvidenceNeed]] = {}
    for rule in policy.rules:
        needs = frozenset().union(*(kind_of(r).needs(r) for r in rule.requirements))
        if needs:
            by_rule[rule.id] = needs
    if not by_rule or matcher is None:
        return frozenset()
    for path in paths:
        for rule_id in matcher.rules_for(path):
            wanted.update(by_rule.get(rule_id, ()))
    return frozenset(wanted)


def evaluate_rule_requirements(rule: Rule, scope: ev.RuleScope,
                               ai_scope: Callable[[], ev.RuleScope | None]
                               ) -> tuple[RequirementResult, ...]:
    """Every requirement of ``rule`` the files in ``scope`` are asked, evaluated. Kinds asked of
    AI-origin changes only see ``ai_scope()`` (None: no AI-origin file, nothing asked)."""
    results: list[RequirementResult] = []
    narrowed: list[ev.RuleScope | None] = []
    for requirement in rule.requirements:
        kind = kind_of(requirement)
        target: ev.RuleScope | None = scope
        if kind.ai_only:
            if not narrowed:
                narrowed.append(ai_scope())
            target = narrowed[0]
        if target is not None:
            results.append(kind.evaluate(rule, requirement, target))
    return tuple(results)
