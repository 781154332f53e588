"""CI detection: GitHub Actions events (payload files written here) and GitLab CI variables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vetgate.errors import UsageError
from vetgate.hosts.ci import NOT_IN_CI, detect
from vetgate.hosts.model import CIContext

BASE = "b" * 40
HEAD = "a" * 40
MERGE = "c" * 40  # GITHUB_SHA on pull_request: the test merge commit, never the head
ZERO = "0" * 40


def pull_request_payload(**overrides: Any) -> dict[str, Any]:
    pr = {
        "number": 42,
        "user": {"login": "octo-author", "type": "User"},
        "labels": [{"name": "ai-generated"}, {"name": "needs review"}],
        "base": {"sha": BASE, "ref": "main"},
        "head": {"sha": HEAD, "ref": "copilot/fix-login"},
    }
    pr.update(overrides)
    return {"action": "synchronize", "number": 42, "pull_request": pr,
            "repository": {"full_name": "acme/web"}}


def github_env(tmp_path: Path, event: str, payload: Any) -> dict[str, str]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return {
        "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": str(path),
        "GITHUB_REPOSITORY": "acme/web", "GITHUB_SHA": MERGE,
        "GITHUB_API_URL": "https://ghe.example.com/api/v3",
    }


@pytest.mark.parametrize("event", ["pull_request", "pull_request_target", "pull_request_review"])
def test_github_pull_request_events(tmp_path: Path, event: str) -> None:
    ci = detect(github_env(tmp_path, event, pull_request_payload()))
    assert ci == CIContext(
        platform="github", base=BASE, head=HEAD, branch="copilot/fix-login",
        labels=("ai-generated", "needs review"), pr_number=42, pr_author="octo-author",
        repository="acme/web", api_url="https://ghe.example.com/api/v3", event=event,
        base_ref="main",
    )
    assert ci.head != MERGE


def test_github_default_api_url_and_repository_from_payload(tmp_path: Path) -> None:
    env = github_env(tmp_path, "pull_request", pull_request_payload(labels=[]))
    del env["GITHUB_API_URL"], env["GITHUB_REPOSITORY"]
    ci = detect(env)
    assert ci.api_url == "https://api.github.com"
    assert ci.repository == "acme/web"
    assert ci.labels == ()


def test_github_merge_group(tmp_path: Path) -> None:
    payload = {"action": "checks_requested", "merge_group": {
        "base_sha": BASE, "head_sha": HEAD, "base_ref": "refs/heads/main",
        "head_ref": f"refs/heads/gh-readonly-queue/main/pr-17-{HEAD}"}}
    ci = detect(github_env(tmp_path, "merge_group", payload))
    assert (ci.base, ci.head, ci.pr_number, ci.branch, ci.labels) == (BASE, HEAD, 17, None, None)


def test_github_push(tmp_path: Path) -> None:
    payload = {"ref": "refs/heads/feature/x", "before": BASE, "after": HEAD}
    ci = detect(github_env(tmp_path, "push", payload))
    assert (ci.base, ci.head, ci.branch, ci.labels, ci.pr_number) == (
        BASE, HEAD, "feature/x", None, None)


def test_github_push_of_a_new_branch_has_no_base(tmp_path: Path) -> None:
    payload = {"ref": "refs/heads/new", "before": ZERO, "after": HEAD}
    assert detect(github_env(tmp_path, "push", payload)).base is None


def test_github_push_deleting_a_branch(tmp_path: Path) -> None:
    payload = {"ref": "refs/heads/gone", "before": BASE, "after": ZERO}
    with pytest.raises(UsageError, match="deletes refs/heads/gone; there is nothing to check"):
        detect(github_env(tmp_path, "push", payload))


def test_github_tag_push_has_no_branch(tmp_path: Path) -> None:
    payload = {"ref": "refs/tags/v1", "before": BASE, "after": HEAD}
    assert detect(github_env(tmp_path, "push", payload)).branch is None


def test_not_in_ci() -> None:
    with pytest.raises(UsageError) as exc:
        detect({"CI": "true", "GITHUB_ACTIONS": "false"})
    assert str(exc.value) == NOT_IN_CI
    assert "use --base/--range locally" in NOT_IN_CI


def test_unsupported_github_event(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot judge the GitHub event 'schedule'"):
        detect(github_env(tmp_path, "schedule", {}))


def test_missing_event_file(tmp_path: Path) -> None:
    env = github_env(tmp_path, "pull_request", {})
    env["GITHUB_EVENT_PATH"] = str(tmp_path / "missing.json")
    with pytest.raises(UsageError) as exc:
        detect(env)
    assert str(exc.value).startswith(
        f"cannot read the GitHub event payload {tmp_path / 'missing.json'} (GITHUB_EVENT_PATH): "
        "No such file or directory")


def test_event_file_not_json(tmp_path: Path) -> None:
    env = github_env(tmp_path, "pull_request", {})
    Path(env["GITHUB_EVENT_PATH"]).write_text("{nope", encoding="utf-8")
    with pytest.raises(UsageError, match="is not valid JSON"):
        detect(env)


def test_missing_event_path_variable(tmp_path: Path) -> None:
    env = github_env(tmp_path, "pull_request", {})
    del env["GITHUB_EVENT_PATH"]
    with pytest.raises(UsageError, match="GITHUB_EVENT_PATH is not set"):
        detect(env)


@pytest.mark.parametrize(("change", "field"), [
    ({"head": {"ref": "x"}}, "pull_request.head.sha"),
    ({"base": {"sha": "main"}}, "pull_request.base.sha"),
    ({"number": "42"}, "pull_request.number"),
    ({"labels": ["ai"]}, "pull_request.labels"),
    ({"user": {"login": 7}}, "pull_request.user.login"),
])
def test_malformed_payload_names_file_and_field(tmp_path: Path, change: dict[str, Any],
                                                field: str) -> None:
    env = github_env(tmp_path, "pull_request", pull_request_payload(**change))
    with pytest.raises(UsageError) as exc:
        detect(env)
    message = str(exc.value)
    assert message.startswith(
        f"the pull_request event payload {env['GITHUB_EVENT_PATH']} has no valid {field} (")


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(["sha", "ref", "login", "name", "number", "user"]),
                      children, max_size=3),
    max_leaves=10,
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event=st.sampled_from(["pull_request", "merge_group", "push"]), pr=_json, other=_json)
def test_any_payload_yields_a_context_or_a_usage_error(tmp_path: Path, event: str, pr: Any,
                                                       other: Any) -> None:
    payload = {"pull_request": pr, "merge_group": other, "before": other, "after": pr}
    try:
        ci = detect(github_env(tmp_path, event, payload))
    except UsageError:
        return
    assert ci.platform == "github"


# --- GitLab ----------------------------------------------------------------------------------


def gitlab_env(**extra: str) -> dict[str, str]:
    env = {
        "GITLAB_CI": "true", "CI": "true", "CI_COMMIT_SHA": MERGE,
        "CI_PROJECT_ID": "1234", "CI_PROJECT_PATH": "acme/web",
        "CI_API_V4_URL": "https://gitlab.example.com/api/v4",
        "CI_SERVER_URL": "https://gitlab.example.com",
    }
    env.update(extra)
    return env


def test_gitlab_merge_request_pipeline() -> None:
    ci = detect(gitlab_env(
        CI_PIPELINE_SOURCE="merge_request_event", CI_COMMIT_SHA=HEAD,
        CI_MERGE_REQUEST_IID="7", CI_MERGE_REQUEST_DIFF_BASE_SHA=BASE,
        CI_MERGE_REQUEST_LABELS="ai-generated,needs review, ,backend",
        CI_MERGE_REQUEST_SOURCE_BRANCH_NAME="codex/refactor",
        CI_MERGE_REQUEST_SOURCE_BRANCH_SHA="", GITLAB_USER_LOGIN="pipeline-starter",
        CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main",
    ))
    assert ci == CIContext(
        platform="gitlab", base=BASE, head=HEAD, branch="codex/refactor",
        labels=("ai-generated", "needs review", "backend"), pr_number=7, pr_author=None,
        repository="1234", api_url="https://gitlab.example.com/api/v4",
        event="merge_request_event", base_ref="main",
    )


def test_gitlab_merged_results_pipeline_uses_the_source_branch_sha() -> None:
    ci = detect(gitlab_env(CI_MERGE_REQUEST_IID="7", CI_MERGE_REQUEST_DIFF_BASE_SHA=BASE,
                           CI_MERGE_REQUEST_SOURCE_BRANCH_SHA=HEAD))
    assert (ci.base, ci.head) == (BASE, HEAD)


def test_gitlab_mr_without_labels_has_empty_labels() -> None:
    ci = detect(gitlab_env(CI_MERGE_REQUEST_IID="7", CI_MERGE_REQUEST_DIFF_BASE_SHA=BASE))
    assert ci.labels == ()


def test_gitlab_branch_pipeline() -> None:
    ci = detect(gitlab_env(CI_COMMIT_BEFORE_SHA=BASE, CI_COMMIT_BRANCH="main",
                           CI_PIPELINE_SOURCE="push"))
    assert (ci.base, ci.head, ci.branch, ci.labels, ci.pr_number, ci.event) == (
        BASE, MERGE, "main", None, None, "push")


def test_gitlab_new_branch_pipeline_has_no_base() -> None:
    assert detect(gitlab_env(CI_COMMIT_BEFORE_SHA=ZERO)).base is None


def test_gitlab_api_url_defaults() -> None:
    env = gitlab_env()
    del env["CI_API_V4_URL"]
    assert detect(env).api_url == "https://gitlab.example.com/api/v4"
    del env["CI_SERVER_URL"]
    assert detect(env).api_url == "https://gitlab.com/api/v4"


def test_gitlab_missing_diff_base() -> None:
    with pytest.raises(UsageError, match=r"^CI_MERGE_REQUEST_DIFF_BASE_SHA is not set; "):
        detect(gitlab_env(CI_MERGE_REQUEST_IID="7"))


def test_gitlab_bad_sha_and_iid() -> None:
    with pytest.raises(UsageError, match="CI_COMMIT_SHA is 'HEAD', not a full commit id"):
        detect(gitlab_env(CI_COMMIT_SHA="HEAD"))
    with pytest.raises(UsageError, match="CI_MERGE_REQUEST_IID is 'x'"):
        detect(gitlab_env(CI_MERGE_REQUEST_IID="x", CI_MERGE_REQUEST_DIFF_BASE_SHA=BASE))


@given(labels=st.lists(st.text(alphabet=st.characters(blacklist_characters=",",
                                                      blacklist_categories=("Cs",)),
                               min_size=1).map(str.strip).filter(bool), max_size=5))
def test_gitlab_labels_round_trip(labels: list[str]) -> None:
    ci = detect(gitlab_env(CI_MERGE_REQUEST_IID="3", CI_MERGE_REQUEST_DIFF_BASE_SHA=BASE,
                           CI_MERGE_REQUEST_LABELS=",".join(labels)))
    assert ci.labels == tuple(labels)
