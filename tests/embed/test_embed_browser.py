"""The widget on a real blog page, in headless Chromium with third-party cookies blocked.

The blog is served by the test from a second origin (127.0.0.2, its own port);
the forum runs as `forum serve` on 127.0.0.1 with that origin allowed to embed.
A third origin (127.0.0.2 on another port) is not allowed. Same browser rules as
tests/test_browser.py: Chromium at /usr/bin/chromium, skipped without it except
under CI=true, where these tests fail instead.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from urllib.parse import quote
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from forum.db import Database
from forum.types import Role
from tests.browser_server import LiveServer, free_port, live_server
from tests.conftest import PASSWORD, _truncate_postgres
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, TIMEOUT_MS, _unavailable

BLOG_HOST = "127.0.0.2"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Site:
    origin: str
    root: Path

    def page(self, name: str, html: str) -> str:
        (self.root / name).write_text(f"<!doctype html><html lang='en'><head><meta charset='utf-8'><link rel='icon' href='data:,'><title>{name}</title></head><body>{html}</body></html>")
        return f"{self.origin}/{quote(name)}"


def _serve_site(root: Path) -> Iterator[Site]:
    port = free_port()
    httpd = ThreadingHTTPServer((BLOG_HOST, port), partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(f"http://{BLOG_HOST}:{port}", root)
    finally:
        httpd.shutdown()
        httpd.server_close()


@dataclass
class World:
    forum: LiveServer
    blog: Site
    elsewhere: Site
    token: str  # a third party posting through the API
    member_email: str
    mod_token: str


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    workdir = tmp_path_factory.mktemp(f"embed-{request.param}")
    database_url = f"sqlite:///{workdir / 'forum.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    (workdir / "blog").mkdir()
    (workdir / "elsewhere").mkdir()
    blog_sites = _serve_site(workdir / "blog")
    other_sites = _serve_site(workdir / "elsewhere")
    blog, elsewhere = next(blog_sites), next(other_sites)
    try:
        with live_server(database_url, workdir, FORUM_EMBED_ORIGINS=blog.origin) as forum:
            from forum.accounts.services import create_api_token, register

            db = Database(database_url)
            try:
                with db.write() as session:
                    third = register(session, email="third@example.org", name="third", password=PASSWORD, trusted=True)
                    token = create_api_token(session, user=third)
                    register(session, email="reader@example.org", name="reader", password=PASSWORD, trusted=True)
                    moderator = register(session, email="mod@example.org", name="mod", password=PASSWORD, trusted=True, role=Role.MODERATOR)
                    mod_token = create_api_token(session, user=moderator)
            finally:
                db.dispose()
            yield World(forum, blog, elsewhere, token, "reader@example.org", mod_token)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    finally:
        for sites in (blog_sites, other_sites):
            sites.close()
        if request.param == "postgresql":
            db = Database(database_url)
            try:
                _truncate_postgres(db)
            finally:
                db.dispose()


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A Chromium profile that blocks third-party cookies, as a privacy-minded reader's does."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        _unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    (profile / "Default").mkdir()
    prefs = {"profile": {"block_third_party_cookies": True, "cookie_controls_mode": 1}}
    (profile / "Default" / "Preferences").write_text(json.dumps(prefs))
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, viewport=DESKTOP,
            args=[*CHROMIUM_ARGS, "--test-third-party-cookie-phaseout"],
        )
        context.set_default_timeout(TIMEOUT_MS)
        yield context
        context.close()


@pytest.fixture
def tab(chromium: Any) -> Iterator[Any]:
    page = chromium.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    page.errors = errors
    yield page
    page.close()


def snippet(world: World, url: str, *, title: str | None = None, extra: str = "", element: str = 'id="forum-thread"') -> str:
    attributes = f'{element} data-url="{url}"' + (f' data-title="{title}"' if title else "") + (f" {extra}" if extra else "")
    return f'<h1>A post</h1><p>Words of the post.</p><div {attributes}></div><script src="{world.forum.url("/static/embed.js")}" async></script>'


def threads_titled(world: World, title: str) -> list[int]:
    from forum.boards.models import Thread

    db = Database(world.forum.database_url)
    try:
        with db.read() as session:
            return list(session.scalars(select(Thread.id).where(Thread.title == title)))
    finally:
        db.dispose()


def api_comment(world: World, thread_id: int, body: str) -> int:
    request = urllib.request.Request(
        world.forum.url(f"/api/v1/threads/{thread_id}/comments"),
        data=json.dumps({"body": body}).encode(),
        headers={"Authorization": f"Bearer {world.token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
        return int(json.load(response)["id"])


def frame_of(page: Any) -> Any:
    page.wait_for_selector("#forum-thread iframe, .forum-thread iframe")
    handle = page.query_selector("#forum-thread iframe") or page.query_selector(".forum-thread iframe")
    frame = handle.content_frame()
    assert frame is not None
    frame.wait_for_load_state()
    return frame


def test_a_blog_embeds_a_live_thread_and_a_reader_replies_in_place_without_third_party_cookies(world: World, tab: Any):
    title = "Care pathways, embedded"
    # Odd characters, a query string and a fragment in the page's address.
    url = world.blog.page("café.html", snippet(world, f"{world.blog.origin}/caf%C3%A9.html?id=7&amp;utm_source=feed#comments", title=title))
    tab.goto(url)
    frame = frame_of(tab)
    frame.get_by_text("0 comments").wait_for()
    assert frame.get_by_role("link", name="Discuss on the forum").is_visible()
    tab.reload()
    frame = frame_of(tab)
    frame.get_by_text("0 comments").wait_for()
    [thread_id] = threads_titled(world, title)  # two page loads, one thread

    # A comment posted on the main site appears in the widget, live.
    frame.locator("#live-status[data-state='live']").wait_for()
    first = api_comment(world, thread_id, "Posted on the forum itself")
    frame.locator(f"#c{first}").get_by_text("Posted on the forum itself").wait_for()
    frame.get_by_text("1 comment", exact=True).wait_for()

    # The frame is as tall as its content: no inner scroll bar, no gap.
    inner_height = frame.evaluate("Math.ceil(document.documentElement.getBoundingClientRect().height)")
    tab.wait_for_function(
        f"() => Math.abs(document.querySelector('#forum-thread iframe').getBoundingClientRect().height - {inner_height}) <= 2"
    )

    # Log in through the pop-up, from the keyboard.
    login = frame.get_by_role("link", name="Log in to reply")
    login.focus()
    with tab.expect_popup() as opened:
        tab.keyboard.press("Enter")
    popup = opened.value
    popup.wait_for_load_state()
    assert "/login" in popup.url
    popup.get_by_label("Email").fill(world.member_email)
    popup.get_by_label("Password").fill(PASSWORD)
    popup.get_by_role("button", name="Log in").click()
    popup.get_by_role("button", name="Continue as reader").click()
    popup.wait_for_event("close")
    frame.get_by_text("Commenting as").wait_for()
    assert frame.locator("#embed-name").inner_text() == "reader"
    # The frame holds no cookie: its login is the token it was handed.
    assert frame.evaluate("document.cookie") == ""

    frame.get_by_label("Your comment").fill("A reply from the blog's own page")
    frame.get_by_role("button", name="Post comment").click()
    frame.get_by_text("A reply from the blog's own page").wait_for()
    with urllib.request.urlopen(world.forum.url(f"/api/v1/threads/{thread_id}/comments"), timeout=10) as response:
        comments = json.load(response)["comments"]
    # On the main site, as the reader.
    assert comments[-1]["author"] == "reader"
    assert "A reply from the blog" in comments[-1]["body_html"]

    # Reply in place, nested under the comment it answers.
    frame.locator(f"#c{first} .reply-link").first.click()
    frame.locator(f"#c{first} form.reply-form textarea").fill("Nested, from the widget")
    frame.locator(f"#c{first} form.reply-form button[type=submit]").click()
    frame.locator(f"#c{first} > ol.replies").get_by_text("Nested, from the widget").wait_for()
    # The socket can bring the reply before the post's own answer, which then
    # closes the reply form and moves what is below it: wait for that.
    frame.locator("form.reply-form").wait_for(state="detached")

    # Flag in place: the third party's comment, as may identify a patient.
    frame.locator(f"#c{first} > .comment-body .flag-action a").click()
    frame.get_by_label("Why should a moderator look at this comment?").select_option("patient_information")
    frame.locator(f"#c{first} form.flag-form").get_by_role("button", name="Flag").click()
    frame.get_by_text("Thank you: a moderator will look at that comment.").wait_for()
    with urllib.request.urlopen(urllib.request.Request(world.forum.url("/api/v1/mod/queue"),
                                                       headers={"Authorization": f"Bearer {world.mod_token}"}), timeout=10) as response:
        flagged = [item for item in json.load(response)["items"] if item.get("target_id") == first]
    assert flagged, "the flag did not reach the review queue"

    # Log out in the frame: back to "Log in to reply", and the session is over.
    frame.get_by_role("button", name="Log out").click()
    frame.get_by_role("link", name="Log in to reply").wait_for()
    assert not frame.locator("#comment-form").is_visible()
    assert tab.errors == []


def test_a_site_that_is_not_allowed_sees_a_refusal_and_no_thread_is_made(world: World, tab: Any):
    title = "Not allowed here"
    url = world.elsewhere.page("post.html", snippet(world, f"{world.elsewhere.origin}/post.html", title=title))
    tab.goto(url)
    frame = frame_of(tab)
    frame.get_by_text("is not allowed to embed discussions from this forum").wait_for()
    assert threads_titled(world, title) == []
    # The blog cannot make threads for another site's pages either.
    url = world.blog.page("borrowed.html", snippet(world, f"{world.elsewhere.origin}/post.html", title=title))
    tab.goto(url)
    frame_of(tab).get_by_text("is not allowed to embed").wait_for()
    assert threads_titled(world, title) == []


def test_counts_on_a_listing_page_match_the_threads(world: World, tab: Any):
    discussed = f"{world.blog.origin}/discussed.html"
    world.blog.page("discussed.html", snippet(world, discussed, title="Counted post"))
    tab.goto(discussed)
    frame_of(tab).get_by_text("0 comments").wait_for()
    [thread_id] = threads_titled(world, "Counted post")
    api_comment(world, thread_id, "one")
    api_comment(world, thread_id, "two")
    listing = world.blog.page(
        "index.html",
        f'<ul><li><a href="/discussed.html">Discussed</a> <span data-forum-count-url="{discussed}">…</span></li>'
        f'<li><a href="/quiet.html">Quiet</a> <span data-forum-count-url="{world.blog.origin}/quiet.html">…</span></li></ul>'
        f'<script src="{world.forum.url("/static/count.js")}" async></script>',
    )
    tab.goto(listing)
    tab.wait_for_function("() => document.querySelectorAll('[data-forum-count]').length === 2")
    texts = tab.locator("[data-forum-count-url]").all_inner_texts()
    assert texts == ["2 comments", "0 comments"]
    assert tab.errors == []


def _contrast_script() -> str:
    return """() => {
      function rgb(s) { const m = s.match(/[\\d.]+/g).map(Number); return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1}; }
      function lum(c) { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
        return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); }
      function background(el) { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor); if (c.a > 0) return c; }
        return {r: 255, g: 255, b: 255, a: 1}; }
      const out = [];
      for (const sel of ['body', '.meta', '.comment .text p', 'a.embed-title', '.embed-where', '#embed-login', '.hint', '#comments-heading', 'textarea', '.embed-foot a']) {
        const el = document.querySelector(sel); if (!el) continue;
        const fg = rgb(getComputedStyle(el).color), bg = background(el);
        const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
        out.push([sel, (hi + 0.05) / (lo + 0.05)]);
      }
      return out;
    }"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_two_widgets_on_one_page_each_get_their_thread_and_both_themes_meet_aa_contrast(world: World, tab: Any, theme: str):
    first, second = f"{world.blog.origin}/two-a-{theme}.html", f"{world.blog.origin}/two-b-{theme}.html"
    page = world.blog.page(
        f"two-{theme}.html",
        f'<div class="forum-thread" data-url="{first}" data-title="First of two ({theme})" data-theme="{theme}"></div>'
        f'<div class="forum-thread" data-url="{second}" data-title="Second of two ({theme})" data-theme="{theme}"></div>'
        f'<script src="{world.forum.url("/static/embed.js")}" async></script>',
    )
    tab.goto(page)
    tab.wait_for_function("() => document.querySelectorAll('.forum-thread iframe').length === 2")
    frames = [h.content_frame() for h in tab.query_selector_all(".forum-thread iframe")]
    for frame, title in zip(frames, (f"First of two ({theme})", f"Second of two ({theme})")):
        frame.get_by_role("link", name=title).wait_for()
    [thread_id] = threads_titled(world, f"First of two ({theme})")
    api_comment(world, thread_id, f"A comment to measure ({theme})")
    frames[0].get_by_text(f"A comment to measure ({theme})").wait_for()
    assert frames[1].get_by_text(f"A comment to measure ({theme})").count() == 0
    for frame in frames:
        ratios = frame.evaluate(_contrast_script())
        assert ratios, "nothing was measured"
        low = [(selector, round(ratio, 2)) for selector, ratio in ratios if ratio < 4.5]
        assert low == [], f"{theme}: below WCAG AA 4.5:1: {low}"
    assert tab.errors == []
