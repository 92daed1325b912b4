"""Deduplication: normalise -> block -> score -> cluster -> merge.

A duplicate is the same bibliographic record however its citation was written. The rules are
meant to be read by a librarian; each returns a decision and the reason it is stored with:

* Identifiers decide first: the same PMID is the same article; two different PMIDs or two
  different DOIs are different articles (Cochrane review versions differ in their .pubN DOI).
  The same DOI is strong but not proof: conference supplements share one DOI, so the titles
  must agree too.
* Without a shared identifier, titles must be near-identical (after folding case, accents,
  punctuation, markup and translation brackets), first authors compatible, years within one
  (ahead-of-print vs issue), and nothing that tells them apart: different pages or volumes in the
  same year, incompatible venues, a conference abstract against an article.
* Errata, comments, replies and retraction notices are never merged with the article they concern,
  nor preprints with their published version: such pairs are linked as related.
* A pair that is close but not clear goes to the review queue instead of being decided.

Clusters are merged transitively only when no two members of the joined clusters conflict.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from functools import partial
from itertools import combinations
from operator import attrgetter, itemgetter
from typing import Any

import orjson
from rapidfuzz import fuzz

from litreview import parallel
from litreview.errors import LitreviewError
from litreview.records import clean_text, fold, normalise_doi
from litreview.store import Library
from litreview.store import dedup as store

MAX_BLOCK = 120
PARALLEL_PAIRS = 100_000
PARALLEL_RECORDS = 20_000
"""Pairs to score, and records to normalise, from which the work is shared across cores: below,
forking costs more than it saves (a full run on 100,000 records scores about a million pairs)."""
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
GENERIC_TITLES = {"", "unknown", "untitled", "editorial", "introduction", "book review", "book reviews",
                  "letter", "letter to the editor", "commentary", "reply", "preface", "foreword", "errata"}
VENUE_STOP = {"the", "of", "and", "for", "in", "on", "a", "an", "de", "la", "le", "et", "und", "der"}


# -- normalise -------------------------------------------------------------------------------

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

    def __reduce__(self) -> tuple[type[Sig], tuple[Any, ...]]:
        """Pickled as its field values, as signatures made in a child process come back: half
        the time of a slotted dataclass's default pickling."""
        return Sig, _sig_values(self)


_sig_values = attrgetter(*(f.name for f in fields(Sig)))


LANGUAGE_NOTE = re.compile(
    r"\s*[\[(](?:article in |in )?(?:english|french|german|spanish|italian|japanese|chinese|russian|"
    r"portuguese|dutch|polish|czech|turkish|korean|hungarian|danish|swedish|norwegian|hebrew|"
    r"author's transl)[^\])]*[\])]\.?\s*$", re.I)


NUMBERED_WORDS = {"type", "phase", "part", "stage", "grade", "class", "wave", "study", "trial", "step",
                  "level", "round", "volume", "issue", "chapter", "section", "version", "group", "covid",
                  "report", "paper", "no", "number", "vol", "experiment", "table", "figure", "day", "year"}
_LAST_WORD_ONE = re.compile(r"(\d{4}s|[a-z]+) ?1(?: 2)?$|(?<!\d)\b((?:1[5-9]|20)\d\d)1(?: 2)?$")


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


TITLE_NOTE = re.compile(
    r"\s*(?:<ORIGINAL>.*|\.?\s*\[(?:erratum|errata|comment|retraction|retracted|update|updated|"
    r"corrected|republished|expression of concern|summary for patients)\w* (?:appears |in|on|of|for|and)"
    r"\b.*)$", re.I | re.S)
"""What a database appends to a title: MEDLINE's '.[Erratum appears in ...]', '[Comment in ...]',
and the original-language title after '<ORIGINAL>'. The record is still the article itself."""
INTERVIEW_NOTE = re.compile(r"(?<=[.?!])\s*Interview by [A-Z].*$")
"""MEDLINE titles an interview 'Title? Interview by Jane Doe.'; other databases give the title alone."""


ROMAN_PART = re.compile(r"\b(?:part|phase|stage|type|grade|class|volume|chapter|section|study|"
                        r"experiment|trial|wave) ((?:x|ix|iv|v?i{1,3}|v)\b)")


ROMAN_NUMERALS = frozenset(("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"))


def roman_part_numbers(folded_title: str) -> tuple[str, ...]:
    """'part ii', 'phase iii', 'type i' in a folded title: numbers written as Roman numerals, which
    title_key cannot tell from letters once the spaces are gone."""
    if ROMAN_NUMERALS.isdisjoint(folded_title.split()):  # most titles: no need to scan
        return ()
    return tuple(ROMAN_PART.findall(folded_title))


def without_title_notes(title: str) -> str:
    """The title without the notes a database appends (TITLE_NOTE, INTERVIEW_NOTE). Each regex
    runs only on titles holding the mark it starts with: scanning every title for them cost a
    tenth of dedup's time on 100,000 records."""
    if "[" in title or "<" in title:
        title = TITLE_NOTE.sub("", title)
    if "Interview by " in title:
        title = INTERVIEW_NOTE.sub("", title)
    return title


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


def name_tokens(family: str | None, given: str | None) -> frozenset[str]:
    words = fold(f"{family or ''} {given or ''}").split()
    return frozenset(w for w in words if len(w) >= 2)


NAME_SUFFIX = re.compile(r"(?: (?:jr|sr|ii|iii|iv))+$")
_SUFFIX_ENDINGS = (" jr", " sr", " ii", " iii", " iv")


def family_key(family: str | None) -> str:
    """Folded family name without spaces or a generational suffix ('Sprague Jr.' is 'sprague')."""
    folded = fold(family)
    if folded.endswith(_SUFFIX_ENDINGS):
        folded = NAME_SUFFIX.sub("", folded)
    return folded.replace(" ", "")


MONTHS = re.compile(r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", re.I)


MONTH_NUMBER = {m: n for n, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
                                            "oct", "nov", "dec"), start=1)}
SPREADSHEET_DATE = re.compile(r"^\s*(?:(\d{1,2})-([A-Za-z]{3})|([A-Za-z]{3})-(\d{1,2}))\s*$")


