"""BibTeX as Zotero/JabRef write it: UTF-8, 'Family, Given and ...', pages with '--',
LaTeX-special characters escaped in text fields, titles braced to keep their case.

What BibTeX has no standard field for goes in fields that BibTeX ignores and biblatex, JabRef or
Zotero know: `date` (biblatex, with the day), `eissn`, `origtitle`, `pubstate`, `mesh`, `pubtype`,
`corrections`, `medlinedate` (a season or a MedlineDate range).

Provenance travels in the entry key (the source key when it is a valid key) and in
`source = {Database}` (the field Scopus writes), so a file we export imports back as the
same records.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TextIO

from litreview.exporters import exporter
from litreview.fieldtext import correction_text, mesh_text
from litreview.names import MONTH_NAMES
from litreview.records import Author, Record, fold

TYPES = {"article": "article", "book": "book", "chapter": "incollection",
         "conference": "inproceedings", "thesis": "phdthesis", "report": "techreport",
         "dataset": "misc", "webpage": "misc"}
MONTHS = tuple(name.lower() for name in MONTH_NAMES)
"""BibTeX's month macros."""
_SPECIAL = re.compile(r"([&%#$_])")
LIST_SEPARATOR = " || "
"""Between the values of mesh, pubtype and corrections (a MeSH heading or a citation may hold ';')."""
_KEY_OK = re.compile(r"^[A-Za-z0-9_:.\-/+]+$")


def escape(text: str) -> str:
    """Escape LaTeX specials, braces included, so that the text reads back as it was."""
    text = text.replace("\\", "\x00") if "\\" in text else text
    text = _SPECIAL.sub(r"\\\1", text)
    if "{" in text or "}" in text:  # literal braces ('[M{CpFe(CO)2}2]'), not LaTeX grouping
        text = text.replace("{", "\\{").replace("}", "\\}")
    text = text.replace("\x00", "\\textbackslash{}")
    if "~" in text:  # to LaTeX a tie (a space): '0~120 ng/mL' read back as '0 120'
        text = text.replace("~", "\\textasciitilde{}")
    if "--" in text:  # to LaTeX a dash: 'engine--merging' read back as 'engine\u2013merging'
        text = text.replace("--", "-{}-")
    return " ".join(text.split())


def _name(author: Author) -> str | None:
    if author.collective:
        return "{" + escape(author.collective) + "}"
    given = author.given or author.initials
    if author.family and given:  # BibTeX: 'von Last, Jr, First'
        return ", ".join(escape(p) for p in (author.family, author.suffix, given) if p)
    return escape(author.family or given or "") or None


def _names(authors: list[Author]) -> str | None:
    names = [n for n in (_name(a) for a in authors) if n]
    return " and ".join(names) or None


def cite_key(record: Record, used: set[str]) -> str:
    if record.source_key and _KEY_OK.match(record.source_key) and record.source_key not in used:
        key = record.source_key
    else:
        first = record.authors[0].family or record.authors[0].collective if record.authors else ""
        word = next((w for w in fold(record.title).split() if len(w) > 3), "untitled")
        key = f"{fold(first or 'anon').replace(' ', '')}{record.year or ''}{word}"
        base, n = key, 1
        while key in used:
            n += 1
            key = f"{base}{chr(96 + n) if n <= 26 else n}"
    used.add(key)
    return key


def fields(record: Record) -> Iterator[tuple[str, str | None]]:
    yield "title", "{" + escape(record.title) + "}" if record.title else None
    yield "author", _names(record.authors)
    yield "editor", _names(record.editors)
    if record.kind in {"chapter", "book"}:
        yield "booktitle", escape(record.book_title or "") or None
    elif record.kind == "conference":
        yield "booktitle", escape(record.journal or "") or None
    else:
        yield "journal", escape(record.journal or "") or None
    yield "shortjournal", escape(record.journal_abbrev or "") or None
    yield "year", str(record.year) if record.year else None
    yield "month", MONTHS[record.month - 1] if record.month else None
    if record.year and record.month and record.day:
        yield "date", f"{record.year:04d}-{record.month:02d}-{record.day:02d}"
    yield "medlinedate", escape(record.date_text or "") or None
    yield "volume", record.volume
    yield "number", record.issue
    yield "pages", record.pages.replace("-", "--") if record.pages else None
    yield "eid", record.article_number if not record.pages else None
    yield "doi", record.doi
    yield "pmid", record.pmid
    yield "pmcid", record.pmcid
    yield "issn", record.issn_print
    yield "eissn", record.issn_electronic
    yield "isbn", record.isbn
    yield "publisher", escape(record.publisher or "") or None
    yield "address", escape(record.place or "") or None
    yield "edition", record.edition
    yield "url", record.url
    # paragraphs (an abstract's sections) apart by a blank line, as LaTeX writes paragraphs
    paragraphs = [escape(p) for p in (record.abstract or "").split("\n") if p.strip()]
    yield "abstract", "\n\n  ".join(paragraphs) or None
    # biblatex separates keywords with commas; a keyword holding one ('image processing,
    # biomarkers') is kept whole by separating with semicolons, which the reader then splits on
    separator = "; " if any("," in k for k in record.keywords) else ", "
    yield "keywords", escape(separator.join(record.keywords)) or None
    yield "language", ", ".join(record.languages) or None
    yield "origtitle", escape(record.vernacular_title or "") or None
    yield "pubstate", record.publication_status
    yield "pubtype", escape(LIST_SEPARATOR.join(record.publication_types)) or None
    yield "mesh", escape(LIST_SEPARATOR.join(mesh_text(h) for h in record.mesh)) or None
    yield "corrections", escape(LIST_SEPARATOR.join(correction_text(c) for c in record.corrections)) or None
    yield "source", record.source_db


@exporter("bibtex", suffix=".bib", cannot_hold={
    "abstract_sections": "abstract section categories",
    "initials": "initials that differ from the given name's (BibTeX names are 'Family, Given')",
})
def write_bibtex(records: Iterable[Record], out: TextIO) -> int:
    used: set[str] = set()
    count = 0
    for record in records:
        entry_type = TYPES.get(record.kind, "article")
        out.write(f"@{entry_type}{{{cite_key(record, used)},\n")
        for name, value in fields(record):
            if value:
                out.write(f"  {name} = {{{value}}},\n")
        out.write("}\n\n")
        count += 1
    return count
