"""API shapes for boards and threads (DESIGN.md is the contract)."""

from __future__ import annotations

from typing import Any

from sqlmodel import SQLModel

from forum.boards.models import Board
from forum.boards.queries import ThreadSummary, ThreadView
from forum.pillars.schemas import ResourcePublic, StoryPublic
from forum.templating import iso


class ThreadCreate(SQLModel):
    board: str
    title: str
    body: str


class BoardPublic(SQLModel):
    slug: str
    name: str
    description: str
    thread_count: int


class ThreadPublic(SQLModel):
    id: int
    board: str
    title: str
    slug: str
    body_html: str
    source_url: str | None
    author: str | None
    comment_count: int
    locked: bool
    pinned: bool
    created_at: str
    last_activity_at: str
    url: str
    # GET /api/v1/threads/{id} only: the Arm resource the thread is marked as,
    # and its Showcase story card.
    resource: ResourcePublic | None = None
    story: StoryPublic | None = None


class ThreadList(SQLModel):
    threads: list[ThreadPublic]
    next_cursor: str | None


def board_public(board: Board) -> dict[str, Any]:
    return {"slug": board.slug, "name": board.name, "description": board.description, "thread_count": board.thread_count}


def thread_public(view: ThreadView | ThreadSummary, *, board_slug: str | None = None) -> dict[str, Any]:
    t = view.thread
    if isinstance(view, ThreadView):
        slug, source = view.board.slug, view.source_url
    else:
        slug, source = view.board_slug, None
    return {
        "id": t.id,
        "board": board_slug or slug,
        "title": t.title,
        "slug": t.slug,
        "body_html": t.body_html,
        "source_url": source,
        "author": view.author_name,
        "comment_count": t.comment_count,
        "locked": t.locked,
        "pinned": t.pinned,
        "created_at": iso(t.created_at),
        "last_activity_at": iso(t.last_activity_at),
        "url": f"/t/{t.id}/{t.slug}",
    }
