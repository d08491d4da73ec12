"""The relay: each process's viewers, grouped by thread, fed from the database.

A commit that changes a thread is published on the hub as a notice. Every
process (this one included) that has viewers on that thread then reads what
is new since the last comment it fanned out, once, and offers the frames to
each viewer's queue in id order. Because each process reads the database
after the notice, a late or doubled notice costs a query, never a gap or a
duplicate; because comment ids become visible in id order within a thread
(inserts hold the thread's row lock), reading "id > last" misses nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from typing import Any, Protocol

from jinja2 import Environment
from starlette.concurrency import run_in_threadpool

from forum.boards.cache import ThreadCache
from forum.boards.models import Thread
from forum.comments.queries import CommentView
from forum.comments.render import render_comment
from forum.comments.schemas import comment_public
from forum.db import Changes, Database
from forum.live.clients import RESYNC, Client, Frame
from forum.live.hub import Hub, Notice
from forum.live.queries import latest_comment_id, thread_news

log = logging.getLogger("forum.live")

# Presence: a process repeats its counts this often, and forgets another's after three misses.
PRESENCE_EVERY = 10.0
PRESENCE_TTL = 3 * PRESENCE_EVERY
# Count changes are sent at most this often per thread (joins and leaves come in bursts).
PRESENCE_DEBOUNCE = 1.0
# Viewers offered a frame before the event loop gets a turn (see Room.fan_out).
FAN_OUT_SLICE = 500


def comment_frame(env: Environment, view: CommentView) -> str:
    data: dict[str, Any] = comment_public(view)
    data["html"] = str(render_comment(env, view))
    return json.dumps({"type": "comment", "comment": data}, ensure_ascii=False, separators=(",", ":"))


class Room:
    def __init__(self, thread_id: int) -> None:
        self.thread_id = thread_id
        self.clients: set[Client] = set()
        self.last_id = 0
        self.locked: bool | None = None
        # Fetches for one thread run one at a time, so frames go out in id order.
        self.lock = asyncio.Lock()
        self.ready = asyncio.Event()
        self.presence_task: asyncio.Task[None] | None = None

    def offer(self, frame: Frame, *, skip: Client | None = None) -> None:
        for client in list(self.clients):
            if client is not skip:
                client.offer(frame)

    async def fan_out(self, frame: Frame) -> None:
        """Offer a frame to every viewer, letting the event loop run between slices.

        Writing to thousands of sockets takes tens of milliseconds; in slices,
        the poster's own response and other rooms' news are not kept waiting
        behind all of it. Frames still leave in order: the room's lock is held.
        """
        clients = list(self.clients)
        for start in range(0, len(clients), FAN_OUT_SLICE):
            if start:
                await asyncio.sleep(0)
            for client in clients[start : start + FAN_OUT_SLICE]:
                client.offer(frame)


class NoticeRoute(Protocol):
    """Another kind of live page (the moderators' review queue): its notices,
    told apart by a key of their own, are handed to it."""

    async def on_notice(self, notice: Notice) -> None: ...

    async def on_reconnect(self) -> None: ...

    async def stop(self) -> None: ...


class Relay:
    def __init__(self, db: Database, hub: Hub, env: Environment, cache: ThreadCache) -> None:
        self.db = db
        self.hub = hub
        self.env = env
        self.cache = cache
        self.server = secrets.token_hex(6)
        self.rooms: dict[int, Room] = {}
        # thread id -> server id -> (viewer count, expiry, monotonic)
        self.presence: dict[int, dict[str, tuple[int, float]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._heartbeat: asyncio.Task[None] | None = None
        # Notice key -> who handles it ("q": forum/moderation/live.py).
        self.routes: dict[str, NoticeRoute] = {}

    def add_route(self, key: str, route: NoticeRoute) -> None:
        """From now on, hub notices that carry `key` go to `route`."""
        self.routes[key] = route

    # Lifecycle -----------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self.hub.start(self.on_notice, self.on_reconnect)
        self.db.on_commit(self.committed)
        self.db.on_notices(self.published)
        self._heartbeat = asyncio.create_task(self._repeat_presence(), name="forum-live-presence")

    async def stop(self) -> None:
        self._loop = None
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        for room in list(self.rooms.values()):
            for client in list(room.clients):
                await client.stop()
        for route in list(self.routes.values()):
            await route.stop()
        for task in list(self._tasks):
            task.cancel()
        await self.hub.stop()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # Writes become notices -----------------------------------------------

    def committed(self, changes: Changes) -> None:
        """A commit listener (runs in whichever thread wrote): publish one notice per thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        for thread_id, comment_ids in changes.items():
            notice: Notice = {"t": thread_id}
            if comment_ids:
                notice["c"] = sorted(comment_ids)
            try:
                loop.call_soon_threadsafe(self._spawn, self.hub.publish(notice))
            except RuntimeError:
                return  # the loop closed meanwhile: the server is stopping

    def published(self, notices: list[Notice]) -> None:
        """A notice listener (runs in whichever thread wrote): other news, such
        as a changed review-queue item, goes on the hub as it is."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        for notice in notices:
            try:
                loop.call_soon_threadsafe(self._spawn, self.hub.publish(notice))
            except RuntimeError:
                return  # the loop closed meanwhile: the server is stopping

    async def on_notice(self, notice: Notice) -> None:
        for key, route in self.routes.items():
            if key in notice:
                await route.on_notice(notice)
                return
        thread_id = notice.get("t")
        if isinstance(thread_id, int):
            # Other processes' writes reach this process's page cache here.
            self.cache.invalidate([thread_id])
            room = self.rooms.get(thread_id)
            if room is not None:
                changed = frozenset(i for i in notice.get("c", []) if isinstance(i, int))
                await self.refresh(room, changed)
            return
        thread_id = notice.get("p")
        if isinstance(thread_id, int) and isinstance(notice.get("s"), str) and isinstance(notice.get("n"), int):
            self._presence_seen(thread_id, notice["s"], notice["n"])
            return
        thread_id = notice.get("y")
        if isinstance(thread_id, int):
            room = self.rooms.get(thread_id)
            if room is not None:
                sender = next((c for c in room.clients if notice.get("k") == f"{self.server}:{c.id}"), None)
                room.offer(Frame('{"type":"typing"}'), skip=sender)

    async def on_reconnect(self) -> None:
        """Notices sent while the hub was down are lost: every viewer reloads."""
        for room in self.rooms.values():
            room.offer(Frame(RESYNC))
            await self.refresh(room, frozenset())
        for route in list(self.routes.values()):
            await route.on_reconnect()

    # Rooms -------------------------------------------------------------------

    async def join(self, thread_id: int, client: Client) -> Room:
        room = self.rooms.get(thread_id)
        if room is None:
            room = self.rooms[thread_id] = Room(thread_id)
            async with room.lock:
                room.last_id, room.locked = await run_in_threadpool(self._initial, thread_id)
                room.ready.set()
        else:
            await room.ready.wait()
        room.clients.add(client)
        self._presence_changed(room)
        return room

    def leave(self, room: Room, client: Client) -> None:
        room.clients.discard(client)
        if not room.clients and self.rooms.get(room.thread_id) is room:
            del self.rooms[room.thread_id]
        self._presence_changed(room)

    def _initial(self, thread_id: int) -> tuple[int, bool | None]:
        with self.db.read() as session:
            thread = session.get(Thread, thread_id)
            return latest_comment_id(session, thread_id), thread.locked if thread is not None else None

    async def refresh(self, room: Room, changed: frozenset[int]) -> None:
        async with room.lock:
            after = room.last_id

            def read() -> Any:
                with self.db.read() as session:
                    return thread_news(session, room.thread_id, after=after, changed_ids=changed)

            news = await run_in_threadpool(read)
            for view in news.changed:
                await room.fan_out(Frame(comment_frame(self.env, view)))
            for comment_id in news.gone:
                await room.fan_out(Frame(json.dumps({"type": "hidden", "id": comment_id})))
            for view in news.new:
                await room.fan_out(Frame(comment_frame(self.env, view), comment_id=view.id))
            room.last_id = max(room.last_id, news.latest_id)
            if news.locked is not None and room.locked is not None and news.locked != room.locked:
                room.offer(Frame(json.dumps({"type": "thread", "locked": news.locked})))
            if news.locked is not None:
                room.locked = news.locked

    # Presence and typing ---------------------------------------------------

    def count(self, thread_id: int) -> int:
        now = time.monotonic()
        return sum(n for n, expires in self.presence.get(thread_id, {}).values() if expires > now)

    def _presence_changed(self, room: Room) -> None:
        if room.presence_task is None or room.presence_task.done():
            room.presence_task = asyncio.ensure_future(self._announce_presence(room))

    async def _announce_presence(self, room: Room) -> None:
        await asyncio.sleep(PRESENCE_DEBOUNCE)
        await self.hub.publish({"p": room.thread_id, "s": self.server, "n": len(room.clients)})

    def _presence_seen(self, thread_id: int, server: str, count: int) -> None:
        counts = self.presence.setdefault(thread_id, {})
        before = self.count(thread_id)
        if count:
            counts[server] = (count, time.monotonic() + PRESENCE_TTL)
        else:
            counts.pop(server, None)
            if not counts:
                self.presence.pop(thread_id, None)
        total = self.count(thread_id)
        room = self.rooms.get(thread_id)
        if room is not None and total != before:
            room.offer(Frame(json.dumps({"type": "presence", "count": total})))

    async def _repeat_presence(self) -> None:
        while True:
            await asyncio.sleep(PRESENCE_EVERY)
            for room in list(self.rooms.values()):
                await self.hub.publish({"p": room.thread_id, "s": self.server, "n": len(room.clients)})

    async def typing(self, room: Room, client: Client) -> None:
        await self.hub.publish({"y": room.thread_id, "k": f"{self.server}:{client.id}"})

