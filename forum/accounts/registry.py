"""Importing the NPPES registry: the public dissemination file, streamed.

CMS publishes every NPI as one CSV of some 330 columns and several GB
(https://download.cms.gov/nppes/NPI_Files.html: the monthly full file
npidata_pfile_….csv, and weekly updates in the same layout). It is read with
the csv module a row at a time, and written in batches of `BATCH` rows, one
transaction each, so memory stays the same whatever the file's size. Columns
are found by their header names; the others are ignored. Records are added or
updated, never removed, so a weekly file applies on top of a full one.

After the rows, every member with an NPI on file is matched again, so a
registry that changed (a new name, a deactivated number) changes the badge.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from forum.accounts.models import NpiRecord, User
from forum.accounts.npi import check_npi
from forum.accounts.practitioners import apply_registry_match
from forum.db import Database
from forum.errors import InvalidInput
from forum.moderation.audit import record_event

BATCH = 5_000  # rows per transaction
STATEMENT_ROWS = 1_000
MATCH_BATCH = 500
# Our field: the dissemination file's header for it. Only NPI is required.
COLUMNS: dict[str, str] = {
    "npi": "NPI",
    "entity_type": "Entity Type Code",
    "last_name": "Provider Last Name (Legal Name)",
    "first_name": "Provider First Name",
    "organisation_name": "Provider Organization Name (Legal Business Name)",
    "credential": "Provider Credential Text",
    "taxonomy_code": "Healthcare Provider Taxonomy Code_1",
}
_LENGTHS = {name: NpiRecord.__table__.c[name].type.length for name in COLUMNS}  # type: ignore[attr-defined]
_SNIFF = 8 * 1024  # what the buffered reader peeks at: enough to tell a ZIP or binary data from text


class RegistryFileError(Exception):
    """The file cannot be imported at all: one line naming it and why."""


@dataclass(frozen=True, slots=True)
class BadRow:
    line: int
    reason: str


@dataclass(slots=True)
class ImportReport:
    records: int = 0  # rows written (added or updated)
    bad_rows: int = 0  # rows skipped
    matched: int = 0  # members whose name matches the registry for their NPI, after the import
    newly_matched: int = 0
    unmatched: int = 0  # members who matched before and no longer do
    missing_columns: list[str] = field(default_factory=list)


Progress = Callable[[int, int, int], None]  # records written so far, bytes read, the file's size


def _open(path: Path) -> io.BufferedReader:
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed by the caller
    except FileNotFoundError:
        raise RegistryFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise RegistryFileError(f"{path}: is a directory, not a CSV file") from None
    except OSError as exc:
        raise RegistryFileError(f"{path}: cannot be read: {exc.strerror}") from None
    head = raw.peek(_SNIFF)[:_SNIFF]
    if head.startswith(b"PK\x03\x04"):
        raw.close()
        raise RegistryFileError(f"{path}: is a ZIP archive; unzip it and import the npidata_pfile_….csv inside")
    if head.startswith(b"\x1f\x8b"):
        raw.close()
        raise RegistryFileError(f"{path}: is gzip-compressed; decompress it first")
    if b"\x00" in head:
        raw.close()
        raise RegistryFileError(f"{path}: is not a CSV file (it holds binary data)")
    return raw


def _header(path: Path, reader: Any) -> tuple[dict[str, int], list[str], int]:
    """Where each of our columns is (by header name), which are missing, and the header's width."""
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise RegistryFileError(f"{path}: line 1: not a CSV header: {exc}") from None
    if not header:
        raise RegistryFileError(f"{path}: is empty; expected the NPPES header line first")
    positions = {name.strip().lower(): index for index, name in reversed(list(enumerate(header)))}
    found = {ours: positions[theirs.lower()] for ours, theirs in COLUMNS.items() if theirs.lower() in positions}
    if "npi" not in found:
        raise RegistryFileError(
            f'{path}: line 1: no "NPI" column; is this the NPPES dissemination file (npidata_pfile_….csv)?'
        )
    missing = [theirs for ours, theirs in COLUMNS.items() if ours not in found]
    return found, missing, len(header)


# A record is a tuple in COLUMNS order: a third the size of a dict, and 5,000 are held at a time.
Record = tuple[str, ...]
FIELDS = tuple(COLUMNS)


