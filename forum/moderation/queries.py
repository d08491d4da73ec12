"""Reads for the moderators' pages: the audit log and the queue's counts.

Every read takes the viewer: a moderator of chosen boards sees the events and
items of those boards only (and the watched-word list every moderator edits).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlmodel import Session

from forum.accounts.models import User
from forum.accounts.permissions import can_moderate, moderated_board_ids
from forum.boards.models import Board, Thread
from forum.comments.models import Comment
from forum.moderation.models import AuditEvent, QueueItem, QueueState

LOG_PAGE = 50

# Keys of an event's data shown in their own columns, not among the details.
_SHOWN_KEYS = ("reason", "before", "after")


@dataclass(frozen=True, slots=True)
class LogRow:
    id: int
    created_at: datetime
    actor_name: str | None
    action: str
    target_type: str
    target_id: int | None
    target_url: str | None
    target_label: str
    reason: str
    before: Any
    after: Any
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class LogPage:
    rows: list[LogRow]
    next_before: int | None  # the cursor for the next (older) page, None on the last


@dataclass(frozen=True, slots=True)
class LogFilters:
    actor: str = ""
    action: str = ""
    target_type: str = ""
    target_id: int | None = None
    before: int | None = None


def _visible_events(viewer: User) -> ColumnElement[bool] | None:
    """The events a board-scoped moderator may read; None: every event."""
    boards = moderated_board_ids(viewer)
    if boards is None:
        return None
    if not boards:
        return false()
    threads = select(Thread.id).where(Thread.board_id.in_(boards))  # type: ignore[union-attr, attr-defined]
    comments = select(Comment.id).join(Thread, Thread.id == Comment.thread_id).where(Thread.board_id.in_(boards))  # type: ignore[arg-type, attr-defined]
    items = select(QueueItem.id).where(QueueItem.board_id.in_(boards))  # type: ignore[union-attr, attr-defined]
    return or_(
        and_(AuditEvent.target_type == "thread", AuditEvent.target_id.in_(threads)),  # type: ignore[union-attr]
        and_(AuditEvent.target_type == "comment", AuditEvent.target_id.in_(comments)),  # type: ignore[union-attr]
        and_(AuditEvent.target_type == "queue_item", AuditEvent.target_id.in_(items)),  # type: ignore[union-attr]
        AuditEvent.target_type == "watched_word",
        # What moderators did to members; not members' own sign-ins and tokens.
        and_(AuditEvent.target_type == "user", ~AuditEvent.action.startswith("account."), ~AuditEvent.action.startswith("token.")),  # type: ignore[attr-defined]
    )


def list_audit_events(session: Session, viewer: User, filters: LogFilters, *, limit: int = LOG_PAGE) -> LogPage:
    """The audit log, newest first, `limit` events older than `filters.before`."""
    if not can_moderate(viewer):
        return LogPage(rows=[], next_before=None)
    query = select(AuditEvent)
    visible = _visible_events(viewer)
    if visible is not None:
        query = query.where(visible)
    if filters.actor:
        actor_id = session.scalar(select(User.id).where(User.name == filters.actor))
        if actor_id is None:
            return LogPage(rows=[], next_before=None)
        query = query.where(AuditEvent.actor_id == actor_id)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.target_type:
        query = query.where(AuditEvent.target_type == filters.target_type)
    if filters.target_id is not None:
        query = query.where(AuditEvent.target_id == filters.target_id)
    if filters.before is not None:
        query = query.where(AuditEvent.id < filters.before)  # type: ignore[operator]
    events = list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit + 1)))  # type: ignore[union-attr]
    more = len(events) > limit
    events = events[:limit]
    rows = _log_rows(session, events)
    return LogPage(rows=rows, next_before=events[-1].id if more and events else None)


def audit_actions(session: Session) -> list[str]:
    """The actions the log holds, for the filter's suggestions."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def _log_rows(session: Session, events: list[AuditEvent]) -> list[LogRow]:
    user_ids = {e.actor_id for e in events if e.actor_id} | {e.target_id for e in events if e.target_type == "user" and e.target_id}
    names = dict(session.execute(select(User.id, User.name).where(User.id.in_(user_ids))).all()) if user_ids else {}  # type: ignore[union-attr]
    comment_ids = {e.target_id for e in events if e.target_type == "comment" and e.target_id}
    comment_threads = (
        dict(session.execute(select(Comment.id, Comment.thread_id).where(Comment.id.in_(comment_ids))).all()) if comment_ids else {}  # type: ignore[union-attr]
    )
    thread_ids = {e.target_id for e in events if e.target_type == "thread" and e.target_id}
    titles = dict(session.execute(select(Thread.id, Thread.title).where(Thread.id.in_(thread_ids))).all()) if thread_ids else {}  # type: ignore[union-attr]
    board_ids = {e.target_id for e in events if e.target_type == "board" and e.target_id}
    slugs = dict(session.execute(select(Board.id, Board.slug).where(Board.id.in_(board_ids))).all()) if board_ids else {}  # type: ignore[union-attr]
    rows = []
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        url, label = _target(event, names, comment_threads, titles, slugs)
        rows.append(
            LogRow(
                id=event.id,  # type: ignore[arg-type]
                created_at=event.created_at,
                actor_name=names.get(event.actor_id) if event.actor_id else None,
                action=event.action,
                target_type=event.target_type,
                target_id=event.target_id,
                target_url=url,
                target_label=label,
                reason=str(data.get("reason") or ""),
                before=data.get("before"),
                after=data.get("after"),
                details={k: v for k, v in data.items() if k not in _SHOWN_KEYS},
            )
        )
    return rows


