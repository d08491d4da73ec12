"""Moderators confirm that a member holds the NPI on their profile, or withdraw it.

A confirmation is for one number: the member changing their NPI drops it
(forum/accounts/practitioners.py). A moderator acts on what they saw, so the
page sends the NPI it showed, and a number changed since is refused rather
than confirmed unseen. Each verb returns whether anything changed and leaves
an audit event.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from forum.accounts.models import User
from forum.accounts.permissions import can_confirm_practitioner, can_moderate
from forum.db import utcnow
from forum.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from forum.moderation.audit import record_event
from forum.moderation.users import MAX_REASON
from forum.templating import iso
from forum.text import strip_controls
from forum.types import Role

NO_NPI = "They have no NPI on file; a member adds one on their profile first."


def _reason(reason: str | None) -> str:
    reason = " ".join(strip_controls(reason or "").split())
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"A reason is at most {MAX_REASON} characters.", field="reason")
    return reason


def _state(user: User) -> dict[str, Any]:
    return {"npi": user.npi, "confirmed_at": iso(user.npi_confirmed_at) or None}


def _practitioner(session: Session, actor: User | None, user_id: int, seen_npi: str | None) -> User:
    if actor is None:
        raise NotAuthenticated("Log in first.")
    if not can_moderate(actor):
        raise PermissionDenied("Only moderators can do that.")
    # Locked, so the number checked below is the number confirmed (the member's
    # profile edit takes the same row lock).
    user = session.get(User, user_id, populate_existing=True, with_for_update=True)
    if user is None:
        raise NotFound("There is no member with that id.")
    if not can_confirm_practitioner(actor, user):
        if actor.id == user.id:
            raise PermissionDenied("You cannot confirm your own NPI; another moderator has to.")
        if user.role == Role.ADMIN:
            raise PermissionDenied("Only another admin can confirm an admin's NPI.")
        raise PermissionDenied("Only an admin can confirm a moderator's NPI.")
    if user.npi is None:
        raise Conflict(NO_NPI, field="npi")
    if seen_npi is not None and seen_npi != user.npi:
        raise Conflict(f"Their NPI changed to {user.npi} since you looked; check the new number first.", field="npi")
    return user


def confirm_practitioner(
    session: Session, *, moderator: User | None, user_id: int, npi: str | None = None, reason: str | None = None
) -> bool:
    """Confirm the member holds the NPI on file (`npi`: the number the moderator saw)."""
    user = _practitioner(session, moderator, user_id, npi)
    assert moderator is not None
    reason = _reason(reason)
    if user.npi_confirmed_at is not None:
        return False
    before = _state(user)
    user.npi_confirmed_at, user.npi_confirmed_by_id = utcnow(), moderator.id
    record_event(session, actor_id=moderator.id, action="user.practitioner_confirmed", target_type="user", target_id=user.id,
                 data={"reason": reason, "before": before, "after": _state(user)})
    return True


def unconfirm_practitioner(
    session: Session, *, moderator: User | None, user_id: int, npi: str | None = None, reason: str | None = None
) -> bool:
    """Withdraw a confirmation; the NPI stays on the profile with the other checks."""
    user = _practitioner(session, moderator, user_id, npi)
    assert moderator is not None
    reason = _reason(reason)
    if user.npi_confirmed_at is None:
        return False
    before = _state(user)
    user.npi_confirmed_at, user.npi_confirmed_by_id = None, None
    record_event(session, actor_id=moderator.id, action="user.practitioner_unconfirmed", target_type="user", target_id=user.id,
                 data={"reason": reason, "before": before, "after": _state(user)})
    return True
