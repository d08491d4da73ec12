"""Turning the bytes of an article source into drafts.

A source is a plain-text or Markdown file, an HTML page or a feed (RSS 0.9x,
1.0/RDF, 2.0 or Atom), read from disk or fetched. `parse_source` works out
which and hands it to `parse_text`, `parse_html` or `parse_feed`. All three
run the article's words through `clean_article_text`, which drops blog
furniture and keeps one copy of text that a scrape repeats.

Pages go through trafilatura and feeds through feedparser; nothing here
fetches anything or touches the database. `parse_feed` lives in
`feed_entries` and `clean_article_text` in `cleaning`; both are
re-exported here.
"""

from __future__ import annotations

import codecs
import re
from pathlib import PurePosixPath

import charset_normalizer
import trafilatura

from forum.articles.cleaning import (
    clean_article_text,
    clean_lines,
    parse_date,
    plain_title,
    take_author,
    take_title,
    title_from_text,
)
from forum.articles.drafts import Draft, Parsed, SourceError
from forum.articles.feed_entries import parse_feed
from forum.text import strip_controls

__all__ = ["clean_article_text", "decode", "parse_feed", "parse_html", "parse_source", "parse_text"]

_FRONT_MATTER = re.compile(r"---\n(?P<fields>.*?)\n(?:---|\.\.\.)(?:\n|$)", re.DOTALL)
# htmldate gives the time and zone when the page has them; a date alone
# reads as midnight UTC.
_DATE_PARAMS = {"original_date": True, "extensive_search": True, "outputformat": "%Y-%m-%dT%H:%M:%S%z"}


# -- bytes to text ---------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_NOT_TEXT = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")


def decode(data: bytes, declared: str | None = None) -> str:
    """The text of `data`: by its byte order mark, else the declared charset
    if it fits, else UTF-8, else a detected encoding. Raises SourceError
    ("empty", "binary file, not text")."""
    if not data.strip():
        raise SourceError("empty")
    text = _decode(data, declared)
    sample = text[:65536] if text is not None else ""
    if text is None or len(_NOT_TEXT.findall(sample)) > len(sample) * 0.02:
        raise SourceError("binary file, not text")
    if not text.strip():
        raise SourceError("empty")
    return text


def _decode(data: bytes, declared: str | None) -> str | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                break
    # Text in any encoding without a BOM has no NUL bytes; images and archives do.
    if b"\x00" in data:
        return None
    for codec in (_whatwg_label(declared), "utf-8"):
        if codec:
            try:
                return data.decode(codec)
            except (LookupError, UnicodeDecodeError):
                pass
    best = charset_normalizer.from_bytes(data).best()
    return str(best) if best is not None else None


def _whatwg_label(declared: str | None) -> str | None:
    """As browsers do, a page or feed labelled Latin-1 is read as Windows-1252,
    its superset: the labels are mixed up so often that curly quotes would
    otherwise turn into control characters."""
    try:
        latin1 = declared is not None and codecs.lookup(declared).name == "iso8859-1"
    except LookupError:
        return None
    return "cp1252" if latin1 else declared


# -- what a source is ------------------------------------------------------

