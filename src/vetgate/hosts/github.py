"""GitHub (github.com and GitHub Enterprise Server) through its REST API."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, cast

from vetgate.changes.model import Commit
from vetgate.errors import HostError
from vetgate.hosts.evidence import (
    REVIEW_STATES,
    commit_emails,
    github_login_from_email,
    github_team,
    latest_decisive,
    resolve_teams,
    truncate,
)
from vetgate.hosts.http import HttpClient, HttpStatusError
from vetgate.hosts.model import CIContext, Review, ReviewEvidence, ReviewState

TOKEN_HINT = "VETGATE_GITHUB_TOKEN/GITHUB_TOKEN"
STATUS_STATES = frozenset({"success", "failure", "error", "pending"})
STATUS_DESCRIPTION_LIMIT = 140  # GitHub rejects longer descriptions
PER_PAGE = 100  # the most the REST API returns per page

_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")


class GitHubClient:
    """Labels, author, reviews and commit statuses of one pull request (``ci.pr_number``).

    Without a pull request (a push run) there are no labels and no reviews.
    """

    def __init__(self, ci: CIContext, http: HttpClient, *,
                 default_target_url: str | None = None) -> None:
        self.ci = ci
        self.http = http
        self.default_target_url = default_target_url
        self._pull: Mapping[str, Any] | None = None

    # --- HostClient ---------------------------------------------------------------------------

    def labels(self) -> tuple[str, ...]:
        """The pull request's labels as the API says now (a re-run replays stale payloads)."""
        if self.ci.pr_number is None:
            return ()
        raw = self._pull_request().get("labels")
        if not isinstance(raw, list):
            raise self._unexpected("read the pull request's labels", "labels is not a list")
        names = []
        for label in raw:
            name = label.get("name") if isinstance(label, dict) else None
            if not isinstance(name, str):
                raise self._unexpected("read the pull request's labels", "a label has no name")
            names.append(name)
        return tuple(names)

    def pr_author(self) -> str | None:
        """The login that opened the pull request (None without one)."""
        if self.ci.pr_number is None:
            return self.ci.pr_author
        user = self._pull_request().get("user")
        login = user.get("login") if isinstance(user, dict) else None
        return login if isinstance(login, str) else self.ci.pr_author

    def review_evidence(self, commits: Sequence[Commit], teams: Sequence[str]) -> ReviewEvidence:
        """Reviews (latest decisive per user), the people of the range, and team members.

        Teams are resolved only when someone human approved: with no approval nobody's
        membership matters. A team the token cannot read (403/404: no ``read:org``) is left out
        of ``team_members`` and its reason, with the remedy, goes to ``team_errors``; whoever
        needs an approver's membership in that team must raise ``HostError`` with it ("cannot
        tell", never "not a member"), while an approver listed by login still counts.
        """
        reviews = self._reviews() if self.ci.pr_number is not None else ()
        people, login_by_email = self._range_people(commits)
        approvers = [r.user for r in reviews if r.state == "APPROVED" and not r.is_bot]
        team_members, team_errors = resolve_teams(teams, approvers, self._team_members)
        return ReviewEvidence(
            source="github",
            reviews=reviews,
            pr_author=self.pr_author(),
            range_people=frozenset(people),
            login_by_email=login_by_email,
            team_members=team_members,
            team_errors=team_errors,
        )

    def post_status(self, sha: str, state: str, context: str, description: str,
                    target_url: str | None = None) -> None:
        """Create a commit status ``context`` on ``sha`` (the pull request's head commit)."""
        if state not in STATUS_STATES:
            raise ValueError(f"GitHub commit status state must be one of {sorted(STATUS_STATES)}")
        if not _SHA.match(sha):
            raise HostError(f"cannot post a status to {sha!r}: not a full commit id")
        body: dict[str, str] = {
            "state": state,
            "context": context,
            "description": truncate(description, STATUS_DESCRIPTION_LIMIT),
        }
        url = target_url or self.default_target_url
        if url:
            body["target_url"] = url
        try:
            self.http.request("POST", self.http.url(f"/repos/{self._repo()}/statuses/{sha}"),
                              what=f"post the {context!r} commit status", body=body)
        except HttpStatusError as exc:
            if exc.status not in (403, 404):
                raise
            raise HostError(
                f"could not post the {context!r} commit status on {sha[:12]}: GitHub returned "
                f"{exc.status}. Give the workflow `permissions: statuses: write`; on pull "
                "requests from forks the GITHUB_TOKEN is read-only (see docs/ci.md)"
            ) from exc

    # --- internals ----------------------------------------------------------------------------

    def _repo(self) -> str:
        repo = self.ci.repository or ""
        if not _REPOSITORY.match(repo):
            raise HostError(f"GITHUB_REPOSITORY={repo!r} is not owner/name; vetgate needs it to "
                            "ask GitHub for reviews")
        return repo

    def _pr_path(self) -> str:
        return f"/repos/{self._repo()}/pulls/{self.ci.pr_number}"

    def _pull_request(self) -> Mapping[str, Any]:
        if self._pull is None:
            data = self.http.get_json(self.http.url(self._pr_path()),
                                      what=f"read pull request #{self.ci.pr_number}")
            if not isinstance(data, dict):
                raise self._unexpected(f"read pull request #{self.ci.pr_number}",
                                       "the answer is not an object")
            self._pull = data
        return self._pull

    def _reviews(self) -> tuple[Review, ...]:
        url = self.http.url(f"{self._pr_path()}/reviews", {"per_page": PER_PAGE})
        parsed: list[Review] = []
        for item in self.http.get_pages(url, what="fetch reviews"):
            review = _parse_review(item)
            if review is not None:
                parsed.append(review)
        return latest_decisive(parsed)

    def _range_people(self, commits: Sequence[Commit]) -> tuple[set[str], dict[str, str]]:
        """Logins of everyone who wrote the range, and email -> login where it is known."""
        people: set[str] = set()
        login_by_email: dict[str, str] = {}
        for email in commit_emails(commits):
            login = github_login_from_email(email)
            if login:
                login_by_email[email] = login
                people.add(login)

        def learn(email: object, account: object) -> None:
            login = account.get("login") if isinstance(account, dict) else None
            if not isinstance(login, str) or not login:
                return
            people.add(login.lower())
            if isinstance(email, str) and email.strip():
                login_by_email.setdefault(email.strip().lower(), login.lower())

        def learn_commit(item: Mapping[str, Any], ours: Commit | None) -> None:
            git = item.get("commit")
            for role in ("author", "committer"):
                ident = git.get(role) if isinstance(git, dict) else None
                learn(ident.get("email") if isinstance(ident, dict) else None, item.get(role))
                if ours is not None:
                    learn(getattr(ours, role).email, item.get(role))

        ours_by_sha = {c.sha: c for c in commits if c.sha}
        looked_up: set[str] = set()  # emails whose commit GitHub was already asked about
        if self.ci.pr_number is not None:
            url = self.http.url(f"{self._pr_path()}/commits", {"per_page": PER_PAGE})
            for item in self.http.get_pages(url, what="fetch the pull request's commits"):
                if not isinstance(item, dict):
                    continue
                ours = ours_by_sha.get(str(item.get("sha")))
                learn_commit(item, ours)
                if ours is not None:
                    looked_up.update({ours.author.email.lower(), ours.committer.email.lower()})
            # Commits outside the PR's list (merge queue commits; PRs over GitHub's 250-commit
            # limit): ask for one commit per address still unmapped.
            for commit in ours_by_sha.values():
                emails = {commit.author.email.lower(), commit.committer.email.lower()}
                if emails <= looked_up | login_by_email.keys():
                    continue
                looked_up |= emails
                item = self._commit(str(commit.sha))
                if item is not None:
                    learn_commit(item, commit)
        return people, login_by_email

    def _commit(self, sha: str) -> Mapping[str, Any] | None:
        try:
            data = self.http.get_json(self.http.url(f"/repos/{self._repo()}/commits/{sha}"),
                                      what=f"read commit {sha[:12]}")
        except HttpStatusError as exc:
            if exc.status in (404, 422):  # not pushed to GitHub: nothing to learn
                return None
            raise
        return data if isinstance(data, dict) else None

    def _team_members(self, team: str, approvers: Sequence[str]) -> frozenset[str] | str:
        """The team's logins (lower-case), or why they cannot be read (403/404)."""
        org, slug = github_team(team)
        url = self.http.url(f"/orgs/{org}/teams/{slug}/members", {"per_page": PER_PAGE})
        try:
            members = list(self.http.get_pages(url, what=f"list the members of {team}"))
        except HttpStatusError as exc:
            if exc.status not in (403, 404):
                raise
            return (
                f"cannot tell whether {_either(approvers)} is in {team}: the token cannot read "
                f"team membership (GitHub returned {exc.status}). Use a token with read:org (a "
                f"GitHub App installation token or a PAT) in {TOKEN_HINT}"
            )
        logins = set()
        for member in members:
            login = member.get("login") if isinstance(member, dict) else None
            if isinstance(login, str):
                logins.add(login.lower())
        return frozenset(logins)

    def _unexpected(self, what: str, detail: str) -> HostError:
        return HostError(f"could not {what} from {self.http.base_url}: unexpected answer "
                         f"({detail}); check GITHUB_API_URL")


