"""A small, careful HTTP client for code-host APIs (stdlib ``urllib`` only).

What it adds over ``urllib``: timeouts, retries with exponential backoff on 5xx, 429 and GitHub's
rate limits (honouring ``retry-after`` and ``x-ratelimit-reset`` within a capped total wait),
``Link: rel="next"`` pagination, a fixed User-Agent, and errors that say what could not be
fetched, from where, and what to do — as ``HostError``, never a silent pass. Tokens travel only in
request headers and never appear in a message; they are dropped when a redirect leaves the host.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.message import Message
from email.utils import parsedate_to_datetime
from http.client import HTTPException, HTTPMessage
from typing import Any

from vetgate import __version__
from vetgate.errors import HostError, UsageError
from vetgate.records import frozen

USER_AGENT = f"vetgate/{__version__}"
DEFAULT_TIMEOUT = 10.0  # seconds, for the connection and for each read
DEFAULT_ATTEMPTS = 4
DEFAULT_BACKOFF = 1.0  # seconds before the first retry; doubled after each failure
DEFAULT_MAX_WAIT = 60.0  # seconds of sleeping across all retries of one request
MAX_PAGES = 1000  # a loop guard: 100 items a page is 100,000 items
MAX_BODY = 32 * 1024 * 1024  # bytes; an API page is far smaller

# Environment variables that tune the client (documented in docs/ci.md).
ENV_TIMEOUT = "VETGATE_HTTP_TIMEOUT"
ENV_ATTEMPTS = "VETGATE_HTTP_ATTEMPTS"
ENV_BACKOFF = "VETGATE_HTTP_BACKOFF"
ENV_MAX_WAIT = "VETGATE_HTTP_MAX_WAIT"

_SENSITIVE_HEADERS = frozenset({"authorization", "private-token", "job-token"})
# One link-value of a Link header (RFC 8288): "<target>" and its ";"-separated parameters.
_LINK_VALUE = re.compile(
    r'<(?P<target>[^>]*)>(?P<params>(?:\s*;\s*[^;,="\s]+\s*(?:=\s*(?:"[^"]*"|[^;,]*))?)*)'
)
_LINK_REL = re.compile(r';\s*rel\s*=\s*(?:"(?P<quoted>[^"]*)"|(?P<bare>[^;,\s]*))', re.IGNORECASE)


@frozen
class HttpSettings:
    """Timeout and retry policy; ``from_env`` reads the ``VETGATE_HTTP_*`` overrides."""

    timeout: float = DEFAULT_TIMEOUT
    attempts: int = DEFAULT_ATTEMPTS
    backoff: float = DEFAULT_BACKOFF
    max_wait: float = DEFAULT_MAX_WAIT

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> HttpSettings:
        """Settings with any ``VETGATE_HTTP_*`` variable in ``env`` applied (UsageError if bad)."""
        return cls(
            timeout=_env_number(env, ENV_TIMEOUT, DEFAULT_TIMEOUT, minimum=0.001),
            attempts=int(_env_number(env, ENV_ATTEMPTS, DEFAULT_ATTEMPTS, minimum=1,
                                     integer=True)),
            backoff=_env_number(env, ENV_BACKOFF, DEFAULT_BACKOFF, minimum=0.0),
            max_wait=_env_number(env, ENV_MAX_WAIT, DEFAULT_MAX_WAIT, minimum=0.0),
        )


def _env_number(env: Mapping[str, str], name: str, default: float, *, minimum: float,
                integer: bool = False) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(int(raw)) if integer else float(raw)
    except ValueError:
        value = float("nan")
    if not value >= minimum:  # also catches NaN
        kind = "a whole number" if integer else "a number"
        raise UsageError(f"{name}={raw!r} is not valid: set it to {kind} of at least "
                         f"{minimum:g}, or unset it")
    return value


@frozen
class Response:
    """One HTTP response: status, lower-cased headers, body bytes, and the URL it came from."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str

    def header(self, name: str) -> str | None:
        """The header's value (case-insensitive name), or None."""
        return self.headers.get(name.lower())

    def next_url(self) -> str | None:
        """The ``rel="next"`` target of the ``Link`` header, resolved against ``url``."""
        target = link_target(self.header("link") or "", "next")
        return urllib.parse.urljoin(self.url, target) if target is not None else None

    def host_message(self) -> str:
        """The ``message`` the API put in an error body, if any (for error texts)."""
        try:
            data = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return ""
        if isinstance(data, dict):
            for key in ("message", "error", "error_description"):
                value = data.get(key)
                if isinstance(value, str) and value.strip():
                    return _one_line(value)
        return ""


