"""The JSON API under /api/v1, as a client sees it: shapes, paging, auth, and
bad input answered with a 4xx error object, never a 500."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from sqlalchemy import select
from starlette.routing import Route
from starlette.testclient import TestClient

from forum.accounts.services import register as register_user
from forum.boards.models import Thread
from forum.boards.services import create_thread
from forum.comments.services import create_comment
from tests.conftest import PASSWORD, api_headers

PILLAR_SLUGS = ["showcase", "harness", "arm", "rally", "educate"]
BOARD_FIELDS = {"slug", "name", "description", "thread_count"}
THREAD_FIELDS = {"id", "board", "title", "body_html", "source_url", "author", "comment_count", "locked", "created_at"}
COMMENT_FIELDS = {"id", "thread_id", "parent_id", "author", "body_html", "created_at", "status"}
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
MIB = 1024 * 1024


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response, status: int, code: str | None = None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A 4xx answer in the documented error shape."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    data = response.json()
    assert set(data) == {"error"}
    assert set(data["error"]) == {"code", "message"}
    assert isinstance(data["error"]["code"], str) and data["error"]["code"]
    assert isinstance(data["error"]["message"], str) and data["error"]["message"]
    if code is not None:
        assert data["error"]["code"] == code
    return data["error"]


def new_thread(client: TestClient, token: str, board: str = "arm", title: str = "A thread", body: str = "Its body") -> dict[str, Any]:
    response = client.post("/api/v1/threads", json={"board": board, "title": title, "body": body}, headers=bearer(token))
    assert response.status_code == 201, response.text
    return response.json()


def new_comment(client: TestClient, token: str, thread_id: int, body: str = "A comment", parent_id: int | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"body": body}
    if parent_id is not None:
        payload["parent_id"] = parent_id
    response = client.post(f"/api/v1/threads/{thread_id}/comments", json=payload, headers=bearer(token))
    assert response.status_code == 201, response.text
    return response.json()


def cursor_of(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


# Boards


def test_boards_are_the_five_pillars_in_order_with_the_documented_fields(client):
    response = client.get("/api/v1/boards")
    assert response.status_code == 200
    boards = response.json()
    assert [b["slug"] for b in boards] == PILLAR_SLUGS
    for board in boards:
        assert set(board) == BOARD_FIELDS
        assert isinstance(board["name"], str) and board["name"]
        assert isinstance(board["description"], str) and board["description"]
        assert board["thread_count"] == 0
    assert [b["name"] for b in boards] == ["Showcase", "Harness", "Arm", "Rally", "Educate"]


def test_a_board_thread_count_follows_the_threads_started_on_it(client, token):
    new_thread(client, token, board="rally")
    new_thread(client, token, board="rally")
    new_thread(client, token, board="arm")
    counts = {b["slug"]: b["thread_count"] for b in client.get("/api/v1/boards").json()}
    assert counts == {"showcase": 0, "harness": 0, "arm": 1, "rally": 2, "educate": 0}


def test_an_empty_board_has_no_threads_and_no_next_cursor(client):
    response = client.get("/api/v1/boards/educate/threads")
    assert response.status_code == 200
    assert response.json() == {"threads": [], "next_cursor": None}


def test_board_threads_carry_the_thread_fields(client, token):
    made = new_thread(client, token, board="harness", title="Harness idea", body="Some *words*")
    data = client.get("/api/v1/boards/harness/threads").json()
    assert set(data) == {"threads", "next_cursor"}
    assert len(data["threads"]) == 1
    listed = data["threads"][0]
    assert THREAD_FIELDS <= set(listed)
    assert listed["id"] == made["id"]
    assert listed["board"] == "harness"
    assert listed["title"] == "Harness idea"
    assert listed["author"] == "bo"
    assert listed["body_html"] == "<p>Some <em>words</em></p>"


def test_cursor_paging_walks_through_more_than_thirty_threads_once_each(db, client):
    with db.write() as session:
        author = register_user(session, email="pager@example.org", name="pager", password=PASSWORD, trusted=True)
        made = [create_thread(session, author=author, board_slug="showcase", title=f"Story {i}", body="x").id for i in range(37)]
    first = client.get("/api/v1/boards/showcase/threads").json()
    assert len(first["threads"]) == 30
    assert isinstance(first["next_cursor"], str) and first["next_cursor"]
    second = client.get("/api/v1/boards/showcase/threads", params={"cursor": first["next_cursor"]}).json()
    assert len(second["threads"]) == 7
    assert second["next_cursor"] is None
    seen = [t["id"] for t in first["threads"] + second["threads"]]
    assert len(seen) == len(set(seen)) == 37
    assert set(seen) == set(made)
    # Newest activity first: threads made one after another come back in reverse.
    assert seen == sorted(made, reverse=True)


def test_a_smaller_limit_pages_the_same_threads_in_the_same_order(db, client):
    with db.write() as session:
        author = register_user(session, email="pager@example.org", name="pager", password=PASSWORD, trusted=True)
        for i in range(23):
            create_thread(session, author=author, board_slug="arm", title=f"Item {i}", body="x")
    everything = [t["id"] for t in client.get("/api/v1/boards/arm/threads", params={"limit": 100}).json()["threads"]]
    paged: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 5}
        if cursor:
            params["cursor"] = cursor
        data = client.get("/api/v1/boards/arm/threads", params=params).json()
        assert len(data["threads"]) <= 5
        paged += [t["id"] for t in data["threads"]]
        cursor = data["next_cursor"]
        pages += 1
        if cursor is None:
            break
        assert pages < 10
    assert pages == 5
    assert paged == everything
    assert len(everything) == 23


def test_threads_of_an_unknown_board_are_not_found(client):
    assert_error(client.get("/api/v1/boards/gossip/threads"), 404, "not_found")


@pytest.mark.parametrize("slug", ["%00", "a%00b", "%F0%9F%92%A9", "x" * 300, "ARM%20"])
def test_odd_board_slugs_are_not_found_rather_than_errors(client, slug):
    assert_error(client.get(f"/api/v1/boards/{slug}/threads"), 404)


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "!!!!",
        "%00",
        "e30",  # {}
        cursor_of([]),
        cursor_of([1, 2]),
        cursor_of({"a": 1}),
        cursor_of("text"),
        cursor_of([0, "yesterday", 1]),
        cursor_of([0, 12345, 1]),
        cursor_of([0, "2024-01-01T00:00:00+00:00", "one"]),
        cursor_of([0, "2024-01-01T00:00:00+00:00", None]),
        cursor_of([0, "2024-01-01T00:00:00", 1]),
        cursor_of([0, "2024-01-01T00:00:00+00:00", 10**30]),
        cursor_of([0, "2024-01-01T00:00:00+00:00", -(10**30)]),
        base64.urlsafe_b64encode(b'[0, "2024-01-01T00:00:00+00:00", 1e400]').decode(),
        base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),
    ],
)
def test_a_cursor_the_server_never_gave_out_is_a_client_error(db, client, cursor):
    with db.write() as session:
        author = register_user(session, email="pager@example.org", name="pager", password=PASSWORD, trusted=True)
        create_thread(session, author=author, board_slug="arm", title="Something", body="x")
    response = client.get("/api/v1/boards/arm/threads", params={"cursor": cursor})
    error = assert_error(response, response.status_code)
    assert 400 <= response.status_code < 500
    assert "cursor" in error["message"]


@pytest.mark.parametrize("limit", ["0", "-1", "101", "abc", "1.5", "1e3", "99999999999999999999999999"])
def test_a_board_limit_out_of_range_or_not_a_number_is_a_bad_request(client, limit):
    error = assert_error(client.get("/api/v1/boards/arm/threads", params={"limit": limit}), 400, "bad_request")
    assert "limit" in error["message"]


# Threads


def test_starting_a_thread_with_a_bearer_token_answers_201_with_the_thread(client, token):
    response = client.post(
        "/api/v1/threads",
        json={"board": "rally", "title": "Grand rounds on Friday", "body": "Join **us**"},
        headers=bearer(token),
    )
    assert response.status_code == 201
    thread = response.json()
    assert THREAD_FIELDS <= set(thread)
    assert isinstance(thread["id"], int) and thread["id"] > 0
    assert thread["board"] == "rally"
    assert thread["title"] == "Grand rounds on Friday"
    assert thread["body_html"] == "<p>Join <strong>us</strong></p>"
    assert thread["author"] == "bo"
    assert thread["comment_count"] == 0
    assert thread["locked"] is False
    assert thread["source_url"] is None
    assert ISO_UTC.match(thread["created_at"])
    assert response.headers["location"] == f"/api/v1/threads/{thread['id']}"
    assert client.get(f"/api/v1/threads/{thread['id']}").json() == thread


def test_a_thread_reads_back_with_exactly_its_documented_values(client, token):
    made = new_thread(client, token, board="educate", title="Curriculum", body="Week one")
    response = client.get(f"/api/v1/threads/{made['id']}")
    assert response.status_code == 200
    thread = response.json()
    assert THREAD_FIELDS <= set(thread)
    assert {k: thread[k] for k in THREAD_FIELDS - {"created_at"}} == {
        "id": made["id"],
        "board": "educate",
        "title": "Curriculum",
        "body_html": "<p>Week one</p>",
        "source_url": None,
        "author": "bo",
        "comment_count": 0,
        "locked": False,
    }
    assert ISO_UTC.match(thread["created_at"])


def test_a_thread_the_member_started_shows_on_its_board(client, token):
    made = new_thread(client, token, board="showcase", title="Our clinic's blog")
    listed = client.get("/api/v1/boards/showcase/threads").json()["threads"]
    assert [t["id"] for t in listed] == [made["id"]]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/threads/999999",
        "/api/v1/threads/0",
        "/api/v1/threads/2147483648",
        "/api/v1/threads/999999999999999999",
        "/api/v1/threads/2147483648/comments",
        "/api/v1/threads/999999999999999999/comments",
    ],
)
def test_a_thread_that_does_not_exist_is_not_found(client, path):
    assert_error(client.get(path), 404, "not_found")


@pytest.mark.parametrize("thread_id", ["31337", "2147483648", "999999999999999999", "abc", "99999999999999999999999"])
def test_commenting_on_a_thread_id_that_does_not_exist_is_not_found(client, token, thread_id):
    response = client.post(f"/api/v1/threads/{thread_id}/comments", json={"body": "hello"}, headers=bearer(token))
    assert_error(response, 404)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/threads/abc",
        "/api/v1/threads/-1",
        "/api/v1/threads/1.5",
        "/api/v1/threads/99999999999999999999999999",
        "/api/v1/threads/%00",
        "/api/v1/threads/abc/comments",
        "/api/v1/threads/99999999999999999999999999/comments",
    ],
)
def test_thread_ids_that_are_not_numbers_or_too_large_are_not_found(client, path):
    assert_error(client.get(path), 404)


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"board": "arm", "title": 42, "body": "x"}, "title"),
        ({"board": "arm", "title": ["a"], "body": "x"}, "title"),
        ({"board": "arm", "title": None, "body": "x"}, "title"),
        ({"board": "arm", "title": "ok", "body": {"text": "x"}}, "body"),
        ({"board": "arm", "title": "ok", "body": True}, "body"),
        ({"board": 3, "title": "ok", "body": "x"}, "board"),
        ({"title": "ok", "body": "x"}, "board"),
        ({"board": "arm", "body": "x"}, "title"),
        ({"board": "arm", "title": "ok"}, "body"),
        ({}, "board"),
    ],
)
def test_a_thread_with_a_missing_or_wrongly_typed_field_is_refused_naming_the_field(client, token, payload, field):
    error = assert_error(client.post("/api/v1/threads", json=payload, headers=bearer(token)), 422, "invalid")
    assert field in error["message"]
    assert client.get("/api/v1/boards/arm/threads").json()["threads"] == []


def test_a_thread_on_an_unknown_board_is_not_found(client, token):
    error = assert_error(
        client.post("/api/v1/threads", json={"board": "gossip", "title": "t", "body": "b"}, headers=bearer(token)), 404
    )
    assert "gossip" in error["message"]


# Request bodies that cannot be read


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b'{"board": "arm", "title": "x", "body": "y"',
        b"",
        b"   ",
        b"\xff\xfe{}",
        b'{"board": "arm", "title": "caf\xe9", "body": "y"}',
        b"[]",
        b'["arm", "title", "body"]',
        b'"a string"',
        b"42",
        b"null",
        b"true",
        b"[" * 200_000 + b"]" * 200_000,
        b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    ],
)
def test_a_body_that_is_not_a_json_object_in_utf8_is_a_bad_request(client, token, raw):
    headers = {**bearer(token), "Content-Type": "application/json"}
    error = assert_error(client.post("/api/v1/threads", content=raw, headers=headers), 400, "bad_request")
    assert "JSON" in error["message"] or "UTF-8" in error["message"] or "empty" in error["message"]


@pytest.mark.parametrize(
    "raw",
    [
        b'{"board": "arm", "title": "\\ud800", "body": "y"}',
        b'{"board": "arm", "title": "ok", "body": "a\\udfffb"}',
        b'{"board": "\\ud83d", "title": "ok", "body": "y"}',
    ],
)
def test_json_with_a_lone_surrogate_escape_is_refused_not_crashed_on(client, token, raw):
    headers = {**bearer(token), "Content-Type": "application/json"}
    response = client.post("/api/v1/threads", content=raw, headers=headers)
    assert_error(response, response.status_code)
    assert 400 <= response.status_code < 500


def test_a_paired_surrogate_escape_is_the_character_it_stands_for(client, token):
    headers = {**bearer(token), "Content-Type": "application/json"}
    raw = b'{"board": "arm", "title": "Heart \\ud83e\\udec0", "body": "y"}'
    response = client.post("/api/v1/threads", content=raw, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["title"] == "Heart \U0001fac0"


def test_a_body_sent_as_a_form_is_unsupported(client, token):
    response = client.post("/api/v1/threads", data={"board": "arm", "title": "t", "body": "b"}, headers=bearer(token))
    assert_error(response, 415)


def test_a_body_over_one_mebibyte_is_refused_with_413(client, token):
    payload = json.dumps({"board": "arm", "title": "big", "body": "x" * (MIB + 10)})
    headers = {**bearer(token), "Content-Type": "application/json"}
    assert_error(client.post("/api/v1/threads", content=payload, headers=headers), 413, "too_large")
    assert client.get("/api/v1/boards/arm/threads").json()["threads"] == []


def test_a_chunked_body_over_one_mebibyte_without_a_length_is_refused_with_413(client, token):
    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"board": "arm", "title": "big", "body": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}'

    headers = {**bearer(token), "Content-Type": "application/json"}
    response = client.post("/api/v1/threads", content=chunks(), headers=headers)
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert_error(response, 413, "too_large")
    assert client.get("/api/v1/boards/arm/threads").json()["threads"] == []


def test_a_comment_over_one_mebibyte_is_refused_with_413(client, token):
    thread = new_thread(client, token)
    payload = json.dumps({"body": "y" * (MIB + 1)})
    headers = {**bearer(token), "Content-Type": "application/json"}
    assert_error(client.post(f"/api/v1/threads/{thread['id']}/comments", content=payload, headers=headers), 413)
    assert client.get(f"/api/v1/threads/{thread['id']}/comments").json() == {"comments": []}


def test_a_body_just_under_the_limit_is_read_and_judged_on_its_content(client, token):
    # Under 1 MiB, so it is read; over 20,000 characters, so the content rule refuses it.
    payload = json.dumps({"board": "arm", "title": "long", "body": "x" * 500_000})
    headers = {**bearer(token), "Content-Type": "application/json"}
    error = assert_error(client.post("/api/v1/threads", content=payload, headers=headers), 422, "invalid")
    assert "20,000" in error["message"]


# Comments


def test_comments_list_in_id_order_with_the_documented_fields(client, token):
    thread = new_thread(client, token)
    made = [new_comment(client, token, thread["id"], f"comment {i}") for i in range(5)]
    response = client.get(f"/api/v1/threads/{thread['id']}/comments")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"comments"}
    assert [c["id"] for c in data["comments"]] == [c["id"] for c in made] == sorted(c["id"] for c in made)
    for i, comment in enumerate(data["comments"]):
        assert COMMENT_FIELDS <= set(comment)
        assert comment["thread_id"] == thread["id"]
        assert comment["parent_id"] is None
        assert comment["author"] == "bo"
        assert comment["body_html"] == f"<p>comment {i}</p>"
        assert comment["status"] == "published"
        assert ISO_UTC.match(comment["created_at"])


def test_comments_after_an_id_are_only_the_later_ones(client, token):
    thread = new_thread(client, token)
    ids = [new_comment(client, token, thread["id"], f"c{i}")["id"] for i in range(6)]
    later = client.get(f"/api/v1/threads/{thread['id']}/comments", params={"after": ids[2]}).json()["comments"]
    assert [c["id"] for c in later] == ids[3:]
    assert client.get(f"/api/v1/threads/{thread['id']}/comments", params={"after": ids[-1]}).json() == {"comments": []}
    assert [c["id"] for c in client.get(f"/api/v1/threads/{thread['id']}/comments", params={"after": 0}).json()["comments"]] == ids


def test_comment_limit_caps_the_page_and_after_continues_it(client, token):
    thread = new_thread(client, token)
    ids = [new_comment(client, token, thread["id"], f"c{i}")["id"] for i in range(7)]
    url = f"/api/v1/threads/{thread['id']}/comments"
    collected: list[int] = []
    after = 0
    for _ in range(5):
        page = client.get(url, params={"after": after, "limit": 3}).json()["comments"]
        if not page:
            break
        assert len(page) <= 3
        collected += [c["id"] for c in page]
        after = page[-1]["id"]
    assert collected == ids


def test_comments_of_other_threads_do_not_leak_into_a_thread(client, token):
    one = new_thread(client, token, title="One")
    two = new_thread(client, token, title="Two")
    new_comment(client, token, one["id"], "on one")
    mine = new_comment(client, token, two["id"], "on two")
    listed = client.get(f"/api/v1/threads/{two['id']}/comments").json()["comments"]
    assert [c["id"] for c in listed] == [mine["id"]]


@pytest.mark.parametrize(
    "params, name",
    [
        ({"after": "-1"}, "after"),
        ({"after": "abc"}, "after"),
        ({"after": "1.0"}, "after"),
        ({"after": str(2**63)}, "after"),
        ({"after": "9" * 40}, "after"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "-5"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "9" * 40}, "limit"),
    ],
)
def test_comment_paging_parameters_out_of_range_or_not_numbers_are_bad_requests(client, token, params, name):
    thread = new_thread(client, token)
    error = assert_error(client.get(f"/api/v1/threads/{thread['id']}/comments", params=params), 400, "bad_request")
    assert name in error["message"]


def test_comments_of_a_thread_that_does_not_exist_are_not_found(client):
    assert_error(client.get("/api/v1/threads/424242/comments"), 404, "not_found")


def test_posting_a_comment_answers_201_with_the_published_comment(client, token):
    thread = new_thread(client, token)
    response = client.post(f"/api/v1/threads/{thread['id']}/comments", json={"body": "Well *said*"}, headers=bearer(token))
    assert response.status_code == 201
    comment = response.json()
    assert COMMENT_FIELDS <= set(comment)
    assert comment["thread_id"] == thread["id"]
    assert comment["parent_id"] is None
    assert comment["author"] == "bo"
    assert comment["body_html"] == "<p>Well <em>said</em></p>"
    assert comment["status"] == "published"
    assert ISO_UTC.match(comment["created_at"])
    assert client.get(f"/api/v1/threads/{thread['id']}").json()["comment_count"] == 1
    assert client.get(f"/api/v1/threads/{thread['id']}/comments").json()["comments"] == [comment]


def test_a_reply_names_its_parent(client, token):
    thread = new_thread(client, token)
    parent = new_comment(client, token, thread["id"], "question")
    reply = new_comment(client, token, thread["id"], "answer", parent_id=parent["id"])
    assert reply["parent_id"] == parent["id"]
    listed = client.get(f"/api/v1/threads/{thread['id']}/comments").json()["comments"]
    assert [(c["id"], c["parent_id"]) for c in listed] == [(parent["id"], None), (reply["id"], parent["id"])]
    nested = new_comment(client, token, thread["id"], "follow-up", parent_id=reply["id"])
    assert nested["parent_id"] == reply["id"]


def test_a_reply_to_a_comment_in_another_thread_is_refused(client, token):
    one = new_thread(client, token, title="One")
    two = new_thread(client, token, title="Two")
    elsewhere = new_comment(client, token, one["id"], "over here")
    response = client.post(
        f"/api/v1/threads/{two['id']}/comments", json={"body": "reply", "parent_id": elsewhere["id"]}, headers=bearer(token)
    )
    error = assert_error(response, 422, "invalid")
    assert "replying to" in error["message"]
    assert client.get(f"/api/v1/threads/{two['id']}/comments").json() == {"comments": []}
    assert client.get(f"/api/v1/threads/{two['id']}").json()["comment_count"] == 0


@pytest.mark.parametrize("parent_id", [987654, 0, -3, 2**62, 2**63, 2**64 + 5, 10**40, -(10**40)])
def test_a_reply_to_a_comment_that_does_not_exist_is_refused(client, token, parent_id):
    thread = new_thread(client, token)
    response = client.post(
        f"/api/v1/threads/{thread['id']}/comments", json={"body": "reply", "parent_id": parent_id}, headers=bearer(token)
    )
    assert_error(response, 422, "invalid")
    assert client.get(f"/api/v1/threads/{thread['id']}/comments").json() == {"comments": []}


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"body": "x", "parent_id": "1"}, "parent_id"),
        ({"body": "x", "parent_id": 1.0}, "parent_id"),
        ({"body": "x", "parent_id": True}, "parent_id"),
        ({"body": "x", "parent_id": [1]}, "parent_id"),
        ({"body": 5}, "body"),
        ({"body": None}, "body"),
        ({"body": ["x"]}, "body"),
        ({"parent_id": 1}, "body"),
        ({}, "body"),
    ],
)
def test_a_comment_with_a_missing_or_wrongly_typed_field_is_refused(client, token, payload, field):
    thread = new_thread(client, token)
    response = client.post(f"/api/v1/threads/{thread['id']}/comments", json=payload, headers=bearer(token))
    error = assert_error(response, 422, "invalid")
    assert field in error["message"]


def test_an_explicit_null_parent_is_a_top_level_comment(client, token):
    thread = new_thread(client, token)
    response = client.post(
        f"/api/v1/threads/{thread['id']}/comments", json={"body": "top", "parent_id": None}, headers=bearer(token)
    )
    assert response.status_code == 201
    assert response.json()["parent_id"] is None


def test_a_comment_on_a_locked_thread_is_forbidden(db, client, token):
    thread = new_thread(client, token)
    with db.write() as session:
        session.get(Thread, thread["id"]).locked = True
    response = client.post(f"/api/v1/threads/{thread['id']}/comments", json={"body": "late"}, headers=bearer(token))
    error = assert_error(response, 403, "forbidden")
    assert "locked" in error["message"]
    assert client.get(f"/api/v1/threads/{thread['id']}").json()["locked"] is True


# Authentication


def test_writes_without_any_credentials_are_401(app, db):
    with db.write() as session:
        author = register_user(session, email="cy@example.org", name="cy", password=PASSWORD, trusted=True)
        thread = create_thread(session, author=author, board_slug="arm", title="Open", body="x")
    with TestClient(app, raise_server_exceptions=False) as anonymous:
        response = anonymous.post("/api/v1/threads", json={"board": "arm", "title": "t", "body": "b"})
        error = assert_error(response, 401, "not_authenticated")
        assert "Bearer" in error["message"]
        response = anonymous.post(f"/api/v1/threads/{thread.id}/comments", json={"body": "hi"})
        assert_error(response, 401, "not_authenticated")
    with db.read() as session:
        assert len(session.scalars(select(Thread)).all()) == 1


@pytest.mark.parametrize("header", ["Bearer fm_not-a-real-token", "Bearer ", "Basic Ym86cGFzcw==", "Bearer"])
def test_a_wrong_or_malformed_authorization_header_is_401(app, header):
    with TestClient(app, raise_server_exceptions=False) as anonymous:
        response = anonymous.post(
            "/api/v1/threads", json={"board": "arm", "title": "t", "body": "b"}, headers={"Authorization": header}
        )
        assert_error(response, 401, "not_authenticated")
        assert anonymous.get("/api/v1/boards/arm/threads").json()["threads"] == []


def test_a_logged_in_browser_without_the_csrf_header_is_refused(member):
    response = member.post("/api/v1/threads", json={"board": "arm", "title": "t", "body": "b"})
    assert_error(response, 403, "csrf_failed")
    response = member.post("/api/v1/threads", json={"board": "arm", "title": "t", "body": "b"}, headers={"X-CSRF-Token": "forged"})
    assert_error(response, 403, "csrf_failed")
    assert member.get("/api/v1/boards/arm/threads").json()["threads"] == []


def test_a_logged_in_browser_with_the_csrf_header_can_write(member):
    headers = api_headers(member)
    response = member.post("/api/v1/threads", json={"board": "arm", "title": "From the page", "body": "b"}, headers=headers)
    assert response.status_code == 201, response.text
    thread = response.json()
    assert thread["author"] == "ana"
    response = member.post(f"/api/v1/threads/{thread['id']}/comments", json={"body": "and a comment"}, headers=headers)
    assert response.status_code == 201
    assert response.json()["author"] == "ana"


def test_a_logged_in_browser_writing_from_another_origin_is_refused(member):
    headers = {**api_headers(member), "Origin": "https://evil.example"}
    response = member.post("/api/v1/threads", json={"board": "arm", "title": "t", "body": "b"}, headers=headers)
    assert_error(response, 403, "csrf_failed")


def test_a_bearer_token_needs_no_csrf_header_even_with_a_cookie(member, token):
    response = member.post("/api/v1/threads", json={"board": "arm", "title": "t", "body": "b"}, headers=bearer(token))
    assert response.status_code == 201
    assert response.json()["author"] == "bo"


def test_reads_need_no_credentials(app, db):
    with db.write() as session:
        author = register_user(session, email="cy@example.org", name="cy", password=PASSWORD, trusted=True)
        thread = create_thread(session, author=author, board_slug="arm", title="Public", body="x")
        create_comment(session, author=author, thread_id=thread.id, body="visible")
    with TestClient(app, raise_server_exceptions=False) as anonymous:
        assert anonymous.get("/api/v1/boards").status_code == 200
        assert anonymous.get("/api/v1/boards/arm/threads").json()["threads"][0]["title"] == "Public"
        assert anonymous.get(f"/api/v1/threads/{thread.id}").json()["author"] == "cy"
        assert anonymous.get(f"/api/v1/threads/{thread.id}/comments").json()["comments"][0]["body_html"] == "<p>visible</p>"


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_an_unsupported_method_is_a_json_405(client, token, method):
    thread = new_thread(client, token)
    response = client.request(method, f"/api/v1/threads/{thread['id']}", headers=bearer(token))
    assert_error(response, 405)


def test_an_unknown_api_address_is_a_json_404(client):
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")


# The OpenAPI description


def _api_routes(app) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    """Every /api/v1 route the app registers, as OpenAPI path -> lower-case methods."""
    found: dict[str, set[str]] = {}
    for route in app.routes:
        if not isinstance(route, Route) or not route.path.startswith("/api/v1/"):
            continue
        if route.path == "/api/v1/openapi.json":
            continue  # the description itself
        path = re.sub(r"\{(\w+)(:\w+)?\}", r"{\1}", route.path)
        methods = {m.lower() for m in (route.methods or {"GET"})} - {"head"}
        found.setdefault(path, set()).update(methods)
    return found


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"{ref} does not resolve"
        node = node[part]
    return node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def test_openapi_describes_every_api_route_and_method(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    routes = _api_routes(app)
    assert len(routes) >= 5
    for path, methods in routes.items():
        assert path in document["paths"], f"{path} is not described"
        described = {m for m in document["paths"][path] if m in {"get", "post", "put", "patch", "delete"}}
        assert described == methods, path
        for method in methods:
            operation = document["paths"][path][method]
            assert operation.get("operationId")
            assert operation.get("responses")
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"\{(\w+)\}", path)), f"{method} {path} path parameters"
    for path in document["paths"]:
        assert path in routes, f"{path} is described but not served"


def test_openapi_references_all_resolve(client):
    document = client.get("/api/v1/openapi.json").json()
    refs = _refs(document)
    assert refs
    for ref in refs:
        _resolve(document, ref)
    for name, schema in document["components"]["schemas"].items():
        assert isinstance(schema, dict) and schema, name


def test_openapi_schemas_name_the_documented_fields(client):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert BOARD_FIELDS <= set(schemas["BoardPublic"]["properties"])
    assert THREAD_FIELDS <= set(schemas["ThreadPublic"]["properties"])
    assert COMMENT_FIELDS <= set(schemas["CommentPublic"]["properties"])
    assert {"board", "title", "body"} <= set(schemas["ThreadCreate"]["required"])
    assert "body" in schemas["CommentCreate"]["required"]
    assert "parent_id" not in schemas["CommentCreate"].get("required", [])
    assert set(schemas["ThreadList"]["properties"]) == {"threads", "next_cursor"}
    assert set(schemas["Error"]["properties"]["error"]["required"]) == {"code", "message"}


def test_openapi_response_schemas_match_what_the_api_returns(client, token):
    document = client.get("/api/v1/openapi.json").json()
    thread = new_thread(client, token)
    comment = new_comment(client, token, thread["id"])
    thread_schema = _resolve(document, "#/components/schemas/ThreadPublic")
    comment_schema = _resolve(document, "#/components/schemas/CommentPublic")
    board_schema = _resolve(document, "#/components/schemas/BoardPublic")
    assert set(thread_schema.get("required", [])) <= set(thread)
    assert set(thread) <= set(thread_schema["properties"])
    assert set(comment_schema.get("required", [])) <= set(comment)
    assert set(comment) <= set(comment_schema["properties"])
    board = client.get("/api/v1/boards").json()[0]
    assert set(board) == set(board_schema["properties"])
