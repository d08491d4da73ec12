"""The moderation API end to end: flags to the threshold, pre-moderation, the queue, thread and comment actions."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from forum.accounts.services import create_api_token, register
from forum.app import create_app
from forum.moderation.models import AuditEvent
from forum.types import Role
from tests.conftest import PASSWORD, make_settings


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_token(db, name: str, *, role: Role = Role.MEMBER, trusted: bool = True, boards: list[int] | None = None) -> str:
    with db.write() as session:
        user = register(session, email=f"{name}@example.org", name=name, password=PASSWORD, role=role, trusted=trusted)
        if boards is not None:
            user.moderated_boards = boards
        return create_api_token(session, user=user)


@pytest.fixture
def api(app):
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def new_thread(api, token: str, board: str = "arm") -> int:
    response = api.post("/api/v1/threads", json={"board": board, "title": "A thread", "body": "Its body"}, headers=bearer(token))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def new_comment(api, token: str, thread_id: int, body: str = "A comment") -> dict:
    response = api.post(f"/api/v1/threads/{thread_id}/comments", json={"body": body}, headers=bearer(token))
    assert response.status_code in {201, 202}, response.text
    return {"status_code": response.status_code, **response.json()}


def public_ids(api, thread_id: int) -> list[int]:
    return [c["id"] for c in api.get(f"/api/v1/threads/{thread_id}/comments").json()["comments"]]


def test_three_members_flags_hide_a_comment_until_a_moderator_approves_it(api, db):
    author = make_token(db, "author")
    flaggers = [make_token(db, f"flagger{i}") for i in range(3)]
    mod = make_token(db, "mod", role=Role.MODERATOR)
    thread_id = new_thread(api, author)
    comment_id = new_comment(api, author, thread_id, "Call me on my mobile")["id"]

    for n, token in enumerate(flaggers[:2], start=1):
        response = api.post(f"/api/v1/comments/{comment_id}/flags", json={"reason": "spam"}, headers=bearer(token))
        assert response.status_code == 201
        assert response.json()["outcome"] == "Received; waiting for a moderator."
        assert comment_id in public_ids(api, thread_id), f"hidden after only {n} flags"
    api.post(f"/api/v1/comments/{comment_id}/flags", json={"reason": "off_topic"}, headers=bearer(flaggers[2]))
    assert comment_id not in public_ids(api, thread_id)

    [item] = api.get("/api/v1/mod/queue", headers=bearer(mod)).json()["items"]
    assert item["target_id"] == comment_id and item["flag_count"] == 3
    assert item["flag_reasons"] == {"spam": 2, "off_topic": 1} and "flagged" in item["reasons"]

    response = api.post(f"/api/v1/mod/queue/{item['id']}/approve", headers=bearer(mod))
    assert response.status_code == 200 and response.json()["item"]["resolution"] == "approved"
    assert comment_id in public_ids(api, thread_id)
    assert api.get("/api/v1/mod/queue", headers=bearer(mod)).json()["items"] == []


def test_a_member_flags_a_thing_once_and_never_their_own(api, db):
    author = make_token(db, "author")
    other = make_token(db, "other")
    thread_id = new_thread(api, author)
    comment_id = new_comment(api, author, thread_id)["id"]
    own = api.post(f"/api/v1/comments/{comment_id}/flags", json={"reason": "spam"}, headers=bearer(author))
    assert own.status_code == 403
    assert api.post(f"/api/v1/comments/{comment_id}/flags", json={"reason": "spam"}, headers=bearer(other)).status_code == 201
    again = api.post(f"/api/v1/comments/{comment_id}/flags", json={"reason": "spam"}, headers=bearer(other))
    assert again.status_code == 409 and "already flagged" in again.json()["error"]["message"]
    bad = api.post(f"/api/v1/comments/{comment_id}/flags", json={"reason": "boring"}, headers=bearer(other))
    assert bad.status_code == 422
    other_needs_note = api.post(f"/api/v1/threads/{thread_id}/flags", json={"reason": "other"}, headers=bearer(other))
    assert other_needs_note.status_code == 422 and "note" in other_needs_note.json()["error"]["message"]
    assert api.post("/api/v1/comments/999999/flags", json={"reason": "spam"}, headers=bearer(other)).status_code == 404
    assert api.post(f"/api/v1/comments/{comment_id}/flags", json={"reason": "spam"}).status_code == 401


def test_one_patient_information_flag_from_a_moderator_hides_at_once(api, db):
    author = make_token(db, "author")
    mod = make_token(db, "mod", role=Role.MODERATOR)
    thread_id = new_thread(api, author)
    comment_id = new_comment(api, author, thread_id, "Guess which famous local footballer came to our clinic again")["id"]
    response = api.post(f"/api/v1/comments/{comment_id}/flags", json={"reason": "patient_information"}, headers=bearer(mod))
    assert response.status_code == 201
    assert comment_id not in public_ids(api, thread_id)


def test_a_new_accounts_first_comment_is_held_then_published_by_a_moderator(db, tmp_path, database_url):
    app = create_app(make_settings(database_url, tmp_path, new_account_held_posts=1), database=db)
    with TestClient(app) as api:
        veteran = make_token(db, "veteran")
        newcomer = make_token(db, "newcomer", trusted=False)
        mod = make_token(db, "mod", role=Role.MODERATOR)
        thread_id = new_thread(api, veteran)
        held = new_comment(api, newcomer, thread_id, "My first words here")
        assert held["status_code"] == 202 and held["status"] == "held" and held["reasons"] == ["new_account"]
        assert held["id"] not in public_ids(api, thread_id)
        assert api.get(f"/api/v1/threads/{thread_id}").json()["comment_count"] == 0

        [item] = api.get("/api/v1/mod/queue", headers=bearer(mod)).json()["items"]
        assert item["reasons"] == ["new_account"] and item["author"] == "newcomer"
        assert api.post(f"/api/v1/mod/queue/{item['id']}/approve", headers=bearer(mod)).status_code == 200
        assert held["id"] in public_ids(api, thread_id)
        assert api.get(f"/api/v1/threads/{thread_id}").json()["comment_count"] == 1

        # One approved post is enough: the next is published at once.
        assert new_comment(api, newcomer, thread_id, "And again")["status_code"] == 201


def test_a_rejected_post_needs_a_reason_and_stays_out_of_sight(db, tmp_path, database_url):
    app = create_app(make_settings(database_url, tmp_path, new_account_held_posts=1), database=db)
    with TestClient(app) as api:
        veteran = make_token(db, "veteran")
        newcomer = make_token(db, "newcomer", trusted=False)
        mod = make_token(db, "mod", role=Role.MODERATOR)
        thread_id = new_thread(api, veteran)
        held = new_comment(api, newcomer, thread_id, "Buy my course")
        [item] = api.get("/api/v1/mod/queue", headers=bearer(mod)).json()["items"]
        no_reason = api.post(f"/api/v1/mod/queue/{item['id']}/reject", headers=bearer(mod))
        assert no_reason.status_code == 422
        rejected = api.post(f"/api/v1/mod/queue/{item['id']}/reject", json={"reason": "Advertising"}, headers=bearer(mod))
        assert rejected.status_code == 200
        assert held["id"] not in public_ids(api, thread_id)
        twice = api.post(f"/api/v1/mod/queue/{item['id']}/approve", headers=bearer(mod))
        assert twice.status_code == 409 and "already" in twice.json()["error"]["message"]
    with db.read() as session:
        from forum.comments.models import Comment

        comment = session.get(Comment, held["id"])
        assert comment.status == "hidden" and comment.mod_reason == "Advertising"


def test_thread_actions_lock_pin_close_move_and_are_audited(api, db):
    author = make_token(db, "author")
    mod = make_token(db, "mod", role=Role.MODERATOR)
    thread_id = new_thread(api, author, board="arm")
    locked = api.post(f"/api/v1/mod/threads/{thread_id}/lock", headers=bearer(mod))
    assert locked.status_code == 200 and locked.json()["thread"]["locked"] is True
    refused = api.post(f"/api/v1/threads/{thread_id}/comments", json={"body": "late"}, headers=bearer(author))
    assert refused.status_code == 403 and "locked" in refused.json()["error"]["message"]
    assert api.post(f"/api/v1/mod/threads/{thread_id}/unlock", headers=bearer(mod)).json()["thread"]["locked"] is False
    assert api.post(f"/api/v1/mod/threads/{thread_id}/pin", headers=bearer(mod)).json()["thread"]["pinned"] is True
    assert api.post(f"/api/v1/mod/threads/{thread_id}/unpin", headers=bearer(mod)).json()["thread"]["pinned"] is False
    assert api.post(f"/api/v1/mod/threads/{thread_id}/close", headers=bearer(mod)).status_code == 422
    closed = api.post(f"/api/v1/mod/threads/{thread_id}/close", json={"reason": "Answered"}, headers=bearer(mod)).json()
    assert closed["thread"]["closed_reason"] == "Answered"
    moved = api.post(f"/api/v1/mod/threads/{thread_id}/move", json={"board": "educate"}, headers=bearer(mod)).json()
    assert moved["thread"]["board"] == "educate"
    assert api.post(f"/api/v1/mod/threads/{thread_id}/explode", headers=bearer(mod)).status_code == 404
    with db.read() as session:
        from sqlalchemy import select

        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == thread_id, AuditEvent.target_type == "thread")))
    assert actions == ["thread.locked", "thread.unlocked", "thread.pinned", "thread.unpinned", "thread.closed", "thread.moved"]


def test_members_and_other_boards_moderators_cannot_act(api, db):
    author = make_token(db, "author")
    with db.read() as session:
        from sqlalchemy import select

        from forum.boards.models import Board

        rally = session.scalar(select(Board.id).where(Board.slug == "rally"))
    elsewhere = make_token(db, "elsewhere", role=Role.MODERATOR, boards=[rally])
    thread_id = new_thread(api, author, board="arm")
    comment_id = new_comment(api, author, thread_id)["id"]
    for token in (author, elsewhere):
        assert api.post(f"/api/v1/mod/threads/{thread_id}/lock", headers=bearer(token)).status_code == 403
        assert api.post(f"/api/v1/mod/comments/{comment_id}/hide", headers=bearer(token)).status_code == 403
        assert api.get("/api/v1/mod/queue", headers=bearer(author)).status_code == 404
    assert api.post(f"/api/v1/mod/threads/{thread_id}/lock").status_code == 401


def test_a_hidden_comment_leaves_every_open_page_and_a_restored_one_returns(api, db):
    author = make_token(db, "author")
    mod = make_token(db, "mod", role=Role.MODERATOR)
    thread_id = new_thread(api, author)
    comment_id = new_comment(api, author, thread_id)["id"]
    with api.websocket_connect(f"/ws/threads/{thread_id}?after={comment_id}") as ws:
        json.loads(ws.receive_text())  # presence
        assert api.post(f"/api/v1/mod/comments/{comment_id}/hide", json={"reason": "Off-topic"}, headers=bearer(mod)).status_code == 200
        frame = json.loads(ws.receive_text())
        while frame["type"] == "presence":
            frame = json.loads(ws.receive_text())
        assert frame == {"type": "hidden", "id": comment_id}
        assert api.post(f"/api/v1/mod/comments/{comment_id}/restore", headers=bearer(mod)).status_code == 200
        frame = json.loads(ws.receive_text())
        while frame["type"] == "presence":
            frame = json.loads(ws.receive_text())
        assert frame["type"] == "comment" and frame["comment"]["id"] == comment_id
    assert comment_id in public_ids(api, thread_id)
