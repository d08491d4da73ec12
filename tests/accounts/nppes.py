"""Files shaped like the NPPES dissemination CSV: every field quoted, ~330 columns."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from forum.accounts.npi import luhn_ok

LEADING = [
    "NPI", "Entity Type Code", "Replacement NPI", "Employer Identification Number (EIN)",
    "Provider Organization Name (Legal Business Name)", "Provider Last Name (Legal Name)", "Provider First Name",
    "Provider Middle Name", "Provider Name Prefix Text", "Provider Name Suffix Text", "Provider Credential Text",
    "Provider Other Organization Name", "Provider First Line Business Mailing Address",
    "Provider Business Mailing Address City Name", "Provider Business Mailing Address State Name",
    "Provider Business Mailing Address Postal Code", "Provider Enumeration Date", "Last Update Date",
    "NPI Deactivation Reason Code", "NPI Deactivation Date", "Provider Gender Code",
]
TAXONOMY = [f"{name}_{i}" for i in range(1, 16) for name in (
    "Healthcare Provider Taxonomy Code", "Provider License Number", "Provider License Number State Code",
    "Healthcare Provider Primary Taxonomy Switch",
)]
OTHER = [f"{name}_{i}" for i in range(1, 51) for name in (
    "Other Provider Identifier", "Other Provider Identifier Type Code", "Other Provider Identifier State",
    "Other Provider Identifier Issuer",
)]
HEADER = LEADING + TAXONOMY + OTHER + ["Is Sole Proprietor", "Is Organization Subpart", "Certification Date"]


def npi_for(n: int, first: str = "1") -> str:
    """The n-th valid NPI starting with `first` (the check digit computed)."""
    base = f"{first}{n:08d}"
    return next(base + d for d in "0123456789" if luhn_ok("80840" + base + d))


def row(npi: str, *, entity: str = "1", last: str = "", first: str = "", organisation: str = "", credential: str = "",
        taxonomy: str = "163W00000X") -> list[str]:
    values = dict.fromkeys(HEADER, "")
    values.update({
        "NPI": npi, "Entity Type Code": entity, "Provider Last Name (Legal Name)": last, "Provider First Name": first,
        "Provider Organization Name (Legal Business Name)": organisation, "Provider Credential Text": credential,
        "Healthcare Provider Taxonomy Code_1": taxonomy, "Healthcare Provider Primary Taxonomy Switch_1": "Y",
        "Provider Business Mailing Address City Name": "ROCHESTER", "Provider Business Mailing Address State Name": "MN",
        "Provider Enumeration Date": "05/23/2005", "Last Update Date": "07/08/2007",
    })
    return [values[name] for name in HEADER]


def write_nppes(path: Path, rows: Iterable[list[str]], header: list[str] = HEADER) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def filler(count: int, *, start: int = 1) -> Iterable[list[str]]:
    for n in range(start, start + count):
        yield row(npi_for(n), last=f"PROVIDER{n}", first="PAT", credential="RN")
