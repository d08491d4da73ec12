from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String, Text
from sqlmodel import Field, SQLModel

from forum.db import UTCDateTime, utcnow


class Article(SQLModel, table=True):
    """What a thread was seeded from, and what an embed points at."""

    __tablename__ = "article"

    id: int | None = Field(default=None, primary_key=True)
    # Normalised canonical URL; unique so two imports of one page meet here.
    canonical_url: str | None = Field(default=None, sa_column=Column(String(2048), unique=True))
    # A fingerprint of the normalised text, for near-duplicate detection.
    fingerprint: str | None = Field(default=None, sa_column=Column(String(64), index=True))
    title: str = Field(sa_column=Column(String(200), nullable=False))
    author_name: str | None = Field(default=None, sa_column=Column(String(200)))
    source_url: str | None = Field(default=None, sa_column=Column(String(2048)))
    text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
