"""Names, months, seasons, years, numeric dates, name suffixes and database names as
bibliographic sources write them: one place for each.

Importers, exporters and the CSL mapping read and write the same things (a month as 'Jan',
'January', '1' or 'jan'; a season; a four-digit year inside free text; a person's name as
'Smith, John', 'Smith JA' or 'Sprague Jr., Ralph H.'; a group author; an EBSCO database code); the
tables, patterns and readers live here so that every format agrees on them (and dedup's normaliser
and pasted reference lists with them), and no importer reaches into another's module for them.
"""

from __future__ import annotations

import re

from litreview.records import Author

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
"""MEDLINE's month abbreviations (nbib DP, PubMed XML Month)."""

_MONTHS = {name.lower(): number for number, name in enumerate(MONTH_NAMES, 1)}
_MONTHS.update({"sept": 9, "june": 6, "july": 7})

MONTH_WORD = re.compile("|".join(MONTH_NAMES), re.I)
"""A month's abbreviation anywhere in the text ('21-Apr', 'June', 'DEC'): a field that should hold
numbers (pages) but holds a month was turned into a date by a spreadsheet."""

SEASONS = {"spring": 1, "summer": 2, "fall": 3, "autumn": 3, "winter": 4}
"""CSL's season numbers (1-4) for the season names MEDLINE and others use."""
SEASON_NAMES = {1: "Spring", 2: "Summer", 3: "Fall", 4: "Winter"}

YEAR_DIGITS = r"(?:1[5-9]\d\d|20\d\d)"
"""The four digits of a plausible publication year (1500-2099), for patterns that read a year in
context (a reference's '2006;37:12', a footnote '1' glued to '2014')."""
YEAR = re.compile(rf"\b({YEAR_DIGITS})\b")
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


_NUMERIC_DATE = re.compile(r"\s*(\d{4})(?:[/-](\d{1,2}))?(?:[/-](\d{1,2}))?")


def numeric_date(text: str | None) -> tuple[int, int | None, int | None] | None:
    """Year, month and day from the start of a date written in numbers: RIS's '2010/05/01/',
    '2018//', ISO's '2010-05-01', '2010-05'. A month outside 1-12 is no month, and a day is read
    only with a month (and within 1-31); None when the text does not start with a year."""
    found = _NUMERIC_DATE.match(text or "")
    if not found:
        return None
    month = int(found.group(2)) if found.group(2) and 1 <= int(found.group(2)) <= 12 else None
    day = int(found.group(3)) if month and found.group(3) and 1 <= int(found.group(3)) <= 31 else None
    return int(found.group(1)), month, day


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


# -- people's names ---------------------------------------------------------------------------

SUFFIXES = ("Jr", "Sr", "II", "III", "IV", "2nd", "3rd", "4th")
"""Generational suffixes of a name, as sources write them (with or without a period)."""
NAME_SUFFIX = re.compile(rf"(?:{'|'.join(SUFFIXES)})\.?")
NAME_SUFFIX_ANY_CASE = re.compile(NAME_SUFFIX.pattern, re.I)
"""BibTeX's 'jr' part and Scopus's swapped 'C.M., JR.' come in any case."""
_SUFFIX_ENDINGS = tuple(f"{suffix}{dot}" for suffix in SUFFIXES for dot in ("", "."))
_FOLDED_SUFFIX_ENDINGS = tuple(f" {suffix.lower()}" for suffix in SUFFIXES)
_FOLDED_SUFFIXES = re.compile(rf"(?: (?:{'|'.join(s.lower() for s in SUFFIXES)}))+$")


def without_folded_suffix(folded: str) -> str:
    """A folded name (records.fold: lower case, no punctuation) without its trailing generational
    suffixes: 'sprague jr' -> 'sprague', 'dengah 2nd' -> 'dengah'."""
    if not folded.endswith(_FOLDED_SUFFIX_ENDINGS):  # a cheap first test: most names have none
        return folded
    return _FOLDED_SUFFIXES.sub("", folded)


def split_suffix(words: list[str], initials_follow: bool = True) -> tuple[list[str], str | None]:
    """The words of a name before a trailing generational suffix ('Ward GW Jr', 'Johnson JA 3rd',
    'Sprague Jr.'), and the suffix without its dot. Where initials may follow the family name,
    'II', 'III' and 'IV' right after it are initials ('Buynevich IV' is Ilya V.), so they are a
    suffix only after a third word; not so before the comma of 'Hunter III, S. David'."""
    if len(words) > 1 and NAME_SUFFIX.fullmatch(words[-1]):
        suffix = words[-1].rstrip(".")
        if len(words) > 2 or not suffix.startswith("I") or not initials_follow:
            return words[:-1], suffix
    return words, None


GROUP_WORDS = re.compile(r"\b(group|consortium|collaborat\w*|committee|investigators|society|"
                         r"association|network|team|trial|study|council|organi[sz]ation|"
                         r"working party|panel|task force|"
                         r"inc|ltd|llc|gmbh|plc|corp|corporation|pharmaceuticals?|laboratories|"
                         r"university|institute|foundation|ministry|agency|department|hospital)\b")
"""Words that make an author a group: a team, or an organisation ('Alexion Pharmaceuticals, Inc'
is not Inc Alexion Pharmaceuticals; 'European Medicines Agency' is not E. M. Agency)."""