class HttpStatusError(HostError):
    """The host answered with a status that retrying cannot fix (e.g. 401, 403, 404)."""

    def __init__(self, message: str, *, status: int, url: str) -> None:
        super().__init__(message)
        self.status = status
        self.url = url


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follow redirects, but never carry a token to another host or scheme."""

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: HTTPMessage, newurl: str) -> urllib.request.Request | None:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is None:
            return None
        old_parts = urllib.parse.urlsplit(req.full_url)
        new_parts = urllib.parse.urlsplit(new.full_url)
        if (old_parts.scheme, old_parts.netloc) != (new_parts.scheme, new_parts.netloc):
            for name in list(new.headers):
                if name.lower() in _SENSITIVE_HEADERS:
                    del new.headers[name]
            for name in list(new.unredirected_hdrs):
                if name.lower() in _SENSITIVE_HEADERS:
                    del new.unredirected_hdrs[name]
        return new


@dataclass
class HttpClient:
    """JSON over HTTP(S) against one API root, with retries and pagination.

    ``headers`` go on every request (authentication included); ``token_hint`` names where the
    token comes from, for error messages; ``host_name`` is "GitHub" or "GitLab". ``sleep`` and
    ``clock`` are injectable so tests of the retry policy take no time.
    """

    base_url: str
    host_name: str
    headers: Mapping[str, str] = field(default_factory=dict)
    token_hint: str = ""
    # Set when no token was given: the message (with the remedy) every request then raises.
    missing_token: str | None = None
    settings: HttpSettings = field(default_factory=HttpSettings)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        self.base_url = check_api_url(self.base_url, self.host_name)
        self._opener = urllib.request.build_opener(_RedirectHandler())

    # --- public -------------------------------------------------------------------------------

    def url(self, path: str, query: Mapping[str, str | int] | None = None) -> str:
        """``path`` (starting with "/") under the API root, with ``query`` encoded."""
        full = self.base_url + path
        if query:
            full += "?" + urllib.parse.urlencode({k: str(v) for k, v in query.items()})
        return full

    def get_json(self, url: str, *, what: str) -> Any:
        """GET ``url`` and decode its JSON body."""
        return _decode_json(self.request("GET", url, what=what), what)

    def get_pages(self, url: str, *, what: str) -> Iterator[Any]:
        """GET ``url`` and every ``rel="next"`` page after it; yield each item of each page.

        Every page must be a JSON array. The next URL must stay on the API's host, so a
        malicious ``Link`` header cannot walk the token to another server.
        """
        seen: set[str] = set()
        next_url: str | None = url
        pages = 0
        while next_url is not None:
            if next_url in seen or pages >= MAX_PAGES:
                raise HostError(f"could not {what} from {redact(url)}: the API's pagination "
                                "does not end (a Link header loops); re-run the job")
            seen.add(next_url)
            pages += 1
            response = self.request("GET", next_url, what=what)
            page = _decode_json(response, what)
            if not isinstance(page, list):
                raise HostError(f"could not {what} from {redact(response.url)}: expected a JSON "
                                f"array, got {type(page).__name__}; check the API URL")
            yield from page
            next_url = response.next_url()
            if next_url is not None and not _same_origin(next_url, self.base_url):
                raise HostError(f"could not {what} from {redact(url)}: the next page "
                                f"({redact(next_url)}) is on another host; refusing to follow")

    def request(self, method: str, url: str, *, what: str,
                body: Mapping[str, Any] | None = None) -> Response:
        """Send one request, retrying what retrying can fix; return a 2xx ``Response``.

        Raises ``HttpStatusError`` for statuses retrying cannot fix and ``HostError`` when the
        retries or the wait budget run out.
        """
        if self.missing_token is not None:
            raise HostError(f"cannot {what}: {self.missing_token}")
        data = None if body is None else json.dumps(body).encode("utf-8")
        waited = 0.0
        last_problem = ""
        attempts = self.settings.attempts
        for attempt in range(1, attempts + 1):
            try:
                response = self._send(method, url, data)
            except _TransientError as exc:
                last_problem = exc.reason
                delay = self._backoff(attempt)
            else:
                if 200 <= response.status < 300:
                    return response
                delay_or_none = self._retry_delay(response, attempt)
                if delay_or_none is None:
                    raise self._status_error(response, what)
                delay = delay_or_none
                last_problem = _describe_status(response)
            if attempt == attempts:
                break
            if waited + delay > self.settings.max_wait:
                raise HostError(
                    f"could not {what} from {redact(url)}: {last_problem}; the host asks to "
                    f"wait {delay:.0f} s, beyond vetgate's {self.settings.max_wait:.0f} s "
                    "limit; re-run the job later"
                )
            if delay > 0:
                self.sleep(delay)
            waited += delay
        raise HostError(f"could not {what} from {redact(url)}: {last_problem} after {attempts} "
                        f"attempt{'s' if attempts != 1 else ''}; re-run the job")

    # --- internals ----------------------------------------------------------------------------

    def _send(self, method: str, url: str, data: bytes | None) -> Response:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **self.headers}
        if data is not None:
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with self._opener.open(req, timeout=self.settings.timeout) as raw:
                return Response(raw.status, _lower_headers(raw.headers), _read(raw),
                                raw.geturl())
        except urllib.error.HTTPError as exc:
            try:
                body = _read(exc)
            except (OSError, HTTPException):
                body = b""
            finally:
                exc.close()
            return Response(exc.code, _lower_headers(exc.headers), body, exc.geturl() or url)
        except (urllib.error.URLError, OSError, HTTPException) as exc:
            raise _TransientError(_describe_network_error(exc)) from exc

    def _backoff(self, attempt: int) -> float:
        return float(self.settings.backoff * (2 ** (attempt - 1)))

    def _retry_delay(self, response: Response, attempt: int) -> float | None:
        """Seconds to wait before retrying ``response``, or None when retrying cannot help."""
        status = response.status
        retry_after = _parse_retry_after(response.header("retry-after"), self.clock)
        rate_limited = status == 429 or (status == 403 and (
            retry_after is not None
            or response.header("x-ratelimit-remaining") == "0"
            or "rate limit" in response.host_message().lower()
        ))
        if not (rate_limited or status >= 500 or status == 408):
            return None
        delay = self._backoff(attempt)
        if retry_after is not None:
            delay = max(delay, retry_after)
        elif rate_limited and response.header("x-ratelimit-remaining") == "0":
            reset = response.header("x-ratelimit-reset")
            if reset and reset.strip().isdigit():
                delay = max(delay, float(reset) - self.clock() + 1.0)
        elif rate_limited and status == 403:
            # GitHub's secondary limit without headers: "wait at least one minute".
            delay = max(delay, 60.0)
        return delay

    def _status_error(self, response: Response, what: str) -> HttpStatusError:
        status = response.status
        if status == 401:
            remedy = f"the token was rejected; check {self.token_hint or 'the token'}"
        elif status == 403:
            remedy = (f"the token is not allowed to do this; give {self.token_hint or 'it'} "
                      "the permission named in docs/ci.md")
        elif status == 404:
            remedy = (f"it does not exist, or the token in {self.token_hint or 'use'} cannot "
                      "see it")
        else:
            remedy = "check the API URL and the token"
        return HttpStatusError(
            f"could not {what} from {redact(response.url)}: {_describe_status(response)}; "
            f"{remedy}",
            status=status, url=response.url,
        )


class _TransientError(Exception):
    """A network failure worth retrying (refused, reset, timed out)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def link_target(link: str, rel: str) -> str | None:
    """The target of the first link-value in a ``Link`` header whose ``rel`` includes ``rel``."""
    for match in _LINK_VALUE.finditer(link):
        for rel_match in _LINK_REL.finditer(match.group("params")):
            values = (rel_match.group("quoted") or rel_match.group("bare") or "").lower().split()
            if rel.lower() in values:
                return match.group("target").strip()
    return None


