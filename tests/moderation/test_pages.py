"""The moderators' pages under /mod, used as a browser without JavaScript would:
dashboard, review queue, audit log, watched words and board pre-moderation."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from forum.accounts.models import User
from forum.accounts.services import register as register_user
from forum.boards.models import Board
from forum.comments.models import Comment
from forum.db import Database
from forum.moderation.audit import record_event
from forum.moderation.models import AuditEvent, QueueItem, WatchedWord
from forum.types import Role
from tests.conftest import PASSWORD, csrf_of, form_post, log_in, post_comment

MOD_PAGES = ("/mod", "/mod/queue", "/mod/log", "/mod/words", "/mod/boards")

People = Callable[..., TestClient]


@pytest.fixture
def people(app, db: Database) -> Iterator[People]:  # type: ignore[no-untyped-def]
    """Make an account and a browser logged in as it: people("ana"), people("mo", Role.MODERATOR, boards=["harness"])."""
    with ExitStack() as stack:

        def make(name: str, role: Role = Role.MEMBER, boards: list[str] | None = None) -> TestClient:
            with db.write() as session:
                user = register_user(session, email=f"{name}@example.org", name=name, password=PASSWORD, role=role, trusted=True)
                if boards:
                    user.moderated_boards = [board_id(session, slug) for slug in boards]
            browser = stack.enter_context(TestClient(app, raise_server_exceptions=False))
            log_in(browser, f"{name}@example.org")
            return browser

        yield make


def board_id(session, slug: str) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(Board.id).where(Board.slug == slug))


def premoderate(db: Database, slug: str, on: bool = True) -> None:
    with db.write() as session:
        session.execute(update(Board).where(Board.slug == slug).values(premoderated=on))


def start_thread(browser: TestClient, board: str = "harness", title: str = "Discharge checklists") -> int:
    response = form_post(browser, f"/b/{board}/new", f"/b/{board}/new", {"title": title, "body": "What do you use?"})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].split("/")[2])


def comment_status(db: Database, comment_id: int) -> Comment:
    with db.read() as session:
        comment = session.get(Comment, comment_id)
        assert comment is not None
        return comment


def item_for(db: Database, comment_id: int) -> int:
    with db.read() as session:
        return session.scalar(select(QueueItem.id).where(QueueItem.target_type == "comment", QueueItem.target_id == comment_id))


def events(db: Database, action: str) -> list[AuditEvent]:
    with db.read() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def queue_item_html(page: str, item_id: int) -> str:
    start = page.index(f'id="q{item_id}"')
    return page[start : page.index("</li>", page.index("</article>", start))]


def act(browser: TestClient, item_id: int, action: str, data: dict[str, str] | None = None, page_url: str = "/mod/queue"):  # type: ignore[no-untyped-def]
    """Press one of an item's buttons on the queue page."""
    return form_post(browser, page_url, f"/mod/queue/{item_id}/{action}", {"next": page_url, **(data or {})})


@pytest.fixture
def held(people: People, db: Database) -> tuple[TestClient, int, int]:
    """A member's comment waiting on the pre-moderated harness board: (the member's browser, thread id, comment id)."""
    ana = people("ana")
    thread_id = start_thread(ana)
    premoderate(db, "harness")
    comment_id = post_comment(ana, thread_id, "We use the **teach-back** method")
    assert comment_status(db, comment_id).status == "held"
    return ana, thread_id, comment_id


# Who may open the pages


def test_every_moderation_page_is_not_found_for_members_and_visitors(people: People, client: TestClient):
    ana = people("ana")
    for url in MOD_PAGES:
        assert ana.get(url).status_code == 404, url
        assert client.get(url).status_code == 404, url
    assert "Moderation</a>" not in ana.get("/").text


def test_a_moderator_opens_every_page_but_the_admins_boards_page(people: People):
    mo = people("mo", Role.MODERATOR)
    for url in ("/mod", "/mod/queue", "/mod/log", "/mod/words"):
        assert mo.get(url).status_code == 200, url
    assert mo.get("/mod/boards").status_code == 404
    assert '<a href="/mod">Moderation</a>' in mo.get("/").text


