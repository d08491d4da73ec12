"""Who is asking: the session cookie (with its CSRF token) or a bearer token."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import Response

from forum.accounts.models import User
from forum.accounts.services import SESSION_LIFETIME, user_for_api_token, user_for_session

COOKIE = "forum_session"


@dataclass(slots=True)
class Browser:
    """What the session cookie holds: a login token (if logged in) and the CSRF token."""

    csrf: str
    token: str | None = None
    dirty: bool = field(default=False, compare=False)


def _serializer(request: Request) -> URLSafeSerializer:
    return request.app.state.cookie_serializer


def browser(request: Request) -> Browser:
    """The browser's cookie state, made on first use; saved by `save_browser`."""
    cached = getattr(request.state, "browser", None)
    if cached is not None:
        return cached
    raw = request.cookies.get(COOKIE)
    state: Browser | None = None
    if raw:
        try:
            data = _serializer(request).loads(raw)
            if isinstance(data, dict) and isinstance(data.get("c"), str):
                token = data.get("t")
                state = Browser(csrf=data["c"], token=token if isinstance(token, str) else None)
        except BadSignature:
            state = None
    if state is None:
        state = Browser(csrf=secrets.token_urlsafe(24), dirty=True)
    request.state.browser = state
    return state


def has_cookie(request: Request) -> bool:
    return COOKIE in request.cookies


def save_browser(request: Request, response: Response) -> None:
    state = getattr(request.state, "browser", None)
    if state is None or not state.dirty:
        return
    settings = request.app.state.settings
    response.set_cookie(
        COOKIE,
        _serializer(request).dumps({"c": state.csrf, "t": state.token}),
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


def log_in_browser(request: Request, token: str) -> None:
    """A fresh CSRF token with every login, so one seen before login is useless after."""
    request.state.browser = Browser(csrf=secrets.token_urlsafe(24), token=token, dirty=True)
    request.state.viewer = None


def log_out_browser(request: Request) -> None:
    request.state.browser = Browser(csrf=secrets.token_urlsafe(24), dirty=True)
    request.state.viewer = None


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def load_viewer(request: Request) -> User | None:
    """The logged-in user, read once per request (runs in a worker thread)."""
    if getattr(request.state, "viewer", None) is not None:
        return request.state.viewer
    db = request.app.state.db
    user: User | None = None
    token = bearer_token(request)
    if token is not None:
        with db.read() as session:
            # An embedded frame's session ("fe_…", see embed/services.py) is a
            # login session; anything else is an API token.
            user = user_for_session(session, token) if token.startswith("fe_") else user_for_api_token(session, token)
    elif has_cookie(request):
        state = browser(request)
        if state.token:
            with db.read() as session:
                user = user_for_session(session, state.token)
            if user is None:
                # Expired or logged out elsewhere: forget the dead token.
                state.token = None
                state.dirty = True
    if user is not None and user.is_suspended():
        user = None  # a suspended account is logged out everywhere, tokens included
    request.state.viewer = user
    return user
