"""Dates tied to a person, and ages over 89.

Safe Harbor removes every element of a date but the year when the date
belongs to a person (birth, admission, discharge, death, a visit), and ages
over 89. A date alone is not an identifier: "the summit on March 3" and
"published on 2 May 2024" are events, "in 2023" is a year. So a date is held
only beside a word that ties it to a person.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from forum.phi.context import Source, clause_after, clause_before, starts_word
from forum.phi.kinds import CHECKED, Hit, Kind
from forum.phi.words import STOPWORDS

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
# Dates that start with a digit, searched in the text as typed: one number,
# then what follows it (read in `_numeric_date`). The first digit must not
# follow a word, a digit or a separator; the possessive quantifiers keep a
# long number from being re-read from its middle. Month names count only
# capitalised ("may" and "march" are verbs).
_NUMERIC_DATE = re.compile(
    r"(?P<n>\d(?<![\w/.-]\d)\d{0,3}+)(?:"
    r"(?P<sep>[/-])(?P<m>\d{1,4}+)(?:(?P=sep)(?P<y>\d{2,4}+))?"  # 3/14/1952, 2024-02-17, 5/18, 03/2024
    r"|\.(?P<dm>\d{1,2}+)\.(?P<dy>\d{2,4}+)"  # 09.11.2023
    rf"|(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?\b"  # 12 March 2024, 3rd of February
    r")(?![\w/]|[.-]\d)(?!\s+of\b)"
)
# "admitted on the 14th"
_ON_THE_DAY = re.compile(
    r"on the (?P<day>(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th))\b"
    r"(?!\s+(?:of\b|century|centile|percentile|floor|time|day|week|edition|birthday|anniversary|grade"
    r"|place|round))"
)
# March 30, Oct 3, 2023, September 2021
_MONTH_DATE = re.compile(rf"{_MONTH}(?:\s+{_DAY}\b(?:,?\s+{_YEAR}\b)?|,?\s+{_YEAR}\b)")

# Words that tie a date before them to a person, and what the date then is.
# All patterns from here on are searched in the lower-case text.
_CUES = (
    (r"dob|d\.o\.b\.?|date\s+of\s+birth|birth\s*date|birthday|born|b\.", "a date of birth"),
    (r"(?:re)?admitted|admission(?:\s+date)?|admit\s+date|date\s+of\s+admission", "an admission date"),
    (r"discharged|discharge\s+date|date\s+of\s+discharge", "a discharge date"),
    (r"died|dod|date\s+of\s+death|passed\s+away|deceased|expired", "a date of death"),
    (r"seen|saw|visited|presented|came\s+in|arrived|date\s+of\s+service|dos", "a visit date"),
    (r"operated\s+on|underwent|delivered|gave\s+birth|lmp|edd|due\s+date", "a procedure or delivery date"),
    (r"diagnosed|intubated|extubated|transferred|injured|fell|coded", "a date of care"),
)
_CUE = re.compile("|".join(rf"(?P<c{index}>\b(?:{words})(?!\w))" for index, (words, _) in enumerate(_CUES)))
# "her surgery on 5/18", "his last colonoscopy was on 14 Nov 2019": an event
# noun counts only when it is somebody's.
_OWNED_EVENT = re.compile(
    r"\b(?:her|his|their|pt['’]s|patient['’]s|[a-z]+['’]s)\s+(?:\w+\s+){0,2}?"
    r"(?:surgery|operation|procedure|op|scan|mri|ct|biopsy|colonoscopy|endoscopy|echo|visit|appointment|appt"
    r"|delivery|c-section|stroke|mi|fall|accident|injury|transplant|vaccination|dose|death|birth)\b"
)
# "On 4 June 2023 he presented to the ED": a person and an event after the date.
_EVENT_AFTER = re.compile(
    r"^\W*(?:\w+\W+){0,2}?(?:she|he|they|the\s+patient|the\s+pt|pt|patient|my\s+patient|our\s+patient"
    r"|mr\.?\s+\w+|mrs\.?\s+\w+|ms\.?\s+\w+)\s+(?:was\s+|were\s+|got\s+|had\s+been\s+)?"
    r"(?:admitted|readmitted|discharged|died|passed\s+away|presented|seen|came\s+in|arrived|underwent"
    r"|born|delivered|gave\s+birth|diagnosed|collapsed|fell|intubated|transferred|coded|arrested)\b"
)
# "her potassium was 5.1 on 12/01", "he went home on 3/4": a person in the
# clause and "on" right before the date.
_PERSON_ON = re.compile(
    r"\b(?:she|he|her|his|him|pt|patient|mr\.?\s+\w+|mrs\.?\s+\w+|ms\.?\s+\w+)\b.*\b(?:on|since)\s+$"
)
# Events of the profession, not of a patient: nearby, they outweigh a cue.
_NOT_A_PERSON = re.compile(
    r"\b(?:summit|conference|congress|webinar|meeting|symposium|workshop|course|session|seminar|grand\s+rounds"
    r"|journal\s+club|lecture|talk|deadline|abstracts?|registration|published|publication|released"
    r"|announced|issued|updated|effective|takes?\s+effect|guidelines?|policy|rule|newsletter|podcast"
    r"|event|training|exam|election)\b"
)
# Scores written as fractions: "pain 7/10", "power 4/5", "MoCA 22/30".
_SCORE_BEFORE = re.compile(
    r"\b(?:pain|score[ds]?|scale|rated?|rating|rates|strength|power|motor|reflexes|murmur|grade|mmse|moca|gcs"
    r"|vas|nrs|out\s+of)\W+(?:\w+\W+)?$"
)


def _day_month(first: int, second: int) -> bool:
    """Month/day or day/month: "120/80" is a blood pressure, "14/3" is a date."""
    return (1 <= first <= 12 and 1 <= second <= 31) or (1 <= second <= 12 and 1 <= first <= 31)


def _numeric_date(match: re.Match[str]) -> bool | None:
    """Whether a `_NUMERIC_DATE` match is a real date: True for a fraction-like
    one (5/18, which a score could also be), False for another date, None
    for no date at all."""
    number, separator = match.group("n"), match.group("sep")
    if match.group("dm"):
        middle, year = match.group("dm"), match.group("dy")
        dotted = len(number) <= 2 and len(year) != 3 and _day_month(int(number), int(middle))
        return False if dotted else None
    if not separator:
        return False if len(number) <= 2 and 1 <= int(number) <= 31 else None
    middle, year = match.group("m"), match.group("y")
    if len(number) == 4:  # ISO: 2024-02-17
        iso = separator == "-" and year is not None and len(middle) <= 2 and len(year) <= 2
        return False if iso and 1 <= int(middle) <= 12 and 1 <= int(year) <= 31 else None
    if len(number) > 2:
        return None
    if year is not None:
        return False if len(middle) <= 2 and len(year) != 3 and _day_month(int(number), int(middle)) else None
    if separator != "/":
        return None  # "10-12" is a range
    if len(middle) == 4:  # 03/2024
        return False if 1 <= int(number) <= 12 and middle[:2] in ("18", "19", "20") else None
    return True if len(middle) <= 2 and _day_month(int(number), int(middle)) else None


def _cue_reason(before: str) -> str | None:
    reason = None
    for match in _CUE.finditer(before):
        if match.lastgroup:
            reason = _CUES[int(match.lastgroup[1:])][1]
    if reason is None and _OWNED_EVENT.search(before):
        reason = "a date of care"
    return reason


def _date_hit(source: Source, start: int, end: int, fraction: bool) -> Hit | None:
    """A date held when the words around it tie it to a person."""
    before = clause_before(source.lower, start, 60)
    if fraction and _SCORE_BEFORE.search(before):
        return None
    after = clause_after(source.lower, end, 50)
    if _NOT_A_PERSON.search(before) or _NOT_A_PERSON.search(after):
        return None
    reason = _cue_reason(before)
    if reason is None and (_EVENT_AFTER.search(after) or _PERSON_ON.search(before)):
        reason = "a date of care"
    return None if reason is None else Hit(start, end, Kind.DATE, f"{reason} tied to a person", CHECKED)


def dates(source: Source) -> Iterator[Hit]:
    text = source.text
    for match in _NUMERIC_DATE.finditer(text):
        fraction = _numeric_date(match)
        if fraction is not None and (hit := _date_hit(source, match.start(), match.end(), fraction)):
            yield hit
    if "on the " in source.lower:
        for match in _ON_THE_DAY.finditer(source.lower):
            if starts_word(text, match.start()) and (hit := _date_hit(source, *match.span("day"), False)):
                yield hit
    for match in _MONTH_DATE.finditer(text):
        if starts_word(text, match.start()) and (hit := _date_hit(source, match.start(), match.end(), False)):
            yield hit


# --- ages over 89 ----------------------------------------------------------

# Every age form holds a number from 90 to 125 (but a birth year, or words):
# find those numbers first, then read the words around each. Searched in the
# lower-case text; a number must not continue a word, a number or a decimal.
_OLD = re.compile(r"(?:9(?<![\w.,]9)\d|1(?<![\w.,]1)(?:[01]\d|2[0-5]))(?!\d|[.,]\d)")
# Forms after the number: 93-year-old, 96 years old, 94 yo, 97 y/o, 103 years
# of age, 95th birthday, 90M. Not "95-year-olds", which is a population.
_AFTER = re.compile(
    r"(?:[\s-]+|-)(?:year|yr)s?[\s-]+old\b(?!s)"
    r"|\s?(?:yo|y/o|y\.o\.|yrs?\.?\s+old)(?!\w)"
    r"|\s+years?\s+of\s+age\b"
    r"|(?:st|nd|rd|th)\s+birthday\b"
    r"|(?P<sex>[mf])\b"
)
# Forms before the number: aged 91, age: 92, turned 100, at 98 (she…),
# she is 96, in her late 90s.
_BEFORE = re.compile(
    r"(?P<age>\b(?:aged?|age\s+is)\s*[:=]?\s*)$"
    r"|\b(?:turned|turns|turning)\s+$"
    r"|(?P<at>\bat\s+)$"
    r"|(?P<is>\b(?:she|he)(?:\s+(?:is|was)|['’]s)\s+(?:(?:now|only|just|nearly|almost)\s+)?)$"
    r"|(?P<decade>\bin\s+(?:her|his)\s+(?:(?:early|mid|late)[\s-]+)?)$"
)
_COUNTED_AFTER = re.compile(r"\s+(?:patients|people|users|persons|cases|visits|doses|dollars|records)\b")
_NAME_COMMA = re.compile(r"\b([A-Z][a-z]+(?:['’-][A-Za-z]+)?),\s*$")
_COMMA_AFTER = re.compile(r"\s*[,)]")
_AT_AFTER = re.compile(r",?\s+(?:she|he|my|our|the\s+patient|years)\b")
_NOT_AN_AGE_AFTER = re.compile(
    r"\s*(?:%|percent|kg|lbs?|mg|cm|mm|kilos|pounds|beats|bpm|degrees|°|/|\.\d|minutes|hours|days|weeks|months"
    r"|years?\s+(?:since|ago|from|into|out|post|after))"
)
_DECADE_AFTER = re.compile(r"(?<=0)(?:s|['’]s)\b")
# "aged 90 and over", "age 90+", "age 90-99": a range or a threshold.
_RANGE_AFTER = re.compile(r"\s*(?:\+|-|–|to\b|and\s+(?:over|older|above)|or\s+(?:over|older|more|above)|\s*plus)")
_POPULATION_BEFORE = re.compile(
    r"\b(?:patients|adults|people|persons|those|individuals|residents|participants|subjects|women|men|anyone"
    r"|everyone|cohort|population|over|above|under|than)\s*$|[<>≥≤]\s*$"
)
_TEMPERATURE_BEFORE = re.compile(r"\b(?:temp\w*|t|tmax|fever\w*|febrile|ran)\s*$")
_BORN = re.compile(r"\bborn\s+(?:in\s+)?(?P<year>1[89]\d\d)\b")
_NINETY = re.compile(
    r"\b(?:in\s+(?:her|his)\s+(?:(?:early|mid|late)[\s-]+)?nineties"
    r"|ninety(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?[\s-]+(?:year|yr)s?[\s-]+old\b(?!s))"
)


def _after_form(source: Source, start: int, end: int) -> tuple[int, int] | None:
    match = _AFTER.match(source.lower, end)
    if match is None:
        return None
    if match.group("sex") and _COUNTED_AFTER.match(source.lower, match.end()):
        return None  # "90M patients" is ninety million
    if match.group("sex"):
        # "90M" or "94F" in capitals; "99F" after a temperature is a fever.
        before = source.lower[max(0, start - 12) : start]
        sex = source.text[match.start("sex")]
        if not sex.isupper() or (sex == "F" and _TEMPERATURE_BEFORE.search(before)):
            return None
    return start, match.end()


def _beside_a_name(source: Source, start: int, end: int) -> tuple[int, int] | None:
    """ "Rosa Delgado, 91, came in": an age set off by commas after a name."""
    name = _NAME_COMMA.search(source.text, max(0, start - 30), start)
    if name is None or name.group(1) in STOPWORDS or not _COMMA_AFTER.match(source.text, end):
        return None
    return start, end


def _before_form(source: Source, start: int, end: int) -> tuple[int, int] | None:
    lower = source.lower
    match = _BEFORE.search(lower, max(0, start - 40), start)
    if match is None:
        return _beside_a_name(source, start, end)
    if match.group("decade"):
        decade = _DECADE_AFTER.match(lower, end)
        return (match.start(), decade.end()) if lower[start:end] == "90" and decade else None
    if match.group("age") or match.group("at"):
        population = _POPULATION_BEFORE.search(lower, max(0, match.start() - 20), match.start())
        if population or _RANGE_AFTER.match(lower, end):
            return None
        if match.group("at") and not _AT_AFTER.match(lower, end):
            return None
    if match.group("is") and _NOT_AN_AGE_AFTER.match(lower, end):
        return None
    return match.start(), end


def ages(source: Source) -> Iterator[Hit]:
    lower = source.lower
    for match in _OLD.finditer(lower):
        span = _after_form(source, *match.span()) or _before_form(source, *match.span())
        if span is not None:
            yield Hit(span[0], span[1], Kind.AGE, "an age over 89", CHECKED)
    if "born" in lower:
        this_year = dt.date.today().year
        for match in _BORN.finditer(lower):
            if 89 < this_year - int(match.group("year")) <= 125:
                yield Hit(match.start(), match.end(), Kind.AGE, "a birth year that puts the age over 89", CHECKED)
    if "ninet" in lower:
        for match in _NINETY.finditer(lower):
            yield Hit(match.start(), match.end(), Kind.AGE, "an age over 89", CHECKED)
