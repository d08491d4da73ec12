"""The thread socket, in process: catch-up, live frames, resume, posting,
visibility, bad frames, origins, and slow viewers; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import update
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from forum.accounts.services import register
from forum.boards.services import create_thread, touch_thread
from forum.comments.models import Comment
from forum.comments.services import create_comment, delete_comment, edit_comment
from forum.db import mark_thread_changed
from forum.live.clients import QUEUE_SIZE, Client, Frame
from forum.types import Status
from tests.conftest import PASSWORD, register as register_in_browser


@pytest.fixture
def live(app):
    with TestClient(app, base_url="http://testserver") as client:
        yield client


def writer_and_thread(db):
    with db.write() as session:
        user = register(session, email="w@example.org", name="writer", password=PASSWORD, trusted=True)
        thread = create_thread(session, author=user, board_slug="rally", title="Live", body="x")
    return user, thread


def comment(db, user, thread, body, parent_id=None) -> int:
    with db.write() as session:
        return create_comment(session, author=user, thread_id=thread.id, body=body, parent_id=parent_id).id


def frames(ws, count: int, kinds=("comment",)) -> list[dict]:
    got = []
    while len(got) < count:
        frame = json.loads(ws.receive_text())
        if frame["type"] in kinds:
            got.append(frame)
    return got


def test_a_viewer_gets_the_backlog_then_live_comments_with_the_page_partial(db, live):
    user, thread = writer_and_thread(db)
    first = comment(db, user, thread, "before I came")
    with live.websocket_connect(f"/ws/threads/{thread.id}?after=0") as ws:
        [backlog] = frames(ws, 1)
        assert backlog["comment"]["id"] == first
        second = comment(db, user, thread, "while I watch", parent_id=first)
        [new] = frames(ws, 1)
    data = new["comment"]
    assert data["id"] == second and data["parent_id"] == first and data["author"] == "writer"
    assert data["body_html"] == "<p>while I watch</p>"
    assert f'<li class="comment" id="c{second}"' in data["html"] and "while I watch" in data["html"]
    assert set(data) >= {"id", "thread_id", "parent_id", "author", "body_html", "created_at", "status", "html"}


def test_resuming_after_an_id_delivers_exactly_what_was_missed_in_order(db, live):
    user, thread = writer_and_thread(db)
    with live.websocket_connect(f"/ws/threads/{thread.id}") as ws:
        seen = comment(db, user, thread, "seen")
        assert frames(ws, 1)[0]["comment"]["id"] == seen
    missed = [comment(db, user, thread, f"missed {n}") for n in range(20)]
    with live.websocket_connect(f"/ws/threads/{thread.id}?after={seen}") as ws:
        got = [f["comment"]["id"] for f in frames(ws, 20)]
        later = comment(db, user, thread, "after the catch-up")
        got += [f["comment"]["id"] for f in frames(ws, 1)]
    assert got == missed + [later]


def test_a_comment_posted_during_the_catch_up_is_delivered_once(db, app, live):
    user, thread = writer_and_thread(db)
    backlog = [comment(db, user, thread, f"old {n}") for n in range(30)]
    relay = app.state.relay
    original = relay.join
    posted: list[int] = []

    async def join_then_write(thread_id, client):
        room = await original(thread_id, client)
        # A comment commits after the viewer joined the room and before its
        # catch-up query: it is both in the catch-up and in a live frame.
        posted.append(await asyncio.to_thread(comment, db, user, thread, "during the catch-up"))
        return room

    relay.join = join_then_write
    try:
        with live.websocket_connect(f"/ws/threads/{thread.id}?after=0") as ws:
            got = [f["comment"]["id"] for f in frames(ws, 31)]
            last = comment(db, user, thread, "the next one")
            got += [f["comment"]["id"] for f in frames(ws, 1)]
    finally:
        relay.join = original
    assert got == backlog + posted + [last]


def test_edits_and_deletions_reach_open_pages(db, live):
    user, thread = writer_and_thread(db)
    first = comment(db, user, thread, "first draft")
    with live.websocket_connect(f"/ws/threads/{thread.id}?after={first}") as ws:
        frames(ws, 1, kinds=("presence",))  # joined: from here on, edits reach this viewer
        with db.write() as session:
            edit_comment(session, editor=user, comment_id=first, body="second draft")
        [edited] = frames(ws, 1)
        assert edited["comment"]["id"] == first and "second draft" in edited["comment"]["html"]
        with db.write() as session:
            delete_comment(session, actor=user, comment_id=first)
        [gone] = frames(ws, 1, kinds=("hidden",))
        assert gone == {"type": "hidden", "id": first}


def test_hidden_and_held_comments_never_reach_a_socket(db, live):
    user, thread = writer_and_thread(db)
    visible = comment(db, user, thread, "fine")
    secret = comment(db, user, thread, "patient details")
    with db.write() as session:
        session.execute(update(Comment).where(Comment.id == secret).values(status=Status.HELD))
    with live.websocket_connect(f"/ws/threads/{thread.id}?after=0") as ws:
        assert [f["comment"]["id"] for f in frames(ws, 1)] == [visible]
        # A comment that is held as it is made, then a published one.
        with db.write() as session:
            held = create_comment(session, author=user, thread_id=thread.id, body="also held")
            held.status = Status.HELD
            touch_thread(session, thread_id=thread.id)
        after = comment(db, user, thread, "published later")
        [next_frame] = frames(ws, 1)
        assert next_frame["comment"]["id"] == after
        # Hiding a published comment later takes it off every open page.
        with db.write() as session:
            session.execute(update(Comment).where(Comment.id == visible).values(status=Status.HIDDEN))
            mark_thread_changed(session, thread.id, visible)
        [hidden] = frames(ws, 1, kinds=("hidden",))
        assert hidden["id"] == visible


def test_a_locked_thread_is_announced(db, live):
    from forum.boards.models import Thread

    user, thread = writer_and_thread(db)
    with live.websocket_connect(f"/ws/threads/{thread.id}") as ws:
        frames(ws, 1, kinds=("presence",))  # joined: the room knows the thread is open
        with db.write() as session:
            session.execute(update(Thread).where(Thread.id == thread.id).values(locked=True))
            touch_thread(session, thread_id=thread.id)
        [locked] = frames(ws, 1, kinds=("thread",))
    assert locked == {"type": "thread", "locked": True}


def test_a_member_posts_over_the_socket_under_the_same_rules(db, live):
    _, thread = writer_and_thread(db)
    register_in_browser(live, "poster")
    with live.websocket_connect(f"/ws/threads/{thread.id}") as ws:
        ws.send_text(json.dumps({"type": "comment", "body": "from the socket"}))
        acks = frames(ws, 1, kinds=("posted",))
        [mine] = frames(ws, 1)
        assert mine["comment"]["id"] == acks[0]["id"] and mine["comment"]["author"] == "poster"
        ws.send_text(json.dumps({"type": "comment", "body": "   "}))
        [error] = frames(ws, 1, kinds=("error",))
        assert error["code"] == "invalid" and "empty" in error["message"].lower() or "write" in error["message"].lower()
        ws.send_text(json.dumps({"type": "comment", "body": "a reply", "parent_id": 999999}))
        [error] = frames(ws, 1, kinds=("error",))
        assert "not in this thread" in error["message"]
    page = live.get(f"/t/{thread.id}").text
    assert "from the socket" in page


def test_an_anonymous_viewer_may_watch_but_not_post(db, live):
    _, thread = writer_and_thread(db)
    with live.websocket_connect(f"/ws/threads/{thread.id}") as ws:
        ws.send_text(json.dumps({"type": "comment", "body": "hello"}))
        [error] = frames(ws, 1, kinds=("error",))
    assert error["code"] == "not_authenticated"


def test_bad_frames_get_an_error_and_the_connection_keeps_working(db, live):
    user, thread = writer_and_thread(db)
    with live.websocket_connect(f"/ws/threads/{thread.id}") as ws:
        for bad in ("not json", "[1, 2]", '{"type": "dance"}', '{"no": "type"}', '"just a string"'):
            ws.send_text(bad)
            [error] = frames(ws, 1, kinds=("error",))
            assert error["code"] in {"bad_frame", "unknown_type"}
        ws.send_bytes(b"\x00\x01")
        assert frames(ws, 1, kinds=("error",))[0]["code"] == "bad_frame"
        new = comment(db, user, thread, "still live")
        assert frames(ws, 1)[0]["comment"]["id"] == new


def test_a_frame_over_64_kib_closes_the_connection(db, live):
    _, thread = writer_and_thread(db)
    with live.websocket_connect(f"/ws/threads/{thread.id}") as ws:
        ws.send_text(json.dumps({"type": "comment", "body": "x" * 70_000}))
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                ws.receive_text()
    assert closed.value.code == 1009


def test_other_sites_cannot_open_the_socket_but_the_site_and_embedders_can(db, app, live):
    _, thread = writer_and_thread(db)
    with pytest.raises(WebSocketDisconnect) as refused:
        with live.websocket_connect(f"/ws/threads/{thread.id}", headers={"Origin": "https://evil.example"}) as ws:
            ws.receive_text()
    assert refused.value.code == 1008
    with live.websocket_connect(f"/ws/threads/{thread.id}", headers={"Origin": "http://testserver"}) as ws:
        assert json.loads(ws.receive_text())["type"] == "presence"


def test_an_unknown_or_hidden_thread_closes_with_4404(db, live):
    with pytest.raises(WebSocketDisconnect) as closed:
        with live.websocket_connect("/ws/threads/999999") as ws:
            ws.receive_text()
    assert closed.value.code == 4404
    _, thread = writer_and_thread(db)
    with pytest.raises(WebSocketDisconnect) as bad_after:
        with live.websocket_connect(f"/ws/threads/{thread.id}?after=lots") as ws:
            ws.receive_text()
    assert bad_after.value.code == 1008


def test_presence_counts_the_viewers_of_a_thread(db, live):
    _, thread = writer_and_thread(db)
    with live.websocket_connect(f"/ws/threads/{thread.id}") as first:
        assert json.loads(first.receive_text()) == {"type": "presence", "count": 1}
        with live.websocket_connect(f"/ws/threads/{thread.id}") as second:
            second.receive_text()
            counts = [f["count"] for f in frames(first, 1, kinds=("presence",))]
            assert counts[-1] == 2


class _StalledSocket:
    """A peer that never reads: every send waits for ever."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_text(self, text: str) -> None:
        self.sent.append(text)
        await asyncio.Event().wait()


