"""History commands (`origin RANGE`, `audit`, `replay`) in bare and mirror clones: the same
answer as a normal clone with the same HEAD, the policy committed at HEAD, and exact messages for
what needs a work tree. Real repositories, real `git clone --bare` / `--mirror`."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import GitRepo, count_git_processes, make_repo
from conftest import at_day as _at
from vetgate.changes.git import HistoryRoot, history_root, repository_name
from vetgate.main import main

CLAUDE = "Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>"
# Not the default policy in every way that shows: strict mode, a team marker, a rule.
POLICY = """\
version: 1
origin:
  unknown: ai
  markers:
    trailers: [{key: Made-By, value: "robot*"}]
rules:
  - id: auth
    paths: ["src/auth/**"]
    require: {tests: ["tests/auth/**"]}
"""
# Lying in a bare repository's git directory: never read (it is no work tree).
DECOY = """\
version: 1
origin:
  unknown: human
rules:
  - id: decoy
    paths: ["**"]
    require: {max_lines: 1}
"""
PROPOSED = """\
version: 1
rules:
  - id: everything
    paths: ["src/**"]
    require: {tests: ["tests/**"]}
"""


def _history(repo: GitRepo) -> None:
    repo.commit("chore: policy and base", {".vetgate.yaml": POLICY,
                                           "src/auth/a.py": "a = 1\nb = 2\n"}, env=_at(0))
    repo.commit(f"feat: auth tweak\n\n{CLAUDE}", {"src/auth/a.py": "a = 1\nb = 3\n"},
                env=_at(1))
    repo.commit("feat: by the robot\n\nMade-By: robot-7", {"src/x.py": "x = 1\n"}, env=_at(2))
    repo.commit("fix: b must be 2 again", {"src/auth/a.py": "a = 1\nb = 2\n"}, env=_at(3))
    repo.commit("docs: readme", {"README.md": "hi\n"}, env=_at(4))


def _git(*args: str) -> None:
    subprocess.run(["git", *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def clones(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One history, as a normal clone, a bare clone and a mirror, each folder named ``proj``
    (``proj.git`` for the bare ones), so that the audit's ``repository`` agrees; the proposed
    policy lies outside all three."""
    base = tmp_path_factory.mktemp("bare")
    with pytest.MonkeyPatch.context() as patch:
        from conftest import isolate

        isolate(patch, base / "home")
        origin = make_repo(base / "origin" / "proj")
        _history(origin)
        paths = {"clone": base / "clone" / "proj", "bare": base / "bare" / "proj.git",
                 "mirror": base / "mirror" / "proj.git"}
        _git("clone", "-q", str(origin.path), str(paths["clone"]))
        _git("clone", "-q", "--bare", str(origin.path), str(paths["bare"]))
        _git("clone", "-q", "--mirror", str(origin.path), str(paths["mirror"]))
    for name in ("bare", "mirror"):
        (paths[name] / ".vetgate.yaml").write_text(DECOY, encoding="utf-8")
    proposed = base / "proposed.yaml"
    proposed.write_text(PROPOSED, encoding="utf-8")
    return {**paths, "proposed": proposed}


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _error(message: str) -> str:
    """What vetgate prints for an error: one line."""
    return f"vetgate: error: {message}\n"


def _same_everywhere(clones: dict[str, Path], args: list[str],
                     capsys: pytest.CaptureFixture[str]) -> str:
    outputs = {}
    for name in ("clone", "bare", "mirror"):
        code, out, err = _run([args[0], "-C", str(clones[name]), *args[1:]], capsys)
        assert (code, err) == (0, ""), name
        outputs[name] = _policy_said(out, name, clones) if args[0] == "origin" else out
    assert outputs["bare"] == outputs["clone"]
    assert outputs["mirror"] == outputs["clone"]
    return outputs["clone"]


