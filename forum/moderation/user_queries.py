"""Reads behind /mod/users: finding members, and one member's history.

Every read takes the viewer: a moderator of some boards sees the held and
hidden posts, the flags and the audit events of those boards only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, or_, select, true
from sqlalchemy.orm import aliased
from sqlmodel import Session

from forum.accounts.models import User
from forum.accounts.permissions import moderated_board_ids
from forum.boards.models import Thread
from forum.boards.queries import ThreadSummary, threads_by_author, visible_thread_clause
from forum.comments.models import Comment
from forum.errors import NotFound
from forum.moderation.models import FLAG_REASON_LABELS, AuditEvent, Flag, UserNote
from forum.moderation.users import board_slugs
from forum.types import Status


@dataclass(frozen=True, slots=True)
class CommentRow:
    comment: Comment
    thread_title: str


@dataclass(frozen=True, slots=True)
class FlagRow:
    flag: Flag
    thread_title: str
    flagger_id: int
    flagger_name: str
    author_id: int | None
    author_name: str | None

    @property
    def reason_label(self) -> str:
        return FLAG_REASON_LABELS.get(self.flag.reason, self.flag.reason)

    @property
    def url(self) -> str:
        anchor = f"#c{self.flag.target_id}" if self.flag.target_type == "comment" else ""
        return f"/t/{self.flag.thread_id}{anchor}"


@dataclass(frozen=True, slots=True)
class EventRow:
    event: AuditEvent
    actor_name: str | None
    target_name: str | None  # for an event on a user: their name
    thread_id: int | None

    @property
    def url(self) -> str | None:
        e = self.event
        if e.target_type == "user" and e.target_id is not None:
            return f"/mod/users/{e.target_id}"
        if self.thread_id is None:
            return None
        return f"/t/{self.thread_id}" + (f"#c{e.target_id}" if e.target_type == "comment" else "")

    @property
    def summary(self) -> str:
        """The reason and what changed, in a line."""
        data = self.event.data or {}
        parts = []
        if data.get("reason"):
            parts.append(f"Reason: {data['reason']}")
        if "before" in data and "after" in data:
            parts.append(f"{_state(data['before'], data.get('reason'))} → {_state(data['after'], data.get('reason'))}")
        if data.get("body"):
            parts.append(str(data["body"]))
        return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class NoteRow:
    note: UserNote
    author_id: int | None
    author_name: str | None


@dataclass(frozen=True, slots=True)
class UserHistory:
    user: User
    boards: list[str]  # slugs a moderator moderates; empty: all
    threads: list[ThreadSummary]
    comments: list[CommentRow]
    flags_received: list[FlagRow]
    flags_made: list[FlagRow]
    events: list[EventRow]
    notes: list[NoteRow]


def _state(value: Any, reason: str | None = None) -> str:
    """A before or after state in words; a reason already shown (or empty) is left out."""
    if isinstance(value, dict):
        return ", ".join(f"{k} {_state(v)}" for k, v in value.items() if k != "reason" or v and v != reason) or "–"
    if isinstance(value, list):
        return "[" + ", ".join(_state(v) for v in value) + "]"
    return "none" if value is None or value == "" else str(value)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_users(session: Session, query: str, *, limit: int = 50) -> list[User]:
    """Members whose name or email contains the query (any case); the newest first, all of them with no query."""
    statement = select(User).order_by(User.id.desc()).limit(limit)  # type: ignore[union-attr]
    query = " ".join(query.replace("\x00", "").split()).lower()[:254]
    if query:
        pattern = _like(query)
        statement = statement.where(or_(User.name_key.like(pattern, escape="\\"), User.email.like(pattern, escape="\\")))  # type: ignore[attr-defined]
    return list(session.scalars(statement))


def notes_for(session: Session, user_id: int, *, limit: int = 100) -> list[NoteRow]:
    rows = session.execute(
        select(UserNote, User.id, User.name)
        .outerjoin(User, User.id == UserNote.author_id)
        .where(UserNote.user_id == user_id)
        .order_by(UserNote.id.desc())  # type: ignore[union-attr]
        .limit(limit)
    ).all()
    return [NoteRow(note=n, author_id=i, author_name=name) for n, i, name in rows]


def _board_clause(viewer: User | None):  # type: ignore[no-untyped-def]
    """Flags and held posts of the boards the viewer moderates (Thread in the query)."""
    boards = moderated_board_ids(viewer)
    return true() if boards is None else Thread.board_id.in_(boards or [0])  # type: ignore[attr-defined]


def _comments(session: Session, viewer: User | None, user_id: int, limit: int) -> list[CommentRow]:
    boards = moderated_board_ids(viewer)
    visible = true()
    if boards is not None:
        visible = or_(Comment.status.in_((Status.PUBLISHED, Status.REMOVED)), Thread.board_id.in_(boards or [0]))  # type: ignore[attr-defined]
    rows = session.execute(
        select(Comment, Thread.title)
        .join(Thread, Thread.id == Comment.thread_id)
        .where(Comment.author_id == user_id, visible, visible_thread_clause(viewer))
        .order_by(Comment.id.desc())  # type: ignore[union-attr]
        .limit(limit)
    ).all()
    return [CommentRow(comment=c, thread_title=t) for c, t in rows]


def _flags(session: Session, viewer: User | None, where: Any, limit: int) -> list[FlagRow]:
    flagger = aliased(User)
    author = aliased(User)
    # The flagged post's author: the comment's, or (Thread joined below) the thread's.
    comment_author = select(Comment.author_id).where(Comment.id == Flag.target_id).scalar_subquery()
    author_id = case((Flag.target_type == "comment", comment_author), else_=Thread.author_id)
    rows = session.execute(
        select(Flag, Thread.title, flagger.id, flagger.name, author.id, author.name)
        .join(Thread, Thread.id == Flag.thread_id)
        .join(flagger, flagger.id == Flag.flagger_id)
        .outerjoin(author, author.id == author_id)
        .where(where, _board_clause(viewer))
        .order_by(Flag.id.desc())  # type: ignore[union-attr]
        .limit(limit)
    ).all()
    return [FlagRow(flag=f, thread_title=t, flagger_id=fi, flagger_name=fn, author_id=ai, author_name=an) for f, t, fi, fn, ai, an in rows]


def _events(session: Session, viewer: User | None, user_id: int, limit: int) -> list[EventRow]:
    actor = aliased(User)
    rows = session.execute(
        select(AuditEvent, actor.name)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .where(or_(AuditEvent.actor_id == user_id, and_(AuditEvent.target_type == "user", AuditEvent.target_id == user_id)))
        .order_by(AuditEvent.id.desc())  # type: ignore[union-attr]
        .limit(limit)
    ).all()

    def thread_of(event: AuditEvent) -> int | None:
        if event.target_type == "thread":
            return event.target_id
        value = (event.data or {}).get("thread_id")
        return value if isinstance(value, int) else None

    thread_ids = {t for e, _ in rows if (t := thread_of(e)) is not None}
    boards = dict(session.execute(select(Thread.id, Thread.board_id).where(Thread.id.in_(thread_ids))).all()) if thread_ids else {}  # type: ignore[union-attr]
    user_ids = {e.target_id for e, _ in rows if e.target_type == "user" and e.target_id is not None}
    names = dict(session.execute(select(User.id, User.name).where(User.id.in_(user_ids))).all()) if user_ids else {}  # type: ignore[union-attr]
    moderated = moderated_board_ids(viewer)
    events = []
    for event, actor_name in rows:
        thread_id = thread_of(event)
        if moderated is not None and thread_id is not None and boards.get(thread_id) not in moderated:
            continue  # an action on a board this moderator does not moderate
        events.append(EventRow(event=event, actor_name=actor_name, thread_id=thread_id,
                               target_name=names.get(event.target_id) if event.target_type == "user" else None))
    return events


def user_history(session: Session, viewer: User | None, user_id: int, *, limit: int = 50) -> UserHistory:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("There is no member with that id.")
    received = or_(
        and_(Flag.target_type == "thread", Thread.author_id == user_id),
        and_(Flag.target_type == "comment", Flag.target_id.in_(select(Comment.id).where(Comment.author_id == user_id))),  # type: ignore[attr-defined]
    )
    return UserHistory(
        user=user,
        boards=board_slugs(session, [int(b) for b in user.moderated_boards]),
        threads=threads_by_author(session, viewer, user_id, limit=limit),
        comments=_comments(session, viewer, user_id, limit),
        flags_received=_flags(session, viewer, received, limit),
        flags_made=_flags(session, viewer, Flag.flagger_id == user_id, limit),
        events=_events(session, viewer, user_id, 100),
        notes=notes_for(session, user_id),
    )
