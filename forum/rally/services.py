"""Convening writes: schedule, RSVP, release a question, slow mode, end.

Every write takes `now` from its caller (the app's clock), so the whole
lifecycle can be driven by a fake clock in tests.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlmodel import Session

from forum.accounts.models import User
from forum.accounts.permissions import can_host_convening, can_rsvp, can_schedule_convening, can_view_thread
from forum.boards.models import Thread
from forum.boards.queries import thread_for_action
from forum.boards.services import touch_thread
from forum.db import publish_after_commit
from forum.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from forum.moderation.audit import record_event
from forum.rally.models import Convening, ConveningHost, ConveningQuestion, ConveningRsvp, ConveningState
from forum.text import strip_controls

MAX_QUESTIONS = 20
MAX_QUESTION = 500
MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_LENGTH = timedelta(days=7)
MAX_SLOW_MODE = 3600
# Hub notices about a convening carry this key (see forum/rally/live.py).
NOTICE_KEY = "cv"


def parse_time(value: object, field: str) -> datetime:
    """An ISO 8601 time with its zone, as UTC."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} must be an ISO 8601 time with a zone, such as 2026-03-04T17:00:00Z.", field=field)
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in {"Z", "z"} else text)
    except ValueError:
        raise InvalidInput(f"{field} is not an ISO 8601 time (for example 2026-03-04T17:00:00Z).", field=field) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise InvalidInput(f"{field} must name its time zone (end it with Z or an offset such as +01:00).", field=field)
    return parsed.astimezone(UTC)


def _clean_questions(questions: list[str]) -> list[str]:
    cleaned = [strip_controls(q).strip() for q in questions]
    cleaned = [q for q in cleaned if q]
    if not cleaned:
        raise InvalidInput("A convening needs at least one question.", field="questions")
    if len(cleaned) > MAX_QUESTIONS:
        raise InvalidInput(f"A convening has at most {MAX_QUESTIONS} questions.", field="questions")
    for number, question in enumerate(cleaned, 1):
        if len(question) > MAX_QUESTION:
            raise InvalidInput(f"Question {number} is longer than {MAX_QUESTION} characters.", field="questions")
    return cleaned


def _hosts(session: Session, names: list[str]) -> list[User]:
    hosts = []
    for name in names:
        user = session.scalar(select(User).where(User.name == name.strip())) if name.strip() else None
        if user is None:
            raise InvalidInput(f"There is no member called {name!r} to host.", field="hosts")
        if user not in hosts:
            hosts.append(user)
    return hosts


def schedule_convening(
    session: Session,
    *,
    actor: User | None,
    thread_id: int,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    questions: list[str],
    description: str = "",
    hosts: list[str] | None = None,
    now: datetime,
) -> Convening:
    thread = thread_for_action(session, actor, thread_id, allowed=can_schedule_convening,
                               refused="Only a moderator of this board can schedule a convening.",
                               anonymous="Log in to schedule a convening.")
    title = strip_controls(title).strip()
    if not title:
        raise InvalidInput("A convening needs a title.", field="title")
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"The title is longer than {MAX_TITLE} characters.", field="title")
    description = strip_controls(description).strip()
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(f"The description is longer than {MAX_DESCRIPTION} characters.", field="description")
    if ends_at <= starts_at:
        raise InvalidInput("ends_at must be after starts_at.", field="ends_at")
    if ends_at - starts_at > MAX_LENGTH:
        raise InvalidInput("A convening lasts at most seven days.", field="ends_at")
    if ends_at <= now:
        raise InvalidInput("ends_at is in the past.", field="ends_at")
    cleaned = _clean_questions(questions)
    host_users = _hosts(session, hosts or [])
    convening = Convening(
        thread_id=thread.id,  # type: ignore[arg-type]
        created_by_id=actor.id,
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        created_at=now,
        updated_at=now,
    )
    session.add(convening)
    session.flush()
    for number, text in enumerate(cleaned, 1):
        session.add(ConveningQuestion(convening_id=convening.id, number=number, text=text))  # type: ignore[arg-type]
    for user in [actor, *host_users]:
        if session.get(ConveningHost, (convening.id, user.id)) is None:
            session.add(ConveningHost(convening_id=convening.id, user_id=user.id))  # type: ignore[arg-type]
            session.flush()
    record_event(session, actor_id=actor.id, action="convening.scheduled", target_type="thread", target_id=thread.id,
                 data={"convening_id": convening.id, "title": title})
    touch_thread(session, thread_id=thread.id)  # type: ignore[arg-type]
    return convening


def host_ids(session: Session, convening_id: int) -> frozenset[int]:
    return frozenset(session.scalars(select(ConveningHost.user_id).where(ConveningHost.convening_id == convening_id)))


