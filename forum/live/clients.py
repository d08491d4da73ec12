"""One websocket viewer: a bounded backlog of frames, sent without blocking the publisher.

The publishing side never awaits a socket. It offers a frame to each viewer:
a viewer whose socket is keeping up has the frame written at once (a send
only waits while the peer is not reading, see `eager.py`); a viewer whose
socket is busy gets the frame appended to its backlog, which a task of its
own drains. So one stalled socket cannot slow the others or the poster. A
viewer whose backlog fills up has fallen too far behind to be caught up
frame by frame: it is sent `resync` (reload the list from the page or the
API) and closed.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from starlette.websockets import WebSocket, WebSocketState

from forum.accounts.models import User
from forum.live.eager import start_eagerly

log = logging.getLogger("forum.live")

QUEUE_SIZE = 256
RESYNC = '{"type":"resync"}'
# Close codes: 1008 policy (origin, size), 4404 no such thread, 4408 too slow.
TOO_SLOW = 4408

_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Frame:
    text: str
    # For a new comment, its id: a viewer that already has it (from its
    # catch-up) drops the frame. 0 for everything else.
    comment_id: int = 0


_CLOSE = Frame("")


class Client:
    def __init__(self, websocket: WebSocket, viewer: User | None, *, after: int) -> None:
        self.id = next(_ids)
        self.websocket = websocket
        self.viewer = viewer
        # The highest comment id this viewer has been sent (or had on its page).
        self.last_id = after
        self.closed = False
        self.last_typing = 0.0
        # Frames waiting for the socket: while the catch-up is being sent
        # (before `start_sender`) or while a send is waiting for the peer.
        self.backlog: deque[Frame] = deque()
        self._live = False
        self._sender: asyncio.Task[None] | None = None

    def offer(self, frame: Frame) -> None:
        """Send or queue a frame without waiting; a full backlog ends this viewer with `resync`."""
        if self.closed:
            return
        if self._live and self._sender is None and not self.backlog:
            self._write(frame)
        elif len(self.backlog) >= QUEUE_SIZE:
            self.overflow()
        else:
            self.backlog.append(frame)

    def overflow(self) -> None:
        self.closed = True
        self.backlog.clear()
        self.backlog.append(Frame(RESYNC))
        self.backlog.append(_CLOSE)
        if self._live and self._sender is None:
            self._sender = asyncio.create_task(self._drain(None), name=f"forum-live-sender-{self.id}")

    def start_sender(self) -> None:
        """The catch-up is sent: from now on frames go out as they come."""
        self._live = True
        if self.backlog:
            self._sender = asyncio.create_task(self._drain(None), name=f"forum-live-sender-{self.id}")

    async def stop(self) -> None:
        self.closed = True
        sender = self._sender
        if sender is not None and not sender.done():
            sender.cancel()
            try:
                await sender
            except (asyncio.CancelledError, Exception):
                pass

    async def send_now(self, text: str) -> None:
        """For the handshake and the catch-up, before `start_sender`."""
        await self.websocket.send_text(text)

    def _write(self, frame: Frame) -> None:
        if frame.comment_id:
            if frame.comment_id <= self.last_id:
                return  # already sent in the catch-up
            self.last_id = frame.comment_id
        try:
            rest = start_eagerly(self.websocket.send_text(frame.text))
        except Exception:
            # The peer went away: the receive loop will notice and clean up.
            self.closed = True
            return
        if rest is not None:
            self._sender = asyncio.create_task(self._drain(rest), name=f"forum-live-sender-{self.id}")

    async def _drain(self, rest: Coroutine[Any, Any, None] | None) -> None:
        try:
            if rest is not None:
                await rest
            while self.backlog:
                frame = self.backlog.popleft()
                if frame is _CLOSE:
                    if getattr(self.websocket, "application_state", None) == WebSocketState.CONNECTED:
                        await self.websocket.close(code=TOO_SLOW, reason="too far behind; reload")
                    return
                if frame.comment_id:
                    if frame.comment_id <= self.last_id:
                        continue
                    self.last_id = frame.comment_id
                await self.websocket.send_text(frame.text)
        except asyncio.CancelledError:
            raise
        except Exception:
            # The peer went away mid-send: the receive loop will notice and clean up.
            self.closed = True
        finally:
            self._sender = None
