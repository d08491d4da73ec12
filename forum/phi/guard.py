"""The health-care guard: does a post identify a patient?

`check` is pure and offline: it reads the text as the author typed it
(Markdown) and returns the identifiers it holds, by HIPAA Safe Harbor class,
with offsets into the text and a reason a person can act on. It decides
nothing itself; the posting paths decide what to do with a finding.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable

from forum.phi.context import Source, link_spans, overlaps_any
from forum.phi.dates import ages, dates
from forum.phi.kinds import Finding, Hit, Kind
from forum.phi.labelled import checked_formats, labelled
from forum.phi.names import names
from forum.phi.numbers import emails, ips, phones, ssns
from forum.phi.places import addresses, zips

__all__ = ["Finding", "Kind", "check"]

_DIGIT = re.compile(r"\d")
_DETECTORS: tuple[Callable[[Source], Iterable[Hit]], ...] = (
    phones, ssns, ips, labelled, checked_formats, dates, ages, addresses, zips
)
_WITHOUT_DIGITS: tuple[Callable[[Source], Iterable[Hit]], ...] = (ages, addresses)


def check(text: str, *, own_hosts: Collection[str] = ()) -> list[Finding]:
    """Findings in text order, overlapping spans merged sensibly (no duplicates of one span)."""
    if not text:
        return []
    source = Source(text)
    hits: list[Hit] = list(emails(source))
    hits.extend(names(source))
    # Every other class needs a digit (a number, a date, an age), but for
    # the spelled-out ages and the street a person "lives on".
    detectors = _DETECTORS if _DIGIT.search(text) else _WITHOUT_DIGITS
    for detector in detectors:
        hits.extend(detector(source))
    links = link_spans(source.lower, own_hosts)
    if links:
        starts = [start for start, _ in links]
        hits = [
            hit for hit in hits if hit.kind is Kind.EMAIL or not overlaps_any(hit.start, hit.end, links, starts)
        ]
    return [Finding(hit.kind, hit.start, hit.end, hit.reason) for hit in _merge(hits)]


def _merge(hits: Iterable[Hit]) -> list[Hit]:
    """One hit per stretch of text.

    Hits of one kind that overlap become one (their union, the first reason).
    Of hits of different kinds over the same text the surest wins, then the
    longer: "MRN 4471293" is a record number even though the digits would
    pass for a phone number.
    """
    kept: list[Hit] = []
    for cluster in _clusters(hits):
        kept.extend(_resolve(cluster) if len(cluster) > 1 else cluster)
    kept.sort(key=lambda h: (h.start, h.end))
    return kept


def _clusters(hits: Iterable[Hit]) -> Iterable[list[Hit]]:
    """Runs of hits that overlap one another, in text order: each is
    resolved on its own, so merging stays linear in a long text."""
    cluster: list[Hit] = []
    end = -1
    for hit in sorted(hits):
        if cluster and hit.start >= end:
            yield cluster
            cluster = []
        cluster.append(hit)
        end = max(end, hit.end) if len(cluster) > 1 else hit.end
    if cluster:
        yield cluster


def _resolve(cluster: list[Hit]) -> list[Hit]:
    kept: list[Hit] = []
    for hit in sorted(cluster, key=lambda h: (-h.strength, -(h.end - h.start), h.start)):
        clash = False
        for index, other in enumerate(kept):
            if hit.start >= other.end or other.start >= hit.end:
                continue
            if hit.kind is other.kind:
                kept[index] = other._replace(start=min(hit.start, other.start), end=max(hit.end, other.end))
            clash = True
            break
        if not clash:
            kept.append(hit)
    return kept
