"""Path patterns: gitignore-style (pathspec), compiled once per policy.

``PatternSet`` is one list of patterns (a rule's ``paths`` or a ``tests`` requirement's globs).
``PathMatcher`` answers "which rules match this path" for a whole policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PatternSet:
    """A compiled list of gitignore-style patterns; a leading ``!`` excludes."""

    patterns: tuple[str, ...]
    case_sensitive: bool = True

    def __post_init__(self) -> None:
        import pathspec

        lines = self.patterns if self.case_sensitive else tuple(p.lower() for p in self.patterns)
        object.__setattr__(self, "_spec", pathspec.GitIgnoreSpec.from_lines(lines))

    def match(self, path: str) -> bool:
        """True when the last pattern that decides ``path`` includes it."""
        if not self.case_sensitive:
            path = path.lower()
        return bool(self._spec.match_file(path))  # type: ignore[attr-defined]

    def deciding_pattern(self, path: str) -> str | None:
        """The pattern that included ``path``, or None when the path is not matched."""
        key = path if self.case_sensitive else path.lower()
        result = self._spec.check_file(key)  # type: ignore[attr-defined]
        if not result.include or result.index is None:
            return None
        return self.patterns[result.index]


class PathMatcher:
    """Which rules match a path, for every rule of a policy at once."""

    def __init__(self, rule_patterns: Sequence[tuple[str, Sequence[str]]], *,
                 case_sensitive: bool = True) -> None:
        self._rules = tuple(
            (rule_id, PatternSet(tuple(patterns), case_sensitive))
            for rule_id, patterns in rule_patterns
        )

    def rules_for(self, path: str) -> tuple[str, ...]:
        """Ids of the rules whose ``paths`` match ``path``, in policy order."""
        return tuple(rule_id for rule_id, spec in self._rules if spec.match(path))

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
        for rid, spec in self._rules:
            if rid == rule_id:
                return spec.deciding_pattern(path)
        return None
