"""A live convening in real browsers: two participants on the thread page while the host
releases questions through the API. Each question appears pinned at the top of both pages
without a reload; an answer posted from one page arrives in the other tied to its question;
the end takes the pin away. Same browser and servers as tests/live/test_live_browser.py."""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import timedelta
from typing import Any

from forum.db import Database, utcnow
from forum.types import Role
from tests.browser_server import LiveServer
from tests.conftest import PASSWORD
from tests.test_browser import Visit
from tests.test_browser import browser, server  # noqa: F401  (fixtures)


def _setup(server: LiveServer) -> tuple[int, str, list[str]]:
    """A thread on Rally, its host's API token, and two participants' emails."""
    from forum.accounts.services import create_api_token, register
    from forum.boards.services import create_thread

    db = Database(server.database_url)
    try:
        with db.write() as session:
            host = register(session, email="host@example.org", name="host", password=PASSWORD, role=Role.MODERATOR, trusted=True)
            token = create_api_token(session, user=host)
            emails = []
            for name in ("ana.rally", "bo.rally"):
                emails.append(register(session, email=f"{name}@example.org", name=name, password=PASSWORD, trusted=True).email)
            thread = create_thread(session, author=host, board_slug="rally", title="Monthly huddle", body="Bring your questions.")
            return thread.id, token, emails  # type: ignore[return-value]
    finally:
        db.dispose()


def _api(server: LiveServer, token: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(server.url(path), data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _participant(browser: Any, server: LiveServer, email: str, thread_id: int) -> Visit:
    visit = Visit(browser, server, javascript=True)
    page = visit.page
    page.goto(f"/login?next=/t/{thread_id}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(rf"/t/{thread_id}$"))
    page.locator("#live-status[data-state='live']").wait_for()
    return visit


def test_two_participants_follow_a_live_convening_as_the_host_releases_questions(browser: Any, server: LiveServer) -> None:  # noqa: F811
    thread_id, token, (ana_email, bo_email) = _setup(server)
    now = utcnow()
    convening = _api(server, token, f"/api/v1/threads/{thread_id}/convenings", {
        "title": "Huddle on discharge letters",
        "starts_at": (now - timedelta(minutes=1)).isoformat(),
        "ends_at": (now + timedelta(hours=1)).isoformat(),
        "questions": ["What goes into a good discharge letter?", "Who reads it first?"],
    })
    ana = _participant(browser, server, ana_email, thread_id)
    bo = _participant(browser, server, bo_email, thread_id)
    try:
        _api(server, token, f"/api/v1/convenings/{convening['id']}/release", {"question": 1})
        for visit in (ana, bo):
            visit.page.locator("#convening-pinned").get_by_text("T1. What goes into a good discharge letter?").wait_for()
        ana.page.get_by_label("Your comment").fill("A plain-language summary first, then the medication changes.")
        ana.page.get_by_role("button", name="Post comment").click()
        answer = bo.page.locator("li.comment", has_text="A plain-language summary first")
        answer.wait_for()
        assert answer.locator(".answer-to").inner_text() == "T1"

        _api(server, token, f"/api/v1/convenings/{convening['id']}/release", {"question": 2})
        for visit in (ana, bo):
            visit.page.locator("#convening-pinned").get_by_text("T2. Who reads it first?").wait_for()
        _api(server, token, f"/api/v1/convenings/{convening['id']}/end", {})
        for visit in (ana, bo):
            visit.page.locator("#convening-pinned").wait_for(state="hidden")
        assert ana.errors == [] and bo.errors == []
    finally:
        ana.close()
        bo.close()