BRACKETED = re.compile(r"^\[(.*)\]\.?$")
DIGITS = re.compile(r"\d+")
RANGE_STARTS = re.compile(r"(?:^|[,;+&]\s*)[A-Za-z]*0*(\d+)")
PAGE_RANGE = re.compile(r"\s*[A-Za-z]*(\d+)\s*[-\u2013]+\s*[A-Za-z]*(\d+)")
LEADING_NUMBER = re.compile(r"\s*(\d+)")
ABSTRACT_PAGE = re.compile(r"^\s*[AaSs]\d+")


def usable_pages(pages: str | None) -> str | None:
    """Pages a spreadsheet turned into a date are read back ('21-Apr' was 4-21, '01-Jun' was 1-6);
    None for any other page field with a month in it."""
    if not pages or not MONTHS.search(pages):
        return pages or None
    found = SPREADSHEET_DATE.match(pages)
    month = MONTH_NUMBER.get((found.group(2) or found.group(3) or "").lower()) if found else None
    if month is None or found is None:
        return None
    day = int(found.group(1) or found.group(4))
    return f"{min(day, month)}-{max(day, month)}"


def first_page(pages: str | None) -> str | None:
    """Digits of the first page: 'S33' -> '33', 'viii108' -> '108', 'e0123' -> '123'."""
    found = DIGITS.search(usable_pages(pages) or "")
    return found.group(0).lstrip("0") or None if found else None


def page_starts(pages: str | None) -> frozenset[str]:
    """Every range start in '233-8+230-5, 246-51' (reprints list several ranges)."""
    starts = RANGE_STARTS.findall(usable_pages(pages) or "")
    return frozenset(starts)


def last_page(pages: str | None) -> str | None:
    """'482-91' -> '491': the end page written in full."""
    found = PAGE_RANGE.match(usable_pages(pages) or "")
    if not found:
        return None
    start, end = found.groups()
    return start[: max(len(start) - len(end), 0)] + end


def leading_number(value: str | None) -> str | None:
    found = LEADING_NUMBER.match(value or "")
    return found.group(1).lstrip("0") or "0" if found else None


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


LABEL_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


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
    label = LABEL_YEAR.sub("", head)
    if not label.strip() or PART_OF.search(label.replace(" ", "")):
        return ""
    head_key = head.replace(" ", "")
    # the key folds character by character, so the rest of the title is the rest of its key
    tail = key[len(head_key):] if key.startswith(head_key) else ""
    return tail if len(tail) >= 20 else ""


def volume_number(value: str | None, year: int | None) -> str | None:
    """The volume, or None when the field holds the year ('2016', '2015-April'): some databases
    put the year where the volume goes, which says nothing about the volume."""
    number = leading_number(value)
    return None if number and year and number == str(year) else number


def signature(row: dict[str, Any]) -> Sig:
    venue = fold(row["journal"] or row["book_title"] or "")
    authors = orjson.loads(row["authors"]) if row["authors"] else []
    families = [family_key(a.get("family") or a.get("collective")) for a in authors]
    first = authors[0] if authors else {}
    tokens = name_tokens(first.get("family") or first.get("collective"), first.get("given"))
    title = title_key(row["title"], venue)
    folded_title = fold(row["title"])
    numbers = (() if title.isalpha() else tuple(DIGITS.findall(title))) + roman_part_numbers(folded_title)
    types = {t.lower() for t in orjson.loads(row["publication_types"] or "[]")}
    doi = normalise_doi(row["doi"])
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
    )


# -- block -----------------------------------------------------------------------------------

def blocking_keys(sig: Sig) -> Iterator[str]:
    """Keys that true duplicates share with high probability; records meet only inside a block."""
    if sig.doi:
        yield "doi:" + sig.doi
    if sig.pmid:
        yield "pmid:" + sig.pmid
    if sig.title:
        yield "t<" + sig.title[:24]
        if len(sig.title) > 24:
            yield "t>" + sig.title[-24:]
    if sig.families and sig.year:
        yield f"a:{sig.families[0][:12]}:{sig.year}"
    if sig.families and sig.volume and sig.issue:  # records read from PDFs often lack the year
        yield f"avi:{sig.families[0][:12]}:{sig.volume}:{sig.issue}"
    if sig.families and sig.volume and not (sig.issue and sig.issue.isdigit()):
        yield f"av:{sig.families[0][:12]}:{sig.volume}"  # 'Special Issue', 'Suppl 2': often left out
    if sig.volume and sig.page and sig.year:
        yield f"v:{sig.year}:{sig.volume}:{sig.page}"


def candidate_pairs(sigs: dict[int, Sig], new_ids: set[int]) -> set[tuple[int, int]]:
    """Pairs that share a block and involve at least one new record; oversized blocks skipped."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for sig in sigs.values():
        for key in blocking_keys(sig):
            blocks[key].append(sig.id)
    found: set[tuple[int, int]] = set()
    for key, members in blocks.items():
        if len(members) < 2 or (len(members) > MAX_BLOCK and not key.startswith(("doi:", "pmid:"))):
            continue
        fresh = [m for m in members if m in new_ids]
        if len(fresh) == len(members):
            found.update(combinations(sorted(members), 2))
            continue
        for a in fresh:
            for b in members:
                if a != b:
                    found.add((min(a, b), max(a, b)))
    return found


# -- score -----------------------------------------------------------------------------------

def title_similarity(a: Sig, b: Sig) -> float | None:
    if not a.title or not b.title:
        return None
    if a.title == b.title:
        return 1.0
    shorter, longer = (a.title, b.title) if len(a.title) <= len(b.title) else (b.title, a.title)
    if len(shorter) >= 30 and shorter in longer and not PART_OF.search(longer.replace(shorter, " ")):
        return 0.95
    return fuzz.ratio(a.title, b.title) / 100


BYLINE_START = re.compile(r"^\d?(?:by)?")


def title_then_byline(a: Sig, b: Sig) -> bool:
    """'How Information Management Capability Influences Firm Performance 1 Sunil Mithas ...': a
    title read from a PDF runs on into its footnote marker and byline. The other record's title,
    then perhaps a '1' and 'By:', then a name of either record's first author."""
    shorter, longer = (a.title, b.title) if len(a.title) <= len(b.title) else (b.title, a.title)
    if len(shorter) < 30 or not longer.startswith(shorter):
        return False
    rest = BYLINE_START.sub("", longer[len(shorter):], count=1)
    names = {n for n in a.first_tokens | b.first_tokens | set(a.families[:1] + b.families[:1]) if len(n) >= 3}
    return any(rest.startswith(name) for name in names)


