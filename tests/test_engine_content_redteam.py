"""Issue 17, classes 5 and 6: requirements that count content must count content.

- ``tests:`` is met only by test files whose content changed (docs/policy.md, "What counts as a
  changed test"): a mode-only change, a rename without edits, a symlink, a symlink retarget, an
  empty new file or a submodule in the test folder tests nothing new.
- ``max_lines`` counts every line the rule's files gain or lose relative to the base tree,
  whatever git's rename and copy detection made of the change.

Every case is built with real git and judged with ``vetgate check --base``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from adversarial.harness import ai_message, assert_decided, check, rule_result
from conftest import GitRepo, make_repo

TESTS_POLICY = """\
version: 1
rules:
  - id: src
    paths: ["src/**"]
    require:
      tests: ["tests/**"]
"""

TEST_BODY = "".join(f"def test_{i}():\n    assert {i} == {i}\n" for i in range(5))


@pytest.fixture
def tested(repo: GitRepo) -> GitRepo:
    repo.commit("base", {".vetgate.yaml": TESTS_POLICY, "src/app.py": "app = 1\n",
                         "tests/test_app.py": TEST_BODY, "tests/data/blob.bin": b"\x00\x01\x02",
                         "tests/test_other.py": "def test_other():\n    pass\n"})
    os.symlink("test_app.py", repo.path / "tests" / "link.py")
    repo.commit("a link")
    return repo


def _chmod(repo: GitRepo) -> None:
    os.chmod(repo.path / "tests" / "test_app.py", 0o755)


def _rename(repo: GitRepo) -> None:
    repo.git("mv", "tests/test_app.py", "tests/test_renamed.py")


def _symlink_new(repo: GitRepo) -> None:
    os.symlink("test_app.py", repo.path / "tests" / "test_alias.py")


def _retarget(repo: GitRepo) -> None:
    (repo.path / "tests" / "link.py").unlink()
    os.symlink("test_other.py", repo.path / "tests" / "link.py")


def _empty(repo: GitRepo) -> None:
    repo.write("tests/test_empty.py", "")


def _file_to_symlink(repo: GitRepo) -> None:
    (repo.path / "tests" / "test_other.py").unlink()
    os.symlink("test_app.py", repo.path / "tests" / "test_other.py")


def _submodule(repo: GitRepo) -> None:
    library = make_repo(repo.path.parent / "library")
    library.commit("lib", {"t.py": "t = 1\n"})
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library.path),
             "tests/vendor")


def _delete(repo: GitRepo) -> None:
    repo.git("rm", "-q", "tests/test_other.py")


def _edit(repo: GitRepo) -> None:
    repo.write("tests/test_app.py", TEST_BODY + "def test_new():\n    pass\n")


def _rename_with_edit(repo: GitRepo) -> None:
    repo.git("mv", "tests/test_app.py", "tests/test_renamed.py")
    repo.write("tests/test_renamed.py", TEST_BODY + "def test_new():\n    pass\n")


def _add(repo: GitRepo) -> None:
    repo.write("tests/test_added.py", "def test_added():\n    assert True\n")


def _binary_fixture(repo: GitRepo) -> None:
    repo.write("tests/data/blob.bin", b"\x00\x01\x03")


def _symlink_to_file(repo: GitRepo) -> None:
    (repo.path / "tests" / "link.py").unlink()
    repo.write("tests/link.py", "def test_linked():\n    pass\n")


NO_NEW_CONTENT: dict[str, Callable[[GitRepo], None]] = {
    "mode-only": _chmod, "rename": _rename, "new-symlink": _symlink_new,
    "symlink-retarget": _retarget, "empty-file": _empty, "file-to-symlink": _file_to_symlink,
    "submodule": _submodule, "delete": _delete,
}
NEW_CONTENT: dict[str, Callable[[GitRepo], None]] = {
    "edit": _edit, "rename-with-edit": _rename_with_edit, "add": _add,
    "binary-fixture": _binary_fixture, "symlink-to-file": _symlink_to_file,
}


@pytest.mark.parametrize("how", sorted([*NO_NEW_CONTENT, *NEW_CONTENT]))
def test_only_a_test_change_with_new_content_meets_tests(tested: GitRepo, capsys: Any,
                                                         how: str) -> None:
    base = tested.head()
    tested.write("src/app.py", "app = 2\n")
    (NO_NEW_CONTENT.get(how) or NEW_CONTENT[how])(tested)
    tested.git("add", "-A")
    tested.git("commit", "-q", "--no-verify", "-m", ai_message("change app"))
    outcome = check(tested.path, capsys, "--base", base)
    if how in NEW_CONTENT:
        assert_decided(outcome, 0)
        return
    assert_decided(outcome, 1)
    assert outcome.data is not None
    requirement = rule_result(outcome.data, "src")["requirements"][0]
    assert requirement["status"] == "fail"
    if how != "delete":
        assert any("does not count" in line for line in requirement["details"]), requirement


def test_mode_only_test_change_in_the_staged_hook_path(tested: GitRepo, capsys: Any,
                                                        tmp_path: Path) -> None:
    """The same rule holds for the pending commit (index against HEAD)."""
    tested.write("src/app.py", "app = 2\n")
    _chmod(tested)
    tested.git("add", "-A")
    message = tmp_path / "MSG"
    message.write_text(ai_message("change app"), encoding="utf-8")
    outcome = check(tested.path, capsys, "--staged", "--message-file", str(message))
    assert_decided(outcome, 1)


# --- max_lines: every line the rule's files gain or lose -----------------------------------------

LINES_POLICY = """\
version: 1
rules:
  - id: db
    paths: ["db/**"]
    require: {max_lines: 10}
