"""SZZ: which commits introduced the lines that later fix commits removed or changed.

For each fix commit: the fix's diff against its parent (``-U0 -M -w``, data files excluded by
pathspec) gives the removed/changed lines in the parent; blank and comment-only lines are dropped;
then ONE ``git blame -w --porcelain`` per file, with all of that file's ranges as several ``-L``
options, names the commits that last touched them: the candidates. Variants:

- ``b`` (B-SZZ): every candidate is fix-inducing;
- ``r`` (R-SZZ, default): only the most recent candidate (by commit time) per fix;
- ``l`` (L-SZZ): only the largest candidate (most added+removed lines) per fix.

Candidates that are merges, the fix itself, or the cut-off commits of a shallow clone are ignored;
a re-land (revert of a revert) hands its lines back to the original commit. A fix with no
blameable removed line is a *ghost* fix (it only adds code) and is counted as such.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

from vetgate.audit.reverts import reapplied_original
from vetgate.changes import blame, history
from vetgate.errors import GitError, UsageError
from vetgate.records import frozen

SzzVariant = Literal["b", "l", "r"]
FixKind = Literal["blamed", "ghost", "data_only", "no_parent"]

SZZ_NAMES: dict[str, str] = {"b": "B-SZZ", "r": "R-SZZ", "l": "L-SZZ"}

# Subject words (which covers conventional `fix:`/`fix(scope):`/`fix!:`) and issue-closing
# keywords anywhere in the message. Case-insensitive; see docs/audit.md.
DEFAULT_FIX_PATTERN = (
    r"\A[^\n]*\b(?:fix|fixes|fixed|bug|bugs|bugfix|hotfix)\b"
    r"|\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?):?\s+(?:[\w.-]+/[\w.-]+)?#\d+"
)

# --- which files are not source code -------------------------------------------------------------

# Data, lock, documentation and generated files: their deleted lines are not code that a bug
# lives in (in one measured repository they were 92% of all deleted lines).
DATA_SUFFIXES: tuple[str, ...] = (
    ".json", ".jsonl", ".csv", ".tsv", ".lock", ".svg", ".min.js", ".min.css", ".map", ".snap",
    ".ipynb", ".md", ".rst", ".adoc",
)
DATA_NAMES: tuple[str, ...] = ("go.sum", "pnpm-lock.yaml", "yarn.lock", "package-lock.json")
VENDORED_DIRS: tuple[str, ...] = ("vendor", "vendored", "third_party", "third-party",
                                  "node_modules")


def exclude_pathspecs() -> tuple[str, ...]:
    """git pathspecs that keep data files and vendored folders out of a fix's diff."""
    specs = [f":(exclude,icase,glob)**/*{suffix}" for suffix in DATA_SUFFIXES]
    specs += [f":(exclude,icase,glob)**/{name}" for name in DATA_NAMES]
    specs += [f":(exclude,glob)**/{folder}/**" for folder in VENDORED_DIRS]
    return tuple(specs)


# A data suffix followed by another one (`events.jsonl.migrated`, `users.csv.bak`) is still data;
# pathspecs cannot say "anywhere in the name", so these are caught here, before blame.
_DATA_INFIXES: tuple[str, ...] = (".json.", ".jsonl.", ".ndjson", ".csv.", ".tsv.")
# Content: a file whose removed lines are this many or more, nearly all one-line records (JSON
# objects or arrays, or delimited rows), is data whatever its name.
RECORD_LINES = 500
RECORD_SHARE = 0.9
_RECORD_RE = re.compile(
    r"\A(?:\{.*\}|\[.*\])\s*,?\Z"  # a JSON object or array on one line
    r"|\A[^(){};=]*(?:,[^,(){};=]*){3,}\Z"  # a CSV row: 4+ fields, no code punctuation
    r"|\A[^\t]*(?:\t[^\t]*){3,}\Z"  # a TSV row
)


def looks_like_records(lines: Sequence[str]) -> bool:
    """True for many one-line records (JSON lines, CSV/TSV rows): data, not code."""
    if len(lines) < RECORD_LINES:
        return False
    records = sum(1 for line in lines if _RECORD_RE.match(line.strip()))
    return records >= RECORD_SHARE * len(lines)


def docstring_lines(source: bytes) -> frozenset[int]:
    """The 1-based line numbers of a Python file's docstrings (module, class, function).

    Docstrings are documentation, like comments. Only where it is clear: a file Python cannot
    parse has none. A file without a quote character has no string at all, so it is not parsed
    (unless a coding line could make some other byte a quote); only statements are walked, never
    expressions: a docstring is a statement, in the body of a statement.
    """
    if b'"' not in source and b"'" not in source and b"coding" not in source:
        return frozenset()
    import ast

    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return frozenset()
    lines: set[int] = set()
    owners = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    nested = (ast.stmt, ast.excepthandler, ast.match_case)
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, owners):
            body = node.body
            if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                first = body[0]
                lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            children = getattr(node, name, None)
            if isinstance(children, list):
                stack.extend(child for child in children if isinstance(child, nested))
    return frozenset(lines)


