"""API shapes for a member's own profile (/api/v1/me)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from forum.accounts.practitioners import BIO_MAX, PROFILE_FIELDS


def _text(field: str) -> str:
    label, longest = PROFILE_FIELDS[field]
    return f"{label}, up to {longest} characters"


def _no_default(schema: dict[str, Any]) -> None:
    # Left out means "unchanged": there is no default value to describe.
    schema.pop("default", None)


def _optional(description: str) -> Any:
    return Field(default=None, description=description, json_schema_extra=_no_default)


class ProfileUpdate(BaseModel):
    """The fields to change; a field left out stays as it is."""

    model_config = ConfigDict(extra="forbid")
    full_name: str = _optional(_text("full_name") + "; matched against the NPPES registry")
    profession: str = _optional(_text("profession"))
    specialty: str = _optional(_text("specialty"))
    organisation: str = _optional(_text("organisation"))
    npi: str | None = Field(
        default=None,
        description="10 digits (spaces and dashes are fine), checked on entry; null or \"\" removes it. "
        "A new NPI withdraws the moderators' confirmation and the registry match.",
    )
    bio: str = _optional(f"About you, up to {BIO_MAX:,} characters")


class ProfilePublic(BaseModel):
    name: str
    full_name: str
    profession: str
    specialty: str
    organisation: str
    npi: str | None
    bio: str
    badges: list[str] = Field(
        description='What was checked, in order: "NPI format valid", "Verified by moderators", "Matched to the NPPES registry"'
    )
