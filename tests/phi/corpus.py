"""The labelled corpus of the guard: loading it and scoring `check` on it.

Shared by the tests and by bench/guard.py. A row is recalled for kind K when
a finding of kind K overlaps the text labelled K; a negative row is a false
hold when any finding is returned.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from forum.phi import Finding, Kind, check

HERE = Path(__file__).parent
CORPUS = HERE / "corpus.tsv"
HOLDOUT = HERE / "holdout.tsv"
OWN_HOSTS = ("forum.example.org",)


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    kinds: tuple[Kind, ...]  # empty for a negative
    category: str
    text: str
    spans: dict[Kind, tuple[int, int]]


def load(path: Path) -> list[Row]:
    rows = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        label, category, text, *labelled = raw.split("\t")
        text = text.replace("\\n", "\n")
        kinds = () if label == "none" else tuple(Kind(part) for part in label.split("+"))
        spans: dict[Kind, tuple[int, int]] = {}
        for item in labelled:
            kind_name, _, value = item.partition("=")
            start = text.find(value)
            if start < 0:
                raise ValueError(f"{path.name}:{number}: {value!r} is not in the sentence")
            spans[Kind(kind_name)] = (start, start + len(value))
        if set(spans) != set(kinds):
            raise ValueError(f"{path.name}:{number}: labels {label} but spans for {sorted(spans)}")
        rows.append(Row(number, kinds, category, text, spans))
    return rows


def _overlaps(finding: Finding, span: tuple[int, int]) -> bool:
    return finding.start < span[1] and span[0] < finding.end


@dataclass
class Score:
    positives: Counter[Kind] = field(default_factory=Counter)
    recalled: Counter[Kind] = field(default_factory=Counter)
    negatives: int = 0
    false_holds: list[tuple[Row, list[Finding]]] = field(default_factory=list)
    missed: list[tuple[Row, Kind, list[Finding]]] = field(default_factory=list)
    # findings on a positive row of a kind it is not labelled with
    extra: list[tuple[Row, Finding]] = field(default_factory=list)

    def recall(self, kind: Kind) -> float:
        return self.recalled[kind] / self.positives[kind] if self.positives[kind] else float("nan")

    @property
    def false_hold_rate(self) -> float:
        return len(self.false_holds) / self.negatives if self.negatives else float("nan")


def score(rows: list[Row]) -> Score:
    result = Score()
    for row in rows:
        findings = check(row.text, own_hosts=OWN_HOSTS)
        if not row.kinds:
            result.negatives += 1
            if findings:
                result.false_holds.append((row, findings))
            continue
        for kind in row.kinds:
            result.positives[kind] += 1
            if any(f.kind is kind and _overlaps(f, row.spans[kind]) for f in findings):
                result.recalled[kind] += 1
            else:
                result.missed.append((row, kind, findings))
        result.extra.extend((row, f) for f in findings if f.kind not in row.kinds)
    return result


def describe(finding: Finding, text: str) -> str:
    return f"{finding.kind.value}:{text[finding.start : finding.end]!r}"
