"""Moderators and admins managing people: silence, suspension, notes and roles,
from the /mod/users pages and the API, and what the member sees."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from starlette.testclient import TestClient

from forum.accounts.models import User, UserSession
from forum.accounts.services import create_api_token, register
from forum.boards.models import Board
from forum.boards.services import create_thread
from forum.moderation.models import AuditEvent
from forum.moderation.users import silence_user
from forum.types import Role
from tests.conftest import PASSWORD, api_headers, csrf_of, form_post, log_in, post_comment

UNTIL = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_user(db, name: str, *, role: Role = Role.MEMBER, boards: list[str] | None = None) -> int:
    with db.write() as session:
        user = register(session, email=f"{name}@example.org", name=name, password=PASSWORD, role=role, trusted=True)
        if boards:
            user.moderated_boards = [session.scalar(select(Board.id).where(Board.slug == slug)) for slug in boards]
        session.flush()
        return user.id  # type: ignore[return-value]


def token_for(db, user_id: int) -> str:
    with db.write() as session:
        return create_api_token(session, user=session.get(User, user_id))


def load(db, user_id: int) -> User:
    with db.read() as session:
        return session.get(User, user_id)  # type: ignore[return-value]


@contextmanager
def browser(app, name: str | None = None) -> Iterator[TestClient]:
    """A separate browser, logged in as `name` if given."""
    with TestClient(app, raise_server_exceptions=False) as client:
        if name is not None:
            log_in(client, f"{name}@example.org")
        yield client


def start_thread(db, board: str = "rally", title: str = "Rounds") -> int:
    with db.write() as session:
        author = session.scalar(select(User).where(User.name_key == "writer"))
        if author is None:
            author = register(session, email="writer@example.org", name="writer", password=PASSWORD, trusted=True)
        return create_thread(session, author=author, board_slug=board, title=title, body="How do you run them?").id  # type: ignore[return-value]


def events(db, action: str, target_id: int) -> list[AuditEvent]:
    with db.read() as session:
        return list(session.scalars(
            select(AuditEvent).where(AuditEvent.action == action, AuditEvent.target_id == target_id).order_by(AuditEvent.id)
        ))


def act(client: TestClient, user_id: int, action: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    """Submit one of the forms on a member's page."""
    return form_post(client, f"/mod/users/{user_id}", f"/mod/users/{user_id}/{action}", data)


@pytest.fixture
def people(db) -> dict[str, int]:
    """A member (ana), two moderators (mo, max), and an admin (ada)."""
    return {
        "ana": make_user(db, "ana"),
        "mo": make_user(db, "mo", role=Role.MODERATOR),
        "max": make_user(db, "max", role=Role.MODERATOR),
        "ada": make_user(db, "ada", role=Role.ADMIN),
    }


# Finding members and reading their history


def test_a_moderator_finds_members_by_name_or_email_and_each_links_to_their_page(app, db, people):
    make_user(db, "anabel")
    with browser(app, "mo") as mod:
        by_name = mod.get("/mod/users?q=ANA")
        assert by_name.status_code == 200
        assert f'<a href="/mod/users/{people["ana"]}">ana</a>' in by_name.text
        assert ">anabel</a>" in by_name.text and ">max</a>" not in by_name.text
        by_email = mod.get("/mod/users?q=max@example")
        assert ">max</a>" in by_email.text and ">ana</a>" not in by_email.text
        nobody = mod.get("/mod/users?q=%25")
        assert "No member" in nobody.text and ">ana</a>" not in nobody.text
        everyone = mod.get("/mod/users")
        assert all(f">{n}</a>" in everyone.text for n in ("ana", "mo", "max", "ada"))


