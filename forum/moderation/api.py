"""/api/v1: flags for members, and the moderators' actions and queue.

The same verbs as the pages (forum/moderation/actions.py, queue.py, flags.py):
the API only parses, calls and answers.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse

from forum import ratelimit
from forum.accounts.models import User
from forum.accounts.permissions import can_moderate
from forum.boards.models import Thread
from forum.boards.queries import get_thread_view
from forum.boards.schemas import thread_public
from forum.comments.queries import get_comment_view
from forum.comments.schemas import comment_public
from forum.errors import NotFound
from forum.moderation import actions
from forum.moderation.flags import flag, flag_public
from forum.moderation.models import TargetType
from forum.moderation.queue import QUEUE_ACTIONS, claim_item, get_item, list_queue, queue_entry_public, resolve_item
from forum.web import api, client_key, parse


class FlagCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str
    note: str | None = Field(default=None, max_length=1000)


class ActionInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(default=None, max_length=1000)
    board: str | None = Field(default=None, max_length=40)  # move
    body: str | None = None  # edit (queue)


def _flag(request: Request, viewer: User, payload: dict[str, Any], target_type: TargetType, target_id: int) -> JSONResponse:
    data = parse(FlagCreate, payload)
    app = request.app.state
    ratelimit.hit_flag(app.rate_limiter, viewer, client_key(request))
    with app.db.write() as session:
        created = flag(session, flagger=viewer, target_type=target_type, target_id=target_id,
                       reason=data.reason, note=data.note, policy=app.policy)
        body = flag_public(created)
    body["message"] = "Flag received; a moderator will look at it."
    return JSONResponse(body, status_code=201)


@api(login=True)
def flag_comment_api(request: Request, viewer: User, payload: dict[str, Any]) -> Any:
    return _flag(request, viewer, payload, TargetType.COMMENT, request.path_params["comment_id"])


@api(login=True)
def flag_thread_api(request: Request, viewer: User, payload: dict[str, Any]) -> Any:
    return _flag(request, viewer, payload, TargetType.THREAD, request.path_params["thread_id"])


COMMENT_ACTIONS = {"hide": actions.hide_comment, "restore": actions.restore_comment}


@api(login=True, empty_body_ok=True)
def comment_action_api(request: Request, viewer: User, payload: dict[str, Any]) -> Any:
    verb = COMMENT_ACTIONS.get(request.path_params["action"])
    if verb is None:
        raise NotFound("There is nothing at this address.")
    data = parse(ActionInput, payload)
    comment_id: int = request.path_params["comment_id"]
    with request.app.state.db.write() as session:
        changed = verb(session, moderator=viewer, comment_id=comment_id, reason=data.reason)
    with request.app.state.db.read() as session:
        view = get_comment_view(session, viewer, comment_id)
    return {"changed": changed, "comment": comment_public(view)}


@api(login=True, empty_body_ok=True)
def thread_action_api(request: Request, viewer: User, payload: dict[str, Any]) -> Any:
    action: str = request.path_params["action"]
    if action not in actions.THREAD_ACTIONS:
        raise NotFound("There is nothing at this address.")
    data = parse(ActionInput, payload)
    thread_id: int = request.path_params["thread_id"]
    with request.app.state.db.write() as session:
        changed = actions.apply_thread_action(session, moderator=viewer, thread_id=thread_id, action=action, reason=data.reason, board=data.board)
    with request.app.state.db.read() as session:
        view = get_thread_view(session, viewer, thread_id)
        thread = session.get(Thread, thread_id)
        extra = {"pinned": thread.pinned, "status": thread.status, "closed_reason": thread.closed_reason} if thread else {}
    return {"changed": changed, "thread": {**thread_public(view), **extra}}


@api(login=True)
def queue_api(request: Request, viewer: User, payload: None) -> Any:
    if not can_moderate(viewer):
        raise NotFound("There is nothing at this address.")
    query = request.query_params
    with request.app.state.db.read() as session:
        entries = list_queue(session, viewer, board=query.get("board") or None, reason=query.get("reason") or None,
                             sort=query.get("sort") or "newest")
    return {"items": [queue_entry_public(e) for e in entries]}


@api(login=True, empty_body_ok=True)
def queue_action_api(request: Request, viewer: User, payload: dict[str, Any]) -> Any:
    action: str = request.path_params["action"]
    if action not in (*QUEUE_ACTIONS, "claim", "release"):
        raise NotFound("There is nothing at this address.")
    if not can_moderate(viewer):
        raise NotFound("That queue item does not exist, or is not yours to see.")
    data = parse(ActionInput, payload)
    item_id: int = request.path_params["item_id"]
    with request.app.state.db.write() as session:
        if action in {"claim", "release"}:
            changed = claim_item(session, moderator=viewer, item_id=item_id, release=action == "release")
        else:
            changed = resolve_item(session, moderator=viewer, item_id=item_id, action=action, reason=data.reason, body=data.body)
    with request.app.state.db.read() as session:
        item = get_item(session, viewer, item_id)
        body = {"id": item.id, "state": item.state, "resolution": item.resolution, "claimed_by_id": item.claimed_by_id}
    return {"changed": changed, "item": body}
