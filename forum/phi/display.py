"""Showing the guard's findings: to the author (the draft with each finding marked and
explained), to moderators (one line in the queue), and as JSON."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from forum.phi import Finding, check

DETAIL_MAX = 1000


def findings_detail(findings: Sequence[Finding]) -> str:
    """The queue's line: why the guard held the post."""
    reasons = list(dict.fromkeys(f.reason for f in findings))
    line = "Patient information: " + "; ".join(reasons)
    return line if len(line) <= DETAIL_MAX else line[: DETAIL_MAX - 1] + "…"


def findings_public(findings: Sequence[Finding]) -> list[dict[str, object]]:
    return [f.as_json() for f in findings]


def findings_in(text: str, own_hosts: Sequence[str]) -> list[dict[str, object]]:
    """For a held post's answer: what the guard found in it, with offsets into `text`."""
    return findings_public(check(text, own_hosts=own_hosts))


def highlighted(text: str, findings: Sequence[Finding]) -> Markup:
    """The text, escaped, with every finding in a <mark> that says why."""
    out: list[str] = []
    at = 0
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        if finding.start < at or finding.end <= finding.start:
            continue  # inside one already marked
        out.append(str(escape(text[at:finding.start])))
        out.append(
            f'<mark class="phi" title="{escape(finding.reason)}">{escape(text[finding.start:finding.end])}'
            f'<span class="visually-hidden"> ({escape(finding.reason)})</span></mark>'
        )
        at = finding.end
    out.append(str(escape(text[at:])))
    return Markup("".join(out))


def explained(text: str, findings: Sequence[Finding]) -> list[tuple[str, str]]:
    """Each finding as (the words found, why), in text order."""
    return [(text[f.start:f.end], f.reason) for f in sorted(findings, key=lambda f: f.start)]
