"""Normalise: each record's citation fields -> a Sig, what dedup compares, computed once a run.

Every field has its normaliser here, with the patterns it uses defined just before it: titles
(notes a database appends, footnote markers, section labels, subtitles), names, pages (spreadsheet
dates, ranges, article numbers), volumes and issues, and the marks that make a record a notice,
a preprint or a conference abstract.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any

from litreview import parallel
from litreview.names import MONTH_WORD, YEAR, YEAR_DIGITS, month_number, without_folded_suffix
from litreview.records import clean_text, fold, normalise_doi
from litreview.store import dedup as store

PARALLEL_RECORDS = 20_000
"""Records to normalise from which the work is shared across cores: below, forking costs more
than it saves."""


@dataclass(slots=True)
class Sig:
    """What dedup compares of one record, normalised once."""

    id: int
    key: str
    source_db: str
    title: str
    title_numbers: tuple[str, ...]
    families: list[str]
    first_tokens: frozenset[str]
    year: int | None
    doi: str | None
    pmid: str | None
    volume: str | None
    issue: str | None
    page: str | None
    last_page: str | None
    page_starts: frozenset[str]
    venue: str
    notice: bool
    preprint: bool
    conference: bool
    completeness: int
    is_pubmed: bool
    recurring: bool = False
    main_title: str = ""
    unlabelled_title: str = ""
    supplement: str | None = None
    article_number: bool = False
    group_author: bool = False

    def __reduce__(self) -> tuple[type[Sig], tuple[Any, ...]]:
        """Pickled as its field values, as signatures made in a child process come back: half
        the time of a slotted dataclass's default pickling."""
        return Sig, _sig_values(self)


_sig_values = attrgetter(*(f.name for f in fields(Sig)))


NOTICE = re.compile(
    r"^(erratum|errata|corrigendum|corrigenda|correction|retraction|retracted|withdrawn|notice of "
    r"retraction|expression of concern|comment on|comments on|commentary on|reply|response to|"
    r"in reply|author reply|authors reply|re:)\b")


NOTICE_TAIL = re.compile(r"[-\u2013\u2014:.]\s*(?:(?:the )?authors?'?s?\s+)?(?:reply|response)\.?\s*$", re.I)
"""'Title of the article - Reply': Web of Science writes a reply under the article's title."""


NOTICE_TYPES = {"published erratum", "retraction of publication", "comment", "expression of concern",
                "retraction notice", "erratum", "correction"}


PREPRINT_VENUES = ("biorxiv", "medrxiv", "arxiv", "ssrn", "research square", "preprints", "chemrxiv",
                   "psyarxiv", "osf preprints", "socarxiv")


PREPRINT_DOI = ("10.1101/", "10.21203/", "10.2139/", "10.48550/", "10.31234/", "10.20944/", "10.26434/")


CONFERENCE = re.compile(r"\b(conference|congress|symposium|workshop|meeting|abstracts?|poster|"
                        r"proceedings(?! of the (national academy|royal society)))\b")


ABSTRACT_PAGE = re.compile(r"^\s*[AaSs]\d+")


GENERIC_TITLES = {"", "unknown", "untitled", "editorial", "introduction", "book review", "book reviews",
                  "letter", "letter to the editor", "commentary", "reply", "preface", "foreword", "errata"}


TITLE_NOTE = re.compile(
    r"\s*(?:<ORIGINAL>.*|\.?\s*\[(?:erratum|errata|comment|retraction|retracted|update|updated|"
    r"corrected|republished|expression of concern|summary for patients)\w* (?:appears |in|on|of|for|and)"
    r"\b.*)$", re.I | re.S)
"""What a database appends to a title: MEDLINE's '.[Erratum appears in ...]', '[Comment in ...]',
and the original-language title after '<ORIGINAL>'. The record is still the article itself."""


INTERVIEW_NOTE = re.compile(r"(?<=[.?!])\s*Interview by [A-Z].*$")
"""MEDLINE titles an interview 'Title? Interview by Jane Doe.'; other databases give the title alone."""


