"""API shapes for convenings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from forum.rally.queries import ConveningView
from forum.templating import iso


class ConveningCreate(SQLModel):
    title: str
    starts_at: str = Field(description="ISO 8601 with a zone, e.g. 2026-03-04T17:00:00Z")
    ends_at: str = Field(description="ISO 8601 with a zone, after starts_at")
    questions: list[str] = Field(description="1 to 20 questions, numbered from 1 in this order")
    description: str = ""
    hosts: list[str] = Field(default_factory=list, description="Member names who host besides the scheduler")


class QuestionRelease(SQLModel):
    question: int = Field(ge=1, le=20)


class SlowMode(SQLModel):
    seconds: int = Field(ge=0, le=3600, description="One post per this many seconds per person; 0 turns it off")


class QuestionPublic(SQLModel):
    number: int
    text: str
    released_at: str | None


class ConveningPublic(SQLModel):
    id: int
    thread_id: int
    title: str
    description: str
    hosts: list[str]
    starts_at: str
    ends_at: str
    ended_at: str | None
    state: str
    questions: list[QuestionPublic]
    current_question: QuestionPublic | None
    slow_mode: int
    rsvp_count: int
    rsvp: bool
    url: str


def _question(q: Any) -> dict[str, Any]:
    return {"number": q.number, "text": q.text, "released_at": iso(q.released_at) or None}


def _iso(value: datetime | None) -> str | None:
    return iso(value) or None


def convening_public(view: ConveningView) -> dict[str, Any]:
    c = view.convening
    current = view.current
    return {
        "id": c.id,
        "thread_id": c.thread_id,
        "title": c.title,
        "description": c.description,
        "hosts": view.hosts,
        "starts_at": iso(c.starts_at),
        "ends_at": iso(c.ends_at),
        "ended_at": _iso(c.ended_at),
        "state": str(view.state),
        "questions": [_question(q) for q in view.questions],
        "current_question": _question(current) if current is not None else None,
        "slow_mode": c.slow_mode_seconds,
        "rsvp_count": view.rsvp_count,
        "rsvp": view.rsvp,
        "url": f"/c/{c.id}",
    }
