"""/api/v1 Educate tracks: the same verbs as the track pages
(forum/pillars/track_views.py); the API only parses, calls and answers."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from forum.accounts.models import User
from forum.pillars import tracks
from forum.pillars.schemas import StepAdd, TrackCreate, track_public, track_summary
from forum.pillars.track_queries import list_tracks, track_view
from forum.web import api, parse


def _track(request: Request, viewer: User | None, track_id: int) -> dict[str, Any]:
    with request.app.state.db.read() as session:
        return track_public(track_view(session, viewer, track_id), signed_in=viewer is not None)


@api
def list_tracks_api(request: Request, viewer: User | None, payload: None) -> Any:
    """The tracks as /b/educate lists them, with the viewer's own progress."""
    with request.app.state.db.read() as session:
        return {"tracks": [track_summary(view, signed_in=viewer is not None) for view in list_tracks(session, viewer)]}


@api
def get_track_api(request: Request, viewer: User | None, payload: None) -> Any:
    return _track(request, viewer, request.path_params["track_id"])


@api(login=True)
def create_track_api(request: Request, viewer: User, payload: dict[str, Any]) -> Any:
    data = parse(TrackCreate, payload)
    with request.app.state.db.write() as session:
        track = tracks.create_track(session, actor=viewer, title=data.title, description=data.description)
    return JSONResponse(_track(request, viewer, track.id), status_code=201,  # type: ignore[arg-type]
                        headers={"Location": f"/api/v1/tracks/{track.id}"})


@api(login=True)
def add_step_api(request: Request, viewer: User, payload: dict[str, Any]) -> Any:
    data = parse(StepAdd, payload)
    track_id: int = request.path_params["track_id"]
    with request.app.state.db.write() as session:
        tracks.add_step(session, actor=viewer, track_id=track_id, thread_id=data.thread_id)
    return _track(request, viewer, track_id)


@api(login=True)
def remove_step_api(request: Request, viewer: User, payload: None) -> Any:
    track_id: int = request.path_params["track_id"]
    with request.app.state.db.write() as session:
        tracks.remove_step(session, actor=viewer, track_id=track_id, thread_id=request.path_params["thread_id"])
    return _track(request, viewer, track_id)


@api(login=True, empty_body_ok=True)
def mark_step_api(request: Request, viewer: User, payload: dict[str, Any] | None) -> Any:
    """POST marks the step done for the viewer, DELETE undoes it; repeating either is harmless."""
    track_id: int = request.path_params["track_id"]
    with request.app.state.db.write() as session:
        tracks.mark_step(session, user=viewer, track_id=track_id, thread_id=request.path_params["thread_id"],
                         done=request.method == "POST")
    return _track(request, viewer, track_id)
