"""Import export files into the library: one run per file, all or nothing per file.

Each file is checksummed and logged as a run (kind='import') with its database, the records
read and the records added, so PRISMA can count records per database. A file with a bad
record stores nothing unless `skip_invalid`, which stores the good ones and lists the rest.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from litreview.bulk import fewer_collections
from litreview.errors import ParseError
from litreview.importers import detect, get_importer
from litreview.records import Record
from litreview.store import Library
from litreview.store.imports import set_run_source

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


def open_file(
    path: Path, fmt: str = "auto", source: str | None = None,
    column_map: dict[str, str] | None = None,
) -> tuple[Iterator[Record | ParseError], str, str]:
    """(stream of records and bad-record errors, format name, how it was chosen)."""
    if not path.is_file():
        raise ParseError("no such file", file=str(path))
    fmt = FORMAT_ALIASES.get(fmt, fmt)
    if fmt == "auto":
        importer, how = detect(path)
    else:
        importer, how = get_importer(fmt), f"{path.name}: read as {fmt} (--format)"
    if importer.name == "csv":
        from litreview.importers.csv import read as read_csv

        return read_csv(path, source, column_map), importer.name, how
    if column_map:
        raise ParseError("--map applies to CSV files only", file=str(path))
    return importer.read(path, source), importer.name, how


def _guarded(items: Iterator[Record | ParseError], path: Path, name: str
             ) -> Iterator[Record | ParseError]:
    """A parser's own surprise on a malformed file becomes a ParseError, never a traceback."""
    try:
        yield from items
    except ParseError:
        raise
    except (ValueError, KeyError, IndexError, UnicodeError) as exc:
        raise ParseError(f"cannot read as {name}: {exc}", file=str(path)) from None


def read_file(
    path: Path, fmt: str = "auto", source: str | None = None,
    column_map: dict[str, str] | None = None, skip_invalid: bool = False,
) -> tuple[list[Record], list[ParseError], str, str]:
    """(records, skipped, format name, how it was chosen). Raises ParseError on bad input."""
    items, name, how = open_file(path, fmt, source, column_map)
    records: list[Record] = []
    skipped: list[ParseError] = []
    for item in _guarded(items, path, name):
        if isinstance(item, ParseError):
            if not skip_invalid:
                raise item
            skipped.append(item)
        else:
            records.append(item)
    if not records and not skipped:
        raise ParseError(f"no records found when read as {name}", file=str(path))
    return records, skipped, name, how


def import_file(
    library: Library, path: Path, fmt: str = "auto", source: str | None = None,
    column_map: dict[str, str] | None = None, skip_invalid: bool = False,
    batch_size: int = 2000, progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Stream `path` into the library in batches inside one transaction.

    Memory stays flat in the size of the file; a bad record (without `skip_invalid`) rolls
    the whole file back, run log entry included.
    """
    items, name, how = open_file(path, fmt, source, column_map)
    # hashlib lets go of the GIL: the file is checksummed on a thread while it is read here.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="checksum") as pool:
        digest = pool.submit(checksum, path)
        result = _store_items(library, path, items, name, how, source, skip_invalid, batch_size,
                              progress, digest)
    return result


def _store_items(
    library: Library, path: Path, items: Iterator[Record | ParseError], name: str, how: str,
    source: str | None, skip_invalid: bool, batch_size: int,
    progress: Callable[[int], None] | None, digest: Future[str],
) -> ImportResult:
    result = ImportResult(file=str(path), format=name, how=how, database=source or "", checksum="")
    counts: Counter[str] = Counter()
    with fewer_collections(), library.transaction():
        run_id = library.start_run("import", source or name, name=path.name, file=str(path.resolve()))
        batch: list[Record] = []

        def flush() -> None:
            added = library.add_records(batch, run_id)
            result.added += added.added
            result.already_held += len(added.already_held)
            if progress:
                progress(len(batch))
            batch.clear()

        for item in _guarded(items, path, name):
            result.read += 1
            if isinstance(item, ParseError):
                if not skip_invalid:
                    raise item
                result.skipped.append(item)
                continue
            counts[item.source_db or ""] += 1
            batch.append(item)
            if len(batch) >= batch_size:
                flush()
        if batch:
            flush()
        if result.read == 0:
            raise ParseError(f"no records found when read as {name}", file=str(path))
        result.databases = dict(counts)
        result.database = source or (counts.most_common(1)[0][0] if counts else name)
        set_run_source(library, run_id, result.database, {
            "format": name, "databases": dict(counts), "skipped": len(result.skipped)})
        result.checksum = digest.result()
        library.finish_run(run_id, "complete", checksum=result.checksum, count_reported=result.read,
                           count_retrieved=result.read - len(result.skipped),
                           count_new=result.added)
    result.run_id = run_id
    return result
