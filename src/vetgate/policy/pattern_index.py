"""Indexes of patterns: many paths matched against many pattern lists in time that grows with
the paths and the matches, not paths x lists.

``PathMatcher`` answers "which rules match this path" for a whole policy: every rule is indexed
by a component its paths must contain (a literal directory or file name, or a file extension),
so a path only tries the few rules that could match it; rules that cannot be indexed share one
bucket guarded by a single combined regular expression.

A requirement's patterns (``tests:`` globs, ``related_tests:`` mappings) are lists like a rule's
``paths``. Matching every changed file against every requirement's list costs files x
requirements: 20,000 files under 1,000 ``tests:`` requirements is 20 million matches. Here every
distinct including pattern is indexed once (as ``PathMatcher`` indexes rule paths), each path
finds the few patterns that could match it, and a list's matches are the union of its patterns'
matches — checked against the whole list only when it has exclusions (``!``), because the last
pattern that matches decides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from vetgate.policy.patterns import (
    _DIR_MARK_GROUP,
    GRAM,
    PatternSet,
    _effective,
    _normalize,
    fold,
    index_key,
    literal_names,
)

_MAX_KNOWN_PATHS = 1 << 18  # paths whose rules a PathMatcher remembers


class PathMatcher:
    """Which rules match a path, for every rule of a policy at once.

    Equivalent to trying every rule's ``PatternSet`` in turn (a property test checks this), but
    each path only tries the rules indexed under one of its components or extensions, plus the
    rules that cannot be indexed when one combined regex says one of them might match.
    """

    def __init__(self, rule_patterns: Sequence[tuple[str, Sequence[str]]], *,
                 case_sensitive: bool = True) -> None:
        self._case_sensitive = case_sensitive
        self._ids: list[str] = []
        self._sets: list[PatternSet] = []
        self._position: dict[str, int] = {}
        by_name: dict[str, list[int]] = {}
        by_ext: dict[str, list[int]] = {}
        by_gram: dict[str, list[int]] = {}
        shared: list[int] = []
        shared_regexes: list[str] = []
        # How many including patterns name each literal component, to index every pattern under
        # its rarest one.
        frequency: dict[str, int] = {}
        for _rule_id, patterns in rule_patterns:
            for pattern in _effective(patterns, case_sensitive):
                if not pattern.startswith("!"):
                    for name in set(literal_names(pattern)):
                        frequency[name] = frequency.get(name, 0) + 1
        for position, (rule_id, patterns) in enumerate(rule_patterns):
            pattern_set = PatternSet(tuple(patterns), case_sensitive)
            self._ids.append(rule_id)
            self._sets.append(pattern_set)
            self._position.setdefault(rule_id, position)
            including = [p for p in _effective(patterns, case_sensitive) if not p.startswith("!")]
            keys = [index_key(p, frequency) for p in including]
            if any(key is None for key in keys):
                shared.append(position)
                shared_regexes.extend(pattern_set.including_regexes())
                continue
            buckets = {"name": by_name, "ext": by_ext, "gram": by_gram}
            for kind, value in {key for key in keys if key is not None}:
                buckets[kind].setdefault(value, []).append(position)
        self._by_name = {k: tuple(v) for k, v in by_name.items()}
        self._by_ext = {k: tuple(v) for k, v in by_ext.items()}
        self._by_gram = {k: tuple(v) for k, v in by_gram.items()}
        self._shared = tuple(shared)
        # Group names repeat across pathspec's regexes; the gate only needs "any match". It is
        # compiled at the first path (a stored compiled policy keeps the text: vetgate.compiled).
        self._shared_body = "|".join(
            f"(?:{regex.replace(_DIR_MARK_GROUP, '(?:')})" for regex in shared_regexes
        ) if shared_regexes else None
        self._shared_always = any(r in (".", "/") for r in shared_regexes)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """Every rule id, in policy order."""
        return tuple(self._ids)

    def _candidates(self, key: str) -> set[int]:
        candidates: set[int] = set()
        for component in key.split("/"):
            hit = self._by_name.get(component)
            if hit:
                candidates.update(hit)
            dot = component.rfind(".")
            if dot >= 0:
                hit = self._by_ext.get(component[dot + 1:])
                if hit:
                    candidates.update(hit)
        if self._by_gram:
            for start in range(len(key) - GRAM + 1):
                hit = self._by_gram.get(key[start:start + GRAM])
                if hit:
                    candidates.update(hit)
        if self._shared:
            gate = self._shared_gate()
            if self._shared_always or gate is None or gate.search(key):
                candidates.update(self._shared)
        return candidates

    def _shared_gate(self) -> re.Pattern[str] | None:
        """The one regex that says whether a rule that cannot be indexed might match (None:
        try them all)."""
        gate = self.__dict__.get("_gate", False)
        if gate is False:
            try:
                gate = re.compile(self._shared_body, re.DOTALL) if self._shared_body else None
            except (re.error, OverflowError, RecursionError):  # pragma: no cover - defensive
                gate = None
            self.__dict__["_gate"] = gate
        return gate

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state.pop("_gate", None)  # compiled again where it is used (see _shared_gate)
        state.pop("_known", None)
        return state

    def rules_for(self, path: str) -> tuple[str, ...]:
        """Ids of the rules whose ``paths`` match ``path``, in policy order.

        Remembered per path: one check asks it of every changed path several times (the
        evaluation, the evidence its rules need, whether the change touches the policy)."""
        known = self.__dict__.setdefault("_known", {})
        found: tuple[str, ...] | None = known.get(path)
        if found is None:
            if len(known) >= _MAX_KNOWN_PATHS:
                known.clear()  # an audit over a huge history: bounded, not unbounded
            found = known[path] = self._rules_for(path)
        return found

    def _rules_for(self, path: str) -> tuple[str, ...]:
        key = fold(path, self._case_sensitive)
        candidates = self._candidates(_normalize(key))
        if not candidates:
            return ()
        # The pattern sets normalise `key` themselves, exactly as pathspec does.
        return tuple(self._ids[i] for i in sorted(candidates) if self._sets[i].match(key))

    def match_many(self, paths: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """``rules_for`` for many paths; only paths that match at least one rule are returned."""
        out: dict[str, tuple[str, ...]] = {}
        for path in paths:
            ids = self.rules_for(path)
            if ids:
                out[path] = ids
        return out

    def deciding_pattern(self, rule_id: str, path: str) -> str | None:
        """The pattern of ``rule_id`` that included ``path`` (for ``explain``)."""
        position = self._position.get(rule_id)
        if position is None:
            return None
        return self._sets[position].deciding_pattern(path)


class PatternIndex:
    """Which paths each of several pattern lists matches (gitignore semantics per list)."""

    def __init__(self, pattern_lists: Sequence[Sequence[str]], *,
                 case_sensitive: bool = True) -> None:
        self._lists = [tuple(patterns) for patterns in pattern_lists]
        distinct: dict[str, int] = {}
        self._members: list[tuple[int, ...]] = []
        for patterns in self._lists:
            ids = [distinct.setdefault(p, len(distinct)) for p in patterns if not p.startswith("!")]
            self._members.append(tuple(dict.fromkeys(ids)))
        self._pattern_count = len(distinct)
        self._matcher = PathMatcher([(str(i), (p,)) for p, i in distinct.items()],
                                    case_sensitive=case_sensitive)
        # A list with exclusions is decided by its last matching pattern: check it whole.
        self._exact = [PatternSet(patterns, case_sensitive)
                       if any(p.startswith("!") for p in patterns) else None
                       for patterns in self._lists]

    def match(self, paths: Sequence[str]) -> list[tuple[int, ...]]:
        """For each pattern list (in the order given), the positions in ``paths`` it matches."""
        hits: list[list[int]] = [[] for _ in range(self._pattern_count)]
        for position, path in enumerate(paths):
            for pattern_id in self._matcher.rules_for(path):
                hits[int(pattern_id)].append(position)
        out: list[tuple[int, ...]] = []
        memo: dict[tuple[str, ...], tuple[int, ...]] = {}
        for patterns, members, exact in zip(self._lists, self._members, self._exact,
                                            strict=True):
            known = memo.get(patterns)
            if known is None:
                if len(members) == 1:
                    found: Sequence[int] = hits[members[0]]
                else:
                    found = sorted({p for member in members for p in hits[member]})
                if exact is not None:
                    found = [p for p in found if exact.match(paths[p])]
                known = memo[patterns] = tuple(found)
            out.append(known)
        return out
