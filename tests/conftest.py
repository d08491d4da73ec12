"""Test fixtures: every database test runs on SQLite and on PostgreSQL, on the
schema Alembic makes.

PostgreSQL is at FORUM_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test).
Each run makes its own database there and drops it at the end, so runs never
collide. When PostgreSQL cannot be reached the PostgreSQL half is skipped,
except under CI=true (or FORUM_REQUIRE_SERVICES=1), where it fails instead.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

warnings.filterwarnings("ignore", message=".*httpx.*", category=DeprecationWarning)

from starlette.testclient import TestClient  # noqa: E402

from argon2 import PasswordHasher  # noqa: E402

from forum.accounts.passwords import use_hasher  # noqa: E402
from forum.app import create_app  # noqa: E402
from forum.db import Database  # noqa: E402
from forum.migrations import upgrade  # noqa: E402
from forum.settings import Settings  # noqa: E402

POSTGRES_URL = os.environ.get("FORUM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_SERVICES = os.environ.get("CI", "").lower() == "true" or os.environ.get("FORUM_REQUIRE_SERVICES") == "1"
KEEP_TABLES = {"board", "alembic_version"}
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """argon2id at its cheapest for the suite: the production parameters cost
    about 0.2 s a hash on this kind of machine, and the suite hashes thousands
    of passwords. tests/accounts checks the production parameters themselves,
    and servers the tests start as processes keep them."""
    previous = use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield
    use_hasher(previous)


def services_required() -> bool:
    return REQUIRE_SERVICES


def _postgres_admin_engine():  # type: ignore[no-untyped-def]
    url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    return create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this run, dropped afterwards."""
    admin = _postgres_admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        admin.dispose()
        message = f"PostgreSQL is not reachable at {POSTGRES_URL}: {exc}"
        if REQUIRE_SERVICES:
            pytest.fail(message + " (required under CI)")
        pytest.skip(message)
    name = f"forum_test_{os.getpid()}_{secrets.token_hex(3)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per run; each test gets a copy."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def _truncate_postgres(db: Database) -> None:
    with db.engine.begin() as conn:
        tables = [
            row[0]
            for row in conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
            if row[0] not in KEEP_TABLES
        ]
        if tables:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        conn.execute(text("UPDATE board SET thread_count = 0, last_activity_at = NULL, premoderated = false"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "forum.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
    else:
        url: str = request.getfixturevalue("postgres_url")
        yield url
        db = Database(url)
        try:
            _truncate_postgres(db)
        finally:
            db.dispose()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


def make_settings(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "secret_key": "test-secret-key-" + "x" * 32,
        "instance_dir": tmp_path / "instance",
        "base_url": "http://testserver",
        "rate_limits": False,
        "feed_poll_seconds": 0,
        # Most tests post from fresh accounts; pre-moderation has tests of its own.
        "new_account_held_posts": 0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path)


@pytest.fixture
def app(settings: Settings, db: Database):  # type: ignore[no-untyped-def]
    return create_app(settings, database=db)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as test_client:
        yield test_client


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def form_post(client: TestClient, page_url: str, action: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    """GET the page (for its CSRF token), then POST the form, as a browser does."""
    token = csrf_of(client.get(page_url).text)
    return client.post(action, data={**data, "csrf_token": token}, follow_redirects=False)


def register(client: TestClient, name: str = "ana", email: str | None = None, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    response = form_post(
        client, "/register", "/register", {"email": email or f"{name}@example.org", "name": name, "password": password}
    )
    assert response.status_code == 303, response.text
    return response


def post_comment(member: TestClient, thread_id: int, body: str, parent_id: int | None = None) -> int:
    """Comment (or reply) through the thread page's form; the new comment's id."""
    data = {"body": body}
    if parent_id is not None:
        data["parent_id"] = str(parent_id)
    response = form_post(member, f"/t/{thread_id}", f"/t/{thread_id}/comments", data)
    assert response.status_code == 303, response.text
    # A held comment's author is sent to it among their waiting ones (#waiting-c…).
    match = re.search(r"#(?:waiting-)?c(\d+)$", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


def api_headers(client: TestClient) -> dict[str, str]:
    """The CSRF header a logged-in browser's script would send."""
    token = csrf_of(client.get("/logout").text)
    return {"X-CSRF-Token": token}


@pytest.fixture
def member(client: TestClient) -> TestClient:
    """The client, registered and logged in as `ana`."""
    register(client, "ana")
    return client


@pytest.fixture
def token(db: Database) -> str:
    """A bearer token for a separate member, `bo`."""
    from forum.accounts.services import create_api_token
    from forum.accounts.services import register as register_user

    with db.write() as session:
        user = register_user(session, email="bo@example.org", name="bo", password=PASSWORD)
        return create_api_token(session, user=user)


def log_in(client: TestClient, email: str, password: str = PASSWORD) -> None:
    response = form_post(client, "/login", "/login", {"email": email, "password": password})
    assert response.status_code == 303, response.text


@pytest.fixture
def moderator(client: TestClient, db: Database) -> TestClient:
    """The client, logged in as the moderator `mo`."""
    from forum.accounts.services import register as register_user
    from forum.types import Role

    with db.write() as session:
        register_user(session, email="mo@example.org", name="mo", password=PASSWORD, role=Role.MODERATOR, trusted=True)
    log_in(client, "mo@example.org")
    return client


@pytest.fixture
def mod_token(db: Database) -> str:
    """A bearer token for the moderator `max`."""
    from forum.accounts.services import create_api_token
    from forum.accounts.services import register as register_user
    from forum.types import Role

    with db.write() as session:
        user = register_user(session, email="max@example.org", name="max", password=PASSWORD, role=Role.MODERATOR, trusted=True)
        return create_api_token(session, user=user)


# The real article the forum is seeded from; it lives beside the repository, not in it.
SEEDS_DIR = Path(__file__).resolve().parents[2] / "shared" / "seeds"
MAYO = SEEDS_DIR / "mayo-center-for-social-media.txt"
MAYO_TITLE = "The Value of a Leader: Mayo Clinic’s New Center for Social Media"
