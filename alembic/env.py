"""Alembic environment: the URL comes from forum's settings unless a caller passes one."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from forum.db import make_engine
from forum.models import metadata

config = context.config


def _url() -> str:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from forum.settings import load_settings

    return load_settings().database_url


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=sqlite,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        if sqlite:
            _check_foreign_keys(connection)


def _foreign_keys_off(connection: Connection) -> None:
    """SQLite batch migrations copy a table into a new one and drop the old one.
    With foreign keys enforced, that drop would first delete every row of the old
    table, cascading into (or setting null in) every table that points at it. So
    they are off while migrating, and checked before the commit instead.

    The PRAGMA does nothing inside a transaction, and the first statement through
    SQLAlchemy begins one, so it goes straight to the new connection.
    """
    connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        table, rowid, parent, _ = broken[0]
        raise RuntimeError(
            f"the migration left {len(broken)} rows pointing at nothing "
            f"(first: {table} row {rowid} -> {parent}); nothing was changed"
        )


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                _foreign_keys_off(conn)
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
