"""What looks like an identifier and is not: one test per trap family."""

from __future__ import annotations

import pytest

from forum.phi import check

OWN = ("forum.example.org",)


def nothing_in(*texts: str, own_hosts: tuple[str, ...] = ()) -> None:
    held = {text: check(text, own_hosts=own_hosts) for text in texts}
    assert {text: findings for text, findings in held.items() if findings} == {}


def test_citation_years_are_not_held() -> None:
    nothing_in(
        "Caregiver burden is well described (Northouse, 2007).",
        "This matches the trial data (Smith et al., 2019).",
        "Jones and Lee (2020) showed no benefit; Smith J, Doe A. JAMA. 2018;320(9):893-901.",
    )


def test_years_alone_are_not_held() -> None:
    nothing_in("We switched in 2023.", "She was admitted twice in 2023.", "The 2024-2025 flu season.")


def test_doses_are_not_held() -> None:
    nothing_in(
        "Metformin 500 mg twice daily.", "Ketamine 0.5 mg/kg over 40 minutes.", "Amoxicillin 875/125 mg BID."
    )


def test_blood_pressures_and_lab_values_are_not_held() -> None:
    nothing_in("BP 120/80 at rest.", "BP 140/90 mmHg on three readings.", "HbA1c 7.2%.", "K 4.1 mmol/L.",
               "Pain 7/10, power 4/5, MoCA 22/30.")


def test_icd10_and_cpt_codes_are_not_held() -> None:
    nothing_in("Code it as E11.9 or I10.", "Bill it as 99213 or 99214 with modifier 25.", "CPT 93000.")


def test_pmids_and_dois_are_not_held() -> None:
    nothing_in("PMID: 31452104.", "The paper is 10.1056/NEJMoa2034577.", "doi:10.1001/jama.2020.1585")


def test_cfr_and_statute_references_are_not_held() -> None:
    nothing_in("See 45 CFR 164.514.", "Penalties are in 42 U.S.C. § 1320d-5.", "21 CFR Part 11 applies.")


def test_version_numbers_are_not_held() -> None:
    nothing_in("After the Epic 2023.1.2 upgrade.", "The app is at v10.4.1.", "The engine is on version 10.2.0.56.")


def test_conference_dates_are_not_held() -> None:
    nothing_in("See you at the summit on March 3.", "The webinar on 12 May 2025 covers discharge planning.",
               "The guideline was published on 2 May 2024.", "Our journal club on 11/20 will discuss admissions.")


def test_public_figures_in_the_news_are_not_held() -> None:
    nothing_in(
        "Mayo Clinic president and CEO John Noseworthy, MD, spoke about the expansion.",
        "Mr. Kennedy announced the advisory panel would be replaced.",
        "Dr. Anthony Fauci told reporters the data looked strong.",
    )


def test_a_name_alone_is_not_held() -> None:
    nothing_in("John, great point about the guideline.", "Thanks, Sarah!", "I trained under Dr. Maria Lopez.",
               "Alzheimer's caregivers need respite.", "Patient Safety Week starts Monday.")


def test_the_forums_own_links_are_not_held() -> None:
    nothing_in(
        "I answered this before: https://forum.example.org/t/12345?c=5550143",
        "See forum.example.org/t/884213 for the earlier thread.",
        "There is a [long thread](https://forum.example.org/t/2024/03/14/discharge) on this.",
        own_hosts=OWN,
    )


def test_links_are_not_identifiers_but_an_email_address_is() -> None:
    nothing_in("https://pubmed.ncbi.nlm.nih.gov/31452104/ and www.cdc.gov/mmwr/volumes/73/wr/mm7312a1.htm")
    findings = check("[write to me](mailto:ahmed.k@protonmail.com)")
    assert [f.kind.value for f in findings] == ["email"]


@pytest.mark.parametrize(
    "text",
    [
        "A patient in her 60s with new headaches.",
        "The trial enrolled adults aged 18–65.",
        "An 85-year-old with a hip fracture.",
        "Patients aged 90 and older were excluded.",
        "We set a 10000-step goal for the rehab group.",
        "There is room for improvement in our handoffs.",
        "The reference range for sodium is 135-145 mmol/L.",
        "The crisis line is 988, or 1-800-273-8255.",
        "Take 1/2 tablet at night; about 2/3 of admissions are over 75.",
        "The blood agar plate grew nothing after 48 hours.",
    ],
)
def test_ordinary_clinical_talk_is_not_held(text: str) -> None:
    assert check(text) == []
