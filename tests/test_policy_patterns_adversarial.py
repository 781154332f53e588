"""Adversarial file names and tree entries, committed for real, judged by `vetgate check --base`.

What vetgate promises: a changed path is judged exactly as git records it (repository-relative,
byte for byte), whatever characters it holds; matching is case-sensitive unless the policy sets
``case_sensitive: false``; a symlink is judged by the path of the symlink entry itself (git never
records files "through" a symlink, so writing through one lands on the real path, which is judged).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from adversarial.harness import (
    Outcome,
    ai_message,
    assert_decided,
    check,
    git_bytes,
    isolated_environment,
    rule_result,
)
from conftest import GitRepo, make_repo

POLICY = """\
version: 1
rules:
  - id: auth
    paths: ["src/auth/**"]
    require: {forbid: "AI-written changes are not accepted in src/auth/"}
  - id: secrets
    paths: ["**/secrets/**"]
    require: {forbid: "AI-written changes are not accepted in secrets/ folders"}
"""

NOCASE_POLICY = "version: 1\ncase_sensitive: false\n" + POLICY.split("\n", 1)[1]

HYPOTHESIS = settings(
    max_examples=50, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much],
)

_counter = itertools.count()


@pytest.fixture(scope="module")
def gated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitRepo]:
    """One repository for the module: the policy (and a case-insensitive variant) at the base."""
    with isolated_environment(tmp_path_factory.mktemp("home")):
        repo = make_repo(tmp_path_factory.mktemp("paths") / "repo")
        repo.commit("policy", {".vetgate.yaml": POLICY, "policies/nocase.yaml": NOCASE_POLICY,
                               "src/auth/session.py": "a = 1\n", "lib/util.py": "u = 1\n"})
        yield repo


def commit_ai(repo: GitRepo, message: str = "") -> tuple[str, str]:
    """Stage everything and commit it as Claude Code would; return (base, head)."""
    base = repo.head()
    repo.git("add", "-A")
    repo.git("commit", "-q", "--no-verify", "--allow-empty", "-m",
             message or ai_message(f"change {next(_counter)}"))
    return base, repo.head()


def judged(repo: GitRepo, capsys: Any, base: str, *extra: str) -> Outcome:
    outcome = check(repo.path, capsys, "--base", base, *extra)
    assert_decided(outcome, 0, 1)
    assert outcome.data is not None
    return outcome


def nocase(repo: GitRepo) -> str:
    """The case-insensitive variant of the policy, as an absolute path."""
    return str(repo.path / "policies" / "nocase.yaml")


def changed_paths(outcome: Outcome) -> set[str]:
    assert outcome.data is not None
    return {c["path"] for c in outcome.data["changes"]}


# --- random file names --------------------------------------------------------------------------

def _fits(name: str) -> bool:
    """A name one path component can have on Linux, and that git agrees to track (git refuses
    `.git` and its NTFS/HFS look-alikes anywhere in a path)."""
    raw = name.encode("utf-8")
    return (0 < len(raw) <= 255 and name not in (".", "..") and "/" not in name
            and "\0" not in name and name.lower().rstrip(". ") not in (".git", "git~1"))


_ANY_CHAR = st.characters(blacklist_categories=("Cs",), blacklist_characters="\0/")
NAMES = st.one_of(
    st.text(_ANY_CHAR, min_size=1, max_size=30),
    # leading dashes, option look-alikes, and pathspec magic
    st.sampled_from(["-", "--", "-rf", "--output=PWNED", "--exec=touch PWNED", "-C..",
                     ":(glob)*", ":!x", ":(exclude)*", "*", "?", "[ab]", "!x", "#x", "\\"]),
    # `..`-like names that are not `..`
    st.sampled_from(["...", "..a", "a..", ". .", ".. ", " ..", "..\u200b", "．．", "..\n"]),
    # names at the filesystem limit: 255 bytes, ASCII or multi-byte
    st.integers(200, 255).map(lambda n: "a" * n),
    st.integers(60, 127).map(lambda n: "é" * n + "x" * (255 - 2 * n)),
    st.integers(40, 63).map(lambda n: "😀" * n),
).filter(_fits)


def _write(repo: GitRepo, relpath: str, content: bytes) -> bool:
    """Write a file through the file system; False when the name cannot exist there."""
    target = repo.path / relpath
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_dir():
            return False
        target.write_bytes(content)
    except OSError:
        return False
    return True


def stage(repo: GitRepo, files: dict[str, bytes]) -> bool:
    """Write ``files`` and `git add -A`; on failure (a name the file system or git refuses)
    remove what was written and return False, leaving the repository as it was."""
    written = []
    ok = True
    for relpath, content in files.items():
        if not _write(repo, relpath, content):
            ok = False
            break
        written.append(relpath)
    if ok:
        try:
            repo.git("add", "-A")
            return True
        except AssertionError:
            pass
    repo.git("reset", "-q")
    for relpath in written:
        (repo.path / relpath).unlink(missing_ok=True)
    return False


@HYPOTHESIS
@given(name=NAMES)
def test_random_file_names_in_a_protected_folder_are_blocked(
        gated: GitRepo, capsys: Any, name: str) -> None:
    number = next(_counter)
    content = f"content {number}\n".encode()
    inside, outside = f"src/auth/{name}", f"lib/{name}"
    assume(stage(gated, {inside: content, outside: content}))
    base, _ = commit_ai(gated)
    outcome = judged(gated, capsys, base)
    assert outcome.code == 1, outcome.describe()
    assert changed_paths(outcome) == {inside, outside}
    auth = rule_result(outcome.data or {}, "auth")
    assert auth["status"] == "fail"
    assert auth["paths"] == [inside]


@HYPOTHESIS
@given(name=st.one_of(st.text(_ANY_CHAR, min_size=1, max_size=30),
                      st.sampled_from(["-rf", "...", ":(glob)*", "*", "\\", " "])).filter(_fits))
def test_random_directory_names_above_a_protected_folder_are_blocked(
        gated: GitRepo, capsys: Any, name: str) -> None:
    number = next(_counter)
    relpath = f"d{number}/{name}/secrets/key.txt"
    assume(stage(gated, {relpath: b"secret\n"}))
    base, _ = commit_ai(gated)
    outcome = judged(gated, capsys, base)
    assert outcome.code == 1, outcome.describe()
    assert rule_result(outcome.data or {}, "secrets")["paths"] == [relpath]


@pytest.mark.parametrize("directory", ["a\nb", "\n", "x\r\ny"])
def test_newline_in_a_directory_name_does_not_evade_a_doublestar_rule(
        gated: GitRepo, capsys: Any, directory: str) -> None:
    """pathspec's regexes alone do not let `.` cross a newline, so `**/secrets/**` once missed
    `a\nb/secrets/key.txt`; vetgate compiles patterns so that it does."""
    relpath = f"n{next(_counter)}/{directory}/secrets/key.txt"
    assert stage(gated, {relpath: b"secret\n"})
    base, _ = commit_ai(gated)
    outcome = judged(gated, capsys, base)
    assert changed_paths(outcome) == {relpath}
    assert outcome.code == 1, outcome.describe()


def test_newline_in_a_file_name_inside_a_protected_folder_is_blocked(
        gated: GitRepo, capsys: Any) -> None:
    relpath = f"src/auth/evil\n{next(_counter)}.py"
    assert stage(gated, {relpath: b"x\n"})
    base, _ = commit_ai(gated)
    outcome = judged(gated, capsys, base)
    assert outcome.code == 1, outcome.describe()
    assert rule_result(outcome.data or {}, "auth")["paths"] == [relpath]


# --- names the file system cannot hold, and bytes that are not UTF-8 ----------------------------

@pytest.fixture
def fresh(tmp_path: Path) -> GitRepo:
    """A repository of its own, for entries that must not leak into the shared one."""
    repo = make_repo(tmp_path / "fresh")
    repo.commit("policy", {".vetgate.yaml": POLICY, "src/auth/session.py": "a = 1\n"})
    return repo


def _commit_index_entry(repo: GitRepo, relpath: bytes, content: bytes = b"x\n",
                        mode: str = "100644") -> str:
    """Add ``relpath`` to the index without a work-tree file (git allows names the file system
    may not) and commit it as AI; return the base."""
    blob = git_bytes(repo.path, "hash-object", "-w", "--stdin", input=content).strip()
    git_bytes(repo.path, "update-index", "--add", "-z", "--index-info",
              input=b"%s %s\t%s\0" % (mode.encode(), blob, relpath))
    base = repo.head()
    repo.git("commit", "-q", "--no-verify", "-m", ai_message("an index entry"))
    return base


def test_component_longer_than_the_file_system_allows(fresh: GitRepo, capsys: Any) -> None:
    name = "L" * 300
    base = _commit_index_entry(fresh, f"src/auth/{name}".encode(), b"long\n")
    outcome = judged(fresh, capsys, base)
    assert outcome.code == 1, outcome.describe()
    assert rule_result(outcome.data or {}, "auth")["paths"] == [f"src/auth/{name}"]


def test_very_deep_path(fresh: GitRepo, capsys: Any) -> None:
    relpath = "src/auth/" + "/".join(f"dir{i:05d}" for i in range(500)) + "/x.py"
    assert len(relpath) > 4096
    base = _commit_index_entry(fresh, relpath.encode())
    outcome = judged(fresh, capsys, base)
    assert outcome.code == 1, outcome.describe()


@pytest.mark.parametrize("raw", [b"src/auth/\xff.py", b"src/auth/caf\xe9.py",
                                 b"src/\xc0\xaf/auth.py", b"src/auth/\xed\xa0\x80"])
def test_file_names_that_are_not_utf8(fresh: GitRepo, capsys: Any, raw: bytes) -> None:
    base = _commit_index_entry(fresh, raw)
    outcome = judged(fresh, capsys, base)
    expected_block = raw.startswith(b"src/auth/")
    assert outcome.code == (1 if expected_block else 0), outcome.describe()
    assert len(changed_paths(outcome)) == 1
    (reported,) = changed_paths(outcome)
    # Undecodable bytes are shown as \xNN escapes; the rest of the name is kept.
    assert "\\x" in reported and reported.startswith("src/")


def test_submodule_entry_in_a_protected_folder_is_blocked(fresh: GitRepo, capsys: Any) -> None:
    relpath = "src/auth/vendored"
    git_bytes(fresh.path, "update-index", "--add", "--cacheinfo",
              f"160000,{fresh.head()},{relpath}")
    base = fresh.head()
    fresh.git("commit", "-q", "--no-verify", "-m", ai_message("vendor a submodule"))
    outcome = judged(fresh, capsys, base)
    assert outcome.code == 1, outcome.describe()
    (change,) = outcome.data["changes"] if outcome.data else [None]
    assert change["path"] == relpath
    assert change.get("kind", "submodule") == "submodule"


# --- case variants ------------------------------------------------------------------------------

@pytest.mark.parametrize("relpath", ["SRC/Auth/login.py", "src/AUTH/login.py",
                                     "Src/auth/login.py", "src/Auth/Secrets/x"])
def test_case_variants_pass_by_default_and_block_with_case_sensitive_false(
        gated: GitRepo, capsys: Any, relpath: str) -> None:
    assert stage(gated, {relpath: f"{next(_counter)}\n".encode()})
    base, _ = commit_ai(gated)
    sensitive = judged(gated, capsys, base)
    assert sensitive.code == 0, sensitive.describe()
    assert rule_result(sensitive.data or {}, "auth")["status"] == "skip"
    insensitive = judged(gated, capsys, base, "--policy", nocase(gated))
    assert insensitive.code == 1, insensitive.describe()


def test_unicode_case_variant_with_case_sensitive_false(gated: GitRepo, capsys: Any) -> None:
    """Upper-case letters outside ASCII fold too ("ÀUTH" is not "auth": no false positive)."""
    relpath = "SRC/ÀUTH/x.py"
    assert stage(gated, {relpath: b"x\n"})
    base, _ = commit_ai(gated)
    outcome = judged(gated, capsys, base, "--policy", nocase(gated))
    assert outcome.code == 0, outcome.describe()


# --- symlinks, submodules, spaces ---------------------------------------------------------------

def test_symlink_to_a_protected_folder_is_judged_by_its_own_path(gated: GitRepo,
                                                                capsys: Any) -> None:
    link = f"link{next(_counter)}"
    os.symlink("src/auth", gated.path / link)
    gated.git("add", "-A")
    base, _ = commit_ai(gated)
    outcome = judged(gated, capsys, base)
    assert outcome.code == 0, outcome.describe()
    (change,) = outcome.data["changes"] if outcome.data else [None]
    assert change["path"] == link
    assert change.get("kind", "symlink") == "symlink"
    assert rule_result(outcome.data or {}, "auth")["status"] == "skip"


def test_writing_through_a_symlink_is_judged_at_the_real_path(gated: GitRepo,
                                                             capsys: Any) -> None:
    link = gated.path / f"through{next(_counter)}"
    os.symlink("src/auth", link)
    (link / f"new{next(_counter)}.py").write_text("x = 1\n")
    gated.git("add", "-A")
    base, _ = commit_ai(gated)
    outcome = judged(gated, capsys, base)
    assert outcome.code == 1, outcome.describe()
    auth_paths = rule_result(outcome.data or {}, "auth")["paths"]
    assert len(auth_paths) == 1 and auth_paths[0].startswith("src/auth/new")


def test_symlink_inside_a_protected_folder_is_blocked(gated: GitRepo, capsys: Any) -> None:
    relpath = f"src/auth/passwd{next(_counter)}"
    os.symlink("/etc/passwd", gated.path / relpath)
    gated.git("add", "-A")
    base, _ = commit_ai(gated)
    outcome = judged(gated, capsys, base)
    assert outcome.code == 1, outcome.describe()
    assert rule_result(outcome.data or {}, "auth")["paths"] == [relpath]


def test_replacing_a_protected_folder_by_a_symlink_is_blocked(tmp_path: Path,
                                                              capsys: Any) -> None:
    repo = make_repo(tmp_path / "swap")
    repo.commit("policy", {".vetgate.yaml": POLICY, "src/auth/session.py": "a = 1\n",
                           "elsewhere/session.py": "a = 2\n"})
    repo.git("rm", "-rq", "src/auth")
    (repo.path / "src").mkdir()
    os.symlink("../elsewhere", repo.path / "src" / "auth")
    base, _ = commit_ai(repo)
    outcome = judged(repo, capsys, base)
    assert outcome.code == 1, outcome.describe()
    assert "src/auth/session.py" in rule_result(outcome.data or {}, "auth")["paths"]


@pytest.mark.parametrize("relpath, blocked", [
    ("src/auth/my file.py", True),
    ("src/auth/ leading.py", True),
    ("src/auth/trailing.py ", True),
    ("src/auth dir/x.py", False),
    ("src /auth/x.py", False),
    (" src/auth/x.py", False),
])
def test_file_names_with_spaces(gated: GitRepo, capsys: Any, relpath: str,
                                blocked: bool) -> None:
    assert stage(gated, {relpath: f"{next(_counter)}\n".encode()})
    base, _ = commit_ai(gated)
    outcome = judged(gated, capsys, base)
    assert outcome.code == (1 if blocked else 0), outcome.describe()
    assert changed_paths(outcome) == {relpath}


def test_leading_dash_and_pathspec_magic_names_at_the_top_level(gated: GitRepo, capsys: Any,
                                                                tmp_path: Path) -> None:
    """Names a careless `git ... <paths>` call would read as options or pathspec magic; the
    review-freshness lookup (``--reviews``) passes changed paths to git, so it runs too."""
    names = ["-rf", "--output=PWNED", ":(glob)**", ":!src", "*"]
    assert stage(gated, {name: f"{next(_counter)}\n".encode() for name in names})
    base, _ = commit_ai(gated)
    reviews = tmp_path / "reviews.json"
    reviews.write_text(f'[{{"user": "alice", "state": "APPROVED", "commit_id": "{base}"}}]')
    for extra in ((), ("--reviews", str(reviews))):
        outcome = judged(gated, capsys, base, *extra)
        assert outcome.code == 0, outcome.describe()
        assert changed_paths(outcome) == set(names)
    assert not (gated.path / "PWNED").exists()


def test_relative_policy_path_is_taken_from_the_C_directory(gated: GitRepo, capsys: Any,
                                                            tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """`-C DIR` runs "as if vetgate was started in DIR", relative --policy paths included."""
    monkeypatch.chdir(tmp_path)
    outcome = check(gated.path, capsys, "--base", "HEAD", "--policy", "policies/nocase.yaml")
    assert_decided(outcome, 0)
