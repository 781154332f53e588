"""The forward pass over history (audit/lineage.py) gives exactly what ``git blame`` gives, fix by
fix, on real repositories: merges, renames, copies, whitespace-only edits, binary files,
symlinks, deleted and re-added files, docstrings, files without a final newline."""

from __future__ import annotations

import itertools
import json
import random
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import GitRepo, count_git_processes
from vetgate.audit import docstrings, lineage
from vetgate.audit.szz import (
    FixBlame,
    FixCommit,
    blame_fix,
    compile_fix_pattern,
    exclude_pathspecs,
    run_szz,
)
from vetgate.changes import blame
from vetgate.changes import lineage as changes_lineage
from vetgate.changes.git import git_stream
from vetgate.errors import GitError

T0 = 1_700_000_000


class History:
    """Writes a random history with branches and merges through ``git fast-import``."""

    def __init__(self, seed: int, skew: float = 0.0, spacing: tuple[int, int] = (60, 7200)
                 ) -> None:
        self.rng = random.Random(seed)
        self.out: list[bytes] = []
        self.mark = 0
        self.when = T0
        self.skew = skew  # how often a commit is dated before the one written just before it
        self.spacing = spacing  # seconds between commits

    def _data(self, raw: bytes) -> bytes:
        return b"data %d\n" % len(raw) + raw + b"\n"

    def commit(self, branch: str, parents: list[int], tree: dict[str, bytes],
               base: dict[str, bytes], message: str) -> int:
        self.mark += 1
        step = self.rng.randint(*self.spacing)
        self.when += -3 * step if self.skew and self.rng.random() < self.skew else step
        out = [f"commit refs/heads/{branch}\nmark :{self.mark}\n".encode(),
               f"committer Hannah Human <hannah@example.com> {self.when} +0000\n".encode(),
               self._data(message.encode())]
        if parents:
            out.append(f"from :{parents[0]}\n".encode())
        out += [f"merge :{parent}\n".encode() for parent in parents[1:]]
        for path in sorted(set(base) - set(tree)):
            out.append(f"D {path}\n".encode())
        for path, content in sorted(tree.items()):
            if base.get(path) != content:
                mode = "120000" if path.endswith(".link") else "100644"
                out.append(f"M {mode} inline {path}\n".encode() + self._data(content))
        self.out.append(b"".join(out))
        return self.mark


def _lines(rng: random.Random, count: int) -> list[str]:
    return [f"value_{rng.randint(0, 40)} = {rng.randint(0, 9)}" for _ in range(count)]


def _join(lines: list[str], final_newline: bool = True) -> bytes:
    text = "\n".join(lines)
    return (text + "\n" if final_newline and lines else text).encode()


def _edit(rng: random.Random, tree: dict[str, bytes], step: int) -> str:
    """One random change to ``tree``; returns the commit message."""
    paths = sorted(path for path in tree if path.endswith(".py"))
    roll = rng.random()
    if roll < 0.08 and paths:  # rename, sometimes with an edit
        old = rng.choice(paths)
        content = tree.pop(old)
        if rng.random() < 0.5:
            lines = content.decode().splitlines()
            if lines:
                lines[rng.randrange(len(lines))] = f"renamed_{step} = 1"
            content = _join(lines)
        tree[f"moved/r{step}.py"] = content
        return f"fix: move {old}"
    if roll < 0.12 and paths:  # copy a file whole, next to an edit of it
        src = rng.choice(paths)
        tree[f"copy/c{step}.py"] = tree[src]
        return "feat: copy"
    if roll < 0.16 and paths:  # whitespace-only edit
        path = rng.choice(paths)
        tree[path] = tree[path].replace(b" = ", b"  =  ", 1)
        return "fix: spacing"
    if roll < 0.19 and paths:  # delete
        del tree[rng.choice(paths)]
        return "fix: remove dead file"
    if roll < 0.22:
        tree[f"bin/b{step % 3}.bin"] = bytes([0, step % 256, 1, 2]) * 8
        tree[f"links/l{step % 2}.link"] = f"target{step}".encode()
        return "feat: assets"
    if roll < 0.25:  # data only
        tree[f"data/r{step % 2}.json"] = _join([f'{{"m": {step}}}'] * rng.randint(1, 5))
        return "fix: data"
    if roll < 0.29:  # docstrings, a data file, a file without a final newline
        tree[f"doc/d{step % 4}.py"] = (
            f'"""Module {step}."""\n\ndef f():\n    """Doc\n    {step}\n    """\n'
            f"    return {step}\n").encode()
        tree[f"data/r{step % 2}.json"] = _join([f'{{"n": {step}}}'] * rng.randint(1, 5))
        tree[f"tail/t{step % 3}.py"] = _join(_lines(rng, rng.randint(1, 6)),
                                             final_newline=False)
        return "fix: docs and data"
    if not paths or roll < 0.32:
        tree[f"src/f{step}.py"] = _join(_lines(rng, rng.randint(0, 12)))
        return "feat: new file"
    path = rng.choice(paths)
    lines = tree[path].decode().splitlines()
    for _ in range(rng.randint(1, 4)):
        kind = rng.random()
        at = rng.randint(0, len(lines))
        if kind < 0.4 and lines:
            lines[min(at, len(lines) - 1)] = f"changed_{step} = {rng.randint(0, 9)}"
        elif kind < 0.7:
            lines.insert(at, f"added_{step} = 0")
        elif lines:
            del lines[min(at, len(lines) - 1)]
    tree[path] = _join(lines)
    return rng.choice(["fix: bug", "feat: more", "fix(core): crash"])