"""

BIG = "".join(f"row_{i} = {i}\n" for i in range(200))


@pytest.fixture
def limited(repo: GitRepo) -> GitRepo:
    repo.commit("base", {".vetgate.yaml": LINES_POLICY, "db/big.py": BIG, "lib/big.py": BIG,
                         "db/small.py": "s = 1\n"})
    return repo


def _copy_within(repo: GitRepo) -> None:
    repo.write("db/big.py", BIG + "extra = 1\n")  # touch the source: git records a copy
    repo.write("db/big_copy.py", BIG)


def _copy_from_outside(repo: GitRepo) -> None:
    repo.write("lib/big.py", BIG + "extra = 1\n")
    repo.write("db/big_copy.py", BIG)


def _rename_in_with_edit(repo: GitRepo) -> None:
    repo.git("mv", "lib/big.py", "db/moved.py")
    repo.write("db/moved.py", BIG.replace("row_1 =", "changed_1 ="))


def _rename_in_loosely_similar(repo: GitRepo) -> None:
    repo.git("mv", "lib/big.py", "db/moved.py")  # 60% similar: still a rename to git
    repo.write("db/moved.py", "".join(f"row_{i} = {i}\n" if i % 5 < 3 else f"new_{i} = 0\n"
                                      for i in range(200)))


def _rename_out(repo: GitRepo) -> None:
    repo.git("mv", "db/big.py", "lib/elsewhere.py")


def _to_symlink(repo: GitRepo) -> None:
    (repo.path / "db" / "big.py").unlink()
    os.symlink("../lib/big.py", repo.path / "db" / "big.py")


def _many_renames_above_the_limit(repo: GitRepo) -> None:
    repo.git("config", "diff.renameLimit", "1")
    repo.git("mv", "lib/big.py", "db/moved.py")
    repo.write("db/moved.py", BIG + "extra = 1\n")
    repo.git("mv", "db/small.py", "lib/small.py")


def _rename_within(repo: GitRepo) -> None:
    repo.git("mv", "db/big.py", "db/renamed.py")


def _rename_within_with_edit(repo: GitRepo) -> None:
    repo.git("mv", "db/big.py", "db/renamed.py")
    repo.write("db/renamed.py", BIG + "extra = 1\n")


OVER_THE_LIMIT: dict[str, Callable[[GitRepo], None]] = {
    "copy-within-the-rule": _copy_within, "copy-from-outside": _copy_from_outside,
    "rename-in-with-edit": _rename_in_with_edit,
    "rename-in-60-percent-similar": _rename_in_loosely_similar, "rename-out": _rename_out,
    "file-to-symlink": _to_symlink, "renames-above-the-rename-limit": _many_renames_above_the_limit,
}
WITHIN_THE_LIMIT: dict[str, Callable[[GitRepo], None]] = {
    "rename-within-the-rule": _rename_within,
    "rename-within-the-rule-with-edit": _rename_within_with_edit,
}


def _judge_lines(repo: GitRepo, capsys: Any, make: Callable[[GitRepo], None]) -> Any:
    base = repo.head()
    make(repo)
    repo.git("add", "-A")
    repo.git("commit", "-q", "--no-verify", "-m", ai_message("reshape db"))
    return check(repo.path, capsys, "--base", base)


@pytest.mark.parametrize("how", sorted(OVER_THE_LIMIT))
def test_max_lines_counts_every_line_the_rule_gains_or_loses(
        limited: GitRepo, capsys: Any, how: str) -> None:
    outcome = _judge_lines(limited, capsys, OVER_THE_LIMIT[how])
    assert_decided(outcome, 1)
    assert outcome.data is not None
    requirement = rule_result(outcome.data, "db")["requirements"][0]
    assert requirement["status"] == "fail"
    assert int(requirement["message"].split()[0]) >= 200, requirement["message"]


@pytest.mark.parametrize("how", sorted(WITHIN_THE_LIMIT))
def test_max_lines_counts_only_the_edits_of_a_move_inside_the_rule(
        limited: GitRepo, capsys: Any, how: str) -> None:
    outcome = _judge_lines(limited, capsys, WITHIN_THE_LIMIT[how])
    assert_decided(outcome, 0)


# --- review fresh: content keys on (mode, object id) -------------------------------------------

REVIEW_POLICY = """\
version: 1
groups:
  security: [alice]
