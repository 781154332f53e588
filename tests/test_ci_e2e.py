"""`vetgate check --ci` end to end: GitHub Actions environment and event payload, a real
repository, and the GitHub API played by a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import GitRepo
from fakehost import FakeHost, Reply
from vetgate.main import main

PR = "/repos/acme/web/pulls/42"
CLAUDE = "Co-Authored-By: Claude <noreply@anthropic.com>"
ROOT = Path(__file__).resolve().parent.parent

POLICY = """\
version: 1
groups:
  security: [alice, octo-author, dave, hannah-gh, review-helper, "@acme/security"]
  policy-owners: [carol]
policy_owners: [policy-owners]
rules:
  - id: auth
    paths: ["src/auth/**"]
    require:
      review: {count: 1, from: [security]}
"""


class PullRequest:
    """A pull request: a real repository, its event payload, and the fake GitHub behind it."""

    def __init__(self, repo: GitRepo, host: FakeHost, tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> None:
        self.repo, self.host, self.tmp_path, self.monkeypatch = repo, host, tmp_path, monkeypatch
        self.base = repo.commit("initial", {".vetgate.yaml": POLICY, "README.md": "hello\n",
                                            "src/auth/session.py": "a = 1\n"})
        self.reviews: list[dict[str, Any]] = []
        self.api_commits: list[dict[str, Any]] = []

    def commit(self, message: str, files: dict[str, str], **kwargs: Any) -> str:
        return self.repo.commit(message, files, **kwargs)

    def review(self, login: str, state: str = "APPROVED", commit: str | None = None,
               user_type: str = "User") -> None:
        self.reviews.append({
            "id": len(self.reviews) + 1, "user": {"login": login, "type": user_type},
            "state": state, "commit_id": commit or self.repo.head(), "body": "",
            "submitted_at": f"2026-03-01T10:{len(self.reviews):02d}:00Z",
        })

    def environment(self) -> dict[str, str]:
        head = self.repo.head()
        event = self.tmp_path / "event.json"
        event.write_text(json.dumps({"action": "synchronize", "number": 42, "pull_request": {
            "number": 42, "user": {"login": "octo-author"}, "labels": [],
            "base": {"sha": self.base, "ref": "main"},
            "head": {"sha": head, "ref": "feature"}}}), encoding="utf-8")
        return {
            "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(event), "GITHUB_REPOSITORY": "acme/web",
            "GITHUB_API_URL": self.host.url, "GITHUB_TOKEN": "ghs_e2e",
            "VETGATE_HTTP_BACKOFF": "0", "GITHUB_SHA": "c" * 40,
        }

    def serve(self) -> None:
        self.host.route("GET", PR, {"number": 42, "user": {"login": "octo-author"},
                                    "labels": [{"name": "ready"}]})
        self.host.paginate(f"{PR}/reviews", self.reviews, per_page=100)
        self.host.paginate(f"{PR}/commits", self.api_commits, per_page=100)

    def check(self, *extra: str, serve: bool = True) -> tuple[int, dict[str, Any] | None]:
        if serve:
            self.serve()
        for name, value in self.environment().items():
            self.monkeypatch.setenv(name, value)
        out = self.tmp_path / "report.json"
        out.unlink(missing_ok=True)
        code = main(["check", "--ci", "--format", "json", "--output", str(out), *extra])
        data = json.loads(out.read_text(encoding="utf-8")) if out.exists() else None
        return code, data


@pytest.fixture
def pr(in_repo: GitRepo, host: FakeHost, tmp_path: Path,
       monkeypatch: pytest.MonkeyPatch) -> PullRequest:
    return PullRequest(in_repo, host, tmp_path, monkeypatch)


def review_result(data: dict[str, Any] | None, rule: str = "auth") -> dict[str, Any]:
    assert data is not None
    (result,) = [r for r in data["results"] if r["rule"] == rule]
    (requirement,) = [q for q in result["requirements"] if q["kind"] == "review"]
    return requirement


def ai_change(pr: PullRequest, path: str = "src/auth/session.py", content: str = "a = 2\n"
              ) -> str:
    return pr.commit(f"touch {path}\n\n{CLAUDE}\n", {path: content})


def test_approval_by_group_member_on_head_passes(pr: PullRequest) -> None:
    ai_change(pr)
    pr.review("alice")
    code, data = pr.check()
    assert code == 0
    assert review_result(data)["status"] == "pass"
    assert data is not None and data["head"] == pr.repo.head()


def test_approval_on_older_commit_with_protected_files_changed_since(pr: PullRequest) -> None:
    ai_change(pr)
    pr.review("alice")
    ai_change(pr, content="a = 3\n")
    code, data = pr.check()
    assert code == 1
    requirement = review_result(data)
    assert requirement["status"] == "fail"
    assert "re-approve" in requirement["message"]


def test_approval_on_older_commit_with_only_unrelated_changes_stays_fresh(
        pr: PullRequest) -> None:
    ai_change(pr)
    pr.review("alice")
    pr.commit("docs", {"README.md": "more\n"})
    code, data = pr.check()
    assert code == 0
    assert review_result(data)["status"] == "pass"


def test_approval_by_the_pr_author_does_not_count(pr: PullRequest) -> None:
    ai_change(pr)
    pr.review("octo-author")
    code, data = pr.check()
    assert code == 1
    assert any("the pull request's author" in d for d in review_result(data)["details"])


def test_approval_by_a_human_co_author_of_an_ai_commit_does_not_count(pr: PullRequest) -> None:
    dave = "Co-authored-by: Dave <77+dave@users.noreply.github.com>"
    pr.commit(f"pair on auth\n\n{CLAUDE}\n{dave}\n", {"src/auth/session.py": "a = 4\n"})
    pr.review("dave")
    code, data = pr.check()
    assert code == 1
    assert any("dave: not counted" in d and "not independent" in d
               for d in review_result(data)["details"])


def test_approval_by_the_committer_mapped_through_the_commits_api(pr: PullRequest) -> None:
    # An agent authored the commit; the human who prompted it committed it. Their address is
    # not a noreply one: only GitHub's PR commits API ties it to the login that approves.
    sha = pr.commit("agent change", {"src/auth/session.py": "a = 5\n"},
                    author="Claude <noreply@anthropic.com>",
                    committer=("Hannah", "hannah@corp.example"))
    pr.api_commits.append({
        "sha": sha, "commit": {"author": {"email": "noreply@anthropic.com"},
                               "committer": {"email": "hannah@corp.example"}},
        "author": None, "committer": {"login": "hannah-gh", "type": "User"}})
    pr.review("hannah-gh")
    code, data = pr.check()
    assert code == 1
    assert any("hannah-gh: not counted" in d for d in review_result(data)["details"])


def test_approval_by_a_bot_does_not_count(pr: PullRequest) -> None:
    ai_change(pr)
    pr.review("review-helper", user_type="Bot")
    code, data = pr.check()
    assert code == 1
    assert any("bot" in d for d in review_result(data)["details"])


def test_team_membership_is_resolved(pr: PullRequest) -> None:
    ai_change(pr)
    pr.review("bob")
    pr.host.paginate("/orgs/acme/teams/security/members",
                     [{"login": "zoe"}, {"login": "Bob"}], per_page=100)
    code, data = pr.check()
    assert code == 0
    assert review_result(data)["status"] == "pass"
    assert len(pr.host.requests_to("/orgs/acme/teams/security/members")) == 1


def test_membership_404_exits_2_with_the_token_remedy(pr: PullRequest,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    ai_change(pr)
    pr.review("bob")
    pr.host.route("GET", "/orgs/acme/teams/security/members",
                  Reply(404, json={"message": "Not Found"}))
    code, _ = pr.check()
    assert code == 2
    err = capsys.readouterr().err
    assert "cannot tell whether bob is in @acme/security" in err
    assert "read:org" in err and "Traceback" not in err


def test_api_down_exits_2(pr: PullRequest, capsys: pytest.CaptureFixture[str]) -> None:
    ai_change(pr)
    pr.host.route("GET", PR, Reply(503))
    pr.host.route("GET", f"{PR}/reviews", Reply(503))
    code, _ = pr.check(serve=False)
    assert code == 2
    err = capsys.readouterr().err
    assert "after 4 attempts; re-run the job" in err


def test_pr_dropping_its_own_rule_is_judged_by_the_base_policy(pr: PullRequest) -> None:
    weakened = POLICY.split("rules:")[0] + "rules: []\n"
    pr.commit(f"drop the auth rule\n\n{CLAUDE}\n",
              {".vetgate.yaml": weakened, "src/auth/session.py": "a = 6\n"})
    code, data = pr.check()
    assert code == 1
    assert review_result(data)["status"] == "fail"
    policy_rule = [r for r in (data or {})["results"] if r["rule"] == "vetgate-policy"]
    assert policy_rule and policy_rule[0]["status"] == "fail"


def test_ci_report_says_the_base_policy_judged_and_the_head_changes_it(pr: PullRequest) -> None:
    weakened = POLICY.split("rules:")[0] + "rules: []\n"
    pr.commit(f"drop the auth rule\n\n{CLAUDE}\n", {".vetgate.yaml": weakened})
    _code, data = pr.check()
    assert data is not None
    assert data["policy_source"] == f".vetgate.yaml@{pr.base[:12]} (base)"
    assert data["policy_notes"] == ["the head changes .vetgate.yaml; the base's policy judged "
                                    "this change, the head's applies after merge"]


@pytest.mark.parametrize("kind", ["directory", "submodule"])
def test_ci_refuses_a_base_policy_that_is_not_a_file(pr: PullRequest, kind: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Class 12 of issue 17: never the built-in default in CI for what the hooks refuse."""
    pr.repo.git("rm", "-q", "--cached", ".vetgate.yaml")
    (pr.repo.path / ".vetgate.yaml").unlink()
    if kind == "directory":
        pr.base = pr.commit("policy as a directory", {".vetgate.yaml/rules.yaml": POLICY})
    else:
        pr.repo.git("update-index", "--add", "--cacheinfo",
                    f"160000,{pr.repo.head()},.vetgate.yaml")
        pr.repo.git("commit", "-q", "--no-verify", "-m", "policy as a submodule")
        pr.base = pr.repo.head()
    ai_change(pr)
    code, _data = pr.check()
    assert code == 2
    what = "a directory" if kind == "directory" else "a submodule (a gitlink)"
    assert f".vetgate.yaml@{pr.base[:12]} is {what}, not a regular file" in capsys.readouterr().err


