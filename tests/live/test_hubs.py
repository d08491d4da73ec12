"""The hub backends against real servers: memory://, Redis pub/sub, PostgreSQL LISTEN/NOTIFY.

Two hub instances stand for two processes. Each test has its own channel and
connection name, so parallel runs on the same servers never see each other's
notices or kill each other's connections. Redis is at FORUM_TEST_REDIS_URL
(default redis://127.0.0.1:6379/0), PostgreSQL as in tests/conftest.py; when
one cannot be reached its tests are skipped, except under CI=true (or
FORUM_REQUIRE_SERVICES=1), where they fail.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import os
import secrets
import socket
import sys
import textwrap
import warnings
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from redis.asyncio import Redis

from forum.live import postgres_hub, redis_hub
from forum.live.hub import Hub, MemoryHub, Notice
from forum.live.postgres_hub import PostgresHub, asyncpg_dsn
from forum.live.redis_hub import RedisHub
from tests.conftest import POSTGRES_URL, services_required

REDIS_URL = os.environ.get("FORUM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PROJECT_DIR = Path(__file__).resolve().parents[2]
NETWORK = ["redis", "postgresql"]
ALL = ["memory", *NETWORK]


@functools.cache
def _unreachable(name: str) -> str | None:
    """Why the server for `name` cannot be used, or None when it can."""

    async def check() -> None:
        if name == "redis":
            client = Redis.from_url(REDIS_URL, socket_connect_timeout=3)
            try:
                await client.ping()
            finally:
                await client.aclose()
        elif name == "postgresql":
            connection = await asyncpg.connect(asyncpg_dsn(POSTGRES_URL), timeout=3)
            await connection.close()

    try:
        asyncio.run(check())
    except Exception as exc:
        url = REDIS_URL if name == "redis" else POSTGRES_URL
        return f"{name} is not reachable at {url}: {exc or type(exc).__name__}"
    return None


def require(name: str) -> None:
    reason = _unreachable(name)
    if reason is None:
        return
    if services_required():
        pytest.fail(reason + " (required under CI)")
    pytest.skip(reason)


@dataclass
class Backend:
    name: str
    url: str
    channel: str
    # The subscriber's Redis client name or PostgreSQL application_name.
    connection_name: str

    def hub(self, url: str | None = None) -> Hub:
        url = url or self.url
        if self.name == "redis":
            return RedisHub(url, channel=self.channel, client_name=self.connection_name)
        if self.name == "postgresql":
            return PostgresHub(url, channel=self.channel, application_name=self.connection_name)
        return MemoryHub()

    def other_process(self, hub: Hub) -> Hub:
        """The hub another process would hold. memory:// serves one process,
        so there the "other process" is the hub itself."""
        return hub if self.name == "memory" else self.hub()


def make_backend(name: str, *, needs_server: bool = True) -> Backend:
    if needs_server:
        require(name)
    token = secrets.token_hex(4)
    url = {"memory": "memory://", "redis": REDIS_URL, "postgresql": POSTGRES_URL}[name]
    return Backend(name, url, f"forum_test_{os.getpid()}_{token}", f"forum-test-{token}")


@pytest.fixture(params=ALL)
def backend(request: pytest.FixtureRequest) -> Backend:
    return make_backend(request.param)


@pytest.fixture(params=NETWORK)
def network(request: pytest.FixtureRequest) -> Backend:
    return make_backend(request.param)


class Inbox:
    """What a started hub was given: its notices and its reconnects."""

    def __init__(self) -> None:
        self.notices: list[Notice] = []
        self.reconnects = 0

    async def on_notice(self, notice: Notice) -> None:
        self.notices.append(notice)

    async def on_reconnect(self) -> None:
        self.reconnects += 1

    def numbers(self) -> list[int]:
        return [notice["n"] for notice in self.notices]


async def eventually(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, f"not true within {timeout:g} s"
        await asyncio.sleep(0.01)


def run(scenario: Coroutine[Any, Any, None]) -> None:
    asyncio.run(scenario)


@asynccontextmanager
async def subscribed(backend: Backend, url: str | None = None) -> AsyncIterator[tuple[Inbox, Hub, Hub]]:
    """A started subscriber hub, its inbox, and a hub in "another process" to publish from."""
    inbox = Inbox()
    subscriber = backend.hub(url)
    await subscriber.start(inbox.on_notice, inbox.on_reconnect)
    publisher = backend.other_process(subscriber)
    try:
        yield inbox, subscriber, publisher
    finally:
        await publisher.stop()
        await subscriber.stop()


def notice(n: int) -> Notice:
    return {"type": "thread", "thread_id": 7, "n": n}


# Every backend


def test_a_notice_published_in_one_process_reaches_another(backend: Backend) -> None:
    async def scenario() -> None:
        async with subscribed(backend) as (inbox, _, publisher):
            # No wait between start() and publish(): start returns once subscribed.
            await publisher.publish({"type": "comment", "thread_id": 7, "id": 12})
            await eventually(lambda: len(inbox.notices) == 1)
            assert inbox.notices == [{"type": "comment", "thread_id": 7, "id": 12}]

    run(scenario())


def test_two_hundred_rapid_notices_arrive_in_the_order_they_were_published(backend: Backend) -> None:
    async def scenario() -> None:
        async with subscribed(backend) as (inbox, _, publisher):
            for n in range(200):
                await publisher.publish(notice(n))
            await eventually(lambda: len(inbox.notices) >= 200)
            assert inbox.numbers() == list(range(200))

    run(scenario())


def test_notices_published_concurrently_from_many_tasks_all_arrive_once(backend: Backend) -> None:
    async def scenario() -> None:
        async with subscribed(backend) as (inbox, _, publisher):

            async def poster(first: int) -> None:
                for n in range(first, first + 5):
                    await publisher.publish(notice(n))

            await asyncio.gather(*(poster(first) for first in range(0, 500, 5)))
            await eventually(lambda: len(inbox.notices) >= 500)
            await asyncio.sleep(0.1)
            assert sorted(inbox.numbers()) == list(range(500))

    run(scenario())


def test_a_hub_receives_the_notices_it_published_itself(backend: Backend) -> None:
    async def scenario() -> None:
        async with subscribed(backend) as (inbox, hub, _):
            await hub.publish(notice(1))
            await eventually(lambda: inbox.numbers() == [1])

    run(scenario())


def test_stop_leaves_no_task_connection_or_warning_behind(backend: Backend, caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        async with subscribed(backend) as (inbox, subscriber, publisher):
            await publisher.publish(notice(1))
            await eventually(lambda: inbox.numbers() == [1])
        await subscriber.stop()  # a second stop is harmless

        assert asyncio.all_tasks() == {asyncio.current_task()}
        assert await server_connections(backend) == 0
        gc.collect()

    caplog.set_level(logging.WARNING)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run(scenario())
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
    assert [record.getMessage() for record in caplog.records] == []


async def server_connections(backend: Backend) -> int:
    """How many connections the server still holds under the test's connection name."""
    if backend.name == "redis":
        admin = Redis.from_url(REDIS_URL)
        try:
            for _ in range(100):
                held = [c for c in await admin.client_list() if c["name"] == backend.connection_name]
                if not held:
                    break
                await asyncio.sleep(0.02)
            return len(held)
        finally:
            await admin.aclose()
    if backend.name == "postgresql":
        admin = await asyncpg.connect(asyncpg_dsn(POSTGRES_URL))
        try:
            query = "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1"
            for _ in range(100):  # a backend exits a moment after its client hangs up
                held = await admin.fetchval(query, backend.connection_name)
                if held == 0:
                    break
                await asyncio.sleep(0.02)
            return int(held)
        finally:
            await admin.close()
    return 0