def test_members_and_visitors_get_a_404_from_the_member_pages(app, db, people):
    with browser(app, "ana") as member, browser(app) as visitor:
        for client in (member, visitor):
            assert client.get("/mod/users").status_code == 404
            assert client.get(f"/mod/users/{people['mo']}").status_code == 404
        token = csrf_of(member.get("/").text)
        response = member.post(f"/mod/users/{people['max']}/silence",
                               data={"csrf_token": token, "duration": "1d", "reason": "no"}, follow_redirects=False)
        assert response.status_code == 404
    assert not load(db, people["max"]).is_silenced()


def test_a_user_page_for_an_id_that_does_not_exist_is_a_404(app, people):
    with browser(app, "mo") as mod:
        assert mod.get("/mod/users/999999").status_code == 404
        assert mod.get("/mod/users/99999999999999").status_code == 404


def test_the_history_shows_their_posts_of_every_status_flags_both_ways_and_audit_events(app, db, people):
    thread_id = start_thread(db)
    with browser(app, "ana") as ana:
        kept = post_comment(ana, thread_id, "A fine comment")
        hidden = post_comment(ana, thread_id, "A rude comment")
    mod_token, bo_token = token_for(db, people["mo"]), token_for(db, make_user(db, "bo"))
    with browser(app) as api:
        assert api.post(f"/api/v1/mod/comments/{hidden}/hide", json={"reason": "Rude"}, headers=bearer(mod_token)).status_code == 200
        assert api.post(f"/api/v1/comments/{kept}/flags", json={"reason": "spam"}, headers=bearer(bo_token)).status_code == 201
        ana_token = token_for(db, people["ana"])
        flagged_by_ana = api.post(f"/api/v1/threads/{thread_id}/flags", json={"reason": "off_topic"}, headers=bearer(ana_token))
        assert flagged_by_ana.status_code == 201
    with browser(app, "mo") as mod:
        page = mod.get(f"/mod/users/{people['ana']}").text
    assert "A fine comment" in page and "A rude comment" in page
    assert '<span class="badge">hidden</span>' in page and "Rude" in page
    received = page[page.index('id="flags-received"'):page.index('id="made-heading"')]
    bo_id = load_id(db, "bo")
    assert f'<a href="/mod/users/{bo_id}">bo</a>' in received and "Spam" in received
    made = page[page.index('id="flags-made"'):]
    assert "Off-topic" in made and f"/t/{thread_id}" in made
    log = page[page.index('id="user-events"'):]
    assert "comment.hidden" not in log  # done by a moderator to a comment, not by or to her account
    assert "flag.created" in log and "account.registered" in log


def load_id(db, name: str) -> int:
    with db.read() as session:
        return session.scalar(select(User.id).where(User.name_key == name))  # type: ignore[return-value]


# Silence


def test_a_moderator_silences_a_member_and_the_member_sees_until_when_and_why_instead_of_the_form(app, db, people):
    thread_id = start_thread(db)
    with browser(app, "mo") as mod:
        response = act(mod, people["ana"], "silence", {"duration": "7d", "reason": "Posting the same link everywhere"})
        assert response.status_code == 303
        assert response.headers["location"] == f"/mod/users/{people['ana']}?done=silence"
        page = mod.get(response.headers["location"]).text
    assert "Silenced:" in page and "Silenced</strong> until" in page and "Posting the same link everywhere" in page
    ana = load(db, people["ana"])
    assert ana.silenced_until is not None
    assert timedelta(days=7) - timedelta(minutes=1) < ana.silenced_until - datetime.now(UTC) <= timedelta(days=7)
    with browser(app, "ana") as member:
        thread = member.get(f"/t/{thread_id}").text
    assert 'id="comment-form"' not in thread
    notice = re.search(r'id="silence-notice">([^<]*)<', thread)
    assert notice, thread
    assert notice.group(1).startswith("You cannot post until ") and UNTIL.search(notice.group(1))
    assert notice.group(1).endswith("Reason: Posting the same link everywhere")
    [event] = events(db, "user.silenced", people["ana"])
    assert event.actor_id == people["mo"]
    assert event.data["reason"] == "Posting the same link everywhere"
    assert event.data["before"]["silenced_until"] is None
    assert event.data["after"]["silenced_until"].startswith(ana.silenced_until.isoformat()[:16])


