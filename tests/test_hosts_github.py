"""GitHub review evidence, labels and statuses, against a real HTTP server on 127.0.0.1 that
serves recorded-shape REST JSON; commits come from real git repositories."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import count
from typing import Any

import pytest

from conftest import GitRepo
from fakehost import FakeHost, Reply
from vetgate.changes.model import Commit, Identity
from vetgate.errors import HostError
from vetgate.hosts.ci import HostClient, client_for
from vetgate.hosts.model import CIContext, Review

PR = "/repos/acme/web/pulls/42"
HEAD = "a" * 40
OLD = "9" * 40
_ids = count(1)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def github(host: FakeHost, env: Mapping[str, str] | None = None, *, pr: int | None = 42,
           sleeps: Sleeps | None = None, labels: tuple[str, ...] | None = ("stale",)
           ) -> HostClient:
    ci = CIContext(platform="github", base="b" * 40, head=HEAD, branch="feature",
                   labels=labels if pr else None, pr_number=pr, pr_author="octo-author",
                   repository="acme/web", api_url=host.url, event="pull_request")
    return client_for(ci, env if env is not None else {"GITHUB_TOKEN": "ghs_test"},
                      sleep=sleeps if sleeps is not None else Sleeps())


def review(login: str | None, state: str, commit: str | None = HEAD, *,
           user_type: str = "User") -> dict[str, Any]:
    """One review as GET /repos/{o}/{r}/pulls/{n}/reviews returns it."""
    number = next(_ids)
    return {
        "id": number, "node_id": f"PRR_{number}",
        "user": None if login is None else {"login": login, "id": number, "type": user_type},
        "body": "", "state": state, "html_url": f"https://github.com/acme/web/pull/42#r{number}",
        "author_association": "MEMBER", "commit_id": commit,
        "submitted_at": f"2026-03-01T10:{number % 60:02d}:00Z",
    }


def pull(**extra: Any) -> dict[str, Any]:
    data = {"number": 42, "state": "open", "user": {"login": "octo-author", "type": "User"},
            "labels": [{"id": 1, "name": "ai-generated"}, {"id": 2, "name": "security"}],
            "head": {"sha": HEAD, "ref": "feature"}, "base": {"sha": "b" * 40, "ref": "main"}}
    data.update(extra)
    return data


def serve_pr(host: FakeHost, reviews: list[dict[str, Any]], commits: list[Any] | None = None
             ) -> None:
    host.route("GET", PR, pull())
    host.paginate(f"{PR}/reviews", reviews, per_page=100)
    host.paginate(f"{PR}/commits", commits or [], per_page=100)


# --- labels and author ---------------------------------------------------------------------------


def test_labels_and_author_come_fresh_from_the_api(host: FakeHost) -> None:
    host.route("GET", PR, pull())
    client = github(host)
    assert client.labels() == ("ai-generated", "security")  # not the payload's "stale"
    assert client.pr_author() == "octo-author"
    assert len(host.requests_to(PR)) == 1  # one pull request read serves both


def test_no_pull_request_means_no_labels_and_no_reviews(host: FakeHost) -> None:
    client = github(host, pr=None)
    assert client.labels() == ()
    evidence = client.review_evidence([], ["@acme/security"])
    assert evidence.reviews == () and evidence.team_members == {}
    assert host.requests == []


# --- reviews -------------------------------------------------------------------------------------


def test_reviews_are_read_over_three_pages(host: FakeHost) -> None:
    reviews = []
    for i in range(125):
        reviews.append(review(f"user{i}", "CHANGES_REQUESTED"))
        reviews.append(review(f"user{i}", "APPROVED"))
    serve_pr(host, reviews)
    evidence = github(host).review_evidence([], [])
    assert len(host.requests_to(f"{PR}/reviews")) == 3
    assert [r.user for r in evidence.reviews] == [f"user{i}" for i in range(125)]
    assert {r.state for r in evidence.reviews} == {"APPROVED"}
    assert host.requests_to(f"{PR}/reviews")[0].query == {"per_page": ["100"]}


def test_latest_non_comment_review_per_user_decides(host: FakeHost) -> None:
    serve_pr(host, [
        review("alice", "APPROVED", OLD),
        review("bob", "APPROVED"),
        review("alice", "COMMENTED"),  # a comment does not withdraw alice's approval
        review("carol", "CHANGES_REQUESTED"),
        review("bob", "CHANGES_REQUESTED"),
        review("carol", "APPROVED"),
        review("dave", "COMMENTED"),  # only comments: no decision at all
        review("erin", "PENDING", None),
    ])
    evidence = github(host).review_evidence([], [])
    assert [(r.user, r.state, r.commit_id) for r in evidence.reviews] == [
        ("alice", "APPROVED", OLD),
        ("bob", "CHANGES_REQUESTED", HEAD),
        ("carol", "APPROVED", HEAD),
    ]
    assert evidence.source == "github"
    assert evidence.pr_author == "octo-author"


def test_dismissed_review_cancels_the_approval(host: FakeHost) -> None:
    serve_pr(host, [review("alice", "APPROVED"), review("alice", "DISMISSED")])
    (only,) = github(host).review_evidence([], []).reviews
    assert (only.user, only.state) == ("alice", "DISMISSED")


def test_logins_compare_case_insensitively(host: FakeHost) -> None:
    serve_pr(host, [review("Alice", "APPROVED"), review("alice", "DISMISSED")])
    assert [r.state for r in github(host).review_evidence([], []).reviews] == ["DISMISSED"]


def test_bot_reviewers_are_flagged(host: FakeHost) -> None:
    serve_pr(host, [
        review("copilot-pull-request-reviewer[bot]", "APPROVED", user_type="Bot"),
        review("renovate-approve", "APPROVED", user_type="Bot"),
        review("human", "APPROVED"),
    ])
    flags = {r.user: r.is_bot for r in github(host).review_evidence([], []).reviews}
    assert flags == {"copilot-pull-request-reviewer[bot]": True, "renovate-approve": True,
                     "human": False}


def test_deleted_reviewer_is_skipped(host: FakeHost) -> None:
    serve_pr(host, [review(None, "APPROVED"), review("alice", "APPROVED")])
    assert [r.user for r in github(host).review_evidence([], []).reviews] == ["alice"]


def test_state_is_upper_cased_and_null_commit_is_none(host: FakeHost) -> None:
    serve_pr(host, [review("alice", "approved", None)])
    (only,) = github(host).review_evidence([], []).reviews
    assert only == Review(user="alice", state="APPROVED", commit_id=None,
                          submitted_at=only.submitted_at, is_bot=False)


def test_unknown_review_state_fails_closed(host: FakeHost) -> None:
    serve_pr(host, [review("alice", "REVOKED")])
    with pytest.raises(HostError, match="unknown review state 'REVOKED' for alice"):
        github(host).review_evidence([], [])


def test_reviews_500_then_success(host: FakeHost) -> None:
    host.route("GET", PR, pull())
    host.route("GET", f"{PR}/reviews", Reply(500), [review("alice", "APPROVED")])
    host.route("GET", f"{PR}/commits", [])
    sleeps = Sleeps()
    evidence = github(host, sleeps=sleeps).review_evidence([], [])
    assert [r.user for r in evidence.reviews] == ["alice"]
    assert sleeps == [1.0]


def test_reviews_500_forever_is_a_host_error(host: FakeHost) -> None:
    host.route("GET", PR, pull())
    host.route("GET", f"{PR}/reviews", Reply(500))
    sleeps = Sleeps()
    with pytest.raises(HostError) as exc:
        github(host, sleeps=sleeps).review_evidence([], [])
    assert str(exc.value) == (f"could not fetch reviews from {host.url}{PR}/reviews?per_page=100: "
                              "HTTP 500 after 4 attempts; re-run the job")
    assert sleeps == [1.0, 2.0, 4.0]


@pytest.mark.parametrize("limited", [
    Reply(429, headers={"Retry-After": "5"}),
    Reply(403, json={"message": "API rate limit exceeded"},
          headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "0"}),
])
def test_rate_limited_reviews_are_retried(host: FakeHost, limited: Reply) -> None:
    host.route("GET", PR, pull())
    host.route("GET", f"{PR}/reviews", limited, [review("alice", "APPROVED")])
    host.route("GET", f"{PR}/commits", [])
    sleeps = Sleeps()
    assert len(github(host, sleeps=sleeps).review_evidence([], []).reviews) == 1
    assert len(sleeps) == 1 and sleeps[0] >= 1.0


# --- teams ---------------------------------------------------------------------------------------


def test_team_members_are_resolved_over_pages(host: FakeHost) -> None:
    serve_pr(host, [review("Alice", "APPROVED")])
    members = [{"login": f"Member{i}", "type": "User"} for i in range(150)] + [{"login": "Alice"}]
    host.paginate("/orgs/acme/teams/security/members", members, per_page=100)
    host.paginate("/orgs/acme/teams/db-owners/members", [{"login": "zed"}], per_page=100)
    evidence = github(host).review_evidence([], ["@acme/security", "@acme/db-owners",
                                                 "@acme/security"])
    assert set(evidence.team_members) == {"@acme/security", "@acme/db-owners"}
    assert "alice" in evidence.team_members["@acme/security"]
    assert "member149" in evidence.team_members["@acme/security"]
    assert evidence.team_members["@acme/db-owners"] == frozenset({"zed"})
    assert len(host.requests_to("/orgs/acme/teams/security/members")) == 2


@pytest.mark.parametrize("status", [404, 403])
def test_unreadable_team_membership_is_cannot_tell(host: FakeHost, status: int) -> None:
    serve_pr(host, [review("alice", "APPROVED"), review("bob", "APPROVED")])
    host.route("GET", "/orgs/acme/teams/security/members",
               Reply(status, json={"message": "Not Found"}))
    host.paginate("/orgs/acme/teams/readable/members", [{"login": "bob"}], per_page=100)
    evidence = github(host).review_evidence([], ["@acme/security", "@acme/readable"])
    # Never "not a member": the team is absent, and why (with the remedy) is recorded for the
    # engine, which raises it when an approver's membership in that team decides the verdict.
    assert "@acme/security" not in evidence.team_members
    assert evidence.team_members["@acme/readable"] == frozenset({"bob"})
    assert evidence.team_errors == {"@acme/security": (
        f"cannot tell whether alice or bob is in @acme/security: the token cannot read team "
        f"membership (GitHub returned {status}). Use a token with read:org (a GitHub App "
        "installation token or a PAT) in VETGATE_GITHUB_TOKEN/GITHUB_TOKEN"
    )}


def test_team_server_error_is_a_host_error(host: FakeHost) -> None:
    serve_pr(host, [review("alice", "APPROVED")])
    host.route("GET", "/orgs/acme/teams/security/members", Reply(500))
    with pytest.raises(HostError, match="could not list the members of @acme/security from "):
        github(host).review_evidence([], ["@acme/security"])


def test_teams_are_not_read_without_a_human_approval(host: FakeHost) -> None:
    serve_pr(host, [review("alice", "CHANGES_REQUESTED"),
                    review("bot[bot]", "APPROVED", user_type="Bot")])
    evidence = github(host).review_evidence([], ["@acme/security"])
    assert evidence.team_members == {}
    assert host.requests_to("/orgs/acme/teams/security/members") == []


def test_malformed_team_reference(host: FakeHost) -> None:
    serve_pr(host, [review("alice", "APPROVED")])
    with pytest.raises(HostError, match="'@acme' is not a GitHub team; write it as @org/team"):
        github(host).review_evidence([], ["@acme"])


# --- the people of the range ---------------------------------------------------------------------

SEP = "\x1f"


def read_commits(repo: GitRepo, rev_range: str) -> list[Commit]:
    """The range's commits as vetgate's model, read with real git."""
    fmt = SEP.join(["%H", "%P", "%an", "%ae", "%cn", "%ce", "%at", "%ct", "%B"])
    out = repo.git("log", "--reverse", "-z", f"--format={fmt}", rev_range)
    commits = []
    for record in filter(None, out.split("\0")):
        sha, parents, an, ae, cn, ce, at, ct, message = record.split(SEP, 8)
        commits.append(Commit(sha=sha, parents=tuple(parents.split()),
                              author=Identity(an, ae), committer=Identity(cn, ce),
                              author_time=int(at), commit_time=int(ct), message=message))
    return commits


def api_commit(sha: str, author: str | None, committer: str | None, email: str) -> dict[str, Any]:
    """One item of GET /repos/{o}/{r}/pulls/{n}/commits (or GET .../commits/{sha})."""
    def account(login: str | None) -> dict[str, Any] | None:
        return None if login is None else {"login": login, "type": "User"}
    ident = {"name": "x", "email": email, "date": "2026-03-01T10:00:00Z"}
    return {"sha": sha, "commit": {"author": ident, "committer": ident, "message": "m"},
            "author": account(author), "committer": account(committer)}


def test_range_people_and_login_by_email(repo: GitRepo, host: FakeHost) -> None:
    repo.commit("base", {"README": "x\n"})
    base = repo.head()
    noreply = repo.commit(
        "feature\n\nCo-authored-by: Claude <noreply@anthropic.com>\n"
        "Co-authored-by: Dev Two <4242+Dev-Two@users.noreply.github.com>\n",
        {"a.py": "1\n"}, author="Hannah <123+hannah-h@users.noreply.github.com>")
    mapped = repo.commit("more", {"b.py": "2\n"}, author="Ivan <Ivan@corp.example>")
    outside = repo.commit("queue merge", {"c.py": "3\n"}, author="Zed <zed@corp.example>",
                          committer=("Zed", "zed@corp.example"))
    local = repo.commit("never pushed", {"d.py": "4\n"}, author="Nomad <nomad@corp.example>")
    commits = read_commits(repo, f"{base}..HEAD")
    assert [c.sha for c in commits] == [noreply, mapped, outside, local]

    serve_pr(host, [review("ivan-gh", "APPROVED")], commits=[
        api_commit(noreply, "hannah-h", "hannah-h", "123+hannah-h@users.noreply.github.com"),
        api_commit(mapped, "Ivan-GH", None, "ivan@corp.example"),
    ])
    host.route("GET", f"/repos/acme/web/commits/{outside}",
               api_commit(outside, "zed", "zed", "zed@corp.example"))
    host.route("GET", f"/repos/acme/web/commits/{local}",
               Reply(422, json={"message": "No commit found for SHA"}))

    evidence = github(host).review_evidence(commits, [])
    assert evidence.range_people == frozenset({"hannah-h", "dev-two", "ivan-gh", "zed"})
    assert evidence.login_by_email["ivan@corp.example"] == "ivan-gh"
    assert evidence.login_by_email["zed@corp.example"] == "zed"
    assert evidence.login_by_email["4242+dev-two@users.noreply.github.com"] == "dev-two"
    assert "noreply@anthropic.com" not in evidence.login_by_email
    # One look-up per commit outside the PR's list whose addresses were still unknown.
    assert len(host.requests_to(f"/repos/acme/web/commits/{outside}")) == 1
    assert len(host.requests_to(f"/repos/acme/web/commits/{local}")) == 1
    assert host.requests_to(f"/repos/acme/web/commits/{noreply}") == []


# --- statuses ------------------------------------------------------------------------------------


def test_post_status_url_and_body(host: FakeHost) -> None:
    host.route("POST", f"/repos/acme/web/statuses/{HEAD}", Reply(201, json={"id": 1}))
    env = {"GITHUB_TOKEN": "ghs_test", "GITHUB_SERVER_URL": "https://github.com",
           "GITHUB_REPOSITORY": "acme/web", "GITHUB_RUN_ID": "99"}
    github(host, env).post_status(HEAD, "failure", "vetgate", "x" * 200)
    (request,) = host.requests
    assert request.method == "POST" and request.path == f"/repos/acme/web/statuses/{HEAD}"
    body = request.json()
    assert body == {"state": "failure", "context": "vetgate", "description": "x" * 139 + "…",
                    "target_url": "https://github.com/acme/web/actions/runs/99"}
    assert request.headers["authorization"] == "Bearer ghs_test"


def test_post_status_explicit_target_url(host: FakeHost) -> None:
    host.route("POST", f"/repos/acme/web/statuses/{HEAD}", Reply(201, json={}))
    github(host).post_status(HEAD, "success", "vetgate", "ok", target_url="https://x.example/r")
    assert host.requests[0].json()["target_url"] == "https://x.example/r"


def test_post_status_without_permission(host: FakeHost) -> None:
    host.route("POST", f"/repos/acme/web/statuses/{HEAD}",
               Reply(403, json={"message": "Resource not accessible by integration"}))
    with pytest.raises(HostError) as exc:
        github(host).post_status(HEAD, "success", "vetgate", "ok")
    assert str(exc.value) == (
        f"could not post the 'vetgate' commit status on {HEAD[:12]}: GitHub returned 403. Give "
        "the workflow `permissions: statuses: write`; on pull requests from forks the "
        "GITHUB_TOKEN is read-only (see docs/ci.md)")


def test_post_status_rejects_unknown_state(host: FakeHost) -> None:
    with pytest.raises(ValueError):
        github(host).post_status(HEAD, "failed", "vetgate", "no")


# --- tokens --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("env", "expected"), [
    ({"GITHUB_TOKEN": "ghs_default"}, "Bearer ghs_default"),
    ({"GITHUB_TOKEN": "ghs_default", "VETGATE_GITHUB_TOKEN": "ghp_readorg"}, "Bearer ghp_readorg"),
])
def test_token_header(host: FakeHost, env: dict[str, str], expected: str) -> None:
    host.route("GET", PR, pull())
    github(host, env).labels()
    headers = host.requests[0].headers
    assert headers["authorization"] == expected
    assert headers["accept"] == "application/vnd.github+json"
    assert headers["x-github-api-version"] == "2022-11-28"


def test_missing_token_is_a_host_error_with_the_remedy(host: FakeHost) -> None:
    with pytest.raises(HostError) as exc:
        github(host, {}).labels()
    assert str(exc.value).startswith("cannot read pull request #42: no GitHub token: set "
                                     "VETGATE_GITHUB_TOKEN or GITHUB_TOKEN for the vetgate step")
    assert host.requests == []
