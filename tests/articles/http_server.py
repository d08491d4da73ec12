"""A real HTTP server on 127.0.0.1 for tests that fetch pages and feeds.

    with serve({"/feed.xml": (200, {"Content-Type": "application/rss+xml"}, b"<rss/>")}) as server:
        fetcher.fetch(server.url("/feed.xml"))
        assert [r.path for r in server.requests] == ["/feed.xml"]

`serve(routes)` runs a threaded server on a free port for the length of the
`with` block. A route is `path -> (status, headers, body)`; `server.routes`
may be changed while it runs (to point a redirect at `server.url(...)`, say).
An unknown path answers 404. Every request that arrives is recorded in
`server.requests`, so a test can prove that nothing reached the server.

The body is bytes (sent with a Content-Length, unless the headers give one
themselves, which lets a test declare a size it never sends) or `Chunked`
(sent with chunked encoding and no length, optionally slowly: `trickle()`
sends one byte every so often, for ever).

A route whose headers carry an ETag or Last-Modified answers 304 to a request
whose If-None-Match or If-Modified-Since says the client already has it.
`redirect(location)` makes a redirect route; `closed_port()` gives a port
where nothing listens. `serve(routes, ssl_context=...)` serves https instead.
"""

from __future__ import annotations

import itertools
import socket
import ssl
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Chunked:
    """A body sent in chunks with no Content-Length, waiting `interval` seconds
    before each part. Use a list (or an endless `itertools.repeat`) rather than a
    generator if the route is fetched more than once."""

    parts: Iterable[bytes]
    interval: float = 0.0


Body = bytes | Chunked
Route = tuple[int, Mapping[str, str], Body]


@dataclass(frozen=True)
class Received:
    """A request as the server saw it; `headers.get(name)` ignores case."""

    method: str
    path: str
    headers: Message


class LocalServer:
    def __init__(self, routes: Mapping[str, Route], *, ssl_context: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes)
        self.requests: list[Received] = []
        self.stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.site = self
        self.port: int = self._httpd.server_address[1]
        self.scheme = "http"
        if ssl_context is not None:
            # The handshake happens in the handler's thread, not in the accept loop.
            self._httpd.socket = ssl_context.wrap_socket(
                self._httpd.socket, server_side=True, do_handshake_on_connect=False
            )
            self.scheme = "https"

    def url(self, path: str = "/") -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()


@contextmanager
def serve(routes: Mapping[str, Route] | None = None, *, ssl_context: ssl.SSLContext | None = None) -> Iterator[LocalServer]:
    server = LocalServer(routes or {}, ssl_context=ssl_context)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def redirect(location: str, status: int = 302) -> Route:
    return (status, {"Location": location}, b"")


def trickle(part: bytes = b".", interval: float = 0.1) -> Chunked:
    """A body that never ends: `part` every `interval` seconds."""
    return Chunked(itertools.repeat(part), interval)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Server(ThreadingHTTPServer):
    # Handlers may be blocked on an idle keep-alive connection or a trickle;
    # closing the server must not wait for them.
    block_on_close = False
    site: LocalServer

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up mid-body is expected here; anything else is a bug worth seeing.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5
    server: _Server

    def do_GET(self) -> None:
        site = self.server.site
        site.requests.append(Received(self.command, self.path, self.headers))
        route = site.routes.get(self.path) or site.routes.get(self.path.split("?")[0])
        if route is None:
            route = (404, {"Content-Type": "text/plain"}, b"not found")
        status, headers, body = route
        try:
            if self._not_modified(headers):
                self._send_head(304, {k: v for k, v in headers.items() if k.lower() in ("etag", "last-modified")})
            elif isinstance(body, Chunked):
                self._send_chunked(status, headers, body, site.stopping)
            else:
                self._send_head(status, {"Content-Length": str(len(body)), **headers})
                self.wfile.write(body)
        except OSError:
            # The client gave up (a refused body, a timeout): that is the point of many tests.
            self.close_connection = True

    def _not_modified(self, headers: Mapping[str, str]) -> bool:
        mine = {k.lower(): v for k, v in headers.items()}
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = [tag.strip() for tag in if_none_match.split(",")]
            return "etag" in mine and ("*" in tags or mine["etag"] in tags)
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since is not None and "last-modified" in mine:
            try:
                return parsedate_to_datetime(if_modified_since) >= parsedate_to_datetime(mine["last-modified"])
            except (TypeError, ValueError):
                return False
        return False

    def _send_chunked(self, status: int, headers: Mapping[str, str], body: Chunked, stopping: threading.Event) -> None:
        self._send_head(status, {"Transfer-Encoding": "chunked", **headers})
        for part in body.parts:
            if stopping.wait(body.interval):
                self.close_connection = True
                return
            if part:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    def _send_head(self, status: int, headers: Mapping[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


__all__ = ["Chunked", "LocalServer", "Received", "Route", "closed_port", "redirect", "serve", "trickle"]
