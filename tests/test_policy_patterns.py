"""Path patterns: the indexed PathMatcher agrees with plain per-rule pathspec matching, odd
names stay literal, bad patterns are refused with a reason, and matching is fast."""

from __future__ import annotations

import unicodedata

import pathspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vetgate.policy.pattern_index import PathMatcher
from vetgate.policy.patterns import (
    PatternError,
    PatternSet,
    check_pattern,
    fold,
    index_key,
    literal_pattern,
    pattern_problem,
)

SEGMENTS = ["a", "b", "ab", "a.py", "b.md", "*", "**", "*.py", "a*", "?", "[ab]", "[!a]*",
            "\\*", ".x", "A", "*.tar.py", "x?y.md", "*_test.py", "[a-c]*.md", "*abc*", "x*yz?",
            "[!x]ABC*", "*\\*ab*"]
COMPONENTS = ["a", "b", "ab", "a.py", "b.md", "x", "A", "*", "c.tar.py", ".x", "A.PY", "xzy.md",
              "u_test.py", "B.md", "ä", "xabcx", "abc", "xyyz1", "qabcd", "*ab"]


@st.composite
def patterns(draw: st.DrawFn) -> str:
    body = "/".join(draw(st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=3)))
    pattern = (draw(st.sampled_from(["", "!"])) + draw(st.sampled_from(["", "/"])) + body
               + draw(st.sampled_from(["", "/"])))
    try:
        check_pattern(pattern)
    except PatternError:
        return "a"
    return pattern


paths = st.lists(st.sampled_from(COMPONENTS), min_size=1, max_size=4).map("/".join)
rules = st.lists(st.lists(patterns(), min_size=1, max_size=4), min_size=1, max_size=6)


def naive_rules_for(rule_patterns: list[list[str]], path: str, case_sensitive: bool
                    ) -> tuple[str, ...]:
    out = []
    for index, patterns_ in enumerate(rule_patterns):
        lines = patterns_ if case_sensitive else [p.lower() for p in patterns_]
        key = path if case_sensitive else path.lower()
        if pathspec.GitIgnoreSpec.from_lines(lines).match_file(key):
            out.append(f"r{index}")
    return tuple(out)


@settings(max_examples=250, deadline=None)
@given(rules, st.lists(paths, min_size=1, max_size=8), st.booleans())
def test_fast_matcher_agrees_with_naive_matching(rule_patterns: list[list[str]],
                                                 sample: list[str], case_sensitive: bool) -> None:
    matcher = PathMatcher([(f"r{i}", p) for i, p in enumerate(rule_patterns)],
                          case_sensitive=case_sensitive)
    for path in sample:
        assert matcher.rules_for(path) == naive_rules_for(rule_patterns, path, case_sensitive)


@settings(max_examples=200, deadline=None)
@given(rules, paths)
def test_deciding_pattern_is_the_last_including_match(rule_patterns: list[list[str]],
                                                      path: str) -> None:
    matcher = PathMatcher([(f"r{i}", p) for i, p in enumerate(rule_patterns)])
    for index, patterns_ in enumerate(rule_patterns):
        result = pathspec.GitIgnoreSpec.from_lines(patterns_).check_file(path)
        expected = patterns_[result.index] if result.include else None
        assert matcher.deciding_pattern(f"r{index}", path) == expected


names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/"),
    min_size=1, max_size=12,
).filter(lambda s: s not in (".", ".."))


@settings(max_examples=300, deadline=None)
@given(st.lists(names, min_size=1, max_size=3), st.lists(names, min_size=1, max_size=3))
def test_literal_pattern_matches_exactly_that_path(parts: list[str], other: list[str]) -> None:
    path = "/".join(parts)
    pattern = literal_pattern(path)
    assert pattern_problem(pattern) is None
    spec = PatternSet((pattern,))
    assert spec.match(path)
    other_path = "/".join(other)
    if other_path != path and not other_path.startswith(path + "/"):
        assert not spec.match(other_path)


@settings(max_examples=300, deadline=None)
@given(st.lists(names, min_size=1, max_size=3), st.lists(names, min_size=1, max_size=4),
       st.sampled_from(["", "/**", "/"]), st.booleans())
def test_literal_patterns_match_as_pathspec_does(parts: list[str], path_parts: list[str],
                                                 tail: str, negate: bool) -> None:
    """Patterns that translate to a literal are matched by string comparison
    (``patterns._matcher``): the same verdict, and the same deciding pattern, as pathspec's."""
    lines = ["**", ("!" if negate else "") + literal_pattern("/".join(parts)) + tail]
    path = "/".join(parts[:len(path_parts)] + path_parts[len(parts):]
                    if len(path_parts) > len(parts) else path_parts)
    expected = pathspec.GitIgnoreSpec.from_lines(lines).check_file(path)
    assert PatternSet(tuple(lines)).check(path) == (expected.include, expected.index)


