"""The real server, started as an operator starts it (`forum serve`), for tests that
drive it from outside: a browser, a second process, a websocket client."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT = 30.0


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    database_url: str

    def url(self, path: str) -> str:
        return self.base_url + path


def free_port() -> int:
    # Another process could take the port between this close and the server's
    # bind; on a test machine that race is rare enough, and the start-up check
    # below names the cause when it happens.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


@contextmanager
def live_server(database_url: str, workdir: Path, **settings: str) -> Iterator[LiveServer]:
    """Run `forum serve` on a free port until the block ends.

    The server's output goes to a file rather than a pipe: a pipe nobody reads
    fills up and stalls the server once it has logged enough requests.
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "FORUM_DATABASE_URL": database_url,
        "FORUM_INSTANCE_DIR": str(workdir / "instance"),
        "FORUM_RATE_LIMITS": "off",
        "FORUM_BASE_URL": base_url,
        "FORUM_ENV": "development",
        # Members register in these tests and post at once; pre-moderation has tests of its own.
        "FORUM_NEW_ACCOUNT_HELD_POSTS": "0",
        **settings,
    }
    log_path = workdir / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "forum.cli", "serve", "--port", str(port)],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _healthy(base_url + "/healthz"):
            if process.poll() is not None or time.monotonic() > deadline:
                state = f"exited with status {process.returncode}" if process.poll() is not None else f"did not answer within {START_TIMEOUT:.0f} s"
                raise RuntimeError(f"forum serve {state}; its output:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.1)
        yield LiveServer(base_url=base_url, database_url=database_url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
