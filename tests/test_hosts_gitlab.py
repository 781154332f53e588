"""GitLab approvals, labels, group members and statuses against a real server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from fakehost import FakeHost, Reply
from vetgate.changes.model import Commit, Identity
from vetgate.errors import HostError
from vetgate.hosts.ci import HostClient, client_for
from vetgate.hosts.model import CIContext

MR = "/projects/1234/merge_requests/7"
HEAD = "a" * 40


def gitlab(host: FakeHost, env: Mapping[str, str] | None = None, *, project: str = "1234",
           iid: int | None = 7) -> HostClient:
    ci = CIContext(platform="gitlab", base="b" * 40, head=HEAD, branch="feature",
                   labels=("stale",) if iid else None, pr_number=iid, repository=project,
                   api_url=host.url, event="merge_request_event")
    return client_for(ci, env if env is not None else {"VETGATE_GITLAB_TOKEN": "glpat-x"},
                      sleep=lambda _: None)


def user(username: str, **extra: Any) -> dict[str, Any]:
    return {"id": len(username), "username": username, "name": username.title(),
            "state": "active", "avatar_url": None, "web_url": f"https://gitlab.example/{username}",
            **extra}


def merge_request(**extra: Any) -> dict[str, Any]:
    data = {"id": 99, "iid": 7, "project_id": 1234, "title": "Refactor login",
            "author": user("mr-author"), "labels": ["ai-generated", "backend"], "sha": HEAD,
            "source_branch": "feature", "target_branch": "main"}
    data.update(extra)
    return data


def approvals(*approvers: dict[str, Any]) -> dict[str, Any]:
    return {"id": 99, "iid": 7, "project_id": 1234, "approved": bool(approvers),
            "approvals_required": 1, "approvals_left": 0 if approvers else 1,
            "approved_by": [{"user": a, "approved_at": "2026-03-01T10:00:00.000Z"}
                            for a in approvers]}


def test_labels_and_author(host: FakeHost) -> None:
    host.route("GET", MR, merge_request())
    client = gitlab(host)
    assert client.labels() == ("ai-generated", "backend")
    assert client.pr_author() == "mr-author"
    assert len(host.requests_to(MR)) == 1


def test_labels_with_details(host: FakeHost) -> None:
    host.route("GET", MR, merge_request(labels=[{"id": 1, "name": "ai-generated"}]))
    assert gitlab(host).labels() == ("ai-generated",)


def test_approvals_become_reviews_without_a_commit(host: FakeHost) -> None:
    host.route("GET", MR, merge_request())
    host.route("GET", f"{MR}/approvals", approvals(
        user("alice"), user("project_1234_bot_0123abcd"), user("svc", bot=True)))
    evidence = gitlab(host).review_evidence([], [])
    assert evidence.source == "gitlab"
    assert evidence.pr_author == "mr-author"
    assert [(r.user, r.state, r.commit_id, r.is_bot) for r in evidence.reviews] == [
        ("alice", "APPROVED", None, False),
        ("project_1234_bot_0123abcd", "APPROVED", None, True),
        ("svc", "APPROVED", None, True),
    ]
    assert evidence.reviews[0].submitted_at == "2026-03-01T10:00:00.000Z"


def test_approvals_the_token_cannot_read(host: FakeHost) -> None:
    host.route("GET", MR, merge_request())
    host.route("GET", f"{MR}/approvals", Reply(403, json={"message": "403 Forbidden"}))
    with pytest.raises(HostError) as exc:
        gitlab(host).review_evidence([], [])
    assert str(exc.value) == (
        "could not fetch the approvals of merge request !7: GitLab returned 403. Use a token "
        "with read_api that can see the project in VETGATE_GITLAB_TOKEN/GITLAB_TOKEN "
        "(CI_JOB_TOKEN cannot read approvals)")


def test_approvals_server_down(host: FakeHost) -> None:
    host.route("GET", MR, merge_request())
    host.route("GET", f"{MR}/approvals", Reply(503))
    with pytest.raises(HostError, match=r"HTTP 503 after 4 attempts; re-run the job$"):
        gitlab(host).review_evidence([], [])


def test_group_members(host: FakeHost) -> None:
    host.route("GET", MR, merge_request())
    host.route("GET", f"{MR}/approvals", approvals(user("Alice")))
    members = [user(f"m{i}") for i in range(120)] + [user("Alice"), user("gone", state="blocked")]
    host.paginate("/groups/acme%2Fsecurity/members/all", members, per_page=100)
    evidence = gitlab(host).review_evidence([], ["@acme/security"])
    team = evidence.team_members["@acme/security"]
    assert "alice" in team and "m119" in team and "gone" not in team
    assert len(host.requests_to("/groups/acme%2Fsecurity/members/all")) == 2


def test_group_the_token_cannot_read(host: FakeHost) -> None:
    host.route("GET", MR, merge_request())
    host.route("GET", f"{MR}/approvals", approvals(user("alice")))
    host.route("GET", "/groups/acme%2Fsecurity/members/all",
               Reply(404, json={"message": "404 Group Not Found"}))
    evidence = gitlab(host).review_evidence([], ["@acme/security"])
    assert evidence.team_members == {}
    assert evidence.team_errors == {"@acme/security": (
        "cannot tell whether alice is in @acme/security: the token cannot read the group's "
        "members (GitLab returned 404). Use a token with read_api that can see the group in "
        "VETGATE_GITLAB_TOKEN/GITLAB_TOKEN")}


def test_range_people_from_noreply_addresses(host: FakeHost) -> None:
    host.route("GET", MR, merge_request())
    host.route("GET", f"{MR}/approvals", approvals())
    ident = Identity("Gil", "77-gil.dev@users.noreply.gitlab.com")
    commit = Commit(sha="c" * 40, parents=(), author=ident, committer=Identity("X", "x@e.org"),
                    author_time=0, commit_time=0, message="m\n\nCo-authored-by: Y <y@e.org>\n")
    evidence = gitlab(host).review_evidence([commit], [])
    assert evidence.range_people == frozenset({"gil.dev"})
    assert evidence.login_by_email == {"77-gil.dev@users.noreply.gitlab.com": "gil.dev"}


def test_project_path_is_url_encoded(host: FakeHost) -> None:
    host.route("GET", "/projects/acme%2Fweb/merge_requests/7", merge_request())
    assert gitlab(host, project="acme/web").labels() == ("ai-generated", "backend")


@pytest.mark.parametrize(("state", "sent"), [("success", "success"), ("failure", "failed"),
                                             ("error", "failed"), ("pending", "pending")])
def test_post_status(host: FakeHost, state: str, sent: str) -> None:
    host.route("POST", f"/projects/1234/statuses/{HEAD}", Reply(201, json={"id": 1}))
    env = {"VETGATE_GITLAB_TOKEN": "glpat-x", "CI_JOB_URL": "https://gitlab.example/-/jobs/5"}
    gitlab(host, env).post_status(HEAD, state, "vetgate", "vetgate: the change meets the policy")
    (request,) = host.requests
    assert request.json() == {"state": sent, "name": "vetgate",
                              "description": "vetgate: the change meets the policy",
                              "target_url": "https://gitlab.example/-/jobs/5"}


def test_post_status_without_permission(host: FakeHost) -> None:
    host.route("POST", f"/projects/1234/statuses/{HEAD}", Reply(403, json={"message": "403"}))
    with pytest.raises(HostError, match="Use a token with the api scope"):
        gitlab(host).post_status(HEAD, "success", "vetgate", "ok")


@pytest.mark.parametrize(("env", "header", "value"), [
    ({"VETGATE_GITLAB_TOKEN": "glpat-a", "GITLAB_TOKEN": "glpat-b", "CI_JOB_TOKEN": "job"},
     "private-token", "glpat-a"),
    ({"GITLAB_TOKEN": "glpat-b", "CI_JOB_TOKEN": "job"}, "private-token", "glpat-b"),
    ({"CI_JOB_TOKEN": "job"}, "job-token", "job"),
])
def test_token_header_forms(host: FakeHost, env: dict[str, str], header: str, value: str) -> None:
    host.route("GET", MR, merge_request())
    gitlab(host, env).labels()
    headers = host.requests[0].headers
    assert headers[header] == value
    assert {"private-token", "job-token"} - {header} - set(headers) == (
        {"private-token", "job-token"} - {header})
    assert "authorization" not in headers


def test_missing_token(host: FakeHost) -> None:
    with pytest.raises(HostError, match=r"^cannot read merge request !7: no GitLab token: set "
                                        "VETGATE_GITLAB_TOKEN"):
        gitlab(host, {}).labels()
    assert host.requests == []
