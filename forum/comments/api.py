"""/api/v1 comments."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from forum import ratelimit
from forum.accounts.models import User
from forum.boards.queries import get_thread
from forum.comments.queries import get_comment_view, thread_comments
from forum.comments.schemas import CommentCreate, comment_public
from forum.comments.services import create_comment
from forum.types import MAX_ID
from forum.web import api, int_param, parse

MAX_PAGE = 500


@api
def list_comments_api(request: Request, viewer: User | None, payload: None) -> Any:
    after = int_param(request.query_params.get("after"), "after", default=0, minimum=0, maximum=MAX_ID)
    limit = int_param(request.query_params.get("limit"), "limit", default=100, minimum=1, maximum=MAX_PAGE)
    thread_id = request.path_params["thread_id"]
    with request.app.state.db.read() as session:
        get_thread(session, viewer, thread_id)
        comments = thread_comments(session, viewer, thread_id, after=after, limit=limit)
    return {"comments": [comment_public(c) for c in comments]}


@api(login=True)
def create_comment_api(request: Request, viewer: User, payload: dict[str, Any]) -> Any:
    data = parse(CommentCreate, payload)
    app = request.app.state
    app.rate_limiter.hit(ratelimit.COMMENT, f"user:{viewer.id}")
    with app.db.write() as session:
        comment = create_comment(
            session, author=viewer, thread_id=request.path_params["thread_id"], body=data.body, parent_id=data.parent_id
        )
    with app.db.read() as session:
        view = get_comment_view(session, viewer, comment.id)  # type: ignore[arg-type]
    return JSONResponse(comment_public(view), status_code=201)