PART_OF = re.compile(r"part|addend|supplement|reply|respons|rejoinder|continu|errat|correct|comment"
                     r"|\bi{1,3}\b|[0-9]")
"""Words that make a longer title a different piece than the title it contains (Part II, an
addendum, a reply), so containment is not taken as the same title."""


def authors_compatible(a: Sig, b: Sig) -> bool | None:
    """None when either record has no authors."""
    if not a.first_tokens or not b.first_tokens:
        return None
    if a.first_tokens & b.first_tokens:
        return True
    if any(fuzz.ratio(x, y) >= 85 for x in a.first_tokens for y in b.first_tokens
           if len(x) >= 4 and len(y) >= 4):
        return True
    if a.families and b.families:
        x, y = a.families[0], b.families[0]
        if len(x) >= 4 and len(y) >= 4 and fuzz.ratio(x, y) >= 80:
            return True
        anchored = bool((a.year and a.year == b.year) or (a.volume and a.volume == b.volume))
        return anchored and _author_lists_overlap(a.families, b.families)
    return False


def same_author_list(a: Sig, b: Sig) -> bool:
    """The same authors in the same order (family names, within a letter or two each): DBLP's and
    Crossref's records of one article, whose titles were retyped ('Organizational Approach' and
    'Organized Approach')."""
    return bool(a.families and len(a.families) == len(b.families) and all(
        x == y or (len(x) >= 4 and fuzz.ratio(x, y) >= 85) for x, y in zip(a.families, b.families)))


def _author_lists_overlap(xs: list[str], ys: list[str]) -> bool:
    """The first author of one list is in the other, or the lists share two authors: an author
    dropped, or an affiliation read as an author, in front of the real first author (as text
    taken from PDFs has), or the same authors in another order. Only taken when the records also
    agree on the year or the volume."""
    shared = {f for f in xs if len(f) >= 3} & {f for f in ys if len(f) >= 3}
    return len(shared) >= 2 or xs[0] in shared or ys[0] in shared


def venues_compatible(a: Sig, b: Sig) -> bool | None:
    """'Eur Spine J' fits 'European spine journal'; None when a venue is missing."""
    if not a.venue or not b.venue:
        return None
    if a.venue == b.venue:
        return True
    wa = [w for w in a.venue.split() if w not in VENUE_STOP]
    wb = [w for w in b.venue.split() if w not in VENUE_STOP]
    # fewer words first; with as many words, the abbreviated (shorter) form first
    shorter, longer = sorted((wa, wb), key=lambda words: (len(words), sum(map(len, words))))
    if shorter and _prefix_subsequence(shorter, longer):
        return True
    if "".join(w[0] for w in longer) == "".join(shorter):
        return True
    if venue_named_by_acronym(a, b):
        return True
    return fuzz.token_set_ratio(a.venue, b.venue) >= 85


def venue_named_by_acronym(a: Sig, b: Sig) -> bool:
    """One venue starts with the acronym of the other's full name: 'ICIS: Transforming Society
    with Digital Innovation' is the International Conference on Information Systems under that
    year's theme. The acronym has three letters at least and the full name three words."""
    for x, y in ((a, b), (b, a)):
        words = [w for w in y.venue.split() if w not in VENUE_STOP]
        first = x.venue.split()[0] if x.venue else ""
        if len(first) >= 3 and len(words) >= 3 and first == "".join(w[0] for w in words):
            return True
    return False


def kinds_differ(a: Sig, b: Sig) -> bool:
    """A conference record and a journal article; a venue named by the acronym of a conference
    is that conference, whatever words follow the acronym."""
    return a.conference != b.conference and not venue_named_by_acronym(a, b)


def _prefix_subsequence(short: list[str], long: list[str]) -> bool:
    position = 0
    for word in short:
        while position < len(long) and not long[position].startswith(word):
            position += 1
        if position == len(long):
            return False
        position += 1
    return True


@dataclass
class Verdict:
    decision: str
    rule: str
    scores: dict[str, float] = field(default_factory=dict)


def hard_conflict(a: Sig, b: Sig) -> str | None:
    """Reasons two records can never be one, whatever else matches."""
    if a.pmid and b.pmid and a.pmid != b.pmid and not one_article_two_pmids(a, b):
        return "different PMIDs"
    if a.doi and b.doi and a.doi != b.doi and not one_article_two_dois(a, b):
        return "different DOIs"
    if a.notice != b.notice and not notice_under_article_title(a, b):
        return "a correction/comment/retraction notice and an article"
    if a.preprint != b.preprint:
        return "a preprint and a journal version"
    if a.year and b.year and abs(a.year - b.year) > 1 and not same_issue(a, b):
        return f"years differ by {abs(a.year - b.year)}"
    return None


def one_article_two_pmids(a: Sig, b: Sig) -> bool:
    """MEDLINE's own duplicate citations: one article indexed twice ('Psychedelic drugs.',
    Kieffer and Mortiz / Moritz, Pa Med 1968;71(4):57-67, two PMIDs). The same title and the same
    citation down to a range of several pages; an erratum, comment or reply has its own pages."""
    if not same_page_range(a, b) or a.title_numbers != b.title_numbers:
        return False
    similarity = title_similarity(a, b)
    return similarity is not None and similarity >= 0.97 and same_citation(a, b)


def one_article_two_dois(a: Sig, b: Sig) -> bool:
    """Two DOIs on records with the same title and the same citation, down to a range of several
    pages: one article registered twice (JSTOR's 10.2307/41410404 beside the publisher's
    10.25300/MISQ/2012/36.1.02, or a publisher's double registration .../16352 and .../16353).
    Versions of a Cochrane review and a supplement's abstracts never share a page range; a title
    that only contains the other ('Special Issue Introduction: ...') or has other numbers in it
    ('Part 1', 'Part 2') may be another item."""
    if not a.doi or not b.doi or not same_page_range(a, b) or a.title_numbers != b.title_numbers:
        return False
    similarity = title_similarity(a, b)
    return similarity is not None and similarity >= 0.97 and same_citation(a, b)


