"""Convening pages: the convening (and its archive), scheduling, RSVP, host
controls, the Rally board's calendar, .ics events and the Markdown transcript."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from forum.accounts.models import User
from forum.accounts.permissions import can_schedule_convening
from forum.boards.queries import get_thread
from forum.errors import Conflict, ForumError, InvalidInput, PermissionDenied
from forum.rally.export import transcript_markdown
from forum.rally.ics import calendar_of
from forum.rally.models import ConveningState
from forum.rally.queries import all_convenings, get_convening_view, transcript
from forum.rally.services import end_convening, parse_time, release_question, rsvp, schedule_convening, set_slow_mode
from forum.templating import render
from forum.web import page, redirect, retry_headers

CALENDAR = "text/calendar; charset=utf-8"


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _number(form: FormData, name: str, what: str) -> int | None:
    raw = _text(form, name).strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6:
        raise InvalidInput(f"{what} must be a whole number.", field=name)
    return int(raw)


def _convening_page(request: Request, *, error: str | None = None, status_code: int = 200,
                    headers: dict[str, str] | None = None) -> Response:
    viewer: User | None = request.state.viewer
    app = request.app.state
    convening_id = request.path_params["convening_id"]
    with app.db.read() as session:
        view = get_convening_view(session, viewer, convening_id, now=app.clock())
        archive = transcript(session, viewer, convening_id, now=app.clock()) if view.state == ConveningState.ENDED else None
    return render(request, "rally/convening.html", {"view": view, "archive": archive, "error": error},
                  status_code=status_code, headers=headers)


@page
def convening_page(request: Request, form: FormData | None) -> Response:
    return _convening_page(request)


def _host_action(request: Request, form: FormData | None, act) -> Response:  # type: ignore[no-untyped-def]
    convening_id = request.path_params["convening_id"]
    if form is None:
        return redirect(f"/c/{convening_id}")
    viewer: User | None = request.state.viewer
    if viewer is None:
        return redirect(f"/login?next=/c/{convening_id}")
    app = request.app.state
    try:
        with app.db.write() as session:
            act(session, viewer, convening_id, form, app.clock())
    except ForumError as exc:
        if exc.status_code == 404:
            raise
        return _convening_page(request, error=exc.message, status_code=exc.status_code, headers=retry_headers(exc))
    return redirect(f"/c/{convening_id}")


@page
def rsvp_page(request: Request, form: FormData | None) -> Response:
    def act(session, viewer, convening_id, form, now):  # type: ignore[no-untyped-def]
        rsvp(session, member=viewer, convening_id=convening_id, attending=_text(form, "attending") != "0", now=now)

    return _host_action(request, form, act)


@page
def release_page(request: Request, form: FormData | None) -> Response:
    def act(session, viewer, convening_id, form, now):  # type: ignore[no-untyped-def]
        number = _number(form, "question", "The question")
        if number is None:
            with request.app.state.db.read() as read:
                upcoming = get_convening_view(read, viewer, convening_id, now=now).next_question
            if upcoming is None:
                raise InvalidInput("Every question has been released.", field="question")
            number = upcoming.number
        release_question(session, actor=viewer, convening_id=convening_id, number=number, now=now)

    return _host_action(request, form, act)


@page
def slow_mode_page(request: Request, form: FormData | None) -> Response:
    def act(session, viewer, convening_id, form, now):  # type: ignore[no-untyped-def]
        set_slow_mode(session, actor=viewer, convening_id=convening_id, seconds=_number(form, "seconds", "Slow mode") or 0, now=now)

    return _host_action(request, form, act)


@page
def end_page(request: Request, form: FormData | None) -> Response:
    def act(session, viewer, convening_id, form, now):  # type: ignore[no-untyped-def]
        end_convening(session, actor=viewer, convening_id=convening_id, now=now)

    return _host_action(request, form, act)


@page
def convene_page(request: Request, form: FormData | None) -> Response:
    """The schedule form on a thread, for its moderators."""
    thread_id = request.path_params["thread_id"]
    viewer: User | None = request.state.viewer
    if viewer is None:
        return redirect(f"/login?next=/t/{thread_id}/convene")
    app = request.app.state
    with app.db.read() as session:
        thread = get_thread(session, viewer, thread_id)
    if not can_schedule_convening(viewer, thread):
        raise PermissionDenied("Only a moderator of this board can schedule a convening.")
    fields = ("title", "starts_at", "ends_at", "description", "questions", "hosts")
    draft = {name: _text(form, name) if form is not None else "" for name in fields}
    if form is None:
        return render(request, "rally/convene.html", {"thread": thread, "draft": draft})
    try:
        starts_at, ends_at = parse_time(draft["starts_at"], "starts_at"), parse_time(draft["ends_at"], "ends_at")
        with app.db.write() as session:
            convening = schedule_convening(
                session, actor=viewer, thread_id=thread_id, title=draft["title"], starts_at=starts_at, ends_at=ends_at,
                questions=draft["questions"].splitlines(), description=draft["description"],
                hosts=[h for h in draft["hosts"].replace(",", " ").split() if h], now=app.clock(),
            )
    except ForumError as exc:
        return render(request, "rally/convene.html", {"thread": thread, "draft": draft, "error": exc.message},
                      status_code=exc.status_code)
    return redirect(f"/c/{convening.id}")


@page
def convening_ics(request: Request, form: FormData | None) -> Response:
    app = request.app.state
    with app.db.read() as session:
        view = get_convening_view(session, request.state.viewer, request.path_params["convening_id"], now=app.clock())
    body = calendar_of([view], app.settings.base_url, name=view.convening.title)
    return Response(body, media_type=CALENDAR, headers={"content-disposition": f'inline; filename="convening-{view.convening.id}.ics"'})


@page
def rally_calendar(request: Request, form: FormData | None) -> Response:
    app = request.app.state
    with app.db.read() as session:
        views = all_convenings(session, request.state.viewer, now=app.clock())
    body = calendar_of(sorted(views, key=lambda v: v.convening.starts_at), app.settings.base_url, name="Rally convenings")
    return Response(body, media_type=CALENDAR, headers={"content-disposition": 'inline; filename="rally.ics"'})


@page
def transcript_md(request: Request, form: FormData | None) -> Response:
    app = request.app.state
    convening_id = request.path_params["convening_id"]
    with app.db.read() as session:
        record = transcript(session, request.state.viewer, convening_id, now=app.clock())
    if record.view.state != ConveningState.ENDED:
        raise Conflict("The transcript is published when the convening ends.")
    return Response(transcript_markdown(record, app.settings.base_url), media_type="text/markdown; charset=utf-8",
                    headers={"content-disposition": f'inline; filename="convening-{convening_id}.md"'})
