"""The policy language: checking one parsed policy file, key by key and value by value.

Every problem becomes a ``Diagnostic`` at the offending key or value; checking goes on after a
problem so that one run reports all of them. Checks that span files (unique rule ids, group
references, include resolution) are the loader's (``vetgate.policy.loader``).

Why over 500 lines: this is the whole policy language in one reader, one small method per key,
each with the exact messages its errors carry; the methods share ``FileChecker``'s reporting and
shape helpers, and splitting the keys across modules would separate the language from the
checks that define it (docs/policy.md follows the same order).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from vetgate.errors import Diagnostic
from vetgate.policy.model import (
    BUILTIN_COVERAGE_RULE_ID,
    BUILTIN_POLICY_RULE_ID,
    REQUIREMENT_KINDS,
    ForbidRequirement,
    Freshness,
    LabelRequirement,
    MarkerConfig,
    MaxLinesRequirement,
    OriginConfig,
    Requirement,
    ReviewRequirement,
    SignedRequirement,
    TestsRequirement,
    TrailerPattern,
    TrailerRequirement,
)
from vetgate.policy.patterns import pattern_problem
from vetgate.policy.yamlload import Mark, YMap, YNode, YScalar, YSeq

POLICY_VERSION = 1

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
TRAILER_KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]*$"
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
LOGIN_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
EMAIL_PATTERN = r"^[^@\s<>]+@[^@\s<>]+$"
TEAM_PATTERN = r"^@[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)+$"

_ID_RE = re.compile(ID_PATTERN)
_TRAILER_KEY_RE = re.compile(TRAILER_KEY_PATTERN)
_ENV_NAME_RE = re.compile(ENV_NAME_PATTERN)
_MEMBER_RES = (re.compile(LOGIN_PATTERN), re.compile(EMAIL_PATTERN), re.compile(TEAM_PATTERN))

ROOT_KEYS = ("case_sensitive", "coverage", "groups", "include", "origin", "policy_owners",
             "related_tests", "rules", "version")
INCLUDED_FILE_KEYS = ("groups", "include", "related_tests", "rules", "version")
RULE_KEYS = ("description", "id", "level", "origin", "paths", "require")
MARKER_KEYS = ("branches", "env", "identities", "labels", "messages", "trailers")
ORIGIN_KEYS = ("builtin", "executed", "human", "markers", "suggestions", "unknown")
LEVELS = ("block", "warn")
RULE_ORIGINS = ("ai", "any", "human")
COVERAGES = ("fail", "ignore", "warn")
FRESHNESS = ("any", "content", "head")
YAML11_BOOL_WORDS = frozenset({"yes", "no", "on", "off", "y", "n"})

T = TypeVar("T")


@dataclass
class RuleDraft:
    """One rule as written, with the positions the loader's cross-file checks need."""

    mark: Mark
    index: int
    id: str | None = None
    id_mark: Mark | None = None
    description: str = ""
    origin: str = "ai"
    level: str = "block"
    paths: list[tuple[str, Mark]] = field(default_factory=list)
    requirements: list[Requirement] = field(default_factory=list)
    group_refs: list[tuple[str, Mark]] = field(default_factory=list)
    # Each ``review`` with ``from:``: its count, the groups and where the count is written (the
    # loader checks that the groups have enough members once every file is read).
    review_counts: list[tuple[int, tuple[str, ...], Mark]] = field(default_factory=list)
    valid: bool = True  # False when a problem makes the rule unusable


@dataclass
class FileDraft:
    """One policy file as written."""

    relpath: str
    display: str
    is_root: bool
    mark: Mark = field(default_factory=lambda: Mark(1, 1))
    includes: list[tuple[str, Mark]] = field(default_factory=list)
    groups: list[tuple[str, Mark, tuple[str, ...]]] = field(default_factory=list)
    rules: list[RuleDraft] = field(default_factory=list)
    origin: OriginConfig = field(default_factory=OriginConfig)
    policy_owners: list[tuple[str, Mark]] = field(default_factory=list)
    policy_owners_mark: Mark | None = None
    coverage_mark: Mark | None = None
    coverage: str = "ignore"
    case_sensitive: bool = True
    # related_tests: (source patterns, test patterns, where the entry was written)
    related: list[tuple[tuple[str, ...], tuple[str, ...], Mark]] = field(default_factory=list)


