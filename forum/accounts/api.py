"""/api/v1/me: the member's own profile, read and changed."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from forum import ratelimit
from forum.accounts.models import User
from forum.accounts.permissions import can_edit_profile
from forum.accounts.practitioners import profile_public, update_profile
from forum.accounts.schemas import ProfileUpdate
from forum.errors import PermissionDenied
from forum.web import api, parse

TEXT_FIELDS = ("full_name", "profession", "specialty", "organisation", "bio")


@api(login=True)
def me_api(request: Request, viewer: User, payload: None) -> Any:
    return profile_public(viewer)


@api(login=True)
def update_me_api(request: Request, viewer: User, payload: dict[str, Any]) -> Any:
    data = parse(ProfileUpdate, payload)
    given = data.model_fields_set
    if not can_edit_profile(viewer, viewer):
        raise PermissionDenied("This account cannot change its profile.")
    app = request.app.state
    ratelimit.hit_edit(app.rate_limiter, viewer)
    texts = {field: getattr(data, field) for field in TEXT_FIELDS if field in given}
    npi = data.npi if "npi" in given else None
    remove_npi = "npi" in given and not (data.npi or "").strip()
    with app.db.write() as session:
        user = session.get(User, viewer.id, populate_existing=True, with_for_update=True)
        assert user is not None
        update_profile(session, user=user, npi=None if remove_npi else npi, remove_npi=remove_npi, **texts)
        return profile_public(user)
