"""What each pillar board shows above its threads."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from forum.accounts.models import User
from forum.accounts.permissions import can_manage_tracks
from forum.boards.models import Board
from forum.pillars.queries import resource_library, story_grid
from forum.pillars.reach import REACH_FORMULA, RECENT_DAYS, reach_ranking
from forum.pillars.track_queries import list_tracks


def board_extras(session: Session, viewer: User | None, board: Board, params: dict[str, str]) -> dict[str, Any] | None:
    """The board's own tool: Arm's library (filtered by `?kind=`), Showcase's
    story cards, Educate's tracks, Harness's reach ranking; None for the rest."""
    if board.slug == "arm":
        kind = params.get("kind", "")
        return {"kind": kind, "library": resource_library(session, viewer, kind=kind or None)}
    if board.slug == "showcase":
        return {"stories": story_grid(session, viewer)}
    if board.slug == "educate":
        return {"tracks": list_tracks(session, viewer), "can_manage": can_manage_tracks(viewer, board.id)}  # type: ignore[arg-type]
    if board.slug == "harness":
        return {"ranking": reach_ranking(session, board_id=board.id), "formula": REACH_FORMULA, "recent_days": RECENT_DAYS}
    return None
