"""One readable example per identifier class: what is found, where, and why."""

from __future__ import annotations

from forum.phi import Finding, Kind, check


def only(text: str, **options: object) -> Finding:
    findings = check(text, **options)  # type: ignore[arg-type]
    assert len(findings) == 1, findings
    return findings[0]


def held(text: str, kind: Kind, expected: str) -> Finding:
    finding = only(text)
    assert finding.kind is kind
    assert text[finding.start : finding.end] == expected
    return finding


def test_a_name_after_my_patient_is_held() -> None:
    finding = held("My patient John Smith asked about stopping his statin.", Kind.NAME, "John Smith")
    assert finding.reason == "a name after 'my patient'"


def test_a_name_beside_a_bed_number_is_held() -> None:
    held("Mrs. Alvarez in bed 4 refused her insulin again.", Kind.NAME, "Alvarez")


def test_a_name_with_an_honorific_in_a_clinical_context_is_held() -> None:
    finding = held("Mr. Okafor was admitted overnight with a GI bleed.", Kind.NAME, "Okafor")
    assert "clinical context" in finding.reason


def test_a_name_beside_the_family_is_held() -> None:
    held("The family of Harold Becker wants a second opinion.", Kind.NAME, "Harold Becker")


def test_a_date_of_birth_beside_a_patient_is_held() -> None:
    finding = held("pt DOB 03/14/1952, presenting with new AF.", Kind.DATE, "03/14/1952")
    assert finding.reason == "a date of birth tied to a person"


def test_an_admission_date_is_held() -> None:
    finding = held("She was admitted on 12 March 2024 with sepsis.", Kind.DATE, "12 March 2024")
    assert "admission" in finding.reason


def test_a_date_before_a_patient_event_is_held() -> None:
    held("On 4 June 2023 he presented to the ED with hematemesis.", Kind.DATE, "4 June 2023")


def test_an_age_over_89_is_held() -> None:
    finding = held("I have a 93-year-old man on my list for a TAVR.", Kind.AGE, "93-year-old")
    assert finding.reason == "an age over 89"


def test_aged_91_is_held() -> None:
    held("She is aged 91 and still lives alone.", Kind.AGE, "aged 91")


def test_a_birth_year_that_puts_the_age_over_89_is_held() -> None:
    finding = held("He was born in 1925 and still drives.", Kind.AGE, "born in 1925")
    assert "birth year" in finding.reason


def test_a_us_phone_number_is_held() -> None:
    finding = held("Call her at (507) 284-2511 after 5 pm.", Kind.PHONE, "(507) 284-2511")
    assert finding.reason == "a phone number"


def test_an_international_phone_number_is_held() -> None:
    held("Text him on +44 7911 123456 while he is away.", Kind.PHONE, "+44 7911 123456")


def test_a_fax_number_is_held() -> None:
    finding = held("Please fax 507-284-0161 with the cover sheet.", Kind.FAX, "507-284-0161")
    assert finding.reason == "a fax number"


def test_an_email_address_is_held() -> None:
    finding = held("Her email is j.smith@gmail.com for the results.", Kind.EMAIL, "j.smith@gmail.com")
    assert finding.reason == "an email address"


def test_a_social_security_number_is_held() -> None:
    held("SSN 123-45-6789 was on the cover sheet.", Kind.SSN, "123-45-6789")


def test_a_medical_record_number_is_held() -> None:
    held("MRN 00123456, please pull the old echo.", Kind.MEDICAL_RECORD, "00123456")
    held("Medical record #A1234567 belongs to someone else.", Kind.MEDICAL_RECORD, "A1234567")


def test_a_health_plan_number_is_held() -> None:
    held("member ID XYZ123456789 on the card", Kind.HEALTH_PLAN, "XYZ123456789")
    held("Her Medicaid number is 11223344A.", Kind.HEALTH_PLAN, "11223344A")


def test_an_account_number_is_held() -> None:
    held("account no. 4421-889 keeps being billed", Kind.ACCOUNT, "4421-889")


def test_a_licence_number_is_held() -> None:
    held("DEA number AB1234563 was on the forged script.", Kind.LICENCE, "AB1234563")


def test_a_dea_number_is_held_by_its_check_digit_alone() -> None:
    finding = held("The script had FM7654329 in the box.", Kind.LICENCE, "FM7654329")
    assert "DEA" in finding.reason
    assert check("The script had FM7654321 in the box.") == []  # wrong check digit


def test_a_device_serial_number_is_held() -> None:
    held("pacemaker serial SN 4F2-99812, interrogated", Kind.DEVICE, "4F2-99812")


def test_a_street_address_is_held() -> None:
    finding = held("She lives at 42 Oak Street with two cats.", Kind.ADDRESS, "42 Oak Street")
    assert finding.reason == "a street address"


def test_a_zip_code_is_held_beside_its_cue() -> None:
    held("Her zip 55905 puts her in our catchment.", Kind.ZIP, "55905")
    held("He drives in from Rochester, MN 55905 weekly.", Kind.ZIP, "55905")


def test_an_ip_address_is_held() -> None:
    held("The bad login came from 192.168.4.20 last night.", Kind.IP, "192.168.4.20")


def test_a_licence_plate_is_held() -> None:
    finding = held("The car had plate 7ABC123 and drove off.", Kind.VEHICLE, "7ABC123")
    assert finding.reason == "a licence plate"


def test_a_vin_is_held_by_its_check_digit() -> None:
    held("Crash report: 1HGCM82633A004352.", Kind.VEHICLE, "1HGCM82633A004352")
    assert check("Crash report: 1HGCM82634A004352.") == []  # wrong check digit
