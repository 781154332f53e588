"""PatternIndex: many pattern lists matched at once agree with matching each list on its own
(gitignore semantics, exclusions included), and a path only tries the patterns it could meet."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from test_policy_patterns import paths, rules  # the same pattern and path strategies
from vetgate.policy.pattern_index import PatternIndex
from vetgate.policy.patterns import PatternSet


@settings(max_examples=250, deadline=None)
@given(rules, st.lists(paths, min_size=1, max_size=10), st.booleans())
def test_index_agrees_with_each_list_on_its_own(pattern_lists: list[list[str]],
                                                sample: list[str], case_sensitive: bool) -> None:
    index = PatternIndex(pattern_lists, case_sensitive=case_sensitive)
    found = index.match(sample)
    for patterns, positions in zip(pattern_lists, found, strict=True):
        exact = PatternSet(tuple(patterns), case_sensitive)
        assert positions == tuple(i for i, p in enumerate(sample) if exact.match(p))


def test_identical_lists_share_one_answer() -> None:
    index = PatternIndex([["tests/**"], ["tests/**"], ["tests/**", "!**/*.md"]])
    found = index.match(["tests/a.py", "src/a.py", "tests/b.md"])
    assert found == [(0, 2), (0, 2), (0,)]
    assert found[0] is found[1]


def test_a_path_tries_only_the_patterns_indexed_under_its_components() -> None:
    lists = [[f"tests/mod{i}/**"] for i in range(1000)]
    index = PatternIndex(lists)
    tried: list[str] = []
    original = PatternSet.match

    def counting(self: PatternSet, path: str) -> bool:
        tried.append(path)
        return original(self, path)

    PatternSet.match = counting  # type: ignore[method-assign]
    try:
        found = index.match(["tests/mod7/test_a.py", "src/mod7/a.py"])
    finally:
        PatternSet.match = original  # type: ignore[method-assign]
    assert found[7] == (0,)
    assert sum(1 for f in found if f) == 1
    assert len(tried) <= 2  # one candidate per path, not one per list
