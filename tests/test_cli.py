"""The `forum` command, run as an operator would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from forum.app import create_app
from forum.db import Database
from tests.conftest import PASSWORD, make_settings

FORUM = [sys.executable, "-m", "forum.cli"]


def run(args: list[str], tmp_path: Path, *, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "FORUM_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "FORUM_INSTANCE_DIR": str(tmp_path / "instance"),
        **(env or {}),
    }
    return subprocess.run(FORUM + args, input=stdin, capture_output=True, text=True, env=environment, cwd=tmp_path, timeout=60)


@pytest.mark.parametrize(
    "args",
    [["--help"], ["serve", "--help"], ["db", "--help"], ["db", "upgrade", "--help"], ["db", "current", "--help"],
     ["user", "create", "--help"], ["token", "create", "--help"]],
)
def test_every_command_explains_itself_with_help(args: list[str], tmp_path: Path):
    result = run(args, tmp_path)
    assert result.returncode == 0
    assert "usage: forum" in result.stdout


def test_db_upgrade_then_current_reports_head(tmp_path: Path):
    assert run(["db", "current"], tmp_path).stdout.startswith("empty")
    upgraded = run(["db", "upgrade"], tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    current = run(["db", "current"], tmp_path)
    assert "(up to date)" in current.stdout


def test_user_create_and_token_create_give_a_working_api_token(tmp_path: Path):
    assert run(["db", "upgrade"], tmp_path).returncode == 0
    created = run(["user", "create", "Mod@Example.org", "--name", "mod", "--role", "moderator"], tmp_path, stdin=PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    assert "mod@example.org" in created.stdout
    issued = run(["token", "create", "mod@example.org"], tmp_path)
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.split()[-1]

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    db = Database(url)
    try:
        app = create_app(make_settings(url, tmp_path), database=db)
        with TestClient(app) as client:
            response = client.post(
                "/api/v1/threads",
                json={"board": "arm", "title": "Made with a token", "body": "From the command line."},
                headers={"Authorization": f"Bearer {token}"},
            )
        assert response.status_code == 201
        assert response.json()["author"] == "mod"
    finally:
        db.dispose()


def test_operator_made_accounts_are_trusted(tmp_path: Path):
    from sqlalchemy import select

    from forum.accounts.models import User

    run(["db", "upgrade"], tmp_path)
    run(["user", "create", "t@example.org", "--name", "trusty"], tmp_path, stdin=PASSWORD + "\n")
    db = Database(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        with db.read() as session:
            assert session.scalar(select(User.trusted).where(User.name == "trusty")) is True
    finally:
        db.dispose()


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["user", "create", "w@example.org", "--name", "weak"], "short\n", "too short"),
        (["user", "create", "not-an-email", "--name", "x1"], PASSWORD + "\n", "email address"),
        (["user", "create", "n@example.org", "--name", "has space"], PASSWORD + "\n", "Names are"),
        (["user", "create", "e@example.org", "--name", "empty"], "", "no password"),
        (["token", "create", "nobody@example.org"], "", "no account"),
    ],
)
def test_bad_arguments_fail_with_one_clear_line(args: list[str], stdin: str, message: str, tmp_path: Path):
    run(["db", "upgrade"], tmp_path)
    result = run(args, tmp_path, stdin=stdin)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_taken_email_is_refused(tmp_path: Path):
    run(["db", "upgrade"], tmp_path)
    run(["user", "create", "dup@example.org", "--name", "first"], tmp_path, stdin=PASSWORD + "\n")
    result = run(["user", "create", "dup@example.org", "--name", "second"], tmp_path, stdin=PASSWORD + "\n")
    assert result.returncode == 1
    assert "already exists" in result.stderr


def test_unknown_role_is_a_usage_error(tmp_path: Path):
    result = run(["user", "create", "r@example.org", "--name", "r1", "--role", "king"], tmp_path, stdin=PASSWORD + "\n")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_serve_refuses_several_workers_with_the_in_memory_broadcast(tmp_path: Path):
    result = run(["serve", "--workers", "2"], tmp_path)
    assert result.returncode == 1
    assert "FORUM_BROADCAST_URL" in result.stderr


def test_serve_refuses_a_placeholder_secret_in_production(tmp_path: Path):
    result = run(["serve"], tmp_path, env={"FORUM_ENV": "production", "FORUM_SECRET_KEY": "change-me"})
    assert result.returncode == 1
    assert "FORUM_SECRET_KEY" in result.stderr


def test_an_unreachable_database_is_reported_not_traced(tmp_path: Path):
    result = run(["db", "current"], tmp_path, env={"FORUM_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    assert result.returncode == 1
    assert "cannot reach the database" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_an_unknown_broadcast_url(tmp_path: Path):
    result = run(["serve"], tmp_path, env={"FORUM_BROADCAST_URL": "kafka://127.0.0.1:9092"})
    assert result.returncode == 1
    assert "FORUM_BROADCAST_URL must start with memory://, redis:// or postgresql://" in result.stderr
