"""POST /api/v1/guard/check: the health-care guard's verdict on a draft, for the post
forms to warn while the author types (the same check runs again when the post is sent)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from starlette.requests import Request

from forum import ratelimit
from forum.accounts.models import User
from forum.phi import check
from forum.phi.display import findings_public
from forum.web import api, client_key, parse

MAX_TEXT = 100_000


class GuardCheck(BaseModel):
    text: str = Field(max_length=MAX_TEXT)


@api
def guard_check_api(request: Request, viewer: User | None, payload: dict[str, Any]) -> Any:
    data = parse(GuardCheck, payload)
    app = request.app.state
    ratelimit.hit_guard(app.rate_limiter, client_key(request))
    return {"findings": findings_public(check(data.text, own_hosts=app.policy.own_hosts))}
