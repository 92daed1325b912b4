"""CSV: a header mapping for PubMed's CSV export (old and new), Rayyan, Covidence, ASReview,
Zotero, the dedup sets' `id,title,authors,...,source_db` layout, plus `--map column=field`.

The dialect (delimiter and quote character) is the standard library's `csv.Sniffer`'s guess from
the file's first lines: commas, tabs, or the semicolons European Excel writes where the decimal
mark is a comma.

A CSV whose cells hold whole MEDLINE records (a PubMed export pasted into a spreadsheet)
is read with the nbib reader, one record per row.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from litreview.errors import ParseError
from litreview.fieldtext import parse_correction, parse_mesh
from litreview.importers import Importer, check, file_encoding, finish, get_importer, head_bytes, register
from litreview.names import NAME_SUFFIX, month_number, parse_name, year_in
from litreview.records import Author, Record

EXPORT_ONLY = ("day", "date_text", "kind", "publication_status", "publication_types", "issn_print",
               "issn_electronic", "article_number", "vernacular_title", "book_title", "publisher",
               "place", "isbn", "edition", "mesh", "corrections", "authors_json", "editors_json")
"""Columns of litreview's own CSV export (litreview.exporters.tabular), read back by name."""
FIELDS = ("id", "title", "authors", "year", "month", "journal", "journal_abbrev", "volume",
          "issue", "pages", "doi", "pmid", "pmcid", "abstract", "source_db", "keywords", "url",
          "issn", "language", "citation", "ignore", *EXPORT_ONLY)

ALIASES = {
    "id": ("id", "key", "record_id", "record id", "covidence #", "covidence", "ref",
           "rayyan id", "accession number", "an"),
    "title": ("title", "article title", "ti", "primary title", "document title", "t1"),
    "authors": ("authors", "author", "au", "author(s)", "author full names", "description"),
    "year": ("year", "publication year", "published year", "py", "publication_year",
             "pubyear", "date"),
    "month": ("month", "published month"),
    "journal": ("journal", "source title", "publication title", "journal/book",
                "journal title", "secondary title", "journal name", "jt", "so"),
    "journal_abbrev": ("journal abbreviation", "journal_abbrev", "abbreviated source title", "ta"),
    "volume": ("volume", "vl", "vol"),
    "issue": ("issue", "number", "is", "ip"),
    "pages": ("pages", "page", "pg", "page range"),
    "doi": ("doi", "di"),
    "pmid": ("pmid", "pubmed id", "pubmed_id", "entrezuid", "pubmedid"),
    "pmcid": ("pmcid", "pmc id"),
    "abstract": ("abstract", "abstract note", "ab", "abstracts"),
    "source_db": ("source_db", "database", "source database", "db"),
    "keywords": ("keywords", "manual tags", "author keywords", "kw"),
    "url": ("url", "link"),
    "issn": ("issn",),
    "language": ("language", "la"),
    "citation": ("details", "citation"),
}
ALIASES.update({name: (name,) for name in EXPORT_ONLY})
ALIASES["language"] = (*ALIASES["language"], "languages")
_BY_HEADER = {alias: field for field, aliases in ALIASES.items() for alias in aliases}


