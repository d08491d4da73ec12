"""`forum seed` and `forum feeds`: importing articles from the command line."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from typing import TYPE_CHECKING, TextIO

from forum.settings import Settings

if TYPE_CHECKING:  # the importer (trafilatura and the rest) loads only for `forum seed`
    from forum.articles.services import Outcome, SourceReport


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    seed = commands.add_parser(
        "seed",
        help="import articles as threads",
        description="Import articles as threads. SOURCE is a file (.txt, .md, .html, .xml/.rss/.atom) or an "
        "http(s) URL (a page or a feed). Prints `created <thread-id> <title>` or `skipped <thread-id> <title>` "
        "per article, then a summary. Exit status 1 when any source failed (each failure on stderr); a failed "
        "source leaves nothing behind.",
    )
    seed.add_argument("sources", nargs="+", metavar="SOURCE")
    seed.add_argument("--board", help="put every thread on this board (default: the article's top pillar)")
    seed.add_argument("--dry-run", action="store_true", help="show what would be created, and the pillar suggestion; change nothing")
    seed.add_argument("--full", action="store_true", help="open remote articles with their full text, not an excerpt")

    feeds = commands.add_parser("feeds", help="feeds polled for new articles", description="Feeds polled for new articles.")
    actions = feeds.add_subparsers(dest="feeds_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="poll a feed", description="Add a feed to poll (forum serve polls it on an interval).")
    add.add_argument("url")
    add.add_argument("--board", help="put its articles on this board (default: each article's top pillar)")
    actions.add_parser("list", help="list feeds", description="List feeds: last poll, last error, entries imported.")
    actions.add_parser("poll", help="poll every feed once now", description="Poll every feed once, now.")


def _progress(out: TextIO, done: int, total: int, label: str) -> None:
    width = 24
    filled = width * done // max(total, 1)
    out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label[:40]:<40}")
    if done == total:
        out.write("\r" + " " * (width + 50) + "\r")
    out.flush()


def _outcome_line(outcome: Outcome) -> str:
    if outcome.action in {"created", "skipped"}:
        return f"{outcome.action} {outcome.thread_id} {outcome.title}"
    if outcome.action == "would skip":
        return f"would skip (duplicate of thread {outcome.thread_id}, {outcome.reason}) {outcome.title}"
    pillars = ", ".join(f"{p.slug} {p.score:.2f}" for p in outcome.pillars)
    listed = f"; also listed on {', '.join(outcome.listed_on)}" if outcome.listed_on else ""
    return f"would create on {outcome.board} {outcome.title}\n  pillars: {pillars}{listed}"


def cmd_seed(args: argparse.Namespace, settings: Settings) -> int:
    from forum.articles.fetch import HttpFetcher
    from forum.articles.services import import_source
    from forum.boards.queries import get_board
    from forum.db import Database
    from forum.migrations import upgrade

    upgrade(settings.database_url)
    db = Database(settings.database_url)
    reports: list[SourceReport] = []
    terminal = sys.stderr.isatty()
    try:
        if args.board is not None:
            with db.read() as session:
                get_board(session, args.board)  # an unknown board fails before anything is read
        with HttpFetcher(allow_private=settings.fetch_allow_private) as fetcher:
            for index, source in enumerate(args.sources):
                if terminal:
                    _progress(sys.stderr, index, len(args.sources), source)
                report = import_source(db, source, fetcher=fetcher, board=args.board, full=args.full, dry_run=args.dry_run)
                reports.append(report)
                if terminal:
                    _progress(sys.stderr, index + 1, len(args.sources), source)
                for skip in report.skipped:
                    print(f"forum: {source}: {skip.label}: {skip.reason} (skipped)", file=sys.stderr)
                if report.error is not None:
                    print(f"forum: {source}: {report.error}", file=sys.stderr)
                for outcome in report.outcomes:
                    print(_outcome_line(outcome), flush=True)
    finally:
        db.dispose()
    failed = sum(1 for r in reports if r.error is not None)
    outcomes = [o for r in reports for o in r.outcomes]
    created = sum(1 for o in outcomes if o.action in {"created", "would create"})
    duplicates = len(outcomes) - created
    entries_skipped = sum(len(r.skipped) for r in reports)
    verb = "would be created" if args.dry_run else "created"
    summary = f"{created} {verb}, {duplicates} duplicate{'s' if duplicates != 1 else ''}, {failed} source{'s' if failed != 1 else ''} failed"
    if entries_skipped:
        summary += f", {entries_skipped} feed entr{'ies' if entries_skipped != 1 else 'y'} skipped"
    print(summary)
    return 1 if failed else 0


def cmd_feeds(args: argparse.Namespace, settings: Settings) -> int:
    from forum.articles.feeds import add_feed, poll_due
    from forum.articles.fetch import HttpFetcher
    from forum.articles.queries import list_feeds
    from forum.db import Database
    from forum.migrations import upgrade

    upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        if args.feeds_command == "add":
            with db.write() as session:
                feed = add_feed(session, url=args.url, board=args.board)
            print(f"added feed {feed.id} {feed.url}" + (f" (board {feed.board_slug})" if feed.board_slug else ""))
            return 0
        if args.feeds_command == "list":
            with db.read() as session:
                feeds = list_feeds(session)
            if not feeds:
                print("no feeds (add one with: forum feeds add URL)")
            for feed in feeds:
                polled = feed.last_polled_at.strftime("%Y-%m-%d %H:%M UTC") if feed.last_polled_at else "never polled"
                error = f" · last error: {feed.last_error}" if feed.last_error else ""
                board = f" · board {feed.board_slug}" if feed.board_slug else ""
                print(f"{feed.id} {feed.url}{board} · {polled} · {feed.entries_imported} imported{error}")
            return 0
        with db.read() as session:
            ids = [feed.id for feed in list_feeds(session)]
        with HttpFetcher(allow_private=settings.fetch_allow_private) as fetcher:
            results = poll_due(db, fetcher=fetcher, interval=timedelta(0), feed_ids=ids)  # type: ignore[arg-type]
        failed = 0
        for result in results:
            if result.status == "failed":
                failed += 1
                print(f"forum: {result.feed.url}: {result.error}", file=sys.stderr)
            elif result.status == "unchanged":
                print(f"unchanged {result.feed.url}")
            else:
                print(f"polled {result.feed.url}: {result.created} created, {result.skipped} skipped")
        return 1 if failed else 0
    finally:
        db.dispose()