def is_data_path(path: str) -> bool:
    """True for a path SZZ leaves out (the list of ``exclude_pathspecs``, and a data suffix
    followed by another, such as ``*.jsonl.migrated``)."""
    lowered = path.lower()
    name = lowered.rsplit("/", 1)[-1]
    if name in DATA_NAMES or lowered.endswith(DATA_SUFFIXES):
        return True
    if any(infix in name for infix in _DATA_INFIXES):
        return True
    return any(part in VENDORED_DIRS for part in path.split("/")[:-1])


# --- which removed lines count -------------------------------------------------------------------

_HASH = ("#",)
_C_LIKE = ("//", "/*", "*")
_DASH = ("--",)
_SEMI = (";",)
_COMMENT_PREFIXES: dict[str, tuple[str, ...]] = {}
for _exts, _prefixes in (
    ("py pyi pyx sh bash zsh fish rb pl pm r yaml yml toml cfg conf mk cmake tf nix ex exs jl ps1 "
     "coffee cr nim awk", _HASH),
    ("c h cc cpp cxx hpp hh hxx m mm java js mjs cjs jsx ts tsx go rs swift kt kts scala cs dart "
     "groovy gradle proto css scss less sass zig sol v fs fsx", _C_LIKE),
    ("php", (*_C_LIKE, "#")),
    ("sql lua hs lhs elm ada adb ads vhd vhdl", _DASH),
    ("lisp el clj cljs cljc edn scm rkt asm s", _SEMI),
    ("ini", (";", "#")),
):
    for _ext in _exts.split():
        _COMMENT_PREFIXES[_ext] = _prefixes
_FILE_PREFIXES = {"makefile": _HASH, "dockerfile": _HASH, "gemfile": _HASH, "rakefile": _HASH}
_GENERIC = ("#", "//", "/*", "*", "--", ";")
_STAR_RE = re.compile(r"\*(?:\s|/|\Z)")  # "* text" or "*/" is a comment; "*ptr = 0" is code
_DASHES_RE = re.compile(r"--(?:\s|\Z)")  # generic files: "-- text" is a comment; "--i;" is code


def comment_prefixes(path: str) -> tuple[str, ...]:
    """The line-comment prefixes vetgate assumes for ``path`` (by extension, else a generic set)."""
    name = path.rsplit("/", 1)[-1].lower()
    if name in _FILE_PREFIXES:
        return _FILE_PREFIXES[name]
    if "." in name:
        return _COMMENT_PREFIXES.get(name.rsplit(".", 1)[-1], _GENERIC)
    return _GENERIC


def is_blameable(path: str, text: str) -> bool:
    """False for a blank line and a comment-only line; those do not make a bug."""
    stripped = text.strip()
    if not stripped:
        return False
    prefixes = comment_prefixes(path)
    for prefix in prefixes:
        if not stripped.startswith(prefix):
            continue
        if prefix == "*" and not _STAR_RE.match(stripped):
            continue
        if prefix == "--" and prefixes is _GENERIC and not _DASHES_RE.match(stripped):
            continue
        return False
    return True


# --- fix commits ---------------------------------------------------------------------------------


def compile_fix_pattern(text: str | None) -> re.Pattern[str]:
    """The fix-message pattern: case-insensitive, multi-line, searched in the whole message."""
    source = DEFAULT_FIX_PATTERN if text is None else text
    if not source:
        raise UsageError("--fix-pattern is empty; give a regular expression such as '^fix'")
    try:
        return re.compile(source, re.IGNORECASE | re.MULTILINE)
    except re.error as exc:
        raise UsageError(
            f"--fix-pattern {text!r} is not a valid regular expression: {exc}"
        ) from exc


@frozen
class FixCommit:
    """A commit whose message marks it as a fix."""

    sha: str
    parent: str | None  # first parent; None for a root commit (or a shallow clone's cut-off)
    commit_time: int


@frozen
class FixBlame:
    """What blaming one fix found, before a variant picks among the candidates."""

    fix: FixCommit
    kind: FixKind
    candidates: tuple[str, ...] = ()  # commits that last touched the removed lines
    blamed_lines: int = 0


def blameable_lines(removed: Sequence[blame.RemovedLines]
                    ) -> tuple[list[tuple[str, list[int]]], set[str]]:
    """The removed lines that can make a bug, per file (data files, comments and blank lines
    left out; docstrings not yet, see ``wanted_lines``); and the files left out as data by
    their content."""
    found: list[tuple[str, list[int]]] = []
    data_by_content: set[str] = set()
    for item in removed:
        if is_data_path(item.path):
            continue
        if looks_like_records([text for _, text in item.lines]):
            data_by_content.add(item.path)
            continue
        numbers = [number for number, text in item.lines if is_blameable(item.path, text)]
        if numbers:
            found.append((item.path, numbers))
    return found, data_by_content


