"""/api/v1 boards and threads."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from forum import ratelimit
from forum.accounts.models import User
from forum.boards.queries import board_threads, get_board, get_thread_view, list_boards
from forum.boards.schemas import ThreadCreate, board_public, thread_public
from forum.boards.services import create_thread
from forum.moderation.models import TargetType
from forum.moderation.queue import held_reasons
from forum.phi.display import findings_in
from forum.pillars.queries import resource_for, story_for
from forum.pillars.schemas import resource_public, story_public
from forum.types import Status
from forum.web import api, client_key, int_param, parse


@api
def list_boards_api(request: Request, viewer: User | None, payload: None) -> Any:
    with request.app.state.db.read() as session:
        return [board_public(b) for b in list_boards(session)]


@api
def board_threads_api(request: Request, viewer: User | None, payload: None) -> Any:
    limit = int_param(request.query_params.get("limit"), "limit", default=30, minimum=1, maximum=100)
    with request.app.state.db.read() as session:
        board = get_board(session, request.path_params["slug"])
        page = board_threads(session, viewer, board, cursor=request.query_params.get("cursor") or None, limit=limit)
    return {"threads": [thread_public(s) for s in page.threads], "next_cursor": page.next_cursor}


@api(login=True)
def create_thread_api(request: Request, viewer: User, payload: dict[str, Any]) -> Any:
    data = parse(ThreadCreate, payload)
    app = request.app.state
    ratelimit.hit_thread(app.rate_limiter, viewer, client_key(request))
    with app.db.write() as session:
        thread = create_thread(session, author=viewer, board_slug=data.board, title=data.title, body=data.body, policy=app.policy)
        if thread.status == Status.HELD:
            held = {"status": "held", "id": thread.id, "reasons": held_reasons(session, TargetType.THREAD, thread.id),  # type: ignore[arg-type]
                    "findings": findings_in(f"{thread.title}\n{thread.body_md}", app.policy.own_hosts)}
            return JSONResponse(held, status_code=202)
    with app.db.read() as session:
        view = get_thread_view(session, viewer, thread.id)  # type: ignore[arg-type]
    # A new thread is no resource and has no story card yet; the keys are there as in GET /threads/{id}.
    return JSONResponse({**thread_public(view), "resource": None, "story": None}, status_code=201, headers={"Location": f"/api/v1/threads/{thread.id}"})


@api
def get_thread_api(request: Request, viewer: User | None, payload: None) -> Any:
    thread_id = request.path_params["thread_id"]
    with request.app.state.db.read() as session:
        data = thread_public(get_thread_view(session, viewer, thread_id))
        data["resource"] = resource_public(resource_for(session, thread_id))
        data["story"] = story_public(story_for(session, thread_id))
    return data
