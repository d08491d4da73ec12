"""GET /ws/threads/{id}?after={last_seen_comment_id}: a thread, live.

On connect the viewer joins the thread's room first, then gets every
published comment with id > after from the database, then the live frames,
with anything it already had dropped: nothing published during the catch-up
is lost or sent twice. It may post ({"type":"comment","body",…}) under the
same rules as the form and the API, and say it is typing.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocket, WebSocketDisconnect

from forum import ratelimit
from forum.accounts.auth import load_viewer
from forum.accounts.models import User
from forum.accounts.permissions import can_post
from forum.boards.queries import get_thread
from forum.comments.services import create_comment
from forum.errors import ForumError, InvalidInput, NotAuthenticated, NotFound
from forum.live.clients import Client, Frame
from forum.live.queries import published_since
from forum.live.rooms import Relay, Room, comment_frame
from forum.moderation.models import TargetType
from forum.moderation.queue import held_reasons
from forum.phi.display import findings_in
from forum.types import MAX_ID, Status
from forum.web import client_key

MAX_FRAME = 64 * 1024
TYPING_EVERY = 3.0
NOT_FOUND = 4404
POLICY = 1008
TOO_BIG = 1009


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def origin_allowed(websocket: WebSocket) -> bool:
    """The site itself and FORUM_EMBED_ORIGINS. A client that sends no Origin
    is not a browser, and carries no one else's cookies to misuse."""
    origin = websocket.headers.get("origin")
    if not origin:
        return True
    settings = websocket.app.state.settings
    host = websocket.headers.get("host", "")
    allowed = {_origin(settings.base_url), f"http://{host}".lower(), f"https://{host}".lower()}
    allowed.update(o.lower() for o in settings.embed_origin_list)
    return origin.lower().rstrip("/") in allowed


def _after(websocket: WebSocket) -> int | None:
    raw = websocket.query_params.get("after", "0") or "0"
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        return None
    return min(int(raw), MAX_ID)


def _error(code: str, message: str, *, retry_after: int | None = None) -> Frame:
    frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
    if retry_after is not None:
        frame["retry_after"] = retry_after
    return Frame(json.dumps(frame))


async def thread_socket(websocket: WebSocket) -> None:
    state = websocket.app.state
    relay: Relay = state.relay
    after = _after(websocket)
    thread_id: int = websocket.path_params["thread_id"]

    def who_and_where() -> User | None:
        viewer = load_viewer(websocket)  # type: ignore[arg-type]
        with state.db.read() as session:
            get_thread(session, viewer, thread_id)
        return viewer

    # Accepted, then closed with a reason, so a refused browser sees why (a
    # refused handshake reaches its script only as a bare 1006) and stops retrying.
    await websocket.accept()
    if not origin_allowed(websocket):
        await websocket.close(code=POLICY, reason="origin not allowed")
        return
    if after is None:
        await websocket.close(code=POLICY, reason="after must be a comment id")
        return
    try:
        viewer = await run_in_threadpool(who_and_where)
    except NotFound:
        await websocket.close(code=NOT_FOUND, reason="no such thread")
        return

    client = Client(websocket, viewer, after=after)
    room = await relay.join(thread_id, client)
    try:
        backlog = await run_in_threadpool(_catch_up, state.db, thread_id, after)
        for view in backlog:
            await client.send_now(comment_frame(state.templates, view))
            client.last_id = max(client.last_id, view.id)
        await client.send_now(json.dumps({"type": "presence", "count": max(relay.count(thread_id), len(room.clients))}))
        client.start_sender()
        while not client.closed:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            if text is None:
                client.offer(_error("bad_frame", "Send JSON text frames."))
                continue
            if len(text) > MAX_FRAME:
                await websocket.close(code=TOO_BIG, reason="frame over 64 KiB")
                break
            await _handle(relay, room, client, text)
    except WebSocketDisconnect:
        pass
    finally:
        relay.leave(room, client)
        await client.stop()


def _catch_up(db: Any, thread_id: int, after: int) -> list[Any]:
    with db.read() as session:
        return published_since(session, thread_id, after)


async def _handle(relay: Relay, room: Room, client: Client, text: str) -> None:
    try:
        data = json.loads(text)
    except ValueError:
        client.offer(_error("bad_frame", "The frame is not valid JSON."))
        return
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "comment":
        reply = await _post(relay, room, client, data)
        ref = data.get("ref")
        if isinstance(ref, (str, int)) and not isinstance(ref, bool) and len(str(ref)) <= 64:
            # The client's own tag for this post, echoed so it can match the answer to its form.
            answer = json.loads(reply.text)
            answer["ref"] = ref
            reply = Frame(json.dumps(answer))
        client.offer(reply)
    elif kind == "typing":
        if not can_post(client.viewer):
            return  # only someone who may post can be "typing": not a reader, nor a silenced member
        now = time.monotonic()
        if now - client.last_typing >= TYPING_EVERY:
            client.last_typing = now
            await relay.typing(room, client)
    else:
        client.offer(_error("unknown_type", 'Frames are {"type":"comment",…} or {"type":"typing"}.'))


async def _post(relay: Relay, room: Room, client: Client, data: dict[str, Any]) -> Frame:
    """The same service, rules and rate limit as the form and the API."""
    body = data.get("body")
    parent_id = data.get("parent_id")
    question = data.get("question")
    try:
        if client.viewer is None:
            raise NotAuthenticated("Log in to comment.")
        if not isinstance(body, str):
            raise InvalidInput("body must be text.", field="body")
        if parent_id is not None and (type(parent_id) is not int or not 1 <= parent_id <= MAX_ID):
            raise InvalidInput("parent_id must be a comment id.", field="parent_id")
        if question is not None and (type(question) is not int or not 1 <= question <= 20):
            raise InvalidInput("question must be a question number.", field="question")
        viewer = client.viewer
        state = client.websocket.app.state

        def write() -> dict[str, Any]:
            ratelimit.hit_comment(state.rate_limiter, viewer, client_key(client.websocket))
            with state.db.write() as session:
                # The viewer was read when the socket opened: a silence or a
                # suspension since then must count now, as on the form and the API.
                author = session.get(User, viewer.id)
                if author is None or author.is_suspended():
                    raise NotAuthenticated("Log in to comment.")
                comment = create_comment(session, author=author, thread_id=room.thread_id, body=body, parent_id=parent_id,
                                         question=question, now=state.clock(), policy=state.policy)
                answer: dict[str, Any] = {"type": "posted", "id": comment.id}
                if comment.status == Status.HELD:
                    answer.update(status="held", reasons=held_reasons(session, TargetType.COMMENT, comment.id),  # type: ignore[arg-type]
                                  findings=findings_in(comment.body_md, state.policy.own_hosts))
                return answer

        answer = await run_in_threadpool(write)
    except ForumError as exc:
        return _error(exc.code, exc.message, retry_after=getattr(exc, "retry_after", None))
    return Frame(json.dumps(answer))
