"""`forum npi import FILE.csv`: load the NPPES registry and match members against it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from forum.settings import Settings

# Bad rows are reported one per line up to this many, then counted.
SHOWN_BAD_ROWS = 20


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    npi = commands.add_parser("npi", help="the NPPES registry of NPIs", description="The NPPES registry of NPIs.")
    actions = npi.add_subparsers(dest="npi_command", metavar="ACTION", required=True)
    load = actions.add_parser(
        "import",
        help="import the NPPES dissemination file",
        description="Import the NPPES dissemination CSV (npidata_pfile_….csv from "
        "https://download.cms.gov/nppes/NPI_Files.html, unzipped; the weekly update files work too), "
        "streamed in batches, then match every member's NPI and full name against it. Prints "
        "`imported N records; M members matched`. Bad rows are reported on stderr and skipped; a missing "
        "file or NPI column is exit status 1.",
    )
    load.add_argument("file", metavar="FILE.csv", type=Path)


def _progress(out: TextIO, records: int, done: int, size: int) -> None:
    width = 24
    filled = width * done // max(size, 1)
    out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {100 * done // max(size, 1):3d}% {records:,} records")
    out.flush()


def cmd_npi(args: argparse.Namespace, settings: Settings) -> int:
    from forum.accounts.registry import BadRow, RegistryFileError, import_registry
    from forum.db import Database
    from forum.migrations import upgrade

    path: Path = args.file
    terminal = sys.stderr.isatty()
    shown = 0

    def bad_row(row: BadRow) -> None:
        nonlocal shown
        shown += 1
        if shown <= SHOWN_BAD_ROWS:
            if terminal:
                sys.stderr.write("\r\x1b[K")
            print(f"forum: {path}: line {row.line}: {row.reason} (skipped)", file=sys.stderr)

    upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        report = import_registry(
            db, path, on_bad_row=bad_row,
            on_progress=(lambda records, done, size: _progress(sys.stderr, records, done, size)) if terminal else None,
        )
    except RegistryFileError as exc:
        if terminal:
            sys.stderr.write("\r\x1b[K")
        print(f"forum: {exc}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    if terminal:
        sys.stderr.write("\r\x1b[K")
    if shown > SHOWN_BAD_ROWS:
        print(f"forum: {path}: {shown - SHOWN_BAD_ROWS:,} more bad rows skipped", file=sys.stderr)
    for column in report.missing_columns:
        print(f'forum: {path}: no "{column}" column; that detail is left empty', file=sys.stderr)
    summary = f"imported {report.records} records; {report.matched} members matched"
    if report.bad_rows:
        summary += f"; {report.bad_rows} bad rows skipped"
    print(summary)
    return 0