def test_a_viewer_too_far_behind_is_cut_off_with_resync_and_others_are_not_delayed():
    async def scenario() -> tuple[list[str], bool, bool, int]:
        stalled = Client(_StalledSocket(), None, after=0)  # type: ignore[arg-type]
        fast_socket = _FastSocket()
        fast = Client(fast_socket, None, after=0)  # type: ignore[arg-type]
        stalled.start_sender()
        fast.start_sender()
        for n in range(QUEUE_SIZE + 10):
            for client in (stalled, fast):
                client.offer(Frame(json.dumps({"type": "comment", "n": n}), comment_id=n + 1))
            await asyncio.sleep(0)
        await asyncio.sleep(0.05)
        result = (stalled.websocket.sent, stalled.closed, fast.closed, len(fast_socket.sent))
        await stalled.stop()
        await fast.stop()
        return result

    stalled_sent, stalled_closed, fast_closed, fast_count = asyncio.run(scenario())
    assert stalled_closed and not fast_closed
    assert fast_count == QUEUE_SIZE + 10
    assert len(stalled_sent) == 1  # the one send it is stuck in


class _FastSocket:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_text(self, text: str) -> None:
        self.sent.append(text)


def test_a_post_can_carry_a_reference_that_the_answer_echoes(db, live):
    _, thread = writer_and_thread(db)
    register_in_browser(live, "tagger")
    with live.websocket_connect(f"/ws/threads/{thread.id}") as ws:
        ws.send_text(json.dumps({"type": "comment", "body": "tagged", "ref": "form-1"}))
        [ack] = frames(ws, 1, kinds=("posted",))
        ws.send_text(json.dumps({"type": "comment", "body": " ", "ref": 7}))
        [error] = frames(ws, 1, kinds=("error",))
    assert ack["ref"] == "form-1" and error["ref"] == 7


