"""Where the time of a thread page goes, measured in-process (no server, no load generator).

    .venv/bin/python bench/profile_thread.py [--database-url postgresql://…] [--cprofile]

Seeds the same thread as bench/pages.py (200 comments, nested replies), builds the app with
create_app(settings), then times, one call at a time on one thread:
the whole request through the ASGI app (middleware, routing, worker-thread hop, access log),
the synchronous page handler alone, and the pieces it is made of. With --cprofile it also
prints the functions with the most own (or cumulative) time in the page handler. The JSON comments endpoint
is timed the same way for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import logging
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
if str(HERE.parent) not in sys.path:
    sys.path.insert(1, str(HERE.parent))

import pages  # noqa: E402  (bench/pages.py: seeding and the scratch PostgreSQL database)


def per_call_ms(fn: Callable[[], Any], *, seconds: float = 1.5, repeats: int = 5) -> float:
    """Median over `repeats` batches of the mean time per call, in ms."""
    fn()
    calls = 1
    start = time.perf_counter()
    while time.perf_counter() - start < 0.1:
        fn()
        calls += 1
    batch = max(1, int(calls * seconds / repeats / 0.1))
    results = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(batch):
            fn()
        results.append((time.perf_counter() - start) * 1000 / batch)
    return statistics.median(results)


def asgi_get(app: Any, path: str, loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
    raw_path, _, query = path.partition("?")

    def call() -> None:
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
            "path": raw_path, "raw_path": raw_path.encode(), "query_string": query.encode(), "root_path": "",
            "headers": [(b"host", b"127.0.0.1")], "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80),
        }
        status: list[int] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])

        loop.run_until_complete(app(scope, receive, send))
        if status != [200]:
            raise SystemExit(f"GET {path} answered {status}")

    return call


def main() -> int:
    parser = argparse.ArgumentParser(description="Time the pieces of a thread page in-process.")
    parser.add_argument("--database-url", help="PostgreSQL server to use (scratch database); default SQLite in a temporary folder")
    parser.add_argument("--comments", type=int, default=200)
    parser.add_argument("--cprofile", action="store_true", help="also print a cProfile of the page handler")
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"], help="cProfile order (default tottime)")
    parser.add_argument("--top", type=int, default=20, help="cProfile lines (default 20)")
    args = parser.parse_args()

    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse

    from forum.app import create_app
    from forum.boards import views
    from forum.boards.queries import get_thread_view
    from forum.comments.queries import thread_comments
    from forum.comments.render import render_tree
    from forum.comments.schemas import comment_public
    from forum.settings import load_settings
    from forum.templating import render
    from forum.web import _with_viewer

    workdir = Path(tempfile.mkdtemp(prefix="forum-profile-"))
    try:
        with contextlib.ExitStack() as stack:
            if args.database_url:
                url, version = stack.enter_context(pages.scratch_postgres(args.database_url))
            else:
                url, version = f"sqlite:///{workdir / 'forum.db'}", "SQLite"
            seeded = pages.seed(url, args.comments)
            tid = seeded.thread_id
            settings = load_settings(
                database_url=url, rate_limits=False, instance_dir=workdir / "instance", secret_key=pages.SECRET_KEY
            )
            app = create_app(settings)
            stack.callback(app.state.db.dispose)
            # The access log as served: one INFO line per request, here to a file.
            access = logging.getLogger("forum")
            handler = logging.FileHandler(workdir / "access.log")
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
            access.addHandler(handler)
            access.setLevel(logging.INFO)
            access.propagate = False
            stack.callback(access.removeHandler, handler)

            try:
                import uvloop

                loop = uvloop.new_event_loop()
            except ImportError:
                loop = asyncio.new_event_loop()
            stack.callback(loop.close)
            db, env, cache = app.state.db, app.state.templates, app.state.thread_cache

            def request() -> Request:
                return Request({
                    "type": "http", "method": "GET", "path": f"/t/{tid}", "query_string": b"", "headers": [],
                    "app": app, "path_params": {"thread_id": tid}, "forum.request_id": "0123456789ab", "state": {},
                })

            def handler_only() -> None:
                _with_viewer(views._thread_page.__wrapped__, request(), None)

            def view_query() -> None:
                with db.read() as session:
                    get_thread_view(session, None, tid)

            with db.read() as session:
                view = get_thread_view(session, None, tid)
                comments = thread_comments(session, None, tid, public_only=True)
            tree = render_tree(env, comments)

            def cache_hit() -> None:
                entry = cache.confirm(view.thread.id, view.thread.revision, cache.ticket())
                assert entry.tree is not None and entry.page is not None

            def comments_query() -> None:
                with db.read() as session:
                    thread_comments(session, None, tid, public_only=True)

            def page_template() -> None:
                render(request(), "threads/thread.html", {
                    "view": view, "comments_html": tree, "can_comment": False, "parent": None, "draft": "", "error": None,
                })

            html = env.get_template("threads/thread.html").render(
                request=request(), viewer=None, csrf_token=lambda: "", request_id="", csp_nonce="n", error=None,
                message=None, view=view, comments_html=tree, can_comment=False, parent=None, draft="",
            )

            def json_pieces() -> None:
                with db.read() as session:
                    rows = thread_comments(session, None, tid, limit=args.comments)
                JSONResponse({"comments": [comment_public(c) for c in rows]})

            def json_query_only() -> None:
                with db.read() as session:
                    thread_comments(session, None, tid, limit=args.comments)

            with db.read() as session:
                comment_rows = thread_comments(session, None, tid, limit=args.comments)

            from starlette.concurrency import run_in_threadpool

            import bare_app

            log_line = logging.getLogger("forum.access")

            rows = [
                ("(c) bare Starlette app, in-process", asgi_get(bare_app.app, "/", loop)),
                ("  worker-thread round trip with no work (run_in_threadpool)", lambda: loop.run_until_complete(run_in_threadpool(int))),
                ("  one access-log line (forum.access, to a file)", lambda: log_line.info('%s "%s %s" %d %.1fms id=%s', "127.0.0.1", "GET", "/t/1", 200, 1.0, "0123456789ab")),
                ("(a) whole request, ASGI app in-process (anonymous: cached page)", asgi_get(app, f"/t/{tid}", loop)),
                ("  once a second: page handler confirming the revision (sync)", handler_only),
                ("    thread + board + author query (get_thread_view)", view_query),
                ("    thread cache entry for that revision (hit)", cache_hit),
                ("  a logged-in reader's page: render(), around the cached tree", page_template),
                ("      HTMLResponse(html) alone (encode the page)", lambda: HTMLResponse(html)),
                ("  on a cache miss: comments query (200 rows)", comments_query),
                ("  on a cache miss: render_tree (200 partials)", lambda: render_tree(env, comments)),
                ("(b) whole request, ASGI app in-process (anonymous: cached JSON)", asgi_get(app, f"/api/v1/threads/{tid}/comments?limit={args.comments}", loop)),
                ("  on a cache miss: comments query (rows -> CommentView)", json_query_only),
                ("  on a cache miss: query + comment_public + JSONResponse", json_pieces),
                ("    comment_public x200 + JSONResponse alone", lambda: JSONResponse({"comments": [comment_public(c) for c in comment_rows]})),
            ]
            print(f"{version}; thread of {seeded.comments} comments ({len(html):,} characters of HTML); per call, one at a time:")
            for label, fn in rows:
                print(f"  {label:<66} {per_call_ms(fn):8.3f} ms")

            if args.cprofile:
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(500):
                    handler_only()
                profiler.disable()
                out = io.StringIO()
                stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(args.sort)
                stats.print_stats(args.top)
                print(f"\ncProfile of 500 page-handler calls, by {args.sort}:")
                print(out.getvalue())
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
