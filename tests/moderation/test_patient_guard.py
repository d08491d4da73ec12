"""The health-care guard on every path that publishes: a post that may identify a patient
is held, shown to its author with the findings marked, never to anyone else, and the
author can edit it away (published at once) or tell a moderator why it is fine."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from forum.accounts.services import register as register_user
from forum.boards.services import create_thread
from forum.comments.models import Comment
from forum.moderation.models import AuditEvent, QueueItem, QueueState
from forum.types import Role, Status
from tests.conftest import PASSWORD, api_headers, csrf_of, form_post, log_in

PHI = "My patient John Smith, DOB 03/14/1952, called back from (507) 284-2511 about his wound."
CLEAN = "Our ward cut dressing changes to every other day and healing held up."


@pytest.fixture
def thread_id(db) -> int:  # type: ignore[no-untyped-def]
    with db.write() as session:
        author = register_user(session, email="op@example.org", name="op", password=PASSWORD, trusted=True)
        return create_thread(session, author=author, board_slug="arm", title="Wound care at home", body="What works?").id  # type: ignore[return-value]


def comment_status(db, comment_id: int) -> str:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return session.get(Comment, comment_id).status


def open_items(db, comment_id: int) -> list[QueueItem]:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return list(session.scalars(select(QueueItem).where(QueueItem.target_id == comment_id, QueueItem.target_type == "comment")))


def post_form(member: TestClient, thread_id: int, body: str):  # type: ignore[no-untyped-def]
    return form_post(member, f"/t/{thread_id}", f"/t/{thread_id}/comments", {"body": body})


def test_a_comment_that_may_identify_a_patient_is_held_and_its_author_sees_why(member, client, db, thread_id):
    response = post_form(member, thread_id, PHI)
    assert response.status_code == 303
    comment_id = int(re.search(r"#waiting-c(\d+)$", response.headers["location"]).group(1))
    assert comment_status(db, comment_id) == Status.HELD
    page = member.get(f"/t/{thread_id}").text
    assert "This may identify a patient" in page
    assert '<mark class="phi"' in page and "03/14/1952" in page and "(507) 284-2511" in page
    assert "Send to a moderator" in page
    [item] = open_items(db, comment_id)
    assert item.reasons == ["patient_information"] and item.detail.startswith("Patient information:")


def test_a_held_comment_is_never_shown_counted_listed_or_searchable(member, db, thread_id, app):
    post_form(member, thread_id, PHI)
    with TestClient(app) as reader:
        assert "John Smith" not in reader.get(f"/t/{thread_id}").text
        assert reader.get(f"/api/v1/threads/{thread_id}").json()["comment_count"] == 0
        assert reader.get(f"/api/v1/threads/{thread_id}/comments").json()["comments"] == []
        assert "called back from" not in reader.get("/search", params={"q": "called back"}).text


def test_the_api_answers_202_with_the_reasons_and_each_finding(client, token, thread_id, db):
    response = client.post(f"/api/v1/threads/{thread_id}/comments", json={"body": PHI}, headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 202
    data = response.json()
    assert data["status"] == "held" and data["reasons"] == ["patient_information"]
    found = {PHI[f["start"]:f["end"]] for f in data["findings"]}
    assert any("03/14/1952" in words for words in found)
    assert any("284-2511" in words for words in found)
    assert all(f["reason"] and f["kind"] for f in data["findings"])
    clean = client.post(f"/api/v1/threads/{thread_id}/comments", json={"body": CLEAN}, headers={"authorization": f"Bearer {token}"})
    assert clean.status_code == 201


def test_a_thread_that_may_identify_a_patient_is_held_too(client, token, db):
    response = client.post("/api/v1/threads", json={"board": "arm", "title": "A hard case", "body": PHI},
                           headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 202
    assert response.json()["reasons"] == ["patient_information"]
    assert "A hard case" not in client.get("/b/arm").text


def test_posting_over_the_socket_is_held_the_same_and_reaches_no_other_viewer(app, member, thread_id):
    with TestClient(app) as watcher, watcher.websocket_connect(f"/ws/threads/{thread_id}") as viewer:
        with member.websocket_connect(f"/ws/threads/{thread_id}") as ws:
            ws.send_text(json.dumps({"type": "comment", "body": PHI}))
            answer = _next(ws, "posted")
            assert answer["status"] == "held" and answer["reasons"] == ["patient_information"]
            assert answer["findings"]
            ws.send_text(json.dumps({"type": "comment", "body": CLEAN}))
            assert _next(ws, "posted").get("status") is None
        # The first comment the other viewer gets is the clean one: the held one never came.
        first = _next(viewer, "comment")
        assert first["comment"]["body_html"].startswith("<p>Our ward")


def _next(ws, kind: str) -> dict:  # type: ignore[no-untyped-def]
    while True:
        frame = json.loads(ws.receive_text())
        if frame["type"] == kind:
            return frame


def test_a_moderators_post_is_held_by_the_guard_as_well(moderator, db, thread_id):
    response = post_form(moderator, thread_id, PHI)
    comment_id = int(re.search(r"c(\d+)$", response.headers["location"]).group(1))
    assert comment_status(db, comment_id) == Status.HELD


def test_editing_the_findings_away_publishes_the_comment_at_once(member, db, thread_id):
    comment_id = int(re.search(r"(\d+)$", post_form(member, thread_id, PHI).headers["location"]).group(1))
    edit = member.get(f"/comments/{comment_id}/edit")
    assert '<mark class="phi"' in edit.text
    saved = form_post(member, f"/comments/{comment_id}/edit", f"/comments/{comment_id}/edit", {"body": CLEAN})
    assert saved.status_code == 303 and saved.headers["location"].endswith(f"#c{comment_id}")
    assert comment_status(db, comment_id) == Status.PUBLISHED
    [item] = open_items(db, comment_id)
    assert item.state == QueueState.DONE and item.resolution == "resubmitted"
    with db.read() as session:
        assert "comment.resubmitted" in session.scalars(select(AuditEvent.action)).all()


def test_an_edit_that_adds_patient_details_holds_a_published_comment(member, db, thread_id, app):
    comment_id = int(re.search(r"(\d+)$", post_form(member, thread_id, CLEAN).headers["location"]).group(1))
    assert comment_status(db, comment_id) == Status.PUBLISHED
    saved = form_post(member, f"/comments/{comment_id}/edit", f"/comments/{comment_id}/edit", {"body": PHI})
    assert saved.headers["location"].endswith(f"#waiting-c{comment_id}")
    assert comment_status(db, comment_id) == Status.HELD
    with TestClient(app) as reader:
        assert "John Smith" not in reader.get(f"/t/{thread_id}").text


def test_a_comment_held_for_other_reasons_too_keeps_waiting_after_the_fix(app, db, thread_id, database_url, tmp_path):
    from forum.app import create_app
    from tests.conftest import make_settings, register

    strict = create_app(make_settings(database_url, tmp_path, new_account_held_posts=1), database=db)
    with TestClient(strict) as newcomer:
        register(newcomer, "newbie")
        comment_id = int(re.search(r"(\d+)$", post_form(newcomer, thread_id, PHI).headers["location"]).group(1))
        [item] = open_items(db, comment_id)
        assert set(item.reasons) == {"patient_information", "new_account"}
        form_post(newcomer, f"/comments/{comment_id}/edit", f"/comments/{comment_id}/edit", {"body": CLEAN})
    assert comment_status(db, comment_id) == Status.HELD
    [item] = open_items(db, comment_id)
    assert item.state == QueueState.OPEN and item.reasons == ["new_account"]


def test_the_author_can_tell_the_moderator_why_it_is_fine(member, db, thread_id, app):
    comment_id = int(re.search(r"(\d+)$", post_form(member, thread_id, PHI).headers["location"]).group(1))
    sent = form_post(member, f"/t/{thread_id}", f"/comments/{comment_id}/note", {"note": "John Smith is a public figure here."})
    assert sent.status_code == 303
    assert "Your note was sent" in member.get(sent.headers["location"]).text
    [item] = open_items(db, comment_id)
    assert "Author's note: John Smith is a public figure here." in item.detail
    empty = form_post(member, f"/t/{thread_id}", f"/comments/{comment_id}/note", {"note": "   "})
    assert empty.status_code == 422
    with TestClient(app) as other:
        from tests.conftest import register

        register(other, "someone")
        assert form_post(other, f"/t/{thread_id}", f"/comments/{comment_id}/note", {"note": "mine now"}).status_code == 404


def test_the_guard_check_api_warns_on_a_draft(app, member):
    with TestClient(app) as anonymous:
        clean = anonymous.post("/api/v1/guard/check", json={"text": CLEAN})
        assert clean.status_code == 200 and clean.json() == {"findings": []}
        assert anonymous.post("/api/v1/guard/check", json={}).status_code == 422
        assert anonymous.post("/api/v1/guard/check", json={"text": "x" * 100_001}).status_code == 422
        assert anonymous.post("/api/v1/guard/check", json={"text": 7}).status_code == 422
    warned = member.post("/api/v1/guard/check", json={"text": PHI}, headers=api_headers(member))
    assert warned.status_code == 200
    assert {f["kind"] for f in warned.json()["findings"]} >= {"phone"}
    assert member.post("/api/v1/guard/check", json={"text": PHI}).status_code == 403  # a cookie needs the CSRF header


def test_an_imported_article_is_not_held_but_the_preview_shows_what_the_guard_found(app, db):
    with db.write() as session:
        register_user(session, email="mod@example.org", name="mod", password=PASSWORD, role=Role.MODERATOR, trusted=True)
    with TestClient(app) as moderator:
        log_in(moderator, "mod@example.org")
        page = moderator.get("/mod/import")
        text = "A case report.\n\n" + PHI
        preview = moderator.post("/mod/import", data={"csrf_token": csrf_of(page.text), "text": text, "title": "A case",
                                                      "action": "preview", "board": ""})
        assert preview.status_code == 200
        assert "The health-care guard would flag" in preview.text and "284-2511" in preview.text


def test_every_post_form_links_the_community_guidelines(member, thread_id):
    assert "Community guidelines" in member.get(f"/t/{thread_id}").text
    assert "Community guidelines" in member.get("/b/arm/new").text
    guidelines = member.get("/guidelines")
    assert guidelines.status_code == 200
    for rule in ("No patient identifiers without written consent", "Disclose conflicts of interest", "Not medical advice for individuals"):
        assert rule in guidelines.text