def _visible(session: Session, viewer: User | None, convening_id: int) -> tuple[Convening, Thread]:
    convening = session.get(Convening, convening_id)
    thread = session.get(Thread, convening.thread_id) if convening is not None else None
    if convening is None or thread is None or not can_view_thread(viewer, thread):
        raise NotFound("That convening does not exist, or is not visible to you.")
    return convening, thread


def _hosted(session: Session, actor: User | None, convening_id: int) -> tuple[Convening, Thread]:
    if actor is None:
        raise NotAuthenticated("Log in first.")
    convening, thread = _visible(session, actor, convening_id)
    if not can_host_convening(actor, thread, host_ids(session, convening_id)):
        raise PermissionDenied("Only the convening's hosts can do that.")
    return convening, thread


def _changed(session: Session, convening: Convening, *, now: datetime) -> None:
    """A change calendars and viewers should see: bump SEQUENCE, refresh the thread, tell the live viewers."""
    convening.sequence += 1
    convening.updated_at = now
    session.flush()
    touch_thread(session, thread_id=convening.thread_id)
    publish_after_commit(session, {NOTICE_KEY: convening.id, "t": convening.thread_id})


def rsvp(session: Session, *, member: User | None, convening_id: int, attending: bool = True, now: datetime) -> bool:
    """RSVP (or, with attending=False, cancel). True if anything changed; repeating is harmless."""
    if member is None:
        raise NotAuthenticated("Log in to RSVP.")
    convening, _thread = _visible(session, member, convening_id)
    if not can_rsvp(member):
        raise PermissionDenied("Your account cannot RSVP at the moment.")
    existing = session.get(ConveningRsvp, (convening.id, member.id))
    if attending:
        if existing is not None:
            return False
        if convening.state_at(now) == ConveningState.ENDED:
            raise Conflict("This convening has ended.")
        session.add(ConveningRsvp(convening_id=convening.id, user_id=member.id, created_at=now))  # type: ignore[arg-type]
        session.flush()
        return True
    if existing is None:
        return False
    session.execute(delete(ConveningRsvp).where(ConveningRsvp.convening_id == convening.id, ConveningRsvp.user_id == member.id))  # type: ignore[arg-type]
    return True


def release_question(session: Session, *, actor: User | None, convening_id: int, number: int, now: datetime) -> bool:
    """Make question `number` (1-based) current. Only while live. True if it changed."""
    convening, thread = _hosted(session, actor, convening_id)
    state = convening.state_at(now)
    if state != ConveningState.LIVE:
        raise Conflict("This convening has not started yet." if state == ConveningState.UPCOMING else "This convening has ended.")
    question = session.get(ConveningQuestion, (convening.id, number))
    if question is None:
        count = len(list(session.scalars(select(ConveningQuestion.number).where(ConveningQuestion.convening_id == convening.id))))
        raise InvalidInput(f"question must be between 1 and {count}.", field="question")
    if convening.current_question == number:
        return False
    if question.released_at is None:
        question.released_at = now
    convening.current_question = number
    record_event(session, actor_id=actor.id, action="convening.released", target_type="thread", target_id=thread.id,  # type: ignore[union-attr]
                 data={"convening_id": convening.id, "question": number})
    _changed(session, convening, now=now)
    return True


def set_slow_mode(session: Session, *, actor: User | None, convening_id: int, seconds: int, now: datetime) -> bool:
    """One post per `seconds` per person on the thread while live (0 turns it off). True if it changed."""
    convening, thread = _hosted(session, actor, convening_id)
    if not 0 <= seconds <= MAX_SLOW_MODE:
        raise InvalidInput(f"Slow mode is between 0 (off) and {MAX_SLOW_MODE} seconds.", field="seconds")
    if convening.state_at(now) == ConveningState.ENDED:
        raise Conflict("This convening has ended.")
    if convening.slow_mode_seconds == seconds:
        return False
    convening.slow_mode_seconds = seconds
    record_event(session, actor_id=actor.id, action="convening.slow_mode", target_type="thread", target_id=thread.id,  # type: ignore[union-attr]
                 data={"convening_id": convening.id, "seconds": seconds})
    _changed(session, convening, now=now)
    return True


def end_convening(session: Session, *, actor: User | None, convening_id: int, now: datetime) -> bool:
    """End it now (early, or before it starts: then it is called off). True if it changed."""
    convening, thread = _hosted(session, actor, convening_id)
    if convening.state_at(now) == ConveningState.ENDED:
        return False
    convening.ended_at = now
    convening.current_question = None
    record_event(session, actor_id=actor.id, action="convening.ended", target_type="thread", target_id=thread.id,  # type: ignore[union-attr]
                 data={"convening_id": convening.id})
    _changed(session, convening, now=now)
    return True
