"""Many writers on one thread at once: nothing fails, nothing is lost, counts stay right."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from forum.accounts.services import register
from forum.boards.services import create_thread
from forum.comments.queries import thread_comments
from forum.comments.services import create_comment
from forum.db import Database
from tests.conftest import PASSWORD

WRITERS = 6
EACH = 10


def test_concurrent_writers_all_succeed_and_the_count_is_exact(db: Database):
    with db.write() as session:
        users = [register(session, email=f"w{i}@example.org", name=f"w{i}", password=PASSWORD, trusted=True) for i in range(WRITERS)]
        thread = create_thread(session, author=users[0], board_slug="rally", title="Busy", body="x")

    def write(user_index: int) -> list[int]:
        made = []
        for n in range(EACH):
            with db.write() as session:
                made.append(create_comment(session, author=users[user_index], thread_id=thread.id, body=f"{user_index}-{n}").id)
        return made

    with ThreadPoolExecutor(WRITERS) as pool:
        results = list(pool.map(write, range(WRITERS)))

    ids = sorted(i for made in results for i in made)
    assert len(ids) == len(set(ids)) == WRITERS * EACH
    with db.read() as session:
        stored = thread_comments(session, None, thread.id)
        from forum.boards.models import Thread

        count = session.get(Thread, thread.id).comment_count
    assert [c.id for c in stored] == ids
    assert count == WRITERS * EACH