def test_post_status_on_the_head(pr: PullRequest) -> None:
    ai_change(pr)
    head = pr.repo.head()
    pr.host.route("POST", f"/repos/acme/web/statuses/{head}", Reply(201, json={}))
    code, _ = pr.check("--post-status", "vetgate")
    assert code == 1
    (posted,) = pr.host.requests_to(f"/repos/acme/web/statuses/{head}", "POST")
    assert posted.json()["state"] == "failure" and posted.json()["context"] == "vetgate"


# --- the composite action's script ---------------------------------------------------------------


def action_script() -> str:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    (step,) = [s for s in action["runs"]["steps"] if s.get("id") == "check"]
    return str(step["run"])


def run_action(pr: PullRequest, tmp_path: Path) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "VETGATE_"))}
    env.update(pr.environment())
    del env["GITHUB_TOKEN"]  # the action passes its token input as VETGATE_GITHUB_TOKEN
    output = tmp_path / "github_output"
    env.update({
        "VETGATE_PYTHON": sys.executable, "VETGATE_GITHUB_TOKEN": "ghs_action",
        "VETGATE_POST_STATUS": "vetgate", "VETGATE_FORMAT": "text", "VETGATE_ARGS": "",
        "VETGATE_JSON_REPORT": "vetgate-report.json", "VETGATE_SARIF_REPORT": "vetgate.sarif",
        "GITHUB_OUTPUT": str(output),
    })
    proc = subprocess.run(["bash", "-c", action_script()], cwd=pr.repo.path, env=env,
                          capture_output=True, text=True, check=False, timeout=120)
    return proc.returncode, output.read_text(encoding="utf-8"), proc.stderr