def _policy_said(out: str, name: str, clones: dict[str, Path]) -> str:
    """``origin``'s output without where its policy was read, after checking that: the clone's
    work tree, HEAD's commit in a bare or mirror clone (not the decoy lying there)."""
    where = ".vetgate.yaml (work tree)"
    if name != "clone":
        head = subprocess.run(["git", "-C", str(clones[name]), "rev-parse", "HEAD"], check=True,
                              capture_output=True, text=True).stdout.strip()
        where = f".vetgate.yaml@{head[:12]} (HEAD)"
    if out.startswith("{"):
        data = json.loads(out)
        assert (data.pop("policy_source"), data.pop("policy_notes")) == (where, []), name
        return json.dumps(data)
    assert out.endswith(f"\npolicy: {where}\n"), name
    return out.removesuffix(f"policy: {where}\n")


@pytest.mark.parametrize("args", [["origin", "HEAD~4..HEAD"], ["origin"],
                                  ["origin", "main~3..main", "--format", "json"]])
def test_origin_is_the_same_in_bare_and_mirror_clones(clones: dict[str, Path], args: list[str],
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    out = _same_everywhere(clones, args, capsys)
    if args[1:] == ["HEAD~4..HEAD"]:
        # HEAD's policy counted: strict mode and the team's marker, not the decoy's or default's
        assert "4 commits: 2 ai, 0 human, 2 unknown (unknown counts as ai)" in out
        assert "Made-By: robot-7  (policy marker)" in out


def test_origin_takes_its_fast_path_in_a_bare_repository(clones: dict[str, Path],
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    # One rev-parse for root, store and range, the listing started at once; a bare repository
    # asks git only for HEAD and its policy entry beyond what the clone asks.
    counts = {}
    for name in ("clone", "bare"):
        # (a first run stores the compiled policy: the blob is then not read again)
        assert main(["origin", "-C", str(clones[name]), "HEAD~3..HEAD"]) == 0
        with count_git_processes() as calls:
            assert main(["origin", "-C", str(clones[name]), "HEAD~3..HEAD"]) == 0
        assert sum(" rev-parse --is-bare-repository " in call for call in calls) == 1
        assert not any("--show-toplevel" in call for call in calls)
        counts[name] = len(calls)
    assert counts["bare"] == counts["clone"] + 2
    capsys.readouterr()


def test_audit_json_is_the_same_in_bare_and_mirror_clones(clones: dict[str, Path],
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    reports = {}
    for name in ("clone", "bare", "mirror"):
        code, out, err = _run(["audit", "-C", str(clones[name]), "--format", "json",
                               "--progress", "never"], capsys)
        assert (code, err) == (0, "")
        reports[name] = json.loads(out)
    sha = reports["clone"]["head"]
    assert reports["clone"]["policy_source"] == ".vetgate.yaml (work tree)"
    for name in ("bare", "mirror"):
        assert reports[name]["policy_source"] == f".vetgate.yaml@{sha[:12]} (HEAD)"
        reports[name]["policy_source"] = reports["clone"]["policy_source"]
        assert reports[name] == reports["clone"]
    data = reports["clone"]
    assert data["repository"] == "proj"
    assert "auth" in data["rules"] and "decoy" not in data["rules"]
    assert data["counted"]["unknown_counts_as"] == "ai"
    assert data["origins"]["ai"]["fix_inducing"] == 1


def test_audit_text_says_where_the_policy_was_read(clones: dict[str, Path],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["audit", "-C", str(clones["bare"]), "--progress", "never"], capsys)
    sha = subprocess.run(["git", "-C", str(clones["bare"]), "rev-parse", "HEAD"], check=True,
                         capture_output=True, text=True).stdout.strip()
    assert code == 0
    assert f"  policy: .vetgate.yaml@{sha[:12]} (HEAD)\n" in out


def test_audit_merge_rows_of_a_mirror_and_a_clone_agree(clones: dict[str, Path],
                                                        tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    names = []
    for name in ("clone", "mirror"):
        output = tmp_path / f"{name}.json"
        assert main(["audit", "-C", str(clones[name]), "--format", "json", "--output",
                     str(output), "--progress", "never"]) == 0
        names.append(json.loads(output.read_text(encoding="utf-8"))["repository"])
    assert names == ["proj", "proj"]
    capsys.readouterr()


def test_replay_with_a_policy_is_the_same_in_bare_and_mirror_clones(
        clones: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    for fmt in ("text", "json"):
        out = _same_everywhere(clones, ["replay", "--policy", str(clones["proposed"]),
                                        "--format", fmt], capsys)
        assert f"{clones['proposed']} (file)" in out


def test_replay_in_a_bare_repository_needs_the_proposed_policy(
        clones: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["replay", "-C", str(clones["bare"])], capsys)
    assert (code, out) == (2, "")
    assert err == _error(f"{clones['bare']} has no work tree to propose a policy from (a bare "
                         "or mirror clone): give the proposed policy with --policy FILE, e.g. "
                         "`vetgate replay --policy new-policy.yaml`")


@pytest.mark.parametrize("args", [
    ["check", "--staged"], ["check", "--base", "HEAD"], ["validate"], ["explain", "src/a.py"],
    ["init"], ["install-hooks"], ["hook", "commit-msg", "MSG"], ["origin", "--staged"],
])
def test_commands_that_need_a_work_tree_say_so_in_a_bare_repository(
        clones: dict[str, Path], args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    bare = clones["bare"]
    code, _, err = _run([args[0], "-C", str(bare), *args[1:]], capsys)
    assert code == 2
    assert err == _error(f"{bare} is a bare repository: this command needs a work tree; run "
                         f"it in a clone with one (`git clone {bare} DIR`); the history "
                         "commands (`vetgate origin RANGE`, `vetgate audit`, `vetgate replay "
                         "--policy FILE`) read a bare repository as it is")


def test_a_bare_repository_whose_head_has_no_policy_says_so(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    origin = make_repo(tmp_path / "plain")
    origin.commit("feat: x", {"x.py": "x = 1\n"}, env=_at(0))
    sha = origin.commit("feat: y", {"y.py": "y = 1\n"}, env=_at(1))
    bare = tmp_path / "plain.git"
    _git("clone", "-q", "--bare", str(origin.path), str(bare))
    (bare / ".vetgate.yaml").write_text(DECOY, encoding="utf-8")
    code, out, _ = _run(["audit", "-C", str(bare), "--format", "json", "--progress", "never"],
                        capsys)
    assert code == 0
    data = json.loads(out)
    assert data["policy_source"] == (f"built-in default: commit {sha[:12]} (HEAD) has "
                                     "no .vetgate.yaml")
    assert "decoy" not in data["rules"] and data["repository"] == "plain"


def test_unborn_head_in_a_bare_repository_asks_for_a_range(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    origin = make_repo(tmp_path / "src")
    _history(origin)
    bare = tmp_path / "empty-head.git"
    _git("init", "-q", "--bare", "-b", "main", str(bare))
    _git("-C", str(origin.path), "push", "-q", str(bare), "main:dev")
    for command in ("audit", "origin"):
        code, out, err = _run([command, "-C", str(bare)], capsys)
        assert (code, out) == (2, "")
        assert err == _error(f"{bare} has no work tree and its HEAD names no commit (an "
                             "unborn branch), so there is no policy to read at HEAD: name a "
                             f"range, e.g. `vetgate {command} main` (the policy is then the one "
                             "committed where the range ends), or pass --policy FILE")
    # Named, the range's end gives the policy: strict mode counts the unknown commits as ai.
    code, out, _ = _run(["origin", "-C", str(bare), "dev~4..dev"], capsys)
    assert code == 0 and "(unknown counts as ai)" in out
    code, out, _ = _run(["audit", "-C", str(bare), "dev", "--format", "json",
                         "--progress", "never"], capsys)
    assert code == 0
    dev = subprocess.run(["git", "-C", str(bare), "rev-parse", "dev"], check=True,
                         capture_output=True, text=True).stdout.strip()
    assert json.loads(out)["policy_source"] == f".vetgate.yaml@{dev[:12]} (dev)"


def test_explicit_policy_files_are_read_as_given_in_a_bare_repository(
        clones: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    inside = clones["bare"] / "team.yaml"  # even inside the git directory: a file as given
    inside.write_text(PROPOSED, encoding="utf-8")
    try:
        code, out, _ = _run(["audit", "-C", str(clones["bare"]), "--policy", str(inside),
                             "--format", "json", "--progress", "never"], capsys)
    finally:
        inside.unlink()
    data = json.loads(out)
    assert code == 0
    assert data["policy_source"] == f"{inside} (file)"
    assert "everything" in data["rules"] and "auth" not in data["rules"]


def test_history_root_of_each_kind_of_repository(clones: dict[str, Path], tmp_path: Path
                                                 ) -> None:
    clone = clones["clone"]
    (clone / "src" / "deep").mkdir(parents=True, exist_ok=True)
    assert history_root(str(clone / "src" / "deep")) == HistoryRoot(str(clone), True)
    assert history_root(str(clones["bare"] / "refs")) == HistoryRoot(str(clones["bare"]), False)
    assert history_root(str(clones["mirror"])) == HistoryRoot(str(clones["mirror"]), False)
    # Inside a work tree's .git directory git sees no work tree: read as a bare repository.
    assert history_root(str(clone / ".git")) == HistoryRoot(str(clone / ".git"), False)
    link = tmp_path / "link"
    os.symlink(clone / "src", link)
    assert history_root(str(link)) == HistoryRoot(str(clone), True)


def test_history_root_of_a_work_tree_named_by_the_environment(
        clones: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIT_DIR and GIT_WORK_TREE from outside the work tree: git names it, so it is the root.
    clone = clones["clone"]
    monkeypatch.setenv("GIT_DIR", str(clone / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(clone))
    assert history_root(str(tmp_path)) == HistoryRoot(str(clone), True)


def test_repository_names() -> None:
    assert repository_name("/srv/git/proj.git") == "proj"
    assert repository_name("/srv/git/proj.git/") == "proj"
    assert repository_name("/home/me/proj/.git") == "proj"
    assert repository_name("/home/me/proj") == "proj"
    assert repository_name("/srv/.git") == "srv"


def test_outside_any_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("audit", "origin", "replay"):
        code, _, err = _run([command, "-C", str(tmp_path)], capsys)
        assert code == 2
        assert err == _error(f"{tmp_path} is not inside a git repository; run vetgate from a "
                             "repository, or a bare or mirror clone (or pass -C DIR)")


def test_inside_a_git_directory_a_work_tree_command_names_the_work_tree(
        clones: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    git_dir = clones["clone"] / ".git"
    code, _, err = _run(["validate", "-C", str(git_dir)], capsys)
    assert code == 2
    assert err == _error(f"{git_dir} is inside a git directory, not a work tree: this command "
                         "needs a work tree; run vetgate from the work tree (or pass -C DIR)")


def test_the_real_bundle_reads_the_same_bare(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from test_audit_logstream import _corpus

    bundle = _corpus()
    if bundle is None:
        pytest.skip("../shared/corpus/claude-code-action.bundle is absent (a fresh clone of the "
                    "project has no shared corpus beside it)")
    clone, bare = tmp_path / "cca", tmp_path / "cca.git"
    _git("clone", "-q", str(bundle), str(clone))
    _git("clone", "-q", "--bare", str(bundle), str(bare))
    outputs = []
    for where in (clone, bare):
        code, out, err = _run(["origin", "-C", str(where), "HEAD~150..HEAD", "--format", "json"],
                              capsys)
        assert (code, err) == (0, "")
        outputs.append(json.loads(out))
    head = subprocess.run(["git", "-C", str(bare), "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()
    assert [data.pop("policy_source") for data in outputs] == [
        "built-in default: the work tree has no .vetgate.yaml",
        f"built-in default: commit {head[:12]} (HEAD) has no .vetgate.yaml"]
    assert outputs[0] == outputs[1]
    assert sum(c["origin"] == "ai" for c in outputs[0]["commits"]) > 10
