"""What the live relay reads from the database: the database is the backlog."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session

from forum.boards.models import Thread
from forum.comments.models import Comment
from forum.comments.queries import CommentView, get_comment_view, thread_comments
from forum.errors import NotFound
from forum.types import Status


@dataclass(frozen=True, slots=True)
class ThreadNews:
    """What a reader of the thread sees that changed since `after`."""

    new: list[CommentView]  # published comments with id > after, in id order
    changed: list[CommentView]  # existing comments named in the notice, still published (edited)
    gone: list[int]  # existing comments named in the notice that readers may no longer see
    locked: bool | None  # the thread's lock state (None if readers may not see the thread)
    latest_id: int  # the highest comment id now in the thread, published or not


def latest_comment_id(session: Session, thread_id: int) -> int:
    return session.scalar(select(func.max(Comment.id)).where(Comment.thread_id == thread_id)) or 0


def published_since(session: Session, thread_id: int, after: int) -> list[CommentView]:
    """The catch-up: every published comment with id > after, in id order."""
    return [c for c in thread_comments(session, None, thread_id, after=after, public_only=True) if c.status == Status.PUBLISHED]


def thread_news(session: Session, thread_id: int, *, after: int, changed_ids: frozenset[int]) -> ThreadNews:
    thread = session.get(Thread, thread_id)
    if thread is None or thread.status != Status.PUBLISHED:
        return ThreadNews(new=[], changed=[], gone=[], locked=None, latest_id=after)
    latest = max(after, latest_comment_id(session, thread_id))
    new = published_since(session, thread_id, after) if latest > after else []
    changed: list[CommentView] = []
    gone: list[int] = []
    for comment_id in sorted(i for i in changed_ids if i <= after):
        try:
            view = get_comment_view(session, None, comment_id)
        except NotFound:
            view = None
        if view is None or view.thread_id != thread_id or view.status != Status.PUBLISHED:
            gone.append(comment_id)
        else:
            changed.append(view)
    return ThreadNews(new=new, changed=changed, gone=gone, locked=thread.locked, latest_id=latest)
