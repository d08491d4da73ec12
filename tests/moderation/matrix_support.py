"""The cast and the stage for the authorisation matrix (test_matrix.py).

Every cell gets the same world on a fresh database: nine actors, a published
thread on "arm" with a published comment, both by `author`, and one extra
member (`reporter`) who flags things when a cell needs a queue item. Only the
cell's own actor gets credentials: a bearer token, and a logged-in session
cookie with a known CSRF token, so a page form can be posted without first
fetching it.
"""

from __future__ import annotations

import functools
import json
import shutil
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Engine, make_url
from starlette.testclient import TestClient

from forum.accounts.models import User
from forum.accounts.passwords import hash_password
from forum.accounts.services import create_api_token, start_session
from forum.boards.models import Board
from forum.boards.services import create_thread
from forum.comments.services import create_comment
from forum.db import Database, utcnow
from forum.moderation.policy import Policy
from forum.types import Role
from tests.conftest import KEEP_TABLES, PASSWORD

ANONYMOUS = "anonymous"
MEMBER = "member"
AUTHOR = "author"
OTHER_MEMBER = "other-member"
SILENCED = "silenced"
SUSPENDED = "suspended"
MOD_HERE = "moderator-of-this-board"
MOD_ELSEWHERE = "moderator-of-another-board"
ADMIN = "admin"

# The columns of the table, in this order.
ACTORS = (ANONYMOUS, MEMBER, AUTHOR, OTHER_MEMBER, SILENCED, SUSPENDED, MOD_HERE, MOD_ELSEWHERE, ADMIN)
REPORTER = "reporter"

HOME_BOARD = "arm"
# The board the other moderator looks after; also where "move" sends the thread.
OTHER_BOARD = "educate"
CSRF = "matrix-csrf-token-0123456789"
NO_POSTS_HELD = Policy(new_account_held_posts=0)


@functools.cache
def known_hash() -> str:
    """One real argon2 hash of PASSWORD, made once per run and shared by every
    account: hashing ten passwords per cell would cost seconds each."""
    return hash_password(PASSWORD)


ROLES = {MOD_HERE: Role.MODERATOR, MOD_ELSEWHERE: Role.MODERATOR, ADMIN: Role.ADMIN}


@dataclass
class World:
    users: dict[str, int]
    boards: dict[str, int]
    thread_id: int
    comment_id: int
    actor: str
    db: Database
    token: str | None = None
    cookie: str = ""
    item_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def actor_id(self) -> int | None:
        return self.users.get(self.actor)

    # Credentials ------------------------------------------------------------

    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def browser(self) -> dict[str, str]:
        """The Cookie header of the actor's browser (the anonymous one has a CSRF token too)."""
        return {"cookie": f"forum_session={self.cookie}"}


def build_world(db: Database, app: Any, actor: str) -> World:
    """The users, the thread and the comment; credentials for `actor` only."""
    now = utcnow()
    with db.write() as session:
        boards = {b.slug: b.id for b in session.scalars(select(Board))}
        # Made as rows, not through `register`: its checks and audit event cost
        # a dozen round trips per account, and these accounts are not under test.
        users = {
            name: User(email=f"{name}@example.org", name=name, name_key=name, password_hash=known_hash(),
                       role=ROLES.get(name, Role.MEMBER), trusted=True)
            for name in (*ACTORS[1:], REPORTER)
        }
        users[MOD_HERE].moderated_boards = [boards[HOME_BOARD]]
        users[MOD_ELSEWHERE].moderated_boards = [boards[OTHER_BOARD]]
        users[SILENCED].silenced_until = now + timedelta(days=1)
        users[SILENCED].silence_reason = "Cooling off"
        users[SUSPENDED].suspended_until = now + timedelta(days=1)
        users[SUSPENDED].suspend_reason = "Abuse"
        session.add_all(users.values())
        session.flush()
        # The suspended member logged in before the suspension: that cookie and
        # token must now be worth nothing.
        session_token = start_session(session, user=users[actor]) if actor != ANONYMOUS else None
        token = create_api_token(session, user=users[actor]) if actor != ANONYMOUS else None
        thread = create_thread(session, author=users[AUTHOR], board_slug=HOME_BOARD, title="The target thread",
                               body="Its opening post", policy=NO_POSTS_HELD)
        session.flush()
        comment = create_comment(session, author=users[AUTHOR], thread_id=thread.id, body="The target comment",  # type: ignore[arg-type]
                                 policy=NO_POSTS_HELD)
        session.flush()
        world = World(users={n: u.id for n, u in users.items()}, boards=boards, thread_id=thread.id,  # type: ignore[misc, arg-type]
                      comment_id=comment.id, actor=actor, db=db, token=token)  # type: ignore[arg-type]
    world.cookie = app.state.cookie_serializer.dumps({"c": CSRF, "t": session_token})
    return world


