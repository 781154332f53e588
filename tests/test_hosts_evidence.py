"""The rules both hosts share: which review decides, address -> login, co-author trailers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vetgate.errors import HostError
from vetgate.hosts.evidence import (
    REVIEW_STATES,
    coauthor_emails,
    github_login_from_email,
    github_team,
    gitlab_group,
    gitlab_login_from_email,
    is_gitlab_bot,
    latest_decisive,
    truncate,
)
from vetgate.hosts.model import Review

_reviews = st.lists(st.builds(
    Review, user=st.sampled_from(["alice", "Alice", "bob", "carol"]),
    state=st.sampled_from(REVIEW_STATES), commit_id=st.none() | st.just("a" * 40),
), max_size=12)


@given(_reviews)
def test_latest_decisive_review_per_user(reviews: list[Review]) -> None:
    result = latest_decisive(reviews)
    users = [r.user.lower() for r in result]
    assert len(users) == len(set(users))
    assert all(r.state not in ("COMMENTED", "PENDING") for r in result)
    for review in result:
        decisive = [r for r in reviews if r.user.lower() == review.user.lower()
                    and r.state not in ("COMMENTED", "PENDING")]
        assert decisive[-1] is review
    # Chronological order of the deciding reviews.
    positions = [max(i for i, r in enumerate(reviews) if r is review) for review in result]
    assert positions == sorted(positions)


@pytest.mark.parametrize(("email", "login"), [
    ("123+Octo-Cat@users.noreply.github.com", "octo-cat"),
    ("octocat@users.noreply.github.com", "octocat"),
    ("41898282+github-actions[bot]@users.noreply.github.com", "github-actions[bot]"),
    ("7+dev@users.noreply.ghe.example.com", "dev"),
    ("dev@example.com", None),
    ("123+dev@users.noreply.github.com.evil.example@x.org", None),
    ("-bad@users.noreply.github.com", None),
])
def test_github_login_from_email(email: str, login: str | None) -> None:
    assert github_login_from_email(email) == login


def test_gitlab_login_from_email() -> None:
    assert gitlab_login_from_email("77-gil.dev@users.noreply.gitlab.com") == "gil.dev"
    assert gitlab_login_from_email("gil@example.com") is None


def test_coauthor_emails() -> None:
    message = ("Fix\n\nbody\nCo-authored-by: A <A@Example.com>\nco-authored-by:B <b@x.org>\n"
               "Co-authored-by: no address\nSigned-off-by: C <c@x.org>\n")
    assert list(coauthor_emails(message)) == ["a@example.com", "b@x.org"]


def test_team_references() -> None:
    assert github_team("@acme/security") == ("acme", "security")
    assert gitlab_group("@acme/platform/security") == "acme/platform/security"
    assert gitlab_group("@acme") == "acme"
    for bad in ("acme/security", "@acme", "@acme/a/b", "@/x"):
        with pytest.raises(HostError):
            github_team(bad)
    with pytest.raises(HostError):
        gitlab_group("acme")


def test_gitlab_bots_and_truncate() -> None:
    assert is_gitlab_bot("project_12_bot_3f2a9c")
    assert is_gitlab_bot("group_7_bot")
    assert not is_gitlab_bot("project_manager")
    assert truncate("a  b\nc", 10) == "a b c"
    assert truncate("x" * 12, 10) == "x" * 9 + "…"
