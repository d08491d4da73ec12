"""Reads for convenings. Every read takes the viewer: a convening on a thread
the viewer may not see does not exist for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from forum.accounts.models import User
from forum.accounts.permissions import can_host_convening, can_view_thread
from forum.boards.models import Thread
from forum.boards.queries import visible_thread_clause
from forum.comments.models import Comment
from forum.errors import NotFound
from forum.rally.models import Convening, ConveningHost, ConveningQuestion, ConveningRsvp, ConveningState
from forum.types import Status


@dataclass(frozen=True, slots=True)
class ConveningView:
    convening: Convening
    thread: Thread
    hosts: list[str]
    questions: list[ConveningQuestion]
    state: ConveningState
    rsvp_count: int
    rsvp: bool  # the viewer's own
    can_host: bool

    @property
    def current(self) -> ConveningQuestion | None:
        number = self.convening.current_question
        if number is None or self.state != ConveningState.LIVE:
            return None
        return next((q for q in self.questions if q.number == number), None)

    @property
    def changes_at(self) -> datetime | None:
        """When the clock alone next changes its state (it starts, or it ends), if it will."""
        if self.state == ConveningState.UPCOMING:
            return self.convening.starts_at
        if self.state == ConveningState.LIVE:
            return self.convening.ends_at
        return None

    @property
    def next_question(self) -> ConveningQuestion | None:
        return next((q for q in self.questions if q.released_at is None), None)

    @property
    def released(self) -> list[ConveningQuestion]:
        return [q for q in self.questions if q.released_at is not None]


def _view(session: Session, viewer: User | None, convening: Convening, thread: Thread, now: datetime) -> ConveningView:
    host_rows = session.execute(
        select(User.id, User.name).join(ConveningHost, ConveningHost.user_id == User.id)
        .where(ConveningHost.convening_id == convening.id).order_by(User.name)
    ).all()
    questions = list(session.scalars(
        select(ConveningQuestion).where(ConveningQuestion.convening_id == convening.id).order_by(ConveningQuestion.number)  # type: ignore[arg-type]
    ))
    count = session.scalar(select(func.count()).select_from(ConveningRsvp).where(ConveningRsvp.convening_id == convening.id)) or 0
    mine = viewer is not None and session.get(ConveningRsvp, (convening.id, viewer.id)) is not None
    return ConveningView(
        convening=convening,
        thread=thread,
        hosts=[name for _id, name in host_rows],
        questions=questions,
        state=convening.state_at(now),
        rsvp_count=count,
        rsvp=mine,
        can_host=can_host_convening(viewer, thread, frozenset(i for i, _n in host_rows)),
    )


def get_convening_view(session: Session, viewer: User | None, convening_id: int, *, now: datetime) -> ConveningView:
    convening = session.get(Convening, convening_id)
    thread = session.get(Thread, convening.thread_id) if convening is not None else None
    if convening is None or thread is None or not can_view_thread(viewer, thread):
        raise NotFound("That convening does not exist, or is not visible to you.")
    return _view(session, viewer, convening, thread, now)


def thread_convenings(session: Session, viewer: User | None, thread: Thread, *, now: datetime) -> list[ConveningView]:
    """The convenings on a thread the viewer can see, soonest first."""
    if not can_view_thread(viewer, thread):
        return []
    rows = session.scalars(select(Convening).where(Convening.thread_id == thread.id).order_by(Convening.starts_at, Convening.id))  # type: ignore[arg-type]
    return [_view(session, viewer, c, thread, now) for c in rows]


@dataclass(frozen=True, slots=True)
class Schedule:
    live: list[ConveningView]
    upcoming: list[ConveningView]
    past: list[ConveningView]


def all_convenings(session: Session, viewer: User | None, *, now: datetime, limit: int = 200) -> list[ConveningView]:
    rows = session.execute(
        select(Convening, Thread).join(Thread, Thread.id == Convening.thread_id)
        .where(visible_thread_clause(viewer)).order_by(Convening.starts_at.desc(), Convening.id.desc()).limit(limit)  # type: ignore[attr-defined]
    ).all()
    return [_view(session, viewer, c, t, now) for c, t in rows if can_view_thread(viewer, t)]


def schedule(session: Session, viewer: User | None, *, now: datetime) -> Schedule:
    """The Rally board's listing: live now, upcoming (soonest first), past (latest first)."""
    views = all_convenings(session, viewer, now=now)
    upcoming = sorted((v for v in views if v.state == ConveningState.UPCOMING), key=lambda v: v.convening.starts_at)
    return Schedule(
        live=[v for v in views if v.state == ConveningState.LIVE],
        upcoming=upcoming,
        past=[v for v in views if v.state == ConveningState.ENDED],
    )


@dataclass(frozen=True, slots=True)
class Answer:
    id: int
    author: str | None
    body_md: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Transcript:
    view: ConveningView
    by_question: list[tuple[ConveningQuestion, list[Answer]]]
    other: list[Answer]  # posted during the convening before any question, or to none
    participants: list[str]

    @property
    def answer_count(self) -> int:
        return sum(len(a) for _q, a in self.by_question) + len(self.other)


def transcript(session: Session, viewer: User | None, convening_id: int, *, now: datetime) -> Transcript:
    """The archive: published comments tied to the convening, grouped by
    question. Held, hidden and removed posts never appear, whoever asks."""
    view = get_convening_view(session, viewer, convening_id, now=now)
    rows = session.execute(
        select(Comment.id, User.name, Comment.body_md, Comment.created_at, Comment.question)
        .outerjoin(User, User.id == Comment.author_id)
        .where(Comment.convening_id == convening_id, Comment.status == Status.PUBLISHED)
        .order_by(Comment.id)
    ).all()
    grouped: dict[int, list[Answer]] = {q.number: [] for q in view.questions}
    other: list[Answer] = []
    participants: list[str] = []
    for comment_id, name, body, created_at, question in rows:
        answer = Answer(id=comment_id, author=name, body_md=body, created_at=created_at)
        (grouped[question] if question in grouped else other).append(answer)
        if name and name not in participants:
            participants.append(name)
    by_question = [(q, grouped[q.number]) for q in view.questions]
    return Transcript(view=view, by_question=by_question, other=other, participants=sorted(participants, key=str.lower))