def test_a_silenced_member_cannot_post_by_form_api_or_socket(app, db, people):
    thread_id = start_thread(db)
    with db.write() as session:
        silence_user(session, moderator=session.get(User, people["mo"]), user_id=people["ana"],
                     until=datetime.now(UTC) + timedelta(days=1), reason="Cooling off")
    with browser(app, "ana") as member:
        form = form_post(member, f"/t/{thread_id}", f"/t/{thread_id}/comments", {"body": "Let me in"})
        assert form.status_code == 403
        assert "You cannot post until" in form.text and "Reason: Cooling off" in form.text
        api = member.post(f"/api/v1/threads/{thread_id}/comments", json={"body": "Let me in"}, headers=api_headers(member))
        assert api.status_code == 403
        assert api.json()["error"]["code"] == "forbidden"
        assert api.json()["error"]["message"].startswith("You cannot post until") and "Reason: Cooling off" in api.json()["error"]["message"]
        with member.websocket_connect(f"/ws/threads/{thread_id}") as ws:
            ws.send_text(json.dumps({"type": "comment", "body": "Let me in"}))
            error = next_frame(ws, "error", "posted")
    assert error["code"] == "forbidden" and error["message"].startswith("You cannot post until")
    assert "Reason: Cooling off" in error["message"]
    with browser(app) as reader:
        assert reader.get(f"/api/v1/threads/{thread_id}/comments").json()["comments"] == []


def next_frame(ws, *kinds: str) -> dict:  # type: ignore[no-untyped-def]
    while True:
        frame = json.loads(ws.receive_text())
        if frame["type"] in kinds:
            return frame


def test_a_socket_opened_before_the_silence_cannot_post_after_it(app, db, people):
    thread_id = start_thread(db)
    # Both browsers open first: leaving a client's block shuts the app down.
    with browser(app, "ana") as member, browser(app, "mo") as mod:
        with member.websocket_connect(f"/ws/threads/{thread_id}") as ws:
            next_frame(ws, "presence")
            assert act(mod, people["ana"], "silence", {"duration": "1h", "reason": "Too hot"}).status_code == 303
            ws.send_text(json.dumps({"type": "comment", "body": "Still here"}))
            answer = next_frame(ws, "error", "posted")
    assert answer["type"] == "error", answer
    assert answer["code"] == "forbidden" and "Reason: Too hot" in answer["message"]


def test_a_socket_opened_before_a_suspension_cannot_post_after_it(app, db, people):
    thread_id = start_thread(db)
    # Both browsers open first: leaving a client's block shuts the app down.
    with browser(app, "ana") as member, browser(app, "mo") as mod:
        with member.websocket_connect(f"/ws/threads/{thread_id}") as ws:
            next_frame(ws, "presence")
            assert act(mod, people["ana"], "suspend", {"duration": "1h", "reason": "Spam"}).status_code == 303
            ws.send_text(json.dumps({"type": "comment", "body": "Still here"}))
            answer = next_frame(ws, "error", "posted")
    assert answer["type"] == "error" and answer["code"] == "not_authenticated"


def test_a_silence_that_has_ended_lets_the_member_post_again(app, db, people):
    thread_id = start_thread(db)
    with browser(app, "mo") as mod:
        act(mod, people["ana"], "silence", {"duration": "1d", "reason": "Cooling off"})
    with db.write() as session:
        session.execute(update(User).where(User.id == people["ana"]).values(silenced_until=datetime.now(UTC) - timedelta(minutes=1)))
    with browser(app, "ana") as member:
        page = member.get(f"/t/{thread_id}").text
        assert 'id="comment-form"' in page and "silence-notice" not in page
        post_comment(member, thread_id, "Back again")
    with browser(app, "mo") as mod:
        assert "In good standing" in mod.get(f"/mod/users/{people['ana']}").text


