"""Feeds (RSS 0.9x, 1.0/RDF, 2.0 or Atom) into drafts: `parse_feed`, one
draft per entry, with the entry's HTML reduced to paragraphs and list items.
"""

from __future__ import annotations

import io
import re
import xml.sax
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import nh3

from forum.articles.cleaning import clean_lines, plain_title, take_author, title_from_text
from forum.articles.drafts import Draft, Parsed, Skip, SourceError


# -- feeds -----------------------------------------------------------------


def parse_feed(data: bytes, *, url: str | None = None) -> Parsed:
    """One draft per entry of an RSS or Atom feed; an entry with neither text
    nor link is skipped with its reason."""
    try:
        result = feedparser.parse(
            io.BytesIO(data),
            # The media type is fixed so that the XML declaration (or UTF-8)
            # decides the encoding; the location is the base for relative links.
            response_headers={"content-type": "application/xml", "content-location": url or ""},
            # The HTML is reduced to text below, script and all, so feedparser's
            # own sanitising and link rewriting would be wasted work.
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except (UnicodeError, LookupError) as exc:  # a garbled encoding declaration
        raise SourceError("malformed XML: the encoding declaration cannot be read") from exc
    except ValueError as exc:  # feedparser trips over some broken namespaced names
        raise SourceError("malformed XML: the feed parser could not read it") from exc
    problem = result.get("bozo_exception")
    broken = bool(result.bozo) and not isinstance(problem, feedparser.CharacterEncodingOverride)
    if not result.entries and not broken:
        raise SourceError("the feed has no entries" if result.version else "not an RSS or Atom feed")
    base = url or result.feed.get("link")
    parsed = Parsed(kind="feed")
    for number, entry in enumerate(result.entries, start=1):
        draft = _entry_draft(entry, base=base, fetched=url is not None)
        if draft is None:
            title = _detail_text(entry.get("title_detail"))
            label = f"entry {number} “{title}”" if title else f"entry {number}"
            parsed.skipped.append(Skip(label=label, reason="no text and no link"))
        else:
            parsed.drafts.append(draft)
    # feedparser recovers what it can from broken XML; when that is nothing
    # worth importing, the XML error is the reason to give.
    if broken and not parsed.drafts:
        raise SourceError(f"malformed XML: {_describe(problem)}")
    return parsed


def _entry_draft(entry: Any, *, base: str | None, fetched: bool) -> Draft | None:
    title = plain_title(_detail_text(entry.get("title_detail")))
    link = _absolute(entry.get("link"), base)
    contents = [c for c in entry.get("content", []) if c.get("value", "").strip()]
    source = max(contents, key=lambda c: len(c["value"])) if contents else entry.get("summary_detail")
    byline, lines = take_author(_detail_text(source, keep_blocks=True).split("\n"))
    text = clean_lines(lines, seen=[title])
    if not text and not link:
        return None
    author = (entry.get("author_detail") or {}).get("name") or entry.get("author")
    if author and "@" in author:
        author = None  # an address alone is not a name
    moment = entry.get("published_parsed") or entry.get("updated_parsed") or entry.get("created_parsed")
    return Draft(
        title=title or (title_from_text(text) if text else link or ""),
        text=text,
        author=plain_title(author or "") or byline,
        url=link,
        published_at=datetime(*moment[:6], tzinfo=UTC) if moment else None,
        remote=fetched or link is not None,
    )


def _absolute(link: str | None, base: str | None) -> str | None:
    """The entry's link made absolute (feedparser has applied xml:base and the
    feed's own address already), or None when it cannot be an http(s) URL."""
    if not link:
        return None
    try:
        # Splitting drops the tabs and newlines a wrapped link picks up.
        parts = urlsplit(urljoin(base or "", link.strip()))
    except ValueError:  # "http://[broken"
        return None
    return parts.geturl() if parts.scheme in ("http", "https") and parts.netloc else None


def _detail_text(detail: Any, *, keep_blocks: bool = False) -> str:
    """The text of a feedparser title/summary/content detail; HTML is reduced
    to paragraphs and list items, never markup."""
    if not detail or not detail.get("value"):
        return ""
    value = detail["value"]
    # Feeds mislabel HTML as plain text, and escape it twice, often enough
    # that whatever still holds a tag is read as HTML again.
    if "html" in (detail.get("type") or ""):
        value = _html_fragment_text(value)
    for _ in range(2):
        if _TAG.search(value):
            value = _html_fragment_text(value)
    return value if keep_blocks else " ".join(value.split())


_FRAGMENT_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption", "figure",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "ol", "p", "pre",
    "section", "table", "tr", "ul",
})
_FRAGMENT_TAGS = _FRAGMENT_BLOCKS | {"br", "td", "th"}
_TAG = re.compile(r"</?[a-zA-Z][^>]*>|<!--")
_FRAGMENT_HIDDEN = {"script", "style", "noscript", "template", "iframe", "object", "svg", "math", "title", "textarea"}


def _html_fragment_text(html: str) -> str:
    # nh3 (a real HTML parser) keeps only structural tags and removes scripts
    # and styles with their content; the walk below turns structure into text.
    sanitised = nh3.clean(html, tags=_FRAGMENT_TAGS, clean_content_tags=_FRAGMENT_HIDDEN, attributes={}, link_rel=None)
    walker = _FragmentText()
    walker.feed(sanitised)
    walker.close()
    return walker.text()


class _FragmentText(HTMLParser):
    """Block elements become paragraphs separated by a blank line, list items
    "- item" (or "n. item"), headings "## heading"; inline markup is gone."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.words: list[str] = []
        self.prefix = ""
        self.lists: list[int | None] = []  # per open list: the next number, or None for bullets

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.words.append("\n")
        elif tag in ("td", "th"):
            self.words.append(" ")
        elif tag in _FRAGMENT_BLOCKS:
            self._flush()
            if tag in ("ul", "ol"):
                self.lists.append(1 if tag == "ol" else None)
            elif tag == "li":
                number = self.lists[-1] if self.lists else None
                self.prefix = "- " if number is None else f"{number}. "
                if number is not None:
                    self.lists[-1] = number + 1
            elif tag[0] == "h" and tag[1:].isdigit():
                self.prefix = "## "

    def handle_endtag(self, tag: str) -> None:
        if tag in _FRAGMENT_BLOCKS:
            self._flush()
            self.prefix = ""
            if tag in ("ul", "ol") and self.lists:
                self.lists.pop()

    def handle_data(self, data: str) -> None:
        # Newlines in the source are spaces, as in a browser; only <br> breaks a line.
        self.words.append(data.replace("\n", " "))

    def _flush(self) -> None:
        text = "\n".join(" ".join(line.split()) for line in "".join(self.words).split("\n")).strip()
        self.words.clear()
        if text:
            self.blocks.append(self.prefix + text)
            self.prefix = ""

    def text(self) -> str:
        self._flush()
        return "\n\n".join(self.blocks)


def _describe(problem: object) -> str:
    if isinstance(problem, xml.sax.SAXParseException):
        return f"{problem.getMessage()} (line {problem.getLineNumber()}, column {problem.getColumnNumber()})"
    return " ".join(str(problem).split()) or "not a feed"
