"""The hub: how processes tell each other that a thread has news.

A message on the hub is a small notice, not content: "thread 7 has news",
"comment 12 of thread 7 changed", or an ephemeral presence or typing signal.
Each process reads what is new from the database itself and fans it out to
its own websocket clients in id order (see live/rooms.py), so a notice that
arrives late or twice costs a query, never a gap or a duplicate. Notices are
JSON objects of a few dozen bytes, far below PostgreSQL's 8,000-byte NOTIFY
limit.

A backend is chosen by FORUM_BROADCAST_URL:

- `memory://` — this process only (the default, and one process is all it serves);
- `redis://…` — Redis pub/sub (live/redis_hub.py);
- `postgresql://…` — LISTEN/NOTIFY (live/postgres_hub.py).

Each process holds one subscriber connection. A backend that loses its
connection reconnects with backoff and then calls `on_reconnect`, because
notices published during the outage are gone: the relay sends `resync` to
the clients that may have missed them.
"""

from __future__ import annotations

import json
import random
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Protocol

# One channel carries every notice; each process keeps those about threads it has viewers on.
CHANNEL = "forum_live"

Notice = dict[str, Any]
NoticeHandler = Callable[[Notice], Awaitable[None]]
ReconnectHandler = Callable[[], Awaitable[None]]


class Hub(Protocol):
    async def start(self, on_notice: NoticeHandler, on_reconnect: ReconnectHandler) -> None:
        """Connect and subscribe; from now on every notice published by any
        process (this one included) is passed to `on_notice`, in the order
        this subscriber received them."""

    async def publish(self, notice: Notice) -> None:
        """Send a notice to every process. Never raises for a lost connection
        (the notice is dropped, logged, and subscribers resync on reconnect)."""

    async def stop(self) -> None: ...


# Reconnecting to a lost Redis or PostgreSQL: the first wait, and the longest.
FIRST_DELAY = 0.1
MAX_DELAY = 5.0


def reconnect_delays() -> Iterator[float]:
    """0.1 s doubling up to 5 s, each jittered within its upper half, so the
    processes that lost the server together do not all come back together."""
    delay = FIRST_DELAY
    while True:
        yield random.uniform(delay / 2, delay)
        delay = min(delay * 2, MAX_DELAY)


def encode(notice: Notice) -> str:
    return json.dumps(notice, separators=(",", ":"))


def decode(raw: str | bytes) -> Notice | None:
    try:
        notice = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    return notice if isinstance(notice, dict) else None


class MemoryHub:
    """One process: a publish is delivered straight to this process's handler."""

    def __init__(self) -> None:
        self._on_notice: NoticeHandler | None = None

    async def start(self, on_notice: NoticeHandler, on_reconnect: ReconnectHandler) -> None:
        self._on_notice = on_notice

    async def publish(self, notice: Notice) -> None:
        if self._on_notice is not None:
            # Through the same encoding as the network backends, so a notice
            # that would not survive JSON fails here too.
            decoded = decode(encode(notice))
            if decoded is not None:
                await self._on_notice(decoded)

    async def stop(self) -> None:
        self._on_notice = None


def make_hub(url: str) -> Hub:
    scheme = url.split(":", 1)[0].lower()
    if scheme == "memory":
        return MemoryHub()
    if scheme in {"redis", "rediss"}:
        from forum.live.redis_hub import RedisHub

        return RedisHub(url)
    if scheme in {"postgresql", "postgres", "postgresql+psycopg", "postgresql+asyncpg"}:
        from forum.live.postgres_hub import PostgresHub

        return PostgresHub(url)
    raise ValueError(f"FORUM_BROADCAST_URL must start with memory://, redis:// or postgresql://, not {url.split(':', 1)[0]}://")
