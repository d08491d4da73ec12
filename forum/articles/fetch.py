"""Reading pages and feeds from the web, safely, for URLs that users give us.

`HttpFetcher` is the real fetcher; `StaticFetcher` answers from a dict, for
tests and tools. Either raises `FetchError` with one line saying why a URL
could not be read.

The URLs come from users, so the fetcher must not become a way into the
machine's own network (SSRF): only http and https, no credentials, and
unless `allow_private` every address a host resolves to must be a public
one, on the first request and on every redirect hop. The check is made
where the socket is opened (see `addresses`): the name is resolved
once, its addresses are vetted, and the connection goes to one of those
very addresses, while the Host header and TLS SNI keep the hostname. So a
name that answers a public address to the check and a private one to the
connection (DNS rebinding) gains nothing: there is no second lookup.

Bodies are bounded: a Content-Length above `max_bytes` is refused before
reading, a body is read in chunks and abandoned as soon as it passes the
limit (after decompression, so a small gzip bomb cannot grow in memory),
and the whole fetch, redirects included, has one deadline.
"""

from __future__ import annotations

import ssl
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType
from typing import Protocol

import httpx

from forum.articles.addresses import FetchError, VettingTransport, is_public_address

__all__ = [
    "ALLOWED_TYPES", "FetchError", "FetchRequest", "Fetched", "Fetcher", "HttpFetcher", "StaticFetcher", "check_url",
    "is_public_address",
]

