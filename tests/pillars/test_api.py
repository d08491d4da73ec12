"""The pillar boards' tools from the JSON API: Arm resources, Showcase story
cards and Educate tracks, with the pages' permissions, visibility and errors."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from forum.db import Database
from forum.moderation.models import AuditEvent
from tests.api.test_api import assert_error, bearer, new_thread
from tests.conftest import PASSWORD, api_headers, register

STORY = {
    "organisation": "Riverside Clinic",
    "goal": "Fewer repeat calls about preparation",
    "action": "Short videos answering the ten most common questions",
    "outcome_value": "1,200",
    "outcome_unit": "views a month",
}
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def member_token(db: Database, name: str) -> str:
    from forum.accounts.services import create_api_token
    from forum.accounts.services import register as register_user

    with db.write() as session:
        user = register_user(session, email=f"{name}@example.org", name=name, password=PASSWORD)
        return create_api_token(session, user=user)


@pytest.fixture
def cy(db: Database) -> str:
    """A bearer token for `cy`, a member who wrote none of the threads."""
    return member_token(db, "cy")


def put(client: TestClient, path: str, payload: Any, token: str | None):  # type: ignore[no-untyped-def]
    return client.put(path, json=payload, headers=bearer(token) if token else {})


def hide(client: TestClient, mod_token: str, thread_id: int) -> None:
    response = client.post(f"/api/v1/mod/threads/{thread_id}/hide", json={"reason": "Off topic"}, headers=bearer(mod_token))
    assert response.status_code == 200, response.text


def audit_actions(db: Database) -> list[str]:
    with db.read() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def library_on_page(client: TestClient, path: str = "/b/arm") -> list[tuple[str, str, str]]:
    """(resource link, thread address, thread title) for each item /b/arm shows."""
    section = client.get(path).text.split('id="library-heading"')[1].split("</section>")[0]
    return re.findall(r'<a href="([^"]+)" rel="nofollow noopener">[^<]*</a>\s*— discussed in <a href="([^"]+)">([^<]+)</a>', section)


def library_in_api(client: TestClient, token: str | None = None, query: str = "") -> list[tuple[str, str, str]]:
    response = client.get(f"/api/v1/resources{query}", headers=bearer(token) if token else {})
    assert response.status_code == 200, response.text
    return [(r["url"], r["thread"]["url"], r["thread"]["title"]) for r in response.json()["resources"]]


def stories_on_page(client: TestClient) -> list[tuple[str, str, str, str, str]]:
    grid = client.get("/b/showcase").text.split('class="story-grid"')[1].split("</section>")[0]
    return re.findall(
        r'<strong>([^<]+)</strong></p>\s*<p class="story-outcome"><span class="story-number">([^<]+)</span> ([^<]+)</p>'
        r'.*?<p><a href="([^"]+)">([^<]+)</a></p>', grid, re.S)


# Resources


def test_a_new_thread_has_no_resource_and_no_story_card(client: TestClient, token: str):
    made = new_thread(client, token)
    assert (made["resource"], made["story"]) == (None, None)
    shown = client.get(f"/api/v1/threads/{made['id']}").json()
    assert (shown["resource"], shown["story"]) == (None, None)


def test_the_author_marks_a_thread_as_a_resource_and_the_page_and_library_agree(client: TestClient, token: str, db: Database):
    made = new_thread(client, token, title="A social media policy for clinics")
    path = f"/api/v1/threads/{made['id']}/resource"
    response = put(client, path, {"kind": "policy_template", "url": "https://example.org/policy.docx"}, token)
    assert response.status_code == 200, response.text
    assert response.json() == {"kind": "policy_template", "url": "https://example.org/policy.docx"}
    assert client.get(f"/api/v1/threads/{made['id']}").json()["resource"] == response.json()
    page = client.get(f"/t/{made['id']}").text
    assert "Policy template" in page and 'href="https://example.org/policy.docx"' in page
    listed = client.get("/api/v1/resources").json()["resources"]
    assert len(listed) == 1
    assert ISO_UTC.match(listed[0].pop("updated_at"))
    assert listed[0] == {"kind": "policy_template", "url": "https://example.org/policy.docx", "thread": {
        "id": made["id"], "title": "A social media policy for clinics", "url": f"/t/{made['id']}/{made['slug']}"}}
    assert library_on_page(client) == library_in_api(client)
    # Setting it again as it is changes nothing; a new link replaces the old.
    assert put(client, path, {"kind": "policy_template", "url": "https://example.org/policy.docx"}, token).status_code == 200
    assert audit_actions(db).count("thread.resource_set") == 1
    assert put(client, path, {"kind": "guide", "url": "http://example.org/v2"}, token).json() == {"kind": "guide", "url": "http://example.org/v2"}
    assert audit_actions(db).count("thread.resource_set") == 2


def test_the_library_filters_by_kind_and_an_unknown_kind_is_a_422(client: TestClient, token: str):
    policy = new_thread(client, token, title="Policy for staff accounts")
    checklist = new_thread(client, token, title="Launch checklist")
    put(client, f"/api/v1/threads/{policy['id']}/resource", {"kind": "policy_template", "url": "https://example.org/policy"}, token)
    put(client, f"/api/v1/threads/{checklist['id']}/resource", {"kind": "checklist", "url": "https://example.org/list"}, token)
    # Newest first, as on the board.
    assert [t for _, _, t in library_in_api(client)] == ["Launch checklist", "Policy for staff accounts"]
    assert library_in_api(client, query="?kind=checklist") == [
        ("https://example.org/list", f"/t/{checklist['id']}/{checklist['slug']}", "Launch checklist")]
    assert library_in_api(client, query="?kind=checklist") == library_on_page(client, "/b/arm?kind=checklist")
    assert library_in_api(client, query="?kind=") == library_in_api(client)
    error = assert_error(client.get("/api/v1/resources?kind=poster"), 422, "invalid")
    assert error["message"] == "Choose what kind of resource it is: toolkit, policy template, checklist, guide."


def test_clearing_a_resource_answers_whether_there_was_one(client: TestClient, token: str, db: Database):
    made = new_thread(client, token)
    path = f"/api/v1/threads/{made['id']}/resource"
    put(client, path, {"kind": "guide", "url": "https://example.org/guide"}, token)
    response = client.delete(path, headers=bearer(token))
    assert (response.status_code, response.json()) == (200, {"changed": True})
    assert client.delete(path, headers=bearer(token)).json() == {"changed": False}
    assert client.get(f"/api/v1/threads/{made['id']}").json()["resource"] is None
    assert client.get("/api/v1/resources").json() == {"resources": []}
    assert audit_actions(db).count("thread.resource_cleared") == 1


@pytest.mark.parametrize("tool, payload", [
    ("resource", {"kind": "guide", "url": "https://example.org/guide"}),
    ("story", STORY),
])
def test_only_the_author_or_a_moderator_may_set_or_clear_a_card(client: TestClient, token: str, cy: str, mod_token: str,
                                                                 tool: str, payload: dict[str, str]):
    made = new_thread(client, token, board="showcase")
    path = f"/api/v1/threads/{made['id']}/{tool}"
    assert_error(put(client, path, payload, None), 401, "not_authenticated")
    assert_error(client.delete(path), 401, "not_authenticated")
    refused = assert_error(put(client, path, payload, cy), 403, "forbidden")
    assert refused["message"] == "Only a moderator of this board or the thread's author can do that."
    assert_error(client.delete(path, headers=bearer(cy)), 403, "forbidden")
    assert client.get(f"/api/v1/threads/{made['id']}").json()[tool] is None
    assert put(client, path, payload, token).status_code == 200
    assert client.delete(path, headers=bearer(token)).json() == {"changed": True}
    assert put(client, path, payload, mod_token).status_code == 200
    assert client.delete(path, headers=bearer(mod_token)).json() == {"changed": True}


def test_a_browser_session_sets_a_resource_with_the_csrf_header_only(client: TestClient):
    register(client, "ana")
    made = client.post("/api/v1/threads", json={"board": "arm", "title": "Ours", "body": "Body"}, headers=api_headers(client)).json()
    path = f"/api/v1/threads/{made['id']}/resource"
    payload = {"kind": "toolkit", "url": "https://example.org/kit"}
    assert_error(client.put(path, json=payload), 403)
    assert client.get(f"/api/v1/threads/{made['id']}").json()["resource"] is None
    assert client.put(path, json=payload, headers=api_headers(client)).json() == payload


@pytest.mark.parametrize("payload, field, message", [
    ({"url": "https://example.org"}, "kind", "kind is required."),
    ({"kind": "guide"}, "url", "url is required."),
    ({"kind": 3, "url": "https://example.org"}, "kind", "kind: Input should be a valid string."),
    ({"kind": "guide", "url": ["https://example.org"]}, "url", "url: Input should be a valid string."),
    ({"kind": "poster", "url": "https://example.org"}, "kind", "Choose what kind of resource it is: toolkit, policy template, checklist, guide."),
    ({"kind": "guide", "url": "javascript:alert(1)"}, "url", "A resource link must start with http:// or https://."),
    ({"kind": "guide", "url": "ftp://example.org/file"}, "url", "A resource link must start with http:// or https://."),
    ({"kind": "guide", "url": "https://"}, "url", "That link has no host name."),
    ({"kind": "guide", "url": "not a link"}, "url", "A link cannot hold spaces or control characters."),
    ({"kind": "guide", "url": ""}, "url", "Give the resource's link (an http:// or https:// address)."),
    ({"kind": "guide", "url": "https://example.org/" + "a" * 2000}, "url", "A link is at most 2000 characters."),
    ({"kind": "guide", "url": "https://example.org", "title": "x"}, "title", "title is not a field this endpoint accepts."),
])
def test_a_bad_resource_is_a_422_that_says_why_and_saves_nothing(client: TestClient, token: str, payload: dict[str, Any],
                                                                 field: str, message: str):
    made = new_thread(client, token)
    error = assert_error(put(client, f"/api/v1/threads/{made['id']}/resource", payload, token), 422, "invalid")
    assert error["message"] == message, field
    assert client.get(f"/api/v1/threads/{made['id']}").json()["resource"] is None


def test_a_body_that_is_not_a_json_object_or_a_thread_that_is_not_there_is_a_4xx(client: TestClient, token: str):
    made = new_thread(client, token)
    path = f"/api/v1/threads/{made['id']}/resource"
    headers = {**bearer(token), "Content-Type": "application/json"}
    assert_error(client.put(path, content=b"[1, 2]", headers=headers), 400, "bad_request")
    assert_error(client.put(path, content=b"{kind", headers=headers), 400, "bad_request")
    assert_error(client.put(path, content=b"", headers=headers), 400, "bad_request")
    assert_error(client.put(path, content=b"kind=guide", headers={**bearer(token), "Content-Type": "text/plain"}), 415)
    for missing, payload in [("/api/v1/threads/999999/resource", {"kind": "guide", "url": "https://example.org"}),
                             ("/api/v1/threads/999999/story", STORY)]:
        assert_error(put(client, missing, payload, token), 404, "not_found")
        assert_error(client.delete(missing, headers=bearer(token)), 404, "not_found")
    assert_error(client.post(path, json={}, headers=bearer(token)), 405)


# Story cards


def test_the_author_gives_a_thread_a_story_card_and_the_page_and_grid_agree(client: TestClient, token: str):
    made = new_thread(client, token, board="showcase", title="Answering questions on video")
    path = f"/api/v1/threads/{made['id']}/story"
    response = put(client, path, STORY, token)
    assert response.status_code == 200, response.text
    expected = {**STORY, "outcome_value": 1200}
    assert response.json() == expected
    assert client.get(f"/api/v1/threads/{made['id']}").json()["story"] == expected
    thread_page = client.get(f"/t/{made['id']}").text
    assert "Riverside Clinic" in thread_page and '<span class="story-number">1,200</span> views a month' in thread_page
    stories = client.get("/api/v1/stories").json()["stories"]
    assert len(stories) == 1 and ISO_UTC.match(stories[0].pop("updated_at"))
    assert stories[0] == {**expected, "thread": {"id": made["id"], "title": "Answering questions on video",
                                                 "url": f"/t/{made['id']}/{made['slug']}"}}
    assert stories_on_page(client) == [
        ("Riverside Clinic", "1,200", "views a month", f"/t/{made['id']}/{made['slug']}", "Answering questions on video")]
    # A number may be sent as a JSON number too.
    assert put(client, path, {**STORY, "outcome_value": -12.5}, token).json()["outcome_value"] == -12.5
    assert put(client, path, {**STORY, "outcome_value": 30}, token).json()["outcome_value"] == 30
    assert '<span class="story-number">30</span>' in client.get(f"/t/{made['id']}").text
    assert client.delete(path, headers=bearer(token)).json() == {"changed": True}
    assert client.get("/api/v1/stories").json() == {"stories": []}
    assert client.get(f"/api/v1/threads/{made['id']}").json()["story"] is None


@pytest.mark.parametrize("value, message", [
    ("about ten", "The outcome must be a number, such as 42 or 12.5, not 'about ten'."),
    ("", "Give the measured outcome as a number, such as 42 or 12.5."),
    ("nan", "The outcome must be an ordinary number."),
    ("1e400", "The outcome must be an ordinary number."),
    (1e15, "The outcome must be an ordinary number."),
    (10**30, "The outcome must be an ordinary number."),
    (True, "outcome_value: give the measured outcome as a number, such as 42 or 12.5."),
    (None, "outcome_value: give the measured outcome as a number, such as 42 or 12.5."),
    ([12], "outcome_value: give the measured outcome as a number, such as 42 or 12.5."),
])
def test_a_story_outcome_that_is_not_a_number_is_a_422(client: TestClient, token: str, value: Any, message: str):
    made = new_thread(client, token, board="showcase")
    error = assert_error(put(client, f"/api/v1/threads/{made['id']}/story", {**STORY, "outcome_value": value}, token), 422, "invalid")
    assert error["message"] == message
    assert client.get(f"/api/v1/threads/{made['id']}").json()["story"] is None


def test_an_infinite_outcome_in_the_json_itself_is_a_422(client: TestClient, token: str):
    made = new_thread(client, token, board="showcase")
    body = '{"organisation": "Clinic", "goal": "Goal", "action": "Did it", "outcome_unit": "%", "outcome_value": VALUE}'
    for raw in ["1e400", "NaN", "-Infinity"]:
        response = client.put(f"/api/v1/threads/{made['id']}/story", content=body.replace("VALUE", raw).encode(),
                              headers={**bearer(token), "Content-Type": "application/json"})
        assert assert_error(response, 422, "invalid")["message"] == "The outcome must be an ordinary number.", raw


@pytest.mark.parametrize("change, message", [
    ({"organisation": "  "}, "Fill in the organisation."),
    ({"goal": ""}, "Fill in the goal."),
    ({"organisation": "C" * 201}, "The organisation is at most 200 characters."),
    ({"outcome_unit": "u" * 81}, "The outcome's unit is at most 80 characters."),
    ({"action": 7}, "action: Input should be a valid string."),
])
def test_a_story_with_a_bad_field_is_a_422_that_names_it(client: TestClient, token: str, change: dict[str, Any], message: str):
    made = new_thread(client, token, board="showcase")
    assert assert_error(put(client, f"/api/v1/threads/{made['id']}/story", {**STORY, **change}, token), 422)["message"] == message
    missing = {k: v for k, v in STORY.items() if k != "outcome_unit"}
    assert assert_error(put(client, f"/api/v1/threads/{made['id']}/story", missing, token), 422)["message"] == "outcome_unit is required."
    assert client.get(f"/api/v1/threads/{made['id']}").json()["story"] is None


def test_a_story_card_that_may_identify_a_patient_is_refused(client: TestClient, token: str, db: Database):
    made = new_thread(client, token, board="showcase")
    path = f"/api/v1/threads/{made['id']}/story"
    response = put(client, path, {**STORY, "action": "Videos for Patient John Smith, MRN 4471293"}, token)
    error = assert_error(response, 422, "invalid")
    assert error["message"] == "This may identify a patient (a name after 'patient': 'John Smith'); reword it."
    assert client.get(f"/api/v1/threads/{made['id']}").json()["story"] is None
    assert "thread.story_set" not in audit_actions(db)


def test_a_link_to_the_forum_itself_is_not_taken_for_patient_information(client: TestClient, token: str):
    # Read without the app's own host, the query would be a record number.
    action = "Collected the questions from testserver/search?q=MRN:4471293"
    made = new_thread(client, token, board="showcase")
    response = put(client, f"/api/v1/threads/{made['id']}/story", {**STORY, "action": action}, token)
    assert response.status_code == 200, response.text
    assert response.json()["action"] == action


# What a viewer may see


def test_a_hidden_threads_resource_and_story_leave_the_lists_for_everyone_but_its_author_and_moderators(
    client: TestClient, token: str, cy: str, mod_token: str,
):
    shown = new_thread(client, token, board="showcase", title="Still here")
    hidden = new_thread(client, token, board="showcase", title="Taken down")
    for made in (shown, hidden):
        assert put(client, f"/api/v1/threads/{made['id']}/resource", {"kind": "guide", "url": f"https://example.org/{made['id']}"}, token).status_code == 200
        assert put(client, f"/api/v1/threads/{made['id']}/story", STORY, token).status_code == 200
    hide(client, mod_token, hidden["id"])
    for viewer in (None, cy):
        assert [t for _, _, t in library_in_api(client, viewer)] == ["Still here"]
        stories = client.get("/api/v1/stories", headers=bearer(viewer) if viewer else {}).json()["stories"]
        assert [s["thread"]["title"] for s in stories] == ["Still here"]
        assert_error(client.get(f"/api/v1/threads/{hidden['id']}", headers=bearer(viewer) if viewer else {}), 404)
    assert library_on_page(client) == library_in_api(client)
    assert [s[4] for s in stories_on_page(client)] == ["Still here"]
    # Its author sees it taken down, as on the board; a moderator sees everything.
    assert [t for _, _, t in library_in_api(client, token)] == ["Taken down", "Still here"]
    assert [t for _, _, t in library_in_api(client, mod_token)] == ["Taken down", "Still here"]
    # A member who cannot see it cannot learn it is there by writing to it.
    assert_error(put(client, f"/api/v1/threads/{hidden['id']}/resource", {"kind": "guide", "url": "https://example.org"}, cy), 404, "not_found")
    assert_error(client.delete(f"/api/v1/threads/{hidden['id']}/story", headers=bearer(cy)), 404, "not_found")
    # Its author may no longer change the card of a hidden thread; a moderator may.
    assert_error(client.delete(f"/api/v1/threads/{hidden['id']}/story", headers=bearer(token)), 403, "forbidden")
    assert client.delete(f"/api/v1/threads/{hidden['id']}/story", headers=bearer(mod_token)).json() == {"changed": True}


# Tracks


def new_track(client: TestClient, mod_token: str, title: str = "Social media basics", description: str = "Start here.") -> dict[str, Any]:
    response = client.post("/api/v1/tracks", json={"title": title, "description": description}, headers=bearer(mod_token))
    assert response.status_code == 201, response.text
    return response.json()


def arranged(client: TestClient, token: str, mod_token: str, steps: int = 3) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    threads = [new_thread(client, token, board="educate", title=f"Lesson {n}") for n in range(1, steps + 1)]
    track = new_track(client, mod_token)
    for made in threads:
        response = client.post(f"/api/v1/tracks/{track['id']}/steps", json={"thread_id": made["id"]}, headers=bearer(mod_token))
        assert response.status_code == 200, response.text
    return track, threads


def step(made: dict[str, Any], number: int, done: bool = False) -> dict[str, Any]:
    return {"number": number, "thread_id": made["id"], "title": made["title"], "url": f"/t/{made['id']}/{made['slug']}", "done": done}


def test_a_moderator_creates_a_track_and_arranges_its_steps(client: TestClient, token: str, mod_token: str, db: Database):
    response = client.post("/api/v1/tracks", json={"title": "  Social   media basics ", "description": "Start here."}, headers=bearer(mod_token))
    assert response.status_code == 201, response.text
    track = response.json()
    assert response.headers["location"] == f"/api/v1/tracks/{track['id']}"
    assert track == {"id": track["id"], "title": "Social media basics", "description": "Start here.", "url": f"/tracks/{track['id']}",
                     "step_count": 0, "progress": {"done": 0, "resume": None}, "steps": []}
    threads = [new_thread(client, token, board="educate", title=f"Lesson {n}") for n in (1, 2, 3)]
    for made in threads:
        added = client.post(f"/api/v1/tracks/{track['id']}/steps", json={"thread_id": made["id"]}, headers=bearer(mod_token))
    assert added.json()["steps"] == [step(t, n) for n, t in enumerate(threads, start=1)]
    # Adding a step again leaves it where it is.
    again = client.post(f"/api/v1/tracks/{track['id']}/steps", json={"thread_id": threads[0]["id"]}, headers=bearer(mod_token))
    assert again.json()["steps"] == added.json()["steps"]
    removed = client.delete(f"/api/v1/tracks/{track['id']}/steps/{threads[1]['id']}", headers=bearer(mod_token))
    assert removed.status_code == 200
    assert removed.json()["steps"] == [step(threads[0], 1), step(threads[2], 2)]
    assert removed.json()["step_count"] == 2
    # Removing what is not a step changes nothing.
    assert client.delete(f"/api/v1/tracks/{track['id']}/steps/{threads[1]['id']}", headers=bearer(mod_token)).json() == removed.json()
    page = client.get(f"/tracks/{track['id']}").text.split('class="track-steps"')[1].split("</ol>")[0]
    assert re.findall(r'<a href="(/t/\d+/[^"]*)">([^<]+)</a>', page) == [(s["url"], s["title"]) for s in removed.json()["steps"]]
    actions = audit_actions(db)
    assert (actions.count("track.created"), actions.count("track.step_added"), actions.count("track.step_removed")) == (1, 3, 1)


def test_anyone_lists_the_tracks_and_a_member_sees_their_own_progress(client: TestClient, token: str, cy: str, mod_token: str):
    track, threads = arranged(client, token, mod_token)
    anonymous = client.get("/api/v1/tracks").json()
    assert anonymous == {"tracks": [{"id": track["id"], "title": "Social media basics", "description": "Start here.",
                                     "url": f"/tracks/{track['id']}", "step_count": 3, "progress": None}]}
    one = client.get(f"/api/v1/tracks/{track['id']}").json()
    assert one["progress"] is None
    assert one["steps"] == [step(t, n) for n, t in enumerate(threads, start=1)]
    path = f"/api/v1/tracks/{track['id']}/steps/{threads[0]['id']}/done"
    marked = client.post(path, headers=bearer(cy))
    assert marked.status_code == 200, marked.text
    assert marked.json()["steps"][0]["done"] is True
    assert marked.json()["progress"] == {"done": 1, "resume": step(threads[1], 2)}
    assert client.post(path, headers=bearer(cy)).json() == marked.json()  # repeating is harmless
    listed = client.get("/api/v1/tracks", headers=bearer(cy)).json()["tracks"][0]
    assert listed["progress"] == {"done": 1, "resume": step(threads[1], 2)}
    # Another member's progress is their own.
    assert client.get("/api/v1/tracks", headers=bearer(token)).json()["tracks"][0]["progress"] == {"done": 0, "resume": step(threads[0], 1)}
    for made in threads[1:]:
        client.post(f"/api/v1/tracks/{track['id']}/steps/{made['id']}/done", headers=bearer(cy))
    assert client.get(f"/api/v1/tracks/{track['id']}", headers=bearer(cy)).json()["progress"] == {"done": 3, "resume": None}
    undone = client.delete(path, headers=bearer(cy))
    assert undone.status_code == 200
    assert undone.json()["progress"] == {"done": 2, "resume": step(threads[0], 1)}
    assert [s["done"] for s in undone.json()["steps"]] == [False, True, True]


def test_a_members_track_progress_matches_the_pages(client: TestClient, token: str, mod_token: str):
    track, threads = arranged(client, token, mod_token)
    register(client, "ana")
    headers = api_headers(client)
    client.post(f"/api/v1/tracks/{track['id']}/steps/{threads[0]['id']}/done", headers=headers)
    client.post(f"/api/v1/tracks/{track['id']}/steps/{threads[2]['id']}/done", headers=headers)
    shown = client.get(f"/api/v1/tracks/{track['id']}").json()
    assert shown["progress"]["done"] == 2
    assert f"{shown['progress']['done']} of {shown['step_count']} done" in client.get("/b/educate").text
    assert f"{shown['progress']['done']} of {shown['step_count']} done" in client.get(f"/tracks/{track['id']}").text
    resume = client.get(f"/tracks/{track['id']}/continue", follow_redirects=False).headers["location"]
    assert resume == shown["progress"]["resume"]["url"] == f"/t/{threads[1]['id']}/{threads[1]['slug']}"


def test_only_an_educate_moderator_arranges_tracks_and_any_member_follows_them(client: TestClient, token: str, cy: str, mod_token: str):
    track, threads = arranged(client, token, mod_token, steps=2)
    extra = new_thread(client, token, board="educate", title="Lesson 3")
    steps_path = f"/api/v1/tracks/{track['id']}/steps"
    one_step = f"{steps_path}/{threads[0]['id']}"
    done = f"{one_step}/done"
    assert_error(client.post("/api/v1/tracks", json={"title": "Mine"}), 401, "not_authenticated")
    assert_error(client.post(steps_path, json={"thread_id": extra["id"]}), 401, "not_authenticated")
    assert_error(client.delete(one_step), 401, "not_authenticated")
    assert_error(client.post(done), 401, "not_authenticated")
    assert_error(client.delete(done), 401, "not_authenticated")
    # A member, even the author of every thread in it, may follow but not arrange.
    for member in (cy, token):
        refused = assert_error(client.post("/api/v1/tracks", json={"title": "Mine"}, headers=bearer(member)), 403, "forbidden")
        assert refused["message"] == "Only a moderator of the Educate board can arrange tracks."
        assert_error(client.post(steps_path, json={"thread_id": extra["id"]}, headers=bearer(member)), 403, "forbidden")
        assert_error(client.delete(one_step, headers=bearer(member)), 403, "forbidden")
        assert client.post(done, headers=bearer(member)).status_code == 200
        assert client.delete(done, headers=bearer(member)).status_code == 200
    assert [t["title"] for t in client.get("/api/v1/tracks").json()["tracks"]] == ["Social media basics"]
    assert [s["thread_id"] for s in client.get(f"/api/v1/tracks/{track['id']}").json()["steps"]] == [t["id"] for t in threads]
    assert client.post(steps_path, json={"thread_id": extra["id"]}, headers=bearer(mod_token)).json()["step_count"] == 3
    assert client.delete(one_step, headers=bearer(mod_token)).json()["step_count"] == 2


def test_a_moderator_of_another_board_may_not_arrange_tracks(client: TestClient, db: Database, token: str):
    from forum.accounts.services import create_api_token
    from forum.accounts.services import register as register_user
    from forum.boards.queries import get_board
    from forum.types import Role

    with db.write() as session:
        arm = get_board(session, "arm")
        user = register_user(session, email="al@example.org", name="al", password=PASSWORD, role=Role.MODERATOR, trusted=True)
        user.moderated_boards = [arm.id]
        session.add(user)
        arm_mod = create_api_token(session, user=user)
    assert_error(client.post("/api/v1/tracks", json={"title": "Mine"}, headers=bearer(arm_mod)), 403, "forbidden")


@pytest.mark.parametrize("payload, message", [
    ({}, "title is required."),
    ({"title": ""}, "Give the track a title."),
    ({"title": " \t "}, "Give the track a title."),
    ({"title": 5}, "title: Input should be a valid string."),
    ({"title": "T" * 201}, "A title is at most 200 characters."),
    ({"title": "Basics", "description": None}, "description: Input should be a valid string."),
    ({"title": "Basics", "description": "d" * 2001}, "A description is at most 2000 characters."),
    ({"title": "Basics", "steps": []}, "steps is not a field this endpoint accepts."),
])
def test_a_bad_track_is_a_422_and_makes_nothing(client: TestClient, mod_token: str, payload: dict[str, Any], message: str):
    error = assert_error(client.post("/api/v1/tracks", json=payload, headers=bearer(mod_token)), 422, "invalid")
    assert error["message"] == message
    assert client.get("/api/v1/tracks").json() == {"tracks": []}


def test_a_bad_step_is_a_4xx_that_says_why(client: TestClient, token: str, mod_token: str, cy: str):
    track, threads = arranged(client, token, mod_token, steps=1)
    steps_path = f"/api/v1/tracks/{track['id']}/steps"
    for payload, message in [
        ({}, "thread_id is required."),
        ({"thread_id": str(threads[0]["id"])}, "thread_id: Input should be a valid integer."),
        ({"thread_id": 1.5}, "thread_id: Input should be a valid integer."),
        ({"thread_id": True}, "thread_id: Input should be a valid integer."),
        ({"thread_id": 0}, "thread_id: Input should be greater than or equal to 1."),
        ({"thread_id": 10**20}, "thread_id: Input should be less than or equal to 2147483647."),
        ({"thread_id": 999999}, "There is no published thread 999999."),
    ]:
        error = assert_error(client.post(steps_path, json=payload, headers=bearer(mod_token)), 422, "invalid")
        assert error["message"] == message, payload
    assert client.get(f"/api/v1/tracks/{track['id']}").json()["step_count"] == 1
    for path in ["/api/v1/tracks/999999", "/api/v1/tracks/2147483648"]:
        assert assert_error(client.get(path), 404, "not_found")["message"] == "There is no such track."
    assert_error(client.post("/api/v1/tracks/999999/steps", json={"thread_id": threads[0]["id"]}, headers=bearer(mod_token)), 404)
    assert_error(client.delete(f"/api/v1/tracks/999999/steps/{threads[0]['id']}", headers=bearer(mod_token)), 404)
    assert_error(client.post(f"/api/v1/tracks/999999/steps/{threads[0]['id']}/done", headers=bearer(cy)), 404)
    not_a_step = new_thread(client, token, board="educate", title="Elsewhere")
    error = assert_error(client.post(f"/api/v1/tracks/{track['id']}/steps/{not_a_step['id']}/done", headers=bearer(cy)), 404)
    assert error["message"] == "That thread is not a step of this track."
    assert_error(client.post(f"/api/v1/tracks/{track['id']}/steps/{threads[0]['id']}/done", json=[1], headers=bearer(cy)), 400)


def test_a_hidden_threads_step_is_left_out_for_members_and_cannot_be_marked(client: TestClient, token: str, cy: str, mod_token: str):
    track, threads = arranged(client, token, mod_token)
    hide(client, mod_token, threads[1]["id"])
    for viewer in (None, cy):
        shown = client.get(f"/api/v1/tracks/{track['id']}", headers=bearer(viewer) if viewer else {}).json()
        assert shown["steps"] == [step(threads[0], 1), step(threads[2], 2)]
        assert shown["step_count"] == 2
        assert client.get("/api/v1/tracks", headers=bearer(viewer) if viewer else {}).json()["tracks"][0]["step_count"] == 2
    error = assert_error(client.post(f"/api/v1/tracks/{track['id']}/steps/{threads[1]['id']}/done", headers=bearer(cy)), 404)
    assert error["message"] == "That thread is not a step of this track."
    moderator_view = client.get(f"/api/v1/tracks/{track['id']}", headers=bearer(mod_token)).json()
    assert [s["thread_id"] for s in moderator_view["steps"]] == [t["id"] for t in threads]
    # A hidden thread cannot be added to another track.
    other = new_track(client, mod_token, title="Another")
    error = assert_error(client.post(f"/api/v1/tracks/{other['id']}/steps", json={"thread_id": threads[1]["id"]}, headers=bearer(mod_token)), 422)
    assert error["message"] == f"There is no published thread {threads[1]['id']}."


def test_openapi_describes_the_pillar_shapes_as_returned(client: TestClient, token: str, mod_token: str):
    from tests.api.test_api import _resolve

    document = client.get("/api/v1/openapi.json").json()

    def fields(name: str) -> tuple[set[str], set[str]]:
        schema = _resolve(document, f"#/components/schemas/{name}")
        return set(schema["properties"]), set(schema.get("required", []))

    made = new_thread(client, token, board="showcase")
    resource = put(client, f"/api/v1/threads/{made['id']}/resource", {"kind": "guide", "url": "https://example.org"}, token).json()
    story = put(client, f"/api/v1/threads/{made['id']}/story", STORY, token).json()
    track, _ = arranged(client, token, mod_token, steps=1)
    shown = client.get(f"/api/v1/tracks/{track['id']}", headers=bearer(token)).json()
    returned = {
        "ResourcePublic": resource,
        "StoryPublic": story,
        "LibraryEntry": client.get("/api/v1/resources").json()["resources"][0],
        "StoryEntry": client.get("/api/v1/stories").json()["stories"][0],
        "ThreadLink": client.get("/api/v1/stories").json()["stories"][0]["thread"],
        "TrackPublic": shown,
        "TrackSummary": client.get("/api/v1/tracks").json()["tracks"][0],
        "TrackProgressPublic": shown["progress"],
        "StepPublic": shown["steps"][0],
    }
    for name, data in returned.items():
        properties, required = fields(name)
        assert properties == set(data), name
        assert required <= set(data), name
    assert fields("ThreadPublic")[0] >= {"resource", "story"}
