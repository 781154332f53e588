"""The CI artefacts users copy: the composite action, the example workflow, the GitLab template —
and the status fallback the action runs when vetgate cannot decide."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from fakehost import FakeHost, Reply
from vetgate.hosts.status import main as status_main

ROOT = Path(__file__).resolve().parent.parent
HEAD = "a" * 40


def load(relpath: str) -> Any:
    # PyYAML reads the bare key `on` as True; look it up either way.
    return yaml.safe_load((ROOT / relpath).read_text(encoding="utf-8"))


def test_action_is_a_composite_action_running_check_ci() -> None:
    action = load("action.yml")
    assert action["runs"]["using"] == "composite"
    assert action["inputs"]["post-status"]["default"] == "vetgate"
    assert action["inputs"]["token"]["default"] == "${{ github.token }}"
    steps = action["runs"]["steps"]
    check = next(step for step in steps if step.get("id") == "check")
    assert check["shell"] == "bash"
    assert 'args=(check --ci --format "$VETGATE_FORMAT")' in check["run"]
    assert "--post-status" in check["run"]
    assert "vetgate.hosts.status" in check["run"]
    # Inputs reach scripts through env only: no ${{ }} inside any run block.
    for step in steps:
        assert "${{" not in step.get("run", "")
    assert action["outputs"]["exit-code"]["value"] == "${{ steps.check.outputs.exit-code }}"


def test_example_workflow() -> None:
    workflow = load("examples/github-workflow.yml")
    triggers = workflow.get("on", workflow.get(True))
    assert set(triggers) == {"pull_request", "pull_request_review"}
    assert workflow["permissions"] == {"contents": "read", "pull-requests": "read",
                                       "statuses": "write"}
    (job,) = workflow["jobs"].values()
    checkout, action, upload = job["steps"]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"]["fetch-depth"] == 0
    assert action["uses"].startswith("vetgate/vetgate@")
    assert action["with"]["post-status"] == "vetgate"
    # The action's default JSON report is what the workflow keeps as an artifact.
    inputs = load("action.yml")["inputs"]
    assert upload["uses"].startswith("actions/upload-artifact@")
    assert upload["if"] == "always()"
    assert upload["with"]["path"] == inputs["json-report"]["default"]


def test_gitlab_template() -> None:
    job = load("ci/gitlab/vetgate.gitlab-ci.yml")["vetgate"]
    assert job["variables"]["GIT_DEPTH"] == "0"
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    reports = job["artifacts"]["reports"]
    assert reports == {"codequality": "gl-code-quality-report.json", "junit": "vetgate-junit.xml"}
    assert job["artifacts"]["when"] == "always"
    script = job["script"]
    (verdict,) = script  # one evaluation: verdict and both reports
    assert "--report codequality=gl-code-quality-report.json" in verdict
    assert "--report junit=vetgate-junit.xml" in verdict
    assert verdict.startswith("vetgate check --ci") and "--warn-only" not in verdict
    assert "|| true" not in verdict
    # The command line the template runs is one the CLI accepts.
    import shlex

    from vetgate.cli import build_parser

    words = shlex.split(verdict.split(" $VETGATE_ARGS")[0])
    args = build_parser().parse_args(words[1:])
    assert args.extra_reports == ["codequality=gl-code-quality-report.json",
                                  "junit=vetgate-junit.xml"]


def test_gitlab_example_includes_the_template() -> None:
    example = load("examples/gitlab-ci.yml")
    assert example["include"][0]["remote"].endswith("/ci/gitlab/vetgate.gitlab-ci.yml")
    assert "vetgate" in example


# --- the status fallback -------------------------------------------------------------------------


def actions_env(tmp_path: Path, host: FakeHost, monkeypatch: pytest.MonkeyPatch) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {
        "number": 5, "head": {"sha": HEAD, "ref": "f"}, "base": {"sha": "b" * 40},
        "user": {"login": "u"}, "labels": []}}), encoding="utf-8")
    for name, value in {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
                        "GITHUB_EVENT_PATH": str(event), "GITHUB_REPOSITORY": "acme/web",
                        "GITHUB_API_URL": host.url, "GITHUB_TOKEN": "ghs_x",
                        "VETGATE_HTTP_BACKOFF": "0"}.items():
        monkeypatch.setenv(name, value)


def test_status_fallback_posts_error_on_the_head(tmp_path: Path, host: FakeHost,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    actions_env(tmp_path, host, monkeypatch)
    host.route("POST", f"/repos/acme/web/statuses/{HEAD}", Reply(201, json={}))
    assert status_main(["vetgate", "error", "vetgate could not decide (exit 2)"]) == 0
    assert host.requests[0].json() == {"state": "error", "context": "vetgate",
                                       "description": "vetgate could not decide (exit 2)"}
    assert "posted error for 'vetgate'" in capsys.readouterr().err


def test_status_fallback_errors_are_one_line(tmp_path: Path, host: FakeHost,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    actions_env(tmp_path, host, monkeypatch)
    assert status_main(["vetgate", "broken"]) == 2
    assert status_main([]) == 2
    host.route("POST", f"/repos/acme/web/statuses/{HEAD}", Reply(403, json={"message": "no"}))
    assert status_main(["vetgate", "error"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3 and all(line.startswith("vetgate: error: ") for line in lines)
