"""MEDLINE/nbib text as PubMed writes it (4-character tags, 6-space continuation lines)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Iterator
from typing import TextIO

from litreview.exporters import exporter
from litreview.fieldtext import CORRECTION_TAGS, mesh_text
from litreview.names import MONTH_NAMES as MONTHS
from litreview.records import Record


def _date(record: Record) -> str | None:
    if record.date_text and not record.month:
        return record.date_text
    if not record.year:
        return None
    parts = [str(record.year)]
    if record.month:
        parts.append(MONTHS[record.month - 1])
        if record.day:
            parts.append(str(record.day))
    return " ".join(parts)


def fields(record: Record) -> Iterator[tuple[str, str | None]]:
    yield "PMID", record.pmid
    for issn, kind in ((record.issn_print, "Print"), (record.issn_electronic, "Electronic")):
        if issn:
            yield "IS", f"{issn} ({kind})"
    yield "VI", record.volume
    yield "IP", record.issue
    yield "DP", _date(record)
    if record.kind == "book":
        yield "BTI", record.title
    else:
        yield "TI", record.title
        yield "BTI", record.book_title  # a chapter's book
    yield "TT", record.vernacular_title
    yield "PG", record.pages
    if record.article_number and not record.pages:
        yield "LID", f"{record.article_number} [pii]"
    elif record.extra.get("pii"):  # the publisher's PII, as PubMed's MEDLINE files give it
        yield "LID", f"{record.extra['pii']} [pii]"
    if record.doi:
        yield "LID", f"{record.doi} [doi]"
    yield "AB", record.abstract
    for author in record.authors:
        if author.collective:
            yield "CN", author.collective
            continue
        given = " ".join(p for p in (author.given or author.initials, author.suffix) if p)
        yield "FAU", f"{author.family}, {given}" if given else author.family
        yield "AU", author.short()
    for editor in record.editors:
        yield "FED", f"{editor.family}, {editor.given or editor.initials or ''}".rstrip(", ")
        yield "ED", editor.short()
    for language in record.languages:
        yield "LA", language
    for ptype in record.publication_types:
        yield "PT", ptype
    yield "TA", record.journal_abbrev
    yield "JT", record.journal
    for heading in record.mesh:
        yield "MH", mesh_text(heading)
    for keyword in record.keywords:
        yield "OT", keyword
    yield "PMC", record.pmcid
    yield "PST", record.publication_status
    for correction in record.corrections:
        tag = CORRECTION_TAGS.get(correction.type)
        if tag:
            pmid = f" PMID: {correction.pmid}" if correction.pmid else ""
            yield tag, f"{correction.ref or ''}{pmid}".strip()
    yield "PB", record.publisher
    yield "PL", record.place if record.kind in {"book", "chapter"} else None
    yield "ISBN", record.isbn
    if record.doi:
        yield "AID", f"{record.doi} [doi]"
    yield "SO", None


WRAPPED = frozenset({"TI", "AB", "TT", "JT"})
"""Tags whose continuation lines readers join into one value. In the others (AID, LID, BTI, AU,
MH, ...) Bio.Medline and others read a continuation line as another value: a DOI wrapped before
its ' [doi]' lost its type, so they are written on one line however long."""


def _format(tag: str, value: str) -> str:
    text = " ".join(value.split())
    if tag not in WRAPPED:
        return f"{tag:<4}- {text}\n"
    lines = textwrap.wrap(text, width=82 - 6, break_long_words=False, break_on_hyphens=False)
    head = f"{tag:<4}- "
    return head + ("\n" + " " * 6).join(lines or [""]) + "\n"


@exporter("nbib", suffix=".nbib", cannot_hold={
    "abstract_sections": "abstract sections (labels, categories and line breaks)",
    "cites": "cited references (PubMed's Cites links)",
    "odd_suffix": "name suffixes other than Jr, Sr, II-IV, 2nd-4th",
})
def write_nbib(records: Iterable[Record], out: TextIO) -> int:
    count = 0
    for record in records:
        out.write("\n")
        for tag, value in fields(record):
            if value:
                out.write(_format(tag, value))
        count += 1
    return count
