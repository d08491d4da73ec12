"""The hub on PostgreSQL LISTEN/NOTIFY: one listening connection per process, one for NOTIFY.

PostgreSQL keeps nothing for a listener that is away, so a lost connection
means lost notices. A lost connection is noticed two ways: asyncpg reports a
connection the server closed (a restart, `pg_terminate_backend`), and every
few seconds the listener repeats its LISTEN, because a peer that vanished
without closing (a dead host, a dropped route) never reports anything. Then
the hub reconnects with backoff, listens again and only then calls
`on_reconnect`, so the relay resyncs its viewers once nothing more can be missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg

from forum.live.hub import CHANNEL, Notice, NoticeHandler, ReconnectHandler, decode, encode, reconnect_delays

log = logging.getLogger("forum.live")

CONNECT_TIMEOUT = 2.0
# A publish that cannot reach PostgreSQL within this is dropped: the poster's
# request must not wait on the hub.
PUBLISH_TIMEOUT = 1.0
CHECK_EVERY = 5.0
CHECK_TIMEOUT = 3.0
CLOSE_TIMEOUT = 2.0
# NOTIFY refuses a payload of 8,000 bytes or more; notices are a few dozen.
MAX_PAYLOAD = 7900
# Connection errors as asyncpg raises them (TimeoutError is an OSError).
CONNECTION_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)


def asyncpg_dsn(url: str) -> str:
    """The URL as asyncpg takes it: `postgresql+psycopg://` (SQLAlchemy's form) becomes `postgresql://`."""
    scheme, separator, rest = url.partition("://")
    return scheme.split("+", 1)[0] + separator + rest


class PostgresHub:
    def __init__(self, url: str, *, channel: str = CHANNEL, application_name: str = "forum-live") -> None:
        self._dsn = asyncpg_dsn(url)
        self._channel = channel
        self._listen_sql = 'LISTEN "' + channel.replace('"', '""') + '"'
        self._server_settings = {"application_name": application_name}
        self._publisher: asyncpg.Connection | None = None
        self._publish_lock = asyncio.Lock()
        # Payloads in arrival order; None marks a reconnect, so `on_reconnect`
        # runs after the notices that came before the loss.
        self._inbox: asyncio.Queue[str | None] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self, on_notice: NoticeHandler, on_reconnect: ReconnectHandler) -> None:
        """Listen, and return once the LISTEN has run. Raises if PostgreSQL
        cannot be reached now: a wrong URL should stop the process starting."""
        listener, lost = await self._listen()
        self._tasks = [
            asyncio.create_task(self._watch(listener, lost), name="forum.live postgres listener"),
            asyncio.create_task(self._deliver(on_notice, on_reconnect), name="forum.live postgres delivery"),
        ]

    async def publish(self, notice: Notice) -> None:
        payload = encode(notice)
        size = len(payload.encode())
        if size > MAX_PAYLOAD:
            log.warning("hub: a notice of %d bytes is over the NOTIFY limit, dropped: %.200s", size, payload)
            return
        try:
            # The timeout covers waiting for the lock too: during an outage
            # every publisher gives up after PUBLISH_TIMEOUT, not one after another.
            async with asyncio.timeout(PUBLISH_TIMEOUT):
                async with self._publish_lock:
                    await self._notify(payload)
        except CONNECTION_ERRORS as exc:
            log.warning("hub: PostgreSQL is unreachable, notice dropped (%s: %s)", type(exc).__name__, exc)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        async with self._publish_lock:
            if self._publisher is not None:
                await self._publisher.close(timeout=CLOSE_TIMEOUT)
                self._publisher = None

    async def _notify(self, payload: str) -> None:
        try:
            if self._publisher is None or self._publisher.is_closed():
                self._publisher = await self._connect()
            await self._publisher.execute("SELECT pg_notify($1, $2)", self._channel, payload)
        except BaseException:
            # Whatever state a failed or interrupted NOTIFY left the
            # connection in, the next publish starts on a fresh one.
            if self._publisher is not None:
                self._publisher.terminate()
                self._publisher = None
            raise

    async def _connect(self) -> asyncpg.Connection:
        return await asyncpg.connect(self._dsn, timeout=CONNECT_TIMEOUT, server_settings=self._server_settings)

    def _on_notify(self, connection: object, pid: int, channel: str, payload: str) -> None:
        self._inbox.put_nowait(payload)

    async def _listen(self) -> tuple[asyncpg.Connection, asyncio.Event]:
        connection = await self._connect()
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _connection: lost.set())
        try:
            await connection.add_listener(self._channel, self._on_notify)
        except BaseException:
            connection.terminate()
            raise
        return connection, lost

    async def _relisten(self) -> tuple[asyncpg.Connection, asyncio.Event]:
        delays = reconnect_delays()
        while True:
            await asyncio.sleep(next(delays))
            try:
                return await self._listen()
            except CONNECTION_ERRORS as exc:
                log.info("hub: PostgreSQL still unreachable (%s: %s)", type(exc).__name__, exc)

    async def _watch(self, listener: asyncpg.Connection, lost: asyncio.Event) -> None:
        try:
            while True:
                try:
                    await self._wait_until_lost(listener, lost)
                    log.warning("hub: PostgreSQL closed the listening connection, reconnecting")
                except CONNECTION_ERRORS as exc:
                    log.warning("hub: lost the PostgreSQL listener (%s: %s), reconnecting", type(exc).__name__, exc)
                listener.terminate()
                listener, lost = await self._relisten()
                log.info("hub: PostgreSQL listener restored")
                self._inbox.put_nowait(None)
        finally:
            await listener.close(timeout=CLOSE_TIMEOUT)

    async def _wait_until_lost(self, listener: asyncpg.Connection, lost: asyncio.Event) -> None:
        """Return when the server closes the connection; raise when it stops answering."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), CHECK_EVERY)
            if lost.is_set():
                return
            # Repeating the LISTEN is as cheap as SELECT 1, proves the
            # subscription is still in place, and leaves pg_stat_activity
            # showing what this connection is for.
            await listener.execute(self._listen_sql, timeout=CHECK_TIMEOUT)

    async def _deliver(self, on_notice: NoticeHandler, on_reconnect: ReconnectHandler) -> None:
        while True:
            payload = await self._inbox.get()
            if payload is None:
                try:
                    await on_reconnect()
                except Exception:
                    log.exception("hub: on_reconnect failed")
                continue
            notice = decode(payload)
            if notice is None:
                log.warning("hub: skipped a message that is not a notice: %.200r", payload)
                continue
            try:
                await on_notice(notice)
            except Exception:
                log.exception("hub: on_notice failed for %.200r", notice)