# Redis and PostgreSQL


def test_a_bad_message_or_a_failing_handler_does_not_stop_the_reader(network: Backend) -> None:
    async def scenario() -> None:
        received: list[Notice] = []

        async def on_notice(notice: Notice) -> None:
            received.append(notice)
            if notice["n"] == 1:
                raise RuntimeError("a handler bug")

        async def on_reconnect() -> None:
            pass

        hub = network.hub()
        await hub.start(on_notice, on_reconnect)
        await publish_raw(network, "not json")
        await publish_raw(network, "[1, 2]")
        await hub.publish(notice(1))
        await hub.publish(notice(2))
        await eventually(lambda: len(received) == 2)
        assert [n["n"] for n in received] == [1, 2]
        await hub.stop()

    run(scenario())


async def publish_raw(backend: Backend, text: str) -> None:
    if backend.name == "redis":
        admin = Redis.from_url(REDIS_URL)
        try:
            await admin.publish(backend.channel, text)
        finally:
            await admin.aclose()
    else:
        admin = await asyncpg.connect(asyncpg_dsn(POSTGRES_URL))
        try:
            await admin.execute("SELECT pg_notify($1, $2)", backend.channel, text)
        finally:
            await admin.close()


def test_a_subscriber_whose_connection_is_killed_reconnects_and_hears_later_notices(network: Backend) -> None:
    async def scenario() -> None:
        async with subscribed(network) as (inbox, _, publisher):
            await publisher.publish(notice(1))
            await eventually(lambda: inbox.numbers() == [1])

            await kill_subscriber(network)
            await eventually(lambda: inbox.reconnects == 1, timeout=10)
            await publisher.publish(notice(2))
            await eventually(lambda: inbox.numbers() == [1, 2])
            await asyncio.sleep(0.2)
            assert inbox.numbers() == [1, 2], "a notice arrived twice after the reconnect"
            assert inbox.reconnects == 1

    run(scenario())


