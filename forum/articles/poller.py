"""The feed poller that runs inside `forum serve`.

It wakes at least once a minute and polls the feeds not polled within the
interval; the claim in feeds.py keeps two processes from polling one feed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta

from starlette.concurrency import run_in_threadpool

from forum.articles.feeds import poll_due
from forum.articles.fetch import HttpFetcher
from forum.db import Database

log = logging.getLogger("forum.feeds")


class FeedPoller:
    def __init__(self, db: Database, *, interval: float, make_fetcher: Callable[[], HttpFetcher]) -> None:
        self.db = db
        self.interval = interval
        self.make_fetcher = make_fetcher
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.rounds = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="forum-feed-poller")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout=15)
            except TimeoutError:
                self._task.cancel()

    def poll_once(self) -> None:
        with self.make_fetcher() as fetcher:
            for result in poll_due(self.db, fetcher=fetcher, interval=timedelta(seconds=self.interval)):
                if result.status == "failed":
                    log.warning("feed %s: %s", result.feed.url, result.error)
                elif result.created:
                    log.info("feed %s: %d new articles", result.feed.url, result.created)

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                await run_in_threadpool(self.poll_once)
            except Exception:
                log.exception("the feed poller failed; it will try again")
            self.rounds += 1
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=min(self.interval, 60))
            except TimeoutError:
                pass
