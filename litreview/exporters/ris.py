"""RIS as Zotero and EndNote write it (TY first, AU 'Family, Given', SP/EP, DA y/m/d/, ER).

Provenance travels in DB (database) and AN (the record's id in that database), so a file
we export imports back as the same records.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TextIO

from litreview.exporters import exporter
from litreview.records import Author, Record

TYPES = {"article": "JOUR", "book": "BOOK", "chapter": "CHAP", "conference": "CPAPER",
         "thesis": "THES", "report": "RPRT", "dataset": "DATA", "webpage": "ELEC"}


def name(author: Author) -> str | None:
    if author.collective:
        return author.collective
    given = author.given or author.initials
    if author.family and given:
        return ", ".join(p for p in (author.family, given, author.suffix) if p)  # RIS: Last, First, Suffix
    return author.family or given


def _pages(pages: str | None) -> tuple[str | None, str | None]:
    if not pages:
        return None, None
    start, sep, end = pages.partition("-")
    return (start.strip(), end.strip()) if sep else (pages, None)


def lines(record: Record) -> Iterator[tuple[str, str | int | None]]:
    yield "TY", TYPES.get(record.kind, "JOUR")
    yield "TI", record.title
    for author in record.authors:
        yield "AU", name(author)
    for editor in record.editors:
        yield "A2", name(editor)
    if record.kind == "chapter":
        yield "T2", record.book_title
    else:
        yield "T2", record.journal
        yield "J2", record.journal_abbrev
    yield "AB", record.abstract
    yield "VL", record.volume
    yield "IS", record.issue
    start, end = _pages(record.pages)
    yield "SP", start
    yield "EP", end
    if not record.pages:
        yield "C7", record.article_number
    yield "PY", record.year
    if record.year and record.month:
        yield "DA", f"{record.year}/{record.month:02d}/{f'{record.day:02d}' if record.day else ''}/"
    elif record.date_text:
        yield "DA", record.date_text
    yield "DO", record.doi
    for issn in (record.issn_print, record.issn_electronic):
        yield "SN", issn
    yield "SN", record.isbn
    yield "PB", record.publisher
    yield "CY", record.place
    yield "ET", record.edition
    yield "UR", record.url
    for language in record.languages:
        yield "LA", language
    for keyword in record.keywords:
        yield "KW", keyword
    yield "DB", record.source_db
    yield "AN", record.source_key
    if record.pmid and record.source_db != "PubMed":
        yield "N1", f"PMID: {record.pmid}"
    if record.pmcid:
        yield "N1", f"PMCID: {record.pmcid}"
    yield "ER", ""


@exporter("ris", suffix=".ris")
def write_ris(records: Iterable[Record], out: TextIO) -> int:
    count = 0
    for record in records:
        for tag, value in lines(record):
            if tag == "ER":
                out.write("ER  - \n\n")
            elif value not in (None, ""):
                text = " ".join(str(value).split())
                out.write(f"{tag}  - {text}\n")
        count += 1
    return count
