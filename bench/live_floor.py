"""The floor for bench/live.py: the least a Python server can do to push one frame to N websockets.

    .venv/bin/python bench/live_floor.py --port 8765

Written with the `websockets` library only (its asyncio server, uvloop when installed), with the
same socket settings as `forum serve`: no per-message compression, frames up to 64 KiB, a ping
every 20 s. Subscribers connect to any path; a connection to `/post` is the poster, and each text
frame it sends is passed as it is to every subscriber with `websockets.broadcast` (one write per
socket, no queue, no task per frame). There is no database, no template and no JSON: whatever
the forum spends beyond this, it spends on its own work. `GET /health` answers 200 without an
upgrade, so a script can wait for the server to be up.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import signal
from http import HTTPStatus

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.http11 import Request, Response

MAX_FRAME = 64 * 1024
PING_EVERY = 20.0
BACKLOG = 2048  # uvicorn's default, so both servers queue connection bursts alike


def raise_open_files() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def run(host: str, port: int) -> None:
    subscribers: set[ServerConnection] = set()

    def health(connection: ServerConnection, request: Request) -> Response | None:
        if request.path == "/health":
            return connection.respond(HTTPStatus.OK, f"ok {len(subscribers)}\n")
        return None

    async def handler(connection: ServerConnection) -> None:
        if connection.request is not None and connection.request.path.startswith("/post"):
            async for message in connection:
                broadcast(subscribers, message)
            return
        subscribers.add(connection)
        try:
            await connection.wait_closed()
        finally:
            subscribers.discard(connection)

    stop = asyncio.get_running_loop().create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, lambda: stop.done() or stop.set_result(None))
    async with serve(
        handler,
        host,
        port,
        process_request=health,
        compression=None,
        max_size=MAX_FRAME,
        ping_interval=PING_EVERY,
        ping_timeout=PING_EVERY,
        backlog=BACKLOG,
    ):
        await stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    raise_open_files()
    try:
        import uvloop
    except ImportError:
        asyncio.run(run(args.host, args.port))
    else:
        uvloop.run(run(args.host, args.port))


if __name__ == "__main__":
    main()