ALLOWED_TYPES: frozenset[str] = frozenset(
    {"text/html", "application/xhtml+xml", "text/plain", "text/markdown"}
    | {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml"}
)

_ACCEPT = (
    "text/html, application/xhtml+xml, application/rss+xml, application/atom+xml, "
    "application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, text/markdown;q=0.8, text/plain;q=0.8"
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str  # the final URL, after redirects
    status: int  # 200, or 304 when the conditional request says unchanged
    content: bytes  # b"" for 304
    content_type: str | None  # the media type alone, lower case: "application/rss+xml"
    charset: str | None  # from the Content-Type header, lower case
    etag: str | None
    last_modified: str | None


class Fetcher(Protocol):
    def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """Fetch `url`, conditionally when a validator is given; raise FetchError."""
        ...


class HttpFetcher:
    """Fetches over the network with httpx, within the limits above."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        timeout: float = 10.0,
        max_bytes: int = 5 * 1024 * 1024,
        max_redirects: int = 5,
        user_agent: str = "forum-article-importer/0.1 (+https://github.com/)",
    ) -> None:
        self.allow_private = allow_private
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self._client = httpx.Client(
            transport=VettingTransport(allow_private=allow_private),
            follow_redirects=False,
            # No proxies or .netrc from the environment: a proxy would make the
            # connection (and so the address check) about the proxy instead.
            trust_env=False,
            # No cookies: a site must not leave state that a later fetch, made
            # for another user, would carry back to it.
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
            headers={"User-Agent": user_agent, "Accept": _ACCEPT, "Accept-Encoding": "gzip, deflate"},
        )

    def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        deadline = time.monotonic() + self.timeout
        headers: dict[str, str] = {}
        if etag is not None:
            headers["If-None-Match"] = etag
        if last_modified is not None:
            headers["If-Modified-Since"] = last_modified
        target = check_url(url)
        try:
            for _ in range(self.max_redirects + 1):
                request = self._client.build_request("GET", target, headers=headers, timeout=self._left(deadline))
                response = self._client.send(request, stream=True)
                try:
                    location = _redirect_location(response)
                    if location is None:
                        return self._result(response, deadline, etag=etag, last_modified=last_modified)
                finally:
                    response.close()
                target = check_url(location)
        except httpx.TimeoutException:
            raise self._timed_out() from None
        except httpx.ConnectError as exc:
            raise FetchError(f"could not connect: {_cause(exc)}") from None
        except httpx.RemoteProtocolError:
            raise FetchError("the server sent a broken HTTP response") from None
        except httpx.TransportError as exc:
            raise FetchError(f"the connection failed: {_cause(exc)}") from None
        raise FetchError(f"more than {self.max_redirects} redirects")

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpFetcher:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def _result(
        self, response: httpx.Response, deadline: float, *, etag: str | None, last_modified: str | None
    ) -> Fetched:
        status = response.status_code
        content_type, charset = _media_type(response.headers.get("Content-Type"))
        if status == 304:
            # A 304 may leave out validators that still hold; keep the ones sent.
            return Fetched(
                url=str(response.url),
                status=304,
                content=b"",
                content_type=content_type,
                charset=charset,
                etag=response.headers.get("ETag", etag),
                last_modified=response.headers.get("Last-Modified", last_modified),
            )
        if status == 404:
            raise FetchError("not found (HTTP 404)")
        if status != 200:
            raise FetchError(f"the server answered HTTP {status}")
        # A missing type is let through: the importer sniffs the content.
        if content_type is not None and content_type not in ALLOWED_TYPES:
            raise FetchError(f"unsupported content type {content_type}")
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            raise self._too_large()
        return Fetched(
            url=str(response.url),
            status=200,
            content=self._read(response, deadline),
            content_type=content_type,
            charset=charset,
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
        )

    def _read(self, response: httpx.Response, deadline: float) -> bytes:
        """The decoded body, read chunk by chunk within the size limit and the deadline.

        Each read waits at most the time that was left when the request was
        sent, so a server that trickles bytes is given up on within about
        twice the timeout at worst.
        """
        decoder = _decoder(response.headers.get("Content-Encoding"))
        body = bytearray()
        try:
            for chunk in response.iter_raw():
                # Asking for one byte more than the room left is enough to tell "too large".
                body += decoder.decompress(chunk, self.max_bytes - len(body) + 1)
                if len(body) > self.max_bytes:
                    raise self._too_large()
                if time.monotonic() > deadline:
                    raise self._timed_out()
            body += decoder.flush(self.max_bytes - len(body) + 1)
        except zlib.error:
            raise FetchError("the response could not be decompressed") from None
        if len(body) > self.max_bytes:
            raise self._too_large()
        return bytes(body)

    def _left(self, deadline: float) -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise self._timed_out()
        return left

    def _timed_out(self) -> FetchError:
        return FetchError(f"timed out after {self.timeout:g} s")

    def _too_large(self) -> FetchError:
        return FetchError(f"the response is larger than {_size(self.max_bytes)}")


@dataclass(frozen=True, slots=True)
class FetchRequest:
    url: str
    etag: str | None
    last_modified: str | None


class StaticFetcher:
    """Answers from a dict of URL -> `Fetched` or `FetchError`, and records what it was asked.

    A URL that is not in the dict is "not found (HTTP 404)", as on the web.
    """

    def __init__(self, responses: Mapping[str, Fetched | FetchError] | None = None) -> None:
        self.responses: dict[str, Fetched | FetchError] = dict(responses or {})
        self.requests: list[FetchRequest] = []

    def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        self.requests.append(FetchRequest(url=url, etag=etag, last_modified=last_modified))
        answer = self.responses.get(url, FetchError("not found (HTTP 404)"))
        if isinstance(answer, FetchError):
            raise answer
        return answer


def check_url(url: str) -> httpx.URL:
    """The URL, parsed, if it may be fetched at all (its address is checked on connecting)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise FetchError("not a valid URL") from None
    if parsed.scheme not in ("http", "https"):
        raise FetchError("only http and https URLs can be fetched")
    if not parsed.host:
        raise FetchError("the URL has no host")
    if parsed.userinfo:
        raise FetchError("URLs with credentials cannot be fetched")
    return parsed


def _redirect_location(response: httpx.Response) -> str | None:
    """The absolute URL a redirect points to, or None when the response is not a redirect."""
    if response.status_code not in _REDIRECTS:
        return None
    location = response.headers.get("Location")
    if not location:
        raise FetchError(f"the server answered HTTP {response.status_code} without a Location")
    try:
        return str(response.url.join(location))
    except (httpx.InvalidURL, ValueError):
        raise FetchError("the server redirected to an invalid URL") from None


def _media_type(header: str | None) -> tuple[str | None, str | None]:
    """("text/html", "utf-8") from "text/html; charset=UTF-8"."""
    if not header:
        return None, None
    media_type, *params = header.split(";")
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'").lower() or None
    return media_type.strip().lower() or None, charset


class _Decoder(Protocol):
    def decompress(self, data: bytes, max_length: int, /) -> bytes: ...

    def flush(self, length: int, /) -> bytes: ...


class _Identity:
    def decompress(self, data: bytes, max_length: int, /) -> bytes:
        return data

    def flush(self, length: int, /) -> bytes:
        return b""


def _decoder(encoding: str | None) -> _Decoder:
    encoding = (encoding or "identity").strip().lower()
    if encoding == "identity":
        return _Identity()
    if encoding in ("gzip", "x-gzip", "deflate"):
        # 32 + MAX_WBITS reads either a gzip or a zlib header.
        return zlib.decompressobj(32 + zlib.MAX_WBITS)
    raise FetchError(f"unsupported content encoding {encoding}")


def _cause(exc: BaseException) -> str:
    """The innermost OS or TLS reason behind an httpx error, in a few lower-case words."""
    # httpx chains its error to httpcore's, and that one to the socket's
    # (as the cause or, from httpcore's context managers, as the context).
    while (inner := exc.__cause__ or exc.__context__) is not None:
        exc = inner
    if isinstance(exc, ssl.SSLCertVerificationError) and exc.verify_message:
        return f"certificate verify failed: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return f"TLS error: {exc.reason.lower().replace('_', ' ')}"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    reason = " ".join(str(exc).split())
    return reason or type(exc).__name__


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale} {unit}"
    return f"{n} bytes"
