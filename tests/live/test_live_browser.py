"""A live thread in real browsers: a member and an anonymous reader on the same
thread page, against `forum serve` on SQLite and on PostgreSQL. What one posts
(through the page's form, over the socket) or a third party posts (through the
JSON API), edits or deletes, the others see without reloading, exactly once,
in its place. A reader scrolled up is not moved: new comments wait behind a
button. A dropped connection comes back and resumes from the last comment seen.

Same browser and server as tests/test_browser.py (which also covers the thread
page with JavaScript off): Chromium at /usr/bin/chromium, skipped without it
except under CI=true, where these tests fail instead.
"""

from __future__ import annotations

import json
import re
import urllib.request
from dataclasses import dataclass
from typing import Any

from forum.db import Database
from tests.browser_server import LiveServer
from tests.conftest import PASSWORD
from tests.test_browser import TIMEOUT_MS, Visit
from tests.test_browser import browser, server  # noqa: F401  (fixtures)

MARK = "window.forumTestMark"


@dataclass(frozen=True)
class Scene:
    thread_id: int
    member_email: str
    third_party_token: str
    third_party_name: str


def _scene(server: LiveServer, prefix: str, *, paragraphs: int = 1) -> Scene:
    """A member, a third party with an API token, and a thread, written straight to
    the database before any page of the thread is open."""
    from forum.accounts.services import create_api_token, register
    from forum.boards.services import create_thread

    body = "\n\n".join(f"Paragraph {n}: what do your residents post, and where?" for n in range(1, paragraphs + 1))
    db = Database(server.database_url)
    try:
        with db.write() as session:
            member = register(session, email=f"{prefix}.member@example.org", name=f"{prefix}.member", password=PASSWORD, trusted=True)
            third = register(session, email=f"{prefix}.third@example.org", name=f"{prefix}.third", password=PASSWORD, trusted=True)
            token = create_api_token(session, user=third)
            thread = create_thread(session, author=member, board_slug="rally", title=f"Live thread ({prefix})", body=body)
            return Scene(thread.id, member.email, token, third.name)  # type: ignore[arg-type]
    finally:
        db.dispose()


