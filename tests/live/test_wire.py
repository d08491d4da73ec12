"""Frames written straight to uvicorn's transport, over real TCP connections."""

from __future__ import annotations

import asyncio
import json

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect
from websockets.asyncio.client import connect
from websockets.frames import Frame as WireFrame
from websockets.frames import Opcode
from websockets.streams import StreamReader

from forum.live.clients import Client, Frame
from forum.live.wire import direct_writer, encode_text
from forum.middleware import RequestMiddleware
from tests.browser_server import free_port

TEXTS = ["", "a", "é✓ 漢字 🙂", "x" * 125, "y" * 126, "z" * 65535, "w" * 65536, "v" * 200_000]


def test_an_encoded_frame_reads_back_as_the_same_text_at_every_length_class():
    stream = StreamReader()
    for text in TEXTS:
        stream.feed_data(encode_text(text))
    stream.feed_eof()
    received = []
    for _ in TEXTS:
        parser = WireFrame.parse(stream.read_exact, mask=False)
        try:
            next(parser)
        except StopIteration as done:
            frame = done.value
        assert frame.opcode is Opcode.TEXT and frame.fin
        received.append(frame.data.decode())
    assert received == TEXTS


def test_a_socket_that_is_not_uvicorns_gets_no_direct_writer():
    async def send(message: object) -> None:
        pass

    assert direct_writer(send) is None
    assert direct_writer(None) is None


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
    app = Starlette(routes=[WebSocketRoute("/ws", endpoint)], middleware=[Middleware(RequestMiddleware, max_body_bytes=1024)])
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


def test_frames_written_directly_arrive_whole_in_order_and_without_repeats():
    async def scenario() -> None:
        clients: list[Client] = []
        server, task, url = await _serve(clients)
        try:
            async with connect(url, max_size=None, compression=None) as viewer:
                await _wait_for(clients, 1)
                client = clients[0]
                assert client._direct is not None, "uvicorn's socket should be written directly"
                sent = [json.dumps({"n": n, "text": text}) for n, text in enumerate(TEXTS)]
                for n, text in enumerate(sent):
                    client.offer(Frame(text, comment_id=n + 1))
                # A comment the viewer already has (from its catch-up) is dropped.
                client.offer(Frame("repeat", comment_id=3))
                client.offer(Frame("last"))
                received = [await asyncio.wait_for(viewer.recv(), 10) for _ in range(len(sent) + 1)]
                assert received == [*sent, "last"]
        finally:
            await _stop(server, task)

    asyncio.run(scenario())


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
