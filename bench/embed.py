"""The embed widget: the size of its script, and how soon a blog's readers see the discussion.

Prints:
- the bytes of static/embed.js, count.js and the frame's own scripts, raw and gzipped (-9),
  beside Isso's embed.min.js when `--isso-sdist` points at an isso source archive from PyPI
  (`pip download --no-deps --no-binary :all: isso==0.14.0`);
- for N loads of a blog page (served from 127.0.0.2) that embeds a thread with some comments,
  each in a fresh browser context (a first visit: nothing cached), the time from the host page's
  load event to the frame's first contentful paint, which holds the comments (they are in the
  frame's HTML, and its CSS blocks painting until it is loaded), and from the host page's
  navigation start to that paint: medians, minimum and maximum.

The forum runs as `forum serve` on SQLite with rate limits off; Chromium is Debian's
(/usr/bin/chromium), headless. Run: .venv/bin/python bench/embed.py [--loads 10] [--comments 20]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("FORUM_TEST_CHROMIUM", "/usr/bin/chromium"))
BLOG_HOST = "127.0.0.2"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def sizes(data: bytes) -> tuple[int, int]:
    return len(data), len(gzip.compress(data, 9))


def script_sizes(isso_sdist: Path | None) -> list[tuple[str, int, int]]:
    rows = []
    for name in ("static/embed.js", "static/count.js", "static/js/frame.js", "static/js/handoff.js",
                 "static/js/forms.js", "static/js/reply.js", "static/js/tree.js", "static/js/live.js"):
        rows.append((f"forum {name}", *sizes((ROOT / name).read_bytes())))
    if isso_sdist is not None:
        with tarfile.open(isso_sdist) as archive:
            for member in archive.getmembers():
                if member.name.endswith(("isso/js/embed.min.js", "isso/js/count.min.js")):
                    data = archive.extractfile(member).read()  # type: ignore[union-attr]
                    rows.append((f"{isso_sdist.name}: {member.name.split('/', 1)[1]}", *sizes(data)))
    return rows


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"forum serve exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("forum serve did not answer within 30 s")


def cli(env: dict[str, str], cwd: Path, *args: str, stdin: str = "") -> str:
    done = subprocess.run([sys.executable, "-m", "forum.cli", *args], input=stdin, env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"forum {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def post(url: str, token: str, body: dict[str, object]) -> dict[str, object]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loads", type=int, default=10, help="page loads to time (default 10)")
    parser.add_argument("--comments", type=int, default=20, help="comments on the embedded thread (default 20)")
    parser.add_argument("--isso-sdist", type=Path, help="an isso-*.tar.gz from PyPI, to compare script sizes")
    args = parser.parse_args()
    if args.loads < 1 or args.comments < 1:
        parser.error("--loads and --comments must be at least 1")
    if args.isso_sdist is not None and not args.isso_sdist.is_file():
        parser.error(f"no such file: {args.isso_sdist}")
    if not CHROMIUM.exists():
        print(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    print(f"machine: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} · nproc {os.cpu_count()} · "
          f"{platform.processor() or platform.machine()} · Python {platform.python_version()}")
    print("\nscript sizes (bytes, raw / gzip -9)")
    for name, raw, packed in script_sizes(args.isso_sdist):
        print(f"  {name:<52} {raw:>8,} / {packed:>7,}")

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "blog").mkdir()
        blog_port = free_port(BLOG_HOST)
        blog = ThreadingHTTPServer((BLOG_HOST, blog_port), partial(_Quiet, directory=str(work / "blog")))
        threading.Thread(target=blog.serve_forever, daemon=True).start()
        blog_origin = f"http://{BLOG_HOST}:{blog_port}"
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "FORUM_DATABASE_URL": f"sqlite:///{work / 'forum.db'}", "FORUM_INSTANCE_DIR": str(work / "instance"),
               "FORUM_BASE_URL": base, "FORUM_EMBED_ORIGINS": blog_origin, "FORUM_RATE_LIMITS": "off",
               "FORUM_NEW_ACCOUNT_HELD_POSTS": "0", "FORUM_FEED_POLL_SECONDS": "0"}
        log = open(work / "server.log", "wb")
        server = subprocess.Popen([sys.executable, "-m", "forum.cli", "serve", "--port", str(port)], cwd=work, env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_healthy(base, server)
            cli(env, work, "user", "create", "bench@example.org", "--name", "bench", stdin="a long timing passphrase\n")
            token = cli(env, work, "token", "create", "bench@example.org").split()[-1]
            page_url = f"{blog_origin}/post.html"
            (work / "blog" / "post.html").write_text(
                "<!doctype html><html lang='en'><head><meta charset='utf-8'><link rel='icon' href='data:,'><title>A post</title></head>"
                "<body><h1>A post</h1><p>" + "The words of the post. " * 200 + "</p>"
                f'<div id="forum-thread" data-url="{page_url}" data-title="Embedded discussion"></div>'
                f'<script src="{base}/static/embed.js" async></script></body></html>'
            )
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                     args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
                # The first view makes the thread; then it gets its comments.
                first = browser.new_context()
                page = first.new_page()
                page.goto(page_url)
                page.wait_for_selector("#forum-thread iframe")
                frame = page.query_selector("#forum-thread iframe").content_frame()
                frame.wait_for_selector("#thread")
                thread_id = int(frame.eval_on_selector("#thread", "e => e.dataset.thread"))
                first.close()
                for n in range(args.comments):
                    post(f"{base}/api/v1/threads/{thread_id}/comments", token, {"body": f"Comment {n + 1}: what our unit learned."})
                after_load: list[float] = []
                after_start: list[float] = []
                for _ in range(args.loads):
                    context = browser.new_context()
                    page = context.new_page()
                    page.goto(page_url, wait_until="load")
                    page.wait_for_selector("#forum-thread iframe")
                    frame = page.query_selector("#forum-thread iframe").content_frame()
                    frame.wait_for_selector("li.comment", state="visible")
                    frame.wait_for_function("() => performance.getEntriesByName('first-contentful-paint').length > 0")
                    painted = frame.evaluate("performance.timeOrigin + performance.getEntriesByName('first-contentful-paint')[0].startTime")
                    shown = frame.evaluate("document.querySelectorAll('li.comment').length")
                    if shown != args.comments:
                        raise SystemExit(f"the frame showed {shown} comments, not {args.comments}")
                    origin, load = page.evaluate(
                        "[performance.timeOrigin, performance.getEntriesByType('navigation')[0].loadEventStart]")
                    after_load.append(painted - (origin + load))
                    after_start.append(painted - origin)
                    context.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(10)
            blog.shutdown()
            log.close()

    def line(label: str, values: list[float]) -> str:
        return (f"  {label:<44} median {statistics.median(values):7.1f} ms   min {min(values):7.1f}   max {max(values):7.1f}"
                f"   ({', '.join(f'{v:.0f}' for v in values)})")

    print(f"\nfirst comment visible in the frame, {args.loads} loads in fresh contexts, {args.comments} comments on the thread")
    print(line("host page load event → frame's first paint", after_load))
    print(line("host page navigation start → frame's first paint", after_start))
    print("  (negative: the frame had painted its comments before the host page's load event,")
    print("   which waits for frames inserted while the page is still loading)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