def _merged(rng: random.Random, ours: dict[str, bytes], theirs: dict[str, bytes]
            ) -> dict[str, bytes]:
    """A merge result: each file from one side, or lines of both sides mixed, or edited."""
    result: dict[str, bytes] = {}
    for path in sorted(set(ours) | set(theirs)):
        a, b = ours.get(path), theirs.get(path)
        roll = rng.random()
        if a is None or b is None or a == b:
            pick = a if a is not None else b
            if pick is not None and roll < 0.9:
                result[path] = pick
        elif roll < 0.35:
            result[path] = a
        elif roll < 0.7:
            result[path] = b
        elif path.endswith(".py"):
            left, right = a.decode().splitlines(), b.decode().splitlines()
            mixed = [rng.choice([x, y]) for x, y in zip(left, right, strict=False)]
            mixed += left[len(right):] + right[len(left):]
            if rng.random() < 0.3:
                mixed.insert(0, "resolved = 1")
            result[path] = _join(mixed)
        else:
            result[path] = a
    return result


def _random_repo(path: Path, seed: int, commits: int = 70, skew: float = 0.0,
                 spacing: tuple[int, int] = (60, 7200)) -> GitRepo:
    repo = GitRepo(path)
    path.mkdir()
    repo.git("init", "-q", "-b", "main")
    history = History(seed, skew, spacing)
    rng = history.rng
    tips: dict[str, tuple[int, dict[str, bytes]]] = {}
    main: dict[str, bytes] = {"src/a.py": _join(_lines(rng, 20)), "src/b.py": _join(_lines(rng, 8))}
    tips["main"] = (history.commit("main", [], main, {}, "initial"), dict(main))
    for step in range(commits):
        roll = rng.random()
        if roll < 0.15 and len(tips) < 3:
            name = f"topic{step}"
            tips[name] = tips["main"]
            continue
        if roll < 0.3 and len(tips) > 1:
            name = rng.choice(sorted(set(tips) - {"main"}))
            mark_a, ours = tips["main"]
            mark_b, theirs = tips.pop(name)
            tree = _merged(rng, ours, theirs)
            tips["main"] = (history.commit("main", [mark_a, mark_b], tree, ours,
                                           f"Merge {name}"), tree)
            continue
        branch = rng.choice(sorted(tips))
        mark, tree = tips[branch]
        new = dict(tree)
        message = _edit(rng, new, step)
        tips[branch] = (history.commit(branch, [mark], new, tree, message), new)
    repo.git("fast-import", "--quiet", input=b"".join(history.out))
    repo.git("reset", "-q", "--hard", "main")
    return repo


