"""Flagging and moderating from the thread page itself, with plain forms (no JavaScript)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from forum.accounts.models import User
from forum.accounts.services import register as register_user
from forum.boards.models import Board, Thread
from forum.moderation.policy import Policy
from forum.moderation.queue import list_queue, resolve_item
from forum.types import Role
from tests.conftest import PASSWORD, csrf_of, form_post, log_in, post_comment, register

FLAG_RECEIVED = "Flag received; a moderator will look at it."
STYLE = re.compile(r"<style nonce=\"[^\"]+\">(.*?)</style>", re.S)


@contextmanager
def browser(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as client:
        yield client


@contextmanager
def member_browser(app, name: str) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with browser(app) as client:
        register(client, name)
        yield client


@contextmanager
def moderator_browser(app, db, name: str = "mo", boards: list[str] | None = None) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """A moderator of every board, or of the named boards only."""
    with db.write() as session:
        user = register_user(session, email=f"{name}@example.org", name=name, password=PASSWORD, role=Role.MODERATOR, trusted=True)
        if boards is not None:
            user.moderated_boards = [session.scalar(select(Board.id).where(Board.slug == slug)) for slug in boards]
    with browser(app) as client:
        log_in(client, f"{name}@example.org")
        yield client


def start_thread(client: TestClient, title: str = "Discharge checklists", board: str = "harness") -> int:
    response = form_post(client, f"/b/{board}/new", f"/b/{board}/new", {"title": title, "body": "What do you use on the ward?"})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].split("/")[2])


def flag_comment(client: TestClient, comment_id: int, reason: str = "off_topic", note: str = ""):  # type: ignore[no-untyped-def]
    page = f"/comments/{comment_id}/flag"
    return form_post(client, page, page, {"reason": reason, "note": note})


def thread_control(client: TestClient, thread_id: int, action: str, **fields: str):  # type: ignore[no-untyped-def]
    return form_post(client, f"/t/{thread_id}", f"/t/{thread_id}/mod/{action}", fields)


def comment_markup(page: str, comment_id: int) -> str:
    start = page.index(f'id="c{comment_id}"')
    return page[start : page.index('<ol class="replies">', start)]


def user_named(session, name: str) -> User:  # type: ignore[no-untyped-def]
    user = session.scalar(select(User).where(User.name == name))
    assert user is not None
    return user


# Flags ------------------------------------------------------------------------


def test_three_members_flags_hide_a_comment_which_the_moderator_then_leaves_up(app, db, member):
    thread_id = start_thread(member)
    comment_id = post_comment(member, thread_id, "Buy cheap scrubs at example dot com")
    with (
        member_browser(app, "bo") as bo,
        member_browser(app, "cy") as cy,
        member_browser(app, "di") as di,
        moderator_browser(app, db) as mo,
        browser(app) as anonymous,
    ):
        form = bo.get(f"/comments/{comment_id}/flag")
        assert form.status_code == 200
        assert "Buy cheap scrubs" in form.text
        for label in ("Off-topic", "Inappropriate", "Spam", "Patient information", "Something else"):
            assert label in form.text
        assert 'type="radio" name="reason" value="patient_information"' in form.text

        for flagger in (bo, cy):
            response = flag_comment(flagger, comment_id, "spam")
            assert response.status_code == 303
            assert response.headers["location"] == f"/t/{thread_id}?flagged=1#c{comment_id}"
            assert FLAG_RECEIVED in flagger.get(response.headers["location"]).text
            assert "Buy cheap scrubs" in anonymous.get(f"/t/{thread_id}").text

        assert flag_comment(di, comment_id, "spam").status_code == 303

        # Hidden for readers, logged in or not; the author is told why, apart from the shared tree.
        assert "Buy cheap scrubs" not in anonymous.get(f"/t/{thread_id}").text
        assert "Buy cheap scrubs" not in bo.get(f"/t/{thread_id}").text
        own = member.get(f"/t/{thread_id}").text
        assert "Your comments waiting for a moderator" in own
        assert "Hidden until a moderator reviews members&#39; flags." in own

        # The moderator sees it inline, badged, with the controls.
        mod_page = mo.get(f"/t/{thread_id}").text
        mine = comment_markup(mod_page, comment_id)
        assert "Buy cheap scrubs" in mine
        assert '<span class="badge">hidden</span>' in mine
        assert f'href="/comments/{comment_id}/mod/restore"' in mine
        assert f'href="/comments/{comment_id}/edit"' in mine

        with db.read() as session:
            moderator = user_named(session, "mo")
            [entry] = [e for e in list_queue(session, moderator) if e.target_id == comment_id]
        assert entry.flag_count == 3
        assert entry.flag_reasons == {"spam": 3}

        for flagger in (bo, cy, di):
            flags = flagger.get("/flags").text
            assert "Your flags" in flags
            assert "Received; waiting for a moderator." in flags
            assert f'href="/t/{thread_id}#c{comment_id}"' in flags

        with db.write() as session:
            assert resolve_item(session, moderator=user_named(session, "mo"), item_id=entry.id, action="approve")

        for flagger in (bo, cy, di):
            flags = flagger.get("/flags").text
            assert "Reviewed: a moderator left it up." in flags
            assert "waiting for a moderator" not in flags
        assert "Buy cheap scrubs" in anonymous.get(f"/t/{thread_id}").text
        assert "Your comments waiting for a moderator" not in member.get(f"/t/{thread_id}").text


def test_a_moderators_patient_information_flag_hides_a_comment_at_once(app, db, member):
    thread_id = start_thread(member)
    # What the guard cannot know: a description that gives someone away locally.
    comment_id = post_comment(member, thread_id, "You all know who I mean: the retired choir teacher from our town, back on the ward again.")
    with moderator_browser(app, db) as mo, browser(app) as anonymous:
        response = flag_comment(mo, comment_id, "patient_information")
        assert response.status_code == 303
        assert "choir teacher" not in anonymous.get(f"/t/{thread_id}").text
        assert "choir teacher" in mo.get(f"/t/{thread_id}").text
    with member_browser(app, "bo") as bo, member_browser(app, "cy") as cy:
        thread_id = start_thread(bo, "Another thread")
        other = post_comment(bo, thread_id, "The bakery owner on the corner is back with the same rash")
        assert flag_comment(cy, other, "patient_information").status_code == 303
        # One member's flag is not enough.
        assert "bakery owner" in cy.get(f"/t/{thread_id}").text


def test_a_member_cannot_flag_their_own_comment(member):
    thread_id = start_thread(member)
    comment_id = post_comment(member, thread_id, "My own words")
    response = flag_comment(member, comment_id)
    assert response.status_code == 403
    assert "You cannot flag your own post" in response.text
    assert 'name="reason"' in response.text  # the form again
    assert "Received; waiting" not in member.get("/flags").text


def test_flagging_the_same_comment_twice_is_refused(app, member):
    thread_id = start_thread(member)
    comment_id = post_comment(member, thread_id, "Something to flag")
    with member_browser(app, "bo") as bo:
        assert flag_comment(bo, comment_id, "inappropriate").status_code == 303
        again = flag_comment(bo, comment_id, "spam")
        assert again.status_code == 409
        assert "You have already flagged this" in again.text
        assert bo.get("/flags").text.count('class="my-flag"') == 1


def test_something_else_needs_a_note_and_the_form_keeps_the_choice(app, member):
    thread_id = start_thread(member)
    comment_id = post_comment(member, thread_id, "Odd one")
    with member_browser(app, "bo") as bo:
        response = flag_comment(bo, comment_id, "other")
        assert response.status_code == 422
        assert "Say what is wrong in the note." in response.text
        assert 'value="other" required checked' in response.text
        response = flag_comment(bo, comment_id, "other", "This <b>repeats</b> an earlier post")
        assert response.status_code == 303
        flags = bo.get("/flags").text
        assert "Something else" in flags
        assert "This &lt;b&gt;repeats&lt;/b&gt; an earlier post" in flags


def test_an_anonymous_reader_who_flags_is_sent_to_log_in(member, app):
    thread_id = start_thread(member)
    comment_id = post_comment(member, thread_id, "Flag me")
    with browser(app) as anonymous:
        response = anonymous.get(f"/comments/{comment_id}/flag", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next=/comments/{comment_id}/flag"
        response = anonymous.get(f"/t/{thread_id}/flag", follow_redirects=False)
        assert response.headers["location"] == f"/login?next=/t/{thread_id}/flag"
        assert anonymous.get("/flags", follow_redirects=False).headers["location"] == "/login?next=/flags"


def test_the_flag_link_is_shown_to_logged_in_readers_on_comments_that_are_not_theirs(app, member):
    thread_id = start_thread(member)
    comment_id = post_comment(member, thread_id, "Linked")
    with member_browser(app, "bo") as bo, browser(app) as anonymous:
        # The link is in the shared markup; each reader's own style shows it on others' comments.
        page = bo.get(f"/t/{thread_id}").text
        assert f'<span class="flag-action"> · <a href="/comments/{comment_id}/flag" rel="nofollow">Flag</a></span>' in page
        bo_id = re.search(r'data-viewer="(\d+)"', page).group(1)  # type: ignore[union-attr]
        assert f'.comment:not([data-author="{bo_id}"]) > .comment-body > .comment-actions .flag-action{{display:inline}}' in STYLE.search(page).group(1)  # type: ignore[union-attr]
        assert f'href="/t/{thread_id}/flag"' in page
        assert 'href="/flags"' in page
        anonymous_page = anonymous.get(f"/t/{thread_id}").text
        assert STYLE.search(anonymous_page) is None
        assert f'href="/t/{thread_id}/flag"' not in anonymous_page
        # The thread's author is not offered a flag on their own thread.
        assert f'href="/t/{thread_id}/flag"' not in member.get(f"/t/{thread_id}").text


def test_a_thread_is_flagged_from_its_page(app, member):
    thread_id = start_thread(member, "A thread to flag")
    with member_browser(app, "bo") as bo:
        form = bo.get(f"/t/{thread_id}/flag")
        assert form.status_code == 200
        assert "Flag this thread" in form.text
        response = form_post(bo, f"/t/{thread_id}/flag", f"/t/{thread_id}/flag", {"reason": "off_topic"})
        assert response.status_code == 303
        assert response.headers["location"] == f"/t/{thread_id}?flagged=1"
        assert FLAG_RECEIVED in bo.get(response.headers["location"]).text
        flags = bo.get("/flags").text
        assert "The thread" in flags and "A thread to flag" in flags and "Off-topic" in flags
    own = form_post(member, f"/t/{thread_id}", f"/t/{thread_id}/flag", {"reason": "spam"})
    assert own.status_code == 403


def test_a_thread_hidden_by_flags_confirms_the_flag_on_the_flaggers_list(app, member):
    thread_id = start_thread(member, "Soon hidden")
    for name in ("bo", "cy", "di"):
        with member_browser(app, name) as flagger:
            response = form_post(flagger, f"/t/{thread_id}/flag", f"/t/{thread_id}/flag", {"reason": "spam"})
            assert response.status_code == 303
            if name == "di":
                assert response.headers["location"] == "/flags?flagged=1"
                assert FLAG_RECEIVED in flagger.get("/flags?flagged=1").text
                assert flagger.get(f"/t/{thread_id}").status_code == 404
    author_view = member.get(f"/t/{thread_id}")
    assert author_view.status_code == 200
    assert "Hidden until a moderator reviews members&#39; flags." in author_view.text


def test_the_flag_confirmation_never_reaches_the_anonymous_page(app, member):
    thread_id = start_thread(member)
    with browser(app) as anonymous:
        assert FLAG_RECEIVED not in anonymous.get(f"/t/{thread_id}?flagged=1").text
        assert FLAG_RECEIVED not in anonymous.get(f"/t/{thread_id}").text


# Thread controls ----------------------------------------------------------------


def test_a_moderator_uses_every_thread_control_from_the_page(app, db, member):
    thread_id = start_thread(member, "Handover notes")
    with moderator_browser(app, db) as mo, browser(app) as anonymous:
        page = mo.get(f"/t/{thread_id}").text
        assert "Moderate this thread" in page
        for action in ("lock", "pin", "close", "move", "hide", "delete"):
            assert f'action="/t/{thread_id}/mod/{action}"' in page
        assert page.count('<option value="') >= 5

        assert thread_control(mo, thread_id, "lock").headers["location"] == f"/t/{thread_id}"
        assert '<span class="badge">Locked</span>' in anonymous.get(f"/t/{thread_id}").text
        assert "This thread is locked: no new comments." in member.get(f"/t/{thread_id}").text
        assert f'action="/t/{thread_id}/mod/unlock"' in mo.get(f"/t/{thread_id}").text
        assert thread_control(mo, thread_id, "unlock").status_code == 303
        assert "Locked" not in anonymous.get(f"/t/{thread_id}").text

        response = thread_control(mo, thread_id, "close", reason="Answered: see the <b>policy</b> page")
        assert response.status_code == 303
        closed = anonymous.get(f"/t/{thread_id}").text
        assert "Closed: Answered: see the &lt;b&gt;policy&lt;/b&gt; page" in closed
        assert '<span class="badge">Locked</span>' in closed
        assert 'id="comment-form"' not in member.get(f"/t/{thread_id}").text
        missing = thread_control(mo, thread_id, "close", reason="  ")
        assert missing.status_code == 422
        assert "Give a reason" in missing.text
        assert thread_control(mo, thread_id, "unlock").status_code == 303
        assert "Closed:" not in anonymous.get(f"/t/{thread_id}").text
        assert 'id="comment-form"' in member.get(f"/t/{thread_id}").text

        assert thread_control(mo, thread_id, "pin").status_code == 303
        assert '<span class="badge">Pinned</span>' in anonymous.get(f"/t/{thread_id}").text
        assert thread_control(mo, thread_id, "unpin").status_code == 303
        assert "Pinned" not in anonymous.get(f"/t/{thread_id}").text

        assert thread_control(mo, thread_id, "move", board="educate").status_code == 303
        assert '<a href="/b/educate">Educate</a>' in anonymous.get(f"/t/{thread_id}").text
        assert "Handover notes" in anonymous.get("/b/educate").text
        assert "Handover notes" not in anonymous.get("/b/harness").text

        assert thread_control(mo, thread_id, "hide", reason="Needs sources").status_code == 303
        assert anonymous.get(f"/t/{thread_id}").status_code == 404
        author_view = member.get(f"/t/{thread_id}").text
        assert "Taken down by a moderator: Needs sources" in author_view
        assert "Moderate this thread" not in author_view
        assert "Taken down by a moderator: Needs sources" in mo.get(f"/t/{thread_id}").text
        assert thread_control(mo, thread_id, "restore").status_code == 303
        assert anonymous.get(f"/t/{thread_id}").status_code == 200

        response = thread_control(mo, thread_id, "delete", reason="Duplicate")
        assert response.status_code == 303
        assert response.headers["location"] == "/b/educate"
        assert anonymous.get(f"/t/{thread_id}").status_code == 404
        assert member.get(f"/t/{thread_id}").status_code == 404
        assert "Handover notes" not in anonymous.get("/b/educate").text
        assert f'action="/t/{thread_id}/mod/restore"' in mo.get(f"/t/{thread_id}").text
        assert thread_control(mo, thread_id, "restore").status_code == 303
        assert anonymous.get(f"/t/{thread_id}").status_code == 200


@pytest.mark.parametrize("action", ["lock", "unlock", "close", "pin", "unpin", "move", "hide", "restore", "delete"])
def test_a_member_is_refused_every_thread_control(app, member, action):
    thread_id = start_thread(member)
    with member_browser(app, "bo") as bo:
        page = bo.get(f"/t/{thread_id}").text
        assert "Moderate this thread" not in page
        response = form_post(bo, f"/t/{thread_id}", f"/t/{thread_id}/mod/{action}", {"reason": "mine now", "board": "arm"})
        assert response.status_code == 403
    # Its own author is no moderator either.
    assert thread_control(member, thread_id, action, reason="x", board="arm").status_code == 403
    with browser(app) as anonymous:
        page = anonymous.get(f"/t/{thread_id}").text
        assert "Locked" not in page and "Pinned" not in page


def test_a_moderator_of_another_board_is_refused_the_thread_controls(app, db, member):
    thread_id = start_thread(member, board="harness")
    with moderator_browser(app, db, "rae", boards=["rally"]) as rae:
        assert "Moderate this thread" not in rae.get(f"/t/{thread_id}").text
        for action in ("lock", "close", "pin", "move", "hide", "delete"):
            response = thread_control(rae, thread_id, action, reason="not mine", board="rally")
            assert response.status_code == 403, action
        assert "Locked" not in rae.get(f"/t/{thread_id}").text
    with moderator_browser(app, db, "hal", boards=["harness"]) as hal:
        assert "Moderate this thread" in hal.get(f"/t/{thread_id}").text
        # Only to boards they moderate.
        assert thread_control(hal, thread_id, "move", board="rally").status_code == 403
        assert thread_control(hal, thread_id, "pin").status_code == 303


def test_a_thread_control_needs_the_forms_csrf_token(app, db, member):
    thread_id = start_thread(member)
    with moderator_browser(app, db) as mo:
        response = mo.post(f"/t/{thread_id}/mod/lock", data={"csrf_token": "forged"}, follow_redirects=False)
        assert response.status_code == 403
        assert "Locked" not in mo.get(f"/t/{thread_id}").text


def test_a_locked_thread_shows_locked_and_refuses_the_comment_form(app, db, member):
    thread_id = start_thread(member)
    with moderator_browser(app, db) as mo:
        assert thread_control(mo, thread_id, "lock").status_code == 303
        # A moderator may still speak in a locked thread.
        assert 'id="comment-form"' in mo.get(f"/t/{thread_id}").text
    page = member.get(f"/t/{thread_id}").text
    assert '<span class="badge">Locked</span>' in page
    assert 'id="comment-form"' not in page
    assert "This thread is locked: no new comments." in page
    token = csrf_of(page)
    response = member.post(f"/t/{thread_id}/comments", data={"body": "after the lock", "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 403
    assert "This thread is locked" in response.text


# Comment controls and what authors see ---------------------------------------------


def test_a_moderator_hides_and_restores_a_comment_from_the_page(app, db, member):
    thread_id = start_thread(member)
    comment_id = post_comment(member, thread_id, "A sharp remark")
    with moderator_browser(app, db) as mo, browser(app) as anonymous:
        assert f'href="/comments/{comment_id}/mod/hide"' in comment_markup(mo.get(f"/t/{thread_id}").text, comment_id)
        form = mo.get(f"/comments/{comment_id}/mod/hide")
        assert form.status_code == 200
        assert "A sharp remark" in form.text
        response = form_post(mo, f"/comments/{comment_id}/mod/hide", f"/comments/{comment_id}/mod/hide", {"reason": "Be kind"})
        assert response.status_code == 303
        assert response.headers["location"] == f"/t/{thread_id}#c{comment_id}"
        assert "A sharp remark" not in anonymous.get(f"/t/{thread_id}").text
        own = member.get(f"/t/{thread_id}").text
        assert "Taken down by a moderator: Be kind" in own
        assert "A sharp remark" in own
        assert f'id="c{comment_id}"' not in own  # not in the shared tree

        response = form_post(mo, f"/comments/{comment_id}/mod/restore", f"/comments/{comment_id}/mod/restore", {"reason": ""})
        assert response.status_code == 303
        assert "A sharp remark" in anonymous.get(f"/t/{thread_id}").text
        assert "Taken down" not in member.get(f"/t/{thread_id}").text


def test_members_and_other_boards_moderators_cannot_hide_a_comment(app, db, member):
    thread_id = start_thread(member, board="harness")
    comment_id = post_comment(member, thread_id, "Stays up")
    with member_browser(app, "bo") as bo:
        assert f"/comments/{comment_id}/mod/hide" not in bo.get(f"/t/{thread_id}").text
        assert bo.get(f"/comments/{comment_id}/mod/hide").status_code == 403
        token = csrf_of(bo.get(f"/t/{thread_id}").text)
        response = bo.post(f"/comments/{comment_id}/mod/hide", data={"csrf_token": token}, follow_redirects=False)
        assert response.status_code == 403
    with moderator_browser(app, db, "rae", boards=["rally"]) as rae:
        assert rae.get(f"/comments/{comment_id}/mod/hide").status_code == 403
    with browser(app) as anonymous:
        assert "Stays up" in anonymous.get(f"/t/{thread_id}").text


def test_a_held_comment_is_shown_to_its_author_with_why_and_to_no_other_member(app, db, member):
    thread_id = start_thread(member)
    post_comment(member, thread_id, "A published comment")
    with browser(app) as anonymous:
        before = anonymous.get(f"/t/{thread_id}").text
        app.state.policy = Policy(new_account_held_posts=5)
        with member_browser(app, "newbie") as newbie:
            response = form_post(newbie, f"/t/{thread_id}", f"/t/{thread_id}/comments", {"body": "My first words here"})
            assert response.status_code == 303
            assert "#waiting-c" in response.headers["location"]  # sent to it among their waiting comments
            held_id = int(response.headers["location"].split("#waiting-c")[1])
            own = newbie.get(f"/t/{thread_id}").text
            assert "Your comments waiting for a moderator" in own
            assert "Waiting for a moderator: New account: its first posts wait for a moderator" in own
            assert "My first words here" in own
            assert f'href="/comments/{held_id}/edit"' in own
            assert f'id="c{held_id}"' not in own
        others = member.get(f"/t/{thread_id}").text
        assert "My first words here" not in others
        assert "Your comments waiting for a moderator" not in others
        # The page every anonymous reader shares is unchanged.
        assert anonymous.get(f"/t/{thread_id}").text == before
        with moderator_browser(app, db) as mo:
            mine = comment_markup(mo.get(f"/t/{thread_id}").text, held_id)
            assert "My first words here" in mine
            assert '<span class="badge">held</span>' in mine
            assert f'href="/comments/{held_id}/mod/approve"' in mine
            response = form_post(mo, f"/comments/{held_id}/mod/approve", f"/comments/{held_id}/mod/approve", {})
            assert response.status_code == 303
        assert "My first words here" in anonymous.get(f"/t/{thread_id}").text


def test_a_held_thread_tells_its_author_why(app, db):
    with member_browser(app, "newbie") as newbie:
        app.state.policy = Policy(new_account_held_posts=5)
        thread_id = start_thread(newbie, "Waiting thread")
        page = newbie.get(f"/t/{thread_id}")
        assert page.status_code == 200
        assert "Waiting for a moderator: New account: its first posts wait for a moderator" in page.text
    with browser(app) as anonymous:
        assert anonymous.get(f"/t/{thread_id}").status_code == 404
    with db.read() as session:
        assert session.get(Thread, thread_id).status == "held"  # type: ignore[union-attr]
