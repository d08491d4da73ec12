"""Live comments to N viewers: delivery, latency, CPU and memory of the websocket fan-out.

    .venv/bin/python bench/live.py                 # everything (SQLite; hubs on PostgreSQL), 9-11 min
    .venv/bin/python bench/live.py --quick         # fewer viewers, shorter runs, about 3 min
    .venv/bin/python bench/live.py --only viewers --viewers 1000 --rates 5 --duration 20
    .venv/bin/python bench/live.py --only hubs --hub redis
    .venv/bin/python bench/live.py --database-url postgresql://postgres@127.0.0.1:5432/test

The server runs as `forum serve` runs it (uvicorn, one worker, uvloop, httptools, the sans-I/O
websockets implementation, no per-message compression, 64 KiB frames, pings every 20 s), pinned
to the server CPU (`taskset -c 0`). Everything that makes load runs on the other CPU (`taskset -c
1`): subscriber processes, each holding its share of the websocket connections to one thread,
and a poster process that posts comments over HTTP on a fixed open-loop schedule. Each post's
body carries a marker (run, sequence number) and the wall-clock time taken just before it was
sent; each subscriber notes the time each comment frame arrives, so every delivery gives one
post-to-receive latency (all processes share one clock).

Sections (`--only` picks some):

  viewers     N = 100, 1,000, 5,000 subscribers on one thread; posts at 5/s (rounds, alternating
              with the floor) and at 20/s. Completeness, latency p50/p99/max over all deliveries,
              time until the last viewer has a post (median and max over posts), server CPU and
              RSS before and with N connected. The floor (bench/live_floor.py: the `websockets`
              library alone broadcasting a frame of the same size) is measured the same way.
  saturation  N = 1,000; the post rate doubles until delivery falls behind (p99 over 1 s, a
              delivery missing after the grace period, or a viewer dropped), then one step
              half-way back.
  idle        10,000 connected, idle viewers: server RSS; then one post reaches them all.
  hubs        two server processes on one PostgreSQL scratch database, FORUM_BROADCAST_URL
              redis:// and postgresql://; 1,000 viewers split across both, posts to one; against
              one process on the same database.

A subscriber is an asyncio protocol around the `websockets` library's sans-I/O client, under
uvloop: one callback per read, no task per connection. Subscriber, poster and server CPU time
are read from /proc over each run, so the report says whether the load generator was the
bottleneck. Everything listens on and connects through 127.0.0.1 only; the servers are stopped
on Ctrl-C or any error.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import itertools
import json
import os
import platform
import re
import resource
import select
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for path in (str(ROOT), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

from pages import BenchError, Server, scratch_postgres, seed  # noqa: E402  (bench/pages.py)

HOST = "127.0.0.1"
MAX_FRAME = 64 * 1024
CONNECT_TIMEOUT = 60.0
SETTLE = 2.0  # after connecting: joins announce presence with a 1 s debounce
IDLE_WINDOW = 21.0  # longer than a ping interval (20 s) and two presence rounds (10 s)
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
PACKAGES = ("starlette", "uvicorn", "httptools", "uvloop", "websockets", "jinja2", "sqlalchemy", "psycopg", "redis")

# `forum serve`'s settings for uvicorn (forum/cli.py), as command-line flags.
FORUM_FLAGS = [
    "--workers", "1",
    "--no-access-log",
    "--log-level", "warning",
    "--http", "httptools",
    "--loop", "uvloop",
    "--ws", "websockets-sansio",
    "--ws-max-size", str(MAX_FRAME),
    "--ws-per-message-deflate", "false",
    "--ws-ping-interval", "20",
    "--ws-ping-timeout", "20",
]

# Targets.
P99_AT_1000_MS = 50.0
FLOOR_RATIO = 2.0
P99_AT_5000_MS = 250.0
IDLE_RSS_MIB = 600.0
SATURATION_DELIVERIES = 20_000
KEPT_UP_P99 = 1.0  # seconds: past this, delivery has fallen behind

# A post's body: "lb<run>x<seq>x<unix time>"; the frame carries it in body_html (and html).
MARK = re.compile(rb'^\{"type":"comment","comment":\{"id":(\d+),.*?lb(\d+)x(\d+)x(\d+\.\d+)', re.S)


def raise_open_files() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def run_loop(main: Any) -> Any:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


# =========================================================================== subscriber process


class Viewer(asyncio.Protocol):
    """One websocket viewer: the library's sans-I/O client protocol fed from data_received."""

    def __init__(self, pool: Pool, ready: asyncio.Future[None]) -> None:
        from websockets.client import ClientProtocol

        self.pool = pool
        self.ready = ready
        self.ws = ClientProtocol(pool.uri, max_size=MAX_FRAME)
        self.transport: asyncio.Transport | None = None
        self.last_id = 0
        self.open = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.ws.send_request(self.ws.connect())
        self.flush()

    def flush(self) -> None:
        assert self.transport is not None
        for chunk in self.ws.data_to_send():  # the handshake, pongs, close replies
            if chunk:
                self.transport.write(chunk)
            elif self.transport.can_write_eof():
                self.transport.write_eof()

    def data_received(self, data: bytes) -> None:
        now = time.time()
        ws = self.ws
        ws.receive_data(data)
        for event in ws.events_received():
            if isinstance(event, self.pool.frame_type):
                if event.opcode is self.pool.text:
                    self.pool.frame(self, event.data, now)
                    if not self.ready.done():
                        self.ready.set_result(None)
            elif ws.handshake_exc is not None:
                if not self.ready.done():
                    self.ready.set_exception(ws.handshake_exc)
            else:
                self.open = True
                if not self.pool.first_frame and not self.ready.done():
                    self.ready.set_result(None)
        self.flush()

    def eof_received(self) -> bool:
        self.ws.receive_eof()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if self.open:
            self.pool.lost += 1
        self.open = False
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(f"closed before ready: {exc or self.ws.close_exc}"))

    def close(self) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        if self.open:
            with contextlib.suppress(Exception):
                self.ws.send_close(1000)
                self.flush()
        self.transport.close()


class Pool:
    """This process's viewers of one server, and what they received since the last reset."""

    def __init__(self, host: str, port: int, path: str, first_frame: bool) -> None:
        from websockets.frames import Frame, Opcode
        from websockets.uri import parse_uri

        self.host, self.port = host, port
        self.uri = parse_uri(f"ws://{host}:{port}{path}")
        self.first_frame = first_frame
        self.frame_type, self.text = Frame, Opcode.TEXT
        self.viewers: list[Viewer] = []
        self.lost = 0
        self.reset(-1)

    def reset(self, run: int) -> None:
        self.run = run
        self.latencies = array("d")
        self.markers: dict[int, list[float]] = {}  # seq -> [viewers that got it, latest arrival]
        self.received = self.duplicates = self.stale = self.other = self.frame_bytes = 0
        self.lost = 0

    def frame(self, viewer: Viewer, data: bytes, now: float) -> None:
        m = MARK.match(data)
        if m is None:
            self.other += 1  # presence, typing, …
            return
        if int(m[2]) != self.run:
            self.stale += 1
            return
        comment_id = int(m[1])
        if comment_id <= viewer.last_id:
            self.duplicates += 1  # the same comment again, or one older than the last: out of order
            return
        viewer.last_id = comment_id
        latency = now - float(m[4])
        self.latencies.append(latency)
        seq = int(m[3])
        seen = self.markers.get(seq)
        if seen is None:
            self.markers[seq] = [1, latency]
        else:
            seen[0] += 1
            if latency > seen[1]:
                seen[1] = latency
        self.received += 1
        self.frame_bytes += len(data)

    async def connect(self, count: int, batch: int) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        failed: list[str] = []
        for first in range(0, count, batch):
            size = min(batch, count - first)
            results = await asyncio.gather(*(self._connect_one(loop) for _ in range(size)), return_exceptions=True)
            failed.extend(repr(r) for r in results if isinstance(r, BaseException))
        return {"connected": count - len(failed), "failed": len(failed), "errors": failed[:3], "seconds": time.monotonic() - started}

    async def _connect_one(self, loop: asyncio.AbstractEventLoop) -> None:
        ready: asyncio.Future[None] = loop.create_future()
        transport, viewer = await asyncio.wait_for(
            loop.create_connection(lambda: Viewer(self, ready), self.host, self.port), CONNECT_TIMEOUT
        )
        try:
            await asyncio.wait_for(ready, CONNECT_TIMEOUT)
        except BaseException:
            transport.abort()
            raise
        self.viewers.append(viewer)

    def counts(self) -> dict[str, Any]:
        return {"received": self.received, "lost": self.lost}

    def dump(self, path: str) -> dict[str, Any]:
        with open(path, "wb") as f:
            self.latencies.tofile(f)
        return {
            "received": self.received,
            "duplicates": self.duplicates,
            "stale": self.stale,
            "other": self.other,
            "lost": self.lost,
            "frame_bytes": self.frame_bytes,
            "open": sum(1 for v in self.viewers if v.open),
            "markers": [[seq, n, latest] for seq, (n, latest) in self.markers.items()],
        }

    async def close(self) -> dict[str, Any]:
        for viewer in self.viewers:
            viewer.close()
        deadline = time.monotonic() + 5
        while any(v.open for v in self.viewers) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        for viewer in self.viewers:
            if viewer.transport is not None:
                viewer.transport.abort()
        return {"closed": len(self.viewers)}


