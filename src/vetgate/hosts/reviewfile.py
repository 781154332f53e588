"""``check --reviews FILE``: review evidence the pipeline itself hands in, as JSON.

Two shapes are accepted:

* a list of reviews: ``[{"user": "alice", "state": "APPROVED", "commit_id": "<sha>"}, ...]``;
* an object: ``{"reviews": [...], "pr_author": "bob"}``.

A review may also be GitHub's own review object (``gh api repos/O/R/pulls/N/reviews``): ``user``
may be ``{"login": ..., "type": "Bot"}`` (or null for a deleted account, which is skipped), and
GitHub's other review fields are allowed. Any other key is an error: a misspelt ``commit_id``
must not silently become "commit unknown". Reviews are chronological; the latest decisive
review per user counts, exactly as with the API.
"""

from __future__ import annotations

import json
import re
from typing import Any, cast

from vetgate.errors import UsageError
from vetgate.hosts.evidence import REVIEW_STATES, latest_decisive
from vetgate.hosts.model import Review, ReviewEvidence, ReviewState

_OUR_KEYS = frozenset({"user", "state", "commit_id", "submitted_at", "is_bot"})
# Fields of GitHub's REST review object, so its JSON can be passed in unchanged.
_GITHUB_KEYS = frozenset({"id", "node_id", "body", "body_html", "body_text", "html_url",
                          "pull_request_url", "author_association", "_links"})
_TOP_KEYS = frozenset({"reviews", "pr_author"})
_SHA = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")


def load_reviews_file(path: str, *, decisive: bool = True) -> ReviewEvidence:
    """Read ``path`` (see the module doc) into ``ReviewEvidence`` with ``source="file"``.

    ``decisive``: keep only the latest decisive review per user (what one pull request's
    reviews mean); False keeps every review, in order, for a caller that first picks the
    reviews of one change (``vetgate replay``) and then applies ``latest_decisive`` itself.

    Raises ``UsageError`` naming the file and the item index for anything it cannot read.
    """
    try:
        with open(path, encoding="utf-8-sig") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise UsageError(f"cannot read the --reviews file {path}: "
                         f"{exc.strerror or exc}") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"the --reviews file {path} is not valid JSON: {exc}") from exc

    pr_author: str | None = None
    if isinstance(data, dict):
        if "reviews" not in data:
            raise UsageError(f"{path}: the object has no \"reviews\" list (for one review, "
                             "write a list: [{\"user\": ..., \"state\": ...}])")
        unknown = sorted(set(data) - _TOP_KEYS)
        if unknown:
            raise UsageError(f"{path}: unknown key {unknown[0]!r}; the object form has "
                             "\"reviews\" (a list) and optional \"pr_author\"")
        author = data.get("pr_author")
        if author is not None and not (isinstance(author, str) and author.strip()):
            raise UsageError(f"{path}: \"pr_author\" must be a login (a non-empty string) or "
                             "null")
        pr_author = author.strip() if isinstance(author, str) else None
        data = data["reviews"]
    if not isinstance(data, list):
        raise UsageError(f"{path}: expected a JSON list of reviews ({{user, state, commit_id}}) "
                         "or an object {\"reviews\": [...], \"pr_author\": ...}")

    parsed: list[Review] = []
    for index, item in enumerate(data):
        review = _parse_item(path, index, item)
        if review is not None:
            parsed.append(review)
    reviews = latest_decisive(parsed) if decisive else tuple(parsed)
    return ReviewEvidence(source="file", reviews=reviews, pr_author=pr_author)


def _parse_item(path: str, index: int, item: Any) -> Review | None:
    where = f"{path}: item [{index}]"
    if not isinstance(item, dict):
        raise UsageError(f"{where}: expected an object {{user, state, commit_id}}, got "
                         f"{type(item).__name__}")
    unknown = sorted(set(item) - _OUR_KEYS - _GITHUB_KEYS)
    if unknown:
        raise UsageError(f"{where}: unknown key {unknown[0]!r}; a review has user, state, "
                         "commit_id, and optionally submitted_at, is_bot")
    if "user" not in item:
        raise UsageError(f"{where}: \"user\" is missing; give the reviewer's login")

    user = item["user"]
    is_bot = False
    if user is None:
        return None  # a deleted account, as GitHub reports it: nobody to count
    if isinstance(user, dict):
        login = user.get("login")
        is_bot = user.get("type") == "Bot"
    else:
        login = user
    if not isinstance(login, str) or not login.strip():
        raise UsageError(f"{where}: \"user\" must be a login (a non-empty string) or "
                         "{\"login\": ...}")
    login = login.strip()

    state = item.get("state")
    if not isinstance(state, str) or state.strip().upper() not in REVIEW_STATES:
        raise UsageError(f"{where}: \"state\" must be one of {', '.join(REVIEW_STATES)} "
                         f"(got {json.dumps(state)})")

    commit_id = item.get("commit_id")
    if commit_id is not None:
        if not isinstance(commit_id, str) or not _SHA.match(commit_id.strip().lower()):
            raise UsageError(f"{where}: \"commit_id\" must be a full commit id (40 hex digits) "
                             f"or null (got {json.dumps(commit_id)})")
        commit_id = commit_id.strip().lower()

    submitted_at = item.get("submitted_at")
    if submitted_at is not None and not isinstance(submitted_at, str):
        raise UsageError(f"{where}: \"submitted_at\" must be a timestamp string or null")

    flag = item.get("is_bot", False)
    if not isinstance(flag, bool):
        raise UsageError(f"{where}: \"is_bot\" must be true or false")

    return Review(
        user=login,
        state=cast(ReviewState, state.strip().upper()),
        commit_id=commit_id,
        submitted_at=submitted_at,
        is_bot=flag or is_bot or login.lower().endswith("[bot]"),
    )
