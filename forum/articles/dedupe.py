"""When two imports are the same article.

Two tests, cheapest first. The same page reached by two addresses meets at one
normalised URL (`normalise_url`). The same words reached by two routes (a
syndicated copy, a feed excerpt of a page already imported, a re-scrape with
other bullets, quotes or boilerplate) meet by their word 5-gram shingles: the
shorter text is a duplicate when most of its shingles occur in the longer one
(`is_near_duplicate`). Containment, not resemblance, because an excerpt of 80
words shares nearly all of its shingles with the full post but only a tenth of
the post's shingles with itself.

The database keeps a content-defined sample of each article's shingle hashes
(`sample`) to find candidates, then compares candidates in full here, so the
rule lives in one place.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import string
import struct
import unicodedata
from functools import partial
from operator import methodcaller
from urllib.parse import unquote, urlsplit

URL_MAX = 2048  # the width of article.canonical_url

# Query parameters that say how a reader arrived, not what they read. utm_* of
# any kind is dropped as well (see `_is_tracking`).
TRACKING_PARAMETERS = frozenset({
    "fbclid",  # Facebook
    "gclid", "dclid", "gbraid", "wbraid",  # Google Ads, DoubleClick
    "msclkid",  # Microsoft Ads
    "mc_cid", "mc_eid",  # Mailchimp
    "igshid",  # Instagram
    "yclid",  # Yandex
    "twclid", "ttclid", "li_fat_id",  # X, TikTok, LinkedIn
    "_ga", "_gl",  # Google Analytics cross-domain
    "_hsenc", "_hsmi", "mkt_tok",  # HubSpot, Marketo
    "s_cid", "cmpid",  # Adobe campaign ids
    "ref", "ref_src", "ref_url", "referrer",  # who linked here
    "share", "amp",  # share buttons, the AMP variant (?amp=1)
})
# Kept off the list on purpose: names like "source", "output" or "id" select
# content on some sites, and merging two different pages is worse than
# missing a duplicate (the text comparison still catches that one).

_INDEX_PAGES = frozenset({"index.html", "index.htm", "index.php"})
_DEFAULT_PORTS = {"http": 80, "https": 443}

_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_SUB_DELIMS = frozenset("!$&'()*+,;=")
_PATH_SAFE = _UNRESERVED | _SUB_DELIMS | frozenset(":@")
# Inside one query key or value "&" and "=" are separators, so they stay escaped.
_QUERY_SAFE = (_UNRESERVED | _SUB_DELIMS | frozenset(":@/?")) - frozenset("&=")
_HEX = frozenset("0123456789abcdefABCDEF")
_HOST = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*")

# The near-duplicate rule. See `is_near_duplicate` for why these values.
SHINGLE_SIZE = 5
NEAR_DUPLICATE = 0.6
MIN_SHINGLES = 25


# URLs ----------------------------------------------------------------------


def normalise_url(url: str) -> str | None:
    """The one spelling of an http(s) address under which an article is stored,
    or None for anything else (another scheme, no host, unparsable, too long)."""
    url = url.strip()
    try:
        url.encode("utf-8")  # a lone surrogate cannot be percent-encoded
        parts = urlsplit(url)
        port = parts.port
    except (ValueError, UnicodeError):
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return None
    host = _normalise_host(parts.hostname or "")
    if host is None:
        return None
    # http and https of one address are one article: everything is stored as
    # https. A port that is the default of either scheme is therefore dropped,
    # or a second pass would drop what the first kept.
    netloc = host if port is None or port in (_DEFAULT_PORTS[scheme], 443) else f"{host}:{port}"
    query = _normalise_query(parts.query)
    result = f"https://{netloc}{_normalise_path(parts.path)}" + (f"?{query}" if query else "")
    return result if len(result) <= URL_MAX else None


def _normalise_host(host: str) -> str | None:
    host = unquote(host)
    if ":" in host:
        try:
            return f"[{ipaddress.IPv6Address(host).compressed}]"
        except ValueError:
            return None
    try:
        # The standard library's IDNA 2003 codec: "Bücher.example" becomes
        # "xn--bcher-kva.example"; an ASCII host passes through unchanged.
        host = host.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    if not _HOST.fullmatch(host):
        return None
    # A loop, so "www.www.example.org" settles in one call; "www.org" is kept.
    while host.startswith("www.") and "." in host[4:]:
        host = host[4:]
    return host


def _normalise_path(path: str) -> str:
    segments: list[str] = []
    # Empty segments go, which collapses "//" and drops the trailing slash;
    # dot segments are resolved after decoding, so "%2E%2E" counts as "..".
    for segment in _normalise_escapes(path, _PATH_SAFE | {"/"}).split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment not in ("", "."):
            segments.append(segment)
    while segments and segments[-1].lower() in _INDEX_PAGES:
        segments.pop()
    return "/" + "/".join(segments)


def _normalise_query(query: str) -> str:
    pairs: list[tuple[str, str]] = []
    for item in query.split("&"):
        if not item:
            continue
        key, eq, value = item.partition("=")
        key = _normalise_escapes(key, _QUERY_SAFE)
        if _is_tracking(key):
            continue
        pairs.append((key, eq + _normalise_escapes(value, _QUERY_SAFE)))
    # Sorted by name only: the sort is stable, so repeated names keep their
    # order (some sites read ?tag=a&tag=b as a list).
    pairs.sort(key=lambda pair: pair[0])
    return "&".join(key + rest for key, rest in pairs)


def _is_tracking(key: str) -> bool:
    name = unquote(key).lower()
    return name.startswith("utm_") or name in TRACKING_PARAMETERS


def _normalise_escapes(part: str, safe: frozenset[str]) -> str:
    """Decode escapes of unreserved characters, upper-case the others, and
    escape (as UTF-8) whatever may not appear raw; a stray "%" becomes "%25"."""
    out: list[str] = []
    i = 0
    while i < len(part):
        char = part[i]
        pair = part[i + 1 : i + 3]
        if char == "%" and len(pair) == 2 and pair[0] in _HEX and pair[1] in _HEX:
            decoded = chr(int(pair, 16))
            out.append(decoded if decoded in _UNRESERVED else "%" + pair.upper())
            i += 3
            continue
        out.append(char if char in safe else "".join(f"%{byte:02X}" for byte in char.encode("utf-8")))
        i += 1
    return "".join(out)


# Text ----------------------------------------------------------------------

# Deleted rather than turned into a space, so "Clinic’s" and "Clinic's" are one word.
_APOSTROPHE = re.compile("['’‘ʼ`]")
# A word is a run of letters and digits. Everything else separates words:
# punctuation, bullets (• * - ·), quotes, dashes, brackets, ellipses, line
# breaks. Scripts with combining vowel signs split into shorter "words" here;
# both sides of a comparison split the same way, so it is unaffected.
_WORD = re.compile(r"[^\W_]+")

_blake2b_64 = partial(hashlib.blake2b, digest_size=8)
_digest = methodcaller("digest")


def normalise_text(text: str) -> str:
    """The words of `text`, for comparison only: NFKC, case-folded, separated by
    single spaces, with every mark that is not a letter or digit gone."""
    return " ".join(_words(text))


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _WORD.findall(_APOSTROPHE.sub("", folded))


def shingles(text: str, size: int = SHINGLE_SIZE) -> set[int]:
    """Hashes of every run of `size` consecutive words; a text of at most
    `size` words is one shingle of all its words, and an empty text none.

    Each hash is the first 8 bytes of BLAKE2b read as a signed big-endian
    integer, so it fits a PostgreSQL BIGINT and is the same in every process
    (Python's hash() of a str is salted per process)."""
    if size < 1:
        raise ValueError("size must be at least 1")
    words = _words(text)
    if not words:
        return set()
    if len(words) <= size:
        grams = [" ".join(words)]
    else:
        grams = list(map(" ".join, zip(*(words[i:] for i in range(size)))))
    # map() and one struct.unpack keep the per-shingle work in C, a quarter
    # faster than a comprehension calling int.from_bytes on each digest.
    digests = b"".join(map(_digest, map(_blake2b_64, map(str.encode, grams))))
    return set(struct.unpack(f">{len(grams)}q", digests))


def sample(hashes: set[int], modulus: int = 4) -> set[int]:
    """The hashes divisible by `modulus`: about one in `modulus`, chosen by
    value alone, so an excerpt's sample is a subset of its full text's.
    (PostgreSQL's % keeps the sign of a negative hash, but a zero is zero in
    both, so `hash % 4 = 0` selects the same rows.)"""
    return {h for h in hashes if h % modulus == 0}


def containment(small: set[int], large: set[int]) -> float:
    """The share of `small` found in `large`; 0.0 when `small` is empty."""
    if not small:
        return 0.0
    return len(small & large) / len(small)


def is_near_duplicate(a_text: str, b_text: str) -> bool:
    """True when the two texts are copies of one article.

    The text with fewer shingles is compared against the other: it is a copy
    when at least NEAR_DUPLICATE (0.6) of its shingles occur in the other. Real
    copies score far above that: a re-scrape with other bullets, quotes or line
    breaks scores 1.0 on the words they share, a feed excerpt loses only the
    shingles that run into its cut-off word and its "[…]" or "Read more" tail
    (the Mayo post's 80-word excerpt: 1.0; its two scraped copies: 0.99),
    and 40% of the shorter text may be boilerplate before a copy is missed.
    Two different posts on one topic share a sentence or a phrase, a few
    shingles in a hundred (0.1-0.3); a reply quoting a sentence of the post it
    answers scores the same. 0.6 leaves wide room on both sides.

    A containment over a handful of shingles says little (a six-word title
    shares all its shingles with any post that repeats it), so a shorter text
    under MIN_SHINGLES (25 shingles, 29 words: two sentences, half of the
    shortest usual feed excerpt of 55 words) is a copy only when its
    normalised words are exactly the other's. Two empty texts are not copies.
    """
    a_shingles, b_shingles = shingles(a_text), shingles(b_text)
    small, large = sorted((a_shingles, b_shingles), key=len)
    if len(small) < MIN_SHINGLES:
        return bool(small) and normalise_text(a_text) == normalise_text(b_text)
    return containment(small, large) >= NEAR_DUPLICATE


def fingerprint(text: str, hashes: set[int] | None = None) -> str:
    """A 64-bit SimHash of the text's shingles, as 16 hex digits.

    Each bit is the majority vote of that bit over all shingle hashes, so
    exact copies (after normalisation) share a fingerprint and close copies
    differ in few bits. For display and diagnosis; the rule is
    `is_near_duplicate`. Pass `hashes` when the text's shingles are at hand."""
    if hashes is None:
        hashes = shingles(text)
    if not hashes:
        return "0" * 16
    # Transposing the hashes' binary strings counts each bit column in C
    # rather than in a Python loop of 64 x n steps.
    rows = [format(h & 0xFFFF_FFFF_FFFF_FFFF, "064b") for h in hashes]
    half = len(rows) / 2
    bits = "".join("1" if "".join(column).count("1") > half else "0" for column in zip(*rows))
    return f"{int(bits, 2):016x}"