async def subscriber_main(args: argparse.Namespace) -> None:
    """Answer one JSON line on stdout per JSON command line on stdin."""
    pool = Pool(args.host, args.port, args.path, args.first_frame)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        command = json.loads(line)
        op = command["op"]
        if op == "connect":
            reply = await pool.connect(command["count"], command["batch"])
        elif op == "reset":
            pool.reset(command["run"])
            reply = {"ok": True}
        elif op == "counts":
            reply = pool.counts()
        elif op == "dump":
            reply = pool.dump(command["path"])
        elif op == "close":
            reply = await pool.close()
        else:
            reply = {"error": f"unknown op {op!r}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
        if op == "close":
            return


# =========================================================================== poster process


class HttpPool:
    """Keep-alive HTTP/1.1 connections for the poster: the latest one used goes out first."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.head = "".join(f"{k}: {v}\r\n" for k, v in {"Host": f"{host}:{port}", **headers}.items())
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        request = f"POST {path} HTTP/1.1\r\n{self.head}Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
        for attempt in range(2):
            conn = None
            while self.idle and conn is None:
                reader, writer = self.idle.pop()
                if reader.at_eof() or writer.is_closing():
                    writer.close()
                else:
                    conn = reader, writer
            fresh = conn is None
            if conn is None:
                conn = await asyncio.open_connection(self.host, self.port)
            reader, writer = conn
            try:
                writer.write(request)
                status_line = await reader.readline()
                if not status_line:
                    raise ConnectionResetError("closed by the server")
                status = int(status_line.split()[1])
                length, keep = 0, True
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                    elif name.lower() == "connection" and value.strip().lower() == "close":
                        keep = False
                data = await reader.readexactly(length)
            except (ConnectionError, asyncio.IncompleteReadError):
                writer.close()
                if fresh or attempt:
                    raise
                continue  # a kept-alive connection the server had just closed: once more, on a new one
            if keep:
                self.idle.append(conn)
            else:
                writer.close()
            return status, data
        raise AssertionError("unreachable")


def floor_frame(seq_id: int, marker: str, size: int) -> str:
    head = f'{{"type":"comment","comment":{{"id":{seq_id},"thread_id":1,"body_html":"<p>{marker}</p>\\n","html":"'
    tail = '"}}'
    return head + "x" * max(0, size - len(head) - len(tail)) + tail


async def poster_main(args: argparse.Namespace) -> None:
    """Print "ready", wait for "go" on stdin, post on schedule, print one JSON line of results."""
    run = args.run
    fire: Callable[[int], Any]
    closer: Callable[[], Any]
    if args.target == "forum":
        http = HttpPool(args.host, args.port, {"Authorization": f"Bearer {args.token}"})
        path = f"/api/v1/threads/{args.thread}/comments"

        async def fire(seq: int) -> tuple[bool, float, str]:
            stamp = time.time()
            body = json.dumps({"body": f"lb{run}x{seq}x{stamp:.6f} live comment {seq} of run {run}"}).encode()
            started = time.monotonic()
            status, data = await http.post(path, body)
            return status == 201, time.monotonic() - started, "" if status == 201 else f"{status} {data[:120]!r}"

        async def closer() -> None:
            for _, writer in http.idle:
                writer.close()
    else:
        from websockets.asyncio.client import connect

        ws = await connect(f"ws://{args.host}:{args.port}/post", compression=None, max_size=MAX_FRAME)

        async def fire(seq: int) -> tuple[bool, float, str]:
            stamp = time.time()
            started = time.monotonic()
            await ws.send(floor_frame(run * 1_000_000 + seq + 1, f"lb{run}x{seq}x{stamp:.6f}", args.frame_bytes))
            return True, time.monotonic() - started, ""

        async def closer() -> None:
            await ws.close()

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    print("ready", flush=True)
    await reader.readline()

    cpu = time.process_time()
    n = max(1, round(args.rate * args.duration))
    start = loop.time() + 0.01
    lags: list[float] = []
    tasks = []
    for seq in range(n):
        due = start + seq / args.rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        lags.append(loop.time() - due)
        tasks.append(asyncio.ensure_future(fire(seq)))
    sent_for = loop.time() - start
    results = await asyncio.gather(*tasks, return_exceptions=True)
    await closer()
    ok = [r for r in results if not isinstance(r, BaseException) and r[0]]
    errors = [repr(r) if isinstance(r, BaseException) else r[2] for r in results if isinstance(r, BaseException) or not r[0]]
    times = sorted(r[1] for r in ok) or [0.0]
    print(json.dumps({
        "posts": n,
        "ok": len(ok),
        "errors": errors[:5],
        "failed": len(errors),
        "sent_for": sent_for,
        "lag_max": max(lags),
        "response_p50": percentile(times, 50),
        "response_p99": percentile(times, 99),
        "response_max": times[-1],
        "cpu_seconds": time.process_time() - cpu,
    }), flush=True)


# =========================================================================== measuring, in the main process


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest rank."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[min(len(sorted_values), int(rank)) - 1]


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def kernel_threads(cpus: Sequence[int]) -> list[int]:
    """The pids of the kernel threads that take network softirq work off those CPUs."""
    names = {f"ksoftirqd/{c}" for c in cpus}
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError):
                if (proc / "comm").read_text().strip() in names:
                    pids.append(int(proc.name))
    return pids


def cpu_busy_ticks(cpu: int) -> tuple[int, int]:
    """(busy, total) jiffies of one CPU since boot, from /proc/stat."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{cpu} "):
            values = [int(v) for v in line.split()[1:]]
            idle = values[3] + values[4]
            return sum(values[:8]) - idle, sum(values[:8])
    raise BenchError(f"no cpu{cpu} in /proc/stat")


@dataclass
class PinnedServer(Server):
    """A forum server (bench/pages.py's), started under `taskset` on one CPU."""

    cpu: int = 0

    def argv(self, flags: list[str]) -> list[str]:
        return ["taskset", "-c", str(self.cpu), *super().argv(flags)]

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid  # taskset execs the server: the same process


@dataclass
class FloorServer(PinnedServer):
    def argv(self, flags: list[str]) -> list[str]:
        return ["taskset", "-c", str(self.cpu), sys.executable, str(HERE / "live_floor.py"), "--host", HOST, "--port", str(self.port)]


