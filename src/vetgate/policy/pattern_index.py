"""Many pattern lists matched against many paths at once, in time that grows with the paths and
the matches, not paths x lists.

A requirement's patterns (``tests:`` globs, ``related_tests:`` mappings) are lists like a rule's
``paths``. Matching every changed file against every requirement's list costs files x
requirements: 20,000 files under 1,000 ``tests:`` requirements is 20 million matches. Here every
distinct including pattern is indexed once (as ``PathMatcher`` indexes rule paths), each path
finds the few patterns that could match it, and a list's matches are the union of its patterns'
matches — checked against the whole list only when it has exclusions (``!``), because the last
pattern that matches decides.
"""

from __future__ import annotations

from collections.abc import Sequence

from vetgate.policy.patterns import PathMatcher, PatternSet


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
