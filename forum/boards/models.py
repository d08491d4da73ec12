from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, Index, Integer, String, Text, false
from sqlmodel import Field, SQLModel

from forum.db import UTCDateTime, utcnow
from forum.types import Status


class Board(SQLModel, table=True):
    """One of the five S.H.A.R.E. pillars. Created by a data migration."""

    __tablename__ = "board"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_column=Column(String(40), nullable=False, unique=True))
    name: str = Field(sa_column=Column(String(80), nullable=False))
    description: str = Field(sa_column=Column(Text, nullable=False))
    position: int = Field(default=0, nullable=False)
    thread_count: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    last_activity_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Every post on this board waits for a moderator.
    premoderated: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))


class Thread(SQLModel, table=True):
    __tablename__ = "thread"
    __table_args__ = (
        Index("ix_thread_board_listing", "board_id", "pinned", "last_activity_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(foreign_key="board.id", nullable=False)  # the home board
    title: str = Field(sa_column=Column(String(200), nullable=False))
    slug: str = Field(sa_column=Column(String(80), nullable=False))
    body_md: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str = Field(sa_column=Column(Text, nullable=False))
    author_id: int | None = Field(default=None, foreign_key="user_account.id", index=True, ondelete="SET NULL")
    article_id: int | None = Field(default=None, foreign_key="article.id", index=True, ondelete="SET NULL")
    status: str = Field(default=Status.PUBLISHED, sa_column=Column(String(16), nullable=False))
    locked: bool = Field(default=False, nullable=False)
    pinned: bool = Field(default=False, nullable=False)
    # Closed: locked, with the reason shown on the thread.
    closed_reason: str = Field(default="", sa_column=Column(String(500), nullable=False, server_default=""))
    # Why a moderator took it down (shown to its author).
    mod_reason: str = Field(default="", sa_column=Column(String(1000), nullable=False, server_default=""))
    comment_count: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    # Bumped by every change to the thread or its comments; the page cache keys on it.
    revision: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    edited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_activity_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ThreadListing(SQLModel, table=True):
    """A thread listed on a board other than its home board."""

    __tablename__ = "thread_listing"

    thread_id: int = Field(foreign_key="thread.id", primary_key=True, ondelete="CASCADE")
    board_id: int = Field(foreign_key="board.id", primary_key=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
