"""Flagging and moderating from the thread page, with plain forms.

Everything here works without JavaScript: a GET shows a form, its POST acts
and redirects back to the thread (POST, then redirect). Members flag comments
and threads; a moderator of the thread's board locks, closes, pins, moves,
hides, restores and deletes threads, and hides or restores comments, through
the same verbs the API and the queue call.
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from forum import ratelimit
from forum.accounts.models import User
from forum.accounts.permissions import can_moderate
from forum.boards.queries import get_thread, get_thread_view
from forum.boards.views import render_thread
from forum.comments.queries import get_comment_view
from forum.errors import Conflict, ForumError, InvalidInput, NotFound, PermissionDenied
from forum.moderation import actions
from forum.moderation.flags import flag, flags_by
from forum.moderation.models import FLAG_REASON_LABELS, FlagReason, TargetType
from forum.moderation.thread_page import FLAG_RECEIVED
from forum.templating import render
from forum.web import client_key, page, redirect, retry_headers

FLAG_REASONS = [(reason.value, FLAG_REASON_LABELS[reason]) for reason in FlagReason]


def _text(form: FormData | None, name: str) -> str:
    value = form.get(name) if form is not None else None
    return value if isinstance(value, str) else ""


def _login_first(request: Request) -> Response:
    return redirect(f"/login?next={request.url.path}")


# Flags --------------------------------------------------------------------


def _flag_page(request: Request, form: FormData | None, *, target_type: TargetType, target_id: int) -> Response:
    viewer: User | None = request.state.viewer
    if viewer is None:
        return _login_first(request)
    app = request.app.state
    with app.db.read() as session:
        if target_type == TargetType.COMMENT:
            comment = get_comment_view(session, viewer, target_id)
            if comment.is_removed:
                raise NotFound("That comment was removed.")
            thread = get_thread(session, viewer, comment.thread_id)
            author_name, back = comment.author_name, f"/t/{thread.id}#c{comment.id}"
        else:
            comment = None
            view = get_thread_view(session, viewer, target_id)
            thread, author_name, back = view.thread, view.author_name, f"/t/{target_id}"
    context = {
        "what": "comment" if comment is not None else "thread",
        "comment": comment,
        "thread": thread,
        "author_name": author_name,
        "action": request.url.path,
        "back": back,
        "reasons": FLAG_REASONS,
        "other_label": FLAG_REASON_LABELS[FlagReason.OTHER],
        "draft": {"reason": _text(form, "reason"), "note": _text(form, "note")},
    }
    if form is None:
        return render(request, "moderation/flag.html", context)
    try:
        ratelimit.hit_flag(app.rate_limiter, viewer, client_key(request))
        with app.db.write() as session:
            flag(session, flagger=viewer, target_type=target_type, target_id=target_id,
                 reason=context["draft"]["reason"], note=context["draft"]["note"], policy=app.policy)
    except NotFound:
        raise
    except ForumError as exc:
        # Already flagged (409), their own post or a silenced account (403),
        # a missing reason (422), too many flags (429): the form again, saying why.
        return render(request, "moderation/flag.html", {**context, "error": exc.message},
                      status_code=exc.status_code, headers=retry_headers(exc))
    # Enough flags hide a thread, and then the flagger can no longer open it:
    # the confirmation is shown on their list of flags instead.
    with app.db.read() as session:
        try:
            get_thread(session, viewer, thread.id)  # type: ignore[arg-type]
        except NotFound:
            return redirect("/flags?flagged=1")
    anchor = f"#c{target_id}" if target_type == TargetType.COMMENT else ""
    return redirect(f"/t/{thread.id}?flagged=1{anchor}")


@page
def comment_flag_page(request: Request, form: FormData | None) -> Response:
    return _flag_page(request, form, target_type=TargetType.COMMENT, target_id=request.path_params["comment_id"])


@page
def thread_flag_page(request: Request, form: FormData | None) -> Response:
    return _flag_page(request, form, target_type=TargetType.THREAD, target_id=request.path_params["thread_id"])


@page
def my_flags_page(request: Request, form: FormData | None) -> Response:
    viewer: User | None = request.state.viewer
    if viewer is None:
        return _login_first(request)
    with request.app.state.db.read() as session:
        flags = flags_by(session, viewer)
    message = FLAG_RECEIVED if request.query_params.get("flagged") == "1" else None
    return render(request, "accounts/flags.html", {"flags": flags, "message": message})


# Thread controls ------------------------------------------------------------


@page
def thread_mod_action(request: Request, form: FormData | None) -> Response:
    thread_id: int = request.path_params["thread_id"]
    viewer: User | None = request.state.viewer
    if form is None:
        return redirect(f"/t/{thread_id}")
    if viewer is None:
        return redirect(f"/login?next=/t/{thread_id}")
    action: str = request.path_params["action"]
    try:
        with request.app.state.db.write() as session:
            actions.apply_thread_action(session, moderator=viewer, thread_id=thread_id, action=action,
                                        reason=_text(form, "reason"), board=_text(form, "board"))
            board_slug = get_thread_view(session, viewer, thread_id).board.slug
    except (InvalidInput, Conflict) as exc:
        # A close without a reason, a move to the board it is on…: the page, saying why.
        return render_thread(request, thread_id, mod_error=exc.message, status_code=exc.status_code)
    if action == "delete":
        return redirect(f"/b/{board_slug}")
    return redirect(f"/t/{thread_id}")


# Comment controls -----------------------------------------------------------

COMMENT_ACTIONS = {
    "hide": ("Hide", actions.hide_comment),
    "restore": ("Restore", actions.restore_comment),
    "approve": ("Approve", actions.approve_comment),
}


@page
def comment_mod_page(request: Request, form: FormData | None) -> Response:
    comment_id: int = request.path_params["comment_id"]
    viewer: User | None = request.state.viewer
    if viewer is None:
        return _login_first(request)
    action: str = request.path_params["action"]
    if action not in COMMENT_ACTIONS:
        raise NotFound("There is no such comment action.")
    verb, act = COMMENT_ACTIONS[action]
    app = request.app.state
    with app.db.read() as session:
        comment = get_comment_view(session, viewer, comment_id)
        thread = get_thread(session, viewer, comment.thread_id)
    if not can_moderate(viewer, thread):
        raise PermissionDenied("Only a moderator of this board can do that.")
    reason = _text(form, "reason")
    context = {"comment": comment, "thread": thread, "action": action, "verb": verb, "reason": reason}
    if form is None:
        return render(request, "moderation/comment_action.html", context)
    try:
        with app.db.write() as session:
            act(session, moderator=viewer, comment_id=comment_id, reason=reason)
    except (InvalidInput, Conflict) as exc:
        return render(request, "moderation/comment_action.html", {**context, "error": exc.message}, status_code=exc.status_code)
    return redirect(f"/t/{thread.id}#c{comment_id}")
