"""Convenings: a scheduled live discussion on a thread, with numbered questions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Integer, String, Text
from sqlmodel import Field, SQLModel

from forum.db import UTCDateTime, utcnow


class ConveningState(StrEnum):
    UPCOMING = "upcoming"
    LIVE = "live"
    ENDED = "ended"


class Convening(SQLModel, table=True):
    __tablename__ = "convening"

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="thread.id", index=True, nullable=False, ondelete="CASCADE")
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    title: str = Field(sa_column=Column(String(200), nullable=False))
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    starts_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    ends_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    # Set when a host ends it (early or on time); the clock alone ends it at ends_at.
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    current_question: int | None = Field(default=None)
    # Slow mode: one post per this many seconds per person while live (0: off).
    slow_mode_seconds: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    # iCalendar SEQUENCE: bumped by every change a calendar should pick up.
    sequence: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    def state_at(self, now: datetime) -> ConveningState:
        if (self.ended_at is not None and self.ended_at <= now) or now >= self.ends_at:
            return ConveningState.ENDED
        if now >= self.starts_at:
            return ConveningState.LIVE
        return ConveningState.UPCOMING


class ConveningQuestion(SQLModel, table=True):
    """One question of the agenda, numbered from 1 (T1, T2 …)."""

    __tablename__ = "convening_question"

    convening_id: int = Field(foreign_key="convening.id", primary_key=True, ondelete="CASCADE")
    number: int = Field(primary_key=True)
    text: str = Field(sa_column=Column(String(500), nullable=False))
    released_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ConveningHost(SQLModel, table=True):
    __tablename__ = "convening_host"

    convening_id: int = Field(foreign_key="convening.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")


class ConveningRsvp(SQLModel, table=True):
    __tablename__ = "convening_rsvp"

    convening_id: int = Field(foreign_key="convening.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
