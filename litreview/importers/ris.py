"""RIS (EndNote, Zotero, Ovid, Scopus, Web of Science, Lens, Dimensions, EBSCO, PubMed, ...).

Lines are split into tags by rispy's RisParser.parse_line; the record loop is ours so that
it can track line numbers, report a truncated last record, and take the fixes real files
need: a UTF-8 BOM, CRLF, Ovid's numbered lines between records ("1."), "Link to the Ovid
Full Text" lines, run-on lines (continuations of the previous tag), repeated tags.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Iterator
from pathlib import Path

from rispy import RisParser

from litreview.errors import ParseError
from litreview.fieldtext import read_notes
from litreview.importers import Importer, check, file_encoding, finish, head_bytes, register
from litreview.names import database_name, numeric_date, parse_name, year_in
from litreview.records import Record

_RECORD_LINE = re.compile(r"^(?:TY|ER)  ?-( |$)", re.M)
"""A record's first or last line: a file with neither has no RIS records (MEDLINE shares the
other tags' shape, 'TI  - ')."""
_ONE_SPACE = re.compile(r"^[A-Z][A-Z0-9] -( |$)")

KINDS = {
    "JOUR": "article", "JFULL": "article", "MGZN": "article", "NEWS": "article",
    "EJOUR": "article", "ABST": "article", "INPR": "article",
    "BOOK": "book", "EBOOK": "book", "EDBOOK": "book",
    "CHAP": "chapter", "ECHAP": "chapter",
    "CONF": "conference", "CPAPER": "conference",
    "THES": "thesis", "RPRT": "report", "DATA": "dataset", "ELEC": "webpage",
}

# Ovid's database segment codes (D=... in its links), by prefix.
OVID_DB = (("med", "MEDLINE"), ("prem", "MEDLINE"), ("mesx", "MEDLINE"), ("ppez", "MEDLINE"),
           ("em", "Embase"), ("psyc", "PsycINFO"), ("cctr", "CENTRAL"), ("coch", "CDSR"))


class _Lines(RisParser):
    """rispy's line splitter, also taking 'TY - JOUR' (one space, as some exporters write)."""

    PATTERN = r"^[A-Z][A-Z0-9]  - "

    def parse_line(self, line: str) -> tuple[str | None, str]:
        tag, content = super().parse_line(line)
        if tag is None and _ONE_SPACE.match(line):
            return line[:2], line[5:].strip()
        return tag, content


_LINE_PARSER = _Lines()


def iter_raw(path: Path) -> Iterator[tuple[int, dict[str, list[str]]] | ParseError]:
    """(line of TY, {tag: [values]}) per record; a ParseError for a truncated record."""
    head = head_bytes(path)
    encoding = file_encoding(path)
    if not _RECORD_LINE.search(head.decode(encoding, errors="replace").replace("\ufeff", "")):
        raise ParseError("no RIS records found (expected lines like 'TY  - JOUR')", file=str(path))
    with open(path, encoding=encoding, errors="replace", newline=None) as handle:
        yield from _records(handle, path)


_FIELD_TAGS = frozenset(a + b for a in string.ascii_uppercase
                        for b in string.ascii_uppercase + string.digits) - {"TY", "ER"}
_AUTHOR_TAGS = frozenset({"AU", "A1"})


def _records(lines: Iterable[str], path: Path
             ) -> Iterator[tuple[int, dict[str, list[str]]] | ParseError]:
    record: dict[str, list[str]] | None = None
    pending: tuple[int, dict[str, list[str]]] | None = None  # closed, may get Ovid's trailers
    start = 0
    last_tag: str | None = None
    for number, line in enumerate(lines, start=1):
        tag: str | None = line[:2]
        if record is not None and tag in _FIELD_TAGS and line[2:6] == "  - ":
            # The common line, first: a field of an open record.
            content = line[6:].strip()
            values = record.get(tag)
            if values is None:
                record[tag] = [content]
            else:
                values.append(content)
            if tag in _AUTHOR_TAGS:
                record.setdefault("_authors", []).append(content)  # file order across tags
            last_tag = tag
            continue
        line = line.rstrip()
        if not line:
            continue
        if line[0] == "\ufeff":  # a BOM before a record (files joined together)
            line = line[1:]
        if line[2:5] == "  -" and line[:2].isupper() and line[0].isalpha():  # the common case
            tag, content = line[:2], line[6:].strip()
        else:
            tag, content = _LINE_PARSER.parse_line(line)
        if record is None:
            if tag == "TY":
                if pending:
                    yield pending
                    pending = None
                record, start, last_tag = {"TY": [content]}, number, "TY"
            elif tag is None:
                continue  # Ovid's "12." numbers and "Link to the Ovid Full Text" lines
            elif pending is not None and tag != "ER":
                pending[1].setdefault(tag, []).append(content)  # Ovid writes NL after ER
            else:
                yield ParseError(f"tag {tag} outside a record (expected 'TY  - ' first)",
                                 file=str(path), line=number)
            continue
        if tag == "ER":
            pending = (start, record)
            record, last_tag = None, None
        elif tag == "TY" and set(record) == {"TY"}:
            record["TY"].append(content)  # repeated TY lines before any field: one record
        elif tag == "TY":
            yield ParseError("record has no 'ER  - ' end line", file=str(path), line=start)
            record, start, last_tag = {"TY": [content]}, number, "TY"
        elif tag is None:
            if content.lower().startswith("link to the ovid full text"):
                continue
            if last_tag is not None and record.get(last_tag):
                record[last_tag][-1] = f"{record[last_tag][-1]} {content}".strip()
        else:
            record.setdefault(tag, []).append(content)
            if tag in _AUTHOR_TAGS:
                record.setdefault("_authors", []).append(content)
            last_tag = tag
    if pending:
        yield pending
    if record is not None:
        yield ParseError("file ends inside a record (no 'ER  - ' line): truncated?",
                         file=str(path), line=start)


