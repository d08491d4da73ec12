"""One websocket viewer: a bounded queue of frames and its own sender task.

The publishing side never awaits a socket: it offers a frame to each viewer's
queue and moves on, so one stalled socket cannot slow the others or the
poster. A viewer whose queue fills up has fallen too far behind to be caught
up frame by frame: it is sent `resync` (reload the list from the page or the
API) and closed.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from dataclasses import dataclass

from starlette.websockets import WebSocket, WebSocketState

from forum.accounts.models import User

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
        self.queue: asyncio.Queue[Frame] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self.closed = False
        self.last_typing = 0.0
        self._sender: asyncio.Task[None] | None = None

    def offer(self, frame: Frame) -> None:
        """Queue a frame without waiting; a full queue ends this viewer with `resync`."""
        if self.closed:
            return
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.overflow()

    def overflow(self) -> None:
        self.closed = True
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(Frame(RESYNC))
        self.queue.put_nowait(_CLOSE)

    def start_sender(self) -> None:
        self._sender = asyncio.create_task(self._send_loop(), name=f"forum-live-sender-{self.id}")

    async def stop(self) -> None:
        self.closed = True
        if self._sender is not None and not self._sender.done():
            self._sender.cancel()
            try:
                await self._sender
            except (asyncio.CancelledError, Exception):
                pass

    async def send_now(self, text: str) -> None:
        """For the handshake and the catch-up, before the sender task starts."""
        await self.websocket.send_text(text)

    async def _send_loop(self) -> None:
        try:
            while True:
                frame = await self.queue.get()
                if frame is _CLOSE:
                    if self.websocket.application_state == WebSocketState.CONNECTED:
                        await self.websocket.close(code=TOO_SLOW, reason="too far behind; reload")
                    return
                if frame.comment_id and frame.comment_id <= self.last_id:
                    continue  # already sent in the catch-up
                if frame.comment_id:
                    self.last_id = frame.comment_id
                await self.websocket.send_text(frame.text)
        except asyncio.CancelledError:
            raise
        except Exception:
            # The peer went away mid-send: the receive loop will notice and clean up.
            self.closed = True
