"""`vetgate replay` end to end: a real history with merges, squash commits, a policy that changed
in the middle of the window, AI and human changes, judged by the real CLI."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conftest import GitRepo
from vetgate.main import main

CLAUDE = "Co-Authored-By: Claude <noreply@anthropic.com>"
HUMAN = "Hana Human <hana@example.com>"

OLD_POLICY = """\
version: 1
rules:
  - id: auth
    paths: ["src/auth/**"]
    require:
      tests: ["tests/auth/**"]
"""
CURRENT_POLICY = OLD_POLICY + """\
  - id: docs
    level: warn
    paths: ["docs/**"]
    require:
      max_lines: 1
"""
PROPOSED = """\
version: 1
groups:
  ops: [olga]
rules:
  - id: auth
    paths: ["src/auth/**"]
    require:
      tests: ["tests/auth/**"]
  - id: payments
    paths: ["payments/**"]
    require:
      tests: ["tests/payments/**"]
  - id: deploy
    paths: ["deploy/**"]
    require:
      review: {count: 1, from: [ops]}
"""


def _schema() -> dict[str, Any]:
    text = resources.files("vetgate.replay").joinpath("replay-output.schema.json").read_text(
        encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def _squash(repo: GitRepo, subject: str, files: dict[str, str], *, ai: bool) -> str:
    message = f"{subject}\n\n{CLAUDE}\n" if ai else subject
    return repo.commit(message, files, author=HUMAN)


@pytest.fixture
def history(repo: GitRepo, tmp_path: Path) -> dict[str, str]:
    """main: root, an AI squash into payments/, a merged pull request (AI + human commits),
    the policy change, a human payments change, an AI auth change without tests, an AI deploy
    change. Returns the shas by name, and writes the proposed policy beside the repository."""
    shas = {"root": repo.commit("init", {".vetgate.yaml": OLD_POLICY, "README.md": "hi\n"},
                                author=HUMAN)}
    shas["pay-ai"] = _squash(repo, "Add refunds (#1)", {"payments/refund.py": "r = 1\n"}, ai=True)
    repo.git("checkout", "-q", "-b", "feature")
    shas["feature-ai"] = _squash(repo, "login form", {"src/auth/login.py": "x = 1\n",
                                                      "tests/auth/test_login.py": "t\n"}, ai=True)
    shas["feature-human"] = _squash(repo, "polish", {"README.md": "hello\n"}, ai=False)
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge pull request #2 from feature", "feature")
    shas["merge"] = repo.head()
    shas["policy"] = _squash(repo, "policy: docs rule (#3)", {".vetgate.yaml": CURRENT_POLICY},
                             ai=False)
    shas["pay-human"] = _squash(repo, "Fix refund rounding (#4)",
                                {"payments/refund.py": "r = 2\n"}, ai=False)
    shas["auth-ai"] = _squash(repo, "Session timeout (#5)", {"src/auth/session.py": "s\n"},
                              ai=True)
    shas["deploy-ai"] = _squash(repo, "Deploy script (#6)", {"deploy/run.sh": "echo\n"}, ai=True)
    (tmp_path / "proposed.yaml").write_text(PROPOSED, encoding="utf-8")
    return shas


def replay(repo: GitRepo, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["replay", "-C", str(repo.path), *args])
    out, err = capsys.readouterr()
    return code, out if code == 0 else err


def test_json_judges_each_landed_change_with_both_policies(
        repo: GitRepo, history: dict[str, str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out = replay(repo, capsys, "--policy", str(tmp_path / "proposed.yaml"),
                       "--format", "json")
    assert code == 0, out
    data = json.loads(out)
    jsonschema.validate(data, _schema())
    # One change per first-parent commit, newest first; the merge brings its pull request.
    order = ["deploy-ai", "auth-ai", "pay-human", "policy", "merge", "pay-ai", "root"]
    assert [c["sha"] for c in data["changes"]] == [history[name] for name in order]
    by_sha = {c["sha"]: c for c in data["changes"]}
    merge = by_sha[history["merge"]]
    assert merge["commits"] == 3 and merge["origin"] == "ai"
    assert merge["verdict"] == {"proposed": "pass", "against": "pass"}
    # The AI squash into payments/ landed before any payments rule existed: the proposed policy
    # judges it anyway (and the report says that it does).
    refunds = by_sha[history["pay-ai"]]
    assert refunds["verdict"] == {"proposed": "fail", "against": "pass"}
    assert refunds["rules"] == [{
        "rule": "payments", "proposed": "fail", "against": None,
        "message": "Add or update at least 1 test file matching tests/payments/** in this change "
                   "(found 0)"}]
    assert "not by the policy that was in force when it landed" in data["judged_by"]
    # ... and names where the policy changed inside the window.
    assert data["policy_changed"] == [history["policy"]]
    # The human change to payments/ is not the rule's business (origin: ai).
    assert by_sha[history["pay-human"]]["verdict"]["proposed"] == "pass"
    assert by_sha[history["auth-ai"]]["verdict"] == {"proposed": "fail", "against": "fail"}
    # Review evidence is not in git: unknown, never met.
    deploy = by_sha[history["deploy-ai"]]
    assert deploy["verdict"] == {"proposed": "unknown", "against": "pass"}
    assert deploy["rules"][0]["proposed"] == "unknown"
    assert data["rules"]["payments"] == {
        "proposed": {"blocked": 1, "warned": 0, "passed": 0, "unknown": 0, "skipped": 6},
        "against": None}
    assert data["rules"]["auth"]["proposed"]["blocked"] == 1
    assert data["rules"]["auth"]["against"]["blocked"] == 1
    assert data["rules"]["deploy"]["proposed"]["unknown"] == 1
    assert data["rules"]["docs"]["proposed"] is None
    assert data["difference"] == [{"rule": "payments", "blocked": 1}]
    assert data["window"] == {"requested": 100, "replayed": 7, "complete": True, "note": None}
    assert data["reviews"] is None
    assert data["against"].startswith(f".vetgate.yaml@{history['deploy-ai'][:12]}")


def test_text_report_names_the_difference_and_the_blocked_changes(
        repo: GitRepo, history: dict[str, str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out = replay(repo, capsys, "--policy", str(tmp_path / "proposed.yaml"), "--last", "5")
    assert code == 0, out
    assert out.startswith(f"vetgate replay: 5 changes that reached {history['deploy-ai'][:10]}")
    assert "not by the policy that was in force when it landed" in out
    assert (f"The policy files changed inside this window, at {history['policy'][:10]} (policy: "
            "docs rule (#3)): the changes before were gated by another policy") in out
    assert "review and label requirements count as unknown, never as met" in out
    assert "difference (proposed - against): no difference in what is blocked" in out
    assert "blocked by the proposed policy: 1 of 5" in out
    assert f"  {history['auth-ai'][:10]}  ai       Session timeout (#5)" in out
    code, out = replay(repo, capsys, "--policy", str(tmp_path / "proposed.yaml"))
    assert "difference (proposed - against): +1 blocked by payments" in out


def test_against_an_older_commit_and_a_range(
        repo: GitRepo, history: dict[str, str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out = replay(repo, capsys, "--against", history["root"], "--format", "json",
                       f"{history['merge']}..HEAD")
    assert code == 0, out
    data = json.loads(out)
    # The work tree's policy (the current one) against the first one: the docs rule is new.
    assert [c["sha"] for c in data["changes"]] == [
        history[n] for n in ("deploy-ai", "auth-ai", "pay-human", "policy")]
    assert data["rules"]["docs"]["against"] is None
    assert data["rules"]["docs"]["proposed"]["skipped"] == 4
    assert data["window"]["requested"] is None
    assert data["against"] == f".vetgate.yaml@{history['root'][:12]}"


def test_reviews_file_judges_review_requirements(
        repo: GitRepo, history: dict[str, str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    reviews = tmp_path / "reviews.json"
    reviews.write_text(json.dumps([
        {"user": "olga", "state": "APPROVED", "commit_id": history["deploy-ai"]},
        # a review of another change's commit says nothing about this one
        {"user": "olga", "state": "APPROVED", "commit_id": history["auth-ai"]},
    ]), encoding="utf-8")
    code, out = replay(repo, capsys, "--policy", str(tmp_path / "proposed.yaml"), "--last", "1",
                       "--reviews", str(reviews), "--format", "json")
    assert code == 0, out
    data = json.loads(out)
    assert data["changes"][0]["verdict"]["proposed"] == "pass"
    assert data["rules"]["deploy"]["proposed"]["passed"] == 1
    assert data["reviews"] == str(reviews)


def test_markdown_has_the_table_and_the_blocked_list(
        repo: GitRepo, history: dict[str, str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out = replay(repo, capsys, "--policy", str(tmp_path / "proposed.yaml"),
                       "--format", "markdown")
    assert code == 0, out
    assert "| `payments` | 1 | 0 | 0 | 0 | - | +1 |" in out
    assert "**Difference:** +1 blocked by `payments`" in out
    assert "2 changes the proposed policy would have blocked" in out


@pytest.mark.parametrize("args, message", [
    (["--last", "0"], "--last 0: give a whole number of changes, 1 or more"),
    (["--last", "ten"], "--last ten: give a whole number of changes"),
    (["--last", "3", "HEAD~2..HEAD"], "give either --last N or RANGE, not both"),
    (["--against", "no-such-thing"], "--against no-such-thing: neither a policy file nor a "
                                     "commit"),
    (["nope..HEAD"], "nope"),
])
def test_bad_arguments_exit_2_with_the_fix(
        repo: GitRepo, history: dict[str, str], capsys: pytest.CaptureFixture[str],
        args: list[str], message: str) -> None:
    code, err = replay(repo, capsys, *args)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_a_bad_proposed_policy_exits_2_naming_the_line(
        repo: GitRepo, history: dict[str, str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nrules:\n  - id: x\n    paths: []\n", encoding="utf-8")
    code, err = replay(repo, capsys, "--policy", str(bad))
    assert code == 2
    assert "bad.yaml:4:" in err


def test_a_shallow_clone_exits_2(repo: GitRepo, history: dict[str, str], tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    clone = tmp_path / "shallow"
    repo.git("clone", "-q", "--depth", "2", f"file://{repo.path}", str(clone))
    code = main(["replay", "-C", str(clone), "--last", "5"])
    err = capsys.readouterr().err
    assert code == 2
    assert "the clone is shallow" in err and "fetch" in err


def test_the_budget_stops_the_walk_with_a_note(repo: GitRepo, history: dict[str, str]) -> None:
    from vetgate.gate.policy import load_policy_at
    from vetgate.replay.walk import Side
    from vetgate.replay.walk import replay as run_replay

    policy = load_policy_at(str(repo.path), None, None)
    ticks = iter(range(100))
    report = run_replay(str(repo.path), Side(policy, "p"), Side(policy, "a"), last=7,
                        budget=2.5, clock=lambda: float(next(ticks)))
    assert len(report.changes) == 2
    assert not report.complete
    assert report.note == ("stopped after 2 changes: the replay budget of 2.5 s ran out (raise "
                           "it with --replay-budget)")


def test_the_package_schema_is_the_published_one() -> None:
    published = Path(__file__).resolve().parent.parent / "schema" / "replay-output.schema.json"
    assert json.loads(published.read_text(encoding="utf-8")) == _schema()


def test_one_diff_tree_for_a_chunk_gives_each_change_its_own_diff(
        repo: GitRepo, history: dict[str, str]) -> None:
    from vetgate.changes.collect import range_change
    from vetgate.changes.landed import collect_chunk, first_parents

    repo.git("mv", "payments/refund.py", "payments/refunds.py")
    repo.commit("rename (#7)", author=HUMAN)
    repo.commit("empty (#8)", allow_empty=True, author=HUMAN)
    root = str(repo.path)
    chunk = list(first_parents(root, "HEAD"))
    assert len(chunk) == 9 and not chunk[-1].parents
    for landed, change in zip(chunk, collect_chunk(root, chunk), strict=True):
        if landed.parents:
            # Exactly what `check --range C^1..C` collects.
            expected = range_change(root, landed.parents[0], landed.sha)
            assert change.files == expected.files
            assert change.commits == expected.commits
            assert change.base == expected.base and change.head == expected.head
        else:
            assert [f.path for f in change.files] == [".vetgate.yaml", "README.md"]


def test_replay_budget_goes_with_ci(repo: GitRepo, history: dict[str, str],
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "-C", str(repo.path), "--replay-budget", "5"]) == 2
    assert "--replay-budget goes with --ci" in capsys.readouterr().err
