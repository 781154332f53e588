"""Issue 17, class 2: AI-written content moved into a protected folder where git records no
rename is still AI-origin.

git links two paths only when one diff shows a rename or copy. An unmarked commit can copy an
AI-written file into a protected folder and a later one delete the original, or move and edit
it in a commit above ``diff.renameLimit``; the file then looks like a human addition. vetgate
links such files by content (``vetgate.changes.links``): the same object id, or most of the
file's significant lines, as a blob an AI commit of the range wrote. Real repositories, real git.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from adversarial.harness import PAYMENTS_POLICY, ai_message, assert_decided, check, rule_result
from conftest import GitRepo

POLICY = PAYMENTS_POLICY

CHARGE = "".join(f"def charge_{i}(amount):\n    return amount * {i} + fee_{i}()\n"
                 for i in range(10))


@pytest.fixture
def gated(repo: GitRepo) -> GitRepo:
    repo.commit("policy", {".vetgate.yaml": POLICY, "payments/pay.py": "pay = 0\n",
                           "lib/util.py": "u = 0\n"})
    return repo


def _copy_then_delete(repo: GitRepo) -> None:
    repo.commit("copy", {"payments/charge.py": CHARGE})
    repo.commit("tidy", remove=["lib/charge.py"])


def _copy_edit_then_delete(repo: GitRepo) -> None:
    edited = CHARGE.replace("charge_1(", "charge_one(").replace("charge_2(", "charge_two(")
    repo.commit("copy", {"payments/charge.py": edited + "# reviewed by hand\n"})
    repo.commit("tidy", remove=["lib/charge.py"])


def _through_a_detour(repo: GitRepo) -> None:
    repo.commit("stash", {"tmp/c.py": CHARGE})
    repo.commit("tidy", remove=["lib/charge.py"])
    repo.commit("place", {"payments/charge.py": CHARGE})
    repo.commit("tidy again", remove=["tmp/c.py"])


def _move_and_edit_above_the_rename_limit(repo: GitRepo) -> None:
    repo.git("config", "diff.renameLimit", "1")
    repo.git("mv", "lib/charge.py", "payments/charge.py")
    repo.git("mv", "lib/util.py", "payments/util.py")
    repo.commit("move", {"payments/charge.py": CHARGE + "extra = 1\n"})


def _pasted_over_an_existing_file(repo: GitRepo) -> None:
    edited = CHARGE.replace("charge_3(", "charge_three(")
    repo.commit("rewrite pay", {"payments/pay.py": "pay = 0\n" + edited})
    repo.commit("tidy", remove=["lib/charge.py"])


MOVES: dict[str, Callable[[GitRepo], None]] = {
    "pasted-with-edits-over-an-existing-file": _pasted_over_an_existing_file,
    "copy-then-delete": _copy_then_delete,
    "copy-with-edits-then-delete": _copy_edit_then_delete,
    "through-a-detour": _through_a_detour,
    "move-and-edit-above-the-rename-limit": _move_and_edit_above_the_rename_limit,
}


@pytest.mark.parametrize("how", sorted(MOVES))
def test_ai_content_moved_without_a_recorded_rename_is_ai_origin(
        gated: GitRepo, capsys: Any, how: str) -> None:
    base = gated.head()
    gated.commit(ai_message("charge helper"), {"lib/charge.py": CHARGE})
    MOVES[how](gated)
    outcome = check(gated.path, capsys, "--base", base)
    assert_decided(outcome, 1)
    assert outcome.data is not None
    result = rule_result(outcome.data, "payments")
    assert result["status"] == "fail"
    assert any(item["detector"] == "content" for item in result["evidence"]), result


def test_many_files_moved_and_edited_in_one_commit_above_the_default_limit(
        gated: GitRepo, capsys: Any) -> None:
    """git's default diff.renameLimit (1000): 1,100 moved-and-edited files show as D + A."""
    base = gated.head()
    files = {f"lib/m{i:04d}.py": f"value_{i} = compute({i})\nother_{i} = value_{i} * 2\n"
             f"third_{i} = str(other_{i})\n" for i in range(1100)}
    gated.commit(ai_message("many helpers"), files)
    gated.git("mv", "--", *files, "payments/")  # one git mv for all: lib/X -> payments/X
    gated.commit("move them", {name.replace("lib/", "payments/"): content + "# moved\n"
                               for name, content in files.items()})
    outcome = check(gated.path, capsys, "--base", base)
    assert_decided(outcome, 1)
    assert outcome.data is not None
    assert rule_result(outcome.data, "payments")["status"] == "fail"


HUMAN_ONLY: dict[str, dict[str, str]] = {
    "unrelated-file": {"payments/refund.py": "def refund(x):\n    return -x\n"},
    "shared-boilerplate-only": {"payments/refund.py": (
        "def charge_0(amount):\n    return amount * 0 + fee_0()\n"
        + "".join(f"def refund_{i}(x):\n    return -x * {i}\n" for i in range(10)))},
    "empty-file": {"payments/__init__.py": ""},
}


@pytest.mark.parametrize("case", sorted(HUMAN_ONLY))
def test_human_files_are_not_linked_to_ai_content_they_do_not_hold(
        gated: GitRepo, capsys: Any, case: str) -> None:
    base = gated.head()
    gated.commit(ai_message("charge helper"), {"lib/charge.py": CHARGE, "lib/__init__.py": ""})
    gated.commit("human work", HUMAN_ONLY[case])
    outcome = check(gated.path, capsys, "--base", base)
    assert_decided(outcome, 0)


def test_lines_a_file_already_had_do_not_link_it(gated: GitRepo, capsys: Any) -> None:
    """An AI commit pastes a protected file's lines into another file; a human then edits the
    original. The lines they share were there at the base: they are nobody's new work."""
    gated.commit("more pay", {"payments/pay.py": "pay = 0\n" + CHARGE})
    base = gated.head()
    gated.commit(ai_message("inline the charges"), {"lib/util.py": "u = 0\n" + CHARGE})
    gated.commit("human edit", {"payments/pay.py": "pay = 1\n" + CHARGE + "def x():\n    pass\n"})
    outcome = check(gated.path, capsys, "--base", base)
    assert_decided(outcome, 0)
