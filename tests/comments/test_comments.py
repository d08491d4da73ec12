"""Editing and deleting comments from the pages, the counters that follow,
and locked threads."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from forum.boards.models import Board, Thread
from forum.comments.models import CommentRevision
from tests.conftest import api_headers, csrf_of, form_post, post_comment, register

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@contextmanager
def another_member(app, name: str = "cy") -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as browser:
        register(browser, name)
        yield browser


def start_thread(member: TestClient, title: str = "Discharge checklists", board: str = "harness") -> int:
    response = form_post(member, f"/b/{board}/new", f"/b/{board}/new", {"title": title, "body": "What do you use?"})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].split("/")[2])


def api_comments(client: TestClient, thread_id: int) -> dict[int, dict]:
    return {c["id"]: c for c in client.get(f"/api/v1/threads/{thread_id}/comments").json()["comments"]}


def comment_html(page: str, comment_id: int) -> str:
    """The markup of one comment, without its replies."""
    start = page.index(f'id="c{comment_id}"')
    return page[start : page.index('<ol class="replies">', start)]


def thread_count_on(client: TestClient, slug: str) -> int:
    return {b["slug"]: b["thread_count"] for b in client.get("/api/v1/boards").json()}[slug]


# Editing


def test_a_member_edits_their_own_comment_and_its_history_keeps_the_old_text(member):
    thread_id = start_thread(member)
    comment_id = post_comment(member, thread_id, "We use the *first* wording")
    edit_page = member.get(f"/comments/{comment_id}/edit")
    assert edit_page.status_code == 200
    assert "We use the *first* wording</textarea>" in edit_page.text

    response = form_post(member, f"/comments/{comment_id}/edit", f"/comments/{comment_id}/edit", {"body": "We use the **second** wording"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/t/{thread_id}#c{comment_id}"

    page = member.get(f"/t/{thread_id}").text
    mine = comment_html(page, comment_id)
    assert "We use the <strong>second</strong> wording" in mine
    assert "first" not in mine
    assert f'<a class="edited" href="/comments/{comment_id}/history"' in mine
    assert ">edited</a>" in mine

    history = member.get(f"/comments/{comment_id}/history")
    assert history.status_code == 200
    assert "We use the <strong>second</strong> wording" in history.text
    assert '<pre class="source">We use the *first* wording</pre>' in history.text

    comment = api_comments(member, thread_id)[comment_id]
    assert comment["body_html"] == "<p>We use the <strong>second</strong> wording</p>"
    assert comment["edited_at"] and ISO_UTC.match(comment["edited_at"])


def test_every_earlier_version_stays_in_the_history_newest_first(member, db):
    thread_id = start_thread(member)
    comment_id = post_comment(member, thread_id, "version one")
    for text in ["version two", "version three"]:
        response = form_post(member, f"/comments/{comment_id}/edit", f"/comments/{comment_id}/edit", {"body": text})
        assert response.status_code == 303
    history = member.get(f"/comments/{comment_id}/history").text
    earlier = re.findall(r'<pre class="source">(.*?)</pre>', history)
    assert earlier == ["version two", "version one"]
    with db.read() as session:
        stored = session.scalars(select(CommentRevision.body_md).where(CommentRevision.comment_id == comment_id)).all()
    assert sorted(stored) == ["version one", "version two"]


def test_an_unedited_comment_has_no_edited_mark_and_an_empty_history(member):
    thread_id = start_thread(member)
    comment_id = post_comment(member, thread_id, "fresh words")
    assert 'class="edited"' not in comment_html(member.get(f"/t/{thread_id}").text, comment_id)
    assert "This comment has not been edited." in member.get(f"/comments/{comment_id}/history").text
    assert api_comments(member, thread_id)[comment_id]["edited_at"] is None


def test_saving_the_same_text_is_not_an_edit(member):
    thread_id = start_thread(member)
    comment_id = post_comment(member, thread_id, "unchanged words")
    response = form_post(member, f"/comments/{comment_id}/edit", f"/comments/{comment_id}/edit", {"body": "unchanged words"})
    assert response.status_code == 303
    assert 'class="edited"' not in comment_html(member.get(f"/t/{thread_id}").text, comment_id)
    assert "This comment has not been edited." in member.get(f"/comments/{comment_id}/history").text


@pytest.mark.parametrize("body", ["", "   ", "\u200b\u200d"])
def test_editing_a_comment_to_nothing_is_refused_and_keeps_it(member, body):
    thread_id = start_thread(member)
    comment_id = post_comment(member, thread_id, "worth keeping")
    response = form_post(member, f"/comments/{comment_id}/edit", f"/comments/{comment_id}/edit", {"body": body})
    assert response.status_code == 422
    assert "The comment is empty; write something before posting." in response.text
    comment = api_comments(member, thread_id)[comment_id]
    assert comment["body_html"] == "<p>worth keeping</p>"
    assert comment["edited_at"] is None


def test_a_member_cannot_edit_another_members_comment(member, app, db):
    thread_id = start_thread(member)
    comment_id = post_comment(member, thread_id, "ana's own words")
    with another_member(app) as cy:
        assert cy.get(f"/comments/{comment_id}/edit").status_code == 403
        token = csrf_of(cy.get(f"/t/{thread_id}").text)
        response = cy.post(f"/comments/{comment_id}/edit", data={"body": "cy rewrote it", "csrf_token": token}, follow_redirects=False)
        assert response.status_code == 403
        assert "cy rewrote it" not in cy.get(f"/t/{thread_id}").text
    comment = api_comments(member, thread_id)[comment_id]
    assert comment["body_html"] == "<p>ana's own words</p>"
    assert comment["edited_at"] is None
    with db.read() as session:
        assert session.scalars(select(CommentRevision)).all() == []


def test_a_member_cannot_delete_another_members_comment(member, app):
    thread_id = start_thread(member)
    comment_id = post_comment(member, thread_id, "still here")
    with another_member(app) as cy:
        assert cy.get(f"/comments/{comment_id}/delete").status_code == 403
        token = csrf_of(cy.get(f"/t/{thread_id}").text)
        response = cy.post(f"/comments/{comment_id}/delete", data={"csrf_token": token}, follow_redirects=False)
        assert response.status_code == 403
    comment = api_comments(member, thread_id)[comment_id]
    assert comment["status"] == "published"
    assert comment["body_html"] == "<p>still here</p>"
    assert member.get(f"/api/v1/threads/{thread_id}").json()["comment_count"] == 1
    assert "Comment removed." not in member.get(f"/t/{thread_id}").text


def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in_and_nothing_changes(member, app):
    thread_id = start_thread(member)
    comment_id = post_comment(member, thread_id, "visitors cannot touch this")
    with TestClient(app, raise_server_exceptions=False) as visitor:
        for action in ["edit", "delete"]:
            response = visitor.get(f"/comments/{comment_id}/{action}", follow_redirects=False)
            assert response.status_code == 303
            assert response.headers["location"] == f"/login?next=/comments/{comment_id}/{action}"
        token = csrf_of(visitor.get("/login").text)
        response = visitor.post(f"/comments/{comment_id}/delete", data={"csrf_token": token}, follow_redirects=False)
        assert response.headers["location"].startswith("/login")
        response = visitor.post(f"/comments/{comment_id}/edit", data={"csrf_token": token, "body": "defaced"}, follow_redirects=False)
        assert response.headers["location"].startswith("/login")
    comment = api_comments(member, thread_id)[comment_id]
    assert comment["status"] == "published" and comment["body_html"] == "<p>visitors cannot touch this</p>"


def test_a_comment_cannot_be_edited_or_deleted_without_the_form_token(member):
    thread_id = start_thread(member)
    comment_id = post_comment(member, thread_id, "protected")
    assert member.post(f"/comments/{comment_id}/edit", data={"body": "changed"}, follow_redirects=False).status_code == 403
    assert member.post(f"/comments/{comment_id}/delete", data={}, follow_redirects=False).status_code == 403
    comment = api_comments(member, thread_id)[comment_id]
    assert comment["status"] == "published" and comment["body_html"] == "<p>protected</p>"


# Deleting


def test_deleting_a_comment_with_replies_leaves_a_placeholder_and_the_replies_readable(member, app):
    thread_id = start_thread(member)
    parent_id = post_comment(member, thread_id, "the original question")
    with another_member(app) as cy:
        reply_id = post_comment(cy, thread_id, "cy's helpful answer", parent_id=parent_id)
    delete_page = member.get(f"/comments/{parent_id}/delete")
    assert delete_page.status_code == 200
    assert "the original question" in delete_page.text
    response = form_post(member, f"/comments/{parent_id}/delete", f"/comments/{parent_id}/delete", {})
    assert response.status_code == 303

    page = member.get(f"/t/{thread_id}").text
    placeholder = comment_html(page, parent_id)
    assert "Comment removed." in placeholder
    assert "the original question" not in page
    assert 'href="/u/ana"' not in placeholder
    assert "<p>cy's helpful answer</p>" in page
    # The reply still sits under the placeholder.
    assert page.index(f'id="c{parent_id}"') < page.index(f'id="c{reply_id}"')
    assert f'data-parent="{parent_id}"' in page

    comments = api_comments(member, thread_id)
    assert comments[parent_id]["status"] == "removed"
    assert comments[parent_id]["body_html"] == ""
    assert comments[parent_id]["author"] is None
    assert comments[reply_id]["status"] == "published"
    assert comments[reply_id]["parent_id"] == parent_id
    assert member.get(f"/api/v1/threads/{thread_id}").json()["comment_count"] == 1


def test_a_removed_comment_without_replies_disappears_from_the_page(member):
    thread_id = start_thread(member)
    keep_id = post_comment(member, thread_id, "this one stays")
    gone_id = post_comment(member, thread_id, "this one goes")
    form_post(member, f"/comments/{gone_id}/delete", f"/comments/{gone_id}/delete", {})
    page = member.get(f"/t/{thread_id}").text
    assert f'id="c{gone_id}"' not in page
    assert "this one goes" not in page
    assert "Comment removed." not in page
    assert f'id="c{keep_id}"' in page
    assert "1 comment<" in page


def test_a_removed_comment_cannot_be_edited_deleted_again_or_its_history_read(member):
    thread_id = start_thread(member)
    comment_id = post_comment(member, thread_id, "short-lived")
    form_post(member, f"/comments/{comment_id}/edit", f"/comments/{comment_id}/edit", {"body": "edited once"})
    form_post(member, f"/comments/{comment_id}/delete", f"/comments/{comment_id}/delete", {})
    assert member.get(f"/comments/{comment_id}/edit").status_code in {403, 404}
    assert member.get(f"/comments/{comment_id}/history").status_code == 404
    token = csrf_of(member.get(f"/t/{thread_id}").text)
    response = member.post(f"/comments/{comment_id}/delete", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code in {403, 404}
    response = member.post(f"/comments/{comment_id}/edit", data={"csrf_token": token, "body": "back again"}, follow_redirects=False)
    assert response.status_code in {403, 404}
    comment = api_comments(member, thread_id)[comment_id]
    assert comment["status"] == "removed" and comment["body_html"] == ""
    assert "edited once" not in member.get("/u/ana").text


@pytest.mark.parametrize("action", ["edit", "delete", "history", "reply"])
def test_pages_of_a_comment_that_does_not_exist_are_not_found(member, action):
    assert member.get(f"/comments/987654/{action}").status_code == 404
    assert member.get(f"/comments/99999999999999999/{action}").status_code == 404


# Counters


def test_comment_counts_on_the_thread_the_board_and_the_api_follow_posts_and_deletes(member, app):
    thread_id = start_thread(member, board="educate")
    first = post_comment(member, thread_id, "one")
    post_comment(member, thread_id, "two")
    with another_member(app) as cy:
        post_comment(cy, thread_id, "three", parent_id=first)

    def counts() -> tuple[int, str, str]:
        api = member.get(f"/api/v1/threads/{thread_id}").json()["comment_count"]
        thread_page = member.get(f"/t/{thread_id}").text
        heading = re.search(r'<h2 id="comments-heading">(.*?)</h2>', thread_page).group(1)  # type: ignore[union-attr]
        board_page = member.get("/b/educate").text
        listed = re.search(r"(\d+ comments?) · active", board_page).group(1)  # type: ignore[union-attr]
        return api, heading, listed

    assert counts() == (3, "3 comments", "3 comments")
    form_post(member, f"/comments/{first}/delete", f"/comments/{first}/delete", {})
    assert counts() == (2, "2 comments", "2 comments")
    listed = member.get("/api/v1/boards/educate/threads").json()["threads"]
    assert listed[0]["comment_count"] == 2
    assert thread_count_on(member, "educate") == 1


def test_a_single_comment_is_counted_in_the_singular(member):
    thread_id = start_thread(member)
    post_comment(member, thread_id, "only one")
    assert '<h2 id="comments-heading">1 comment</h2>' in member.get(f"/t/{thread_id}").text


def test_counters_are_recounted_from_the_comments_on_every_write(member, db):
    thread_id = start_thread(member, board="arm")
    post_comment(member, thread_id, "one")
    post_comment(member, thread_id, "two")
    with db.write() as session:
        # As if a bug or a hand edit had left them wrong.
        session.execute(update(Thread).where(Thread.id == thread_id).values(comment_count=99))
        session.execute(update(Board).where(Board.slug == "arm").values(thread_count=42))
    post_comment(member, thread_id, "three")
    assert member.get(f"/api/v1/threads/{thread_id}").json()["comment_count"] == 3
    assert thread_count_on(member, "arm") == 1
    start_thread(member, title="Second on arm", board="arm")
    assert thread_count_on(member, "arm") == 2


def test_the_api_and_the_page_count_the_same_comments(member):
    thread_id = start_thread(member)
    headers = api_headers(member)
    for body in ["via api one", "via api two"]:
        response = member.post(f"/api/v1/threads/{thread_id}/comments", json={"body": body}, headers=headers)
        assert response.status_code == 201
    post_comment(member, thread_id, "via the page")
    assert member.get(f"/api/v1/threads/{thread_id}").json()["comment_count"] == 3
    assert '<h2 id="comments-heading">3 comments</h2>' in member.get(f"/t/{thread_id}").text
    assert len(api_comments(member, thread_id)) == 3


# Replies from the form


@pytest.mark.parametrize("parent", ["abc", "-1", "1.5", "\u00b2", "\u0663", "99999999999999999", "9" * 40, "0"])
def test_a_reply_form_with_a_parent_that_cannot_exist_is_refused(member, parent):
    thread_id = start_thread(member)
    response = form_post(member, f"/t/{thread_id}", f"/t/{thread_id}/comments", {"body": "a reply", "parent_id": parent})
    assert response.status_code == 422
    assert "a reply" in response.text  # the draft is kept
    assert member.get(f"/api/v1/threads/{thread_id}").json()["comment_count"] == 0


def test_a_reply_form_pointing_at_another_thread_is_refused(member):
    one = start_thread(member, title="One")
    two = start_thread(member, title="Two")
    elsewhere = post_comment(member, one, "on thread one")
    response = form_post(member, f"/t/{two}", f"/t/{two}/comments", {"body": "misplaced", "parent_id": str(elsewhere)})
    assert response.status_code == 422
    assert "The comment you are replying to is not in this thread." in response.text
    assert member.get(f"/api/v1/threads/{two}").json()["comment_count"] == 0


def test_a_comment_on_a_thread_that_does_not_exist_is_not_found(member):
    token = csrf_of(member.get("/").text)
    for thread_id in ["424242", "99999999999999999"]:
        response = member.post(f"/t/{thread_id}/comments", data={"body": "hello", "csrf_token": token}, follow_redirects=False)
        assert response.status_code == 404


# Locked threads


def lock(db, thread_id: int) -> None:  # type: ignore[no-untyped-def]
    with db.write() as session:
        session.execute(update(Thread).where(Thread.id == thread_id).values(locked=True))


def test_a_locked_thread_refuses_new_comments_from_the_page(member, db):
    thread_id = start_thread(member)
    existing = post_comment(member, thread_id, "before the lock")
    lock(db, thread_id)
    page = member.get(f"/t/{thread_id}").text
    assert "This thread is locked: no new comments." in page
    assert 'id="comment-form"' not in page
    token = csrf_of(page)
    response = member.post(f"/t/{thread_id}/comments", data={"body": "after the lock", "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 403
    assert "This thread is locked" in response.text
    response = member.post(
        f"/t/{thread_id}/comments", data={"body": "a locked reply", "parent_id": str(existing), "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 403
    assert "This thread is locked: no new comments." in member.get(f"/comments/{existing}/reply").text
    assert member.get(f"/api/v1/threads/{thread_id}").json()["comment_count"] == 1
    assert list(api_comments(member, thread_id)) == [existing]


def test_a_locked_thread_refuses_new_comments_from_the_api(member, db):
    thread_id = start_thread(member)
    lock(db, thread_id)
    response = member.post(f"/api/v1/threads/{thread_id}/comments", json={"body": "late"}, headers=api_headers(member))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert "locked" in response.json()["error"]["message"]
    thread = member.get(f"/api/v1/threads/{thread_id}").json()
    assert thread["locked"] is True and thread["comment_count"] == 0


def test_comments_in_a_locked_thread_cannot_be_edited_by_their_author(member, db):
    thread_id = start_thread(member)
    comment_id = post_comment(member, thread_id, "frozen in place")
    lock(db, thread_id)
    assert member.get(f"/comments/{comment_id}/edit").status_code == 403
    token = csrf_of(member.get(f"/t/{thread_id}").text)
    response = member.post(f"/comments/{comment_id}/edit", data={"body": "thawed", "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 403
    assert api_comments(member, thread_id)[comment_id]["body_html"] == "<p>frozen in place</p>"
