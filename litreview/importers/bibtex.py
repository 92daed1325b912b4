"""BibTeX (Scopus, Google Scholar, Zotero, JabRef exports) through bibtexparser v2.

bibtexparser does the grammar, LaTeX decoding (pylatexenc) and name splitting; failed blocks are
reported with their line, never skipped silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import bibtexparser
from bibtexparser import middlewares as m
from bibtexparser.library import Library
from bibtexparser.model import DuplicateFieldKeyBlock, Entry, ParsingFailedBlock

from litreview.errors import ParseError
from litreview.importers import ReadOptions, importer, read_text
from litreview.importers.fields import parse_name, parse_year
from litreview.records import Author, Record, normalise_pmid

KINDS = {"article": "article", "book": "book", "inbook": "chapter", "incollection": "chapter",
         "inproceedings": "conference", "conference": "conference", "phdthesis": "thesis",
         "mastersthesis": "thesis", "techreport": "report", "misc": "article", "online": "webpage"}
SOURCE_FIELDS = ("source",)


def sniff(head: str) -> bool:
    return re.search(r"^\s*@[A-Za-z]+\s*[{(]", head, re.M) is not None


def parse_library(text: str, file: str) -> list[Entry]:
    """Entries in file order; a repeated field (Scopus repeats funding_details) keeps its first value."""
    parsed = bibtexparser.parse_string(text)
    blocks = []
    for block in parsed.blocks:
        if isinstance(block, DuplicateFieldKeyBlock):
            blocks.append(block.ignore_error_block)
        elif isinstance(block, ParsingFailedBlock):
            line = getattr(block, "start_line", None)
            raise ParseError(f"malformed BibTeX entry ({type(block).__name__}); expected "
                             "@type{key, field = {value}, ...}", file=file,
                             line=(line + 1) if line is not None else None)
        else:
            blocks.append(block)
    library = Library(blocks)
    for middleware in (m.LatexDecodingMiddleware(), m.SeparateCoAuthors(), m.SplitNameParts()):
        library = middleware.transform(library)
    return list(library.entries)


def _text(entry: Entry, *keys: str) -> str | None:
    for key in keys:
        field = entry.fields_dict.get(key) or entry.fields_dict.get(key.upper())
        if field is not None and field.value not in (None, ""):
            value = field.value
            if isinstance(value, list):
                continue
            return " ".join(str(value).replace("{", "").replace("}", "").split())
    return None


def _names(entry: Entry, key: str) -> list[Author]:
    field = entry.fields_dict.get(key)
    if field is None:
        return []
    authors = []
    for name in field.value if isinstance(field.value, list) else [field.value]:
        if hasattr(name, "last"):
            family = " ".join([*name.von, *name.last]).replace("{", "").replace("}", "")
            given = " ".join(name.first).replace("{", "").replace("}", "")
            authors.append(parse_name(f"{family}, {given}") if given else Author(
                family=family) if len(name.last) < 4 else Author(collective=family))
        else:
            authors.append(parse_name(str(name)))
    return authors


def to_record(entry: Entry, options: ReadOptions) -> Record:
    kind = KINDS.get(entry.entry_type.lower(), "article")
    record = Record(title=_text(entry, "title") or "", kind=kind)
    record.authors = _names(entry, "author")
    record.editors = _names(entry, "editor")
    container = _text(entry, "journal", "journaltitle", "booktitle")
    if kind == "chapter":
        record.book_title = container
    else:
        record.journal = container
    record.journal_abbrev = _text(entry, "abbrev_source_title", "shortjournal")
    record.year = parse_year(_text(entry, "year", "date"))
    record.volume, record.issue = _text(entry, "volume"), _text(entry, "number", "issue")
    pages = _text(entry, "pages")
    record.pages = pages.replace("--", "-") if pages else None
    record.article_number = _text(entry, "art_number", "eid")
    record.doi = _text(entry, "doi")
    record.pmid = normalise_pmid(_text(entry, "pmid", "pubmed_id"))
    record.abstract = _text(entry, "abstract")
    keywords = _text(entry, "keywords", "author_keywords") or ""
    record.keywords = [k.strip() for k in re.split(r"[;,]", keywords) if k.strip()]
    record.languages = [x for x in [_text(entry, "language")] if x]
    record.publisher, record.place = _text(entry, "publisher"), _text(entry, "address")
    record.isbn, record.issn_print = _text(entry, "isbn"), _text(entry, "issn")
    record.url = _text(entry, "url")
    record.source_db = options.source or _text(entry, *SOURCE_FIELDS)
    record.source_key = entry.key
    return record


@importer("bibtex", suffixes=(".bib", ".bibtex"), sniff=sniff)
def read_bibtex(path: Path, options: ReadOptions) -> Iterator[Record]:
    text = read_text(path)
    for number, entry in enumerate(parse_library(text, str(path)), start=1):
        record = to_record(entry, options)
        record.extra["location"] = f"entry {number} ({entry.key})"
        yield record