def column_map(header: list[str], overrides: dict[str, str] | None = None) -> dict[str, str]:
    """{column: field} for the columns we recognise; `overrides` (--map) win."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    if "source_key" in header:  # our own CSV export: the source key, not the library's id
        mapping["source_key"] = "id"
        taken.add("id")
    for column in header:
        field = _BY_HEADER.get(column.strip().lower().lstrip("\ufeff"))
        if field and field not in taken:
            mapping[column] = field
            taken.add(field)
    for column, field in (overrides or {}).items():
        if column not in header:
            raise ParseError(f"--map names column {column!r}, which the header does not have"
                             f" (columns: {', '.join(header)})")
        if field not in FIELDS:
            raise ParseError(f"--map {column}={field}: unknown field (known: {', '.join(FIELDS)})")
        mapping = {c: f for c, f in mapping.items() if f != field}
        mapping[column] = field
    return mapping


_FAMILY_AND_SUFFIX = re.compile(rf"\S+ {NAME_SUFFIX.pattern}")


def _authors(text: str) -> list[str]:
    text = text.strip().rstrip(".")
    if ";" in text:
        return [a for a in (p.strip() for p in text.split(";")) if a]
    parts = [p.strip() for p in text.split(",")]
    # 'Nilsson C, Berthold M' (PubMed) splits on commas; 'Smith, John' and
    # 'Sprague Jr., Ralph H.' are one name each
    if (len(parts) > 1 and all(" " in p for p in parts if p)
            and not _FAMILY_AND_SUFFIX.fullmatch(parts[0])):
        return [p for p in parts if p]
    if " and " in text:
        return [p.strip() for p in text.split(" and ") if p.strip()]
    return [text] if text else []


def _exported_columns(record: Record, values: dict[str, str]) -> None:
    """What litreview's CSV export writes beyond the common columns (see EXPORT_ONLY)."""
    day = values.get("day", "")
    record.day = int(day) if day.isdigit() and record.month and 1 <= int(day) <= 31 else None
    for name in ("date_text", "publication_status", "issn_print", "issn_electronic", "article_number",
                 "vernacular_title", "book_title", "publisher", "place", "isbn", "edition"):
        if values.get(name):
            setattr(record, name, values[name])
    if values.get("kind") in KINDS:
        record.kind = values["kind"]
    if values.get("publication_types"):
        record.publication_types = [t.strip() for t in values["publication_types"].split(";") if t.strip()]
    for name, reader in (("mesh", parse_mesh), ("corrections", parse_correction)):
        if values.get(name):
            parsed = [reader(v.strip()) for v in values[name].split(LIST_SEPARATOR.strip()) if v.strip()]
            setattr(record, name, [v for v in parsed if v])
    for name in ("authors", "editors"):
        people = _people_json(values.get(f"{name}_json"))
        if people is not None:
            setattr(record, name, people)


KINDS = frozenset({"article", "book", "chapter", "thesis", "report", "conference", "preprint", "dataset",
                   "webpage"})
LIST_SEPARATOR = " | "


def _people_json(text: str | None) -> list[Author] | None:
    if not text:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, list) or not all(isinstance(p, dict) for p in data):
        return None
    keep = ("family", "given", "initials", "suffix", "collective")
    return [Author(**{k: str(p[k]) for k in keep if p.get(k)}) for p in data]  # type: ignore[arg-type]


def to_record(row: dict[str, str], mapping: dict[str, str]) -> tuple[Record, dict[str, str]]:
    values: dict[str, str] = {}
    for column, field in mapping.items():
        value = (row.get(column) or "").strip()
        if value and field != "ignore":
            values[field] = value
    record = Record(title=values.get("title", ""))
    record.authors = [parse_name(a) for a in _authors(values.get("authors", ""))]
    record.year = year_in(values.get("year"))
    record.month = month_number(values.get("month"))  # '3', '03', 'Mar', 'March'
    for name in ("journal", "journal_abbrev", "volume", "issue", "pages", "doi", "pmid", "pmcid",
                 "abstract", "url"):
        setattr(record, name, values.get(name))
    if values.get("pmid", "").upper().startswith("PMID:"):
        record.pmid = values["pmid"][5:]
    record.keywords = [k.strip() for k in re.split(r"[;]", values.get("keywords", "")) if k.strip()]
    record.languages = [x.strip() for x in values.get("language", "").split(";") if x.strip()]
    if values.get("issn"):
        record.issn_print = values["issn"].split()[0].strip(",;")
    _exported_columns(record, values)
    citation = values.get("citation")
    if citation:  # PubMed's 'Pediatr Allergy Immunol. 2019 Jul 13. doi: 10.1111/pai.13110.'
        record.extra["citation"] = citation
        doi = re.search(r"doi:\s*(10\.\S+?)\.?(?:\s|$)", citation)
        if doi and not record.doi:
            record.doi = doi.group(1)
        if not record.journal_abbrev:
            journal = re.match(r"([^.]+)\.", citation)
            record.journal_abbrev = journal.group(1).strip() if journal else None
        if record.year is None:
            record.year = year_in(citation)
    return record, values


