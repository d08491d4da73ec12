"""Which addresses a fetch may connect to, checked where the socket is opened.

`is_public_address` says whether an IP address is on the public internet.
`VettingTransport` is the httpx transport that `HttpFetcher` uses: its
network backend resolves a hostname once, refuses it when any of its
addresses is not public (unless private ones are allowed), and connects to
those very addresses. `FetchError` is defined here, as the check raises it;
`fetch` re-exports it.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

import httpcore
import httpx

from forum.articles.drafts import SourceError


class FetchError(SourceError):
    """A URL could not be fetched; `str(exc)` says why, in one line."""


def is_public_address(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether an IP address is on the public internet: not loopback, private,
    link-local, shared (100.64/10), unspecified, multicast, reserved or documentation.

    An IPv6 address that carries an IPv4 one (IPv4-mapped ::ffff:a.b.c.d, NAT64
    64:ff9b::/96, 6to4 2002::/16) is judged by the IPv4 address it reaches too.
    """
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return is_public_address(ip.ipv4_mapped)
        if ip in _NAT64:
            return is_public_address(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.sixtofour is not None and not is_public_address(ip.sixtofour):
            return False
        if ip.is_site_local:
            return False
    special = ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_unspecified
    return ip.is_global and not (special or ip.is_multicast or ip.is_reserved)


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class _VettingBackend(httpcore.SyncBackend):
    """Opens connections only to addresses that passed the check.

    httpcore hands us the hostname; we resolve it once, refuse it when any of
    its addresses is not public (unless private ones are allowed), and connect
    to those same addresses. TLS is started afterwards by httpcore with the
    hostname as SNI, so certificates are still checked against the name.

    Name resolution itself is not bounded by the timeout (getaddrinfo cannot
    be interrupted); the system resolver's own timeouts apply to it.
    """

    def __init__(self, *, allow_private: bool) -> None:
        self.allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = _resolve(host, port)
        if not self.allow_private:
            for address in addresses:
                if not is_public_address(address):
                    raise FetchError(f"refusing to fetch a private address ({address})")
        error: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                error = exc
        assert error is not None
        raise error


class VettingTransport(httpx.HTTPTransport):
    """httpx's transport, connecting through `_VettingBackend`.

    HTTPTransport takes no network backend, so its connection pool (the
    `_pool` attribute, stable since httpx 0.18) is replaced by one built with
    ours. The tests that refuse "localhost" would fail if this stopped working.
    """

    def __init__(self, *, allow_private: bool) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=20,
            keepalive_expiry=5.0,
            network_backend=_VettingBackend(allow_private=allow_private),
        )


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise FetchError("host not found") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise FetchError("host not found")
    return addresses