def check_api_url(url: str, host_name: str) -> str:
    """``url`` without a trailing slash; UsageError unless it is an http(s) URL with a host."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"the {host_name} API URL {redact(url)!r} is not an http(s) URL; set "
                         f"{'GITHUB_API_URL' if host_name == 'GitHub' else 'CI_API_V4_URL'} "
                         "to the API root, e.g. https://ghe.example.com/api/v3")
    return url.strip().rstrip("/")


def redact(url: str) -> str:
    """``url`` with any user:password part removed, for messages."""
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def _same_origin(url: str, base: str) -> bool:
    a, b = urllib.parse.urlsplit(url), urllib.parse.urlsplit(base)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def _lower_headers(headers: Message | None) -> dict[str, str]:
    if headers is None:
        return {}
    return {name.lower(): value for name, value in headers.items()}


def _read(raw: Any) -> bytes:
    body: bytes = raw.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        raise _TransientError(f"the response is larger than {MAX_BODY // (1024 * 1024)} MiB")
    return body


def _decode_json(response: Response, what: str) -> Any:
    try:
        return json.loads(response.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise HostError(f"could not {what} from {redact(response.url)}: the response is not "
                        f"JSON ({_one_line(str(exc))}); check the API URL") from exc


def _parse_retry_after(value: str | None, clock: Callable[[], float]) -> float | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - clock())


def _describe_status(response: Response) -> str:
    text = f"HTTP {response.status}"
    message = response.host_message()
    return f"{text} ({message})" if message else text


def _describe_network_error(exc: BaseException) -> str:
    reason: object = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        return "the connection timed out"
    if isinstance(reason, ConnectionRefusedError):
        return "the connection was refused"
    text = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
    return f"network error ({_one_line(str(text))})"


def _one_line(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