def test_action_passes_the_verdict_through(pr: PullRequest, tmp_path: Path) -> None:
    ai_change(pr)
    pr.review("alice")
    pr.serve()
    head = pr.repo.head()
    pr.host.route("POST", f"/repos/acme/web/statuses/{head}", Reply(201, json={}))
    code, output, _ = run_action(pr, tmp_path)
    assert (code, output) == (0, "exit-code=0\n")
    (posted,) = pr.host.requests_to(f"/repos/acme/web/statuses/{head}", "POST")
    assert posted.json()["state"] == "success"
    assert posted.headers["authorization"] == "Bearer ghs_action"
    report = json.loads((pr.repo.path / "vetgate-report.json").read_text(encoding="utf-8"))
    assert report["verdict"] == "pass"
    sarif = json.loads((pr.repo.path / "vetgate.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"


def test_action_turns_the_status_red_when_vetgate_cannot_decide(pr: PullRequest,
                                                                tmp_path: Path) -> None:
    ai_change(pr)
    pr.host.route("GET", PR, Reply(502))
    pr.host.route("GET", f"{PR}/reviews", Reply(502))
    head = pr.repo.head()
    pr.host.route("POST", f"/repos/acme/web/statuses/{head}", Reply(201, json={}))
    code, output, stderr = run_action(pr, tmp_path)
    assert (code, output) == (2, "exit-code=2\n")
    # `check --post-status` marks the context itself; the action's fallback (for crashes and
    # argument errors) may post the same state again, which is harmless.
    posted = pr.host.requests_to(f"/repos/acme/web/statuses/{head}", "POST")
    assert posted and {p.json()["state"] for p in posted} == {"error"}
    assert "re-run the job" in stderr


# --- GitLab: the template's script in a merge request pipeline -----------------------------------

MR = "/projects/1234/merge_requests/7"


def gitlab_script(pr: PullRequest, tmp_path: Path) -> tuple[int, str]:
    """Run the template's script lines as GitLab would (one shell, stop at the first failure)."""
    template = yaml.safe_load((ROOT / "ci/gitlab/vetgate.gitlab-ci.yml").read_text("utf-8"))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    launcher = bin_dir / "vetgate"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m vetgate "$@"\n', encoding="utf-8")
    launcher.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "VETGATE_"))}
    env.update({
        "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", "GITLAB_CI": "true",
        "CI_PIPELINE_SOURCE": "merge_request_event", "CI_COMMIT_SHA": pr.repo.head(),
        "CI_MERGE_REQUEST_IID": "7", "CI_MERGE_REQUEST_DIFF_BASE_SHA": pr.base,
        "CI_MERGE_REQUEST_LABELS": "", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "feature",
        "CI_PROJECT_ID": "1234", "CI_API_V4_URL": pr.host.url,
        "VETGATE_GITLAB_TOKEN": "glpat-e2e", "VETGATE_HTTP_BACKOFF": "0",
        **{k: str(v) for k, v in template["vetgate"]["variables"].items()},
    })
    script = "set -e\n" + "\n".join(template["vetgate"]["script"])
    proc = subprocess.run(["bash", "-c", script], cwd=pr.repo.path, env=env, capture_output=True,
                          text=True, check=False, timeout=120)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.parametrize(("approver", "expected"), [("alice", 0), ("octo-author", 1)])
