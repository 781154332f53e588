"""Revert detection: message forms, reverts of reverts, and real `git revert` histories."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from conftest import GitRepo
from vetgate.audit.pipeline import resolve_reverts, scan_history
from vetgate.audit.progress import Progress
from vetgate.audit.reverts import (
    RevertMessage,
    effective_reverts,
    parse_revert,
    reapplied_original,
    reverted_commits,
)
from vetgate.audit.szz import compile_fix_pattern
from vetgate.changes.history import RevisionSelection

SHA_A = "a" * 40
SHA_B = "b" * 40


def test_parse_revert_git_default_message() -> None:
    message = f'Revert "feat: login"\n\nThis reverts commit {SHA_A}.\n'
    assert parse_revert(message) == RevertMessage((SHA_A,), None)


def test_parse_revert_short_sha_reference_and_merge_forms() -> None:
    assert parse_revert("Revert x\n\nThis reverts commit 1a2b3c4d.\n") == RevertMessage(
        ("1a2b3c4d",), None)
    reference = "Revert \"x\"\n\nThis reverts commit 1a2b3c4 (feat: x, 2024-01-02).\n"
    assert parse_revert(reference) == RevertMessage(("1a2b3c4",), None)
    merge = f"Revert \"Merge branch 'f'\"\n\nThis reverts commit {SHA_A}, reversing\nchanges " \
            f"made to {SHA_B}.\n"
    assert parse_revert(merge) == RevertMessage((SHA_A,), None)


def test_parse_revert_several_and_uppercase() -> None:
    message = f"Revert two\n\nThis reverts commit {SHA_A.upper()}.\nThis reverts commit {SHA_B}.\n"
    assert parse_revert(message) == RevertMessage((SHA_A, SHA_B), None)


def test_parse_revert_subject_only_and_non_reverts() -> None:
    assert parse_revert('Revert "feat: add "quotes" here"\n') == RevertMessage(
        (), 'feat: add "quotes" here')
    assert parse_revert("Reverting the cache change\n") is None
    assert parse_revert("feat: x\n\nWe may revert commit abcdef1 later.\n") is None
    assert parse_revert("This reverts commit abc.\n") is None  # too short to be a sha


def test_revert_of_revert_restores_the_original() -> None:
    targets = {"r1": ("a",), "r2": ("r1",)}
    assert effective_reverts(targets) == {"r1": False, "r2": True}
    assert reverted_commits(targets, {"r1": 10, "r2": 20}) == {}
    # ... and reverting the re-land reverts the original again.
    targets["r3"] = ("r2",)
    assert reverted_commits(targets, {"r1": 10, "r2": 20, "r3": 30}) == {"a": ("r1", 10)}


@given(st.integers(min_value=1, max_value=200))
def test_chain_parity(length: int) -> None:
    """A chain of ``length`` reverts leaves the original reverted iff the length is odd."""
    targets = {f"r{i}": (f"r{i - 1}" if i > 1 else "orig",) for i in range(1, length + 1)}
    times = {f"r{i}": i for i in range(1, length + 1)}
    reverted = reverted_commits(targets, times)
    assert ("orig" in reverted) == (length % 2 == 1)
    assert set(reverted) <= {"orig"}  # revert commits themselves are never "reverted"


def test_earliest_effective_revert_wins() -> None:
    targets = {"late": ("a",), "early": ("a",)}
    assert reverted_commits(targets, {"late": 50, "early": 5}) == {"a": ("early", 5)}


def test_reapplied_original() -> None:
    targets = {"r1": ("a",), "r2": ("r1",)}
    assert reapplied_original("r2", targets) == ("a",)
    assert reapplied_original("r1", targets) == ("r1",)
    assert reapplied_original("x", targets) == ("x",)


def _scan_reverts(repo: GitRepo) -> dict[str, tuple[str, int]]:
    root = str(repo.path)
    scan = scan_history(root, RevisionSelection(), compile_fix_pattern(None), Progress("never"))
    targets, _ = resolve_reverts(root, scan)
    return {sha: by for sha, (by, _) in reverted_commits(targets, scan.revert_times).items()}


def test_real_git_reverts(repo: GitRepo) -> None:
    a = repo.commit("feat: a", {"a.py": "a = 1\n"})
    revert_a = _revert(repo, a)
    b = repo.commit("feat: b", {"b.py": "b = 1\n"})
    revert_b = _revert(repo, b)
    _revert(repo, revert_b)  # re-land b: b is not counted as reverted
    c = repo.commit("feat: c", {"c.py": "c = 1\n"})
    repo.git("revert", "--no-edit", "--no-commit", c)
    revert_c = repo.commit(f'Revert "feat: c"\n\nThis reverts commit {c[:8]}.')  # short form
    d = repo.commit("feat: d", {"d.py": "d = 1\n"})
    repo.git("revert", "--no-edit", "--no-commit", d)
    revert_d = repo.commit('Revert "feat: d"')  # no sha line: matched by subject
    assert _scan_reverts(repo) == {a: revert_a, c: revert_c, d: revert_d}


def test_revert_naming_a_commit_that_is_not_here(repo: GitRepo) -> None:
    repo.commit("feat", {"a.py": "1\n"})
    repo.commit(f"Revert \"elsewhere\"\n\nThis reverts commit {'e' * 40}.", allow_empty=True)
    root = str(repo.path)
    scan = scan_history(root, RevisionSelection(), compile_fix_pattern(None), Progress("never"))
    targets, unresolved = resolve_reverts(root, scan)
    assert targets == {} and unresolved == 1


def _revert(repo: GitRepo, sha: str) -> str:
    repo.git("revert", "--no-edit", sha)
    return repo.head()


def test_parse_github_squash_reverts() -> None:
    squash = 'Revert "fix: x (#11)" (#12)\n\nReverts org/repo#11\n'
    assert parse_revert(squash) == RevertMessage((), "fix: x (#11)", 11)
    cut = 'Revert "feat: a very long title that GitHub cut \u2026" (#359)\n'
    claim = parse_revert(cut)
    assert claim is not None and claim.matches_subject("feat: a very long title that GitHub cut "
                                                       "short (#300)")
    assert not claim.matches_subject("feat: another title")
    assert parse_revert('Reapply "feat: y"\n') == RevertMessage((), 'Revert "feat: y"')


def test_parse_conventional_reverts() -> None:
    listed = "revert: undo PR checkout (#937)\n\nReverts the following commits:\n- f669191 fix: " \
             "a (#931)\n- 21e3fe0 Fix b (#851)\n"
    assert parse_revert(listed) == RevertMessage(("f669191", "21e3fe0"), None)
    assert parse_revert("revert(api)!: drop it\n\nRefs: 676104e, a215868\n") == RevertMessage(
        ("676104e", "a215868"), None)
    assert parse_revert("revert: something\n\nReverts org/r#4\n") == RevertMessage((), None, 4)
    assert parse_revert("revert: decaffed 1234567\n") == RevertMessage((), None)


def test_squash_revert_without_sha_line_is_a_revert_never_a_fix(repo: GitRepo) -> None:
    repo.commit("feat: base (#10)", {"a.py": "a = 1\n"})
    fix = repo.commit("fix: x (#11)", {"a.py": "a = 2\n"})
    other = repo.commit("feat: other (#13)", {"b.py": "b = 1\n"})
    revert = repo.commit('Revert "fix: x (#11)" (#12)\n\nReverts org/repo#11\n',
                         {"a.py": "a = 1\n"})
    root = str(repo.path)
    scan = scan_history(root, RevisionSelection(), compile_fix_pattern(None), Progress("never"))
    assert [f.sha for f in scan.fixes] == [fix]  # the revert is not a fix blaming `fix`
    assert _scan_reverts(repo) == {fix: revert}
    assert other not in _scan_reverts(repo)


def test_revert_by_pull_request_number_alone(repo: GitRepo) -> None:
    landed = repo.commit("feat: renamed later (#21)", {"a.py": "a = 1\n"})
    repo.commit("feat: unrelated", {"b.py": "b = 1\n"})
    revert = repo.commit('Revert "feat: the title it had" (#22)\n\nReverts org/repo#21\n',
                         remove=["a.py"])
    assert _scan_reverts(repo) == {landed: revert}


def test_revert_of_a_merge_reverts_what_it_brought_in(repo: GitRepo) -> None:
    base = repo.commit("feat: base", {"a.py": "a = 1\n"})
    repo.git("checkout", "-q", "-b", "topic")
    one = repo.commit("feat: one", {"t1.py": "1\n"})
    two = repo.commit("feat: two", {"t2.py": "2\n"})
    repo.git("checkout", "-q", "main")
    main_only = repo.commit("feat: main", {"m.py": "m\n"})
    repo.git("merge", "-q", "--no-ff", "-m", "Merge pull request #5 from org/topic", "topic")
    merge = repo.head()
    repo.git("revert", "--no-edit", "-m", "1", merge)
    revert = repo.head()
    assert _scan_reverts(repo) == {one: revert, two: revert}
    assert base != main_only
    # Reverting that revert re-lands the merge: nothing stays reverted.
    repo.git("revert", "--no-edit", revert)
    assert _scan_reverts(repo) == {}


def test_squash_revert_of_a_merged_pull_request(repo: GitRepo) -> None:
    repo.commit("feat: base", {"a.py": "a = 1\n"})
    repo.git("checkout", "-q", "-b", "topic")
    one = repo.commit("feat: one", {"t1.py": "1\n"})
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge pull request #5 from org/topic", "topic")
    revert = repo.commit('Revert "Merge pull request #5 from org/topic" (#6)\n\nReverts org/r#5\n',
                         remove=["t1.py"])
    assert _scan_reverts(repo) == {one: revert}


def test_a_squash_that_reverted_its_own_commit_is_no_revert(repo: GitRepo) -> None:
    repo.commit("feat: base", {"a.py": "a = 1\n"})
    squash = repo.commit(f"fix: a (#7)\n\n* try one\n\n* Revert \"try one\"\n\nThis reverts "
                         f"commit {'d' * 40}.\n", {"a.py": "a = 2\n"})
    root = str(repo.path)
    scan = scan_history(root, RevisionSelection(), compile_fix_pattern(None), Progress("never"))
    assert [f.sha for f in scan.fixes] == [squash] and scan.revert_times == {}
    assert parse_revert(f"Revert \"x\"\n\nThis reverts commit {SHA_A}.\n") == RevertMessage(
        (SHA_A,), None)
    assert not parse_revert(f"feat: y\n\nThis reverts commit {SHA_A}.\n").explicit


def test_sha_lines_under_another_subject_revert_a_commit_that_is_here(repo: GitRepo) -> None:
    a = repo.commit("feat: a", {"a.py": "a = 1\n"})
    squash = repo.commit(f"chore: roll back a (#9)\n\nThis reverts commit {a}.\n",
                         remove=["a.py"])
    assert _scan_reverts(repo) == {a: squash}