def _quote(text: str, limit: int = 60) -> str:
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return json.dumps(text, ensure_ascii=False)


def describe_value(node: YNode) -> str:
    """How a value is shown after "got" in messages: "blocker", 5, true, null, a list…"""
    if isinstance(node, YSeq):
        return "a list"
    if isinstance(node, YMap):
        return "a mapping"
    value = node.value
    if value is None:
        return "null"
    if isinstance(value, bool):
        word = "true" if value else "false"
        if node.text.lower() in YAML11_BOOL_WORDS:
            return f'{word}: YAML reads {node.text} as {word}; quote it as "{node.text}"'
        return word
    if isinstance(value, (int, float)):
        return node.text
    if isinstance(value, str):
        return _quote(value)
    return f'{node.text}, read as a {type(value).__name__}; quote it as "{node.text}"'


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """ '; did you mean "x"?' when ``word`` is close to one of ``choices``, else ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f'; did you mean "{close[0]}"?' if close else ""


class FileChecker:
    """Checks one file's tree and records ``Diagnostic``s into a shared list."""

    def __init__(self, display: str, sink: list[Diagnostic]) -> None:
        self.display = display
        self.sink = sink

    # --- reporting --------------------------------------------------------------------------

    def error(self, mark: Mark, message: str) -> None:
        self.sink.append(Diagnostic(self.display, mark.line, mark.column, message))

    def type_error(self, node: YNode, what: str, expected: str) -> None:
        self.error(node.mark, f"{what} must be {expected} (got {describe_value(node)})")

    # --- shapes -----------------------------------------------------------------------------

    def fields(self, node: YMap, allowed: Sequence[str], context: str,
               noun: str = "key") -> dict[str, tuple[Mark, YNode]]:
        """The mapping's known keys; an error for each unknown one."""
        out: dict[str, tuple[Mark, YNode]] = {}
        for key, key_mark, value in node.items:
            if key in allowed:
                out[key] = (key_mark, value)
                continue
            self.error(
                key_mark,
                f'unknown {noun} "{key}" {context}{did_you_mean(key, allowed)} '
                f"(allowed: {', '.join(sorted(allowed))})",
            )
        return out

    def mapping(self, node: YNode, what: str, expected: str = "a mapping") -> YMap | None:
        if isinstance(node, YMap):
            return node
        self.type_error(node, what, expected)
        return None

    def string(self, node: YNode, what: str, *, non_empty: bool = True,
               expected: str | None = None) -> str | None:
        if isinstance(node, YScalar) and isinstance(node.value, str):
            if non_empty and not node.value.strip():
                self.error(node.mark, f"{what} must not be empty")
                return None
            return node.value
        self.type_error(node, what, expected or ("a non-empty string" if non_empty else "a string"))
        return None

    def integer(self, node: YNode, what: str, minimum: int) -> int | None:
        # bool is an int subclass in Python; `count: true` is a mistake, not 1.
        if (isinstance(node, YScalar) and isinstance(node.value, int)
                and not isinstance(node.value, bool) and node.value >= minimum):
            return int(node.value)
        self.type_error(node, what, f"an integer ≥ {minimum}")
        return None

    def boolean(self, node: YNode, what: str) -> bool | None:
        if isinstance(node, YScalar) and isinstance(node.value, bool):
            return bool(node.value)
        self.type_error(node, what, "true or false")
        return None

    def choice(self, node: YNode, what: str, choices: Sequence[str]) -> str | None:
        if isinstance(node, YScalar) and isinstance(node.value, str) and node.value in choices:
            return node.value
        self.error(node.mark, f"{what} must be one of: {', '.join(sorted(choices))} "
                              f"(got {describe_value(node)})")
        return None

    def string_list(self, node: YNode, what: str, *, non_empty_list: bool = False,
                    item: Callable[[YNode, str], str | None] | None = None,
                    unique: bool = False) -> list[tuple[str, Mark]] | None:
        """A list of strings; each item checked by ``item`` (default: a non-empty string)."""
        if not isinstance(node, YSeq):
            self.type_error(node, what, "a list")
            return None
        if non_empty_list and not node.items:
            self.error(node.mark, f"{what} must not be empty")
            return None
        out: list[tuple[str, Mark]] = []
        seen: dict[str, Mark] = {}
        check = item or (lambda n, w: self.string(n, w))
        for index, child in enumerate(node.items):
            value = check(child, f"{what}[{index}]")
            if value is None:
                continue
            if unique and value in seen:
                self.error(child.mark, f"{what}[{index}]: {_quote(value)} is listed twice "
                                       f"(first at line {seen[value].line})")
                continue
            seen.setdefault(value, child.mark)
            out.append((value, child.mark))
        return out

    def matching(self, node: YNode, what: str, regex: re.Pattern[str], expected: str
                 ) -> str | None:
        value = self.string(node, what)
        if value is None:
            return None
        if not regex.match(value):
            self.error(node.mark, f"{what} must be {expected} (got {_quote(value)})")
            return None
        return value

    # --- the file ---------------------------------------------------------------------------

    def check_file(self, tree: YNode | None, draft: FileDraft, root_display: str) -> None:
        """Fill ``draft`` from the file's tree."""
        if tree is None:
            self.error(Mark(1, 1), 'file is empty; a policy file starts with "version: 1"')
            return
        if not isinstance(tree, YMap):
            self.error(tree.mark, "a policy file must be a mapping of keys such as version: and "
                                  f"rules: (got {describe_value(tree)})")
            return
        draft.mark = tree.mark
        # Included files know every key, so a root-only key there gets the precise message.
        found = self.fields(tree, ROOT_KEYS, "at the top level")
        if not draft.is_root:
            for key in sorted(set(found) - set(INCLUDED_FILE_KEYS)):
                key_mark, _ = found.pop(key)
                self.error(key_mark, f"{key} may only be set in the root policy file "
                                     f"({root_display}); move it there")
        self._version(found, draft)
        if "include" in found:
            includes = self.string_list(found["include"][1], "include")
            draft.includes = includes or []
        if "groups" in found:
            self._groups(found["groups"][1], draft)
        if "origin" in found:
            draft.origin = self._origin(found["origin"][1])
        if "policy_owners" in found:
            key_mark, node = found["policy_owners"]
            draft.policy_owners_mark = key_mark
            owners = self.string_list(node, "policy_owners", unique=True)
            draft.policy_owners = owners or []
        if "coverage" in found:
            draft.coverage_mark = found["coverage"][0]
            coverage = self.choice(found["coverage"][1], "coverage", COVERAGES)
            draft.coverage = coverage or draft.coverage
        if "case_sensitive" in found:
            case_sensitive = self.boolean(found["case_sensitive"][1], "case_sensitive")
            draft.case_sensitive = draft.case_sensitive if case_sensitive is None else \
                case_sensitive
        if "related_tests" in found:
            self._related_tests(found["related_tests"][1], draft)
        if "rules" in found:
            node = found["rules"][1]
            if isinstance(node, YSeq):
                for index, item in enumerate(node.items):
                    draft.rules.append(self._rule(item, index))
            else:
                self.type_error(node, "rules", "a list")

    def _version(self, found: dict[str, tuple[Mark, YNode]], draft: FileDraft) -> None:
        if "version" not in found:
            if draft.is_root:
                self.error(draft.mark, 'version is required in the root policy file; add '
                                       '"version: 1" at the top')
            return
        node = found["version"][1]
        if isinstance(node, YScalar) and isinstance(node.value, int) \
                and not isinstance(node.value, bool):
            if node.value != POLICY_VERSION:
                self.error(node.mark, f"version must be {POLICY_VERSION} (got {node.value}); "
                                      f"this vetgate reads version {POLICY_VERSION} policies")
            return
        self.type_error(node, "version", f"the integer {POLICY_VERSION}")

    def _groups(self, node: YNode, draft: FileDraft) -> None:
        groups = self.mapping(node, "groups", "a mapping of group names to member lists")
        if groups is None:
            return
        for name, key_mark, members_node in groups.items:
            if not _ID_RE.match(name):
                self.error(key_mark, f"group name {_quote(name)} is invalid: use letters, "
                                     'digits, "_", "." and "-", starting with a letter or digit')
                continue
            members = self.string_list(members_node, f"groups.{name}", non_empty_list=True,
                                       item=self._member, unique=True)
            if members is not None:
                draft.groups.append((name, key_mark, tuple(m for m, _ in members)))

    def _member(self, node: YNode, what: str) -> str | None:
        value = self.string(node, what)
        if value is None:
            return None
        if not any(regex.match(value) for regex in _MEMBER_RES):
            self.error(node.mark, f"{what}: {_quote(value)} is not a login, an email address "
                                  "or an @org/team")
            return None
        return value

    def _related_tests(self, node: YNode, draft: FileDraft) -> None:
        """``related_tests: [{source: GLOB | [GLOB...], tests: [GLOB...]}]``."""
        if not isinstance(node, YSeq):
            self.type_error(node, "related_tests", "a list of {source: ..., tests: [...]}")
            return
        for index, item in enumerate(node.items):
            what = f"related_tests[{index}]"
            entry = self.mapping(item, what, "a mapping like {source: src/billing/**, tests: "
                                             "[tests/billing/**]}")
            if entry is None:
                continue
            found = self.fields(entry, ("source", "tests"), f"in {what}")
            lists = []
            for key in ("source", "tests"):
                if key not in found:
                    self.error(entry.mark, f'{what} is missing "{key}"')
                    continue
                value = found[key][1]
                if isinstance(value, YScalar) and isinstance(value.value, str):
                    value = YSeq((value,), value.mark)
                patterns = self._patterns(value, f"{what}.{key}", what)
                if patterns is not None:
                    lists.append(tuple(p for p, _ in patterns))
            if len(lists) == 2:
                draft.related.append((lists[0], lists[1], entry.mark))

    # --- origin -----------------------------------------------------------------------------

    def _origin(self, node: YNode) -> OriginConfig:
        origin = self.mapping(node, "origin")
        if origin is None:
            return OriginConfig()
        found = self.fields(origin, ORIGIN_KEYS, "in origin")
        config = OriginConfig()
        values: dict[str, Any] = {}
        if "builtin" in found:
            values["builtin"] = self.boolean(found["builtin"][1], "origin.builtin")
        if "unknown" in found:
            values["unknown"] = self.choice(found["unknown"][1], "origin.unknown", ("ai", "human"))
        for key in ("suggestions", "executed"):
            if key in found:
                values[key] = self.choice(found[key][1], f"origin.{key}", ("ai", "human"))
        for key in ("markers", "human"):
            if key in found:
                values[key] = self._markers(found[key][1], f"origin.{key}")
        return OriginConfig(
            builtin=config.builtin if values.get("builtin") is None else values["builtin"],
            unknown=values.get("unknown") or config.unknown,
            suggestions=values.get("suggestions") or config.suggestions,
            executed=values.get("executed") or config.executed,
            markers=values.get("markers") or config.markers,
            human=values.get("human") or config.human,
        )

    def _markers(self, node: YNode, what: str) -> MarkerConfig:
        markers = self.mapping(node, what)
        if markers is None:
            return MarkerConfig()
        found = self.fields(markers, MARKER_KEYS, f"in {what}")
        trailers: list[TrailerPattern] = []
        if "trailers" in found:
            trailers_node = found["trailers"][1]
            if isinstance(trailers_node, YSeq):
                for index, item in enumerate(trailers_node.items):
                    pattern = self._trailer_pattern(item, f"{what}.trailers[{index}]")
                    if pattern is not None:
                        trailers.append(TrailerPattern(pattern[0], pattern[1]))
            else:
                self.type_error(trailers_node, f"{what}.trailers", "a list")

        def strings(key: str, item: Callable[[YNode, str], str | None] | None = None
                    ) -> tuple[str, ...]:
            if key not in found:
                return ()
            values = self.string_list(found[key][1], f"{what}.{key}", item=item)
            return tuple(v for v, _ in values or [])

        def env_name(node: YNode, item_what: str) -> str | None:
            return self.matching(node, item_what, _ENV_NAME_RE,
                                 "an environment variable name (letters, digits and _)")

        return MarkerConfig(
            trailers=tuple(trailers),
            identities=strings("identities"),
            messages=strings("messages"),
            env=strings("env", env_name),
            branches=strings("branches"),
            labels=strings("labels"),
        )

    def _trailer_pattern(self, node: YNode, what: str) -> tuple[str, str | None] | None:
        trailer = self.mapping(node, what, "a mapping like {key: Assisted-by}")
        if trailer is None:
            return None
        found = self.fields(trailer, ("key", "value"), f"in {what}")
        if "key" not in found:
            self.error(trailer.mark, f'{what} is missing "key"')
            return None
        key = self.matching(found["key"][1], f"{what}.key", _TRAILER_KEY_RE,
                            "a trailer name (letters, digits and -)")
        value = None
        if "value" in found:
            value = self.string(found["value"][1], f"{what}.value", non_empty=False)
            if value is None:
                return None
        return None if key is None else (key, value)

    # --- rules ------------------------------------------------------------------------------

    def _rule(self, node: YNode, index: int) -> RuleDraft:
        draft = RuleDraft(mark=node.mark, index=index)
        rule = self.mapping(node, f"rules[{index}]", "a mapping with id, paths and require")
        if rule is None:
            draft.valid = False
            return draft
        if "id" in {key for key, _, _ in rule.items}:
            id_node = next(value for key, _, value in rule.items if key == "id")
            draft.id_mark = id_node.mark
            draft.id = self._rule_id(id_node)
        name = f'rule "{draft.id}"' if draft.id else f"rules[{index}]"
        found = self.fields(rule, RULE_KEYS, f"in {name}")
        for required in ("id", "paths", "require"):
            if required not in found:
                self.error(rule.mark, f'{name} is missing "{required}"')
                draft.valid = False
        if draft.id is None:
            draft.valid = False
        if "description" in found:
            draft.description = self.string(found["description"][1], "description",
                                             non_empty=False) or ""
        if "origin" in found:
            draft.origin = self.choice(found["origin"][1], "origin", RULE_ORIGINS) or draft.origin
        if "level" in found:
            draft.level = self.choice(found["level"][1], "level", LEVELS) or draft.level
        if "paths" in found:
            paths = self._patterns(found["paths"][1], "paths", name)
            if paths is None:
                draft.valid = False
            else:
                draft.paths = paths
        if "require" in found:
            self._require(found["require"][1], draft, name)
        return draft

    def _rule_id(self, node: YNode) -> str | None:
        value = self.string(node, "id")
        if value is None:
            return None
        if not _ID_RE.match(value):
            self.error(node.mark, f"rule id {_quote(value)} is invalid: use letters, digits, "
                                  '"_", "." and "-", starting with a letter or digit')
            return None
        if value == BUILTIN_POLICY_RULE_ID:
            self.error(node.mark, f'rule id "{BUILTIN_POLICY_RULE_ID}" is reserved for the '
                                  "built-in rule that protects the policy files; choose another id")
            return None
        if value == BUILTIN_COVERAGE_RULE_ID:
            self.error(node.mark, f'rule id "{BUILTIN_COVERAGE_RULE_ID}" is reserved for the '
                                  "built-in coverage result; choose another id")
            return None
        return value

    def _patterns(self, node: YNode, what: str, rule_name: str) -> list[tuple[str, Mark]] | None:
        """A non-empty list of valid gitignore-style patterns with at least one inclusion."""
        patterns = self.string_list(node, what, non_empty_list=True,
                                    item=lambda n, w: self.string(n, w, non_empty=False))
        if patterns is None:
            return None
        ok = True
        for pattern, mark in patterns:
            problem = pattern_problem(pattern)
            if problem is not None:
                self.error(mark, f"pattern {_quote(pattern)} in {rule_name} {problem}")
                ok = False
        if not ok or not patterns:
            return None
        first_include = next((i for i, (p, _) in enumerate(patterns) if not p.startswith("!")),
                             None)
        if first_include is None:
            self.error(node.mark, f"{what} of {rule_name} only exclude (\"!...\"), so they match "
                                  "nothing; add a pattern that includes files before them")
            return None
        for pattern, mark in patterns[:first_include]:
            self.error(mark, f"pattern {_quote(pattern)} in {rule_name} comes before any "
                             "including pattern, so it excludes nothing; move it after the "
                             "patterns it should subtract from")
            ok = False
        return patterns if ok else None

    def _require(self, node: YNode, draft: RuleDraft, name: str) -> None:
        require = self.mapping(node, "require", "a mapping of requirements")
        if require is None:
            draft.valid = False
            return
        if not require.items:
            self.error(require.mark, "require must not be empty; give at least one of: "
                                     f"{', '.join(sorted(REQUIREMENT_KINDS))}")
            draft.valid = False
            return
        found = self.fields(require, REQUIREMENT_KINDS, f"in {name}", noun="requirement")
        if not found:
            draft.valid = False
        builders: dict[str, Callable[[YNode, RuleDraft, str], Requirement | None]] = {
            "forbid": self._forbid, "tests": self._tests, "review": self._review,
            "trailer": self._trailer, "label": self._label, "max_lines": self._max_lines,
            "signed": self._signed,
        }
        for kind in REQUIREMENT_KINDS:  # evaluation order, whatever order they were written in
            if kind not in found:
                continue
            requirement = builders[kind](found[kind][1], draft, name)
            if requirement is None:
                draft.valid = False
            else:
                draft.requirements.append(requirement)

    def _forbid(self, node: YNode, draft: RuleDraft, name: str) -> Requirement | None:
        message = self.string(node, "forbid", expected="the message to show (a non-empty string)")
        return None if message is None else ForbidRequirement(message)

    def _tests(self, node: YNode, draft: RuleDraft, name: str) -> Requirement | None:
        minimum = 1
        related: bool | None = False
        if isinstance(node, YScalar) and node.value == "related":
            return TestsRequirement((), 1, related=True)
        if isinstance(node, YMap):
            found = self.fields(node, ("min", "paths", "related"), f"in tests of {name}")
            if "related" in found:
                related = self.boolean(found["related"][1], "tests.related")
            if "paths" not in found and not related:
                self.error(node.mark, f'tests of {name} is missing "paths" (or "related: true")')
                return None
            min_ok = related is not None
            if "min" in found:
                value = self.integer(found["min"][1], "tests.min", 1)
                min_ok = min_ok and value is not None
                minimum = value or minimum
            patterns = (self._patterns(found["paths"][1], "tests.paths", name)
                        if "paths" in found else [])
            if not min_ok:
                return None
        elif isinstance(node, YSeq):
            patterns = self._patterns(node, "tests", name)
        else:
            self.type_error(node, "tests", "a list of patterns, related, or a mapping {paths: "
                                           "[...], min: N} / {related: true, paths: [...]}")
            return None
        if patterns is None:
            return None
        return TestsRequirement(tuple(p for p, _ in patterns), minimum, related=bool(related))

    def _review(self, node: YNode, draft: RuleDraft, name: str) -> Requirement | None:
        review = self.mapping(node, "review", "a mapping like {count: 1, from: [security]}")
        if review is None:
            return None
        found = self.fields(review, ("count", "fresh", "from"), f"in review of {name}")
        count, fresh, groups = 1, "content", []
        ok = True
        if "count" in found:
            value = self.integer(found["count"][1], "review.count", 1)
            ok = ok and value is not None
            count = value or count
        if "fresh" in found:
            choice = self.choice(found["fresh"][1], "review.fresh", FRESHNESS)
            ok = ok and choice is not None
            fresh = choice or fresh
        if "from" in found:
            listed = self.string_list(found["from"][1], "review.from", unique=True)
            ok = ok and listed is not None
            groups = listed or []
            draft.group_refs.extend(groups)
        if not ok:
            return None
        if groups:
            where = found["count"][1].mark if "count" in found else review.mark
            draft.review_counts.append((count, tuple(g for g, _ in groups), where))
        return ReviewRequirement(count, tuple(g for g, _ in groups), cast(Freshness, fresh))

    def _trailer(self, node: YNode, draft: RuleDraft, name: str) -> Requirement | None:
        pattern = self._trailer_pattern(node, "trailer")
        return None if pattern is None else TrailerRequirement(pattern[0], pattern[1])

    def _label(self, node: YNode, draft: RuleDraft, name: str) -> Requirement | None:
        label = self.string(node, "label", expected="a label name (a non-empty string)")
        return None if label is None else LabelRequirement(label)

    def _max_lines(self, node: YNode, draft: RuleDraft, name: str) -> Requirement | None:
        limit = self.integer(node, "max_lines", 0)
        return None if limit is None else MaxLinesRequirement(limit)

    def _signed(self, node: YNode, draft: RuleDraft, name: str) -> Requirement | None:
        if isinstance(node, YScalar) and node.value is True:
            return SignedRequirement()
        if isinstance(node, YScalar) and node.value is False:
            self.error(node.mark, "signed must be true (got false); remove it to not require "
                                  "signatures")
            return None
        self.type_error(node, "signed", "true")
        return None