def test_the_dashboard_counts_open_items_by_reason_and_links_every_tool(people: People, held, db: Database):
    mo = people("mo", Role.MODERATOR)
    page = mo.get("/mod")
    assert page.status_code == 200
    assert "1 open item waiting." in page.text
    assert '<li data-reason="board_premoderated"><a href="/mod/queue?reason=board_premoderated">Every post on this board waits for a moderator</a>: <strong>1</strong></li>' in page.text
    for link in ("/mod/queue", "/mod/log", "/mod/words", "/mod/users", "/mod/import"):
        assert f'href="{link}"' in page.text
    assert 'href="/mod/boards"' not in page.text
    assert 'href="/mod/boards"' in people("ad", Role.ADMIN).get("/mod").text


# The queue


def test_the_queue_shows_each_item_with_its_reasons_text_thread_and_author(people: People, held, db: Database):
    _, thread_id, comment_id = held
    item_id = item_for(db, comment_id)
    mo = people("mo", Role.MODERATOR)
    page = mo.get("/mod/queue")
    assert page.status_code == 200
    assert "<ol id=\"queue\" data-live-queue" in page.text
    assert '<script src="/static/js/queue.js" defer></script>' in page.text
    item = queue_item_html(page.text, item_id)
    assert f'data-item="{item_id}"' in item
    assert "Every post on this board waits for a moderator" in item
    assert "We use the <strong>teach-back</strong> method" in item
    assert f'href="/t/{thread_id}#c{comment_id}"' in item
    assert '<a class="author" href="/u/ana">ana</a>' in item
    assert "Not claimed" in item
    assert f'action="/mod/queue/{item_id}/approve"' in item
    assert f'action="/mod/queue/{item_id}/reject"' in item
    assert "We use the **teach-back** method</textarea>" in item


def test_the_queue_shows_flag_counts_per_reason_and_the_flaggers_notes(people: People, db: Database, app):  # type: ignore[no-untyped-def]
    from forum.moderation.flags import flag

    ana = people("ana")
    thread_id = start_thread(ana)
    comment_id = post_comment(ana, thread_id, "Buy cheap pills")
    people("cy")
    people("di")
    with db.write() as session:
        for name, reason, note in (("cy", "spam", "an advert"), ("di", "spam", "")):
            flagger = session.scalar(select(User).where(User.name == name))
            flag(session, flagger=flagger, target_type="comment", target_id=comment_id, reason=reason, note=note, policy=app.state.policy)
    item = queue_item_html(people("mo", Role.MODERATOR).get("/mod/queue").text, item_for(db, comment_id))
    assert "2 open flags" in item
    assert "Spam (2)" in item
    assert "<li>an advert</li>" in item


def test_a_board_moderator_sees_only_the_items_of_their_boards(people: People, db: Database):
    ana = people("ana")
    on_harness = start_thread(ana, "harness")
    on_rally = start_thread(ana, "rally", title="Rally day")
    premoderate(db, "harness")
    premoderate(db, "rally")
    mine = post_comment(ana, on_harness, "A harness comment")
    theirs = post_comment(ana, on_rally, "A rally comment")
    scoped = people("hm", Role.MODERATOR, boards=["harness"])

    page = scoped.get("/mod/queue").text
    assert "A harness comment" in page
    assert "A rally comment" not in page
    assert f'id="q{item_for(db, theirs)}"' not in page
    assert "1 open item waiting." in scoped.get("/mod").text
    assert scoped.get("/mod/queue?board=rally").text.count('class="queue-item') == 0
    # Acting on another board's item is as if it did not exist.
    response = act(scoped, item_for(db, theirs), "approve")
    assert response.status_code == 404
    assert comment_status(db, theirs).status == "held"
    assert comment_status(db, mine).status == "held"

    everywhere = people("mo", Role.MODERATOR).get("/mod/queue").text
    assert "A harness comment" in everywhere and "A rally comment" in everywhere


def test_the_queue_filters_by_board_and_reason(people: People, db: Database):
    ana = people("ana")
    on_harness = start_thread(ana, "harness")
    on_rally = start_thread(ana, "rally", title="Rally day")
    with db.write() as session:
        session.add(WatchedWord(pattern="sharps", action="hold"))
    premoderate(db, "rally")
    post_comment(ana, on_harness, "Where do the sharps go")
    post_comment(ana, on_rally, "Meeting at noon")
    mo = people("mo", Role.MODERATOR)

    by_board = mo.get("/mod/queue?board=rally").text
    assert "Meeting at noon" in by_board and "sharps" not in by_board
    by_reason = mo.get("/mod/queue?reason=watched_word").text
    assert "Where do the sharps go" in by_reason and "Meeting at noon" not in by_reason
    assert '<option value="watched_word" selected>' in by_reason
    assert mo.get("/mod/queue?sort=flags").status_code == 200
    assert mo.get("/mod/queue?sort=sideways").status_code == 422


