"""The schema is made only by Alembic, and the models agree with it."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from forum.db import make_engine
from forum.migrations import alembic_config, head_revision, upgrade
from forum.models import metadata
from tests.conftest import POSTGRES_URL, REQUIRE_SERVICES

PILLARS = ["showcase", "harness", "arm", "rally", "educate"]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path):
    """A database with nothing in it, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    admin = create_engine(make_url(POSTGRES_URL).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        admin.dispose()
        if REQUIRE_SERVICES:
            pytest.fail(f"PostgreSQL is required under CI: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    name = f"forum_mig_{os.getpid()}_{secrets.token_hex(3)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_head_from_empty_makes_the_schema_and_the_five_boards(empty_database: str):
    upgrade(empty_database)
    engine = make_engine(empty_database)
    try:
        tables = set(inspect(engine).get_table_names())
        assert set(metadata.tables) <= tables
        with engine.connect() as conn:
            slugs = [row[0] for row in conn.execute(text("SELECT slug FROM board ORDER BY position"))]
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert slugs == PILLARS
        assert version == head_revision()
    finally:
        engine.dispose()


def test_models_match_the_migrations(empty_database: str):
    upgrade(empty_database)
    engine = make_engine(empty_database)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, metadata)
        assert differences == []
    finally:
        engine.dispose()


def test_downgrade_to_base_and_upgrade_again_round_trips(empty_database: str):
    upgrade(empty_database)
    command.downgrade(alembic_config(empty_database), "base")
    engine = make_engine(empty_database)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    upgrade(empty_database)
    assert _board_count(empty_database) == 5


def test_upgrading_twice_changes_nothing(empty_database: str):
    upgrade(empty_database)
    upgrade(empty_database)
    assert _board_count(empty_database) == 5


def _board_count(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM board")).scalar_one()
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'wal.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_adding_practitioner_details_keeps_every_account_and_what_points_at_it(empty_database: str):
    """0006 rebuilds user_account on SQLite; sessions, tokens, threads and the
    append-only audit log must come through it untouched."""
    upgrade(empty_database, "0005")
    engine = make_engine(empty_database)
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO user_account (id, email, name, name_key, password_hash, role, trusted, bio, created_at, "
                "moderated_boards, silence_reason, suspend_reason) VALUES "
                "(1, 'ana@example.org', 'Ana', 'ana', 'x', 'member', true, 'Nurse', '2026-01-02 03:04:05', '[]', '', ''), "
                "(2, 'mo@example.org', 'mo', 'mo', 'x', 'moderator', true, '', '2026-01-02 03:04:05', '[1]', '', '')"
            ))
            conn.execute(text("INSERT INTO user_session (id, user_id, created_at, expires_at) VALUES ('s', 1, '2026-01-02', '2036-01-02')"))
            conn.execute(text("INSERT INTO api_token (id, token_hash, user_id, created_at) VALUES (1, 'h', 2, '2026-01-02')"))
            conn.execute(text(
                "INSERT INTO thread (id, board_id, title, slug, body_md, body_html, author_id, status, locked, pinned, created_at, "
                "last_activity_at, closed_reason, mod_reason) "
                "SELECT 1, id, 'Rounds', 'rounds', 'b', '<p>b</p>', 1, 'published', false, false, '2026-01-02', '2026-01-02', '', '' "
                "FROM board WHERE slug = 'rally'"
            ))
            conn.execute(text("INSERT INTO audit_event (actor_id, action, target_type, data, created_at) VALUES (1, 'account.login', 'user', '{}', '2026-01-02')"))
    finally:
        engine.dispose()
    upgrade(empty_database)
    engine = make_engine(empty_database)
    try:
        with engine.connect() as conn:
            accounts = conn.execute(text(
                "SELECT id, name, bio, moderated_boards, full_name, npi, npi_confirmed_by_id FROM user_account ORDER BY id"
            )).all()
            assert [tuple(row[:3]) for row in accounts] == [(1, "Ana", "Nurse"), (2, "mo", "")]
            assert all(row[4] == "" and row[5] is None and row[6] is None for row in accounts)
            assert conn.execute(text("SELECT user_id FROM user_session")).scalar_one() == 1
            assert conn.execute(text("SELECT user_id FROM api_token")).scalar_one() == 2
            assert conn.execute(text("SELECT author_id FROM thread")).scalar_one() == 1
            assert conn.execute(text("SELECT actor_id FROM audit_event")).scalar_one() == 1
            if conn.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    finally:
        engine.dispose()
