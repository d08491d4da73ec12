"""Thread page, comments API and a bare Starlette endpoint, under one server setup and one load generator.

    .venv/bin/python bench/pages.py                     # SQLite in a temporary folder
    .venv/bin/python bench/pages.py --database-url postgresql://postgres@127.0.0.1:5432/test

Measures, with the same uvicorn flags (1 worker, no uvicorn access log) and the same wrk
settings for all three:

  (a) GET /t/{id}                                   the HTML page of a thread with 200 comments
                                                    (nested replies), as an anonymous reader
  (b) GET /api/v1/threads/{id}/comments?limit=200   the same comments as JSON, anonymous
  (c) GET /                                         bare Starlette app (bench/bare_app.py), a short text
  (d) GET /t/{id} with a session cookie             the same page for a logged-in reader (for
                                                    context: it is rendered per viewer)

Each target is warmed up, then measured for several rounds; within a round they run one
after another (the order rotates each round) so that drift hits them all alike. Prints the
median requests/second and the median of wrk's 50% latency, and the ratios (a)/(c), (b)/(c)
computed per round, with their median. With --database-url a scratch database is created on
that server for the run and dropped afterwards. Everything listens on and is loaded through
127.0.0.1 only; the run stops by itself and ends its servers on Ctrl-C or any error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
SECRET_KEY = "forum-bench-fixed-secret-key-0123456789abcdef"
PASSWORD = "correct horse battery staple"
TARGET_RATIO = 0.25  # (a) must reach at least 25% of (c)
PACKAGES = ("starlette", "uvicorn", "httptools", "uvloop", "jinja2", "sqlalchemy", "sqlmodel", "psycopg", "pydantic")

BODIES = [
    "Comment {n}: we tried this in our **outpatient clinic** last spring. The short videos worked "
    "better than the long ones, and the nurses liked answering questions in the thread.",
    "Comment {n}. Two things helped us:\n\n- a weekly schedule posted on the board\n- a named "
    "moderator for each evening\n\nWithout the second one, questions sat unanswered for days.",
    "Comment {n} - agreed. See the [Center's guidelines](https://example.org/guidelines) on "
    "what staff may share; they are shorter than people expect and answer most of the worries.",
    "Comment {n}: *Educate* is where this belongs, I think. Patients read these threads too, so "
    "plain language matters more than citations here.",
    "Comment {n}. Our pharmacy team ran a Q&A hour on the Rally board; about forty people joined, "
    "and the transcript is still the most-read page we have. Happy to share how we set it up.",
    "Comment {n}: short one - thanks for posting this.",
]


class BenchError(Exception):
    """The run cannot give valid figures; the message says why."""


# --------------------------------------------------------------------------- data


@dataclass
class Seeded:
    thread_id: int
    comments: int
    top_level: int
    max_depth: int


def seed(database_url: str, n_comments: int) -> Seeded:
    """Migrate, then make a few users and one thread with n_comments, through the service functions."""
    from forum.accounts.services import register
    from forum.boards.services import create_thread
    from forum.comments.services import create_comment
    from forum.db import Database
    from forum.migrations import upgrade

    upgrade(database_url)
    db = Database(database_url)
    try:
        with db.write() as session:
            users = [
                register(
                    session,
                    email=f"reader{i}@bench.example",
                    name=f"reader{i}",
                    password=PASSWORD,
                    trusted=True,
                )
                for i in range(4)
            ]
        with db.write() as session:
            thread = create_thread(
                session,
                author=users[0],
                board_slug="harness",
                title="Harnessing social media in an outpatient clinic",
                body="What worked for you when you **started** a patient community? "
                "Share what you tried, what failed, and what you would do again.",
            )
            thread_id = thread.id
        assert thread_id is not None
        rng = random.Random(20261124)
        depth: dict[int, int] = {}
        with db.write() as session:
            for i in range(n_comments):
                parent_id = None
                if depth and i % 3:  # two in three are replies, to one of the last dozen comments
                    parent_id = rng.choice(list(depth)[-12:])
                comment = create_comment(
                    session,
                    author=users[i % len(users)],
                    thread_id=thread_id,
                    body=BODIES[i % len(BODIES)].format(n=i + 1),
                    parent_id=parent_id,
                )
                assert comment.id is not None
                depth[comment.id] = 1 if parent_id is None else depth[parent_id] + 1
    finally:
        db.dispose()
    return Seeded(
        thread_id=thread_id,
        comments=n_comments,
        top_level=sum(1 for d in depth.values() if d == 1),
        max_depth=max(depth.values(), default=0),
    )


@contextlib.contextmanager
def scratch_postgres(url: str) -> Iterator[tuple[str, str]]:
    """Create a scratch database on the server of `url`; yield its URL and the server version; drop it."""
    import psycopg
    from sqlalchemy.engine import make_url

    given = make_url(url).set(drivername="postgresql")
    name = f"forum_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = None
    last_error: Exception | None = None
    for database in dict.fromkeys([given.database, "postgres"]):
        candidate = given.set(database=database).render_as_string(hide_password=False)
        try:
            with psycopg.connect(candidate, autocommit=True, connect_timeout=10):
                admin = candidate
                break
        except psycopg.Error as exc:
            last_error = exc
    if admin is None:
        raise BenchError(f"cannot connect to PostgreSQL at {given.render_as_string(hide_password=True)}: {last_error}")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        info = conn.info.server_version
    version = f"PostgreSQL {info // 10000}.{info % 10000}"
    try:
        yield given.set(database=name).render_as_string(hide_password=False), version
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def server_flags() -> list[str]:
    """The same --http/--loop for every server: uvicorn's fast ones when installed."""
    def have(module: str) -> bool:
        try:
            __import__(module)
            return True
        except ImportError:
            return False

    return [
        "--workers", "1",
        "--no-access-log",
        "--log-level", "warning",
        "--http", "httptools" if have("httptools") else "h11",
        "--loop", "uvloop" if have("uvloop") else "asyncio",
    ]


