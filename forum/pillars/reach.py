"""Harness: where a thread's conversation reaches.

Three figures per thread: the outside pages its embed was served on, the
distinct people who took part (its author and everyone with a published
comment), and its published comments in the last 30 days. The rank is one
weighted sum of them (`REACH_FORMULA`), shown beside the figures.

An embed is recorded when the frame (`/embed/thread`) is served for a page on
another site: one row per (thread, page), and a row's `last_seen` is written
at most once an hour, so a busy blog costs one read per view, not a write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import func, or_, select, true, union
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from forum.boards.models import Board, Thread, ThreadListing
from forum.comments.models import Comment
from forum.db import utcnow
from forum.pillars.models import EmbedSighting
from forum.types import Status

RECENT_DAYS = 30
SIGHTING_INTERVAL = timedelta(hours=1)
EMBED_WEIGHT = 5
PARTICIPANT_WEIGHT = 2
RECENT_COMMENT_WEIGHT = 1
REACH_FORMULA = (
    f"reach = {EMBED_WEIGHT} × embedding pages + {PARTICIPANT_WEIGHT} × participants"
    f" + {RECENT_COMMENT_WEIGHT} × comments in the last {RECENT_DAYS} days"
)
MAX_PAGE = 2000


def sighting_page(url: str | None) -> str | None:
    """The embedding page as recorded: scheme, host and path, without the query
    string or fragment (which carry tracking tags and sessions, not places)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not host:
        return None
    netloc = host.lower() + (f":{parts.port}" if parts.port else "")
    page = urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", "", ""))
    return page if len(page) <= MAX_PAGE else None


def sighting_due(session: Session, *, thread_id: int, page: str, now: datetime | None = None) -> bool:
    """Whether `record_sighting` would write: checked on a read session first,
    so most embed views never open a write."""
    last = session.scalar(select(EmbedSighting.last_seen).where(EmbedSighting.thread_id == thread_id, EmbedSighting.page == page))
    return last is None or (now or utcnow()) - last >= SIGHTING_INTERVAL


def record_sighting(session: Session, *, thread_id: int, page: str, now: datetime | None = None) -> bool:
    """Note that the thread's embed was served on `page`; True if a row was written."""
    now = now or utcnow()
    sighting = session.scalar(select(EmbedSighting).where(EmbedSighting.thread_id == thread_id, EmbedSighting.page == page))
    if sighting is not None:
        if now - sighting.last_seen < SIGHTING_INTERVAL:
            return False
        sighting.last_seen = now
        session.add(sighting)
        session.flush()
        return True
    try:
        # Two frames for the same page at once: the second insert loses the
        # race on the unique key, and the first one's row is as good.
        with session.begin_nested():
            session.add(EmbedSighting(thread_id=thread_id, page=page, first_seen=now, last_seen=now))
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class ThreadReach:
    thread: Thread
    board_slug: str
    embeds: int
    participants: int
    recent_comments: int

    @property
    def score(self) -> int:
        return EMBED_WEIGHT * self.embeds + PARTICIPANT_WEIGHT * self.participants + RECENT_COMMENT_WEIGHT * self.recent_comments


def reach_ranking(session: Session, *, board_id: int | None = None, now: datetime | None = None, limit: int = 30) -> list[ThreadReach]:
    """Published threads by reach, highest first (ties: the most recently active);
    with `board_id`, those homed on or listed on that board."""
    now = now or utcnow()
    since = now - timedelta(days=RECENT_DAYS)
    embeds = (
        select(EmbedSighting.thread_id, func.count(EmbedSighting.id).label("n"))
        .group_by(EmbedSighting.thread_id).subquery()
    )
    people = union(
        select(Thread.id.label("thread_id"), Thread.author_id.label("user_id")).where(Thread.author_id.is_not(None)),  # type: ignore[union-attr]
        select(Comment.thread_id, Comment.author_id).where(Comment.status == Status.PUBLISHED, Comment.author_id.is_not(None)),  # type: ignore[union-attr]
    ).subquery()
    participants = (
        select(people.c.thread_id, func.count(people.c.user_id).label("n")).group_by(people.c.thread_id).subquery()
    )
    recent = (
        select(Comment.thread_id, func.count(Comment.id).label("n"))
        .where(Comment.status == Status.PUBLISHED, Comment.created_at >= since)
        .group_by(Comment.thread_id).subquery()
    )
    on_board = true() if board_id is None else or_(
        Thread.board_id == board_id,
        Thread.id.in_(select(ThreadListing.thread_id).where(ThreadListing.board_id == board_id)),  # type: ignore[union-attr]
    )
    e, p, r = (func.coalesce(q.c.n, 0) for q in (embeds, participants, recent))
    score = EMBED_WEIGHT * e + PARTICIPANT_WEIGHT * p + RECENT_COMMENT_WEIGHT * r
    rows = session.execute(
        select(Thread, Board.slug, e, p, r)
        .join(Board, Board.id == Thread.board_id)
        .outerjoin(embeds, embeds.c.thread_id == Thread.id)
        .outerjoin(participants, participants.c.thread_id == Thread.id)
        .outerjoin(recent, recent.c.thread_id == Thread.id)
        .where(Thread.status == Status.PUBLISHED, or_(e > 0, p > 0, r > 0), on_board)
        .order_by(score.desc(), Thread.last_activity_at.desc(), Thread.id.desc())  # type: ignore[attr-defined]
        .limit(limit)
    ).all()
    return [ThreadReach(thread=t, board_slug=slug, embeds=ne, participants=np_, recent_comments=nr) for t, slug, ne, np_, nr in rows]
