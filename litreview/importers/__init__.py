"""Import formats, one module each, chosen by name, by suffix, or by sniffing the content.

FORMATS lists every format once, in the order sniffing tries them; the module of format 'x-y'
is `litreview.importers.x_y`, and it registers `Importer(name, suffixes, read, sniff,
default_db)`:
- `read(path, source)` yields `Record`s, or `ParseError`s for single bad records (so that
  `--skip-invalid` can skip them); it raises ParseError when the file as a whole is unreadable;
- `sniff(head)` says whether the first bytes of a file look like this format;
- `read_text(text, path, source)`, for a format whose records may come as text held elsewhere
  (MEDLINE records in the cells of a CSV), reads them from that text.
Every record leaves `read` normalised and with source_db and source_key set. Importers share
what they have in common through `litreview.names` (names, suffixes, group authors, months,
years, numeric dates, database names) and this module (encodings, provenance, checks), never each other's
modules: one format reading another's records asks the registry (`get_importer`).
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import importlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from litreview.errors import ParseError
from litreview.records import Record, fold

Reader = Callable[[Path, "str | None"], Iterator["Record | ParseError"]]
TextReader = Callable[[str, Path, "str | None"], Iterator["Record | ParseError"]]

FORMATS = ("pubmed-xml", "endnote-xml", "jsonl", "csl-json", "wos", "nbib", "ris", "bibtex", "csv")
"""Every import format, in the order sniffing tries them: the most specific first (a CSV header
can look like anything)."""


@dataclass(frozen=True)
class Importer:
    name: str
    suffixes: tuple[str, ...]
    read: Reader
    sniff: Callable[[str], bool]
    default_db: str
    read_text: TextReader | None = None


IMPORTERS: dict[str, Importer] = {}


def register(importer: Importer) -> Importer:
    if importer.name not in FORMATS:
        raise ValueError(f"importer {importer.name!r} is not in importers.FORMATS")
    IMPORTERS[importer.name] = importer
    return importer


def _load_all() -> None:
    for name in FORMATS:
        if name not in IMPORTERS:
            importlib.import_module(f"{__name__}.{name.replace('-', '_')}")


def get_importer(name: str) -> Importer:
    _load_all()
    try:
        return IMPORTERS[name]
    except KeyError:
        known = ", ".join(FORMATS)
        raise ParseError(f"unknown import format {name!r} (known: {known})") from None


def read_head(path: Path, size: int = 8192) -> str:
    with open(path, "rb") as handle:
        raw = handle.read(size)
    return raw.decode(text_encoding(raw), errors="replace").lstrip("\ufeff")


def head_bytes(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(1 << 16)


def text_encoding(head: bytes) -> str:
    """The encoding of a text export from its first bytes: UTF-16 by its byte-order mark
    (EndNote's and Windows tools' 'Unicode' export), else UTF-8 with or without a BOM, else
    Latin-1 (old Windows exports). A UTF-8 character cut off at the end of `head` is UTF-8.
    Enough to tell a format by; file_encoding reads the whole file."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return "utf-8-sig" if exc.reason == "unexpected end of data" else "latin-1"
    return "utf-8-sig"


@dataclass(frozen=True)
class FileScan:
    encoding: str
    checksum: str


def file_encoding(path: Path) -> str:
    """The encoding of a whole text export: UTF-16 by its byte-order mark, else UTF-8 if every
    byte of it is, else Windows-1252 (what Excel and old Windows tools write: 'café', curly
    quotes), else Latin-1. A file whose first 64 KB happened to be ASCII was read as UTF-8 and a
    later 'café' became 'caf\ufffd'; one short enough to fit in them had its last 'é' taken for a
    UTF-8 character cut off."""
    return file_scan(path).encoding


