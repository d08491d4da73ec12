"""Which S.H.A.R.E. pillar an article belongs to: a suggestion a moderator can check.

Every imported article gets all five pillars, each with a score from 0 to 1
and the terms that earned it. The model is a word list, on purpose: a
moderator who disagrees can see exactly why, and change a weight.

How a score is made:

1. The title and the text are split into words, and each word is cut back
   to a rough stem, so that word forms and spellings meet: "analysing",
   "analyzing" and "analysis" are one word, as are "leader", "leaders" and
   "leadership", or "educate", "education" and "educator" (see `stem`).
2. Each pillar has a list of terms, single words and short phrases drawn from
   its definition in the S.H.A.R.E. post and its board's description, with
   the words health-care social media uses for it. Each term has a weight:
   3 for a term that names the pillar outright ("case study", "toolkit",
   "tweetchat", "curriculum"), 2 for a strong sign ("metrics", "policy",
   "event", "lesson"), 1 or less for a word that supports the others
   ("value", "tools", "community", "knowledge").
3. The words are read left to right, and the longest term that starts at a
   word takes it: "call to action" counts once, for Rally, and its "action"
   counts for nothing else; "lessons learned" is Showcase, not an Educate
   "lesson". Each word therefore counts for at most one term.
4. A term found in the title counts twice, and no term counts more than three
   times: an article that says "webinar" twenty times is no more Educate than
   one that says it three times.
5. A pillar's points are the sum of weight x count over its terms, and its
   score is points / (points + 6): 3 points score 0.33, 6 score 0.5, 12
   score 0.67, 24 score 0.8. A pillar with no matching term scores 0.

The five come back best first. Equal scores (after rounding to 3 places) keep
the S, H, A, R, E order, so a text that matches nothing (a recipe) still has a
first entry: Showcase with score 0. The importer uses the first entry as the
thread's home board unless one is given, and also lists the thread on every
other board scoring at least LISTING_THRESHOLD.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from forum.articles.dedupe import normalise_text

HALF_POINTS = 6.0  # the points at which a score is 0.5
TITLE_COUNT = 2  # a term in the title counts this many times
MAX_COUNT = 3  # no term counts more often than this
MAX_MATCHED = 8  # terms shown to moderators, per pillar

# A score of 0.5 is 6 points: two strong signs, or a term that names the
# pillar found twice (or once in the title). One supporting word, however
# often repeated, does not get there ("community" counts 4.5 at most), so a
# thread is listed on another board only when the article is about that
# pillar too.
LISTING_THRESHOLD = 0.5


@dataclass(frozen=True, slots=True)
class PillarScore:
    slug: str
    name: str
    score: float  # 0..1, rounded to 3 places
    matched: tuple[str, ...]  # the terms that contributed, strongest first


@dataclass(frozen=True, slots=True)
class Pillar:
    slug: str
    name: str
    terms: tuple[tuple[str, float], ...]


# The vocabulary. A term is written as a reader would write it; it is stemmed
# the same way as the article, so one entry covers its other forms. A stemmed
# term belongs to one pillar only (the tests check this).
PILLARS: tuple[Pillar, ...] = (
    Pillar(
        "showcase",
        "Showcase",
        # "Showcase the value of integrating social media into health care
        # through analysing and assessing their own efforts": what worked, with
        # the numbers.
        (
            ("showcase", 3), ("case study", 3), ("success story", 3), ("return on investment", 3),
            ("roi", 3), ("lessons learned", 2.5), ("what works", 2.5), ("metrics", 2),
            ("analytics", 2), ("kpi", 2), ("engagement rate", 2), ("click through rate", 2),
            ("impressions", 2), ("results", 2), ("outcomes", 2), ("analysis", 2), ("assess", 2),
            ("assessment", 2), ("evaluate", 2), ("measure", 2), ("measurement", 2),
            ("benchmark", 2), ("before and after", 2), ("data", 1), ("reach", 1),
            ("engagement", 1), ("impact", 1), ("success", 1), ("percent", 1), ("increase", 1),
            ("growth", 1), ("evidence", 1), ("report", 1), ("efforts", 1), ("value", 1),
            ("integrate", 1),
        ),
    ),
    Pillar(
        "harness",
        "Harness",
        # "Harness their position as an existing leader to cast a wide
        # influence": leaders, associations, well-followed clinicians.
        (
            ("thought leader", 3), ("key opinion leader", 3), ("advocacy", 2.5),
            ("trusted voice", 2.5), ("harness", 2), ("influence", 2), ("influential", 2),
            ("association", 2), ("advocate", 2), ("champion", 2), ("ambassador", 2),
            ("spokesperson", 2), ("endorse", 2), ("endorsement", 2), ("amplify", 2),
            ("well followed", 2), ("leader", 1.5), ("society", 1.5), ("credibility", 1.5),
            ("reputation", 1.5), ("authority", 1.5), ("mentor", 1.5), ("federal agency", 1.5),
            ("position", 1), ("validation", 1), ("guidance", 1), ("official", 1),
            ("president", 1), ("ceo", 1), ("executive", 1), ("voice", 1),
        ),
    ),
    Pillar(
        "arm",
        "Arm",
        # "Arm others with the resources needed to implement programs":
        # policies, toolkits, staffing plans, checklists, budgets.
        (
            ("toolkit", 3), ("tool kit", 3), ("template", 3), ("checklist", 3), ("playbook", 3),
            ("policy", 2.5), ("worksheet", 2.5), ("content calendar", 2.5), ("guidelines", 2),
            ("budget", 2), ("resources", 2), ("implement", 2), ("governance", 2), ("equip", 2),
            ("arm others", 2), ("approval process", 2), ("consent form", 2), ("staffing", 1.5),
            ("step by step", 1.5), ("download", 1.5), ("framework", 1.5), ("procedure", 1.5),
            ("workflow", 1.5), ("guide", 1.5), ("compliance", 1.5), ("hipaa", 1.5),
            ("how to", 1), ("tools", 1), ("plan", 1), ("software", 1), ("program", 1),
            ("programme", 1),
        ),
    ),
    Pillar(
        "rally",
        "Rally",
        # "Rally the community to work together towards a common goal, as the
        # convener of conversation": live discussions, calls to action.
        (
            ("tweetchat", 3), ("tweet chat", 3), ("twitter chat", 3), ("call to action", 3),
            ("common goal", 3), ("convene", 3), ("rally", 3), ("join us", 3), ("campaign", 2.5),
            ("town hall", 2.5), ("meetup", 2.5), ("rsvp", 2.5), ("work together", 2.5),
            ("chat", 2), ("event", 2), ("conference", 2), ("summit", 2), ("hashtag", 2),
            ("hcsm", 2), ("movement", 2), ("coalition", 2), ("volunteer", 2), ("pledge", 2),
            ("petition", 2), ("join", 2), ("mobilise", 2), ("together", 1.5),
            ("community", 1.5), ("collaborate", 1.5), ("collaborative", 1.5),
            ("participate", 1.5), ("conversation", 1.5), ("gather", 1.5), ("awareness", 1.5),
            ("sign up", 1.5), ("discussion", 1), ("host", 1), ("panel", 1), ("network", 1),
            ("connect", 1), ("meeting", 1), ("live", 0.5),
        ),
    ),
    Pillar(
        "educate",
        "Educate",
        # "Educate through a structured, centralised, on-demand curriculum":
        # courses, lessons, reading and questions.
        (
            ("curriculum", 3), ("webinar", 3), ("cme", 3), ("continuing medical education", 3),
            ("continuing education", 3), ("syllabus", 3), ("online course", 3),
            ("e-learning", 3), ("elearning", 3), ("mooc", 3), ("course", 2.5), ("tutorial", 2.5),
            ("self-paced", 2.5), ("grand rounds", 2.5), ("enrol", 2.5), ("enroll", 2.5),
            ("enrolment", 2.5), ("enrollment", 2.5), ("training", 2), ("lesson", 2),
            ("module", 2), ("workshop", 2), ("lecture", 2), ("on-demand", 2), ("educate", 2),
            ("teach", 2), ("certificate", 2), ("accredited", 2), ("quiz", 2), ("instructor", 2),
            ("reading list", 2), ("learn", 1.5), ("class", 1.5), ("faculty", 1.5),
            ("students", 1.5), ("skills", 1.5), ("literacy", 1.5), ("credits", 1),
            ("structured", 1), ("knowledge", 1),
        ),
    ),
)


# Stemming ------------------------------------------------------------------

# (suffix, replacement), tried longest first; the first whose remaining stem
# keeps at least three letters applies. Rough on purpose: a stem only has to
# be the same for the forms of one word, never a real word.
_SUFFIXES = sorted(
    [
        ("mentation", "ment"),  # implementation -> implement
        ("izations", ""), ("isations", ""), ("ization", ""), ("isation", ""),
        ("ational", "at"), ("ations", "at"), ("ation", "at"),  # education -> educat(e)
        ("ators", "at"), ("ator", "at"), ("ating", "at"), ("ated", "at"), ("ates", "at"),
        ("ership", ""),  # leadership -> lead
        ("ysing", "y"), ("yzing", "y"), ("ysis", "y"), ("yses", "y"),  # analysis -> analy
        ("ysed", "y"), ("yzed", "y"), ("yse", "y"), ("yze", "y"),
        ("ising", ""), ("izing", ""), ("ised", ""), ("ized", ""),  # mobilised -> mobil
        ("ises", ""), ("izes", ""), ("ise", ""), ("ize", ""),
        ("ings", ""), ("ing", ""), ("ers", ""), ("er", ""),  # leaders -> lead
        ("ies", "y"), ("ied", "y"),  # policies -> policy
        ("ed", ""), ("s", ""),
    ],
    key=lambda rule: -len(rule[0]),
)
# After these, a doubled final consonant is undoubled: chatting -> chat.
_UNDOUBLE_AFTER = frozenset({"ings", "ing", "ers", "er", "ed"})
_KEEP_DOUBLE = frozenset("lsfz")  # staffing -> staff, not staf
_KEEP_S = ("ss", "us", "is")  # class, focus, this


@lru_cache(maxsize=50_000)  # an article repeats its words; a stem is pure
def stem(word: str) -> str:
    """The rough stem of one lower-case word: "analysing", "analyzing" and
    "analysis" give "analy"; "educate", "education" and "educator" give
    "educat"; "leader", "leaders" and "leadership" give "lead"."""
    for suffix, replacement in _SUFFIXES:
        if not word.endswith(suffix) or len(word) - len(suffix) < 3:
            continue
        if suffix == "s" and word.endswith(_KEEP_S):
            break
        word = word[: -len(suffix)] + replacement
        if suffix in _UNDOUBLE_AFTER and word[-1] == word[-2] and word[-1] not in _KEEP_DOUBLE:
            word = word[:-1]
        break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def _stems(text: str) -> list[str]:
    return [stem(word) for word in normalise_text(text).split()]


# The term index: stemmed words -> (pillar slug, term as written, weight).
_TERMS: dict[tuple[str, ...], tuple[str, str, float]] = {
    tuple(_stems(term)): (pillar.slug, term, weight)
    for pillar in PILLARS
    for term, weight in pillar.terms
}
_LONGEST = max(len(key) for key in _TERMS)


def _count_terms(text: str) -> Counter[tuple[str, ...]]:
    """How often each term occurs, reading left to right, longest term first."""
    words = _stems(text)
    found: Counter[tuple[str, ...]] = Counter()
    i = 0
    while i < len(words):
        for n in range(min(_LONGEST, len(words) - i), 0, -1):
            key = tuple(words[i : i + n])
            if key in _TERMS:
                found[key] += 1
                i += n
                break
        else:
            i += 1
    return found


# Scoring -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Tally:
    pillar: Pillar
    points: float
    contributions: tuple[tuple[str, float], ...]  # (term, points), strongest first

    @property
    def score(self) -> float:
        return round(self.points / (self.points + HALF_POINTS), 3)


def _tally(title: str, text: str) -> list[_Tally]:
    title_counts, text_counts = _count_terms(title), _count_terms(text)
    points: dict[str, dict[str, float]] = {pillar.slug: {} for pillar in PILLARS}
    for key in title_counts.keys() | text_counts.keys():
        slug, term, weight = _TERMS[key]
        count = min(TITLE_COUNT * title_counts[key] + text_counts[key], MAX_COUNT)
        points[slug][term] = weight * count
    tallies = []
    for pillar in PILLARS:
        # Strongest first; equal points alphabetically, so the order never varies.
        contributions = sorted(points[pillar.slug].items(), key=lambda item: (-item[1], item[0]))
        tallies.append(_Tally(pillar, sum(p for _, p in contributions), tuple(contributions)))
    # sorted() is stable, so equal scores keep the S, H, A, R, E order of PILLARS.
    return sorted(tallies, key=lambda tally: -tally.score)


def suggest(title: str, text: str) -> list[PillarScore]:
    """All five pillars for an article, best first (see the module docstring)."""
    return [
        PillarScore(
            slug=tally.pillar.slug,
            name=tally.pillar.name,
            score=tally.score,
            matched=tuple(term for term, _ in tally.contributions[:MAX_MATCHED]),
        )
        for tally in _tally(title, text)
    ]


def listed_boards(scores: list[PillarScore], home: str) -> list[str]:
    """The boards besides `home` scoring at least LISTING_THRESHOLD, best first:
    the thread is also listed on these."""
    return [s.slug for s in scores if s.slug != home and s.score >= LISTING_THRESHOLD]


def explain(title: str, text: str) -> str:
    """The suggestion as a small table: each pillar's score, its points, and
    the terms that earned them (points each, strongest first)."""
    tallies = _tally(title, text)
    lines = [
        f"{'pillar':<9} {'score':>5} {'points':>6}  matched",
        f"{'-' * 9} {'-' * 5} {'-' * 6}  {'-' * 7}",
    ]
    for tally in tallies:
        terms = ", ".join(f"{term} {p:g}" for term, p in tally.contributions[:MAX_MATCHED]) or "-"
        lines.append(f"{tally.pillar.name:<9} {tally.score:>5.3f} {tally.points:>6g}  {terms}")
    listed = [t.pillar.slug for t in tallies[1:] if t.score >= LISTING_THRESHOLD]
    lines.append(
        f"home: {tallies[0].pillar.slug}; also listed on: {', '.join(listed) or 'none'}"
        f" (threshold {LISTING_THRESHOLD})"
    )
    return "\n".join(lines)
