"""/api/v1/mod/users and /api/v1/admin/users: the same verbs as /mod/users.

Moderators read a member's record, silence, suspend and note them; admins
change roles. A member who is not a moderator gets 403; a user id that does
not exist, 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse

from forum.accounts.models import User
from forum.accounts.permissions import can_admin, can_moderate
from forum.accounts.practitioners import badges
from forum.errors import InvalidInput, NotFound, PermissionDenied
from forum.moderation import practitioners, users
from forum.moderation.models import UserNote
from forum.moderation.user_queries import notes_for
from forum.templating import iso
from forum.web import api, parse


class Restriction(BaseModel):
    """Silence or suspend: for `hours`, or until a time (ISO 8601 with its zone)."""

    model_config = ConfigDict(extra="forbid")
    hours: int | None = Field(default=None, ge=1, le=users.MAX_DAYS * 24)
    until: str | None = Field(default=None, max_length=64)
    reason: str = Field(max_length=users.MAX_REASON)


class Lift(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(default=None, max_length=users.MAX_REASON)


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str = Field(max_length=users.MAX_NOTE)


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str
    boards: list[str] | None = Field(default=None, max_length=20)
    reason: str | None = Field(default=None, max_length=users.MAX_REASON)


class PractitionerConfirmation(BaseModel):
    """Confirm or withdraw: `npi` is the number checked (refused with 409 if it has changed since)."""

    model_config = ConfigDict(extra="forbid")
    npi: str | None = Field(default=None, max_length=10)
    reason: str | None = Field(default=None, max_length=users.MAX_REASON)


class NotePublic(BaseModel):
    id: int
    author: str | None
    body: str
    created_at: str


class UserRecord(BaseModel):
    id: int
    name: str
    role: str
    boards: list[str]
    silenced_until: str | None
    silence_reason: str
    suspended_until: str | None
    suspend_reason: str
    full_name: str
    profession: str
    specialty: str
    organisation: str
    npi: str | None
    npi_confirmed_at: str | None
    badges: list[str]
    notes: list[NotePublic]


class UserActionResult(BaseModel):
    changed: bool
    user: UserRecord


def _until(data: Restriction) -> datetime:
    if (data.hours is None) == (data.until is None):
        raise InvalidInput('Give either "hours" or "until", not both.', field="hours")
    if data.hours is not None:
        return users.until_from_hours(data.hours)
    assert data.until is not None
    try:
        until = datetime.fromisoformat(data.until)
    except ValueError:
        raise InvalidInput("until is an ISO 8601 time with its zone, e.g. 2030-01-31T12:00:00Z.", field="until") from None
    return users.check_until(until)


def note_public(note: UserNote, author: str | None) -> dict[str, Any]:
    return {"id": note.id, "author": author, "body": note.body, "created_at": iso(note.created_at)}


def user_record(session: Session, user_id: int) -> dict[str, Any]:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("There is no member with that id.")
    silenced, suspended = user.is_silenced(), user.is_suspended()
    return {
        "id": user.id,
        "name": user.name,
        "role": user.role,
        "boards": users.board_slugs(session, [int(b) for b in user.moderated_boards]),
        "silenced_until": iso(user.silenced_until) if silenced else None,
        "silence_reason": user.silence_reason if silenced else "",
        "suspended_until": iso(user.suspended_until) if suspended else None,
        "suspend_reason": user.suspend_reason if suspended else "",
        "full_name": user.full_name,
        "profession": user.profession,
        "specialty": user.specialty,
        "organisation": user.organisation,
        "npi": user.npi,
        "npi_confirmed_at": iso(user.npi_confirmed_at) or None,
        "badges": badges(user),
        "notes": [note_public(row.note, row.author_name) for row in notes_for(session, user_id)],
    }


def _moderator(viewer: User) -> User:
    if not can_moderate(viewer):
        raise PermissionDenied("Only moderators can manage members.")
    return viewer


def _answer(request: Request, user_id: int, changed: bool) -> dict[str, Any]:
    with request.app.state.db.read() as session:
        return {"changed": changed, "user": user_record(session, user_id)}


@api(login=True)
def user_api(request: Request, viewer: User, payload: None) -> Any:
    _moderator(viewer)
    with request.app.state.db.read() as session:
        return user_record(session, request.path_params["user_id"])


def _restrict(request: Request, viewer: User, payload: dict[str, Any], user_id: int) -> Any:
    """POST …/silence and …/suspend."""
    data = parse(Restriction, payload)
    verb = users.silence_user if request.path_params["action"] == "silence" else users.suspend_user
    with request.app.state.db.write() as session:
        changed = verb(session, moderator=viewer, user_id=user_id, until=_until(data), reason=data.reason)
    return _answer(request, user_id, changed)


def _lift(request: Request, viewer: User, payload: dict[str, Any], user_id: int) -> Any:
    """POST …/unsilence and …/unsuspend (the body may be empty)."""
    data = parse(Lift, payload)
    verb = users.unsilence_user if request.path_params["action"] == "unsilence" else users.unsuspend_user
    with request.app.state.db.write() as session:
        changed = verb(session, moderator=viewer, user_id=user_id, reason=data.reason)
    return _answer(request, user_id, changed)


def _note(request: Request, viewer: User, payload: dict[str, Any], user_id: int) -> Any:
    data = parse(NoteCreate, payload)
    with request.app.state.db.write() as session:
        note = users.add_user_note(session, moderator=viewer, user_id=user_id, body=data.body)
        body = note_public(note, viewer.name)
    return JSONResponse(body, status_code=201)


def _confirmation(request: Request, viewer: User, payload: dict[str, Any], user_id: int) -> Any:
    """POST …/confirm-practitioner and …/unconfirm-practitioner (the body may be empty)."""
    data = parse(PractitionerConfirmation, payload)
    verb = (practitioners.confirm_practitioner if request.path_params["action"] == "confirm-practitioner"
            else practitioners.unconfirm_practitioner)
    with request.app.state.db.write() as session:
        changed = verb(session, moderator=viewer, user_id=user_id, npi=data.npi, reason=data.reason)
    return _answer(request, user_id, changed)


USER_ACTIONS = {
    "silence": _restrict, "suspend": _restrict, "unsilence": _lift, "unsuspend": _lift, "notes": _note,
    "confirm-practitioner": _confirmation, "unconfirm-practitioner": _confirmation,
}


@api(login=True, empty_body_ok=True)
def user_action_api(request: Request, viewer: User, payload: dict[str, Any] | None) -> Any:
    handler = USER_ACTIONS.get(request.path_params["action"])
    if handler is None:
        raise NotFound("There is nothing at this address.")
    _moderator(viewer)
    return handler(request, viewer, payload or {}, request.path_params["user_id"])


@api(login=True)
def set_role_api(request: Request, viewer: User, payload: dict[str, Any]) -> Any:
    if not can_admin(viewer):
        raise PermissionDenied("Only an admin can change roles.")
    data = parse(RoleChange, payload)
    user_id: int = request.path_params["user_id"]
    with request.app.state.db.write() as session:
        changed = users.set_role(session, admin=viewer, user_id=user_id, role=data.role, boards=data.boards, reason=data.reason)
    return _answer(request, user_id, changed)
