"""Import export files into the library: one run per file, all or nothing per file.

Each file is checksummed and logged as a run (kind='import') with its database, the records
read and the records added, so PRISMA can count records per database. A file with a bad
record stores nothing unless `skip_invalid`, which stores the good ones and lists the rest.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import pickle
import signal
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from litreview.bulk import fewer_collections
from litreview.errors import ParseError
from litreview.importers import detect, get_importer
from litreview.records import Record
from litreview.store import EncodedRecord, Library, encode_record
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
    if _child_pays(path, name):
        with _ChildReader(path, name, source, column_map) as reader:
            digest = checksum(path)  # while the child reads
            return _store_items(library, path, reader.items(), name, how, source, skip_invalid,
                                batch_size, progress, lambda: digest)
    # hashlib lets go of the GIL: the file is checksummed on a thread while it is read here.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="checksum") as pool:
        future = pool.submit(checksum, path)
        return _store_items(library, path, items, name, how, source, skip_invalid, batch_size,
                            progress, future.result)


def _store_items(
    library: Library, path: Path, items: Iterator[Record | EncodedRecord | ParseError], name: str,
    how: str, source: str | None, skip_invalid: bool, batch_size: int,
    progress: Callable[[int], None] | None, digest: Callable[[], str],
) -> ImportResult:
    result = ImportResult(file=str(path), format=name, how=how, database=source or "", checksum="")
    counts: Counter[str] = Counter()
    with fewer_collections(), library.transaction():
        run_id = library.start_run("import", source or name, name=path.name, file=str(path.resolve()))
        batch: list[Record | EncodedRecord] = []

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
        result.checksum = digest()
        library.finish_run(run_id, "complete", checksum=result.checksum, count_reported=result.read,
                           count_retrieved=result.read - len(result.skipped),
                           count_new=result.added)
    result.run_id = run_id
    return result


# -- big files: read in a child process ------------------------------------------------------
#
# Reading a file (parsing, normalising, encoding for the store) and writing its records are
# each about half of an import, and both are Python work that one interpreter runs on one core.
# A file big enough to pay for a fork is read by a child process that sends its records, already
# encoded (plain strings: cheap to pickle), in order and in batches through a pipe, while this
# process writes them: the two halves run on two cores. What arrives is exactly what reading the
# file here gives (records, bad-record errors, the error that stops the file), so the import
# itself is the same code either way. The pipe's small buffer keeps memory flat.

CHILD_MIN_BYTES = 4 << 20
"""Smaller files are read in this process: a child would cost more than it saves."""
CHILD_BATCH = 500


def _child_pays(path: Path, fmt: str) -> bool:
    """Big enough, and fork is safe here (Linux, no other thread running): a fork starts in
    milliseconds and re-imports nothing. Not PubMed XML: its parser already runs on two threads,
    and its 6 KB records cost more to send than the second core saves (measured: 20,000 records
    6.0 s through a child, 4.2 s here)."""
    return (fmt != "pubmed-xml" and sys.platform == "linux" and threading.active_count() == 1
            and path.stat().st_size >= CHILD_MIN_BYTES)


class _ChildReader:
    def __init__(self, path: Path, fmt: str, source: str | None,
                 column_map: dict[str, str] | None) -> None:
        self.path = path
        context = multiprocessing.get_context("fork")
        self.receiver, sender = context.Pipe(duplex=False)
        self.process = context.Process(target=_read_and_send, args=(sender, path, fmt, source, column_map),
                                       name=f"litreview-read-{path.name}", daemon=True)
        self.process.start()
        sender.close()

    def __enter__(self) -> _ChildReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.receiver.close()
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()

    def items(self) -> Iterator[EncodedRecord | ParseError]:
        while True:
            try:
                kind, payload = self.receiver.recv()
            except EOFError:
                raise ParseError(f"the process reading the file ended unexpectedly (exit code"
                                 f" {self.process.exitcode})", file=str(self.path)) from None
            if kind == "items":
                yield from payload
            elif kind == "error":
                raise payload
            else:
                return


def _read_and_send(sender: Any, path: Path, fmt: str, source: str | None,
                   column_map: dict[str, str] | None) -> None:
    """In the child: everything the file holds, encoded, then ("done", None)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it ends us
    try:
        with fewer_collections():
            items, name, _ = open_file(path, fmt, source, column_map)
            batch: list[EncodedRecord | ParseError] = []
            for item in _guarded(items, path, name):
                batch.append(item if isinstance(item, ParseError) else encode_record(item))
                if len(batch) >= CHILD_BATCH:
                    sender.send(("items", batch))
                    batch = []
            sender.send(("items", batch))
        sender.send(("done", None))
    except Exception as exc:  # noqa: BLE001 - the parent raises it where reading it would have
        sender.send(("error", _picklable(exc)))
    finally:
        sender.close()


def _picklable(exc: Exception) -> Exception:
    try:
        pickle.dumps(exc)
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc
