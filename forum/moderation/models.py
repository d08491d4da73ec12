from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from forum.db import UTCDateTime, utcnow


class AuditEvent(SQLModel, table=True):
    """Every moderation or safety action, and account events worth tracing.

    Append-only: the migration adds triggers that refuse UPDATE and DELETE on
    this table, so nothing in the product can rewrite the record.
    """

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key="user_account.id", index=True, ondelete="SET NULL")
    action: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    target_type: str = Field(sa_column=Column(String(32), nullable=False))
    target_id: int | None = Field(default=None)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)


class TargetType(StrEnum):
    COMMENT = "comment"
    THREAD = "thread"


class FlagReason(StrEnum):
    OFF_TOPIC = "off_topic"
    INAPPROPRIATE = "inappropriate"
    SPAM = "spam"
    PATIENT_INFORMATION = "patient_information"
    OTHER = "other"


FLAG_REASON_LABELS: dict[str, str] = {
    FlagReason.OFF_TOPIC: "Off-topic",
    FlagReason.INAPPROPRIATE: "Inappropriate",
    FlagReason.SPAM: "Spam",
    FlagReason.PATIENT_INFORMATION: "Patient information",
    FlagReason.OTHER: "Something else",
}


class Resolution(StrEnum):
    APPROVED = "approved"  # published as it is (a flag: dismissed)
    REJECTED = "rejected"  # taken down, with a reason for the author
    HIDDEN = "hidden"
    RESTORED = "restored"
    EDITED = "edited"  # a moderator edited it and published it
    RESUBMITTED = "resubmitted"  # its author edited away what held it, and it was published


class Flag(SQLModel, table=True):
    """One member's report of one comment or thread; a member flags a thing once."""

    __tablename__ = "flag"
    __table_args__ = (UniqueConstraint("target_type", "target_id", "flagger_id", name="uq_flag_once"),)

    id: int | None = Field(default=None, primary_key=True)
    target_type: str = Field(sa_column=Column(String(16), nullable=False))
    target_id: int = Field(nullable=False)
    thread_id: int = Field(foreign_key="thread.id", index=True, nullable=False, ondelete="CASCADE")
    flagger_id: int = Field(foreign_key="user_account.id", index=True, nullable=False, ondelete="CASCADE")
    reason: str = Field(sa_column=Column(String(32), nullable=False))
    note: str = Field(default="", sa_column=Column(String(1000), nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # Set when a moderator acts on the item: what became of it.
    resolution: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class QueueState(StrEnum):
    OPEN = "open"
    DONE = "done"


class QueueItem(SQLModel, table=True):
    """Something waiting for a moderator: a held post or a flagged one. At most
    one open item per target; new flags and reasons join it."""

    __tablename__ = "queue_item"
    __table_args__ = (Index("ix_queue_item_target", "target_type", "target_id"),)

    id: int | None = Field(default=None, primary_key=True)
    target_type: str = Field(sa_column=Column(String(16), nullable=False))
    target_id: int = Field(nullable=False)
    thread_id: int = Field(foreign_key="thread.id", index=True, nullable=False, ondelete="CASCADE")
    board_id: int = Field(foreign_key="board.id", index=True, nullable=False)
    author_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    # Why it is here: "flagged", "new_account", "board_premoderated", "watched_word", "patient_information".
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Details for the moderator, e.g. which watched words matched.
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    flag_count: int = Field(default=0, nullable=False)
    state: str = Field(default=QueueState.OPEN, sa_column=Column(String(8), nullable=False, index=True))
    claimed_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    resolution: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    resolution_reason: str = Field(default="", sa_column=Column(String(1000), nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class UserNote(SQLModel, table=True):
    """A moderator's note on a member, seen only by moderators."""

    __tablename__ = "user_note"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, nullable=False, ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    body: str = Field(sa_column=Column(String(4000), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class WatchedAction(StrEnum):
    BLOCK = "block"  # refused with a message; nothing is saved
    HOLD = "hold"  # saved, held for a moderator


class WatchedWord(SQLModel, table=True):
    __tablename__ = "watched_word"

    id: int | None = Field(default=None, primary_key=True)
    # A word or phrase, matched case-insensitively on word boundaries; "*" matches any letters.
    pattern: str = Field(sa_column=Column(String(100), nullable=False, unique=True))
    action: str = Field(sa_column=Column(String(8), nullable=False))
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
