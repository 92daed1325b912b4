"""Names, months, seasons and years as bibliographic sources write them: one place for each.

Importers, exporters and the CSL mapping read and write the same things (a month as 'Jan',
'January', '1' or 'jan'; a season; a four-digit year inside free text); the tables and patterns
live here so that every format agrees on them.
"""

from __future__ import annotations

import re

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
"""MEDLINE's month abbreviations (nbib DP, PubMed XML Month)."""

_MONTHS = {name.lower(): number for number, name in enumerate(MONTH_NAMES, 1)}
_MONTHS.update({"sept": 9, "june": 6, "july": 7})

SEASONS = {"spring": 1, "summer": 2, "fall": 3, "autumn": 3, "winter": 4}
"""CSL's season numbers (1-4) for the season names MEDLINE and others use."""
SEASON_NAMES = {1: "Spring", 2: "Summer", 3: "Fall", 4: "Winter"}

YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
"""A publication year inside free text ('2010 Winter', 'Published 1998 Dec')."""


def month_number(text: str | int | None) -> int | None:
    """1-12 for 'Jan', 'january', 'SEPT', '9', '09', 9; None for anything else."""
    if text is None:
        return None
    value = str(text).strip().rstrip(".").lower()
    if value.isdigit():
        number = int(value)
        return number if 1 <= number <= 12 else None
    return _MONTHS.get(value) or _MONTHS.get(value[:3]) if len(value) >= 3 and value.isalpha() else None


def year_in(text: str | None) -> int | None:
    """The first plausible publication year in the text, or None."""
    found = YEAR.search(text or "")
    return int(found.group(1)) if found else None


def expand_pages(pages: str) -> str:
    """'137-43' -> '137-143'; 'S12-5' -> 'S12-S15'; anything else as it was."""
    found = re.fullmatch(r"([A-Za-z]*)(\d+)\s*[-\u2013]\s*([A-Za-z]*)(\d+)", pages.strip())
    if not found:
        return pages
    prefix, start, end_prefix, end = found.groups()
    if end_prefix and end_prefix != prefix:
        return pages
    if len(end) < len(start):
        end = start[: len(start) - len(end)] + end
    return f"{prefix}{start}-{prefix}{end}"
