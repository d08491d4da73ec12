"""/api/v1 convenings."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from forum.accounts.models import User
from forum.rally.queries import get_convening_view
from forum.rally.schemas import ConveningCreate, QuestionRelease, SlowMode, convening_public
from forum.rally.services import end_convening, parse_time, release_question, rsvp, schedule_convening, set_slow_mode
from forum.web import api, parse


def _answer(request: Request, viewer: User | None, convening_id: int) -> dict[str, Any]:
    app = request.app.state
    with app.db.read() as session:
        return convening_public(get_convening_view(session, viewer, convening_id, now=app.clock()))


@api(login=True)
def create_convening_api(request: Request, viewer: User, payload: dict[str, Any]) -> Any:
    data = parse(ConveningCreate, payload)
    app = request.app.state
    starts_at, ends_at = parse_time(data.starts_at, "starts_at"), parse_time(data.ends_at, "ends_at")
    with app.db.write() as session:
        convening = schedule_convening(
            session, actor=viewer, thread_id=request.path_params["thread_id"], title=data.title, starts_at=starts_at,
            ends_at=ends_at, questions=data.questions, description=data.description, hosts=data.hosts, now=app.clock(),
        )
    return JSONResponse(_answer(request, viewer, convening.id), status_code=201)  # type: ignore[arg-type]


@api
def get_convening_api(request: Request, viewer: User | None, payload: None) -> Any:
    return _answer(request, viewer, request.path_params["convening_id"])


@api(login=True, empty_body_ok=True)
def rsvp_api(request: Request, viewer: User, payload: dict[str, Any] | None) -> Any:
    app = request.app.state
    convening_id = request.path_params["convening_id"]
    with app.db.write() as session:
        changed = rsvp(session, member=viewer, convening_id=convening_id, attending=request.method == "POST", now=app.clock())
    answer = _answer(request, viewer, convening_id)
    return {"changed": changed, "rsvp": answer["rsvp"], "rsvp_count": answer["rsvp_count"]}


@api(login=True)
def release_api(request: Request, viewer: User, payload: dict[str, Any]) -> Any:
    data = parse(QuestionRelease, payload)
    app = request.app.state
    convening_id = request.path_params["convening_id"]
    with app.db.write() as session:
        release_question(session, actor=viewer, convening_id=convening_id, number=data.question, now=app.clock())
    return _answer(request, viewer, convening_id)


@api(login=True)
def slow_mode_api(request: Request, viewer: User, payload: dict[str, Any]) -> Any:
    data = parse(SlowMode, payload)
    app = request.app.state
    convening_id = request.path_params["convening_id"]
    with app.db.write() as session:
        set_slow_mode(session, actor=viewer, convening_id=convening_id, seconds=data.seconds, now=app.clock())
    return _answer(request, viewer, convening_id)


@api(login=True, empty_body_ok=True)
def end_api(request: Request, viewer: User, payload: dict[str, Any] | None) -> Any:
    app = request.app.state
    convening_id = request.path_params["convening_id"]
    with app.db.write() as session:
        end_convening(session, actor=viewer, convening_id=convening_id, now=app.clock())
    return _answer(request, viewer, convening_id)
