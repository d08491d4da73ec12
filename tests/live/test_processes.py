"""Two `forum serve` processes on one PostgreSQL database: a comment posted
through one reaches a websocket viewer of the other, through the Redis hub and
through the PostgreSQL hub."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from websockets.sync.client import connect

from forum.accounts.services import create_api_token, register
from forum.boards.services import create_thread
from forum.db import Database
from tests.conftest import PASSWORD
from tests.live.test_hubs import REDIS_URL, require


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def forum_serve(database_url: str, broadcast_url: str, tmp_path: Path, name: str, **settings: str) -> Iterator[str]:
    """`forum serve` in a process of its own; `settings` (FORUM_…) override the defaults below."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FORUM_")},
        "FORUM_DATABASE_URL": database_url,
        "FORUM_BROADCAST_URL": broadcast_url,
        "FORUM_INSTANCE_DIR": str(tmp_path / "instance"),  # one secret key for both
        "FORUM_SECRET_KEY": "two-process-test-secret-key-0123456789",
        "FORUM_RATE_LIMITS": "off",
        "FORUM_FEED_POLL_SECONDS": "0",
        "FORUM_NEW_ACCOUNT_HELD_POSTS": "0",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        **settings,
    }
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "forum.cli", "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / f"{name}.log").read_text()
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def post_comment(base: str, token: str, thread_id: int, body: str) -> int:
    request = urllib.request.Request(
        f"{base}/api/v1/threads/{thread_id}/comments",
        data=json.dumps({"body": body}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
        return int(json.loads(response.read())["id"])


@pytest.mark.parametrize("hub", ["redis", "postgresql"])
def test_a_comment_posted_to_one_process_reaches_a_viewer_of_the_other(hub: str, postgres_url: str, tmp_path: Path):
    require(hub)
    db = Database(postgres_url)
    try:
        with db.write() as session:
            user = register(session, email=f"two-{hub}@example.org", name=f"two{hub[:5]}", password=PASSWORD, trusted=True)
            token = create_api_token(session, user=user)
            thread = create_thread(session, author=user, board_slug="rally", title="Two processes", body="x")
    finally:
        db.dispose()
    broadcast = REDIS_URL if hub == "redis" else postgres_url
    with forum_serve(postgres_url, broadcast, tmp_path, "a") as a, forum_serve(postgres_url, broadcast, tmp_path, "b") as b:
        ws_url = b.replace("http://", "ws://") + f"/ws/threads/{thread.id}?after=0"
        with connect(ws_url, open_timeout=10) as ws:
            assert json.loads(ws.recv(timeout=10))["type"] == "presence"  # joined
            posted = [post_comment(a, token, thread.id, f"through a, number {n}") for n in range(5)]
            received: list[int] = []
            deadline = time.monotonic() + 15
            while len(received) < len(posted):
                frame = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
                if frame["type"] == "comment":
                    received.append(frame["comment"]["id"])
    assert received == posted


def test_presence_counts_viewers_across_processes(postgres_url: str, tmp_path: Path):
    require("redis")
    db = Database(postgres_url)
    try:
        with db.write() as session:
            user = register(session, email="presence@example.org", name="presence", password=PASSWORD, trusted=True)
            thread = create_thread(session, author=user, board_slug="rally", title="Who is here", body="x")
    finally:
        db.dispose()
    with forum_serve(postgres_url, REDIS_URL, tmp_path, "a") as a, forum_serve(postgres_url, REDIS_URL, tmp_path, "b") as b:
        path = f"/ws/threads/{thread.id}"
        with connect(a.replace("http://", "ws://") + path, open_timeout=10) as on_a, \
                connect(b.replace("http://", "ws://") + path, open_timeout=10) as on_b:
            for ws in (on_a, on_b):
                deadline = time.monotonic() + 15
                count = 0
                while count != 2:
                    frame = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
                    if frame["type"] == "presence":
                        count = frame["count"]