def _api_comment(server: LiveServer, scene: Scene, body: str, parent_id: int | None = None) -> int:
    payload: dict[str, Any] = {"body": body}
    if parent_id is not None:
        payload["parent_id"] = parent_id
    request = urllib.request.Request(
        server.url(f"/api/v1/threads/{scene.thread_id}/comments"),
        data=json.dumps(payload).encode(),
        headers={"Authorization": f"Bearer {scene.third_party_token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
        return int(json.load(response)["id"])


def _log_in(visit: Visit, scene: Scene) -> None:
    page = visit.page
    page.goto(f"/login?next=/t/{scene.thread_id}")
    page.get_by_label("Email").fill(scene.member_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(rf"/t/{scene.thread_id}$"))


def _open_live(visit: Visit, path: str | None = None) -> None:
    """Open the thread (unless already there), wait until it is live, and mark
    the page: a reload would lose the mark."""
    from playwright.sync_api import expect

    if path is not None:
        visit.page.goto(path)
    expect(visit.page.locator("#live-state")).to_have_text("Live")
    visit.page.evaluate(f"{MARK} = true")


def _not_reloaded(visit: Visit) -> bool:
    return visit.page.evaluate(f"{MARK} === true")


def _comment_id(url: str) -> int:
    match = re.search(r"#c(\d+)$", url)
    assert match, f"the address does not name the new comment: {url}"
    return int(match.group(1))


def _no_errors(*visits: Visit) -> None:
    for visit in visits:
        assert visit.errors == [], "the browser reported errors:\n" + "\n".join(visit.errors)


def test_comments_replies_edits_and_removals_reach_every_open_page_once_without_reload(browser: Any, server: LiveServer) -> None:  # noqa: F811
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    scene = _scene(server, "live")
    member = Visit(browser, server, javascript=True)
    reader = Visit(browser, server, javascript=True)
    try:
        _log_in(member, scene)
        _open_live(member)
        _open_live(reader, f"/t/{scene.thread_id}")
        m, r = member.page, reader.page

        # Both are counted, once the server's debounced count comes round.
        expect(r.locator("#live-viewers")).to_have_text("2 viewers")
        expect(m.locator("#live-viewers")).to_have_text("2 viewers")

        # The member writes: the reader is told someone is typing.
        m.get_by_label("Your comment").fill("We film *two-minute* clips on the ward.")
        expect(r.locator("#live-typing")).to_have_text("Someone is typing…")

        # It is posted over the socket: the member's page does not reload, the
        # form is emptied, and the address names the new comment.
        m.get_by_role("button", name="Post comment").click()
        m.wait_for_url(re.compile(rf"/t/{scene.thread_id}#c\d+$"))
        first = _comment_id(m.url)
        expect(m.get_by_label("Your comment")).to_have_value("")
        for page in (m, r):
            expect(page.locator(f"#comments > li#c{first} > .comment-body .text em")).to_have_text("two-minute")
            expect(page.locator("#comments-heading")).to_have_text("1 comment")
        expect(r.get_by_role("status").filter(has_text="New comment from live.member")).to_have_count(1)

        # A reply, written in place under the comment, lands under it in the other page.
        m.locator(f"#c{first} > .comment-body").get_by_role("link", name="Reply").click()
        m.get_by_label("Your reply").fill("Captions help on mute.")
        m.get_by_role("button", name="Post reply").click()
        m.wait_for_url(re.compile(rf"/t/{scene.thread_id}#c(?!{first}$)\d+$"))
        reply = _comment_id(m.url)
        expect(m.locator("form.reply-form")).to_have_count(0)
        for page in (m, r):
            expect(page.locator(f"#c{first} > ol.replies > li#c{reply} .text")).to_have_text("Captions help on mute.")
            expect(page.locator(f"#comments > li#c{reply}")).to_have_count(0)
            expect(page.locator("#comments-heading")).to_have_text("2 comments")

        # A third party posts through the JSON API: it appears live on both pages.
        third = _api_comment(server, scene, "From the **API**, for the record.")
        for page in (m, r):
            expect(page.locator(f"#comments > li#c{third} .text strong")).to_have_text("API")
            expect(page.locator("#comments-heading")).to_have_text("3 comments")

        # An empty comment is refused: the server's message shows by the form, the draft stays.
        m.get_by_label("Your comment").fill("   ")
        m.get_by_role("button", name="Post comment").click()
        expect(m.locator("#comment-form .live-error")).to_contain_text("empty")
        expect(m.get_by_label("Your comment")).to_have_value("   ")
        expect(m.get_by_role("button", name="Post comment")).to_be_enabled()

        # Every comment is on each page exactly once.
        for visit in (member, reader):
            for comment_id in (first, reply, third):
                expect(visit.page.locator(f'li.comment[data-id="{comment_id}"]')).to_have_count(1)
            expect(visit.page.locator("li.comment")).to_have_count(3)

        # Edited and then deleted from another tab: the reader's page follows,
        # keeping a placeholder where a reply hangs from the deleted comment.
        tab = member.context.new_page()
        try:
            tab.goto(f"/comments/{first}/edit")
            tab.get_by_label("Comment").fill("We film *three-minute* clips on the ward.")
            tab.get_by_role("button", name="Save changes").click()
            tab.wait_for_url(re.compile(rf"/t/{scene.thread_id}#c{first}$"))
            expect(r.locator(f"#c{first} > .comment-body .text em")).to_have_text("three-minute")
            expect(r.locator(f"#c{first} > .comment-body .edited")).to_have_text("edited")
            expect(r.locator(f"#c{first} > ol.replies > li#c{reply}")).to_have_count(1)

            tab.goto(f"/comments/{first}/delete")
            tab.get_by_role("button", name="Delete comment").click()
            tab.wait_for_url(re.compile(rf"/t/{scene.thread_id}#c{first}$"))
            for page in (m, r):
                expect(page.locator(f"#c{first} > .comment-body .placeholder")).to_have_text("Comment removed.")
                expect(page.locator(f"#c{first} > .comment-body")).not_to_contain_text("three-minute")
                expect(page.locator(f"#c{first} > ol.replies > li#c{reply} .text")).to_have_text("Captions help on mute.")
                expect(page.locator("#comments-heading")).to_have_text("2 comments")

            # The reply goes too: nothing hangs from the placeholder any more, so it goes as well.
            tab.goto(f"/comments/{reply}/delete")
            tab.get_by_role("button", name="Delete comment").click()
            tab.wait_for_url(re.compile(rf"/t/{scene.thread_id}#c{reply}$"))
            for page in (m, r):
                expect(page.locator(f"#c{reply}")).to_have_count(0)
                expect(page.locator(f"#c{first}")).to_have_count(0)
                expect(page.locator("#comments-heading")).to_have_text("1 comment")
        finally:
            tab.close()

        # After all that, the two pages show what a fresh page shows, and neither reloaded.
        for visit in (member, reader):
            expect(visit.page.locator("li.comment")).to_have_count(1)
            expect(visit.page.locator(f'li.comment[data-id="{third}"]')).to_have_count(1)
            assert _not_reloaded(visit), "the page reloaded"
        fresh = reader.context.new_page()
        try:
            fresh.goto(f"/t/{scene.thread_id}")
            expect(fresh.locator("li.comment")).to_have_count(1)
            expect(fresh.locator("#comments-heading")).to_have_text("1 comment")
        finally:
            fresh.close()
        _no_errors(member, reader)
    finally:
        member.close()
        reader.close()


def test_a_reader_scrolled_up_gets_a_button_instead_of_a_jump(browser: Any, server: LiveServer) -> None:  # noqa: F811
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    scene = _scene(server, "held", paragraphs=30)
    reader = Visit(browser, server, javascript=True)
    try:
        page = reader.page
        page.set_viewport_size({"width": 1280, "height": 500})
        _open_live(reader, f"/t/{scene.thread_id}")
        page.evaluate("window.scrollTo(0, 0)")

        # The end of the comment list is far below: the new comment waits.
        held = _api_comment(server, scene, "Posted while you were reading the article.")
        button = page.get_by_role("button", name="1 new comment")
        expect(button).to_be_visible()
        expect(page.get_by_role("status").filter(has_text=f"New comment from {scene.third_party_name}")).to_have_count(1)
        expect(page.locator(f"#c{held}")).to_have_count(0)
        expect(page.locator("#comments-heading")).to_have_text("1 comment")
        assert page.evaluate("window.scrollY") == 0

        # A reply to it waits with it.
        reply = _api_comment(server, scene, "And a reply to it.", parent_id=held)
        expect(page.get_by_role("button", name="2 new comments")).to_be_visible()

        page.get_by_role("button", name="2 new comments").click()
        expect(page.locator(f"#comments > li#c{held}")).to_be_focused()
        expect(page.locator(f"#comments > li#c{held} > ol.replies > li#c{reply}")).to_have_count(1)
        expect(page.locator(f"#comments > li#c{held}")).to_be_in_viewport()
        expect(page.locator("button.live-new")).to_be_hidden()
        expect(page.locator("li.comment")).to_have_count(2)
        assert _not_reloaded(reader), "the page reloaded"
        _no_errors(reader)
    finally:
        reader.close()


# Keeps every socket the page opens, so that a test can drop one or feed it a frame.
RECORD_SOCKETS = """
window.forumTestSockets = [];
window.WebSocket = class extends window.WebSocket {
  constructor(...args) { super(...args); window.forumTestSockets.push(this); }
};
"""


def test_a_dropped_connection_resumes_from_the_last_comment_and_a_resync_keeps_the_draft(browser: Any, server: LiveServer) -> None:  # noqa: F811
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    scene = _scene(server, "again")
    member = Visit(browser, server, javascript=True)
    try:
        page = member.page
        page.add_init_script(RECORD_SOCKETS)
        _log_in(member, scene)
        _open_live(member)
        seen = _api_comment(server, scene, "Before the connection drops.")
        expect(page.locator(f"#comments > li#c{seen}")).to_have_count(1)
        page.evaluate(f"document.getElementById('c{seen}').dataset.before = 'drop'")

        # The connection drops; a comment is posted meanwhile.
        page.evaluate("window.forumTestSockets.at(-1).close(4000)")
        missed = _api_comment(server, scene, "Posted while the connection was down.")

        # It comes back on its own, asks only for what is after the last comment
        # it saw, and reloads the list (edits and removals are not in the catch-up).
        expect(page.locator("#live-state")).to_have_text("Live")
        expect(page.locator(f"#comments > li#c{missed}")).to_have_count(1)
        urls = page.evaluate("window.forumTestSockets.map(s => s.url)")
        assert len(urls) == 2 and urls[1].endswith(f"/ws/threads/{scene.thread_id}?after={seen}"), urls
        expect(page.locator(f"#c{seen}[data-before]")).to_have_count(0)

        # A resync reloads the list again, without a reload of the page, and
        # a reply being written stays, under its comment, with its text.
        page.locator(f"#c{seen} > .comment-body").get_by_role("link", name="Reply").click()
        page.get_by_label("Your reply").fill("A draft in progress")
        page.evaluate(f"document.getElementById('c{seen}').dataset.before = 'resync'")
        page.evaluate("""window.forumTestSockets.at(-1).dispatchEvent(new MessageEvent("message", {data: '{"type":"resync"}'}))""")
        expect(page.locator(f"#c{seen}[data-before]")).to_have_count(0)
        expect(page.locator(f"#c{seen} > .comment-body > form.reply-form textarea")).to_have_value("A draft in progress")
        for comment_id in (seen, missed):
            expect(page.locator(f'li.comment[data-id="{comment_id}"]')).to_have_count(1)
        expect(page.locator("#comments-heading")).to_have_text("2 comments")
        assert _not_reloaded(member), "the page reloaded"
        _no_errors(member)
    finally:
        member.close()