@dataclass(frozen=True)
class Dialect:
    """How a CSV file separates and quotes its cells (picklable, unlike the Sniffer's class)."""

    delimiter: str = ","
    quotechar: str = '"'
    skipinitialspace: bool = False

    def options(self) -> dict[str, Any]:
        # a quote inside a quoted cell is written twice by every spreadsheet; the Sniffer says
        # so only when its sample happens to hold one, so that part of its guess is not taken
        return {"delimiter": self.delimiter, "quotechar": self.quotechar, "doublequote": True,
                "skipinitialspace": self.skipinitialspace}


DELIMITERS = ",;\t|"


def sniff_dialect(text: str, suffix: str = "") -> Dialect:
    """The dialect of a CSV file from its first characters (`text`), by csv.Sniffer: comma, tab,
    semicolon (European Excel) or bar. Only whole lines are given to the Sniffer (the last line
    of `text` may be cut). Where it cannot tell (one column, one line), a comma, or a tab for a
    .tsv file."""
    lines = text.splitlines(keepends=True)
    sample = "".join(lines[:-1]) if len(lines) > 1 else text
    try:
        found = csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
    except csv.Error:
        return Dialect("\t" if suffix.lower() == ".tsv" else ",")
    quote = found.quotechar if found.quotechar in ('"', "'") else '"'
    return Dialect(found.delimiter, quote, bool(found.skipinitialspace))


def file_dialect(path: Path) -> Dialect:
    """The dialect of the CSV file at `path` (sniff_dialect over its first 64 KB)."""
    head = head_bytes(path).decode(file_encoding(path), errors="replace")
    return sniff_dialect(head.lstrip("\ufeff"), path.suffix)


def read(path: Path, source: str | None, overrides: dict[str, str] | None = None,
         dialect: Dialect | None = None) -> Iterator[Record | ParseError]:
    """The file's records. `dialect` is sniffed from the file unless given (a chunk of a big
    file is read with the whole file's dialect)."""
    head = head_bytes(path)
    encoding = file_encoding(path)
    text = head.decode(encoding, errors="replace")
    dialect = dialect or sniff_dialect(text.lstrip("\ufeff"), path.suffix)
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        lines = _WatchedLines(handle, dialect)
        yield from _read_rows(lines, text, dialect, path, source, overrides)
        lines.check_whole(path)


class _WatchedLines:
    """The file's lines as the csv module reads them, watched for a file cut off mid-row: its
    last row ends inside a quoted cell, or has fewer cells than the header (where no other row
    does) and no line end. The csv module reads either silently as a short last record; the
    README promises all or nothing."""

    def __init__(self, handle: TextIO, dialect: Dialect) -> None:
        self.handle = handle
        self.dialect = dialect
        self.row: list[str] = []
        self.last_row = ""
        self.lines = 0
        self.short_rows = 0
        self.rows = 0
        self.last_row_short = False
        self.read_to_the_end = False

    def __iter__(self) -> Iterator[str]:
        for line in self.handle:
            self.lines += 1
            self.row.append(line)
            yield line
        self.read_to_the_end = True

    def row_read(self, short: bool) -> None:
        """The csv reader has given a row: the lines since the last one are its text."""
        self.last_row = "".join(self.row)
        self.row.clear()
        self.last_row_short = short
        self.short_rows += short
        self.rows += 1

    def check_whole(self, path: Path) -> None:
        if not self.read_to_the_end:  # read another way (a MEDLINE column)
            return
        if _ends_in_quotes(self.last_row, self.dialect.delimiter, self.dialect.quotechar):
            raise ParseError("the file ends inside a quoted cell: cut off?", file=str(path),
                             line=self.lines, record=self.rows)
        if self.last_row_short and self.short_rows == 1 and \
                not self.last_row.endswith(("\n", "\r")):
            raise ParseError("the file ends in the middle of its last row (fewer cells than the"
                             " header, no line end): cut off?", file=str(path), line=self.lines,
                             record=self.rows)