def test_lifting_a_silence_from_the_page_lets_the_member_post_and_is_audited(app, db, people):
    thread_id = start_thread(db)
    with browser(app, "mo") as mod:
        act(mod, people["ana"], "silence", {"duration": "30d", "reason": "Cooling off"})
        page = mod.get(f"/mod/users/{people['ana']}").text
        assert 'id="unsilence-form"' in page
        response = act(mod, people["ana"], "unsilence", {"reason": "Apologised"})
        assert response.headers["location"].endswith("?done=unsilence")
        again = act(mod, people["ana"], "unsilence", {"reason": ""})
        assert again.headers["location"].endswith("?done=unchanged")
        assert "Nothing changed." in mod.get(again.headers["location"]).text
    with browser(app, "ana") as member:
        post_comment(member, thread_id, "Thanks")
    [event] = events(db, "user.unsilenced", people["ana"])
    assert event.data["reason"] == "Apologised"
    assert event.data["before"]["reason"] == "Cooling off" and event.data["after"] == {"silenced_until": None, "reason": ""}


def test_a_reason_is_required_and_durations_are_the_offered_ones_or_a_number_of_days(app, db, people):
    with browser(app, "mo") as mod:
        no_reason = act(mod, people["ana"], "silence", {"duration": "1d", "reason": "  "})
        assert no_reason.status_code == 422 and "Give a reason; the member will see it." in no_reason.text
        odd = act(mod, people["ana"], "silence", {"duration": "2w", "reason": "Spam"})
        assert odd.status_code == 422 and "Choose how long" in odd.text
        for days in ("", "0", "-3", "abc", "99999"):
            bad = act(mod, people["ana"], "suspend", {"duration": "custom", "days": days, "reason": "Spam"})
            assert bad.status_code == 422 and "number of days" in bad.text, days
            assert ">Spam</textarea>" in bad.text  # the reason is kept for another try
        assert not load(db, people["ana"]).is_silenced()
        assert act(mod, people["ana"], "silence", {"duration": "custom", "days": "3", "reason": "Spam"}).status_code == 303
        assert act(mod, people["ana"], "silence", {"duration": "1h", "reason": "Spam"}).status_code == 303
    left = load(db, people["ana"]).silenced_until - datetime.now(UTC)  # type: ignore[operator]
    assert timedelta(minutes=58) < left <= timedelta(hours=1)
    assert len(events(db, "user.silenced", people["ana"])) == 2


# Suspension


def test_a_suspension_logs_the_member_out_at_once_and_the_login_form_says_until_when_and_why(app, db, people):
    with browser(app, "ana") as member:
        assert ">ana</a>" in member.get("/").text
        with browser(app, "mo") as mod:
            response = act(mod, people["ana"], "suspend", {"duration": "7d", "reason": "Harassing other members"})
            assert response.headers["location"].endswith("?done=suspend")
            assert "Suspended</strong> until" in mod.get(response.headers["location"]).text
        home = member.get("/").text
        assert ">ana</a>" not in home and 'href="/login"' in home
        assert member.get("/mod/users").status_code == 404
        login = form_post(member, "/login", "/login", {"email": "ana@example.org", "password": PASSWORD})
    assert login.status_code == 400
    message = re.search(r'class="error"[^>]*>([^<]*)<', login.text)
    assert message and message.group(1).startswith("This account is suspended until ")
    assert UNTIL.search(message.group(1)) and message.group(1).endswith("Reason: Harassing other members")
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == people["ana"])) == 0
    [event] = events(db, "user.suspended", people["ana"])
    assert event.data["sessions_ended"] == 1 and event.data["reason"] == "Harassing other members"
    assert event.data["before"]["suspended_until"] is None and event.data["after"]["suspended_until"]