# Before and after --------------------------------------------------------

_SNAPSHOT = {
    "thread": "SELECT id, board_id, status, locked, pinned, closed_reason, mod_reason, title, body_md, author_id FROM thread",
    "comment": "SELECT id, thread_id, status, body_md, mod_reason, author_id FROM comment",
    "flag": "SELECT id, target_type, target_id, flagger_id, reason, resolution FROM flag",
    "queue_item": "SELECT id, state, resolution, claimed_by_id, resolved_by_id FROM queue_item",
    "audit_event": "SELECT id, actor_id, action, target_type, target_id FROM audit_event",
    "user_account": "SELECT id, role, silenced_until, suspended_until, silence_reason, suspend_reason, moderated_boards FROM user_account",
    "user_note": "SELECT id, user_id, author_id, body FROM user_note",
    "watched_word": "SELECT id, pattern, action FROM watched_word",
    "board": "SELECT id, premoderated FROM board",
}


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Everything moderation could change, to prove a refused request changed nothing."""
    with db.engine.connect() as conn:
        return {
            name: sorted(tuple(_plain(v) for v in row) for row in conn.execute(text(sql)))
            for name, sql in _SNAPSHOT.items()
        }


def _plain(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True)
    return value


# Sockets -----------------------------------------------------------------


def frames_until(ws: Any, kinds: set[str]) -> list[dict[str, Any]]:
    """Every frame up to and including the first of one of `kinds`."""
    seen: list[dict[str, Any]] = []
    while True:
        frame = json.loads(ws.receive_text())
        seen.append(frame)
        if frame["type"] in kinds:
            return seen


def connect(client: TestClient, world: World, *, as_actor: bool = True) -> Any:
    headers = world.browser() if as_actor else {}
    return client.websocket_connect(f"/ws/threads/{world.thread_id}", headers=headers)


# A fresh PostgreSQL database per cell, quickly -----------------------------


@functools.cache
def _engine(url: str) -> Engine:
    return create_engine(make_url(url).set(drivername="postgresql+psycopg"))


class Stage:
    """One app and one database per kind, emptied before every cell.

    A cell still starts from a database as fresh as Alembic made it, but the
    app, its engine and the test client are made once: with a new engine per
    cell, most of a cell's time went to compiling the same SQL again.
    """

    def __init__(self, url: str, template: Path | None, app: Any, db: Database, client: TestClient) -> None:
        self.url, self.template, self.app, self.db, self.client = url, template, app, db, client

    def reset(self) -> None:
        if self.template is not None:
            self.db.engine.dispose()  # the pool's connections still hold the old file
            path = Path(make_url(self.url).database or "")
            for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                leftover.unlink(missing_ok=True)
            shutil.copyfile(self.template, path)
        else:
            empty_postgres(self.url)
        self.app.state.thread_cache.clear()
        self.client.cookies.clear()


@functools.cache
def _emptying_script(url: str) -> str:
    with _engine(url).connect() as conn:
        tables = [r[0] for r in conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
                  if r[0] not in KEEP_TABLES]
        sequences = [r[0] for r in conn.execute(text(
            "SELECT s.relname FROM pg_class s JOIN pg_depend d ON d.objid = s.oid "
            "JOIN pg_class t ON t.oid = d.refobjid WHERE s.relkind = 'S' AND t.relname <> 'board'"))]
    return "; ".join([
        "SET LOCAL session_replication_role = replica",
        *(f'DELETE FROM "{table}"' for table in tables),
        *(f"SELECT setval('\"{sequence}\"', 1, false)" for sequence in sequences),
        "UPDATE board SET thread_count = 0, last_activity_at = NULL, premoderated = false",
    ])


def empty_postgres(url: str) -> None:
    """What conftest's TRUNCATE does, in a few milliseconds instead of a few hundred.

    Rows are deleted with triggers off (the audit log's append-only triggers and
    the foreign-key checks), sequences start again at 1 and the boards' counters
    and settings go back to their migrated values, so the next test, in this
    module or any other, finds the database as Alembic left it.
    """
    with _engine(url).connect() as conn, conn.begin():
        conn.exec_driver_sql(_emptying_script(url))
