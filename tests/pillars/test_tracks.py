"""Educate tracks: arranging steps, step N of M, marking done, resuming, progress."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from forum.db import Database
from tests.conftest import form_post, log_in, register
from tests.pillars.test_resources_and_stories import make_moderator, start_thread


def make_track(client: TestClient, title: str = "Social media basics") -> int:
    response = form_post(client, "/tracks/new", "/tracks/new", {"title": title, "description": "Start here."})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def track_post(client: TestClient, track_id: int, action: str, data: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return form_post(client, f"/tracks/{track_id}", f"/tracks/{track_id}/{action}", data or {})


def step_titles(client: TestClient, track_id: int) -> list[str]:
    html = client.get(f"/tracks/{track_id}").text
    steps = html.split('class="track-steps"')[1].split("</ol>")[0]
    return re.findall(r'<a href="/t/\d+/[^"]*">([^<]+)</a>', steps)


def arranged_track(client: TestClient, db: Database, steps: int = 3) -> tuple[int, list[int]]:
    make_moderator(db)
    log_in(client, "mo@example.org")
    threads = [start_thread(client, "educate", f"Lesson {n}") for n in range(1, steps + 1)]
    track_id = make_track(client)
    for thread_id in threads:
        assert track_post(client, track_id, "steps", {"thread_id": str(thread_id)}).status_code == 303
    return track_id, threads


def test_a_moderator_arranges_threads_into_an_ordered_track(client: TestClient, db: Database):
    track_id, threads = arranged_track(client, db)
    assert step_titles(client, track_id) == ["Lesson 1", "Lesson 2", "Lesson 3"]
    assert track_post(client, track_id, f"steps/{threads[2]}/up").status_code == 303
    assert step_titles(client, track_id) == ["Lesson 1", "Lesson 3", "Lesson 2"]
    assert track_post(client, track_id, f"steps/{threads[0]}/move", {"position": "3"}).status_code == 303
    assert step_titles(client, track_id) == ["Lesson 3", "Lesson 2", "Lesson 1"]
    assert track_post(client, track_id, f"steps/{threads[1]}/remove").status_code == 303
    assert step_titles(client, track_id) == ["Lesson 3", "Lesson 1"]
    # A thread named by its address works as well as by its number.
    assert track_post(client, track_id, "steps", {"thread_id": f"http://testserver/t/{threads[1]}/lesson-2"}).status_code == 303
    assert step_titles(client, track_id) == ["Lesson 3", "Lesson 1", "Lesson 2"]
    bad = track_post(client, track_id, "steps", {"thread_id": "99999"})
    assert bad.status_code == 422 and "no published thread" in bad.text


def test_a_member_may_not_arrange_a_track(client: TestClient, db: Database):
    track_id, threads = arranged_track(client, db)
    client.cookies.clear()
    register(client, "ana")
    assert client.get("/tracks/new").status_code == 403
    assert track_post(client, track_id, f"steps/{threads[0]}/remove").status_code == 403
    assert "Arrange this track" not in client.get(f"/tracks/{track_id}").text


def test_a_member_sees_step_n_of_m_marks_steps_done_and_resumes(client: TestClient, db: Database):
    track_id, threads = arranged_track(client, db)
    client.cookies.clear()
    # A reader who is not logged in sees the place and the neighbours too.
    anonymous = client.get(f"/t/{threads[1]}").text
    assert "step 2 of 3" in anonymous
    assert f'href="/t/{threads[0]}/lesson-1" rel="prev"' in anonymous
    assert f'href="/t/{threads[2]}/lesson-3" rel="next"' in anonymous
    register(client, "ana")
    page = f"/t/{threads[0]}"
    done = form_post(client, page, f"/tracks/{track_id}/steps/{threads[0]}/done", {"back": "thread"})
    assert done.status_code == 303 and done.headers["location"] == page
    assert "Mark as not done" in client.get(page).text
    resume = client.get(f"/tracks/{track_id}/continue", follow_redirects=False)
    assert resume.headers["location"] == f"/t/{threads[1]}/lesson-2"
    assert "1 of 3 done" in client.get(f"/tracks/{track_id}").text
    for thread_id in threads[1:]:
        form_post(client, f"/t/{thread_id}", f"/tracks/{track_id}/steps/{thread_id}/done", {})
    assert client.get(f"/tracks/{track_id}/continue", follow_redirects=False).headers["location"] == f"/tracks/{track_id}"
    form_post(client, f"/t/{threads[1]}", f"/tracks/{track_id}/steps/{threads[1]}/undone", {})
    assert client.get(f"/tracks/{track_id}/continue", follow_redirects=False).headers["location"] == f"/t/{threads[1]}/lesson-2"


def test_the_educate_board_lists_tracks_with_each_members_progress(client: TestClient, db: Database):
    track_id, threads = arranged_track(client, db)
    client.cookies.clear()
    register(client, "ana")
    form_post(client, f"/t/{threads[0]}", f"/tracks/{track_id}/steps/{threads[0]}/done", {})
    form_post(client, f"/t/{threads[1]}", f"/tracks/{track_id}/steps/{threads[1]}/done", {})
    assert "2 of 3 done" in client.get("/b/educate").text
    client.cookies.clear()
    register(client, "cy")
    board = client.get("/b/educate").text
    assert "Social media basics" in board and "0 of 3 done" in board
    client.cookies.clear()
    log_in(client, "mo@example.org")
    track = client.get(f"/tracks/{track_id}").text
    assert "ana</a>: 2 of 3 done" in track
    from sqlalchemy import select

    from forum.moderation.models import AuditEvent

    with db.read() as session:
        actions = set(session.scalars(select(AuditEvent.action)))
    assert {"track.created", "track.step_added"} <= actions
