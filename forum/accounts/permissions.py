"""Who may do what: pure functions shared by pages, the API and the socket."""

from __future__ import annotations

from forum.accounts.models import User
from forum.boards.models import Thread
from forum.comments.models import Comment
from forum.types import Status


def can_moderate(user: User | None, thread: Thread | None = None) -> bool:
    return user is not None and user.is_moderator


def can_import_articles(user: User | None) -> bool:
    return user is not None and user.is_moderator


def can_view_thread(user: User | None, thread: Thread) -> bool:
    if thread.status == Status.PUBLISHED:
        return True
    if thread.status == Status.HELD:
        return user is not None and (user.id == thread.author_id or user.is_moderator)
    return can_moderate(user, thread)


def can_start_thread(user: User | None) -> bool:
    return user is not None


def can_comment(user: User | None, thread: Thread) -> bool:
    if user is None or thread.status != Status.PUBLISHED:
        return False
    return not thread.locked or can_moderate(user, thread)


def can_view_comment(user: User | None, comment: Comment) -> bool:
    if comment.status in {Status.PUBLISHED, Status.REMOVED}:
        return True
    if comment.status == Status.HELD:
        return user is not None and (user.id == comment.author_id or user.is_moderator)
    return user is not None and user.is_moderator


def can_edit_comment(user: User | None, comment: Comment, thread: Thread) -> bool:
    if user is None or comment.status == Status.REMOVED:
        return False
    if can_moderate(user, thread):
        return True
    return comment.author_id == user.id and not thread.locked


def can_delete_comment(user: User | None, comment: Comment, thread: Thread) -> bool:
    return can_edit_comment(user, comment, thread)
