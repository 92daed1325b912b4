"""The Record dataclass every importer produces, and the pure field normalisers.

A Record is what one source said about one publication. Parsers fill it; `normalise()`
cleans it once; the store keeps it. Lists of structured values (authors, MeSH, ...)
are dataclasses here and JSON in the database.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import unquote


@dataclass
class Author:
    family: str | None = None
    given: str | None = None
    initials: str | None = None
    collective: str | None = None
    orcid: str | None = None
    affiliations: list[str] = field(default_factory=list)
    suffix: str | None = None
    """'Jr', 'Sr', 'III', '2nd': a generational suffix, kept apart from the family name."""

    def short(self) -> str:
        """'Family Initials Suffix' as PubMed and Vancouver write it, or the group name."""
        if self.collective:
            return self.collective
        parts = (self.family, self.initials or initials_of(self.given), self.suffix)
        return " ".join(p for p in parts if p)


@dataclass
class AbstractSection:
    text: str
    label: str | None = None
    category: str | None = None


@dataclass
class MeshHeading:
    descriptor: str
    major: bool = False
    ui: str | None = None
    qualifiers: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Correction:
    """A PubMed comment/correction link: ErratumIn, RetractionIn, CommentIn, ..."""

    type: str
    ref: str | None = None
    pmid: str | None = None


@dataclass
class Record:
    title: str = ""
    pmid: str | None = None
    doi: str | None = None
    pmcid: str | None = None
    vernacular_title: str | None = None
    abstract: str | None = None
    abstract_sections: list[AbstractSection] = field(default_factory=list)
    authors: list[Author] = field(default_factory=list)
    journal: str | None = None
    journal_abbrev: str | None = None
    issn_print: str | None = None
    issn_electronic: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    article_number: str | None = None
    year: int | None = None
    month: int | None = None
    day: int | None = None
    date_text: str | None = None
    languages: list[str] = field(default_factory=list)
    publication_types: list[str] = field(default_factory=list)
    mesh: list[MeshHeading] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    publication_status: str | None = None
    kind: str = "article"
    book_title: str | None = None
    publisher: str | None = None
    place: str | None = None
    isbn: str | None = None
    edition: str | None = None
    editors: list[Author] = field(default_factory=list)
    url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    source_db: str | None = None
    source_key: str | None = None
    id: int | None = None
    run_id: int | None = None
    added_at: str | None = None
    is_new: bool = True
    canonical_id: int | None = None

    def authors_short(self) -> str:
        """Authors as 'Family Initials; ...' (the export and display form)."""
        return "; ".join(a.short() for a in self.authors if a.short())

    def to_row(self) -> dict[str, Any]:
        """Plain dict with nested dataclasses as lists/dicts (JSON-ready).

        Shallow on purpose (dataclasses.asdict deep-copies, and was a third of storing time).
        """
        row = dict(vars(self))
        for name in ("authors", "editors", "abstract_sections", "mesh", "corrections"):
            row[name] = [dict(vars(item)) for item in row[name]]
        return row

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Record:
        """Build a Record from a dict such as to_row() or a database row gives."""
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in row.items() if k in known}
        data["authors"] = [Author(**a) for a in data.get("authors") or []]
        data["editors"] = [Author(**a) for a in data.get("editors") or []]
        data["abstract_sections"] = [AbstractSection(**s) for s in data.get("abstract_sections") or []]
        data["mesh"] = [MeshHeading(**m) for m in data.get("mesh") or []]
        data["corrections"] = [Correction(**c) for c in data.get("corrections") or []]
        for name in ("languages", "publication_types", "keywords"):
            data[name] = list(data.get(name) or [])
        data["extra"] = dict(data.get("extra") or {})
        if "is_new" in data:
            data["is_new"] = bool(data["is_new"])
        return cls(**data)


STORE_FIELDS = ("id", "run_id", "added_at", "is_new", "canonical_id")
"""Filled by the store, not by parsers."""

LIST_FIELDS = (
    "abstract_sections", "authors", "languages", "publication_types", "mesh",
    "keywords", "corrections", "editors",
)
DICT_FIELDS = ("extra",)

_NAME_PARTS = re.compile(r"[\s.\-]+")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_NOT_DIGIT = re.compile(r"\D")
_TAG = re.compile(
    r"</?(?:i|b|u|s|em|strong|sup|sub|sc|small|span|p|br|div|a|font|italic|bold|underline|inf"
    r"|smallcaps|scp|mml:[a-z]+|math|mi|mo|mn|mrow|msup|msub|msubsup|mfrac|msqrt|mtext|mover|munder"
    r"|mstyle|mspace|jats:[a-z-]+)"
    r"(?:\s+[\w:.-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s<>\"']+))*\s*/?>", re.I)
"""Inline markup in titles and abstracts (HTML, JATS, MathML): known tag names, attributes with
values. 'When A<B and C>D' is text, not a tag <B and C>: it was stripped to 'When AD'."""
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*|DOI:?\s*)", re.I)
_DOI_SHAPE = re.compile(r"^10\.\d{4,9}/\S+$")


def clean_text(value: str | None) -> str | None:
    """Strip markup (<i>, <sup>, entities), fold whitespace; None for empty."""
    if value is None:
        return None
    if value.isprintable() and "<" not in value and "&" not in value and "  " not in value:
        return value.strip() or None
    text = _TAG.sub("", value) if "<" in value else value
    if "&" in text:
        text = html.unescape(text)
    text = " ".join(text.split())  # the same characters as re's \s, three times faster
    return text or None


def clean_paragraphs(value: str | None) -> str | None:
    """clean_text for each line, keeping line breaks (abstract sections stay one per line)."""
    if value is None:
        return None
    if "\n" not in value:
        return clean_text(value)
    lines = [line for line in (clean_text(part) for part in value.split("\n")) if line]
    return "\n".join(lines) or None


def clean_doi(value: str | None) -> str | None:
    """A bare DOI in the case the source gave it ('10.1109/EMBC.2015.7318381'), or None if it is
    not a DOI. Trailing punctuation picked up with it ('.../16085/', '.../15273)' with no opening
    bracket) is dropped. DOIs are case-insensitive: compare them with `normalise_doi`."""
    if not value:
        return None
    doi = _DOI_PREFIX.sub("", value.strip()).strip().rstrip("./,;")
    while doi.endswith(")") and doi.count(")") > doi.count("("):
        doi = doi[:-1].rstrip("./,;")
    if "%" in doi:
        doi = unquote(doi)
    return doi if _DOI_SHAPE.match(doi) else None


def normalise_doi(value: str | None) -> str | None:
    """A bare lower-case DOI ('10.1007/s00586-009-1206-3'), or None if it is not a DOI: the
    form for comparing (DOIs are case-insensitive), never for storing (see `clean_doi`)."""
    doi = clean_doi(value)
    return doi.lower() if doi else None


_PII = re.compile(r"S?\d{4}-?\d{3}[\dXx]\(\d{2}\)\d{4,5}-?[\dXx]|S\d{15}[\dXx]|[\dXx]{17}")


def is_pii(value: str | None) -> bool:
    """A publisher item identifier ('S0019-0578(13)00159-6', 'S0140673613600000'), which PubMed
    gives as an ELocationID like an article number but which is neither a page nor a number a
    reference prints."""
    return bool(value) and bool(_PII.fullmatch(str(value).strip()))


def normalise_pmid(value: str | int | None) -> str | None:
    """Digits of a PMID ('PMID: 123' -> '123'), or None."""
    if value is None:
        return None
    text = str(value).strip()
    digits = text if text.isdigit() else _NOT_DIGIT.sub("", text)
    return digits.lstrip("0") or None if digits else None


def initials_of(given: str | None) -> str | None:
    """'Maria Domenica' -> 'MD'; 'J.-P.' -> 'JP'."""
    if not given:
        return None
    parts = given.split() if "." not in given and "-" not in given else _NAME_PARTS.split(given)
    letters = "".join(p[0] for p in parts if p and p[0].isalpha())
    return letters.upper() or None


_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", " "))
"""Dashes and the minus sign separate words as '-' does ('2000\u20132014'); encoding to ASCII would
drop them and join the words."""


def fold(value: str | None) -> str:
    """Lower-case ASCII letters and digits only: for comparing, never for storing."""
    if not value:
        return ""
    if value.isascii():  # nothing to decompose: most titles, names and journals
        ascii_only = value.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", value.translate(_DASHES))
        ascii_only = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return _NOT_ALNUM.sub(" ", ascii_only).strip()


ORIGINAL_MARK = "<ORIGINAL>"


def _split_original_title(record: Record) -> None:
    """'Definitive cardiac stimulation. ... <ORIGINAL> LA ESTIMULACION CARDIACA DEFINITIVA...':
    Ovid and EndNote put a MEDLINE record's original-language title behind this mark in the
    title. Stripped as markup, it joined the two titles into one."""
    title, _, original = record.title.partition(ORIGINAL_MARK)
    record.title = title
    if original.strip() and not record.vernacular_title:
        record.vernacular_title = original


def normalise(record: Record) -> Record:
    """Clean a parsed record once, in place, and return it."""
    if record.title and ORIGINAL_MARK in record.title:
        _split_original_title(record)
    record.title = clean_text(record.title) or ""
    record.abstract = clean_paragraphs(record.abstract)
    record.doi = clean_doi(record.doi)
    record.pmid = normalise_pmid(record.pmid)
    if is_pii(record.article_number):
        record.extra.setdefault("pii", record.article_number)
        record.article_number = None
    if is_pii(record.pages):  # an article in press whose pages a source filled with its PII
        record.extra.setdefault("pii", str(record.pages).strip())
        record.pages = None
    for name in ("journal", "journal_abbrev", "volume", "issue", "pages", "vernacular_title",
                 "publisher", "place", "book_title"):
        setattr(record, name, clean_text(getattr(record, name)))
    for author in (*record.authors, *record.editors):
        if not author.initials and author.given:
            author.initials = initials_of(author.given)
    return record


RETRACTED_TYPE = "Retracted Publication"


def is_retracted(record: Record) -> bool:
    """A record PubMed marks as retracted (its publication type, or a RetractionIn link)."""
    return RETRACTED_TYPE in record.publication_types or any(
        c.type == "RetractionIn" for c in record.corrections)
