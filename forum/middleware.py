"""One ASGI middleware for every request: a request id, one access-log line,
security headers, and refusing bodies over the limit before they are read."""

from __future__ import annotations

import logging
import secrets
import time

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from forum.web import PayloadTooLarge, error_payload

access_log = logging.getLogger("forum.access")

_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]
_DEFAULT_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"
)


class RequestMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        request_id = secrets.token_hex(6)
        scope["forum.request_id"] = request_id
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return

        started = time.perf_counter()
        status = 500
        limit = self.max_body_bytes

        length = _content_length(scope)
        if length is not None and length > limit:
            await _too_large(scope, send, request_id, limit)
            _log(scope, 413, started, request_id)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLarge(f"The request body is larger than the {limit // 1024:,} KiB limit.")
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers.append("x-request-id", request_id)
                for name, value in _SECURITY_HEADERS:
                    headers.append(name.decode(), value.decode())
                if "content-security-policy" not in headers:
                    headers.append("content-security-policy", _DEFAULT_CSP)
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        finally:
            _log(scope, status, started, request_id)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(scope: Scope, send: Send, request_id: str, limit: int) -> None:
    import json

    body = json.dumps(error_payload("too_large", f"The request body is larger than the {limit // 1024:,} KiB limit.")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", request_id.encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _log(scope: Scope, status: int, started: float, request_id: str) -> None:
    if not access_log.isEnabledFor(logging.INFO):
        return
    client = scope.get("client")
    path = scope.get("path", "")
    query = scope.get("query_string", b"")
    if query:
        path += "?" + query.decode("latin-1")
    access_log.info(
        '%s "%s %s" %d %.1fms id=%s',
        client[0] if client else "-",
        scope.get("method", "-"),
        path,
        status,
        (time.perf_counter() - started) * 1000,
        request_id,
    )
