"""The review queue: everything waiting for a moderator, one open item per post."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, tuple_
from sqlmodel import Session

from forum.accounts.models import User
from forum.accounts.permissions import can_moderate, can_moderate_board, moderated_board_ids
from forum.boards.models import Board, Thread
from forum.comments.models import Comment
from forum.db import publish_after_commit, utcnow
from forum.errors import Conflict, InvalidInput, NotFound
from forum.moderation.audit import record_event
from forum.moderation.models import Flag, QueueItem, QueueState, Resolution, TargetType
from forum.moderation.policy import Policy
from forum.moderation.premoderation import PATIENT_INFORMATION
from forum.phi import check
from forum.phi.display import findings_detail
from forum.types import Status

QUEUE_NOTICE = "q"


def _publish(session: Session, item: QueueItem) -> None:
    session.flush()
    publish_after_commit(session, {QUEUE_NOTICE: item.id})


def open_item(session: Session, target_type: str, target_id: int) -> QueueItem | None:
    return session.scalar(
        select(QueueItem).where(
            QueueItem.target_type == target_type, QueueItem.target_id == target_id, QueueItem.state == QueueState.OPEN
        )
    )


def enqueue(
    session: Session,
    *,
    target_type: str,
    target_id: int,
    thread: Thread,
    author_id: int | None,
    reasons: list[str],
    detail: str = "",
) -> QueueItem:
    """Put a post in the queue, or add reasons to its open item."""
    item = open_item(session, target_type, target_id)
    now = utcnow()
    if item is None:
        item = QueueItem(
            target_type=target_type,
            target_id=target_id,
            thread_id=thread.id,  # type: ignore[arg-type]
            board_id=thread.board_id,
            author_id=author_id,
            reasons=list(dict.fromkeys(reasons)),
            detail=detail,
            created_at=now,
            updated_at=now,
        )
        session.add(item)
    else:
        item.reasons = list(dict.fromkeys([*item.reasons, *reasons]))
        if detail and detail not in item.detail:
            item.detail = "\n".join(filter(None, [item.detail, detail]))
        item.updated_at = now
    _publish(session, item)
    return item


def close_items(session: Session, *, moderator: User, target_type: str, target_id: int, resolution: str, reason: str = "") -> None:
    """The post was acted on (from the queue or the thread page): its item and flags are done."""
    now = utcnow()
    item = open_item(session, target_type, target_id)
    if item is not None:
        item.state = QueueState.DONE
        item.resolved_by_id = moderator.id
        item.resolution = resolution
        item.resolution_reason = reason
        item.resolved_at = now
        item.updated_at = now
        _publish(session, item)
    for flag in session.scalars(
        select(Flag).where(Flag.target_type == target_type, Flag.target_id == target_id, Flag.resolution.is_(None))  # type: ignore[union-attr]
    ):
        flag.resolution = resolution
        flag.resolved_at = now


def recheck_after_edit(session: Session, *, author: User, comment: Comment, thread: Thread, policy: Policy) -> str | None:
    """The author edited their comment: run the health-care guard on the new text.

    A published comment that now may identify a patient is held, like a new
    one. A comment held only for what the guard found is published once the
    author has edited it all away; held for other reasons too (a new account,
    a pre-moderated board), it keeps waiting for those. Returns the comment's
    new status when it changed."""
    findings = check(comment.body_md, own_hosts=policy.own_hosts)
    item = open_item(session, TargetType.COMMENT, comment.id)  # type: ignore[arg-type]
    if comment.status == Status.PUBLISHED:
        if not findings:
            return None
        comment.status = Status.HELD
        enqueue(session, target_type=TargetType.COMMENT, target_id=comment.id, thread=thread,  # type: ignore[arg-type]
                author_id=author.id, reasons=[PATIENT_INFORMATION], detail=findings_detail(findings))
        return Status.HELD
    if comment.status != Status.HELD or item is None:
        return None
    if findings:
        enqueue(session, target_type=TargetType.COMMENT, target_id=comment.id, thread=thread,  # type: ignore[arg-type]
                author_id=author.id, reasons=[PATIENT_INFORMATION], detail=findings_detail(findings))
        return None
    if PATIENT_INFORMATION not in item.reasons:
        return None
    item.reasons = [r for r in item.reasons if r != PATIENT_INFORMATION]
    item.detail = "\n".join(line for line in item.detail.splitlines() if not line.startswith("Patient information:"))
    item.updated_at = utcnow()
    if item.reasons:
        return None
    now = utcnow()
    item.state = QueueState.DONE
    item.resolution = Resolution.RESUBMITTED
    item.resolved_at = now
    comment.status = Status.PUBLISHED
    record_event(session, actor_id=author.id, action="comment.resubmitted", target_type="comment", target_id=comment.id,
                 data={"thread_id": thread.id})
    _publish(session, item)
    return Status.PUBLISHED


NOTE_MAX = 500


def add_author_note(session: Session, *, author: User, comment_id: int, note: str) -> QueueItem:
    """The author of a held comment tells the moderators why it is fine ("a public figure")."""
    comment = session.get(Comment, comment_id)
    if comment is None or comment.author_id != author.id or comment.status != Status.HELD:
        raise NotFound("You have no comment waiting by that number.")
    item = open_item(session, TargetType.COMMENT, comment_id)
    if item is None:
        raise Conflict("A moderator has already dealt with that comment.")
    note = " ".join(note.split())
    if not note:
        raise InvalidInput("Write a note for the moderator.", field="note")
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"Keep the note under {NOTE_MAX} characters.", field="note")
    item.detail = "\n".join(filter(None, [item.detail, f"Author's note: {note}"]))
    item.updated_at = utcnow()
    record_event(session, actor_id=author.id, action="comment.note_to_moderators", target_type="comment", target_id=comment_id,
                 data={"note": note})
    _publish(session, item)
    return item


def get_item(session: Session, viewer: User | None, item_id: int) -> QueueItem:
    item = session.get(QueueItem, item_id)
    if item is None or not can_moderate_board(viewer, item.board_id):
        raise NotFound("That queue item does not exist, or is not yours to see.")
    return item


def claim_item(session: Session, *, moderator: User, item_id: int, release: bool = False) -> bool:
    """Say "I am looking at this" (or stop saying it), so two moderators don't act twice."""
    item = get_item(session, moderator, item_id)
    if item.state != QueueState.OPEN:
        raise Conflict("That item has already been dealt with.")
    before = item.claimed_by_id
    item.claimed_by_id = None if release else moderator.id
    item.claimed_at = None if release else utcnow()
    if before == item.claimed_by_id:
        return False
    record_event(session, actor_id=moderator.id, action="queue.released" if release else "queue.claimed", target_type="queue_item", target_id=item.id)
    _publish(session, item)
    return True


