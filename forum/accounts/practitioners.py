"""Practitioner profiles: what a member says about themselves, and badges that
say exactly what was checked about their NPI.

Three checks, each a badge, none claiming more than it did:
- "NPI format valid": an NPI is on file and passes the check digit. Anyone can
  type such a number; it was not looked up.
- "Verified by moderators": a moderator confirmed that this member holds it
  (forum/moderation/practitioners.py).
- "Matched to the NPPES registry": an admin imported the public registry
  (`forum npi import`) and the name on the profile matches the registry's for
  this NPI. The registry is public, so this shows the name and number agree,
  not who typed them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from forum.accounts.models import NpiRecord, User
from forum.accounts.npi import check_npi, is_valid_npi, registry_name_matches
from forum.db import utcnow
from forum.errors import InvalidInput
from forum.moderation.audit import record_event
from forum.text import strip_controls

NPI_FORMAT_VALID = "NPI format valid"
VERIFIED_BY_MODERATORS = "Verified by moderators"
MATCHED_TO_REGISTRY = "Matched to the NPPES registry"

# What each badge means, in the words a reader sees beside it.
BADGE_HINTS: dict[str, str] = {
    NPI_FORMAT_VALID: "the number is well formed (its check digit is right); it was not looked up",
    VERIFIED_BY_MODERATORS: "a moderator confirmed that this member holds this NPI",
    MATCHED_TO_REGISTRY: "the name on this profile matches the public NPPES registry's for this NPI",
}

# Field: (label, longest).
PROFILE_FIELDS: dict[str, tuple[str, int]] = {
    "full_name": ("Full name", 200),
    "profession": ("Profession", 100),
    "specialty": ("Specialty", 100),
    "organisation": ("Organisation", 200),
}
BIO_MAX = 2000


def badges(user: User) -> list[str]:
    """The checks that hold for this member's NPI, in order; none without an NPI."""
    if not is_valid_npi(user.npi):
        return []
    found = [NPI_FORMAT_VALID]
    if user.npi_confirmed_at is not None:
        found.append(VERIFIED_BY_MODERATORS)
    if user.npi_registry_matched_at is not None:
        found.append(MATCHED_TO_REGISTRY)
    return found


def has_practitioner_details(user: User) -> bool:
    return bool(user.npi or user.full_name or user.profession or user.specialty or user.organisation)


def _line(value: str, field: str) -> str:
    label, longest = PROFILE_FIELDS[field]
    cleaned = " ".join(strip_controls(value).split())
    if len(cleaned) > longest:
        raise InvalidInput(f"{label} is {len(cleaned):,} characters; the limit is {longest}.", field=field)
    return cleaned


def _bio(value: str) -> str:
    cleaned = strip_controls(value).strip()
    if len(cleaned) > BIO_MAX:
        raise InvalidInput(f"About you is {len(cleaned):,} characters; the limit is {BIO_MAX:,}.", field="bio")
    return cleaned


def _npi(value: str | None) -> str | None:
    if value is None or not strip_controls(value).strip():
        return None
    return check_npi(strip_controls(value))


# Registry matching ------------------------------------------------------------


def registry_matches(user: User, record: NpiRecord | None) -> bool:
    if record is None or user.npi is None or record.npi != user.npi:
        return False
    return registry_name_matches(
        entity_type=record.entity_type,
        first_name=record.first_name,
        last_name=record.last_name,
        organisation_name=record.organisation_name,
        credential=record.credential,
        full_name=user.full_name,
        organisation=user.organisation,
    )


def apply_registry_match(user: User, record: NpiRecord | None) -> bool:
    """Set or clear the member's registry match from the record for their NPI;
    whether it changed. A match that still holds keeps its first date."""
    matched = registry_matches(user, record)
    if matched == (user.npi_registry_matched_at is not None):
        return False
    user.npi_registry_matched_at = utcnow() if matched else None
    return True


def match_registry(session: Session, *, user: User) -> bool:
    """Check one member against the imported registry; whether the match changed."""
    record = session.get(NpiRecord, user.npi) if user.npi is not None else None
    return apply_registry_match(user, record)


# Editing ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProfileChanges:
    changed: list[str]
    npi_changed: bool


def update_profile(
    session: Session,
    *,
    user: User,
    full_name: str | None = None,
    profession: str | None = None,
    specialty: str | None = None,
    organisation: str | None = None,
    npi: str | None = None,
    remove_npi: bool = False,
    bio: str | None = None,
) -> ProfileChanges:
    """Change the fields given (None: leave as it is); `remove_npi` takes the NPI off.

    Everything is checked before anything changes. A new NPI drops the
    moderator's confirmation and the registry match, which were for the old
    number; a new name or organisation is matched against the registry again.
    """
    wanted: dict[str, Any] = {}
    for field, value in (("full_name", full_name), ("profession", profession), ("specialty", specialty), ("organisation", organisation)):
        if value is not None:
            wanted[field] = _line(value, field)
    if bio is not None:
        wanted["bio"] = _bio(bio)
    if remove_npi:
        wanted["npi"] = None
    elif npi is not None:
        wanted["npi"] = _npi(npi)
    changed = [field for field, value in wanted.items() if getattr(user, field) != value]
    if not changed:
        return ProfileChanges(changed=[], npi_changed=False)
    before_npi = user.npi
    for field in changed:
        setattr(user, field, wanted[field])
    npi_changed = "npi" in changed
    data: dict[str, Any] = {"fields": changed}
    if npi_changed:
        data["before"] = {"npi": before_npi, "confirmed": user.npi_confirmed_at is not None}
        data["after"] = {"npi": user.npi}
        user.npi_confirmed_at = None
        user.npi_confirmed_by_id = None
        user.npi_registry_matched_at = None
    if npi_changed or {"full_name", "organisation"} & set(changed):
        match_registry(session, user=user)
    record_event(session, actor_id=user.id, action="profile.updated", target_type="user", target_id=user.id, data=data)
    return ProfileChanges(changed=changed, npi_changed=npi_changed)


@dataclass(frozen=True, slots=True)
class NpiReview:
    """What a moderator weighs before confirming a member's NPI."""

    record: NpiRecord | None  # the registry's entry, if the registry was imported and has it
    others: list[User]  # other accounts with the same NPI on file
    confirmed_by: str | None  # the moderator who confirmed it, if one did and is still here


def npi_review(session: Session, user: User) -> NpiReview | None:
    if user.npi is None:
        return None
    others = list(session.scalars(select(User).where(User.npi == user.npi, User.id != user.id).order_by(User.id)))
    confirmed_by = session.get(User, user.npi_confirmed_by_id) if user.npi_confirmed_by_id is not None else None
    return NpiReview(record=session.get(NpiRecord, user.npi), others=others,
                     confirmed_by=confirmed_by.name if confirmed_by is not None else None)


def profile_public(user: User) -> dict[str, Any]:
    """The member's own profile, as GET/PATCH /api/v1/me show it."""
    return {
        "name": user.name,
        "full_name": user.full_name,
        "profession": user.profession,
        "specialty": user.specialty,
        "organisation": user.organisation,
        "npi": user.npi,
        "bio": user.bio,
        "badges": badges(user),
    }
