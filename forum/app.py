"""create_app(settings): builds everything; nothing connects at import time."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from itsdangerous import URLSafeSerializer
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from forum.articles.fetch import HttpFetcher
from forum.articles.poller import FeedPoller
from forum.boards.cache import ThreadCache
from forum.live.hub import make_hub
from forum.live.rooms import Relay
from forum.db import Database, utcnow
from forum.errors import ForumError
from forum.middleware import RequestMiddleware
from forum.openapi import build_openapi
from forum.rally.live import ConveningRoute
from forum.rally.services import NOTICE_KEY as CONVENING_NOTICE
from forum.ratelimit import make_rate_limiter
from forum.routes import build_routes
from forum.moderation.policy import Policy
from forum.settings import Settings
from forum.templating import make_environment, render
from forum.web import describe_http_exception, is_api, json_error, retry_headers

log = logging.getLogger("forum")

_TITLES = {
    400: "That request could not be read",
    401: "Please log in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed here",
    409: "Already taken",
    413: "Too large",
    415: "Unsupported content",
    422: "Please check what you entered",
    429: "Slow down",
    500: "Something went wrong",
}


def _error_page(request: Request, status_code: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    return render(
        request,
        "errors/error.html",
        {"title": _TITLES.get(status_code, "Error"), "detail": detail, "status_code": status_code},
        status_code=status_code,
        headers=headers,
    )


async def _forum_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ForumError)
    headers = retry_headers(exc)
    if is_api(request):
        return json_error(exc.status_code, exc.code, exc.message, headers)
    return _error_page(request, exc.status_code, exc.message, headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code, message = describe_http_exception(exc)
    if is_api(request):
        return json_error(exc.status_code, code, message, dict(exc.headers or {}))
    return _error_page(request, exc.status_code, message, dict(exc.headers or {}))


async def _server_error(request: Request, exc: Exception) -> Response:
    request_id = request.scope.get("forum.request_id", "-")
    log.exception("unhandled error id=%s %s %s", request_id, request.method, request.url.path, exc_info=exc)
    message = f"Something went wrong on our side (reference {request_id})."
    # This handler runs outside the request middleware, so it names the id itself.
    headers = {"x-request-id": request_id}
    if is_api(request):
        return json_error(500, "server_error", message, headers)
    try:
        return _error_page(request, 500, message, headers)
    except Exception:
        return Response(message, status_code=500, media_type="text/plain", headers=headers)


def create_app(settings: Settings, *, database: Database | None = None) -> Starlette:
    db = database or Database(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        poller = None
        if settings.feed_poll_seconds > 0:
            poller = FeedPoller(db, interval=settings.feed_poll_seconds, make_fetcher=app.state.make_fetcher)
            poller.start()
        app.state.feed_poller = poller
        await app.state.relay.start()
        try:
            yield
        finally:
            await app.state.relay.stop()
            if poller is not None:
                await poller.stop()
            app.state.rate_limiter.close()
            if database is None:
                db.dispose()

    app = Starlette(
        debug=False,
        routes=build_routes(),
        middleware=[Middleware(RequestMiddleware, max_body_bytes=settings.max_body_bytes)],
        exception_handlers={
            ForumError: _forum_error,
            HTTPException: _http_error,
            Exception: _server_error,
        },
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    # "Now" for convenings and the comments posted during them; tests set a fake clock here.
    app.state.clock = utcnow
    app.state.templates = make_environment()
    app.state.thread_cache = ThreadCache(max_bytes=settings.page_cache_mb * 1024 * 1024, ttl=settings.page_cache_seconds)
    db.on_commit(app.state.thread_cache.invalidate)
    app.state.relay = Relay(db, make_hub(settings.broadcast_url), app.state.templates, app.state.thread_cache)
    app.state.relay.add_route(CONVENING_NOTICE, ConveningRoute(app.state.relay, lambda: app.state.clock()))
    app.state.rate_limiter = make_rate_limiter(settings)
    app.state.policy = Policy.from_settings(settings)
    app.state.cookie_serializer = URLSafeSerializer(settings.resolved_secret_key(), salt="forum.session")
    app.state.openapi = build_openapi(settings.base_url)
    app.state.make_fetcher = lambda: HttpFetcher(allow_private=settings.fetch_allow_private)
    return app
