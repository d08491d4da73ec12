"""Engines, sessions and the column types every domain shares."""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session


log = logging.getLogger("forum")

# After a commit: thread id -> ids of its existing comments that changed (edited,
# removed, hidden); new comments are found by id, so they need not be named.
Changes = dict[int, frozenset[int]]
CommitListener = Callable[[Changes], None]
# Other news for the hub once a write commits (the review queue changed, say):
# small JSON objects, published as they are.
NoticeListener = Callable[[list[dict[str, Any]]], None]
_CHANGED_THREADS = "forum.changed_threads"
_NOTICES = "forum.notices"


def utcnow() -> datetime:
    return datetime.now(UTC)


def mark_thread_changed(session: Session, thread_id: int, comment_id: int | None = None) -> None:
    """Note that what this thread shows changed (and which existing comment, if
    one did); the commit listeners hear of it once committed."""
    changed: dict[int, set[int]] = session.info.setdefault(_CHANGED_THREADS, {})
    comments = changed.setdefault(thread_id, set())
    if comment_id is not None:
        comments.add(comment_id)


def publish_after_commit(session: Session, notice: dict[str, Any]) -> None:
    """Hand `notice` to the notice listeners (the hub) if and once this write commits."""
    notices: list[dict[str, Any]] = session.info.setdefault(_NOTICES, [])
    if notice not in notices:
        notices.append(notice)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC was expected")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def normalise_url(url: str) -> str:
    """Pick the driver: `postgresql://` means psycopg 3 here."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, decide when a transaction begins,
            # so BEGIN IMMEDIATE below takes the write lock up front.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            # FULL: a comment acknowledged to its author survives a power cut too.
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # A deferred transaction that reads then writes can fail with
            # "database is locked" when another writer got in between; taking
            # the write lock at BEGIN makes writers queue on busy_timeout instead.
            write = conn.get_execution_options().get("forum_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


class Database:
    """The engine plus the two ways the app opens sessions."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(url, **kwargs)
        self._write_engine = self.engine.execution_options(forum_write=True)
        self._listeners: list[weakref.WeakMethod[CommitListener]] = []
        self._listeners_lock = threading.Lock()
        self._notice_listeners: list[weakref.WeakMethod[NoticeListener]] = []

    def on_commit(self, listener: CommitListener) -> None:
        """Call `listener(changes)` after each write that changed threads commits.

        Held weakly (a bound method of a cache or hub), so an app that is gone
        stops listening without having to say so.
        """
        with self._listeners_lock:
            self._listeners.append(weakref.WeakMethod(listener))  # type: ignore[arg-type]

    def on_notices(self, listener: NoticeListener) -> None:
        """Call `listener(notices)` after each write that published notices commits (held weakly)."""
        with self._listeners_lock:
            self._notice_listeners.append(weakref.WeakMethod(listener))  # type: ignore[arg-type]

    def _published(self, notices: list[dict[str, Any]]) -> None:
        with self._listeners_lock:
            self._notice_listeners = [ref for ref in self._notice_listeners if ref() is not None]
            listeners = [ref() for ref in self._notice_listeners]
        for listener in listeners:
            if listener is None:
                continue
            try:
                listener(notices)
            except Exception:
                log.exception("notice listener failed")

    def _committed(self, changes: Changes) -> None:
        with self._listeners_lock:
            self._listeners = [ref for ref in self._listeners if ref() is not None]
            listeners = [ref() for ref in self._listeners]
        for listener in listeners:
            if listener is None:
                continue
            try:
                listener(changes)
            except Exception:
                # The write is committed whatever a listener does; a failing
                # listener is logged, never turned into a failed request.
                log.exception("commit listener failed for threads %s", sorted(changes))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session that commits at the end, or rolls back whole on any error."""
        with Session(self._write_engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                session.info.pop(_CHANGED_THREADS, None)
                session.info.pop(_NOTICES, None)
                raise
            changed = session.info.pop(_CHANGED_THREADS, None)
            notices = session.info.pop(_NOTICES, None)
        if changed:
            self._committed({thread: frozenset(comments) for thread, comments in changed.items()})
        if notices:
            self._published(notices)

    @contextmanager
    def rehearse(self) -> Iterator[Session]:
        """A write session that always rolls back: a dry run sees exactly what
        the real write would (its own earlier rows included) and keeps none of it."""
        with Session(self._write_engine, expire_on_commit=False) as session:
            try:
                yield session
            finally:
                session.rollback()
                session.info.pop(_CHANGED_THREADS, None)
                session.info.pop(_NOTICES, None)

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
            return True
        except Exception:
            return False

    def dispose(self) -> None:
        self.engine.dispose()
