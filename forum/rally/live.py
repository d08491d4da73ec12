"""Convening news on the thread socket: a released question, slow mode, the end.

A convening write publishes a notice `{"cv": id}` once it commits. Each
process with viewers on the thread reads the convening back from the
database and offers every viewer one frame:
`{"type":"convening","id","state","current_question":{number,text}|null,"slow_mode"}`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool

from forum.boards.models import Thread
from forum.live.clients import Frame
from forum.live.hub import Notice
from forum.live.rooms import Relay
from forum.rally.models import Convening, ConveningQuestion, ConveningState
from forum.types import Status


def convening_frame(convening: Convening, question: ConveningQuestion | None, state: ConveningState) -> str:
    current = {"number": question.number, "text": question.text} if question is not None and state == ConveningState.LIVE else None
    return json.dumps({
        "type": "convening", "id": convening.id, "state": str(state), "current_question": current,
        "slow_mode": convening.slow_mode_seconds if state == ConveningState.LIVE else 0,
        "url": f"/c/{convening.id}",
    }, ensure_ascii=False, separators=(",", ":"))


class ConveningRoute:
    def __init__(self, relay: Relay, clock: Callable[[], datetime]) -> None:
        self.relay = relay
        self.clock = clock

    async def on_notice(self, notice: Notice) -> None:
        convening_id = notice.get("cv")
        if not isinstance(convening_id, int):
            return

        def read() -> tuple[int, str] | None:
            with self.relay.db.read() as session:
                convening = session.get(Convening, convening_id)
                thread = session.get(Thread, convening.thread_id) if convening is not None else None
                # Everyone in the room reads the thread as the public does.
                if convening is None or thread is None or thread.status != Status.PUBLISHED:
                    return None
                if convening.thread_id not in self.relay.rooms:
                    return None
                question = session.get(ConveningQuestion, (convening.id, convening.current_question)) if convening.current_question else None
                return convening.thread_id, convening_frame(convening, question, convening.state_at(self.clock()))

        found: Any = await run_in_threadpool(read)
        if found is None:
            return
        thread_id, text = found
        room = self.relay.rooms.get(thread_id)
        if room is not None:
            await room.fan_out(Frame(text))

    async def on_reconnect(self) -> None:
        return None  # the relay sends every viewer `resync`; the page shows the convening as it is

    async def stop(self) -> None:
        return None