REVIEW_NOTE = re.compile(r"\s*\[review\]\.?\s*(?:\[\d+ refs?\]\.?\s*)?$", re.I)
"""Ovid MEDLINE marks a review in its title: 'Title. [Review] [31 refs]'."""


def without_title_notes(title: str) -> str:
    """The title without the notes a database appends (TITLE_NOTE, REVIEW_NOTE, INTERVIEW_NOTE).
    Each regex runs only on titles holding the mark it starts with: scanning every title for them
    cost a tenth of dedup's time on 100,000 records."""
    if "[" in title or "<" in title:
        title = TITLE_NOTE.sub("", title)
        if "]" in title:
            title = REVIEW_NOTE.sub("", title)
    if "Interview by " in title:
        title = INTERVIEW_NOTE.sub("", title)
    return title


LANGUAGE_NOTE = re.compile(
    r"\s*[\[(](?:article in |in )?(?:english|french|german|spanish|italian|japanese|chinese|russian|"
    r"portuguese|dutch|polish|czech|turkish|korean|hungarian|danish|swedish|norwegian|hebrew|"
    r"author's transl)[^\])]*[\])]\.?\s*$", re.I)


BRACKETED = re.compile(r"^\[(.*)\]\.?$")


NUMBERED_WORDS = {"type", "phase", "part", "stage", "grade", "class", "wave", "study", "trial", "step",
                  "level", "round", "volume", "issue", "chapter", "section", "version", "group", "covid",
                  "report", "paper", "no", "number", "vol", "experiment", "table", "figure", "day", "year"}


_LAST_WORD_ONE = re.compile(rf"(\d{{4}}s|[a-z]+) ?1(?: 2)?$|(?<!\d)\b({YEAR_DIGITS})1(?: 2)?$")


def strip_footnote(folded: str) -> str:
    """Drop a footnote marker '1' (or '1,2') glued to or after the last word ('Contexts1',
    'CONTEXTS 1', 'Review1, 2', 'in the 1990s1') or glued to a closing year ('2000-20141'), as
    titles read from PDFs and Crossref carry; 'type 1', 'phases 1, 2' and the like keep their
    numbers."""
    if not folded.endswith(("1", "1 2")):  # most titles; the search below scans the whole title
        return folded
    found = _LAST_WORD_ONE.search(folded)
    if not found:
        return folded
    if found.group(2):
        return folded[: found.end(2)]
    word, double = found.group(1), found.group(0).endswith(" 2")
    if word in NUMBERED_WORDS or (double and word[:-1] in NUMBERED_WORDS) or len(word) <= 2:
        return folded
    return folded[: found.end(1)]


def title_key(title: str | None, venue: str = "") -> str:
    """Folded title without spaces: markup, accents, case, punctuation, brackets and appended
    database notes gone."""
    text = clean_text(without_title_notes(title or "")) or ""
    if "[" in text or "(" in text:
        text = LANGUAGE_NOTE.sub("", text)
        text = BRACKETED.sub(r"\1", text)
    folded = strip_footnote(fold(text))
    if folded in GENERIC_TITLES or (venue and folded.startswith(venue) and len(folded) < len(venue) + 30):
        return ""
    return folded.replace(" ", "")


ROMAN_PART = re.compile(r"\b(?:part|phase|stage|type|grade|class|volume|chapter|section|study|"
                        r"experiment|trial|wave) ((?:x|ix|iv|v?i{1,3}|v)\b)")


ROMAN_NUMERALS = frozenset(("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"))


def roman_part_numbers(folded_title: str) -> tuple[str, ...]:
    """'part ii', 'phase iii', 'type i' in a folded title: numbers written as Roman numerals, which
    title_key cannot tell from letters once the spaces are gone."""
    if ROMAN_NUMERALS.isdisjoint(folded_title.split()):  # most titles: no need to scan
        return ()
    return tuple(ROMAN_PART.findall(folded_title))


