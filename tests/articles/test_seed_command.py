"""`forum seed`, run as an editor would run it, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from forum.articles.models import Article
from forum.boards.models import Thread
from tests.conftest import MAYO, MAYO_TITLE

FORUM = [sys.executable, "-m", "forum.cli"]


def forum(args: list[str], database_url: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FORUM_")},
        "FORUM_DATABASE_URL": database_url,
        "FORUM_INSTANCE_DIR": str(tmp_path / "instance"),
        **env,
    }
    return subprocess.run(FORUM + args, capture_output=True, text=True, env=environment, cwd=tmp_path, timeout=120)


def counts(db) -> tuple[int, int]:
    with db.read() as session:
        return session.scalar(select(func.count(Article.id))), session.scalar(select(func.count(Thread.id)))


def test_seeding_the_mayo_article_twice_gives_one_thread(db, database_url, tmp_path: Path):
    first = forum(["seed", str(MAYO)], database_url, tmp_path)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0].startswith("created ") and lines[0].endswith(MAYO_TITLE)
    thread_id = lines[0].split()[1]
    assert lines[-1].startswith("1 created, 0 duplicates, 0 sources failed")

    again = forum(["seed", str(MAYO)], database_url, tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == f"skipped {thread_id} {MAYO_TITLE}"
    assert again.stdout.splitlines()[-1].startswith("0 created, 1 duplicate, 0 sources failed")
    assert counts(db) == (1, 1)


def test_a_dry_run_prints_the_pillar_suggestion_and_changes_nothing(db, database_url, tmp_path: Path):
    result = forum(["seed", "--dry-run", str(MAYO)], database_url, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("would create on ")
    assert "pillars: " in result.stdout
    for slug in ("showcase", "harness", "arm", "rally", "educate"):
        assert f"{slug} 0." in result.stdout or f"{slug} 1." in result.stdout
    assert counts(db) == (0, 0)


def test_bad_sources_each_get_one_clear_line_and_the_good_ones_still_import(db, database_url, tmp_path: Path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "picture.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    (tmp_path / "broken.xml").write_text("<rss><channel><item><title>unclosed", encoding="utf-8")
    (tmp_path / "no-entries.rss").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title><link>https://q.example/</link>'
        "<description>nothing yet</description></channel></rss>",
        encoding="utf-8",
    )
    (tmp_path / "latin1.txt").write_bytes(
        "Café au lait for the night shift\n\nby Zoë Müller\n\nOur ward café opened a séance of "
        "peer education for nurses: short lessons, a curriculum, and coffee.\n".encode("latin-1")
    )
    sources = ["empty.txt", "picture.txt", "broken.xml", "no-entries.rss", "missing.txt", "ftp://example.org/feed", "latin1.txt", str(MAYO)]
    result = forum(["seed", *sources], database_url, tmp_path)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("forum: ")]
    for bad in sources[:6]:
        assert sum(1 for line in errors if line.startswith(f"forum: {bad}: ")) == 1, (bad, result.stderr)
    assert "Traceback" not in result.stderr
    created = [line for line in result.stdout.splitlines() if line.startswith("created ")]
    assert [line.split(" ", 2)[2] for line in created] == ["Café au lait for the night shift", MAYO_TITLE]
    assert "6 sources failed" in result.stdout
    assert counts(db) == (2, 2)


def test_an_unknown_board_is_refused_before_anything_is_read(db, database_url, tmp_path: Path):
    result = forum(["seed", "--board", "gossip", str(MAYO)], database_url, tmp_path)
    assert result.returncode == 1
    assert "gossip" in result.stderr
    assert counts(db) == (0, 0)


def test_seed_and_feeds_explain_themselves(database_url, tmp_path: Path):
    for args in (["seed", "--help"], ["feeds", "--help"], ["feeds", "add", "--help"], ["feeds", "list", "--help"], ["feeds", "poll", "--help"]):
        result = forum(args, database_url, tmp_path)
        assert result.returncode == 0 and "usage: forum" in result.stdout
