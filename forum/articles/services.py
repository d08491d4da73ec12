"""Importing articles as threads: one draft at a time, one transaction per source.

Every surface (`forum seed`, `POST /api/v1/articles`, the moderators' import
page, the feed poller) goes through `import_source` or `import_parsed`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from forum.articles.dedupe import fingerprint, normalise_url, sample, shingles
from forum.articles.drafts import Draft, Parsed, Skip, SourceError
from forum.articles.fetch import Fetcher
from forum.articles.models import Article, ArticleShingle
from forum.articles.pillars import PillarScore, listed_boards, suggest
from forum.articles.queries import duplicate_by_text, duplicate_by_url
from forum.articles.sources import read_source
from forum.boards.models import Board
from forum.boards.queries import get_board
from forum.boards.services import create_thread, list_thread_on, synchronize_board
from forum.db import Database
from forum.errors import ForumError
from forum.text import BODY_MAX, TITLE_MAX

Action = Literal["created", "skipped", "would create", "would skip"]

# Remote articles open with an excerpt of about this many words and a link.
EXCERPT_WORDS = 250


@dataclass(slots=True)
class Outcome:
    """What became of one article."""

    action: Action
    title: str
    draft: Draft
    pillars: list[PillarScore]
    board: str | None = None
    listed_on: list[str] = field(default_factory=list)
    thread_id: int | None = None
    reason: str | None = None  # why it was skipped
    opening: str = ""  # the opening post's Markdown


@dataclass(slots=True)
class SourceReport:
    source: str
    kind: str = ""
    outcomes: list[Outcome] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    error: str | None = None

    @property
    def created(self) -> int:
        return sum(1 for o in self.outcomes if o.action in {"created", "would create"})


def import_source(
    db: Database,
    source: str,
    *,
    fetcher: Fetcher,
    board: str | None = None,
    full: bool = False,
    dry_run: bool = False,
) -> SourceReport:
    """Read one source (a file path or an http(s) URL) and import what it holds.

    Never raises for a bad source: the report's `error` says what went wrong,
    and nothing of that source is kept.
    """
    report = SourceReport(source=source)
    try:
        parsed = read_source(source, fetcher=fetcher)
    except SourceError as exc:
        report.error = exc.reason
        return report
    return import_parsed(db, parsed, report=report, board=board, full=full, dry_run=dry_run)


def import_parsed(
    db: Database,
    parsed: Parsed,
    *,
    report: SourceReport,
    board: str | None = None,
    full: bool = False,
    dry_run: bool = False,
) -> SourceReport:
    report.kind = parsed.kind
    report.skipped = list(parsed.skipped)
    # Two importers racing on one article meet at the unique canonical URL; the
    # loser's whole source rolls back and runs again, now finding the winner's
    # article and skipping it.
    for attempt in range(2):
        try:
            with db.rehearse() if dry_run else db.write() as session:
                boards = Boards(session)
                report.outcomes = [
                    import_draft(session, draft, board=board, full=full, dry_run=dry_run, boards=boards)
                    for draft in parsed.drafts
                ]
                boards.synchronize()
            return report
        except IntegrityError:
            if attempt == 1:
                report.error = "another import of the same article was running; try again"
        except ForumError as exc:
            report.error = exc.message
            break
    report.outcomes = []
    return report


class Boards:
    """The boards a batch import uses, loaded once, and the ones it touched:
    their counters are recomputed once at the end instead of per thread."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._loaded: dict[str, Board] = {}
        self.touched: set[int] = set()

    def get(self, slug: str) -> Board:
        if slug not in self._loaded:
            self._loaded[slug] = get_board(self.session, slug)
        return self._loaded[slug]

    def synchronize(self) -> None:
        for board_id in sorted(self.touched):
            synchronize_board(self.session, board_id=board_id)