def _parse_review(item: object) -> Review | None:
    """One review of the REST API as a ``Review``; None for a deleted account (user null)."""
    if not isinstance(item, dict):
        raise HostError("could not fetch reviews: GitHub sent a review that is not an object")
    user = item.get("user")
    login = user.get("login") if isinstance(user, dict) else None
    if not isinstance(login, str) or not login:
        return None  # the reviewer's account was deleted ("ghost"): nobody to count
    state = str(item.get("state") or "").upper()
    if state not in REVIEW_STATES:
        raise HostError(f"could not fetch reviews: GitHub sent an unknown review state "
                        f"{state!r} for {login}; vetgate knows {', '.join(REVIEW_STATES)}")
    commit_id = item.get("commit_id")
    submitted_at = item.get("submitted_at")
    assert isinstance(user, dict)
    return Review(
        user=login,
        state=cast(ReviewState, state),
        commit_id=commit_id if isinstance(commit_id, str) and commit_id else None,
        submitted_at=submitted_at if isinstance(submitted_at, str) else None,
        is_bot=user.get("type") == "Bot" or login.lower().endswith("[bot]"),
    )


def _either(names: Sequence[str]) -> str:
    unique = list(dict.fromkeys(names))
    if len(unique) == 1:
        return unique[0]
    return ", ".join(unique[:-1]) + " or " + unique[-1]