def test_a_suspended_members_api_token_gets_401_and_works_again_when_the_suspension_is_lifted(app, db, people):
    thread_id = start_thread(db)
    ana_token = token_for(db, people["ana"])
    with browser(app) as api, browser(app, "mo") as mod:
        act(mod, people["ana"], "suspend", {"duration": "1d", "reason": "Spam"})
        refused = api.post(f"/api/v1/threads/{thread_id}/comments", json={"body": "Hi"}, headers=bearer(ana_token))
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "not_authenticated"
        assert act(mod, people["ana"], "unsuspend", {"reason": "Appeal accepted"}).headers["location"].endswith("?done=unsuspend")
        allowed = api.post(f"/api/v1/threads/{thread_id}/comments", json={"body": "Hi"}, headers=bearer(ana_token))
        assert allowed.status_code == 201
    [event] = events(db, "user.unsuspended", people["ana"])
    assert event.data["reason"] == "Appeal accepted" and event.data["after"]["suspended_until"] is None
    with browser(app, "ana") as member:  # and she can log in again
        assert ">ana</a>" in member.get("/").text


# Notes


def test_notes_are_seen_on_the_moderator_page_newest_first_and_never_on_the_public_profile(app, db, people):
    with browser(app, "mo") as mod:
        assert act(mod, people["ana"], "note", {"body": "Warned about self-promotion"}).headers["location"].endswith("?done=note")
        act(mod, people["ana"], "note", {"body": "Second <b>warning</b>"})
        empty = act(mod, people["ana"], "note", {"body": " "})
        assert empty.status_code == 422
        page = mod.get(f"/mod/users/{people['ana']}").text
    notes = page[page.index('id="notes"'):page.index('id="threads-heading"')]
    assert notes.index("Second &lt;b&gt;warning&lt;/b&gt;") < notes.index("Warned about self-promotion")
    assert f'<a href="/mod/users/{people["mo"]}">mo</a>' in notes
    with browser(app, "ana") as member, browser(app) as visitor:
        for client in (member, visitor):
            profile = client.get("/u/ana")
            assert profile.status_code == 200 and "self-promotion" not in profile.text and "warning" not in profile.text
        assert member.get(f"/mod/users/{people['ana']}").status_code == 404
    assert [e.data["body"] for e in events(db, "user.noted", people["ana"])] == ["Warned about self-promotion", "Second <b>warning</b>"]


# Who may act on whom


def test_a_moderator_cannot_act_on_another_moderator_or_on_themselves(app, db, people):
    with browser(app, "mo") as mod:
        page = mod.get(f"/mod/users/{people['max']}").text
        assert 'id="silence-form"' not in page and "Only an admin can" in page
        for action, data in (("silence", {"duration": "1d", "reason": "x"}), ("suspend", {"duration": "1d", "reason": "x"}),
                             ("note", {"body": "x"}), ("unsilence", {})):
            response = act(mod, people["max"], action, data)
            assert response.status_code == 403, action
            assert "Only an admin can act on a moderator." in response.text
        mine = act(mod, people["mo"], "silence", {"duration": "1d", "reason": "x"})
        assert mine.status_code == 403 and "You cannot act on your own account." in mine.text
        admin = act(mod, people["ada"], "suspend", {"duration": "1d", "reason": "x"})
        assert admin.status_code == 403
    assert not load(db, people["max"]).is_silenced() and not load(db, people["ada"]).is_suspended()


def test_an_admin_can_silence_and_note_a_moderator(app, db, people):
    with browser(app, "ada") as admin:
        assert act(admin, people["mo"], "silence", {"duration": "1d", "reason": "Heavy-handed"}).status_code == 303
        assert act(admin, people["mo"], "note", {"body": "Talked it through"}).status_code == 303
    assert load(db, people["mo"]).is_silenced()


# Roles


