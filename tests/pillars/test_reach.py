"""Harness: embeds recorded, the reach ranking, and the share panel on threads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from forum.comments.models import Comment
from forum.db import Database
from forum.pillars.models import EmbedSighting
from forum.pillars.reach import REACH_FORMULA, reach_ranking, record_sighting
from tests.conftest import make_settings, post_comment, register
from tests.pillars.test_resources_and_stories import start_thread

BLOG = "https://blog.example"
NEWS = "https://news.hospital.example"


@pytest.fixture
def settings(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    return make_settings(database_url, tmp_path, embed_origins=f"{BLOG}, {NEWS}")


def frame(client: TestClient, thread_id: int, referer: str):  # type: ignore[no-untyped-def]
    host = referer.split("/")[0] + "//" + referer.split("/")[2]
    return client.get("/embed/thread", params={"thread": str(thread_id), "host": host}, headers={"referer": referer})


def sightings(db: Database) -> list[tuple[int, str]]:
    with db.read() as session:
        return sorted((s.thread_id, s.page) for s in session.scalars(select(EmbedSighting)))


def test_an_embed_is_recorded_once_per_outside_page(member: TestClient, db: Database):
    thread_id = start_thread(member, "harness")
    member.cookies.clear()
    for _ in range(3):
        assert frame(member, thread_id, f"{BLOG}/2026/post?utm_source=x").status_code == 200
    frame(member, thread_id, f"{BLOG}/another-post")
    frame(member, thread_id, f"{NEWS}/")
    frame(member, thread_id, "http://testserver/t/1")  # the forum's own pages are not outside reach
    assert sightings(db) == [(thread_id, f"{BLOG}/2026/post"), (thread_id, f"{BLOG}/another-post"), (thread_id, f"{NEWS}/")]


def test_a_sighting_is_written_at_most_once_an_hour(member: TestClient, db: Database):
    thread_id = start_thread(member, "harness")
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    with db.write() as session:
        assert record_sighting(session, thread_id=thread_id, page=f"{BLOG}/p", now=start)
    with db.write() as session:
        assert not record_sighting(session, thread_id=thread_id, page=f"{BLOG}/p", now=start + timedelta(minutes=59))
    with db.write() as session:
        assert record_sighting(session, thread_id=thread_id, page=f"{BLOG}/p", now=start + timedelta(minutes=61))
    with db.read() as session:
        row = session.scalars(select(EmbedSighting)).one()
    assert row.first_seen == start and row.last_seen == start + timedelta(minutes=61)


def test_the_harness_board_ranks_threads_by_reach_and_says_how(client: TestClient, db: Database):
    register(client, "ana")
    quiet = start_thread(client, "harness", "A quiet thread")
    busy = start_thread(client, "harness", "A thread people talk about")
    post_comment(client, busy, "Our clinic did the same.")
    client.cookies.clear()
    register(client, "cy")
    post_comment(client, busy, "We tried this last spring.")
    post_comment(client, busy, "And it worked.")
    client.cookies.clear()
    frame(client, quiet, f"{BLOG}/post")
    board = client.get("/b/harness").text
    assert REACH_FORMULA in board
    table = board.split('class="reach-table"')[1]
    rows = table.split('class="reach-row"')[1:]
    # busy: 0 embeds, 2 participants, 3 recent comments = 7; quiet: 1 embed, 1 participant = 7; busy is newer.
    assert "A thread people talk about" in rows[0] and "<td>0</td><td>2</td><td>3</td><td>7</td>" in rows[0]
    assert "A quiet thread" in rows[1] and "<td>1</td><td>1</td><td>0</td><td>7</td>" in rows[1]


def test_only_comments_in_the_last_30_days_count_as_recent(member: TestClient, db: Database):
    thread_id = start_thread(member, "harness")
    for body in ["First thought.", "Second thought.", "Third thought."]:
        post_comment(member, thread_id, body)
    with db.write() as session:
        comments = list(session.scalars(select(Comment).where(Comment.thread_id == thread_id).order_by(Comment.id)))
        comments[0].created_at = datetime(2026, 1, 1, tzinfo=UTC)
        comments[1].created_at = datetime(2026, 2, 20, tzinfo=UTC)
        comments[2].created_at = datetime(2026, 3, 1, tzinfo=UTC)
    now = datetime(2026, 3, 10, tzinfo=UTC)
    with db.read() as session:
        (reach,) = reach_ranking(session, now=now)
    assert (reach.participants, reach.recent_comments) == (1, 2)
    with db.read() as session:
        (later,) = reach_ranking(session, now=now + timedelta(days=30))
    assert later.recent_comments == 0


def test_every_thread_offers_its_embed_snippet_and_share_links(member: TestClient):
    thread_id = start_thread(member, "harness", "Sharing what works")
    page = member.get(f"/t/{thread_id}").text
    assert f'&lt;div id=&#34;forum-thread&#34; data-thread=&#34;{thread_id}&#34;&gt;&lt;/div&gt;' in page
    assert "&lt;script src=&#34;http://testserver/static/embed.js&#34; async&gt;&lt;/script&gt;" in page
    assert 'href="mailto:?subject=Sharing%20what%20works' in page
    assert f'href="http://testserver/t/{thread_id}/sharing-what-works"' in page
