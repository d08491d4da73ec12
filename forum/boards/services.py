"""Thread writes, and the one place board and thread counters are recomputed."""

from __future__ import annotations

from sqlalchemy import func, or_, select, update
from sqlmodel import Session

from forum.accounts.models import User
from forum.accounts.permissions import can_start_thread
from forum.accounts.services import silence_message
from forum.boards.models import Board, Thread, ThreadListing
from forum.boards.queries import get_board
from forum.comments.models import Comment
from forum.db import mark_thread_changed, utcnow
from forum.errors import PermissionDenied
from forum.moderation.models import TargetType
from forum.moderation.policy import DEFAULT_POLICY, Policy
from forum.moderation.premoderation import hold_reasons
from forum.moderation.queue import enqueue
from forum.text import clean_body, clean_title, render_markdown, slugify
from forum.types import Status


def create_thread(
    session: Session,
    *,
    author: User | None,
    board_slug: str,
    title: str,
    body: str,
    article_id: int | None = None,
    system: bool = False,
    board: Board | None = None,
    synchronize: bool = True,
    policy: Policy = DEFAULT_POLICY,
) -> Thread:
    """Start a thread; `system` is for imports and demo content, which have no member author.

    A batch (an import of many articles) passes the `board` it already loaded
    and `synchronize=False`, then calls `synchronize_board` once per board it
    touched, before its commit.
    """
    if not system and not can_start_thread(author):
        if author is not None:
            raise PermissionDenied(silence_message(author))
        raise PermissionDenied("Log in to start a thread.")
    if board is None or board.slug != board_slug:
        board = get_board(session, board_slug)
    title = clean_title(title)
    body = clean_body(body)
    reasons, detail = ([], "") if system or author is None else hold_reasons(session, author=author, board=board, text=f"{title}\n{body}", policy=policy)
    now = utcnow()
    thread = Thread(
        board_id=board.id,  # type: ignore[arg-type]
        title=title,
        slug=slugify(title),
        body_md=body,
        body_html=render_markdown(body),
        author_id=author.id if author else None,
        article_id=article_id,
        status=Status.HELD if reasons else Status.PUBLISHED,
        created_at=now,
        last_activity_at=now,
    )
    session.add(thread)
    session.flush()
    if reasons:
        enqueue(session, target_type=TargetType.THREAD, target_id=thread.id, thread=thread, author_id=thread.author_id,  # type: ignore[arg-type]
                reasons=reasons, detail=detail)
    if synchronize:
        synchronize_board(session, board_id=board.id)  # type: ignore[arg-type]
    return thread


def synchronize_thread(session: Session, *, thread_id: int) -> None:
    """Recompute a thread's counters from its comments and bump its revision.

    Called after every write that touches a thread or its comments; nothing
    else changes comment_count, last_activity_at or revision.
    """
    published = (
        select(func.count(Comment.id), func.max(Comment.created_at))
        .where(Comment.thread_id == thread_id, Comment.status == Status.PUBLISHED)
    )
    count, latest = session.execute(published).one()
    thread = session.get(Thread, thread_id)
    if thread is None:
        return
    thread.comment_count = count
    thread.last_activity_at = max(filter(None, [thread.created_at, latest]))
    thread.revision = (thread.revision or 0) + 1
    session.flush()
    mark_thread_changed(session, thread_id)
    synchronize_board(session, board_id=thread.board_id)
    listed_on = session.scalars(select(ThreadListing.board_id).where(ThreadListing.thread_id == thread_id))
    for board_id in listed_on:
        synchronize_board(session, board_id=board_id)


def synchronize_board(session: Session, *, board_id: int) -> None:
    listed = select(ThreadListing.thread_id).where(ThreadListing.board_id == board_id)
    count, latest = session.execute(
        select(func.count(Thread.id), func.max(Thread.last_activity_at)).where(
            or_(Thread.board_id == board_id, Thread.id.in_(listed)),  # type: ignore[union-attr]
            Thread.status == Status.PUBLISHED,
        )
    ).one()
    session.execute(
        update(Board).where(Board.id == board_id).values(thread_count=count, last_activity_at=latest)
    )


def touch_thread(session: Session, *, thread_id: int) -> None:
    """Bump the revision alone (the thread's own text or flags changed)."""
    session.execute(update(Thread).where(Thread.id == thread_id).values(revision=Thread.revision + 1))
    mark_thread_changed(session, thread_id)


def list_thread_on(
    session: Session, *, thread: Thread, board: Board, synchronize: bool = True, new_thread: bool = False
) -> bool:
    """List the thread on another board too. True if it was not listed there.

    `new_thread`: the thread was made in this transaction, so it can have no
    listing but the ones added here (saves a query per board in a batch)."""
    if board.id == thread.board_id:
        return False
    if new_thread:
        if (thread.id, board.id) in {(o.thread_id, o.board_id) for o in session.new if isinstance(o, ThreadListing)}:
            return False
    elif session.get(ThreadListing, (thread.id, board.id)):
        return False
    session.add(ThreadListing(thread_id=thread.id, board_id=board.id))  # type: ignore[arg-type]
    if synchronize:
        session.flush()
        synchronize_board(session, board_id=board.id)  # type: ignore[arg-type]
    return True
