"""What the comment path asks of a thread's live convening: which question a
new comment answers, and whether slow mode lets its author post yet."""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlmodel import Session

from forum.accounts.models import User
from forum.accounts.permissions import can_host_convening
from forum.boards.models import Thread
from forum.comments.models import Comment
from forum.errors import InvalidInput, RateLimited
from forum.rally.models import Convening, ConveningQuestion
from forum.rally.services import host_ids


def live_convening(session: Session, thread_id: int, now: datetime) -> Convening | None:
    """The convening live on this thread now (the latest to start, should two overlap)."""
    return session.scalar(
        select(Convening)
        .where(Convening.thread_id == thread_id, Convening.starts_at <= now, Convening.ends_at > now)
        .where(or_(Convening.ended_at.is_(None), Convening.ended_at > now))  # type: ignore[union-attr]
        .order_by(Convening.starts_at.desc(), Convening.id.desc())  # type: ignore[attr-defined]
        .limit(1)
    )


def answer_for(
    session: Session, *, author: User, thread: Thread, question: int | None, now: datetime
) -> tuple[int | None, int | None]:
    """(convening id, question number) for a comment posted now; raises for a
    question not yet released, or a post too soon under slow mode."""
    convening = live_convening(session, thread.id, now)  # type: ignore[arg-type]
    if convening is None:
        if question is not None:
            raise InvalidInput("No convening is live on this thread, so a comment cannot answer one of its questions.", field="question")
        return None, None
    seconds = convening.slow_mode_seconds
    if seconds and not can_host_convening(author, thread, host_ids(session, convening.id)):  # type: ignore[arg-type]
        last = session.scalar(select(func.max(Comment.created_at)).where(Comment.thread_id == thread.id, Comment.author_id == author.id))
        if last is not None:
            wait = seconds - (now - last).total_seconds()
            if wait > 0:
                retry = max(1, math.ceil(wait))
                raise RateLimited(
                    f"Slow mode is on: one post every {seconds} seconds per person. You can post again in {retry} seconds.",
                    retry_after=retry,
                )
    if question is None:
        return convening.id, convening.current_question
    released = session.get(ConveningQuestion, (convening.id, question))
    if released is None or released.released_at is None:
        raise InvalidInput(f"Question {question} has not been released yet; answer a released question.", field="question")
    return convening.id, question
