"""Importing export files into the library: all or nothing per file, logged like a search run."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from litreview.errors import LitreviewError, ParseError
from litreview.importers import ReadOptions, detect_format, get_importer
from litreview.records import Record, normalise
from litreview.store import Library

BATCH = 2_000


@dataclass
class ImportResult:
    file: str
    format: str
    detected: bool
    run_id: int | None = None
    read: int = 0
    added: int = 0
    already_held: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    databases: dict[str, int] = field(default_factory=dict)
    unnamed_source: bool = False
    duplicate_of_run: int | None = None


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def problem(record: Record) -> str | None:
    """Why a record cannot be imported, or None."""
    if not record.title and not record.doi and not record.pmid:
        return "no title, DOI or PMID"
    return None


def import_file(
    library: Library,
    path: Path,
    fmt: str = "auto",
    source: str | None = None,
    skip_invalid: bool = False,
    column_map: dict[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import one file; on any error nothing from it is stored and the run is logged as failed."""
    if not path.is_file():
        raise ParseError("no such file", file=str(path))
    detected = fmt == "auto"
    name = detect_format(path) if detected else fmt
    reader = get_importer(name)
    result = ImportResult(file=str(path), format=name, detected=detected)
    checksum = file_checksum(path)
    earlier = [r for r in library.runs("import") if r["checksum"] == checksum and r["status"] == "complete"]
    if earlier:
        result.duplicate_of_run = earlier[-1]["id"]
        return result
    fallback = source or reader.default_source
    run_id = library.start_run("import", fallback or path.stem, file=str(path), checksum=checksum,
                               params={"format": name, "source": source})
    result.run_id = run_id
    options = ReadOptions(source=source, column_map=column_map or {})
    try:
        with library.transaction():
            batch: list[Record] = []
            for record in _valid(reader.read(path, options), result, skip_invalid, str(path)):
                if not record.source_db:
                    record.source_db = fallback or path.stem
                    result.unnamed_source = fallback is None
                result.databases[record.source_db] = result.databases.get(record.source_db, 0) + 1
                batch.append(record)
                if len(batch) >= BATCH:
                    _store(library, batch, run_id, result, progress)
                    batch = []
            _store(library, batch, run_id, result, progress)
    except LitreviewError as exc:
        library.finish_run(run_id, "failed", error=str(exc), count_retrieved=result.read, count_new=0)
        raise
    database = _run_database(result.databases, fallback or path.stem)
    library.finish_run(run_id, "complete", database=database, count_reported=result.read,
                       count_retrieved=result.read, count_new=result.added,
                       missing=[{"location": loc, "reason": why} for loc, why in result.skipped])
    return result


def _valid(records: Iterator[Record], result: ImportResult, skip_invalid: bool,
           file: str) -> Iterator[Record]:
    for record in records:
        result.read += 1
        record = normalise(record)
        location = record.extra.get("location", f"record {result.read}")
        why = problem(record)
        if why is None:
            yield record
        elif skip_invalid:
            result.skipped.append((location, why))
        else:
            raise ParseError(f"{location}: {why} (use --skip-invalid to import the rest)", file=file)


def _store(library: Library, batch: list[Record], run_id: int, result: ImportResult,
           progress: Callable[[int], None] | None) -> None:
    if not batch:
        return
    for record in batch:
        record.source_key = record.source_key or _fallback_key(record)
    added = library.add_records(batch, run_id)
    result.added += added.added
    result.already_held += len(added.already_held)
    if progress:
        progress(len(batch))


def _fallback_key(record: Record) -> str:
    text = "|".join(str(x) for x in (record.title, record.doi, record.year, record.authors_short(),
                                       record.journal, record.pages))
    return "sha1:" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


def _run_database(databases: dict[str, int], fallback: str) -> str:
    if not databases:
        return fallback
    if len(databases) == 1:
        return next(iter(databases))
    return "mixed: " + ", ".join(name for name, _ in Counter(databases).most_common())