def has_docstrings(path: str) -> bool:
    """True for the files whose docstrings are left out (Python)."""
    return path.lower().endswith((".py", ".pyi"))


def wanted_lines(removed: Sequence[blame.RemovedLines], read_file: Callable[[str], bytes]
                 ) -> tuple[list[tuple[str, tuple[tuple[int, int], ...]]], set[str]]:
    """The removed lines to blame, as line ranges per file of the fix's parent; and the
    files left out as data by their content. ``read_file(path)`` gives a file at the parent
    (for Python docstrings)."""
    found, data_by_content = blameable_lines(removed)
    wanted: list[tuple[str, tuple[tuple[int, int], ...]]] = []
    for path, numbers in found:
        if has_docstrings(path):
            docs = docstring_lines(read_file(path))
            numbers = [number for number in numbers if number not in docs]
        if numbers:
            wanted.append((path, blame.to_ranges(numbers)))
    return wanted, data_by_content


def window_start(fix: FixCommit, max_age_seconds: int | None) -> int | None:
    """Where blaming ``fix`` stops (unix time; older commits are boundaries); None: nowhere.

    A start before 1970 is none: no commit is older. (git reads a negative ``--max-age`` as a
    huge unsigned date and would make every line a boundary.)
    """
    if max_age_seconds is None:
        return None
    since = fix.commit_time - max_age_seconds
    return since if since > 0 else None


def blame_fix(root: str, fix: FixCommit, exclude: Sequence[str],
              max_age_seconds: int | None = None) -> FixBlame:
    """Diff ``fix`` against its parent and blame the removed source lines there.

    With ``max_age_seconds`` blame stops at commits older than that before the fix (their lines
    go to a boundary commit, which is ignored): a window makes older candidates moot anyway, and
    blame no longer walks all of history.
    """
    if fix.parent is None:
        return FixBlame(fix, "no_parent")
    parent = fix.parent
    removed = blame.removed_lines(root, fix.sha, parent, exclude)
    wanted, data_by_content = wanted_lines(removed,
                                           lambda path: blame.file_at(root, parent, path))
    if not wanted:
        touched = blame.changed_paths(root, parent, fix.sha, exclude)
        source = [path for path in touched
                  if not is_data_path(path) and path not in data_by_content]
        return FixBlame(fix, "ghost" if source else "data_only")
    since = window_start(fix, max_age_seconds)
    counts: dict[str, int] = {}
    lines = 0
    for path, ranges in wanted:
        for blamed in blame.blame_ranges(root, parent, path, ranges, since=since):
            if blamed.boundary or blamed.sha == fix.sha:
                continue
            counts[blamed.sha] = counts.get(blamed.sha, 0) + 1
            lines += 1
    # "blamed" even when every line went to a boundary: the fix had lines to blame.
    return FixBlame(fix, "blamed", tuple(counts), lines)


# --- choosing among candidates -------------------------------------------------------------------


def select_candidates(variant: SzzVariant,
                      candidates: Sequence[history.CommitFacts]) -> tuple[history.CommitFacts, ...]:
    """Apply the SZZ variant to one fix's candidates."""
    if not candidates or variant == "b":
        return tuple(candidates)
    if variant == "r":
        return (max(candidates, key=lambda c: (c.commit_time, c.lines, c.sha)),)
    return (max(candidates, key=lambda c: (c.lines, c.commit_time, c.sha)),)


@dataclass
class SzzResult:
    """Fix-inducing commits, and the counts the report's method section shows."""

    # introducing commit sha → [(fix sha, fix commit time)]
    inducing: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    fixes: int = 0
    blamed: int = 0
    ghost: int = 0
    data_only: int = 0
    no_parent: int = 0
    candidates_ignored: int = 0  # merges and shallow cut-offs


# Fixes blamed per batch: bounds what is held at once (outcomes, candidate facts).
BATCH = 256


