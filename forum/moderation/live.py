"""GET /ws/mod/queue: the review queue, live, on every open moderator page.

A queue change publishes {"q": item_id} once its write commits
(forum.db.publish_after_commit; the Relay puts it on the hub). Every process
with moderator sockets reads that item from the database once, then offers
each moderator who may see it (`can_moderate_board`) one frame:

- `{"type":"queue_item","id":n,"html":…,"item":{…}}` while it is open: the
  rendered `moderation/_queue_item.html` (with that page's CSRF token in its
  forms) and `queue_entry_public`;
- `{"type":"queue_removed","id":n,"resolution":…,"by":name}` once it is done.

As with threads, the hub carries notices, not content: a notice that arrives
late or twice costs a read, never a stale item, because reads run one at a
time and each starts after the notice that asked for it. On connect a
moderator gets `{"type":"hello","count":n,"latest":iso}` (the open items they
moderate, and the newest change among them), so a page can tell whether it
missed something between being rendered and connecting. After a lost hub
connection every moderator is sent `{"type":"resync"}`: reload the list.
Frames from the page are ignored, except `{"type":"ping"}` (answered `pong`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import Environment
from sqlalchemy import func, select
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocket, WebSocketDisconnect

from forum.accounts.auth import browser, load_viewer
from forum.accounts.models import User
from forum.accounts.permissions import can_moderate, can_moderate_board, moderated_board_ids
from forum.boards.models import Board
from forum.db import Database
from forum.live.clients import RESYNC, Client, Frame
from forum.live.hub import Notice
from forum.live.rooms import Relay
from forum.live.views import MAX_FRAME, POLICY, TOO_BIG, origin_allowed
from forum.moderation.models import QueueItem, QueueState
from forum.moderation.queue import QUEUE_NOTICE, QueueEntry, queue_entries, queue_entry_public
from forum.templating import iso

log = logging.getLogger("forum.live")

NOT_A_MODERATOR = 4403
PARTIAL = "moderation/_queue_item.html"


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class ItemNews:
    """One queue item as it stands: `entry` while it is open, None once done."""

    id: int
    board_id: int
    entry: QueueEntry | None
    resolution: str | None
    resolved_by: str | None


def read_items(session: Session, item_ids: list[int]) -> list[ItemNews]:
    """What the moderators' pages need about these items (every board: who sees what is decided per socket)."""
    items = [item for item in (session.get(QueueItem, i) for i in item_ids) if item is not None]
    opened = [(item, board) for item in items if item.state == QueueState.OPEN
              for board in [session.get(Board, item.board_id)] if board is not None]
    entries = {entry.id: entry for entry in queue_entries(session, opened)}
    news: list[ItemNews] = []
    for item in items:
        if item.state == QueueState.OPEN:
            if item.id in entries:
                news.append(ItemNews(item.id, item.board_id, entries[item.id], None, None))  # type: ignore[arg-type]
        else:
            resolver = session.get(User, item.resolved_by_id) if item.resolved_by_id else None
            news.append(ItemNews(item.id, item.board_id, None, item.resolution, resolver.name if resolver else None))  # type: ignore[arg-type]
    return news


def open_summary(session: Session, viewer: User) -> tuple[int, datetime | None]:
    """How many open items the viewer moderates, and when the newest of them last changed."""
    query = select(func.count(QueueItem.id), func.max(QueueItem.updated_at)).where(QueueItem.state == QueueState.OPEN)  # type: ignore[arg-type]
    boards = moderated_board_ids(viewer)
    if boards is not None:
        query = query.where(QueueItem.board_id.in_(boards))  # type: ignore[attr-defined]
    count, latest = session.execute(query).one()
    return int(count or 0), latest


