"""Reads for the pillar boards and the thread page's pillar cards."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from sqlalchemy import select
from sqlmodel import Session

from forum.accounts.models import User
from forum.accounts.permissions import can_curate_thread
from forum.boards.models import Board, Thread
from forum.boards.queries import ThreadView, visible_thread_clause
from forum.pillars.curation import resource_kind
from forum.pillars.models import ThreadResource, ThreadStory
from forum.pillars.track_queries import TrackPlace, thread_places


@dataclass(frozen=True, slots=True)
class LibraryItem:
    resource: ThreadResource
    thread: Thread
    board_slug: str


@dataclass(frozen=True, slots=True)
class StoryItem:
    story: ThreadStory
    thread: Thread


def resource_for(session: Session, thread_id: int) -> ThreadResource | None:
    return session.get(ThreadResource, thread_id)


def story_for(session: Session, thread_id: int) -> ThreadStory | None:
    return session.get(ThreadStory, thread_id)


def resource_library(session: Session, viewer: User | None, *, kind: str | None = None, limit: int = 200) -> list[LibraryItem]:
    """Resources on threads the viewer can see, newest first; `kind` filters (422 if it is not a kind)."""
    query = (
        select(ThreadResource, Thread, Board.slug)
        .join(Thread, Thread.id == ThreadResource.thread_id)
        .join(Board, Board.id == Thread.board_id)
        .where(visible_thread_clause(viewer))
        .order_by(ThreadResource.updated_at.desc(), Thread.id.desc())  # type: ignore[attr-defined]
        .limit(limit)
    )
    if kind:
        query = query.where(ThreadResource.kind == resource_kind(kind))
    return [LibraryItem(resource=r, thread=t, board_slug=slug) for r, t, slug in session.execute(query)]


def story_grid(session: Session, viewer: User | None, *, limit: int = 60) -> list[StoryItem]:
    rows = session.execute(
        select(ThreadStory, Thread)
        .join(Thread, Thread.id == ThreadStory.thread_id)
        .where(visible_thread_clause(viewer))
        .order_by(ThreadStory.updated_at.desc(), Thread.id.desc())  # type: ignore[attr-defined]
        .limit(limit)
    )
    return [StoryItem(story=s, thread=t) for s, t in rows]


@dataclass(frozen=True, slots=True)
class Reach:
    """What the thread page offers for taking the conversation elsewhere."""

    thread_url: str
    snippet: str
    mailto: str


def reach_for(view: ThreadView, base_url: str) -> Reach:
    base = base_url.rstrip("/")
    thread = view.thread
    thread_url = f"{base}/t/{thread.id}/{thread.slug}"
    # The embed finds its thread by the article's address when it has one;
    # otherwise it names the thread itself.
    target = f'data-url="{view.source_url}"' if view.source_url else f'data-thread="{thread.id}"'
    snippet = (
        f'<div id="forum-thread" {target}></div>\n'
        f'<script src="{base}/static/embed.js" async></script>'
    )
    mailto = "mailto:?" + urlencode({"subject": thread.title, "body": f"{thread.title}\n{thread_url}"}, quote_via=quote)
    return Reach(thread_url=thread_url, snippet=snippet, mailto=mailto)


@dataclass(frozen=True, slots=True)
class ThreadPillars:
    resource: ThreadResource | None = None
    story: ThreadStory | None = None
    places: list[TrackPlace] = field(default_factory=list)
    can_curate: bool = False
    reach: Reach | None = None


def thread_pillars(session: Session, viewer: User | None, view: ThreadView, base_url: str) -> ThreadPillars:
    thread_id: int = view.thread.id  # type: ignore[assignment]
    return ThreadPillars(
        resource=resource_for(session, thread_id),
        story=story_for(session, thread_id),
        places=thread_places(session, viewer, thread_id),
        can_curate=can_curate_thread(viewer, view.thread),
        reach=reach_for(view, base_url),
    )
