"""Moderators' verbs on comments and threads.

Each returns whether anything changed, leaves an audit event, closes the
post's open queue item and flags, and marks the thread changed so every open
page hears of it (`hidden`, `comment` or `thread` on the socket).
"""

from __future__ import annotations

from sqlmodel import Session

from forum.accounts.models import User
from forum.accounts.permissions import can_moderate, can_moderate_board, can_view_comment, can_view_thread
from forum.boards.models import Thread
from forum.boards.queries import get_board, thread_for_action
from forum.boards.services import synchronize_board, synchronize_thread, touch_thread
from forum.comments.models import Comment
from forum.db import mark_thread_changed, utcnow
from forum.errors import InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from forum.moderation.audit import record_event
from forum.moderation.models import Resolution, TargetType
from forum.moderation.queue import close_items
from forum.types import Status

MAX_REASON = 1000


def _reason(reason: str | None, *, required: bool = False) -> str:
    reason = " ".join((reason or "").split())
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"A reason is at most {MAX_REASON} characters.", field="reason")
    if required and not reason:
        raise InvalidInput("Give a reason; the author will see it.", field="reason")
    return reason


def moderated_thread(session: Session, moderator: User | None, thread_id: int) -> Thread:
    """The thread, if the moderator may act on it: 404 if they may not see it, 403 if they may see but not moderate."""
    return thread_for_action(session, moderator, thread_id, allowed=can_moderate, refused="Only a moderator of this board can do that.")


def moderated_comment(session: Session, moderator: User | None, comment_id: int) -> tuple[Comment, Thread]:
    if moderator is None:
        raise NotAuthenticated("Log in first.")
    comment = session.get(Comment, comment_id)
    thread = session.get(Thread, comment.thread_id) if comment is not None else None
    if comment is None or thread is None or not can_view_thread(moderator, thread):
        raise NotFound("That comment does not exist, or is not visible to you.")
    if not can_moderate(moderator, thread):
        # Its author sees a hidden comment (with the reason): refused, not missing.
        if not can_view_comment(moderator, comment, thread):
            raise NotFound("That comment does not exist, or is not visible to you.")
        raise PermissionDenied("Only a moderator of this board can do that.")
    return comment, thread


# Comments ----------------------------------------------------------------


def _set_comment_status(
    session: Session,
    *,
    moderator: User | None,
    comment_id: int,
    to: Status,
    allowed_from: set[Status],
    action: str,
    resolution: Resolution,
    reason: str,
) -> bool:
    comment, thread = moderated_comment(session, moderator, comment_id)
    assert moderator is not None
    if comment.status == to:
        close_items(session, moderator=moderator, target_type=TargetType.COMMENT, target_id=comment.id, resolution=resolution, reason=reason)  # type: ignore[arg-type]
        return False
    if comment.status not in allowed_from:
        raise InvalidInput(f"A {comment.status} comment cannot be {action.split('.')[-1]}.")
    before = comment.status
    comment.status = to
    comment.mod_reason = reason if to == Status.HIDDEN else ""
    record_event(session, actor_id=moderator.id, action=action, target_type="comment", target_id=comment.id,
                 data={"thread_id": thread.id, "before": before, "after": str(to), "reason": reason})
    close_items(session, moderator=moderator, target_type=TargetType.COMMENT, target_id=comment.id, resolution=resolution, reason=reason)  # type: ignore[arg-type]
    session.flush()
    synchronize_thread(session, thread_id=thread.id)  # type: ignore[arg-type]
    mark_thread_changed(session, thread.id, comment.id)  # type: ignore[arg-type]
    return True


def hide_comment(session: Session, *, moderator: User | None, comment_id: int, reason: str | None = None) -> bool:
    return _set_comment_status(session, moderator=moderator, comment_id=comment_id, to=Status.HIDDEN,
                               allowed_from={Status.PUBLISHED, Status.HELD}, action="comment.hidden",
                               resolution=Resolution.HIDDEN, reason=_reason(reason))


def restore_comment(session: Session, *, moderator: User | None, comment_id: int, reason: str | None = None) -> bool:
    return _set_comment_status(session, moderator=moderator, comment_id=comment_id, to=Status.PUBLISHED,
                               allowed_from={Status.HIDDEN}, action="comment.restored",
                               resolution=Resolution.RESTORED, reason=_reason(reason))


