"""Reads for comments. Every read takes the viewer; hidden things stay hidden."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select, true
from sqlmodel import Session

from forum.accounts.models import User
from forum.accounts.permissions import can_view_comment, moderated_board_ids
from forum.comments.models import Comment, CommentRevision
from forum.errors import NotFound
from forum.types import Status

# Statuses every reader sees: removed comments appear as placeholders.
PUBLIC_STATUSES = (Status.PUBLISHED, Status.REMOVED)


@dataclass(frozen=True, slots=True)
class CommentView:
    id: int
    thread_id: int
    parent_id: int | None
    author_id: int | None
    author_name: str | None
    body_html: str
    status: str
    created_at: datetime
    edited_at: datetime | None
    # The convening question it answers (1-based), if any.
    question: int | None = None

    @property
    def is_removed(self) -> bool:
        return self.status == Status.REMOVED


def _visible(viewer: User | None):  # type: ignore[no-untyped-def]
    boards = moderated_board_ids(viewer)
    if boards is None:
        return true()
    clause = Comment.status.in_(PUBLIC_STATUSES)  # type: ignore[attr-defined]
    if viewer is not None:
        # Authors see their own comments that wait for a moderator or were taken down.
        clause = or_(clause, and_(Comment.status.in_((Status.HELD, Status.HIDDEN)), Comment.author_id == viewer.id))  # type: ignore[attr-defined]
    if boards:
        from forum.boards.models import Thread

        clause = or_(clause, Comment.thread_id.in_(select(Thread.id).where(Thread.board_id.in_(boards))))  # type: ignore[attr-defined]
    return clause


def _view(comment: Comment, author_name: str | None) -> CommentView:
    return _row_view(
        comment.id,  # type: ignore[arg-type]
        comment.thread_id,
        comment.parent_id,
        comment.author_id,
        author_name,
        comment.body_html,
        comment.status,
        comment.created_at,
        comment.edited_at,
        comment.question,
    )


def _row_view(
    comment_id: int,
    thread_id: int,
    parent_id: int | None,
    author_id: int | None,
    author_name: str | None,
    body_html: str,
    status: str,
    created_at: datetime,
    edited_at: datetime | None,
    question: int | None = None,
) -> CommentView:
    removed = status == Status.REMOVED
    return CommentView(
        id=comment_id,
        thread_id=thread_id,
        parent_id=parent_id,
        author_id=None if removed else author_id,
        author_name=None if removed else author_name,
        body_html="" if removed else body_html,
        status=status,
        created_at=created_at,
        edited_at=edited_at,
        question=question,
    )


# The columns a CommentView needs, selected as plain rows: building ORM objects
# (with the Markdown source nobody reads here) costs more than the query.
_VIEW_COLUMNS = (
    Comment.id,
    Comment.thread_id,
    Comment.parent_id,
    Comment.author_id,
    User.name,
    Comment.body_html,
    Comment.status,
    Comment.created_at,
    Comment.edited_at,
    Comment.question,
)


def thread_comments(
    session: Session,
    viewer: User | None,
    thread_id: int,
    *,
    after: int = 0,
    limit: int | None = None,
    public_only: bool = False,
) -> list[CommentView]:
    """Comments of a thread in id order, with their authors' names, in one query."""
    query = (
        select(*_VIEW_COLUMNS)
        .outerjoin(User, User.id == Comment.author_id)
        .where(Comment.thread_id == thread_id, Comment.id > after)
        .where(Comment.status.in_(PUBLIC_STATUSES) if public_only else _visible(viewer))  # type: ignore[attr-defined]
        .order_by(Comment.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return [_row_view(*row) for row in session.execute(query)]


def get_comment(session: Session, viewer: User | None, comment_id: int) -> Comment:
    from forum.boards.models import Thread

    comment = session.get(Comment, comment_id)
    thread = session.get(Thread, comment.thread_id) if comment is not None else None
    if comment is None or thread is None or not can_view_comment(viewer, comment, thread):
        raise NotFound("That comment does not exist, or is not visible to you.")
    return comment


def get_comment_view(session: Session, viewer: User | None, comment_id: int) -> CommentView:
    comment = get_comment(session, viewer, comment_id)
    name = session.scalar(select(User.name).where(User.id == comment.author_id)) if comment.author_id else None
    return _view(comment, name)


def comment_history(session: Session, comment_id: int) -> list[CommentRevision]:
    return list(
        session.scalars(
            select(CommentRevision).where(CommentRevision.comment_id == comment_id).order_by(CommentRevision.id.desc())  # type: ignore[union-attr]
        )
    )


def comments_by_author(session: Session, viewer: User | None, author_id: int, *, limit: int = 20) -> list[CommentView]:
    from forum.boards.models import Thread
    from forum.boards.queries import visible_thread_clause

    rows = session.execute(
        select(Comment, User.name)
        .join(Thread, Thread.id == Comment.thread_id)
        .outerjoin(User, User.id == Comment.author_id)
        .where(Comment.author_id == author_id, Comment.status != Status.REMOVED)
        .where(_visible(viewer), visible_thread_clause(viewer))
        .order_by(Comment.id.desc())
        .limit(limit)
    ).all()
    return [_view(c, n) for c, n in rows]
