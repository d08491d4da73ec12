"""The content rules: what text is kept, and how Markdown becomes safe HTML.

Markdown is rendered once, when it is written, and the sanitised HTML is
stored: pages, the API, live pushes and the embed all show the stored HTML.
"""

from __future__ import annotations

import re
import unicodedata

import nh3
from markdown_it import MarkdownIt

from forum.errors import InvalidInput

TITLE_MAX = 200
BODY_MAX = 20_000

# C0 and C1 control characters except tab and newline. Zero-width joiners,
# bidi marks and combining characters are format characters (Cf/Mn), not
# controls, so right-to-left text and emoji sequences survive intact.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
}

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
_markdown.enable(["table", "strikethrough", "linkify"])
# Headings inside a comment would compete with the page's own outline.
_markdown.disable(["heading", "lheading"])


def strip_controls(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def clean_body(text: str, *, what: str = "body", max_length: int = BODY_MAX) -> str:
    """Normalise newlines, drop control characters, refuse empty or oversized text."""
    cleaned = strip_controls(text)
    if not _has_content(cleaned):
        raise InvalidInput(f"The {what} is empty; write something before posting.", field=what)
    if len(cleaned) > max_length:
        raise InvalidInput(
            f"The {what} is {len(cleaned):,} characters; the limit is {max_length:,}.", field=what
        )
    return cleaned.strip("\n")


def clean_title(text: str, *, max_length: int = TITLE_MAX) -> str:
    cleaned = strip_controls(text).replace("\n", " ").replace("\t", " ").strip()
    if not _has_content(cleaned):
        raise InvalidInput("The title is empty; give the thread a title.", field="title")
    if len(cleaned) > max_length:
        raise InvalidInput(
            f"The title is {len(cleaned):,} characters; the limit is {max_length}.", field="title"
        )
    return cleaned


def _has_content(text: str) -> bool:
    """True if any character is visible: whitespace and format characters alone are empty."""
    return any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in text)


def render_markdown(text: str) -> str:
    html = _markdown.render(text)
    return sanitise_html(html)


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
        strip_comments=True,
    ).strip()


_SLUG_STRIP = re.compile(r"[^\w\s-]", re.UNICODE)
_SLUG_DASH = re.compile(r"[\s_-]+")


def slugify(text: str, *, max_length: int = 80) -> str:
    normalised = unicodedata.normalize("NFKD", text)
    ascii_text = normalised.encode("ascii", "ignore").decode("ascii").lower()
    slug = _SLUG_DASH.sub("-", _SLUG_STRIP.sub("", ascii_text)).strip("-")
    return slug[:max_length].rstrip("-") or "thread"


def excerpt(text: str, *, length: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"
