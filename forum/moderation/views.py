"""The moderators' pages under /mod: dashboard, review queue, audit log,
watched words and (for admins) board pre-moderation.

Each works without JavaScript: forms POST, then redirect. Anyone who is not a
moderator (or, for boards, an admin) gets the same 404 as a missing page.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from forum.accounts.auth import browser
from forum.accounts.models import User
from forum.accounts.permissions import can_admin, can_moderate, can_moderate_board
from forum.boards.queries import list_boards
from forum.errors import ForumError, InvalidInput, NotFound
from forum.moderation.boards import set_board_premoderation
from forum.moderation.models import FLAG_REASON_LABELS, WatchedAction
from forum.moderation.premoderation import REASON_LABELS
from forum.moderation.queries import LogFilters, audit_actions, list_audit_events, open_queue_counts, open_queue_total
from forum.moderation.queue import SORTS, claim_item, list_queue, resolve_item
from forum.moderation.words import add_watched_word, list_watched_words, remove_watched_word
from forum.templating import render
from forum.web import int_param, page, redirect

QUEUE_URL = "/mod/queue"
ITEM_ACTIONS = ("approve", "reject", "hide", "restore", "edit", "claim", "release")
NOT_HERE = "There is nothing at this address."


def _moderator(request: Request) -> User:
    viewer: User | None = request.state.viewer
    if viewer is None or not can_moderate(viewer):
        raise NotFound(NOT_HERE)
    return viewer


def _admin(request: Request) -> User:
    viewer: User | None = request.state.viewer
    if not can_admin(viewer):
        raise NotFound(NOT_HERE)
    assert viewer is not None
    return viewer


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def safe_next(value: str | None, default: str = QUEUE_URL) -> str:
    """A path on this site to go back to; anything else (another host, a scheme) is the default."""
    if not value or len(value) > 2000 or not value.startswith("/") or value.startswith("//"):
        return default
    if "\\" in value or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return default
    return value


def reason_label(code: str) -> str:
    return REASON_LABELS.get(code) or FLAG_REASON_LABELS.get(code) or code


# Dashboard ----------------------------------------------------------------


@page
def dashboard_page(request: Request, form: FormData | None) -> Response:
    viewer = _moderator(request)
    with request.app.state.db.read() as session:
        counts = open_queue_counts(session, viewer)
        total = open_queue_total(session, viewer)
    by_reason = sorted(((code, reason_label(code), n) for code, n in counts.items()), key=lambda r: (-r[2], r[1]))
    return render(request, "moderation/dashboard.html", {"total": total, "by_reason": by_reason, "is_admin": can_admin(viewer)})


# Review queue -------------------------------------------------------------


def _queue_filters(params: dict[str, str]) -> dict[str, str]:
    sort = params.get("sort") or "newest"
    if sort not in SORTS:
        raise InvalidInput("sort is newest or flags.", field="sort")
    return {"board": params.get("board", ""), "reason": params.get("reason", ""), "sort": sort}


def _queue_response(request: Request, viewer: User, filters: dict[str, str], *, error: str | None = None, status_code: int = 200) -> Response:
    with request.app.state.db.read() as session:
        entries = list_queue(session, viewer, board=filters["board"] or None, reason=filters["reason"] or None, sort=filters["sort"])
        boards = [b for b in list_boards(session) if can_moderate_board(viewer, b.id)]  # type: ignore[arg-type]
    query = urlencode({k: v for k, v in filters.items() if v and not (k == "sort" and v == "newest")})
    here = QUEUE_URL + ("?" + query if query else "")
    reasons = [*REASON_LABELS.items(), *((k, v) for k, v in FLAG_REASON_LABELS.items() if k not in REASON_LABELS)]
    return render(
        request,
        "moderation/queue.html",
        {
            "entries": entries,
            "filters": filters,
            "boards": boards,
            "reasons": reasons,
            "sorts": SORTS,
            "token": browser(request).csrf,
            "next_url": here,
            "error": error,
        },
        status_code=status_code,
    )


@page
def queue_page(request: Request, form: FormData | None) -> Response:
    viewer = _moderator(request)
    filters = _queue_filters(dict(request.query_params))
    return _queue_response(request, viewer, filters)


@page
def queue_action(request: Request, form: FormData | None) -> Response:
    viewer = _moderator(request)
    assert form is not None
    item_id: int = request.path_params["item_id"]
    action: str = request.path_params["action"]
    if action not in ITEM_ACTIONS:
        raise NotFound(NOT_HERE)
    back = safe_next(_text(form, "next"))
    try:
        with request.app.state.db.write() as session:
            if action in ("claim", "release"):
                claim_item(session, moderator=viewer, item_id=item_id, release=action == "release")
            else:
                body = _text(form, "body") if action == "edit" else None
                resolve_item(session, moderator=viewer, item_id=item_id, action=action, reason=_text(form, "reason"), body=body)
    except ForumError as exc:
        if isinstance(exc, NotFound):
            raise
        params = {k: v[-1] for k, v in parse_qs(urlsplit(back).query).items()} if back.startswith(QUEUE_URL) else {}
        try:
            filters = _queue_filters(params)
        except InvalidInput:
            filters = _queue_filters({})
        return _queue_response(request, viewer, filters, error=exc.message, status_code=exc.status_code)
    return redirect(back)


# Audit log ----------------------------------------------------------------


@page
def log_page(request: Request, form: FormData | None) -> Response:
    viewer = _moderator(request)
    params = request.query_params
    target_id = params.get("target_id") or None
    filters = LogFilters(
        actor=(params.get("actor") or "").strip(),
        action=(params.get("action") or "").strip(),
        target_type=(params.get("target_type") or "").strip(),
        target_id=int_param(target_id, "target_id", default=0, minimum=1) if target_id else None,
        before=int_param(params.get("before"), "before", default=0, minimum=1) if params.get("before") else None,
    )
    with request.app.state.db.read() as session:
        log = list_audit_events(session, viewer, filters)
        actions = audit_actions(session)
    kept = {"actor": filters.actor, "action": filters.action, "target_type": filters.target_type,
            "target_id": str(filters.target_id) if filters.target_id else ""}
    older = None
    if log.next_before is not None:
        older = "/mod/log?" + urlencode({**{k: v for k, v in kept.items() if v}, "before": log.next_before})
    return render(request, "moderation/log.html", {"log": log, "filters": kept, "actions": actions, "older": older})


# Watched words ------------------------------------------------------------


def _words_response(request: Request, *, error: str | None = None, status_code: int = 200, entry: dict[str, str] | None = None) -> Response:
    with request.app.state.db.read() as session:
        words = list_watched_words(session)
    return render(
        request,
        "moderation/words.html",
        {"words": words, "error": error, "entry": entry or {"pattern": "", "action": WatchedAction.HOLD}, "word_actions": list(WatchedAction)},
        status_code=status_code,
    )


@page
def words_page(request: Request, form: FormData | None) -> Response:
    viewer = _moderator(request)
    if form is None:
        return _words_response(request)
    entry = {"pattern": _text(form, "pattern"), "action": _text(form, "action")}
    try:
        with request.app.state.db.write() as session:
            add_watched_word(session, moderator=viewer, pattern=entry["pattern"], action=entry["action"])
    except ForumError as exc:
        return _words_response(request, error=exc.message, status_code=exc.status_code, entry=entry)
    return redirect("/mod/words")


@page
def remove_word_page(request: Request, form: FormData | None) -> Response:
    viewer = _moderator(request)
    with request.app.state.db.write() as session:
        remove_watched_word(session, moderator=viewer, word_id=request.path_params["word_id"])
    return redirect("/mod/words")


# Boards (admins) ----------------------------------------------------------


@page
def boards_page(request: Request, form: FormData | None) -> Response:
    viewer = _admin(request)
    if form is not None:
        with request.app.state.db.write() as session:
            set_board_premoderation(session, admin=viewer, board_slug=_text(form, "board"), on=_text(form, "premoderated") == "on")
        return redirect("/mod/boards")
    with request.app.state.db.read() as session:
        boards = list_boards(session)
    return render(request, "moderation/boards.html", {"boards": boards})
