"""Reads for Educate tracks: their steps as the viewer sees them, and progress."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session

from forum.accounts.models import User
from forum.boards.models import Thread
from forum.boards.queries import visible_thread_clause
from forum.pillars.models import Track, TrackProgress, TrackStep
from forum.pillars.tracks import get_track


@dataclass(frozen=True, slots=True)
class StepView:
    number: int  # 1-based, among the steps this viewer can see
    thread_id: int
    title: str
    slug: str
    done: bool

    @property
    def url(self) -> str:
        return f"/t/{self.thread_id}/{self.slug}"


@dataclass(frozen=True, slots=True)
class TrackView:
    track: Track
    steps: list[StepView]

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def done_count(self) -> int:
        return sum(1 for s in self.steps if s.done)

    @property
    def resume(self) -> StepView | None:
        """Where to continue: the first step not done (None when all are, or there are none)."""
        return next((s for s in self.steps if not s.done), None)

    @property
    def url(self) -> str:
        return f"/tracks/{self.track.id}"


@dataclass(frozen=True, slots=True)
class TrackPlace:
    """Where a thread stands in one track, for its page."""

    track: Track
    step: StepView
    total: int
    previous: StepView | None
    next: StepView | None


@dataclass(frozen=True, slots=True)
class MemberProgress:
    name: str
    done: int


def _step_rows(session: Session, viewer: User | None, track_ids: list[int]) -> dict[int, list[tuple[int, int, str, str]]]:
    """track id -> [(step id, thread id, title, slug)] in order, visible threads only."""
    rows = session.execute(
        select(TrackStep.track_id, TrackStep.id, Thread.id, Thread.title, Thread.slug)
        .join(Thread, Thread.id == TrackStep.thread_id)
        .where(TrackStep.track_id.in_(track_ids), visible_thread_clause(viewer))  # type: ignore[attr-defined]
        .order_by(TrackStep.track_id, TrackStep.position, TrackStep.id)
    )
    steps: dict[int, list[tuple[int, int, str, str]]] = defaultdict(list)
    for track_id, step_id, thread_id, title, slug in rows:
        steps[track_id].append((step_id, thread_id, title, slug))
    return steps


def _done_steps(session: Session, viewer: User | None, step_ids: list[int]) -> set[int]:
    if viewer is None or not step_ids:
        return set()
    return set(session.scalars(
        select(TrackProgress.step_id).where(TrackProgress.user_id == viewer.id, TrackProgress.step_id.in_(step_ids))  # type: ignore[attr-defined]
    ))


def _views(session: Session, viewer: User | None, tracks: list[Track]) -> list[TrackView]:
    rows = _step_rows(session, viewer, [t.id for t in tracks])  # type: ignore[misc]
    done = _done_steps(session, viewer, [r[0] for steps in rows.values() for r in steps])
    return [
        TrackView(track=t, steps=[
            StepView(number=n, thread_id=thread_id, title=title, slug=slug, done=step_id in done)
            for n, (step_id, thread_id, title, slug) in enumerate(rows.get(t.id, []), start=1)  # type: ignore[arg-type]
        ])
        for t in tracks
    ]


def list_tracks(session: Session, viewer: User | None) -> list[TrackView]:
    tracks = list(session.scalars(select(Track).order_by(Track.id)))
    return _views(session, viewer, tracks)


def track_view(session: Session, viewer: User | None, track_id: int) -> TrackView:
    return _views(session, viewer, [get_track(session, track_id)])[0]


def thread_places(session: Session, viewer: User | None, thread_id: int) -> list[TrackPlace]:
    """Every track this thread is a step of, with its number and neighbours."""
    track_ids = list(session.scalars(select(TrackStep.track_id).where(TrackStep.thread_id == thread_id)))
    if not track_ids:
        return []
    tracks = list(session.scalars(select(Track).where(Track.id.in_(track_ids)).order_by(Track.id)))  # type: ignore[union-attr]
    places = []
    for view in _views(session, viewer, tracks):
        index = next((i for i, s in enumerate(view.steps) if s.thread_id == thread_id), None)
        if index is None:
            continue
        places.append(TrackPlace(
            track=view.track,
            step=view.steps[index],
            total=view.total,
            previous=view.steps[index - 1] if index > 0 else None,
            next=view.steps[index + 1] if index + 1 < view.total else None,
        ))
    return places


def member_progress(session: Session, track_id: int) -> list[MemberProgress]:
    """Each member who has marked a step of the track done, with how many (most first)."""
    rows = session.execute(
        select(User.name, func.count(TrackProgress.step_id))
        .join(TrackProgress, TrackProgress.user_id == User.id)
        .join(TrackStep, TrackStep.id == TrackProgress.step_id)
        .where(TrackStep.track_id == track_id)
        .group_by(User.name)
        .order_by(func.count(TrackProgress.step_id).desc(), User.name)
    )
    return [MemberProgress(name=name, done=done) for name, done in rows]
