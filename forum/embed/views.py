"""The widget's frame (/embed/thread), the pop-up login that hands a frame its session,
and the admins' list of sites allowed to embed (/mod/embeds)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from forum import ratelimit
from forum.accounts.models import User
from forum.accounts.permissions import can_admin, takes_comments
from forum.boards.cache import ThreadCache
from forum.boards.queries import get_thread_view, list_boards
from forum.boards.views import comments_html
from forum.embed.origins import AllowedOrigin, allowed_origins, normalise_origin, site_origin
from forum.embed.services import (
    add_origin,
    create_thread_for_page,
    draft_for_page,
    issue_handoff,
    page_url,
    remove_origin,
    thread_id_for_page,
)
from forum.errors import ForumError, NotFound
from forum.pillars.reach import record_sighting, sighting_due, sighting_page
from forum.templating import render
from forum.web import client_key, page, redirect, retry_headers

THEMES = {"light", "dark", "auto"}
_WIDGET = re.compile(r"[A-Za-z0-9_-]{1,40}")
_SLUG = re.compile(r"[a-z]{1,40}")
NOT_HERE = "There is no such page."


def host_origin(request: Request) -> str | None:
    """The site the frame is on. The browser's Referer says it (by default it
    carries at least the origin across sites); a page that sends no referrer
    is taken at the word of embed.js's `host` parameter. Either way, the frame
    can only be displayed there if CSP frame-ancestors allows that site."""
    referer = request.headers.get("referer")
    origin = normalise_origin(referer) if referer else None
    return origin or normalise_origin(request.query_params.get("host", ""))


def _refusal(request: Request, message: str, *, status_code: int, headers: dict[str, str] | None = None) -> Response:
    # Shown inside the frame on whatever site asked, so it may be framed
    # anywhere; it offers nothing but the message.
    response = render(request, "embed/refused.html", {"reason": message}, status_code=status_code, headers=headers, csp=False)
    response.headers["content-security-policy"] = (
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors *"
    )
    return response


async def embed_thread_page(request: Request) -> Response:
    return await run_in_threadpool(_embed_thread, request)


def _embed_thread(request: Request) -> Response:
    app = request.app.state
    settings = app.settings
    params = request.query_params
    request.state.viewer = None  # the frame is read as a guest; a reader logs in through the pop-up
    site = site_origin(settings)
    host = host_origin(request)
    with app.db.read() as session:
        allowed = allowed_origins(session, settings)
    site_entry = allowed.get(host) if host else None
    if host is None or (site_entry is None and host != site):
        where = host or "this page"
        return _refusal(request, f"{where} is not allowed to embed discussions from this forum.", status_code=403)
    try:
        thread_id = _thread_for(request, allowed, site_entry)
        with app.db.read() as session:
            view = get_thread_view(session, None, thread_id)
    except ForumError as exc:
        return _refusal(request, exc.message, status_code=exc.status_code, headers=retry_headers(exc))
    _record_sighting(request, view.thread.id, host)  # type: ignore[arg-type]
    cache: ThreadCache = app.thread_cache
    entry = cache.confirm(view.thread.id, view.thread.revision, cache.ticket())  # type: ignore[arg-type]
    theme = params.get("theme", "auto")
    widget = params.get("widget", "")
    return render(
        request,
        "embed/thread.html",
        {
            "view": view,
            "comments_html": comments_html(request, view, None, entry),
            "open": takes_comments(view.thread),
            "theme": theme if theme in THEMES else "auto",
            "host": host,
            "widget": widget if _WIDGET.fullmatch(widget) else "",
        },
        frame_ancestors=" ".join(["'self'", *sorted(allowed)]),
    )


def _record_sighting(request: Request, thread_id: int, host: str) -> None:
    """Harness reach: note the outside page this frame is on. The page is the
    `url` the snippet named when it is on the embedding site itself, else the
    Referer (often only the origin, by browsers' default policy), else the
    site; the forum's own pages are not outside reach."""
    app = request.app.state
    if host == site_origin(app.settings):
        return
    named = sighting_page(request.query_params.get("url"))
    referred = sighting_page(request.headers.get("referer"))
    if named is not None and normalise_origin(named) == host:
        where = named
    elif referred is not None and normalise_origin(referred) == host:
        where = referred
    else:
        where = host + "/"
    with app.db.read() as session:
        due = sighting_due(session, thread_id=thread_id, page=where)
    if due:
        with app.db.write() as session:
            record_sighting(session, thread_id=thread_id, page=where)


def _thread_for(request: Request, allowed: dict[str, AllowedOrigin], site_entry: AllowedOrigin | None) -> int:
    app = request.app.state
    params = request.query_params
    bound = params.get("thread", "")
    if bound:
        if not bound.isdigit() or len(bound) > 18:
            raise NotFound("That thread does not exist.")
        return int(bound)
    url = page_url(params.get("url", ""))
    page_origin = normalise_origin(url)
    if page_origin not in allowed and page_origin != site_origin(app.settings):
        raise NotFound(f"{page_origin} is not allowed to embed discussions from this forum.")
    with app.db.read() as session:
        existing = thread_id_for_page(session, url)
    if existing is not None:
        return existing
    ratelimit.hit_embed_thread(app.rate_limiter, client_key(request))
    board = params.get("board", "")
    board_slug = board if _SLUG.fullmatch(board) else None
    if board_slug is None and site_entry is not None:
        board_slug = site_entry.board_slug
    if board_slug is not None:
        with app.db.read() as session:
            if board_slug not in {b.slug for b in list_boards(session)}:
                board_slug = None
    fetcher = app.make_fetcher()
    try:
        draft = draft_for_page(url, title=params.get("title"), fetcher=fetcher)
    finally:
        close = getattr(fetcher, "close", None)
        if close is not None:
            close()
    return create_thread_for_page(app.db, draft, board_slug=board_slug)


# The pop-up login ------------------------------------------------------------


@page
def embed_login_page(request: Request, form: FormData | None) -> Response:
    """Opened by a frame: log in here (first-party, so the cookie works), then
    confirm, and the frame is handed a single-use token through postMessage."""
    viewer: User | None = request.state.viewer
    app = request.app.state
    raw_host = request.query_params.get("host", "") if form is None else str(form.get("host") or "")
    host = normalise_origin(raw_host)
    with app.db.read() as session:
        allowed = allowed_origins(session, app.settings)
    if host is None or (host not in allowed and host != site_origin(app.settings)):
        return render(request, "embed/login.html", {"host": raw_host, "refused": True}, status_code=403)
    if viewer is None:
        return redirect("/login?" + urlencode({"next": "/embed/login?" + urlencode({"host": host})}))
    if form is None:
        return render(request, "embed/login.html", {"host": host, "refused": False})
    with app.db.write() as session:
        token = issue_handoff(session, user=viewer, host_origin=host)
    return render(request, "embed/handoff.html", {"host": host, "token": token})


# Admins: the sites allowed to embed ---------------------------------------------


def _admin(request: Request) -> User:
    viewer: User | None = request.state.viewer
    if not can_admin(viewer):
        raise NotFound(NOT_HERE)
    assert viewer is not None
    return viewer


def _origins_response(request: Request, *, error: str | None = None, status_code: int = 200,
                      entry: dict[str, str] | None = None) -> Response:
    app = request.app.state
    with app.db.read() as session:
        origins = sorted(allowed_origins(session, app.settings).values(), key=lambda o: o.origin)
        boards = list_boards(session)
    context = {"origins": origins, "boards": boards, "error": error, "entry": entry or {}, "site": site_origin(app.settings)}
    return render(request, "embed/origins.html", context, status_code=status_code)


@page
def embeds_page(request: Request, form: FormData | None) -> Response:
    viewer = _admin(request)
    if form is None:
        return _origins_response(request)
    entry = {"origin": str(form.get("origin") or ""), "board": str(form.get("board") or "")}
    try:
        with request.app.state.db.write() as session:
            add_origin(session, actor=viewer, origin=entry["origin"], board_slug=entry["board"] or None)
    except ForumError as exc:
        return _origins_response(request, error=exc.message, status_code=exc.status_code, entry=entry)
    return redirect("/mod/embeds")


@page
def remove_embed_page(request: Request, form: FormData | None) -> Response:
    viewer = _admin(request)
    with request.app.state.db.write() as session:
        remove_origin(session, actor=viewer, origin_id=request.path_params["origin_id"])
    return redirect("/mod/embeds")