def test_literal_pattern_escapes_glob_characters() -> None:
    assert literal_pattern("policies/[x] #1 !.yaml") == "/policies/\\[x\\]\\ \\#1\\ \\!.yaml"
    spec = PatternSet((literal_pattern("a*b.yaml"),))
    assert spec.match("a*b.yaml")
    assert not spec.match("axxb.yaml")


@pytest.mark.parametrize(("pattern", "reason"), [
    ("", "is empty"),
    ("   ", "is blank"),
    ("#notes", "starts with '#', which gitignore reads as a comment; write '\\#' for a "
               "literal '#'"),
    ("!", "is a lone '!', which excludes nothing; put the pattern to exclude after the '!'"),
    ("/", "is '/', which matches nothing"),
    ("src/auth ", "ends with whitespace, which gitignore ignores; remove it, or escape a "
                  "meaningful last space as '\\ '"),
    ("C:\\src\\auth", "looks like a Windows path; write repository-relative POSIX paths like "
                      "src/auth/**"),
    ("src//auth", "has an empty path component ('//')"),
    ("src/../x", "has a '..' component; patterns are matched against repository-relative "
                 "paths, which never contain '..'"),
    ("./src/**", "has a '.' component; remove the './'"),
    ("src\\", "ends with a lone backslash, which escapes nothing"),
    ("[[:alpha:]]*", "uses a POSIX character class like [:alpha:], which vetgate does not "
                     "support; list the characters instead, e.g. [a-z]"),
    ("src/[abc", "has an unclosed '[' (gitignore ignores such patterns); escape it as '\\['"),
    ("[z-a]", "is not a valid glob (bad character range z-a)"),
])
def test_pattern_problems(pattern: str, reason: str) -> None:
    assert pattern_problem(pattern) == reason


@pytest.mark.parametrize("pattern", [
    "src/**", "/anchored", "**/*.py", "!**/*.md", "docs/", "\\#x", "a\\ ", "[ab]?.py",
    "src/ünï/**", "**",
])
def test_good_patterns_have_no_problem(pattern: str) -> None:
    assert pattern_problem(pattern) is None


@pytest.mark.parametrize(("pattern", "key"), [
    ("src/**/auth/**", ("name", "auth")),
    ("/.vetgate.yaml", ("name", ".vetgate.yaml")),
    ("**/*.md", ("ext", "md")),
    ("*_test.py", ("ext", "py")),
    ("x[ab].tar.gz", ("ext", "gz")),
    ("\\#notes", ("name", "#notes")),
    ("**", None),
    ("*", None),
    ("*.[ch]", None),
    ("src*/**", ("gram", "src")),
    ("**/*login*", ("gram", "gin")),
    ("[ab]cde?", ("gram", "cde")),
    ("a*", None),
    ("[abc", None),
])
def test_index_keys(pattern: str, key: tuple[str, str] | None) -> None:
    assert index_key(pattern) == key


def test_pattern_set_refuses_uncompilable_patterns() -> None:
    with pytest.raises(PatternError):
        PatternSet(("src\\",))


def test_match_many_and_rule_ids() -> None:
    matcher = PathMatcher([("auth", ["src/auth/**", "!**/*.md"]), ("py", ["*.py"])])
    assert matcher.rule_ids == ("auth", "py")
    assert matcher.match_many(["src/auth/a.py", "src/auth/README.md", "x.txt"]) == {
        "src/auth/a.py": ("auth", "py"),
    }
    assert matcher.deciding_pattern("nope", "x") is None


def _policy_scale(rule_count: int) -> list[tuple[str, list[str]]]:
    rules = []
    for i in range(rule_count):
        kind = i % 5
        if kind == 0:
            patterns_ = [f"src/team{i}/**", "!**/*.md"]
        elif kind == 1:
            patterns_ = [f"services/svc{i}/**/*.py"]
        elif kind == 2:
            patterns_ = [f"**/module{i}/**"]
        elif kind == 3:
            patterns_ = [f"**/*.ext{i}", f"lib/pkg{i}.py"]
        else:
            patterns_ = [f"apps/app{i}/**", f"**/*gen{i}*"] if i % 50 == 4 else \
                [f"apps/app{i}/**"]
        rules.append((f"rule-{i}", patterns_))
    return rules


def _paths(count: int) -> list[str]:
    return [f"src/team{i % 997}/pkg/file{i}.py" if i % 3 == 0 else
            f"services/svc{i % 1013}/sub/mod{i}.py" if i % 3 == 1 else
            f"other/dir{i % 89}/file{i}.txt" for i in range(count)]


