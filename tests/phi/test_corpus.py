"""The guard measured on its labelled corpus: recall per class and false holds.

The corpus (corpus.tsv) was written before the rules; the holdout
(holdout.tsv) after them, and the rules were not tuned on it. These figures
are deterministic, so they are asserted; bench/guard.py prints them.
"""

from __future__ import annotations

from collections import Counter

import pytest

from forum.phi import Kind
from tests.phi.corpus import CORPUS, HOLDOUT, load, score

TRAP_FAMILIES = {
    "citation_year", "citation_et_al", "year_alone", "dose", "vitals", "lab", "icd10", "cpt", "pmid",
    "doi", "cfr", "statute", "version", "conference_date", "public_figure", "own_link", "age_decade",
    "age_range", "age_under_90", "zip_like", "phone_like", "room",
}


@pytest.fixture(scope="module")
def corpus_score():  # type: ignore[no-untyped-def]
    return score(load(CORPUS))


def test_the_corpus_has_enough_sentences_of_every_kind() -> None:
    rows = load(CORPUS)
    positives = Counter(kind for row in rows for kind in row.kinds)
    negatives = [row for row in rows if not row.kinds]
    assert len(rows) >= 300
    assert len(negatives) >= 120
    assert {kind: count for kind, count in positives.items() if count < 10} == {}
    assert set(positives) == set(Kind)


def test_the_corpus_covers_every_trap_family() -> None:
    categories = {row.category for row in load(CORPUS) if not row.kinds}
    assert TRAP_FAMILIES - categories == set()


def test_every_labelled_identifier_has_its_text_in_the_sentence() -> None:
    for path in (CORPUS, HOLDOUT):
        for row in load(path):
            assert set(row.spans) == set(row.kinds), row.line
            for start, end in row.spans.values():
                assert 0 <= start < end <= len(row.text)


@pytest.mark.parametrize("kind", list(Kind), ids=[kind.value for kind in Kind])
def test_every_class_is_recalled_on_the_corpus(corpus_score, kind: Kind) -> None:  # type: ignore[no-untyped-def]
    missed = [row.text for row, missed_kind, _ in corpus_score.missed if missed_kind is kind]
    assert corpus_score.recall(kind) >= 0.95, missed


def test_false_holds_on_the_corpus_stay_under_three_percent(corpus_score) -> None:  # type: ignore[no-untyped-def]
    held = [(row.text, [f.kind.value for f in findings]) for row, findings in corpus_score.false_holds]
    assert corpus_score.false_hold_rate <= 0.03, held


def test_the_holdout_is_large_enough_and_scores_every_class() -> None:
    rows = load(HOLDOUT)
    assert len(rows) >= 60
    result = score(rows)
    assert result.negatives >= 20
    assert set(result.positives) == set(Kind)
