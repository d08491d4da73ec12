"""The guard's contract: offsets, order, merging, reasons, the JSON form,
own hosts, Unicode and very long input."""

from __future__ import annotations

import dataclasses
import time

import pytest

import forum.phi
import forum.phi.guard
from forum.phi import Finding, Kind, check

HANDOFF = "Mrs. Alvarez, DOB 03/14/1952, MRN 00123456, bed 4: daughter at (507) 284-2511 or k.osei@gmail.com."


def spans(text: str, **options: object) -> list[tuple[str, str]]:
    return [(f.kind.value, text[f.start : f.end]) for f in check(text, **options)]  # type: ignore[arg-type]


def test_the_package_exports_the_interface() -> None:
    assert forum.phi.check is forum.phi.guard.check
    assert forum.phi.Kind is forum.phi.guard.Kind
    assert forum.phi.Finding is forum.phi.guard.Finding


def test_kinds_carry_the_safe_harbor_names() -> None:
    assert [kind.value for kind in Kind] == [
        "name", "date", "age", "phone", "fax", "email", "ssn", "medical_record_number",
        "health_plan_number", "account_number", "licence_number", "device_identifier",
        "street_address", "zip_code", "ip_address", "vehicle_identifier",
    ]


def test_empty_text_has_no_findings() -> None:
    assert check("") == []
    assert check("   \n\n ") == []


def test_offsets_point_at_each_identifier() -> None:
    assert spans(HANDOFF) == [
        ("name", "Alvarez"),
        ("date", "03/14/1952"),
        ("medical_record_number", "00123456"),
        ("phone", "(507) 284-2511"),
        ("email", "k.osei@gmail.com"),
    ]


def test_findings_come_in_text_order_and_never_overlap() -> None:
    findings = check(HANDOFF * 3)
    assert findings == sorted(findings, key=lambda f: (f.start, f.end))
    assert all(a.end <= b.start for a, b in zip(findings, findings[1:], strict=False))


def test_several_cues_for_one_name_give_one_finding() -> None:
    # honorific, "our resident" and "in room 214" all point at Thompson
    assert spans("Our resident Mrs. Thompson in room 214 keeps falling at night.") == [("name", "Thompson")]


def test_a_labelled_number_outranks_the_phone_its_digits_could_be() -> None:
    assert spans("Billing account number 7700123498 keeps getting charges.") == [("account_number", "7700123498")]
    assert spans("NHS number 943 476 5919 is on the referral.") == [("medical_record_number", "943 476 5919")]


def test_reasons_are_specific() -> None:
    reasons = {f.kind: f.reason for f in check(HANDOFF)}
    assert reasons[Kind.DATE] == "a date of birth tied to a person"
    assert reasons[Kind.MEDICAL_RECORD] == "a medical record number"
    assert reasons[Kind.PHONE] == "a phone number"
    assert all(len(reason) > 10 and reason[0].islower() for reason in reasons.values())


def test_a_finding_serialises_to_json() -> None:
    finding = check("MRN 00123456")[0]
    assert finding.as_json() == {"kind": "medical_record_number", "start": 4, "end": 12,
                                 "reason": "a medical record number"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.start = 0  # type: ignore[misc]


def test_own_hosts_links_are_ignored_even_on_unusual_hosts() -> None:
    text = "Same case: forum.internal:8443/t/5071234567 and https://forum.internal/t/9/5550143"
    assert spans(text, own_hosts=["forum.internal"]) == []
    assert spans(text, own_hosts=["https://FORUM.internal/"]) == []


def test_unicode_text_keeps_code_point_offsets() -> None:
    text = "🙂👍🏽 İstanbul ekibi: My patient Zoë Ødegård, DOB 7/2/1948, 📞 (507) 284-2511"
    assert spans(text) == [("name", "Zoë Ødegård"), ("date", "7/2/1948"), ("phone", "(507) 284-2511")]


def test_markdown_is_read_as_typed() -> None:
    text = "**Patient:** John Smith\n\n- DOB: 03/14/1952"
    assert spans(text) == [("name", "John Smith"), ("date", "03/14/1952")]


def test_a_wrapped_line_keeps_its_cue() -> None:
    assert spans("She was admitted\non 12 March 2024 with sepsis.") == [("date", "12 March 2024")]


def test_a_100_kb_text_is_read_to_its_end() -> None:
    filler = "Metformin 500 mg twice daily, BP 120/80, HbA1c 7.2% (Smith et al., 2019). " * 1400
    text = filler + "My patient Rosa Delgado, MRN 8812934."
    assert len(text) > 100_000
    began = time.perf_counter()
    assert spans(text) == [("name", "Rosa Delgado"), ("medical_record_number", "8812934")]
    # a generous bound: catastrophic backtracking would take minutes
    assert time.perf_counter() - began < 5


@pytest.mark.parametrize(
    "text",
    [
        "1" * 100_000,
        "1-" * 50_000,
        "+1 2 3 4 5 6 7 " * 7_000,
        "x.com/" * 16_000,
        "ab@" * 33_000,
        "Mr. Smith " * 10_000,
        "The family of " * 7_000,
        "a" * 99_990 + "@b.com",
        "9" * 100_000 + " years old",
    ],
    ids=["digits", "dashes", "plus", "hosts", "at-signs", "honorifics", "family", "long-local-part", "long-age"],
)
def test_adversarial_long_input_stays_linear(text: str) -> None:
    began = time.perf_counter()
    check(text)
    assert time.perf_counter() - began < 5


def test_the_text_is_not_changed_and_the_answer_repeats() -> None:
    text = HANDOFF
    first = check(text)
    assert check(text) == first
    assert text == HANDOFF
    assert all(isinstance(f, Finding) for f in first)
