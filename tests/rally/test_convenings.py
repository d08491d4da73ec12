"""Convenings end to end through the API, with a fake clock: schedule, RSVP,
go live, release questions, answers tied to them, slow mode, end, permissions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.rally.conftest import QUESTIONS, START, bearer, schedule

PHI = "My patient John Smith, DOB 03/14/1952, called back from (507) 284-2511 about his wound."


def test_a_moderator_schedules_a_convening_stored_in_utc(client, mod_token, token, thread_id, clock):
    response = schedule(client, mod_token, thread_id)
    assert response.status_code == 201, response.text
    created = response.json()
    seen = client.get(f"/api/v1/convenings/{created['id']}", headers=bearer(token)).json()
    assert seen["title"] == "Night-shift chat" and seen["thread_id"] == thread_id
    assert seen["starts_at"] == "2026-03-04T17:00:00Z" and seen["ends_at"] == "2026-03-04T18:00:00Z"
    assert seen["hosts"] == ["max"] and seen["state"] == "upcoming" and seen["current_question"] is None
    assert [(q["number"], q["text"], q["released_at"]) for q in seen["questions"]] == [(n, q, None) for n, q in enumerate(QUESTIONS, 1)]
    assert seen["rsvp_count"] == 0 and seen["rsvp"] is False and seen["description"] == "A one-hour chat, T1 to T3."


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_at": "2026-03-04T17:00:00"}, "starts_at"),
        ({"ends_at": "next Tuesday"}, "ends_at"),
        ({"ends_at": "2026-03-04T16:00:00Z"}, "ends_at"),
        ({"questions": []}, "questions"),
        ({"questions": [f"Q{n}" for n in range(21)]}, "questions"),
        ({"title": "  "}, "title"),
        ({"questions": "one question"}, "questions"),
        ({"hosts": ["nobody-by-that-name"]}, "hosts"),
    ],
)
def test_a_bad_schedule_is_refused_with_a_clear_422(client, mod_token, thread_id, clock, change, field):
    response = schedule(client, mod_token, thread_id, **change)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["message"] or field.rstrip("s") in error["message"].lower()


def test_members_cannot_schedule_release_slow_or_end(client, mod_token, token, thread_id, clock):
    assert schedule(client, token, thread_id).status_code == 403
    convening_id = schedule(client, mod_token, thread_id).json()["id"]
    clock.now = START
    assert client.post(f"/api/v1/convenings/{convening_id}/release", json={"question": 1}, headers=bearer(token)).status_code == 403
    assert client.post(f"/api/v1/convenings/{convening_id}/slow", json={"seconds": 30}, headers=bearer(token)).status_code == 403
    assert client.post(f"/api/v1/convenings/{convening_id}/end", headers=bearer(token)).status_code == 403
    assert client.get(f"/api/v1/convenings/{convening_id}").json()["state"] == "live"


def test_rsvp_and_cancel_are_idempotent(client, mod_token, token, thread_id, clock):
    convening_id = schedule(client, mod_token, thread_id).json()["id"]
    url = f"/api/v1/convenings/{convening_id}/rsvp"
    assert client.post(url, headers=bearer(token)).json() == {"changed": True, "rsvp": True, "rsvp_count": 1}
    assert client.post(url, headers=bearer(token)).json() == {"changed": False, "rsvp": True, "rsvp_count": 1}
    assert client.get(f"/api/v1/convenings/{convening_id}", headers=bearer(token)).json()["rsvp"] is True
    assert client.get(f"/api/v1/convenings/{convening_id}", headers=bearer(mod_token)).json()["rsvp"] is False
    assert client.delete(url, headers=bearer(token)).json() == {"changed": True, "rsvp": False, "rsvp_count": 0}
    assert client.delete(url, headers=bearer(token)).json() == {"changed": False, "rsvp": False, "rsvp_count": 0}
    assert client.post(url).status_code == 401


def test_the_convening_goes_live_and_answers_are_tied_to_the_released_questions(client, mod_token, token, thread_id, clock):
    convening_id = schedule(client, mod_token, thread_id).json()["id"]
    release = f"/api/v1/convenings/{convening_id}/release"
    comments = f"/api/v1/threads/{thread_id}/comments"
    early = client.post(release, json={"question": 1}, headers=bearer(mod_token))
    assert early.status_code == 409 and "not started" in early.json()["error"]["message"]
    before = client.post(comments, json={"body": "Looking forward to it"}, headers=bearer(token)).json()
    assert "question" not in before

    clock.now = START + timedelta(minutes=1)
    assert client.get(f"/api/v1/convenings/{convening_id}").json()["state"] == "live"
    live = client.post(release, json={"question": 1}, headers=bearer(mod_token)).json()
    assert live["current_question"]["number"] == 1 and live["current_question"]["text"] == QUESTIONS[0]
    first = client.post(comments, json={"body": "Short staffing, mostly"}, headers=bearer(token)).json()
    assert first["question"] == 1

    clock.advance(minutes=15)
    assert client.post(release, json={"question": 2}, headers=bearer(mod_token)).json()["current_question"]["number"] == 2
    second = client.post(comments, json={"body": "Protected breaks"}, headers=bearer(token)).json()
    late_answer = client.post(comments, json={"body": "Also: fewer double shifts", "question": 1}, headers=bearer(token)).json()
    assert (second["question"], late_answer["question"]) == (2, 1)
    unreleased = client.post(comments, json={"body": "Jumping ahead", "question": 3}, headers=bearer(token))
    assert unreleased.status_code == 422 and "not been released" in unreleased.json()["error"]["message"]
    out_of_range = client.post(release, json={"question": 4}, headers=bearer(mod_token))
    assert out_of_range.status_code == 422 and "between 1 and 3" in out_of_range.json()["error"]["message"]

    listed = client.get(f"/api/v1/threads/{thread_id}/comments").json()["comments"]
    assert [c.get("question") for c in listed] == [None, 1, 2, 1]


def test_slow_mode_allows_one_post_per_interval_per_person_with_retry_after(client, mod_token, token, thread_id, clock):
    convening_id = schedule(client, mod_token, thread_id).json()["id"]
    clock.now = START
    slow = client.post(f"/api/v1/convenings/{convening_id}/slow", json={"seconds": 30}, headers=bearer(mod_token))
    assert slow.json()["slow_mode"] == 30
    comments = f"/api/v1/threads/{thread_id}/comments"
    assert client.post(comments, json={"body": "First"}, headers=bearer(token)).status_code == 201
    clock.advance(seconds=10)
    refused = client.post(comments, json={"body": "Too soon"}, headers=bearer(token))
    assert refused.status_code == 429 and refused.headers["retry-after"] == "20"
    assert "Slow mode is on" in refused.json()["error"]["message"]
    # The host is not slowed, and another member has their own interval.
    assert client.post(comments, json={"body": "Welcome all"}, headers=bearer(mod_token)).status_code == 201
    assert client.post(comments, json={"body": "Again"}, headers=bearer(mod_token)).status_code == 201
    clock.advance(seconds=20)
    assert client.post(comments, json={"body": "Now it is fine"}, headers=bearer(token)).status_code == 201
    # Once it ends, slow mode no longer applies.
    assert client.post(f"/api/v1/convenings/{convening_id}/end", headers=bearer(mod_token)).json()["state"] == "ended"
    assert client.post(comments, json={"body": "After the end"}, headers=bearer(token)).status_code == 201


def test_slow_mode_refuses_the_form_with_a_429_page(client, mod_token, thread_id, clock):
    from tests.conftest import form_post, register

    convening_id = schedule(client, mod_token, thread_id).json()["id"]
    clock.now = START
    client.post(f"/api/v1/convenings/{convening_id}/slow", json={"seconds": 60}, headers=bearer(mod_token))
    register(client, "cara")
    assert form_post(client, f"/t/{thread_id}", f"/t/{thread_id}/comments", {"body": "One"}).status_code == 303
    refused = form_post(client, f"/t/{thread_id}", f"/t/{thread_id}/comments", {"body": "Two"})
    assert refused.status_code == 429 and refused.headers["retry-after"] == "60"
    assert "Slow mode is on" in refused.text and "Two" in refused.text


def test_ending_early_archives_without_held_hidden_or_removed_posts(client, mod_token, token, thread_id, clock):
    convening_id = schedule(client, mod_token, thread_id).json()["id"]
    comments = f"/api/v1/threads/{thread_id}/comments"
    clock.now = START
    client.post(f"/api/v1/convenings/{convening_id}/release", json={"question": 1}, headers=bearer(mod_token))
    client.post(comments, json={"body": "Short staffing, mostly"}, headers=bearer(token))
    held = client.post(comments, json={"body": PHI}, headers=bearer(token))
    assert held.status_code == 202
    hidden = client.post(comments, json={"body": "Off-topic rant"}, headers=bearer(token)).json()["id"]
    client.post(f"/api/v1/mod/comments/{hidden}/hide", json={"reason": "Off-topic"}, headers=bearer(mod_token))
    clock.advance(minutes=5)
    client.post(f"/api/v1/convenings/{convening_id}/release", json={"question": 2}, headers=bearer(mod_token))
    client.post(comments, json={"body": "Protected breaks"}, headers=bearer(mod_token))
    assert client.get(f"/c/{convening_id}/transcript.md").status_code == 409

    clock.advance(minutes=5)
    ended = client.post(f"/api/v1/convenings/{convening_id}/end", headers=bearer(mod_token)).json()
    assert ended["state"] == "ended" and ended["ended_at"] == "2026-03-04T17:10:00Z" and ended["current_question"] is None
    again = client.post(f"/api/v1/convenings/{convening_id}/release", json={"question": 3}, headers=bearer(mod_token))
    assert again.status_code == 409
    clock.advance(minutes=1)
    after = client.post(comments, json={"body": "Thanks all"}, headers=bearer(token)).json()
    assert "question" not in after

    markdown = client.get(f"/c/{convening_id}/transcript.md")
    assert markdown.status_code == 200 and markdown.headers["content-type"].startswith("text/markdown")
    text = markdown.text
    assert text.startswith("# Night-shift chat\n")
    assert "## T1. What does burnout look like on your unit?" in text and "## T2. What has helped?" in text
    assert "## T3. What would you ask leaders for?" in text
    t1 = text.split("## T1.")[1].split("## T2.")[0]
    assert "_1 answer_" in t1 and "**bo**" in t1 and "> Short staffing, mostly" in t1
    assert "> Protected breaks" in text.split("## T2.")[1] and "**max**" in text
    assert "2 answers from 2 participants: bo, max." in text
    for absent in ("John Smith", "Off-topic rant", "Thanks all"):
        assert absent not in text

    page = client.get(f"/c/{convening_id}")
    assert "Archive" in page.text and "Short staffing, mostly" in page.text and "John Smith" not in page.text
    assert "Off-topic rant" not in page.text and 'href="/c/%d/transcript.md"' % convening_id in page.text


def test_a_convening_on_a_hidden_thread_is_not_found(client, mod_token, token, thread_id, clock):
    convening_id = schedule(client, mod_token, thread_id).json()["id"]
    assert client.post(f"/api/v1/mod/threads/{thread_id}/hide", json={"reason": "Spam"}, headers=bearer(mod_token)).status_code == 200
    for url in (f"/api/v1/convenings/{convening_id}", f"/c/{convening_id}", f"/c/{convening_id}.ics", f"/c/{convening_id}/transcript.md"):
        assert client.get(url, headers=bearer(token)).status_code == 404, url
    assert client.post(f"/api/v1/convenings/{convening_id}/rsvp", headers=bearer(token)).status_code == 404
    assert "Night-shift chat" not in client.get("/b/rally/calendar.ics").text
    assert client.get(f"/api/v1/convenings/{convening_id}", headers=bearer(mod_token)).status_code == 200
    assert client.get("/api/v1/convenings/999999").status_code == 404
