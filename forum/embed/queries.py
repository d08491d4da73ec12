"""Reads for embedders' pages: comment counts by page address."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from forum.articles.dedupe import normalise_url
from forum.articles.models import Article
from forum.boards.models import Thread
from forum.types import Status

MAX_URLS = 100


def comment_counts(session: Session, urls: list[str]) -> dict[str, int]:
    """Published comments on each page's thread, keyed by the address as given;
    0 for a page with no thread (or one that is not visible)."""
    normalised = {url: normalise_url(url) for url in urls}
    wanted = sorted({n for n in normalised.values() if n})
    found: dict[str, int] = {}
    if wanted:
        rows = session.execute(
            select(Article.canonical_url, Thread.comment_count)
            .join(Thread, Thread.article_id == Article.id)
            .where(Article.canonical_url.in_(wanted), Thread.status == Status.PUBLISHED)  # type: ignore[union-attr]
            .order_by(Thread.id.desc())  # type: ignore[union-attr]
        ).all()
        # One article has one thread; should there be more, the first made counts.
        found = {url: count for url, count in rows}
    return {url: found.get(n, 0) if n else 0 for url, n in normalised.items()}
