"""The policy as plain, frozen data. Built by ``vetgate.policy.loader``; read by everything else."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from vetgate.records import field, frozen

if TYPE_CHECKING:
    from vetgate.policy.pattern_index import PathMatcher
    from vetgate.policy.patterns import PatternSet

OriginScope = Literal["ai", "any", "human"]
Level = Literal["block", "warn"]
Freshness = Literal["content", "head", "any"]
Coverage = Literal["ignore", "warn", "fail"]

BUILTIN_POLICY_RULE_ID = "vetgate-policy"
# The result the engine adds for AI-origin files no rule matches (``coverage: warn|fail``).
BUILTIN_COVERAGE_RULE_ID = "vetgate-coverage"


@frozen
class SourceLocation:
    """Where a policy element was written: file (repo-relative when possible), 1-based line/col."""

    file: str
    line: int
    column: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@frozen
class TrailerPattern:
    """A trailer to look for. ``value`` is a case-insensitive glob; ``None`` means any value."""

    key: str
    value: str | None = None


@frozen
class MarkerConfig:
    """Marks the team adds to the built-in catalog (under ``origin.human``: human declarations)."""

    trailers: tuple[TrailerPattern, ...] = ()
    identities: tuple[str, ...] = ()  # "Name <email>" globs, matched against author and committer
    messages: tuple[str, ...] = ()  # case-insensitive substrings of the message
    env: tuple[str, ...] = ()  # environment variable names (hooks only)
    branches: tuple[str, ...] = ()  # head-branch globs (CI only)
    labels: tuple[str, ...] = ()  # PR/MR labels (CI only)


@frozen
class OriginConfig:
    """``origin:`` — how provenance is decided."""

    builtin: bool = True
    unknown: Literal["human", "ai"] = "human"
    suggestions: Literal["ai", "human"] = "ai"
    # Commits an agent orchestrator ran (Executed-By trailers, role-path authors): ai by default.
    executed: Literal["ai", "human"] = "ai"
    markers: MarkerConfig = MarkerConfig()
    human: MarkerConfig = MarkerConfig()


# --- requirements -------------------------------------------------------------------------------


@frozen
class ForbidRequirement:
    message: str
    kind: Literal["forbid"] = "forbid"


@frozen
class TestsRequirement:
    __test__ = False  # not a pytest test class, despite the name

    patterns: tuple[str, ...]  # with ``related``: which files count as tests (empty: any test)
    min: int = 1
    # Compiled once at load; matches repository-relative POSIX paths.
    matcher: PatternSet | None = field(default=None, compare=False, repr=False)
    kind: Literal["tests"] = "tests"
    # ``tests: related``: every matching source file needs a changed test related to it (SPEC
    # 4.1 "Related tests"); ``min`` is then the number of related tests per source file.
    related: bool = False


@frozen
class ReviewRequirement:
    count: int = 1
    groups: tuple[str, ...] = ()  # group names from ``groups:``; empty = any independent human
    fresh: Freshness = "content"
    kind: Literal["review"] = "review"


@frozen
class TrailerRequirement:
    key: str
    value: str | None = None  # case-insensitive glob; None = any value
    kind: Literal["trailer"] = "trailer"


@frozen
class LabelRequirement:
    name: str
    kind: Literal["label"] = "label"


@frozen
class MaxLinesRequirement:
    limit: int
    kind: Literal["max_lines"] = "max_lines"


@frozen
class SignedRequirement:
    kind: Literal["signed"] = "signed"


Requirement = (
    ForbidRequirement
    | TestsRequirement
    | ReviewRequirement
    | TrailerRequirement
    | LabelRequirement
    | MaxLinesRequirement
    | SignedRequirement
)

# Order in which requirements are evaluated and reported.
REQUIREMENT_KINDS: tuple[str, ...] = (
    "forbid",
    "tests",
    "review",
    "trailer",
    "label",
    "max_lines",
    "signed",
)


@frozen
class RelatedMapping:
    """One ``related_tests:`` entry: tests matching ``tests`` are related to sources matching
    ``sources`` (a team's own mapping, for what naming and imports cannot tell)."""

    sources: tuple[str, ...]
    tests: tuple[str, ...]
    source: SourceLocation
    source_matcher: PatternSet | None = field(default=None, compare=False, repr=False)
    tests_matcher: PatternSet | None = field(default=None, compare=False, repr=False)


@frozen
class Rule:
    """One ``rules:`` entry (or the built-in ``vetgate-policy`` rule)."""

    id: str
    paths: tuple[str, ...]
    source: SourceLocation
    description: str = ""
    origin: OriginScope = "ai"
    level: Level = "block"
    requirements: tuple[Requirement, ...] = ()
    builtin: bool = False


@frozen
class Policy:
    """A loaded, validated policy: the root file plus everything it includes."""

    files: tuple[str, ...]  # every policy file loaded, root first (repo-relative when possible)
    rules: tuple[Rule, ...]  # team rules in file order, then the built-in vetgate-policy rule
    origin: OriginConfig = OriginConfig()
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    policy_owners: tuple[str, ...] = ()
    coverage: Coverage = "ignore"
    case_sensitive: bool = True
    coverage_source: SourceLocation | None = None  # where `coverage:` was set, when it was
    related_tests: tuple[RelatedMapping, ...] = ()
    # Compiled once at load from every rule's ``paths``: see vetgate.policy.patterns.
    matcher: PathMatcher | None = field(default=None, compare=False, repr=False)

    def rule(self, rule_id: str) -> Rule:
        """Return the rule with this id (KeyError when there is none)."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)
