"""Reads for articles: finding the article a draft duplicates, and its thread."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session

from forum.articles.dedupe import fingerprint, is_near_duplicate, normalise_url, sample, shingles
from forum.articles.drafts import Draft
from forum.articles.models import Article, ArticleShingle, Feed
from forum.boards.models import Thread

# How many of the articles sharing the most sampled shingles are compared in full.
_CANDIDATES = 5


@dataclass(frozen=True, slots=True)
class Duplicate:
    article: Article
    thread_id: int | None
    reason: str  # "same URL" or "near-duplicate text"


def thread_for_article(session: Session, article_id: int) -> int | None:
    return session.scalar(select(Thread.id).where(Thread.article_id == article_id).order_by(Thread.id).limit(1))


def find_duplicate(session: Session, draft: Draft, hashes: set[int] | None = None) -> Duplicate | None:
    """The article this draft is another copy of: the same normalised URL, or a
    near-duplicate text (a syndicated copy, a feed excerpt, other bullets).
    `hashes` are the draft text's shingles, when the caller has them."""
    return duplicate_by_url(session, draft.url) or duplicate_by_text(
        session, draft.text, shingles(draft.text) if hashes is None else hashes
    )


def duplicate_by_url(session: Session, url: str | None) -> Duplicate | None:
    normalised = normalise_url(url) if url else None
    if normalised is None:
        return None
    article = session.scalar(select(Article).where(Article.canonical_url == normalised))
    if article is None:
        return None
    return Duplicate(article, thread_for_article(session, article.id), "same URL")  # type: ignore[arg-type]


def duplicate_by_text(session: Session, text: str, hashes: set[int]) -> Duplicate | None:
    sampled = sample(hashes)
    if sampled:
        # The index holds a content-defined sample of every article's shingle
        # hashes, so an excerpt's sample is a subset of its full text's: the
        # articles sharing the most sampled hashes are the only candidates
        # worth comparing in full.
        shared = func.count(ArticleShingle.hash)
        rows = session.execute(
            select(ArticleShingle.article_id, shared)
            .where(ArticleShingle.hash.in_(sorted(sampled)))  # type: ignore[attr-defined]
            .group_by(ArticleShingle.article_id)
            .order_by(shared.desc(), ArticleShingle.article_id)
            .limit(_CANDIDATES)
        ).all()
        candidates = [article_id for article_id, _ in rows]
    else:
        # Too short to sample: only an exact copy counts.
        candidates = list(
            session.scalars(select(Article.id).where(Article.fingerprint == fingerprint(text, hashes)).limit(_CANDIDATES))
        )
    for article_id in candidates:
        article = session.get(Article, article_id)
        if article is not None and is_near_duplicate(text, article.text):
            return Duplicate(article, thread_for_article(session, article_id), "near-duplicate text")
    return None


def list_feeds(session: Session) -> list[Feed]:
    return list(session.scalars(select(Feed).order_by(Feed.id)))
