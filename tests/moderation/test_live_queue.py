"""The review queue, live: what a moderator's socket (/ws/mod/queue) is sent
when a post is held, flagged or dealt with; who may listen; on SQLite and
PostgreSQL, and across two processes sharing Redis."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from forum.accounts.services import create_api_token, register
from forum.app import create_app
from forum.boards.models import Board
from forum.boards.services import create_thread
from forum.comments.services import create_comment
from forum.db import Database
from forum.types import Role
from tests.conftest import PASSWORD, csrf_of, log_in, make_settings


@pytest.fixture
def app(database_url: str, tmp_path: Path, db: Database):  # type: ignore[no-untyped-def]
    # A new account's first post waits for a moderator, as it does by default.
    return create_app(make_settings(database_url, tmp_path, new_account_held_posts=1), database=db)


@pytest.fixture
def live(app):  # type: ignore[no-untyped-def]
    with TestClient(app, base_url="http://testserver") as client:
        yield client


def user(db: Database, name: str, *, role: Role = Role.MEMBER, trusted: bool = False, boards: list[str] | None = None) -> str:
    """A user with an API token (the token is returned); `boards` limits a moderator to those boards."""
    with db.write() as session:
        account = register(session, email=f"{name}@example.org", name=name, password=PASSWORD, role=role, trusted=trusted)
        if boards:
            account.moderated_boards = list(session.scalars(select(Board.id).where(Board.slug.in_(boards))))  # type: ignore[attr-defined]
        return create_api_token(session, user=account)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def a_thread(db: Database, board: str = "rally") -> int:
    with db.write() as session:
        author = register(session, email=f"host.{board}@example.org", name=f"host.{board}", password=PASSWORD, trusted=True)
        return create_thread(session, author=author, board_slug=board, title=f"On {board}", body="x").id  # type: ignore[return-value]


def api_comment(live: TestClient, token: str, thread_id: int, body: str) -> dict[str, Any]:
    response = live.post(f"/api/v1/threads/{thread_id}/comments", json={"body": body}, headers=bearer(token))
    assert response.status_code in (201, 202), response.text
    return response.json()


def next_frame(ws: Any, *kinds: str) -> dict[str, Any]:
    while True:
        frame = json.loads(ws.receive_text())
        if frame["type"] in kinds:
            return frame


def joined(ws: Any) -> dict[str, Any]:
    return next_frame(ws, "hello")


def test_a_moderator_sees_a_new_members_held_comment_arrive_with_the_queue_partial(db, live):
    thread_id = a_thread(db)
    newcomer = user(db, "newcomer")
    moderator = user(db, "max", role=Role.MODERATOR, trusted=True)
    with live.websocket_connect("/ws/mod/queue", headers=bearer(moderator)) as ws:
        assert joined(ws) == {"type": "hello", "count": 0, "latest": ""}
        held = api_comment(live, newcomer, thread_id, "My first post: how do you *triage* DMs?")
        assert held["status"] == "held"
        frame = next_frame(ws, "queue_item", "queue_removed")
    item = frame["item"]
    assert frame["type"] == "queue_item" and frame["id"] == item["id"]
    assert item["target_type"] == "comment" and item["target_id"] == held["id"] and item["author"] == "newcomer"
    assert item["status"] == "held" and item["reasons"] == ["new_account"] and item["state"] == "open"
    html = frame["html"]
    assert f'id="q{item["id"]}"' in html and f'data-item="{item["id"]}"' in html
    assert "<em>triage</em>" in html and "New account" in html
    assert f'action="/mod/queue/{item["id"]}/approve"' in html


def test_a_flag_on_a_published_comment_reaches_the_moderators_queue(db, live):
    thread_id = a_thread(db)
    author = user(db, "author", trusted=True)
    reader = user(db, "reader", trusted=True)
    moderator = user(db, "max", role=Role.MODERATOR, trusted=True)
    comment = api_comment(live, author, thread_id, "Published at once: a trusted author.")
    assert comment["status"] == "published"
    with live.websocket_connect("/ws/mod/queue", headers=bearer(moderator)) as ws:
        joined(ws)
        response = live.post(f"/api/v1/comments/{comment['id']}/flags", json={"reason": "spam"}, headers=bearer(reader))
        assert response.status_code == 201, response.text
        frame = next_frame(ws, "queue_item", "queue_removed")
    assert frame["type"] == "queue_item"
    assert frame["item"]["target_id"] == comment["id"] and frame["item"]["flag_count"] == 1
    assert frame["item"]["flag_reasons"] == {"spam": 1}
    assert "1 open flag" in frame["html"] and "Spam (1)" in frame["html"]


def test_when_another_moderator_approves_an_item_it_leaves_every_open_queue(db, live):
    thread_id = a_thread(db)
    newcomer = user(db, "newcomer")
    watching = user(db, "max", role=Role.MODERATOR, trusted=True)
    acting = user(db, "mo", role=Role.MODERATOR, trusted=True)
    with live.websocket_connect("/ws/mod/queue", headers=bearer(watching)) as first, \
            live.websocket_connect("/ws/mod/queue", headers=bearer(acting)) as second:
        joined(first)
        joined(second)
        api_comment(live, newcomer, thread_id, "Waiting for a moderator.")
        item_id = next_frame(first, "queue_item")["id"]
        assert next_frame(second, "queue_item")["id"] == item_id
        response = live.post(f"/api/v1/mod/queue/{item_id}/approve", json={}, headers=bearer(acting))
        assert response.status_code == 200, response.text
        for ws in (first, second):
            assert next_frame(ws, "queue_item", "queue_removed") == {
                "type": "queue_removed", "id": item_id, "resolution": "approved", "by": "mo"}


def test_a_claim_updates_the_item_on_the_other_moderators_page(db, live):
    thread_id = a_thread(db)
    newcomer = user(db, "newcomer")
    watching = user(db, "max", role=Role.MODERATOR, trusted=True)
    claiming = user(db, "mo", role=Role.MODERATOR, trusted=True)
    with live.websocket_connect("/ws/mod/queue", headers=bearer(watching)) as ws:
        joined(ws)
        api_comment(live, newcomer, thread_id, "Who takes this one?")
        item_id = next_frame(ws, "queue_item")["id"]
        response = live.post(f"/api/v1/mod/queue/{item_id}/claim", json={}, headers=bearer(claiming))
        assert response.status_code == 200, response.text
        frame = next_frame(ws, "queue_item", "queue_removed")
    assert frame["type"] == "queue_item" and frame["item"]["claimed_by"] == "mo"
    assert "Claimed by" in frame["html"] and ">mo</strong>" in frame["html"]


def test_members_and_visitors_are_refused_the_queue_socket(db, live):
    member = user(db, "member", trusted=True)
    for headers in (bearer(member), {}):
        with live.websocket_connect("/ws/mod/queue", headers=headers) as ws:
            with pytest.raises(WebSocketDisconnect) as refused:
                ws.receive_text()
        assert refused.value.code == 4403 and "moderators" in refused.value.reason


def test_a_moderator_of_another_board_hears_nothing_of_this_boards_items(db, live):
    rally = a_thread(db, "rally")
    educate = a_thread(db, "educate")
    newcomer = user(db, "newcomer")
    other = user(db, "other", trusted=True)
    everywhere = user(db, "max", role=Role.MODERATOR, trusted=True)
    educate_only = user(db, "ed", role=Role.MODERATOR, trusted=True, boards=["educate"])
    with live.websocket_connect("/ws/mod/queue", headers=bearer(everywhere)) as wide, \
            live.websocket_connect("/ws/mod/queue", headers=bearer(educate_only)) as narrow:
        joined(wide)
        joined(narrow)
        api_comment(live, newcomer, rally, "Held on Rally.")
        on_rally = next_frame(wide, "queue_item")
        assert on_rally["item"]["board"] == "rally"
        flagged = api_comment(live, other, educate, "Published on Educate.")
        live.post(f"/api/v1/comments/{flagged['id']}/flags", json={"reason": "off_topic"}, headers=bearer(newcomer))
        # The first frame the Educate moderator gets is the Educate item: the Rally one never came.
        frame = next_frame(narrow, "queue_item", "queue_removed")
        assert frame["item"]["board"] == "educate" and frame["item"]["target_id"] == flagged["id"]
        assert next_frame(wide, "queue_item")["id"] == frame["id"]


def test_what_a_member_wrote_is_escaped_in_the_pushed_html(db, live):
    thread_id = a_thread(db)
    newcomer = user(db, "newcomer")
    moderator = user(db, "max", role=Role.MODERATOR, trusted=True)
    body = 'Look <script>alert("queue")</script> <img src=x onerror=alert(1)> <b>bold</b>'
    with live.websocket_connect("/ws/mod/queue", headers=bearer(moderator)) as ws:
        joined(ws)
        api_comment(live, newcomer, thread_id, body)
        frame = next_frame(ws, "queue_item")
    html = frame["html"].lower()
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html
    assert "<script" not in frame["item"]["body_html"].lower()


def test_the_pushed_forms_carry_the_moderators_own_csrf_token(db, live):
    thread_id = a_thread(db)
    newcomer = user(db, "newcomer")
    with db.write() as session:
        register(session, email="mo@example.org", name="mo", password=PASSWORD, role=Role.MODERATOR, trusted=True)
    log_in(live, "mo@example.org")
    page_token = csrf_of(live.get("/mod/queue").text)
    with live.websocket_connect("/ws/mod/queue") as ws:
        joined(ws)
        api_comment(live, newcomer, thread_id, "Approve me from the page.")
        frame = next_frame(ws, "queue_item")
    assert f'name="csrf_token" value="{page_token}"' in frame["html"]
    # The pushed form works as the page's own would.
    response = live.post(f"/mod/queue/{frame['id']}/approve", data={"csrf_token": page_token, "next": "/mod/queue", "reason": ""},
                         follow_redirects=False)
    assert response.status_code == 303


def test_hello_counts_the_open_items_the_moderator_moderates(db, live):
    rally = a_thread(db, "rally")
    educate = a_thread(db, "educate")
    with db.write() as session:
        newcomer = register(session, email="n1@example.org", name="n1", password=PASSWORD)
        other = register(session, email="n2@example.org", name="n2", password=PASSWORD)
        create_comment(session, author=newcomer, thread_id=rally, body="held on rally", policy=live.app.state.policy)
        create_comment(session, author=other, thread_id=educate, body="held on educate", policy=live.app.state.policy)
    everywhere = user(db, "max", role=Role.MODERATOR, trusted=True)
    educate_only = user(db, "ed", role=Role.MODERATOR, trusted=True, boards=["educate"])
    with live.websocket_connect("/ws/mod/queue", headers=bearer(everywhere)) as ws:
        hello = joined(ws)
        assert hello["count"] == 2 and hello["latest"].endswith("Z")
    with live.websocket_connect("/ws/mod/queue", headers=bearer(educate_only)) as ws:
        assert joined(ws)["count"] == 1


def test_a_ping_is_answered_and_other_frames_are_ignored(db, live):
    moderator = user(db, "max", role=Role.MODERATOR, trusted=True)
    with live.websocket_connect("/ws/mod/queue", headers=bearer(moderator)) as ws:
        joined(ws)
        ws.send_text("not json")
        ws.send_text('{"type":"comment","body":"no"}')
        ws.send_bytes(b"\x00")
        ws.send_text('{"type":"ping"}')
        assert json.loads(ws.receive_text()) == {"type": "pong"}


def test_a_lost_hub_connection_tells_every_moderator_page_to_reload(db, live):
    moderator = user(db, "max", role=Role.MODERATOR, trusted=True)
    with live.websocket_connect("/ws/mod/queue", headers=bearer(moderator)) as ws:
        joined(ws)
        live.portal.call(live.app.state.relay.on_reconnect)  # type: ignore[union-attr]
        assert json.loads(ws.receive_text()) == {"type": "resync"}


def test_the_queue_socket_refuses_other_sites(db, live):
    moderator = user(db, "max", role=Role.MODERATOR, trusted=True)
    with live.websocket_connect("/ws/mod/queue", headers={**bearer(moderator), "Origin": "https://evil.example"}) as ws:
        with pytest.raises(WebSocketDisconnect) as refused:
            ws.receive_text()
    assert refused.value.code == 1008


# Two processes ---------------------------------------------------------------


def _post(base: str, path: str, token: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(base + path, data=json.dumps(payload).encode(), method="POST",
                                     headers={**bearer(token), "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_an_item_held_through_one_process_reaches_a_moderator_on_the_other(postgres_url: str, tmp_path: Path):
    from websockets.sync.client import connect

    from tests.live.test_hubs import REDIS_URL, require
    from tests.live.test_processes import forum_serve

    require("redis")
    db = Database(postgres_url)
    try:
        thread_id = a_thread(db)
        newcomer = user(db, "across.newcomer")
        watching = user(db, "across.max", role=Role.MODERATOR, trusted=True)
        acting = user(db, "across.mo", role=Role.MODERATOR, trusted=True)
    finally:
        db.dispose()
    held_posts = {"FORUM_NEW_ACCOUNT_HELD_POSTS": "1"}
    with forum_serve(postgres_url, REDIS_URL, tmp_path, "a", **held_posts) as a, \
            forum_serve(postgres_url, REDIS_URL, tmp_path, "b", **held_posts) as b:
        with connect(b.replace("http://", "ws://") + "/ws/mod/queue", additional_headers=bearer(watching), open_timeout=10) as ws:

            def frame(*kinds: str) -> dict[str, Any]:
                deadline = time.monotonic() + 15
                while True:
                    got = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
                    if got["type"] in kinds:
                        return got

            assert frame("hello")["count"] == 0
            status, held = _post(a, f"/api/v1/threads/{thread_id}/comments", newcomer, {"body": "Held through a."})
            assert status == 202 and held["status"] == "held"
            pushed = frame("queue_item", "queue_removed")
            assert pushed["type"] == "queue_item" and pushed["item"]["target_id"] == held["id"]
            status, _ = _post(a, f"/api/v1/mod/queue/{pushed['id']}/approve", acting, {})
            assert status == 200
            assert frame("queue_item", "queue_removed") == {
                "type": "queue_removed", "id": pushed["id"], "resolution": "approved", "by": "across.mo"}
