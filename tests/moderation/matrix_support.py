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
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Table, bindparam, create_engine, inspect, select, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import SQLModel
from starlette.testclient import TestClient

from forum.accounts.passwords import hash_password
from forum.accounts.services import create_api_token, register, start_session
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
    """What a cell sees: the ids of everything, and its actor's credentials."""

    users: dict[str, int]
    boards: dict[str, int]
    thread_id: int
    comment_id: int
    db: Database
    actor: str = ANONYMOUS
    token: str | None = None
    cookie: str = ""
    item_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def actor_id(self) -> int | None:
        return self.users.get(self.actor)

    @property
    def author_id(self) -> int:
        return self.users[AUTHOR]

    # Credentials ------------------------------------------------------------

    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def browser(self) -> dict[str, str]:
        """The Cookie header of the actor's browser (the anonymous one has a CSRF token too)."""
        return {"cookie": f"forum_session={self.cookie}"}


Credentials = dict[str, tuple[str | None, str]]  # actor -> (bearer token, session cookie)


def build_world(db: Database, app: Any) -> tuple[World, Credentials]:
    """The accounts, the thread and the comment, and every actor's credentials."""
    now = utcnow()
    with db.write() as session:
        boards = {b.slug: b.id for b in session.scalars(select(Board))}
        users = {
            name: register(session, email=f"{name}@example.org", name=name, password=PASSWORD,
                           role=ROLES.get(name, Role.MEMBER), trusted=True)
            for name in (*ACTORS[1:], REPORTER)
        }
        users[MOD_HERE].moderated_boards = [boards[HOME_BOARD]]
        users[MOD_ELSEWHERE].moderated_boards = [boards[OTHER_BOARD]]
        users[SILENCED].silenced_until = now + timedelta(days=1)
        users[SILENCED].silence_reason = "Cooling off"
        # Logged in (cookie and token) before the suspension below: both must now be worth nothing.
        logins = {name: (create_api_token(session, user=user), start_session(session, user=user)) for name, user in users.items()}
        users[SUSPENDED].suspended_until = now + timedelta(days=1)
        users[SUSPENDED].suspend_reason = "Abuse"
        thread = create_thread(session, author=users[AUTHOR], board_slug=HOME_BOARD, title="The target thread",
                               body="Its opening post", policy=NO_POSTS_HELD)
        session.flush()
        comment = create_comment(session, author=users[AUTHOR], thread_id=thread.id, body="The target comment",  # type: ignore[arg-type]
                                 policy=NO_POSTS_HELD)
        session.flush()
        world = World(users={n: u.id for n, u in users.items()}, boards=boards, thread_id=thread.id,  # type: ignore[misc, arg-type]
                      comment_id=comment.id, db=db)  # type: ignore[arg-type]
    cookie = app.state.cookie_serializer.dumps
    credentials: Credentials = {ANONYMOUS: (None, cookie({"c": CSRF, "t": None}))}
    for name, (token, session_token) in logins.items():
        credentials[name] = (token, cookie({"c": CSRF, "t": session_token}))
    return world, credentials


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


# A fresh database per cell, quickly -------------------------------------


class Stage:
    """One app, one database and one world per kind of database.

    The world is built once, through the services, and its rows kept. Before
    each cell the database is emptied and those rows put back: the cell starts
    from exactly that world, in a few statements instead of a hundred. The app,
    its engine and the test client live as long as the stage: with a new engine
    per cell, most of a cell's time went to compiling the same SQL again. Rows
    are deleted in place (no file is swapped under the engine), so a live
    notice that the last cell left behind reads a whole database, never a torn one.
    """

    def __init__(self, app: Any, db: Database, client: TestClient) -> None:
        self.app, self.db, self.client = app, db, client
        self._empty()
        with pytest.MonkeyPatch.context() as patch:
            digest = known_hash()
            patch.setattr("forum.accounts.services.hash_password", lambda password: digest)
            self.world, self.credentials = build_world(db, app)
        self.rows, self.boards = _dump(db)

    def enter(self, actor: str) -> World:
        """The world as first built, on a database emptied and refilled, seen by `actor`."""
        self._empty()
        board = _table("board")
        with self.db.engine.begin() as conn:
            for table, rows in self.rows:
                conn.execute(table.insert(), rows)
            conn.execute(board.update().where(board.c.id == bindparam("board_id")), self.boards)
            if self.db.dialect == "postgresql":
                conn.exec_driver_sql(_sequences_after(self.rows))
        self.app.state.thread_cache.clear()
        self.client.cookies.clear()
        token, cookie = self.credentials[actor]
        return replace(self.world, actor=actor, token=token, cookie=cookie, extra={})

    def _empty(self) -> None:
        if self.db.dialect == "sqlite":
            empty_sqlite(self.db)
        else:
            empty_postgres(self.db.url)


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def _dump(db: Database) -> tuple[list[tuple[Table, list[dict[str, Any]]]], list[dict[str, Any]]]:
    """Every row the world put in, table by table in foreign-key order; and the boards' counters."""
    dumped: list[tuple[Table, list[dict[str, Any]]]] = []
    with db.engine.connect() as conn:
        known = set(SQLModel.metadata.tables)
        for name in inspect(conn).get_table_names():
            if name not in known and name not in KEEP_TABLES:
                assert conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar() == 0, f"{name} is not in the models"
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in KEEP_TABLES:
                rows = [dict(row) for row in conn.execute(select(table)).mappings()]
                if rows:
                    dumped.append((table, rows))
        board = _table("board")
        boards = [{"board_id": r.id, "thread_count": r.thread_count, "last_activity_at": r.last_activity_at,
                   "premoderated": r.premoderated} for r in conn.execute(select(board))]
    return dumped, boards


def _sequences_after(rows: list[tuple[Table, list[dict[str, Any]]]]) -> str:
    """PostgreSQL: each id sequence continues after the rows put back with their ids."""
    return "; ".join(
        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), {max(r['id'] for r in table_rows)})"
        for table, table_rows in rows
        if "id" in table.c and all(isinstance(r["id"], int) for r in table_rows)
    )


@functools.cache
def _sqlite_script(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = [r[0] for r in conn.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")) if r[0] not in KEEP_TABLES]
            triggers = list(conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")))
    finally:
        engine.dispose()
    return ";\n".join([
        "BEGIN IMMEDIATE",
        "PRAGMA defer_foreign_keys = ON",  # every row goes; checked at COMMIT, when none is left
        *(f'DROP TRIGGER "{name}"' for name, _ in triggers),  # the audit log's append-only guard
        *(f'DELETE FROM "{table}"' for table in tables),
        *(sql for _, sql in triggers),
        "UPDATE board SET thread_count = 0, last_activity_at = NULL, premoderated = 0",
        "COMMIT",
    ]) + ";"


def empty_sqlite(db: Database) -> None:
    """Every row but the boards, with the triggers put back as they were; ids start at 1 again."""
    raw = db.engine.raw_connection()
    try:
        raw.driver_connection.executescript(_sqlite_script(db.url))  # type: ignore[union-attr]
    finally:
        raw.close()


@functools.cache
def _engine(url: str) -> Engine:
    return create_engine(make_url(url).set(drivername="postgresql+psycopg"))


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
