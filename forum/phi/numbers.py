"""Identifiers read from their shape: email and IP addresses, phone and fax
numbers, social security numbers."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

import phonenumbers

from forum.phi.context import Source, clause_before
from forum.phi.kinds import CHECKED, LABELLED, SHAPE, Hit, Kind

EMAIL = re.compile(r"[\w+-](?:[\w.+-]*[\w+-])?@(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}\b")


def emails(source: Source) -> Iterator[Hit]:
    text = source.text
    if "@" not in text:
        return
    for match in EMAIL.finditer(text):
        start = match.start()
        # The pattern starts with a character class so the search can skip
        # ahead; the left edge is checked here instead of with a lookbehind.
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "._+-"):
            start -= 1
        yield Hit(start, match.end(), Kind.EMAIL, "an email address", LABELLED)


# --- phone and fax numbers -------------------------------------------------

# Anything phone-shaped at all; most comments have no such run of digits.
# A pattern that opens with a lookahead on its first character lets the
# search skip ahead; one that opens with a lookbehind or \b tries every
# position (about twice as slow here).
_PHONE_GATE = re.compile(r"(?=[\d+])(?:\d\d\d\D{0,3}\d\d\d|\+\d)")
# One search for every form, each in its group:
_PHONE = re.compile(
    r"(?=[(+\d])(?<![\w/.+-])(?:"
    # North American numbers written with separators: (507) 284-2511,
    # 1-919-684-8111, 713/798-4951, 414.937.2280, +1 (415) 476-1000.
    r"(?P<nanp>(?:\+?1[\s.-]?)?(?:\(\d{3}\)[\s.-]?|\d{3}[\s./-])\d{3}[\s.-]\d{4}"
    r"(?![\w-]|[./]\d)(?:\s*(?:ext\.?|x|extension)\s*\d{1,6})?)"
    # Digits only, or seven digits: phone-shaped only beside a phone word.
    r"|(?P<bare>(?:\+?1)?\d{10}|\d{3}-\d{4})"
    # International (+44 7911 123456): each group after the country code
    # starts with a separator or a parenthesis, so a long run of digits has
    # only one way to be split.
    r"|(?P<international>\+(?!1\b)(?:\d{1,3}(?:\s?\(\d{1,5}\)|[\s.-]\d{1,8}){2,6}|\d{8,15}))"
    # National numbers with a trunk prefix (020 8672 1255).
    r"|(?P<trunk>0\d{2,4}[\s-]\d{3,4}[\s-]?\d{3,4})"
    r")(?![\w-]|[./]\d)"
)
# The numbering plans a trunk-prefix number is tried in.
_TRUNK_REGIONS = ("GB", "AU", "IE", "NZ")

# Searched in lower-case windows.
_PHONE_WORD = re.compile(
    r"\b(?:call(?:ed|ing)?|phone|ph|tel|telephone|cell(?:phone)?|mobile|mob|landline|number|no|"
    r"contact|text(?:ed)?|reach|ring|dial|voicemail|whatsapp|pager|home|work)\b|\b[tpmhc]:"
)
_FAX_WORD = re.compile(r"\b(?:fax(?:ed|ing)?|facsimile)(?:\s*(?:number|no\b\.?|#))?|\bf:")
# Toll-free lines belong to organisations (helplines, insurers), never to a
# patient; the public crisis lines (988, 911) are too short to match at all.
_TOLL_FREE = frozenset({"800", "833", "844", "855", "866", "877", "888"})


def _last_cue(window: str) -> tuple[int, bool]:
    """The end of the last phone or fax word in `window` (-1 for none), and
    whether that word was a fax word."""
    phone = max((m.end() for m in _PHONE_WORD.finditer(window)), default=-1)
    fax = max((m.end() for m in _FAX_WORD.finditer(window)), default=-1)
    return max(phone, fax), fax >= 0 and fax >= phone


def _parse(candidate: str, region: str | None = "US") -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None


def _valid_in(candidate: str, region: str) -> bool:
    number = _parse(candidate, region)
    return number is not None and phonenumbers.is_valid_number(number)


def _candidate(match: re.Match[str]) -> tuple[bool, int] | None:
    """Whether a phone-shaped match is valid in its numbering plan, and how
    sure that makes it; None when it is no phone number at all."""
    candidate = match.group()
    if match.group("nanp"):
        number = _parse(candidate)
        if number is None or str(number.national_number)[:3] in _TOLL_FREE:
            return None
        return phonenumbers.is_valid_number(number), SHAPE
    if match.group("bare"):
        return False, SHAPE
    if match.group("international"):
        return (True, CHECKED) if _valid_in(candidate, "US") else None
    return (True, SHAPE) if any(_valid_in(candidate, region) for region in _TRUNK_REGIONS) else None


def phones(source: Source) -> Iterator[Hit]:
    text, lower = source.text, source.lower
    if not _PHONE_GATE.search(text):
        return
    previous_end = -1
    for match in _PHONE.finditer(text):
        found = _candidate(match)
        if found is None:
            continue
        (start, end), (valid, strength) = match.span(), found
        window = clause_before(lower, start, 40)
        # In a list of numbers ("T: 503-… F: 503-…") each number reads only the
        # words between it and the number before it.
        if previous_end > start - len(window):
            window = lower[previous_end:start]
        cue, is_fax = _last_cue(window)
        if cue < 0 and not valid:
            continue
        previous_end = end
        kind, reason = (Kind.FAX, "a fax number") if is_fax else (Kind.PHONE, "a phone number")
        yield Hit(start, end, kind, reason, strength if cue < 0 else CHECKED)


# --- social security and national insurance numbers ------------------------

# The dashed form is distinctive enough alone, once the numbers the SSA never
# issues are left out (area 000, 666 or 9xx, group 00, serial 0000).
_SSN_SHAPE = re.compile(r"(?=\d)(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])")
_SSN_WORDS = ("ssn", "ss", "social", "soc", "national", "nino", "sin", "ni")
# Searched in the lower-case text; SIN and NI count only in capitals.
_SSN_LABEL = re.compile(
    r"\b(?:ssn|ss\s?#|ss\s?no\b\.?|social\s+security(?:\s+(?:number|no\.?|num))?"
    r"|soc\.?\s+sec\.?(?:\s+(?:number|no\.?))?|social\s+insurance\s+number|national\s+insurance(?:\s+number)?"
    r"|nino|(?P<upper>sin\b|ni(?=\s+(?:number|no\b))))"
    r"(?:\s*(?:[:#=]|\b(?:number|no\.?|is|was|are|as|of|ending\s+in|ends\s+in)\b))*\s*"
    r"(?P<value>\d{3}[\s-]?\d{2}[\s-]?\d{4}(?!\d)|\d{3}\s\d{3}\s\d{3}(?!\d)"
    r"|[a-z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[a-d]\b|\d{4}\b)"
)
_PARTIAL = re.compile(r"\b(?:last\s+(?:four|4)|ending|ends)\b")


def ssns(source: Source) -> Iterator[Hit]:
    text, lower = source.text, source.lower
    if source.has(*_SSN_WORDS):
        for match in _SSN_LABEL.finditer(lower):
            upper = match.span("upper")
            if upper[0] >= 0 and not text[upper[0] : upper[1]].isupper():
                continue
            value = match.group("value")
            start, end = match.span("value")
            # Four digits are the usual partial SSN, but only when the text says so.
            if len(value) == 4 and not _PARTIAL.search(lower, max(0, match.start() - 30), end):
                continue
            yield Hit(start, end, Kind.SSN, "a social security number, labelled", LABELLED)
    if "-" in text:
        for match in _SSN_SHAPE.finditer(text):
            yield Hit(match.start(), match.end(), Kind.SSN, "a social security number", CHECKED)


# --- IP addresses ----------------------------------------------------------

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?=\d)(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?!\w|\.\d)")
_IPV6 = re.compile(r"(?=[0-9a-f:])(?<![\w:.])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?![\w:])")
# Four dotted numbers after these words are a version or a section.
_NOT_AN_ADDRESS = re.compile(
    r"(?:\b(?:version|ver|v|build|release|firmware|update|section|chapter|table|figure|fig|step|item|"
    r"clause|rule|appendix|§)\.?\s*|\bv)$"
)


def ips(source: Source) -> Iterator[Hit]:
    text, lower = source.text, source.lower
    if text.count(".") >= 3:
        for match in _IPV4.finditer(text):
            if _NOT_AN_ADDRESS.search(lower, max(0, match.start() - 12), match.start()):
                continue
            yield Hit(match.start(), match.end(), Kind.IP, "an IP address", CHECKED)
    if "::" in text or text.count(":") >= 7:
        for match in _IPV6.finditer(lower):
            try:
                ipaddress.IPv6Address(match.group())
            except ValueError:
                continue
            yield Hit(match.start(), match.end(), Kind.IP, "an IPv6 address", CHECKED)
