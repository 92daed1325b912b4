"""MEDLINE / nbib text (PubMed's "Save -> PubMed format"), read with Bio.Medline."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from Bio import Medline

from litreview.errors import ParseError
from litreview.fieldtext import CORRECTION_TAGS, parse_mesh
from litreview.importers import Importer, check, file_encoding, finish, register
from litreview.names import month_number, split_suffix
from litreview.records import Author, Correction, Record

_FIELD_LINE = re.compile(r"^[A-Z][A-Z0-9 ]{3}- ", re.M)


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _one(item: dict[str, Any], key: str) -> str | None:
    """A field that holds one value; Bio.Medline gives a list for tags it does not know as text
    tags (BTI, PB, EN), and a repeated tag is joined rather than kept twice."""
    return " ".join(_list(item.get(key))) or None


def _authors(item: dict[str, Any], full: str, short: str) -> list[Author]:
    fulls, shorts = _list(item.get(full)), _list(item.get(short))
    authors = []
    for index, name in enumerate(fulls or shorts):
        family, _, given = name.partition(",")
        initials = None
        short_words, suffix = split_suffix(shorts[index].split()) if index < len(shorts) else ([], None)
        if len(short_words) > 1:  # 'AU  - Ward GW Jr'
            initials = short_words[-1]
        if not fulls and "," in name:  # 'AU  - van Groen, Maaike M.' (non-PubMed nbib)
            family, _, given = name.partition(",")
            initials = None
        elif not fulls:  # only 'AU  - Smith JA'
            family, initials = " ".join(short_words[:-1]), short_words[-1] if short_words else ""
            family, given = family or initials, ""
        given_words, given_suffix = split_suffix(given.split())  # 'FAU - Ward, G W Jr'
        given, suffix = " ".join(given_words), suffix or given_suffix
        if given and re.fullmatch(r"(?:[A-Z]\.?\s*){1,4}", given):  # 'Waites, M D' is initials
            initials, given = initials or re.sub(r"[.\s]", "", given), ""  # AU's, where PubMed gave them
        authors.append(Author(family=family.strip() or None, given=given or None,
                              initials=initials or None, suffix=suffix))
    return authors


def _date(text: str | None, record: Record) -> None:
    if not text:
        return
    match = re.match(r"(\d{4})(?:\s+([A-Za-z]{3})[a-z]*)?(?:\s+(\d{1,2}))?$", text.strip())
    if match:
        record.year = int(match.group(1))
        month = month_number(match.group(2))
        if month:
            record.month = month
            if match.group(3):
                record.day = int(match.group(3))
            return
        if not match.group(2) and not match.group(3):  # 'DP  - 1993': a year, nothing more
            return
    year = re.match(r"(\d{4})", text.strip())
    if year:
        record.year = int(year.group(1))
    record.date_text = text.strip()


def _ids(values: Iterable[str], kind: str) -> str | None:
    """The identifier of that kind: 'E2496 [pii]'. Bio.Medline joins a repeated LID into one
    value ('E2496 [pii] 10.3390/s17112496 [doi]'), so each value may hold several."""
    for value in values:
        for found in re.finditer(r"(\S+)\s+\[([a-z]+)\]", value):
            if found.group(2) == kind:
                return found.group(1)
    return None


def to_record(item: dict[str, Any], author_order: list[str] | None = None) -> Record:
    """`author_order`: the record's FAU/AU/CN tags in file order, to put group authors (CN),
    which Bio.Medline keeps apart, back where they were ('CN - EPIC Study Group' first)."""
    is_book = bool(item.get("BTI")) and not item.get("JT")
    chapter = is_book and bool(item.get("TI"))
    record = Record(title=_one(item, "TI") or _one(item, "BTI") or "",
                    pmid=item.get("PMID"), kind="chapter" if chapter else "book" if is_book else "article")
    if is_book:
        record.book_title = _one(item, "BTI")
    record.vernacular_title = item.get("TT")
    record.abstract = item.get("AB")
    record.authors = _in_file_order(_authors(item, "FAU", "AU"),
                                    [Author(collective=name) for name in _list(item.get("CN"))], author_order)
    record.editors = _authors(item, "FED", "ED")
    record.journal = item.get("JT")
    record.journal_abbrev = item.get("TA")
    record.volume = item.get("VI")
    record.issue = item.get("IP")
    record.pages = item.get("PG")
    ids = _list(item.get("AID")) + _list(item.get("LID"))
    record.doi = _ids(ids, "doi")
    if not record.pages:
        record.article_number = _ids(_list(item.get("LID")), "pii")
    pmc = item.get("PMC")
    record.pmcid = pmc.split()[0] if isinstance(pmc, str) else None
    _date(item.get("DP"), record)
    record.languages = _list(item.get("LA"))
    record.publication_types = _list(item.get("PT"))
    record.keywords = [k.strip() for k in _list(item.get("OT"))]
    record.mesh = [parse_mesh(m) for m in _list(item.get("MH"))]
    record.publication_status = item.get("PST")
    for tag, kind in CORRECTION_KINDS.items():
        for value in _list(item.get(tag)):
            ref, _, pmid = value.partition(" PMID: ")
            record.corrections.append(Correction(kind, ref.strip() or None, pmid.strip() or None))
    for issn in _list(item.get("IS")):
        number = issn.split(" ")[0]
        if "(Electronic)" in issn and not record.issn_electronic:
            record.issn_electronic = number
        elif "(Print)" in issn and not record.issn_print:
            record.issn_print = number
    record.publisher = _one(item, "PB")
    record.place = _one(item, "PL") if is_book else None
    record.isbn = _list(item.get("ISBN"))[0] if item.get("ISBN") else None
    record.edition = _one(item, "EN")
    return record


CORRECTION_KINDS = {tag: kind for kind, tag in CORRECTION_TAGS.items()}
_AUTHOR_TAG = re.compile(r"^(FAU|AU  |CN  |PMID)- ", re.M)


def _in_file_order(people: list[Author], groups: list[Author], order: list[str] | None) -> list[Author]:
    person_tag = "FAU" if order and "FAU" in order else "AU"
    if not groups or not order or order.count("CN") != len(groups) or order.count(person_tag) != len(people):
        return people + groups
    persons, collectives = iter(people), iter(groups)
    return [next(collectives) if tag == "CN" else next(persons) for tag in order if tag in ("CN", person_tag)]


def _author_orders(text: str) -> list[list[str]]:
    """Per record (a PMID line starts one), its FAU/AU/CN tags in file order."""
    orders: list[list[str]] = []
    for match in _AUTHOR_TAG.finditer(text):
        tag = match.group(1).strip()
        if tag == "PMID":
            orders.append([])
        elif orders:
            orders[-1].append(tag)
    return orders


def parse_text(text: str, path: Path, source: str | None) -> Iterator[Record | ParseError]:
    if not re.search(r"^(PMID|TI  )- ", text, re.M) or (
            re.search(r"^TY  ?- ", text, re.M) and not re.search(r"^PMID- ", text, re.M)):  # RIS
        raise ParseError("no MEDLINE records found (expected lines like 'PMID- 12345678')",
                         file=str(path))
    try:
        items = list(Medline.parse(io.StringIO(text)))
    except Exception as exc:  # Bio.Medline raises plain ValueErrors on broken lines
        raise ParseError(f"not readable as MEDLINE text: {exc}", file=str(path)) from None
    orders = _author_orders(text)
    if len(orders) != len(items):
        orders = []
    for number, item in enumerate(items, start=1):
        order = orders[number - 1] if orders else None
        record = finish(to_record(dict(item), order), source or "PubMed", item.get("PMID"))
        yield check(record, path, number) or record


def read(path: Path, source: str | None) -> Iterator[Record | ParseError]:
    encoding = file_encoding(path)
    text = path.read_text(encoding=encoding, errors="replace").lstrip("\ufeff").replace("\r\n", "\n")
    lines = text.split("\n")
    # a record cut off inside a field (no blank line at the end is fine; a lone tag is not)
    for number, line in enumerate(lines, start=1):
        if (line.strip() and not _FIELD_LINE.match(line) and not line.startswith("      ")
                and re.match(r"^[A-Z]{2,4}-?\s*$", line)):
            raise ParseError(f"broken field line {line!r}", file=str(path), line=number)
    yield from parse_text(text, path, source)


def sniff(head: str) -> bool:
    """MEDLINE tags ('PMID- ', 'FAU - ', 'TI  - ') and no RIS 'TY  - ' line."""
    if re.search(r"^TY  ?- ", head, re.M):
        return False
    first = next((line for line in head.splitlines() if line.strip()), "")
    return bool(re.match(r"[A-Z]{2,4} *- ?\S", first)) and bool(
        re.search(r"^(PMID- ?\d|FAU - |OWN - |STAT- |PT  - )", head, re.M))


register(Importer("nbib", (".nbib", ".medline"), read, sniff, "PubMed", read_text=parse_text))
