"""RIS as the databases actually write it.

A tolerant tokenizer of our own (so errors can name the line): UTF-8 BOM, CRLF, Ovid's numbered
lines and "Link to the Ovid Full Text" lines between records (which name the Ovid database and
the PMID), `Y1  - 2018//`, one-space tags, repeated tags, and run-on fields continued on untagged
lines. Tag meanings follow rispy's TAG_KEY_MAPPING; rispy also writes our RIS exports.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from litreview.errors import ParseError
from litreview.importers import ReadOptions, importer, read_text
from litreview.importers.fields import join_pages, parse_name, parse_year
from litreview.records import Record, normalise_doi

TAG = re.compile(r"^([A-Z][A-Z0-9]) {1,2}-(?: (.*)|)$")
OVID_NUMBER = re.compile(r"^\d+\.\s*$")
OVID_LINK = re.compile(r"[?&]D=([a-z0-9]+)", re.I)
OVID_PMID = re.compile(r"info:pmid/(\d+)")
OVID_DATABASES = {
    "med": "MEDLINE", "pre": "MEDLINE", "mes": "MEDLINE", "pmnm": "MEDLINE",
    "emed": "Embase", "emez": "Embase", "emb": "Embase", "emex": "Embase", "oemez": "Embase",
    "psyh": "APA PsycInfo", "psyc": "APA PsycInfo",
    "cctr": "Cochrane CENTRAL", "coch": "Cochrane Database of Systematic Reviews",
}
DB_NAMES = {"ecn": "EconLit", "psyh": "APA PsycInfo", "egh": "GreenFILE", "8gh": "Environment Index",
            "nlm": "PubMed"}
KINDS = {"JOUR": "article", "JFULL": "article", "EJOUR": "article", "MGZN": "article", "NEWS": "article",
         "BOOK": "book", "EBOOK": "book", "CHAP": "chapter", "ECHAP": "chapter", "CONF": "conference",
         "CPAPER": "conference", "THES": "thesis", "RPRT": "report", "ELEC": "webpage", "DATA": "dataset"}
LIST_TAGS = {"AU", "A1", "A2", "A3", "A4", "KW", "UR", "SN", "M2", "AD", "N1", "L2", "ED"}


@dataclass
class RisEntry:
    line: int
    tags: dict[str, list[str]] = field(default_factory=dict)
    trailer: list[str] = field(default_factory=list)

    def first(self, *tags: str) -> str | None:
        for tag in tags:
            for value in self.tags.get(tag, []):
                if value.strip():
                    return value.strip()
        return None

    def all(self, *tags: str) -> list[str]:
        return [v.strip() for t in tags for v in self.tags.get(t, []) if v.strip()]


def sniff(head: str) -> bool:
    lines = [line for line in head.splitlines() if line.strip() and not OVID_NUMBER.match(line)]
    return bool(lines) and re.match(r"^TY {1,2}- ", lines[0]) is not None


def entries(text: str, file: str) -> Iterator[RisEntry]:
    """Split RIS text into entries with their tags; ParseError names the line."""
    current: RisEntry | None = None
    last_tag: str | None = None
    previous: RisEntry | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        match = TAG.match(line.rstrip())
        if match:
            tag, value = match.group(1), (match.group(2) or "")
            if tag == "TY":
                if current is not None:
                    raise ParseError(f"'TY  -' starts a record before the record of line {current.line} "
                                     "ended with 'ER  -'", file=file, line=number)
                current, last_tag = RisEntry(line=number), "TY"
                current.tags["TY"] = [value]
            elif current is None and previous is not None:
                previous.tags.setdefault(tag, []).append(value)  # Ovid writes NL after ER
            elif current is None:
                raise ParseError(f"tag {tag!r} outside a record; expected 'TY  -' to start one",
                                 file=file, line=number)
            elif tag == "ER":
                yield current
                previous, current, last_tag = current, None, None
            else:
                current.tags.setdefault(tag, []).append(value)
                last_tag = tag
        elif not line.strip() or OVID_NUMBER.match(line):
            continue
        elif current is not None and last_tag is not None:
            current.tags[last_tag][-1] += " " + line.strip()
        elif current is None and previous is not None and line.startswith("Link to "):
            previous.trailer.append(line)
        else:
            raise ParseError(f"unexpected text {line[:40]!r}; expected an RIS tag such as 'TY  - JOUR'",
                             file=file, line=number)
    if current is not None:
        raise ParseError(f"the record starting at line {current.line} has no 'ER  -' end tag "
                         "(file truncated?)", file=file, line=current.line)


def to_record(entry: RisEntry, options: ReadOptions) -> Record:
    kind = KINDS.get((entry.first("TY") or "JOUR").upper(), "article")
    record = Record(title=entry.first("TI", "T1", "CT", "BT") or "", kind=kind)
    record.authors = [parse_name(a) for a in entry.all("AU", "A1")]
    container = entry.first("T2", "JO", "JF", "JA", "J2")
    if kind == "chapter":
        record.book_title = container
        record.editors = [parse_name(a) for a in entry.all("A2", "ED")]
    else:
        record.journal = entry.first("JF", "JO", "T2") or container
        record.journal_abbrev = entry.first("JA", "J2")
    record.year = parse_year(entry.first("PY", "Y1", "DA"))
    record.volume = entry.first("VL")
    record.issue = entry.first("IS", "CP")
    record.pages = join_pages(entry.first("SP"), entry.first("EP"))
    record.doi = normalise_doi(entry.first("DO")) or _doi_from_urls(entry.all("UR", "L2", "DO"))
    record.abstract = entry.first("AB", "N2")
    record.keywords = entry.all("KW")
    record.languages = entry.all("LA")
    record.publisher, record.place = entry.first("PB"), entry.first("CY")
    record.edition = entry.first("ET")
    isbn_or_issn = entry.first("SN")
    if kind in {"book", "chapter"}:
        record.isbn = isbn_or_issn
    else:
        record.issn_print = isbn_or_issn
    urls = entry.all("UR")
    record.url = urls[0] if urls else None
    _provenance(entry, record, options)
    return record


def _doi_from_urls(urls: list[str]) -> str | None:
    for url in urls:
        if "doi.org/" in url:
            return normalise_doi(url)
    return None


def _provenance(entry: RisEntry, record: Record, options: ReadOptions) -> None:
    trailer = " ".join(entry.trailer)
    ovid = OVID_LINK.search(trailer) or OVID_LINK.search(" ".join(entry.all("L2", "UR")))
    database = None
    if ovid:
        code = ovid.group(1).lower()
        database = next((name for prefix, name in OVID_DATABASES.items() if code.startswith(prefix)),
                        f"Ovid {code}")
        pmid = OVID_PMID.search(trailer)
        if pmid:
            record.pmid = pmid.group(1)
        elif database == "MEDLINE" and (entry.first("ID", "AN") or "").isdigit():
            record.pmid = entry.first("ID", "AN")
    named = entry.first("DB", "DP")
    if not database and named:
        database = DB_NAMES.get(named.lower(), named)
    if not record.pmid and (database or "").lower() in {"pubmed", "medline"}:
        candidate = entry.first("AN", "ID", "C2") or ""
        record.pmid = candidate if candidate.isdigit() else None
    record.source_db = options.source or database
    key = entry.first("ID", "AN")
    record.source_key = key or _content_key(entry)
    if database:
        record.extra["database"] = database


def _content_key(entry: RisEntry) -> str:
    """A stable key for records whose file gives them no id: the hash of their tags."""
    text = "\n".join(f"{t}:{v}" for t in sorted(entry.tags) for v in entry.tags[t])
    return "sha1:" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


@importer("ris", suffixes=(".ris", ".txt"), sniff=sniff)
def read_ris(path: Path, options: ReadOptions) -> Iterator[Record]:
    text = read_text(path)
    for number, entry in enumerate(entries(text, str(path)), start=1):
        record = to_record(entry, options)
        record.extra["location"] = f"record {number} (line {entry.line})"
        yield record
