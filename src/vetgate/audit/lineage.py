"""SZZ's blame for every fix from one forward pass over history, instead of one ``git blame``
per fix.

Walking history oldest first, every line of every file carries its *owner*: the commit
``git blame -w`` would name for it. A commit's diff against its parent (``-U0``, whitespace
ignored, renames followed) says which lines it wrote; the others keep their owner. A merge
follows blame's rules: a file identical to one parent takes that parent's owners whole (the first
such parent); otherwise each line goes to the first parent, in order, whose diff leaves it
unchanged, and lines no parent has stay the merge's. When a fix comes by, the owners of the
lines it removes, as of its parent, are exactly what ``git blame`` of those lines would print.

With a window (``git blame --max-age``), blame stops at commits dated before the fix's window:
the pass drops those owners, as blame's boundary lines are dropped. That is exact unless a
commit behind the fix is dated before the window's start and one of its ancestors after it
(dates going backwards across the start); such a fix is blamed the ordinary way.

What the pass cannot follow line by line (binary files, symlinks, submodules, output it does not
recognise) is marked unknown; a fix that needs an unknown file is blamed the ordinary way, so the
result is the same either way and only the cost differs. Memory holds the owners of the files
at the open branch tips (one tip for a linear history): it grows with the size of the tree,
not with the number of commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence

from vetgate.audit.docstrings import DocstringLines
from vetgate.audit.szz import (
    FixBlame,
    FixCommit,
    blameable_lines,
    has_docstrings,
    is_data_path,
    window_start,
)
from vetgate.changes import blame, lineage
from vetgate.changes.lineage import DiffSection, FileDelta, LineageUnsupported

Owners = list[str] | None  # the owner of each line; None: not followed (blame it instead)
State = dict[str, Owners]  # path → owners, for one commit


def _carried(hunks: Sequence[tuple[int, int, int, int]], old_length: int
             ) -> Iterator[tuple[int, int, int]] | None:
    """The runs of unchanged lines: (new index, old index, length), 0-based; None when the hunks
    do not fit a file of ``old_length`` lines."""
    runs: list[tuple[int, int, int]] = []
    new = old = 0
    for old_start, old_count, new_start, new_count in hunks:
        old_cut = old_start - 1 if old_count else old_start
        new_cut = new_start - 1 if new_count else new_start
        span = old_cut - old
        if span < 0 or new + span != new_cut or old_cut + old_count > old_length:
            return None
        if span:
            runs.append((new, old, span))
        new = new_cut + new_count
        old = old_cut + old_count
    if old_length > old:
        runs.append((new, old, old_length - old))
    return iter(runs)


def _new_length(hunks: Sequence[tuple[int, int, int, int]], old_length: int) -> int:
    return old_length + sum(new_count - old_count for _, old_count, _, new_count in hunks)


def _apply(source: Owners, delta: FileDelta, sha: str) -> Owners:
    """The owners of ``delta``'s new file: carried lines keep theirs, new lines are ``sha``'s."""
    if delta.opaque or source is None:
        return None
    if delta.identical or not delta.hunks:
        return source
    runs = _carried(delta.hunks, len(source))
    if runs is None:
        return None
    owners = [sha] * _new_length(delta.hunks, len(source))
    for new, old, span in runs:
        owners[new:new + span] = source[old:old + span]
    return owners


class LineOwners:
    """The owners of every line at the commits still needed (those with children to come)."""

    def __init__(self) -> None:
        self.children: dict[str, int] = {}  # commit → its children still to come
        self.states: dict[str, State | None] = {}

    def owners(self, commit: str, path: str) -> Owners:
        """The owners of ``path`` at ``commit`` (None: unknown, or the file is not there)."""
        state = self.states.get(commit)
        return None if state is None else state.get(path)

    def _source(self, parent: str, path: str | None) -> Owners:
        if path is None:
            return []  # a new file: every line is the commit's own
        return self.owners(parent, path)

    def _start(self, parent: str | None) -> State | None:
        if parent is None:
            return {}
        state = self.states.get(parent)
        if state is None:
            return None
        return state if self.children.get(parent, 0) <= 1 else dict(state)

    def advance(self, sections: Sequence[DiffSection]) -> None:
        """Move past a commit given its diffs against its parents."""
        sha, parents = sections[0].sha, sections[0].parents
        by_parent = {section.against: section for section in sections}
        first = parents[0] if parents else None
        state = self._start(first)
        if state is not None:
            section = by_parent.get(first)
            if section is not None:
                if len(parents) > 1:
                    updates = self._merge(sha, parents, by_parent, section)
                else:
                    updates = self._commit(sha, first, section)
                for path, owners in updates:
                    if owners is _GONE:
                        state.pop(path, None)
                for path, owners in updates:
                    if owners is not _GONE:
                        state[path] = owners
        self.states[sha] = state
        self.children[sha] = sections[0].children
        for parent in parents:
            left = self.children.get(parent, 0) - 1
            if left > 0:
                self.children[parent] = left
            else:
                self.states.pop(parent, None)
                self.children.pop(parent, None)

    @staticmethod
    def _updates(section: DiffSection, new_owners: Callable[[FileDelta], Owners]
                 ) -> list[tuple[str, Owners]]:
        """Path → owners after the commit (``_GONE`` for a path that left the tree)."""
        updates: list[tuple[str, Owners]] = []
        for delta in section.files:
            if delta.new_path is None or delta.renamed:
                assert delta.old_path is not None
                updates.append((delta.old_path, _GONE))
            if delta.new_path is not None:
                updates.append((delta.new_path, new_owners(delta)))
        return updates

    def _commit(self, sha: str, parent: str | None, section: DiffSection
                ) -> list[tuple[str, Owners]]:
        def new_owners(delta: FileDelta) -> Owners:
            if parent is not None:
                return _apply(self._source(parent, delta.old_path), delta, sha)
            # a root commit: every file is new
            return _apply([] if delta.old_path is None else None, delta, sha)

        return self._updates(section, new_owners)

    def _merge(self, sha: str, parents: Sequence[str], by_parent: Mapping[str | None, DiffSection],
               section: DiffSection) -> list[tuple[str, Owners]]:
        entries = {parent: {delta.new_path: delta for delta in found.files if delta.new_path}
                   for parent, found in by_parent.items() if parent is not None}
        return self._updates(
            section, lambda delta: self._merged_file(sha, parents, entries, delta))

    def _merged_file(self, sha: str, parents: Sequence[str],
                     entries: Mapping[str, Mapping[str, FileDelta]], first: FileDelta) -> Owners:
        path = first.new_path
        assert path is not None
        # blame first looks for a parent with the very same file: it takes everything.
        for parent in parents:
            delta = entries.get(parent, {}).get(path)
            if delta is None:
                return self.owners(parent, path)
            if delta.identical:
                return self._source(parent, delta.old_path)
        base = self._source(parents[0], first.old_path)
        if base is None or first.opaque:
            return None
        owners: list[str] = [sha] * _new_length(first.hunks, len(base))
        for parent in parents:
            delta = entries[parent][path]
            if delta.old_path is None:
                continue  # new against this parent: blame finds nothing there
            source = self._source(parent, delta.old_path)
            if source is None or delta.opaque:
                return None
            runs = _carried(delta.hunks, len(source))
            if runs is None or _new_length(delta.hunks, len(source)) != len(owners):
                return None
            for new, old, span in runs:
                for offset in range(span):
                    if owners[new + offset] is sha:
                        owners[new + offset] = source[old + offset]
        return owners


_GONE: Owners = ["(deleted)"]  # a marker: the path leaves the tree


def _sections(stream: Iterator[DiffSection]) -> Iterator[list[DiffSection]]:
    """Group consecutive sections of the same commit."""
    group: list[DiffSection] = []
    for section in stream:
        if group and group[0].sha != section.sha:
            yield group
            group = []
        group.append(section)
    if group:
        yield group


def forward_blames(root: str, head: str, fixes: Sequence[FixCommit],
                   commits_per_fix: int | None = None, max_age_seconds: int | None = None,
                   workers: int = 1) -> dict[str, FixBlame]:
    """What ``blame_fix(..., max_age_seconds)`` would say for each fix the forward pass can
    settle (full history); the fixes missing from the answer are left to ``blame_fix``. With
    ``commits_per_fix``, nothing is settled when the history behind ``head`` has more commits
    than that per fix (blaming them one by one is cheaper then).

    With ``max_age_seconds`` (a window), blame stops at commits dated before the fix's time less
    that (the start): such a commit keeps the lines it holds as a boundary, which ``blame_fix``
    skips, and so are its ancestors. Where no commit behind the fix is dated before the start
    while one of its ancestors is dated after it (true whenever dates never go backwards),
    every commit between a line's owner inside the window and the fix is inside it too, and an
    owner before the window has only such commits behind it: the windowed blame of a line is
    its owner when the owner is inside the window, a boundary when it is not. The pass drops
    owners dated before the window. Other fixes are left to ``blame_fix`` (git may stop earlier
    there, or mark a newer commit a boundary).

    ``LineageUnsupported`` when the history cannot be followed at all (the caller blames every
    fix then). With ``workers`` > 1 the fixes' Python files are parsed for docstrings beside
    the pass (``audit.docstrings``).
    """
    if not fixes or lineage.blame_config_differs(root):
        return {}
    wanted = {fix.sha: fix for fix in fixes if fix.parent is not None}
    if (commits_per_fix is not None
            and lineage.history_size(root, head) > commits_per_fix * len(wanted)):
        return {}
    owners = LineOwners()
    warnings: list[str] = []
    pending: list[_Pending] = []
    docstrings = DocstringLines(root, workers)
    try:
        for group in _sections(lineage.history_diffs(root, head, wanted, warnings)):
            sha = group[0].sha
            fix = wanted.get(sha)
            if fix is not None and len(group) == 1 and group[0].against == fix.parent:
                found = _owned(fix, group[0], owners, max_age_seconds)
                if found is not None:
                    pending.append(found)
                    for path, owned in found.files:
                        if has_docstrings(path):
                            docstrings.ask(fix.parent or "", path, (n for n, _ in owned))
            owners.advance(group)
        if warnings:  # e.g. rename detection skipped for too many files: blame would not
            raise LineageUnsupported(warnings[0].strip().splitlines()[0])
        return _settle(root, pending, docstrings.answers())
    finally:
        docstrings.close()


class _Pending:
    """A fix whose removed lines' owners are known; its Python docstring lines (worked out by
    ``audit.docstrings``) and owners dated before ``since`` are left out at the end."""

    __slots__ = ("files", "fix", "since", "source")

    def __init__(self, fix: FixCommit, files: list[tuple[str, list[tuple[int, str]]]],
                 source: bool, since: int | None) -> None:
        self.fix = fix
        self.files = files  # (path, [(line number, owner)]) in the order blame_fix blames them
        self.source = source  # it touched a source file (a ghost fix, when nothing is blamed)
        self.since = since  # the window's start: older owners are blame's boundaries


def _touched(files: Sequence[FileDelta]) -> Iterator[str]:
    """The paths a diff changed as ``git diff-tree --no-renames --name-only`` names them: both
    sides of a rename, the new side of a copy."""
    for delta in files:
        copy = (delta.old_path is not None and delta.new_path is not None
                and delta.old_path != delta.new_path and not delta.renamed)
        if delta.old_path is not None and not copy:
            yield delta.old_path
        if delta.new_path is not None and delta.new_path != delta.old_path:
            yield delta.new_path


# git reads --max-age with atoi: a window start is taken as it is only up to a C int's top.
_LAST_START = 2**31 - 1


def _owned(fix: FixCommit, section: DiffSection, owners: LineOwners, max_age_seconds: int | None
           ) -> _Pending | None:
    """The owners, at the fix's parent, of the lines the fix removed; None to leave the fix to
    ``blame_fix``: also when a window's start is not known to stop blame exactly (a commit
    behind the fix dated before the start, with an ancestor dated after it; or a start git
    would not read as it is)."""
    assert fix.parent is not None
    since = window_start(fix, max_age_seconds)
    if since is not None and (since > _LAST_START or any(
            after < since <= until for after, until in section.backdated)):
        return None
    for delta in section.files:
        moved = delta.old_path is not None and delta.new_path not in (None, delta.old_path)
        if moved and (is_data_path(delta.old_path or "") or is_data_path(delta.new_path or "")):
            return None  # blame_fix leaves data files out before rename detection: ask it
    found, data_by_content = blameable_lines(blame.parse_removed(section.patch))
    files: list[tuple[str, list[tuple[int, str]]]] = []
    for path, numbers in found:
        file_owners = owners.owners(fix.parent, path)
        if file_owners is None or numbers[-1] > len(file_owners):
            return None
        files.append((path, [(number, file_owners[number - 1]) for number in numbers]))
    source = any(not is_data_path(path) and path not in data_by_content
                 for path in _touched(section.files))
    return _Pending(fix, files, source, since)


def _settle(root: str, pending: Sequence[_Pending],
            docstrings: Mapping[tuple[str, str], frozenset[int]]) -> dict[str, FixBlame]:
    """The outcome of each pending fix, its docstring lines (``docstrings``: (parent, path) →
    the asked lines that are docstrings) left out."""
    out: dict[str, FixBlame] = {}
    for start in range(0, len(pending), READ_BATCH):
        batch = pending[start:start + READ_BATCH]
        dates = lineage.commit_dates(root, {owner for item in batch if item.since is not None
                                            for _, owned in item.files for _, owner in owned})
        for item in batch:
            counts: dict[str, int] = {}
            lines = 0
            blamed = False
            for path, owned in item.files:
                if has_docstrings(path):
                    docs = docstrings[(item.fix.parent or "", path)]
                    owned = [(number, owner) for number, owner in owned if number not in docs]
                blamed = blamed or bool(owned)
                for _, owner in owned:
                    if owner != item.fix.sha and not _before(owner, item.since, dates):
                        counts[owner] = counts.get(owner, 0) + 1
                        lines += 1
            if blamed:
                out[item.fix.sha] = FixBlame(item.fix, "blamed", tuple(counts), lines)
            else:
                out[item.fix.sha] = FixBlame(item.fix, "ghost" if item.source else "data_only")
    return out


READ_BATCH = 256  # fixes whose owners' dates are read at once: bounds the bytes held


def _before(owner: str, since: int | None, dates: Mapping[str, int]) -> bool:
    """True when ``owner`` is dated before the window's start: blame's boundary there."""
    if since is None:
        return False
    date = dates.get(owner)
    if date is None:
        raise LineageUnsupported(f"git rev-list gave no date for {owner[:12]}")
    return date < since