def test_approving_from_the_queue_without_javascript_publishes_the_comment_and_logs_it(people: People, held, db: Database):
    ana, thread_id, comment_id = held
    item_id = item_for(db, comment_id)
    mo = people("mo", Role.MODERATOR)

    response = act(mo, item_id, "approve", page_url="/mod/queue?board=harness&sort=flags")
    assert response.status_code == 303
    assert response.headers["location"] == "/mod/queue?board=harness&sort=flags"
    assert comment_status(db, comment_id).status == "published"
    [event] = events(db, "comment.approved")
    assert event.target_id == comment_id
    assert f'id="q{item_id}"' not in mo.get("/mod/queue").text
    assert "We use the <strong>teach-back</strong> method" in ana.get(f"/t/{thread_id}").text


def test_rejecting_needs_a_reason_which_is_kept_for_the_author(people: People, held, db: Database):
    _, _, comment_id = held
    item_id = item_for(db, comment_id)
    mo = people("mo", Role.MODERATOR)

    refused = act(mo, item_id, "reject", {"reason": "  "})
    assert refused.status_code == 422
    assert "Give a reason; the author will see it." in refused.text
    assert f'id="q{item_id}"' in refused.text  # the queue, shown again
    assert comment_status(db, comment_id).status == "held"

    response = act(mo, item_id, "reject", {"reason": "Names a patient's ward"})
    assert response.status_code == 303
    comment = comment_status(db, comment_id)
    assert comment.status == "hidden"
    assert comment.mod_reason == "Names a patient's ward"
    [event] = events(db, "comment.rejected")
    assert event.data["reason"] == "Names a patient's ward"


def test_an_item_already_dealt_with_is_refused_with_a_message(people: People, held, db: Database):
    _, _, comment_id = held
    item_id = item_for(db, comment_id)
    mo = people("mo", Role.MODERATOR)
    assert act(mo, item_id, "approve").status_code == 303
    again = act(mo, item_id, "reject", {"reason": "Too late"})
    assert again.status_code == 409
    assert "That item has already been dealt with." in again.text
    assert comment_status(db, comment_id).status == "published"


def test_an_unknown_action_or_item_is_not_found(people: People, held, db: Database):
    _, _, comment_id = held
    mo = people("mo", Role.MODERATOR)
    assert act(mo, item_for(db, comment_id), "explode").status_code == 404
    assert act(mo, 999999, "approve").status_code == 404
    assert people("ana2").post(f"/mod/queue/{item_for(db, comment_id)}/approve").status_code in (403, 404)


