"""What a reader sees of convenings: iCalendar events parsed back, the pages,
the schedule form, and the live frame on the thread's socket."""

from __future__ import annotations

import json
from datetime import timedelta

from icalendar import Calendar
from starlette.testclient import TestClient

from tests.conftest import form_post, log_in
from tests.rally.conftest import START, bearer, schedule


def _events(body: bytes) -> list:
    calendar = Calendar.from_ical(body)
    return [c for c in calendar.walk("VEVENT")]


def test_a_convening_ics_parses_back_and_its_sequence_grows_with_each_update(client, mod_token, thread_id, clock):
    convening_id = schedule(client, mod_token, thread_id).json()["id"]
    response = client.get(f"/c/{convening_id}.ics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    [event] = _events(response.content)
    assert str(event["summary"]) == "Night-shift chat"
    assert event["dtstart"].dt == START and event["dtend"].dt == START + timedelta(hours=1)
    assert event["dtstart"].dt.tzinfo is not None and event["dtstart"].dt.utcoffset() == timedelta(0)
    assert str(event["url"]) == f"http://testserver/c/{convening_id}"
    assert "T1. What does burnout look like on your unit?" in str(event["description"])
    assert "dtstamp" in event and int(event["sequence"]) == 0
    uid = str(event["uid"])

    clock.now = START + timedelta(minutes=2)
    client.post(f"/api/v1/convenings/{convening_id}/release", json={"question": 1}, headers=bearer(mod_token))
    clock.advance(minutes=20)
    client.post(f"/api/v1/convenings/{convening_id}/end", headers=bearer(mod_token))
    [updated] = _events(client.get(f"/c/{convening_id}.ics").content)
    assert str(updated["uid"]) == uid and int(updated["sequence"]) == 2
    assert updated["last-modified"].dt == START + timedelta(minutes=22)
    assert updated["dtend"].dt == START + timedelta(minutes=22)


def test_the_rally_calendar_holds_every_convening_in_start_order(client, mod_token, thread_id, clock):
    later = schedule(client, mod_token, thread_id, title="Second chat", starts_at="2026-03-11T17:00:00Z",
                     ends_at="2026-03-11T18:00:00Z").json()["id"]
    first = schedule(client, mod_token, thread_id).json()["id"]
    response = client.get("/b/rally/calendar.ics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["version"]) == "2.0" and "prodid" in calendar
    events = _events(response.content)
    assert [str(e["summary"]) for e in events] == ["Night-shift chat", "Second chat"]
    assert [str(e["uid"]) for e in events] == [f"convening-{first}@testserver", f"convening-{later}@testserver"]


def test_the_convening_page_names_utc_offers_rsvp_and_hides_host_controls_from_members(client, mod_token, thread_id, clock):
    from tests.conftest import register

    convening_id = schedule(client, mod_token, thread_id).json()["id"]
    anonymous = client.get(f"/c/{convening_id}")
    assert anonymous.status_code == 200
    assert '<time datetime="2026-03-04T17:00:00Z" data-local>Wed 4 Mar 2026, 17:00 UTC</time>' in anonymous.text
    assert "Log in</a> to RSVP" in anonymous.text and "Upcoming" in anonymous.text
    register(client, "cara")
    page = client.get(f"/c/{convening_id}").text
    assert ">RSVP</button>" in page and "Host controls" not in page
    assert form_post(client, f"/c/{convening_id}", f"/c/{convening_id}/rsvp", {"attending": "1"}).status_code == 303
    page = client.get(f"/c/{convening_id}").text
    assert "1 RSVP" in page and "Cancel my RSVP" in page
    assert form_post(client, f"/c/{convening_id}", f"/c/{convening_id}/rsvp", {"attending": "0"}).status_code == 303
    assert "0 RSVPs" in client.get(f"/c/{convening_id}").text
    # A member's forged host action is refused.
    clock.now = START
    refused = form_post(client, f"/c/{convening_id}", f"/c/{convening_id}/end", {})
    assert refused.status_code == 403 and "Only the convening&#39;s hosts" in refused.text


def test_an_anonymous_readers_cached_thread_page_follows_the_clock_from_upcoming_to_live_to_past(client, mod_token, thread_id, clock):
    schedule(client, mod_token, thread_id)
    anonymous = TestClient(client.app)
    url = f"/t/{thread_id}"

    def state() -> str:
        page = anonymous.get(url).text
        [found] = [s for s in ("upcoming", "live", "ended") if f"convening-row convening-{s}" in page]
        return found

    assert state() == "upcoming" and state() == "upcoming"  # the second from the cache
    assert client.app.state.thread_cache.fresh_page(thread_id, clock()) is not None
    clock.now = START  # no write: only the clock moved
    assert state() == "live" and state() == "live"
    clock.now = START + timedelta(hours=1)
    assert state() == "ended" and state() == "ended"
    # A page with nothing left for the clock to change is kept as long as any other.
    clock.advance(days=400)
    assert client.app.state.thread_cache.fresh_page(thread_id, clock()) is not None


def test_a_moderator_schedules_from_the_thread_and_runs_it_from_the_page(client, db, thread_id, clock):
    from forum.accounts.services import register as register_user
    from forum.types import Role
    from tests.conftest import PASSWORD

    with db.write() as session:
        register_user(session, email="mo@example.org", name="mo", password=PASSWORD, role=Role.MODERATOR, trusted=True)
    log_in(client, "mo@example.org")
    assert 'href="/t/%d/convene"' % thread_id in client.get(f"/t/{thread_id}").text
    bad = form_post(client, f"/t/{thread_id}/convene", f"/t/{thread_id}/convene", {
        "title": "Chat", "starts_at": "2026-03-04 17:00", "ends_at": "2026-03-04T18:00:00Z", "questions": "One?"})
    assert bad.status_code == 422 and "time zone" in bad.text and 'value="Chat"' in bad.text
    made = form_post(client, f"/t/{thread_id}/convene", f"/t/{thread_id}/convene", {
        "title": "Night-shift chat", "starts_at": "2026-03-04T12:00:00-05:00", "ends_at": "2026-03-04T18:00:00Z",
        "questions": "What does burnout look like?\n\nWhat has helped?\n", "description": "", "hosts": ""})
    assert made.status_code == 303
    convening_url = made.headers["location"]
    assert "Upcoming" in client.get("/b/rally").text and "Night-shift chat" in client.get("/b/rally").text

    clock.now = START + timedelta(minutes=1)
    page = client.get(convening_url).text
    assert "Host controls" in page and "Release T1" in page and "Live now" in page
    assert form_post(client, convening_url, convening_url + "/release", {"question": "1"}).status_code == 303
    assert form_post(client, convening_url, convening_url + "/slow", {"seconds": "45"}).status_code == 303
    thread_page = client.get(f"/t/{thread_id}").text
    assert 'id="convening-pinned"' in thread_page and "<b>T1.</b> What does burnout look like?" in thread_page
    assert "one post every 45 seconds" in thread_page
    assert '<select id="comment-question" name="question">' in thread_page
    board = client.get("/b/rally").text
    assert board.index("Live now") < board.index("Night-shift chat") < board.index("Upcoming")

    assert form_post(client, convening_url, convening_url + "/end", {}).status_code == 303
    assert "Archive" in client.get(convening_url).text
    board = client.get("/b/rally").text
    assert board.index("Past") < board.index("Night-shift chat")


def test_a_member_cannot_open_the_schedule_form(client, thread_id, clock):
    from tests.conftest import register

    register(client, "cara")
    assert client.get(f"/t/{thread_id}/convene").status_code == 403
    assert "/convene" not in client.get(f"/t/{thread_id}").text


def _frames(ws, kind: str) -> dict:
    while True:
        frame = json.loads(ws.receive_text())
        if frame["type"] == kind:
            return frame


def test_releasing_and_ending_reach_every_viewer_of_the_thread_live(app, db, mod_token, token, thread_id, clock):
    with TestClient(app, base_url="http://testserver") as live:
        convening_id = schedule(live, mod_token, thread_id).json()["id"]
        clock.now = START
        with live.websocket_connect(f"/ws/threads/{thread_id}", headers=bearer(token)) as first, \
                live.websocket_connect(f"/ws/threads/{thread_id}") as second:
            _frames(first, "presence")
            _frames(second, "presence")
            live.post(f"/api/v1/convenings/{convening_id}/release", json={"question": 2}, headers=bearer(mod_token))
            for ws in (first, second):
                frame = _frames(ws, "convening")
                assert frame["id"] == convening_id and frame["state"] == "live"
                assert frame["current_question"] == {"number": 2, "text": "What has helped?"}
            first.send_text(json.dumps({"type": "comment", "body": "From the socket"}))
            assert _frames(first, "posted")["id"]
            assert _frames(second, "comment")["comment"]["question"] == 2
            live.post(f"/api/v1/convenings/{convening_id}/end", headers=bearer(mod_token))
            ended = _frames(second, "convening")
            assert ended["state"] == "ended" and ended["current_question"] is None


def test_slow_mode_refuses_a_socket_post_with_retry_after(app, db, mod_token, thread_id, clock):
    from forum.accounts.services import create_api_token, register as register_user
    from tests.conftest import PASSWORD

    with db.write() as session:
        user = register_user(session, email="dee@example.org", name="dee", password=PASSWORD, trusted=True)
        dee = create_api_token(session, user=user)
    with TestClient(app, base_url="http://testserver") as live:
        convening_id = schedule(live, mod_token, thread_id).json()["id"]
        clock.now = START
        live.post(f"/api/v1/convenings/{convening_id}/slow", json={"seconds": 30}, headers=bearer(mod_token))
        with live.websocket_connect(f"/ws/threads/{thread_id}", headers=bearer(dee)) as ws:
            ws.send_text(json.dumps({"type": "comment", "body": "One"}))
            assert _frames(ws, "posted")["id"]
            ws.send_text(json.dumps({"type": "comment", "body": "Two"}))
            error = _frames(ws, "error")
    assert error["code"] == "rate_limited" and error["retry_after"] == 30 and "Slow mode" in error["message"]