DIGITS = re.compile(r"\d+")


PART_OF = re.compile(r"part|addend|supplement|reply|respons|rejoinder|continu|errat|correct|comment"
                     r"|\bi{1,3}\b|[0-9]")
"""Words that make a longer title a different piece than the title it contains (Part II, an
addendum, a reply), so containment is not taken as the same title."""


SUBTITLE = re.compile(r"\s*(?::|\s[-\u2013\u2014]\s)\s*")


def main_title_key(title: str | None, venue: str, key: str) -> str:
    """title_key of the title before its subtitle ('Infrastructure in the wild: what mapping ...'
    -> 'infrastructureinthewild'); empty when there is no subtitle or the main title is too short
    to identify anything (three words at least)."""
    text = title or ""
    if "[" in text or "<" in text:
        text = TITLE_NOTE.sub("", text)
    parts = SUBTITLE.split(text, maxsplit=1)
    if len(parts) < 2 or len(fold(parts[0]).split()) < 3:
        return ""
    main = title_key(parts[0], venue)
    return main if main != key else ""


def unlabelled_title_key(title: str | None, key: str) -> str:
    """The title key after a section label that DBLP writes in front of the title ('Invited
    Article - ', 'SIM Paper Competition - ', 'SIM 1989 Jury Award Paper - '); empty when there is
    no such label. A head of more than five words is a main title, not a label, and a head that
    names another piece (a reply, a part, an erratum) is kept."""
    text = title or ""
    found = SUBTITLE.search(text, 0, 80)  # a label of five words ends well before this
    if not found or len(text[: found.start()].split()) > 5:
        return ""
    head = fold(text[: found.start()])
    label = YEAR.sub("", head)
    if not label.strip() or PART_OF.search(label.replace(" ", "")):
        return ""
    head_key = head.replace(" ", "")
    # the key folds character by character, so the rest of the title is the rest of its key
    tail = key[len(head_key):] if key.startswith(head_key) else ""
    return tail if len(tail) >= 20 else ""


def name_tokens(family: str | None, given: str | None) -> frozenset[str]:
    words = fold(f"{family or ''} {given or ''}").split()
    return frozenset(w for w in words if len(w) >= 2)


def family_key(family: str | None) -> str:
    """Folded family name without spaces or a generational suffix ('Sprague Jr.' is 'sprague')."""
    return without_folded_suffix(fold(family)).replace(" ", "")


SPREADSHEET_DATE = re.compile(r"^\s*(?:(\d{1,2})-([A-Za-z]{3})|([A-Za-z]{3})-(\d{1,2}))\s*$")


GARBLED_PAGES = re.compile(r"^\s*[A-Za-z]+\.?\s*[-\u2013]\s*\d+\s*$")
"""A range whose first page became letters: 'Suppl-58' for 'S55-S58' (a spreadsheet's or a
database's mangling), 't-6' for '411-416'. Such a field says nothing about the pages."""


def usable_pages(pages: str | None) -> str | None:
    """Pages a spreadsheet turned into a date are read back ('21-Apr' was 4-21, '01-Jun' was 1-6);
    None for any other page field with a month in it, and for a garbled range (GARBLED_PAGES)."""
    if not pages:
        return None
    if not MONTH_WORD.search(pages):
        garbled = pages.lstrip()[:1].isalpha() and GARBLED_PAGES.match(pages)
        return None if garbled else pages
    found = SPREADSHEET_DATE.match(pages)
    month = month_number(found.group(2) or found.group(3)) if found else None
    if found is None or month is None:
        return None
    day = int(found.group(1) or found.group(4))
    return f"{min(day, month)}-{max(day, month)}"


def first_page(pages: str | None) -> str | None:
    """Digits of the first page: 'S33' -> '33', 'viii108' -> '108', 'e0123' -> '123'."""
    found = DIGITS.search(usable_pages(pages) or "")
    return found.group(0).lstrip("0") or None if found else None


RANGE_STARTS = re.compile(r"(?:^|[,;+&]\s*)[A-Za-z]*0*(\d+)")