def file_scan(path: Path) -> FileScan:
    """The file's encoding (file_encoding) and SHA-256, from one read of it. Remembered for the
    file as it is (path, size, modification time): an import asks for both, at different steps."""
    stat = path.stat()
    return _scan(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _scan(path: str, size: int, mtime_ns: int) -> FileScan:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        block = handle.read(1 << 20)
        utf16 = block.startswith((b"\xff\xfe", b"\xfe\xff"))
        fits = [] if utf16 else [(name, codecs.getincrementaldecoder(name)())
                                 for name in ("utf-8-sig", "cp1252")]
        while block:
            digest.update(block)
            fits = [(name, decoder) for name, decoder in fits if _decodes(decoder, block)]
            block = handle.read(1 << 20)
    fits = [(name, decoder) for name, decoder in fits if _decodes(decoder, b"", final=True)]
    encoding = "utf-16" if utf16 else fits[0][0] if fits else "latin-1"
    return FileScan(encoding, digest.hexdigest())


def _decodes(decoder: codecs.IncrementalDecoder, block: bytes, final: bool = False) -> bool:
    try:
        decoder.decode(block, final)
    except UnicodeDecodeError:
        return False
    return True


def detect(path: Path) -> tuple[Importer, str]:
    """The importer for `path` by content, with a sentence saying why it was picked."""
    _load_all()
    head = read_head(path)
    if not head.strip():
        raise ParseError("the file is empty", file=str(path))
    _reject_unsupported(path, head)
    for name in FORMATS:
        importer = IMPORTERS[name]
        if importer.sniff(head):
            return importer, f"{path.name}: read as {name} (by content)"
    suffix = path.suffix.lower()
    for name in FORMATS:
        importer = IMPORTERS[name]
        if suffix in importer.suffixes:
            return importer, f"{path.name}: read as {importer.name} (by suffix {suffix})"
    raise ParseError(
        "cannot tell the format from the content or the suffix; give --format "
        f"({', '.join(FORMATS)})", file=str(path),
    )


_UNSUPPORTED_XML = {
    "eLinkResult": "an E-utilities elink result (links, not records)",
    "eSearchResult": "an E-utilities esearch result (ids only, not records)",
    "eSummaryResult": "an E-utilities esummary result (summaries; fetch the records as XML)",
    "eInfoResult": "an E-utilities einfo result",
    "ePostResult": "an E-utilities epost result",
    "eSpellResult": "an E-utilities espell result",
    "pmc-articleset": "a PMC full-text article set (not supported; export from PubMed)",
    "TaxaSet": "an NCBI Taxonomy record, not bibliographic",
    "GBSet": "a GenBank record, not bibliographic",
    "Bioseq-set": "a sequence record, not bibliographic",
    "BioSampleSet": "a BioSample record, not bibliographic",
}


def _reject_unsupported(path: Path, head: str) -> None:
    """Formats we know and do not read get a clear error instead of a wrong guess."""
    if re.match(r"\s*<\d+>\s*\n", head):
        raise ParseError("not supported: Ovid's plain-text display format; export from Ovid"
                         " as RIS instead", file=str(path))
    if re.match(r"\s*<\d+\.\s*>\s*\n", head) or (
            "VN  - Ovid Technologies" in head[:2000] and "TY  - " not in head):
        raise ParseError("not supported: Ovid's tagged format; export from Ovid as RIS instead"
                         " (Export, format RIS)", file=str(path))
    if head.lstrip().startswith("<"):
        for tag, what in _UNSUPPORTED_XML.items():
            if f"<{tag}" in head:
                raise ParseError(f"not supported: this is {what}", file=str(path))
        root = re.search(r"<([A-Za-z][\w.-]*)[\s>]", re.sub(r"<[?!][^>]*>", "", head))
        known = ("PubmedArticleSet", "PubmedArticle", "PubmedBookArticle",
                 "PubmedBookArticleSet", "xml",
                 "MedlineCitationSet", "html", "HTML")
        if root and root.group(1) not in known:
            raise ParseError(f"not supported: XML with root <{root.group(1)}> is neither PubMed"
                             " XML nor EndNote XML", file=str(path))
    first = head.lstrip().splitlines()[0] if head.strip() else ""
    if re.match(r"%[0A-Z](?: |$)", first):
        raise ParseError(
            "not supported: EndNote tagged (.enw) format; export RIS or EndNote XML instead",
            file=str(path),
        )
    if first.startswith("LOCUS "):
        raise ParseError("not supported: a GenBank flat file, not bibliographic", file=str(path))
    if first.startswith(("RT ", "RT\t", "Refworks Export Tagged Format")):
        raise ParseError(
            "not supported: RefWorks tagged format; export RIS instead", file=str(path))
    if first.startswith("Recent queries in pubmed") or first.startswith("Search,Query,Items found"):
        raise ParseError("not supported: this is a PubMed search history (queries and hit"
                         " counts), not records", file=str(path))
    if head.lstrip().lower().startswith(("<!doctype html", "<html")):
        raise ParseError("not supported: this is an HTML page, not an export file", file=str(path))


def derived_key(record: Record) -> str:
    """A stable key for a record whose file gives it no id: a checksum of its content."""
    first = record.authors[0].family if record.authors and record.authors[0].family else ""
    parts = [fold(record.title), str(record.year or ""), record.doi or "", fold(first),
             record.volume or "", record.pages or ""]
    return "sha1:" + hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()[:16]


def finish(record: Record, source_db: str, key: str | None, *, normalised: bool = False) -> Record:
    """Normalise the record (unless its parser already has) and set its provenance (a derived
    key if the file had none)."""
    from litreview.records import normalise

    if not normalised:
        normalise(record)
    record.source_db = record.source_db or source_db
    key = (key or "").strip()
    record.source_key = key or derived_key(record)
    return record


def check(record: Record, path: Path, number: int | None, line: int | None = None
          ) -> ParseError | None:
    """A record with no title, identifier or author is not a reference: say so."""
    if record.title or record.doi or record.pmid or record.authors:
        return None
    return ParseError("record is empty (no title, authors, DOI or PMID)", file=str(path), line=line,
                      record=number)
