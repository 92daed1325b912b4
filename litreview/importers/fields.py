"""Field parsers shared by the importers: names, years, pages."""

from __future__ import annotations

import re

from litreview.records import Author, initials_of

_YEAR = re.compile(r"(1[5-9]\d\d|20\d\d)")
_INITIALS_ONLY = re.compile(r"^(?:[A-Z]\.?\s*-?){1,4}$")


def parse_name(text: str) -> Author:
    """'Cappellini, Maria Domenica', 'Cappellini MD', 'Cappellini, M. D.' or a group name."""
    text = " ".join(text.split()).strip(" ;")
    if "," in text:
        family, _, given = text.partition(",")
        given = given.strip()
        if _INITIALS_ONLY.match(given.replace(" ", "")):
            return Author(family=family.strip(), initials=re.sub(r"[^A-Z]", "", given) or None)
        return Author(family=family.strip(), given=given or None, initials=initials_of(given))
    parts = text.split(" ")
    if len(parts) >= 2 and _INITIALS_ONLY.match(parts[-1]) and parts[-1].isupper():
        return Author(family=" ".join(parts[:-1]), initials=parts[-1].replace(".", ""))
    if len(parts) >= 4 or not any(p[:1].isupper() for p in parts):
        return Author(collective=text)
    if len(parts) == 1:
        return Author(family=text)
    return Author(family=parts[-1], given=" ".join(parts[:-1]), initials=initials_of(" ".join(parts[:-1])))


def parse_year(text: str | None) -> int | None:
    if not text:
        return None
    found = _YEAR.search(text)
    return int(found.group(1)) if found else None


def join_pages(start: str | None, end: str | None) -> str | None:
    start, end = (start or "").strip(), (end or "").strip()
    if start and end and end != start:
        return f"{start}-{end}"
    return start or end or None
