"""Posting, replying to, editing and deleting comments from plain HTML forms."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from forum import ratelimit
from forum.accounts.models import User
from forum.accounts.permissions import can_comment, can_edit_comment
from forum.boards.queries import get_thread
from forum.boards.views import render_thread
from forum.comments.models import Comment
from forum.comments.queries import comment_history, get_comment, get_comment_view
from forum.comments.services import create_comment, delete_comment, edit_comment
from forum.errors import ForumError, InvalidInput, NotFound, PermissionDenied
from forum.moderation.queue import add_author_note
from forum.phi import check
from forum.phi.display import explained, highlighted
from forum.templating import render
from forum.types import MAX_ID, Status
from forum.web import client_key, page, redirect, retry_headers


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _parent_id(form: FormData) -> int | None:
    raw = _text(form, "parent_id").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18 or int(raw) > MAX_ID:
        raise InvalidInput("The comment you are replying to could not be found.", field="parent_id")
    return int(raw)


def _question(form: FormData) -> int | None:
    """The convening question a reader picked to answer (blank: the current one)."""
    raw = _text(form, "question").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 3:
        raise InvalidInput("Pick one of the released questions to answer.", field="question")
    return int(raw)


@page
def post_comment_page(request: Request, form: FormData | None) -> Response:
    thread_id: int = request.path_params["thread_id"]
    if form is None:
        return redirect(f"/t/{thread_id}")
    viewer: User | None = request.state.viewer
    if viewer is None:
        return redirect(f"/login?next=/t/{thread_id}")
    body = _text(form, "body")
    app = request.app.state
    try:
        parent_id = _parent_id(form)
        question = _question(form)
        ratelimit.hit_comment(app.rate_limiter, viewer, client_key(request))
        with app.db.write() as session:
            comment = create_comment(session, author=viewer, thread_id=thread_id, body=body, parent_id=parent_id,
                                     question=question, now=app.clock(), policy=app.policy)
    except NotFound:
        raise
    except ForumError as exc:
        return render_thread(request, thread_id, draft=body, error=exc.message, status_code=exc.status_code, headers=retry_headers(exc))
    anchor = f"waiting-c{comment.id}" if comment.status == Status.HELD else f"c{comment.id}"
    return redirect(f"/t/{thread_id}#{anchor}")


@page
def reply_page(request: Request, form: FormData | None) -> Response:
    viewer: User | None = request.state.viewer
    with request.app.state.db.read() as session:
        parent = get_comment_view(session, viewer, request.path_params["comment_id"])
        thread = get_thread(session, viewer, parent.thread_id)
    return render(
        request,
        "comments/reply.html",
        {"parent": parent, "thread": thread, "can_comment": can_comment(viewer, thread), "draft": ""},
    )


def _load_editable(request: Request) -> tuple:
    viewer: User | None = request.state.viewer
    with request.app.state.db.read() as session:
        comment = get_comment(session, viewer, request.path_params["comment_id"])
        thread = get_thread(session, viewer, comment.thread_id)
        view = get_comment_view(session, viewer, comment.id)  # type: ignore[arg-type]
    if not can_edit_comment(viewer, comment, thread):
        raise PermissionDenied("Only the author can change this comment.")
    return comment, thread, view


@page
def edit_page(request: Request, form: FormData | None) -> Response:
    if request.state.viewer is None:
        return redirect(f"/login?next=/comments/{request.path_params['comment_id']}/edit")
    comment, thread, view = _load_editable(request)
    app = request.app.state

    def edit_form(draft: str, **extra: object) -> Response:
        # What the health-care guard finds in the text, marked, so the author can fix it.
        findings = check(draft, own_hosts=app.policy.own_hosts)
        context = {"comment": view, "thread": thread, "draft": draft, "explained": explained(draft, findings),
                   "marked": highlighted(draft, findings) if findings else None}
        status_code = extra.pop("status_code", 200)
        headers = extra.pop("headers", None)
        return render(request, "comments/edit.html", {**context, **extra}, status_code=status_code, headers=headers)  # type: ignore[arg-type]

    if form is None:
        return edit_form(comment.body_md)
    body = _text(form, "body")
    try:
        ratelimit.hit_edit(app.rate_limiter, request.state.viewer)
        with app.db.write() as session:
            edit_comment(session, editor=request.state.viewer, comment_id=comment.id, body=body, policy=app.policy)
            status = session.get(Comment, comment.id).status  # type: ignore[union-attr]
    except ForumError as exc:
        return edit_form(body, error=exc.message, status_code=exc.status_code, headers=retry_headers(exc))
    anchor = f"waiting-c{comment.id}" if status == Status.HELD and request.state.viewer.id == comment.author_id else f"c{comment.id}"
    return redirect(f"/t/{thread.id}#{anchor}")


@page
def note_page(request: Request, form: FormData | None) -> Response:
    """A held comment's author sends the moderators a note about it."""
    comment_id: int = request.path_params["comment_id"]
    viewer: User | None = request.state.viewer
    if viewer is None:
        return redirect(f"/login?next=/comments/{comment_id}/edit")
    if form is None:
        return redirect(f"/comments/{comment_id}/edit")
    with request.app.state.db.write() as session:
        item = add_author_note(session, author=viewer, comment_id=comment_id, note=_text(form, "note"))
        thread_id = item.thread_id
    return redirect(f"/t/{thread_id}?noted=1#waiting-c{comment_id}")


@page
def delete_page(request: Request, form: FormData | None) -> Response:
    if request.state.viewer is None:
        return redirect(f"/login?next=/comments/{request.path_params['comment_id']}/delete")
    comment, thread, view = _load_editable(request)
    if form is None:
        return render(request, "comments/delete.html", {"comment": view, "thread": thread})
    with request.app.state.db.write() as session:
        delete_comment(session, actor=request.state.viewer, comment_id=comment.id)
    return redirect(f"/t/{thread.id}#c{comment.id}")


@page
def history_page(request: Request, form: FormData | None) -> Response:
    viewer: User | None = request.state.viewer
    with request.app.state.db.read() as session:
        view = get_comment_view(session, viewer, request.path_params["comment_id"])
        if view.is_removed:
            raise NotFound("That comment was removed.")
        thread = get_thread(session, viewer, view.thread_id)
        revisions = comment_history(session, view.id)
    return render(request, "comments/history.html", {"comment": view, "thread": thread, "revisions": revisions})
