"""Board settings an admin changes: whether every post on a board waits for a moderator."""

from __future__ import annotations

from sqlmodel import Session

from forum.accounts.models import User
from forum.accounts.permissions import can_admin
from forum.boards.queries import get_board
from forum.errors import NotFound
from forum.moderation.audit import record_event


def set_board_premoderation(session: Session, *, admin: User | None, board_slug: str, on: bool) -> bool:
    """Turn pre-moderation on or off for a board. True if it changed."""
    if not can_admin(admin):
        raise NotFound("There is nothing at this address.")
    assert admin is not None
    board = get_board(session, board_slug)
    if board.premoderated == on:
        return False
    board.premoderated = on
    record_event(session, actor_id=admin.id, action="board.premoderation", target_type="board", target_id=board.id,
                 data={"board": board.slug, "before": not on, "after": on})
    session.flush()
    return True
