"""End to end in a real browser: a newcomer registers, starts a thread, comments,
replies, edits and deletes, against `forum serve` on SQLite and on PostgreSQL,
once with JavaScript off (the hospital desktop) and once with it on.

Chromium is Debian's, at /usr/bin/chromium (or FORUM_TEST_CHROMIUM). Without it
these tests are skipped, except under CI=true (or FORUM_REQUIRE_SERVICES=1), where
they fail instead. Screenshots of the thread page go to FORUM_TEST_SCREENSHOTS
when it is set, otherwise to the test's temporary folder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from forum.db import Database
from tests.browser_server import LiveServer, live_server
from tests.conftest import PASSWORD, _truncate_postgres, services_required

CHROMIUM = Path(os.environ.get("FORUM_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BOARDS = ["Showcase", "Harness", "Arm", "Rally", "Educate"]
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000


def _unavailable(message: str) -> None:
    if services_required():
        pytest.fail(message + " (required under CI)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        _unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp(f"server-{request.param}")
    if request.param == "sqlite":
        database_url = f"sqlite:///{workdir / 'forum.db'}"
    else:
        database_url = request.getfixturevalue("postgres_url")
    try:
        with live_server(database_url, workdir) as running:
            yield running
    except RuntimeError as exc:
        pytest.fail(str(exc))
    finally:
        if request.param == "postgresql":
            # The database is shared with the rest of the run, whose tests expect it empty.
            db = Database(database_url)
            try:
                _truncate_postgres(db)
            finally:
                db.dispose()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("FORUM_TEST_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Visit:
    """One browser context (its own cookies), with every console error and uncaught
    exception kept, so that a CSP violation or a broken script fails the test."""

    def __init__(self, browser: Any, server: LiveServer, *, javascript: bool) -> None:
        self.server = server
        self.context = browser.new_context(java_script_enabled=javascript, viewport=DESKTOP, base_url=server.base_url)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            where = message.location.get("url") or self.page.url
            self.errors.append(f"{message.text} ({where})")

    def close(self) -> None:
        self.context.close()


def server_kind(server: LiveServer) -> str:
    return "postgresql" if server.database_url.startswith("postgresql") else "sqlite"


def _thread_id(url: str) -> int:
    match = re.search(r"/t/(\d+)", url)
    assert match, f"not a thread page: {url}"
    return int(match.group(1))


def _comment_id(url: str) -> int:
    match = re.search(r"#c(\d+)$", url)
    assert match, f"the page did not point at the new comment: {url}"
    return int(match.group(1))


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_a_newcomer_registers_starts_a_thread_and_holds_a_conversation(
    browser: Any, server: LiveServer, javascript: bool, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    visit = Visit(browser, server, javascript=javascript)
    page = visit.page
    mode = "js" if javascript else "nojs"
    name = f"{mode}.reader"
    board = "Educate" if javascript else "Showcase"
    try:
        # Register through the form; the site lands us on the home page, logged in.
        page.goto("/register")
        page.get_by_label("Email").fill(f"{name}@example.org")
        page.get_by_label("Display name").fill(name)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        page.wait_for_url(server.url("/"))
        expect(page.locator("header.site .account")).to_contain_text(name)
        expect(page.locator("header.site .account")).to_contain_text("Log out")

        # The five pillars are listed; open one.
        expect(page.locator(".boards h2 a")).to_have_text(BOARDS)
        page.get_by_role("link", name=board, exact=True).click()
        page.wait_for_url(server.url(f"/b/{board.lower()}"))
        expect(page.get_by_role("heading", level=1)).to_have_text(board)

        # Start a thread with a Markdown body; it is rendered on its own page.
        page.get_by_role("link", name=f"Start a thread on {board}").click()
        title = f"Teaching residents to post ({mode})"
        page.get_by_label("Title").fill(title)
        page.get_by_label("Body").fill("What **works** for you?\n\n- short videos\n- a [style guide](https://example.org/guide)\n")
        page.get_by_role("button", name="Start thread").click()
        page.wait_for_url(re.compile(r"/t/\d+/"))
        thread_id = _thread_id(page.url)
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        body = page.locator("article.thread .body")
        expect(body.locator("strong")).to_have_text("works")
        expect(body.locator("li")).to_have_text(["short videos", "a style guide"])
        expect(body.get_by_role("link", name="style guide")).to_have_attribute("href", "https://example.org/guide")

        # Comment.
        page.get_by_label("Your comment").fill("We record *two-minute* clips.")
        page.get_by_role("button", name="Post comment").click()
        page.wait_for_url(re.compile(rf"/t/{thread_id}#c\d+$"))
        parent_id = _comment_id(page.url)
        parent = page.locator(f"#c{parent_id}")
        expect(parent.locator(":scope > .comment-body .text em")).to_have_text("two-minute")
        expect(page.locator("#comments-heading")).to_have_text("1 comment")

        # Reply: without JavaScript through the reply page, with it in place.
        parent.locator(":scope > .comment-body").get_by_role("link", name="Reply").click()
        if javascript:
            expect(page).to_have_url(re.compile(rf"/t/{thread_id}(/[^#]*)?(#c{parent_id})?$"))
            form = parent.locator(":scope > .comment-body > form.reply-form")
            expect(form).to_have_count(1)
            expect(form.locator('input[name="parent_id"]')).to_have_value(str(parent_id))
            expect(form.get_by_label("Your reply")).to_be_focused()
        else:
            page.wait_for_url(server.url(f"/comments/{parent_id}/reply"))
            expect(page.locator("blockquote.quoted")).to_contain_text("two-minute clips")
        page.get_by_label("Your reply").fill("Same here, with captions.")
        page.get_by_role("button", name="Post reply").click()
        page.wait_for_url(re.compile(rf"/t/{thread_id}#c(?!{parent_id}$)\d+$"))
        reply_id = _comment_id(page.url)

        # The reply sits in the parent's list of replies, not at the top level.
        reply = parent.locator(f":scope > ol.replies > li#c{reply_id}")
        expect(reply).to_have_count(1)
        expect(reply.locator(".text")).to_have_text("Same here, with captions.")
        expect(page.locator(f"#comments > li#c{reply_id}")).to_have_count(0)
        expect(page.locator("#comments-heading")).to_have_text("2 comments")

        # The thread as a phone and a desktop show it.
        for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(viewport)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"the thread page scrolls sideways on a {label}: {width}px wide"
            page.screenshot(path=str(screenshots / f"thread-{mode}-{server_kind(server)}-{label}.png"), full_page=True)

        # Edit the comment: the new text shows, marked "edited".
        actions = parent.locator(":scope > .comment-body > .comment-actions")
        actions.get_by_role("link", name="Edit").click()
        page.wait_for_url(server.url(f"/comments/{parent_id}/edit"))
        page.get_by_label("Comment").fill("We record *three-minute* clips.")
        page.get_by_role("button", name="Save changes").click()
        page.wait_for_url(re.compile(rf"/t/{thread_id}#c{parent_id}$"))
        expect(parent.locator(":scope > .comment-body .text")).to_have_text("We record three-minute clips.")
        expect(parent.locator(":scope > .comment-body .edited")).to_have_text("edited")

        # Delete it: a placeholder stays, and so does the reply beneath it.
        actions.get_by_role("link", name="Delete").click()
        page.wait_for_url(server.url(f"/comments/{parent_id}/delete"))
        page.get_by_role("button", name="Delete comment").click()
        page.wait_for_url(re.compile(rf"/t/{thread_id}#c{parent_id}$"))
        expect(parent.locator(":scope > .comment-body .placeholder")).to_have_text("Comment removed.")
        expect(parent.locator(":scope > .comment-body")).not_to_contain_text("three-minute")
        expect(reply.locator(".text")).to_have_text("Same here, with captions.")

        assert visit.errors == [], "the browser reported errors:\n" + "\n".join(visit.errors)
    finally:
        visit.close()