def _candidate_counts(rule_count: int, sample: list[str]) -> tuple[int, int]:
    """How many rules the index makes each path try, in total, and how many paths matched.

    The index is what keeps matching sublinear in the number of rules; counting the candidates it
    yields says so deterministically (timings live in benchmarks/, never in tests)."""
    matcher = PathMatcher(_policy_scale(rule_count))
    tried = sum(len(matcher._candidates(path)) for path in sample)
    return tried, len(matcher.match_many(sample))


@pytest.mark.slow
def test_matching_20000_paths_tries_few_rules_per_path() -> None:
    sample = _paths(20_000)
    tried, matched = _candidate_counts(1_000, sample)
    assert matched > 0
    # Without the index each path would try all 1,000 rules (20 million pattern matches); with
    # it, fewer than one rule per path on average, and still so with three times the rules.
    assert tried < len(sample), tried
    more, _ = _candidate_counts(3_000, sample)
    assert more < len(sample), more


def test_index_key_prefers_the_rarest_literal_component() -> None:
    frequency = {"services": 500, "svc7": 1, "api": 500}
    assert index_key("services/svc7/api/**", frequency) == ("name", "svc7")
    assert index_key("services/svc7/api/**") == ("name", "api")
    # Equally rare: the last segment, as without frequencies.
    assert index_key("a/b/**", {"a": 1, "b": 1}) == ("name", "b")


# --- canonically equivalent spellings (issue 17, class 10) ----------------------------------------

# Letters that have a canonical decomposition (é = e + U+0301, Å, ñ, Hangul syllables, ...) and
# others that have none, in several scripts.
_DECOMPOSABLE = [chr(c) for c in range(0xC0, 0x250) if unicodedata.decomposition(chr(c))
                 and not unicodedata.decomposition(chr(c)).startswith("<")]
_LETTERS = st.sampled_from(_DECOMPOSABLE + list("abzÆØßłđ") + ["가", "힣", "ῷ", "ǻ", "Ḝ", "ṩ"])
non_ascii_names = st.lists(_LETTERS, min_size=1, max_size=6).map("".join).filter(
    lambda name: not name.isascii())


@settings(max_examples=300, deadline=None)
@given(non_ascii_names, st.sampled_from(["NFC", "NFD"]), st.sampled_from(["NFC", "NFD"]),
       st.booleans())
def test_canonically_equivalent_spellings_match_alike(
        name: str, pattern_form: str, path_form: str, case_sensitive: bool) -> None:
    pattern = unicodedata.normalize(pattern_form, name) + "/**"
    path = unicodedata.normalize(path_form, name) + "/charge.py"
    matcher = PathMatcher([("protected", [pattern]), ("other", ["zzz/**"])],
                          case_sensitive=case_sensitive)
    assert matcher.rules_for(path) == ("protected",)
    assert PatternSet((pattern,), case_sensitive).match(path)
    # An exclusion written in one form excludes the other form too.
    excluding = PatternSet(("**", "!" + pattern), case_sensitive)
    assert not excluding.match(path)


@settings(max_examples=200, deadline=None)
@given(non_ascii_names, st.sampled_from(["NFC", "NFD"]))
def test_case_insensitive_matching_of_decomposed_upper_case(name: str, path_form: str) -> None:
    lower = unicodedata.normalize("NFC", name.lower())
    upper = unicodedata.normalize(path_form, name.upper())
    if fold(upper, False) != fold(lower, False):
        return  # lower(upper(x)) is not x for this name (e.g. ß -> SS): a different name
    matcher = PathMatcher([("protected", [lower + "/**"])], case_sensitive=False)
    assert matcher.rules_for(upper + "/x.py") == ("protected",)
    if fold(upper) != fold(lower):  # the name has case: a case-sensitive policy tells them apart
        assert PathMatcher([("protected", [lower + "/**"])]).rules_for(upper + "/x.py") == ()


def test_compatibility_forms_stay_distinct_names() -> None:
    """Full-width letters and ligatures are other file names everywhere: not folded."""
    matcher = PathMatcher([("pay", ["payments/**"]), ("fin", ["ﬁnance/**"])],
                          case_sensitive=False)
    assert matcher.rules_for("ｐayments/x.py") == ()
    assert matcher.rules_for("finance/x.py") == ()
    assert matcher.rules_for("ﬁnance/x.py") == ("fin",)


def test_fold_keeps_bytes_that_are_not_utf8() -> None:
    odd = "caf\udcc3e\u0301/x"  # a surrogate-escaped byte, then a decomposed é
    assert fold(odd) == "caf\udcc3é/x"
    assert fold("ÉTÉ/X", case_sensitive=False) == "été/x"
