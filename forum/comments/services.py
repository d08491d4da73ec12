"""Comment writes: post, edit, delete. The page, the API and the socket all call these."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from forum.accounts.models import User
from forum.accounts.permissions import can_comment, can_delete_comment, can_edit_comment, can_post, can_view_thread
from forum.accounts.services import silence_message
from forum.boards.models import Board, Thread
from forum.boards.services import synchronize_thread
from forum.comments.models import Comment, CommentRevision
from forum.db import mark_thread_changed, utcnow
from forum.errors import InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from forum.moderation.audit import record_event
from forum.moderation.models import TargetType
from forum.moderation.policy import DEFAULT_POLICY, Policy
from forum.moderation.premoderation import hold_reasons
from forum.moderation.queue import enqueue, recheck_after_edit
from forum.rally.answers import answer_for
from forum.text import clean_body, render_markdown
from forum.types import Status


def _lock_thread(session: Session, thread_id: int) -> Thread | None:
    """Load the thread holding its row lock until commit.

    Comment ids must become visible in id order within a thread, or a client
    resuming "after id 11" never sees a concurrently committed 10. Holding the
    thread's row lock while inserting serialises a thread's writers on
    PostgreSQL; SQLite has one writer at a time anyway (BEGIN IMMEDIATE).
    """
    return session.scalar(
        select(Thread).where(Thread.id == thread_id).with_for_update().execution_options(populate_existing=True)
    )


def create_comment(
    session: Session,
    *,
    author: User | None,
    thread_id: int,
    body: str,
    parent_id: int | None = None,
    question: int | None = None,
    now: datetime | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> Comment:
    """Post a comment: published, or held for a moderator (its status says which).

    Pre-moderation decides before anything is saved: a watched word that
    blocks refuses the post; a reason to hold (a new account, a pre-moderated
    board, a watched word that holds) saves it as held, in the review queue,
    where nothing but its author and the moderators can see it.

    During a live convening on the thread the comment answers its current
    question, or `question` (one already released); slow mode may refuse it.
    """
    if author is None:
        raise NotAuthenticated("Log in to comment.")
    if not can_post(author):
        raise PermissionDenied(silence_message(author))
    body = clean_body(body, what="comment")
    thread = _lock_thread(session, thread_id)
    if thread is None or not can_view_thread(author, thread):
        raise NotFound("That thread does not exist, or is not visible to you.")
    if not can_comment(author, thread):
        if thread.locked:
            if thread.closed_reason:
                raise PermissionDenied(f"This thread is closed ({thread.closed_reason}); no new comments can be added.")
            raise PermissionDenied("This thread is locked; no new comments can be added.")
        raise PermissionDenied("This thread is not open for comments.")
    if parent_id is not None:
        parent = session.get(Comment, parent_id)
        if parent is None or parent.thread_id != thread.id or parent.status in {Status.HIDDEN, Status.HELD}:
            raise InvalidInput("The comment you are replying to is not in this thread.", field="parent_id")
    now = now or utcnow()
    convening_id, question = answer_for(session, author=author, thread=thread, question=question, now=now)
    board = session.get(Board, thread.board_id)
    assert board is not None
    reasons, detail = hold_reasons(session, author=author, board=board, text=body, policy=policy)
    comment = Comment(
        thread_id=thread.id,  # type: ignore[arg-type]
        parent_id=parent_id,
        author_id=author.id,
        body_md=body,
        body_html=render_markdown(body),
        status=Status.HELD if reasons else Status.PUBLISHED,
        created_at=now,
        convening_id=convening_id,
        question=question,
    )
    session.add(comment)
    session.flush()
    if reasons:
        enqueue(session, target_type=TargetType.COMMENT, target_id=comment.id, thread=thread,  # type: ignore[arg-type]
                author_id=author.id, reasons=reasons, detail=detail)
    synchronize_thread(session, thread_id=thread.id)  # type: ignore[arg-type]
    return comment


def _editable(session: Session, *, actor: User | None, comment_id: int) -> tuple[Comment, Thread]:
    if actor is None:
        raise NotAuthenticated("Log in first.")
    comment = session.get(Comment, comment_id)
    thread = session.get(Thread, comment.thread_id) if comment else None
    if comment is None or thread is None or not can_view_thread(actor, thread):
        raise NotFound("That comment does not exist, or is not visible to you.")
    if comment.status == Status.REMOVED:
        raise NotFound("That comment was removed.")
    return comment, thread


def edit_comment(session: Session, *, editor: User | None, comment_id: int, body: str, policy: Policy = DEFAULT_POLICY) -> bool:
    """Replace a comment's text, keeping the old text in its history. True if it changed.

    The author's edit goes through the health-care guard again (see
    `recheck_after_edit`); a moderator's edit is their own decision."""
    comment, thread = _editable(session, actor=editor, comment_id=comment_id)
    if not can_edit_comment(editor, comment, thread):
        raise PermissionDenied("Only the author can edit this comment.")
    body = clean_body(body, what="comment")
    if body == comment.body_md:
        return False
    session.add(CommentRevision(comment_id=comment.id, editor_id=editor.id, body_md=comment.body_md))  # type: ignore[union-attr, arg-type]
    before = comment.body_md
    comment.body_md = body
    comment.body_html = render_markdown(body)
    comment.edited_at = utcnow()
    if editor.id != comment.author_id:  # type: ignore[union-attr]
        record_event(session, actor_id=editor.id, action="comment.edited", target_type="comment", target_id=comment.id,  # type: ignore[union-attr]
                     data={"thread_id": thread.id, "before": before, "after": body})
    if editor.id == comment.author_id:  # type: ignore[union-attr]
        recheck_after_edit(session, author=editor, comment=comment, thread=thread, policy=policy)  # type: ignore[arg-type]
    session.flush()
    synchronize_thread(session, thread_id=thread.id)  # type: ignore[arg-type]
    mark_thread_changed(session, thread.id, comment.id)  # type: ignore[arg-type]
    return True


def delete_comment(session: Session, *, actor: User | None, comment_id: int) -> bool:
    """Soft-delete: the text goes, a placeholder stays so replies keep their place."""
    comment, thread = _editable(session, actor=actor, comment_id=comment_id)
    if not can_delete_comment(actor, comment, thread):
        raise PermissionDenied("Only the author can delete this comment.")
    comment.status = Status.REMOVED
    comment.removed_at = utcnow()
    record_event(session, actor_id=actor.id, action="comment.removed", target_type="comment", target_id=comment.id)  # type: ignore[union-attr]
    session.flush()
    synchronize_thread(session, thread_id=thread.id)  # type: ignore[arg-type]
    mark_thread_changed(session, thread.id, comment.id)  # type: ignore[arg-type]
    return True