def notice_under_article_title(a: Sig, b: Sig) -> bool:
    """A notice and a record on the very same volume, issue, pages and year by the same first
    author: the second record is the notice itself, filed under the title of the article it
    corrects (Embase lists 'Erratum: Severe deficiency ...' also as 'Severe deficiency ...', both
    on page 616 of the erratum's issue). An article and a notice about it never share a page."""
    return bool(
        not a.conference and not b.conference
        and a.volume and a.issue and a.page and a.year
        and a.volume == b.volume and a.issue == b.issue and a.page == b.page and a.year == b.year
        and not (a.last_page and b.last_page and a.last_page != b.last_page)
        and authors_compatible(a, b)
    )


def same_issue(a: Sig, b: Sig) -> bool:
    """Both records place themselves in the same volume and issue of one journal: an issue comes
    out in one year, so a year that disagrees with it is miskeyed."""
    return bool(a.volume and a.issue and a.volume == b.volume and a.issue == b.issue
                and venues_compatible(a, b))


def compare(a: Sig, b: Sig) -> Verdict:
    """Duplicate, distinct, related or uncertain, with the rule that decided."""
    if a.pmid and a.pmid == b.pmid:
        return Verdict("duplicate", "same PMID", {"pmid": 1.0})
    ts = title_similarity(a, b)
    if ts is not None and ts < 0.97 and title_then_byline(a, b):
        ts = 0.97
    scores = {"title": round(ts, 3)} if ts is not None else {}
    conflict = hard_conflict(a, b)
    if conflict:
        related = ts is not None and ts >= 0.9 and (a.notice != b.notice or a.preprint != b.preprint)
        return Verdict("related" if related else "distinct", conflict, scores)
    if a.notice != b.notice:
        return Verdict("duplicate", "a notice and a record on the same volume, issue, pages and "
                       "year by the same author: the notice under the article's title", scores)
    if a.doi and a.doi == b.doi:
        return _same_doi(a, b, ts, scores)
    if a.doi and b.doi:  # two DOIs that hard_conflict let through: one_article_two_dois
        return Verdict("duplicate", "same title, journal, volume, pages, year and authors; "
                       "one article under two DOIs", scores)
    if same_citation(a, b):
        return Verdict("duplicate", "same journal, volume, first page, year and first author", scores)
    if ts is None:
        if untitled_same_team(a, b):
            return Verdict("duplicate", "no title on one side; the same authors in the same volume and "
                           "issue", scores)
        return Verdict("distinct", "no title to compare and no shared identifier", scores)
    if one_title_lacks_subtitle(a, b):
        return Verdict("duplicate", "same pages, year and authors; one title lacks its subtitle", scores)
    if title_behind_label(a, b):
        return Verdict("duplicate", "same volume, issue and authors; one title has a section label "
                       "in front ('Invited Article - ')", scores)
    if title_after_running_head(a, b):
        return Verdict("duplicate", "same volume, issue and authors; one title has a running head in "
                       "front", scores)
    if ts < 0.85:
        return Verdict("distinct", "titles differ", scores)
    if a.title_numbers and b.title_numbers and a.title_numbers != b.title_numbers:
        return Verdict("distinct", "titles differ in their numbers (part 1/2, type 1/2, case 7/8)", scores)
    return _by_citation(a, b, ts, scores)


def untitled_same_team(a: Sig, b: Sig) -> bool:
    """A record without a title (read from a PDF whose title was not found) and a record placed on
    its pages, by the same two or more authors in the same order, in the same volume and issue of
    one journal ('Applegate; King', MISQ 23(1)). One author alone is not enough: an editor writes
    several pieces an issue. An issue may be missing on one side ('Special Issue' against none).
    Should the team have two articles in that issue, the cluster step keeps those apart (their
    pages differ) and the untitled record joins one of them."""
    return bool(
        len(a.families) >= 2 and same_author_list(a, b)
        and a.volume and a.volume == b.volume and not (a.issue and b.issue and a.issue != b.issue)
        and venues_compatible(a, b) is not False
        and not (a.year and b.year and a.year != b.year)
        and placed_once(a, b))


def placed_once(a: Sig, b: Sig) -> bool:
    """One record has pages or a DOI and the other has neither: a citation database's record and
    one read from a PDF or typed by hand. Two records without either may be two PDFs under one
    running head; two with them are told apart by them."""
    return bool(a.page or a.doi) != bool(b.page or b.doi)


def same_page_range(a: Sig, b: Sig) -> bool:
    """The same first and last page of a range of several pages (a single page, such as one of
    many conference abstracts on it, identifies nothing)."""
    return bool(a.page and a.last_page and a.page == b.page and a.last_page == b.last_page
                and a.page != a.last_page)


def one_title_lacks_subtitle(a: Sig, b: Sig) -> bool:
    """'Infrastructure in the wild' and 'Infrastructure in the wild: what mapping in Nepal
    reveals', on the same pages in the same year by the same first author."""
    return bool(((a.main_title and a.main_title == b.title) or (b.main_title and b.main_title == a.title))
                and same_page_range(a, b) and a.year == b.year and authors_compatible(a, b)
                and venues_compatible(a, b) is not False)


def title_behind_label(a: Sig, b: Sig) -> bool:
    """'SIM Paper Competition - Managing the Merger: ...' and 'Managing the Merger: ...' in the same
    volume and issue of one journal, by the same first author, within a year. The title behind the
    label may carry a typo ('Decisin Support'), as a title compared on its own may."""
    return bool(
        a.volume and a.issue and a.volume == b.volume and a.issue == b.issue
        and any(x.unlabelled_title and y.title and fuzz.ratio(x.unlabelled_title, y.title) >= 95
                and _numbers_but_years(x) == _numbers_but_years(y) for x, y in ((a, b), (b, a)))
        and not (a.year and b.year and abs(a.year - b.year) > 1)
        and authors_compatible(a, b) and venues_compatible(a, b) is not False)


