"""What the thread page shows of moderation, beside the shared comment tree.

The comment tree is rendered once per thread revision and shared by every
reader who is not a moderator (`forum.boards.cache`), so nothing here may go
into it. What depends on the viewer lives in a `ThreadModeration` the page
renders around the tree: the controls for a moderator of the board, and for an
author, their own posts that wait for a moderator or were taken down, with why.
An anonymous reader gets an empty one, so the page cached for them is the same
for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import select
from sqlmodel import Session

from forum.accounts.models import User
from forum.accounts.permissions import can_moderate
from forum.boards.models import Board, Thread
from forum.boards.queries import list_boards
from forum.comments.models import Comment
from forum.moderation.flags import HIDDEN_BY_FLAGS
from forum.moderation.models import QueueItem, QueueState, TargetType
from forum.moderation.premoderation import PATIENT_INFORMATION, REASON_LABELS
from forum.phi import check
from forum.phi.display import explained, highlighted
from forum.types import Status

FLAG_RECEIVED = "Flag received; a moderator will look at it."


@dataclass(frozen=True, slots=True)
class OwnWaitingComment:
    """One of the viewer's comments that other readers cannot see, and why."""

    id: int
    parent_id: int | None
    body_html: str
    status: str
    created_at: datetime
    notice: str

    # For one held because it may identify a patient: its text with the guard's
    # findings marked, and each finding's words and reason.
    marked: Markup | None = None
    explained: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_held(self) -> bool:
        return self.status == Status.HELD


@dataclass(frozen=True, slots=True)
class ThreadModeration:
    # May use the thread controls (and sees held and hidden comments inline).
    moderator: bool = False
    # The boards a thread can be moved to (moderators only).
    boards: list[Board] = field(default_factory=list)
    # Why the thread itself is not shown to everyone (its author and moderators see this).
    thread_notice: str | None = None
    # The viewer's own held or hidden comments in this thread (not for moderators,
    # who see them in the tree).
    own_waiting: list[OwnWaitingComment] = field(default_factory=list)


NOTHING = ThreadModeration()


def reason_labels(reasons: list[str]) -> str:
    return "; ".join(REASON_LABELS.get(r, r.replace("_", " ")) for r in reasons)


def notice_for(status: str, *, reasons: list[str], mod_reason: str) -> str | None:
    """The line an author reads about their own post that others cannot see."""
    if status == Status.HELD:
        return "Waiting for a moderator: " + reason_labels(reasons) if reasons else "Waiting for a moderator."
    if status == Status.HIDDEN:
        if mod_reason == HIDDEN_BY_FLAGS:
            return mod_reason
        return f"Taken down by a moderator: {mod_reason}" if mod_reason else "Taken down by a moderator."
    if status == Status.REMOVED:
        return f"Deleted by a moderator: {mod_reason}" if mod_reason else "Deleted by a moderator."
    return None


def _open_reasons(session: Session, target_type: str, target_ids: list[int]) -> dict[int, list[str]]:
    if not target_ids:
        return {}
    rows = session.execute(
        select(QueueItem.target_id, QueueItem.reasons).where(
            QueueItem.target_type == target_type,
            QueueItem.target_id.in_(target_ids),  # type: ignore[attr-defined]
            QueueItem.state == QueueState.OPEN,
        )
    )
    return {target_id: list(reasons) for target_id, reasons in rows}


def own_waiting_comments(session: Session, viewer: User, thread_id: int, own_hosts: tuple[str, ...] = ()) -> list[OwnWaitingComment]:
    rows = list(
        session.execute(
            select(Comment.id, Comment.parent_id, Comment.body_html, Comment.body_md, Comment.status, Comment.created_at, Comment.mod_reason)
            .where(
                Comment.thread_id == thread_id,
                Comment.author_id == viewer.id,
                Comment.status.in_((Status.HELD, Status.HIDDEN)),  # type: ignore[attr-defined]
            )
            .order_by(Comment.id)  # type: ignore[arg-type]
        )
    )
    reasons = _open_reasons(session, TargetType.COMMENT, [r.id for r in rows if r.status == Status.HELD])
    waiting = []
    for r in rows:
        findings = check(r.body_md, own_hosts=own_hosts) if PATIENT_INFORMATION in reasons.get(r.id, []) else []
        waiting.append(OwnWaitingComment(
            id=r.id,
            parent_id=r.parent_id,
            body_html=r.body_html,
            status=r.status,
            created_at=r.created_at,
            notice=notice_for(r.status, reasons=reasons.get(r.id, []), mod_reason=r.mod_reason) or "",
            marked=highlighted(r.body_md, findings) if findings else None,
            explained=explained(r.body_md, findings),
        ))
    return waiting


def thread_moderation(session: Session, viewer: User | None, thread: Thread, own_hosts: tuple[str, ...] = ()) -> ThreadModeration:
    """Everything the thread page shows this viewer about moderation."""
    if viewer is None:
        return NOTHING
    moderator = can_moderate(viewer, thread)
    notice = None
    if thread.status != Status.PUBLISHED:
        reasons = _open_reasons(session, TargetType.THREAD, [thread.id]).get(thread.id, [])  # type: ignore[list-item, arg-type]
        notice = notice_for(thread.status, reasons=reasons, mod_reason=thread.mod_reason)
    return ThreadModeration(
        moderator=moderator,
        boards=list_boards(session) if moderator else [],
        thread_notice=notice,
        own_waiting=[] if moderator else own_waiting_comments(session, viewer, thread.id, own_hosts),  # type: ignore[arg-type]
    )
