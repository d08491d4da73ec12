from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from forum.db import UTCDateTime, utcnow


class EmbedOrigin(SQLModel, table=True):
    """A site allowed to embed threads, added by an admin (besides FORUM_EMBED_ORIGINS)."""

    __tablename__ = "embed_origin"

    id: int | None = Field(default=None, primary_key=True)
    # scheme://host[:port], lower case, no trailing slash: what a browser sends as Origin.
    origin: str = Field(sa_column=Column(String(255), nullable=False, unique=True))
    # Where threads made for this site's pages live, unless the snippet names a board.
    board_slug: str | None = Field(default=None, sa_column=Column(String(40)))
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class EmbedHandoff(SQLModel, table=True):
    """A login handed from the pop-up to an embedded frame: single use, short-lived.

    The frame cannot rely on the forum's cookie (browsers block third-party
    cookies), so after the reader logs in on the forum's own origin the pop-up
    passes the frame one of these; the frame trades it for a session of its
    own. Only its digest is stored; it is bound to the site the frame is on.
    """

    __tablename__ = "embed_handoff"

    id: str = Field(sa_column=Column(String(64), primary_key=True))
    user_id: int = Field(foreign_key="user_account.id", index=True, nullable=False, ondelete="CASCADE")
    host_origin: str = Field(sa_column=Column(String(255), nullable=False))
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
