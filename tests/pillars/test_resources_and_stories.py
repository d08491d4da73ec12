"""Arm resources and Showcase story cards."""

from __future__ import annotations

from starlette.testclient import TestClient

from forum.db import Database
from tests.conftest import PASSWORD, form_post, log_in, register


def start_thread(client: TestClient, board: str = "arm", title: str = "A social media policy for clinics") -> int:
    response = form_post(client, f"/b/{board}/new", f"/b/{board}/new", {"title": title, "body": "What we use and why."})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].split("/")[2])


def mark_resource(client: TestClient, thread_id: int, kind: str, url: str):  # type: ignore[no-untyped-def]
    page = f"/t/{thread_id}/pillar/resource"
    return form_post(client, page, page, {"kind": kind, "url": url})


def make_moderator(db: Database) -> None:
    from forum.accounts.services import register as register_user
    from forum.types import Role

    with db.write() as session:
        register_user(session, email="mo@example.org", name="mo", password=PASSWORD, role=Role.MODERATOR, trusted=True)


def test_the_author_marks_a_thread_as_a_resource_and_the_thread_shows_its_card(member: TestClient):
    thread_id = start_thread(member)
    response = mark_resource(member, thread_id, "policy_template", "https://example.org/policy.docx")
    assert response.status_code == 303
    page = member.get(f"/t/{thread_id}").text
    assert "Policy template" in page
    assert 'href="https://example.org/policy.docx"' in page
    assert member.get(f"/api/v1/threads/{thread_id}").json()["resource"] == {
        "kind": "policy_template", "url": "https://example.org/policy.docx"}


def test_the_arm_board_lists_resources_and_filters_them_by_kind(member: TestClient):
    policy = start_thread(member, title="Policy for staff accounts")
    checklist = start_thread(member, title="Launch checklist for a hospital page")
    mark_resource(member, policy, "policy_template", "https://example.org/policy")
    mark_resource(member, checklist, "checklist", "http://example.org/checklist")
    library = member.get("/b/arm").text
    assert "https://example.org/policy" in library and "http://example.org/checklist" in library
    filtered = member.get("/b/arm?kind=checklist").text
    section = filtered.split('id="library-heading"')[1].split("</section>")[0]
    assert "Launch checklist for a hospital page" in section
    assert "Policy for staff accounts" not in section
    assert member.get("/b/arm?kind=poster").status_code == 422


def test_a_resource_link_must_be_http_or_https(member: TestClient):
    thread_id = start_thread(member)
    for bad in ["javascript:alert(1)", "ftp://example.org/file", "https://", "not a link", ""]:
        response = mark_resource(member, thread_id, "guide", bad)
        assert response.status_code == 422, bad
        assert 'role="alert"' in response.text
    assert mark_resource(member, thread_id, "poster", "https://example.org").status_code == 422
    assert member.get(f"/api/v1/threads/{thread_id}").json()["resource"] is None


def test_only_the_author_or_a_moderator_may_mark_a_resource(client: TestClient, db: Database):
    register(client, "ana")
    thread_id = start_thread(client)
    client.post("/logout", data={"csrf_token": ""})
    client.cookies.clear()
    register(client, "cy")
    assert client.get(f"/t/{thread_id}").text.count("Mark as a resource") == 0
    assert mark_resource(client, thread_id, "guide", "https://example.org/guide").status_code == 403
    client.cookies.clear()
    make_moderator(db)
    log_in(client, "mo@example.org")
    assert mark_resource(client, thread_id, "guide", "https://example.org/guide").status_code == 303
    client.cookies.clear()
    assert "https://example.org/guide" in client.get("/b/arm").text
    from sqlalchemy import select

    from forum.moderation.models import AuditEvent

    with db.read() as session:
        actions = list(session.scalars(select(AuditEvent.action)))
    assert "thread.resource_set" in actions


def test_a_story_card_shows_on_the_thread_and_on_the_showcase_board(member: TestClient):
    thread_id = start_thread(member, "showcase", "Answering patients' questions on video")
    page = f"/t/{thread_id}/pillar/story"
    response = form_post(member, page, page, {
        "organisation": "Riverside Clinic", "goal": "Fewer repeat calls about preparation",
        "action": "Short videos answering the ten most common questions", "outcome_value": "1,200", "outcome_unit": "views a month"})
    assert response.status_code == 303
    thread = member.get(f"/t/{thread_id}").text
    assert "Riverside Clinic" in thread and "1,200" in thread and "views a month" in thread
    assert thread.index("Riverside Clinic") < thread.index('class="body"')
    member.cookies.clear()
    board = member.get("/b/showcase").text
    grid = board.split('class="story-grid"')[1]
    assert "Riverside Clinic" in grid and "Short videos answering" in grid


def test_a_story_outcome_must_be_a_number(member: TestClient):
    thread_id = start_thread(member, "showcase", "A story")
    page = f"/t/{thread_id}/pillar/story"
    story = {"organisation": "Clinic", "goal": "Goal", "action": "Did it", "outcome_unit": "%"}
    for bad in ["about ten", "", "nan", "inf", "1e400"]:
        response = form_post(member, page, page, {**story, "outcome_value": bad})
        assert response.status_code == 422, bad
        assert "number" in response.text
    assert form_post(member, page, page, {**story, "outcome_value": "-12.5"}).status_code == 303
    assert "-12.5" in member.get(f"/t/{thread_id}").text


def test_another_member_may_not_set_a_story_card(client: TestClient):
    register(client, "ana")
    thread_id = start_thread(client, "showcase", "A story")
    client.cookies.clear()
    register(client, "cy")
    page = f"/t/{thread_id}/pillar/story"
    assert client.get(page).status_code == 403