def import_draft(
    session: Session,
    draft: Draft,
    *,
    board: str | None = None,
    full: bool = False,
    dry_run: bool = False,
    boards: Boards | None = None,
) -> Outcome:
    """Create the article and its thread, or report the thread it duplicates.

    Pass `boards` to batch several drafts; its `synchronize()` must then run
    before the commit. Without it, counters are kept right at once."""
    batch = boards is not None
    boards = boards or Boards(session)
    # The URL first: a re-import of a feed costs one lookup per entry.
    text_hashes: set[int] = set()
    duplicate = duplicate_by_url(session, draft.url)
    if duplicate is None:
        text_hashes = shingles(draft.text)
        duplicate = duplicate_by_text(session, draft.text, text_hashes)
    if duplicate is not None:
        return Outcome(
            action="would skip" if dry_run else "skipped",
            title=duplicate.article.title,
            draft=draft,
            pillars=[],
            thread_id=duplicate.thread_id,
            reason=duplicate.reason,
        )
    pillars = suggest(draft.title, draft.text)
    opening = opening_post(draft, full=full)
    home = board or pillars[0].slug
    home_board = boards.get(home)  # an unknown --board fails the whole source, clearly
    listed = listed_boards(pillars, home)

    article = Article(
        canonical_url=normalise_url(draft.url) if draft.url else None,
        fingerprint=fingerprint(draft.text, text_hashes),
        title=draft.title[:TITLE_MAX],
        author_name=draft.author[:200] if draft.author else None,
        # A link longer than the column is no use as a link; the URL check above still saw it.
        source_url=draft.url if draft.url and len(draft.url) <= 2048 else None,
        text=draft.text,
        published_at=draft.published_at,
    )
    session.add(article)
    session.flush()
    sampled = sorted(sample(text_hashes))
    if sampled:
        _insert_shingles(session, article.id, sampled)  # type: ignore[arg-type]
    thread = create_thread(
        session,
        author=None,
        board_slug=home,
        title=draft.title,
        body=opening,
        article_id=article.id,
        system=True,
        board=home_board,
        synchronize=not batch,
    )
    boards.touched.add(home_board.id)  # type: ignore[arg-type]
    for slug in listed:
        listed_board = boards.get(slug)
        list_thread_on(session, thread=thread, board=listed_board, synchronize=not batch, new_thread=True)
        boards.touched.add(listed_board.id)  # type: ignore[arg-type]
    return Outcome(
        action="would create" if dry_run else "created",
        title=thread.title,
        draft=draft,
        pillars=pillars,
        board=home,
        listed_on=listed,
        thread_id=None if dry_run else thread.id,
        opening=opening,
    )


def _insert_shingles(session: Session, article_id: int, hashes: list[int]) -> None:
    """The article's sampled shingle hashes, as plain rows.

    An ORM object per hash costs more than the rest of the import. On
    PostgreSQL an executemany is still a statement per row, so the hashes go
    as one array parameter; SQLite runs an executemany in-process, cheaply.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("INSERT INTO article_shingle (article_id, hash) SELECT :article_id, unnest(CAST(:hashes AS bigint[]))"),
            {"article_id": article_id, "hashes": hashes},
        )
    else:
        session.execute(insert(ArticleShingle), [{"article_id": article_id, "hash": h} for h in hashes])


# The opening post ----------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def _escape(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _link_target(url: str) -> str:
    # Angle brackets let a URL hold parentheses and spaces safely.
    return "<" + url.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20") + ">"


def attribution(draft: Draft) -> str:
    parts = []
    if draft.author:
        parts.append(f"By {_escape(draft.author)}")
    if draft.url:
        parts.append(f"[{_escape(_site_of(draft.url))}]({_link_target(draft.url)})")
    if draft.published_at:
        parts.append(draft.published_at.strftime("%-d %B %Y"))
    return "*" + " · ".join(parts) + "*" if parts else ""


def _site_of(url: str) -> str:
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


def excerpt(text: str, words: int = EXCERPT_WORDS) -> tuple[str, bool]:
    """The first paragraphs of `text` up to about `words` words; and whether it was cut."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    kept: list[str] = []
    count = 0
    for paragraph in paragraphs:
        n = len(paragraph.split())
        if count + n <= words or not kept:
            if count + n > words:
                # One long first paragraph: cut it at a word.
                paragraph = " ".join(paragraph.split()[:words]) + " …"
                kept.append(paragraph)
                return "\n\n".join(kept), True
            kept.append(paragraph)
            count += n
        else:
            return "\n\n".join(kept) + "\n\n…", True
    return "\n\n".join(kept), False


def opening_post(draft: Draft, *, full: bool = False) -> str:
    """Attribution, then the text: whole for a local file with no URL (or with
    `full`), an excerpt and a "read the original" link for a remote article."""
    head = attribution(draft)
    link = f"[Read the original]({_link_target(draft.url)})" if draft.url else ""
    text = draft.text
    if draft.remote and draft.url and not full:
        text, _ = excerpt(text)
    pieces = [p for p in (head, text, link) if p]
    body = "\n\n".join(pieces)
    if len(body) > BODY_MAX:
        # Longer than a post may be: keep what fits, and point to the rest.
        room = BODY_MAX - len(head) - len(link) - 16
        text = text[:room].rsplit(" ", 1)[0] + " …"
        body = "\n\n".join(p for p in (head, text, link) if p)
    return body
