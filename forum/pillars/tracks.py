"""Educate tracks: a moderator arranges threads into an ordered curriculum;
members mark steps done and resume where they left off.

Steps are numbered 1..n and renumbered by every change, so "step 3 of 7"
always counts from the track as it now stands. A change to a track bumps the
revision of every thread in it: each one's page shows its place in the track.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlmodel import Session

from forum.accounts.models import User
from forum.accounts.permissions import can_follow_track, can_manage_tracks, can_view_thread
from forum.boards.models import Thread
from forum.boards.queries import get_board
from forum.boards.services import touch_thread
from forum.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from forum.moderation.audit import record_event
from forum.pillars.models import Track, TrackProgress, TrackStep
from forum.text import strip_controls
from forum.types import Status

EDUCATE = "educate"
MAX_TITLE = 200
MAX_DESCRIPTION = 2000
MAX_STEPS = 100


def check_track_manager(session: Session, actor: User | None) -> User:
    if actor is None:
        raise NotAuthenticated("Log in first.")
    if not can_manage_tracks(actor, get_board(session, EDUCATE).id):  # type: ignore[arg-type]
        raise PermissionDenied("Only a moderator of the Educate board can arrange tracks.")
    return actor


def get_track(session: Session, track_id: int) -> Track:
    track = session.get(Track, track_id)
    if track is None:
        raise NotFound("There is no such track.")
    return track


def _title(value: str) -> str:
    title = " ".join(strip_controls(value).split())
    if not title:
        raise InvalidInput("Give the track a title.", field="title")
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"A title is at most {MAX_TITLE} characters.", field="title")
    return title


def _description(value: str) -> str:
    text = strip_controls(value).strip()
    if len(text) > MAX_DESCRIPTION:
        raise InvalidInput(f"A description is at most {MAX_DESCRIPTION} characters.", field="description")
    return text


def _steps(session: Session, track_id: int) -> list[TrackStep]:
    return list(session.scalars(select(TrackStep).where(TrackStep.track_id == track_id).order_by(TrackStep.position, TrackStep.id)))


def _touch_all(session: Session, steps: list[TrackStep], *extra: int) -> None:
    for thread_id in {s.thread_id for s in steps} | set(extra):
        touch_thread(session, thread_id=thread_id)


def _renumber(session: Session, steps: list[TrackStep]) -> None:
    for position, step in enumerate(steps, start=1):
        step.position = position
        session.add(step)
    session.flush()


def _audit(session: Session, actor: User, track: Track, action: str, **data: object) -> None:
    record_event(session, actor_id=actor.id, action=action, target_type="track", target_id=track.id, data=data)


def create_track(session: Session, *, actor: User | None, title: str, description: str = "") -> Track:
    manager = check_track_manager(session, actor)
    track = Track(title=_title(title), description=_description(description), created_by_id=manager.id)
    session.add(track)
    session.flush()
    _audit(session, manager, track, "track.created", title=track.title)
    return track


def update_track(session: Session, *, actor: User | None, track_id: int, title: str, description: str) -> bool:
    manager = check_track_manager(session, actor)
    track = get_track(session, track_id)
    new_title, new_description = _title(title), _description(description)
    if (track.title, track.description) == (new_title, new_description):
        return False
    track.title, track.description = new_title, new_description
    session.add(track)
    _audit(session, manager, track, "track.updated", title=new_title)
    _touch_all(session, _steps(session, track_id))
    return True


def add_step(session: Session, *, actor: User | None, track_id: int, thread_id: int) -> bool:
    """Append a thread as the track's last step; False if it is in the track already."""
    manager = check_track_manager(session, actor)
    track = get_track(session, track_id)
    thread = session.get(Thread, thread_id)
    if thread is None or not can_view_thread(manager, thread) or thread.status != Status.PUBLISHED:
        raise InvalidInput(f"There is no published thread {thread_id}.", field="thread_id")
    steps = _steps(session, track_id)
    if any(s.thread_id == thread_id for s in steps):
        return False
    if len(steps) >= MAX_STEPS:
        raise Conflict(f"A track has at most {MAX_STEPS} steps.")
    session.add(TrackStep(track_id=track_id, thread_id=thread_id, position=len(steps) + 1))
    session.flush()
    _audit(session, manager, track, "track.step_added", thread_id=thread_id)
    _touch_all(session, steps, thread_id)
    return True


def remove_step(session: Session, *, actor: User | None, track_id: int, thread_id: int) -> bool:
    manager = check_track_manager(session, actor)
    track = get_track(session, track_id)
    steps = _steps(session, track_id)
    gone = [s for s in steps if s.thread_id == thread_id]
    if not gone:
        return False
    session.execute(delete(TrackProgress).where(TrackProgress.step_id == gone[0].id))  # type: ignore[arg-type]
    session.delete(gone[0])
    session.flush()
    _renumber(session, [s for s in steps if s.thread_id != thread_id])
    _audit(session, manager, track, "track.step_removed", thread_id=thread_id)
    _touch_all(session, steps)
    return True


def move_step(session: Session, *, actor: User | None, track_id: int, thread_id: int, to: int | None = None, by: int = 0) -> bool:
    """Move a step to position `to` (1-based), or `by` places (-1: up one);
    clamped to the track."""
    manager = check_track_manager(session, actor)
    track = get_track(session, track_id)
    steps = _steps(session, track_id)
    index = next((i for i, s in enumerate(steps) if s.thread_id == thread_id), None)
    if index is None:
        raise NotFound("That thread is not a step of this track.")
    target = min(max(to if to is not None else index + 1 + by, 1), len(steps)) - 1
    if target == index:
        return False
    step = steps.pop(index)
    steps.insert(target, step)
    _renumber(session, steps)
    _audit(session, manager, track, "track.step_moved", thread_id=thread_id, position=target + 1)
    _touch_all(session, steps)
    return True


def mark_step(session: Session, *, user: User | None, track_id: int, thread_id: int, done: bool = True) -> bool:
    """Mark a step done (or not done again) for this member; whether anything changed."""
    if user is None:
        raise NotAuthenticated("Log in to keep track of your progress.")
    if not can_follow_track(user):
        raise PermissionDenied("Your account cannot do that now.")
    get_track(session, track_id)
    step = session.scalar(select(TrackStep).where(TrackStep.track_id == track_id, TrackStep.thread_id == thread_id))
    thread = session.get(Thread, thread_id)
    if step is None or thread is None or not can_view_thread(user, thread):
        raise NotFound("That thread is not a step of this track.")
    progress = session.get(TrackProgress, (user.id, step.id))
    if done == (progress is not None):
        return False
    if done:
        session.add(TrackProgress(user_id=user.id, step_id=step.id))  # type: ignore[arg-type]
    else:
        session.delete(progress)
    session.flush()
    return True
