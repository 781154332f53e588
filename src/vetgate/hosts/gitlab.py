"""GitLab (gitlab.com and self-managed) through its REST API v4."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

from vetgate.changes.model import Commit
from vetgate.errors import HostError
from vetgate.hosts.evidence import (
    commit_emails,
    gitlab_group,
    gitlab_login_from_email,
    is_gitlab_bot,
    resolve_teams,
    truncate,
)
from vetgate.hosts.http import HttpClient, HttpStatusError
from vetgate.hosts.model import CIContext, Review, ReviewEvidence

TOKEN_HINT = "VETGATE_GITLAB_TOKEN/GITLAB_TOKEN"
PER_PAGE = 100
STATUS_DESCRIPTION_LIMIT = 255
# vetgate's status vocabulary (GitHub's) -> GitLab's; GitLab's own names pass through.
STATUS_STATES = {
    "success": "success", "failure": "failed", "error": "failed", "pending": "pending",
    "failed": "failed", "running": "running", "canceled": "canceled", "skipped": "skipped",
}
_SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")


class GitLabClient:
    """Labels, author, approvals and commit statuses of one merge request (``ci.pr_number``).

    GitLab approvals name no commit (``commit_id`` None): whether they survive new pushes is
    GitLab's own project setting ("Remove all approvals when commits are added").
    """

    def __init__(self, ci: CIContext, http: HttpClient, *,
                 default_target_url: str | None = None) -> None:
        self.ci = ci
        self.http = http
        self.default_target_url = default_target_url
        self._merge_request: Mapping[str, Any] | None = None

    # --- HostClient ---------------------------------------------------------------------------

    def labels(self) -> tuple[str, ...]:
        """The merge request's labels as the API says now."""
        if self.ci.pr_number is None:
            return ()
        raw = self._mr().get("labels")
        if not isinstance(raw, list) or not all(isinstance(x, (str, dict)) for x in raw):
            raise self._unexpected("read the merge request's labels", "labels is not a list")
        # With ?with_labels_details=true GitLab sends objects; plain strings otherwise.
        return tuple(x if isinstance(x, str) else str(x.get("name", "")) for x in raw)

    def pr_author(self) -> str | None:
        """The username that opened the merge request (None without one)."""
        if self.ci.pr_number is None:
            return self.ci.pr_author
        author = self._mr().get("author")
        username = author.get("username") if isinstance(author, dict) else None
        return username if isinstance(username, str) else self.ci.pr_author

    def review_evidence(self, commits: Sequence[Commit], teams: Sequence[str]) -> ReviewEvidence:
        """Current approvals, the people of the range (noreply addresses), group members.

        Groups are resolved only when someone human approved; one the token cannot read goes to
        ``team_errors`` with the remedy (see ``GitHubClient.review_evidence``).
        """
        reviews = self._approvals() if self.ci.pr_number is not None else ()
        login_by_email: dict[str, str] = {}
        for email in commit_emails(commits):
            login = gitlab_login_from_email(email)
            if login:
                login_by_email[email] = login
        approvers = [r.user for r in reviews if not r.is_bot]
        team_members, team_errors = resolve_teams(teams, approvers, self._group_members)
        return ReviewEvidence(
            source="gitlab",
            reviews=reviews,
            pr_author=self.pr_author(),
            range_people=frozenset(login_by_email.values()),
            login_by_email=login_by_email,
            team_members=team_members,
            team_errors=team_errors,
        )

    def post_status(self, sha: str, state: str, context: str, description: str,
                    target_url: str | None = None) -> None:
        """Create an external commit status named ``context`` on ``sha``."""
        if state not in STATUS_STATES:
            raise ValueError(f"commit status state must be one of {sorted(STATUS_STATES)}")
        if not _SHA.match(sha):
            raise HostError(f"cannot post a status to {sha!r}: not a full commit id")
        body: dict[str, str] = {
            "state": STATUS_STATES[state],
            "name": context,
            "description": truncate(description, STATUS_DESCRIPTION_LIMIT),
        }
        url = target_url or self.default_target_url
        if url:
            body["target_url"] = url
        try:
            self.http.request("POST", self.http.url(f"/projects/{self._project()}/statuses/{sha}"),
                              what=f"post the {context!r} commit status", body=body)
        except HttpStatusError as exc:
            if exc.status not in (401, 403, 404):
                raise
            raise HostError(
                f"could not post the {context!r} commit status on {sha[:12]}: GitLab returned "
                f"{exc.status}. Use a token with the api scope and at least Developer role in "
                f"{TOKEN_HINT} (CI_JOB_TOKEN cannot post statuses)"
            ) from exc

    # --- internals ----------------------------------------------------------------------------

    def _project(self) -> str:
        project = (self.ci.repository or "").strip()
        if not project:
            raise HostError("CI_PROJECT_ID is not set; vetgate needs it to ask GitLab for "
                            "approvals")
        return urllib.parse.quote(project, safe="")

    def _mr_path(self) -> str:
        return f"/projects/{self._project()}/merge_requests/{self.ci.pr_number}"

    def _mr(self) -> Mapping[str, Any]:
        if self._merge_request is None:
            data = self.http.get_json(self.http.url(self._mr_path()),
                                      what=f"read merge request !{self.ci.pr_number}")
            if not isinstance(data, dict):
                raise self._unexpected(f"read merge request !{self.ci.pr_number}",
                                       "the answer is not an object")
            self._merge_request = data
        return self._merge_request

    def _approvals(self) -> tuple[Review, ...]:
        try:
            data = self.http.get_json(self.http.url(f"{self._mr_path()}/approvals"),
                                      what="fetch approvals")
        except HttpStatusError as exc:
            if exc.status not in (401, 403, 404):
                raise
            raise HostError(
                f"could not fetch the approvals of merge request !{self.ci.pr_number}: GitLab "
                f"returned {exc.status}. Use a token with read_api that can see the project in "
                f"{TOKEN_HINT} (CI_JOB_TOKEN cannot read approvals)"
            ) from exc
        approved_by = data.get("approved_by") if isinstance(data, dict) else None
        if not isinstance(approved_by, list):
            raise self._unexpected("fetch approvals", "approved_by is not a list")
        reviews: list[Review] = []
        for entry in approved_by:
            user = entry.get("user") if isinstance(entry, dict) else None
            username = user.get("username") if isinstance(user, dict) else None
            if not isinstance(username, str) or not username:
                continue  # a deleted account: nobody to count
            assert isinstance(user, dict) and isinstance(entry, dict)
            approved_at = entry.get("approved_at")
            reviews.append(Review(
                user=username,
                state="APPROVED",
                commit_id=None,
                submitted_at=approved_at if isinstance(approved_at, str) else None,
                is_bot=user.get("bot") is True or is_gitlab_bot(username),
            ))
        return tuple(reviews)

    def _group_members(self, team: str, approvers: Sequence[str]) -> frozenset[str] | str:
        """The group's active members (lower-case, inherited included), or why they cannot be
        read (401/403/404)."""
        group = urllib.parse.quote(gitlab_group(team), safe="")
        url = self.http.url(f"/groups/{group}/members/all", {"per_page": PER_PAGE})
        try:
            members = list(self.http.get_pages(url, what=f"list the members of {team}"))
        except HttpStatusError as exc:
            if exc.status not in (401, 403, 404):
                raise
            who = approvers[0] if len(approvers) == 1 else " or ".join(approvers)
            return (
                f"cannot tell whether {who} is in {team}: the token cannot read the group's "
                f"members (GitLab returned {exc.status}). Use a token with read_api that can "
                f"see the group in {TOKEN_HINT}"
            )
        usernames = set()
        for member in members:
            if not isinstance(member, dict):
                continue
            username = member.get("username")
            # Blocked or awaiting members cannot approve; everyone active counts, whatever role.
            if isinstance(username, str) and member.get("state", "active") == "active":
                usernames.add(username.lower())
        return frozenset(usernames)

    def _unexpected(self, what: str, detail: str) -> HostError:
        return HostError(f"could not {what} from {self.http.base_url}: unexpected answer "
                         f"({detail}); check CI_API_V4_URL")
