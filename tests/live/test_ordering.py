"""Within a thread, comment ids become visible in id order, even with writers
in several processes: a reader that resumes "after the last id I saw" never
skips a comment that committed late."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from forum.accounts.services import register
from forum.boards.services import create_thread
from forum.comments.models import Comment
from forum.db import Database
from tests.conftest import PASSWORD

PROCESSES = 4
EACH = 25

WRITER = """
import sys
from forum.accounts.models import User
from forum.comments.services import create_comment
from forum.db import Database
from sqlmodel import select
url, thread_id, user_id, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
db = Database(url)
with db.read() as session:
    user = session.get(User, user_id)
for n in range(count):
    with db.write() as session:
        create_comment(session, author=user, thread_id=thread_id, body=f"{user_id}-{n}")
db.dispose()
"""


def test_ids_become_visible_in_order_with_writers_in_several_processes(db: Database, database_url: str, tmp_path: Path):
    with db.write() as session:
        users = [register(session, email=f"p{i}@example.org", name=f"p{i}", password=PASSWORD, trusted=True) for i in range(PROCESSES)]
        thread = create_thread(session, author=users[0], board_slug="rally", title="Many hands", body="x")
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    writers = [
        subprocess.Popen([sys.executable, str(script), database_url, str(thread.id), str(user.id), str(EACH)], env=env)
        for user in users
    ]
    seen: list[int] = []
    last = 0
    out_of_order: list[tuple[int, int]] = []
    deadline = time.monotonic() + 120
    while len(seen) < PROCESSES * EACH:
        assert time.monotonic() < deadline, "the writers did not finish"
        with db.read() as session:
            fresh = list(session.scalars(select(Comment.id).where(Comment.thread_id == thread.id, Comment.id > last).order_by(Comment.id)))
            # What a resuming reader could have missed: an id at or below one it already saw.
            late = list(session.scalars(select(Comment.id).where(Comment.thread_id == thread.id, Comment.id <= last)))
        missing = set(late) - set(seen)
        out_of_order += [(i, last) for i in sorted(missing)]
        seen += fresh
        seen += sorted(missing)
        if fresh:
            last = fresh[-1]
        if any(w.poll() not in (None, 0) for w in writers):
            break
    for writer in writers:
        assert writer.wait(timeout=120) == 0
    assert out_of_order == [], f"ids committed after a larger id was visible: {out_of_order[:5]}"
    assert sorted(seen) == sorted(set(seen)) and len(seen) == PROCESSES * EACH
