"""What the terminal screener shows: a record as text, with the review's keywords marked.

Pure functions: the CLI prints what these return and reads the keys.
"""

from __future__ import annotations

import re
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from litreview.records import Record, is_retracted

RETRACTED_BANNER = "RETRACTED: PubMed marks this record as retracted"

KEYS = {"i": "include", "e": "exclude", "m": "maybe"}
HELP = "[i]nclude  [e]xclude  [m]aybe  [s]kip  [u]ndo  [n]ote  [q]uit"
_FIELD_TAG = re.compile(r"\[[a-z]+\]|\b(AND|OR|NOT)\b|[()\"*]")


def search_words(queries_dir: Path) -> list[str]:
    """Text words of the saved searches' terms (field tags and operators dropped)."""
    words: set[str] = set()
    for path in sorted(queries_dir.glob("*.toml")) if queries_dir.is_dir() else []:
        try:
            term = tomllib.loads(path.read_text(encoding="utf-8")).get("term", "")
        except (tomllib.TOMLDecodeError, OSError):
            continue
        for word in _FIELD_TAG.sub(" ", term).split():
            if len(word) > 3 and not word.startswith("["):
                words.add(word.lower())
    return sorted(words)


def highlight(text: str, include: list[str], exclude: list[str], style: bool = True) -> str:
    """Mark include words green and exclude words red (or *word* / !word! without colour)."""
    for words, colour, mark in ((exclude, "\x1b[1;31m", "!"), (include, "\x1b[1;32m", "*")):
        for word in sorted(words, key=len, reverse=True):
            pattern = re.compile(rf"\b({re.escape(word)}\w*)", re.I)
            before, after = (colour, "\x1b[0m") if style else (mark, mark)
            text = pattern.sub(_marker(before, after), text)
    return text


def _marker(before: str, after: str) -> Callable[[re.Match[str]], str]:
    return lambda found: f"{before}{found.group(1)}{after}"


def render(record: Record, include: list[str], exclude: list[str], position: str,
           earlier: list[str], width: int = 100, style: bool = True,
           notes: list[str] | None = None) -> str:
    """The record as the screener shows it; `notes` are the reviewer's own notes on the study."""
    ident = " ".join(x for x in (f"PMID {record.pmid}" if record.pmid else "",
                                 f"doi:{record.doi}" if record.doi else "") if x)
    lines = [position, "", highlight(record.title or "(no title)", include, exclude, style), "",
             textwrap.shorten(record.authors_short() or "(no authors)", width),
             " ".join(str(x) for x in (record.journal or record.book_title or "", record.year or "") if x),
             f"record {record.id}  {ident}", ""]
    if record.abstract_sections:
        for section in record.abstract_sections:
            label = f"{section.label}: " if section.label else ""
            lines += textwrap.wrap(label + section.text, width) + [""]
    elif record.abstract:
        lines += textwrap.wrap(record.abstract, width) + [""]
    else:
        lines += ["(no abstract)", ""]
    lines = [highlight(line, include, exclude, style) if i > 3 else line for i, line in enumerate(lines)]
    for note in earlier:
        lines.append(f"Earlier decision on a merged duplicate: {note}")
    for note in notes or []:
        lines += textwrap.wrap(f"Your note: {note}", width)
    if is_retracted(record):
        lines.insert(1, ("\x1b[1;31m" if style else "") + RETRACTED_BANNER + ("\x1b[0m" if style else ""))
    lines.append(HELP)
    return "\n".join(lines)