@dataclass(frozen=True, slots=True)
class QueueEntry:
    id: int
    target_type: str
    target_id: int
    thread_id: int
    thread_title: str
    board_slug: str
    board_name: str
    author_name: str | None
    status: str
    body_html: str
    body_md: str
    reasons: list[str]
    detail: str
    flag_count: int
    flag_reasons: dict[str, int]
    flag_notes: list[str]
    claimed_by: str | None
    state: str
    created_at: datetime
    updated_at: datetime


SORTS = ("newest", "flags")


def list_queue(
    session: Session,
    viewer: User,
    *,
    board: str | None = None,
    reason: str | None = None,
    sort: str = "newest",
    limit: int = 100,
    item_ids: list[int] | None = None,
) -> list[QueueEntry]:
    """Open items the viewer moderates, newest or most-flagged first."""
    if not can_moderate(viewer):
        return []
    if sort not in SORTS:
        raise InvalidInput("sort is newest or flags.", field="sort")
    query = select(QueueItem, Board).join(Board, Board.id == QueueItem.board_id)
    if item_ids is not None:
        query = query.where(QueueItem.id.in_(item_ids))  # type: ignore[union-attr]
    else:
        query = query.where(QueueItem.state == QueueState.OPEN)
    boards = moderated_board_ids(viewer)
    if boards is not None:
        query = query.where(QueueItem.board_id.in_(boards))  # type: ignore[attr-defined]
    if board:
        query = query.where(Board.slug == board)
    if sort == "flags":
        query = query.order_by(QueueItem.flag_count.desc(), QueueItem.updated_at.desc(), QueueItem.id.desc())  # type: ignore[attr-defined]
    else:
        query = query.order_by(QueueItem.updated_at.desc(), QueueItem.id.desc())  # type: ignore[attr-defined]
    rows = [(item, item_board) for item, item_board in session.execute(query.limit(limit * 4 if reason else limit))]
    entries = [
        entry for entry in queue_entries(session, rows)
        if not reason or reason in entry.reasons or reason in entry.flag_reasons
    ]
    return entries[:limit]