def test_typing_is_shown_to_the_others_and_rate_limited(db, app):
    _, thread = writer_and_thread(db)
    with TestClient(app) as typist_browser, TestClient(app) as reader_browser:
        register_in_browser(typist_browser, "typist")
        with typist_browser.websocket_connect(f"/ws/threads/{thread.id}") as typist, \
                reader_browser.websocket_connect(f"/ws/threads/{thread.id}") as reader:
            frames(typist, 1, kinds=("presence",))
            frames(reader, 1, kinds=("presence",))
            for _ in range(5):
                typist.send_text('{"type": "typing"}')
            typist.send_text('{"type": "comment", "body": "done typing"}')
            got: list[str] = []
            while "comment" not in got:
                got.append(json.loads(reader.receive_text())["type"])
            seen_by_typist: list[str] = []
            while "comment" not in seen_by_typist:
                seen_by_typist.append(json.loads(typist.receive_text())["type"])
    assert got.count("typing") == 1  # five keystrokes within 3 s: one signal
    assert "typing" not in seen_by_typist


def test_viewers_are_told_to_resync_when_the_hub_reconnects(db, live, app):
    _, thread = writer_and_thread(db)
    with live.websocket_connect(f"/ws/threads/{thread.id}") as ws:
        frames(ws, 1, kinds=("presence",))
        live.portal.call(app.state.relay.on_reconnect)
        [resync] = frames(ws, 1, kinds=("resync",))
    assert resync == {"type": "resync"}
