"""Import export files into the library: one run per file, all or nothing per file.

Each file is checksummed and logged as a run (kind='import') with its database, the records
read and the records added, so PRISMA can count records per database. A file with a bad
record stores nothing unless `skip_invalid`, which stores the good ones and lists the rest.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from litreview.errors import ParseError
from litreview.importers import detect, get_importer
from litreview.records import Record
from litreview.store import Library

FORMAT_ALIASES = {"pubmed": "pubmed-xml", "medline": "nbib", "endnote": "endnote-xml",
                  "csljson": "csl-json", "bib": "bibtex"}


@dataclass
class ImportResult:
    file: str
    format: str
    how: str
    database: str
    checksum: str
    run_id: int | None = None
    read: int = 0
    added: int = 0
    already_held: int = 0
    skipped: list[ParseError] = field(default_factory=list)
    databases: dict[str, int] = field(default_factory=dict)


def checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_file(
    path: Path, fmt: str = "auto", source: str | None = None,
    column_map: dict[str, str] | None = None, skip_invalid: bool = False,
) -> tuple[list[Record], list[ParseError], str, str]:
    """(records, skipped, format name, how it was chosen). Raises ParseError on bad input."""
    if not path.is_file():
        raise ParseError("no such file", file=str(path))
    fmt = FORMAT_ALIASES.get(fmt, fmt)
    if fmt == "auto":
        importer, how = detect(path)
    else:
        importer, how = get_importer(fmt), f"{path.name}: read as {fmt} (--format)"
    records: list[Record] = []
    skipped: list[ParseError] = []
    if importer.name == "csv":
        from litreview.importers.csv import read as read_csv

        items = read_csv(path, source, column_map)
    else:
        if column_map:
            raise ParseError("--map applies to CSV files only", file=str(path))
        items = importer.read(path, source)
    try:
        for item in items:
            if isinstance(item, ParseError):
                if not skip_invalid:
                    raise item
                skipped.append(item)
            else:
                records.append(item)
    except ParseError:
        raise
    except (ValueError, KeyError, IndexError, UnicodeError) as exc:  # a parser's own surprise
        raise ParseError(f"cannot read as {importer.name}: {exc}", file=str(path)) from None
    if not records and not skipped:
        raise ParseError(f"no records found when read as {importer.name}", file=str(path))
    return records, skipped, importer.name, how


def import_file(
    library: Library, path: Path, fmt: str = "auto", source: str | None = None,
    column_map: dict[str, str] | None = None, skip_invalid: bool = False,
    batch_size: int = 5000, progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Read `path` whole, then store it in one transaction with its run log entry."""
    records, skipped, name, how = read_file(path, fmt, source, column_map, skip_invalid)
    counts = Counter(r.source_db or "" for r in records)
    database = source or (counts.most_common(1)[0][0] if counts else name)
    result = ImportResult(file=str(path), format=name, how=how, database=database,
                          checksum=checksum(path), read=len(records) + len(skipped),
                          skipped=skipped, databases=dict(counts))
    with library.transaction():
        run_id = library.start_run(
            "import", database, name=path.name, file=str(path.resolve()),
            checksum=result.checksum,
            params={"format": name, "databases": dict(counts), "skipped": len(skipped)},
        )
        for start in range(0, len(records), batch_size):
            added = library.add_records(records[start : start + batch_size], run_id)
            result.added += added.added
            result.already_held += len(added.already_held)
            if progress:
                progress(min(batch_size, len(records) - start))
        library.finish_run(run_id, "complete", count_reported=result.read,
                           count_retrieved=len(records), count_new=result.added)
    result.run_id = run_id
    return result