class QueueRelay:
    """This process's moderator sockets, each with the CSRF token its page's forms need."""

    def __init__(self, db: Database, env: Environment) -> None:
        self.db = db
        self.env = env
        self.clients: dict[Client, str] = {}
        # Items with news not yet read; one reader at a time drains them.
        self._pending: set[int] = set()
        self._reader: asyncio.Task[None] | None = None

    def join(self, client: Client, csrf_token: str) -> None:
        self.clients[client] = csrf_token

    def leave(self, client: Client) -> None:
        self.clients.pop(client, None)

    async def on_notice(self, notice: Notice) -> None:
        item_id = notice.get(QUEUE_NOTICE)
        if type(item_id) is not int or not self.clients:
            return
        self._pending.add(item_id)
        if self._reader is None or self._reader.done():
            self._reader = asyncio.ensure_future(self._read_pending())

    async def on_reconnect(self) -> None:
        """Notices sent while the hub was down are lost: every page reloads its list."""
        for client in list(self.clients):
            client.offer(Frame(RESYNC))

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        for client in list(self.clients):
            await client.stop()
        self.clients.clear()

    async def _read_pending(self) -> None:
        # One read at a time, each for every item noticed since the last began:
        # an item changed twice in quick succession is read once, and a slow
        # read can never overtake a later one with older news.
        while self._pending:
            item_ids = sorted(self._pending)
            self._pending.clear()

            def read() -> list[ItemNews]:
                with self.db.read() as session:
                    return read_items(session, item_ids)

            try:
                news = await run_in_threadpool(read)
            except Exception:
                log.exception("reading queue items %s failed", item_ids)
                continue
            for item in news:
                self._fan_out(item)

    def _fan_out(self, news: ItemNews) -> None:
        removed = None
        if news.entry is None:
            removed = Frame(_dumps({"type": "queue_removed", "id": news.id, "resolution": news.resolution, "by": news.resolved_by}))
        for client, csrf_token in list(self.clients.items()):
            if not can_moderate_board(client.viewer, news.board_id):
                continue
            client.offer(removed or self.item_frame(news.entry, client.viewer, csrf_token))  # type: ignore[arg-type]

    def item_frame(self, entry: QueueEntry, viewer: User | None, csrf_token: str) -> Frame:
        html = self.env.get_template(PARTIAL).render(entry=entry, viewer=viewer, csrf_token=csrf_token)
        return Frame(_dumps({"type": "queue_item", "id": entry.id, "html": html, "item": queue_entry_public(entry)}))


def queue_relay(relay: Relay) -> QueueRelay:
    """This process's QueueRelay, handed the hub's queue notices from the first moderator socket on."""
    route = relay.routes.get(QUEUE_NOTICE)
    if not isinstance(route, QueueRelay):
        route = QueueRelay(relay.db, relay.env)
        relay.add_route(QUEUE_NOTICE, route)
    return route


def _is_ping(text: str) -> bool:
    try:
        data = json.loads(text)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("type") == "ping"


async def queue_socket(websocket: WebSocket) -> None:
    state = websocket.app.state
    # Accepted, then closed with a reason, so a refused page's script sees why and stops retrying.
    await websocket.accept()
    if not origin_allowed(websocket):
        await websocket.close(code=POLICY, reason="origin not allowed")
        return
    viewer = await run_in_threadpool(load_viewer, websocket)  # type: ignore[arg-type]
    if viewer is None or not can_moderate(viewer):
        await websocket.close(code=NOT_A_MODERATOR, reason="the review queue is for moderators")
        return
    csrf_token = browser(websocket).csrf  # type: ignore[arg-type]

    def summary() -> tuple[int, datetime | None]:
        with state.db.read() as session:
            return open_summary(session, viewer)

    queue = queue_relay(state.relay)
    client = Client(websocket, viewer, after=0)
    # Joined before counting: news from here on waits in the backlog and follows the hello.
    queue.join(client, csrf_token)
    try:
        count, latest = await run_in_threadpool(summary)
        await client.send_now(_dumps({"type": "hello", "count": count, "latest": iso(latest)}))
        client.start_sender()
        while not client.closed:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            if text is not None and len(text) > MAX_FRAME:
                await websocket.close(code=TOO_BIG, reason="frame over 64 KiB")
                break
            if text is not None and _is_ping(text):
                client.offer(Frame('{"type":"pong"}'))
    except WebSocketDisconnect:
        pass
    finally:
        queue.leave(client)
        await client.stop()
