"""Members flag a comment or thread; enough flags hide it until a moderator looks.

A member flags a thing once. Flags from `Policy.flag_threshold` distinct
members hide it pending review; one "patient information" flag from a
moderator of the board, or from a verified practitioner, hides it at once
(`flag_hides_at_once`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from forum.accounts.models import User
from forum.accounts.permissions import can_flag, can_view_comment, can_view_thread, flag_hides_at_once
from forum.boards.models import Thread
from forum.boards.services import synchronize_thread
from forum.comments.models import Comment
from forum.db import mark_thread_changed, utcnow
from forum.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from forum.moderation.audit import record_event
from forum.moderation.models import FLAG_REASON_LABELS, Flag, FlagReason, TargetType
from forum.moderation.policy import Policy
from forum.moderation.premoderation import FLAGGED
from forum.moderation.queue import enqueue
from forum.types import Status

MAX_NOTE = 1000
HIDDEN_BY_FLAGS = "Hidden until a moderator reviews members' flags."


def _target(session: Session, flagger: User, target_type: str, target_id: int) -> tuple[Comment | Thread, Thread]:
    if target_type == TargetType.COMMENT:
        comment = session.get(Comment, target_id)
        thread = session.get(Thread, comment.thread_id) if comment is not None else None
        if comment is None or thread is None or not can_view_thread(flagger, thread) or not can_view_comment(flagger, comment, thread):
            raise NotFound("That comment does not exist, or is not visible to you.")
        if comment.status == Status.REMOVED:
            raise InvalidInput("That comment was deleted by its author.")
        return comment, thread
    thread = session.get(Thread, target_id)
    if thread is None or not can_view_thread(flagger, thread):
        raise NotFound("That thread does not exist, or is not visible to you.")
    return thread, thread


def flag(
    session: Session,
    *,
    flagger: User | None,
    target_type: str,
    target_id: int,
    reason: str,
    note: str | None = None,
    policy: Policy,
) -> Flag:
    if flagger is None:
        raise NotAuthenticated("Log in to flag.")
    if reason not in set(FlagReason):
        raise InvalidInput("reason is one of: " + ", ".join(FlagReason) + ".", field="reason")
    note = " ".join((note or "").split())
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"A note is at most {MAX_NOTE} characters.", field="note")
    if reason == FlagReason.OTHER and not note:
        raise InvalidInput("Say what is wrong in the note.", field="note")
    target, thread = _target(session, flagger, target_type, target_id)
    if not can_flag(flagger, target.author_id):
        if flagger.id == target.author_id:
            raise PermissionDenied("You cannot flag your own post; edit or delete it instead.")
        raise PermissionDenied("A silenced account cannot flag.")
    already = session.scalar(
        select(Flag.id).where(Flag.target_type == target_type, Flag.target_id == target_id, Flag.flagger_id == flagger.id)
    )
    if already is not None:
        raise Conflict("You have already flagged this; a moderator will look at it.")
    entry = Flag(target_type=target_type, target_id=target_id, thread_id=thread.id, flagger_id=flagger.id,  # type: ignore[arg-type]
                 reason=reason, note=note, created_at=utcnow())
    session.add(entry)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        # A double-click raced the check above: the other request saved it.
        raise Conflict("You have already flagged this; a moderator will look at it.") from None
    record_event(session, actor_id=flagger.id, action="flag.created", target_type=target_type, target_id=target_id,
                 data={"reason": reason, "note": note, "thread_id": thread.id})
    open_flags = session.scalar(
        select(func.count(func.distinct(Flag.flagger_id))).where(
            Flag.target_type == target_type, Flag.target_id == target_id, Flag.resolution.is_(None)  # type: ignore[union-attr]
        )
    ) or 0
    item = enqueue(session, target_type=target_type, target_id=target_id, thread=thread, author_id=target.author_id,
                   reasons=[FLAGGED], detail="")
    item.flag_count = open_flags
    urgent = flag_hides_at_once(flagger, thread, reason)
    if (open_flags >= policy.flag_threshold or urgent) and target.status == Status.PUBLISHED:
        target.status = Status.HIDDEN
        target.mod_reason = HIDDEN_BY_FLAGS
        record_event(session, actor_id=None, action=f"{target_type}.hidden_by_flags", target_type=target_type, target_id=target_id,
                     data={"flags": open_flags, "urgent": urgent, "thread_id": thread.id})
        session.flush()
        synchronize_thread(session, thread_id=thread.id)  # type: ignore[arg-type]
        mark_thread_changed(session, thread.id, target_id if target_type == TargetType.COMMENT else None)  # type: ignore[arg-type]
    return entry


@dataclass(frozen=True, slots=True)
class MyFlag:
    id: int
    target_type: str
    target_id: int
    thread_id: int
    thread_title: str
    reason: str
    reason_label: str
    note: str
    created_at: datetime
    resolution: str | None
    resolved_at: datetime | None

    @property
    def outcome(self) -> str:
        return flag_outcome(self.resolution)


def flag_outcome(resolution: str | None) -> str:
    if resolution is None:
        return "Received; waiting for a moderator."
    if resolution in {"approved", "restored", "edited"}:
        return "Reviewed: a moderator left it up."
    return "Reviewed: a moderator took it down."


def flags_by(session: Session, flagger: User, *, limit: int = 100) -> list[MyFlag]:
    rows = session.execute(
        select(Flag, Thread.title).join(Thread, Thread.id == Flag.thread_id)
        .where(Flag.flagger_id == flagger.id).order_by(Flag.id.desc()).limit(limit)  # type: ignore[union-attr]
    ).all()
    return [
        MyFlag(id=f.id, target_type=f.target_type, target_id=f.target_id, thread_id=f.thread_id, thread_title=title,  # type: ignore[arg-type]
               reason=f.reason, reason_label=FLAG_REASON_LABELS.get(f.reason, f.reason), note=f.note,
               created_at=f.created_at, resolution=f.resolution, resolved_at=f.resolved_at)
        for f, title in rows
    ]


def flag_public(flag_row: Flag) -> dict[str, object]:
    return {
        "id": flag_row.id,
        "target_type": flag_row.target_type,
        "target_id": flag_row.target_id,
        "reason": flag_row.reason,
        "note": flag_row.note,
        "created_at": flag_row.created_at.isoformat(),
        "resolution": flag_row.resolution,
        "outcome": flag_outcome(flag_row.resolution),
    }
