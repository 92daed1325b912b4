"""EndNote XML (File -> Export -> XML), streamed with lxml."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from litreview.errors import ParseError
from litreview.importers import ReadOptions, importer
from litreview.importers.fields import parse_name, parse_year
from litreview.records import Record

KINDS = {"Journal Article": "article", "Book": "book", "Book Section": "chapter", "Edited Book": "book",
         "Conference Proceedings": "conference", "Conference Paper": "conference", "Thesis": "thesis",
         "Report": "report", "Web Page": "webpage"}


def sniff(head: str) -> bool:
    return "<records>" in head and "<record>" in head and "<PubmedArticle" not in head


def _text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    text = " ".join("".join(element.itertext()).split())
    return text or None


def to_record(element: etree._Element, options: ReadOptions) -> Record:
    ref_type = element.find("ref-type")
    kind = KINDS.get(ref_type.get("name", "") if ref_type is not None else "", "article")
    record = Record(title=_text(element.find("titles/title")) or "", kind=kind)
    record.authors = [parse_name(t) for t in (_text(a) for a in element.iterfind(
        "contributors/authors/author")) if t]
    record.editors = [parse_name(t) for t in (_text(a) for a in element.iterfind(
        "contributors/secondary-authors/author")) if t]
    container = _text(element.find("titles/secondary-title")) or _text(element.find("periodical/full-title"))
    if kind == "chapter":
        record.book_title = container
    else:
        record.journal = container
        record.journal_abbrev = _text(element.find("periodical/abbr-1"))
    record.year = parse_year(_text(element.find("dates/year")))
    record.volume, record.issue = _text(element.find("volume")), _text(element.find("number"))
    record.pages = _text(element.find("pages"))
    record.doi = _text(element.find("electronic-resource-num"))
    record.abstract = _text(element.find("abstract"))
    record.keywords = [t for t in (_text(k) for k in element.iterfind("keywords/keyword")) if t]
    record.languages = [t for t in [_text(element.find("language"))] if t]
    record.publisher, record.place = _text(element.find("publisher")), _text(element.find("pub-location"))
    record.isbn = _text(element.find("isbn"))
    record.url = _text(element.find("urls/related-urls/url"))
    accession = _text(element.find("accession-num"))
    database = _text(element.find("remote-database-name"))
    if accession and accession.isdigit() and (database or "").lower() in {"pubmed", "medline"}:
        record.pmid = accession
    record.source_db = options.source or database
    record.source_key = _text(element.find("rec-number")) or accession
    return record


@importer("endnote-xml", suffixes=(".xml",), sniff=sniff)
def read_endnote_xml(path: Path, options: ReadOptions) -> Iterator[Record]:
    count = 0
    try:
        for _, element in etree.iterparse(str(path), events=("end",), tag="record", no_network=True,
                                          resolve_entities=False, huge_tree=True):
            count += 1
            record = to_record(element, options)
            record.extra["location"] = f"record {count}"
            yield record
            element.clear()
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"malformed EndNote XML after {count} records ({exc.msg})", file=str(path),
                         line=exc.lineno, record=count + 1) from None
