"""Rules both code hosts and the ``--reviews`` file share: which review decides, who wrote the
range, how addresses map to logins."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence

from vetgate.changes.model import Commit
from vetgate.errors import HostError
from vetgate.hosts.model import Review

# States that say nothing about approval: a comment, or a review not yet submitted.
NON_DECISIVE_STATES = frozenset({"COMMENTED", "PENDING"})
REVIEW_STATES = ("APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING")

# `<id>+<login>@users.noreply.github.com` (and the older `<login>@users.noreply.github.com`);
# GitHub Enterprise Server uses `users.noreply.<hostname>`.
_GITHUB_NOREPLY = re.compile(
    r"^(?:\d+\+)?(?P<login>[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\[bot\])?)"
    r"@users\.noreply\.[a-z0-9.-]+$",
    re.IGNORECASE,
)
# `<id>-<username>@users.noreply.gitlab.com` (self-managed: `users.noreply.<hostname>`).
_GITLAB_NOREPLY = re.compile(
    r"^\d+-(?P<login>[a-z0-9_.][a-z0-9_.-]*)@users\.noreply\.[a-z0-9.-]+$", re.IGNORECASE,
)
_TRAILER = re.compile(r"^\s*co-authored-by\s*:\s*(?P<value>.*?)\s*$", re.IGNORECASE)
_ADDRESS = re.compile(r"<(?P<email>[^<>\s]+@[^<>\s]+)>")
# GitLab bot users (project/group access tokens, service accounts).
_GITLAB_BOT = re.compile(r"^(?:project|group)_\d+_bot(?:_[0-9a-f]+)?$|^service_account_",
                         re.IGNORECASE)


def latest_decisive(reviews: Iterable[Review]) -> tuple[Review, ...]:
    """The latest decisive review per user, in chronological order of those reviews.

    ``reviews`` must be chronological. COMMENTED and PENDING reviews are skipped: a comment after
    an approval does not withdraw it. DISMISSED stays, so it cancels the user's earlier approval.
    Users compare case-insensitively (GitHub and GitLab logins are case-insensitive).
    """
    latest: dict[str, Review] = {}
    for review in reviews:
        if review.state in NON_DECISIVE_STATES:
            continue
        key = review.user.lower()
        latest.pop(key, None)  # re-insert, so dict order follows the deciding review
        latest[key] = review
    return tuple(latest.values())


def github_login_from_email(email: str) -> str | None:
    """The GitHub login in a noreply address, lower-cased; None for any other address."""
    match = _GITHUB_NOREPLY.match(email.strip())
    return match.group("login").lower() if match else None


def gitlab_login_from_email(email: str) -> str | None:
    """The GitLab username in a noreply address, lower-cased; None for any other address."""
    match = _GITLAB_NOREPLY.match(email.strip())
    return match.group("login").lower() if match else None


def coauthor_emails(message: str) -> Iterator[str]:
    """Lower-cased addresses of every ``Co-authored-by:`` line of ``message``.

    Every line counts, not only the final trailer block: for independence, wrongly excluding a
    reviewer is the safe mistake.
    """
    for line in message.splitlines():
        match = _TRAILER.match(line)
        if match:
            address = _ADDRESS.search(match.group("value"))
            if address:
                yield address.group("email").lower()


def commit_emails(commits: Sequence[Commit]) -> list[str]:
    """Every author, committer and co-author address of ``commits``, lower-cased, de-duplicated,
    in first-seen order."""
    seen: dict[str, None] = {}
    for commit in commits:
        for email in (commit.author.email, commit.committer.email,
                      *coauthor_emails(commit.message)):
            email = email.strip().lower()
            if email:
                seen.setdefault(email, None)
    return list(seen)


def is_gitlab_bot(username: str) -> bool:
    """Whether a GitLab username is a bot account (access-token bots, service accounts)."""
    return bool(_GITLAB_BOT.match(username))


def github_team(team: str) -> tuple[str, str]:
    """``"@org/team"`` -> ``("org", "team")``; HostError for any other shape."""
    org, slash, slug = team.removeprefix("@").partition("/")
    if not team.startswith("@") or not slash or not org or not slug or "/" in slug:
        raise HostError(f"{team!r} is not a GitHub team; write it as @org/team-slug")
    return org, slug


def gitlab_group(team: str) -> str:
    """``"@group/sub"`` (or ``"@group"``) -> the group's full path ``"group/sub"``."""
    path = team.removeprefix("@").strip("/")
    if not team.startswith("@") or not path or "//" in path:
        raise HostError(f"{team!r} is not a GitLab group; write it as @group or @group/subgroup")
    return path


def truncate(text: str, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis when longer."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def resolve_teams(
    teams: Sequence[str], approvers: Sequence[str],
    lookup: Callable[[str, Sequence[str]], frozenset[str] | str],
) -> tuple[dict[str, frozenset[str]], dict[str, str]]:
    """Members of each team, and why a team could not be read.

    ``lookup(team, approvers)`` returns the members, or a sentence saying why the token cannot
    read them. Nothing is asked when nobody human approved: no one's membership matters then.
    """
    members: dict[str, frozenset[str]] = {}
    errors: dict[str, str] = {}
    if approvers:
        for team in dict.fromkeys(teams):
            found = lookup(team, approvers)
            if isinstance(found, str):
                errors[team] = found
            else:
                members[team] = found
    return members, errors
