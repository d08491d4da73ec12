"""The boards, a board's threads, a thread's page, starting a thread, search."""

from __future__ import annotations

from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from forum import ratelimit
from forum.accounts.models import User
from forum.accounts.permissions import can_comment, can_moderate, can_schedule_convening
from forum.accounts.services import silence_message
from forum.boards.cache import Entry, ThreadCache
from forum.boards.queries import ThreadView, board_threads, get_board, get_thread_view, list_boards, search_threads
from forum.boards.services import create_thread
from forum.comments.queries import thread_comments
from forum.comments.render import render_tree
from forum.errors import ForumError, InvalidInput
from forum.moderation.thread_page import FLAG_RECEIVED, thread_moderation
from forum.pillars.boards import board_extras
from forum.pillars.queries import thread_pillars
from forum.rally.queries import schedule, thread_convenings
from forum.templating import render
from forum.web import client_key, is_anonymous, page, redirect, retry_headers


@page
def home_page(request: Request, form: FormData | None) -> Response:
    with request.app.state.db.read() as session:
        boards = list_boards(session)
    return render(request, "boards/index.html", {"boards": boards})


@page
def guidelines_page(request: Request, form: FormData | None) -> Response:
    return render(request, "boards/guidelines.html")


@page
def board_page(request: Request, form: FormData | None) -> Response:
    viewer = request.state.viewer
    cursor = request.query_params.get("cursor")
    with request.app.state.db.read() as session:
        board = get_board(session, request.path_params["slug"])
        threads = board_threads(session, viewer, board, cursor=cursor)
        pillar = board_extras(session, viewer, board, dict(request.query_params))
        # The Rally board lists its convenings: live now, upcoming, past.
        convenings = schedule(session, viewer, now=request.app.state.clock()) if board.slug == "rally" else None
    return render(request, "boards/board.html", {"board": board, "page": threads, "pillar": pillar, "convenings": convenings})


@page
def new_thread_page(request: Request, form: FormData | None) -> Response:
    viewer: User | None = request.state.viewer
    slug = request.path_params["slug"]
    if viewer is None:
        return redirect(f"/login?next=/b/{slug}/new")
    app = request.app.state
    with app.db.read() as session:
        board = get_board(session, slug)
    if form is None:
        return render(request, "threads/new.html", {"board": board, "draft": {"title": "", "body": ""}})
    title, body = form.get("title"), form.get("body")
    draft = {"title": title if isinstance(title, str) else "", "body": body if isinstance(body, str) else ""}
    try:
        ratelimit.hit_thread(app.rate_limiter, viewer, client_key(request))
        with app.db.write() as session:
            thread = create_thread(session, author=viewer, board_slug=slug, title=draft["title"], body=draft["body"], policy=request.app.state.policy)
    except ForumError as exc:
        return render(request, "threads/new.html", {"board": board, "draft": draft, "error": exc.message}, status_code=exc.status_code, headers=retry_headers(exc))
    return redirect(f"/t/{thread.id}/{thread.slug}")


def comments_html(request: Request, view: ThreadView, viewer: User | None, entry: Entry | None) -> Markup:
    """The rendered comment tree: from the thread cache for readers, fresh for moderators."""
    app = request.app.state
    thread = view.thread
    if entry is not None and entry.tree is not None:
        return entry.tree
    moderator = can_moderate(viewer, thread)
    with app.db.read() as session:
        comments = thread_comments(session, viewer, thread.id, public_only=not moderator)  # type: ignore[arg-type]
    html = render_tree(app.templates, comments, moderator_view=moderator)
    if entry is not None:
        app.thread_cache.store_tree(thread.id, entry, html)
    return html


def render_thread(
    request: Request,
    thread_id: int,
    *,
    draft: str = "",
    error: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    whole_page: bool = False,
    mod_error: str | None = None,
) -> Response:
    """The thread page. With `whole_page` (an anonymous GET), the page itself is
    cached for the thread's revision and served from there while it holds."""
    viewer: User | None = request.state.viewer
    cache: ThreadCache = request.app.state.thread_cache
    ticket = cache.ticket()
    with request.app.state.db.read() as session:
        view = get_thread_view(session, viewer, thread_id)
        moderation = thread_moderation(session, viewer, view.thread, request.app.state.policy.own_hosts)
        pillars = thread_pillars(session, viewer, view, request.app.state.settings.base_url)
        now = request.app.state.clock()
        convenings = thread_convenings(session, viewer, view.thread, now=now)
    thread = view.thread
    # Moderators see hidden and held comments: their tree is never shared.
    entry = None if can_moderate(viewer, thread) else cache.confirm(thread.id, thread.revision, ticket)  # type: ignore[arg-type]
    if whole_page and entry is not None and (page := entry.page_at(now)) is not None:
        return HTMLResponse(page)
    response = render(
        request,
        "threads/thread.html",
        {
            "view": view,
            "comments_html": comments_html(request, view, viewer, entry),
            "can_comment": can_comment(viewer, thread),
            "parent": None,
            "draft": draft,
            "error": error,
            "silence_notice": silence_message(viewer) if viewer is not None and viewer.is_silenced() else None,
            "moderation": moderation,
            "pillars": pillars,
            "mod_error": mod_error,
            "message": _message(request, viewer),
            "convenings": convenings,
            "live_convening": next((c for c in convenings if c.state == "live"), None),
            "can_convene": can_schedule_convening(viewer, thread),
        },
        status_code=status_code,
        headers=headers,
        csp=not whole_page,
    )
    if whole_page and entry is not None:
        # A convening that starts or ends by the clock changes the page with no write.
        until = min((c.changes_at for c in convenings if c.changes_at is not None), default=None)
        cache.store_page(thread.id, entry, response.body, until=until)
    return response


NOTE_SENT = "Your note was sent to the moderators with your comment."


def _message(request: Request, viewer: User | None) -> str | None:
    # Only a logged-in reader can have flagged or written a note: the page
    # cached for anonymous readers never carries these.
    if viewer is None:
        return None
    if request.query_params.get("flagged") == "1":
        return FLAG_RECEIVED
    if request.query_params.get("noted") == "1":
        return NOTE_SENT
    return None


async def thread_page(request: Request) -> Response:
    # The everyday read: a reader with no cookie gets the cached page with no
    # query and no hop to a worker thread, while the cache is fresh.
    if is_anonymous(request):
        page_bytes = request.app.state.thread_cache.fresh_page(request.path_params["thread_id"], request.app.state.clock())
        if page_bytes is not None:
            return HTMLResponse(page_bytes)
    return await _thread_page(request)


@page
def _thread_page(request: Request, form: FormData | None) -> Response:
    return render_thread(request, request.path_params["thread_id"], whole_page=is_anonymous(request))


@page
def search_page(request: Request, form: FormData | None) -> Response:
    query = request.query_params.get("q", "").strip()
    results: list = []
    error = None
    if query:
        try:
            with request.app.state.db.read() as session:
                results = search_threads(session, request.state.viewer, query)
        except InvalidInput as exc:
            error = exc.message
    return render(request, "search/results.html", {"query": query, "results": results, "error": error})
