"""Reads for boards and threads. Every read takes the viewer."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, false, or_, select, true, tuple_
from sqlmodel import Session

from forum.accounts.models import User
from forum.accounts.permissions import can_view_thread, moderated_board_ids
from forum.articles.models import Article
from forum.boards.models import Board, Thread, ThreadListing
from forum.errors import InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from forum.text import strip_controls
from forum.types import MAX_ID, Status

_BOARD_SLUG = re.compile(r"[a-z0-9-]{1,40}")


@dataclass(frozen=True, slots=True)
class ThreadView:
    thread: Thread
    board: Board
    author_name: str | None
    source_url: str | None


def list_boards(session: Session) -> list[Board]:
    return list(session.scalars(select(Board).order_by(Board.position)))


def get_board(session: Session, slug: str) -> Board:
    # Slugs are short lowercase words; anything else (a NUL byte, which
    # PostgreSQL refuses in a query, or a page of junk) cannot name a board.
    board = session.scalar(select(Board).where(Board.slug == slug)) if _BOARD_SLUG.fullmatch(slug) else None
    if board is None:
        raise NotFound(f"There is no board called {slug!r}.")
    return board


def visible_thread_clause(viewer: User | None):  # type: ignore[no-untyped-def]
    boards = moderated_board_ids(viewer)
    if boards is None:
        return true()
    own = and_(Thread.status.in_((Status.HELD, Status.HIDDEN)), Thread.author_id == viewer.id) if viewer else false()  # type: ignore[attr-defined]
    moderated = Thread.board_id.in_(boards) if boards else false()  # type: ignore[attr-defined]
    return or_(Thread.status == Status.PUBLISHED, own, moderated)


def get_thread_view(session: Session, viewer: User | None, thread_id: int) -> ThreadView:
    row = session.execute(
        select(Thread, Board, User.name, Article.source_url)
        .join(Board, Board.id == Thread.board_id)
        .outerjoin(User, User.id == Thread.author_id)
        .outerjoin(Article, Article.id == Thread.article_id)
        .where(Thread.id == thread_id)
    ).first()
    if row is None or not can_view_thread(viewer, row[0]):
        raise NotFound("That thread does not exist, or is not visible to you.")
    return ThreadView(thread=row[0], board=row[1], author_name=row[2], source_url=row[3])


def get_thread(session: Session, viewer: User | None, thread_id: int) -> Thread:
    thread = session.get(Thread, thread_id)
    if thread is None or not can_view_thread(viewer, thread):
        raise NotFound("That thread does not exist, or is not visible to you.")
    return thread


def thread_for_action(
    session: Session, actor: User | None, thread_id: int, *, allowed: Callable[[User, Thread], bool], refused: str,
    anonymous: str = "Log in first.",
) -> Thread:
    """The thread, if `actor` may act on it: 401 for nobody, 404 if they may not
    see it, 403 (with `refused`) if they may see it but `allowed` says no."""
    if actor is None:
        raise NotAuthenticated(anonymous)
    thread = get_thread(session, actor, thread_id)
    if not allowed(actor, thread):
        raise PermissionDenied(refused)
    return thread


@dataclass(frozen=True, slots=True)
class ThreadSummary:
    thread: Thread
    author_name: str | None
    board_slug: str


@dataclass(frozen=True, slots=True)
class ThreadPage:
    threads: list[ThreadSummary]
    next_cursor: str | None


def _encode_cursor(thread: Thread) -> str:
    raw = json.dumps([int(thread.pinned), thread.last_activity_at.isoformat(), thread.id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[bool, datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        pinned, when, ident = json.loads(base64.urlsafe_b64decode(padded.encode()))
        when, ident = datetime.fromisoformat(when), int(ident)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, OverflowError):
        raise InvalidInput("That cursor is not one this server gave out.", field="cursor") from None
    # Cursors carry an aware time and a real id; anything else would fail in the query.
    if when.tzinfo is None or not 0 <= ident <= MAX_ID:
        raise InvalidInput("That cursor is not one this server gave out.", field="cursor")
    return bool(pinned), when, ident


def board_threads(
    session: Session, viewer: User | None, board: Board, *, cursor: str | None = None, limit: int = 30
) -> ThreadPage:
    """Threads homed on or listed on the board: pinned first, then by latest activity."""
    listed = select(ThreadListing.thread_id).where(ThreadListing.board_id == board.id)
    query = (
        select(Thread, User.name, Board.slug)
        .join(Board, Board.id == Thread.board_id)
        .outerjoin(User, User.id == Thread.author_id)
        .where(or_(Thread.board_id == board.id, Thread.id.in_(listed)))  # type: ignore[union-attr]
        .where(visible_thread_clause(viewer))
        .order_by(Thread.pinned.desc(), Thread.last_activity_at.desc(), Thread.id.desc())  # type: ignore[attr-defined]
        .limit(limit + 1)
    )
    if cursor:
        pinned, when, ident = _decode_cursor(cursor)
        query = query.where(
            tuple_(Thread.pinned, Thread.last_activity_at, Thread.id) < tuple_(pinned, when, ident)
        )
    rows = session.execute(query).all()
    summaries = [ThreadSummary(thread=t, author_name=name, board_slug=slug) for t, name, slug in rows[:limit]]
    next_cursor = _encode_cursor(rows[limit - 1][0]) if len(rows) > limit else None
    return ThreadPage(threads=summaries, next_cursor=next_cursor)


def threads_by_author(session: Session, viewer: User | None, author_id: int, *, limit: int = 20) -> list[ThreadSummary]:
    rows = session.execute(
        select(Thread, User.name, Board.slug)
        .join(Board, Board.id == Thread.board_id)
        .outerjoin(User, User.id == Thread.author_id)
        .where(Thread.author_id == author_id, visible_thread_clause(viewer))
        .order_by(Thread.id.desc())
        .limit(limit)
    ).all()
    return [ThreadSummary(thread=t, author_name=n, board_slug=s) for t, n, s in rows]


def search_threads(session: Session, viewer: User | None, query: str, *, limit: int = 50) -> list[ThreadSummary]:
    """Threads whose title or text contains every word of the query (case-insensitive)."""
    # Stored text has no control characters, and PostgreSQL refuses a NUL in a query.
    query = strip_controls(query)
    words = [w for w in query.split() if w][:8]
    if not words or len(query) > 200:
        raise InvalidInput("Search for one to eight words, up to 200 characters.", field="q")
    statement = (
        select(Thread, User.name, Board.slug)
        .join(Board, Board.id == Thread.board_id)
        .outerjoin(User, User.id == Thread.author_id)
        .where(visible_thread_clause(viewer))
    )
    for word in words:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(
            or_(Thread.title.ilike(pattern, escape="\\"), Thread.body_md.ilike(pattern, escape="\\"))  # type: ignore[attr-defined]
        )
    rows = session.execute(statement.order_by(Thread.last_activity_at.desc()).limit(limit)).all()  # type: ignore[attr-defined]
    return [ThreadSummary(thread=t, author_name=n, board_slug=s) for t, n, s in rows]
