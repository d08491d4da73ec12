from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, String, Text
from sqlmodel import Field, SQLModel

from forum.db import UTCDateTime, utcnow
from forum.types import Status


class Comment(SQLModel, table=True):
    __tablename__ = "comment"
    __table_args__ = (Index("ix_comment_thread_id_id", "thread_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="thread.id", nullable=False, ondelete="CASCADE")
    parent_id: int | None = Field(default=None, foreign_key="comment.id", ondelete="SET NULL")
    author_id: int | None = Field(default=None, foreign_key="user_account.id", index=True, ondelete="SET NULL")
    body_md: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=Status.PUBLISHED, sa_column=Column(String(16), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    edited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Why a moderator held back or took down this comment (shown to its author).
    mod_reason: str = Field(default="", sa_column=Column(String(1000), nullable=False, server_default=""))
    # Posted during a convening: which one, and the question it answers (1-based).
    convening_id: int | None = Field(default=None, foreign_key="convening.id", index=True, ondelete="SET NULL")
    question: int | None = Field(default=None)


class CommentRevision(SQLModel, table=True):
    """A comment's earlier text, kept when it is edited."""

    __tablename__ = "comment_revision"

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comment.id", index=True, nullable=False, ondelete="CASCADE")
    editor_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    body_md: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
