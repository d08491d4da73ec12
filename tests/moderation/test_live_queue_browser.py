"""The review queue, live, in real browsers: two moderators with /mod/queue open
against `forum serve` (SQLite and PostgreSQL). A new member's held comment
appears on both pages without a reload; when one moderator approves it from
their page, it leaves the other's, with a note saying who dealt with it. After
a dropped connection the list is fetched again, so an item the socket never
announced still shows.

Same browser and server as tests/live/test_live_browser.py: Chromium at
/usr/bin/chromium, skipped without it except under CI=true, where these tests
fail instead.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from forum.accounts.models import User
from forum.accounts.services import create_api_token, register
from forum.boards.services import create_thread
from forum.comments.services import create_comment
from forum.db import Database
from forum.moderation.policy import Policy
from forum.moderation.words import add_watched_word
from forum.types import Role
from tests.browser_server import LiveServer
from tests.conftest import PASSWORD
from tests.test_browser import TIMEOUT_MS, Visit
from tests.test_browser import browser, server  # noqa: F401  (fixtures)

MARK = "window.forumTestMark"

# Keeps every socket the page opens and the type of every frame it receives.
RECORD_SOCKETS = """
window.forumTestSockets = [];
window.forumTestFrames = [];
window.WebSocket = class extends window.WebSocket {
  constructor(...args) {
    super(...args);
    window.forumTestSockets.push(this);
    this.addEventListener("message", (event) => window.forumTestFrames.push(JSON.parse(event.data).type));
  }
};
"""


@dataclass(frozen=True)
class Scene:
    thread_id: int
    moderators: tuple[str, str]
    newcomer: str
    newcomer_token: str
    hold_word: str


def _scene(server: LiveServer, prefix: str) -> Scene:
    """Two moderators, a new (untrusted) member with an API token, and a thread."""
    db = Database(server.database_url)
    try:
        with db.write() as session:
            host = register(session, email=f"{prefix}.host@example.org", name=f"{prefix}.host", password=PASSWORD, trusted=True)
            mods = tuple(
                register(session, email=f"{prefix}.{n}@example.org", name=f"{prefix}.{n}", password=PASSWORD, role=Role.MODERATOR, trusted=True).email
                for n in ("mod1", "mod2")
            )
            newcomer = register(session, email=f"{prefix}.new@example.org", name=f"{prefix}.new", password=PASSWORD)
            token = create_api_token(session, user=newcomer)
            thread = create_thread(session, author=host, board_slug="harness", title=f"Queue ({prefix})", body="x")
            # The shared browser server publishes new accounts' posts at once; a
            # watched word of this scene's own holds the newcomer's comments instead.
            add_watched_word(session, moderator=host, pattern=f"{prefix}hold", action="hold")
            return Scene(thread.id, mods, newcomer.name, token, f"{prefix}hold")  # type: ignore[arg-type]
    finally:
        db.dispose()


def _held_comment(server: LiveServer, scene: Scene, body: str) -> int:
    request = urllib.request.Request(
        server.url(f"/api/v1/threads/{scene.thread_id}/comments"),
        data=json.dumps({"body": f"{body} ({scene.hold_word})"}).encode(),
        headers={"Authorization": f"Bearer {scene.newcomer_token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 202
        answer = json.load(response)
        assert answer["status"] == "held"
        return int(answer["id"])


def _wait_until(page: Any, expression: str) -> None:
    """Poll from outside the page: its CSP refuses the eval that wait_for_function uses."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false: {expression}"
        page.wait_for_timeout(50)


def _open_queue(visit: Visit, email: str) -> None:
    """Log in, land on /mod/queue, wait until its socket said hello, and mark the page."""
    page = visit.page
    page.add_init_script(RECORD_SOCKETS)
    page.goto("/login?next=/mod/queue")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/mod/queue$"))
    _wait_until(page, "window.forumTestFrames.includes('hello')")
    page.evaluate(f"{MARK} = true")


def _item(page: Any, comment_id: int) -> Any:
    """The queue item of a comment, found by its link to the comment."""
    return page.locator("#queue > li[data-item]").filter(has=page.locator(f'a[href$="#c{comment_id}"]'))


