"""Path patterns: gitignore-style (pathspec), compiled once per policy.

``PatternSet`` is one list of patterns (a rule's ``paths`` or a ``tests`` requirement's globs).
This module also computes each pattern's index key (the literal component it must contain);
``vetgate.policy.pattern_index`` holds the indexes built on those keys (``PathMatcher`` for the
rules of a policy, ``PatternIndex`` for requirements' pattern lists).
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from vetgate.records import frozen

# Characters with a meaning inside one gitignore path segment.
_GLOB_CHARS = frozenset("*?[")
_WINDOWS_PATH = re.compile(r"^!?[A-Za-z]:[\\/]")
_DIR_MARK_GROUP = "(?P<ps_d>"


class PatternError(ValueError):
    """A pattern vetgate refuses; ``str(exc)`` says why, to follow the quoted pattern."""


def _pathspec() -> Any:
    """Import pathspec, without letting it pull in ``typing_extensions``.

    pathspec only wants ``typing_extensions.deprecated`` (it defines a fallback itself), and
    importing ``typing_extensions`` imports asyncio: about 25 ms on every commit-msg hook run.
    The block is lifted again at once, so nothing else in the process is affected.
    """
    if "pathspec.patterns.gitignore.spec" not in sys.modules and (
            "typing_extensions" not in sys.modules):
        sys.modules["typing_extensions"] = None  # type: ignore[assignment]
        try:
            import pathspec.patterns.gitignore.spec
        finally:
            del sys.modules["typing_extensions"]
    import pathspec
    import pathspec.patterns.gitignore.spec

    return pathspec


_END_ANCHOR = re.compile(r"(?<!\\)\$")
# pathspec's name for the group its regexes capture a directory match in (GitIgnoreSpec ranks a
# match through a directory below a match of the path itself).
_DIR_MARK = "ps_d"


# Every pattern translated in this process (policies repeat patterns), and those a stored
# compiled policy brought along (``remember_translations``): with them, a policy loaded from the
# store matches paths without importing pathspec at all.
_TRANSLATIONS: dict[str, tuple[str | None, bool | None]] = {}
_MAX_TRANSLATIONS = 1 << 16


def translations() -> dict[str, tuple[str | None, bool | None]]:
    """Every translation made or remembered so far (stored with a compiled policy)."""
    return dict(_TRANSLATIONS)


def remember_translations(known: Mapping[str, tuple[str | None, bool | None]]) -> None:
    """Take translations made by another run of the same vetgate (``vetgate.compiled``)."""
    _TRANSLATIONS.update(known)


def translate_pattern(pattern: str) -> tuple[str | None, bool | None]:
    r"""One gitignore-style pattern as pathspec's ``GitIgnoreSpecPattern`` translates it: the
    regular expression (None for a pattern that matches nothing) and whether it includes (False:
    a ``!`` pattern; None: a blank or comment line). Cached: policies repeat patterns.

    The regex is made exact for any file name git can store, to be compiled with ``re.DOTALL``:
    without DOTALL the ``.+`` of a leading ``**/`` cannot cross a newline in a directory name
    (so ``**/secrets/**`` would miss ``a\nb/secrets/key``), and ``$`` also matches before a final
    newline, which ``\Z`` does not. Raises ``PatternError`` for a pattern pathspec refuses (its
    exceptions vary: GitIgnorePatternError, ValueError, TypeError, and FutureWarning for regex
    look-alikes, all turned into one type here).
    """
    known = _TRANSLATIONS.get(pattern)
    if known is not None:
        return known
    GitIgnoreSpecPattern = _pathspec().patterns.gitignore.spec.GitIgnoreSpecPattern

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            raw, include = GitIgnoreSpecPattern.pattern_to_regex(pattern)
    except (ValueError, TypeError, FutureWarning, DeprecationWarning) as exc:
        raise PatternError(f"is not a valid glob ({exc})") from exc
    translated = (None, include) if include is None or raw is None else (
        _END_ANCHOR.sub(r"\\Z", raw), include)
    if len(_TRANSLATIONS) >= _MAX_TRANSLATIONS:
        _TRANSLATIONS.clear()  # bounded, as the lru_cache it replaced was
    _TRANSLATIONS[pattern] = translated
    return translated


def _compile(regex: str) -> re.Pattern[str]:
    try:
        return re.compile(regex, re.DOTALL)
    except re.error as exc:
        raise PatternError(f"is not a valid glob ({exc.msg})") from exc


# (index, literal, literal + "/", regex, include): a pattern whose translation is only a literal
# is matched by string comparison, with exactly the regex's result (no compiling, no regex run):
#   ^LITERAL                      (`dir/**`)       key starts with LITERAL
#   ^LITERAL(?:(?P<ps_d>/)|\Z)    (`a/b`, `/a/b`)  key is LITERAL, or below it (a directory match)
_Matcher = tuple[int, str, "str | None", "re.Pattern[str] | None", bool]
_LITERAL = r"((?:[^\\.^$*+?{}\[\]|()]|\\[^A-Za-z0-9])*)"
_PREFIX_FORM = re.compile(rf"\^{_LITERAL}")
_PATH_FORM = re.compile(rf"\^{_LITERAL}\(\?:\(\?P<{_DIR_MARK}>/\)\|\\Z\)")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def _matcher(index: int, regex: str, include: bool) -> _Matcher:
    prefix = _PREFIX_FORM.fullmatch(regex)
    if prefix is not None:
        return index, _ESCAPE.sub(r"\1", prefix.group(1)), None, None, include
    path = _PATH_FORM.fullmatch(regex)
    if path is not None:
        literal = _ESCAPE.sub(r"\1", path.group(1))
        return index, literal, literal + "/", None, include
    return index, "", None, _compile(regex), include


@lru_cache(maxsize=1 << 16)
def check_pattern(pattern: str) -> bool | None:
    """Make sure ``pattern`` compiles; return what it does: True includes, False excludes, None
    matches nothing. Raises ``PatternError`` like ``translate_pattern``.

    Only bracket expressions put text of the user's into the regular expression, so only
    patterns with ``[`` are compiled here; the rest are translated, which is several times
    cheaper (big policies load faster).
    """
    regex, include = translate_pattern(pattern)
    if "[" in pattern and regex is not None:
        _compile(regex)
    return include


def _segments(pattern: str) -> list[str]:
    """The ``/``-separated segments of a pattern body (no leading ``!``)."""
    return pattern.split("/")


def _bracket_end(segment: str, start: int) -> int | None:
    """The index of the ``]`` closing the bracket expression opened at ``start``, or None.

    As in glob: a leading ``!`` or ``^`` negates, and a ``]`` right after them is literal.
    """
    j, end = start + 1, len(segment)
    if j < end and segment[j] in "!^":
        j += 1
    if j < end and segment[j] == "]":
        j += 1
    while j < end and segment[j] != "]":
        j += 1
    return j if j < end else None


def _has_unclosed_bracket(segment: str) -> bool:
    return _literal_runs(segment) is None  # it gives up exactly at an unclosed bracket


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be used in a policy, or None when it is fine.

    The reason is worded to follow the quoted pattern, e.g. ``pattern "a/../b" has a '..'
    component; ...``. Beyond what pathspec rejects, this refuses patterns that gitignore would
    silently ignore or that can never match a repository-relative POSIX path, because a pattern
    that quietly matches nothing would let changes through.
    """
    if pattern == "":
        return "is empty"
    if not pattern.strip():
        return "is blank"
    if pattern.startswith("#"):
        return "starts with '#', which gitignore reads as a comment; write '\\#' for a literal '#'"
    body = pattern[1:] if pattern.startswith("!") else pattern
    if body == "":
        return "is a lone '!', which excludes nothing; put the pattern to exclude after the '!'"
    if body == "/":
        return "is '/', which matches nothing"
    # pathspec strips trailing whitespace (any Unicode space) unless it ends in "\\ ".
    if pattern.rstrip() != pattern and not pattern.endswith("\\ "):
        return ("ends with whitespace, which gitignore ignores; remove it, or escape a "
                "meaningful last space as '\\ '")
    if "\n" in pattern or "\r" in pattern:
        return "contains a line break"
    if _WINDOWS_PATH.match(pattern):
        return "looks like a Windows path; write repository-relative POSIX paths like src/auth/**"
    inner = body[1:] if body.startswith("/") else body
    if inner.endswith("/"):
        inner = inner[:-1]
    parts = _segments(inner)
    if any(part == "" for part in parts):
        return "has an empty path component ('//')"
    if any(part == ".." for part in parts):
        return ("has a '..' component; patterns are matched against repository-relative paths, "
                "which never contain '..'")
    if any(part == "." for part in parts):
        return "has a '.' component; remove the './'"
    if body.endswith("\\") and not body.endswith("\\\\"):
        return "ends with a lone backslash, which escapes nothing"
    if "[:" in body and re.search(r"\[[!^]?[^\]]*\[:[a-z]+:\]", body):
        return ("uses a POSIX character class like [:alpha:], which vetgate does not support; "
                "list the characters instead, e.g. [a-z]")
    if any(_has_unclosed_bracket(part) for part in parts):
        return "has an unclosed '[' (gitignore ignores such patterns); escape it as '\\['"
    try:
        include = check_pattern(pattern)
    except PatternError as exc:
        return str(exc)
    if include is None:
        return "matches nothing (gitignore ignores it)"
    return None


_LITERAL_SPECIAL = frozenset("\\*?[]!# \t")


def literal_pattern(path: str) -> str:
    """An anchored pattern that matches exactly the repository-relative ``path``.

    Every character with a meaning in gitignore is escaped, so odd file names (``[x].yaml``,
    ``#notes``, trailing spaces) stay literal.
    """
    escaped = "".join("\\" + char if char in _LITERAL_SPECIAL else char for char in path)
    if path[-1:].isspace():
        # gitignore strips trailing whitespace unless it is "\\ "; a one-character bracket
        # expression keeps any trailing space (NBSP included) literal.
        escaped = escaped[:-2 if escaped.endswith("\\" + path[-1]) else -1] + f"[{path[-1]}]"
    return "/" + escaped


def _unescape(segment: str) -> str:
    return re.sub(r"\\(.)", r"\1", segment)


def _is_literal(segment: str) -> bool:
    i = 0
    while i < len(segment):
        if segment[i] == "\\":
            i += 2
            continue
        if segment[i] in _GLOB_CHARS:
            return False
        i += 1
    return True


def _literal_tail(segment: str) -> str | None:
    """The literal text after the last wildcard or bracket expression of a glob segment
    (unescaped), or None when that text is not plainly literal."""
    tail_start = 0
    i = 0
    while i < len(segment):
        if segment[i] == "\\":
            i += 2
            continue
        if segment[i] in "*?]":
            tail_start = i + 1
        i += 1
    tail = segment[tail_start:]
    if not _is_literal(tail):
        return None
    return _unescape(tail)


IndexKey = tuple[str, str]  # ("name" | "ext" | "gram", value)
GRAM = 3  # length of the literal substrings that index otherwise unindexable patterns


def _literal_runs(segment: str) -> list[str] | None:
    """The runs of literal characters of a glob segment (outside wildcards and brackets),
    unescaped; None when the segment cannot be read plainly (an unclosed bracket)."""
    runs: list[str] = []
    current = ""
    i, end = 0, len(segment)
    while i < end:
        char = segment[i]
        if char == "\\" and i + 1 < end:
            current += segment[i + 1]
            i += 2
            continue
        if char in "*?":
            runs.append(current)
            current = ""
            i += 1
            continue
        if char == "[":
            close = _bracket_end(segment, i)
            if close is None:
                return None
            runs.append(current)
            current = ""
            i = close + 1
            continue
        current += char
        i += 1
    runs.append(current)
    return [run for run in runs if run]


def _index_segments(pattern: str) -> list[str]:
    body = pattern if pattern.endswith("\\ ") else pattern.rstrip()
    body = body.lstrip("/")
    if body.endswith("/"):
        body = body[:-1]
    return [seg for seg in _segments(body) if seg not in ("", "**")]


def literal_names(pattern: str) -> list[str]:
    """The literal path components every path matched by ``pattern`` must contain."""
    return [_unescape(seg) for seg in _index_segments(pattern) if _is_literal(seg)]


def index_key(pattern: str, frequency: Mapping[str, int] | None = None) -> IndexKey | None:
    """Something every path matched by the including ``pattern`` must contain, or None.

    Each non-``**`` segment of a gitignore pattern matches exactly one whole path component, so
    a literal segment ("auth") means the path has a component "auth"; a segment ending in a
    literal containing a dot ("*_test.py") means some component's extension is "py"; and any
    literal run of at least three characters ("*login*") means the path contains its last
    three characters.
    """
    segments = _index_segments(pattern)
    literal = [_unescape(seg) for seg in segments if _is_literal(seg)]
    if literal:
        if frequency:
            # The component fewest patterns of the policy share keeps each bucket small
            # (`services/svc7/api/**` under "svc7", not under the "api" of every service).
            # min() keeps the first of equals; reversed() makes that the last segment.
            return ("name", min(reversed(literal), key=lambda name: frequency.get(name, 0)))
        return ("name", literal[-1])
    for seg in reversed(segments):
        tail = _literal_tail(seg)
        if tail is not None and "." in tail:
            return ("ext", tail.rsplit(".", 1)[1])
    longest = ""
    for seg in segments:
        runs = _literal_runs(seg)
        if runs is None:
            return None
        for run in runs:
            if len(run) > len(longest):
                longest = run
    if len(longest) >= GRAM:
        return ("gram", longest[-GRAM:])
    return None


def fold(text: str, case_sensitive: bool = True) -> str:
    """The form paths and patterns are compared in.

    Canonically equivalent spellings are one name: ``é`` written precomposed (NFC, what most
    editors and Linux tools write) or as ``e`` + combining accent (NFD, what macOS file systems
    hand back) is the same folder on macOS, so both sides are composed (NFC) before matching.
    Compatibility forms (full-width letters, ligatures: NFKC) are not folded: they are other
    names on every file system, and folding them would also widen ``!`` exclusions. Without
    ``case_sensitive``, lower case too (composed again, as lowering can decompose).
    """
    if text.isascii():
        return text if case_sensitive else text.lower()
    import unicodedata

    text = unicodedata.normalize("NFC", text)
    return text if case_sensitive else unicodedata.normalize("NFC", text.lower())


def _effective(patterns: Sequence[str], case_sensitive: bool) -> tuple[str, ...]:
    return tuple(fold(p, case_sensitive) for p in patterns)


def _normalize(path: str) -> str:
    # The same normalisation pathspec applies before matching (leading "/" or "./" dropped).
    if path.startswith("/"):
        return path[1:]
    if path.startswith("./"):
        return path[2:]
    return path


@frozen
class PatternSet:
    """A compiled list of gitignore-style patterns; a leading ``!`` excludes.

    The last pattern that matches a path decides (gitignore semantics, as pathspec's
    ``GitIgnoreSpec``). Raises ``PatternError`` when a pattern cannot be compiled.
    """

    patterns: tuple[str, ...]
    case_sensitive: bool = True

    def __post_init__(self) -> None:
        for pattern in _effective(self.patterns, self.case_sensitive):
            check_pattern(pattern)  # refuse bad patterns now, not at the first match

    def _regexes(self) -> tuple[tuple[str | None, bool | None], ...]:
        """Each pattern translated (``translate_pattern``): kept with the set when a compiled
        policy is stored, so matching after a load needs ``re`` only, not pathspec."""
        regexes = self.__dict__.get("_translated")
        if regexes is None:
            regexes = tuple(translate_pattern(p)
                            for p in _effective(self.patterns, self.case_sensitive))
            object.__setattr__(self, "_translated", regexes)
        return regexes

    def _matchers(self) -> tuple[_Matcher, ...]:
        # Compiled on first use (in a big policy most rules never meet a candidate path), last
        # pattern first: the last one that matches decides.
        matchers = self.__dict__.get("_compiled")
        if matchers is None:
            matchers = tuple(_matcher(index, regex, include)
                             for index, (regex, include) in enumerate(self._regexes())
                             if regex is not None and include is not None)[::-1]
            object.__setattr__(self, "_compiled", matchers)
        return matchers

    def __getstate__(self) -> dict[str, object]:
        # What a compiled policy stores (vetgate.compiled): the translations, not the compiled
        # regexes (unpickling would compile every one of them; most are never used).
        state = {**self.__dict__, "_translated": self._regexes()}
        state.pop("_compiled", None)
        return state

    def check(self, path: str) -> tuple[bool | None, int | None]:
        """Whether ``path`` is included (None: no pattern matched it), and the index of the
        pattern that decided; pathspec's ``GitIgnoreSpec.check_file``, exactly.

        The last pattern that matches decides, except that a match through a directory (a
        pattern naming a directory the path lies in) ranks below a match of the path itself,
        as git does (tests/test_policy_patterns.py compares with pathspec).
        """
        key = _normalize(fold(path, self.case_sensitive))
        decided: tuple[bool | None, int | None] = (None, None)
        rank = 0
        for index, literal, below, regex, include in self._matchers():
            if regex is not None:
                match = regex.search(key)
                if match is None:
                    continue
                here = 1 if match.groupdict().get(_DIR_MARK) else 2
            elif below is None:  # `dir/**`: everything under a literal directory
                if not key.startswith(literal):
                    continue
                here = 2
            elif key == literal:  # a literal path: the path itself ...
                here = 2
            elif key.startswith(below):  # ... or below it, when it names a directory
                here = 1
            else:
                continue
            if here > rank:
                decided, rank = (include, index), here
                if here == 2:
                    break
        return decided

    def match(self, path: str) -> bool:
        """True when the last pattern that decides ``path`` includes it."""
        return bool(self.check(path)[0])

    def deciding_pattern(self, path: str) -> str | None:
        """The pattern that included ``path``, or None when the path is not matched."""
        include, index = self.check(path)
        if not include or index is None:
            return None
        return self.patterns[index]

    def including_regexes(self) -> list[str]:
        """The regular expressions of the including (non-``!``) patterns."""
        return [regex for regex, include in self._regexes() if include and regex is not None]