_EXTENSIONS = {
    ".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html",
    ".htm": "html", ".xhtml": "html", ".xml": "feed", ".rss": "feed", ".atom": "feed", ".rdf": "feed",
}
_MEDIA_TYPES = {
    "text/plain": "text", "text/markdown": "markdown", "text/x-markdown": "markdown",
    "text/html": "html", "application/xhtml+xml": "html", "application/rss+xml": "feed",
    "application/atom+xml": "feed", "application/rdf+xml": "feed", "application/xml": "feed",
    "text/xml": "feed",
}
_PROLOGUE = re.compile(r"(?:<\?.*?\?>|<!--.*?-->|<!(?!doctype\s+html)[^>]*>|\s)*", re.DOTALL | re.IGNORECASE)
_ROOT = re.compile(r"<(?:!doctype\s+(html)|([a-z][\w.-]*:)?([a-z][\w.-]*))", re.IGNORECASE)
# An encoding named inside the document: an XML declaration or a meta tag.
_INNER_CHARSET = re.compile(
    rb"""<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)|<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE
)


def parse_source(data: bytes, *, name: str, content_type: str | None = None, url: str | None = None) -> Parsed:
    """The drafts in a file or fetched resource. `name` is its file name (or
    the URL's path), `content_type` the HTTP header if fetched, `url` where it
    was fetched from. Raises SourceError with the reason it cannot be read."""
    media_type, charset = _media_type(content_type)
    text = decode(data, charset or _inner_charset(data))
    kind = _kind(text, name=name, media_type=media_type)
    if kind == "feed":
        return parse_feed(data, url=url)
    if kind == "html":
        return Parsed(drafts=[parse_html(text, url=url)], kind=kind)
    return Parsed(drafts=[parse_text(text, markdown=kind == "markdown", url=url)], kind=kind)


def _inner_charset(data: bytes) -> str | None:
    """The encoding the document names, counted only when the bytes are not
    valid UTF-8: pages moved between servers often keep a stale one."""
    named = _INNER_CHARSET.search(data[:4096])
    if named is None:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return (named.group(1) or named.group(2)).decode("ascii")
    return None


def _media_type(content_type: str | None) -> tuple[str, str | None]:
    media_type, *params = (content_type or "").split(";")
    charset = None
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return media_type.strip().lower(), charset


def _kind(text: str, *, name: str, media_type: str) -> str:
    """The content decides when it opens with a feed or page root element;
    otherwise the file name's extension, then the media type."""
    head = text[:4096].lstrip("\ufeff")
    prologue = _PROLOGUE.match(head)
    root = _ROOT.match(head, prologue.end() if prologue else 0)
    if root:
        doctype_html, _, element = root.groups()
        element = (element or "").lower()
        if doctype_html or element in ("html", "head", "body"):
            return "html"
        if element in ("rss", "feed", "rdf") or head.startswith("<?xml"):
            return "feed"
    extension = PurePosixPath(name.split("?", 1)[0].split("#", 1)[0]).suffix.lower()
    return _EXTENSIONS.get(extension) or _MEDIA_TYPES.get(media_type) or "text"


# -- text and Markdown -----------------------------------------------------


def parse_text(text: str, *, markdown: bool = False, url: str | None = None) -> Draft:
    """A text or Markdown article: the title is the first heading or line, the
    author a "by NAME" line; Markdown front matter (title, author, date) wins."""
    text = strip_controls(text).lstrip("\ufeff")
    fields: dict[str, str] = {}
    if markdown and (front := _FRONT_MATTER.match(text)):
        fields = _front_matter_fields(front.group("fields"))
        text = text[front.end():]
    lines = text.split("\n")
    title = plain_title(fields.get("title", ""))
    if not title:
        title, lines = take_title(lines)
    author, lines = take_author(lines)
    body = clean_lines(lines, seen=[title])
    if not body:
        raise SourceError("no article text")
    return Draft(
        title=title or title_from_text(body),
        text=body,
        author=fields.get("author") or author,
        url=url,
        published_at=parse_date(fields.get("date")),
        remote=url is not None,
    )


def _front_matter_fields(block: str) -> dict[str, str]:
    fields = {}
    for line in block.split("\n"):
        key, colon, value = line.partition(":")
        if colon and key.strip().lower() in ("title", "author", "date"):
            fields[key.strip().lower()] = value.strip().strip("\"'")
    return fields


# -- HTML pages ------------------------------------------------------------


def parse_html(html: str, *, url: str | None = None) -> Draft:
    """The article in a page, without its navigation, sidebars and footer;
    `url` is the page's address, against which a relative canonical link is read."""
    # trafilatura takes a bare fragment ("<p>…</p>") for something other than
    # HTML; inside a document it reads as the page it is.
    tree = trafilatura.load_html(html)
    if tree is None:
        tree = trafilatura.load_html(f"<html><body>{html}</body></html>")
    if tree is None:
        raise SourceError("no article text found in the page")
    if url:
        # trafilatura drops a relative canonical link; resolved here, it is kept.
        tree.make_links_absolute(url, handle_failures="discard")
    document = trafilatura.bare_extraction(
        tree, url=url, with_metadata=True, include_comments=False, include_formatting=True,
        include_tables=True, date_extraction_params=_DATE_PARAMS,
    )
    title = plain_title(document.title or "") if document is not None else ""
    byline, lines = take_author((document.text or "").split("\n") if document is not None else [])
    body = clean_lines(lines, seen=[title])
    if document is None or not _has_prose(body):
        raise SourceError("no article text found in the page")
    return Draft(
        title=title or title_from_text(body),
        text=body,
        author=plain_title(document.author or "") or byline,
        url=document.url or url,
        published_at=parse_date(document.date),
        remote=url is not None,
    )


def _has_prose(text: str) -> bool:
    """Menus, forms and footers are short lines; an article has at least one
    paragraph or item of several words."""
    return any(len(block.split()) >= 8 for block in text.split("\n"))
