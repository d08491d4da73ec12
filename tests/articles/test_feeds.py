"""Feeds: adding, listing and polling them (once, or from inside `forum serve`),
and fetching sources over HTTP, from a real local server."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from starlette.testclient import TestClient

from forum.app import create_app
from forum.articles.feeds import add_feed, claim
from forum.articles.models import Article, Feed
from forum.boards.models import Thread
from forum.db import utcnow
from tests.articles.http_server import serve
from tests.articles.test_seed_command import counts, forum
from tests.conftest import make_settings

RSS_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8", "ETag": '"v1"'}


def rss(*entries: tuple[str, str, str]) -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>{link}</link><description><![CDATA[<p>{body}</p>]]></description></item>"
        for title, link, body in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Clinic blog</title>'
        f"<link>https://clinic.example/</link><description>news</description>{items}</channel></rss>"
    ).encode()


FEED = rss(
    ("A toolkit for your first hospital social media policy",
     "https://clinic.example/2026/policy-toolkit/",
     "We share our policy template, a staffing checklist and a budget sheet so that other facilities "
     "have the resources to start. Download the toolkit and adapt the guidelines to your own hospital."),
    ("Join our monthly tweetchat on patient communities",
     "/2026/tweetchat/",
     "Rally with us: every first Tuesday we convene clinicians for a live chat, a call to action for "
     "the whole community to work together towards a common goal."),
)

ALLOW = {"FORUM_FETCH_ALLOW_PRIVATE": "true"}


def test_a_feed_is_added_polled_and_then_costs_one_304(db, database_url, tmp_path: Path):
    with serve({"/feed.xml": (200, RSS_TYPE, FEED)}) as server:
        url = server.url("/feed.xml")
        added = forum(["feeds", "add", url, "--board", "arm"], database_url, tmp_path, **ALLOW)
        assert added.returncode == 0, added.stderr
        assert added.stdout.startswith("added feed ")

        first = forum(["feeds", "poll"], database_url, tmp_path, **ALLOW)
        assert first.returncode == 0, first.stderr
        assert f"polled {url}: 2 created, 0 skipped" in first.stdout
        assert counts(db) == (2, 2)

        second = forum(["feeds", "poll"], database_url, tmp_path, **ALLOW)
        assert second.returncode == 0, second.stderr
        assert f"unchanged {url}" in second.stdout
        assert server.requests[-1].headers.get("If-None-Match") == '"v1"'
        assert counts(db) == (2, 2)

        listed = forum(["feeds", "list"], database_url, tmp_path, **ALLOW)
        assert f"{url} · board arm · " in listed.stdout
        assert "2 imported" in listed.stdout and "last error" not in listed.stdout
    with db.read() as session:
        boards = set(session.scalars(select(Thread.board_id)))
    assert len(boards) == 1  # --board put both on Arm


def test_a_relative_entry_link_is_resolved_against_the_feed(db, database_url, tmp_path: Path):
    with serve({"/blog/feed.xml": (200, RSS_TYPE, FEED)}) as server:
        result = forum(["seed", server.url("/blog/feed.xml")], database_url, tmp_path, **ALLOW)
        assert result.returncode == 0, result.stderr
    with db.read() as session:
        urls = set(session.scalars(select(Article.source_url)))
    assert urls == {"https://clinic.example/2026/policy-toolkit/", server.url("/2026/tweetchat/")}


def test_a_failing_feed_is_reported_and_listed_with_its_error(db, database_url, tmp_path: Path):
    with serve({}) as server:
        url = server.url("/gone.xml")
        assert forum(["feeds", "add", url], database_url, tmp_path, **ALLOW).returncode == 0
        polled = forum(["feeds", "poll"], database_url, tmp_path, **ALLOW)
        assert polled.returncode == 1
        assert f"forum: {url}: not found (HTTP 404)" in polled.stderr
        listed = forum(["feeds", "list"], database_url, tmp_path, **ALLOW)
        assert "last error: not found (HTTP 404)" in listed.stdout
        assert "0 imported" in listed.stdout


def test_adding_a_feed_twice_or_a_non_http_feed_is_refused(db, database_url, tmp_path: Path):
    assert forum(["feeds", "add", "https://clinic.example/feed"], database_url, tmp_path).returncode == 0
    twice = forum(["feeds", "add", "https://clinic.example/feed"], database_url, tmp_path)
    assert twice.returncode == 1 and "already being polled" in twice.stderr
    bad = forum(["feeds", "add", "file:///etc/passwd"], database_url, tmp_path)
    assert bad.returncode == 1 and "http or https" in bad.stderr
    unknown = forum(["feeds", "add", "https://clinic.example/other", "--board", "gossip"], database_url, tmp_path)
    assert unknown.returncode == 1 and "gossip" in unknown.stderr


def test_private_addresses_are_refused_unless_allowed(db, database_url, tmp_path: Path):
    with serve({"/feed.xml": (200, RSS_TYPE, FEED)}) as server:
        result = forum(["seed", server.url("/feed.xml")], database_url, tmp_path)
        assert result.returncode == 1
        assert "private address" in result.stderr
        assert server.requests == []
    assert counts(db) == (0, 0)


def test_a_remote_page_opens_with_an_excerpt_and_a_link_to_the_original(db, client, database_url, tmp_path: Path):
    paragraphs = "".join(
        f"<p>Paragraph {n}: our hospital measured what its social media programme did for patients, "
        "with results, engagement metrics and a case study of the first year, so others can judge the value.</p>"
        for n in range(1, 40)
    )
    page = (
        "<!doctype html><html><head><title>Measuring our first year on social media</title>"
        '<link rel="canonical" href="https://clinic.example/2026/first-year/">'
        '<meta name="author" content="Dr. Ines Okafor"><meta property="article:published_time" content="2026-03-02T08:00:00Z">'
        "</head><body><nav><a href='/'>Home</a> · <a href='/about'>About</a></nav>"
        f"<article><h1>Measuring our first year on social media</h1>{paragraphs}</article>"
        "<footer>Share this: Twitter · Facebook. Like this: Like Loading…</footer></body></html>"
    ).encode()
    with serve({"/first-year": (200, {"Content-Type": "text/html; charset=utf-8"}, page)}) as server:
        result = forum(["seed", server.url("/first-year")], database_url, tmp_path, **ALLOW)
        assert result.returncode == 0, result.stderr
        thread_id = int(result.stdout.split()[1])
        html = client.get(f"/t/{thread_id}").text
        assert "Ines Okafor" in html
        assert "Paragraph 1:" in html and "Paragraph 39:" not in html
        assert 'href="https://clinic.example/2026/first-year/"' in html and "Read the original" in html
        again = forum(["seed", "--full", server.url("/first-year")], database_url, tmp_path, **ALLOW)
        assert again.stdout.startswith(f"skipped {thread_id} "), again.stderr


def test_the_poller_inside_serve_imports_a_new_feed(db, database_url, tmp_path: Path):
    with serve({"/feed.xml": (200, RSS_TYPE, FEED)}) as server:
        with db.write() as session:
            add_feed(session, url=server.url("/feed.xml"))
        settings = make_settings(database_url, tmp_path / "poller", feed_poll_seconds=1, fetch_allow_private=True)
        app = create_app(settings, database=db)
        with TestClient(app):
            deadline = time.monotonic() + 20
            while counts(db) != (2, 2):
                assert time.monotonic() < deadline, "the poller did not import the feed"
                time.sleep(0.1)
            # Within the interval the feed is not polled again.
            polls = len(server.requests)
            time.sleep(0.3)
            assert len(server.requests) == polls
    with db.read() as session:
        feed = session.scalar(select(Feed))
        assert feed.entries_imported == 2 and feed.last_error is None and feed.etag == '"v1"'
        assert session.scalar(select(func.count(Thread.id))) == 2


def test_only_one_poller_claims_a_feed_within_the_interval(db):
    with db.write() as session:
        feed = add_feed(session, url="https://clinic.example/feed")
    now = utcnow()
    with db.write() as session:
        assert claim(session, feed.id, now=now, interval=timedelta(minutes=15))
    with db.write() as session:
        assert not claim(session, feed.id, now=now + timedelta(minutes=1), interval=timedelta(minutes=15))
    with db.write() as session:
        assert claim(session, feed.id, now=now + timedelta(minutes=16), interval=timedelta(minutes=15))
