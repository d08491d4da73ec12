"""/api/v1/embed: counts for embedders' listing pages, and the frame's own session."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from forum import ratelimit
from forum.accounts.auth import bearer_token
from forum.accounts.models import User
from forum.accounts.services import end_session
from forum.embed.origins import allowed_origins, normalise_origin, site_origin
from forum.embed.queries import MAX_URLS, comment_counts
from forum.embed.services import FRAME_TOKEN_PREFIX, redeem_handoff
from forum.errors import InvalidInput, NotAuthenticated, PermissionDenied
from forum.web import api, client_key, parse


def _cors(request: Request, response: Response) -> Response:
    """Counts are public: any allowed embedder's page may read them from its own origin."""
    origin = normalise_origin(request.headers.get("origin", ""))
    response.headers["vary"] = "Origin"
    if origin:
        with request.app.state.db.read() as session:
            allowed = allowed_origins(session, request.app.state.settings)
        if origin in allowed or origin == site_origin(request.app.state.settings):
            response.headers["access-control-allow-origin"] = origin
    return response


@api
def counts_api(request: Request, viewer: User | None, payload: None) -> Any:
    urls = request.query_params.getlist("url")
    if not urls:
        raise InvalidInput("Name at least one page: ?url=…", field="url")
    if len(urls) > MAX_URLS:
        raise InvalidInput(f"Ask for at most {MAX_URLS} pages at a time.", field="url")
    if any(len(url) > 2048 for url in urls):
        raise InvalidInput("A page address is longer than 2,048 characters.", field="url")
    with request.app.state.db.read() as session:
        counts = comment_counts(session, urls)
    return _cors(request, JSONResponse(counts))


class SessionCreate(BaseModel):
    token: str = Field(min_length=1, max_length=200)
    host: str = Field(min_length=1, max_length=2048)


def _from_a_frame(request: Request) -> None:
    # Only the forum's own frame (same origin) may trade a hand-off: a token
    # that leaked to another page is useless there.
    origin = normalise_origin(request.headers.get("origin", ""))
    if origin is None or origin != site_origin(request.app.state.settings):
        raise PermissionDenied("A login can only be handed to the forum's own frame.")


@api(status_code=201)
def create_session_api(request: Request, viewer: User | None, payload: dict[str, Any]) -> Any:
    _from_a_frame(request)
    data = parse(SessionCreate, payload)
    host = normalise_origin(data.host)
    if host is None:
        raise InvalidInput("host must be the embedding page's origin.", field="host")
    app = request.app.state
    ratelimit.hit_embed_login(app.rate_limiter, client_key(request))
    with app.db.write() as session:
        redeemed = redeem_handoff(session, token=data.token, host_origin=host)
        answer = None if redeemed is None else {"token": redeemed[1], "user": {"id": redeemed[0].id, "name": redeemed[0].name}}
    if answer is None:
        raise NotAuthenticated("That login has expired or was already used. Log in again.")
    return answer


@api(login=True)
def session_api(request: Request, viewer: User, payload: None) -> Any:
    return {"user": {"id": viewer.id, "name": viewer.name}}


@api(login=True, empty_body_ok=True)
def end_session_api(request: Request, viewer: User, payload: dict[str, Any] | None) -> Any:
    token = bearer_token(request)
    if token is None or not token.startswith(FRAME_TOKEN_PREFIX):
        raise InvalidInput("Only a frame's own session is ended here; log out of the site at /logout.")
    with request.app.state.db.write() as session:
        end_session(session, token=token)
    return {"ended": True}
