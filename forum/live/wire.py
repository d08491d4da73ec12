"""Write a frame to a viewer's connection as bytes encoded once for the whole room.

A server's websocket frame is not masked, so the same comment is the same
bytes on every viewer's connection. Going through the ASGI send for each
viewer encodes the text to UTF-8 and builds the frame again per viewer, and
passes through two layers of coroutines: at a thousand viewers that is most
of a comment's cost. When the socket is served by uvicorn's websockets
(sans-I/O) protocol, without extensions, and is open and keeping up, the
encoded frame is written straight to its transport instead.

Anything else (another server, a test client, compression negotiated, the
peer not reading, a close under way) answers False, and the caller takes the
ordinary ASGI send, which waits for the peer and raises on a lost
connection. A frame always leaves whole, so the protocol's own writes
(pings, the close frame) still fall between frames.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from websockets.frames import Frame, Opcode
from websockets.protocol import State

Writer = Callable[[bytes], bool]

# Where the request middleware keeps the server's own ASGI send in a
# websocket's scope: the one the application sees is wrapped by the framework.
SERVER_SEND = "forum.server_send"


def encode_text(text: str) -> bytes:
    """A complete, unmasked text frame, as a server sends it."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


def direct_writer(asgi_send: Any) -> Writer | None:
    """A writer for the connection behind the server's `asgi_send`, or None when it is not one we know."""
    try:
        from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
    except ImportError:  # pragma: no cover - uvicorn is a dependency
        return None
    protocol = getattr(asgi_send, "__self__", None)
    if not isinstance(protocol, WebSocketsSansIOProtocol):
        return None

    def write(data: bytes) -> bool:
        conn = protocol.conn
        transport = protocol.transport
        if (
            not protocol.handshake_complete
            or protocol.initial_response is not None
            or protocol.close_sent
            or protocol.disconnected
            or not protocol.writable.is_set()
            or conn.state is not State.OPEN
            or conn.extensions
            or transport.is_closing()
        ):
            return False
        transport.write(data)
        return True

    return write
