"""Numbers that identify a person only through their label: record, plan,
account, licence, device and vehicle numbers; and the few such numbers whose
format carries a check (DEA, Medicare MBI, VIN, payment cards, MAC addresses).

A bare run of digits is never enough: "MRN 4471293" is held, "PMID 31452104"
and "CPT 99213" are not, because nothing here labels them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from forum.phi.context import Source
from forum.phi.kinds import CHECKED, LABELLED, Hit, Kind

# Every pattern here is searched in the lower-case text (see `Source`).

# "serial number on the LVAD controller is 5521-0098": a short aside between
# a label and its value, closed by "is", "was" or a colon.
_ASIDE = (
    r"(?:\s+(?:on|of|for|from)\s+(?:the|her|his|their|a|my)\s+(?:[\w-]+\s+){0,2}?[\w-]+\s*(?:is|was|reads|:))?"
)
# Between a label and its value: "MRN: 4471293", "member # W1234", "Medicaid
# number is 1122", "serial number ending in 7720". Each filler consumes at
# least one character and the count is bounded, so this cannot backtrack far.
_FILLER = (
    r"(?:\s*(?:[:#=]|\b(?:no|nos|nr)\b\.?|\b(?:numbers?|num|id|is|was|of|on\s+file|ending\s+in|ends\s+in)\b)){0,4}"
    r"\s*"
)
# A value: tokens joined by - . / with a digit somewhere, or digit groups
# separated by single spaces (NHS 943 476 5919).
_VALUE = r"(?P<value>(?=[a-z0-9./-]*\d)[a-z0-9]+(?:[-./][a-z0-9]+)*(?:\s\d{2,4}(?![\w-]))*)"
_ANY_VALUE = r"(?P<value>[a-z0-9])"  # located here, measured in the text as typed
# Plates and VINs are written in capitals; read again from the text as typed.
_PLATE = re.compile(r"[A-Z0-9]{1,8}(?:[ -][A-Z0-9]{2,8}){0,2}(?![\w-])")
_VIN_VALUE = re.compile(r"[A-HJ-NPR-Z0-9]{17}\b")
_NUMBER_WORD = r"(?:\s+(?:number|no\.?|nr\.?|num|id)(?![a-z])|\s*#)"


class _Rule(NamedTuple):
    kind: Kind
    labels: frozenset[str]  # words that are a label by themselves
    qualified: frozenset[str]  # words that are a label with a number word ("chart number")
    pattern: re.Pattern[str]
    reason: str
    min_digits: int
    typed: re.Pattern[str] | None  # the value's shape in the text as typed


def _rule(
    kind: Kind,
    words: tuple[str, str],
    label: str,
    reason: str,
    *,
    typed: re.Pattern[str] | None = None,
    min_digits: int = 4,
) -> _Rule:
    value = _ANY_VALUE if typed else _VALUE
    pattern = re.compile(rf"(?:{label}){_ASIDE}{_FILLER}{value}")
    labels, qualified = (frozenset(group.split()) for group in words)
    return _Rule(kind, labels, qualified, pattern, reason, min_digits, typed)


_NUMBER_WORDS = frozenset({"number", "numbers", "no", "nos", "nr", "num", "id", "identifier"})


def _worth_searching(source: Source, rule: _Rule) -> bool:
    """Whether the text has the words this rule's labels are made of: most
    comments have none, and a search costs more than this test."""
    words = source.words
    if not words.isdisjoint(rule.labels):
        return True
    if words.isdisjoint(rule.qualified):
        return False
    return not words.isdisjoint(_NUMBER_WORDS) or "#" in source.text or ":" in source.text


# A label in the group "upper" counts only when typed in capitals: "HAR",
# "FIN", "SN", "DL" are words in lower case.
_RULES = (
    _rule(
        Kind.MEDICAL_RECORD,
        ("mrn empi nhs emr", "mr medical med chart record hospital unit case ur chi patient pt"),
        r"\b(?:mrn|mr\s?#|mr\s?no\b|empi"
        r"|(?:medical\s+record|med\s+rec(?:ord)?|chart|record|hospital|unit|case|ur|nhs|chi|emr)" + _NUMBER_WORD
        + r"|medical\s+record(?=\s*[#:])|(?:patient|pt)\s+(?:id|identifier|number|no\.?|#))",
        "a medical record number",
    ),
    _rule(
        Kind.HEALTH_PLAN,
        (
            "mbi hicn",
            "member subscriber beneficiary enrollee policy policyholder group insurance insurer health plan"
            " medicaid medicare medi tricare chip bcbs blue aetna cigna humana uhc anthem kaiser card",
        ),
        r"\b(?:(?:member|subscriber|beneficiary|enrollee|policy(?:holder)?|group|insurance|insurer|health\s+plan"
        r"|plan|medicaid|medicare|medi-cal|tricare|chip|bcbs|blue\s+cross|aetna|cigna|humana|uhc|anthem"
        r"|kaiser)(?:\s+card)?" + _NUMBER_WORD + r"+|(?P<upper>mbi|hicn)\b)",
        "a health plan number",
    ),
    _rule(
        Kind.ACCOUNT,
        ("account acct har fin csn", "a encounter visit claim invoice billing statement financial"),
        r"\b(?:(?:account|acct|a/c)" + _NUMBER_WORD + r"+|acct\.?\s*#"
        r"|(?:billing|hospital|patient|guarantor|bank|checking|savings|self-pay)\s+account"
        r"|(?:encounter|visit|claim|invoice|billing|statement|financial)" + _NUMBER_WORD
        + r"|(?P<upper>har|fin|csn)\b)",
        "an account number",
    ),
    _rule(
        Kind.LICENCE,
        ("licence license dea dl", "lic passport state national certificate cert"),
        r"\b(?:(?:licen[cs]e|lic\.?)" + _NUMBER_WORD + r"+|licen[cs]e\s*#"
        r"|(?:driver'?s?|driving|medical|nursing|pharmacy|pharmacist|professional|state|practitioner"
        r"|prescriber|rn|md|do|np|pa)\s+licen[cs]e\b(?!\s+plate)"
        r"|(?P<upper>dea)(?:\s+(?:number|no\.?|registration|reg\.?))?|(?P<upper2>dl)\b"
        r"|passport" + _NUMBER_WORD + r"|(?:state|national)\s+id(?:\s+card)?"
        r"|(?:certificate|cert\.?)" + _NUMBER_WORD + ")",
        "a licence or certificate number",
    ),
    _rule(
        Kind.DEVICE,
        (
            "serial sn s udi imei",
            "ser device transmitter sensor pump implant generator pacemaker receiver controller",
        ),
        r"\b(?:(?:serial|ser\.?\s*no\.?)(?:" + _NUMBER_WORD + r")?|s/n|(?P<upper>sn)\b"
        r"|(?:device|transmitter|sensor|pump|implant|generator|pacemaker|receiver|controller)\s+"
        r"(?:id|identifier|serial)\b|(?P<upper2>udi(?:-di)?|imei)\b)",
        "a device serial number",
    ),
    _rule(
        Kind.VEHICLE,
        ("plate plates tag registration reg", ""),
        r"\b(?:(?:licen[cs]e\s+|number\s+)?plates?|tag|(?:vehicle\s+)?registration|reg\.?)\b"
        r"(?:" + _NUMBER_WORD + r"|\s+(?:plate|mark))?",
        "a licence plate",
        typed=_PLATE,
        min_digits=1,
    ),
    _rule(
        Kind.VEHICLE,
        ("vin chassis", "vehicle"),
        r"\b(?:(?P<upper>vin)\b|vehicle\s+identification\s+number|chassis\s+number)",
        "a vehicle identification number",
        typed=_VIN_VALUE,
        min_digits=1,
    ),
)


def _digits(value: str) -> int:
    return sum(char.isdigit() for char in value)


def _plate_like(value: str) -> bool:
    characters = [char for char in value if char.isalnum()]
    return len(characters) >= 4 and any(char.isalpha() for char in characters)


def _typed_in_capitals(text: str, match: re.Match[str]) -> bool:
    for group in ("upper", "upper2"):
        if group in match.re.groupindex:
            start, end = match.span(group)
            if start >= 0 and not text[start:end].isupper():
                return False
    return True


def _value_span(text: str, rule: _Rule, match: re.Match[str]) -> tuple[int, int] | None:
    start, end = match.span("value")
    if rule.typed is not None:
        typed = rule.typed.match(text, start)
        if typed is None or not _plate_like(typed.group()):
            return None
        start, end = typed.span()
    if _digits(text[start:end]) < rule.min_digits:
        return None
    return start, end


def labelled(source: Source) -> Iterator[Hit]:
    text, lower = source.text, source.lower
    for rule in _RULES:
        if not _worth_searching(source, rule):
            continue
        for match in rule.pattern.finditer(lower):
            if not _typed_in_capitals(text, match):
                continue
            span = _value_span(text, rule, match)
            if span is not None:
                yield Hit(span[0], span[1], rule.kind, rule.reason, LABELLED)


# --- formats with a check --------------------------------------------------

# One search for any code of capitals and digits, then each format by name.
_CODE = re.compile(r"[A-Z0-9](?<![\w-][A-Z0-9])[A-Z0-9-]{8,16}(?![\w-])")
_DEA = re.compile(r"[ABCDEFGHJKLMPRSTUX][A-Z9]\d{7}")
_MBI_LETTER = "AC-HJKMNP-RT-Y"
_MBI = re.compile(
    rf"[1-9][{_MBI_LETTER}][{_MBI_LETTER}0-9]\d-?[{_MBI_LETTER}][{_MBI_LETTER}0-9]\d-?[{_MBI_LETTER}]{{2}}\d{{2}}"
)
_VIN = re.compile(r"(?=[A-HJ-NPR-Z0-9]*[A-HJ-NPR-Z])(?=[A-HJ-NPR-Z0-9]*\d)[A-HJ-NPR-Z0-9]{17}")
# Card numbers start 3 to 6 (the issuers' ranges), which also keeps a list
# of years ("2019 2020 2021 2022") out.
_CARD = re.compile(r"[3-6](?<![\w-][3-6])\d{3}(?:([ -])\d{4}\1\d{4}\1\d{1,4}|([ -])\d{6}\2\d{5})(?![\w-])")
_MAC_GATE = re.compile(r"[:-][0-9A-Fa-f]{2}[:-][0-9A-Fa-f]{2}[:-]")
_MAC = re.compile(r"(?<![\w:-])[0-9A-Fa-f]{2}(?:([:-])[0-9A-Fa-f]{2})(?:\1[0-9A-Fa-f]{2}){4}(?![\w:-])")


def _dea_valid(value: str) -> bool:
    digits = [int(char) for char in value[2:]]
    check = digits[0] + digits[2] + digits[4] + 2 * (digits[1] + digits[3] + digits[5])
    return check % 10 == digits[6]


def _luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char)
        if index % 2:
            number = number * 2 - 9 if number > 4 else number * 2
        total += number
    return total % 10 == 0


_VIN_VALUES = {
    **{str(digit): digit for digit in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def _vin_valid(value: str) -> bool:
    total = sum(_VIN_VALUES[char] * weight for char, weight in zip(value, _VIN_WEIGHTS, strict=True))
    check = total % 11
    return value[8] == ("X" if check == 10 else str(check))


def _code(start: int, code: str) -> Hit | None:
    end = start + len(code)
    if _DEA.fullmatch(code) and _dea_valid(code):
        return Hit(start, end, Kind.LICENCE, "a DEA registration number", CHECKED)
    if _MBI.fullmatch(code):
        return Hit(start, end, Kind.HEALTH_PLAN, "a Medicare beneficiary identifier", CHECKED)
    if _VIN.fullmatch(code) and _vin_valid(code):
        return Hit(start, end, Kind.VEHICLE, "a vehicle identification number", CHECKED)
    return None


def checked_formats(source: Source) -> Iterator[Hit]:
    text = source.text
    for match in _CODE.finditer(text):
        code = match.group()
        if any(char.isalpha() for char in code) and (hit := _code(match.start(), code)) is not None:
            yield hit
    if " " in text or "-" in text:
        for match in _CARD.finditer(text):
            digits = re.sub(r"\D", "", match.group())
            if 13 <= len(digits) <= 19 and _luhn_valid(digits):
                yield Hit(match.start(), match.end(), Kind.ACCOUNT, "a payment card number", CHECKED)
    if _MAC_GATE.search(text):
        for match in _MAC.finditer(text):
            yield Hit(match.start(), match.end(), Kind.DEVICE, "a device's hardware (MAC) address", CHECKED)
