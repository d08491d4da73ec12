"""National Provider Identifiers: the check on entry, and name matching against
the NPPES registry.

An NPI is 10 digits, the first 1 (a person) or 2 (an organisation), and the last
a Luhn check digit computed over "80840" (the US health-industry prefix of
ISO/IEC 7812) followed by the first nine digits. The check proves only that the
number is well formed, not that anyone holds it; the registry match and a
moderator's confirmation say more, and each badge says which was done.
"""

from __future__ import annotations

import re
import unicodedata

from forum.errors import InvalidInput

PREFIX = "80840"
LENGTH = 10
CHECK_DIGIT_MESSAGE = (
    "Not a valid NPI; the check digit does not match: an NPI like this one cannot exist (mistyped digit?)"
)
# What a reader may type between the digits ("1234-567-893", "1234 567 893").
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")


def luhn_ok(digits: str) -> bool:
    """The Luhn check over a string of ASCII digits (its last digit is the check digit)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _is_ascii_digits(text: str) -> bool:
    # str.isdigit() also accepts "٣" and "³": an NPI is ASCII digits only.
    return text.isascii() and text.isdigit()


def is_valid_npi(value: str | None) -> bool:
    """True for 10 ASCII digits starting with 1 or 2 that pass the check digit."""
    return (
        value is not None
        and len(value) == LENGTH
        and _is_ascii_digits(value)
        and value[0] in "12"
        and luhn_ok(PREFIX + value)
    )


def check_npi(value: str) -> str:
    """The NPI's 10 digits (spaces and dashes dropped), or InvalidInput saying what is wrong."""
    digits = _SEPARATORS.sub("", value)
    if not digits:
        raise InvalidInput("Enter an NPI: 10 digits, as on the NPPES registry.", field="npi")
    if not _is_ascii_digits(digits):
        raise InvalidInput(
            "An NPI is 10 digits, with no letters or other signs (spaces and dashes are fine).", field="npi"
        )
    if len(digits) != LENGTH:
        raise InvalidInput(f"An NPI is 10 digits; this one has {len(digits)}.", field="npi")
    if digits[0] not in "12":
        raise InvalidInput(f"An NPI must start with 1 or 2; this one starts with {digits[0]}.", field="npi")
    if not luhn_ok(PREFIX + digits):
        raise InvalidInput(CHECK_DIGIT_MESSAGE, field="npi")
    return digits


# Names ------------------------------------------------------------------------

# Dropped where words join: "O'Brien" is "obrien", "M.D." is "md".
_JOINERS = re.compile(r"['\u2018\u2019\u02bc.]")
_NOT_WORD = re.compile(r"[^0-9a-z]+")
# Courtesy titles a member may write before their name; the registry keeps them elsewhere.
_TITLES = frozenset({"dr", "doctor", "prof", "professor", "mr", "mrs", "ms", "miss", "mx"})
# Legal forms an organisation may write or leave out: "Mayo Clinic, Inc." is "MAYO CLINIC".
_LEGAL_FORMS = frozenset({"inc", "incorporated", "llc", "llp", "lp", "ltd", "limited", "corp", "corporation", "co", "company", "pc", "pllc", "pa"})


def name_words(text: str) -> list[str]:
    """A name as plain lower-case ASCII words: case, accents and punctuation ignored."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.replace("ß", "ss").replace("æ", "ae").replace("ø", "o").replace("đ", "d").replace("ł", "l")
    return [word for word in _NOT_WORD.split(_JOINERS.sub("", plain)) if word]


def person_key(name: str, *, credential: str = "") -> tuple[str, ...]:
    """A person's name for comparison: titles in front, the registry's credential
    at the end ("MD", "RN, MSN") and initials (middle or otherwise) left out."""
    words = name_words(name)
    while words and words[0] in _TITLES:
        words.pop(0)
    credentials = set(name_words(credential))
    while words and words[-1] in credentials:
        words.pop()
    return tuple(word for word in words if len(word) > 1)


def organisation_key(name: str) -> tuple[str, ...]:
    words = name_words(name)
    if words and words[0] == "the":
        words.pop(0)
    while words and words[-1] in _LEGAL_FORMS:
        words.pop()
    return tuple(words)


def registry_name_matches(
    *,
    entity_type: str,
    first_name: str,
    last_name: str,
    organisation_name: str,
    credential: str,
    full_name: str,
    organisation: str,
) -> bool:
    """Whether a member's names agree with a registry record.

    A person (entity type 1) matches on first and last name, in that order; an
    organisation (type 2) on its legal business name. Nothing empty matches.
    """
    if entity_type == "2":
        registered = organisation_key(organisation_name)
        return bool(registered) and organisation_key(organisation) == registered
    registered = person_key(f"{first_name} {last_name}")
    return bool(registered) and person_key(full_name, credential=credential) == registered