def _target(
    event: AuditEvent,
    names: dict[int, str],
    comment_threads: dict[int, int],
    titles: dict[int, str],
    slugs: dict[int, str],
) -> tuple[str | None, str]:
    """Where the event's target can be seen, and how to name it."""
    kind, target = event.target_type, event.target_id
    if target is None:
        return None, kind
    if kind == "comment":
        thread_id = comment_threads.get(target)
        return (f"/t/{thread_id}#c{target}" if thread_id else None), f"comment {target}"
    if kind == "thread":
        title = titles.get(target)
        return (f"/t/{target}" if title is not None else None), (title or f"thread {target}")
    if kind == "user":
        name = names.get(target)
        return (f"/u/{name}" if name else None), (name or f"user {target}")
    if kind == "board":
        slug = slugs.get(target)
        return (f"/b/{slug}" if slug else None), (slug or f"board {target}")
    if kind == "watched_word":
        return "/mod/words", f"watched word {target}"
    return None, f"{kind.replace('_', ' ')} {target}"


def open_queue_counts(session: Session, viewer: User) -> dict[str, int]:
    """Open queue items the viewer may act on, by reason (an item with two reasons counts under both)."""
    if not can_moderate(viewer):
        return {}
    query = select(QueueItem.reasons).where(QueueItem.state == QueueState.OPEN)
    boards = moderated_board_ids(viewer)
    if boards is not None:
        query = query.where(QueueItem.board_id.in_(boards))  # type: ignore[attr-defined]
    counts: dict[str, int] = {}
    for reasons in session.scalars(query):
        for reason in reasons or ():
            counts[reason] = counts.get(reason, 0) + 1
    return counts


def open_queue_total(session: Session, viewer: User) -> int:
    if not can_moderate(viewer):
        return 0
    query = select(func.count(QueueItem.id)).where(QueueItem.state == QueueState.OPEN)  # type: ignore[arg-type]
    boards = moderated_board_ids(viewer)
    if boards is not None:
        query = query.where(QueueItem.board_id.in_(boards))  # type: ignore[attr-defined]
    return session.scalar(query) or 0