async def kill_subscriber(backend: Backend) -> None:
    """Kill the test subscriber's own connection on the server, and only that one."""
    if backend.name == "redis":
        admin = Redis.from_url(REDIS_URL)
        try:
            ids = [c["id"] for c in await admin.client_list(_type="pubsub") if c["name"] == backend.connection_name]
            assert len(ids) == 1
            # CLIENT KILL TYPE pubsub, narrowed to this test's subscriber.
            await admin.client_kill_filter(_type="pubsub", _id=ids[0])
        finally:
            await admin.aclose()
    else:
        admin = await asyncpg.connect(asyncpg_dsn(POSTGRES_URL))
        try:
            killed = await admin.fetch(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE query LIKE 'LISTEN%' AND application_name = $1",
                backend.connection_name,
            )
            assert [row[0] for row in killed] == [True]
        finally:
            await admin.close()


class Relay:
    """A TCP relay to a server whose open connections can be made to go
    silent without closing, as when the server's host dies or a route drops."""

    def __init__(self, url: str) -> None:
        self._target = urlsplit(url)
        self._silenced: set[asyncio.StreamWriter] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._pumps: set[asyncio.Task[None]] = set()

    async def start(self) -> str:
        """Start relaying; the URL that goes through the relay."""
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        userinfo = self._target.netloc.rpartition("@")[0]
        netloc = (userinfo + "@" if userinfo else "") + f"127.0.0.1:{port}"
        return urlunsplit(self._target._replace(netloc=netloc))

    def silence(self) -> None:
        """From now on the open connections carry nothing either way; new ones work."""
        self._silenced |= self._writers

    async def close(self) -> None:
        self._server.close()
        for writer in self._writers:
            writer.transport.abort()
        await asyncio.gather(*self._pumps)
        await self._server.wait_closed()

    async def _relay(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection(self._target.hostname, self._target.port)
        self._writers |= {client_writer, server_writer}
        pumps = {
            asyncio.create_task(self._pump(client_reader, server_writer, client_writer)),
            asyncio.create_task(self._pump(server_reader, client_writer, client_writer)),
        }
        self._pumps |= pumps
        await asyncio.gather(*pumps)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, client: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                if client not in self._silenced:
                    writer.write(data)
                    await writer.drain()
        except OSError:
            pass
        finally:
            writer.transport.abort()


def test_a_quiet_subscriber_stays_connected_and_one_whose_server_goes_silent_reconnects(
    network: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The checks for a silent server, shortened from seconds for the test.
    monkeypatch.setattr(redis_hub, "PING_EVERY", 0.3)
    monkeypatch.setattr(redis_hub, "PING_TIMEOUT", 0.3)
    monkeypatch.setattr(postgres_hub, "CHECK_EVERY", 0.3)
    monkeypatch.setattr(postgres_hub, "CHECK_TIMEOUT", 0.3)

    async def scenario() -> None:
        relay = Relay(network.url)
        async with subscribed(network, await relay.start()) as (inbox, _, publisher):
            await publisher.publish(notice(1))
            await eventually(lambda: inbox.numbers() == [1])
            await asyncio.sleep(1.2)  # quiet, but answering its checks
            assert inbox.reconnects == 0

            relay.silence()
            await eventually(lambda: inbox.reconnects == 1)
            await publisher.publish(notice(2))
            await eventually(lambda: inbox.numbers() == [1, 2])
        await relay.close()

    run(scenario())


def test_notices_published_by_another_process_arrive_all_and_in_order(network: Backend) -> None:
    program = textwrap.dedent(
        """
        import asyncio, sys
        from forum.live.postgres_hub import PostgresHub
        from forum.live.redis_hub import RedisHub

        async def main():
            backend, url, channel = sys.argv[1:]
            hub = (RedisHub if backend == "redis" else PostgresHub)(url, channel=channel)
            for n in range(50):
                await hub.publish({"type": "thread", "thread_id": 7, "n": n})
            await hub.stop()

        asyncio.run(main())
        """
    )

    async def scenario() -> None:
        async with subscribed(network) as (inbox, _, _):
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-c", program, network.name, network.url, network.channel, cwd=PROJECT_DIR
            )
            assert await asyncio.wait_for(process.wait(), 30) == 0
            await eventually(lambda: len(inbox.notices) >= 50)
            assert inbox.numbers() == list(range(50))

    run(scenario())


@pytest.fixture(params=NETWORK)
def offline(request: pytest.FixtureRequest) -> Backend:
    """A network backend for tests that need no server at all."""
    return make_backend(request.param, needs_server=False)


@pytest.fixture(params=["closed port", "silent server"])
def unreachable_url(request: pytest.FixtureRequest, offline: Backend) -> Iterator[str]:
    """A server that refuses connections, or one that accepts them and never answers."""
    database = "0" if offline.name == "redis" else "test"
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        url = f"{offline.name}://127.0.0.1:{listener.getsockname()[1]}/{database}"
        if request.param == "silent server":
            listener.listen(16)
            yield url
            return
    yield url


def test_publishing_while_the_server_is_unreachable_drops_the_notice_quickly(
    offline: Backend, unreachable_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        hub = offline.hub(unreachable_url)
        loop = asyncio.get_running_loop()
        began = loop.time()
        await asyncio.gather(*(hub.publish(notice(n)) for n in range(20)))
        assert loop.time() - began < 2
        await hub.stop()

    caplog.set_level(logging.WARNING, logger="forum.live")
    run(scenario())
    assert "notice dropped" in caplog.text


def test_start_fails_when_the_server_is_unreachable(offline: Backend, unreachable_url: str) -> None:
    async def scenario() -> None:
        inbox = Inbox()
        hub = offline.hub(unreachable_url)
        with pytest.raises(Exception):
            await hub.start(inbox.on_notice, inbox.on_reconnect)
        await hub.stop()

    run(scenario())


# PostgreSQL


@pytest.fixture
def postgres() -> Backend:
    return make_backend("postgresql")


def test_a_notice_over_the_notify_limit_is_dropped_and_the_hub_carries_on(
    postgres: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        async with subscribed(postgres) as (inbox, hub, _):
            await hub.publish({"type": "thread", "n": 0, "padding": "x" * 8000})
            await hub.publish(notice(1))
            await eventually(lambda: len(inbox.notices) == 1)
            assert inbox.numbers() == [1]

    caplog.set_level(logging.WARNING, logger="forum.live")
    run(scenario())
    assert "over the NOTIFY limit" in caplog.text


@pytest.mark.parametrize("scheme", ["postgresql", "postgresql+psycopg", "postgres"])
def test_postgres_urls_work_in_every_form_the_settings_accept(postgres: Backend, scheme: str) -> None:
    url = scheme + "://" + POSTGRES_URL.split("://", 1)[1]

    async def scenario() -> None:
        async with subscribed(postgres, url) as (inbox, hub, _):
            await hub.publish(notice(1))
            await eventually(lambda: inbox.numbers() == [1])

    run(scenario())