def title_after_running_head(a: Sig, b: Sig) -> bool:
    """A PDF's title read with the running head above it: 'Reengineering at CIGNA Business
    Reengineering at ClGNA Corporation: ...', 'Reshaping the IS Organization Reshaping the IS
    Organization'. The other title ends the longer one, within an OCR'd letter or two, after a head
    of a few words that does not name another piece (a reply, a part, an erratum), in the same
    volume and issue, by compatible authors; one record is placed (placed_once)."""
    shorter, longer = (a, b) if len(a.title) <= len(b.title) else (b, a)
    size = len(shorter.title)
    head = len(longer.title) - size
    if size < 20 or not 0 < head <= 40 or PART_OF.search(longer.title[:head]):
        return False
    return bool(
        fuzz.ratio(shorter.title, longer.title[head:]) >= 95
        and same_issue(a, b) and authors_compatible(a, b) and placed_once(a, b)
        and not (a.year and b.year and a.year != b.year)
        and _numbers_but_years(a) == _numbers_but_years(b))


def _numbers_but_years(sig: Sig) -> tuple[str, ...]:
    """The title's numbers without years, which labels carry ('SIM 1989 Jury Award Paper')."""
    return tuple(n for n in sig.title_numbers if not LABEL_YEAR.fullmatch(n))


def same_citation(a: Sig, b: Sig) -> bool:
    """Journal, volume, issue, page range, year and first author identify an article even when
    its title was translated. Not for conference abstracts, several of which share a page, unless
    the page range covers several pages. The issue must not differ: journals paginated by issue
    print different articles on the same pages of one volume."""
    return bool(
        a.volume and a.page and a.last_page and a.year
        and ((not a.conference and not b.conference) or same_page_range(a, b))
        and a.volume == b.volume and a.page == b.page and a.last_page == b.last_page
        and a.year == b.year and not (a.issue and b.issue and a.issue != b.issue)
        and authors_compatible(a, b) and venues_compatible(a, b) is not False
    )


def _recurring_title(a: Sig, b: Sig, scores: dict[str, float]) -> Verdict:
    """'Editor's Comments' recurs in every issue: only the same issue and pages make a duplicate."""
    if a.issue and b.issue and a.issue != b.issue:
        return Verdict("distinct", "recurring title, different issues", scores)
    if a.page and a.page == b.page and a.year == b.year:
        return Verdict("duplicate", "recurring title, same year and pages", scores)
    if _same_issue_and_author(a, b):
        return Verdict("duplicate", "recurring title, same volume, issue and first author", scores)
    return Verdict("uncertain" if a.year == b.year else "distinct",
                   "recurring title without issue or pages to tell", scores)


def _same_issue_and_author(a: Sig, b: Sig) -> bool:
    """The same volume and issue of one journal, the same first author, and no other year: a
    column ('Editor's Comments') appears once an issue, each time under its editor's name."""
    return bool(same_issue(a, b) and authors_compatible(a, b)
                and not (a.year and b.year and a.year != b.year))


def title_alone(a: Sig, b: Sig) -> bool:
    """Neither record names a venue, volume, pages or DOI (trial registrations, bare reports): a
    title that differs by a word ('Adult' and 'Adolescent Patients With ...') is then another
    registration as likely as a variant, and goes to a reviewer."""
    return not any(x.venue or x.volume or x.page or x.doi for x in (a, b))


def fields_shifted(a: Sig, b: Sig) -> bool:
    """One record's volume is empty and its issue and pages hold the other's volume and issue
    ('vol -, issue 26, pages 9' against 'vol 26, issue 9, pages 1746'): its fields slipped a
    column, so its pages say nothing."""
    return any(not x.volume and x.issue and x.issue == y.volume and x.page and x.page == y.issue
               for x, y in ((a, b), (b, a)))


def _pages_differ(a: Sig, b: Sig) -> bool:
    """Both first and last pages disagree (one typo in a range is not a difference)."""
    if not a.page or not b.page or a.page == b.page or a.page_starts & b.page_starts:
        return False
    if a.last_page and a.last_page == b.last_page:
        return False
    return not (page_ranges_overlap(a, b) or online_first_pages(a, b))


def page_ranges_overlap(a: Sig, b: Sig) -> bool:
    """Two ranges of several pages that overlap ('678-684' and '676-682'), or one page strictly
    inside the other's range ('153' and '152-161'; the last page may be where the next article
    starts): two articles of one volume cannot share a page, so one record is misprinted or gives
    the page the text starts on. Not for conference abstracts, several of which share the pages
    of a supplement."""
    if a.conference or b.conference or not (a.page and b.page):
        return False
    if not (a.last_page and b.last_page):
        single, ranged = (a, b) if b.last_page else (b, a)
        if not ranged.last_page:
            return False
        return int(ranged.page or 0) < int(single.page or 0) < int(ranged.last_page)
    first_a, last_a, first_b, last_b = int(a.page), int(a.last_page), int(b.page), int(b.last_page)
    several = first_a < last_a and first_b < last_b
    return several and first_a <= last_b and first_b <= last_a


def online_first_pages(a: Sig, b: Sig) -> bool:
    """One record has no volume and its pages start at 1: an online-first version, which
    publishers paginate from page 1 until the article is placed in an issue ('1-6' against
    '2422-2427'). Its pages say nothing against the issue's, in a journal both records name."""
    if a.conference or b.conference or venues_compatible(a, b) is not True:
        return False
    return any(not x.volume and x.page == "1" and y.volume for x, y in ((a, b), (b, a)))


def _same_doi(a: Sig, b: Sig, ts: float | None, scores: dict[str, float]) -> Verdict:
    authors = authors_compatible(a, b)
    if ts is None:
        if authors is not False:
            return Verdict("duplicate", "same DOI; one record has no title", scores)
        return Verdict("uncertain", "same DOI; no title on one side and authors differ", scores)
    if ts >= 0.9:
        return Verdict("duplicate", "same DOI and title", scores)
    if ts >= 0.6 and authors:
        return Verdict("uncertain", "same DOI, titles only partly agree", scores)
    if same_doi_same_team(a, b):
        return Verdict("duplicate", "same DOI, author list and pages; one title is a column's name "
                       "or a PDF's running head", scores)
    return Verdict("distinct", "same DOI but different titles (a shared supplement DOI?)", scores)


