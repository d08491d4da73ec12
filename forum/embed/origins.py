"""Which sites may embed threads: FORUM_EMBED_ORIGINS, and the ones admins add at /mod/embeds.

An origin is compared as a browser sends it in the Origin header: scheme,
host and port, lower case, no path and no trailing slash, the default port
left out. Matching is exact, never by substring: `https://blog.example.evil`
is not `https://blog.example`.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlmodel import Session

from forum.embed.models import EmbedOrigin
from forum.settings import Settings

_DEFAULT_PORTS = {"http": 80, "https": 443}
ORIGIN_MAX = 255


def normalise_origin(value: str) -> str | None:
    """scheme://host[:port] of an http(s) address (a bare origin or a page URL), or None."""
    value = value.strip()
    if not value or len(value) > 2048 or any(ch.isspace() for ch in value):
        return None
    try:
        parts = urlsplit(value)
        port = parts.port
        host = (parts.hostname or "").encode("idna").decode("ascii").lower()
    except (ValueError, UnicodeError):
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not host or parts.username or parts.password:
        return None
    if ":" in host:
        host = f"[{host}]"
    origin = f"{scheme}://{host}" if port in (None, _DEFAULT_PORTS[scheme]) else f"{scheme}://{host}:{port}"
    return origin if len(origin) <= ORIGIN_MAX else None


@dataclass(frozen=True, slots=True)
class AllowedOrigin:
    origin: str
    # The board threads for this site's pages are made on, unless the snippet names one.
    board_slug: str | None = None
    # The row's id when an admin added it at /mod/embeds (and may remove it
    # there); None for one set in FORUM_EMBED_ORIGINS.
    id: int | None = None


def allowed_origins(session: Session, settings: Settings) -> dict[str, AllowedOrigin]:
    allowed: dict[str, AllowedOrigin] = {}
    for raw in settings.embed_origin_list:
        origin = normalise_origin(raw)
        if origin:
            allowed[origin] = AllowedOrigin(origin)
    for row in session.scalars(select(EmbedOrigin)):
        allowed[row.origin] = AllowedOrigin(row.origin, row.board_slug, row.id)
    return allowed


def site_origin(settings: Settings) -> str:
    return normalise_origin(settings.base_url) or ""

