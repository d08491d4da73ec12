"""Run a coroutine now, in the caller, until it first has to wait.

A websocket send almost never waits: uvicorn writes the frame to the socket's
buffer at once and only suspends while the peer is not reading (the
transport's write buffer is over its high-water mark). Handing every frame to
a task costs a wake-up per viewer per comment, which at a thousand viewers is
most of the fan-out's time. So a send is started eagerly, as Python 3.12's
eager tasks do: if it finishes without waiting, that was the whole cost; if
it waits, what is left of it is returned to be awaited by a task.
"""

from __future__ import annotations

import types
from collections.abc import Coroutine, Generator
from typing import Any


def start_eagerly(coro: Coroutine[Any, Any, None]) -> Coroutine[Any, Any, None] | None:
    """None when `coro` ran to the end; otherwise an awaitable of the rest.

    An exception raised before the first wait propagates to the caller.
    """
    try:
        pending = coro.send(None)
    except StopIteration:
        return None
    return _rest(coro, pending)


@types.coroutine
def _rest(coro: Coroutine[Any, Any, None], pending: Any) -> Generator[Any, Any, None]:
    # Pass each thing the coroutine waits on up to the awaiting task, and the
    # task's answer (a value, or an exception such as cancellation) back down:
    # exactly what `yield from` would have done had the task started it.
    try:
        while True:
            try:
                answer = yield pending
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:
                pending = coro.throw(exc)
            else:
                pending = coro.send(answer)
    except StopIteration:
        return
