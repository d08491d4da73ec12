"""/api/v1 comments."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from forum import ratelimit
from forum.accounts.models import User
from forum.boards.cache import JsonKey, ThreadCache
from forum.boards.queries import get_thread
from forum.comments.queries import get_comment_view, thread_comments
from forum.comments.schemas import CommentCreate, comment_public
from forum.comments.services import create_comment
from forum.types import MAX_ID, Status
from forum.moderation.models import TargetType
from forum.moderation.queue import held_reasons
from forum.phi.display import findings_in
from forum.web import api, client_key, int_param, is_anonymous, parse

MAX_PAGE = 500


def _page_of(request: Request) -> JsonKey:
    after = int_param(request.query_params.get("after"), "after", default=0, minimum=0, maximum=MAX_ID)
    limit = int_param(request.query_params.get("limit"), "limit", default=100, minimum=1, maximum=MAX_PAGE)
    return after, limit


async def list_comments_api(request: Request) -> Response:
    # Anonymous readers (embeds, feeds, scripts) share one cached answer per
    # page of comments while the thread's revision holds; see boards/cache.py.
    if is_anonymous(request):
        cached = request.app.state.thread_cache.fresh_json(request.path_params["thread_id"], _page_of(request))
        if cached is not None:
            return Response(cached, media_type="application/json")
    return await _list_comments(request)


@api
def _list_comments(request: Request, viewer: User | None, payload: None) -> Any:
    after, limit = _page_of(request)
    cache: ThreadCache = request.app.state.thread_cache
    ticket = cache.ticket()
    with request.app.state.db.read() as session:
        thread = get_thread(session, viewer, request.path_params["thread_id"])
        comments = thread_comments(session, viewer, thread.id, after=after, limit=limit)  # type: ignore[arg-type]
    response = JSONResponse({"comments": [comment_public(c) for c in comments]})
    if viewer is None and is_anonymous(request):
        entry = cache.confirm(thread.id, thread.revision, ticket)  # type: ignore[arg-type]
        cache.store_json(thread.id, entry, (after, limit), response.body)
    return response


@api(login=True)
def create_comment_api(request: Request, viewer: User, payload: dict[str, Any]) -> Any:
    data = parse(CommentCreate, payload)
    app = request.app.state
    ratelimit.hit_comment(app.rate_limiter, viewer, client_key(request))
    with app.db.write() as session:
        comment = create_comment(
            session, author=viewer, thread_id=request.path_params["thread_id"], body=data.body, parent_id=data.parent_id,
            question=data.question, now=app.clock(), policy=app.policy,
        )
        if comment.status == Status.HELD:
            held = {"status": "held", "id": comment.id, "reasons": held_reasons(session, TargetType.COMMENT, comment.id),  # type: ignore[arg-type]
                    "findings": findings_in(comment.body_md, app.policy.own_hosts)}
            return JSONResponse(held, status_code=202)
    with app.db.read() as session:
        view = get_comment_view(session, viewer, comment.id)  # type: ignore[arg-type]
    return JSONResponse(comment_public(view), status_code=201)
