"""CSV exports: PubMed (old and new), Rayyan, Covidence, ASReview, Zotero, and our own layout.

Columns are recognised by header (case and punctuation ignored); `--map column=field` names the
rest. A column of MEDLINE text (PubMed's CSV of nbib records) is read with the nbib reader.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

from litreview.errors import ParseError
from litreview.importers import ReadOptions, importer, read_text
from litreview.importers.fields import join_pages, parse_name, parse_year
from litreview.importers.nbib import medline_records
from litreview.importers.nbib import to_record as medline_to_record
from litreview.records import Record, normalise_pmid

FIELDS = ("id", "title", "authors", "year", "journal", "journal_abbrev", "volume", "issue", "pages",
          "start_page", "end_page", "doi", "pmid", "pmcid", "abstract", "source_db", "keywords",
          "issn", "url", "language", "citation", "publisher", "type")
HEADERS = {
    "id": "id", "key": "id", "recordid": "id", "covidence": "id", "ref": "id", "entrezuid": "pmid",
    "title": "title", "articletitle": "title", "primarytitle": "title",
    "authors": "authors", "author": "authors", "description": "authors", "authorlist": "authors",
    "year": "year", "publicationyear": "year", "publishedyear": "year", "py": "year", "date": "year",
    "journal": "journal", "journalbook": "journal", "publicationtitle": "journal", "source": "journal",
    "secondarytitle": "journal", "sourcetitle": "journal", "journalabbreviation": "journal_abbrev",
    "volume": "volume", "issue": "issue", "number": "issue", "pages": "pages", "page": "pages",
    "startpage": "start_page", "pagestart": "start_page", "endpage": "end_page", "pageend": "end_page",
    "doi": "doi", "pmid": "pmid", "pubmedid": "pmid", "pmcid": "pmcid",
    "abstract": "abstract", "abstractnote": "abstract", "sourcedb": "source_db", "database": "source_db",
    "keywords": "keywords", "manualtags": "keywords", "issn": "issn", "url": "url", "link": "url",
    "language": "language", "details": "citation", "publisher": "publisher", "itemtype": "type",
}
_DOI_IN_TEXT = re.compile(r"doi:\s*(10\.\S+?)\.?(?:\s|$)", re.I)


def sniff(head: str) -> bool:
    first = head.split("\n", 1)[0]
    return first.count(",") >= 2 and not first.lstrip().startswith(("@", "<", "TY ", "PMID"))


def _key(header: str) -> str:
    return re.sub(r"[^a-z]", "", header.lower())


def column_fields(headers: list[str], overrides: dict[str, str], file: str) -> dict[str, str]:
    """Header -> Record field, from the known headers and --map."""
    for column, target in overrides.items():
        if target not in FIELDS:
            raise ParseError(f"--map {column}={target}: unknown field; expected one of {', '.join(FIELDS)}",
                             file=file)
        if column not in headers:
            raise ParseError(f"--map {column}=...: no column {column!r}; columns are {headers}", file=file)
    mapping = {h: HEADERS[_key(h)] for h in headers if _key(h) in HEADERS}
    mapping.update(overrides)
    return mapping


def row_to_record(row: dict[str, str], mapping: dict[str, str]) -> Record:
    values: dict[str, str] = {}
    for column, target in mapping.items():
        value = (row.get(column) or "").strip()
        if value and target not in values:
            values[target] = value
    record = Record(title=values.get("title", ""))
    record.authors = [parse_name(a) for a in _split_authors(values.get("authors", ""))]
    record.year = parse_year(values.get("year")) or parse_year(values.get("citation"))
    record.journal = values.get("journal") or _journal_from_citation(values.get("citation"))
    record.journal_abbrev = values.get("journal_abbrev")
    record.volume, record.issue = values.get("volume"), values.get("issue")
    record.pages = values.get("pages") or join_pages(values.get("start_page"), values.get("end_page"))
    record.doi = values.get("doi") or _doi_from_citation(values.get("citation"))
    record.pmid = normalise_pmid(values.get("pmid"))
    record.pmcid, record.abstract, record.url = values.get("pmcid"), values.get("abstract"), values.get("url")
    record.keywords = [k.strip() for k in re.split(r";", values.get("keywords", "")) if k.strip()]
    record.issn_print, record.publisher = values.get("issn"), values.get("publisher")
    record.languages = [values["language"]] if values.get("language") else []
    record.source_db = values.get("source_db")
    record.source_key = values.get("id") or record.pmid
    return record


def _split_authors(text: str) -> list[str]:
    """'A, B; C, D' (semicolons) or PubMed's 'Haidar R, Mhaidli H.' (commas)."""
    text = text.strip().rstrip(".")
    if not text:
        return []
    if ";" in text:
        return [a for a in (p.strip() for p in text.split(";")) if a]
    parts = [p.strip() for p in text.split(",")]
    if all(re.match(r"^[^\s]+(?: [^\s]+)* [A-Z]{1,4}$", p) for p in parts if p):
        return [p for p in parts if p]
    return [text]


def _journal_from_citation(citation: str | None) -> str | None:
    return citation.split(". ", 1)[0].strip() if citation else None


def _doi_from_citation(citation: str | None) -> str | None:
    found = _DOI_IN_TEXT.search(citation or "")
    return found.group(1) if found else None


@importer("csv", suffixes=(".csv", ".tsv"), sniff=sniff)
def read_csv(path: Path, options: ReadOptions) -> Iterator[Record]:
    text = read_text(path)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    headers = reader.fieldnames or []
    if not headers:
        raise ParseError("empty file; expected a header row", file=str(path), line=1)
    medline = _medline_column(text, headers)
    if medline:
        yield from _read_medline_column(reader, medline, path, options)
        return
    mapping = column_fields(headers, options.column_map, str(path))
    if "title" not in mapping.values():
        raise ParseError(f"no title column; columns are {headers} (use --map COLUMN=title)",
                         file=str(path), line=1)
    for row in reader:
        if None in row and any(cell.strip() for cell in row[None]):
            raise ParseError(f"{len(headers) + len(row[None])} cells where the header has {len(headers)}",
                             file=str(path), line=reader.line_num)
        record = row_to_record(row, mapping)
        record.source_db = options.source or record.source_db
        record.extra["location"] = f"line {reader.line_num}"
        yield record


def _medline_column(text: str, headers: list[str]) -> str | None:
    first_row = text.split("\n", 2)[1:2]
    return headers[0] if first_row and first_row[0].lstrip('"').startswith("PMID-") else None


def _read_medline_column(reader: csv.DictReader, column: str, path: Path,
                         options: ReadOptions) -> Iterator[Record]:
    for row in reader:
        for entry in medline_records(row[column].replace("\r", ""), str(path)):
            record = medline_to_record(entry)
            record.source_db = options.source or "PubMed"
            record.extra["location"] = f"line {reader.line_num}"
            yield record
