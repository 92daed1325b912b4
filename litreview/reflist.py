"""Reference lists as people paste them, read into citations that PubMed can be asked about.

Reviewers copy the reference list of a key review from its PubMed page or from the PDF: one
reference a line or blank-line separated, numbered ("1.", "[1]", "1)") or not, in Vancouver/NLM
style ("Taher A, Ismaeel H. Title. Blood Cells Mol Dis. 2006;37:12-20. doi: ...") or APA ("Taher,
A., & Ismaeel, H. (2006). Title. Journal, 37(1), 12-20."). A whole PubMed page may be pasted: only
the part under its "References" heading is read. The reader is deliberately forgiving about what it
cannot place (a book, a web page): such a line still yields its title words and year for a title
search, and a line with no year and no identifier is reported as not a reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from litreview.names import YEAR, YEAR_DIGITS

PUBMED_PAGE_SECTIONS = {
    "mesh terms", "substances", "related information", "linkout - more resources", "grants and funding",
    "full text sources", "similar articles", "cited by", "publication types", "supplementary concepts",
    "comment in", "erratum in", "figures", "associated data", "conflict of interest statement",
}
"""Headings that end the reference list when a whole PubMed page is pasted."""

_NUMBERING = re.compile(r"^\s*(?:\[\d{1,4}\]|\(\d{1,4}\)|\d{1,4}[.)]|\d{1,4}\s)\s*")
_LINK_TAIL = re.compile(r"(?:\s+-\s+(?:PMC|DOI|PubMed|Google Scholar|Free PMC article|Free article))+\s*$",
                        re.I)
_PMID = re.compile(r"\bPMID:?\s*(\d{1,9})\b", re.I)
_DOI = re.compile(r"\b(?:doi:?\s*|https?://(?:dx\.)?doi\.org/)(10\.\d{4,9}/\S+)", re.I)
_VANCOUVER_SOURCE = re.compile(
    rf"(?P<year>{YEAR_DIGITS})[^;:.]{{0,20}};\s*(?P<volume>[A-Za-z]?\d+[A-Za-z]?)?\s*"
    r"(?:\((?P<issue>[^)]*)\))?\s*(?::\s*(?P<pages>[A-Za-z]?\d+[A-Za-z]?(?:\s*[-–—]\s*[A-Za-z]?\d+[A-Za-z]?)?))?")
_APA_YEAR = re.compile(rf"\((?P<year>{YEAR_DIGITS})[a-z]?(?:,[^)]*)?\)\.?")
_APA_SOURCE = re.compile(
    r",\s*(?P<volume>\d+)\s*(?:\((?P<issue>[^)]*)\))?\s*,\s*(?P<pages>[A-Za-z]?\d+(?:\s*[-–—]\s*[A-Za-z]?\d+)?)")


@dataclass
class Citation:
    """One pasted reference and what could be read from it."""

    number: int
    text: str
    first_author: str = ""
    title: str = ""
    journal: str = ""
    year: str = ""
    volume: str = ""
    first_page: str = ""
    doi: str | None = None
    pmid: str | None = None

    @property
    def is_reference(self) -> bool:
        return bool(self.pmid or self.doi or (self.year and (self.title or self.journal)))


def reference_lines(text: str) -> list[str]:
    """The references in pasted text, one string each, numbering and link tails removed."""
    lines = _reference_section(text.splitlines())
    blocks = _blocks(lines)
    references = []
    for block in blocks:
        for entry in _entries(block):
            cleaned = _LINK_TAIL.sub("", _NUMBERING.sub("", entry, count=1)).strip()
            if cleaned:
                references.append(cleaned)
    return references


def _reference_section(lines: list[str]) -> list[str]:
    """Lines under a 'References' heading up to the next PubMed page section, else all lines."""
    headings = [i for i, line in enumerate(lines) if line.strip().lower() == "references"]
    if not headings:
        return lines
    section = []
    for line in lines[headings[-1] + 1 :]:
        if line.strip().lower() in PUBMED_PAGE_SECTIONS:
            break
        section.append(line)
    return section


def _blocks(lines: list[str]) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line.strip())
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _entries(block: list[str]) -> list[str]:
    """A block whose lines are each numbered or each a whole reference is one reference a line;
    otherwise the block is one reference wrapped over several lines."""
    if len(block) == 1:
        return block
    numbered = sum(bool(_NUMBERING.match(line)) for line in block)
    if numbered == len(block) or (not numbered and all(_looks_whole(line) for line in block)):
        return block
    if numbered:
        entries: list[str] = []
        for line in block:
            if _NUMBERING.match(line) or not entries:
                entries.append(line)
            else:
                entries[-1] += " " + line
        return entries
    return [" ".join(block)]


def _looks_whole(line: str) -> bool:
    """A line that starts like an author list and has a year outside any DOI or URL."""
    bare = re.sub(r"\S*(?:10\.\d{4,9}/|https?://)\S*", "", line)
    return bool(re.match(r"[A-Z][\w'’-]+,?\s", line)) and bool(YEAR.search(bare))


def parse_reference(number: int, text: str) -> Citation:
    """Read one reference: identifiers first, then APA's '(Year).' or Vancouver's 'Year;Vol:Page'."""
    citation = Citation(number, text)
    if found := _PMID.search(text):
        citation.pmid = found.group(1)
    if found := _DOI.search(text):
        citation.doi = found.group(1).rstrip(".,;")
    body = _DOI.sub("", _PMID.sub("", text)).strip()
    if (apa := _APA_YEAR.search(body)) and apa.start() < len(body) // 2 + 20:
        _read_apa(citation, body, apa)
    else:
        _read_vancouver(citation, body)
    if not citation.year and (year := YEAR.search(body)):
        citation.year = year.group(0)
    return citation


def _read_vancouver(citation: Citation, body: str) -> None:
    source = _VANCOUVER_SOURCE.search(body)
    head = body[: source.start()] if source else body
    parts = _sentences(head)
    if parts:
        citation.first_author = _family_name(parts[0])
    if source:
        citation.year = source.group("year")
        citation.volume = source.group("volume") or ""
        citation.first_page = _first_page(source.group("pages"))
        if len(parts) >= 3:
            citation.journal = parts[-1]
            citation.title = ". ".join(parts[1:-1])
        elif len(parts) == 2:
            citation.title = parts[1]
    elif len(parts) >= 2:
        citation.title = parts[1]


def _read_apa(citation: Citation, body: str, year: re.Match[str]) -> None:
    citation.year = year.group("year")
    citation.first_author = _family_name(body[: year.start()])
    rest = body[year.end() :].strip()
    parts = _sentences(rest)
    if parts:
        citation.title = parts[0]
    if len(parts) >= 2:
        tail = ". ".join(parts[1:])
        if source := _APA_SOURCE.search(tail):
            citation.journal = tail[: source.start()].strip()
            citation.volume = source.group("volume")
            citation.first_page = _first_page(source.group("pages"))
        else:
            citation.journal = tail.split(",")[0].strip()


def _sentences(text: str) -> list[str]:
    """Split at '. ' but not after an initial ('Cappellini MD.' ends authors; 'J. Smith' does not
    end a title) nor inside 'et al.'."""
    parts = [p.strip() for p in re.split(r"(?<!\bet al)(?<=[.?!])\s+(?=[A-Z0-9\[(\"'])", text) if p.strip()]
    return [p.rstrip(".").strip() for p in parts]


def _family_name(authors: str) -> str:
    first = re.split(r",|;|&| and ", authors.strip(), maxsplit=1)[0].strip()
    words = first.split()
    if len(words) >= 2 and re.fullmatch(r"[A-Z]{1,3}\.?", words[-1]):
        words = words[:-1]
    return " ".join(words).strip(" .")


def _first_page(pages: str | None) -> str:
    if not pages:
        return ""
    return re.split(r"\s*[-–—]\s*", pages.strip())[0]


def read_references(text: str) -> list[Citation]:
    return [parse_reference(i, line) for i, line in enumerate(reference_lines(text), start=1)]