def same_doi_same_team(a: Sig, b: Sig) -> bool:
    """'Editor's Comments' and 'Global by Design: ...' under one DOI, by the same two editors, on
    pages iii-vii: one piece under the column's name and its own. A supplement's abstracts share
    a DOI too, but they are conference records, and several on one page range never have the
    same list of authors."""
    return bool(len(a.families) >= 2 and same_author_list(a, b) and not (a.conference or b.conference)
                and (same_page_range(a, b) or not (a.page and b.page)))


def same_title_same_issue(a: Sig, b: Sig, ts: float) -> bool:
    """'Consumer Acceptance and Use of Information Technology: Extending the Unified Theory ...' in
    volume 36, issue 1 of MIS Quarterly, once by Venkatesh, Thong and Xu and once, read from the
    PDF, by 'Walton, Sam M' (the business school's name): a journal does not print two articles
    under one long title in one issue. Two PDF records may share a running head read as their
    title ('The Society for Management Information Systems', over two interviews in MISQ 1(1)),
    so one record must be placed (placed_once). Not for a recurring or short title, conference
    abstracts, or another year."""
    return bool(
        ts >= 0.97 and len(min(a.title, b.title, key=len)) >= 40 and same_issue(a, b)
        and not (a.recurring or b.recurring or a.conference or b.conference)
        and not (a.year and b.year and a.year != b.year)
        and placed_once(a, b)
        and not (a.title_numbers and b.title_numbers and a.title_numbers != b.title_numbers))


def _by_citation(a: Sig, b: Sig, ts: float, scores: dict[str, float]) -> Verdict:
    authors = authors_compatible(a, b)
    if authors is False:
        if same_title_same_issue(a, b, ts):
            return Verdict("duplicate", "same long title in the same volume and issue; one author list "
                           "was misread", scores)
        return Verdict("distinct", "first authors differ", scores)
    gap = abs(a.year - b.year) if a.year and b.year else None
    if gap is None and same_issue(a, b):
        gap = 0  # an issue comes out in one year: a record without one (read from a PDF) has it
    if gap is not None and gap > 1:  # only in the same volume and issue (hard_conflict)
        if ts >= 0.97 and authors:
            return Verdict("duplicate", "same title, authors, volume and issue; the years disagree "
                           "(one is miskeyed)", scores)
        return Verdict("distinct", f"years differ by {gap}", scores)
    if kinds_differ(a, b) and gap != 0:
        return Verdict("distinct", "a conference record and an article of another year", scores)
    same_issue_fields = bool(a.volume and a.page and a.volume == b.volume and a.page == b.page) or (
        not a.volume and not b.volume and same_page_range(a, b))
    if a.volume and b.volume and a.volume != b.volume:
        return Verdict("distinct", "different volumes", scores)
    if (a.volume and a.volume == b.volume and a.issue and b.issue and a.issue != b.issue
            and not a.page and not b.page):
        return Verdict("distinct", "same volume, different issues, no pages", scores)
    if gap in (0, None) and _pages_differ(a, b) and not fields_shifted(a, b):
        return Verdict("distinct", "same year, different pages", scores)
    if same_issue_fields and gap in (0, 1) and authors:
        return Verdict("duplicate", "same volume, pages, year and first author; similar title", scores)
    both_conference = a.conference and b.conference and gap == 0
    # same title, authors, year, volume and issue: two names of one journal (translated, renamed)
    same_place = bool(a.volume and a.issue and a.volume == b.volume and a.issue == b.issue and gap == 0
                      and ts >= 0.97 and authors)
    if venues_compatible(a, b) is False and not same_issue_fields and not both_conference and not same_place:
        if kinds_differ(a, b):
            return Verdict("distinct", "a conference abstract and a journal article", scores)
        return Verdict("distinct", "different venues", scores)
    if a.recurring or b.recurring:
        return _recurring_title(a, b, scores)
    if ts < 0.95:
        if authors and gap == 0 and same_issue(a, b) and same_author_list(a, b):
            return Verdict("duplicate", "same volume, issue, year and authors; titles differ in a few "
                           "words", scores)
        if authors and gap == 0:
            return Verdict("uncertain", "similar titles, compatible authors, same year", scores)
        return Verdict("distinct", "titles differ", scores)
    if gap == 1:
        if ts >= 0.97 and authors:
            return Verdict("duplicate", "same title and authors; years differ by one (online first, or "
                           "proceedings dated the next year)", scores)
        return Verdict("uncertain", "same title; years differ by one", scores)
    if ts < 0.97 and title_alone(a, b):
        return Verdict("uncertain", "similar titles; no venue, volume, pages or DOI to compare", scores)
    if authors is None and len(a.title) < 30 and not same_issue_fields:
        return Verdict("uncertain", "short title, no authors to compare", scores)
    return Verdict("duplicate", "same title, compatible authors, year and venue", scores)


# -- cluster ---------------------------------------------------------------------------------

def cluster(sigs: dict[int, Sig], duplicates: Iterable[tuple[int, int]],
            forbidden: set[tuple[int, int]], confirmed: frozenset[tuple[int, int]] = frozenset(),
            ) -> dict[int, list[int]]:
    """Union the duplicate pairs, the best-supported first, refusing a union that would put two
    records together that can never be one (hard_conflict) or whose citations contradict each
    other (citation_conflict) -- unless a reviewer confirmed that pair."""
    duplicates = sorted(duplicates, key=lambda p: (p not in confirmed, -_support(sigs, p)))
    parent = {i: i for i in sigs}
    members: dict[int, list[int]] = {i: [i] for i in sigs}

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in duplicates:
        if a not in sigs or b not in sigs:
            continue
        ra, rb = root(a), root(b)
        if ra == rb or _clusters_conflict(members[ra], members[rb], sigs, forbidden, confirmed):
            continue
        if len(members[ra]) < len(members[rb]):
            ra, rb = rb, ra
        parent[rb] = ra
        members[ra].extend(members.pop(rb))
    return {r: m for r, m in members.items() if len(m) > 1}