def test_an_admin_makes_a_member_moderator_of_one_board_who_then_moderates_that_board_only(app, db, people):
    rally, arm = start_thread(db, "rally", "On rally"), start_thread(db, "arm", "On arm")
    with browser(app, "writer") as writer:
        on_rally, on_arm = post_comment(writer, rally, "rally words"), post_comment(writer, arm, "arm words")
    with browser(app, "mo") as mod:
        assert 'id="role-form"' not in mod.get(f"/mod/users/{people['ana']}").text
    with browser(app, "ada") as admin:
        page = admin.get(f"/mod/users/{people['ana']}").text
        assert 'id="role-form"' in page
        response = act(admin, people["ana"], "role", {"role": "moderator", "boards": "rally", "reason": "Runs the rallies"})
        assert response.headers["location"].endswith("?done=role")
        assert "Role: moderator of rally." in admin.get(response.headers["location"]).text
    with browser(app, "ana") as ana:
        assert ana.get("/mod").status_code == 200
        headers = api_headers(ana)
        assert ana.post(f"/api/v1/mod/comments/{on_rally}/hide", json={"reason": "Off"}, headers=headers).status_code == 200
        assert ana.post(f"/api/v1/mod/comments/{on_arm}/hide", json={"reason": "Off"}, headers=headers).status_code == 403
        assert ana.get(f"/mod/users/{load_id(db, 'writer')}").status_code == 200
    [event] = events(db, "user.role", people["ana"])
    assert event.actor_id == people["ada"]
    assert event.data["before"] == {"role": "member", "boards": []}
    assert event.data["after"] == {"role": "moderator", "boards": ["rally"]}
    assert event.data["reason"] == "Runs the rallies"


def test_a_moderator_may_not_change_roles_and_the_last_admin_is_never_demoted(app, db, people):
    with browser(app, "mo") as mod:
        refused = act(mod, people["ana"], "role", {"role": "admin"})
        assert refused.status_code == 403 and "Only an admin can change roles." in refused.text
    with browser(app, "ada") as admin:
        alone = act(admin, people["ada"], "role", {"role": "member"})
        assert alone.status_code == 409 and "only admin" in alone.text
        assert act(admin, people["ada"], "role", {"role": "wizard"}).status_code == 422
        assert act(admin, people["ana"], "role", {"role": "moderator", "boards": "nowhere"}).status_code == 422
        assert act(admin, people["max"], "role", {"role": "admin"}).status_code == 303
        assert act(admin, people["ada"], "role", {"role": "moderator"}).status_code == 303
    assert load(db, people["ana"]).role == Role.MEMBER and load(db, people["ada"]).role == Role.MODERATOR
    assert load(db, people["max"]).role == Role.ADMIN


# The API


def test_the_api_silences_for_hours_and_returns_the_members_record(app, db, people):
    mod_token = token_for(db, people["mo"])
    with browser(app) as api:
        response = api.post(f"/api/v1/mod/users/{people['ana']}/silence", json={"hours": 2, "reason": "Cooling off"}, headers=bearer(mod_token))
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["changed"] is True
        record = api.get(f"/api/v1/mod/users/{people['ana']}", headers=bearer(mod_token)).json()
    assert record == body["user"]
    assert {"id", "name", "role", "silenced_until", "suspended_until", "notes"} <= set(record)
    assert record["name"] == "ana" and record["role"] == "member" and record["suspended_until"] is None
    assert record["silence_reason"] == "Cooling off"
    until = datetime.fromisoformat(record["silenced_until"])
    assert timedelta(minutes=119) < until - datetime.now(UTC) <= timedelta(hours=2)
    assert len(events(db, "user.silenced", people["ana"])) == 1


