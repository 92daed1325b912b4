"""Import export files into the library: one run per file, all or nothing per file.

Each file is checksummed and logged as a run (kind='import') with its database, the records
read and the records added, so PRISMA can count records per database. A file with a bad
record stores nothing unless `skip_invalid`, which stores the good ones and lists the rest.
"""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import pickle
import signal
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from rapidfuzz import fuzz

from litreview import parallel
from litreview.bulk import fewer_collections
from litreview.errors import ParseError
from litreview.importers import detect, get_importer
from litreview.records import Record, fold
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


Item = TypeVar("Item")


def _guarded(items: Iterator[Item], path: Path, name: str) -> Iterator[Item]:
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
    if shares := _pubmed_shares(path, name):
        reader: _PubmedShareReaders | _ChildReader | None = _PubmedShareReaders(path, source, shares)
    elif _child_pays(path, name):
        reader = _ChildReader(path, name, source, column_map)
    else:
        reader = None
    # Children are forked first (a fork copies only the thread that calls it); hashlib lets go
    # of the GIL, so the file is checksummed on a thread while it is read and stored.
    with reader or nullcontext(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="checksum") as pool:
        future = pool.submit(checksum, path)
        return _store_items(library, path, reader.items() if reader else items, name, how, source,
                            skip_invalid, batch_size, progress, future.result)


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
            if name in FILE_LOCAL_KEYS:
                _refuse_reused_ids(added.other_titles, path, name)
            if progress:
                progress(len(batch))
            batch.clear()

        for item in _guarded(items, path, name):
            result.read += 1
            if isinstance(item, ParseError):
                if not skip_invalid:
                    item.skippable = True
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


FILE_LOCAL_KEYS = frozenset({"csv", "bibtex", "csl-json"})
"""Formats whose record ids are the file's own (row numbers, citation keys, CSL item ids), not a
database's accession numbers or PMIDs."""


def _refuse_reused_ids(other_titles: list[tuple[str, str, str]], path: Path, name: str) -> None:
    """A CSV's ids are often its own row numbers, and a BibTeX citation key ('smith2010') or a
    CSL-JSON id is the exporting tool's: a second file from the same database (or, unnamed, the
    same format) reusing them would be taken, record by record, for the first one already held,
    and silently not imported. A held id whose record has another title is refused, so the file
    is rolled back with the reason. A title edited in the same record (a typo fixed) is not
    another title. PMIDs and accession numbers are left alone: a corrected title is the same
    record."""
    for key, held, given in other_titles:
        if held and given and fuzz.ratio(fold(held), fold(given)) < 90:
            way_out = ("Give --source another name, or --map ID_COLUMN=ignore to identify these records"
                       " by their content" if name == "csv" else
                       "Give --source the name of the database this file came from")
            raise ParseError(
                f"record id {key!r} is already held from the same database with another title ({held[:60]!r};"
                f" here {given[:60]!r}): the ids of this file are not unique across files. {way_out}",
                file=str(path))


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


def _fork_pays(path: Path) -> bool:
    """Big enough, and fork is safe here (Linux, no other thread running): a fork starts in
    milliseconds and re-imports nothing."""
    return parallel.can_fork() and path.stat().st_size >= CHILD_MIN_BYTES


def _child_pays(path: Path, fmt: str) -> bool:
    return fmt != "pubmed-xml" and _fork_pays(path)


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


# -- big PubMed XML files: read by several children ------------------------------------------
#
# Parsing a PubMed record costs several times what storing it does, so one reading child would
# leave this process waiting (measured, 20,000 records: 1,150 records/s through one child, 1,050
# reading here, where the parser already has a thread of its own; 2,000 through two). Instead each
# of N children cuts the file into the same chunks of whole articles and reads every N-th one
# (litreview.pubmed.xml.chunk_share); this process takes one chunk's records from each child in
# turn, which is file order, and writes them. Anything the chunked reading cannot be trusted with
# (an odd prolog, XML that is not well-formed, a child that dies) sends this process back to
# reading the file itself from where the children left off, so errors are found and reported
# exactly as when reading here.

MAX_SHARES = 4
PIPE_BYTES = 1 << 20


def _pubmed_shares(path: Path, fmt: str) -> int:
    """How many children should read this file (0: read it here)."""
    if fmt != "pubmed-xml" or not _fork_pays(path):
        return 0
    cores = parallel.usable_cores()
    return min(cores, MAX_SHARES) if cores >= 2 else 0


class _PubmedShareReaders:
    def __init__(self, path: Path, source: str | None, shares: int) -> None:
        self.path, self.source = path, source
        context = multiprocessing.get_context("fork")
        self.receivers: list[Any] = []
        self.processes: list[Any] = []
        for share in range(shares):
            receiver, sender = context.Pipe(duplex=False)
            _widen(sender)
            process = context.Process(target=_read_share_and_send,
                                      args=(sender, path, source, share, shares),
                                      name=f"litreview-read-{share}-{path.name}", daemon=True)
            process.start()
            sender.close()
            self.receivers.append(receiver)
            self.processes.append(process)

    def __enter__(self) -> _PubmedShareReaders:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for receiver in self.receivers:
            receiver.close()
        for process in self.processes:
            if process.is_alive():
                process.terminate()
            process.join()

    def items(self) -> Iterator[Record | EncodedRecord | ParseError]:
        given = 0
        for turn in itertools.count():
            try:
                kind, payload = self.receivers[turn % len(self.receivers)].recv()
            except EOFError:
                break
            if kind == "done" and given:
                return
            if kind != "items":
                break
            for item in payload:
                given += 1
                if isinstance(item, ParseError):
                    item.record = given
                yield item
        self.close()
        from litreview.importers.pubmed_xml import read

        for number, item in enumerate(read(self.path, self.source)):
            if number >= given:
                yield item


def _widen(connection: Any) -> None:
    """Let a child write a chunk or two ahead instead of waiting for its turn to be read
    (a pipe holds 64 KB by default; a chunk's records are several hundred KB)."""
    with suppress(ImportError, AttributeError, OSError):  # not Linux, or above pipe-max-size
        import fcntl

        fcntl.fcntl(connection.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def _read_share_and_send(sender: Any, path: Path, source: str | None, share: int,
                         shares: int) -> None:
    """In a child: ("items", [...]) for each chunk of its share, then ("done", None); or
    ("fallback", None) as soon as the chunked reading cannot go on."""
    from litreview.importers.pubmed_xml import read_share

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it ends us
    try:
        with fewer_collections():
            for items in read_share(path, source, share, shares):
                sender.send(("items", [item if isinstance(item, ParseError) else encode_record(item)
                                       for item in items]))
        sender.send(("done", None))
    except Exception:  # noqa: BLE001 - the parent reads the file itself and reports what is wrong
        sender.send(("fallback", None))
    finally:
        sender.close()


def _picklable(exc: Exception) -> Exception:
    try:
        pickle.dumps(exc)
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc
