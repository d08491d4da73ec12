from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Text
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


class ArticleShingle(SQLModel, table=True):
    """A sample of an article's word-shingle hashes: the index that finds
    near-duplicate texts (a syndicated copy, a feed excerpt) without reading
    every article. See articles/dedupe.py for how the sample is taken."""

    __tablename__ = "article_shingle"
    __table_args__ = (Index("ix_article_shingle_hash", "hash"),)

    article_id: int = Field(
        sa_column=Column(Integer, ForeignKey("article.id", ondelete="CASCADE"), primary_key=True)
    )
    hash: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))


class Feed(SQLModel, table=True):
    """A feed the forum polls for new articles."""

    __tablename__ = "feed"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(sa_column=Column(String(2048), nullable=False, unique=True))
    # Where its articles go; None lets each article's top pillar decide.
    board_slug: str | None = Field(default=None, sa_column=Column(String(40)))
    etag: str | None = Field(default=None, sa_column=Column(String(512)))
    last_modified: str | None = Field(default=None, sa_column=Column(String(128)))
    last_polled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    last_status: int | None = Field(default=None)
    entries_imported: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
