"""Web of Science tagged export ('Plain text file', .txt or .ciw): 'FN Clarivate Analytics Web of
Science', then 'VR 1.0', then records.

A field is a two-letter tag, a space and its value; lines indented by three spaces continue it.
In AU, AF, CA, BE, C1 and the like each continuation line is another name; elsewhere (TI, AB,
SO, DE) it is the same text wrapped. 'ER' ends a record and 'EF' the file. AF holds the full
names (AU the short ones), SO the journal in capitals and JI its ISO abbreviation, BP/EP or AR
the pages, UT the accession number ('WOS:000286597100004', the record's key), PM the PMID.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from litreview.errors import ParseError
from litreview.importers import Importer, check, file_encoding, finish, head_bytes, register
from litreview.names import month_number, parse_name
from litreview.records import Author, Record

DATABASE = "Web of Science"
_FIELD = re.compile(r"([A-Z][A-Z0-9])(?: (.*))?$")
_CONTINUATION = "   "
KINDS = {"J": "article", "B": "book", "S": "chapter", "P": "report"}


_WOS_TAG = re.compile(r"^(?:FN|PT|AU|AF|TI|SO|PY|UT) (?=[^ \n-])", re.M)
"""A line only Web of Science writes: a tag, ONE space and the value ('TI Title'); RIS and MEDLINE
write 'TI  - Title'."""


def read(path: Path, source: str | None) -> Iterator[Record | ParseError]:
    if not _WOS_TAG.search(head_bytes(path).decode(file_encoding(path), errors="replace").lstrip("\ufeff")):
        raise ParseError("no Web of Science records found (expected lines like 'PT J' and 'TI Title')",
                         file=str(path))
    with open(path, encoding=file_encoding(path), errors="replace", newline=None) as handle:
        number = 0
        for item in _raw_records(handle, path):
            number += 1
            if isinstance(item, ParseError):
                item.record = number
                yield item
                continue
            line, fields = item
            record = to_record(fields)
            finish(record, source or DATABASE, _first(fields, "UT"))
            yield check(record, path, number, line) or record


def _raw_records(handle: TextIO, path: Path) -> Iterator[tuple[int, dict[str, list[str]]] | ParseError]:
    """(line of the first field, {tag: [lines]}) per record."""
    fields: dict[str, list[str]] = {}
    tag: str | None = None
    start = 0
    for number, text in enumerate(handle, start=1):
        line = text.rstrip("\n").lstrip("\ufeff") if number == 1 else text.rstrip("\n")
        if not line.strip():
            continue
        found = None if line.startswith(_CONTINUATION) else _FIELD.match(line.rstrip())
        if not found and tag:  # a continuation, indented or (in files edited by hand) not
            fields[tag].append(line.strip())
            continue
        if not found:
            yield ParseError(f"expected a field ('TI Title') or its continuation (three spaces), got "
                             f"{line[:40]!r}", file=str(path), line=number)
            return
        tag, value = found.group(1), (found.group(2) or "").strip()
        if tag in {"FN", "VR"} and not fields:
            tag = None
            continue
        if tag == "EF":
            break
        if tag == "ER":
            if fields:
                yield start, fields
            fields, tag = {}, None
            continue
        if not fields:
            start = number
        fields.setdefault(tag, []).append(value)
    if fields:
        yield ParseError("file ends inside a record (no 'ER' line): truncated?", file=str(path),
                         line=start)


def _first(fields: dict[str, list[str]], *tags: str) -> str | None:
    """The first of these fields that has text, its wrapped lines joined."""
    for tag in tags:
        text = " ".join(part for part in fields.get(tag, []) if part).strip()
        if text:
            return text
    return None


def _items(fields: dict[str, list[str]], tag: str) -> list[str]:
    """A field of names (AU, AF, CA, BE...): one per line."""
    return [_EMAIL.sub("", item) for item in fields.get(tag, []) if item]


_EMAIL = re.compile(r"\s*\([^()]*@[^()]*\)")
"""'Medvedeff, Cassandra A. (medvedeff22@ufl.edu)' in some records' AU."""