def approve_comment(session: Session, *, moderator: User | None, comment_id: int, reason: str | None = None) -> bool:
    return _set_comment_status(session, moderator=moderator, comment_id=comment_id, to=Status.PUBLISHED,
                               allowed_from={Status.HELD, Status.HIDDEN}, action="comment.approved",
                               resolution=Resolution.APPROVED, reason=_reason(reason))


def reject_comment(session: Session, *, moderator: User | None, comment_id: int, reason: str | None = None) -> bool:
    return _set_comment_status(session, moderator=moderator, comment_id=comment_id, to=Status.HIDDEN,
                               allowed_from={Status.HELD, Status.PUBLISHED}, action="comment.rejected",
                               resolution=Resolution.REJECTED, reason=_reason(reason, required=True))


# Threads -----------------------------------------------------------------


def _thread_changed(session: Session, thread: Thread) -> None:
    session.flush()
    synchronize_thread(session, thread_id=thread.id)  # type: ignore[arg-type]
    touch_thread(session, thread_id=thread.id)  # type: ignore[arg-type]


def _set_thread_flag(session: Session, *, moderator: User | None, thread_id: int, field: str, value: bool, action: str, reason: str = "") -> bool:
    thread = moderated_thread(session, moderator, thread_id)
    assert moderator is not None
    if getattr(thread, field) == value and (field != "locked" or thread.closed_reason == reason):
        return False
    before = getattr(thread, field)
    setattr(thread, field, value)
    if field == "locked":
        thread.closed_reason = reason if value else ""
    record_event(session, actor_id=moderator.id, action=action, target_type="thread", target_id=thread.id,
                 data={"before": before, "after": value, "reason": reason})
    _thread_changed(session, thread)
    return True


def lock_thread(session: Session, *, moderator: User | None, thread_id: int) -> bool:
    return _set_thread_flag(session, moderator=moderator, thread_id=thread_id, field="locked", value=True, action="thread.locked")


def close_thread(session: Session, *, moderator: User | None, thread_id: int, reason: str | None) -> bool:
    """Lock, with a reason shown on the thread."""
    return _set_thread_flag(session, moderator=moderator, thread_id=thread_id, field="locked", value=True,
                            action="thread.closed", reason=_reason(reason, required=True))


def unlock_thread(session: Session, *, moderator: User | None, thread_id: int) -> bool:
    return _set_thread_flag(session, moderator=moderator, thread_id=thread_id, field="locked", value=False, action="thread.unlocked")


def pin_thread(session: Session, *, moderator: User | None, thread_id: int) -> bool:
    return _set_thread_flag(session, moderator=moderator, thread_id=thread_id, field="pinned", value=True, action="thread.pinned")


def unpin_thread(session: Session, *, moderator: User | None, thread_id: int) -> bool:
    return _set_thread_flag(session, moderator=moderator, thread_id=thread_id, field="pinned", value=False, action="thread.unpinned")


def move_thread(session: Session, *, moderator: User | None, thread_id: int, board_slug: str) -> bool:
    thread = moderated_thread(session, moderator, thread_id)
    assert moderator is not None
    if not board_slug:
        raise InvalidInput("Name the board to move the thread to.", field="board")
    board = get_board(session, board_slug)
    if board.id == thread.board_id:
        return False
    if not can_moderate_board(moderator, board.id):  # type: ignore[arg-type]
        raise PermissionDenied("You can only move threads to boards you moderate.")
    before = thread.board_id
    thread.board_id = board.id  # type: ignore[assignment]
    record_event(session, actor_id=moderator.id, action="thread.moved", target_type="thread", target_id=thread.id,
                 data={"before": before, "after": board.id})
    _thread_changed(session, thread)
    synchronize_board(session, board_id=before)
    return True


