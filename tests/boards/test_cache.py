"""The thread cache: anonymous readers get cached pages and JSON, and no reader
ever sees a thread older than its last write once that write is known."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from markupsafe import Markup
from starlette.testclient import TestClient

from forum.accounts.services import register
from forum.app import create_app
from forum.boards.cache import ThreadCache
from forum.boards.services import create_thread
from forum.comments.services import create_comment, delete_comment, edit_comment
from forum.db import Database
from tests.conftest import PASSWORD, form_post, make_settings, register as register_in_browser

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def _thread_with_comment(db: Database, body: str = "first words"):
    with db.write() as session:
        user = register(session, email="writer@example.org", name="writer", password=PASSWORD, trusted=True)
        thread = create_thread(session, author=user, board_slug="rally", title="Cached", body="x")
        comment = create_comment(session, author=user, thread_id=thread.id, body=body)
    return user, thread, comment


def test_an_anonymous_reader_gets_the_same_page_from_the_cache(db, client):
    _, thread, _ = _thread_with_comment(db)
    first = client.get(f"/t/{thread.id}")
    second = client.get(f"/t/{thread.id}")
    assert first.status_code == second.status_code == 200
    assert first.text == second.text
    assert "first words" in second.text
    assert "set-cookie" not in first.headers and "set-cookie" not in second.headers
    assert second.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in second.headers["content-security-policy"]
    assert client.app.state.thread_cache.fresh_page(thread.id, NOW) == second.content


def test_writes_through_this_process_show_at_once_to_anonymous_readers(db, client):
    user, thread, comment = _thread_with_comment(db)
    url = f"/t/{thread.id}"
    api = f"/api/v1/threads/{thread.id}/comments"
    assert "first words" in client.get(url).text
    assert [c["body_html"] for c in client.get(api).json()["comments"]] == ["<p>first words</p>"]

    with db.write() as session:
        create_comment(session, author=user, thread_id=thread.id, body="second words")
    assert "second words" in client.get(url).text
    assert len(client.get(api).json()["comments"]) == 2

    with db.write() as session:
        edit_comment(session, editor=user, comment_id=comment.id, body="first words, corrected")
    assert "first words, corrected" in client.get(url).text
    assert client.get(api).json()["comments"][0]["body_html"] == "<p>first words, corrected</p>"

    with db.write() as session:
        delete_comment(session, actor=user, comment_id=comment.id)
    page = client.get(url).text
    assert "first words, corrected" not in page
    assert "second words" in page
    assert client.get(api).json()["comments"][0]["status"] == "removed"


def test_a_comment_posted_from_a_browser_shows_to_the_next_anonymous_reader(db, app):
    _, thread, _ = _thread_with_comment(db)
    with TestClient(app) as reader, TestClient(app) as writer:
        assert "fresh from the form" not in reader.get(f"/t/{thread.id}").text
        register_in_browser(writer, "poster")
        form_post(writer, f"/t/{thread.id}", f"/t/{thread.id}/comments", {"body": "fresh from the form"})
        assert "fresh from the form" in reader.get(f"/t/{thread.id}").text


def test_a_logged_in_reader_never_gets_the_anonymous_page(db, client):
    _, thread, _ = _thread_with_comment(db)
    anonymous = client.get(f"/t/{thread.id}").text
    assert "Log in</a> or" in anonymous
    register_in_browser(client, "reader")
    mine = client.get(f"/t/{thread.id}").text
    assert "Log in</a> or" not in mine
    assert 'id="comment-form"' in mine and ">reader</a>" in mine


def test_another_process_sees_a_write_within_the_trust_window(db, database_url, tmp_path: Path):
    """Two processes on one database with no hub between them (each with its own
    connection pool): the other one learns of a write when its trust in the
    cached revision runs out, and its logged-in readers at once."""
    user, thread, _ = _thread_with_comment(db)
    window = 0.3
    other_db = Database(database_url)
    other = create_app(make_settings(database_url, tmp_path / "other", page_cache_seconds=window), database=other_db)
    try:
        with TestClient(other) as reader, TestClient(other) as member:
            register_in_browser(member, "member")
            url = f"/t/{thread.id}"
            assert "first words" in reader.get(url).text
            with db.write() as session:
                create_comment(session, author=user, thread_id=thread.id, body="second words")
            assert "second words" in member.get(url).text
            deadline = time.monotonic() + window + 5
            while "second words" not in reader.get(url).text:
                assert time.monotonic() < deadline, "the other process kept serving the old page"
                time.sleep(0.05)
    finally:
        other_db.dispose()


def test_with_no_trust_window_every_view_confirms_the_revision(db, database_url, tmp_path: Path):
    user, thread, _ = _thread_with_comment(db)
    other_db = Database(database_url)
    other = create_app(make_settings(database_url, tmp_path / "other", page_cache_seconds=0), database=other_db)
    try:
        with TestClient(other) as reader:
            url = f"/t/{thread.id}"
            api = f"/api/v1/threads/{thread.id}/comments"
            assert "first words" in reader.get(url).text
            assert len(reader.get(api).json()["comments"]) == 1
            with db.write() as session:
                create_comment(session, author=user, thread_id=thread.id, body="second words")
            assert "second words" in reader.get(url).text
            assert len(reader.get(api).json()["comments"]) == 2
    finally:
        other_db.dispose()


def test_comment_pages_of_the_api_are_cached_apart(db, client):
    user, thread, first = _thread_with_comment(db)
    with db.write() as session:
        second = create_comment(session, author=user, thread_id=thread.id, body="two")
        create_comment(session, author=user, thread_id=thread.id, body="three")
    api = f"/api/v1/threads/{thread.id}/comments"
    for _ in range(2):
        assert [c["id"] for c in client.get(api, params={"limit": 1}).json()["comments"]] == [first.id]
        assert [c["body_html"] for c in client.get(api, params={"after": second.id}).json()["comments"]] == ["<p>three</p>"]
        assert len(client.get(api).json()["comments"]) == 3
    bad = client.get(api, params={"limit": "lots"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_request"


def test_a_missing_thread_is_404_for_anonymous_readers_too(client):
    assert client.get("/t/999999").status_code == 404
    assert client.get("/api/v1/threads/999999/comments").status_code == 404


def test_with_the_cache_off_pages_are_still_right(db, database_url, tmp_path: Path):
    user, thread, _ = _thread_with_comment(db)
    app = create_app(make_settings(database_url, tmp_path / "off", page_cache_mb=0), database=db)
    with TestClient(app) as reader:
        assert "first words" in reader.get(f"/t/{thread.id}").text
        with db.write() as session:
            create_comment(session, author=user, thread_id=thread.id, body="second words")
        assert "second words" in reader.get(f"/t/{thread.id}").text
        assert app.state.thread_cache.bytes_used == 0


def test_a_write_that_races_a_read_is_not_hidden_by_it():
    """A reader took its ticket, read revision 1, and a write committed revision 2
    before the reader stored what it read: that entry must not pass as fresh."""
    cache = ThreadCache(max_bytes=1 << 20, ttl=60)
    ticket = cache.ticket()
    cache.invalidate([7])  # the write, committed while the reader was busy
    entry = cache.confirm(7, 1, ticket)
    cache.store_page(7, entry, b"revision 1")
    assert cache.fresh_page(7, NOW) is None
    entry = cache.confirm(7, 2, cache.ticket())
    cache.store_page(7, entry, b"revision 2")
    assert cache.fresh_page(7, NOW) == b"revision 2"


def test_a_page_the_clock_will_change_is_not_served_from_that_moment():
    cache = ThreadCache(max_bytes=1 << 20, ttl=60)
    entry = cache.confirm(5, 1, cache.ticket())
    cache.store_page(5, entry, b"upcoming", until=NOW + timedelta(minutes=5))
    assert cache.fresh_page(5, NOW) == b"upcoming"
    assert cache.fresh_page(5, NOW + timedelta(minutes=5)) is None
    assert entry.page_at(NOW + timedelta(minutes=4, seconds=59)) == b"upcoming"
    assert entry.page_at(NOW + timedelta(hours=1)) is None
    # The page made afterwards replaces it, with its own moment (or none).
    cache.store_page(5, entry, b"live", until=None)
    assert cache.fresh_page(5, NOW + timedelta(days=365)) == b"live"


def test_an_invalidated_thread_is_confirmed_again_but_keeps_its_content_for_that_revision():
    cache = ThreadCache(max_bytes=1 << 20, ttl=60)
    entry = cache.confirm(3, 5, cache.ticket())
    cache.store_tree(3, entry, Markup("<li>tree</li>"))
    cache.invalidate([3])
    assert cache.fresh(3) is None
    again = cache.confirm(3, 5, cache.ticket())
    assert again.tree == Markup("<li>tree</li>")
    moved_on = cache.confirm(3, 6, cache.ticket())
    assert moved_on.tree is None


def test_the_cache_stays_within_its_size():
    cache = ThreadCache(max_bytes=10_000, ttl=60)
    for thread_id in range(1, 50):
        entry = cache.confirm(thread_id, 1, cache.ticket())
        cache.store_page(thread_id, entry, b"x" * 1_000)
        assert cache.bytes_used <= 10_000
    assert cache.fresh_page(49, NOW) == b"x" * 1_000
    assert cache.fresh_page(1, NOW) is None
    entry = cache.confirm(60, 1, cache.ticket())
    for n in range(10):
        cache.store_json(60, entry, (n, 100), b"{}" * 10)
    assert len(entry.json) <= 4
