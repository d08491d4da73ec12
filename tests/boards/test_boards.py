"""Boards and threads: listing, paging, cross-listing, counters, the page cache."""

from __future__ import annotations

from sqlalchemy import select, update

from forum.accounts.services import register
from forum.boards.models import Board, Thread
from forum.boards.queries import get_board
from forum.boards.services import create_thread, list_thread_on, synchronize_board
from forum.comments.services import create_comment, delete_comment
from forum.demo import THREADS, load_demo
from tests.conftest import PASSWORD, form_post

PILLARS = ["Showcase", "Harness", "Arm", "Rally", "Educate"]


def _user(db, name="writer"):
    with db.write() as session:
        return register(session, email=f"{name}@example.org", name=name, password=PASSWORD, trusted=True)


def test_home_page_lists_the_five_pillars_with_their_purpose(client):
    html = client.get("/").text
    positions = [html.index(f">{name}</a>") for name in PILLARS]
    assert positions == sorted(positions)
    assert "the convener of the conversation" in html
    assert "on-demand curriculum" in html


def test_an_unknown_board_is_404(client):
    assert client.get("/b/gossip").status_code == 404
    assert client.get("/b/gossip/new", follow_redirects=False).status_code in {303, 404}


def test_board_lists_pinned_threads_first_then_latest_activity(db, client):
    user = _user(db)
    with db.write() as session:
        old = create_thread(session, author=user, board_slug="arm", title="Old", body="x")
        pinned = create_thread(session, author=user, board_slug="arm", title="Pinned", body="x")
        new = create_thread(session, author=user, board_slug="arm", title="New", body="x")
    with db.write() as session:
        session.execute(update(Thread).where(Thread.id == pinned.id).values(pinned=True))
        create_comment(session, author=user, thread_id=old.id, body="bump")
    titles = [t["title"] for t in client.get("/api/v1/boards/arm/threads").json()["threads"]]
    assert titles == ["Pinned", "Old", "New"]
    html = client.get("/b/arm").text
    assert html.index(">Pinned<") < html.index(">Old<") < html.index(">New<")
    assert new.id


def test_board_pages_through_every_thread_once(db, client):
    user = _user(db)
    with db.write() as session:
        for i in range(65):
            create_thread(session, author=user, board_slug="educate", title=f"Lesson {i}", body="x", system=True)
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        url = "/api/v1/boards/educate/threads" + (f"?cursor={cursor}" if cursor else "")
        data = client.get(url).json()
        seen += [t["id"] for t in data["threads"]]
        cursor = data["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 65 == len(set(seen))
    html = client.get("/b/educate").text
    assert 'rel="next"' in html


def test_a_thread_listed_on_another_board_appears_there_and_counts(db, client):
    user = _user(db)
    with db.write() as session:
        thread = create_thread(session, author=user, board_slug="rally", title="Cross-listed", body="x")
        list_thread_on(session, thread=thread, board=get_board(session, "educate"))
    assert "Cross-listed" in client.get("/b/educate").text
    boards = {b["slug"]: b for b in client.get("/api/v1/boards").json()}
    assert boards["educate"]["thread_count"] == 1
    assert boards["rally"]["thread_count"] == 1
    assert client.get(f"/api/v1/threads/{thread.id}").json()["board"] == "rally"


def test_counters_are_recomputed_not_patched(db, client):
    user = _user(db)
    with db.write() as session:
        thread = create_thread(session, author=user, board_slug="harness", title="Counted", body="x")
        first = create_comment(session, author=user, thread_id=thread.id, body="one")
        create_comment(session, author=user, thread_id=thread.id, body="two")
    with db.write() as session:
        # Corrupt the counters, as a bug or a manual edit might.
        session.execute(update(Board).where(Board.slug == "harness").values(thread_count=99))
        delete_comment(session, actor=user, comment_id=first.id)
        synchronize_board(session, board_id=thread.board_id)
    data = client.get(f"/api/v1/threads/{thread.id}").json()
    assert data["comment_count"] == 1
    boards = {b["slug"]: b for b in client.get("/api/v1/boards").json()}
    assert boards["harness"]["thread_count"] == 1


def test_a_new_comment_leaves_every_listing_board_as_a_recount_would(db):
    user = _user(db)
    with db.write() as session:
        older = create_thread(session, author=user, board_slug="showcase", title="Older", body="x")
        thread = create_thread(session, author=user, board_slug="rally", title="Busy", body="x")
        list_thread_on(session, thread=thread, board=get_board(session, "educate"))
        list_thread_on(session, thread=older, board=get_board(session, "educate"))
    with db.write() as session:
        create_comment(session, author=user, thread_id=older.id, body="on the older thread")
        create_comment(session, author=user, thread_id=thread.id, body="latest word")

    def counters() -> dict[str, tuple[int, object]]:
        with db.read() as session:
            return {b.slug: (b.thread_count, b.last_activity_at) for b in session.scalars(select(Board))}

    after_comments = counters()
    with db.write() as session:
        for board in session.scalars(select(Board)).all():
            synchronize_board(session, board_id=board.id)
    assert after_comments == counters()
    with db.read() as session:
        latest = session.get(Thread, thread.id).last_activity_at
    assert after_comments["rally"] == (1, latest)
    assert after_comments["educate"] == (2, latest)


def test_starting_a_thread_needs_a_login(client):
    response = client.get("/b/arm/new", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_a_thread_form_error_keeps_the_draft(member):
    response = form_post(member, "/b/arm/new", "/b/arm/new", {"title": "   ", "body": "my careful draft"})
    assert response.status_code == 422
    assert "give the thread a title" in response.text
    assert "my careful draft" in response.text


def test_thread_url_accepts_a_trailing_slug(db, client):
    user = _user(db)
    with db.write() as session:
        thread = create_thread(session, author=user, board_slug="arm", title="A slug here", body="x")
    assert client.get(f"/t/{thread.id}/a-slug-here").status_code == 200
    assert client.get(f"/t/{thread.id}/anything").status_code == 200


def test_search_finds_visible_threads_by_every_word(db, client):
    user = _user(db)
    with db.write() as session:
        create_thread(session, author=user, board_slug="arm", title="Policy template", body="for small clinics")
        create_thread(session, author=user, board_slug="arm", title="Budget", body="spreadsheet")
    html = client.get("/search?q=policy+clinics").text
    assert "Policy template" in html and "Budget" not in html
    assert client.get("/search?q=" + "x" * 300).status_code == 200


def test_demo_content_loads_once(db, client):
    assert load_demo(db) is True
    assert load_demo(db) is False
    boards = {b["slug"]: b["thread_count"] for b in client.get("/api/v1/boards").json()}
    assert sum(boards.values()) == len(THREADS)
    assert all(count >= 1 for count in boards.values())
    # Each pillar's tool has something to show.
    assert "First convening: what should this forum take on?" in client.get("/b/rally").text
    assert "A network of community clinics" in client.get("/b/showcase").text
    assert "code-medical-ethics.ama-assn.org" in client.get("/b/arm").text
    assert "Starting out on social media as a clinician" in client.get("/b/educate").text
