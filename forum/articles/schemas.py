"""API shapes for article imports."""

from __future__ import annotations

from typing import Any

from pydantic import model_validator
from sqlmodel import Field, SQLModel

from forum.articles.services import Outcome, SourceReport
from forum.boards.schemas import ThreadPublic


class ArticleImport(SQLModel):
    """Either `url` (a page or a feed) or `text` (with an optional `title`)."""

    url: str | None = Field(default=None, max_length=2048)
    text: str | None = Field(default=None, max_length=200_000)
    title: str | None = Field(default=None, max_length=200)
    board: str | None = Field(default=None, max_length=40)
    dry_run: bool = False
    full: bool = False

    @model_validator(mode="after")
    def _one_source(self) -> ArticleImport:
        if (self.url is None) == (self.text is None):
            raise ValueError("send either url or text")
        return self


class PillarPublic(SQLModel):
    slug: str
    name: str
    score: float
    matched: list[str]


class ImportResultPublic(SQLModel):
    status: str  # created | skipped | would create | would skip
    thread_id: int | None
    title: str
    board: str | None
    listed_on: list[str]
    reason: str | None
    url: str | None
    pillars: list[PillarPublic]


class SkippedEntryPublic(SQLModel):
    entry: str
    reason: str


class ArticleImportResult(SQLModel):
    source: str
    kind: str
    results: list[ImportResultPublic]
    skipped: list[SkippedEntryPublic]
    threads: list[ThreadPublic]


def outcome_public(outcome: Outcome) -> dict[str, Any]:
    return {
        "status": outcome.action,
        "thread_id": outcome.thread_id,
        "title": outcome.title,
        "board": outcome.board,
        "listed_on": outcome.listed_on,
        "reason": outcome.reason,
        "url": f"/t/{outcome.thread_id}" if outcome.thread_id else None,
        "pillars": [{"slug": p.slug, "name": p.name, "score": p.score, "matched": list(p.matched)} for p in outcome.pillars],
    }


def report_public(report: SourceReport) -> dict[str, Any]:
    return {
        "source": report.source,
        "kind": report.kind,
        "results": [outcome_public(o) for o in report.outcomes],
        "skipped": [{"entry": s.label, "reason": s.reason} for s in report.skipped],
    }
