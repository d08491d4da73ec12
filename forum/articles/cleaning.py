"""The article's words, cleaned: blog furniture dropped, repeats kept once.

`clean_article_text` turns scraped or fed text into Markdown without the
share buttons, read-more links, slugs and repeated paragraphs a scrape
carries along. The tables of that furniture live here, with the helpers
that the readers in `extract` and `feed_entries` use: `clean_lines`,
`take_title` and `take_author` for the title and "by NAME" lines, and
`plain_title`, `title_from_text` and `parse_date`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

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
    return clean_lines(strip_controls(text).split("\n"), seen=[])


def clean_lines(lines: Iterable[str], *, seen: list[str]) -> str:
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


def plain_title(text: str, limit: int = TITLE_MAX) -> str:
    title = " ".join(strip_controls(text).split())
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-–—") + "…"


def title_from_text(text: str, limit: int = 80) -> str:
    first = text.strip().split("\n", 1)[0]
    if item := _ITEM.fullmatch(first):
        first = item.group("text")
    return plain_title(first.replace("**", ""), limit)


def parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# -- title and author lines ------------------------------------------------


def take_title(lines: list[str]) -> tuple[str, list[str]]:
    """The first heading or non-empty line, and the lines without it. A first
    line too long to be a title stays in the text; the title is then made
    from its first words."""
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or _is_furniture(stripped) or _author_of(stripped):
            continue
        if heading := _HEADING.fullmatch(stripped):
            return plain_title(heading.group("text")), lines[:i] + lines[i + 1:]
        following = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if following and _SETEXT.fullmatch(following):
            return plain_title(stripped), lines[:i] + lines[i + 2:]
        if len(stripped) > TITLE_MAX:
            return title_from_text(stripped), lines
        return plain_title(stripped.strip("*_")), lines[:i] + lines[i + 1:]
    return "", lines


def take_author(lines: list[str]) -> tuple[str | None, list[str]]:
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