def test_gitlab_template_in_a_merge_request_pipeline(pr: PullRequest, tmp_path: Path,
                                                     approver: str, expected: int) -> None:
    ai_change(pr)
    pr.host.route("GET", MR, {"iid": 7, "author": {"username": "octo-author"}, "labels": []})
    pr.host.route("GET", f"{MR}/approvals", {"approved_by": [
        {"user": {"username": approver, "state": "active"}}]})
    code, output = gitlab_script(pr, tmp_path)
    assert code == expected, output
    quality = json.loads((pr.repo.path / "gl-code-quality-report.json").read_text("utf-8"))
    assert isinstance(quality, list)
    assert bool(quality) == (expected == 1)
    junit = (pr.repo.path / "vetgate-junit.xml").read_text("utf-8")
    assert junit.lstrip().startswith("<?xml") or junit.lstrip().startswith("<testsuite")
    assert pr.host.requests_to(MR)[0].headers["private-token"] == "glpat-e2e"


LABEL_POLICY = POLICY + """\
  - id: labelled
    paths: ["src/labelled/**"]
    require:
      label: ready
"""


def test_labels_come_fresh_from_the_api(pr: PullRequest) -> None:
    """A re-run replays the original payload (no labels here); the API says "ready"."""
    pr.commit("policy with a label rule", {".vetgate.yaml": LABEL_POLICY})
    pr.base = pr.repo.head()
    ai_change(pr, "src/labelled/x.py", "x\n")
    code, data = pr.check()
    assert code == 0, data
    assert data is not None
    (labelled,) = [r for r in data["results"] if r["rule"] == "labelled"]
    assert labelled["status"] == "pass"