rules:
  - id: auth
    paths: ["auth/**"]
    require:
      review: {count: 1, from: [security], fresh: content}
"""


def _as_symlink(repo: GitRepo, path: str) -> None:
    target = (repo.path / path).read_bytes().decode()
    (repo.path / path).unlink()
    os.symlink(target, repo.path / path)


def _as_file(repo: GitRepo, path: str) -> None:
    target = os.readlink(repo.path / path)
    (repo.path / path).unlink()
    repo.write(path, target)


TYPE_CHANGES: dict[str, tuple[str, Callable[[GitRepo, str], None]]] = {
    "file-to-symlink": ("file", _as_symlink),
    "file-to-executable": ("file", lambda repo, path: os.chmod(repo.path / path, 0o755)),
    "executable-to-file": ("executable", lambda repo, path: os.chmod(repo.path / path, 0o644)),
    "symlink-to-file": ("symlink", _as_file),
}


@pytest.mark.parametrize("how", sorted(TYPE_CHANGES))
def test_an_approval_goes_stale_when_the_file_changes_type_with_the_same_bytes(
        repo: GitRepo, capsys: Any, tmp_path: Path, how: str) -> None:
    start, change_type = TYPE_CHANGES[how]
    repo.commit("base", {".vetgate.yaml": REVIEW_POLICY})
    base = repo.head()
    path = "auth/config"
    if start == "symlink":
        (repo.path / "auth").mkdir()
        os.symlink("../etc/passwd", repo.path / path)
    else:
        repo.write(path, "../etc/passwd")  # the bytes a symlink's target would have
        if start == "executable":
            os.chmod(repo.path / path, 0o755)
    repo.git("add", "-A")
    repo.git("commit", "-q", "--no-verify", "-m", ai_message("auth config"))
    approved = repo.head()
    reviews = tmp_path / "reviews.json"
    reviews.write_text(f'[{{"user": "alice", "state": "APPROVED", "commit_id": "{approved}"}}]',
                       encoding="utf-8")
    outcome = check(repo.path, capsys, "--base", base, "--reviews", str(reviews))
    assert_decided(outcome, 0)  # approved as it is
    change_type(repo, path)
    repo.git("add", "-A")
    repo.git("commit", "-q", "--no-verify", "-m", ai_message("same bytes, other type"))
    assert repo.git("rev-parse", f"{approved}:{path}") == repo.git("rev-parse", f"HEAD:{path}")
    outcome = check(repo.path, capsys, "--base", base, "--reviews", str(reviews))
    assert_decided(outcome, 1)
    assert outcome.data is not None
    requirement = rule_result(outcome.data, "auth")["requirements"][0]
    assert "stale" in " ".join(requirement["details"]), requirement