def _not_reloaded(visit: Visit) -> bool:
    return visit.page.evaluate(f"{MARK} === true")


def _no_errors(*visits: Visit) -> None:
    for visit in visits:
        assert visit.errors == [], "the browser reported errors:\n" + "\n".join(visit.errors)


def test_a_held_comment_appears_on_every_open_queue_and_leaves_when_one_moderator_approves_it(browser: Any, server: LiveServer) -> None:  # noqa: F811
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    scene = _scene(server, "q1")
    first = Visit(browser, server, javascript=True)
    second = Visit(browser, server, javascript=True)
    try:
        _open_queue(first, scene.moderators[0])
        _open_queue(second, scene.moderators[1])
        one, two = first.page, second.page

        comment_id = _held_comment(server, scene, "My first post here: we *film* ward rounds.")
        for page in (one, two):
            item = _item(page, comment_id)
            expect(item).to_have_count(1)
            expect(item.locator(".text em")).to_have_text("film")
            expect(item.locator(".author")).to_have_text(scene.newcomer)
            expect(page.get_by_role("status").filter(has_text=f"New in the queue: Comment by {scene.newcomer}")).to_have_count(1)
        # Newest first: a second one goes on top.
        later = _held_comment(server, scene, "And a second one.")
        for page in (one, two):
            expect(page.locator("#queue > li[data-item]")).to_have_count(2)
            expect(page.locator("#queue > li[data-item]").first.locator(f'a[href$="#c{later}"]')).to_have_count(1)
        assert _not_reloaded(first) and _not_reloaded(second), "a page reloaded"

        # The first moderator approves from their page (an ordinary form post);
        # the second moderator's page drops the item and says who dealt with it.
        _item(one, comment_id).get_by_role("button", name="Approve").click()
        one.wait_for_url(re.compile(r"/mod/queue$"))
        expect(_item(one, comment_id)).to_have_count(0)
        expect(_item(two, comment_id)).to_have_count(0)
        expect(_item(two, later)).to_have_count(1)
        expect(two.get_by_role("status")).to_have_text(
            f"Comment by {scene.newcomer}: dealt with by {scene.moderators[0].split('@')[0]} (approved).")
        assert _not_reloaded(second), "the other moderator's page reloaded"

        # The forms of a pushed item work: the second moderator approves the other one.
        _item(two, later).get_by_role("button", name="Approve").click()
        two.wait_for_url(re.compile(r"/mod/queue$"))
        expect(two.locator("#queue > li[data-item]")).to_have_count(0)
        expect(two.locator("#queue-empty")).to_be_visible()
        expect(one.locator("#queue > li[data-item]")).to_have_count(0)
        expect(one.locator("#queue-empty")).to_be_visible()
        _no_errors(first, second)
    finally:
        first.close()
        second.close()


def test_after_a_dropped_connection_the_list_is_fetched_again(browser: Any, server: LiveServer) -> None:  # noqa: F811
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    scene = _scene(server, "q2")
    visit = Visit(browser, server, javascript=True)
    try:
        _open_queue(visit, scene.moderators[0])
        page = visit.page
        # Written from outside the server (this test's own Database has no hub):
        # no notice is sent, so only a fetch of the list can show it.
        db = Database(server.database_url)
        try:
            with db.write() as session:
                newcomer = session.scalar(select(User).where(User.name == scene.newcomer))
                quiet = create_comment(session, author=newcomer, thread_id=scene.thread_id, body="Nobody was told.", policy=Policy()).id
        finally:
            db.dispose()
        page.evaluate("window.forumTestSockets.at(-1).close(4000)")
        _wait_until(page, "window.forumTestSockets.length === 2 && window.forumTestFrames.lastIndexOf('hello') > 0")
        expect(_item(page, quiet)).to_have_count(1)
        expect(_item(page, quiet).locator(".text")).to_have_text("Nobody was told.")
        assert _not_reloaded(visit), "the page reloaded"
        _no_errors(visit)
    finally:
        visit.close()
