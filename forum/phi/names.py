"""Names beside a patient cue.

A name alone is not a finding: clinicians name each other, authors, public
figures and the person they reply to. A name is held when the text ties it to
a patient: "my patient John Smith", "Mrs. Alvarez in bed 4", "the family of
Harold Becker", "José Martínez's wife", "a woman named Priya Raman",
"Tom Reilly, a 58-year-old roofer", or an honorific in a clinical context.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator

from forum.phi.context import Source, starts_word
from forum.phi.kinds import CHECKED, Hit, Kind
from forum.phi.words import EPONYMS, ORGANISATION_WORDS, PARTICLES, STOPWORDS

# A word of a name: Unicode letters, inner apostrophes and hyphens; an
# initial keeps its dot ("J.").
_WORD = re.compile(r"[^\W\d_](?:[\w'’-]*[^\W\d_])?\.?")
_POSSESSIVE = re.compile(r"['’]s?$")
_SPACE = re.compile(r"[ \t\u00a0]")
_SPACES = re.compile(r"\s*")
_HONORIFIC = re.compile(r"(?:Mr|Mrs|Ms|Miss|Mx|Mstr)\b\.?\s+")
# After "my patient" a doctor is a patient too ("my patient, Dr. Evans").
_PATIENT_HONORIFIC = re.compile(r"(?:Mr|Mrs|Ms|Miss|Mx|Mstr|Dr|Prof)\b\.?\s+")
_HONORIFIC_LOWER = frozenset({"mr", "mrs", "ms", "miss", "mx", "mstr"})
_MONTHS = frozenset({"April", "May", "June", "August"})  # also first names


def _core(word: str) -> tuple[str, bool]:
    """The word without a final dot or possessive, and whether it ended the
    name (a possessive, or a full stop after more than an initial)."""
    if word.endswith("."):
        core = word[:-1]
        return core, len(core) > 1
    stripped = _POSSESSIVE.sub("", word)
    return stripped, stripped != word


def _name_like(core: str, *, allow_month: bool = False) -> bool:
    if not core or not core[0].isupper():
        return False
    if len(core) == 1:
        return False  # a lone capital ("Patient X") is a placeholder, not a name
    if core.isupper():
        return False  # an acronym: SGLT2, ICU, COPD
    return core not in STOPWORDS or (allow_month and core in _MONTHS)


def _forward(text: str, pos: int, *, honorific: bool, doctor: bool = False) -> tuple[int, int] | None:
    """The name starting at `pos` (after an optional honorific, "Dr." too
    when `doctor`), if any."""
    if honorific and (match := (_PATIENT_HONORIFIC if doctor else _HONORIFIC).match(text, pos)):
        pos = match.end()
    words: list[tuple[int, int]] = []
    while len(words) < 4:
        match = _WORD.match(text, pos)
        if match is None:
            break
        word = match.group()
        if word in PARTICLES and words:
            # "Ana de la Cruz": a particle joins only what follows it.
            pos = match.end() + 1
            continue
        core, ends = _core(word)
        initial = len(core) == 1 and word.endswith(".") and core.isupper()
        if not initial and not _name_like(core, allow_month=not words):
            if core in ORGANISATION_WORDS:
                return None  # "Mayo Clinic" is a place, not a person
            break
        words.append((match.start(), match.start() + len(core)))
        pos = match.end()
        if ends or not _SPACE.match(text, pos):
            break
        pos += 1
    while words and words[-1][1] - words[-1][0] == 1:
        words.pop()  # a name does not end on an initial
    if len(words) == 1 and text[words[0][0] : words[0][1]] in _MONTHS:
        return None  # "the patient May 3": a month, unless a surname follows
    return (words[0][0], words[-1][1]) if words else None


def _backward(text: str, pos: int) -> tuple[int, int, str] | None:
    """The name ending at `pos` (up to three words, separated by spaces), and
    the word before it in lower case ("" when punctuation comes first)."""
    while pos > 0 and text[pos - 1] in " \t":
        pos -= 1
    kept: list[tuple[int, int]] = []
    before = ""
    edge = pos
    for match in reversed(list(_WORD.finditer(text, max(0, pos - 60), pos))):
        if text[match.end() : edge].strip(" \t") or (not kept and match.end() != pos):
            break  # punctuation between, or the text does not end on a word
        word = match.group()
        core = word.rstrip(".")
        initial = len(core) == 1 and word.endswith(".") and bool(kept)
        if len(kept) < 3 and (_name_like(core) or initial):
            kept.append((match.start(), match.start() + len(core)))
            edge = match.start()
            continue
        before = core
        break
    if not kept:
        return None
    return kept[-1][0], kept[0][1], before.lower()


# The cues below are searched in the lower-case text (see `Source`); the
# name after or before a cue is read in the text as typed, capitals and all.

# The cue may be followed by Markdown emphasis or punctuation: "**Patient:** John Smith".
_PATIENT = re.compile(
    r"(?=[pcvdr])(?:patient|client|veteran|decedent|pt|(?P<resident>resident))\b(?:\s+name)?[\s:,.–—*_-]{0,6}"
)
_PATIENT_GATE = ("patient", "client", "veteran", "decedent", "pt", "resident")
_DETERMINER = re.compile(r"(?:\b(?:my|our|the|this|that|a|your|his|her)\s+)?$")
_HONORIFIC_CUE = re.compile(r"M(?:rs?|s|iss|x|str)\b\.?(?=\s+[^\W\d_])")
_FAMILY_WORDS = (
    r"daughter|son|wife|husband|mother|father|mum|mom|dad|partner|sister|brother|niece|nephew"
    r"|granddaughter|grandson|caregiver|carer|family|children|kids|parents|widow|widower|fianc[ée]e?"
    r"|girlfriend|boyfriend|guardian|aunt|uncle|cousin"
)
_FAMILY_OF = re.compile(r" of\s+(?=[^\W\d_])")
_FAMILY_BEFORE = re.compile(rf"\b(?:{_FAMILY_WORDS}|next\s+of\s+kin)$")
_FAMILY_AFTER = re.compile(rf"['’]s\s+(?:(?:late|elderly|adult|eldest|youngest)\s+)?(?P<cue>{_FAMILY_WORDS})\b")
# "the Smith family": a surname before "family", after "the".
_THE_FAMILY = re.compile(r"\s+family\b")
_BED_GATE = ("bed", "room", "bay", "rm", "cubicle")
_BED_AFTER = re.compile(r"\s+(?:in|from|at)\s+(?:bed|room|bay|rm\.?|cubicle|side\s+room)\s*#?\s*\d+[a-z]?\b")
_BED_BEFORE = re.compile(r"\b(?:bed|room|bay|rm\.?)\s*#?\s*\d+[a-z]?\s*(?:[:(,–—-]|\bis\b)\s*")
_NAMED = re.compile(
    r"\b(?:a|an|the|this|one|my|our)\s+(?:(?:young|old|elderly|older|middle-aged|\d{1,3}[- ]year[- ]old)\s+)?"
    r"(?:man|woman|lady|gentleman|guy|boy|girl|child|kid|baby|infant|toddler|teen|teenager|patient|pt"
    r"|resident|veteran|mother|father|mom|mum|dad|client|person|widow|widower)\s+"
    r"(?P<cue>named|called|by\s+the\s+name\s+of)\s+"
)
_NAME_IS = re.compile(
    r"\b(?:her|his|their|the\s+patient['’]s|the\s+pt['’]s|pt['’]s|patient['’]s)\s+"
    r"(?:(?:full|first|last|real|legal|maiden|given)\s+)?(?:name|surname)\s*(?:is|was|:)\s*"
)
_AGE_AFTER = re.compile(
    r",\s*(?:(?:a|an)\s+\d{1,3}[-\s](?:year|yr|month|week|day)s?[-\s]old\b|\d{1,3}\s?(?:yo|y/o|[mf])\b)"
    r"|\(\d{1,3}\s?(?:yo|y/o|[mf])\)"
)
_PLACE_PREPOSITIONS = frozenset({"in", "at", "from", "near", "to", "of", "outside", "around", "across"})

# Around an honorific, the care of a patient...
_CLINICAL = re.compile(
    r"\b(?:admit\w*|discharg\w*|bed|ward|icu|ed|clinic|appointment|appt|visit|consult\w*|diagnos\w*"
    r"|surgery|post-?op|pre-?op|meds|medications?|insulin|dialysis|chemo\w*|pain|fever|spiked|sepsis"
    r"|fell|falls?|falling|wound|labs|scan|biopsy|dnr|code\s+status|hospice|palliative|dementia|delirium"
    r"|stroke|cancer|copd|chf|pneumonia|daughter|son|wife|husband|family|caregiver|refus\w*|stopped"
    r"|started|dose|symptoms?|rash|bleed\w*|cough\w*|tablets?|pills?|prescri\w*|follow-?up|referr\w*"
    r"|patient|pt|told\s+me|seeing|saw|seen|nurse|ambulance|overnight|hb|inr|sodium|potassium|bp|glucose"
    r"|sugars?|breathless\w*|frail|transfusion|catheter|dressing|ulcer|infection|antibiotics?|room\s*\d+)\b"
)
# ...unless the text is about public life or fiction.
_PUBLIC = re.compile(
    r"\b(?:announced|announcement|reporters?|press|ceo|president|secretary|senator|senate|congress\w*"
    r"|governor|minister|commissioner|spokes\w+|administration|campaign|election|white\s+house|novel|film"
    r"|movie|reading\s+list|character|episode|author|essay|podcast|interview\w*|op-ed)\b"
)


def _hit(span: tuple[int, int] | None, reason: str) -> Hit | None:
    if span is None:
        return None
    return Hit(span[0], span[1], Kind.NAME, reason, CHECKED)


def _after_cues(source: Source) -> Iterator[Hit | None]:
    text, lower = source.text, source.lower
    if source.has(*_PATIENT_GATE):
        for match in _PATIENT.finditer(lower):
            start = match.start()
            # "pt" in capitals is physical therapy; a resident is also a doctor
            # in training ("our resident, Sarah, presented"): a resident of a
            # home counts only with an honorific.
            if not starts_word(lower, start) or text[start : start + 2] == "PT":
                continue
            if match.group("resident") and not _HONORIFIC.match(text, match.end()):
                continue
            determiner = _DETERMINER.search(lower, max(0, start - 6), start)
            cue = " ".join(lower[determiner.start() if determiner else start : match.end()].split())
            cue = cue.rstrip(":,.–—*_- ")
            span = _forward(text, match.end(), honorific=True, doctor=not match.group("resident"))
            yield _hit(span, f"a name after '{cue}'")
    if " of" in lower:
        for match in _FAMILY_OF.finditer(lower):
            family = _FAMILY_BEFORE.search(lower, max(0, match.start() - 14), match.start())
            if family is not None:
                cue = " ".join(family.group().split())
                yield _hit(_forward(text, match.end(), honorific=True), f"a name beside a relative ('{cue} of')")
    if source.has(*_BED_GATE):
        for match in _BED_BEFORE.finditer(lower):
            yield _hit(_forward(text, match.end(), honorific=True), "a name beside a bed or room number")
    if source.has("named", "called"):
        for match in _NAMED.finditer(lower):
            cue = match.group("cue")
            yield _hit(_forward(text, match.end(), honorific=True), f"a person's name, introduced by '{cue}'")
    if "name" in lower:
        for match in _NAME_IS.finditer(lower):
            yield _hit(_forward(text, match.end(), honorific=True), "a person's name, given as their name")


def _near(positions: list[int], start: int, end: int) -> bool:
    """Whether any of the sorted `positions` lies within [start, end)."""
    index = bisect_left(positions, start)
    return index < len(positions) and positions[index] < end


def _honorifics(source: Source) -> Iterator[Hit | None]:
    text, lower = source.text, source.lower
    clinical: list[int] | None = None
    public: list[int] = []
    for match in _HONORIFIC_CUE.finditer(text):
        if not starts_word(text, match.start()):
            continue
        span = _forward(text, _SPACES.match(text, match.end()).end(), honorific=False)
        if span is None:
            continue
        if clinical is None:
            # Where the clinical and the public words are, found once: a
            # long text may hold thousands of honorifics.
            clinical = [m.start() for m in _CLINICAL.finditer(lower)]
            public = [m.start() for m in _PUBLIC.finditer(lower)]
        window = (max(0, match.start() - 150), span[1] + 150)
        if _near(clinical, *window) and not _near(public, *window):
            yield _hit(span, f"a name after '{match.group()}' in a clinical context")


def _before_cues(source: Source) -> Iterator[Hit | None]:
    text, lower = source.text, source.lower
    if "'" in text or "’" in text:
        for match in _FAMILY_AFTER.finditer(lower):
            found = _backward(text, match.start())
            if found is not None and text[found[0] : found[1]].split()[-1] not in EPONYMS:
                cue = match.group("cue")
                yield _hit(found[:2], f"a name beside a relative ('{cue}')")
    if "family" in source.words:
        for match in _THE_FAMILY.finditer(lower):
            if text[match.end() - 6 : match.end()] != "family":
                continue  # "The Addams Family" is a title
            found = _backward(text, match.start())
            if found is not None and found[2] == "the" and text[found[0] : found[1]].split()[-1] not in EPONYMS:
                yield _hit(found[:2], "a name beside a relative ('family')")
    if source.has(*_BED_GATE):
        for match in _BED_AFTER.finditer(lower):
            found = _backward(text, match.start())
            if found is not None:
                yield _hit(found[:2], "a name beside a bed or room number")
    if "," in text or "(" in text:
        for match in _AGE_AFTER.finditer(lower):
            found = _backward(text, match.start())
            # "Tom Reilly, a 58-year-old" or "Mr. Reilly, 58M" but not "In
            # Rochester, a 70-year-old".
            if found is None or found[2] in _PLACE_PREPOSITIONS:
                continue
            if " " in text[found[0] : found[1]] or found[2] in _HONORIFIC_LOWER:
                yield _hit(found[:2], "a name beside the person's age")


def names(source: Source) -> Iterator[Hit]:
    if source.lower == source.text:
        return  # no capital letter, so no name
    for found in (*_after_cues(source), *_honorifics(source), *_before_cues(source)):
        if found is not None:
            yield found
