"""Turning the bytes of an article source into drafts.

A source is a plain-text or Markdown file, an HTML page or a feed (RSS 0.9x,
1.0/RDF, 2.0 or Atom), read from disk or fetched. `parse_source` works out
which and hands it to `parse_text`, `parse_html` or `parse_feed`. All three
run the article's words through `clean_article_text`, which drops blog
furniture and keeps one copy of text that a scrape repeats.

Pages go through trafilatura and feeds through feedparser; nothing here
fetches anything or touches the database.
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
import xml.sax
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urljoin, urlsplit

import charset_normalizer
import feedparser
import nh3
import trafilatura

from forum.articles.drafts import Draft, Parsed, Skip, SourceError
from forum.text import TITLE_MAX, strip_controls

# Blog furniture that scrapes carry along, by theme and language. A line is
# dropped when, without Markdown markers or a bullet, it matches one of these
# whole (ignoring case), optionally followed by a colon, an ellipsis or an arrow.
READ_MORE = (
    "read more", "continue reading", "keep reading", "leer más", "seguir leyendo",
    "lire la suite", "weiterlesen", "continua a leggere", "leia mais", "continuar lendo",
)
BOILERPLATE_LINES: dict[str, tuple[str, ...]] = {
    "advertising": (
        "advertisements?", "anuncios?", "publicités?", "publicidad", "anzeigen?", "werbung",
        "pubblicità", "publicidade", "sponsored", "report this ad", "informar de este anuncio",
        "denunciar este anuncio", "signaler cette publicité", "diese anzeige melden",
    ),
    "sharing": (
        "share this", "share", "compartir", "compartir esto", "comparte esto", "partager",
        "partager cette page", "teilen mit", "teilen", "condividi", "condividi questo articolo",
        "compartilhe isso", "click to (?:share|email|print) .+", "haz clic para (?:compartir|enviar|imprimir) .+",
        "cliquez pour (?:partager|envoyer|imprimer) .+", "klicken, um .+", "clique para (?:compartilhar|imprimir) .+",
        "twitter", "facebook", "linkedin", "pinterest", "reddit", "tumblr", "whatsapp", "telegram",
        "pocket", "e-?mail", "print", "more", "más", "imprimir", "correo electrónico", "imprimer",
    ),
    "likes": (
        "like this", "like", "me gusta", "j['’]aime", "gefällt mir", "mi piace", "curtir isso", "curtir",
        "(?:like|me gusta|j['’]aime|gefällt mir) (?:loading|cargando|chargement|wird geladen)",
        "be the first to like this", "sé el primero en indicar que te gusta",
        r"\d+ (?:likes?|bloggers? like this)",
    ),
    "related": (
        "related", "related posts", "related articles", "you may also like", "relacionado", "relacionados",
        "entradas relacionadas", "artículos relacionados", "te puede interesar", "articles similaires",
        "similaire", "sur le même thème", "ähnliche beiträge", "verwandte artikel", "correlati",
        "articoli correlati", "posts relacionados",
    ),
    "read more": READ_MORE,
    "loading": ("loading", "cargando", "chargement", "wird geladen", "caricamento", "carregando"),
    "filing": (
        "posted in [^.!?]+", "filed under [^.!?]+", "tagged [^.!?]+", r"tags?\s*:.*", r"categor(?:y|ies)\s*:.*",
        "publicado en [^.!?]+", "archivado en [^.!?]+", "etiquetado [^.!?]+", r"etiquetas\s*:.*",
        r"categorías?\s*:.*", "publié dans [^.!?]+", "veröffentlicht in [^.!?]+", "pubblicato in [^.!?]+",
    ),
    "comments": (
        "leave a comment", "leave a reply", "deja un comentario", "deja una respuesta",
        "laisser un commentaire", "laisser une réponse", "schreibe einen kommentar", "kommentar verfassen",
        "lascia un commento", "deixe um comentário", r"\d+ (?:comments?|comentarios?|commentaires?|kommentare?)",
        "no comments", "sin comentarios",
    ),
    "feed footer": ("the post .+ appeared first on .+", r"la entrada .+ se publicó primero en .+"),
    "cookie notice": (r"privacy & cookies:.*", r"privacidad y cookies:.*", r"confidentialité et cookies.*"),
}

_FURNITURE = re.compile(
    "(?:{})".format("|".join(p for patterns in BOILERPLATE_LINES.values() for p in patterns))
    + r"\s*[:：]?\s*(?:…|\.{3}|→|›|»)?",
    re.IGNORECASE,
)
_MORE = "|".join(re.escape(label).replace(r"\ ", r"\s+") for label in READ_MORE)
_QUOTED = r"(?:“[^”]*”|\"[^\"]*\"|«[^»]*»|„[^“”]*[“”])"
_ARROW = r"(?:→|›|»|…|\.{3})"
# What a theme appends to the end of a paragraph: "Leer más “Title”",
# "Continue reading “Title” →", "… otherwise. Read more", "[…]".
_TAIL = re.compile(
    rf"(?:\s*(?:{_MORE})\s*(?:{_QUOTED}\s*{_ARROW}?|{_ARROW})"
    rf"|(?<=[.!?…”\"])\s*(?:{_MORE})"
    r"|\s*\[\s*(?:…|\.{3})\s*\])\s*$",
    re.IGNORECASE,
)

BULLETS = "*-+•·◦‣–▪●○■►➢"
_ITEM = re.compile(rf"\s*(?:[{re.escape(BULLETS)}]|(?P<number>\d{{1,3}})[.)])\s+(?P<text>\S.*)")
_HEADING = re.compile(r"#{1,6}\s+(?P<text>.+?)(?:\s+#+)?")
_SETEXT = re.compile(r"={3,}|-{3,}")
_RULE = re.compile(r"([-*_•·])(?:\s*\1){2,}")
_MARKERS = re.compile(rf"^(?:#{{1,6}}\s+|[{re.escape(BULLETS)}]\s+)|[*_]")
# A line that is one "word" of letters and digits joined by hyphens or
# underscores, like a post slug or an image's file name.
_SLUG = re.compile(r"[^\W_]+(?:[-_][^\W_]+)+(?:\.[a-z0-9]{2,5})?|[^\W_]+\.(?:jpe?g|png|gif|webp|svg|pdf)", re.IGNORECASE)
_AUTHOR = re.compile(r"(?:(?:posted|written)\s+)?(?:by|por|par|von)\s*:?\s+(?P<name>.+)", re.IGNORECASE)
_NAME_PARTICLES = frozenset({"de", "del", "la", "le", "van", "von", "der", "da", "di", "du", "y", "and", "&"})
_KEY_TRANSLATION = str.maketrans({
    "“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‚": "'",
    "–": "-", "—": "-", "*": None, "_": None, "`": None,
})
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
    title = _plain_title(fields.get("title", ""))
    if not title:
        title, lines = _take_title(lines)
    author, lines = _take_author(lines)
    body = _clean(lines, seen=[title])
    if not body:
        raise SourceError("no article text")
    return Draft(
        title=title or _title_from_text(body),
        text=body,
        author=fields.get("author") or author,
        url=url,
        published_at=_parse_date(fields.get("date")),
        remote=url is not None,
    )


def _front_matter_fields(block: str) -> dict[str, str]:
    fields = {}
    for line in block.split("\n"):
        key, colon, value = line.partition(":")
        if colon and key.strip().lower() in ("title", "author", "date"):
            fields[key.strip().lower()] = value.strip().strip("\"'")
    return fields


def _take_title(lines: list[str]) -> tuple[str, list[str]]:
    """The first heading or non-empty line, and the lines without it. A first
    line too long to be a title stays in the text; the title is then made
    from its first words."""
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or _is_furniture(stripped) or _author_of(stripped):
            continue
        if heading := _HEADING.fullmatch(stripped):
            return _plain_title(heading.group("text")), lines[:i] + lines[i + 1:]
        following = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if following and _SETEXT.fullmatch(following):
            return _plain_title(stripped), lines[:i] + lines[i + 2:]
        if len(stripped) > TITLE_MAX:
            return _title_from_text(stripped), lines
        return _plain_title(stripped.strip("*_")), lines[:i] + lines[i + 1:]
    return "", lines


def _take_author(lines: list[str]) -> tuple[str | None, list[str]]:
    """The name on the first "by NAME" line, and the lines without that line."""
    for i, line in enumerate(lines):
        if len(line) < 90 and (name := _author_of(line)):
            return name, lines[:i] + lines[i + 1:]
    return None, lines


def _author_of(line: str) -> str | None:
    match = _AUTHOR.fullmatch(line.strip().strip("*_ "))
    if not match:
        return None
    name = " ".join(match.group("name").split()).rstrip(".")
    words = name.replace(",", " ").split()
    # Two to six capitalised words ("Chris Heydt", "Ana de la Cruz, MD"),
    # so that "By Monday" or "by the way" stay in the text.
    if not 2 <= len(words) <= 6 or not words[0][0].isupper():
        return None
    if not all(word[0].isupper() or word.lower() in _NAME_PARTICLES for word in words):
        return None
    return name


# -- cleaning --------------------------------------------------------------


@dataclass(slots=True)
class _Block:
    kind: str  # "paragraph", "item", "heading" or "code"
    lines: list[str] = field(default_factory=list)
    marker: str = "- "


def clean_article_text(text: str) -> str:
    """The article's words as Markdown: blog furniture and slug lines gone,
    list items as "- item", headings in bold, and each paragraph or item once
    (compared without regard to whitespace, bullets, quotes or a read-more tail;
    the first copy wins)."""
    return _clean(strip_controls(text).split("\n"), seen=[])


def _clean(lines: Iterable[str], *, seen: list[str]) -> str:
    return _render(_dedupe(_blocks(lines), seen=[_key(text) for text in seen if text]))


def _blocks(lines: Iterable[str]) -> list[_Block]:
    blocks: list[_Block] = []
    current: _Block | None = None
    fence: str | None = None
    for line in lines:
        stripped = line.strip()
        if fence is not None and current is not None:
            current.lines.append(line.rstrip())
            if stripped.startswith(fence):
                fence, current = None, None
            continue
        if stripped.startswith(("```", "~~~")):
            fence, current = stripped[:3], _Block("code", [line.rstrip()])
            blocks.append(current)
        elif current is not None and current.kind == "paragraph" and len(current.lines) == 1 and _SETEXT.fullmatch(stripped):
            current.kind, current = "heading", None
        elif not stripped or _is_furniture(stripped):
            current = None
        elif heading := _HEADING.fullmatch(stripped):
            current = None
            blocks.append(_Block("heading", [heading.group("text")]))
        elif item := _ITEM.fullmatch(line):
            marker = f"{item.group('number')}. " if item.group("number") else "- "
            current = _Block("item", [item.group("text").strip()], marker)
            blocks.append(current)
        elif current is not None and (current.kind == "paragraph" or line[:1].isspace()):
            current.lines.append(stripped)
        else:
            current = _Block("paragraph", [stripped])
            blocks.append(current)
    return blocks


def _is_furniture(line: str) -> bool:
    if _RULE.fullmatch(line):
        return True
    if " " not in line and _SLUG.fullmatch(line):
        return line.count("-") + line.count("_") >= 2 or "_" in line or "." in line
    return len(line) < 160 and _FURNITURE.fullmatch(_MARKERS.sub("", line).strip()) is not None


def _dedupe(blocks: list[_Block], *, seen: list[str]) -> list[_Block]:
    known = set(seen)
    kept = []
    for block in blocks:
        if block.kind != "code":
            text = _strip_tail("\n".join(block.lines))
            key = _key(text)
            # A copy cut short ("The first words of a paragraph […]") repeats
            # the start of one already kept.
            if not key or key in known or (len(key) >= 40 and any(k.startswith(key) for k in seen)):
                continue
            known.add(key)
            seen.append(key)
            block.lines = text.split("\n")
        kept.append(block)
    return kept


def _strip_tail(text: str) -> str:
    while (shorter := _TAIL.sub("", text)) != text:
        text = shorter
    return text.strip()


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_KEY_TRANSLATION)
    return " ".join(text.split()).casefold().rstrip(" .…")


def _render(blocks: list[_Block]) -> str:
    parts: list[str] = []
    open_list = ""  # "-" or "." while the previous block was a bullet or numbered item
    for block in blocks:
        if block.kind == "item":
            item = block.marker + "\n  ".join(block.lines)
            style = "." if block.marker[0].isdigit() else "-"
            if open_list == style:
                parts[-1] += "\n" + item
            else:
                parts.append(item)
            open_list = style
            continue
        if block.kind == "heading":
            # The body renderer (forum.text) has headings turned off, as the
            # thread title is the page's heading; a section heading reads as bold.
            parts.append(f"**{' '.join(block.lines).strip('*_ ')}**")
        else:
            parts.append("\n".join(block.lines))
        open_list = ""
    return "\n\n".join(parts)


# -- titles and dates ------------------------------------------------------


def _plain_title(text: str, limit: int = TITLE_MAX) -> str:
    title = " ".join(strip_controls(text).split())
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-–—") + "…"


def _title_from_text(text: str, limit: int = 80) -> str:
    first = text.strip().split("\n", 1)[0]
    if item := _ITEM.fullmatch(first):
        first = item.group("text")
    return _plain_title(first.replace("**", ""), limit)


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


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
    title = _plain_title(document.title or "") if document is not None else ""
    byline, lines = _take_author((document.text or "").split("\n") if document is not None else [])
    body = _clean(lines, seen=[title])
    if document is None or not _has_prose(body):
        raise SourceError("no article text found in the page")
    return Draft(
        title=title or _title_from_text(body),
        text=body,
        author=_plain_title(document.author or "") or byline,
        url=document.url or url,
        published_at=_parse_date(document.date),
        remote=url is not None,
    )


def _has_prose(text: str) -> bool:
    """Menus, forms and footers are short lines; an article has at least one
    paragraph or item of several words."""
    return any(len(block.split()) >= 8 for block in text.split("\n"))


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
    title = _plain_title(_detail_text(entry.get("title_detail")))
    link = _absolute(entry.get("link"), base)
    contents = [c for c in entry.get("content", []) if c.get("value", "").strip()]
    source = max(contents, key=lambda c: len(c["value"])) if contents else entry.get("summary_detail")
    byline, lines = _take_author(_detail_text(source, keep_blocks=True).split("\n"))
    text = _clean(lines, seen=[title])
    if not text and not link:
        return None
    author = (entry.get("author_detail") or {}).get("name") or entry.get("author")
    if author and "@" in author:
        author = None  # an address alone is not a name
    moment = entry.get("published_parsed") or entry.get("updated_parsed") or entry.get("created_parsed")
    return Draft(
        title=title or (_title_from_text(text) if text else link or ""),
        text=text,
        author=_plain_title(author or "") or byline,
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
