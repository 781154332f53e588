"""What every report format shares: ordering, counting, limits, escaping, stable identities.

Reporters only format the result tree: nothing here touches git or the policy.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from vetgate.engine.result import CheckResult, RequirementResult, RuleResult
from vetgate.provenance.model import Evidence
from vetgate.records import frozen

# Order in which rules are reported: what blocks first, then what warns, then what is pending.
_RANK = {("fail", "block"): 0, ("fail", "warn"): 1}
_STATUS_RANK = {"error": 0, "fail": 1, "pending": 2, "pass": 3, "skip": 4}

UNMET = ("fail", "pending")

# C0 and C1 control characters, DEL included. A file name or a commit message can carry escape
# sequences; printed raw they would rewrite the reader's terminal or forge log lines.
_CONTROL = r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]"
# A path that is not valid UTF-8 arrives decoded with "surrogateescape": its odd bytes are lone
# surrogates U+DC80..U+DCFF, which no UTF-8 output can carry.
_SURROGATE = r"[\ud800-\udfff]"
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def rule_rank(rule: RuleResult) -> int:
    """Sort key: failing block rules, failing warn rules, pending, passed, skipped."""
    return _RANK.get((rule.status, rule.level), _STATUS_RANK[rule.status] + 1)


def ordered(results: Iterable[RuleResult]) -> list[RuleResult]:
    """The rules in report order; policy order within each group (the sort is stable)."""
    return sorted(results, key=rule_rank)


def unmet(rule: RuleResult) -> tuple[RequirementResult, ...]:
    """The requirements of ``rule`` that are not met yet (failing or pending)."""
    return tuple(r for r in rule.requirements if r.status in UNMET)


def requirement_paths(rule: RuleResult, requirement: RequirementResult) -> tuple[str, ...]:
    """The files an unmet requirement speaks about (the rule's files when it names none)."""
    return requirement.paths or rule.paths


@frozen
class Tally:
    """How many rules block, warn, are pending, passed and were skipped."""

    blocking: tuple[RuleResult, ...]
    warning: tuple[RuleResult, ...]  # warn-level rules that fail
    pending: tuple[RuleResult, ...]
    passed: tuple[RuleResult, ...]
    skipped: tuple[RuleResult, ...]
    notes: tuple[str, ...]  # CheckResult.warnings

    @property
    def warnings(self) -> int:
        """Everything that does not block but needs attention."""
        return len(self.warning) + len(self.pending) + len(self.notes)


def tally(result: CheckResult) -> Tally:
    """Count the rules of ``result`` by outcome."""
    rules = result.results
    return Tally(
        blocking=tuple(r for r in rules if r.status == "fail" and r.level == "block"),
        warning=tuple(r for r in rules if r.status == "fail" and r.level == "warn"),
        pending=tuple(r for r in rules if r.status == "pending"),
        passed=tuple(r for r in rules if r.status == "pass"),
        skipped=tuple(r for r in rules if r.status == "skip"),
        notes=result.warnings,
    )


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 rule`` / ``2 rules``."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def verdict_line(result: CheckResult) -> str:
    """The one-line verdict every human-facing format ends (or starts) with."""
    counts = tally(result)
    if result.verdict == "fail":
        count = len(counts.blocking)
        fails = f"{plural(count, 'rule')} {'fails' if count == 1 else 'fail'}"
        if result.warn_only:
            return f"vetgate: would block (--warn-only) — {fails}"
        return f"vetgate: BLOCKED — {fails}"
    if result.verdict == "warn":
        if counts.warnings:
            return f"vetgate: passed with {plural(counts.warnings, 'warning')}"
        return "vetgate: passed with warnings"
    return "vetgate: passed"


MAX_SUBJECT = 50  # characters of a commit subject quoted beside a piece of evidence


def commit_label(sha: str | None, subject: str) -> str:
    """``0123abcdef "Speed up charging"``: a commit as every report names it (``pending commit
    "…"`` for the commit being made); a long subject is cut with an ellipsis."""
    name = short_sha(sha) if sha else "pending commit"
    if not subject:
        return name
    if len(subject) > MAX_SUBJECT:
        subject = subject[:MAX_SUBJECT - 1].rstrip() + "…"
    return f'{name} "{subject}"'


def cite(item: Evidence) -> str:
    """One line for people: the commit the evidence was found on, then ``Evidence.describe()``,
    e.g. ``0123abcdef "Speed up charging": Claude Code: trailer, message line 4: …``."""
    if not item.cited:
        return item.describe()
    return f"{commit_label(item.commit, item.commit_subject or '')}: {item.describe()}"


def evidence_lines(evidence: Iterable[Evidence]) -> list[str]:
    """``cite()`` of each item, first occurrence kept, duplicates dropped."""
    seen: dict[str, None] = {}
    for item in evidence:
        seen.setdefault(cite(item), None)
    return list(seen)


def limited(items: Sequence[str], limit: int) -> tuple[list[str], int]:
    """The first ``limit`` items and how many were left out (a ``+N more`` line says so).

    When only one item would be left out it is shown instead: "+1 more" saves nothing.
    """
    if len(items) <= limit + 1:
        return list(items), 0
    return list(items[:limit]), len(items) - limit


def _escape(char: str) -> str:
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, escaped by "surrogateescape"
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` for people: control characters and undecodable bytes shown as escapes
    (``\\n``, ``\\x1b``, ``\\xff``), never raw."""
    if text.isascii() and text.isprintable():  # the common case: nothing to escape
        return text
    return re.sub(_CONTROL, lambda m: _escape(m.group()), text)


def encodable(text: str) -> str:
    """``text`` for data formats (JSON): only undecodable bytes become ``\\xNN`` escapes, so the
    result is valid Unicode; every other character, newlines included, is kept as it is."""
    if text.isascii():
        return text
    return re.sub(_SURROGATE, lambda m: _escape(m.group()), text)


def fingerprint(rule: str, path: str, kind: str) -> str:
    """A stable identity for "requirement ``kind`` of ``rule`` is unmet for ``path``".

    Code hosts use it to track one finding across runs; it depends on nothing that changes
    between runs of the same situation (no line numbers, no messages, no shas).
    """
    import hashlib  # only the formats with fingerprints (SARIF, code quality) ask

    digest = hashlib.sha256()
    for part in (rule, path, kind):
        digest.update(part.encode("utf-8", "surrogateescape"))
        digest.update(b"\x00")
    return digest.hexdigest()


def short_sha(sha: str | None) -> str:
    """The 10-character abbreviation used in every human-facing format."""
    return sha[:10] if sha else ""


def fit(pieces: Sequence[tuple[str, str | None]], limit: int,
        note: Callable[[list[str]], str], *, measure: str = "chars") -> str:
    """Join ``pieces`` (text, rule id or None) into at most ``limit`` units.

    ``measure`` is ``chars`` (a PR comment's limit) or ``bytes`` (UTF-8, the step summary's).
    When everything does not fit, whole pieces are kept from the start and ``note(omitted)`` is
    appended, ``omitted`` being the ids of the rules not shown in full — so a reader knows the
    report was cut and what is missing.
    """
    def length(text: str) -> int:
        return len(text.encode("utf-8")) if measure == "bytes" else len(text)

    if sum(length(text) for text, _ in pieces) <= limit:
        return "".join(text for text, _ in pieces)
    rules = list(dict.fromkeys(rule for _, rule in pieces if rule is not None))
    # Room for the note, sized for the worst case (every rule omitted), so the loop stays linear.
    reserve = length(note(rules))
    kept: list[str] = []
    used = 0
    for index, (text, _) in enumerate(pieces):
        if used + length(text) + reserve > limit:
            cut = {rule for _, rule in pieces[index:]}
            kept.append(note([rule for rule in rules if rule in cut]))  # in report order
            break
        kept.append(text)
        used += length(text)
    return "".join(kept)


def change_summary(result: CheckResult, *, range_style: str = "{}") -> str | None:
    """"5 files changed (4 AI-origin) in 3 commits (2 AI-origin), 1111..2222"; None when the
    change is empty. ``range_style`` wraps the ``base..head`` part (e.g. as code)."""
    files = result.files
    if not files:
        return None
    ai_files = sum(1 for f in files if f.origin == "ai")
    text = f"{plural(len(files), 'file')} {'staged' if result.mode == 'staged' else 'changed'}"
    text += f" ({ai_files} AI-origin)"
    if result.mode != "staged":
        ai_commits = sum(1 for c in result.commits if c.counts_as == "ai")
        text += f" in {plural(len(result.commits), 'commit')} ({ai_commits} AI-origin)"
        if result.base and result.head:
            text += ", " + range_style.format(f"{short_sha(result.base)}..{short_sha(result.head)}")
    return text