@pytest.mark.parametrize("elsewhere", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"])
def test_after_an_action_the_moderator_only_goes_back_to_a_path_on_this_site(people: People, held, db: Database, elsewhere: str):
    _, _, comment_id = held
    mo = people("mo", Role.MODERATOR)
    token = csrf_of(mo.get("/mod/queue").text)
    response = mo.post(f"/mod/queue/{item_for(db, comment_id)}/approve", data={"csrf_token": token, "next": elsewhere}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/mod/queue"


def test_a_moderator_edits_a_held_comment_and_the_log_keeps_before_and_after(people: People, held, db: Database):
    _, _, comment_id = held
    mo = people("mo", Role.MODERATOR)
    response = act(mo, item_for(db, comment_id), "edit", {"body": "We use the teach-back method (name removed)", "reason": "Took out a name"})
    assert response.status_code == 303
    comment = comment_status(db, comment_id)
    assert comment.status == "published"
    assert comment.body_md == "We use the teach-back method (name removed)"

    log = mo.get("/mod/log?action=comment.edited").text
    assert "We use the **teach-back** method" in log
    assert "We use the teach-back method (name removed)" in log
    assert f'href="/t/{comment.thread_id}#c{comment_id}"' in log


def test_a_claim_shows_the_claimers_name_to_a_second_moderator(people: People, held, db: Database):
    _, _, comment_id = held
    item_id = item_for(db, comment_id)
    mo = people("mo", Role.MODERATOR)
    max_ = people("max", Role.MODERATOR)

    assert act(mo, item_id, "claim").status_code == 303
    seen_by_max = queue_item_html(max_.get("/mod/queue").text, item_id)
    assert 'Claimed by <strong class="claimer">mo</strong>' in seen_by_max
    assert "Take over" in seen_by_max
    assert f'action="/mod/queue/{item_id}/release"' in queue_item_html(mo.get("/mod/queue").text, item_id)

    assert act(mo, item_id, "release").status_code == 303
    assert "Not claimed" in queue_item_html(max_.get("/mod/queue").text, item_id)
    assert [e.action for e in events(db, "queue.claimed") + events(db, "queue.released")] == ["queue.claimed", "queue.released"]


# The audit log


def test_the_log_lists_actions_newest_first_and_filters_them(people: People, held, db: Database):
    _, thread_id, comment_id = held
    mo = people("mo", Role.MODERATOR)
    item_id = item_for(db, comment_id)
    act(mo, item_id, "claim")
    act(mo, item_id, "reject", {"reason": "Off the subject"})

    page = mo.get("/mod/log").text
    assert page.index("comment.rejected") < page.index("queue.claimed")
    assert "Off the subject" in page
    assert f'<a href="/t/{thread_id}#c{comment_id}">comment {comment_id}</a>' in page

    only_rejections = mo.get("/mod/log?action=comment.rejected").text
    assert "<code>comment.rejected</code>" in only_rejections and "<code>queue.claimed</code>" not in only_rejections
    by_mo = mo.get("/mod/log?actor=mo").text
    assert "<code>queue.claimed</code>" in by_mo and "<code>comment.rejected</code>" in by_mo
    by_ana = mo.get("/mod/log?actor=ana").text
    assert "<code>account.registered</code>" in by_ana and "<code>queue.claimed</code>" not in by_ana
    assert "No events match." in mo.get("/mod/log?actor=nobody").text
    by_target = mo.get(f"/mod/log?target_type=comment&target_id={comment_id}").text
    assert "<code>comment.rejected</code>" in by_target and "<code>queue.claimed</code>" not in by_target
    assert mo.get("/mod/log?target_id=abc").status_code == 400


def test_the_log_pages_fifty_events_at_a_time_by_id(people: People, db: Database):
    mo = people("mo", Role.MODERATOR)
    with db.write() as session:
        for n in range(60):
            record_event(session, actor_id=None, action="word.added", target_type="watched_word", target_id=n + 1, data={"pattern": f"word{n}"})
    first = mo.get("/mod/log?action=word.added").text
    assert first.count('data-action="word.added"') == 50
    assert "word59" in first and "word9<" not in first
    older = re.search(r'<a rel="next" href="([^"]+)"', first)
    assert older
    second = mo.get(older.group(1).replace("&amp;", "&")).text
    assert second.count('data-action="word.added"') == 10
    assert "word9<" in second and "word10<" not in second
    assert 'rel="next"' not in second


def test_the_log_cannot_be_changed_from_the_web(people: People, held, db: Database):
    mo = people("mo", Role.MODERATOR)
    token = csrf_of(mo.get("/mod/log").text)
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        assert mo.request(method, "/mod/log", data={"csrf_token": token}).status_code == 405, method
    [event] = events(db, "account.registered")[:1]
    assert mo.post(f"/mod/log/{event.id}", data={"csrf_token": token}).status_code == 404
    main = mo.get("/mod/log").text.split('<main id="main">', 1)[1]
    assert 'method="post"' not in main  # no button on the page changes the record


def test_a_board_moderator_reads_the_log_of_their_boards_only(people: People, db: Database):
    ana = people("ana")
    on_harness = start_thread(ana, "harness")
    on_rally = start_thread(ana, "rally", title="Rally day")
    premoderate(db, "harness")
    premoderate(db, "rally")
    mine = post_comment(ana, on_harness, "A harness comment")
    theirs = post_comment(ana, on_rally, "A rally comment")
    mo = people("mo", Role.MODERATOR)
    act(mo, item_for(db, mine), "approve")
    act(mo, item_for(db, theirs), "approve")
    log = people("hm", Role.MODERATOR, boards=["harness"]).get("/mod/log?action=comment.approved").text
    assert f"comment {mine}<" in log
    assert f"comment {theirs}<" not in log


# Watched words


def test_a_moderator_adds_and_removes_watched_words(people: People, db: Database):
    mo = people("mo", Role.MODERATOR)
    response = form_post(mo, "/mod/words", "/mod/words", {"pattern": "Sharps  Bin", "action": "hold"})
    assert response.status_code == 303
    assert response.headers["location"] == "/mod/words"
    page = mo.get("/mod/words").text
    assert "<code>sharps bin</code>" in page

    again = form_post(mo, "/mod/words", "/mod/words", {"pattern": "sharps bin", "action": "block"})
    assert again.status_code == 409
    assert "&#39;sharps bin&#39; is already watched." in again.text
    bad = form_post(mo, "/mod/words", "/mod/words", {"pattern": "<b>", "action": "hold"})
    assert bad.status_code == 422
    assert 'value="&lt;b&gt;"' in bad.text

    with db.read() as session:
        word_id = session.scalar(select(WatchedWord.id).where(WatchedWord.pattern == "sharps bin"))
    removed = form_post(mo, "/mod/words", f"/mod/words/{word_id}/remove", {})
    assert removed.status_code == 303
    assert "sharps bin" not in mo.get("/mod/words").text
    assert [e.action for e in events(db, "word.added") + events(db, "word.removed")] == ["word.added", "word.removed"]
    assert form_post(mo, "/mod/words", f"/mod/words/{word_id}/remove", {}).status_code == 404


def test_a_blocked_word_refuses_a_comment_from_the_form_and_saves_nothing(people: People, db: Database):
    mo = people("mo", Role.MODERATOR)
    form_post(mo, "/mod/words", "/mod/words", {"pattern": "miracle cure", "action": "block"})
    ana = people("ana")
    thread_id = start_thread(ana)
    response = form_post(ana, f"/t/{thread_id}", f"/t/{thread_id}/comments", {"body": "Try this Miracle Cure today"})
    assert response.status_code == 422
    assert "This post contains words that are not allowed here (&#39;miracle cure&#39;)" in response.text
    with db.read() as session:
        assert session.scalars(select(Comment).where(Comment.thread_id == thread_id)).all() == []


def test_a_hold_word_puts_the_comment_in_the_queue(people: People, db: Database):
    mo = people("mo", Role.MODERATOR)
    form_post(mo, "/mod/words", "/mod/words", {"pattern": "dosage", "action": "hold"})
    ana = people("ana")
    thread_id = start_thread(ana)
    comment_id = post_comment(ana, thread_id, "What dosage do you start with?")
    assert comment_status(db, comment_id).status == "held"
    item = queue_item_html(mo.get("/mod/queue").text, item_for(db, comment_id))
    assert "Contains a watched word" in item
    assert "What dosage do you start with?" in item


# Board pre-moderation


def test_an_admin_premoderates_a_board_and_a_members_next_comment_waits(people: People, db: Database):
    ana = people("ana")
    thread_id = start_thread(ana)
    before = post_comment(ana, thread_id, "Published at once")
    assert comment_status(db, before).status == "published"

    mo = people("mo", Role.MODERATOR)
    assert form_post(mo, "/mod", "/mod/boards", {"board": "harness", "premoderated": "on"}).status_code == 404
    ad = people("ad", Role.ADMIN)
    page = ad.get("/mod/boards")
    assert page.status_code == 200
    response = form_post(ad, "/mod/boards", "/mod/boards", {"board": "harness", "premoderated": "on"})
    assert response.status_code == 303
    assert "Stop pre-moderating" in ad.get("/mod/boards").text
    [event] = events(db, "board.premoderation")
    assert event.actor_id is not None and event.data["after"] is True

    after = post_comment(ana, thread_id, "Waits for a moderator")
    assert comment_status(db, after).status == "held"
    assert "Every post on this board waits for a moderator" in queue_item_html(mo.get("/mod/queue").text, item_for(db, after))

    assert form_post(ad, "/mod/boards", "/mod/boards", {"board": "harness"}).status_code == 303
    assert comment_status(db, post_comment(ana, thread_id, "Published again")).status == "published"
    assert form_post(ad, "/mod/boards", "/mod/boards", {"board": "nowhere", "premoderated": "on"}).status_code == 404
