from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Float, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from forum.db import UTCDateTime, utcnow


class ResourceKind(StrEnum):
    TOOLKIT = "toolkit"
    POLICY_TEMPLATE = "policy_template"
    CHECKLIST = "checklist"
    GUIDE = "guide"


RESOURCE_KIND_LABELS: dict[str, str] = {
    ResourceKind.TOOLKIT: "Toolkit",
    ResourceKind.POLICY_TEMPLATE: "Policy template",
    ResourceKind.CHECKLIST: "Checklist",
    ResourceKind.GUIDE: "Guide",
}


class ThreadResource(SQLModel, table=True):
    """Arm: a thread marked as a resource, with what kind it is and where it lives."""

    __tablename__ = "thread_resource"

    thread_id: int = Field(foreign_key="thread.id", primary_key=True, ondelete="CASCADE")
    kind: str = Field(sa_column=Column(String(32), nullable=False, index=True))
    url: str = Field(sa_column=Column(String(2000), nullable=False))
    set_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ThreadStory(SQLModel, table=True):
    """Showcase: the story card a thread carries, with its measured outcome."""

    __tablename__ = "thread_story"

    thread_id: int = Field(foreign_key="thread.id", primary_key=True, ondelete="CASCADE")
    organisation: str = Field(sa_column=Column(String(200), nullable=False))
    goal: str = Field(sa_column=Column(Text, nullable=False))
    action: str = Field(sa_column=Column(Text, nullable=False))  # what was done
    outcome_value: float = Field(sa_column=Column(Float, nullable=False))
    outcome_unit: str = Field(sa_column=Column(String(80), nullable=False))
    set_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Track(SQLModel, table=True):
    """Educate: threads arranged by a moderator into an ordered curriculum."""

    __tablename__ = "track"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(sa_column=Column(String(200), nullable=False))
    description: str = Field(sa_column=Column(Text, nullable=False, server_default=""))
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class TrackStep(SQLModel, table=True):
    __tablename__ = "track_step"
    __table_args__ = (UniqueConstraint("track_id", "thread_id", name="uq_track_step_thread"),)

    id: int | None = Field(default=None, primary_key=True)
    track_id: int = Field(foreign_key="track.id", nullable=False, index=True, ondelete="CASCADE")
    thread_id: int = Field(foreign_key="thread.id", nullable=False, index=True, ondelete="CASCADE")
    # Order within the track; renumbered 1..n by every change.
    position: int = Field(nullable=False)


class TrackProgress(SQLModel, table=True):
    """A member has marked a step of a track done."""

    __tablename__ = "track_progress"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")
    step_id: int = Field(foreign_key="track_step.id", primary_key=True, ondelete="CASCADE")
    done_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class EmbedSighting(SQLModel, table=True):
    """Harness: a page on another site where a thread's embed was served."""

    __tablename__ = "embed_sighting"
    __table_args__ = (UniqueConstraint("thread_id", "page", name="uq_embed_sighting_page"),)

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="thread.id", nullable=False, ondelete="CASCADE")
    # The embedding page's URL, or its origin when the browser sent no more.
    page: str = Field(sa_column=Column(String(2000), nullable=False))
    first_seen: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_seen: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
