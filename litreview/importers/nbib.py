"""MEDLINE/nbib text (PubMed's "Save -> PubMed format"), read with Bio.Medline."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from Bio import Medline

from litreview.errors import ParseError
from litreview.importers import ReadOptions, importer, read_text
from litreview.importers.fields import parse_name, parse_year
from litreview.records import Author, MeshHeading, Record, initials_of

_DOI = re.compile(r"^(\S+)\s*\[doi\]$")
_PII = re.compile(r"^(\S+)\s*\[pii\]$")


def sniff(head: str) -> bool:
    return re.search(r"^PMID- ?\d+", head, re.M) is not None


def medline_records(text: str, file: str) -> Iterator[dict[str, Any]]:
    if not sniff(text[:8192]):
        raise ParseError("no 'PMID- ' line; expected MEDLINE/nbib text", file=file, line=1)
    for entry in Medline.parse(io.StringIO(text)):
        yield dict(entry)


def to_record(entry: dict[str, Any]) -> Record:
    record = Record(title=_one(entry, "TI") or _one(entry, "BTI") or "", pmid=_one(entry, "PMID"))
    full = entry.get("FAU", [])
    short = entry.get("AU", [])
    record.authors = [_author(f, s) for f, s in zip(full, short)] if len(full) == len(short) else [
        parse_name(a) for a in (short or full)]
    record.authors += [Author(collective=c) for c in entry.get("CN", [])]
    record.journal, record.journal_abbrev = _one(entry, "JT"), _one(entry, "TA")
    record.volume, record.issue, record.pages = _one(entry, "VI"), _one(entry, "IP"), _one(entry, "PG")
    record.year = parse_year(_one(entry, "DP"))
    record.date_text = _one(entry, "DP")
    record.abstract = _one(entry, "AB")
    record.languages = list(entry.get("LA", []))
    record.publication_types = list(entry.get("PT", []))
    record.keywords = list(entry.get("OT", []))
    record.mesh = [_mesh(m) for m in entry.get("MH", [])]
    for value in _as_list(entry.get("LID")) + _as_list(entry.get("AID")):
        doi, pii = _DOI.match(value), _PII.match(value)
        if doi and not record.doi:
            record.doi = doi.group(1)
        elif pii and not record.pages:
            record.article_number = record.article_number or pii.group(1)
    pmc = _one(entry, "PMC")
    record.pmcid = pmc
    for issn in _as_list(entry.get("IS")):
        if "(Electronic)" in issn:
            record.issn_electronic = issn.split()[0]
        elif issn:
            record.issn_print = record.issn_print or issn.split()[0]
    record.publication_status = _one(entry, "PST")
    record.source_db, record.source_key = "PubMed", record.pmid
    return record


def _as_list(value: str | list[str] | None) -> list[str]:
    if not value:
        return []
    return [value] if isinstance(value, str) else list(value)


def _one(entry: dict[str, Any], key: str) -> str | None:
    value = entry.get(key)
    if isinstance(value, list):
        value = " ".join(value)
    return value.strip() if value else None


def _author(full: str, short: str) -> Author:
    family, _, given = full.partition(",")
    initials = short.rpartition(" ")[2] if " " in short else initials_of(given)
    return Author(family=family.strip(), given=given.strip() or None, initials=initials or None)


def _mesh(text: str) -> MeshHeading:
    descriptor, *qualifiers = text.split("/")
    return MeshHeading(
        descriptor=descriptor.lstrip("*"), major=descriptor.startswith("*") or any(
            q.startswith("*") for q in qualifiers),
        qualifiers=[{"name": q.lstrip("*"), "major": q.startswith("*"), "ui": None} for q in qualifiers],
    )


@importer("nbib", suffixes=(".nbib", ".medline", ".txt"), sniff=sniff, default_source="PubMed")
def read_nbib(path: Path, options: ReadOptions) -> Iterator[Record]:
    for number, entry in enumerate(medline_records(read_text(path), str(path)), start=1):
        if not entry.get("PMID"):
            raise ParseError("record has no PMID line", file=str(path), record=number)
        record = to_record(entry)
        record.source_db = options.source or "PubMed"
        record.extra["location"] = f"record {number}"
        yield record
