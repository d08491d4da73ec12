"""The hub on Redis pub/sub: one subscribing connection per process, one for PUBLISH.

Redis keeps nothing for a subscriber that is away, so a lost connection means
lost notices. The reader reconnects with backoff, subscribes again and only
then calls `on_reconnect`, so the relay resyncs its viewers once nothing more
can be missed. redis-py can redo a dropped subscription by itself (its retry
layer reconnects and re-subscribes quietly); that is switched off here,
because a reconnect nobody hears about is exactly the gap `on_reconnect`
exists to close.
"""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from forum.live.hub import CHANNEL, Notice, NoticeHandler, ReconnectHandler, decode, encode, reconnect_delays

log = logging.getLogger("forum.live")

CONNECT_TIMEOUT = 2.0
# A publish that cannot reach Redis within this is dropped: the poster's
# request must not wait on the hub.
PUBLISH_TIMEOUT = 1.0
# After this long without a message the reader pings, and a server that does
# not answer within PING_TIMEOUT is taken for gone: a peer that vanished
# without closing the connection (a dead host, a dropped route) never errors.
PING_EVERY = 5.0
PING_TIMEOUT = 3.0


class RedisHub:
    def __init__(self, url: str, *, channel: str = CHANNEL, client_name: str = "forum-live") -> None:
        self._url = url
        self._channel = channel
        # Shown by CLIENT LIST, so an operator can tell the hub's connections apart.
        self._client_name = client_name
        self._publisher: Redis | None = None
        self._publish_lock = asyncio.Lock()
        self._reader: asyncio.Task[None] | None = None

    async def start(self, on_notice: NoticeHandler, on_reconnect: ReconnectHandler) -> None:
        """Subscribe, and return once Redis has confirmed it. Raises if Redis
        cannot be reached now: a wrong URL should stop the process starting."""
        pubsub = await self._subscribe()
        self._reader = asyncio.create_task(self._read(pubsub, on_notice, on_reconnect), name="forum.live redis reader")

    async def publish(self, notice: Notice) -> None:
        try:
            # The timeout covers waiting for the lock too: during an outage
            # every publisher gives up after PUBLISH_TIMEOUT, not one after another.
            async with asyncio.timeout(PUBLISH_TIMEOUT):
                async with self._publish_lock:
                    await self._publishing_client().publish(self._channel, encode(notice))
        except (RedisError, OSError) as exc:  # TimeoutError is an OSError
            log.warning("hub: Redis is unreachable, notice dropped (%s: %s)", type(exc).__name__, exc)

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except asyncio.CancelledError:
                pass
            self._reader = None
        async with self._publish_lock:
            if self._publisher is not None:
                await self._publisher.aclose()
                self._publisher = None

    def _publishing_client(self) -> Redis:
        # One connection and one PUBLISH at a time, as in the PostgreSQL hub:
        # a PUBLISH is a sub-millisecond round trip, and a pool that blocks
        # when full was seen to hold a publish seconds past its timeout.
        if self._publisher is None:
            self._publisher = Redis.from_url(
                self._url,
                socket_connect_timeout=PUBLISH_TIMEOUT,
                socket_timeout=PUBLISH_TIMEOUT,
                client_name=self._client_name,
                # One retry on a fresh connection: after a Redis restart the
                # open connection is stale, and the first publish should not be lost to that.
                retry=Retry(NoBackoff(), 1),
            )
        return self._publisher

    async def _subscribe(self) -> PubSub:
        pool = ConnectionPool.from_url(
            self._url,
            socket_connect_timeout=CONNECT_TIMEOUT,
            socket_timeout=CONNECT_TIMEOUT,
            client_name=self._client_name,
            retry=Retry(NoBackoff(), 0),  # see the module docstring
        )
        pubsub = Redis.from_pool(pool).pubsub()
        try:
            await pubsub.subscribe(self._channel)
            # The confirmation means Redis has registered us: anything
            # published from now on, by any process, reaches this connection.
            while True:
                message = await pubsub.get_message(timeout=CONNECT_TIMEOUT)
                if message is None:
                    raise RedisConnectionError("Redis did not confirm the subscription")
                if message["type"] == "subscribe":
                    break
        except BaseException:
            await _close(pubsub)
            raise
        return pubsub

    async def _resubscribe(self) -> PubSub:
        delays = reconnect_delays()
        while True:
            await asyncio.sleep(next(delays))
            try:
                return await self._subscribe()
            except (RedisError, OSError) as exc:
                log.info("hub: Redis still unreachable (%s: %s)", type(exc).__name__, exc)

    async def _read(self, pubsub: PubSub, on_notice: NoticeHandler, on_reconnect: ReconnectHandler) -> None:
        try:
            while True:
                try:
                    await self._relay(pubsub, on_notice)
                except (RedisError, OSError) as exc:
                    log.warning("hub: lost the Redis subscription (%s: %s), reconnecting", type(exc).__name__, exc)
                await _close(pubsub)
                pubsub = await self._resubscribe()
                log.info("hub: Redis subscription restored")
                try:
                    await on_reconnect()
                except Exception:
                    log.exception("hub: on_reconnect failed")
        finally:
            await _close(pubsub)

    async def _relay(self, pubsub: PubSub, on_notice: NoticeHandler) -> None:
        """Pass each notice to `on_notice` until the connection fails."""
        while True:
            message = await pubsub.get_message(timeout=PING_EVERY)
            if message is None:
                await pubsub.ping()
                # Any reply will do, the pong or a notice that came first.
                message = await pubsub.get_message(timeout=PING_TIMEOUT)
                if message is None:
                    raise RedisConnectionError(f"no reply to a ping in {PING_TIMEOUT:g} s")
            if message["type"] != "message":
                continue
            notice = decode(message["data"])
            if notice is None:
                log.warning("hub: skipped a message that is not a notice: %.200r", message["data"])
                continue
            try:
                await on_notice(notice)
            except Exception:
                log.exception("hub: on_notice failed for %.200r", notice)


async def _close(pubsub: PubSub) -> None:
    """Close the subscription and its pool; closing twice is harmless."""
    await pubsub.aclose()
    await pubsub.connection_pool.disconnect()
