"""Small helpers on the text around a candidate: clause windows and links."""

from __future__ import annotations

import re
import string
from bisect import bisect_right
from collections.abc import Collection, Sequence
from functools import lru_cache

# A clause ends at . ! ? ; followed by a space, unless the dot closes a usual
# abbreviation ("Mr.", "pt.", "no.") or an initial ("J."); and at a blank line
# or a new list item, quote or heading. A single newline inside a paragraph is
# only a wrapped line ("she was admitted\non 12 March").
_END = re.compile(r"\n(?=[ \t]*(?:\n|[-*+>#|]|\d{1,3}[.)]\s))|[.!?;]+(?=[\s\"')\]]|$)")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st pt no nos vs eg ie approx ave rd blvd apt dept fig ref etc "
    "jan feb mar apr jun jul aug sep sept oct nov dec d.o.b dob b tel ext".split()
)
_WORD_BEFORE = re.compile(r"([\w.]+)$")


def _is_end(text: str, match: re.Match[str]) -> bool:
    if match.group() != ".":
        return True
    word = _WORD_BEFORE.search(text, max(0, match.start() - 12), match.start())
    if word is None:
        return True
    token = word.group(1).lower().strip(".")
    return not (token in _ABBREVIATIONS or len(token) == 1)


def clause_before(text: str, pos: int, limit: int = 60) -> str:
    """Up to `limit` characters before `pos`, cut at the last clause end."""
    start = max(0, pos - limit)
    cut = start
    for match in _END.finditer(text, start, pos):
        if _is_end(text, match):
            cut = match.end()
    return text[cut:pos]


def clause_after(text: str, pos: int, limit: int = 60) -> str:
    """Up to `limit` characters after `pos`, cut at the first clause end."""
    stop = min(len(text), pos + limit)
    for match in _END.finditer(text, pos, stop):
        if _is_end(text, match):
            return text[pos : match.start()]
    return text[pos:stop]


# Punctuation to spaces, so that "MRN:" and "(HAR" are the words mrn and har.
_PUNCTUATION = str.maketrans(dict.fromkeys(string.punctuation + "–—‘’“”…·•", " "))


class Source:
    """A text and its lower-case copy, of the same length so that offsets
    into one are offsets into the other, and the set of its lower-case words.

    Detectors search the copy with lower-case patterns, Python's `re` being
    several times slower with IGNORECASE, and skip a pattern altogether when
    none of the words it needs is in the text: the guard must stay well under
    a millisecond for a comment.
    """

    __slots__ = ("_words", "lower", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        lower = text.lower()
        if len(lower) != len(text):
            # A few characters lower-case to two ("İ"); keep those as typed.
            lower = "".join(char.lower() if len(char.lower()) == 1 else char for char in text)
        self.lower = lower
        self._words: frozenset[str] | None = None

    @property
    def words(self) -> frozenset[str]:
        if self._words is None:
            self._words = frozenset(self.lower.translate(_PUNCTUATION).split())
        return self._words

    def has(self, *words: str) -> bool:
        """Whether any of `words` is a word of the text (lower case)."""
        return not self.words.isdisjoint(words)


def starts_word(text: str, index: int) -> bool:
    """Whether `index` starts a word: a `\\b` checked after a fast search,
    since a pattern that begins with `\\b` cannot skip ahead quickly."""
    return index == 0 or not (text[index - 1].isalnum() or text[index - 1] == "_")


_URL_CHARS = r"[^\s<>\"'`]"
# Links are not identifiers: a path or query full of digits must not read as
# a phone or record number. An email address is found before links are masked.
# Searched in the lower-case text.
_LINK = re.compile(
    rf"(?:https?|ftp)://{_URL_CHARS}+|www\.{_URL_CHARS}+"
    r"|\]\([^)\s]+\)"  # the target of a Markdown link, even a relative one
    r"|<[a-z][a-z0-9+.-]*:[^>\s]+>"  # an autolink
    rf"|10\.\d{{4,9}}/{_URL_CHARS}+"  # a DOI, written without its resolver
)
# A bare host ("nejm.org/doi/…", "forum.example.org/t/5") is found from its
# top-level domain, then extended back over the host and on over the path.
_TLD = re.compile(
    r"\.(?:com|org|net|edu|gov|mil|int|io|uk|ca|au|de|fr|nl|info|health|care|clinic|md|co|us|eu"
    r"|ch|se|no|dk|fi|be|es|it|jp|nz|ie|in|br|app|dev)(?![a-z0-9-])"
)
_HOST_BEFORE = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_PATH_AFTER = re.compile(rf"[/?#]{_URL_CHARS}*")


@lru_cache(maxsize=32)
def _own_link(hosts: tuple[str, ...]) -> re.Pattern[str]:
    names = "|".join(re.escape(host) for host in hosts)
    return re.compile(rf"(?<![\w.-])(?:{names})(?::\d+)?(?:[/?#]{_URL_CHARS}*)?")


def _host(value: str) -> str:
    host = value.strip().lower()
    host = host.split("://", 1)[-1]
    return host.split("/", 1)[0].split(":", 1)[0]


def _bare_hosts(lower: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for match in _TLD.finditer(lower):
        if spans and match.start() < spans[-1][1]:
            continue  # inside the path of the host before ("x.com/y.org")
        host = _HOST_BEFORE.search(lower, max(0, match.start() - 64), match.start())
        if host is None or host.start() > 0 and lower[host.start() - 1] in "@.-_":
            continue  # "j.smith@gmail.com" is an email, not a link
        path = _PATH_AFTER.match(lower, match.end())
        spans.append((host.start(), path.end() if path else match.end()))
    return spans


def link_spans(lower: str, own_hosts: Collection[str]) -> list[tuple[int, int]]:
    """Spans of links, the forum's own hosts included even on unusual names;
    sorted and disjoint (overlapping matches are joined)."""
    linked = "://" in lower or "www." in lower or "](" in lower or "<" in lower or "10." in lower
    spans = [match.span() for match in _LINK.finditer(lower)] if linked else []
    spans.extend(_bare_hosts(lower))
    hosts = tuple(sorted({_host(host) for host in own_hosts if _host(host)}))
    if hosts and any(host in lower for host in hosts):
        spans.extend(match.span() for match in _own_link(hosts).finditer(lower))
    spans.sort()
    joined: list[tuple[int, int]] = []
    for start, end in spans:
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(end, joined[-1][1]))
        else:
            joined.append((start, end))
    return joined


def overlaps_any(start: int, end: int, spans: Sequence[tuple[int, int]], starts: Sequence[int]) -> bool:
    """Whether [start, end) meets any of `spans` (sorted, disjoint; `starts`
    are their starts): only the last span opening before `end` can."""
    index = bisect_right(starts, end - 1)
    return index > 0 and spans[index - 1][1] > start
