"""Educate tracks: pages to make and arrange them, follow them and resume."""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from forum.accounts.models import User
from forum.accounts.permissions import can_follow_track, can_manage_tracks
from forum.boards.queries import get_board
from forum.errors import ForumError, InvalidInput, NotAuthenticated
from forum.pillars import tracks
from forum.pillars.track_queries import member_progress, track_view
from forum.pillars.views import field
from forum.templating import render
from forum.web import page, redirect

_THREAD_REF = re.compile(r"(?:^|/t/)(\d{1,18})(?:[/?#]|$)")


def thread_ref(value: str) -> int:
    """A thread named by its id or by its address (…/t/42/slug)."""
    match = _THREAD_REF.search(value.strip())
    if match is None:
        raise InvalidInput("Name the thread by its number or its address (/t/42).", field="thread_id")
    return int(match.group(1))


def _manager(request: Request) -> bool:
    with request.app.state.db.read() as session:
        return can_manage_tracks(request.state.viewer, get_board(session, tracks.EDUCATE).id)  # type: ignore[arg-type]


def _track_response(request: Request, track_id: int, *, error: str | None = None, status_code: int = 200,
                    draft: dict[str, str] | None = None) -> Response:
    viewer: User | None = request.state.viewer
    manager = _manager(request)
    with request.app.state.db.read() as session:
        view = track_view(session, viewer, track_id)
        progress = member_progress(session, track_id) if manager else []
    context: dict[str, Any] = {
        "view": view,
        "manager": manager,
        "can_follow": can_follow_track(viewer),
        "progress": progress,
        "draft": draft or {"title": view.track.title, "description": view.track.description, "thread_id": ""},
        "error": error,
    }
    return render(request, "pillars/track.html", context, status_code=status_code)


@page
def new_track_page(request: Request, form: FormData | None) -> Response:
    viewer: User | None = request.state.viewer
    if viewer is None:
        return redirect("/login?next=/tracks/new")
    with request.app.state.db.read() as session:
        tracks.check_track_manager(session, viewer)
    draft = {"title": field(form, "title"), "description": field(form, "description")}
    if form is None:
        return render(request, "pillars/track_new.html", {"draft": draft})
    try:
        with request.app.state.db.write() as session:
            track = tracks.create_track(session, actor=viewer, title=draft["title"], description=draft["description"])
    except ForumError as exc:
        return render(request, "pillars/track_new.html", {"draft": draft, "error": exc.message}, status_code=exc.status_code)
    return redirect(f"/tracks/{track.id}")


@page
def track_page(request: Request, form: FormData | None) -> Response:
    return _track_response(request, request.path_params["track_id"])


@page
def track_edit_page(request: Request, form: FormData | None) -> Response:
    track_id: int = request.path_params["track_id"]
    draft = {"title": field(form, "title"), "description": field(form, "description"), "thread_id": ""}
    try:
        with request.app.state.db.write() as session:
            tracks.update_track(session, actor=request.state.viewer, track_id=track_id, **{k: draft[k] for k in ("title", "description")})
    except (InvalidInput, NotAuthenticated) as exc:
        return _track_response(request, track_id, error=exc.message, status_code=exc.status_code, draft=draft)
    return redirect(f"/tracks/{track_id}")


@page
def add_step_page(request: Request, form: FormData | None) -> Response:
    track_id: int = request.path_params["track_id"]
    raw = field(form, "thread_id")
    try:
        with request.app.state.db.write() as session:
            tracks.add_step(session, actor=request.state.viewer, track_id=track_id, thread_id=thread_ref(raw))
    except (InvalidInput, NotAuthenticated) as exc:
        with request.app.state.db.read() as session:
            track = tracks.get_track(session, track_id)
        draft = {"title": track.title, "description": track.description, "thread_id": raw}
        return _track_response(request, track_id, error=exc.message, status_code=exc.status_code, draft=draft)
    return redirect(f"/tracks/{track_id}")


@page
def step_action_page(request: Request, form: FormData | None) -> Response:
    """POST /tracks/{id}/steps/{thread_id}/{remove|up|down|move|done|undone}."""
    viewer: User | None = request.state.viewer
    track_id: int = request.path_params["track_id"]
    thread_id: int = request.path_params["thread_id"]
    action: str = request.path_params["action"]
    back = f"/tracks/{track_id}"
    try:
        with request.app.state.db.write() as session:
            if action in {"done", "undone"}:
                tracks.mark_step(session, user=viewer, track_id=track_id, thread_id=thread_id, done=action == "done")
                # Marked from the thread page: back to it.
                if field(form, "back") == "thread":
                    back = f"/t/{thread_id}"
            elif action == "remove":
                tracks.remove_step(session, actor=viewer, track_id=track_id, thread_id=thread_id)
            elif action in {"up", "down"}:
                tracks.move_step(session, actor=viewer, track_id=track_id, thread_id=thread_id, by=-1 if action == "up" else 1)
            elif action == "move":
                tracks.move_step(session, actor=viewer, track_id=track_id, thread_id=thread_id, to=_position(field(form, "position")))
            else:
                raise InvalidInput(f"There is no step action called {action!r}.")
    except NotAuthenticated:
        return redirect(f"/login?next={back}")
    except InvalidInput as exc:
        return _track_response(request, track_id, error=exc.message, status_code=exc.status_code)
    return redirect(back)


def _position(value: str) -> int:
    if not value.strip().isdigit() or len(value.strip()) > 6:
        raise InvalidInput("A position is a whole number from 1.", field="position")
    return int(value)


@page
def continue_page(request: Request, form: FormData | None) -> Response:
    """Resume a track: to the first step this member has not done."""
    with request.app.state.db.read() as session:
        view = track_view(session, request.state.viewer, request.path_params["track_id"])
    step = view.resume
    return redirect(step.url if step is not None else view.url)
