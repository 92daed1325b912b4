"""Import export files into the library: one run per file, all or nothing per file.

Each file is checksummed and logged as a run (kind='import') with its database, the records
read and the records added, so PRISMA can count records per database. A file with a bad
record stores nothing unless `skip_invalid`, which stores the good ones and lists the rest.
"""

from __future__ import annotations

import gc
import gzip
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypeVar

from rapidfuzz import fuzz

from litreview import parallel
from litreview.errors import NotChunkable, ParseError
from litreview.importers import detect, file_encoding, file_scan, get_importer
from litreview.importers.csv import Dialect as CsvDialect
from litreview.importers.csv import file_dialect
from litreview.importers.csv import read as read_csv
from litreview.pubmed.xml import chunk_documents
from litreview.records import Record, fold
from litreview.store import EncodedRecord, Library, encode_record
from litreview.store.imports import set_run_source


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
    """SHA-256 of the file, from the same read that judges its encoding (importers.file_scan)."""
    return file_scan(path).checksum


def open_file(
    path: Path, fmt: str = "auto", source: str | None = None,
    column_map: dict[str, str] | None = None, dialect: CsvDialect | None = None,
) -> tuple[Iterator[Record | ParseError], str, str]:
    """(stream of records and bad-record errors, format name, how it was chosen). `dialect` is
    a CSV file's, when it is known (csv.file_dialect)."""
    if not path.is_file():
        raise ParseError("no such file", file=str(path))
    if fmt == "auto":
        importer, how = detect(path)
    else:
        importer, how = get_importer(fmt), f"{path.name}: read as {fmt} (--format)"
    if importer.name == "csv":
        return read_csv(path, source, column_map, dialect), importer.name, how
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
    the whole file back, run log entry included. A big file is read by worker processes, a
    chunk of whole records each, while this process stores (see "big files" below).
    """
    opened, name, how = open_file(path, fmt, source, column_map)
    items: Iterator[Record | EncodedRecord | ParseError] = opened
    if _workers_pay(path, name):
        items = _read_by_workers(path, name, source, column_map)
    return _store_items(library, path, items, name, how, source, skip_invalid, batch_size, progress)


def _store_items(
    library: Library, path: Path, items: Iterator[Record | EncodedRecord | ParseError], name: str,
    how: str, source: str | None, skip_invalid: bool, batch_size: int,
    progress: Callable[[int], None] | None,
) -> ImportResult:
    result = ImportResult(file=str(path), format=name, how=how, database=source or "", checksum="")
    counts: Counter[str] = Counter()
    with _fewer_collections(), library.transaction():
        run_id = library.start_run("import", source or name, name=path.name, file=str(path.resolve()))
        batch: list[Record | EncodedRecord] = []
        keys_seen: Counter[tuple[str, str]] = Counter()

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
            batch.append(_own_key(item, keys_seen))
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
        result.checksum = checksum(path)
        library.finish_run(run_id, "complete", checksum=result.checksum, count_reported=result.read,
                           count_retrieved=result.read - len(result.skipped),
                           count_new=result.added)
    result.run_id = run_id
    return result


def _own_key(item: Record | EncodedRecord, keys_seen: Counter[tuple[str, str]]) -> Record | EncodedRecord:
    """Within one file every record is a record: PRISMA counts what the database returned, and
    finding duplicates is dedup's work, counted as such. A key the file has given before (an
    EndNote library's exact copies, whose keys come from their content; two versions of an
    article under one accession number) gets the occurrence number, 'KEY#2', in file order: the
    same on every import of the file, so importing it again still adds nothing."""
    key = (item.source_db or "", item.source_key or "")
    keys_seen[key] += 1
    occurrence = keys_seen[key]
    if occurrence == 1:
        return item
    distinct = f"{key[1]}#{occurrence}"
    if isinstance(item, EncodedRecord):
        return item.with_key(distinct)
    item.source_key = distinct
    return item


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



@contextmanager
def _fewer_collections() -> Iterator[None]:
    """A batch of a few thousand records (small acyclic objects) stays alive until it is stored;
    CPython's young-generation pass every 700 allocations rescans it again and again (a fifth of
    an import's time). Collecting less often frees the same objects, only later."""
    before = gc.get_threshold()
    gc.set_threshold(max(parallel.WORKER_GC_THRESHOLD, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


# -- big files: read by worker processes, a chunk each ----------------------------------------
#
# Reading a file (parsing, normalising, encoding for the store) costs as much as storing it or
# several times more (PubMed XML), and both are Python work that one interpreter runs on one core.
# So a big file is cut, in this process, into chunks of whole records; worker processes read the
# chunks (parallel.ordered_map) and send back the records encoded for the store (plain strings:
# cheap to pickle), in file order, while this process stores them. The cut is the format's own:
# PubMed XML into standalone PubmedArticleSet documents (litreview.pubmed.xml.chunk_documents);
# line-based text exports before a line that starts a record (RIS 'TY  - ', MEDLINE 'PMID- ',
# Web of Science 'PT '), CSV between rows with the header row in front of each chunk. A worker
# reads its chunk with the format's own importer, from a small file of the chunk's text, so a
# record reads exactly as it does from the whole file; this process adds the lines and records
# before the chunk to the numbers in its errors. Other formats (BibTeX's @string macros,
# EndNote XML, CSL-JSON) and small files are read here.

WORKERS_MIN_BYTES = 4 << 20
"""Smaller files are read in this process: workers would cost more than they save."""
CHUNK_CHARACTERS = 1 << 18
"""A chunk of text is about this many characters of whole records (a few hundred RIS records):
small enough that the chunks in flight keep memory flat, big enough that sending costs little."""
_RECORD_STARTS = {"ris": ("\nTY  - ", "\nTY - "), "nbib": ("\nPMID- ",), "wos": ("\nPT ",)}
_CHUNKED_FORMATS = frozenset({"pubmed-xml", "csv", *_RECORD_STARTS})


@dataclass(frozen=True)
class _Chunk:
    """Records of a file to read in a worker: the text of whole records (`header` first)."""

    fmt: str
    path: Path
    source: str | None
    column_map: dict[str, str] | None
    text: str
    header: str = ""
    dialect: CsvDialect | None = None
    """A CSV file's dialect, sniffed once from the whole file's head (not from each chunk's)."""


@dataclass
class _Read:
    """What a worker read from a chunk: its items, and the error that stopped it, if any."""

    items: list[EncodedRecord | ParseError]
    stop: ParseError | None = None
    lines: int = 0


def _workers_pay(path: Path, fmt: str) -> bool:
    """Big enough, a format that can be cut, and workers to be had (fork is safe here)."""
    return (fmt in _CHUNKED_FORMATS and parallel.can_fork() and parallel.usable_cores() >= 2
            and path.stat().st_size >= WORKERS_MIN_BYTES)


def _read_by_workers(path: Path, fmt: str, source: str | None, column_map: dict[str, str] | None
                     ) -> Iterator[EncodedRecord | Record | ParseError]:
    """The file's items as open_file's reader gives them, read by workers."""
    processes = parallel.usable_cores()
    try:
        if fmt == "pubmed-xml":
            yield from _pubmed_by_workers(path, source, processes)
        else:
            yield from _text_by_workers(_text_chunks(path, fmt, source, column_map), processes)
    except BrokenProcessPool:  # killed from outside (out of memory?): nothing is stored
        raise ParseError("a process reading the file ended unexpectedly", file=str(path)) from None


def _text_by_workers(chunks: Iterable[_Chunk], processes: int) -> Iterator[EncodedRecord | ParseError]:
    items_before = lines_before = 0
    for read in parallel.ordered_map(_read_chunk, chunks, processes):
        for item in read.items:
            if isinstance(item, ParseError):
                _renumber(item, items_before, lines_before)
            yield item
        if read.stop is not None:
            raise _renumber(read.stop, items_before, lines_before)
        items_before += len(read.items)
        lines_before += read.lines


def _renumber(error: ParseError, items_before: int, lines_before: int) -> ParseError:
    if isinstance(error.record, int):
        error.record += items_before
    if error.line is not None:
        error.line += lines_before
    return error


def _read_chunk(chunk: _Chunk) -> _Read:
    """In a worker: the chunk's items, read by the format's importer from a file of its own."""
    read = _Read([], lines=chunk.text.count("\n"))
    with tempfile.TemporaryDirectory(prefix="litreview-chunk-") as folder:
        piece = Path(folder) / chunk.path.name
        piece.write_text(chunk.header + chunk.text, encoding="utf-8")
        try:
            items, name, _ = open_file(piece, chunk.fmt, chunk.source, chunk.column_map, chunk.dialect)
            for item in _guarded(items, piece, name):
                read.items.append(_as_read_here(item, chunk.path)
                                  if isinstance(item, ParseError) else encode_record(item))
        except ParseError as exc:
            read.stop = _as_read_here(exc, chunk.path)
    return read


def _as_read_here(error: ParseError, path: Path) -> ParseError:
    """An error read from a chunk's file, as if read from the whole file, less the lines and
    records of the chunks before it (the caller adds them; the header's lines are the file's
    first lines in both)."""
    error.file = str(path)
    return error


def _text_chunks(path: Path, fmt: str, source: str | None,
                 column_map: dict[str, str] | None) -> Iterator[_Chunk]:
    """The file's text cut into chunks of whole records (see above)."""
    header = ""
    carry = ""
    dialect = file_dialect(path) if fmt == "csv" else None
    with open(path, encoding=file_encoding(path), errors="replace", newline="") as handle:
        while block := handle.read(CHUNK_CHARACTERS):
            carry += block
            if fmt == "csv" and not header:
                cut = _after_csv_row(carry, first=True)
                if not cut:
                    continue
                header, carry = carry[:cut], carry[cut:]
            cut = _after_csv_row(carry) if fmt == "csv" else _before_last_record(carry, fmt)
            if cut:
                yield _Chunk(fmt, path, source, column_map, carry[:cut], header, dialect)
                carry = carry[cut:]
    if carry.strip():
        yield _Chunk(fmt, path, source, column_map, carry, header, dialect)


def _before_last_record(text: str, fmt: str) -> int:
    """Where the last record that starts in `text` starts (its line's first character); 0 if
    none but the first."""
    return max(text.rfind(start) + 1 for start in _RECORD_STARTS[fmt])


def _after_csv_row(text: str, first: bool = False) -> int:
    """Just after the last (or first) line end in `text` outside quotes: an even number of
    quote characters before it (a quote inside a cell is written twice). 0 if there is none."""
    if first:
        at = text.find("\n")
        while at >= 0 and text.count('"', 0, at) % 2:
            at = text.find("\n", at + 1)
        return at + 1
    at = text.rfind("\n")
    while at >= 0 and text.count('"', 0, at) % 2:
        at = text.rfind("\n", 0, at)
    return at + 1


def _pubmed_by_workers(path: Path, source: str | None, processes: int
                       ) -> Iterator[EncodedRecord | Record | ParseError]:
    """PubMed XML, a chunk document per worker task. Whatever the chunks cannot be trusted with
    (an odd prolog, XML that is not well-formed) is read in this process from the start, the
    records already given skipped, so errors are found and reported as when reading here."""
    from litreview.importers.pubmed_xml import read

    given = 0
    try:
        with open(path, "rb") as raw, _maybe_gunzip(raw) as stream:
            documents = ((document, path, source) for document in chunk_documents(stream))
            for items in parallel.ordered_map(_read_pubmed_document, documents, processes):
                for item in items:
                    given += 1
                    if isinstance(item, ParseError):
                        item.record = given
                    yield item
        return
    except NotChunkable:
        pass
    for number, read_here in enumerate(read(path, source)):
        if number >= given:
            yield read_here


def _read_pubmed_document(work: tuple[bytes, Path, str | None]) -> list[EncodedRecord | ParseError]:
    """In a worker: one chunk document's records, encoded for the store."""
    from litreview.importers.pubmed_xml import read_document

    document, path, source = work
    return [item if isinstance(item, ParseError) else encode_record(item)
            for item in read_document(document, path, source)]


@contextmanager
def _maybe_gunzip(raw: IO[bytes]) -> Iterator[IO[bytes]]:
    if raw.read(2) != b"\x1f\x8b":
        raw.seek(0)
        yield raw
        return
    raw.seek(0)
    with gzip.GzipFile(fileobj=raw, mode="rb") as unpacked:
        yield unpacked  # type: ignore[misc]
