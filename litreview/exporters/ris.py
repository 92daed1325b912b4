"""RIS as Zotero and EndNote write it (TY first, AU 'Family, Given', SP/EP, DA y/m/d/, ER).

Provenance travels in DB (database) and AN (the record's id in that database), so a file
we export imports back as the same records.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TextIO

from litreview.exporters import exporter
from litreview.fieldtext import notes
from litreview.names import expand_pages
from litreview.records import Author, Record
from litreview.screening.status import RecordState

STAGES = {"ta": "title/abstract", "ft": "full text"}

TYPES = {"article": "JOUR", "book": "BOOK", "chapter": "CHAP", "conference": "CPAPER",
         "thesis": "THES", "report": "RPRT", "dataset": "DATA", "webpage": "ELEC"}


def name(author: Author) -> str | None:
    """RIS's 'Last, First, Suffix' for a person, with the comma even without a first name
    ('Basappa,'): a name without one is a group ('Breast Cancer Family Registry'), as Zotero and
    EndNote write them."""
    if author.collective:
        return author.collective
    given = author.given or author.initials
    if author.family:
        parts = [author.family, given or "", *([author.suffix] if author.suffix else [])]
        return ", ".join(parts).rstrip(" ")
    return given


def _pages(pages: str | None) -> tuple[str | None, str | None]:
    """SP and EP, the end page in full ('1058-69': SP 1058, EP 1069): EP is a page number."""
    if not pages:
        return None, None
    start, sep, end = expand_pages(pages).partition("-")
    return (start.strip(), end.strip()) if sep else (pages, None)


RIS_TYPES = frozenset({*TYPES.values(), "JFULL", "MGZN", "NEWS", "EJOUR", "ABST", "INPR", "EBOOK",
                       "EDBOOK", "ECHAP", "CONF", "GEN"})
NOTES = ("Publication type", "Publication status", "MeSH", "Original title", "Comment/correction")
"""Fields RIS has no tag for, written as labelled N1 notes (see litreview.fieldtext)."""


def lines(record: Record) -> Iterator[tuple[str, str | int | None]]:
    yield "TY", TYPES.get(record.kind, "JOUR")
    yield "TI", record.title
    for author in record.authors:
        yield "AU", name(author)
    for editor in record.editors:
        yield "A2", name(editor)
    if record.kind in {"chapter", "book"}:
        yield "T2", record.book_title
    else:
        yield "T2", record.journal
        yield "J2", record.journal_abbrev
    for paragraph in (record.abstract or "").split("\n"):  # one AB per paragraph
        yield "AB", paragraph
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
    for issn, kind in ((record.issn_print, "Print"), (record.issn_electronic, "Electronic")):
        yield "SN", f"{issn} ({kind})" if issn else None
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
    for note in notes(record, NOTES):
        if note.removeprefix("Publication type: ") not in RIS_TYPES:  # the TY a RIS import gave
            yield "N1", note
    yield "ER", ""


def screening_lines(state: RecordState) -> Iterator[tuple[str, str]]:
    """The screening state in N1 (one note each, as EndNote and Zotero import them) and the tags
    in KW (they become keywords/tags there)."""
    summary = f"Screening: {state.status.value}"
    if state.duplicate_of is not None:
        summary += f" of record {state.duplicate_of}"
    if state.stage:
        summary += f" ({STAGES[state.stage]})"
    if state.decision:
        summary += f"; decision: {state.decision}"
    if state.reason:
        summary += f"; reason: {state.reason}"
    yield "N1", summary
    for note in state.notes:
        yield "N1", f"Note: {note}"
    for name, (_, donor) in state.filled.items():
        yield "N1", f"{name} filled from duplicate record {donor}"
    for tag in state.tags:
        yield "KW", tag


@exporter("ris", suffix=".ris", screening=True, cannot_hold={
    "abstract_sections": "abstract section categories",
    "initials": "initials that differ from the given name's (RIS names are 'Family, Given')",
})
def write_ris(records: Iterable[Record], out: TextIO,
              states: Mapping[int, RecordState] | None = None) -> int:
    count = 0
    for record in records:
        state = states.get(record.id or 0) if states else None
        extra = list(screening_lines(state)) if state else []
        for tag, value in lines(record):
            if tag == "ER":
                out.writelines(f"{extra_tag}  - {' '.join(text.split())}\n" for extra_tag, text in extra)
                out.write("ER  - \n\n")
            elif value not in (None, ""):
                text = " ".join(str(value).split())
                out.write(f"{tag}  - {text}\n")
        count += 1
    return count