def test_the_api_takes_an_until_time_with_its_zone_and_refuses_a_bad_one(app, db, people):
    mod_token = token_for(db, people["mo"])
    url = f"/api/v1/mod/users/{people['ana']}/suspend"
    later = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    with browser(app) as api:
        for payload in (
            {"until": later.strftime("%Y-%m-%dT%H:%M:%S"), "reason": "x"},  # no zone
            {"until": "2001-01-01T00:00:00Z", "reason": "x"},  # in the past
            {"until": "next tuesday", "reason": "x"},
            {"hours": 1, "until": later.isoformat(), "reason": "x"},  # both
            {"reason": "x"},  # neither
            {"hours": 0, "reason": "x"},
            {"hours": "3", "reason": "x"},
            {"hours": 3},  # no reason
            {"hours": 3, "reason": " "},
            {"hours": 3, "reason": "x", "extra": 1},
        ):
            response = api.post(url, json=payload, headers=bearer(mod_token))
            assert response.status_code == 422, payload
            assert response.json()["error"]["code"] == "invalid"
        assert not load(db, people["ana"]).is_suspended()
        berlin = later.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin")).isoformat()
        done = api.post(url, json={"until": berlin, "reason": "Spam"}, headers=bearer(mod_token))
        assert done.status_code == 200
    assert done.json()["user"]["suspended_until"] == later.isoformat().replace("+00:00", "Z")
    assert load(db, people["ana"]).suspended_until == later


def test_the_api_lifts_silences_and_suspensions_and_adds_notes(app, db, people):
    mod_token = token_for(db, people["mo"])
    base = f"/api/v1/mod/users/{people['ana']}"
    with browser(app) as api:
        api.post(base + "/silence", json={"hours": 5, "reason": "a"}, headers=bearer(mod_token))
        api.post(base + "/suspend", json={"hours": 5, "reason": "b"}, headers=bearer(mod_token))
        lifted = api.post(base + "/unsilence", headers=bearer(mod_token))
        assert lifted.status_code == 200 and lifted.json()["changed"] is True
        assert lifted.json()["user"]["silenced_until"] is None and lifted.json()["user"]["suspended_until"]
        unsuspended = api.post(base + "/unsuspend", json={"reason": "Appeal"}, headers=bearer(mod_token))
        assert unsuspended.json()["changed"] is True and unsuspended.json()["user"]["suspended_until"] is None
        assert api.post(base + "/unsuspend", json={}, headers=bearer(mod_token)).json()["changed"] is False
        note = api.post(base + "/notes", json={"body": "Seen in three threads"}, headers=bearer(mod_token))
        assert note.status_code == 201
        assert note.json()["author"] == "mo" and note.json()["body"] == "Seen in three threads"
        api.post(base + "/notes", json={"body": "And a fourth"}, headers=bearer(mod_token))
        assert api.post(base + "/notes", json={}, headers=bearer(mod_token)).status_code == 422
        assert api.post(base + "/dance", json={}, headers=bearer(mod_token)).status_code == 404
        record = api.get(base, headers=bearer(mod_token)).json()
    assert [n["body"] for n in record["notes"]] == ["And a fourth", "Seen in three threads"]
    for action in ("user.silenced", "user.suspended", "user.unsilenced", "user.unsuspended"):
        assert len(events(db, action, people["ana"])) == 1, action
    assert len(events(db, "user.noted", people["ana"])) == 2


def test_members_get_403_from_the_member_api_and_a_missing_id_is_404_for_moderators(app, db, people):
    member_token, mod_token = token_for(db, people["ana"]), token_for(db, people["mo"])
    other = make_user(db, "cy")
    with browser(app) as api:
        calls = [
            ("get", f"/api/v1/mod/users/{other}", None),
            ("post", f"/api/v1/mod/users/{other}/silence", {"hours": 1, "reason": "x"}),
            ("post", f"/api/v1/mod/users/{other}/unsilence", {}),
            ("post", f"/api/v1/mod/users/{other}/suspend", {"hours": 1, "reason": "x"}),
            ("post", f"/api/v1/mod/users/{other}/unsuspend", {}),
            ("post", f"/api/v1/mod/users/{other}/notes", {"body": "x"}),
            ("post", f"/api/v1/admin/users/{other}/role", {"role": "admin"}),
        ]
        for method, url, payload in calls:
            response = api.request(method, url, json=payload, headers=bearer(member_token))
            assert response.status_code == 403, url
            assert response.json()["error"]["code"] == "forbidden"
            assert api.request(method, url, json=payload).status_code == 401
            missing = api.request(method, url.replace(f"/{other}", "/999999"), json=payload,
                                  headers=bearer(token_for(db, people["ada"]) if "admin" in url else mod_token))
            assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found", url
    assert load(db, other).role == Role.MEMBER and not load(db, other).is_silenced()