def is_group_name(name: str) -> bool:
    """The name is a group's or an organisation's (GROUP_WORDS), not a person's."""
    return bool(GROUP_WORDS.search(name.lower()))


_INITIALS = re.compile(r"(?:[A-Z]\.?\s*){1,4}")
_DOTTED_INITIALS = re.compile(r"(?:[A-Z]\.-?){1,4}")


def parse_name(value: str, groups_without_comma: bool = False) -> Author:
    """A person's (or a group's) name as RIS, CSV, Web of Science and EndNote XML write it.
    `groups_without_comma`: the record writes people as 'Family, Given' (Zotero, EndNote,
    litreview), so a name without a comma is a group's."""
    value = value.strip()
    if value.endswith(",") and "," not in value[:-1] and value[:-1].strip():  # 'Basappa,': one name
        return Author(family=value[:-1].strip())
    value = value.rstrip(",")
    if is_group_name(value) or (groups_without_comma and "," not in value and " " in value):
        return Author(collective=value)
    family, comma, given = value.partition(",")
    if comma:
        author = _family_comma_given(family, given)
    else:
        words, suffix = split_suffix(value.split())  # 'Ward GW Jr', 'Sprague Jr.'
        if suffix and len(words) == 1:
            return Author(family=words[0], suffix=suffix)
        author = _name_words(words, value)
        author.suffix = suffix if author.family else None
    return author


def _family_comma_given(family: str, given: str) -> Author:
    """'Smith, John', 'Smith, J.A.', 'Smith, John, Jr.', 'Sprague Jr., Ralph H.', 'Sprague, Jr.,
    Ralph H.' (BibTeX's order), 'Dengah, H. J. François 2nd'."""
    family, suffix = family.strip(), None
    if family.endswith(_SUFFIX_ENDINGS):  # a cheap first test: most names have no suffix
        family_words, suffix = split_suffix(family.split(), initials_follow=False)
        family = " ".join(family_words)
    given = given.strip()
    if "," in given:
        raw = [part.strip() for part in given.split(",")]
        parts = [part for part in raw if part]
        if len(raw) == 2 and not raw[0] and raw[1] and not suffix:  # 'Middle, , Suf': no first name
            parts, suffix = [], raw[1].rstrip(".")
        if len(parts) > 1 and NAME_SUFFIX.fullmatch(parts[0]) and not suffix:  # 'Sprague, Jr., Ralph H.'
            suffix = parts.pop(0).rstrip(".")
        given = parts[0] if parts else ""
        if not suffix and len(parts) > 1 and (NAME_SUFFIX.fullmatch(parts[-1]) or len(parts) == 2):
            suffix = parts[-1].rstrip(".")  # RIS: 'Last, First, Suffix'
    if given.endswith(_SUFFIX_ENDINGS):
        given_words, given_suffix = split_suffix(given.split())
        given, suffix = " ".join(given_words), suffix or given_suffix
    if given.isupper() and _INITIALS.fullmatch(given):  # isupper: a cheap first test
        return Author(family=family, initials=given.replace(".", "").replace(" ", ""), suffix=suffix)
    return Author(family=family, given=given or None, suffix=suffix)




def _capitals(word: str) -> bool:
    """Initials as PubMed writes them: 'JA', 'LÅ', 'ÜSN'."""
    return len(word) <= 4 and word.isalpha() and word.isupper()


def _name_words(words: list[str], value: str) -> Author:
    if len(words) >= 2 and _capitals(words[-1]):  # PubMed style 'Smith JA', 'Batel Marques F'
        return Author(family=" ".join(words[:-1]), initials=words[-1])
    if len(words) > 1 and _DOTTED_INITIALS.fullmatch(words[-1]):  # Embase 'Van der Berg J.-P.'
        return Author(family=" ".join(words[:-1]), initials=words[-1].replace(".", ""))
    if len(words) > 1 and not any(w.isupper() and len(w) > 4 for w in words):
        return Author(family=words[-1], given=" ".join(words[:-1]))
    return Author(collective=value)


# -- databases --------------------------------------------------------------------------------

# EBSCO writes its database codes in DB; the common ones get their usual names.
EBSCO_DB = {
    "psyh": "PsycINFO", "ecn": "EconLit", "egh": "Environment Index", "8gh": "GreenFILE",
    "cmedm": "MEDLINE", "mdc": "MEDLINE", "rzh": "CINAHL", "c8h": "CINAHL", "eric": "ERIC",
    "a9h": "Academic Search Complete", "bth": "Business Source Complete",
}

def database_name(raw: str | None) -> str | None:
    """A database name for PRISMA counts from what a DB/DP tag says."""
    if not raw:
        return None
    text = raw.strip()
    low = text.lower()
    if low in EBSCO_DB:
        return EBSCO_DB[low]
    if "ovid" in low or "<" in low:
        for needle, name in (("medline", "MEDLINE"), ("embase", "Embase"),
                             ("psycinfo", "PsycINFO"), ("central", "CENTRAL"),
                             ("cochrane", "CENTRAL"), ("ebm reviews", "CENTRAL")):
            if needle in low:
                return name
    if low in {"ebscohost", "nlm"}:
        return None  # a platform, not a database
    return text
