"""`vetgate origin` says which policy judged (its verdicts depend on the policy's `origin:`
settings): the work tree's, the built-in default, `--policy` files, HEAD's in a bare clone, and
for the pending commit the index's, as the hooks read it. Real repositories, exact strings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import GitRepo, make_repo
from vetgate.main import main

# Strict mode: what the policy is shows in every verdict without evidence.
STRICT = "version: 1\norigin:\n  unknown: ai\nrules: []\n"
LENIENT = "version: 1\norigin:\n  unknown: human\nrules: []\n"
NO_POLICY = "built-in default: the work tree has no .vetgate.yaml"


def run(where: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["origin", "-C", str(where), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def text_and_json(where: Path, *args: str, capsys: pytest.CaptureFixture[str]
                  ) -> tuple[str, dict[str, object]]:
    code, out, err = run(where, *args, capsys=capsys)
    assert (code, err) == (0, "")
    code, data, err = run(where, *args, "--format", "json", capsys=capsys)
    assert (code, err) == (0, "")
    return out, json.loads(data)


def test_the_work_trees_policy_is_named_last(repo: GitRepo,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    base = repo.commit("add policy", {".vetgate.yaml": STRICT})
    one = repo.commit("one", {"a.txt": "a\n"})
    two = repo.commit("two", {"a.txt": "b\n"})
    out, data = text_and_json(repo.path, f"{base}..HEAD", capsys=capsys)
    assert out == (f"{one[:10]}  unknown (counts as ai)  -  one\n"
                   "    no evidence (counts as ai: origin.unknown)\n"
                   f"{two[:10]}  unknown (counts as ai)  -  two\n"
                   "    no evidence (counts as ai: origin.unknown)\n"
                   "\n"
                   "2 commits: 0 ai, 0 human, 2 unknown (unknown counts as ai)\n"
                   "policy: .vetgate.yaml (work tree)\n")
    assert list(data) == ["commits", "policy_source", "policy_notes"]
    assert (data["policy_source"], data["policy_notes"]) == (".vetgate.yaml (work tree)", [])
    out, data = text_and_json(repo.path, capsys=capsys)  # one commit: no summary line
    assert out == (f"{two[:10]}  unknown (counts as ai)  -  two\n"
                   "    no evidence (counts as ai: origin.unknown)\n"
                   "\n"
                   "policy: .vetgate.yaml (work tree)\n")
    assert data["policy_source"] == ".vetgate.yaml (work tree)"


def test_the_built_in_default_says_why(repo: GitRepo,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("base", {"a.txt": "a\n"})
    work = repo.commit("work", {"a.txt": "b\n"})
    out, data = text_and_json(repo.path, "HEAD~1..HEAD", capsys=capsys)
    assert out == (f"{work[:10]}  unknown (counts as human)  -  work\n"
                   "    no evidence (counts as human: origin.unknown)\n"
                   "\n"
                   f"policy: {NO_POLICY}\n")
    assert data["policy_source"] == NO_POLICY


def test_explicit_policy_files_are_named_as_given(repo: GitRepo, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("add policy", {".vetgate.yaml": STRICT, "team.yaml": LENIENT})
    outside = tmp_path / "elsewhere" / "p.yaml"
    outside.parent.mkdir()
    outside.write_text(LENIENT, encoding="utf-8")
    shown = os.path.realpath(outside)
    for given, said in ((str(outside), f"{shown} (file)"),
                        (str(repo.path / "team.yaml"), "team.yaml (work tree)")):
        out, data = text_and_json(repo.path, "--policy", given, capsys=capsys)
        assert "unknown (counts as human)" in out  # the given file judged, not .vetgate.yaml
        assert out.endswith(f"\n\npolicy: {said}\n")
        assert data["policy_source"] == said


def test_a_bare_clone_names_heads_commit(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    origin = make_repo(tmp_path / "proj")
    origin.commit("add policy", {".vetgate.yaml": STRICT})
    origin.commit("work", {"a.txt": "a\n"})
    bare = tmp_path / "proj.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(origin.path), str(bare)], check=True)
    (bare / ".vetgate.yaml").write_text(LENIENT, encoding="utf-8")  # no work tree: never read
    head = origin.head()
    out, data = text_and_json(bare, "HEAD~1..HEAD", capsys=capsys)
    said = f".vetgate.yaml@{head[:12]} (HEAD)"
    assert out == (f"{head[:10]}  unknown (counts as ai)  -  work\n"
                   "    no evidence (counts as ai: origin.unknown)\n"
                   "\n"
                   f"policy: {said}\n")
    assert data["policy_source"] == said
    # HEAD without a policy: the built-in default, and which commit has none
    origin.git("rm", "-q", ".vetgate.yaml")
    origin.commit("drop policy")
    subprocess.run(["git", "-C", str(bare), "fetch", "-q", str(origin.path), "main:main"],
                   check=True)
    _, data = text_and_json(bare, capsys=capsys)
    assert data["policy_source"] == (f"built-in default: commit "
                                     f"{origin.head()[:12]} (HEAD) has no .vetgate.yaml")


def test_the_pending_commit_is_judged_by_the_index_policy(
        repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("add policy", {".vetgate.yaml": STRICT})
    repo.write("a.txt", "a\n")
    repo.git("add", "a.txt")
    index = ".vetgate.yaml (index: the policy the commit will carry)"
    out, data = text_and_json(repo.path, "--staged", capsys=capsys)
    assert out == ("pending  unknown (counts as ai)  -\n"
                   "    no evidence (counts as ai: origin.unknown)\n"
                   "\n"
                   f"policy: {index}\n")
    assert (data["policy_source"], data["policy_notes"]) == (index, [])
    # An unstaged edit of the policy does not judge the commit (it would not carry it): said.
    repo.write(".vetgate.yaml", LENIENT)
    note = ("the work tree's .vetgate.yaml differs from the index; the index's copy (what the "
            "commit will carry) judged")
    out, data = text_and_json(repo.path, "--staged", capsys=capsys)
    assert out == ("pending  unknown (counts as ai)  -\n"
                   "    no evidence (counts as ai: origin.unknown)\n"
                   "\n"
                   f"policy: {index}\n"
                   f"note: {note}\n")
    assert (data["policy_source"], data["policy_notes"]) == (index, [note])


def test_the_pending_commit_without_a_policy_or_with_an_unstaged_one(
        repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("a.txt", "a\n")
    repo.git("add", "a.txt")
    _, data = text_and_json(repo.path, "--staged", capsys=capsys)
    assert data["policy_source"] == "built-in default: the index has no .vetgate.yaml"
    given = tmp_path / "p.yaml"
    given.write_text(STRICT, encoding="utf-8")
    out, data = text_and_json(repo.path, "--staged", "--policy", str(given), capsys=capsys)
    said = f"{os.path.realpath(given)} (file)"
    assert "(counts as ai)" in out and out.endswith(f"\n\npolicy: {said}\n")
    assert data["policy_source"] == said
    # A policy in the work tree only: the hooks refuse it, and so does origin (never the default)
    repo.write(".vetgate.yaml", STRICT)
    code, out, err = run(repo.path, "--staged", capsys=capsys)
    assert (code, out) == (2, "")
    assert err == ("vetgate: error: the work tree has .vetgate.yaml but the index does not: the "
                   "hooks judge the policy the commit will carry; stage it (`git add "
                   ".vetgate.yaml`) or move it away\n")


def test_naming_the_policy_costs_no_git_process(repo: GitRepo, tmp_path: Path) -> None:
    base = repo.commit("add policy", {".vetgate.yaml": STRICT})
    repo.commit("work", {"a.txt": "b\n"})
    trace = tmp_path / "trace"
    proc = subprocess.run([sys.executable, "-m", "vetgate", "origin", f"{base}..HEAD"],
                          cwd=repo.path, capture_output=True, text=True, check=False,
                          env={**os.environ, "GIT_TRACE": str(trace)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.endswith("policy: .vetgate.yaml (work tree)\n")
    commands = [line.split("trace: built-in: git ", 1)[1].split()[0]
                for line in trace.read_text(encoding="utf-8").splitlines()
                if "trace: built-in: git " in line]
    # as without a policy (test_origin_command): one rev-parse, the listing, the Agent Trace file
    assert commands[0] == "rev-parse"
    assert sorted(commands[1:3]) == ["cat-file", "rev-list"]
    assert commands[3:] == ["cat-file"]
