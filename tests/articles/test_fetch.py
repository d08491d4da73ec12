"""The web fetcher, against a real HTTP server on loopback.

The server is on 127.0.0.1, so the happy paths allow private addresses; the
address checks are proved with them refused, and the server's log shows
that such a request never arrived.
"""

from __future__ import annotations

import gzip
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from forum.articles import addresses
from forum.articles.fetch import FetchError, Fetched, FetchRequest, HttpFetcher, StaticFetcher, is_public_address
from tests.articles.http_server import Chunked, LocalServer, closed_port, redirect, serve, trickle

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title></channel></rss>'
LAST_MODIFIED = "Tue, 04 Nov 2025 10:00:00 GMT"


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with serve() as running:
        yield running


@pytest.fixture
def fetcher() -> Iterator[HttpFetcher]:
    with HttpFetcher(allow_private=True, timeout=5) as opened:
        yield opened


@pytest.fixture
def guarded() -> Iterator[HttpFetcher]:
    with HttpFetcher(timeout=5) as opened:
        yield opened


def fake_dns(monkeypatch: pytest.MonkeyPatch, name: str, *answers: str) -> None:
    """Make `name` resolve to each answer in turn, then to the last one for ever."""
    real_getaddrinfo = socket.getaddrinfo
    remaining = list(answers)

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        if host != name:
            return real_getaddrinfo(host, port, *args, **kwargs)
        address = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def self_signed_certificate(folder: Path, hostname: str) -> tuple[str, str]:
    """A certificate and key for `hostname`, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    command = ["openssl", "req", "-x509", "-nodes", "-days", "1", "-subj", f"/CN={hostname}"]
    command += ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-keyout", key, "-out", cert]
    command += ["-addext", f"subjectAltName=DNS:{hostname}"]
    subprocess.run(command, check=True, capture_output=True)
    return cert, key


def test_a_page_is_fetched_with_its_type_charset_and_validators(server: LocalServer, fetcher: HttpFetcher) -> None:
    headers = {"Content-Type": "Text/HTML; Charset=ISO-8859-1", "ETag": '"v1"', "Last-Modified": LAST_MODIFIED}
    server.routes["/post"] = (200, headers, "<p>caf\xe9</p>".encode("latin-1"))

    fetched = fetcher.fetch(server.url("/post"))

    assert fetched == Fetched(
        url=server.url("/post"),
        status=200,
        content=b"<p>caf\xe9</p>",
        content_type="text/html",
        charset="iso-8859-1",
        etag='"v1"',
        last_modified=LAST_MODIFIED,
    )
    assert server.requests[0].headers.get("User-Agent", "").startswith("forum-article-importer/")


def test_a_response_without_a_content_type_is_left_for_the_importer_to_sniff(
    server: LocalServer, fetcher: HttpFetcher
) -> None:
    server.routes["/raw"] = (200, {}, RSS)

    fetched = fetcher.fetch(server.url("/raw"))

    assert (fetched.content, fetched.content_type, fetched.charset) == (RSS, None, None)


def test_a_gzip_body_is_decompressed(server: LocalServer, fetcher: HttpFetcher) -> None:
    server.routes["/feed"] = (200, {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"}, gzip.compress(RSS))

    assert fetcher.fetch(server.url("/feed")).content == RSS


def test_an_unchanged_feed_answers_304_to_its_etag(server: LocalServer, fetcher: HttpFetcher) -> None:
    server.routes["/feed"] = (200, {"Content-Type": "application/rss+xml", "ETag": '"abc"'}, RSS)
    first = fetcher.fetch(server.url("/feed"))

    again = fetcher.fetch(server.url("/feed"), etag=first.etag)

    assert (again.status, again.content, again.etag) == (304, b"", '"abc"')
    assert server.requests[-1].headers.get("If-None-Match") == '"abc"'


def test_an_unchanged_feed_answers_304_to_its_last_modified(server: LocalServer, fetcher: HttpFetcher) -> None:
    server.routes["/feed"] = (200, {"Content-Type": "application/rss+xml", "Last-Modified": LAST_MODIFIED}, RSS)
    first = fetcher.fetch(server.url("/feed"))

    again = fetcher.fetch(server.url("/feed"), last_modified=first.last_modified)

    assert (again.status, again.content, again.last_modified) == (304, b"", LAST_MODIFIED)
    assert server.requests[-1].headers.get("If-Modified-Since") == LAST_MODIFIED


def test_a_changed_feed_is_fetched_again_despite_an_old_etag(server: LocalServer, fetcher: HttpFetcher) -> None:
    server.routes["/feed"] = (200, {"Content-Type": "application/rss+xml", "ETag": '"new"'}, RSS)

    fetched = fetcher.fetch(server.url("/feed"), etag='"old"')

    assert (fetched.status, fetched.content, fetched.etag) == (200, RSS, '"new"')


def test_a_missing_page_is_not_found(server: LocalServer, fetcher: HttpFetcher) -> None:
    with pytest.raises(FetchError, match=r"^not found \(HTTP 404\)$"):
        fetcher.fetch(server.url("/gone"))


def test_a_server_error_is_reported_with_its_status(server: LocalServer, fetcher: HttpFetcher) -> None:
    server.routes["/broken"] = (500, {"Content-Type": "text/html"}, b"oops")

    with pytest.raises(FetchError, match=r"^the server answered HTTP 500$"):
        fetcher.fetch(server.url("/broken"))


def test_five_redirects_are_followed_relative_or_absolute(server: LocalServer, fetcher: HttpFetcher) -> None:
    server.routes.update(
        {
            "/a/start": redirect("hop1"),  # relative to /a/
            "/a/hop1": redirect("/hop2", 301),
            "/hop2": redirect(server.url("/hop3"), 307),
            "/hop3": redirect(f"//127.0.0.1:{server.port}/hop4", 308),
            "/hop4": redirect("/end", 303),
            "/end": (200, {"Content-Type": "text/plain"}, b"arrived"),
        }
    )

    fetched = fetcher.fetch(server.url("/a/start"))

    assert (fetched.url, fetched.content) == (server.url("/end"), b"arrived")


def test_a_sixth_redirect_is_refused(server: LocalServer, fetcher: HttpFetcher) -> None:
    server.routes.update({f"/r{n}": redirect(f"/r{n + 1}") for n in range(6)})
    server.routes["/r6"] = (200, {"Content-Type": "text/plain"}, b"too far")

    with pytest.raises(FetchError, match=r"^more than 5 redirects$"):
        fetcher.fetch(server.url("/r0"))
    assert [r.path for r in server.requests] == [f"/r{n}" for n in range(6)]


def test_a_redirect_to_another_scheme_is_refused(server: LocalServer, fetcher: HttpFetcher) -> None:
    server.routes["/go"] = redirect("file:///etc/passwd")

    with pytest.raises(FetchError, match=r"^only http and https URLs can be fetched$"):
        fetcher.fetch(server.url("/go"))


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/feed.xml", "only http and https URLs can be fetched"),
        ("file:///etc/passwd", "only http and https URLs can be fetched"),
        ("javascript:alert(1)", "only http and https URLs can be fetched"),
        ("data:text/html,<p>hi</p>", "only http and https URLs can be fetched"),
        ("example.com/feed.xml", "only http and https URLs can be fetched"),
        ("http:///feed.xml", "the URL has no host"),
        ("http://user:secret@example.com/feed.xml", "URLs with credentials cannot be fetched"),
        ("http://[::1/feed.xml", "not a valid URL"),
    ],
)
def test_urls_that_cannot_be_fetched_are_refused_with_a_reason(guarded: HttpFetcher, url: str, reason: str) -> None:
    with pytest.raises(FetchError) as refused:
        guarded.fetch(url)
    assert str(refused.value) == reason


def test_an_unsupported_content_type_is_refused(server: LocalServer, fetcher: HttpFetcher) -> None:
    server.routes["/logo"] = (200, {"Content-Type": "image/png"}, b"\x89PNG")

    with pytest.raises(FetchError, match=r"^unsupported content type image/png$"):
        fetcher.fetch(server.url("/logo"))


def test_a_declared_length_over_the_limit_is_refused_without_reading(server: LocalServer, fetcher: HttpFetcher) -> None:
    # The server declares 10 GiB and sends nothing: only the header can tell.
    server.routes["/huge"] = (200, {"Content-Type": "text/html", "Content-Length": str(10 << 30)}, b"")

    with pytest.raises(FetchError) as refused:
        fetcher.fetch(server.url("/huge"))
    assert str(refused.value) == "the response is larger than 5 MiB"


def test_a_chunked_body_is_cut_off_once_over_the_limit(server: LocalServer) -> None:
    server.routes["/stream"] = (200, {"Content-Type": "text/plain"}, Chunked([b"x" * 1000] * 50))

    with HttpFetcher(allow_private=True, max_bytes=16 * 1024) as fetcher, pytest.raises(FetchError) as refused:
        fetcher.fetch(server.url("/stream"))
    assert str(refused.value) == "the response is larger than 16 KiB"


def test_a_gzip_bomb_is_cut_off_once_its_decompressed_size_is_over_the_limit(server: LocalServer) -> None:
    bomb = gzip.compress(b"\0" * (50 << 20))
    assert len(bomb) < 64 * 1024
    server.routes["/bomb"] = (200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, bomb)

    with HttpFetcher(allow_private=True, max_bytes=64 * 1024) as fetcher, pytest.raises(FetchError) as refused:
        fetcher.fetch(server.url("/bomb"))
    assert str(refused.value) == "the response is larger than 64 KiB"


def test_a_server_that_trickles_for_ever_is_given_up_on(server: LocalServer) -> None:
    server.routes["/slow"] = (200, {"Content-Type": "text/html"}, trickle(b".", interval=0.1))

    started = time.monotonic()
    with HttpFetcher(allow_private=True, timeout=0.5) as fetcher, pytest.raises(FetchError) as refused:
        fetcher.fetch(server.url("/slow"))

    assert str(refused.value) == "timed out after 0.5 s"
    assert time.monotonic() - started < 1.0


def test_a_closed_port_cannot_be_connected_to(fetcher: HttpFetcher) -> None:
    with pytest.raises(FetchError, match=r"^could not connect: connection refused$"):
        fetcher.fetch(f"http://127.0.0.1:{closed_port()}/")


def test_an_unknown_host_is_not_found(guarded: HttpFetcher) -> None:
    with pytest.raises(FetchError, match=r"^host not found$"):
        guarded.fetch("http://no-such-host.invalid/")


# Private addresses


def test_a_loopback_address_is_refused_before_any_request_is_sent(server: LocalServer, guarded: HttpFetcher) -> None:
    server.routes["/feed"] = (200, {"Content-Type": "application/rss+xml"}, RSS)

    with pytest.raises(FetchError, match=r"^refusing to fetch a private address \(127\.0\.0\.1\)$"):
        guarded.fetch(server.url("/feed"))
    assert server.requests == []


def test_a_name_that_resolves_to_loopback_is_refused(server: LocalServer, guarded: HttpFetcher) -> None:
    server.routes["/feed"] = (200, {"Content-Type": "application/rss+xml"}, RSS)

    with pytest.raises(FetchError, match=r"^refusing to fetch a private address \("):
        guarded.fetch(f"http://localhost:{server.port}/feed")
    assert server.requests == []


def test_a_redirect_to_a_private_address_is_refused(
    server: LocalServer, guarded: HttpFetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Let the server's own address pass as public, so the first hop is allowed.
    monkeypatch.setattr(addresses, "is_public_address", lambda address: address == "127.0.0.1")
    server.routes["/go"] = redirect(f"http://127.0.0.2:{server.port}/admin")

    with pytest.raises(FetchError, match=r"^refusing to fetch a private address \(127\.0\.0\.2\)$"):
        guarded.fetch(server.url("/go"))
    assert [r.path for r in server.requests] == ["/go"]


def test_a_host_is_connected_to_at_the_address_that_was_checked(
    server: LocalServer, fetcher: HttpFetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A rebinding name: the first answer is the server, every later one elsewhere.
    # The fetch succeeds only if the connection goes to the answer that was vetted.
    fake_dns(monkeypatch, "feeds.example", "127.0.0.1", "192.0.2.1")
    server.routes["/feed"] = (200, {"Content-Type": "application/rss+xml"}, RSS)

    fetched = fetcher.fetch(f"http://feeds.example:{server.port}/feed")

    assert fetched.content == RSS
    assert server.requests[0].headers.get("Host") == f"feeds.example:{server.port}"


def test_https_checks_the_certificate_against_the_hostname_not_the_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = self_signed_certificate(tmp_path, "secure.example")
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    names: list[str | None] = []
    server_context.sni_callback = lambda _socket, name, _context: names.append(name)
    monkeypatch.setattr(httpx, "create_ssl_context", lambda **_: ssl.create_default_context(cafile=cert))
    fake_dns(monkeypatch, "secure.example", "127.0.0.1")

    with serve({"/feed": (200, {"Content-Type": "application/rss+xml"}, RSS)}, ssl_context=server_context) as server:
        with HttpFetcher(allow_private=True, timeout=5) as fetcher:
            fetched = fetcher.fetch(f"https://secure.example:{server.port}/feed")
            with pytest.raises(FetchError, match=r"^could not connect: certificate verify failed: "):
                fetcher.fetch(server.url("/feed"))  # the same server, by address

    assert fetched.content == RSS
    assert names[0] == "secure.example"


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.1.2.3",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "100.64.0.1",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.1",
        "198.18.0.1",
        "::1",
        "::",
        "fe80::1",
        "fe80::1%1",
        "fc00::1",
        "fd12:3456::1",
        "fec0::1",
        "ff02::1",
        "2001:db8::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "::127.0.0.1",
        "64:ff9b::a9fe:a9fe",
        "2002:7f00:1::1",
    ],
)
def test_non_public_addresses_are_not_public(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"],
)
def test_public_addresses_are_public(address: str) -> None:
    assert is_public_address(address)


# The simple fetcher


def test_the_static_fetcher_answers_from_its_dict_and_records_requests() -> None:
    page = Fetched(
        url="https://example.com/post",
        status=200,
        content=b"<p>hi</p>",
        content_type="text/html",
        charset="utf-8",
        etag='"1"',
        last_modified=None,
    )
    fetcher = StaticFetcher({page.url: page, "https://example.com/down": FetchError("the server answered HTTP 503")})

    assert fetcher.fetch(page.url, etag='"0"') is page
    with pytest.raises(FetchError, match="HTTP 503"):
        fetcher.fetch("https://example.com/down")
    with pytest.raises(FetchError, match=r"^not found \(HTTP 404\)$"):
        fetcher.fetch("https://example.com/other", last_modified=LAST_MODIFIED)
    assert fetcher.requests == [
        FetchRequest(url=page.url, etag='"0"', last_modified=None),
        FetchRequest(url="https://example.com/down", etag=None, last_modified=None),
        FetchRequest(url="https://example.com/other", etag=None, last_modified=LAST_MODIFIED),
    ]