def test_no_label_or_review_rule_means_no_api_call(pr: PullRequest) -> None:
    """A change no review or label rule matches needs nothing from the code host."""
    pr.commit("docs", {"README.md": "more\n"})
    code, _ = pr.check(serve=False)
    assert code == 0
    assert pr.host.requests == []


def test_a_lagging_base_sha_does_not_blame_base_commits_on_the_pr(pr: PullRequest) -> None:
    """base.sha is old; main moved on (an AI commit in payments/) and the PR merged main in.
    The remote-tracking ref of the base branch is current, so main's commit is not the PR's."""
    old_base = pr.base
    pr.repo.git("checkout", "-q", "-b", "feature")
    pr.repo.git("checkout", "-q", "main")
    pr.commit(f"main: ai change\n\n{CLAUDE}\n", {"src/auth/other.py": "o\n"})
    pr.repo.git("update-ref", "refs/remotes/origin/main", "main")
    pr.repo.git("checkout", "-q", "feature")
    pr.commit("docs by hand", {"docs/x.md": "x\n"})
    pr.repo.git("merge", "-q", "--no-edit", "main")
    assert pr.base == old_base  # the payload still names the old base
    code, data = pr.check()
    assert code == 0, data
    assert data is not None
    assert "src/auth/other.py" not in [c["path"] for c in data["changes"]]
    # Without the tracking ref the merged-in commit would be blamed on the pull request.
    pr.repo.git("update-ref", "-d", "refs/remotes/origin/main")
    code, data = pr.check()
    assert code == 1


def test_no_token_is_needed_when_nothing_asks_the_code_host(pr: PullRequest,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    pr.commit("docs", {"README.md": "more\n"})
    for name, value in pr.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GITHUB_TOKEN")
    assert main(["check", "--ci", "--format", "json", "--output", str(pr.tmp_path / "r.json")]
                ) == 0
    assert pr.host.requests == []


# --- the replay table when a pull request edits the policy (issue 16) ---------------------------

DOCS_RULE = """\
  - id: docs
    paths: ["docs/**"]
    require:
      forbid: "AI-written docs are not accepted; write them by hand."
"""


def _policy_pr(pr: PullRequest) -> None:
    pr.commit(f"docs by an agent\n\n{CLAUDE}\n", {"docs/guide.md": "hi\n"})
    pr.commit("docs by hand", {"docs/faq.md": "faq\n"})
    pr.base = pr.repo.head()
    pr.commit("policy: no AI docs", {".vetgate.yaml": POLICY + DOCS_RULE})


def _run(pr: PullRequest, *args: str) -> int:
    pr.serve()
    for name, value in pr.environment().items():
        pr.monkeypatch.setenv(name, value)
    return main(["check", "--ci", *args])


def test_a_policy_change_gets_the_replay_table_in_markdown(pr: PullRequest) -> None:
    _policy_pr(pr)
    out = pr.tmp_path / "report.md"
    code = _run(pr, "--format", "markdown", "--output", str(out))
    assert code == 1  # the policy owners have not approved yet
    text = out.read_text(encoding="utf-8")
    assert "### Policy replay" in text
    assert "| `docs` | 1 | 0 | 0 | 0 | - | +1 |" in text
    assert "**Difference:** +1 blocked by `docs`" in text
    assert "not by the policy that was in force when it landed" in text


def test_the_step_summary_gets_the_replay_table(pr: PullRequest) -> None:
    _policy_pr(pr)
    summary = pr.tmp_path / "summary.md"
    pr.monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    _run(pr, "--output", str(pr.tmp_path / "annotations.txt"))
    assert "### Policy replay" in summary.read_text(encoding="utf-8")


def test_no_replay_table_without_a_policy_change_or_budget(pr: PullRequest) -> None:
    ai_change(pr)
    out = pr.tmp_path / "report.md"
    _run(pr, "--format", "markdown", "--output", str(out))
    assert "Policy replay" not in out.read_text(encoding="utf-8")
    _policy_pr(pr)
    _run(pr, "--format", "markdown", "--output", str(out), "--replay-budget", "0")
    assert "No replay: --replay-budget is 0." in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("value", ["-1", "soon", "inf"])
def test_a_bad_replay_budget_exits_2(pr: PullRequest, value: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    ai_change(pr)
    assert _run(pr, "--replay-budget", value) == 2
    assert f"--replay-budget {value}: give seconds, 0 or more" in capsys.readouterr().err
