"""Rate limits on writes and logins.

A limiter is chosen at start-up: `MemoryRateLimiter` counts in this process
(enough for one machine), `NullRateLimiter` when FORUM_RATE_LIMITS=off.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from forum.errors import RateLimited


@dataclass(frozen=True, slots=True)
class Limit:
    name: str
    count: int
    seconds: float
    message: str


LOGIN = Limit("login", 10, 300, "Too many login attempts; wait a few minutes and try again.")
REGISTER = Limit("register", 5, 3600, "Too many accounts made from here; try again later.")
THREAD = Limit("thread", 5, 600, "You are starting threads quickly; wait a few minutes before the next.")
COMMENT = Limit("comment", 20, 60, "You are posting quickly; wait a minute before the next comment.")
EDIT = Limit("edit", 30, 60, "You are editing quickly; wait a minute and try again.")
IMPORT = Limit("import", 30, 600, "You are importing quickly; wait a few minutes before the next.")


class RateLimiter(Protocol):
    def hit(self, limit: Limit, key: str) -> None:
        """Count one attempt; raise RateLimited when the limit is exceeded."""


class NullRateLimiter:
    def hit(self, limit: Limit, key: str) -> None:
        return None


class MemoryRateLimiter:
    """A sliding-window log per (limit, key), bounded in size."""

    def __init__(self, *, max_keys: int = 100_000, clock: object = time.monotonic) -> None:
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()
        self._max_keys = max_keys
        self._clock = clock

    def hit(self, limit: Limit, key: str) -> None:
        now = self._clock()  # type: ignore[operator]
        with self._lock:
            window = self._hits.get((limit.name, key))
            if window is None:
                if len(self._hits) >= self._max_keys:
                    self._prune(now)
                window = self._hits[(limit.name, key)] = deque()
            while window and window[0] <= now - limit.seconds:
                window.popleft()
            if len(window) >= limit.count:
                retry = max(1, math.ceil(window[0] + limit.seconds - now))
                raise RateLimited(limit.message, retry_after=retry)
            window.append(now)

    def _prune(self, now: float) -> None:
        longest = max((3600.0,))
        for key in [k for k, w in self._hits.items() if not w or w[-1] <= now - longest]:
            del self._hits[key]
        if len(self._hits) >= self._max_keys:
            self._hits.clear()
