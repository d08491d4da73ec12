"""A viewer whose peer stops reading, over real TCP connections to uvicorn."""

from __future__ import annotations

import asyncio
import json

import uvicorn
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect
from websockets.asyncio.client import connect

from forum.live.clients import Client, Frame
from tests.browser_server import free_port


async def _serve(clients: list[Client]) -> tuple[uvicorn.Server, asyncio.Task[None], str]:
    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        client = Client(websocket, None, after=0)
        client.start_sender()
        clients.append(client)
        try:
            while True:
                await websocket.receive_text()
        except WebSocketDisconnect:
            pass
        finally:
            await client.stop()

    port = free_port()
    app = Starlette(routes=[WebSocketRoute("/ws", endpoint)])
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, ws="websockets-sansio", ws_per_message_deflate=False, lifespan="off", log_level="warning"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    assert server.started, "the test server did not start"
    return server, task, f"ws://127.0.0.1:{port}/ws"


async def _stop(server: uvicorn.Server, task: asyncio.Task[None]) -> None:
    server.should_exit = True
    await asyncio.wait_for(task, 10)


async def _wait_for(clients: list[Client], count: int) -> None:
    for _ in range(500):
        if len(clients) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{count} viewers did not connect")


def test_a_peer_that_stops_reading_is_cut_off_while_a_reading_one_gets_every_frame():
    async def scenario() -> None:
        clients: list[Client] = []
        server, task, url = await _serve(clients)
        try:
            # A client whose queue holds one message and that never reads:
            # it stops reading the connection, and TCP pushes back.
            async with connect(url, max_size=None, max_queue=1, compression=None):
                await _wait_for(clients, 1)
                stalled = clients[0]
                async with connect(url, max_size=None, compression=None) as reader:
                    await _wait_for(clients, 2)
                    fast = clients[1]
                    received: list[str] = []

                    async def read() -> None:
                        async for message in reader:
                            received.append(str(message))

                    reading = asyncio.create_task(read())
                    offered = 0
                    payload = "p" * 60_000
                    while not stalled.closed and offered < 3_000:
                        frame = Frame(json.dumps({"n": offered, "p": payload}))
                        stalled.offer(frame)
                        fast.offer(frame)
                        offered += 1
                        await asyncio.sleep(0.002)
                    assert stalled.closed, f"the stalled viewer was still open after {offered} frames"
                    assert not fast.closed
                    for _ in range(1_000):
                        if len(received) >= offered:
                            break
                        await asyncio.sleep(0.01)
                    assert [json.loads(m)["n"] for m in received] == list(range(offered))
                    reading.cancel()
        finally:
            await _stop(server, task)

    asyncio.run(scenario())

