"""A member's own profile: practitioner details and an NPI, from the form and
/api/v1/me, and what readers see on /u/{name}."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from sqlalchemy import select
from starlette.testclient import TestClient

from forum.accounts.models import NpiRecord, User
from forum.moderation.models import AuditEvent
from tests.conftest import api_headers, csrf_of, form_post, register

CHECKS = re.compile(r'<span class="badge check">([^<]+)</span>')
PROFILE = {"full_name": "Ana López", "profession": "Nurse practitioner", "specialty": "Palliative care",
           "organisation": "County Hospital", "npi": "1234-567-893", "bio": "Night shifts.\nMostly."}


def edit(client: TestClient, name: str = "ana", **fields: str):  # type: ignore[no-untyped-def]
    return form_post(client, f"/u/{name}/edit", f"/u/{name}/edit", {**PROFILE, **fields})


def checks(page: str) -> list[str]:
    return CHECKS.findall(page)


def load(db, name: str = "ana") -> User:
    with db.read() as session:
        user = session.scalar(select(User).where(User.name_key == name))
        assert user is not None
        return user


def test_a_member_fills_in_their_practice_and_the_profile_shows_it_with_the_format_check(member, db):
    form = member.get("/u/ana/edit")
    assert form.status_code == 200
    assert 'name="npi"' in form.text and 'name="full_name"' in form.text
    response = edit(member)
    assert response.status_code == 303
    assert response.headers["location"] == "/u/ana?saved=1"
    page = member.get(response.headers["location"]).text
    assert "Profile saved." in page
    for shown in ("Ana López", "Nurse practitioner", "Palliative care", "County Hospital", "1234567893"):
        assert shown in page
    assert checks(page) == ["NPI format valid"]
    assert "it was not looked up" in page
    assert "Verified by moderators" not in page and "Matched to the NPPES registry" not in page
    assert load(db).npi == "1234567893"


def test_readers_see_the_practice_and_the_checks_but_no_edit_link(member, app):
    edit(member)
    with TestClient(app) as reader:
        page = reader.get("/u/ana").text
    assert "County Hospital" in page and checks(page) == ["NPI format valid"]
    assert "/u/ana/edit" not in page
    assert 'href="/u/ana/edit"' in member.get("/u/ana").text


def test_a_profile_without_practice_details_shows_no_practice_section(member):
    page = member.get("/u/ana").text
    assert 'id="practice"' not in page and checks(page) == []


def test_an_npi_failing_its_check_digit_is_refused_with_the_typed_text_kept(member, db):
    response = edit(member, npi="1234567891", full_name="Ana Q. López")
    assert response.status_code == 422
    assert "the check digit does not match: an NPI like this one cannot exist (mistyped digit?)" in response.text
    assert 'value="1234567891"' in response.text
    assert 'value="Ana Q. López"' in html.unescape(response.text)
    assert 'id="npi" name="npi"' in response.text and 'aria-invalid="true"' in response.text
    assert "Night shifts.\nMostly." in response.text
    user = load(db)
    assert user.npi is None and user.full_name == ""


def test_wrong_length_and_wrong_first_digit_each_say_what_is_wrong(member):
    short = edit(member, npi="12345")
    assert short.status_code == 422 and "An NPI is 10 digits; this one has 5." in short.text
    three = edit(member, npi="3234567893")
    assert three.status_code == 422 and "must start with 1 or 2" in three.text


def test_a_field_over_its_limit_is_refused_and_kept(member):
    response = edit(member, specialty="x" * 101)
    assert response.status_code == 422
    assert "Specialty is 101 characters; the limit is 100." in response.text
    assert "x" * 101 in response.text


def test_clearing_the_npi_removes_it_and_its_badges(member, db):
    edit(member)
    assert edit(member, npi="").status_code == 303
    assert load(db).npi is None
    assert checks(member.get("/u/ana").text) == []


def test_nobody_else_can_open_or_post_a_members_profile_form(member, app, db):
    edit(member)
    with TestClient(app) as other, TestClient(app) as visitor:
        register(other, "bo")
        assert other.get("/u/ana/edit").status_code == 404
        token = csrf_of(other.get("/u/bo/edit").text)
        response = other.post("/u/ana/edit", data={**PROFILE, "npi": "", "csrf_token": token}, follow_redirects=False)
        assert response.status_code == 404
        assert visitor.get("/u/ana/edit").status_code == 404
        assert visitor.get("/u/nobody/edit").status_code == 404
    assert load(db).npi == "1234567893"


def test_the_profile_form_needs_its_csrf_token(member, db):
    response = member.post("/u/ana/edit", data={**PROFILE}, follow_redirects=False)
    assert response.status_code == 403
    assert load(db).npi is None


def test_changing_the_npi_drops_the_moderators_confirmation_and_the_registry_match(member, db):
    edit(member, full_name="Ana Lopez")
    with db.write() as session:
        user = session.scalar(select(User).where(User.name_key == "ana"))
        user.npi_confirmed_at = user.npi_registry_matched_at = datetime(2026, 11, 1, tzinfo=UTC)
    assert checks(member.get("/u/ana").text) == ["NPI format valid", "Verified by moderators", "Matched to the NPPES registry"]

    same = edit(member, full_name="Ana Lopez", npi="1234 567 893", profession="Nurse")
    assert same.status_code == 303 and same.headers["location"] == "/u/ana?saved=1"
    assert len(checks(member.get("/u/ana").text)) == 3  # the same number: nothing to check again

    changed = edit(member, full_name="Ana Lopez", npi="2123456784")
    assert changed.headers["location"] == "/u/ana?saved=npi"
    page = member.get(changed.headers["location"]).text
    assert "a moderator needs to confirm the new one" in page
    assert checks(page) == ["NPI format valid"]
    user = load(db)
    assert user.npi_confirmed_at is None and user.npi_confirmed_by_id is None and user.npi_registry_matched_at is None
    with db.read() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "profile.updated").order_by(AuditEvent.id.desc())).first()
    assert event.data["before"] == {"npi": "1234567893", "confirmed": True}
    assert event.data["after"] == {"npi": "2123456784"}


def test_an_npi_entered_after_the_registry_was_imported_is_matched_at_once(member, db):
    with db.write() as session:
        session.add(NpiRecord(npi="1234567893", entity_type="1", first_name="ANA", last_name="LOPEZ", credential="NP"))
    edit(member, full_name="Ana López, NP")
    assert checks(member.get("/u/ana").text) == ["NPI format valid", "Matched to the NPPES registry"]
    edit(member, full_name="Ana Smith")
    assert checks(member.get("/u/ana").text) == ["NPI format valid"]


# /api/v1/me ---------------------------------------------------------------------


def test_the_api_shows_and_changes_only_the_fields_sent(member):
    headers = api_headers(member)
    before = member.get("/api/v1/me").json()
    assert before == {"name": "ana", "full_name": "", "profession": "", "specialty": "", "organisation": "",
                      "npi": None, "bio": "", "badges": []}
    response = member.patch("/api/v1/me", json={"npi": "1234 567 893", "profession": "Pharmacist"}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["npi"] == "1234567893" and response.json()["badges"] == ["NPI format valid"]
    response = member.patch("/api/v1/me", json={"specialty": "Oncology"}, headers=headers)
    assert response.json()["profession"] == "Pharmacist" and response.json()["npi"] == "1234567893"
    removed = member.patch("/api/v1/me", json={"npi": None}, headers=headers).json()
    assert removed["npi"] is None and removed["badges"] == []


def test_the_api_refuses_a_bad_npi_with_the_reason_and_changes_nothing(member):
    headers = api_headers(member)
    response = member.patch("/api/v1/me", json={"npi": "1234567891", "profession": "Nurse"}, headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
    assert "the check digit does not match" in response.json()["error"]["message"]
    assert member.get("/api/v1/me").json()["profession"] == ""
    unknown = member.patch("/api/v1/me", json={"email": "x@example.org"}, headers=headers)
    assert unknown.status_code == 422 and "email" in unknown.json()["error"]["message"]
    wrong_type = member.patch("/api/v1/me", json={"npi": 1234567893}, headers=headers)
    assert wrong_type.status_code == 422


def test_the_api_needs_a_login_and_a_browser_needs_the_csrf_header(client, member, token):
    assert member.patch("/api/v1/me", json={"profession": "Nurse"}).status_code == 403
    with TestClient(client.app) as anonymous:
        assert anonymous.get("/api/v1/me").status_code == 401
        assert anonymous.patch("/api/v1/me", json={"profession": "Nurse"}).status_code == 401
        mine = anonymous.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert mine.status_code == 200 and mine.json()["name"] == "bo"
