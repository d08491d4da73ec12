"""The classes of patient identifier, a finding, and the detectors' raw hit.

They live apart from `guard` so that every detector module can use them
without importing the guard that imports the detectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple


class Kind(StrEnum):
    """Identifier classes, after the HIPAA Safe Harbor list."""

    NAME = "name"  # a person's name beside a patient cue
    DATE = "date"  # a date tied to a person (birth, admission, death, visit)
    AGE = "age"  # an age over 89
    PHONE = "phone"
    FAX = "fax"
    EMAIL = "email"
    SSN = "ssn"
    MEDICAL_RECORD = "medical_record_number"
    HEALTH_PLAN = "health_plan_number"
    ACCOUNT = "account_number"
    LICENCE = "licence_number"
    DEVICE = "device_identifier"  # device or serial numbers
    ADDRESS = "street_address"
    ZIP = "zip_code"
    IP = "ip_address"
    VEHICLE = "vehicle_identifier"  # licence plates, VINs


@dataclass(frozen=True, slots=True)
class Finding:
    """One identifier in a text: `text[start:end]` is what it found."""

    kind: Kind
    start: int
    end: int
    reason: str

    def as_json(self) -> dict[str, object]:
        return {"kind": self.kind.value, "start": self.start, "end": self.end, "reason": self.reason}


# How sure a detector is, used only when two hits of different kinds overlap:
# a number right after its own label ("MRN 4471293") outranks the same digits
# read by their shape alone (a ten-digit run that could be a phone number).
SHAPE = 1
CHECKED = 2  # a shape confirmed by a check digit, a numbering plan or a context word
LABELLED = 3


class Hit(NamedTuple):
    start: int
    end: int
    kind: Kind
    reason: str
    strength: int = CHECKED
