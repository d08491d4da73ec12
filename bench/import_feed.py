"""Importing a generated 1,000-entry feed, then importing it again.

    .venv/bin/python bench/import_feed.py                     # SQLite in a temporary folder
    .venv/bin/python bench/import_feed.py --database-url postgresql://postgres@127.0.0.1:5432/test

Writes an RSS 2.0 feed of N distinct posts (150-400 words each, with links, authors and dates)
to a temporary folder, then, for each round on a fresh migrated database, times:

  import    `forum seed feed.xml` as the command runs it (import_source: parse, dedupe,
            pillar suggestion, article + thread + listings, one transaction), in-process
  re-import the same file again: every entry must be skipped by its URL

and reports per round and as medians: seconds, entries/second, and memory: each round runs
in a fresh Python process, which reports its peak resident set size (ru_maxrss) after the
import and its growth over the size just before it. Each round checks that the first
import created N threads and the second created none.
Target: N = 1,000 imported in under 10 seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import platform
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
if str(HERE.parent) not in sys.path:
    sys.path.insert(1, str(HERE.parent))

import pages  # noqa: E402  (bench/pages.py: the scratch PostgreSQL database)

TARGET_SECONDS = 10.0

TOPIC_WORDS = (
    "patients clinicians nurses hospital clinic community toolkit policy template checklist budget staffing "
    "webinar curriculum course lesson training tweetchat event campaign convene leaders influence association "
    "metrics results engagement case study outcomes programme social media health care education resources"
).split()


def generated_words(rng: random.Random, n: int) -> list[str]:
    syllables = ["ka", "lo", "mi", "ne", "ra", "tu", "vi", "so", "pe", "da", "gri", "mon", "tal", "ver", "shi"]
    vocabulary = ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(3000)]
    return [rng.choice(TOPIC_WORDS) if rng.random() < 0.15 else rng.choice(vocabulary) for _ in range(n)]


def write_feed(path: Path, entries: int) -> None:
    rng = random.Random(20261125)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    items = []
    for i in range(entries):
        words = generated_words(rng, rng.randint(150, 400))
        paragraphs = [" ".join(words[j : j + 60]).capitalize() + "." for j in range(0, len(words), 60)]
        body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        title = " ".join(words[:6]).capitalize() + f" ({i + 1})"
        items.append(
            f"<item><title>{escape(title)}</title><link>https://blog.example/{2026}/{i + 1:04d}/post-{i + 1}/</link>"
            f"<author>writer{i % 17}@blog.example (Writer {i % 17})</author>"
            f"<pubDate>{format_datetime(start + timedelta(hours=i))}</pubDate>"
            f"<description><![CDATA[{body}]]></description></item>"
        )
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Generated</title>'
        "<link>https://blog.example/</link><description>A generated feed</description>"
        + "".join(items)
        + "</channel></rss>",
        encoding="utf-8",
    )


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def one_round(database_url: str, feed: Path, entries: int) -> dict[str, float]:
    from forum.articles.fetch import StaticFetcher
    from forum.articles.services import import_source
    from forum.db import Database
    from forum.migrations import upgrade

    upgrade(database_url)
    db = Database(database_url)
    try:
        before = peak_rss_mib()
        started = time.perf_counter()
        first = import_source(db, str(feed), fetcher=StaticFetcher({}))
        import_seconds = time.perf_counter() - started
        growth = peak_rss_mib() - before
        if first.error or sum(1 for o in first.outcomes if o.action == "created") != entries:
            raise SystemExit(f"bench: the import did not create {entries} threads: {first.error or len(first.outcomes)}")
        started = time.perf_counter()
        second = import_source(db, str(feed), fetcher=StaticFetcher({}))
        reimport_seconds = time.perf_counter() - started
        if second.error or any(o.action != "skipped" or o.reason != "same URL" for o in second.outcomes):
            raise SystemExit("bench: the re-import did not skip every entry by its URL")
    finally:
        db.dispose()
    return {"import": import_seconds, "reimport": reimport_seconds, "rss": growth, "peak": peak_rss_mib()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL server to use (a scratch database per round); default SQLite")
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("DATABASE_URL", "FEED"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_round(args.child[0], Path(args.child[1]), args.entries)))
        return 0
    if args.entries < 1 or args.rounds < 1:
        parser.error("--entries and --rounds must be at least 1")

    workdir = Path(tempfile.mkdtemp(prefix="forum-import-bench-"))
    try:
        feed = workdir / "feed.xml"
        write_feed(feed, args.entries)
        database = "PostgreSQL" if args.database_url else f"SQLite {sqlite3.sqlite_version}"
        print(f"bench: {args.entries}-entry feed ({feed.stat().st_size / 1024:,.0f} KiB), {args.rounds} rounds, {database}", flush=True)
        results = []
        for r in range(args.rounds):
            with contextlib.ExitStack() as stack:
                if args.database_url:
                    url, database = stack.enter_context(pages.scratch_postgres(args.database_url))
                else:
                    url = f"sqlite:///{workdir / f'round{r}.db'}"
                child = subprocess.run(
                    [sys.executable, __file__, "--entries", str(args.entries), "--child", url, str(feed)],
                    capture_output=True, text=True, env={k: v for k, v in os.environ.items() if not k.startswith("FORUM_")},
                )
                if child.returncode != 0:
                    raise SystemExit(f"bench: round {r + 1} failed:\n{child.stdout}{child.stderr}")
                result = json.loads(child.stdout.strip().splitlines()[-1])
            results.append(result)
            print(
                f"  round {r + 1}: import {result['import']:.2f} s ({args.entries / result['import']:,.0f} entries/s), "
                f"re-import {result['reimport']:.2f} s, peak RSS {result['peak']:.0f} MiB (+{result['rss']:.0f} MiB during the import)",
                flush=True,
            )
        median_import = statistics.median(r["import"] for r in results)
        median_reimport = statistics.median(r["reimport"] for r in results)
        print()
        print(f"machine: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z} · {platform.processor() or platform.machine()} · "
              f"Python {platform.python_version()} · {database}")
        print(f"import:    median {median_import:.2f} s, {args.entries / median_import:,.0f} entries/s")
        print(f"re-import: median {median_reimport:.2f} s ({median_reimport / median_import:.1%} of the import), every entry skipped by URL")
        print(f"memory:    median peak RSS {statistics.median(r['peak'] for r in results):.0f} MiB, "
              f"median growth during the import {statistics.median(r['rss'] for r in results):.0f} MiB")
        verdict = "met" if median_import < TARGET_SECONDS else "NOT met"
        print(f"target: {args.entries} entries in under {TARGET_SECONDS:.0f} s: {verdict}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