def _support(sigs: dict[int, Sig], pair: tuple[int, int]) -> int:
    """How many citation fields a pair agrees on (both present and equal)."""
    if pair[0] not in sigs or pair[1] not in sigs:
        return 0
    a, b = sigs[pair[0]], sigs[pair[1]]
    fields = ("doi", "pmid", "title", "year", "volume", "issue", "page", "last_page", "venue")
    return sum(1 for name in fields if getattr(a, name) and getattr(a, name) == getattr(b, name))


def citation_conflict(a: Sig, b: Sig) -> str | None:
    """Two members of a cluster whose citations contradict: joined through a third record, they
    would make the cluster hold two publications (two articles of one team in one issue, both
    matching the same record without a title)."""
    if a.volume and b.volume and a.volume != b.volume:
        return "different volumes"
    if (a.volume and a.volume == b.volume and a.issue and b.issue and a.issue != b.issue
            and not a.page and not b.page):
        return "same volume, different issues, no pages"
    if a.volume and a.volume == b.volume and _pages_differ(a, b) and not fields_shifted(a, b):
        return "same volume, different pages"
    return None


def _clusters_conflict(xs: list[int], ys: list[int], sigs: dict[int, Sig],
                       forbidden: set[tuple[int, int]], confirmed: frozenset[tuple[int, int]]) -> bool:
    held_together = _dois_held_together(xs, sigs) | _dois_held_together(ys, sigs)
    for x in xs:
        for y in ys:
            pair = (min(x, y), max(x, y))
            if pair in forbidden:
                return True
            conflict = hard_conflict(sigs[x], sigs[y])
            if conflict and not (conflict == "different DOIs"
                                 and frozenset((sigs[x].doi, sigs[y].doi)) in held_together):
                return True
            waived = pair in confirmed or one_doi(sigs[x], sigs[y])
            if not waived and citation_conflict(sigs[x], sigs[y]):
                return True
    return False


def one_doi(a: Sig, b: Sig) -> bool:
    """One DOI outweighs a volume that disagrees: Embase gives Butelman 2010 (DOI
    10.1007/s00213-009-1771-5) once as volume 209 and once as 210."""
    return bool(a.doi and a.doi == b.doi)


def _dois_held_together(members: list[int], sigs: dict[int, Sig]) -> set[frozenset[str | None]]:
    """Pairs of DOIs one cluster already holds as one article (one_article_two_dois, or a
    reviewer's call). A record under either DOI may join it: the cluster's other DOI is no
    longer a conflict (a PDF's record with .../16353 joining the publisher's .../16352 and
    .../16353 of one paper)."""
    dois = sorted({doi for m in members if (doi := sigs[m].doi)})
    return {frozenset((a, b)) for i, a in enumerate(dois) for b in dois[i + 1:]}


# -- merge -----------------------------------------------------------------------------------

FILLABLE = ("doi", "pmid", "pages", "abstract", "volume", "issue", "journal_abbrev")


def choose_canonical(members: list[int], sigs: dict[int, Sig]) -> int:
    """PubMed's record when there is one, else the most complete; ties to the oldest."""
    return min(members, key=lambda i: (not sigs[i].is_pubmed, -sigs[i].completeness, i))


@dataclass
class DedupSummary:
    records: int = 0
    compared: int = 0
    pairs_scored: int = 0
    clusters: int = 0
    merged: int = 0
    queued: int = 0
    related: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)


Progress = Callable[[str, int, int], None]
"""Called as each stage starts: ('normalise', 0, records), ('score', 0, pairs), ('cluster', 0,
pairs found alike)."""


def run(library: Library, full: bool = False, progress: Progress | None = None) -> DedupSummary:
    """Compare new records against the library (all records with full=True), then recluster."""
    report = progress or (lambda stage, done, total: None)
    if not full and _nothing_to_do(library):
        return _summary_as_stored(library)
    rows = store_rows(library)
    report("normalise", 0, len(rows))
    sigs = signatures(rows)
    summary = DedupSummary(records=len(sigs))
    with library.transaction():
        new_ids = set(sigs) if full else set(sigs) - store.seen_ids(library)
        summary.compared = len(new_ids)
        manual = store.manual_pairs(library)
        decisions = []
        if full:
            store.forget_auto_pairs(library)
        pairs = [p for p in candidate_pairs(sigs, new_ids) if p not in manual]
        # by the first record: its signature stays in the CPU's cache while its partners are
        # scored (a third faster than set order); the full tuple sort costs more than it saves
        pairs.sort(key=itemgetter(0))
        report("score", 0, len(pairs))
        processes = parallel.usable_cores() if len(pairs) >= PARALLEL_PAIRS else 1
        for scored in parallel.map_slices(partial(score_pairs, sigs), pairs, processes):
            decisions += scored.decisions
            for rule, count in scored.by_rule.items():
                summary.by_rule[rule] = summary.by_rule.get(rule, 0) + count
        summary.pairs_scored = len(pairs)
        store.save_auto_pairs(library, sorted(decisions))
        store.mark_seen(library, new_ids)
        report("cluster", 0, len(decisions))
        _recluster(library, sigs, rows, summary)
    return summary


def _nothing_to_do(library: Library) -> bool:
    """No record the library has not compared, and clusters that follow every decision: a rerun
    would normalise every record (15 s for 100,000) to change nothing."""
    return not store.is_stale(library) and not (store.all_ids(library) - store.seen_ids(library))


def _summary_as_stored(library: Library) -> DedupSummary:
    summary = DedupSummary(records=library.count())
    summary.clusters, summary.merged = store.cluster_counts(library)
    manual = store.manual_pairs(library)
    summary.queued = len([p for p in store.pairs(library, "uncertain") if p not in manual])
    summary.related = len(store.pairs(library, "related"))
    return summary


@dataclass
class Scored:
    """What scoring a list of pairs found: the decisions to store, and a count of every rule."""
    decisions: list[tuple[int, int, str, dict[str, Any], dict[str, float]]]
    by_rule: Counter[str]