class Subscribers:
    """Subscriber processes on the client CPU, each holding its share of the viewers of one server."""

    def __init__(self, name: str, port: int, path: str, *, procs: int, cpu: int, first_frame: bool, workdir: Path) -> None:
        self.name = name
        self.workdir = workdir
        self.procs: list[subprocess.Popen[str]] = []
        self.viewers = 0
        argv = ["taskset", "-c", str(cpu), sys.executable, str(Path(__file__).resolve()), "_subscribe",
                "--host", HOST, "--port", str(port), "--path", path]
        if first_frame:
            argv.append("--first-frame")
        for i in range(procs):
            with open(workdir / f"subscribers-{name}-{i}.log", "ab") as log:
                self.procs.append(subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True))

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def call(self, op: str, *, timeout: float = 60.0, per_proc: Sequence[dict[str, Any]] | None = None, **kw: Any) -> list[dict[str, Any]]:
        for i, proc in enumerate(self.procs):
            assert proc.stdin is not None
            proc.stdin.write(json.dumps({"op": op, **kw, **(per_proc[i] if per_proc else {})}) + "\n")
            proc.stdin.flush()
        replies = []
        deadline = time.monotonic() + timeout
        for i, proc in enumerate(self.procs):
            assert proc.stdout is not None
            ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
            line = proc.stdout.readline() if ready else ""
            if not line:
                tail = (self.workdir / f"subscribers-{self.name}-{i}.log").read_text(errors="replace")[-2000:]
                raise BenchError(f"subscriber process {proc.pid} gave no answer to {op!r} within {timeout:.0f} s:\n{tail}")
            replies.append(json.loads(line))
        return replies

    def connect(self, count: int, batch: int) -> dict[str, Any]:
        shares = [count // len(self.procs) + (1 if i < count % len(self.procs) else 0) for i in range(len(self.procs))]
        per_batch = max(1, batch // len(self.procs))
        started = time.monotonic()
        replies = self.call("connect", timeout=CONNECT_TIMEOUT + count / 20, batch=per_batch, per_proc=[{"count": s} for s in shares])
        connected = sum(r["connected"] for r in replies)
        if connected != count:
            errors = [e for r in replies for e in r["errors"]]
            raise BenchError(f"{self.name}: {connected} of {count} viewers connected; {errors[:3]}")
        self.viewers += connected
        return {"connected": connected, "seconds": time.monotonic() - started}

    def close(self) -> None:
        with contextlib.suppress(BenchError, OSError, ValueError):
            self.call("close", timeout=20)
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs = []


@dataclass
class Run:
    label: str
    viewers: int
    rate: float
    duration: float
    posts: int = 0
    ok: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    expected: int = 0
    received: int = 0
    duplicates: int = 0
    stale: int = 0
    other: int = 0  # frames that are not comments: presence, typing
    lost: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds, sorted
    by_group: dict[str, list[float]] = field(default_factory=dict)
    last_viewer: list[float] = field(default_factory=list)  # per post that reached every viewer
    per_post: dict[int, tuple[int, float]] = field(default_factory=dict)  # seq -> (viewers reached, latest arrival)
    server_cpu: float = 0.0  # % of one core, all server processes
    client_cpu: float = 0.0  # % of one core: subscribers + poster + this script
    cpu_busy: dict[int, float] = field(default_factory=dict)  # % busy of each CPU, all processes and the kernel
    others: float = 0.0  # % of the two CPUs busy with anything but this benchmark (other programs on the machine)
    attempts: int = 1
    seconds: float = 0.0
    lag_max: float = 0.0  # how far the poster fell behind its schedule
    response_p50: float = 0.0
    response_p99: float = 0.0
    frame_bytes: float = 0.0

    @property
    def server_ms_per_post(self) -> float:
        return 10 * self.server_cpu * self.seconds / max(1, self.ok)

    @property
    def client_ms_per_post(self) -> float:
        return 10 * self.client_cpu * self.seconds / max(1, self.ok)

    @property
    def complete(self) -> bool:
        return self.ok == self.posts and self.received == self.expected and self.duplicates == 0 and self.lost == 0

    def p(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000

    def last_p50(self) -> float:
        return statistics.median(self.last_viewer) * 1000 if self.last_viewer else float("nan")

    def last_max(self) -> float:
        return max(self.last_viewer) * 1000 if self.last_viewer else float("nan")


@dataclass
class Bench:
    args: argparse.Namespace
    workdir: Path
    runs: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    kernel_pids: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.kernel_pids = kernel_threads((self.args.server_cpu, self.args.client_cpu))

    def poster(self, target: str, port: int, rate: float, duration: float, *, thread: int = 0, token: str = "", frame_bytes: int = 0) -> tuple[subprocess.Popen[str], int]:
        run = next(self.runs)
        argv = ["taskset", "-c", str(self.args.client_cpu), sys.executable, str(Path(__file__).resolve()), "_post",
                "--target", target, "--host", HOST, "--port", str(port), "--rate", str(rate), "--duration", str(duration),
                "--run", str(run), "--thread", str(thread), "--token", token, "--frame-bytes", str(frame_bytes)]
        with open(self.workdir / "poster.log", "ab") as log:
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True)
        return proc, run

    def measure(self, label: str, **kw: Any) -> Run:
        """A run; again (up to --retries times) while other programs kept the CPUs busy."""
        for attempt in range(1, self.args.retries + 2):
            run = self._measure(label, **kw)
            run.attempts = attempt
            if run.others <= self.args.max_others or attempt > self.args.retries:
                return run
            print(f"  {label}: other programs kept {run.others:.0f}% of a CPU busy (more than {self.args.max_others:g}%); again in 5 s", flush=True)
            time.sleep(5)
        raise AssertionError("unreachable")

    def _measure(self, label: str, *, target: str, servers: Sequence[PinnedServer], post_port: int, groups: Sequence[Subscribers],
                rate: float, duration: float, grace: float, thread: int = 0, token: str = "", frame_bytes: int = 0) -> Run:
        viewers = sum(g.viewers for g in groups)
        result = Run(label, viewers, rate, duration)
        proc, run = self.poster(target, post_port, rate, duration, thread=thread, token=token, frame_bytes=frame_bytes)
        try:
            for g in groups:
                g.call("reset", run=run)
            assert proc.stdout is not None and proc.stdin is not None
            ready, _, _ = select.select([proc.stdout], [], [], 60)
            if not ready or proc.stdout.readline().strip() != "ready":
                raise BenchError(f"the poster did not start:\n{(self.workdir / 'poster.log').read_text(errors='replace')[-2000:]}")
            client_pids = [pid for g in groups for pid in g.pids]
            cpus = (self.args.server_cpu, self.args.client_cpu)
            server0 = sum(cpu_seconds(s.pid) for s in servers)
            client0 = sum(cpu_seconds(pid) for pid in client_pids) + time.process_time()
            kernel0 = sum(cpu_seconds(pid) for pid in self.kernel_pids)
            busy0 = {c: cpu_busy_ticks(c) for c in cpus}
            started = time.monotonic()
            proc.stdin.write("go\n")
            proc.stdin.flush()
            ready, _, _ = select.select([proc.stdout], [], [], duration + 120)
            line = proc.stdout.readline() if ready else ""
            if not line:
                raise BenchError(f"the poster gave no result:\n{(self.workdir / 'poster.log').read_text(errors='replace')[-2000:]}")
            posted = json.loads(line)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        result.posts, result.ok, result.failed, result.errors = posted["posts"], posted["ok"], posted["failed"], posted["errors"]
        result.lag_max, result.response_p50, result.response_p99 = posted["lag_max"], posted["response_p50"], posted["response_p99"]
        result.expected = result.ok * viewers
        deadline = time.monotonic() + grace
        while True:
            counts = [c for g in groups for c in g.call("counts")]
            if sum(c["received"] for c in counts) >= result.expected or time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        result.seconds = time.monotonic() - started
        result.server_cpu = 100 * (sum(cpu_seconds(s.pid) for s in servers) - server0) / result.seconds
        result.client_cpu = 100 * (sum(cpu_seconds(pid) for pid in client_pids) + time.process_time() - client0 + posted["cpu_seconds"]) / result.seconds
        kernel = 100 * (sum(cpu_seconds(pid) for pid in self.kernel_pids) - kernel0) / result.seconds
        for c, (busy, total) in busy0.items():
            busy1, total1 = cpu_busy_ticks(c)
            result.cpu_busy[c] = 100 * (busy1 - busy) / max(1, total1 - total)
        result.others = max(0.0, sum(result.cpu_busy.values()) - result.server_cpu - result.client_cpu - kernel)

        markers: dict[int, list[float]] = {}
        everything = array("d")
        for g in groups:
            group = array("d")
            paths = [self.workdir / f"latencies-{g.name}-{i}.bin" for i in range(len(g.procs))]
            for path, reply in zip(paths, g.call("dump", per_proc=[{"path": str(p)} for p in paths], timeout=120), strict=True):
                with open(path, "rb") as f:
                    group.frombytes(f.read())
                path.unlink()
                result.received += reply["received"]
                result.duplicates += reply["duplicates"]
                result.stale += reply["stale"]
                result.other += reply["other"]
                result.lost += reply["lost"]
                result.frame_bytes += reply["frame_bytes"]
                for seq, n, latest in reply["markers"]:
                    seen = markers.setdefault(seq, [0, 0.0])
                    seen[0] += n
                    seen[1] = max(seen[1], latest)
            result.by_group[g.name] = sorted(group)
            everything.extend(group)
        result.latencies = sorted(everything)
        result.per_post = {seq: (int(n), latest) for seq, (n, latest) in sorted(markers.items())}
        result.last_viewer = [latest for n, latest in result.per_post.values() if n == viewers]
        result.frame_bytes = result.frame_bytes / max(1, result.received)
        return result


# --------------------------------------------------------------------------- servers and data


@dataclass
class Forum:
    """What the poster and the subscribers need to know about the seeded database."""

    database_url: str
    thread_id: int
    token: str

    def latest_comment_id(self) -> int:
        from forum.db import Database
        from forum.live.queries import latest_comment_id

        db = Database(self.database_url)
        try:
            with db.read() as session:
                return latest_comment_id(session, self.thread_id)
        finally:
            db.dispose()


def prepare(database_url: str) -> Forum:
    """Migrate and seed (bench/pages.py's seed: users and one thread with 20 comments); an API token."""
    from sqlalchemy import select

    from forum.accounts.models import User
    from forum.accounts.services import create_api_token
    from forum.db import Database

    seeded = seed(database_url, 20)
    db = Database(database_url)
    try:
        with db.write() as session:
            user = session.scalar(select(User).where(User.email == "reader0@bench.example"))
            assert user is not None
            token = create_api_token(session, user=user)
    finally:
        db.dispose()
    return Forum(database_url, seeded.thread_id, token)


class Servers:
    """Starts servers, remembers them, and stops them all (also on errors)."""

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.running: list[PinnedServer] = []
        self.problems: list[str] = []
        self.names = itertools.count(1)

    def forum(self, forum: Forum, *, broadcast_url: str = "memory://") -> PinnedServer:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FORUM_")}
        env.update(
            FORUM_DATABASE_URL=forum.database_url,
            FORUM_BROADCAST_URL=broadcast_url,
            FORUM_RATE_LIMITS="off",
            FORUM_FEED_POLL_SECONDS="0",
            FORUM_INSTANCE_DIR=str(self.workdir / "instance"),
            FORUM_SECRET_KEY="forum-bench-fixed-secret-key-0123456789abcdef",
            FORUM_ENV="development",
            FORUM_BASE_URL=f"http://{HOST}",
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")])),
        )
        name = f"forum{next(self.names)}"
        server = PinnedServer(name, ["--factory", "forum.asgi:create_from_env"], env, self.workdir, self.workdir / f"{name}.log", cpu=self.args.server_cpu)
        server.start(FORUM_FLAGS)
        self.running.append(server)
        server.wait_ready("/")
        return server

    def floor(self) -> FloorServer:
        name = f"floor{next(self.names)}"
        server = FloorServer(name, [], dict(os.environ), self.workdir, self.workdir / f"{name}.log", cpu=self.args.server_cpu)
        server.start([])
        self.running.append(server)
        server.wait_ready("/health")
        return server

    def stop(self, server: PinnedServer) -> None:
        server.stop()
        self.running.remove(server)
        log = server.log_path.read_text(errors="replace").splitlines()
        problems = [line for line in log if " ERROR " in line or "Traceback" in line or "Exception" in line]
        if problems:
            self.problems.append(f"{server.name} ({server.log_path}): " + " | ".join(problems[:5]))

    def stop_all(self) -> None:
        for server in list(self.running):
            try:
                self.stop(server)
            except Exception as exc:  # keep stopping the others
                print(f"bench: could not stop {server.name}: {exc}", file=sys.stderr)


def probe_forum(server: PinnedServer, forum: Forum) -> int:
    """One viewer, one post over the API, its frame: the chain works, and the code paths are warm.
    Returns the comment frame's size in bytes."""
    import urllib.request

    from websockets.sync.client import connect

    with connect(f"ws://{HOST}:{server.port}/ws/threads/{forum.thread_id}?after={forum.latest_comment_id()}", compression=None, open_timeout=30) as ws:
        ws.recv(timeout=30)  # presence
        body = json.dumps({"body": f"lb0x0x{time.time():.6f} warm-up"}).encode()
        request = urllib.request.Request(
            server.url(f"/api/v1/threads/{forum.thread_id}/comments"), data=body, method="POST",
            headers={"Authorization": f"Bearer {forum.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            if response.status != 201:
                raise BenchError(f"posting a comment answered {response.status}")
            comment_id = json.loads(response.read())["id"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            frame = ws.recv(timeout=30)
            if isinstance(frame, str) and frame.startswith('{"type":"comment"'):
                data = frame.encode()
                m = MARK.match(data)
                if m is None or int(m[1]) != comment_id:
                    raise BenchError(f"the comment frame does not carry the marker and id {comment_id}: {frame[:300]}")
                return len(data)
    raise BenchError("the posted comment never reached the viewer")


def probe_floor(server: PinnedServer, frame_bytes: int) -> None:
    from websockets.sync.client import connect

    with connect(f"ws://{HOST}:{server.port}/sub", compression=None) as sub:
        time.sleep(0.2)
        with connect(f"ws://{HOST}:{server.port}/post", compression=None) as poster:
            poster.send(floor_frame(1, f"lb0x0x{time.time():.6f}", frame_bytes))
        frame = sub.recv(timeout=10)
        if not isinstance(frame, str) or MARK.match(frame.encode()) is None or len(frame) != frame_bytes:
            raise BenchError(f"the floor server broadcast something else: {str(frame)[:200]}")


def settle() -> None:
    time.sleep(SETTLE)


# =========================================================================== sections


@dataclass
class ViewerResult:
    viewers: int
    forum_rss_before: float
    forum_rss_with: float
    floor_rss_before: float
    floor_rss_with: float
    connect_seconds: float
    forum: list[Run] = field(default_factory=list)  # first rate, one per round
    floor: list[Run] = field(default_factory=list)
    faster: list[Run] = field(default_factory=list)  # the other rates, forum only


def section_viewers(bench: Bench, servers: Servers, forum: Forum, args: argparse.Namespace) -> list[ViewerResult]:
    results = []
    first_rate, *other_rates = args.rates
    for n in args.viewers:
        print(f"viewers: N = {n:,} …", flush=True)
        f_server = servers.forum(forum)
        frame_bytes = probe_forum(f_server, forum)
        l_server = servers.floor()
        probe_floor(l_server, frame_bytes)
        settle()
        f_before, l_before = rss_mib(f_server.pid), rss_mib(l_server.pid)
        groups: list[Subscribers] = []
        try:
            f_subs = Subscribers(f"forum-{n}", f_server.port, f"/ws/threads/{forum.thread_id}?after={forum.latest_comment_id()}",
                                 procs=args.procs, cpu=args.client_cpu, first_frame=True, workdir=bench.workdir)
            groups.append(f_subs)
            connected = f_subs.connect(n, args.batch)
            l_subs = Subscribers(f"floor-{n}", l_server.port, "/sub", procs=args.procs, cpu=args.client_cpu, first_frame=False, workdir=bench.workdir)
            groups.append(l_subs)
            l_subs.connect(n, args.batch)
            settle()
            result = ViewerResult(n, f_before, rss_mib(f_server.pid), l_before, rss_mib(l_server.pid), connected["seconds"])
            print(f"  connected {n:,} to each in {connected['seconds']:.1f} s; forum RSS {result.forum_rss_before:.0f} → {result.forum_rss_with:.0f} MiB, "
                  f"floor {result.floor_rss_before:.0f} → {result.floor_rss_with:.0f} MiB", flush=True)
            for r in range(args.rounds):
                for which in (("forum", "floor") if r % 2 == 0 else ("floor", "forum")):
                    if which == "forum":
                        run = bench.measure(f"forum N={n} {first_rate:g}/s", target="forum", servers=[f_server], post_port=f_server.port, groups=[f_subs],
                                            rate=first_rate, duration=args.duration, grace=args.grace, thread=forum.thread_id, token=forum.token)
                        result.forum.append(run)
                    else:
                        run = bench.measure(f"floor N={n} {first_rate:g}/s", target="floor", servers=[l_server], post_port=l_server.port, groups=[l_subs],
                                            rate=first_rate, duration=args.duration, grace=args.grace, frame_bytes=frame_bytes)
                        result.floor.append(run)
                    print_run(run, f"round {r + 1}")
            for rate in other_rates:
                run = bench.measure(f"forum N={n} {rate:g}/s", target="forum", servers=[f_server], post_port=f_server.port, groups=[f_subs],
                                    rate=rate, duration=args.faster_duration, grace=args.grace, thread=forum.thread_id, token=forum.token)
                result.faster.append(run)
                print_run(run)
            results.append(result)
        finally:
            for g in groups:
                g.close()
            servers.stop(f_server)
            servers.stop(l_server)
    return results


@dataclass
class SaturationResult:
    viewers: int
    runs: list[Run]
    kept_up: list[bool]


def kept_up(run: Run) -> bool:
    return run.complete and run.p(99) <= KEPT_UP_P99 * 1000


def section_saturation(bench: Bench, servers: Servers, forum: Forum, args: argparse.Namespace) -> SaturationResult:
    n = args.saturation_viewers
    print(f"saturation: N = {n:,}, rates {', '.join(f'{r:g}' for r in args.saturation_rates)}/s …", flush=True)
    server = servers.forum(forum)
    probe_forum(server, forum)
    subs = Subscribers(f"sat-{n}", server.port, f"/ws/threads/{forum.thread_id}?after={forum.latest_comment_id()}",
                       procs=args.procs, cpu=args.client_cpu, first_frame=True, workdir=bench.workdir)
    result = SaturationResult(n, [], [])
    try:
        subs.connect(n, args.batch)
        settle()
        rates = list(args.saturation_rates)
        last_good = 0.0
        while rates:
            rate = rates.pop(0)
            run = bench.measure(f"saturation N={n} {rate:g}/s", target="forum", servers=[server], post_port=server.port, groups=[subs],
                                rate=rate, duration=args.saturation_duration, grace=args.grace, thread=forum.thread_id, token=forum.token)
            result.runs.append(run)
            result.kept_up.append(kept_up(run))
            print_run(run, "kept up" if result.kept_up[-1] else "FELL BEHIND")
            if result.kept_up[-1]:
                last_good = rate
            elif run.lost or not last_good or rate - last_good <= last_good / 4:
                break  # viewers were dropped (reconnecting them would change the run), or close enough
            else:
                rates = [(last_good + rate) / 2]  # once more, half-way between the last rate that kept up and this one
            time.sleep(2)
    finally:
        subs.close()
        servers.stop(server)
    return result


@dataclass
class IdleResult:
    viewers: int
    rss_before: float
    rss_idle: float
    rss_after_post: float
    connect_seconds: float
    server_cpu_idle: float
    idle_seconds: float
    frames_per_viewer: float  # frames each idle viewer was sent meanwhile (presence)
    post: Run | None


def section_idle(bench: Bench, servers: Servers, forum: Forum, args: argparse.Namespace) -> IdleResult:
    n = args.idle
    print(f"idle: {n:,} connected viewers …", flush=True)
    server = servers.forum(forum)
    probe_forum(server, forum)
    settle()
    before = rss_mib(server.pid)
    subs = Subscribers(f"idle-{n}", server.port, f"/ws/threads/{forum.thread_id}?after={forum.latest_comment_id()}",
                       procs=args.procs, cpu=args.client_cpu, first_frame=True, workdir=bench.workdir)
    try:
        connected = subs.connect(n, args.batch)
        settle()
        subs.call("reset", run=0)
        cpu0, t0 = cpu_seconds(server.pid), time.monotonic()
        time.sleep(IDLE_WINDOW)
        idle_seconds = time.monotonic() - t0
        idle_cpu = 100 * (cpu_seconds(server.pid) - cpu0) / idle_seconds
        path = bench.workdir / "idle.bin"
        frames = sum(r["other"] for r in subs.call("dump", path=str(path))) / n
        rss_idle = rss_mib(server.pid)
        print(f"  connected in {connected['seconds']:.1f} s; RSS {before:.0f} → {rss_idle:.0f} MiB; over {idle_seconds:.0f} s idle: "
              f"server CPU {idle_cpu:.1f}%, {frames:.1f} frames to each viewer", flush=True)
        run = bench.measure(f"idle N={n} one post", target="forum", servers=[server], post_port=server.port, groups=[subs],
                            rate=1, duration=1, grace=max(args.grace, 30), thread=forum.thread_id, token=forum.token)
        print_run(run)
        return IdleResult(n, before, rss_idle, rss_mib(server.pid), connected["seconds"], idle_cpu, idle_seconds, frames, run)
    finally:
        subs.close()
        servers.stop(server)


@dataclass
class HubResult:
    name: str  # "one process" or the hub
    runs: list[Run]
    skipped: str = ""


def hub_available(hub: str, redis_url: str) -> str:
    """'' when the hub can be used, else why not."""
    module = {"redis": "forum.live.redis_hub", "postgresql": "forum.live.postgres_hub"}[hub]
    if importlib.util.find_spec(module) is None:
        return f"{module.replace('.', '/')}.py is not there"
    if hub == "redis":
        try:
            import redis

            redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
        except Exception as exc:
            return f"Redis at {redis_url} does not answer: {exc}"
    return ""


def section_hubs(bench: Bench, servers: Servers, args: argparse.Namespace) -> list[HubResult]:
    n = args.hub_viewers
    results: list[HubResult] = []
    postgres = args.database_url or DEFAULT_POSTGRES
    with scratch_postgres(postgres) as (url, version):
        print(f"hubs: {version} scratch database; N = {n:,}; one process, then two with {', '.join(args.hubs)} …", flush=True)
        forum = prepare(url)
        configs: list[tuple[str, str]] = [("one process", "memory://")]
        for hub in args.hubs:
            configs.append((hub, args.redis_url if hub == "redis" else url))
        for name, broadcast in configs:
            if name != "one process" and (why := hub_available(name, args.redis_url)):
                print(f"  {name}: skipped, {why}", flush=True)
                results.append(HubResult(name, [], skipped=why))
                continue
            count = 1 if name == "one process" else 2
            started = [servers.forum(forum, broadcast_url=broadcast) for _ in range(count)]
            groups: list[Subscribers] = []
            try:
                for server in started:
                    probe_forum(server, forum)
                procs = max(1, args.procs // count)
                path = f"/ws/threads/{forum.thread_id}?after={forum.latest_comment_id()}"
                for i, server in enumerate(started):
                    label = "poster's process" if i == 0 else "other process"
                    subs = Subscribers(f"{name.replace(' ', '-')}-{label.replace(' ', '-').replace(chr(39), '')}", server.port, path,
                                       procs=procs, cpu=args.client_cpu, first_frame=True, workdir=bench.workdir)
                    subs.name = label if count == 2 else "all"
                    groups.append(subs)
                    subs.connect(n // count + (n % count if i == 0 else 0), args.batch)
                settle()
                runs = []
                for r in range(args.rounds):
                    run = bench.measure(f"{name} N={n} {args.rates[0]:g}/s", target="forum", servers=started, post_port=started[0].port, groups=groups,
                                        rate=args.rates[0], duration=args.duration, grace=args.grace, thread=forum.thread_id, token=forum.token)
                    runs.append(run)
                    print_run(run, f"round {r + 1}")
                results.append(HubResult(name, runs))
            finally:
                for g in groups:
                    g.close()
                for server in started:
                    servers.stop(server)
    return results


# =========================================================================== report


def ms(value: float) -> str:
    if value != value:  # nan
        return "–"
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def print_run(run: Run, note: str = "") -> None:
    flags = "" if run.complete else f"  INCOMPLETE ({run.ok}/{run.posts} posts ok, {run.duplicates} dup, {run.lost} dropped; {run.errors[:2]})"
    print(
        f"  {run.label:<28} {note:<11} {run.received:>9,}/{run.expected:<9,} p50 {ms(run.p(50)):>6} p99 {ms(run.p(99)):>6} max {ms(run.p(100)):>6} ms"
        f"  last viewer med {ms(run.last_p50()):>6} max {ms(run.last_max()):>6} ms  POST p50 {ms(1000 * run.response_p50):>5} ms"
        f"  CPU ms/post server {run.server_ms_per_post:5.1f} load gen {run.client_ms_per_post:5.1f}  others {run.others:3.0f}%{flags}",
        flush=True,
    )


def med(values: Sequence[float]) -> float:
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def per_round(values: Sequence[float]) -> str:
    return " · ".join(ms(v) for v in values)


def completeness(runs: Sequence[Run]) -> str:
    received, expected = sum(r.received for r in runs), sum(r.expected for r in runs)
    posts, ok = sum(r.posts for r in runs), sum(r.ok for r in runs)
    share = 100 * received / expected if expected else 0.0
    text = f"{received:,}/{expected:,} ({share:.2f}%)"
    if ok != posts:
        text += f", {posts - ok} posts failed"
    if any(r.duplicates or r.lost for r in runs):
        text += f", {sum(r.duplicates for r in runs)} duplicates, {sum(r.lost for r in runs)} dropped"
    return text


def summary(runs: Sequence[Run]) -> dict[str, float]:
    return {
        "p50": med([r.p(50) for r in runs]),
        "p99": med([r.p(99) for r in runs]),
        "max": max(r.p(100) for r in runs),
        "last_med": med([r.last_p50() for r in runs]),
        "last_max": max(r.last_max() for r in runs),
        "cpu": med([r.server_cpu for r in runs]),
        "gen": med([r.client_cpu for r in runs]),
        "srv_ms": med([r.server_ms_per_post for r in runs]),
        "gen_ms": med([r.client_ms_per_post for r in runs]),
        "post_ms": med([1000 * r.response_p50 for r in runs]),
    }


def machine_line(database: str) -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = []
    for package in PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions.append(f"{package} {metadata.version(package)}")
    now = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return f"{now} · nproc {os.cpu_count()} · {cpu} · {platform.system()} {platform.release()} · Python {platform.python_version()} · {', '.join(versions)} · {database}"


def report(args: argparse.Namespace, machine: str, viewers: list[ViewerResult], saturation: SaturationResult | None,
           idle: IdleResult | None, hubs: list[HubResult], problems: list[str]) -> list[tuple[str, bool | None, str]]:
    verdicts: list[tuple[str, bool | None, str]] = []
    print()
    print(f"machine: {machine}")
    print(f"server:  uvicorn {' '.join(FORUM_FLAGS)} (as `forum serve`), taskset -c {args.server_cpu}; load: {args.procs} subscriber processes per server + 1 poster, taskset -c {args.client_cpu}")
    print(f"runs:    {args.rounds} rounds of {args.duration:g} s at {args.rates[0]:g} posts/s, forum and floor alternating (medians over rounds); "
          f"{', '.join(f'{r:g}/s' for r in args.rates[1:]) or 'no other rate'} once for {args.faster_duration:g} s; {args.grace:g} s grace for the last deliveries")
    print("         CPU: % of one core over the run; ms/post: CPU time per post (server / load generator: subscribers, poster and this script)")
    if viewers:
        rate = args.rates[0]
        print()
        frame = med([r.frame_bytes for v in viewers for r in v.forum])
        print(f"viewers, {rate:g} posts/s (median over {args.rounds} rounds; max = the largest in any round); a comment frame is {frame:,.0f} bytes, "
              "the floor's the same size")
        header = (f"{'':<6}{'N':>6}  {'delivered':<28}{'p50':>6}{'p99':>7}{'max':>7}  {'last viewer med/max':>19}  {'server CPU':>10}  "
                  f"{'ms/post srv/gen':>15}  {'RSS before → with':>18}  {'KiB/conn':>8}")
        print(header)
        print("-" * len(header))
        for v in viewers:
            for name, runs, before, with_ in (("forum", v.forum, v.forum_rss_before, v.forum_rss_with), ("floor", v.floor, v.floor_rss_before, v.floor_rss_with)):
                s = summary(runs)
                print(f"{name:<6}{v.viewers:>6}  {completeness(runs):<28}{ms(s['p50']):>6}{ms(s['p99']):>7}{ms(s['max']):>7}  "
                      f"{ms(s['last_med']):>8} / {ms(s['last_max']):>7}  {s['cpu']:>9.1f}%  {s['srv_ms']:>7.1f} / {s['gen_ms']:>5.1f}  "
                      f"{before:>7.0f} → {with_:>5.0f} MiB  {1024 * (with_ - before) / v.viewers:>8.1f}")
        print()
        print("forum/floor, per round (median):")
        for v in viewers:
            r50 = [f.p(50) / l.p(50) for f, l in zip(v.forum, v.floor, strict=False)]
            r99 = [f.p(99) / l.p(99) for f, l in zip(v.forum, v.floor, strict=False)]
            print(f"  N={v.viewers:>5}: p50 {med(r50):.2f}× ({' · '.join(f'{x:.2f}' for x in r50)})   p99 {med(r99):.2f}× ({' · '.join(f'{x:.2f}' for x in r99)})"
                  f"   forum p99 per round {per_round([r.p(99) for r in v.forum])} ms, floor {per_round([r.p(99) for r in v.floor])} ms")
        if any(v.faster for v in viewers):
            print()
            print("viewers, faster posting (forum, one run each)")
            for v in viewers:
                for run in v.faster:
                    print(f"  N={v.viewers:>5} {run.rate:g}/s: {completeness([run])}; p50 {ms(run.p(50))} p99 {ms(run.p(99))} max {ms(run.p(100))} ms; "
                          f"last viewer med {ms(run.last_p50())} max {ms(run.last_max())} ms; server CPU {run.server_cpu:.1f}% "
                          f"({run.server_ms_per_post:.1f} ms/post); load gen {run.client_cpu:.1f}%; POST p50 {1000 * run.response_p50:.1f} ms")
        print()
        every = [r for v in viewers for r in (*v.forum, *v.floor, *v.faster)]
        busiest = max(every, key=lambda r: r.client_cpu)
        late = max(every, key=lambda r: r.lag_max)
        print(f"load generator: at most {busiest.client_cpu:.0f}% of CPU {args.client_cpu} ({busiest.label}); the poster was at most "
              f"{1000 * late.lag_max:.1f} ms behind its schedule ({late.label}); "
              + ("it kept up." if busiest.client_cpu < 80 and late.lag_max < 0.01 else "it may have set the pace."))
        for v in viewers:
            floor = summary(v.floor)
            if floor["gen_ms"] > floor["srv_ms"]:
                print(f"  floor N={v.viewers:,}: receiving a post's frames took the subscribers more CPU ({floor['gen_ms']:.1f} ms) than the floor server took "
                      f"to send them ({floor['srv_ms']:.1f} ms): there the floor's latency is partly the load generator's")
        for v in viewers:
            if v.viewers in (1000, 5000):
                s = summary(v.forum)
                floor = summary(v.floor)
                complete = all(r.complete for r in v.forum)
                if v.viewers == 1000:
                    ratio = med([f.p(99) / l.p(99) for f, l in zip(v.forum, v.floor, strict=False)])
                    ok = complete and s["p99"] < P99_AT_1000_MS and ratio <= FLOOR_RATIO
                    verdicts.append((f"N=1,000 at {rate:g}/s: p99 < {P99_AT_1000_MS:g} ms and within {FLOOR_RATIO:g}× of the floor", ok,
                                     f"p99 {ms(s['p99'])} ms, floor {ms(floor['p99'])} ms, ratio {ratio:.2f}×" + ("" if complete else ", deliveries missing")))
                else:
                    ok = complete and s["p99"] < P99_AT_5000_MS
                    verdicts.append((f"N=5,000 at {rate:g}/s: p99 < {P99_AT_5000_MS:g} ms", ok, f"p99 {ms(s['p99'])} ms" + ("" if complete else ", deliveries missing")))
    if saturation is not None:
        print()
        print(f"saturation, N = {saturation.viewers:,} ({args.saturation_duration:g} s per rate)")
        for run, ok in sorted(zip(saturation.runs, saturation.kept_up, strict=True), key=lambda pair: pair[0].rate):
            delivered = run.received / run.seconds if run.seconds else 0
            print(f"  {run.rate:>6g}/s = {run.rate * run.viewers:>9,.0f} deliveries/s scheduled: {completeness([run])}; p50 {ms(run.p(50))} p99 {ms(run.p(99))} "
                  f"max {ms(run.p(100))} ms; received {delivered:,.0f}/s; POST p99 {1000 * run.response_p99:.0f} ms; server CPU {run.server_cpu:.0f}%, "
                  f"load gen {run.client_cpu:.0f}% — {'kept up' if ok else 'fell behind'}")
        good = [run for run, ok in zip(saturation.runs, saturation.kept_up, strict=True) if ok]
        best = max((run.rate * run.viewers for run in good), default=0)
        note = "" if not all(saturation.kept_up) else " (never fell behind: raise --saturation-rates)"
        print(f"  saturation: {best:,.0f} deliveries/s{note}")
        verdicts.append((f"saturation above {SATURATION_DELIVERIES:,} deliveries/s", best > SATURATION_DELIVERIES, f"{best:,.0f}/s{note}"))
    if idle is not None:
        print()
        per = 1024 * (idle.rss_idle - idle.rss_before) / idle.viewers
        print(f"idle, {idle.viewers:,} viewers: RSS {idle.rss_before:.0f} MiB before, {idle.rss_idle:.0f} MiB with them ({per:.1f} KiB each), "
              f"{idle.rss_after_post:.0f} MiB after one post; connected in {idle.connect_seconds:.1f} s")
        print(f"  {idle.idle_seconds:.0f} s with nothing posted: server CPU {idle.server_cpu_idle:.1f}%; each viewer was sent {idle.frames_per_viewer:.1f} frames "
              f"(presence; {idle.frames_per_viewer * idle.viewers / idle.idle_seconds:,.0f} frames/s in all)")
        if idle.post is not None:
            print(f"  one post: {completeness([idle.post])}; last viewer after {ms(idle.post.last_max())} ms")
        verdicts.append((f"{idle.viewers:,} idle viewers under {IDLE_RSS_MIB:g} MiB server RSS", idle.rss_idle < IDLE_RSS_MIB if idle.viewers >= 10_000 else None,
                         f"{idle.rss_idle:.0f} MiB" + ("" if idle.viewers >= 10_000 else " (fewer than 10,000 viewers: no verdict)")))
    if hubs:
        print()
        print(f"two processes, N = {args.hub_viewers:,} split across them, {args.rates[0]:g} posts/s to the first (PostgreSQL database; median over rounds)")
        base = next((h for h in hubs if h.name == "one process" and h.runs), None)
        for h in hubs:
            if h.skipped:
                print(f"  {h.name:<12} skipped: {h.skipped}")
                continue
            s = summary(h.runs)
            extra = ""
            if base is not None and h is not base:
                b = summary(base.runs)
                extra = f"   vs one process: p50 {s['p50'] - b['p50']:+.1f} ms, p99 {s['p99'] - b['p99']:+.1f} ms, last viewer {s['last_med'] - b['last_med']:+.1f} ms"
            both = " (both processes)" if h is not base else ""
            print(f"  {h.name:<12} {completeness(h.runs)}; p50 {ms(s['p50'])} p99 {ms(s['p99'])} max {ms(s['max'])} ms; last viewer med {ms(s['last_med'])} "
                  f"max {ms(s['last_max'])} ms; server CPU {s['cpu']:.1f}%{both}; POST p50 {s['post_ms']:.1f} ms{extra}")
            groups = sorted({g for r in h.runs for g in r.by_group})
            if len(groups) > 1:
                for g in groups:
                    p50 = med([percentile(r.by_group[g], 50) * 1000 for r in h.runs])
                    p99 = med([percentile(r.by_group[g], 99) * 1000 for r in h.runs])
                    print(f"  {'':<12}   viewers on the {g}: p50 {ms(p50)} p99 {ms(p99)} ms")
    every = [r for v in viewers for r in (*v.forum, *v.floor, *v.faster)] + (saturation.runs if saturation else []) + [r for h in hubs for r in h.runs]
    disturbed = [r for r in every if r.others > args.max_others]
    repeated = sum(r.attempts - 1 for r in every)
    print()
    print(f"other programs: {repeated} runs were repeated because other programs kept more than {args.max_others:g}% of a CPU busy; "
          + (f"{len(disturbed)} kept anyway after {args.retries} retries: " + ", ".join(f"{r.label} ({r.others:.0f}%)" for r in disturbed)
             if disturbed else "every run kept was undisturbed"))
    print()
    print("targets:")
    for name, ok, detail in verdicts:
        print(f"  {name}: {'met' if ok else ('no verdict' if ok is None else 'NOT met')} ({detail})")
    if problems:
        print()
        print("server logs with errors:")
        for p in problems:
            print(f"  {p}")
    return verdicts


# =========================================================================== main


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def numbers(kind: Callable[[str], Any]) -> Callable[[str], list[Any]]:
    def parse(text: str) -> list[Any]:
        values = [kind(v.replace("_", "")) for v in text.split(",") if v.strip()]
        if not values or any(v <= 0 for v in values):
            raise argparse.ArgumentTypeError("a comma-separated list of positive numbers")
        return values

    return parse


SECTIONS = ("viewers", "saturation", "idle", "hubs")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="N = 100 and 1,000, 1 round of 8 s, shorter saturation steps, 2,000 idle viewers (about 3 min)")
    parser.add_argument("--only", type=lambda s: [x.strip() for x in s.split(",")], default=list(SECTIONS), help=f"sections to run, of {', '.join(SECTIONS)} (default all)")
    parser.add_argument("--viewers", type=numbers(int), help="N for the viewers section (default 100,1000,5000)")
    parser.add_argument("--rates", type=numbers(float), help="posts per second; the first in rounds with the floor, the others once (default 5,20)")
    parser.add_argument("--duration", type=float, help="seconds of posting per round (default 10)")
    parser.add_argument("--rounds", type=int, help="rounds at the first rate (default 3)")
    parser.add_argument("--faster-duration", type=float, help="seconds of posting at the other rates (one run each; default 20)")
    parser.add_argument("--grace", type=float, default=5.0, help="seconds to wait after the last post for every delivery (default 5)")
    parser.add_argument("--saturation-viewers", type=int, default=1000)
    parser.add_argument("--saturation-rates", type=numbers(float), help="post rates tried in turn (default 20,40,80,160,320,640)")
    parser.add_argument("--saturation-duration", type=float, help="seconds per saturation step (default 10)")
    parser.add_argument("--idle", type=int, help="idle viewers (default 10000)")
    parser.add_argument("--hub", choices=("redis", "postgresql", "both", "none"), default="both", help="hubs for the two-process runs (default both)")
    parser.add_argument("--hub-viewers", type=int, default=1000)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    parser.add_argument("--database-url", help="PostgreSQL server for every section (a scratch database is created and dropped); default: SQLite in a "
                        f"temporary folder, and {DEFAULT_POSTGRES} for the hubs section")
    parser.add_argument("--procs", type=int, default=4, help="subscriber processes per server (default 4)")
    parser.add_argument("--batch", type=int, default=200, help="viewers connecting at once, over all processes (default 200)")
    parser.add_argument("--server-cpu", type=int, default=0)
    parser.add_argument("--client-cpu", type=int, default=1)
    parser.add_argument("--max-others", type=float, default=10.0, help="a run during which other programs kept more than this %% of a CPU busy is run again (default 10)")
    parser.add_argument("--retries", type=int, default=2, help="how many times such a run is repeated at most (default 2)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, server and subscriber logs)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is not met")
    args = parser.parse_args(argv)
    quick = args.quick
    defaults = {
        "viewers": [100, 1000] if quick else [100, 1000, 5000],
        "rates": [5.0, 20.0],
        "duration": 8.0 if quick else 10.0,
        "faster_duration": 8.0 if quick else 20.0,
        "rounds": 1 if quick else 3,
        "saturation_rates": [20.0, 40.0, 80.0, 160.0, 320.0] if quick else [20.0, 40.0, 80.0, 160.0, 320.0, 640.0],
        "saturation_duration": 5.0 if quick else 10.0,
        "idle": 2000 if quick else 10_000,
    }
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    unknown = set(args.only) - set(SECTIONS)
    if unknown:
        parser.error(f"--only takes {', '.join(SECTIONS)}, not {', '.join(sorted(unknown))}")
    args.hubs = {"both": ["redis", "postgresql"], "none": []}.get(args.hub, [args.hub])
    if args.hub == "none" and "hubs" in args.only:
        args.only.remove("hubs")
    if args.rounds < 1 or args.procs < 1 or args.batch < 1:
        parser.error("--rounds, --procs and --batch must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["_subscribe"] or argv[:1] == ["_post"]:
        return role_main(argv)
    args = parse_args(argv)
    if shutil.which("taskset") is None:
        print("bench: taskset is not installed (util-linux)", file=sys.stderr)
        return 2
    allowed = os.sched_getaffinity(0)
    if not {args.server_cpu, args.client_cpu} <= allowed or args.server_cpu == args.client_cpu:
        print(f"bench: needs two CPUs, server and load apart (--server-cpu, --client-cpu); this process may use {sorted(allowed)}", file=sys.stderr)
        return 2
    files = raise_open_files()
    need = max([args.idle if "idle" in args.only else 0, *(2 * n for n in args.viewers)]) + 512
    if files < need:
        print(f"bench: the open-file limit is {files}; {need} are needed (ulimit -Hn)", file=sys.stderr)
        return 2
    os.sched_setaffinity(0, {args.client_cpu})  # this process only waits; it stays off the server's CPU
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)

    workdir = Path(tempfile.mkdtemp(prefix="forum-bench-live-"))
    servers = Servers(args, workdir)
    bench = Bench(args, workdir)
    started = time.monotonic()
    try:
        with contextlib.ExitStack() as stack:
            viewers: list[ViewerResult] = []
            saturation = idle = None
            hubs: list[HubResult] = []
            database = "no database"
            if set(args.only) - {"hubs"}:
                if args.database_url:
                    if not args.database_url.startswith(("postgresql", "postgres")):
                        raise BenchError("--database-url takes a postgresql://… URL (SQLite is the default)")
                    database_url, database = stack.enter_context(scratch_postgres(args.database_url))
                else:
                    database_url, database = f"sqlite:///{workdir / 'forum.db'}", f"SQLite {sqlite3.sqlite_version}"
                print(f"bench: {database}; results in about {estimate(args)} …", flush=True)
                forum = prepare(database_url)
                if "viewers" in args.only:
                    viewers = section_viewers(bench, servers, forum, args)
                if "saturation" in args.only:
                    saturation = section_saturation(bench, servers, forum, args)
                if "idle" in args.only:
                    idle = section_idle(bench, servers, forum, args)
            if "hubs" in args.only:
                hubs = section_hubs(bench, servers, args)
            servers.stop_all()
            verdicts = report(args, machine_line(database), viewers, saturation, idle, hubs, servers.problems)
            print(f"\nbench: finished in {(time.monotonic() - started) / 60:.1f} min", flush=True)
        return 1 if args.check and any(ok is False for _, ok, _ in verdicts) else 0
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted; stopping the servers", file=sys.stderr)
        return 130
    finally:
        servers.stop_all()
        if args.keep:
            print(f"bench: kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def estimate(args: argparse.Namespace) -> str:
    seconds = 0.0
    if "viewers" in args.only:
        seconds += len(args.viewers) * (2 * args.rounds * (args.duration + 3) + (len(args.rates) - 1) * (args.faster_duration + 3)) + sum(8 + n / 200 for n in args.viewers)
    if "saturation" in args.only:
        seconds += 5 * (args.saturation_duration + 6) + 10
    if "idle" in args.only:
        seconds += 20 + IDLE_WINDOW + args.idle / 300
    if "hubs" in args.only:
        seconds += (1 + len(args.hubs)) * (args.rounds * (args.duration + 3) + 15)
    return f"{seconds / 60:.0f} min"


def role_main(argv: list[str]) -> int:
    """The subscriber and poster processes (started by main, on the client CPU)."""
    parser = argparse.ArgumentParser(prog=f"live.py {argv[0]}")
    parser.add_argument("--host", default=HOST)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/")
    parser.add_argument("--first-frame", action="store_true")
    parser.add_argument("--target", choices=("forum", "floor"))
    parser.add_argument("--rate", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument("--run", type=int, default=0)
    parser.add_argument("--thread", type=int, default=0)
    parser.add_argument("--token", default="")
    parser.add_argument("--frame-bytes", type=int, default=0)
    args = parser.parse_args(argv[1:])
    raise_open_files()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process ends the run
    run_loop(subscriber_main(args) if argv[0] == "_subscribe" else poster_main(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
