"""Moderators confirming practitioners' NPIs (page and API, audited), and the
patient-information flag of a verified practitioner hiding a post at once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from forum.accounts.models import User
from forum.accounts.permissions import flag_hides_at_once, is_verified_practitioner
from forum.accounts.services import create_api_token, register
from forum.boards.models import Thread
from forum.moderation.models import AuditEvent
from forum.types import Role
from tests.conftest import PASSWORD, csrf_of, form_post, log_in, post_comment

CHECKS = re.compile(r'<span class="badge check">([^<]+)</span>')
WHEN = datetime(2026, 11, 1, tzinfo=UTC)


def make_user(db, name: str, *, role: Role = Role.MEMBER, npi: str | None = None, **fields: object) -> int:
    with db.write() as session:
        user = register(session, email=f"{name}@example.org", name=name, password=PASSWORD, role=role, trusted=True)
        user.npi = npi
        for key, value in fields.items():
            setattr(user, key, value)
        session.flush()
        return user.id  # type: ignore[return-value]


def load(db, user_id: int) -> User:
    with db.read() as session:
        return session.get(User, user_id)  # type: ignore[return-value]


def events(db, action: str) -> list[AuditEvent]:
    with db.read() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def bearer(db, user_id: int) -> dict[str, str]:
    with db.write() as session:
        return {"Authorization": f"Bearer {create_api_token(session, user=session.get(User, user_id))}"}


@contextmanager
def browser(app, name: str | None = None) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        if name is not None:
            log_in(client, f"{name}@example.org")
        yield client


def act(client: TestClient, user_id: int, action: str, **data: str):  # type: ignore[no-untyped-def]
    return form_post(client, f"/mod/users/{user_id}", f"/mod/users/{user_id}/{action}", data)


@pytest.fixture
def people(db) -> dict[str, int]:
    return {
        "ana": make_user(db, "ana", npi="1234567893", full_name="Ana Lopez", profession="Nurse"),
        "bo": make_user(db, "bo"),
        "mo": make_user(db, "mo", role=Role.MODERATOR),
        "ada": make_user(db, "ada", role=Role.ADMIN),
    }


# Confirmation from the moderators' page -------------------------------------------


def test_a_moderator_confirms_a_members_npi_and_the_profile_then_says_verified_by_moderators(app, db, people):
    ana = people["ana"]
    with browser(app, "mo") as mo, browser(app) as reader:
        page = mo.get(f"/mod/users/{ana}").text
        assert CHECKS.findall(page) == ["NPI format valid"]
        assert "Not confirmed by a moderator." in page and "Confirm practitioner" in page
        assert "The imported NPPES registry does not have this NPI" in page

        response = act(mo, ana, "confirm-practitioner", npi="1234567893", reason="Called the ward")
        assert response.status_code == 303
        assert response.headers["location"] == f"/mod/users/{ana}?done=confirm-practitioner"
        page = mo.get(response.headers["location"]).text
        assert "their profile now shows “Verified by moderators”" in page
        assert "Confirmed by mo on" in page and "Withdraw confirmation" in page
        assert CHECKS.findall(reader.get("/u/ana").text) == ["NPI format valid", "Verified by moderators"]

    user = load(db, ana)
    assert user.npi_confirmed_by_id == people["mo"] and user.npi_confirmed_at is not None
    [event] = events(db, "user.practitioner_confirmed")
    assert event.actor_id == people["mo"] and event.target_id == ana
    assert event.data["reason"] == "Called the ward"
    assert event.data["before"]["confirmed_at"] is None and event.data["after"]["npi"] == "1234567893"


def test_withdrawing_a_confirmation_leaves_the_format_check_and_is_audited(app, db, people):
    ana = people["ana"]
    with browser(app, "mo") as mo:
        act(mo, ana, "confirm-practitioner", npi="1234567893")
        again = act(mo, ana, "confirm-practitioner", npi="1234567893")
        assert again.headers["location"].endswith("done=unchanged")
        response = act(mo, ana, "unconfirm-practitioner", npi="1234567893", reason="Wrong person")
        assert response.status_code == 303
        assert "no longer shows “Verified by moderators”" in mo.get(response.headers["location"]).text
        assert CHECKS.findall(mo.get("/u/ana").text) == ["NPI format valid"]
    assert load(db, ana).npi_confirmed_at is None
    assert [e.data["reason"] for e in events(db, "user.practitioner_unconfirmed")] == ["Wrong person"]
    assert len(events(db, "user.practitioner_confirmed")) == 1


def test_without_an_npi_there_is_nothing_to_confirm(app, db, people):
    with browser(app, "mo") as mo:
        page = mo.get(f"/mod/users/{people['bo']}").text
        assert "No practitioner details." in page and "Confirm practitioner" not in page
        response = act(mo, people["bo"], "confirm-practitioner")
        assert response.status_code == 409
        assert "They have no NPI on file" in response.text
    assert events(db, "user.practitioner_confirmed") == []


def test_a_number_changed_since_the_moderator_looked_is_not_confirmed(app, db, people):
    ana = people["ana"]
    with browser(app, "mo") as mo:
        page = mo.get(f"/mod/users/{ana}").text
        with db.write() as session:
            session.get(User, ana).npi = "2123456784"
        token = csrf_of(page)
        response = mo.post(f"/mod/users/{ana}/confirm-practitioner", data={"csrf_token": token, "npi": "1234567893"},
                           follow_redirects=False)
        assert response.status_code == 409
        assert "Their NPI changed to 2123456784 since you looked" in response.text
    assert load(db, ana).npi_confirmed_at is None


def test_a_member_cannot_confirm_anyone_and_gets_a_404(app, db, people):
    with browser(app, "bo") as bo:
        token = csrf_of(bo.get("/").text)
        response = bo.post(f"/mod/users/{people['ana']}/confirm-practitioner", data={"csrf_token": token}, follow_redirects=False)
        assert response.status_code == 404
    assert load(db, people["ana"]).npi_confirmed_at is None


def test_a_moderator_cannot_confirm_their_own_npi_but_an_admin_can(app, db, people):
    with db.write() as session:
        session.get(User, people["mo"]).npi = "1234567893"
    with browser(app, "mo") as mo:
        page = mo.get(f"/mod/users/{people['mo']}").text
        assert "Confirm practitioner" not in page
        response = act(mo, people["mo"], "confirm-practitioner")
        assert response.status_code == 403 and "another moderator has to" in response.text
    with browser(app, "ada") as ada:
        assert act(ada, people["mo"], "confirm-practitioner", npi="1234567893").status_code == 303
    assert load(db, people["mo"]).npi_confirmed_by_id == people["ada"]


# Confirmation through the API ---------------------------------------------------------


def test_the_api_confirms_and_withdraws_and_returns_the_members_record(app, db, people):
    ana, headers = people["ana"], bearer(db, people["mo"])
    with browser(app) as api:
        response = api.post(f"/api/v1/mod/users/{ana}/confirm-practitioner", headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["changed"] is True
        assert body["user"]["npi"] == "1234567893"
        assert body["user"]["badges"] == ["NPI format valid", "Verified by moderators"]
        assert body["user"]["npi_confirmed_at"].endswith("Z")
        assert api.post(f"/api/v1/mod/users/{ana}/confirm-practitioner", headers=headers).json()["changed"] is False

        withdrawn = api.post(f"/api/v1/mod/users/{ana}/unconfirm-practitioner", json={"reason": "Checked again"}, headers=headers)
        assert withdrawn.status_code == 200
        assert withdrawn.json()["user"]["badges"] == ["NPI format valid"]

        stale = api.post(f"/api/v1/mod/users/{ana}/confirm-practitioner", json={"npi": "2123456784"}, headers=headers)
        assert stale.status_code == 409 and "changed to 1234567893" in stale.json()["error"]["message"]
        none = api.post(f"/api/v1/mod/users/{people['bo']}/confirm-practitioner", headers=headers)
        assert none.status_code == 409 and none.json()["error"]["message"].startswith("They have no NPI on file")
        assert api.post("/api/v1/mod/users/999999/confirm-practitioner", headers=headers).status_code == 404

        member = api.post(f"/api/v1/mod/users/{ana}/confirm-practitioner", headers=bearer(db, people["bo"]))
        assert member.status_code == 403
    assert [e.actor_id for e in events(db, "user.practitioner_confirmed")] == [people["mo"]]
    assert [e.data["reason"] for e in events(db, "user.practitioner_unconfirmed")] == ["Checked again"]


# The patient-information flag -----------------------------------------------------------


def verified(db, name: str, **checks: object) -> int:
    return make_user(db, name, npi="1234567893", **checks)


def start_thread(client: TestClient, title: str = "Handover notes") -> int:
    response = form_post(client, "/b/harness/new", "/b/harness/new", {"title": title, "body": "You all know who I mean: the retired choir teacher from our town, back again."})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].split("/")[2])


def flag(client: TestClient, path: str):  # type: ignore[no-untyped-def]
    return form_post(client, f"{path}/flag", f"{path}/flag", {"reason": "patient_information", "note": ""})


def test_a_verified_practitioners_patient_information_flag_hides_a_comment_at_once(app, db):
    make_user(db, "writer")
    verified(db, "vi", npi_confirmed_at=WHEN)
    with browser(app, "writer") as writer, browser(app, "vi") as vi, browser(app) as reader:
        thread_id = start_thread(writer)
        comment_id = post_comment(writer, thread_id, "The bakery owner on the corner was readmitted with the same rash")
        assert "bakery owner" in reader.get(f"/t/{thread_id}").text
        response = flag(vi, f"/comments/{comment_id}")
        assert response.status_code == 303
        assert "bakery owner" not in reader.get(f"/t/{thread_id}").text
        assert "bakery owner" not in vi.get(f"/t/{thread_id}").text
    [event] = events(db, "comment.hidden_by_flags")
    assert event.data["urgent"] is True and event.data["flags"] == 1


def test_a_verified_practitioners_patient_information_flag_hides_a_thread_at_once(app, db):
    make_user(db, "writer")
    verified(db, "vi", npi_confirmed_at=WHEN)
    with browser(app, "writer") as writer, browser(app, "vi") as vi, browser(app) as reader:
        thread_id = start_thread(writer)
        response = flag(vi, f"/t/{thread_id}")
        assert response.status_code == 303
        assert response.headers["location"] == "/flags?flagged=1"  # it is hidden: they can no longer open it
        assert reader.get(f"/t/{thread_id}").status_code == 404
        assert "Handover notes" not in reader.get("/b/harness").text
        assert writer.get(f"/t/{thread_id}").status_code == 200  # its author sees it, taken down
    with db.read() as session:
        assert session.get(Thread, thread_id).status == "hidden"


@pytest.mark.parametrize("check", [None, "npi_registry_matched_at"])
def test_an_npi_that_only_passed_its_format_check_or_matched_the_public_registry_does_not_hide_anything(app, db, check):
    make_user(db, "writer")
    # "NPI format valid": anyone can type such a number; "Matched to the NPPES registry": the
    # registry is public, so anyone can type a real practitioner's name beside their number.
    verified(db, "fo", **({check: WHEN} if check else {}))
    with browser(app, "writer") as writer, browser(app, "fo") as fo, browser(app) as reader:
        thread_id = start_thread(writer)
        comment_id = post_comment(writer, thread_id, "The bakery owner on the corner is back with the same rash")
        assert flag(fo, f"/comments/{comment_id}").status_code == 303
        assert flag(fo, f"/t/{thread_id}").status_code == 303
        page = reader.get(f"/t/{thread_id}")
        assert page.status_code == 200 and "bakery owner" in page.text
    assert events(db, "comment.hidden_by_flags") == [] and events(db, "thread.hidden_by_flags") == []


def test_only_a_patient_information_flag_from_a_verified_practitioner_hides_at_once(db):
    make_user(db, "writer")
    ids = {"vi": verified(db, "vi", npi_confirmed_at=WHEN), "fo": verified(db, "fo", npi_registry_matched_at=WHEN), "me": make_user(db, "me")}
    with db.read() as session:
        thread = Thread(id=1, board_id=1, title="t", slug="t", body_md="", body_html="", status="published")
        vi, fo, me = (session.get(User, ids[n]) for n in ("vi", "fo", "me"))
    assert is_verified_practitioner(vi) and not is_verified_practitioner(fo) and not is_verified_practitioner(me)
    assert flag_hides_at_once(vi, thread, "patient_information")
    assert not flag_hides_at_once(vi, thread, "spam")
    assert not flag_hides_at_once(fo, thread, "patient_information")
    assert not flag_hides_at_once(me, thread, "patient_information")
    assert not flag_hides_at_once(None, thread, "patient_information")
    vi.suspended_until = datetime(2999, 1, 1, tzinfo=UTC)
    assert not flag_hides_at_once(vi, thread, "patient_information")


def test_a_withdrawn_confirmation_no_longer_hides_at_once(app, db, people):
    make_user(db, "writer")
    with browser(app, "mo") as mo:
        act(mo, people["ana"], "confirm-practitioner", npi="1234567893")
        act(mo, people["ana"], "unconfirm-practitioner", npi="1234567893")
    with browser(app, "writer") as writer, browser(app, "ana") as ana, browser(app) as reader:
        thread_id = start_thread(writer)
        comment_id = post_comment(writer, thread_id, "The bakery owner on the corner is back with the same rash")
        flag(ana, f"/comments/{comment_id}")
        assert "bakery owner" in reader.get(f"/t/{thread_id}").text
