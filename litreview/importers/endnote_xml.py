"""EndNote XML (File > Export > XML): <xml><records><record>...</record></records></xml>."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from litreview.errors import ParseError
from litreview.importers import Importer, check, finish, register
from litreview.names import database_name, parse_name
from litreview.records import Record

KINDS = {"Journal Article": "article", "Book": "book", "Edited Book": "book",
         "Book Section": "chapter", "Conference Paper": "conference",
         "Conference Proceedings": "conference", "Thesis": "thesis", "Report": "report",
         "Web Page": "webpage", "Dataset": "dataset"}


def _t(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    text = " ".join("".join(element.itertext()).split())
    return text or None


def to_record(el: etree._Element) -> Record:
    ref_type = el.find("ref-type")
    kind = KINDS.get(ref_type.get("name", "") if ref_type is not None else "", "article")
    record = Record(kind=kind, title=_t(el.find("titles/title")) or "")
    record.authors = [parse_name(a) for a in (_t(x) for x in el.iterfind(
        "contributors/authors/author")) if a]
    record.editors = [parse_name(a) for a in (_t(x) for x in el.iterfind(
        "contributors/secondary-authors/author")) if a]
    secondary = _t(el.find("titles/secondary-title"))
    if kind == "chapter":
        record.book_title = secondary
    else:
        record.journal = _t(el.find("periodical/full-title")) or secondary
        record.journal_abbrev = _t(el.find("periodical/abbr-1")) or _t(el.find(
            "titles/alt-title"))
    record.volume = _t(el.find("volume"))
    record.issue = _t(el.find("number")) or _t(el.find("issue"))
    record.pages = _t(el.find("pages"))
    year = _t(el.find("dates/year"))
    if year and year[:4].isdigit():
        record.year = int(year[:4])
    record.doi = _t(el.find("electronic-resource-num"))
    record.abstract = _t(el.find("abstract"))
    record.keywords = [k for k in (_t(x) for x in el.iterfind("keywords/keyword")) if k]
    record.languages = [lang for lang in [_t(el.find("language"))] if lang]
    isbn = _t(el.find("isbn"))
    if kind in {"book", "chapter"}:
        record.isbn = isbn
    else:
        record.issn_print = isbn.split()[0] if isbn else None
    record.publisher = _t(el.find("publisher"))
    record.place = _t(el.find("pub-location"))
    record.edition = _t(el.find("edition"))
    record.url = _t(el.find("urls/related-urls/url")) or _t(el.find("urls/web-urls/url"))
    record.extra = {k: v for k, v in {
        "endnote_rec_number": _t(el.find("rec-number")),
        "endnote_label": _t(el.find("label")),
        "endnote_caption": _t(el.find("caption")),
    }.items() if v}
    return record


def read(path: Path, source: str | None) -> Iterator[Record | ParseError]:
    number = 0
    try:
        for _, el in etree.iterparse(str(path), events=("end",), tag="record",
                                     resolve_entities=False, no_network=True, huge_tree=True):
            number += 1
            record = to_record(el)
            database = database_name(_t(el.find("remote-database-name")))
            accession = _t(el.find("accession-num"))
            el.clear()
            finish(record, database or source or "EndNote", accession)
            yield check(record, path, number, el.sourceline) or record
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else None
        raise ParseError(f"broken XML after {number} records: {exc.msg}", file=str(path),
                         line=line) from None
    if number == 0:
        raise ParseError("no EndNote <record> elements found", file=str(path))


def sniff(head: str) -> bool:
    return "<xml>" in head and "<records>" in head


register(Importer("endnote-xml", (".xml",), read, sniff, "EndNote"))