def _first(raw: dict[str, list[str]], *tags: str) -> str | None:
    """The first non-empty value of the first of `tags` that has one (values are stripped when
    the lines are read)."""
    for tag in tags:
        for value in raw.get(tag, ()):
            if value:
                return value
    return None


# Matched against the lower-cased name: twice as fast as re.I on this hot path.



_DATE_WORDS = re.compile(r"^\s*\d{4}\s+[A-Za-z]")
_SN_SPLIT = re.compile(r"[;,]\s*|\s+(?=\d)")
_PARENTHESES = re.compile(r"\s*\(.*?\)")
_ISSN = re.compile(r"\d{4}-?\d{3}[\dXx]")


def _date(raw: dict[str, list[str]], record: Record) -> None:
    """Year from PY/Y1; month and day from whichever of DA/Y1/PY gives the fullest date."""
    best: tuple[int, int | None, int | None] | None = None
    for tag in ("PY", "Y1", "DA", "Y2"):
        for value in raw.get(tag, []):
            parsed = numeric_date(value)
            if parsed is None:
                continue
            if best is None or (best[0] == parsed[0] and (parsed[1] and not best[1])):
                best = parsed
    if best:
        record.year, record.month, record.day = best
        if not best[1]:  # 'DA  - 2019 Feb - Apr', '2010 Winter': the text says more than the year
            record.date_text = next((v.strip() for v in raw.get("DA", []) if _DATE_WORDS.search(v)), None)
        return
    for tag in ("PY", "Y1", "DA", "Y2"):
        for value in raw.get(tag, []):
            year = year_in(value)
            if year:
                record.year = year
                record.date_text = value.strip()
                return


def _issns(record: Record, values: list[str]) -> None:
    """Print ISSN first, electronic second, unless labelled: 'SN  - 1533-0311 (Electronic)'."""
    unlabelled = []
    for value in values:
        issn = _PARENTHESES.sub("", value).strip()
        if not _ISSN.fullmatch(issn):
            continue
        label = value.lower()
        if "electronic" in label and not record.issn_electronic:
            record.issn_electronic = issn
        elif "print" in label and not record.issn_print:
            record.issn_print = issn
        elif "(" not in label:
            unlabelled.append(issn)
    for issn in unlabelled:
        if not record.issn_print:
            record.issn_print = issn
        elif not record.issn_electronic:
            record.issn_electronic = issn


def _pages(raw: dict[str, list[str]]) -> str | None:
    start, end = _first(raw, "SP"), _first(raw, "EP")
    if start and end and "-" not in start and start != end:
        return f"{start}-{end}"
    return start or end


_CONFERENCE_VOLUME = re.compile(r"Conference:\s*(.*?)\.?\s+(\d+)$", re.S)
_PAGES_IN_ISSUE = re.compile(r"pp\.?\s*(\S+)$")


def _conference_abstract_fields(record: Record) -> None:
    """CENTRAL files a conference abstract as VL 'Conference: <meeting>. 171', IS 'pp e15-e16':
    the volume is the trailing number, the pages are in the issue field."""
    volume = _CONFERENCE_VOLUME.match(record.volume or "")
    if volume:
        record.extra["conference"] = volume.group(1)
        record.volume = volume.group(2)
    pages = _PAGES_IN_ISSUE.match(record.issue or "")
    if pages and not record.pages:
        record.pages, record.issue = pages.group(1), None


def _sniff_db(raw: dict[str, list[str]]) -> str | None:
    named = database_name(_first(raw, "DB")) or database_name(_first(raw, "DP"))
    if named:
        return named
    an = _first(raw, "AN", "UT") or ""
    urls = " ".join(raw.get("UR", []) + raw.get("L2", []))
    ovid = re.search(r"ovidweb\.cgi\?.*?\bD=([a-z]+)", urls)
    if ovid:
        code = ovid.group(1)
        return next((name for prefix, name in OVID_DB if code.startswith(prefix)), f"Ovid {code}")
    if an.startswith("WOS:"):
        return "Web of Science"
    if an.startswith("pub.1") or "dimensions.ai" in urls:
        return "Dimensions"
    if "lens.org" in urls and len(raw.get("UR", [])) > 0 and "lens.org" in raw["UR"][-1]:
        return "Lens"
    if "scopus.com" in urls:
        return "Scopus"
    return None