def score_pairs(sigs: dict[int, Sig], pairs: Sequence[tuple[int, int]]) -> Scored:
    """compare() on each pair; 'distinct' is not stored, only counted."""
    decisions = []
    by_rule: Counter[str] = Counter()
    for a, b in pairs:
        verdict = compare(sigs[a], sigs[b])
        by_rule[verdict.rule] += 1
        if verdict.decision != "distinct":
            decisions.append((a, b, verdict.decision, {"rule": verdict.rule}, verdict.scores))
    return Scored(decisions, by_rule)


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


def store_rows(library: Library) -> list[dict[str, Any]]:
    columns = ("id", "source_key", "source_db", "title", "authors", "year", "doi", "pmid", "volume",
               "issue", "pages", "journal", "journal_abbrev", "book_title", "kind", "publication_types",
               "abstract")
    cursor = library.db.conn.execute(f"SELECT {', '.join(columns)} FROM records ORDER BY id")
    return [dict(zip(columns, row)) for row in cursor]


def _recluster(library: Library, sigs: dict[int, Sig], rows: list[dict[str, Any]],
               summary: DedupSummary) -> None:
    manual = store.manual_pairs(library)
    forbidden = {p for p, d in manual.items() if d == "distinct"}
    confirmed = frozenset(p for p, d in manual.items() if d == "duplicate")
    duplicates = list(confirmed) + [p for p in store.pairs(library, "duplicate") if p not in manual]
    clusters = cluster(sigs, duplicates, forbidden, confirmed)
    canonical_of: dict[int, int | None] = {i: None for i in sigs}
    by_id = {row["id"]: row for row in rows}
    fills = []
    for members in clusters.values():
        canonical = choose_canonical(members, sigs)
        others = sorted(m for m in members if m != canonical)
        for member in others:
            canonical_of[member] = canonical
        fills += _fills(canonical, others, by_id)
    store.set_canonical(library, canonical_of)
    store.replace_filled(library, fills)
    store.clear_stale(library)
    summary.clusters = len(clusters)
    summary.merged = sum(1 for c in canonical_of.values() if c is not None)
    summary.queued = len([p for p in store.pairs(library, "uncertain") if p not in manual])
    summary.related = len(store.pairs(library, "related"))


def _fills(canonical: int, others: list[int],
           rows: dict[int, dict[str, Any]]) -> list[tuple[int, str, str, int]]:
    """Fields the canonical record lacks, taken from the first member that has them."""
    fills = []
    for name in FILLABLE:
        if rows[canonical][name]:
            continue
        donor = next((m for m in others if rows[m][name]), None)
        if donor is not None:
            fills.append((canonical, name, str(rows[donor][name]), donor))
    return fills


# -- review and undo -------------------------------------------------------------------------

def review_queue(library: Library) -> list[tuple[int, int]]:
    manual = store.manual_pairs(library)
    return [p for p in store.pairs(library, "uncertain") if p not in manual]


def decide_pair(library: Library, a: int, b: int, same: bool) -> DedupSummary:
    """A reviewer's same/different for a pair; it outranks every automatic decision."""
    return decide_pairs(library, [(a, b, same)])


def decide_pairs(library: Library, decisions: Sequence[tuple[int, int, bool]]) -> DedupSummary:
    """Several reviewer decisions, stored together, then one recluster: reclustering reads every
    record (about 15 s for 100,000), which a decision at a time would pay at every pair."""
    for a, b, _ in decisions:
        _check_pair(library, a, b)
    with library.transaction():
        for a, b, same in decisions:
            _save_decision(library, a, b, same)
    return recluster(library)


def record_decision(library: Library, a: int, b: int, same: bool) -> None:
    """Store one reviewer decision now (so a review cut short loses none); it takes effect at the
    next recluster (decide_pairs with no pairs, or any dedup run)."""
    _check_pair(library, a, b)
    with library.transaction():
        _save_decision(library, a, b, same)
        store.mark_stale(library)


def _save_decision(library: Library, a: int, b: int, same: bool) -> None:
    store.save_manual_pair(library, a, b, "duplicate" if same else "distinct",
                           "reviewer: same" if same else "reviewer: different")


def _check_pair(library: Library, a: int, b: int) -> None:
    _check_ids(library, a, b)
    if a == b:
        raise LitreviewError(f"a pair needs two records; {a},{b} names record {a} twice")


def detach(library: Library, record_id: int) -> DedupSummary:
    """Take one record out of its cluster: it becomes distinct from every other member."""
    members = cluster_members(library, record_id)
    with library.transaction():
        for other in members:
            if other != record_id:
                store.save_manual_pair(library, record_id, other, "distinct", "reviewer: detached")
    return recluster(library)


def split(library: Library, record_id: int) -> DedupSummary:
    """Dissolve the cluster that holds record_id: every member stands alone."""
    members = cluster_members(library, record_id)
    with library.transaction():
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                store.save_manual_pair(library, a, b, "distinct", "reviewer: split")
    return recluster(library)


def recluster(library: Library) -> DedupSummary:
    rows = store_rows(library)
    sigs = signatures(rows)
    summary = DedupSummary(records=len(sigs))
    with library.transaction():
        _recluster(library, sigs, rows, summary)
    return summary


def cluster_members(library: Library, record_id: int) -> list[int]:
    canonical = library.db.execute("SELECT coalesce(canonical_id, id) FROM records WHERE id = ?",
                                   [record_id]).fetchone()
    if canonical is None:
        raise LitreviewError(f"no record with id {record_id}")
    rows = library.db.execute("SELECT id FROM records WHERE id = ? OR canonical_id = ? ORDER BY id",
                              [canonical[0], canonical[0]])
    return [r[0] for r in rows]


def _check_ids(library: Library, *ids: int) -> None:
    for record_id in ids:
        if library.count("id = ?", [record_id]) == 0:
            raise LitreviewError(f"no record with id {record_id}")


def clusters_table(library: Library) -> list[tuple[str, str]]:
    """(record source key, cluster id) for every record; the cluster id is the canonical's key."""
    rows = library.db.execute(
        "SELECT r.source_key, coalesce(c.source_key, r.source_key) FROM records r"
        " LEFT JOIN records c ON c.id = r.canonical_id ORDER BY r.id")
    return [(a, b) for a, b in rows]