def queue_entries(session: Session, rows: list[tuple[QueueItem, Board]]) -> list[QueueEntry]:
    """What a moderator sees of each item, read in a handful of queries however many there are."""
    thread_ids = {item.thread_id for item, _ in rows}
    comment_ids = {item.target_id for item, _ in rows if item.target_type == TargetType.COMMENT}
    user_ids = {i for item, _ in rows for i in (item.author_id, item.claimed_by_id) if i}
    threads = {t.id: t for t in session.scalars(select(Thread).where(Thread.id.in_(thread_ids)))} if thread_ids else {}  # type: ignore[union-attr]
    comments = {c.id: c for c in session.scalars(select(Comment).where(Comment.id.in_(comment_ids)))} if comment_ids else {}  # type: ignore[union-attr]
    names = {uid: name for uid, name in session.execute(select(User.id, User.name).where(User.id.in_(user_ids)))} if user_ids else {}  # type: ignore[union-attr]
    flags: dict[tuple[str, int], list[Flag]] = {}
    if rows:
        targets = {(item.target_type, item.target_id) for item, _ in rows}
        for flag in session.scalars(
            select(Flag).where(tuple_(Flag.target_type, Flag.target_id).in_(targets), Flag.resolution.is_(None)).order_by(Flag.id)  # type: ignore[union-attr]
        ):
            flags.setdefault((flag.target_type, flag.target_id), []).append(flag)
    entries: list[QueueEntry] = []
    for item, board in rows:
        thread = threads.get(item.thread_id)
        target: Comment | Thread | None = comments.get(item.target_id) if item.target_type == TargetType.COMMENT else thread
        open_flags = flags.get((item.target_type, item.target_id), [])
        counts: dict[str, int] = {}
        for flag in open_flags:
            counts[flag.reason] = counts.get(flag.reason, 0) + 1
        entries.append(QueueEntry(
            id=item.id,  # type: ignore[arg-type]
            target_type=item.target_type,
            target_id=item.target_id,
            thread_id=item.thread_id,
            thread_title=thread.title if thread else "",
            board_slug=board.slug,
            board_name=board.name,
            author_name=names.get(item.author_id) if item.author_id else None,
            status=target.status if target is not None else "",
            body_html=target.body_html if target is not None else "",
            body_md=target.body_md if target is not None else "",
            reasons=list(item.reasons),
            detail=item.detail,
            flag_count=len(open_flags),
            flag_reasons=counts,
            flag_notes=[f.note for f in open_flags if f.note],
            claimed_by=names.get(item.claimed_by_id) if item.claimed_by_id else None,
            state=item.state,
            created_at=item.created_at,
            updated_at=item.updated_at,
        ))
    return entries


def queue_entry_public(entry: QueueEntry) -> dict[str, object]:
    return {
        "id": entry.id,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "thread_id": entry.thread_id,
        "thread_title": entry.thread_title,
        "board": entry.board_slug,
        "author": entry.author_name,
        "status": entry.status,
        "body_html": entry.body_html,
        "reasons": entry.reasons,
        "detail": entry.detail,
        "flag_count": entry.flag_count,
        "flag_reasons": entry.flag_reasons,
        "claimed_by": entry.claimed_by,
        "state": entry.state,
        "created_at": entry.created_at.isoformat(),
        "updated_at": entry.updated_at.isoformat(),
    }


QUEUE_ACTIONS = ("approve", "reject", "hide", "restore", "edit")


def resolve_item(session: Session, *, moderator: User, item_id: int, action: str, reason: str | None = None, body: str | None = None) -> bool:
    """Act on a queue item: the same verbs as the thread page, through one place."""
    from forum.comments.services import edit_comment
    from forum.moderation import actions

    item = get_item(session, moderator, item_id)
    if action not in QUEUE_ACTIONS:
        raise InvalidInput("action is one of: " + ", ".join(QUEUE_ACTIONS) + ".", field="action")
    if item.state != QueueState.OPEN:
        raise Conflict("That item has already been dealt with.")
    if item.target_type == TargetType.COMMENT:
        if action == "edit":
            if body is None:
                raise InvalidInput("Give the edited text.", field="body")
            edit_comment(session, editor=moderator, comment_id=item.target_id, body=body)
            return actions.approve_comment(session, moderator=moderator, comment_id=item.target_id, reason=reason) or True
        verb = {"approve": actions.approve_comment, "reject": actions.reject_comment,
                "hide": actions.hide_comment, "restore": actions.restore_comment}[action]
        return verb(session, moderator=moderator, comment_id=item.target_id, reason=reason)
    if action == "edit":
        raise InvalidInput("Threads are edited from their own page.", field="action")
    verb = {"approve": actions.approve_thread, "reject": actions.reject_thread,
            "hide": actions.hide_thread, "restore": actions.restore_thread}[action]
    return verb(session, moderator=moderator, thread_id=item.target_id, reason=reason)


def held_reasons(session: Session, target_type: str, target_id: int) -> list[str]:
    """Why a post waits: the reasons its open queue item gives (for the 202 answer)."""
    item = open_item(session, target_type, target_id)
    return list(item.reasons) if item is not None else []
