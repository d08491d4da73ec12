"""Moderators' verbs on people: silence, suspend, notes; and admins' roles.

Each verb takes keyword arguments on an explicit session, refuses with
PermissionDenied unless the actor may manage the member, returns whether
anything changed, and leaves an audit event with the reason and the state
before and after. Silence and suspension always end: a moderator picks how
long, and the member is told until when and why.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session

from forum.accounts.models import User, UserSession
from forum.accounts.permissions import can_admin, can_manage_user, can_moderate
from forum.boards.models import Board
from forum.db import utcnow
from forum.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from forum.moderation.audit import record_event
from forum.moderation.models import UserNote
from forum.text import clean_body, strip_controls
from forum.types import Role

MAX_REASON = 1000
MAX_NOTE = 4000
MAX_DAYS = 3650
# The choices the moderators' forms offer; "custom" takes a number of days.
DURATIONS: dict[str, timedelta] = {
    "1h": timedelta(hours=1),
    "1d": timedelta(days=1),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}


# Durations -----------------------------------------------------------------


def check_until(until: datetime, *, now: datetime | None = None) -> datetime:
    """A moment in the future, with a zone, at most MAX_DAYS away (to the second)."""
    if until.tzinfo is None:
        raise InvalidInput("Give the end time with its time zone, e.g. 2030-01-31T12:00:00Z.", field="until")
    now = now or utcnow()
    if until <= now:
        raise InvalidInput("The end time has passed; give a time in the future.", field="until")
    if until > now + timedelta(days=MAX_DAYS):
        raise InvalidInput(f"At most {MAX_DAYS:,} days.", field="until")
    return until.replace(microsecond=0)


def until_from_choice(choice: str, days: str = "", *, now: datetime | None = None) -> datetime:
    """The end of a duration picked on a form: 1h, 1d, 7d, 30d, or "custom" with a number of days."""
    now = now or utcnow()
    if choice in DURATIONS:
        return check_until(now + DURATIONS[choice], now=now)
    if choice != "custom":
        raise InvalidInput("Choose how long: 1 hour, 1 day, 7 days, 30 days, or a number of days.", field="duration")
    days = days.strip()
    if not (days.isascii() and days.isdigit()) or not 1 <= int(days) <= MAX_DAYS:
        raise InvalidInput(f"Give a number of days from 1 to {MAX_DAYS:,}.", field="days")
    return check_until(now + timedelta(days=int(days)), now=now)


def until_from_hours(hours: int, *, now: datetime | None = None) -> datetime:
    if not 1 <= hours <= MAX_DAYS * 24:
        raise InvalidInput(f"hours is from 1 to {MAX_DAYS * 24:,}.", field="hours")
    now = now or utcnow()
    return check_until(now + timedelta(hours=hours), now=now)


# Checks ------------------------------------------------------------------


def _reason(reason: str | None, *, required: bool) -> str:
    reason = " ".join(strip_controls(reason or "").split())
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"A reason is at most {MAX_REASON} characters.", field="reason")
    if required and not reason:
        raise InvalidInput("Give a reason; the member will see it.", field="reason")
    return reason


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def managed_user(session: Session, actor: User | None, user_id: int) -> User:
    """The member, if the actor may silence, suspend or note them."""
    if actor is None:
        raise NotAuthenticated("Log in first.")
    if not can_moderate(actor):
        raise PermissionDenied("Only moderators can do that.")
    user = session.get(User, user_id, populate_existing=True)
    if user is None:
        raise NotFound("There is no member with that id.")
    if not can_manage_user(actor, user):
        if actor.id == user.id:
            raise PermissionDenied("You cannot act on your own account.")
        if user.role == Role.ADMIN:
            raise PermissionDenied("An admin cannot be silenced, suspended or noted; change their role first.")
        raise PermissionDenied("Only an admin can act on a moderator.")
    return user


# Silence -------------------------------------------------------------------


def _silence(user: User) -> dict[str, Any]:
    return {"silenced_until": _iso(user.silenced_until) if user.is_silenced() else None, "reason": user.silence_reason if user.is_silenced() else ""}


def silence_user(session: Session, *, moderator: User | None, user_id: int, until: datetime, reason: str | None) -> bool:
    """The member can read but not post or flag until `until`; they see the reason."""
    user = managed_user(session, moderator, user_id)
    assert moderator is not None
    until, reason = check_until(until), _reason(reason, required=True)
    before = _silence(user)
    if user.is_silenced() and user.silenced_until == until and user.silence_reason == reason:
        return False
    user.silenced_until, user.silence_reason = until, reason
    record_event(session, actor_id=moderator.id, action="user.silenced", target_type="user", target_id=user.id,
                 data={"reason": reason, "before": before, "after": _silence(user)})
    return True


def unsilence_user(session: Session, *, moderator: User | None, user_id: int, reason: str | None = None) -> bool:
    user = managed_user(session, moderator, user_id)
    assert moderator is not None
    reason = _reason(reason, required=False)
    if not user.is_silenced():
        return False
    before = _silence(user)
    user.silenced_until, user.silence_reason = None, ""
    record_event(session, actor_id=moderator.id, action="user.unsilenced", target_type="user", target_id=user.id,
                 data={"reason": reason, "before": before, "after": _silence(user)})
    return True


# Suspension ----------------------------------------------------------------


def _suspension(user: User) -> dict[str, Any]:
    return {"suspended_until": _iso(user.suspended_until) if user.is_suspended() else None, "reason": user.suspend_reason if user.is_suspended() else ""}


def suspend_user(session: Session, *, moderator: User | None, user_id: int, until: datetime, reason: str | None) -> bool:
    """The member is logged out everywhere and cannot log in until `until`.

    Their login sessions are deleted, so a browser is logged out at once and
    has to log in again afterwards. API tokens are kept: every request checks
    the suspension (forum.accounts.auth.load_viewer), so a token answers 401
    while it lasts and works again when it ends, without a new token to hand out.
    """
    user = managed_user(session, moderator, user_id)
    assert moderator is not None
    until, reason = check_until(until), _reason(reason, required=True)
    before = _suspension(user)
    if user.is_suspended() and user.suspended_until == until and user.suspend_reason == reason:
        return False
    user.suspended_until, user.suspend_reason = until, reason
    ended = session.execute(delete(UserSession).where(UserSession.user_id == user.id)).rowcount  # type: ignore[attr-defined]
    record_event(session, actor_id=moderator.id, action="user.suspended", target_type="user", target_id=user.id,
                 data={"reason": reason, "before": before, "after": _suspension(user), "sessions_ended": ended or 0})
    return True


def unsuspend_user(session: Session, *, moderator: User | None, user_id: int, reason: str | None = None) -> bool:
    user = managed_user(session, moderator, user_id)
    assert moderator is not None
    reason = _reason(reason, required=False)
    if not user.is_suspended():
        return False
    before = _suspension(user)
    user.suspended_until, user.suspend_reason = None, ""
    record_event(session, actor_id=moderator.id, action="user.unsuspended", target_type="user", target_id=user.id,
                 data={"reason": reason, "before": before, "after": _suspension(user)})
    return True


# Notes -------------------------------------------------------------------


def add_user_note(session: Session, *, moderator: User | None, user_id: int, body: str) -> UserNote:
    """A note for the other moderators; the member never sees it. Always a change: returns the note."""
    user = managed_user(session, moderator, user_id)
    assert moderator is not None
    body = clean_body(body, what="note", max_length=MAX_NOTE)
    note = UserNote(user_id=user.id, author_id=moderator.id, body=body, created_at=utcnow())  # type: ignore[arg-type]
    session.add(note)
    session.flush()
    record_event(session, actor_id=moderator.id, action="user.noted", target_type="user", target_id=user.id,
                 data={"note_id": note.id, "body": body})
    return note


# Roles -------------------------------------------------------------------


def board_slugs(session: Session, board_ids: list[int]) -> list[str]:
    if not board_ids:
        return []
    return list(session.scalars(select(Board.slug).where(Board.id.in_(board_ids)).order_by(Board.position)))  # type: ignore[union-attr]


def _board_ids(session: Session, slugs: list[str]) -> list[int]:
    wanted = list(dict.fromkeys(s.strip().lower() for s in slugs if s.strip()))
    if not wanted:
        return []
    found = dict(session.execute(select(Board.slug, Board.id).where(Board.slug.in_(wanted))).all())  # type: ignore[attr-defined]
    unknown = [s for s in wanted if s not in found]
    if unknown:
        raise InvalidInput(f"There is no board called {unknown[0]!r}.", field="boards")
    return sorted(found[s] for s in wanted)


def set_role(
    session: Session,
    *,
    admin: User | None,
    user_id: int,
    role: str,
    boards: list[str] | None = None,
    reason: str | None = None,
) -> bool:
    """Make someone a member, a moderator (of every board, or of `boards`, by slug) or an admin.

    Boards apply to moderators only; another role clears them. The last admin
    is never demoted, so someone can always manage the moderators.
    """
    if admin is None:
        raise NotAuthenticated("Log in first.")
    if not can_admin(admin):
        raise PermissionDenied("Only an admin can change roles.")
    if role not in set(Role):
        raise InvalidInput("role is one of: " + ", ".join(Role) + ".", field="role")
    reason = _reason(reason, required=False)
    user = session.get(User, user_id, populate_existing=True)
    if user is None:
        raise NotFound("There is no member with that id.")
    board_ids = _board_ids(session, boards or []) if role == Role.MODERATOR else []
    before = {"role": user.role, "boards": board_slugs(session, [int(b) for b in user.moderated_boards])}
    if user.role == role and sorted(int(b) for b in user.moderated_boards) == board_ids:
        return False
    if user.role == Role.ADMIN and role != Role.ADMIN:
        # Two admins demoting each other at once must not leave none: the admin
        # rows stay locked until commit on PostgreSQL (SQLite has one writer).
        admins = session.scalars(select(User.id).where(User.role == Role.ADMIN).with_for_update()).all()
        if len(admins) <= 1:
            raise Conflict(f"{user.name} is the only admin; make someone else an admin first.", field="role")
    user.role, user.moderated_boards = role, board_ids
    record_event(session, actor_id=admin.id, action="user.role", target_type="user", target_id=user.id,
                 data={"reason": reason, "before": before, "after": {"role": str(role), "boards": board_slugs(session, board_ids)}})
    return True