def _record(row: list[str], columns: dict[str, int], width: int) -> Record:
    """The row as a record, or InvalidInput saying what is wrong with it."""
    if len(row) <= max(columns.values()):
        raise InvalidInput(f"{len(row)} fields where the header has {width}")
    try:
        npi = check_npi(row[columns["npi"]])
    except InvalidInput as exc:
        raise InvalidInput(f"NPI {row[columns['npi']].strip()!r}: {exc.message}") from None
    values = {name: " ".join(row[index].split())[: _LENGTHS[name]] for name, index in columns.items() if name != "npi"}
    if values.get("entity_type") not in {"1", "2"}:
        values["entity_type"] = ""  # 1 a person, 2 an organisation; a deactivated NPI has neither
    return (npi, *(values.get(name, "") for name in FIELDS[1:]))


def _upsert(session: Session, dialect: str, records: list[Record]) -> None:
    """Add or update records (INSERT … ON CONFLICT, which SQLite and PostgreSQL
    spell alike), a statement per STATEMENT_ROWS so the parameters stay small."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(NpiRecord.__table__)  # type: ignore[arg-type]
    statement = statement.on_conflict_do_update(
        index_elements=["npi"], set_={name: statement.excluded[name] for name in FIELDS[1:]}
    )
    for start in range(0, len(records), STATEMENT_ROWS):
        session.execute(statement, [dict(zip(FIELDS, record)) for record in records[start : start + STATEMENT_ROWS]])


def read_registry(
    path: Path,
    *,
    batch_size: int = BATCH,
    on_bad_row: Callable[[BadRow], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Iterator[tuple[list[Record], list[str]]]:
    """Batches of records (deduplicated by NPI within a batch), and the missing
    optional columns with every batch. Raises RegistryFileError before the first
    batch when the file cannot be imported at all."""
    raw = _open(path)
    try:
        size = os.fstat(raw.fileno()).st_size
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
        reader = csv.reader(text)
        columns, missing, width = _header(path, reader)
        batch: dict[str, Record] = {}
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                if on_bad_row is not None:
                    on_bad_row(BadRow(reader.line_num, f"not CSV: {exc}"))
                continue
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # a blank line
            try:
                record = _record(row, columns, width)
            except InvalidInput as exc:
                if on_bad_row is not None:
                    on_bad_row(BadRow(reader.line_num, exc.message))
                continue
            batch[record[0]] = record
            if len(batch) >= batch_size:
                yield list(batch.values()), missing
                batch = {}
                if on_progress is not None:
                    on_progress(raw.tell(), size)
        if batch:
            yield list(batch.values()), missing
        if on_progress is not None:
            on_progress(size, size)
    finally:
        raw.close()


def import_registry(
    db: Database,
    path: Path,
    *,
    batch_size: int = BATCH,
    on_bad_row: Callable[[BadRow], None] | None = None,
    on_progress: Progress | None = None,
) -> ImportReport:
    """Add or update every record of the file, then match the members again."""
    report = ImportReport()

    def bad(row: BadRow) -> None:
        report.bad_rows += 1
        if on_bad_row is not None:
            on_bad_row(row)

    def progress(done: int, size: int) -> None:
        if on_progress is not None:
            on_progress(report.records, done, size)

    for records, missing in read_registry(path, batch_size=batch_size, on_bad_row=bad, on_progress=progress):
        report.missing_columns = missing
        with db.write() as session:
            _upsert(session, db.dialect, records)
        report.records += len(records)
        del records  # written: let it go before the next batch is read, so only one is ever held
    rematch_members(db, report)
    with db.write() as session:
        record_event(session, actor_id=None, action="npi.registry_imported", target_type="npi_registry", data={
            "file": path.name, "records": report.records, "bad_rows": report.bad_rows, "matched": report.matched,
            "newly_matched": report.newly_matched, "unmatched": report.unmatched,
        })
    return report


def rematch_members(db: Database, report: ImportReport) -> None:
    """Match every member with an NPI on file against the registry as it is now."""
    with db.read() as session:
        ids = list(session.scalars(select(User.id).where(User.npi.is_not(None)).order_by(User.id)))  # type: ignore[union-attr]
    for start in range(0, len(ids), MATCH_BATCH):
        chunk = ids[start : start + MATCH_BATCH]
        with db.write() as session:
            rows = session.execute(
                select(User, NpiRecord)
                .outerjoin(NpiRecord, NpiRecord.npi == User.npi)
                .where(User.id.in_(chunk))  # type: ignore[union-attr]
                .with_for_update(of=User)  # type: ignore[arg-type]
            ).all()
            for user, record in rows:
                was = user.npi_registry_matched_at is not None
                apply_registry_match(user, record)
                now = user.npi_registry_matched_at is not None
                report.matched += now
                report.newly_matched += now and not was
                report.unmatched += was and not now