def _ends_in_quotes(row: str, delimiter: str, quote: str = '"') -> bool:
    """Whether the text of a row ends inside a quoted cell, read as the csv module reads it: a
    quote opens a quoted cell only as a cell's first character ('5" disk' is a literal quote),
    and inside one a doubled quote is a quote."""
    quoted = False
    cell_start = True
    at, end = 0, len(row)
    while at < end:
        char = row[at]
        if quoted:
            if char == quote:
                if at + 1 < end and row[at + 1] == quote:
                    at += 1
                else:
                    quoted = False
        elif char == quote and cell_start:
            quoted = True
        cell_start = not quoted and char in (delimiter, "\n", "\r")
        at += 1
    return quoted


def _read_rows(handle: Iterable[str], text: str, dialect: Dialect, path: Path, source: str | None,
               overrides: dict[str, str] | None) -> Iterator[Record | ParseError]:
    """`text` is the head of the file (for the search-history check)."""
    csv.field_size_limit(sys.maxsize)
    reader = csv.DictReader(handle, **dialect.options())
    header = [h for h in (reader.fieldnames or []) if h is not None]
    if not header:
        raise ParseError("empty CSV (no header row)", file=str(path))
    if _is_search_history(header, text):
        raise ParseError("not supported: this is a PubMed search history (queries and counts),"
                         " not records", file=str(path))
    try:
        mapping = column_map(header, overrides)
    except ParseError as exc:
        exc.file = str(path)
        raise
    if "title" not in mapping.values() and "doi" not in mapping.values() and \
            "pmid" not in mapping.values():
        medline_column = _medline_column(reader, header)
        if medline_column:
            yield from _read_medline_cells(path, dialect, medline_column, source)
            return
        raise ParseError(
            "no title, DOI or PMID column recognised in the header "
            f"({', '.join(header)}); name them with --map column=title", file=str(path))
    default_db = source
    if default_db is None and ("pmid" in mapping.values() and
                               any(c.lower() in {"entrezuid", "pmid"} for c in header)):
        default_db = "PubMed" if "id" not in mapping.values() else None
    try:
        for number, row in enumerate(reader, start=1):
            if isinstance(handle, _WatchedLines):
                handle.row_read(None in row.values())
            if None in row and not any((c or "").strip() for c in row[None]):
                del row[None]  # PubMed's CSV ends every row with a comma
            if None in row:
                yield ParseError(f"row has {len(header) + len(row[None])} cells, the header "
                                 f"{len(header)}", file=str(path), line=reader.line_num,
                                 record=number)
                continue
            record, values = to_record(row, mapping)
            named = values.get("source_db")
            record.source_db = ("PubMed" if named and named.lower() == "pubmed" else named) or None
            key = values.get("id") or record.pmid
            finish(record, default_db or "CSV", key)
            yield check(record, path, number, reader.line_num) or record
    except csv.Error as exc:
        raise ParseError(f"malformed CSV: {exc}", file=str(path), line=reader.line_num) from None


def _is_search_history(header: list[str], text: str) -> bool:
    return text.startswith("Recent queries") or {"Search", "Query", "Items found"} <= set(header)


def _medline_column(reader: csv.DictReader[str], header: list[str]) -> str | None:
    first = header[0]
    return first if first.strip().upper() in {"MEDLINE", "PUBMED"} else None


def _read_medline_cells(path: Path, dialect: Dialect, column: str,
                        source: str | None) -> Iterator[Record | ParseError]:
    with open(path, encoding=file_encoding(path), errors="replace", newline="") as handle:
        rows = csv.DictReader(handle, **dialect.options())
        cells = [row[column].replace("\r\n", "\n") for row in rows
                 if (row.get(column) or "").strip()]
    read_text = get_importer("nbib").read_text  # MEDLINE records, whatever holds them
    assert read_text is not None
    yield from read_text("\n\n".join(cells) + "\n", path, source)


def sniff(head: str) -> bool:
    first = head.splitlines()[0] if head.strip() else ""
    if first.count(",") + first.count("\t") + first.count(";") < 1:
        return False
    cells = {c.strip().strip('"').lower() for c in re.split(r"[,;\t]", first)}
    return bool(cells & set(_BY_HEADER)) or first.strip().upper().startswith("MEDLINE")


register(Importer("csv", (".csv", ".tsv"), read, sniff, "CSV"))