@dataclass
class Server:
    name: str
    app_args: list[str]
    env: dict[str, str]
    cwd: Path
    log_path: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    def argv(self, flags: list[str]) -> list[str]:
        return [sys.executable, "-m", "uvicorn", *self.app_args, "--host", HOST, "--port", str(self.port), *flags]

    def start(self, flags: list[str]) -> None:
        with open(self.log_path, "wb") as log:  # a file, not a pipe: it cannot fill up and stall the server
            self.proc = subprocess.Popen(
                self.argv(flags),
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches this script, which then stops the server itself
            )

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def wait_ready(self, path: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                raise BenchError(f"the {self.name} server exited early:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url(path), timeout=5) as response:
                    response.read()
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise BenchError(f"the {self.name} server did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(text[-lines:]) or "(empty log)"

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


# --------------------------------------------------------------------------- checks


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def log_in(base: str, email: str, password: str) -> str:
    """Log in through the login form, as a browser would; return the session cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}/login", timeout=30) as response:
        html = response.read().decode("utf-8", "replace")
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if token is None:
        raise BenchError("the login page has no CSRF token")
    form = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token.group(1), "next": "/"}).encode()
    with opener.open(urllib.request.Request(f"{base}/login", data=form), timeout=30) as response:
        response.read()
    cookies = [f"{c.name}={c.value}" for c in jar if c.name == "forum_session"]
    if not cookies:
        raise BenchError("logging in gave no session cookie")
    return "; ".join(cookies)


def verify(targets: dict[str, Target], thread_id: int, n_comments: int) -> None:
    status, body = fetch(targets["a"].url)
    html = body.decode("utf-8", "replace")
    items = len(re.findall(r'<li class="comment[ "]', html))
    replies = html.count("data-parent=")
    if status != 200 or items != n_comments or replies == 0:
        raise BenchError(f"(a) {targets['a'].url}: status {status}, {items} comments ({replies} replies); expected 200 and {n_comments}")
    targets["a"].size = len(body)

    status, body = fetch(targets["b"].url)
    try:
        comments = json.loads(body)["comments"]
    except (ValueError, KeyError, TypeError):
        comments = None
    if status != 200 or not isinstance(comments, list) or len(comments) != n_comments:
        got = len(comments) if isinstance(comments, list) else "no"
        raise BenchError(f"(b) {targets['b'].url}: status {status}, {got} comments; expected 200 and {n_comments}")
    if any(c.get("thread_id") != thread_id for c in comments) or [c["id"] for c in comments] != sorted(c["id"] for c in comments):
        raise BenchError("(b) returned comments of another thread or out of id order")
    targets["b"].size = len(body)

    status, body = fetch(targets["d"].url, targets["d"].headers)
    html = body.decode("utf-8", "replace")
    items = len(re.findall(r'<li class="comment[ "]', html))
    has_form = 'id="comment-form"' in html
    if status != 200 or items != n_comments or not has_form:
        raise BenchError(f"(d) {targets['d'].url}: status {status}, {items} comments, comment form {has_form}; expected a logged-in page")
    targets["d"].size = len(body)

    status, body = fetch(targets["c"].url)
    if status != 200 or body != b"Hello, world!":
        raise BenchError(f"(c) {targets['c'].url}: status {status}, body {body[:60]!r}")
    targets["c"].size = len(body)


# --------------------------------------------------------------------------- wrk


@dataclass
class Target:
    key: str
    label: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    size: int = 0
    rps: list[float] = field(default_factory=list)
    p50_ms: list[float] = field(default_factory=list)
    requests: int = 0


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    requests: int


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def run_wrk(wrk: str, url: str, *, duration: int, threads: int, connections: int, headers: dict[str, str] | None = None) -> WrkResult:
    if not url.startswith(f"http://{HOST}:"):
        raise BenchError(f"refusing to load anything but {HOST}: {url}")
    argv = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "--latency"]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    argv.append(url)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60, stdin=subprocess.DEVNULL)
    out = done.stdout
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}) on {url}:\n{out}\n{done.stderr}")
    non2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    if non2xx:
        raise BenchError(f"wrk saw {non2xx.group(1)} non-2xx responses from {url}; the figures would be meaningless:\n{out}")
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if errors and any(int(n) for n in errors.groups()):
        raise BenchError(f"wrk saw socket errors on {url}:\n{out}")
    rps = re.search(r"Requests/sec:\s*([\d.]+)", out)
    p50 = re.search(r"^\s*50%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in", out, re.MULTILINE)
    if not (rps and p50 and total) or int(total.group(1)) == 0:
        raise BenchError(f"could not read wrk's output for {url}:\n{out}\n{done.stderr}")
    return WrkResult(float(rps.group(1)), float(p50.group(1)) * _UNITS_MS[p50.group(2)], int(total.group(1)))


# --------------------------------------------------------------------------- report


def machine_line(database: str) -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = []
    for package in PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions.append(f"{package} {metadata.version(package)}")
    wrk_version = "wrk ?"
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        first = subprocess.run(["wrk", "-v"], capture_output=True, text=True, timeout=10).stdout.splitlines()
        if first:
            wrk_version = " ".join(first[0].split()[:2])
    now = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return (
        f"{now} · nproc {nproc} · {cpu} · {platform.system()} {platform.release()} · "
        f"Python {platform.python_version()} · {', '.join(versions)} · {wrk_version} · {database}"
    )


def fmt_rounds(values: list[float], spec: str) -> str:
    return " ".join(format(v, spec) for v in values)


def report(targets: dict[str, Target], ratios: dict[str, list[float]], args: argparse.Namespace, flags: list[str], env_line: str, seeded: Seeded) -> bool:
    a, b, c, d = targets["a"], targets["b"], targets["c"], targets["d"]
    print()
    print(f"machine: {env_line}")
    print(f"uvicorn: {' '.join(flags)}  (same for all; forum with --factory forum.asgi:create_from_env, FORUM_RATE_LIMITS=off, access log to a file)")
    print(f"wrk:     -t{args.threads} -c{args.connections} -d{args.duration}s --latency; {args.warmup}s warm-up each; {args.rounds} rounds, order rotated per round")
    print(f"thread:  {seeded.comments} comments, {seeded.top_level} top-level, replies nested up to depth {seeded.max_depth}")
    print()
    header = f"{'target':<54} {'bytes':>7} {'req/s':>9} {'p50 ms':>8}   req/s per round"
    print(header)
    print("-" * len(header))
    for t in (a, b, c, d):
        print(
            f"{t.label:<54} {t.size:>7} {statistics.median(t.rps):>9.1f} {statistics.median(t.p50_ms):>8.2f}   {fmt_rounds(t.rps, '.1f')}"
        )
    print()
    ra, rb = statistics.median(ratios["a"]), statistics.median(ratios["b"])
    print(f"(a)/(c) req/s: {ra:.1%} median   (per round: {fmt_rounds([r * 100 for r in ratios['a']], '.1f')} %)")
    print(f"(b)/(c) req/s: {rb:.1%} median   (per round: {fmt_rounds([r * 100 for r in ratios['b']], '.1f')} %)")
    rd = statistics.median(ratios["d"])
    print(f"(d)/(c) req/s: {rd:.1%} median   (per round: {fmt_rounds([r * 100 for r in ratios['d']], '.1f')} %)")
    ok = ra >= TARGET_RATIO
    verdict = "met" if ok else "NOT met"
    print(f"target: (a) at least {TARGET_RATIO:.0%} of (c): {verdict} ({ra:.1%})")
    return ok


# --------------------------------------------------------------------------- main


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database-url", help="run against this PostgreSQL server (a scratch database is created and dropped); default: SQLite in a temporary folder")
    parser.add_argument("--comments", type=int, default=200, help="comments in the thread (default 200)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds (default 3)")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up seconds per target (default 3)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, server logs)")
    parser.add_argument("--check", action="store_true", help="exit 1 when (a) is below the target share of (c)")
    args = parser.parse_args(argv)
    for name in ("comments", "duration", "rounds", "threads", "connections"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if not 1 <= args.comments <= 500:
        parser.error("--comments must be between 1 and 500 (the API's page limit)")
    if args.threads > args.connections:
        parser.error("--threads cannot exceed --connections")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wrk = shutil.which("wrk")
    if wrk is None:
        print("bench: wrk is not installed (Debian/Ubuntu: apt-get install wrk)", file=sys.stderr)
        return 2
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started with SIGINT ignored
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)

    workdir = Path(tempfile.mkdtemp(prefix="forum-bench-"))
    servers: list[Server] = []
    try:
        with contextlib.ExitStack() as stack:
            if args.database_url:
                if not args.database_url.startswith(("postgresql", "postgres")):
                    raise BenchError("--database-url takes a postgresql://… URL (SQLite is the default)")
                database_url, db_version = stack.enter_context(scratch_postgres(args.database_url))
            else:
                database_url = f"sqlite:///{workdir / 'forum.db'}"
                db_version = f"SQLite {sqlite3.sqlite_version}"
            print(f"bench: preparing {db_version} database with a {args.comments}-comment thread …", flush=True)
            seeded = seed(database_url, args.comments)

            env = {k: v for k, v in os.environ.items() if not k.startswith("FORUM_")}
            env.update(
                FORUM_DATABASE_URL=database_url,
                FORUM_RATE_LIMITS="off",
                FORUM_INSTANCE_DIR=str(workdir / "instance"),
                FORUM_SECRET_KEY=SECRET_KEY,
                FORUM_ENV="development",
                FORUM_BASE_URL=f"http://{HOST}",
                PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")])),
            )
            flags = server_flags()
            forum = Server("forum", ["--factory", "forum.asgi:create_from_env"], env, workdir, workdir / "forum-server.log")
            bare = Server("bare", ["--app-dir", str(HERE), "bare_app:app"], env, workdir, workdir / "bare-server.log")
            servers[:] = [forum, bare]
            for server in servers:
                stack.callback(server.stop)  # before the scratch database is dropped
                server.start(flags)
            forum.wait_ready("/")
            bare.wait_ready("/")

            tid = seeded.thread_id
            targets = {
                "a": Target("a", f"(a) HTML  /t/{tid}", forum.url(f"/t/{tid}")),
                "b": Target("b", f"(b) JSON  /api/v1/threads/{tid}/comments?limit={args.comments}", forum.url(f"/api/v1/threads/{tid}/comments?limit={args.comments}")),
                "c": Target("c", "(c) bare  Starlette plain text /", bare.url("/")),
                "d": Target(
                    "d",
                    f"(d) HTML  /t/{tid} logged in",
                    forum.url(f"/t/{tid}"),
                    headers={"Cookie": log_in(forum.url("").rstrip("/"), "reader1@bench.example", PASSWORD)},
                ),
            }
            verify(targets, tid, args.comments)
            wrk_kw = {"threads": args.threads, "connections": args.connections}
            total = len(targets) * (args.warmup + args.rounds * args.duration)
            print(f"bench: verified (a), (b), (c), (d); warming up, then {args.rounds} rounds of {args.duration}s each (about {total}s) …", flush=True)
            if args.warmup > 0:
                for t in targets.values():
                    run_wrk(wrk, t.url, duration=args.warmup, headers=t.headers, **wrk_kw)
            ratios: dict[str, list[float]] = {"a": [], "b": [], "d": []}
            order = ["a", "b", "c", "d"]
            for r in range(args.rounds):
                this_round: dict[str, float] = {}
                for key in order[r % len(order):] + order[: r % len(order)]:
                    t = targets[key]
                    result = run_wrk(wrk, t.url, duration=args.duration, headers=t.headers, **wrk_kw)
                    t.rps.append(result.rps)
                    t.p50_ms.append(result.p50_ms)
                    t.requests += result.requests
                    this_round[key] = result.rps
                    print(f"  round {r + 1}: {t.label:<54} {result.rps:9.1f} req/s  p50 {result.p50_ms:7.2f} ms", flush=True)
                ratios["a"].append(this_round["a"] / this_round["c"])
                ratios["b"].append(this_round["b"] / this_round["c"])
                ratios["d"].append(this_round["d"] / this_round["c"])
            verify(targets, tid, args.comments)  # still right after the load

            for server in servers:
                server.stop()
            log = forum.log_path.read_text(errors="replace").splitlines()
            access = sum(1 for line in log if " forum.access " in line)
            problems = [line for line in log if " ERROR " in line or line.startswith("Traceback")]
            if problems:
                raise BenchError("the forum server logged errors:\n" + "\n".join(problems[:10]))
            ok = report(targets, ratios, args, flags, machine_line(db_version), seeded)
            print(f"forum access log: {access} lines written during the run (logging on, to {forum.log_path.name})", flush=True)
        return 1 if (args.check and not ok) else 0
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted; stopping the servers", file=sys.stderr)
        return 130
    finally:
        for server in servers:
            try:
                server.stop()
            except Exception as exc:  # keep cleaning up the others
                print(f"bench: could not stop the {server.name} server: {exc}", file=sys.stderr)
        if args.keep:
            print(f"bench: kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