def _set_thread_status(
    session: Session,
    *,
    moderator: User | None,
    thread_id: int,
    to: Status,
    allowed_from: set[Status],
    action: str,
    resolution: Resolution,
    reason: str,
) -> bool:
    thread = moderated_thread(session, moderator, thread_id)
    assert moderator is not None
    if thread.status == to:
        close_items(session, moderator=moderator, target_type=TargetType.THREAD, target_id=thread.id, resolution=resolution, reason=reason)  # type: ignore[arg-type]
        return False
    if thread.status not in allowed_from:
        raise InvalidInput(f"A {thread.status} thread cannot be {action.split('.')[-1]}.")
    before = thread.status
    thread.status = to
    thread.mod_reason = reason if to in {Status.HIDDEN, Status.REMOVED} else ""
    if to == Status.REMOVED:
        thread.edited_at = utcnow()
    record_event(session, actor_id=moderator.id, action=action, target_type="thread", target_id=thread.id,
                 data={"before": before, "after": str(to), "reason": reason})
    close_items(session, moderator=moderator, target_type=TargetType.THREAD, target_id=thread.id, resolution=resolution, reason=reason)  # type: ignore[arg-type]
    _thread_changed(session, thread)
    return True


def hide_thread(session: Session, *, moderator: User | None, thread_id: int, reason: str | None = None) -> bool:
    return _set_thread_status(session, moderator=moderator, thread_id=thread_id, to=Status.HIDDEN,
                              allowed_from={Status.PUBLISHED, Status.HELD}, action="thread.hidden",
                              resolution=Resolution.HIDDEN, reason=_reason(reason))


def restore_thread(session: Session, *, moderator: User | None, thread_id: int, reason: str | None = None) -> bool:
    return _set_thread_status(session, moderator=moderator, thread_id=thread_id, to=Status.PUBLISHED,
                              allowed_from={Status.HIDDEN, Status.REMOVED}, action="thread.restored",
                              resolution=Resolution.RESTORED, reason=_reason(reason))


def approve_thread(session: Session, *, moderator: User | None, thread_id: int, reason: str | None = None) -> bool:
    return _set_thread_status(session, moderator=moderator, thread_id=thread_id, to=Status.PUBLISHED,
                              allowed_from={Status.HELD, Status.HIDDEN}, action="thread.approved",
                              resolution=Resolution.APPROVED, reason=_reason(reason))


def reject_thread(session: Session, *, moderator: User | None, thread_id: int, reason: str | None = None) -> bool:
    return _set_thread_status(session, moderator=moderator, thread_id=thread_id, to=Status.HIDDEN,
                              allowed_from={Status.HELD, Status.PUBLISHED}, action="thread.rejected",
                              resolution=Resolution.REJECTED, reason=_reason(reason, required=True))


def delete_thread(session: Session, *, moderator: User | None, thread_id: int, reason: str | None = None) -> bool:
    """Taken off every listing for everyone but moderators; the audit log keeps who and why."""
    return _set_thread_status(session, moderator=moderator, thread_id=thread_id, to=Status.REMOVED,
                              allowed_from={Status.PUBLISHED, Status.HELD, Status.HIDDEN}, action="thread.deleted",
                              resolution=Resolution.REJECTED, reason=_reason(reason))


THREAD_ACTIONS = ("lock", "unlock", "close", "pin", "unpin", "move", "hide", "restore", "delete")


def apply_thread_action(session: Session, *, moderator: User | None, thread_id: int, action: str, reason: str | None = None, board: str | None = None) -> bool:
    """One of THREAD_ACTIONS by name: the thread page and the API both come through here."""
    match action:
        case "lock":
            return lock_thread(session, moderator=moderator, thread_id=thread_id)
        case "unlock":
            return unlock_thread(session, moderator=moderator, thread_id=thread_id)
        case "close":
            return close_thread(session, moderator=moderator, thread_id=thread_id, reason=reason)
        case "pin":
            return pin_thread(session, moderator=moderator, thread_id=thread_id)
        case "unpin":
            return unpin_thread(session, moderator=moderator, thread_id=thread_id)
        case "move":
            return move_thread(session, moderator=moderator, thread_id=thread_id, board_slug=board or "")
        case "hide":
            return hide_thread(session, moderator=moderator, thread_id=thread_id, reason=reason)
        case "restore":
            return restore_thread(session, moderator=moderator, thread_id=thread_id, reason=reason)
        case "delete":
            return delete_thread(session, moderator=moderator, thread_id=thread_id, reason=reason)
    raise NotFound("There is no such thread action.")
