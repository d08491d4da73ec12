"""Street addresses and ZIP or postal codes.

A five-digit number is a ZIP only beside a ZIP word, a state, or a city and
state: "a 10000-step goal" and "55905 patients" are numbers, "zip 55905" and
"Rochester, MN 55905" are places.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from forum.phi.context import Source
from forum.phi.kinds import CHECKED, LABELLED, Hit, Kind

_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace"
    r"|Ter|Circle|Cir|Highway|Hwy|Parkway|Pkwy|Square|Sq|Crescent|Cres|Close|Row|Trail|Trl|Pike|Alley"
    r"|Grove|Gardens|Mews|Loop|Plaza|Broadway)"
)
_DIRECTION = r"(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)"
# The street's name is one to three capitalised words (or an ordinal such as
# 5th); the suffix may be typed in lower case ("42 Oak street").
_NAME_WORD = r"(?:[A-Z][\w'’-]*|\d{1,3}(?:st|nd|rd|th))"
_UNIT = r"(?:,?\s+(?:Apt|Apartment|Unit|Suite|Ste|Flat|\#)\.?\s*[\w-]{1,5}\b)?"
# Starts with a digit, not \b, so that the search can skip ahead quickly.
_STREET = re.compile(
    rf"\d(?<![\w.-]\d)\d{{0,4}}+[A-Za-z]?(?:-\d{{1,5}})?\s+(?:{_DIRECTION}\.?\s+)?"
    rf"(?:(?:{_NAME_WORD}\s+){{1,3}}?(?i:{_SUFFIX})|Broadway)\b\.?"
    rf"(?:\s+{_DIRECTION}\b)?{_UNIT}"
)
_PO_BOX = re.compile(r"\b(?:p\.?\s?o\.?\s*box|post\s+office\s+box)\s+\d{1,6}\b")  # in the lower-case text
# "lives on Elm Street": a street with no number still places a person.
_LIVES_ON = re.compile(
    rf"\b(?i:lives|living|lived|resides|residing|moved|stays|staying)\s+(?i:at|on|to|in)\s+"
    rf"(?P<street>(?:[A-Z][\w'’-]*\s+){{1,3}}(?i:{_SUFFIX}))\b"
)
_LIVES_GATE = ("lives", "living", "lived", "resides", "residing", "moved", "stays", "staying")


def addresses(source: Source) -> Iterator[Hit]:
    text, lower = source.text, source.lower
    for match in _STREET.finditer(text):
        end = match.end() - 1 if match.group().endswith(".") else match.end()
        yield Hit(match.start(), end, Kind.ADDRESS, "a street address", CHECKED)
    if "box" in lower:
        for match in _PO_BOX.finditer(lower):
            yield Hit(match.start(), match.end(), Kind.ADDRESS, "a post office box", CHECKED)
    if source.has(*_LIVES_GATE):
        for match in _LIVES_ON.finditer(text):
            start, end = match.span("street")
            yield Hit(start, end, Kind.ADDRESS, "the street where a person lives", CHECKED)


_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY"
    "|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR"
)
_STATE_NAMES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii"
    "|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan"
    "|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico"
    "|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island"
    "|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia"
    "|Wisconsin|Wyoming|Puerto Rico"
)
_ZIP_WORD = r"(?:zip\s*codes?|zip|zipcode|postal\s+code|post\s*code)"
_ZIP_GATE = ("zip", "zipcode", "zipcodes", "postal", "postcode", "post")


def _zip(name: str) -> str:
    return rf"(?P<{name}>\d{{5}}(?:-\d{{4}})?)(?![\w-])"


_FIVE_DIGITS = re.compile(r"\d{5}")
# In the lower-case text: "zip 55905", "postal code: 60611", "the 30310 zip code".
_ZIP_LABELLED = re.compile(
    rf"\b{_ZIP_WORD}\b(?:\s*(?:[:#]|\b(?:is|was|of|area)\b))*\s*{_zip('after')}"
    rf"|(?<![\w-]){_zip('before')}\s+{_ZIP_WORD}\b"
)
# A two-letter state after a comma or a capitalised city, or a state's name
# after "City, ": "Rochester, MN 55905", "Boston MA 02115", "Seattle, Washington 98104".
# Read backwards from each five-digit number.
_STATE_WORDS = frozenset(_STATES.split("|")) | frozenset(name.split()[-1] for name in _STATE_NAMES.split("|"))
_FIVE = re.compile(r"\d(?<![\w-]\d)\d{4}(?:-\d{4})?(?![\w-])")
_STATE_BEFORE = re.compile(
    rf"(?:(?:,\s*|\b[A-Z][\w'’.-]*\s+)\b(?:{_STATES})\.?|\b[A-Z][\w'’.-]*,\s+(?:{_STATE_NAMES})),?\s+$"
)
_UK_POSTCODE = re.compile(r"(?=[A-Z])\b[A-Z]{1,2}\d[A-Z\d]?\s\d[ABD-HJLNP-UW-Z]{2}\b")
_CANADA_POSTCODE = re.compile(r"(?=[A-Z])\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\s\d[ABCEGHJ-NPRSTV-Z]\d\b")


_CAPITAL_DIGIT = re.compile(r"[A-Z]\d")


def zips(source: Source) -> Iterator[Hit]:
    text, lower = source.text, source.lower
    five = _FIVE_DIGITS.search(text) is not None
    if five and source.has(*_ZIP_GATE):
        for match in _ZIP_LABELLED.finditer(lower):
            yield Hit(*_zip_span(match), Kind.ZIP, "a ZIP code", LABELLED)
    if five:
        for match in _FIVE.finditer(text):
            # The word before the number decides first: the full pattern is
            # costly, and most five-digit numbers follow no state at all.
            before = text[max(0, match.start() - 40) : match.start()].rstrip(" ,.").rsplit(None, 1)
            if not before or before[-1] not in _STATE_WORDS:
                continue
            if _STATE_BEFORE.search(text, max(0, match.start() - 40), match.start()):
                yield Hit(match.start(), match.end(), Kind.ZIP, "a ZIP code after a state", LABELLED)
    if _CAPITAL_DIGIT.search(text):
        for pattern in (_UK_POSTCODE, _CANADA_POSTCODE):
            for match in pattern.finditer(text):
                yield Hit(match.start(), match.end(), Kind.ZIP, "a postal code", CHECKED)


def _zip_span(match: re.Match[str]) -> tuple[int, int]:
    name = "after" if match.group("after") else "before"
    return match.span(name)
