"""The embed widget's server side: the frame, page threads, counts, the pop-up login hand-off, /mod/embeds."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from starlette.testclient import TestClient

from forum.accounts.services import register
from forum.app import create_app
from forum.articles.fetch import FetchError, Fetched, StaticFetcher
from forum.boards.models import Board, Thread
from forum.db import utcnow
from forum.embed.models import EmbedHandoff, EmbedOrigin
from forum.moderation.models import AuditEvent
from forum.types import Role, Status
from tests.conftest import PASSWORD, csrf_of, form_post, log_in, make_settings

BLOG = "https://blog.example"
SITE = "http://testserver"


@pytest.fixture
def settings(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    return make_settings(database_url, tmp_path, embed_origins=f"{BLOG}, https://news.hospital.example/")


@pytest.fixture
def app(settings, db):  # type: ignore[no-untyped-def]
    app = create_app(settings, database=db)
    app.state.make_fetcher = lambda: StaticFetcher({})
    return app


def frame(client: TestClient, url: str, *, host: str = BLOG, **params: str):  # type: ignore[no-untyped-def]
    return client.get("/embed/thread", params={"url": url, "host": host, **params}, headers={"referer": host + "/some/post"})


def threads_titled(db, title: str) -> int:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Thread).where(Thread.title == title))


def thread_titled(db, title: str) -> Thread:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return session.scalars(select(Thread).where(Thread.title == title)).one()


# The frame and the page's thread --------------------------------------------------


def test_the_first_view_of_an_allowed_page_makes_its_thread_and_later_views_find_it(client, db):
    first = frame(client, f"{BLOG}/2026/care-pathways?utm_source=feed", title="Care pathways")
    assert first.status_code == 200
    assert "Care pathways" in first.text
    # Another spelling of the same address: host case, trailing slash, tracking parameters, a fragment.
    again = frame(client, "HTTPS://Blog.Example/2026/care-pathways/?utm_medium=x#comments", title="Care pathways")
    assert again.status_code == 200
    assert threads_titled(db, "Care pathways") == 1
    thread = thread_titled(db, "Care pathways")
    assert f'data-thread="{thread.id}"' in again.text
    assert f'href="/t/{thread.id}/' in again.text  # "discuss on the forum"


def test_the_frame_may_be_framed_by_the_allowed_sites_only(client):
    response = frame(client, f"{BLOG}/post", title="Framed")
    csp = response.headers["content-security-policy"]
    ancestors = re.search(r"frame-ancestors ([^;]+)", csp).group(1).split()
    assert ancestors == ["'self'", BLOG, "https://news.hospital.example"]
    # Every other page still refuses to be framed.
    assert "frame-ancestors 'none'" in client.get("/").headers["content-security-policy"]


def test_a_site_that_is_not_allowed_gets_a_clear_refusal_and_no_thread(client, db):
    response = frame(client, "https://elsewhere.example/post", host="https://elsewhere.example", title="Not here")
    assert response.status_code == 403
    assert "https://elsewhere.example is not allowed to embed" in response.text
    # The refusal itself must show inside the other site's frame.
    assert "frame-ancestors *" in response.headers["content-security-policy"]
    # A look-alike is not the allowed site: origins match exactly, not by substring.
    lookalike = frame(client, f"{BLOG}.evil.example/post", host=f"{BLOG}.evil.example", title="Not here")
    assert lookalike.status_code == 403
    # An allowed site cannot make threads for another site's pages either.
    other_page = frame(client, "https://elsewhere.example/post", title="Not here")
    assert other_page.status_code == 404
    assert threads_titled(db, "Not here") == 0


def test_the_embedding_site_is_read_from_the_referer_before_the_scripts_word(client, db):
    response = client.get(
        "/embed/thread",
        params={"url": f"{BLOG}/post", "host": BLOG, "title": "Spoofed"},
        headers={"referer": "https://elsewhere.example/page"},
    )
    assert response.status_code == 403
    assert threads_titled(db, "Spoofed") == 0


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "must be an http(s) URL"),
        ("javascript:alert(1)", "must be an http(s) URL"),
        ("ftp://blog.example/file", "must be an http(s) URL"),
        ("https://blog.example/" + "a" * 3000, "must be an http(s) URL"),
    ],
)
def test_a_bad_page_address_gets_a_clear_message(client, url, message):
    response = frame(client, url, title="Bad")
    assert response.status_code == 422
    assert message in response.text


def test_an_odd_address_with_a_query_unicode_and_a_fragment_works(client, db):
    url = f"{BLOG}/caf%C3%A9/na%C3%AFve?id=7&lang=fr#comment-3"
    assert frame(client, url, title="Café").status_code == 200
    assert frame(client, f"{BLOG}/café/naïve?lang=fr&id=7", title="Café").status_code == 200
    assert threads_titled(db, "Café") == 1


def test_without_a_title_the_page_is_fetched_for_its_own(app, client, db):
    page = f"{BLOG}/fetched-post"
    html = (b"<html><head><title>Nurse-led clinics | Blog</title><meta property='og:title' content='Nurse-led clinics'></head>"
            b"<body><article><h1>Nurse-led clinics</h1>" + b"<p>Nurse-led clinics cut waiting times for patients with chronic wounds in our region. </p>" * 8
            + b"</article></body></html>")
    app.state.make_fetcher = lambda: StaticFetcher(
        {page: Fetched(url=page, status=200, content=html, content_type="text/html", charset="utf-8", etag=None, last_modified=None)}
    )
    response = frame(client, page)
    assert response.status_code == 200
    assert "Nurse-led clinics" in response.text
    thread = thread_titled(db, "Nurse-led clinics")
    assert f"{BLOG}/fetched-post" in client.get(f"/api/v1/threads/{thread.id}").json()["body_html"]


def test_a_page_that_cannot_be_fetched_still_gets_a_thread_named_after_its_address(app, client, db):
    page = f"{BLOG}/down"
    app.state.make_fetcher = lambda: StaticFetcher({page: FetchError("the server answered HTTP 503")})
    assert frame(client, page).status_code == 200
    assert threads_titled(db, "blog.example/down") == 1


def test_the_snippet_may_name_a_board_and_bind_to_an_existing_thread(client, db):
    frame(client, f"{BLOG}/rally-post", title="On the rally board", board="rally")
    thread = thread_titled(db, "On the rally board")
    with db.read() as session:
        assert session.get(Board, thread.board_id).slug == "rally"
    bound = client.get("/embed/thread", params={"thread": str(thread.id), "host": BLOG}, headers={"referer": BLOG + "/"})
    assert bound.status_code == 200 and "On the rally board" in bound.text
    missing = client.get("/embed/thread", params={"thread": "999999", "host": BLOG}, headers={"referer": BLOG + "/"})
    assert missing.status_code == 404


def test_a_hidden_thread_is_not_shown_in_a_frame(client, db):
    frame(client, f"{BLOG}/hidden", title="Taken down")
    thread = thread_titled(db, "Taken down")
    with db.write() as session:
        session.execute(update(Thread).where(Thread.id == thread.id).values(status=Status.HIDDEN))
    response = frame(client, f"{BLOG}/hidden", title="Taken down")
    assert response.status_code == 404
    assert "Taken down" not in response.text


def test_everything_in_the_frame_is_escaped_as_on_the_site(client, db):
    response = frame(client, f"{BLOG}/xss", title='<script>alert("t")</script> & <b>bold</b>')
    assert response.status_code == 200
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;alert" in response.text
    thread = thread_titled(db, '<script>alert("t")</script> & <b>bold</b>')
    with db.write() as session:
        user = register(session, email="w@example.org", name="writer", password=PASSWORD, trusted=True)
        from forum.comments.services import create_comment

        create_comment(session, author=user, thread_id=thread.id, body='<img src=x onerror="alert(1)"> [x](javascript:alert(1))')
    shown = frame(client, f"{BLOG}/xss").text
    assert "<img" not in shown and 'href="javascript:' not in shown
    assert "&lt;img src=x onerror" in shown  # shown as the text it is


def test_new_threads_from_one_address_are_rate_limited(database_url, tmp_path, db):
    settings = make_settings(database_url, tmp_path, embed_origins=BLOG, rate_limits=True)
    app = create_app(settings, database=db)
    app.state.make_fetcher = lambda: StaticFetcher({})
    with TestClient(app) as client:
        statuses = [frame(client, f"{BLOG}/page-{n}", title=f"Page {n}").status_code for n in range(22)]
        assert statuses[:20] == [200] * 20
        assert statuses[20] == 429
        # A page that already has its thread is still shown.
        assert frame(client, f"{BLOG}/page-3", title="Page 3").status_code == 200


# Counts -------------------------------------------------------------------------


def test_counts_for_a_listing_page_in_one_request_with_cors_for_embedders(client, db, token):
    frame(client, f"{BLOG}/a", title="A")
    frame(client, f"{BLOG}/b", title="B")
    thread = thread_titled(db, "A")
    for body in ("one", "two"):
        assert client.post(f"/api/v1/threads/{thread.id}/comments", json={"body": body},
                           headers={"authorization": f"Bearer {token}"}).status_code == 201
    response = client.get(
        "/api/v1/embed/counts",
        params=[("url", f"{BLOG}/a/?utm_source=x"), ("url", f"{BLOG}/b"), ("url", f"{BLOG}/never")],
        headers={"origin": BLOG},
    )
    assert response.status_code == 200
    assert response.json() == {f"{BLOG}/a/?utm_source=x": 2, f"{BLOG}/b": 0, f"{BLOG}/never": 0}
    assert response.headers["access-control-allow-origin"] == BLOG
    other = client.get("/api/v1/embed/counts", params={"url": f"{BLOG}/a"}, headers={"origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in other.headers


def test_counts_refuse_bad_requests_clearly(client):
    assert client.get("/api/v1/embed/counts").status_code == 422
    many = client.get("/api/v1/embed/counts", params=[("url", f"{BLOG}/{n}") for n in range(101)])
    assert many.status_code == 422 and "at most 100" in many.json()["error"]["message"]
    odd = client.get("/api/v1/embed/counts", params={"url": "not a url"})
    assert odd.json() == {"not a url": 0}


# The pop-up login and the frame's session ---------------------------------------------


def member_browser(app, db, name: str = "ana") -> TestClient:  # type: ignore[no-untyped-def]
    with db.write() as session:
        register(session, email=f"{name}@example.org", name=name, password=PASSWORD, trusted=True)
    browser = TestClient(app, raise_server_exceptions=False)
    log_in(browser, f"{name}@example.org")
    return browser


def handoff_token(browser: TestClient, host: str = BLOG) -> str:
    page = browser.get("/embed/login", params={"host": host})
    assert page.status_code == 200 and "Continue as" in page.text
    response = browser.post("/embed/login", data={"host": host, "csrf_token": csrf_of(page.text)})
    assert response.status_code == 200
    match = re.search(r'data-token="([^"]+)"', response.text)
    assert match
    return match.group(1)


def exchange(client: TestClient, token: str, host: str = BLOG, origin: str = SITE):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/embed/session", json={"token": token, "host": host}, headers={"origin": origin})


def test_a_reader_logs_in_through_the_pop_up_and_the_frame_posts_as_them_without_a_cookie(app, db, client):
    frame(client, f"{BLOG}/post", title="Discussed")
    thread = thread_titled(db, "Discussed")
    with member_browser(app, db) as browser:
        token = handoff_token(browser)
    # The frame: no cookie at all (third-party cookies blocked), only the bearer token it was handed.
    with TestClient(app, raise_server_exceptions=False) as frame_client:
        answer = exchange(frame_client, token)
        assert answer.status_code == 201, answer.text
        session_token = answer.json()["token"]
        assert answer.json()["user"]["name"] == "ana"
        assert not frame_client.cookies
        auth = {"authorization": f"Bearer {session_token}"}
        assert frame_client.get("/api/v1/embed/session", headers=auth).json()["user"]["name"] == "ana"
        posted = frame_client.post(f"/api/v1/threads/{thread.id}/comments", json={"body": "from the widget"}, headers=auth)
        assert posted.status_code == 201 and posted.json()["author"] == "ana"
        assert "from the widget" in client.get(f"/t/{thread.id}").text
        # Log out in the frame: the session ends there and then.
        assert frame_client.delete("/api/v1/embed/session", headers=auth).json() == {"ended": True}
        assert frame_client.get("/api/v1/embed/session", headers=auth).status_code == 401
        assert frame_client.post(f"/api/v1/threads/{thread.id}/comments", json={"body": "again"}, headers=auth).status_code == 401


def test_a_hand_off_is_single_use_bound_to_its_site_and_short_lived(app, db, client):
    with member_browser(app, db) as browser:
        first, second, third = handoff_token(browser), handoff_token(browser), handoff_token(browser)
    assert exchange(client, first).status_code == 201
    reused = exchange(client, first)
    assert reused.status_code == 401 and "already used" in reused.json()["error"]["message"]
    # Bound to the site it was made for.
    assert exchange(client, second, host="https://news.hospital.example").status_code == 401
    assert exchange(client, second).status_code == 401  # a failed try uses it up
    with db.write() as session:
        session.execute(update(EmbedHandoff).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert exchange(client, third).status_code == 401


def test_only_the_forums_own_frame_can_trade_a_hand_off(app, db, client):
    with member_browser(app, db) as browser:
        token = handoff_token(browser)
    refused = exchange(client, token, origin=BLOG)
    assert refused.status_code == 403
    assert exchange(client, token, origin="").status_code == 403
    assert exchange(client, token).status_code == 201  # still unused after the refusals


def test_bad_session_requests_get_clear_errors(client):
    for body in ({}, {"token": "x"}, {"token": "", "host": BLOG}, {"token": "x", "host": "not an origin"}):
        response = client.post("/api/v1/embed/session", json=body, headers={"origin": SITE})
        assert response.status_code == 422, body
    assert client.post("/api/v1/embed/session", content=b"{", headers={"origin": SITE, "content-type": "application/json"}).status_code == 400
    assert exchange(client, "no-such-token").status_code == 401
    # An API token is not a frame session: it cannot be ended here.
    assert client.delete("/api/v1/embed/session").status_code == 401


def test_the_pop_up_sends_a_guest_to_log_in_first_and_refuses_sites_not_allowed(app, db, client):
    response = client.get("/embed/login", params={"host": BLOG}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fembed%2Flogin%3Fhost%3Dhttps%253A%252F%252Fblog.example"
    with member_browser(app, db) as browser:
        refused = browser.get("/embed/login", params={"host": "https://elsewhere.example"})
        assert refused.status_code == 403 and "not allowed to embed" in refused.text
        page = browser.get("/embed/login", params={"host": BLOG})
        # The confirmation is a form with a CSRF token; without it nothing is handed out.
        assert browser.post("/embed/login", data={"host": BLOG}).status_code == 403
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(EmbedHandoff)) == 0


def test_a_suspended_reader_cannot_trade_a_hand_off(app, db, client):
    with member_browser(app, db) as browser:
        token = handoff_token(browser)
    from forum.accounts.models import User

    with db.write() as session:
        session.execute(update(User).where(User.name == "ana").values(suspended_until=utcnow() + timedelta(days=1)))
    assert exchange(client, token).status_code == 401


# /mod/embeds ------------------------------------------------------------------------


@pytest.fixture
def admin(app, db) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with db.write() as session:
        register(session, email="ad@example.org", name="ad", password=PASSWORD, role=Role.ADMIN, trusted=True)
    with TestClient(app, raise_server_exceptions=False) as browser:
        log_in(browser, "ad@example.org")
        yield browser


def test_an_admin_allows_a_site_with_a_default_board_and_its_pages_embed(admin, client, db):
    page = admin.get("/mod/embeds")
    assert page.status_code == 200
    assert BLOG in page.text and "set in FORUM_EMBED_ORIGINS" in page.text
    added = form_post(admin, "/mod/embeds", "/mod/embeds", {"origin": "https://Clinic.Example:443/", "board": "educate"})
    assert added.status_code == 303
    assert "https://clinic.example" in admin.get("/mod/embeds").text
    response = frame(client, "https://clinic.example/news/1", host="https://clinic.example", title="Clinic news")
    assert response.status_code == 200
    thread = thread_titled(db, "Clinic news")
    with db.read() as session:
        assert session.get(Board, thread.board_id).slug == "educate"
        row = session.scalars(select(EmbedOrigin)).one()
        assert row.origin == "https://clinic.example"
        actions = list(session.scalars(select(AuditEvent.action)))
    assert "embed.origin_added" in actions
    removed = form_post(admin, "/mod/embeds", f"/mod/embeds/{row.id}/remove", {})
    assert removed.status_code == 303
    assert frame(client, "https://clinic.example/news/2", host="https://clinic.example", title="Later").status_code == 403


@pytest.mark.parametrize(
    ("origin", "status", "message"),
    [
        ("https://blog.example/path", 422, "no path"),
        ("ftp://files.example", 422, "origin"),
        ("not a site", 422, "origin"),
    ],
)
def test_a_bad_site_is_refused_with_a_clear_message(admin, origin, status, message):
    response = form_post(admin, "/mod/embeds", "/mod/embeds", {"origin": origin, "board": ""})
    assert response.status_code == status
    assert message in response.text
    assert origin in response.text  # the form keeps what was typed


def test_a_site_added_twice_is_a_conflict(admin):
    assert form_post(admin, "/mod/embeds", "/mod/embeds", {"origin": "https://twice.example", "board": ""}).status_code == 303
    again = form_post(admin, "/mod/embeds", "/mod/embeds", {"origin": "https://TWICE.example/", "board": ""})
    assert again.status_code == 409 and "already allowed" in again.text


def test_only_admins_see_or_change_the_list_of_sites(app, db, moderator):
    assert moderator.get("/mod/embeds").status_code == 404
    token = csrf_of(moderator.get("/").text)
    assert moderator.post("/mod/embeds", data={"origin": "https://x.example", "csrf_token": token}).status_code == 404
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(EmbedOrigin)) == 0
