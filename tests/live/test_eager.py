import asyncio

import pytest

from forum.live.eager import start_eagerly


def test_a_coroutine_that_never_waits_runs_to_the_end_in_the_caller():
    done: list[str] = []

    async def send() -> None:
        done.append("sent")

    async def scenario() -> None:
        assert start_eagerly(send()) is None
        assert done == ["sent"]  # before the event loop ran anything else

    asyncio.run(scenario())


def test_a_coroutine_that_waits_is_finished_by_whoever_awaits_the_rest():
    steps: list[str] = []

    async def send(gate: asyncio.Event) -> None:
        steps.append("started")
        await gate.wait()
        await asyncio.sleep(0)
        steps.append("finished")

    async def scenario() -> None:
        gate = asyncio.Event()
        rest = start_eagerly(send(gate))
        assert rest is not None and steps == ["started"]
        task = asyncio.ensure_future(rest)
        await asyncio.sleep(0.01)
        assert steps == ["started"]
        gate.set()
        await task

    asyncio.run(scenario())
    assert steps == ["started", "finished"]


def test_cancelling_the_rest_cancels_the_coroutine_where_it_waits():
    cleaned: list[bool] = []

    async def send() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            cleaned.append(True)

    async def scenario() -> None:
        rest = start_eagerly(send())
        assert rest is not None
        task = asyncio.ensure_future(rest)
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert cleaned == [True]


def test_errors_before_and_after_the_first_wait_reach_the_caller():
    async def refuse() -> None:
        raise ConnectionError("gone")

    async def fail_later() -> None:
        await asyncio.sleep(0)
        raise ConnectionError("gone later")

    async def scenario() -> None:
        with pytest.raises(ConnectionError, match="gone"):
            start_eagerly(refuse())
        rest = start_eagerly(fail_later())
        assert rest is not None
        with pytest.raises(ConnectionError, match="gone later"):
            await rest

    asyncio.run(scenario())
