"""The HTTP layer under both code hosts: retries, rate limits, pagination, errors — against a
real server on 127.0.0.1."""

from __future__ import annotations

import socket

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fakehost import FakeHost, Reply
from vetgate.errors import HostError, UsageError
from vetgate.hosts.http import (
    USER_AGENT,
    HttpClient,
    HttpSettings,
    HttpStatusError,
    link_target,
    redact,
)


class Sleeps(list[float]):
    """An injected ``sleep`` that only records."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(host: FakeHost, sleeps: Sleeps, **settings: float) -> HttpClient:
    values = {"timeout": 5.0, "attempts": 4, "backoff": 1.0, "max_wait": 60.0, **settings}
    return HttpClient(
        base_url=host.url, host_name="GitHub", headers={"Authorization": "Bearer s3cret"},
        token_hint="VETGATE_GITHUB_TOKEN/GITHUB_TOKEN",
        settings=HttpSettings(timeout=values["timeout"], attempts=int(values["attempts"]),
                              backoff=values["backoff"], max_wait=values["max_wait"]),
        sleep=sleeps, clock=lambda: 1000.0,
    )


def test_get_json_sends_user_agent_and_token(host: FakeHost) -> None:
    host.route("GET", "/thing", {"ok": True})
    assert client(host, Sleeps()).get_json(host.url + "/thing", what="fetch it") == {"ok": True}
    (request,) = host.requests
    assert request.headers["user-agent"] == USER_AGENT
    assert USER_AGENT.startswith("vetgate/")
    assert request.headers["authorization"] == "Bearer s3cret"


def test_5xx_then_success_is_retried_with_backoff(host: FakeHost) -> None:
    host.route("GET", "/r", Reply(500), Reply(502), {"fine": 1})
    sleeps = Sleeps()
    assert client(host, sleeps).get_json(host.url + "/r", what="fetch reviews") == {"fine": 1}
    assert sleeps == [1.0, 2.0]
    assert len(host.requests) == 3


def test_5xx_forever_is_a_host_error_never_a_pass(host: FakeHost) -> None:
    host.route("GET", "/r", Reply(502, json={"message": "Server Error"}))
    sleeps = Sleeps()
    with pytest.raises(HostError) as exc:
        client(host, sleeps).get_json(host.url + "/r?per_page=100", what="fetch reviews")
    assert str(exc.value) == (
        f"could not fetch reviews from {host.url}/r?per_page=100: HTTP 502 (Server Error) "
        "after 4 attempts; re-run the job"
    )
    assert sleeps == [1.0, 2.0, 4.0]
    assert len(host.requests) == 4


def test_429_honours_retry_after(host: FakeHost) -> None:
    host.route("GET", "/r", Reply(429, headers={"Retry-After": "7"}), [1, 2])
    sleeps = Sleeps()
    assert client(host, sleeps).get_json(host.url + "/r", what="fetch") == [1, 2]
    assert sleeps == [7.0]


def test_403_primary_rate_limit_waits_until_reset(host: FakeHost) -> None:
    limited = Reply(403, json={"message": "API rate limit exceeded for installation"},
                    headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1010"})
    host.route("GET", "/r", limited, {"ok": 1})
    sleeps = Sleeps()
    assert client(host, sleeps).get_json(host.url + "/r", what="fetch") == {"ok": 1}
    assert sleeps == [11.0]  # reset 1010 - clock 1000 + 1 s margin


def test_403_secondary_rate_limit_with_retry_after(host: FakeHost) -> None:
    secondary = Reply(403, json={"message": "You have exceeded a secondary rate limit"},
                      headers={"retry-after": "3"})
    host.route("GET", "/r", secondary, {"ok": 1})
    sleeps = Sleeps()
    assert client(host, sleeps).get_json(host.url + "/r", what="fetch") == {"ok": 1}
    assert sleeps == [3.0]


def test_rate_limit_beyond_the_wait_cap_fails_at_once(host: FakeHost) -> None:
    host.route("GET", "/r", Reply(429, headers={"Retry-After": "3600"}))
    sleeps = Sleeps()
    with pytest.raises(HostError) as exc:
        client(host, sleeps).get_json(host.url + "/r", what="fetch reviews")
    assert "HTTP 429" in str(exc.value)
    assert "wait 3600 s, beyond vetgate's 60 s limit; re-run the job later" in str(exc.value)
    assert sleeps == []
    assert len(host.requests) == 1


def test_403_without_rate_limit_is_not_retried(host: FakeHost) -> None:
    host.route("GET", "/r", Reply(403, json={"message": "Resource not accessible by integration"}))
    sleeps = Sleeps()
    with pytest.raises(HttpStatusError) as exc:
        client(host, sleeps).get_json(host.url + "/r", what="fetch reviews")
    assert exc.value.status == 403
    assert str(exc.value) == (
        f"could not fetch reviews from {host.url}/r: HTTP 403 (Resource not accessible by "
        "integration); the token is not allowed to do this; give "
        "VETGATE_GITHUB_TOKEN/GITHUB_TOKEN the permission named in docs/ci.md"
    )
    assert sleeps == [] and len(host.requests) == 1


@pytest.mark.parametrize(("status", "remedy"), [
    (401, "the token was rejected; check VETGATE_GITHUB_TOKEN/GITHUB_TOKEN"),
    (404, "it does not exist, or the token in VETGATE_GITHUB_TOKEN/GITHUB_TOKEN cannot see it"),
])
def test_client_errors_name_the_remedy(host: FakeHost, status: int, remedy: str) -> None:
    host.route("GET", "/r", Reply(status, json={"message": "nope"}))
    with pytest.raises(HttpStatusError) as exc:
        client(host, Sleeps()).get_json(host.url + "/r", what="fetch reviews")
    assert str(exc.value).endswith(f"HTTP {status} (nope); {remedy}")


def test_connection_refused_is_retried_then_a_host_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps = Sleeps()
    http = HttpClient(base_url=f"http://127.0.0.1:{port}", host_name="GitHub", sleep=sleeps,
                      settings=HttpSettings(attempts=3, backoff=0.5))
    with pytest.raises(HostError) as exc:
        http.get_json(http.url("/x"), what="fetch reviews")
    assert str(exc.value) == (f"could not fetch reviews from http://127.0.0.1:{port}/x: the "
                              "connection was refused after 3 attempts; re-run the job")
    assert sleeps == [0.5, 1.0]


def test_read_timeout(host: FakeHost) -> None:
    host.route("GET", "/slow", Reply(json={}, delay=1.0))
    with pytest.raises(HostError) as exc:
        client(host, Sleeps(), timeout=0.2, attempts=2).get_json(host.url + "/slow", what="fetch")
    assert "the connection timed out after 2 attempts" in str(exc.value)


def test_pagination_follows_link_next_over_three_pages(host: FakeHost) -> None:
    items = [{"n": i} for i in range(250)]
    assert host.paginate("/items", items, per_page=100) == 3
    http = client(host, Sleeps())
    got = list(http.get_pages(http.url("/items", {"per_page": 100}), what="list"))
    assert got == items
    assert [r.target for r in host.requests] == [
        "/items?per_page=100", "/items?per_page=100&page=2", "/items?per_page=100&page=3",
    ]


def test_pagination_loop_is_an_error(host: FakeHost) -> None:
    host.route("GET", "/loop", Reply(json=[1], headers={"Link": f'<{host.url}/loop>; rel="next"'}))
    with pytest.raises(HostError, match="pagination does not end"):
        list(client(host, Sleeps()).get_pages(host.url + "/loop", what="list"))


def test_pagination_never_follows_to_another_host(host: FakeHost) -> None:
    host.route("GET", "/p", Reply(json=[1], headers={
        "Link": '<https://evil.example/steal?page=2>; rel="next"'}))
    with pytest.raises(HostError, match="is on another host; refusing to follow"):
        list(client(host, Sleeps()).get_pages(host.url + "/p", what="list"))
    assert len(host.requests) == 1


def test_page_that_is_not_a_list(host: FakeHost) -> None:
    host.route("GET", "/p", {"message": "surprise"})
    with pytest.raises(HostError, match="expected a JSON array, got dict"):
        list(client(host, Sleeps()).get_pages(host.url + "/p", what="list"))


def test_non_json_answer(host: FakeHost) -> None:
    host.route("GET", "/html", Reply(body=b"<html>proxy login</html>"))
    with pytest.raises(HostError, match=r"the response is not JSON .*check the API URL"):
        client(host, Sleeps()).get_json(host.url + "/html", what="fetch reviews")


def test_post_sends_a_json_body(host: FakeHost) -> None:
    host.route("POST", "/s", Reply(201, json={"id": 1}))
    client(host, Sleeps()).request("POST", host.url + "/s", what="post", body={"state": "success"})
    (request,) = host.requests
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {"state": "success"}


def test_redirect_to_another_host_drops_the_token(host: FakeHost) -> None:
    with FakeHost() as other:
        other.route("GET", "/y", {"moved": True})
        host.route("GET", "/x", Reply(302, headers={"Location": other.url + "/y"}))
        host.route("GET", "/same", Reply(301, headers={"Location": "/x2"}))
        host.route("GET", "/x2", {"same": True})
        http = client(host, Sleeps())
        assert http.get_json(host.url + "/x", what="fetch") == {"moved": True}
        assert "authorization" not in other.requests[0].headers
        assert http.get_json(host.url + "/same", what="fetch") == {"same": True}
        assert host.requests_to("/x2")[0].headers["authorization"] == "Bearer s3cret"


def test_missing_token_fails_before_any_request(host: FakeHost) -> None:
    http = HttpClient(base_url=host.url, host_name="GitHub", missing_token="no GitHub token")
    with pytest.raises(HostError, match=r"^cannot fetch reviews: no GitHub token$"):
        http.get_json(host.url + "/r", what="fetch reviews")
    assert host.requests == []


def test_token_never_appears_in_messages(host: FakeHost) -> None:
    host.route("GET", "/r", Reply(401, json={"message": "Bad credentials"}))
    with pytest.raises(HostError) as exc:
        client(host, Sleeps()).get_json(host.url + "/r", what="fetch")
    assert "s3cret" not in str(exc.value)


def test_api_url_must_be_http() -> None:
    with pytest.raises(UsageError, match="is not an http"):
        HttpClient(base_url="file:///etc", host_name="GitHub")
    assert HttpClient(base_url="https://ghe.example.com/api/v3/",
                      host_name="GitHub").base_url == "https://ghe.example.com/api/v3"


def test_settings_from_env() -> None:
    assert HttpSettings.from_env({}) == HttpSettings()
    settings = HttpSettings.from_env({"VETGATE_HTTP_TIMEOUT": "2.5", "VETGATE_HTTP_ATTEMPTS": "2",
                                      "VETGATE_HTTP_BACKOFF": "0", "VETGATE_HTTP_MAX_WAIT": "5"})
    assert settings == HttpSettings(timeout=2.5, attempts=2, backoff=0.0, max_wait=5.0)
    with pytest.raises(UsageError, match=r"^VETGATE_HTTP_ATTEMPTS='0' is not valid"):
        HttpSettings.from_env({"VETGATE_HTTP_ATTEMPTS": "0"})
    with pytest.raises(UsageError, match="VETGATE_HTTP_TIMEOUT='soon'"):
        HttpSettings.from_env({"VETGATE_HTTP_TIMEOUT": "soon"})


def test_redact_removes_credentials() -> None:
    assert redact("https://user:pw@ghe.example.com/api") == "https://ghe.example.com/api"
    assert redact("https://api.github.com/x") == "https://api.github.com/x"


_url_chars = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789/?=&%.-_,;"),
                     min_size=1, max_size=40)


@given(first=_url_chars, nxt=_url_chars, rels=st.permutations(["next", "prev", "last"]))
def test_link_target_finds_next_among_other_relations(first: str, nxt: str,
                                                      rels: list[str]) -> None:
    targets = {"next": f"https://api.example/{nxt}", "prev": f"https://api.example/{first}",
               "last": "https://api.example/last?page=9"}
    header = ", ".join(f'<{targets[rel]}>; rel="{rel}"' for rel in rels)
    assert link_target(header, "next") == targets["next"]
    assert link_target(header.replace('rel="next"', 'rel="nextish"'), "next") is None
