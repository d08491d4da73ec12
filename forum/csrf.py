"""CSRF protection for forms and cookie-authenticated API calls.

Every browser gets a random token inside its signed session cookie. A form
carries it in a hidden `csrf_token` field, an API call in `X-CSRF-Token`. A
cross-site page can make the browser send the cookie but cannot read it, so it
cannot supply the matching token. The Origin header, when present, must also
be this site's own.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from starlette.requests import Request

from forum.errors import ForumError

FIELD = "csrf_token"
HEADER = "x-csrf-token"


class CsrfFailed(ForumError):
    status_code = 403
    code = "csrf_failed"


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_origin(request: Request, base_url: str) -> None:
    origin = request.headers.get("origin")
    if not origin:
        return
    allowed = {_origin_of(base_url), _origin_of(str(request.base_url))}
    if origin.lower().rstrip("/") not in allowed:
        raise CsrfFailed("This request came from another site and was refused.")


def check_token(expected: str | None, supplied: str | None) -> None:
    if not expected or not supplied or not hmac.compare_digest(expected.encode(), supplied.encode()):
        raise CsrfFailed(
            "The form had expired or came from elsewhere. Reload the page and try again."
        )
