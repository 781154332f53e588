"""SZZ on real histories where the introducing commits are known by construction."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import DAY, T0, GitRepo
from conftest import at_day as _at
from vetgate.audit.szz import (
    FixCommit,
    blame_fix,
    compile_fix_pattern,
    docstring_lines,
    exclude_pathspecs,
    is_blameable,
    is_data_path,
    looks_like_records,
    run_szz,
    select_candidates,
)
from vetgate.changes import history
from vetgate.changes.history import CommitFacts
from vetgate.errors import UsageError


def _lines(*items: str) -> str:
    return "".join(f"{item}\n" for item in items)


BASE = [f"value_{i} = {i}" for i in range(1, 11)]


def _fix(repo: GitRepo, message: str, files: dict[str, str], day: float) -> FixCommit:
    parent = repo.head()
    sha = repo.commit(message, files, env=_at(day))
    return FixCommit(sha, parent, int(T0 + day * DAY))


@pytest.fixture
def known(repo: GitRepo) -> dict[str, str]:
    """c1 writes app.py; c2 (big) changes lines 3-4; c3 (small) changes line 7."""
    shas = {"c1": repo.commit("feat: app", {"app.py": _lines(*BASE)}, env=_at(0))}
    lines = list(BASE)
    lines[2], lines[3] = "value_3 = 33", "value_4 = 44"
    shas["c2"] = repo.commit("feat: tune", {"app.py": _lines(*lines),
                                            "other.py": _lines(*(f"o{i} = 0" for i in range(30)))},
                             env=_at(1))
    lines[6] = "value_7 = 77"
    shas["c3"] = repo.commit("feat: seven", {"app.py": _lines(*lines)}, env=_at(2))
    return shas


def _current(repo: GitRepo, path: str = "app.py") -> list[str]:
    return (repo.path / path).read_text().splitlines()


def test_r_szz_finds_exactly_the_introducing_commit(repo: GitRepo, known: dict[str, str]) -> None:
    lines = _current(repo)
    lines[3] = "value_4 = 4"
    fix = _fix(repo, "fix: value_4", {"app.py": _lines(*lines)}, 3)
    for variant in ("r", "b", "l"):
        result = run_szz(str(repo.path), [fix], variant)  # type: ignore[arg-type]
        assert result.inducing == {known["c2"]: [(fix.sha, fix.commit_time)]}, variant
        assert (result.fixes, result.blamed, result.ghost) == (1, 1, 0)


def test_variants_choose_among_several_candidates(repo: GitRepo, known: dict[str, str]) -> None:
    lines = _current(repo)
    lines[2], lines[6] = "value_3 = 3", "value_7 = 7"
    fix = _fix(repo, "fix: 3 and 7", {"app.py": _lines(*lines)}, 3)
    root = str(repo.path)
    assert set(run_szz(root, [fix], "b").inducing) == {known["c2"], known["c3"]}
    assert set(run_szz(root, [fix], "r").inducing) == {known["c3"]}  # the most recent
    assert set(run_szz(root, [fix], "l").inducing) == {known["c2"]}  # the largest


@pytest.mark.parametrize("forward", [False, True])
def test_r_szz_breaks_a_tie_of_commit_times_by_size(repo: GitRepo, forward: bool) -> None:
    # Two candidates committed in the same second (a rebase does this): R-SZZ takes the larger.
    # The facts are read without diffs; only the tied candidates' sizes are read after.
    repo.commit("feat: app", {"app.py": _lines(*BASE)}, env=_at(0))
    lines = list(BASE)
    lines[2] = "value_3 = 33"
    small = repo.commit("feat: three", {"app.py": _lines(*lines)}, env=_at(1))
    lines[6] = "value_7 = 77"
    large = repo.commit("feat: seven", {"app.py": _lines(*lines),
                                        "more.py": _lines(*(f"m{i} = 0" for i in range(9)))},
                        env=_at(1))
    lines[2], lines[6] = "value_3 = 3", "value_7 = 7"
    fix = _fix(repo, "fix: 3 and 7", {"app.py": _lines(*lines)}, 2)
    root = str(repo.path)
    head = repo.head() if forward else None
    assert set(run_szz(root, [fix], "r", head=head).inducing) == {large}
    assert set(run_szz(root, [fix], "b", head=head).inducing) == {small, large}
    assert history.commit_facts(root, [large], sizes=False)[large].lines == 0
    assert history.commit_facts(root, [large])[large].lines == 11


def test_ghost_fix_only_adds_lines(repo: GitRepo, known: dict[str, str]) -> None:
    fix = _fix(repo, "fix: add a guard", {"app.py": _lines(*_current(repo), "guard = True")}, 3)
    outcome = blame_fix(str(repo.path), fix, exclude_pathspecs())
    assert outcome.kind == "ghost" and outcome.candidates == ()
    result = run_szz(str(repo.path), [fix], "r")
    assert result.inducing == {} and result.ghost == 1


def test_whitespace_and_comment_only_lines_are_not_blamed(repo: GitRepo,
                                                          known: dict[str, str]) -> None:
    lines = _current(repo)
    lines[6] = "value_7   =   77"  # c3's line, whitespace-only change
    lines.insert(0, "# a comment")
    repo.commit("docs: comment", {"app.py": _lines(*lines)}, env=_at(2.5))
    lines.pop(0)  # the fix deletes the comment ...
    lines[3] = "value_4 = 4"  # ... and changes c2's line
    fix = _fix(repo, "fix: value_4", {"app.py": _lines(*lines)}, 3)
    assert set(run_szz(str(repo.path), [fix], "b").inducing) == {known["c2"]}


def test_data_files_are_skipped(repo: GitRepo, known: dict[str, str]) -> None:
    data = repo.commit("feat: data", {"fixtures/data.json": '{"a": 1}\n', "README.md": "old\n",
                                      "vendor/lib.py": "x = 1\n"}, env=_at(2.5))
    fix = _fix(repo, "fix: data", {"fixtures/data.json": '{"a": 2}\n', "README.md": "new\n",
                                   "vendor/lib.py": "x = 2\n"}, 3)
    result = run_szz(str(repo.path), [fix], "b")
    assert data not in result.inducing
    assert result.data_only == 1 and result.inducing == {}


def test_reland_hands_lines_back_to_the_original(repo: GitRepo, known: dict[str, str]) -> None:
    original = repo.commit("feat: flag", {"flag.py": "flag = True\n"}, env=_at(3))
    repo.git("revert", "--no-edit", original, env=_at(4))
    first_revert = repo.head()
    repo.git("revert", "--no-edit", first_revert, env=_at(5))
    reland = repo.head()
    targets = {first_revert: (original,), reland: (first_revert,)}
    fix = _fix(repo, "fix: flag", {"flag.py": "flag = False\n"}, 6)
    result = run_szz(str(repo.path), [fix], "r", revert_targets=targets)
    assert set(result.inducing) == {original}


def test_root_fix_has_no_parent(repo: GitRepo) -> None:
    sha = repo.commit("fix: initial", {"a.py": "a = 1\n"})
    result = run_szz(str(repo.path), [FixCommit(sha, None, T0)], "r")
    assert result.no_parent == 1 and result.inducing == {}


def test_select_candidates_ties_are_deterministic() -> None:
    a = CommitFacts("a" * 40, (), 100, 5)
    b = CommitFacts("b" * 40, (), 100, 5)
    assert select_candidates("r", [a, b]) == (b,) == select_candidates("r", [b, a])
    assert select_candidates("l", [a, b]) == (b,)
    assert select_candidates("b", [a, b]) == (a, b)
    assert select_candidates("r", []) == ()


@pytest.mark.parametrize(
    ("path", "text", "blameable"),
    [
        ("a.py", "   ", False),
        ("a.py", "  # comment", False),
        ("a.py", "x = 1  # trailing comment is code", True),
        ("a.c", "#include <stdio.h>", True),
        ("a.c", "// comment", False),
        ("a.c", " * doc line", False),
        ("a.c", " */", False),
        ("a.c", "*ptr = 0;", True),
        ("a.sql", "-- comment", False),
        ("a.sql", "--comment", False),
        ("q.lisp", "; comment", False),
        ("Makefile", "# comment", False),
        ("script", "--i;", True),
        ("script", "-- comment", False),
        ("a.js", "return 1;", True),
    ],
)
def test_is_blameable(path: str, text: str, blameable: bool) -> None:
    assert is_blameable(path, text) is blameable


@pytest.mark.parametrize(
    ("path", "skipped"),
    [("data.JSON", True), ("a/b/c.csv", True), ("Cargo.lock", True), ("web/app.min.js", True),
     ("icons/x.svg", True), ("docs/guide.md", True), ("go.sum", True),
     ("vendor/x/y.go", True), ("src/node_modules/p/i.js", True), ("app.js", False),
     ("src/vendors.py", False), ("CMakeLists.txt", False)],
)
def test_is_data_path(path: str, skipped: bool) -> None:
    assert is_data_path(path) is skipped


@pytest.mark.parametrize(
    ("message", "is_fix"),
    [
        ("fix: null check", True),
        ("fix(auth): token expiry", True),
        ("fix!: breaking fix", True),
        ("Fix typo in parser", True),
        ("Fixes crash on empty input", True),
        ("hotfix for prod", True),
        ("Bugfix: overflow", True),
        ("handle bug in cache", True),
        ("feat: new endpoint\n\nCloses #12", True),
        ("feat: x\n\nresolves owner/repo#7", True),
        ("Add prefix option", False),
        ("debug logging", False),
        ("feat: x\n\nThis is not a fix for anything", False),
        ("feat: add fixture loader", False),
    ],
)
def test_default_fix_pattern(message: str, is_fix: bool) -> None:
    assert bool(compile_fix_pattern(None).search(message)) is is_fix


def test_custom_fix_pattern_and_errors() -> None:
    pattern = compile_fix_pattern(r"^\[bug\]")
    assert pattern.search("[BUG] crash")
    assert not pattern.search("fix: crash")
    with pytest.raises(UsageError, match=r"--fix-pattern '\(' is not a valid regular expression"):
        compile_fix_pattern("(")
    with pytest.raises(UsageError, match="--fix-pattern is empty"):
        compile_fix_pattern("")


def test_merge_candidates_are_ignored(repo: GitRepo) -> None:
    repo.commit("feat: base", {"m.py": "line = 0\nother = 0\n"}, env=_at(0))
    repo.git("checkout", "-q", "-b", "side")
    repo.commit("feat: side", {"m.py": "line = 1\nother = 0\n"}, env=_at(1))
    repo.git("checkout", "-q", "main")
    repo.commit("feat: main", {"m.py": "line = 2\nother = 0\n"}, env=_at(2))
    repo.git("merge", "-q", "side", check=False, env=_at(3))
    repo.write("m.py", "line = 3\nother = 0\n")  # the conflict resolution: the merge's own line
    repo.git("commit", "-q", "-am", "Merge side", env=_at(3))
    fix = _fix(repo, "fix: line", {"m.py": "line = 4\nother = 0\n"}, 4)
    result = run_szz(str(repo.path), [fix], "r")
    assert result.inducing == {} and result.candidates_ignored == 1 and result.blamed == 1


def test_shallow_clone_cut_off_is_not_a_candidate(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("feat: one", {"s.py": "a = 1\nb = 1\n"}, env=_at(0))
    repo.commit("feat: two", {"s.py": "a = 1\nb = 2\n"}, env=_at(1))
    repo.commit("feat: three", {"t.py": "t = 1\n"}, env=_at(2))
    clone = tmp_path / "shallow"
    repo.git("clone", "-q", "--depth", "2", f"file://{repo.path}", str(clone))
    shallow = GitRepo(clone)
    shallow.git("config", "commit.gpgsign", "false")
    three = shallow.head()
    cut_off = shallow.git("rev-parse", "HEAD~1").strip()  # "two", grafted: no parent here
    # "a = 1" came from "one", which the clone does not have: blame can only say "two".
    fix = _fix(shallow, "fix: a and t", {"s.py": "a = 2\nb = 2\n", "t.py": "t = 2\n"}, 3)
    root = str(clone)
    assert history.is_shallow(root) and history.shallow_commits(root) == {cut_off}
    result = run_szz(root, [fix], "b", shallow=history.shallow_commits(root))
    assert set(result.inducing) == {three} and result.candidates_ignored == 1


def test_non_utf8_file_name(repo: GitRepo) -> None:
    name = os.fsdecode(b"caf\xe9.py")
    first = repo.commit("feat: cafe", {name: "x = 1\n"}, env=_at(0))
    fix = _fix(repo, "fix: cafe", {name: "x = 2\n"}, 1)
    assert set(run_szz(str(repo.path), [fix], "r").inducing) == {first}


HOSTILE_NAMES = [
    "My App/AppDelegate.swift",  # git appends a tab to a name with a space in patch headers
    "with space.py", "trailing space .py", " leading.py", "tab\there.py", "new\nline.py",
    '"quoted".py', "back\\slash.py", "ünïcødé/ß.py", os.fsdecode(b"caf\xe9 latin1.py"),
    "-dash.py", "a b/c d/e f.py",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_paths_are_blamed(repo: GitRepo, name: str) -> None:
    intro = repo.commit("feat: add", {name: "a = 1\nb = 1\n"}, env=_at(0))
    fix = _fix(repo, "fix: b", {name: "a = 1\nb = 2\n"}, 1)
    outcome = blame_fix(str(repo.path), fix, exclude_pathspecs())
    assert (outcome.kind, outcome.candidates, outcome.blamed_lines) == ("blamed", (intro,), 1)


def test_hostile_paths_in_one_fix(repo: GitRepo) -> None:
    intro = repo.commit("feat: add", dict.fromkeys(HOSTILE_NAMES, "a = 1\nb = 1\n"), env=_at(0))
    fix = _fix(repo, "fix: b", dict.fromkeys(HOSTILE_NAMES, "a = 1\nb = 2\n"), 1)
    outcome = blame_fix(str(repo.path), fix, exclude_pathspecs())
    assert outcome.candidates == (intro,) and outcome.blamed_lines == len(HOSTILE_NAMES)


def test_parallel_blame_equals_serial_in_order(repo: GitRepo) -> None:
    fixes = []
    for i in range(12):
        repo.commit(f"feat: f{i}", {f"f{i}.py": "a = 1\nb = 1\n", "shared.py": f"s = {i}\n"},
                    env=_at(2 * i))
        fixes.append(_fix(repo, f"fix: f{i}", {f"f{i}.py": "a = 1\nb = 2\n",
                                                 "shared.py": f"s = {i}0\n"}, 2 * i + 1))
    root = str(repo.path)
    for variant in ("b", "r", "l"):
        serial = run_szz(root, fixes, variant, workers=1)
        for workers in (2, 5):
            parallel = run_szz(root, fixes, variant, workers=workers)
            assert list(parallel.inducing.items()) == list(serial.inducing.items())
            assert parallel == serial


def test_data_files_by_content_and_by_a_second_suffix(repo: GitRepo) -> None:
    records = "".join(f'{{"id": {i}, "name": "n{i}"}}\n' for i in range(600))
    repo.commit("feat: data", {"events.log": records, "users.jsonl.migrated": records,
                               "code.py": "a = 1\n"}, env=_at(0))
    fix = _fix(repo, "fix: data", {"events.log": records.replace('"n', '"m'),
                                   "users.jsonl.migrated": "", "code.py": "a = 1\n"}, 1)
    outcome = blame_fix(str(repo.path), fix, exclude_pathspecs())
    assert outcome.kind == "data_only"
    assert is_data_path("x/users.jsonl.migrated") and is_data_path("a.CSV.bak")
    assert not looks_like_records(["f(a, b, c, d)"] * 600)
    assert looks_like_records(["1,2,3,4"] * 600) and not looks_like_records(["1,2,3,4"] * 10)


def test_python_docstrings_are_not_blamed(repo: GitRepo) -> None:
    source = ('"""Module doc."""\n\n\ndef f():\n    """Say\n    what f does.\n    """\n'
              "    return 1\n")
    intro = repo.commit("feat: f", {"m.py": source}, env=_at(0))
    fix = _fix(repo, "fix: f", {"m.py": source.replace("what f does", "what f really does")
                                .replace("Module doc", "Module docs")}, 1)
    assert blame_fix(str(repo.path), fix, exclude_pathspecs()).kind == "ghost"
    code_fix = _fix(repo, "fix: f returns 2", {"m.py": (repo.path / "m.py").read_text()
                                               .replace("return 1", "return 2")}, 2)
    assert blame_fix(str(repo.path), code_fix, exclude_pathspecs()).candidates == (intro,)
    assert docstring_lines(b"def broken(:\n") == frozenset()
    assert docstring_lines(source.encode()) == {1, 5, 6, 7}