def page_starts(pages: str | None) -> frozenset[str]:
    """Every range start in '233-8+230-5, 246-51' (reprints list several ranges)."""
    starts = RANGE_STARTS.findall(usable_pages(pages) or "")
    return frozenset(starts)


PAGE_RANGE = re.compile(r"\s*[A-Za-z]*(\d+)\s*[-\u2013]+\s*[A-Za-z]*(\d+)")


def last_page(pages: str | None) -> str | None:
    """'482-91' -> '491': the end page written in full."""
    found = PAGE_RANGE.match(usable_pages(pages) or "")
    if not found:
        return None
    start, end = found.groups()
    return start[: max(len(start) - len(end), 0)] + end


LEADING_NUMBER = re.compile(r"\s*(\d+)")


def leading_number(value: str | None) -> str | None:
    found = LEADING_NUMBER.match(value or "")
    return found.group(1).lstrip("0") or "0" if found else None


ARTICLE_NUMBER = re.compile(r"^\s*(?:(?i:art(?:icle|\.)?\s*(?:no\.?|nr\.?|number)?)\s*:?\s*[eE]?\d+"
                            r"|[eE]\d{3,}|a\d{3,}|\d{6,})\s*$")


def is_article_number(pages: str | None) -> bool:
    """An electronic article number in the pages field ('e20431', 'a2210', '104567', or named as
    one: Ovid Embase writes 'Article 171' for Frontiers in Psychiatry 4:171, others 'Art. no.
    20431', 'Article Number: e0154321'): another numbering than printed pages, so it says nothing
    against a printed range ('1-9', '512-515'). An upper-case 'A4912' is a page of a meeting's
    abstracts (Am J Respir Crit Care Med), which does tell an abstract from the article it became."""
    return bool(pages) and ARTICLE_NUMBER.match(pages or "") is not None


def volume_number(value: str | None, year: int | None) -> str | None:
    """The volume, or None when the field holds the year ('2016', '2015-April'): some databases
    put the year where the volume goes, which says nothing about the volume. None too for the
    remains of a supplement number ('1)' from '52(Suppl 1)'): a malformed field counts as missing."""
    if value and value.rstrip().endswith(")") and "(" not in value:
        return None
    number = leading_number(value)
    return None if number and year and number == str(year) else number


SUPPLEMENT = re.compile(r"\bsuppl\w*\.?\s*(\d+)", re.I)


def supplement_number(issue: str | None, volume: str | None) -> str | None:
    """'1' for issue 'SUPPL. 1' (or volume '52 Suppl 1'): another export of the same abstract may
    hold it as its volume ('volume 1')."""
    for value in (issue, volume):
        if value and "uppl" in value.lower():
            found = SUPPLEMENT.search(value)
            if found:
                return found.group(1).lstrip("0") or "0"
    return None


GROUP_AUTHOR = re.compile(r"\b(?:group|groups|investigators?|consortium|collaborat\w*|committee|network|"
                          r"society|association|council|task force|writing|working party|study|trial)\b")


def is_group_author(author: dict[str, Any]) -> bool:
    """A group as author ('The XYZ Trial Study Group'), not a person."""
    if author.get("collective"):
        return True
    family = author.get("family") or ""
    return " " in family.strip() and GROUP_AUTHOR.search(fold(family)) is not None


def comparable_doi(value: str | None) -> str | None:
    """The DOI as dedup compares it: bare and lower-case whatever case its source wrote it in
    (DOIs are case-insensitive; the record keeps the source's case)."""
    doi = normalise_doi(value)
    return doi.lower() if doi else None