def _key(raw: dict[str, list[str]], database: str | None) -> str | None:
    an = _first(raw, "AN")
    if an:
        return an
    rid = _first(raw, "ID")
    # EndNote/Zotero number records 1, 2, 3 in each export: not stable ids across files,
    # so such small numbers are kept in extra and the key is derived from the content.
    if rid and not (rid.isdigit() and len(rid) <= 6 and database is None):
        return rid
    return None


def to_record(raw: dict[str, list[str]]) -> Record:
    ty = (_first(raw, "TY") or "JOUR").upper()
    kind = KINDS.get(ty, "article")
    record = Record(kind=kind)
    record.title = _first(raw, "TI", "T1", "CT") or ""
    if not record.title and kind == "book":
        record.title = _first(raw, "BT", "T2") or ""
    names = [a for a in raw.get("_authors", []) if a.strip()]
    comma_names = any("," in a for a in names)  # people as 'Family, Given': the rest are groups
    record.authors = [parse_name(a, comma_names) for a in names]
    editor_tags = ("A2", "ED", "A3") if kind in {"chapter", "book"} else ("ED",)
    record.editors = [parse_name(a) for tag in editor_tags for a in raw.get(tag, []) if a.strip()]
    if kind == "chapter":
        record.book_title = _first(raw, "T2", "BT", "T1" if raw.get("TI") else "")
    elif kind == "book":
        record.book_title = _first(raw, "T2", "BT")
    else:
        # CENTRAL repeats an abstract's title in T2, where other sources put the journal, and
        # names the journal in JA.
        repeated = _first(raw, "T2") == _first(raw, "TI", "T1") and _first(raw, "JF", "JO", "JA", "J2")
        t2 = "" if repeated else "T2"
        record.journal = _first(raw, "JF", t2, "JO", "JA", "J2", "T3" if kind != "book" else "")
        record.journal_abbrev = _first(raw, "J2", "JA", "JO")
        if record.journal_abbrev == record.journal and not raw.get("J2") and not raw.get("JA"):
            record.journal_abbrev = None
    record.volume = _first(raw, "VL")
    record.issue = _first(raw, "IS", "CP")
    record.pages = _pages(raw)
    if not record.pages:
        record.article_number = _first(raw, "C7", "AR")
    _date(raw, record)
    record.doi = _first(raw, "DO", "DI")
    if not record.doi:
        for value in raw.get("UR", []) + raw.get("L3", []) + raw.get("M3", []):
            if "doi.org/10." in value or value.startswith("10."):
                record.doi = value
                break
    record.abstract = "\n".join(raw.get("AB", []) or raw.get("N2", [])) or None  # AB per paragraph
    record.keywords = [k.strip() for k in raw.get("KW", []) if k.strip()]
    record.languages = [lang.strip() for lang in raw.get("LA", []) if lang.strip()]
    sn = [s for value in raw.get("SN", []) for s in _SN_SPLIT.split(value)]
    if kind in {"book", "chapter"}:
        record.isbn = _first(raw, "SN")
    else:
        _issns(record, sn)
    record.publisher = _first(raw, "PB")
    record.place = _first(raw, "CY", "PP")
    record.edition = _first(raw, "ET")
    urls = [u for u in raw.get("UR", []) if u.startswith("http")]
    record.url = urls[0] if urls else None
    record.publication_types = [ty]
    raw["N1"] = read_notes(record, raw.get("N1", []))  # ours: 'Publication status: ppublish', ...
    extra: dict[str, object] = {}
    for tag in ("ID", "DB", "DP", "N1", "M2"):
        if raw.get(tag):
            extra[f"ris_{tag}"] = raw[tag] if len(raw[tag]) > 1 else raw[tag][0]
    record.extra = extra
    _conference_abstract_fields(record)
    return record


def read(path: Path, source: str | None) -> Iterator[Record | ParseError]:
    number = 0
    for item in iter_raw(path):
        if isinstance(item, ParseError):
            number += 1
            item.record = number
            yield item
            continue
        line, raw = item
        number += 1
        record = to_record(raw)
        database = _sniff_db(raw)
        key = _key(raw, database)
        if database in {"MEDLINE", "PubMed"} and key and key.isdigit():
            record.pmid = key
        for note in raw.get("N1", []):  # 'PMID: 123' / 'PMCID: PMC1' notes (ours, Zotero's)
            label, _, value = note.partition(":")
            if label.strip() == "PMID" and value.strip().isdigit() and not record.pmid:
                record.pmid = value.strip()
            elif label.strip() == "PMCID" and value.strip():
                record.pmcid = value.strip()
        finish(record, database or source or "RIS", key)
        problem = check(record, path, number, line)
        yield problem or record


def sniff(head: str) -> bool:
    lines = [line for line in head.splitlines() if line.strip()][:30]
    return any(line.startswith(("TY  -", "TY - ")) for line in lines)


register(Importer("ris", (".ris", ".txt"), read, sniff, "RIS"))