def _fixes(repo: GitRepo) -> list[FixCommit]:
    out = repo.git("log", "--no-merges", "--format=%H %P %ct", "main")
    fixes = []
    for line in out.splitlines():
        sha, *rest = line.split()
        parents, when = rest[:-1], int(rest[-1])
        fixes.append(FixCommit(sha, parents[0] if parents else None, when))
    return fixes


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_forward_pass_agrees_with_git_blame_fix_by_fix(tmp_path: Path, seed: int) -> None:
    repo = _random_repo(tmp_path / "r", seed)
    fixes = _fixes(repo)
    settled = lineage.forward_blames(str(repo.path), repo.head(), fixes)
    exclude = exclude_pathspecs()
    # every commit with a parent is taken as a fix here: all of them are settled
    assert len(settled) == sum(1 for fix in fixes if fix.parent)
    for fix in fixes:
        if fix.sha in settled:
            assert settled[fix.sha] == blame_fix(str(repo.path), fix, exclude), fix.sha
    kinds = {outcome.kind for outcome in settled.values()}
    assert {"blamed", "ghost", "data_only"} <= kinds


@pytest.mark.parametrize("seed", [2, 4])
def test_docstrings_parsed_beside_the_pass_give_the_same_answer(tmp_path: Path, seed: int,
                                                               monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    # The fixes' Python files are parsed in a forked worker fed while the pass goes on; one
    # request per batch makes a file asked by two fixes (same parent) arrive in two batches.
    repo = _random_repo(tmp_path / "r", seed)
    fixes = _fixes(repo)
    in_place = lineage.forward_blames(str(repo.path), repo.head(), fixes)
    monkeypatch.setattr(docstrings, "BATCH", 1)
    assert lineage.forward_blames(str(repo.path), repo.head(), fixes, workers=2) == in_place


def test_docstring_answers_merge_across_batches_and_a_closed_worker_is_gone(
        repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    sha = repo.commit("feat: doc", {"m.py": '"""Module\ndoc."""\nx = 1\n\n\ndef f():\n'
                                            '    """One line."""\n    return 1\n'})
    root = str(repo.path)
    monkeypatch.setattr(docstrings, "BATCH", 1)
    answers = []
    for workers in (1, 2):
        asking = docstrings.DocstringLines(root, workers)
        asking.ask(sha, "m.py", [1, 3])
        asking.ask(sha, "m.py", [2, 7, 8])
        asking.ask(sha, "gone.py", [1])
        answers.append(asking.answers())
        asking.close()
    assert answers[0] == answers[1] == {(sha, "m.py"): frozenset({1, 2, 7}),
                                        (sha, "gone.py"): frozenset()}
    stopped = docstrings.DocstringLines(root, 2)
    stopped.ask(sha, "m.py", [1])
    stopped.close()  # the pass failed: the worker is stopped and reaped, its answers dropped
    assert stopped._worker is None and stopped._out is None


def test_a_failing_docstring_worker_hands_its_own_error_back(
        repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    sha = repo.commit("feat: doc", {"m.py": '"""Doc."""\n'})

    def fail(root: str, asked: object, answers: object) -> None:
        raise GitError("cannot read m.py: the object is missing")

    monkeypatch.setattr(docstrings, "_answer", fail)  # the forked worker inherits it
    monkeypatch.setattr(docstrings, "BATCH", 1)
    asking = docstrings.DocstringLines(str(repo.path), 2)
    with pytest.raises(GitError, match=r"^cannot read m\.py: the object is missing$"):
        for _ in range(2000):  # until a write finds the worker gone, or the end asks it
            asking.ask(sha, "m.py", [1])
        asking.answers()
    asking.close()


@pytest.mark.parametrize("skew", [0.0, 0.1])
def test_run_szz_gives_the_same_result_with_and_without_the_forward_pass(tmp_path: Path,
                                                                         skew: float) -> None:
    repo = _random_repo(tmp_path / "r", 4, skew=skew)
    root, fixes = str(repo.path), _fixes(repo)
    for variant, window in itertools.product(("b", "r", "l"), (None, *WINDOWS)):
        forward = run_szz(root, fixes, variant, head=repo.head(), workers=1,
                          window_seconds=window)
        per_fix = run_szz(root, fixes, variant, workers=2, window_seconds=window)
        assert forward == per_fix, (variant, window)
        assert forward.inducing


def test_the_forward_pass_replaces_blame_processes(tmp_path: Path) -> None:
    repo = _random_repo(tmp_path / "r", 5, commits=30)
    fixes = _fixes(repo)
    for window in (None, 90 * 86_400, 3600):
        with count_git_processes() as calls:
            run_szz(str(repo.path), fixes, "r", head=repo.head(), window_seconds=window)
        assert [call for call in calls if " log " in f" {call} "]
        assert not [call for call in calls if " blame " in call or " diff-tree " in call]
    skewed = _random_repo(tmp_path / "s", 5, commits=30, skew=0.2)
    with count_git_processes() as calls:
        run_szz(str(skewed.path), _fixes(skewed), "r", head=skewed.head(), window_seconds=3600)
    assert [call for call in calls if " blame " in call]  # dates go backwards: git blame decides


# Windows (seconds) against commits 1 minute to 2 hours apart: from a few commits to most of the
# history behind a fix.
WINDOWS = (1800, 6 * 3600, 2 * 86_400)


@pytest.mark.parametrize(("seed", "skew"), [(1, 0.0), (2, 0.0), (3, 0.1), (4, 0.1)])
def test_the_windowed_forward_pass_agrees_with_git_blame_fix_by_fix(tmp_path: Path, seed: int,
                                                                    skew: float) -> None:
    """``git blame --max-age`` stops at commits dated before the window; where dates never go
    backwards that drops exactly the owners dated before it, and every fix is settled. Where
    they do go backwards, the fixes behind such a commit are left to git blame."""
    repo = _random_repo(tmp_path / "r", seed, skew=skew)
    root, fixes = str(repo.path), _fixes(repo)
    exclude = exclude_pathspecs()
    whole = lineage.forward_blames(root, repo.head(), fixes)
    with_parent = sum(1 for fix in fixes if fix.parent)
    left = cut = emptied = 0
    for window in WINDOWS:
        settled = lineage.forward_blames(root, repo.head(), fixes, max_age_seconds=window)
        for fix in fixes:
            if fix.sha in settled:
                assert settled[fix.sha] == blame_fix(root, fix, exclude, window), (fix.sha, window)
        if not skew:
            assert len(settled) == with_parent
        left += with_parent - len(settled)
        cut += sum(1 for sha, outcome in settled.items()
                   if outcome.blamed_lines < whole[sha].blamed_lines)
        emptied += sum(1 for outcome in settled.values()
                       if outcome.kind == "blamed" and not outcome.candidates)
    assert (left > 0) == bool(skew)
    assert cut and emptied  # the window cut lines off; for some fixes every line


def test_a_date_going_backwards_across_the_window_sends_the_fix_to_git_blame(repo: GitRepo
                                                                             ) -> None:
    """Why the pass looks at dates going backwards: git blame stops at the first commit older
    than the window, even when an ancestor of it is newer. A line whose owner is inside the
    window is then a boundary for git; reading the owner's date alone would count it."""
    owner = repo.commit("feat: a", {"a.py": "x = 1\ny = 2\n"}, env=_dated(T0 + 1000))
    older = repo.commit("feat: b", {"b.py": "z = 1\n"}, env=_dated(T0 + 100))  # clock skew
    fix = FixCommit(repo.commit("fix: x", {"a.py": "x = 3\ny = 2\n"}, env=_dated(T0 + 1100)),
                    older, T0 + 1100)
    root = str(repo.path)
    # the window starts at T0 + 500 (or T0 + 1000): the owner is inside it, its child is not
    for window in (600, 100):
        assert blame_fix(root, fix, exclude_pathspecs(), window) == FixBlame(fix, "blamed")
        assert fix.sha not in lineage.forward_blames(root, fix.sha, [fix],
                                                     max_age_seconds=window)
    assert lineage.forward_blames(root, fix.sha, [fix])[fix.sha].candidates == (owner,)
    # a start before both (the owner counts) or after both (neither does): the pass settles it
    for window, candidates in ((1050, (owner,)), (10 ** 10, (owner,)), (10, ())):
        settled = lineage.forward_blames(root, fix.sha, [fix], max_age_seconds=window)
        assert settled[fix.sha] == blame_fix(root, fix, exclude_pathspecs(), window)
        assert settled[fix.sha].candidates == candidates


def test_backdated_spans_join_and_stay_bounded() -> None:
    union = changes_lineage._union
    assert union(((1, 5),), ((3, 8),)) == ((1, 8),)
    assert union(((1, 2),), ((4, 5),)) == ((1, 2), (4, 5))
    assert union(((1, 2),), ()) == ((1, 2),) and union((), ((1, 2),)) == ((1, 2),)
    many = tuple((10 * i, 10 * i + 1 + i % 3) for i in range(40))
    joined = union(many[:20], many[20:])
    assert len(joined) == changes_lineage.MAX_SPANS
    # a start inside a span still is (more fixes go to git blame, never fewer)
    assert all(any(after < start <= until for after, until in joined)
               for low, high in many for start in range(low + 1, high + 1))


def _dated(when: int) -> dict[str, str]:
    return {"GIT_COMMITTER_DATE": f"@{when} +0000", "GIT_AUTHOR_DATE": f"@{when} +0000"}


def test_a_window_reaching_before_1970_cuts_nothing(tmp_path: Path) -> None:
    """git reads a negative --max-age as a huge unsigned date (every line a boundary); a window
    longer than the time since 1970 stops nowhere instead."""
    repo = _random_repo(tmp_path / "r", 9, commits=30)
    root, fixes = str(repo.path), _fixes(repo)
    century = 36_500 * 86_400
    for variant in ("b", "r"):
        assert run_szz(root, fixes, variant, workers=1, window_seconds=century) == run_szz(
            root, fixes, variant, workers=1) == run_szz(root, fixes, variant, head=repo.head(),
                                                         window_seconds=century)


def test_blame_settings_that_change_answers_send_every_fix_to_git_blame(repo: GitRepo) -> None:
    first = repo.commit("feat: a", {"a.py": "x = 1\ny = 2\n"})
    repo.write(".git-blame-ignore-revs", f"{first}\n")
    fix_sha = repo.commit("fix: a", {"a.py": "x = 3\ny = 2\n"})
    fix = FixCommit(fix_sha, first, 0)
    assert lineage.forward_blames(str(repo.path), fix_sha, [fix]) != {}
    repo.git("config", "blame.ignoreRevsFile", ".git-blame-ignore-revs")
    assert lineage.forward_blames(str(repo.path), fix_sha, [fix]) == {}


def test_a_long_history_with_few_fixes_is_blamed_fix_by_fix(repo: GitRepo) -> None:
    for i in range(5):
        repo.commit(f"feat: {i}", {"a.py": f"x = {i}\n"})
    parent = repo.head()
    fix = FixCommit(repo.commit("fix: a", {"a.py": "x = 9\n"}), parent, 0)
    assert lineage.forward_blames(str(repo.path), fix.sha, [fix], commits_per_fix=2) == {}
    assert fix.sha in lineage.forward_blames(str(repo.path), fix.sha, [fix], commits_per_fix=6)


def test_files_at_reads_files_like_file_at(repo: GitRepo) -> None:
    sha = repo.commit("feat: files", {"a b.py": "x = 1\n", "dir/c.py": b"\x00\x01binary",
                                      "empty.py": "", "x 1": "two\nlines\n"})
    requests = [(sha, path) for path in ("a b.py", "dir/c.py", "empty.py", "missing.py", "dir",
                                         "x 1", "new\nline.py", "a b.py")]
    assert blame.files_at(str(repo.path), requests) == [
        blame.file_at(str(repo.path), revision, path) for revision, path in requests]
    assert blame.files_at(str(repo.path), requests)[0] == b"x = 1\n"
    assert blame.files_at(str(repo.path), []) == []


def test_unexpected_git_output_is_refused_not_guessed() -> None:
    parent = "c" * 40
    assert changes_lineage._header(f"{'a' * 40} {parent} (from {'d' * 40}) subject".encode(),
                                   1) == ("a" * 40, (parent,), parent)  # a subject, not git's
    with pytest.raises(changes_lineage.LineageUnsupported, match="not where git log puts them"):
        changes_lineage._header(b"b" * 40 + b" subject", 1)
    family = changes_lineage._Family(iter([b"5 " + b"a" * 40 + b" " + b"c" * 40,
                                           b"4 " + b"c" * 40 + b" " + b"d" * 40,
                                           b"6 " + b"d" * 40, b"7 " + b"e" * 40, b"f" * 40]))
    assert family.next(b"a" * 40) == changes_lineage._Member(0, 1, ())
    assert family.next(b"c" * 40) == changes_lineage._Member(1, 1, ())  # c is older than a
    assert family.next(b"d" * 40) == changes_lineage._Member(1, 0, ((4, 5),))  # so behind d
    with pytest.raises(changes_lineage.LineageUnsupported, match="different orders"):
        family.next(b"9" * 40)
    with pytest.raises(changes_lineage.LineageUnsupported, match="unexpected git rev-list"):
        family.next(b"f" * 40)  # no date
    with pytest.raises(changes_lineage.LineageUnsupported, match="unexpected raw diff line"):
        changes_lineage._raw(b"100644 100644 abc")


@given(st.binary(max_size=200).map(lambda raw: raw.replace(b"x", b"\n")),
       st.lists(st.integers(min_value=0, max_value=200), max_size=8))
def test_blocks_are_whole_lines_wherever_the_pipe_cut_the_stream(raw: bytes,
                                                                  cuts: list[int]) -> None:
    # git's output arrives in pieces of whatever size the pipe held at the moment it was read.
    edges = sorted({0, len(raw), *(cut % (len(raw) + 1) for cut in cuts)})
    chunks = [raw[start:end] for start, end in itertools.pairwise(edges)]
    blocks = list(changes_lineage._blocks(iter(chunks)))
    assert b"".join(blocks) == (raw if not raw or raw.endswith(b"\n") else raw + b"\n")
    assert all(block.endswith(b"\n") for block in blocks)


def test_git_stream_yields_the_same_records_whatever_it_reads_at_once(repo: GitRepo) -> None:
    for i in range(30):
        repo.commit(f"commit {i}\n\n" + "body line\n" * i, {f"f{i % 4}.py": f"x = {i}\n"})
    args = ["log", "-z", "-p", "--format=%H%x00%B"]
    root = str(repo.path)
    expected = list(git_stream(args, root))
    for size in (1, 7, 1 << 20):  # 1 MiB: more than a default pipe holds, so the pipe widens
        assert list(git_stream(args, root, chunk_size=size)) == expected
        assert b"".join(git_stream(args, root, sep=None, chunk_size=size)) == (
            b"\0".join(expected))


def test_quoted_and_spaced_paths_in_diff_headers() -> None:
    assert changes_lineage._git_header_path(b"diff --git a/My App/x.py b/My App/x.py") == (
        "My App/x.py")
    assert changes_lineage._git_header_path(b'diff --git "a/t\\303\\251st" "b/t\\303\\251st"') == (
        "t\u00e9st")
    assert changes_lineage._git_header_path(b"diff --git a/x b/y") is None


def test_the_forward_pass_agrees_with_git_blame_on_the_real_bundle(tmp_path: Path) -> None:
    from test_audit_logstream import _corpus

    bundle = _corpus()
    if bundle is None:
        pytest.skip("../shared/corpus/claude-code-action.bundle is absent (a fresh clone of the "
                    "project has no shared corpus beside it)")
    clone = tmp_path / "cca"
    subprocess.run(["git", "clone", "-q", str(bundle), str(clone)], check=True)
    repo = GitRepo(clone)
    fix_re = compile_fix_pattern(None)
    subjects = dict(line.split(" ", 1) for line in repo.git("log", "--format=%H %s").splitlines())
    fixes = [fix for fix in _fixes(repo) if fix_re.search(subjects[fix.sha])]
    for window in (None, 90 * 86_400):
        forward = run_szz(str(clone), fixes, "r", head=repo.head(), workers=1,
                          window_seconds=window)
        assert forward == run_szz(str(clone), fixes, "r", workers=2, window_seconds=window)
        assert forward.blamed > 50


def test_the_pass_holds_only_the_open_branch_tips(tmp_path: Path) -> None:
    """Memory does not grow with history: the owners kept are those of commits with children
    still to come (at most the branches open at once, three here), never one per commit."""
    repo = _random_repo(tmp_path / "r", 6, commits=80)
    owners = lineage.LineOwners()
    widest = 0
    for group in lineage._sections(changes_lineage.history_diffs(str(repo.path), repo.head(),
                                                                 (), [])):
        owners.advance(group)
        widest = max(widest, len(owners.states), len(owners.children))
    assert 1 <= widest <= 4
    assert list(owners.states) == [repo.head()]


def test_octopus_merges_and_subjects_that_look_like_git_output(repo: GitRepo) -> None:
    base = repo.commit("feat: base", {"a.py": "".join(f"v{i} = {i}\n" for i in range(12))})
    tips = []
    for n in range(3):
        repo.git("checkout", "-q", "-b", f"b{n}", base)
        lines = [f"v{i} = {i}\n" for i in range(12)]
        lines[n * 4] = f"v{n * 4} = {n}00\n"
        tips.append(repo.commit(f"(from {'f' * 40}) feat: branch {n}", {"a.py": "".join(lines)}))
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "octopus", "b0", "b1", "b2")
    merged = (repo.path / "a.py").read_text().splitlines(keepends=True)
    parent = repo.head()
    merged[4] = "v4 = fixed\n"
    merged[8] = "v8 = fixed\n"
    merged.insert(0, "resolved = 1\n")
    fix_sha = repo.commit("fix: octopus", {"a.py": "".join(merged)})
    fixes = _fixes(repo)
    settled = lineage.forward_blames(str(repo.path), fix_sha, fixes)
    assert len(repo.git("rev-list", "--parents", "-1", parent).split()) == 5  # main + 3 branches
    assert set(settled) == {fix.sha for fix in fixes if fix.parent}
    for fix in fixes:
        if fix.parent:
            assert settled[fix.sha] == blame_fix(str(repo.path), fix, exclude_pathspecs())
    assert set(settled[fix_sha].candidates) == {tips[1], tips[2]}


def test_a_users_log_and_diff_settings_do_not_change_the_answer(tmp_path: Path) -> None:
    repo = _random_repo(tmp_path / "r", 8, commits=50)
    for key, value in (("log.diffMerges", "first-parent"), ("diff.submodule", "log"),
                       ("diff.mnemonicPrefix", "true"), ("diff.noprefix", "true"),
                       ("log.abbrevCommit", "true"), ("diff.context", "5"),
                       ("diff.interHunkContext", "4"), ("log.decorate", "full")):
        repo.git("config", key, value)
    fixes = _fixes(repo)
    settled = lineage.forward_blames(str(repo.path), repo.head(), fixes)
    assert len(settled) == sum(1 for fix in fixes if fix.parent)
    for fix in fixes:
        if fix.parent:
            assert settled[fix.sha] == blame_fix(str(repo.path), fix, exclude_pathspecs())


@pytest.mark.parametrize("szz", ["r", "b"])
def test_a_windowed_audit_is_the_same_by_the_forward_pass_and_by_git_blame(
        tmp_path: Path, szz: str, capsys: pytest.CaptureFixture[str]) -> None:
    from vetgate.main import main

    repo = _random_repo(tmp_path / "r", 10, commits=60, spacing=(3600, 3 * 86_400))
    args = ["audit", "-C", str(repo.path), "--window", "30d", "--szz", szz, "--format", "json",
            "--jobs", "1", "--progress", "never"]
    with count_git_processes() as calls:
        assert main(args) == 0
    forward = capsys.readouterr().out
    assert not [call for call in calls if " blame " in call]
    # blame.ignoreRevsFile (here listing nothing) sends every fix to git blame
    (tmp_path / "no-revs").write_text("")
    repo.git("config", "blame.ignoreRevsFile", str(tmp_path / "no-revs"))
    with count_git_processes() as calls:
        assert main(args) == 0
    assert [call for call in calls if " blame " in call]
    assert capsys.readouterr().out == forward
    assert any(origin["fix_inducing"] for origin in json.loads(forward)["origins"].values())
