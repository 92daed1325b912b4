"""Record text as safe HTML: escaped first, then keywords marked, as the terminal screener marks them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape

from litreview.records import Record

PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/{}/"
PMC_URL = "https://www.ncbi.nlm.nih.gov/pmc/articles/{}/"
DOI_URL = "https://doi.org/{}"


@lru_cache(maxsize=32)
def _pattern(include: tuple[str, ...],
             exclude: tuple[str, ...]) -> tuple[re.Pattern[str] | None, frozenset[str]]:
    """One pattern for all keywords, longest first; a word starting with a keyword matches it
    ('haemat' marks 'haematopoiesis'), as in screener.highlight."""
    words = sorted({w.lower() for w in include + exclude if w.strip()}, key=len, reverse=True)
    if not words:
        return None, frozenset()
    alternatives = "|".join(re.escape(w) for w in words)
    return re.compile(rf"\b(?:{alternatives})\w*", re.I), frozenset(w.lower() for w in exclude)


def marked(text: str | None, include: list[str], exclude: list[str]) -> Markup:
    """Escaped text with include words in <mark class="inc"> and exclude words in <mark class="exc">."""
    if not text:
        return Markup("")
    pattern, excluded = _pattern(tuple(include), tuple(exclude))
    if pattern is None:
        return escape(text)
    parts: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        word = match.group(0)
        kind = "exc" if any(word.lower().startswith(w) for w in excluded) else "inc"
        parts.append(str(escape(text[last:match.start()])))
        parts.append(f'<mark class="{kind}">{escape(word)}</mark>')
        last = match.end()
    parts.append(str(escape(text[last:])))
    return Markup("".join(parts))


@dataclass
class Link:
    label: str
    url: str


def links(record: Record) -> list[Link]:
    """Where to read the record: PubMed, PMC, the DOI, the source's own URL (http(s) only)."""
    found = []
    if record.pmid and record.pmid.isdigit():
        found.append(Link(f"PubMed {record.pmid}", PUBMED_URL.format(record.pmid)))
    if record.pmcid and re.fullmatch(r"PMC\d+", record.pmcid):
        found.append(Link(record.pmcid, PMC_URL.format(record.pmcid)))
    if record.doi:
        found.append(Link(f"doi:{record.doi}", DOI_URL.format(record.doi)))
    if record.url and record.url.startswith(("https://", "http://")) and not record.doi:
        found.append(Link("source", record.url))
    return found


def venue(record: Record) -> str:
    """'Journal. 2021;12(3):45-67' in the short form a reader expects."""
    name = record.journal or record.book_title or record.publisher or ""
    issue = f"({record.issue})" if record.issue else ""
    where = f"{record.volume or ''}{issue}"
    pages = f":{record.pages}" if record.pages else ""
    date = str(record.year or "")
    tail = ";".join(x for x in (date, where + pages) if x)
    return ". ".join(x for x in (name, tail) if x)


COMPARED_FIELDS = ("title", "authors", "journal", "year", "volume", "issue", "pages", "doi", "pmid",
                   "kind", "source_db", "abstract")


def comparable(record: Record) -> dict[str, str]:
    """The fields a person compares to tell duplicates apart, as text."""
    values = {name: getattr(record, name) for name in COMPARED_FIELDS}
    values["authors"] = record.authors_short()
    values["abstract"] = record.abstract or " ".join(
        f"{a.label}: {a.text}" if a.label else a.text for a in record.abstract_sections) or None
    return {k: "" if v is None else str(v) for k, v in values.items()}


def differing(a: dict[str, str], b: dict[str, str]) -> set[str]:
    """Fields whose values differ once case, spacing and punctuation are set aside."""
    def fold(value: str) -> str:
        return re.sub(r"[\W_]+", "", value.lower())
    return {k for k in a if fold(a[k]) != fold(b.get(k, ""))}


@dataclass
class Retraction:
    """What the Screen page's banner says: the terminal screener's words, and the notice(s)."""

    message: str
    notices: list[Link]


def retraction(copies: list[Record]) -> Retraction:
    """The banner for a study PubMed marks as retracted; `copies` are its records so marked.
    Each RetractionIn link becomes a notice: its citation, linked to PubMed when it has a PMID."""
    from litreview.screening.screener import RETRACTED_BANNER

    notices: list[Link] = []
    for copy in copies:
        for link in copy.corrections:
            if link.type != "RetractionIn":
                continue
            label = link.ref or (f"PMID {link.pmid}" if link.pmid else "retraction notice")
            url = PUBMED_URL.format(link.pmid) if link.pmid and link.pmid.isdigit() else ""
            if all(n.label != label for n in notices):
                notices.append(Link(label, url))
    return Retraction(RETRACTED_BANNER, notices)


def duration(minutes: float | None) -> str:
    """'about 3 h 20 min', 'about 12 min', 'under a minute' (a forecast, so rounded), '' for None."""
    if minutes is None:
        return ""
    if minutes < 1:
        return "under a minute"
    whole = round(minutes)
    if whole < 60:
        return f"about {whole} min"
    hours, rest = divmod(round(minutes / 5) * 5, 60)
    return f"about {hours} h {rest} min" if rest else f"about {hours} h"
