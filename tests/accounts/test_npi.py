"""NPI checks on entry, registry name matching, and badges that claim exactly what was checked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from forum.accounts.models import User
from forum.accounts.npi import CHECK_DIGIT_MESSAGE, check_npi, is_valid_npi, registry_name_matches
from forum.accounts.permissions import is_verified_practitioner
from forum.accounts.practitioners import badges
from forum.errors import InvalidInput

WHEN = datetime(2026, 11, 1, tzinfo=UTC)


def npi_error(value: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        check_npi(value)
    assert caught.value.field == "npi"
    return caught.value.message


def test_1234567893_is_a_valid_npi():
    assert check_npi("1234567893") == "1234567893"
    assert is_valid_npi("1234567893")


def test_1234567891_fails_the_check_digit_with_a_message_saying_so():
    message = npi_error("1234567891")
    assert message == CHECK_DIGIT_MESSAGE
    assert "the check digit does not match: an NPI like this one cannot exist (mistyped digit?)" in message
    assert not is_valid_npi("1234567891")


@pytest.mark.parametrize("typed", ["1234 567 893", "1234-567-893", " 1234567893 ", "123-456-7893", "1234\u2013567\u2013893"])
def test_spaces_and_dashes_between_the_digits_are_accepted(typed: str):
    assert check_npi(typed) == "1234567893"


@pytest.mark.parametrize("typed, digits", [("123456789", 9), ("12345678931", 11), ("1", 1)])
def test_an_npi_of_the_wrong_length_says_how_many_digits_it_has(typed: str, digits: int):
    assert npi_error(typed) == f"An NPI is 10 digits; this one has {digits}."


def test_an_npi_starting_with_3_is_refused_before_its_check_digit():
    # 3234567893 would not pass the check either; the first digit is the clearer reason.
    assert npi_error("3234567893") == "An NPI must start with 1 or 2; this one starts with 3."
    assert npi_error("0123456789").startswith("An NPI must start with 1 or 2")


@pytest.mark.parametrize("typed", ["12345678g3", "1234567893x", "123456789³", "١٢٣٤٥٦٧٨٩٣", "1234.567.893"])
def test_letters_and_other_signs_are_refused(typed: str):
    assert "no letters or other signs" in npi_error(typed)


def test_an_empty_npi_asks_for_one():
    assert npi_error("  - ").startswith("Enter an NPI")


def test_organisation_npis_starting_with_2_pass_the_same_check():
    # Luhn over 80840212345678 (every other digit doubled from the right) sums to 66: the check digit is 4.
    assert check_npi("2123456784") == "2123456784"
    assert "check digit" in npi_error("2123456781")


# Registry names ----------------------------------------------------------------


def person(full_name: str, first: str = "ANA", last: str = "LOPEZ-GARCIA", credential: str = "M.D.") -> bool:
    return registry_name_matches(entity_type="1", first_name=first, last_name=last, organisation_name="",
                                 credential=credential, full_name=full_name, organisation="")


@pytest.mark.parametrize("full_name", [
    "Ana Lopez-Garcia", "ana lopez garcia", "Ána López-García", "Dr. Ana López-García", "Ana M. Lopez-Garcia",
    "Ana López-García, MD", "ANA  LOPEZ-GARCIA",
])
def test_a_name_matches_whatever_its_case_accents_punctuation_title_or_middle_initial(full_name: str):
    assert person(full_name)


@pytest.mark.parametrize("full_name", ["Ana Lopez", "Ana Maria Lopez-Garcia", "Lopez-Garcia Ana", "Anna Lopez-Garcia", ""])
def test_a_different_name_does_not_match(full_name: str):
    assert not person(full_name)


def test_apostrophes_join_and_a_registry_without_a_name_matches_nobody():
    assert person("Sean O'Brien", first="SEAN", last="OBRIEN", credential="RN")
    assert person("Seán O’Brien RN", first="SEAN", last="O'BRIEN", credential="RN")
    assert not person("Ana Lopez-Garcia", first="", last="", credential="")


def test_an_organisation_npi_matches_the_members_organisation_not_their_name():
    def org(organisation: str, full_name: str = "Ana Lopez") -> bool:
        return registry_name_matches(entity_type="2", first_name="", last_name="", organisation_name="MAYO CLINIC, INC.",
                                     credential="", full_name=full_name, organisation=organisation)

    assert org("Mayo Clinic") and org("The Mayo Clinic Inc") and org("mayo clinic, inc.")
    assert not org("Mayo Clinic Arizona") and not org("", full_name="Mayo Clinic")


# Badges -------------------------------------------------------------------------


def member(**fields: object) -> User:
    return User(email="ana@example.org", name="ana", name_key="ana", password_hash="x", **fields)


def test_no_npi_no_badges_and_not_a_verified_practitioner():
    user = member(full_name="Ana Lopez", profession="Nurse")
    assert badges(user) == []
    assert not is_verified_practitioner(user)


def test_an_npi_on_file_is_format_valid_and_nothing_more():
    user = member(npi="1234567893")
    assert badges(user) == ["NPI format valid"]
    assert not is_verified_practitioner(user)


def test_each_check_adds_its_own_badge_in_order():
    confirmed = member(npi="1234567893", npi_confirmed_at=WHEN)
    matched = member(npi="1234567893", npi_registry_matched_at=WHEN)
    both = member(npi="1234567893", npi_confirmed_at=WHEN, npi_registry_matched_at=WHEN)
    assert badges(confirmed) == ["NPI format valid", "Verified by moderators"]
    assert badges(matched) == ["NPI format valid", "Matched to the NPPES registry"]
    assert badges(both) == ["NPI format valid", "Verified by moderators", "Matched to the NPPES registry"]
    # Only a moderator's confirmation makes a verified practitioner: the registry is public.
    assert is_verified_practitioner(confirmed) and is_verified_practitioner(both)
    assert not is_verified_practitioner(matched)


def test_a_number_that_fails_the_check_never_gets_a_badge_however_it_got_there():
    assert badges(member(npi="1234567891", npi_confirmed_at=WHEN)) == []
