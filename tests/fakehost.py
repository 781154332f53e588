"""A real HTTP server on 127.0.0.1 that plays a code host's API for tests.

Each test gives it a route table: ``(method, path)`` -> a sequence of replies (recorded-shape
JSON, status, headers). Replies are served in order and the last one repeats, so "500, then 200"
and "500 forever" are one line each. Every request is recorded (method, path, query, headers,
body) for assertions. Nothing here touches the internet.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One canned answer. ``json`` is serialised unless ``body`` is given."""

    status: int = 200
    json: Any = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (timeouts)

    def payload(self) -> bytes:
        if self.body is not None:
            return self.body
        return json.dumps(self.json).encode("utf-8")


@dataclass(frozen=True)
class Recorded:
    """One request the server received."""

    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    @property
    def target(self) -> str:
        """``path?query`` as sent."""
        if not self.query:
            return self.path
        return self.path + "?" + urllib.parse.urlencode(self.query, doseq=True)


class FakeHost:
    """The server. Use as a context manager; ``url`` is its root, e.g. http://127.0.0.1:PORT."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Reply]] = {}
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._server.daemon_threads = True
        # A short poll interval: shutdown() waits for the serving loop to notice.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeHost:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- route tables ---------------------------------------------------------------------------

    def route(self, method: str, target: str, *replies: Reply | Any) -> None:
        """Answer ``method target`` with ``replies`` in order (the last repeats).

        ``target`` is a path, or ``path?query`` to match one exact query string first. A reply
        that is not a ``Reply`` is JSON for a 200.
        """
        if not replies:
            raise ValueError("route needs at least one reply")
        self.routes[(method.upper(), target)] = [
            r if isinstance(r, Reply) else Reply(json=r) for r in replies
        ]

    def paginate(self, path: str, items: Sequence[Any], per_page: int,
                 query: str = "per_page=100") -> int:
        """Serve ``items`` at ``path`` in pages linked by ``Link: rel="next"``; return the count
        of pages. Page 1 answers the bare path (any query); page N ``path?{query}&page=N``."""
        pages = [list(items[i:i + per_page]) for i in range(0, len(items), per_page)] or [[]]
        for number, page in enumerate(pages, start=1):
            headers = {}
            links = []
            if number < len(pages):
                links.append(f'<{self.url}{path}?{query}&page={number + 1}>; rel="next"')
                links.append(f'<{self.url}{path}?{query}&page={len(pages)}>; rel="last"')
            if number > 1:
                links.append(f'<{self.url}{path}?{query}&page={number - 1}>; rel="prev"')
            if links:
                headers["Link"] = ", ".join(links)
            target = path if number == 1 else f"{path}?{query}&page={number}"
            self.route("GET", target, Reply(json=page, headers=headers))
        return len(pages)

    def requests_to(self, path: str, method: str | None = None) -> list[Recorded]:
        """The recorded requests to ``path`` (any query), optionally of one method."""
        with self._lock:
            return [r for r in self.requests
                    if r.path == path and (method is None or r.method == method.upper())]

    # --- serving --------------------------------------------------------------------------------

    def _answer(self, method: str, raw_target: str, headers: dict[str, str],
                body: bytes) -> Reply:
        parts = urllib.parse.urlsplit(raw_target)
        path = parts.path  # as sent: GitLab's encoded project paths (a%2Fb) stay visible
        recorded = Recorded(method, path, urllib.parse.parse_qs(parts.query), headers, body)
        with self._lock:
            self.requests.append(recorded)
            for key in ((method, f"{path}?{parts.query}"), (method, path)):
                replies = self.routes.get(key)
                if replies:
                    return replies.pop(0) if len(replies) > 1 else replies[0]
        return Reply(status=404, json={"message": f"Not Found (no fake route {method} {path})"})


def _make_handler(host: FakeHost) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply = host._answer(self.command, self.path, headers, body)
            if reply.delay:
                time.sleep(reply.delay)
            payload = reply.payload()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    return Handler


def serve() -> Iterator[FakeHost]:
    """Generator for a pytest fixture: ``yield from serve()``."""
    with FakeHost() as host:
        yield host