def signature(row: dict[str, Any]) -> Sig:
    """One row of store.rows_to_compare, normalised. Its JSON columns are decoded here, by the
    store's decoder, so that a child process decodes its own slice and the decoded author lists
    of a whole library are never held at once."""
    venue = fold(row["journal"] or row["book_title"] or "")
    authors = store.decoded_list(row["authors"])
    families = [family_key(a.get("family") or a.get("collective")) for a in authors]
    first = authors[0] if authors else {}
    tokens = name_tokens(first.get("family") or first.get("collective"), first.get("given"))
    title = title_key(row["title"], venue)
    folded_title = fold(row["title"])
    numbers = (() if title.isalpha() else tuple(DIGITS.findall(title))) + roman_part_numbers(folded_title)
    types = {t.lower() for t in store.decoded_list(row["publication_types"])}
    doi = comparable_doi(row["doi"])
    return Sig(
        id=row["id"], key=row["source_key"], source_db=row["source_db"], title=title, title_numbers=numbers,
        families=[f for f in families if f], first_tokens=tokens, year=row["year"], doi=doi,
        pmid=row["pmid"], volume=volume_number(row["volume"], row["year"]),
        issue=leading_number(row["issue"]),
        page=first_page(row["pages"]),
        last_page=last_page(row["pages"]), page_starts=page_starts(row["pages"]),
        venue=venue,
        notice=bool(NOTICE.match(folded_title)) or bool(types & NOTICE_TYPES)
        or bool(NOTICE_TAIL.search(row["title"] or "")),
        preprint=any(p in venue for p in PREPRINT_VENUES)
        or bool(not venue and doi and doi.startswith(PREPRINT_DOI)),
        conference=row["kind"] == "conference" or bool(CONFERENCE.search(venue))
        or "suppl" in fold(f"{row['issue'] or ''} {row['volume'] or ''}")
        or bool(ABSTRACT_PAGE.match(row["pages"] or "")),
        completeness=sum(1 for k in ("doi", "abstract", "pages", "volume", "issue", "journal", "pmid")
                         if row[k]) + (1 if authors else 0),
        is_pubmed=row["source_db"] == "PubMed",
        main_title=main_title_key(row["title"], venue, title),
        unlabelled_title=unlabelled_title_key(row["title"], title),
        supplement=supplement_number(row["issue"], row["volume"]),
        article_number=is_article_number(row["pages"]),
        group_author=bool(authors) and is_group_author(first),
    )


def signatures(rows: list[dict[str, Any]]) -> dict[int, Sig]:
    """Signatures of all records; a title that records of three or more different years or
    volumes share (a column such as "Editor's Comments") is marked recurring. Issue numbers are not
    counted: they are too often miskeyed, and one copy with a wrong year is not a third issue."""
    processes = parallel.usable_cores() if len(rows) >= PARALLEL_RECORDS else 1
    sigs = {sig.id: sig for part in parallel.map_slices(_signatures_of, rows, processes) for sig in part}
    years: dict[str, set[int]] = defaultdict(set)
    volumes: dict[str, set[str]] = defaultdict(set)
    for sig in sigs.values():
        if sig.title:
            if sig.year:
                years[sig.title].add(sig.year)
            if sig.volume:
                volumes[sig.title].add(sig.volume)
    for sig in sigs.values():
        sig.recurring = len(years.get(sig.title, ())) >= 3 or len(volumes.get(sig.title, ())) >= 3
    numbering = sources_numbering_records_as_issues(sigs.values())
    for sig in sigs.values():
        if sig.source_db in numbering:
            sig.issue = None
    return sigs


def _signatures_of(rows: Sequence[dict[str, Any]]) -> list[Sig]:
    return [signature(row) for row in rows]


def sources_numbering_records_as_issues(sigs: Iterable[Sig]) -> set[str]:
    """Sources whose issue field holds a different number on nearly every record (fifty records at
    least): an EndNote library that wrote its record numbers there. Real issue numbers repeat across
    the articles of a library; those numbers say nothing about the issue, so they are dropped."""
    issues: dict[str, list[str]] = defaultdict(list)
    for sig in sigs:
        if sig.issue:
            issues[sig.source_db].append(sig.issue)
    return {source for source, values in issues.items()
            if len(values) >= 50 and len(set(values)) > 0.9 * len(values)}