def test_the_api_refuses_a_moderator_acting_on_a_moderator_or_on_themselves(app, db, people):
    mod_token = token_for(db, people["mo"])
    with browser(app) as api:
        for target, message in ((people["max"], "Only an admin can act on a moderator."), (people["mo"], "You cannot act on your own account.")):
            for action, payload in (("silence", {"hours": 1, "reason": "x"}), ("suspend", {"hours": 1, "reason": "x"}), ("notes", {"body": "x"})):
                response = api.post(f"/api/v1/mod/users/{target}/{action}", json=payload, headers=bearer(mod_token))
                assert response.status_code == 403 and response.json()["error"]["message"] == message
            assert api.get(f"/api/v1/mod/users/{target}", headers=bearer(mod_token)).status_code == 200
        admin_token = token_for(db, people["ada"])
        assert api.post(f"/api/v1/mod/users/{people['max']}/silence", json={"hours": 1, "reason": "x"}, headers=bearer(admin_token)).status_code == 200
    assert not load(db, people["mo"]).is_silenced() and load(db, people["max"]).is_silenced()


def test_the_role_api_sets_a_board_moderator_for_admins_only(app, db, people):
    admin_token, mod_token = token_for(db, people["ada"]), token_for(db, people["mo"])
    url = f"/api/v1/admin/users/{people['ana']}/role"
    with browser(app) as api:
        refused = api.post(url, json={"role": "moderator"}, headers=bearer(mod_token))
        assert refused.status_code == 403
        done = api.post(url, json={"role": "moderator", "boards": ["arm", "educate"]}, headers=bearer(admin_token))
        assert done.status_code == 200, done.text
        assert done.json()["changed"] is True
        assert done.json()["user"]["role"] == "moderator" and done.json()["user"]["boards"] == ["arm", "educate"]
        same = api.post(url, json={"role": "moderator", "boards": ["educate", "arm"]}, headers=bearer(admin_token))
        assert same.json()["changed"] is False
        assert api.post(url, json={"role": "moderator", "boards": "arm"}, headers=bearer(admin_token)).status_code == 422
        last = api.post(f"/api/v1/admin/users/{people['ada']}/role", json={"role": "member"}, headers=bearer(admin_token))
        assert last.status_code == 409 and last.json()["error"]["code"] == "conflict"
        back = api.post(url, json={"role": "member", "boards": ["arm"]}, headers=bearer(admin_token))
        assert back.json()["user"]["role"] == "member" and back.json()["user"]["boards"] == []
    roles = events(db, "user.role", people["ana"])
    assert [(e.data["before"]["role"], e.data["after"]["role"]) for e in roles] == [("member", "moderator"), ("moderator", "member")]


def test_a_browser_script_needs_the_csrf_header_to_act(app, db, people):
    with browser(app, "mo") as mod:
        url = f"/api/v1/mod/users/{people['ana']}/silence"
        assert mod.post(url, json={"hours": 1, "reason": "x"}).status_code == 403
        assert not load(db, people["ana"]).is_silenced()
        assert mod.post(url, json={"hours": 1, "reason": "x"}, headers=api_headers(mod)).status_code == 200
        assert mod.get(f"/api/v1/mod/users/{people['ana']}").json()["silence_reason"] == "x"
