"""What the code host tells vetgate, as frozen data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from vetgate.records import field, frozen

ReviewState = Literal["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING"]


@frozen
class Review:
    """One review/approval. ``user`` is a login; ``commit_id`` may be unknown (None)."""

    user: str
    state: ReviewState
    commit_id: str | None = None
    submitted_at: str | None = None
    is_bot: bool = False


@frozen
class ReviewEvidence:
    """Everything the engine needs to judge ``review`` requirements in CI."""

    source: Literal["github", "gitlab", "file"]
    reviews: tuple[Review, ...]  # latest decisive review per user, chronological
    pr_author: str | None = None
    # Logins of everyone who authored, committed or co-authored a commit of the range, as far as
    # they could be mapped (noreply addresses, the PR commits API).
    range_people: frozenset[str] = frozenset()
    # email (lower-case) -> login, to recognise reviewers who are also commit identities.
    login_by_email: Mapping[str, str] = field(default_factory=dict)
    # "@org/team" -> members' logins (lower-case); teams that could not be resolved are absent
    # and resolving them is an error, never an implicit "not a member".
    team_members: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # "@org/team" -> why it could not be resolved, one sentence with the remedy (e.g. the token
    # lacks read:org). A review that needs such a team's membership is undecided (``error``).
    team_errors: Mapping[str, str] = field(default_factory=dict)
    # commit sha -> {path: (mode, object id)} for the changed paths, for ``fresh: content``:
    # the mode matters (a file turned symlink with the same bytes is not what was approved).
    entries_at: Mapping[str, Mapping[str, tuple[str, str] | None]] = field(
        default_factory=dict)
    # Plain facts the gate adds before evaluation (``vetgate.gate.pipeline.prepare_reviews``):
    # commit sha -> the addresses of its Co-authored-by lines, and the reviewers (lower-case
    # logins) that are known agent or bot accounts. None: not gathered (a bug to evaluate so).
    coauthors: Mapping[str, tuple[str, ...]] | None = None
    agent_reviewers: frozenset[str] | None = None


@frozen
class CIContext:
    """What the CI platform says about the run."""

    platform: Literal["github", "gitlab"]
    base: str | None
    head: str | None
    branch: str | None = None
    labels: tuple[str, ...] | None = None  # None: unknown (not a PR/MR pipeline)
    pr_number: int | None = None
    pr_author: str | None = None
    repository: str | None = None  # "owner/repo" or GitLab project id/path
    api_url: str | None = None
    event: str | None = None
    # The base branch's name (pull_request.base.ref, the MR's target branch), so the caller can
    # prefer its remote-tracking ref when the event's base sha lags behind it.
    base_ref: str | None = None