def run_szz(root: str, fixes: Sequence[FixCommit], variant: SzzVariant, *,
            revert_targets: Mapping[str, tuple[str, ...]] | None = None,
            shallow: Iterable[str] = (),
            window_seconds: int | None = None,
            on_progress: Callable[[int, int], None] | None = None,
            workers: int | None = None, head: str | None = None) -> SzzResult:
    """Blame every fix and apply ``variant``.

    With ``head`` (the end of the audited range) and a full clone, the owners of every line
    are followed forward through history in one pass (``vetgate.audit.lineage``): the same
    answer as ``git blame``, from one ``git log -p`` instead of git processes per fix. The fixes
    that pass cannot settle are blamed one by one, in parallel (one worker per core unless
    ``workers`` says otherwise).

    With ``window_seconds`` (and variant b or r, whose answer cannot change by it) blame stops
    at the window: candidates older than it could not count as failures anyway; the forward
    pass drops them the same way. L-SZZ compares sizes across all candidates, so it always
    blames the whole history.
    """
    result = SzzResult(fixes=len(fixes))
    if not fixes:
        return result
    exclude = exclude_pathspecs()
    max_age = window_seconds if variant in ("b", "r") else None
    workers = workers or os.cpu_count() or 1
    targets = revert_targets or {}
    cut_off = frozenset(shallow)
    done = 0
    settled: dict[str, FixBlame] = {}
    if head and not cut_off:
        settled = _forward(root, head, fixes, max_age, workers)

    def blame(fix: FixCommit) -> FixBlame:
        found = settled.get(fix.sha)
        return found if found is not None else blame_fix(root, fix, exclude, max_age)

    # Threads are enough: the work is in git processes. Executor.map yields in input order, so
    # the result is the same, in the same order, with one worker or many.
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for start in range(0, len(fixes), BATCH):
            batch = fixes[start:start + BATCH]
            outcomes = []
            for outcome in (pool.map(blame, batch) if workers > 1 else map(blame, batch)):
                outcomes.append(outcome)
                done += 1
                if on_progress is not None:
                    on_progress(done, len(fixes))
            _choose(root, outcomes, variant, targets, cut_off, result)
    return result


# The forward pass reads every commit's diff once; one blame costs about as much as reading a
# hundred commits' diffs (benchmarks/RESULTS.md), so it pays from one fix per hundred commits.
COMMITS_PER_FIX = 100


def _forward(root: str, head: str, fixes: Sequence[FixCommit], max_age: int | None,
             workers: int = 1) -> dict[str, FixBlame]:
    """The fixes the forward pass settles (none when it does not pay or cannot follow)."""
    from vetgate.audit import lineage
    from vetgate.changes.lineage import LineageUnsupported

    try:
        return lineage.forward_blames(root, head, fixes, COMMITS_PER_FIX, max_age, workers)
    except (LineageUnsupported, GitError):
        return {}  # blame_fix does it all (and names what git could not read, if anything)


def _choose(root: str, outcomes: Sequence[FixBlame], variant: SzzVariant,
            targets: Mapping[str, tuple[str, ...]], cut_off: frozenset[str],
            result: SzzResult) -> None:
    """Turn one batch of blame outcomes into fix-inducing commits (updates ``result``)."""
    mapped: dict[str, tuple[str, ...]] = {}
    for outcome in outcomes:
        for sha in outcome.candidates:
            if sha not in mapped:
                mapped[sha] = reapplied_original(sha, targets)
    facts = history.commit_facts(root, {sha for shas in mapped.values() for sha in shas},
                                 sizes=variant == "l")
    chosen_from: list[tuple[FixBlame, list[history.CommitFacts]]] = []
    for outcome in outcomes:
        if outcome.kind == "ghost":
            result.ghost += 1
        elif outcome.kind == "data_only":
            result.data_only += 1
        elif outcome.kind == "no_parent":
            result.no_parent += 1
        if outcome.kind != "blamed":
            continue
        result.blamed += 1
        candidates: dict[str, history.CommitFacts] = {}
        for raw in outcome.candidates:
            for sha in mapped[raw]:
                fact = facts.get(sha)
                if (fact is None or len(fact.parents) > 1 or sha in cut_off
                        or sha == outcome.fix.sha):
                    result.candidates_ignored += 1
                    continue
                candidates[sha] = fact
        chosen_from.append((outcome, list(candidates.values())))
    if variant == "r":
        _size_ties(root, chosen_from)
    for outcome, candidates_of_fix in chosen_from:
        for chosen in select_candidates(variant, candidates_of_fix):
            result.inducing.setdefault(chosen.sha, []).append(
                (outcome.fix.sha, outcome.fix.commit_time)
            )


def _size_ties(root: str, chosen_from: list[tuple[FixBlame, list[history.CommitFacts]]]
               ) -> None:
    """R-SZZ breaks a tie of commit times by size: read the sizes of the tied candidates only
    (the facts were read without diffs) and put them in place."""
    tied: set[str] = set()
    for _, candidates in chosen_from:
        if len(candidates) > 1:
            newest = max(fact.commit_time for fact in candidates)
            latest = [fact.sha for fact in candidates if fact.commit_time == newest]
            if len(latest) > 1:
                tied.update(latest)
    if not tied:
        return
    sized = history.commit_facts(root, tied)
    for _, candidates in chosen_from:
        candidates[:] = [sized.get(fact.sha, fact) for fact in candidates]
