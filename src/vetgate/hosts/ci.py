"""Which CI platform runs vetgate, what change it is about, and a client for its code host.

``detect`` reads only the environment and the event payload file (no network); ``client_for``
builds the API client that ``check --ci`` asks for labels, reviews, and to post a status.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from vetgate.changes.model import Commit
from vetgate.errors import UsageError
from vetgate.hosts.model import CIContext, ReviewEvidence

NOT_IN_CI = ("--ci needs GitHub Actions or GitLab CI (GITHUB_ACTIONS or GITLAB_CI is not "
             "\"true\"); use --base/--range locally")
DEFAULT_GITHUB_API = "https://api.github.com"
DEFAULT_GITLAB_API = "https://gitlab.com/api/v4"
GITHUB_PR_EVENTS = ("pull_request", "pull_request_target", "pull_request_review",
                    "pull_request_review_comment")
GITHUB_EVENTS = (*GITHUB_PR_EVENTS, "merge_group", "push")

_SHA = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
_ZERO_SHA = re.compile(r"^0+$")
# Merge queue branches: gh-readonly-queue/<base branch>/pr-<number>-<head sha>.
_MERGE_QUEUE_REF = re.compile(r"/pr-(\d+)-[0-9a-f]+$")


class HostClient(Protocol):
    """What ``check --ci`` asks the code host (GitHub or GitLab)."""

    def labels(self) -> tuple[str, ...]:
        """The PR/MR labels, fresh from the API (a re-run replays a stale payload)."""
        ...

    def pr_author(self) -> str | None:
        """The login that opened the PR/MR."""
        ...

    def review_evidence(self, commits: Sequence[Commit], teams: Sequence[str]) -> ReviewEvidence:
        """Reviews, the people who wrote ``commits``, and the members of ``teams`` ("@org/x")."""
        ...

    def post_status(self, sha: str, state: str, context: str, description: str,
                    target_url: str | None = None) -> None:
        """Set commit status ``context`` on ``sha``: success, failure, error or pending."""
        ...


def detect(env: Mapping[str, str]) -> CIContext:
    """The CI run described by ``env`` (and, on GitHub, the event payload file it names).

    Raises ``UsageError`` outside GitHub Actions and GitLab CI, for events vetgate cannot judge,
    and for a payload it cannot read, naming the file and the field.
    """
    if env.get("GITHUB_ACTIONS", "").strip().lower() == "true":
        return _detect_github(env)
    if env.get("GITLAB_CI", "").strip().lower() == "true":
        return _detect_gitlab(env)
    raise UsageError(NOT_IN_CI)


def client_for(ci: CIContext, env: Mapping[str, str], *,
               sleep: Callable[[float], None] | None = None,
               clock: Callable[[], float] | None = None) -> HostClient:
    """An API client for ``ci``'s code host, authenticated from ``env``.

    GitHub: ``VETGATE_GITHUB_TOKEN`` or ``GITHUB_TOKEN`` (Bearer). GitLab: ``VETGATE_GITLAB_TOKEN``
    or ``GITLAB_TOKEN`` (PRIVATE-TOKEN header), else ``CI_JOB_TOKEN`` (JOB-TOKEN header). Without
    a token the client is still built; the first call that needs the API raises ``HostError``
    with the remedy. ``VETGATE_HTTP_*`` variables tune timeouts and retries (docs/ci.md).
    """
    import time

    from vetgate.hosts.http import HttpClient, HttpSettings

    settings = HttpSettings.from_env(env)
    sleep = time.sleep if sleep is None else sleep
    clock = time.time if clock is None else clock
    if ci.platform == "github":
        from vetgate.hosts.github import TOKEN_HINT, GitHubClient

        token = _first(env, "VETGATE_GITHUB_TOKEN", "GITHUB_TOKEN")
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        http = HttpClient(
            base_url=ci.api_url or DEFAULT_GITHUB_API, host_name="GitHub", headers=headers,
            token_hint=TOKEN_HINT, settings=settings, sleep=sleep, clock=clock,
            missing_token=None if token else (
                "no GitHub token: set VETGATE_GITHUB_TOKEN or GITHUB_TOKEN for the vetgate step "
                "(env: GITHUB_TOKEN: ${{ github.token }}; a GitHub App or PAT token with "
                "read:org when the policy names teams)"
            ),
        )
        return GitHubClient(ci, http, default_target_url=_github_run_url(env))

    from vetgate.hosts.gitlab import TOKEN_HINT as GITLAB_TOKEN_HINT
    from vetgate.hosts.gitlab import GitLabClient

    headers = {}
    token = _first(env, "VETGATE_GITLAB_TOKEN", "GITLAB_TOKEN")
    if token:
        headers["PRIVATE-TOKEN"] = token
    elif _first(env, "CI_JOB_TOKEN"):
        headers["JOB-TOKEN"] = _first(env, "CI_JOB_TOKEN") or ""
    http = HttpClient(
        base_url=ci.api_url or DEFAULT_GITLAB_API, host_name="GitLab", headers=headers,
        token_hint=GITLAB_TOKEN_HINT, settings=settings, sleep=sleep, clock=clock,
        missing_token=None if headers else (
            "no GitLab token: set VETGATE_GITLAB_TOKEN (a project or group access token with "
            "read_api; api to post statuses) as a masked CI/CD variable"
        ),
    )
    return GitLabClient(ci, http,
                        default_target_url=_first(env, "CI_JOB_URL", "CI_PIPELINE_URL"))


# --- GitHub Actions -----------------------------------------------------------------------------


def _detect_github(env: Mapping[str, str]) -> CIContext:
    event = env.get("GITHUB_EVENT_NAME", "").strip()
    if not event:
        raise UsageError("GITHUB_EVENT_NAME is not set, so vetgate cannot tell what this run "
                         "checks; run `vetgate check --ci` inside a workflow job")
    if event not in GITHUB_EVENTS:
        raise UsageError(
            f"--ci cannot judge the GitHub event {event!r}: run it on pull_request, "
            "pull_request_review, merge_group or push, or pass --base/--head"
        )
    payload = _Payload.load(env.get("GITHUB_EVENT_PATH", ""), event)
    repository = env.get("GITHUB_REPOSITORY", "").strip() or payload.optional_str(
        "repository.full_name")
    common: dict[str, Any] = {
        "platform": "github",
        "repository": repository or None,
        "api_url": env.get("GITHUB_API_URL", "").strip() or DEFAULT_GITHUB_API,
        "event": event,
    }
    if event in GITHUB_PR_EVENTS:
        return CIContext(
            # base.sha can lag behind the base branch: the caller recomputes the merge-base.
            base=payload.sha("pull_request.base.sha"),
            # Not GITHUB_SHA: on pull_request that is the test merge commit.
            head=payload.sha("pull_request.head.sha"),
            branch=payload.optional_str("pull_request.head.ref"),
            labels=payload.labels("pull_request.labels"),
            pr_number=payload.number("pull_request.number"),
            pr_author=payload.optional_str("pull_request.user.login"),
            base_ref=payload.optional_str("pull_request.base.ref"),
            **common,
        )
    if event == "merge_group":
        head_ref = payload.optional_str("merge_group.head_ref") or ""
        match = _MERGE_QUEUE_REF.search(head_ref)
        return CIContext(
            base=payload.sha("merge_group.base_sha"),
            head=payload.sha("merge_group.head_sha"),
            # The queue branch is GitHub's, not the author's: no branch markers apply.
            branch=None,
            labels=None,
            pr_number=int(match.group(1)) if match else None,
            **common,
        )
    # push
    after = payload.sha("after", allow_zero=True)
    if after is None:
        raise UsageError(f"the push event in {payload.path} deletes {payload.optional_str('ref')}"
                         "; there is nothing to check (skip the job on branch deletion)")
    ref = payload.optional_str("ref") or ""
    return CIContext(
        base=payload.sha("before", allow_zero=True),  # None: a new branch
        head=after,
        branch=ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None,
        labels=None,
        **common,
    )


class _Payload:
    """A GitHub event payload with typed, located access to its fields."""

    def __init__(self, path: str, event: str, data: Mapping[str, Any]) -> None:
        self.path = path
        self.event = event
        self.data = data

    @classmethod
    def load(cls, path: str, event: str) -> _Payload:
        if not path:
            raise UsageError("GITHUB_EVENT_PATH is not set, so vetgate cannot read the "
                             f"{event} event; run `vetgate check --ci` inside a workflow job")
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except OSError as exc:
            raise UsageError(f"cannot read the GitHub event payload {path} (GITHUB_EVENT_PATH): "
                             f"{exc.strerror or exc}; run `vetgate check --ci` inside the "
                             "workflow job, or use --base/--head") from exc
        except (UnicodeDecodeError, ValueError) as exc:
            raise UsageError(f"the GitHub event payload {path} (GITHUB_EVENT_PATH) is not valid "
                             f"JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise UsageError(f"the GitHub event payload {path} is not a JSON object")
        return cls(path, event, data)

    def _get(self, dotted: str) -> Any:
        node: Any = self.data
        for key in dotted.split("."):
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node

    def _bad(self, dotted: str, expected: str) -> UsageError:
        value = self._get(dotted)
        got = "it is missing" if value is None else f"got {json.dumps(value)[:60]}"
        return UsageError(f"the {self.event} event payload {self.path} has no valid {dotted} "
                          f"({expected}; {got})")

    def sha(self, dotted: str, *, allow_zero: bool = False) -> str | None:
        value = self._get(dotted)
        if isinstance(value, str):
            value = value.strip().lower()
            if allow_zero and _ZERO_SHA.match(value):
                return None
            if _SHA.match(value):
                return value
        raise self._bad(dotted, "expected a full commit id")

    def number(self, dotted: str) -> int:
        value = self._get(dotted)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        raise self._bad(dotted, "expected a pull request number")

    def optional_str(self, dotted: str) -> str | None:
        value = self._get(dotted)
        if value is None:
            return None
        if isinstance(value, str):
            return value
        raise self._bad(dotted, "expected a string")

    def labels(self, dotted: str) -> tuple[str, ...]:
        value = self._get(dotted)
        if value is None:
            return ()
        if isinstance(value, list):
            names = [item.get("name") if isinstance(item, dict) else None for item in value]
            if all(isinstance(name, str) for name in names):
                return tuple(str(name) for name in names)
        raise self._bad(dotted, "expected a list of {name: ...} objects")


def _github_run_url(env: Mapping[str, str]) -> str | None:
    server = _first(env, "GITHUB_SERVER_URL")
    repository = _first(env, "GITHUB_REPOSITORY")
    run_id = _first(env, "GITHUB_RUN_ID")
    if server and repository and run_id:
        return f"{server.rstrip('/')}/{repository}/actions/runs/{run_id}"
    return None


# --- GitLab CI ----------------------------------------------------------------------------------


def _detect_gitlab(env: Mapping[str, str]) -> CIContext:
    def sha(name: str, *, allow_zero: bool = False, required: bool = True) -> str | None:
        given = env.get(name, "").strip()
        raw = given.lower()
        if not raw and not required:
            return None
        if allow_zero and _ZERO_SHA.match(raw):
            return None
        if _SHA.match(raw):
            return raw
        problem = "is not set" if not raw else f"is {given[:60]!r}, not a full commit id"
        raise UsageError(f"{name} {problem}; vetgate needs it to know what this GitLab "
                         "pipeline checks (run `vetgate check --ci` in a merge request or "
                         "branch pipeline)")

    server = _first(env, "CI_SERVER_URL")
    api_url = _first(env, "CI_API_V4_URL") or (
        f"{server.rstrip('/')}/api/v4" if server else DEFAULT_GITLAB_API)
    project = _first(env, "CI_PROJECT_ID", "CI_PROJECT_PATH")
    common: dict[str, Any] = {"platform": "gitlab", "repository": project, "api_url": api_url}
    iid = _first(env, "CI_MERGE_REQUEST_IID")
    if iid is not None:
        if not iid.isdigit() or int(iid) <= 0:
            raise UsageError(f"CI_MERGE_REQUEST_IID is {iid!r}, not a merge request number")
        labels = tuple(label.strip() for label in env.get("CI_MERGE_REQUEST_LABELS", "")
                       .split(",") if label.strip())
        return CIContext(
            base=sha("CI_MERGE_REQUEST_DIFF_BASE_SHA"),
            # In merged-results pipelines CI_COMMIT_SHA is the merge result; the MR head is the
            # source branch sha (empty in other pipelines).
            head=sha("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", required=False)
            or sha("CI_COMMIT_SHA"),
            branch=_first(env, "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"),
            labels=labels,
            pr_number=int(iid),
            event=_first(env, "CI_PIPELINE_SOURCE") or "merge_request_event",
            base_ref=_first(env, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME"),
            **common,
        )
    return CIContext(
        base=sha("CI_COMMIT_BEFORE_SHA", allow_zero=True, required=False),
        head=sha("CI_COMMIT_SHA"),
        branch=_first(env, "CI_COMMIT_BRANCH"),
        labels=None,
        event=_first(env, "CI_PIPELINE_SOURCE") or "push",
        **common,
    )


def _first(env: Mapping[str, str], *names: str) -> str | None:
    """The first of ``names`` set to a non-blank value in ``env``, stripped."""
    for name in names:
        value = env.get(name, "").strip()
        if value:
            return value
    return None
