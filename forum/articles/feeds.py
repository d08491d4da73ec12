"""Feeds the forum polls: adding them, and polling one or all that are due.

A poll asks with the ETag and Last-Modified of the last answer, so a feed that
has not changed costs one 304. Several processes may run the poller: a feed is
claimed with a conditional update before it is fetched, so only one polls it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlmodel import Session

from forum.articles.dedupe import normalise_url
from forum.articles.drafts import SourceError
from forum.articles.extract import parse_source
from forum.articles.fetch import Fetcher
from forum.articles.models import Feed
from forum.articles.services import SourceReport, import_parsed
from forum.boards.queries import get_board
from forum.db import Database, utcnow
from forum.errors import Conflict, InvalidInput

log = logging.getLogger("forum.feeds")


@dataclass(slots=True)
class PollResult:
    feed: Feed
    status: str  # "imported", "unchanged" or "failed"
    created: int = 0
    skipped: int = 0
    error: str | None = None


def add_feed(session: Session, *, url: str, board: str | None = None) -> Feed:
    url = url.strip()
    if normalise_url(url) is None:
        raise InvalidInput("A feed is an http or https URL.", field="url")
    if board is not None:
        get_board(session, board)
    if session.scalar(select(Feed.id).where(Feed.url == url)) is not None:
        raise Conflict(f"{url} is already being polled.")
    feed = Feed(url=url, board_slug=board)
    session.add(feed)
    session.flush()
    return feed


def claim(session: Session, feed_id: int, *, now: datetime, interval: timedelta) -> bool:
    """Mark the feed as being polled now, unless another poller did within `interval`."""
    result = session.execute(
        update(Feed)
        .where(Feed.id == feed_id)
        .where(or_(Feed.last_polled_at.is_(None), Feed.last_polled_at <= now - interval))  # type: ignore[union-attr, operator]
        .values(last_polled_at=now)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def poll_feed(db: Database, feed_id: int, *, fetcher: Fetcher) -> PollResult:
    """Fetch one feed (conditionally) and import its new entries in one transaction."""
    with db.read() as session:
        feed = session.get(Feed, feed_id)
    if feed is None:
        raise InvalidInput(f"There is no feed {feed_id}.")
    now = utcnow()
    try:
        fetched = fetcher.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        if fetched.status == 304:
            _record(db, feed_id, now=now, status=304)
            return PollResult(feed=feed, status="unchanged")
        parsed = parse_source(fetched.content, name="", content_type=fetched.content_type, url=fetched.url)
        if parsed.kind != "feed":
            raise SourceError(f"not a feed (it reads as {parsed.kind or 'something else'})")
    except SourceError as exc:
        _record(db, feed_id, now=now, status=None, error=exc.reason)
        return PollResult(feed=feed, status="failed", error=exc.reason)
    report = import_parsed(db, parsed, report=SourceReport(source=feed.url), board=feed.board_slug)
    if report.error is not None:
        _record(db, feed_id, now=now, status=fetched.status, error=report.error)
        return PollResult(feed=feed, status="failed", error=report.error)
    created = sum(1 for o in report.outcomes if o.action == "created")
    _record(
        db, feed_id, now=now, status=fetched.status, etag=fetched.etag, last_modified=fetched.last_modified, created=created
    )
    return PollResult(feed=feed, status="imported", created=created, skipped=len(report.outcomes) - created + len(report.skipped))


def _record(
    db: Database,
    feed_id: int,
    *,
    now: datetime,
    status: int | None,
    error: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    created: int = 0,
) -> None:
    with db.write() as session:
        feed = session.get(Feed, feed_id)
        if feed is None:
            return
        feed.last_polled_at = now
        feed.last_status = status
        feed.last_error = error
        if error is None:
            feed.last_success_at = now
            if status == 200:
                # A feed that stops sending validators must not keep the old ones.
                feed.etag = etag
                feed.last_modified = last_modified
            feed.entries_imported += created


def poll_due(db: Database, *, fetcher: Fetcher, interval: timedelta, feed_ids: list[int] | None = None) -> list[PollResult]:
    """Poll every feed not polled within `interval` (or exactly `feed_ids`, now)."""
    results = []
    with db.read() as session:
        ids = feed_ids if feed_ids is not None else list(session.scalars(select(Feed.id).order_by(Feed.id)))
    for feed_id in ids:
        now = utcnow()
        if feed_ids is None:
            with db.write() as session:
                if not claim(session, feed_id, now=now, interval=interval):
                    continue
        try:
            results.append(poll_feed(db, feed_id, fetcher=fetcher))
        except Exception:
            # One broken feed must not stop the others, nor the poller.
            log.exception("polling feed %s failed", feed_id)
    return results
