"""The shapes every article source produces, before anything is saved.

A source (a text or Markdown file, an HTML page, a feed; read from disk or
fetched) becomes a `Parsed`: the articles found in it as `Draft`s, and the
feed entries that had to be skipped, each with its reason. A source that
cannot be read at all raises `SourceError` with one clear line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class SourceError(Exception):
    """A source could not be imported; `str(exc)` is the reason, in one line,
    without the source's name (the caller prefixes it)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class Draft:
    """An article as read from its source.

    `text` is the article's own words as Markdown: paragraphs separated by one
    blank line, list items as "- item", boilerplate removed, no title and no
    author line. `url` is the best link to the original (canonical link, feed
    entry link, or the fetched URL), absolute, or None for a local file.
    `remote` is True when the text came from the web (a page or a feed): the
    opening post then shows an excerpt with a link, unless a full import is
    asked for.
    """

    title: str
    text: str
    author: str | None = None
    url: str | None = None
    published_at: datetime | None = None
    remote: bool = False


@dataclass(slots=True)
class Skip:
    """A part of a source that was not imported (a feed entry with neither text nor link)."""

    label: str
    reason: str


@dataclass(slots=True)
class Parsed:
    drafts: list[Draft] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    # What the source turned out to be: "text", "markdown", "html" or "feed".
    kind: str = ""
