"""`forum npi import`: the NPPES file streamed into the registry, members matched
against it, bad files refused and bad rows skipped, in bounded memory."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

from sqlalchemy import func, select

from forum.accounts.models import NpiRecord, User
from forum.accounts.registry import BadRow, import_registry
from forum.accounts.services import register
from forum.moderation.models import AuditEvent
from tests.accounts.nppes import HEADER, filler, npi_for, row, write_nppes
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
FORUM = [sys.executable, "-m", "forum.cli"]
ANA_NPI = "1234567893"
CLINIC_NPI = "2123456784"


def forum(args: list[str], database_url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FORUM_")},
        "FORUM_DATABASE_URL": database_url,
        "FORUM_INSTANCE_DIR": str(tmp_path / "instance"),
        "PYTHONPATH": str(ROOT),  # this checkout's forum, wherever the command runs from
    }
    return subprocess.run(FORUM + args, capture_output=True, text=True, env=environment, cwd=tmp_path, timeout=300)


def member(db, name: str, **fields: object) -> int:
    with db.write() as session:
        user = register(session, email=f"{name}@example.org", name=name, password=PASSWORD)
        for key, value in fields.items():
            setattr(user, key, value)
        session.flush()
        return user.id  # type: ignore[return-value]


def matched(db, user_id: int) -> bool:
    with db.read() as session:
        return session.get(User, user_id).npi_registry_matched_at is not None  # type: ignore[union-attr]


def record(db, npi: str) -> NpiRecord | None:
    with db.read() as session:
        return session.get(NpiRecord, npi)


def registry_size(db) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(NpiRecord)) or 0


def test_importing_the_registry_matches_members_by_name_and_organisation(db, database_url, tmp_path: Path):
    ana = member(db, "ana", npi=ANA_NPI, full_name="Ana María López, NP")
    clinic = member(db, "clinic", npi=CLINIC_NPI, organisation="Lakeside Clinic")
    liar = member(db, "liar", npi=npi_for(7), full_name="Someone Else")
    nobody = member(db, "nobody", full_name="Pat Provider3")  # no NPI on file: nothing to match
    path = write_nppes(tmp_path / "npidata_pfile.csv", [
        row(ANA_NPI, last="LÓPEZ", first="ANA", credential="NP"),
        row(CLINIC_NPI, entity="2", organisation="LAKESIDE CLINIC, LLC"),
        *filler(10),
    ])
    # Ana wrote her middle name in full: the registry file has it in a column not read,
    # so her name does not match until it is as registered.
    result = forum(["npi", "import", str(path)], database_url, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "imported 12 records; 1 members matched"
    assert not matched(db, ana) and matched(db, clinic) and not matched(db, liar) and not matched(db, nobody)
    assert record(db, ANA_NPI).first_name == "ANA"  # type: ignore[union-attr]
    assert record(db, CLINIC_NPI).taxonomy_code == "163W00000X"  # type: ignore[union-attr]

    with db.write() as session:
        session.get(User, ana).full_name = "Ana Lopez, NP"  # type: ignore[union-attr]
    again = forum(["npi", "import", str(path)], database_url, tmp_path)
    assert again.stdout.strip() == "imported 12 records; 2 members matched"
    assert matched(db, ana)
    assert registry_size(db) == 12


def test_a_reimport_updates_records_and_a_changed_registry_name_unmatches(db, tmp_path: Path):
    ana = member(db, "ana", npi=ANA_NPI, full_name="Ana Lopez")
    first = write_nppes(tmp_path / "full.csv", [row(ANA_NPI, last="LOPEZ", first="ANA"), *filler(3)])
    report = import_registry(db, first)
    assert (report.records, report.matched, report.newly_matched) == (4, 1, 1)
    with db.read() as session:
        since = session.get(User, ana).npi_registry_matched_at  # type: ignore[union-attr]

    same = import_registry(db, first)
    assert (same.matched, same.newly_matched, same.unmatched) == (1, 0, 0)
    with db.read() as session:
        assert session.get(User, ana).npi_registry_matched_at == since  # type: ignore[union-attr]

    weekly = write_nppes(tmp_path / "weekly.csv", [row(ANA_NPI, last="SMITH", first="ANA"), row(npi_for(99), last="NEW")])
    report = import_registry(db, weekly)
    assert (report.records, report.matched, report.unmatched) == (2, 0, 1)
    assert not matched(db, ana)
    assert record(db, ANA_NPI).last_name == "SMITH"  # type: ignore[union-attr]
    assert registry_size(db) == 5  # added and updated, never removed
    with db.read() as session:
        imports = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "npi.registry_imported")))
    assert [e.data["unmatched"] for e in imports] == [0, 0, 1]
    assert imports[0].data["file"] == "full.csv"


def test_bad_rows_are_reported_with_their_line_and_skipped(db, database_url, tmp_path: Path):
    path = tmp_path / "rows.csv"
    write_nppes(path, [
        row(npi_for(1), last="ONE"),
        row("1234567891", last="BADCHECK"),
        row("12345", last="SHORT"),
        ["1234567893", "1"],  # cut short
        row(npi_for(2), last="TWO"),
        row("ABCDEFGHIJ", last="LETTERS"),
    ])
    result = forum(["npi", "import", str(path)], database_url, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "imported 2 records; 0 members matched; 4 bad rows skipped"
    lines = result.stderr.splitlines()
    assert f"forum: {path}: line 3: NPI '1234567891': Not a valid NPI; the check digit does not match" in lines[0]
    assert lines[1] == f"forum: {path}: line 4: NPI '12345': An NPI is 10 digits; this one has 5. (skipped)"
    assert lines[2] == f"forum: {path}: line 5: 2 fields where the header has {len(HEADER)} (skipped)"
    assert lines[3].startswith(f"forum: {path}: line 7: NPI 'ABCDEFGHIJ'")
    assert registry_size(db) == 2


def test_a_missing_file_a_zip_and_a_file_without_an_npi_column_each_fail_with_one_clear_line(db, database_url, tmp_path: Path):
    missing = forum(["npi", "import", str(tmp_path / "nope.csv")], database_url, tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.strip() == f"forum: {tmp_path / 'nope.csv'}: no such file"

    zipped = tmp_path / "NPPES_Data_Dissemination.zip"
    zipped.write_bytes(b"PK\x03\x04" + bytes(200))
    result = forum(["npi", "import", str(zipped)], database_url, tmp_path)
    assert result.returncode == 1 and "is a ZIP archive; unzip it" in result.stderr

    binary = tmp_path / "image.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = forum(["npi", "import", str(binary)], database_url, tmp_path)
    assert result.returncode == 1 and result.stderr.strip() == f"forum: {binary}: is not a CSV file (it holds binary data)"

    other = write_nppes(tmp_path / "other.csv", [["1", "2"]], header=["Provider Number", "Name"])
    result = forum(["npi", "import", str(other)], database_url, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == f'forum: {other}: line 1: no "NPI" column; is this the NPPES dissemination file (npidata_pfile_….csv)?'

    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = forum(["npi", "import", str(empty)], database_url, tmp_path)
    assert result.returncode == 1 and "is empty" in result.stderr

    folder = forum(["npi", "import", str(tmp_path)], database_url, tmp_path)
    assert folder.returncode == 1 and "is a directory" in folder.stderr
    assert registry_size(db) == 0


def test_a_file_with_only_some_columns_imports_what_it_has_and_says_what_is_missing(db, database_url, tmp_path: Path):
    path = write_nppes(tmp_path / "slim.csv", [[ANA_NPI, "LOPEZ"]], header=["npi ", "Provider Last Name (Legal Name)"])
    result = forum(["npi", "import", str(path)], database_url, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "imported 1 records; 0 members matched"
    assert f'forum: {path}: no "Provider First Name" column; that detail is left empty' in result.stderr
    assert record(db, ANA_NPI).last_name == "LOPEZ"  # type: ignore[union-attr]


def test_a_large_file_is_streamed_in_batches_in_bounded_memory(db, tmp_path: Path):
    rows = 20_000
    path = write_nppes(tmp_path / "npidata_pfile_big.csv", filler(rows))
    size = path.stat().st_size
    ana = member(db, "ana", npi=npi_for(12_345), full_name="Pat Provider12345, RN")
    bad: list[BadRow] = []
    seen: list[int] = []
    gc.collect()
    tracemalloc.start()
    try:
        report = import_registry(db, path, on_bad_row=bad.append, on_progress=lambda records, done, total: seen.append(records))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (report.records, report.bad_rows, report.matched) == (rows, 0, 1) and bad == []
    assert registry_size(db) == rows and matched(db, ana)
    assert seen == [5_000, 10_000, 15_000, 20_000, 20_000]  # one transaction per 5,000 rows
    # About 3 MB: one batch of records and the statement at hand; holding two
    # batches, or the file, would pass a quarter of it.
    assert size > 15_000_000
    assert peak < size / 4, f"peak {peak:,} bytes for a {size:,}-byte file"