def _kind(fields: dict[str, list[str]], types: list[str]) -> str:
    """PT says journal, book, series or patent; DT says proceedings paper or book chapter."""
    if any(t in {"Proceedings Paper", "Meeting Abstract"} for t in types):
        return "conference"
    if "Book Chapter" in types:
        return "chapter"
    kind = KINDS.get((_first(fields, "PT") or "J")[:1].upper(), "article")
    return "article" if kind == "chapter" and not fields.get("BP") else kind


def to_record(fields: dict[str, list[str]]) -> Record:
    types = [t.strip() for t in (_first(fields, "DT") or "").split(";") if t.strip()]
    kind = _kind(fields, types)
    record = Record(kind=kind, publication_types=types)
    record.title = _first(fields, "TI") or ""
    # CA is a group author ('WHO Study Group'); GP, the book's group ('IEEE'), is not the paper's
    record.authors = _people(fields, "AF", "AU") + [Author(collective=name) for name in _items(fields, "CA")]
    record.editors = _people(fields, "BF", "BE")
    source = _first(fields, "SO")
    if kind == "chapter":
        record.book_title, record.journal = source, _first(fields, "SE")
    elif kind == "book":
        record.book_title = source if source != record.title else None
    else:  # a proceedings paper keeps its proceedings' title as its venue, as WoS's RIS has it
        record.journal = source
    record.journal_abbrev = _first(fields, "JI", "J9")
    record.volume = _first(fields, "VL")
    record.issue = _first(fields, "IS")
    first, last = _first(fields, "BP"), _first(fields, "EP")
    record.pages = (f"{first}-{last}" if first and last and first != last else first) or _first(fields, "PS")
    record.article_number = _first(fields, "AR")
    year = _first(fields, "PY") or _first(fields, "EY")
    record.year = int(year) if year and year.isdigit() else None
    _date(record, _first(fields, "PD"))
    record.doi = _first(fields, "DI") or _first(fields, "D2")
    record.pmid = _first(fields, "PM")
    record.abstract = _first(fields, "AB")
    record.languages = [lang.strip() for lang in (_first(fields, "LA") or "").split(";") if lang.strip()]
    record.keywords = [k.strip() for tag in ("DE", "ID")
                       for k in (_first(fields, tag) or "").split(";") if k.strip()]
    record.issn_print = _first(fields, "SN")
    record.issn_electronic = _first(fields, "EI")
    record.isbn = _first(fields, "BN")
    record.publisher = _first(fields, "PU")
    record.place = _first(fields, "PI", "PA")
    conference = _first(fields, "CT")
    if conference:
        record.extra["conference"] = conference
    return record


def _people(fields: dict[str, list[str]], full: str, short: str) -> list[Author]:
    """The full names (AF) where there are as many as short ones (AU), else the short ones."""
    names = _items(fields, full)
    if not names or len(names) != len(_items(fields, short)):
        names = _items(fields, short)
    return [parse_name(name) for name in names]


def _date(record: Record, published: str | None) -> None:
    """PD: 'FEB 2011', 'JAN 15 2011', 'FEB-MAR 2011', '2011'. A season ('SPR 2011') is no month:
    it stays in date_text only."""
    words = re.findall(r"[A-Z]{3}|\d+", (published or "").upper())
    months = [month_number(w) for w in words if w.isalpha()]
    if months and months[0]:
        record.month = months[0]
        days = [w for w in words if w.isdigit() and len(w) <= 2]
        if days and len([m for m in months if m]) == 1:
            record.day = int(days[0])
    record.date_text = published or None


def sniff(head: str) -> bool:
    """'FN Clarivate Analytics Web of Science' (or Thomson Reuters Web of Knowledge), or a file
    that starts with 'PT J' and has 'UT WOS:' / 'ER' lines."""
    first = head.lstrip("\ufeff \n").split("\n", 1)[0]
    if first.startswith("FN ") and re.search(r"^VR \d", head, re.M):
        return True
    return first.startswith("PT ") and bool(re.search(r"^ER\s*$", head, re.M))


register(Importer("wos", (".ciw", ".isi"), read, sniff, DATABASE))
