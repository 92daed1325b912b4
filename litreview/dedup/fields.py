"""Field by field: whether two signatures agree on their title, authors, venue, volume, issue and
pages. Each function answers for one field (or one way a field may be written), with the case
that called for it in its docstring; rules.py and evidence.py weigh the answers.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from litreview.dedup.normalise import PART_OF, Sig

# -- titles ------------------------------------------------------------------------------------------

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


# -- authors -----------------------------------------------------------------------------------------

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


def author_lists_agree(a: Sig, b: Sig) -> bool:
    """Compatible first authors, and the shorter list (when it has two authors or more) shares at
    least half of its family names with the other, two at least: one export may cut the list."""
    if not authors_compatible(a, b):
        return False
    shorter, longer = sorted((a.families, b.families), key=len)
    if len(shorter) < 2:
        return True
    shared = len(set(shorter) & set(longer))
    return shared >= max(2, (len(shorter) + 1) // 2)


def first_author_variant(a: Sig, b: Sig) -> bool:
    """The first authors disagree as one citation's can: a one-letter typo in the family name
    ('Wang, Y' and 'Wan, Y'; the rest of the list, if any, agreeing), or a group named instead of
    its writer ('Smith, J' and 'The XYZ Trial Study Group') on the same volume and page."""
    if not a.families or not b.families:
        return False
    if a.group_author != b.group_author:
        return bool(a.volume and a.volume == b.volume and a.page and a.page == b.page)
    x, y = a.families[0], b.families[0]
    if min(len(x), len(y)) < 3 or Levenshtein.distance(x, y) > 1:
        return False
    rest_a, rest_b = a.families[1:], b.families[1:]
    if rest_a and rest_b and not set(rest_a) & set(rest_b):
        return False
    return bool((a.volume and a.volume == b.volume) or (a.page and a.page == b.page))


# -- venues ------------------------------------------------------------------------------------------

VENUE_STOP = {"the", "of", "and", "for", "in", "on", "a", "an", "de", "la", "le", "et", "und", "der"}


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


# -- volume, issue and pages: where a record is printed ----------------------------------------------

def same_issue(a: Sig, b: Sig) -> bool:
    """Both records place themselves in the same volume and issue of one journal: an issue comes
    out in one year, so a year that disagrees with it is miskeyed."""
    return bool(a.volume and a.issue and a.volume == b.volume and a.issue == b.issue
                and venues_compatible(a, b))


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


def single_page(sig: Sig) -> bool:
    return not (sig.last_page and sig.last_page != sig.page)


def fields_shifted(a: Sig, b: Sig) -> bool:
    """One record's volume is empty and its issue and pages hold the other's volume and issue
    ('vol -, issue 26, pages 9' against 'vol 26, issue 9, pages 1746'): its fields slipped a
    column, so its pages say nothing."""
    return any(not x.volume and x.issue and x.issue == y.volume and x.page and x.page == y.issue
               for x, y in ((a, b), (b, a)))


def volumes_differ(a: Sig, b: Sig) -> bool:
    """Both volumes given and different, unless one is the other's supplement number: a
    conference abstract exported once as 'volume 52, issue SUPPL. 1' and once as 'volume 1'."""
    return bool(a.volume and b.volume and a.volume != b.volume
                and a.volume != b.supplement and b.volume != a.supplement)


def issues_differ(a: Sig, b: Sig) -> bool:
    """The same volume and different issues."""
    return bool(a.volume and a.volume == b.volume and a.issue and b.issue and a.issue != b.issue)


def pages_differ(a: Sig, b: Sig) -> bool:
    """Both first and last pages disagree (one typo in a range is not a difference). Pages of
    another numbering say nothing either way: an article number against printed pages ('e20431'
    and '1-9'), a page that is the other's last page ('77' and '76-77'), an article's own
    pagination from page 1 ('1-8' and '301-308')."""
    if not a.page or not b.page or a.page == b.page or a.page_starts & b.page_starts:
        return False
    if a.last_page and a.last_page == b.last_page:
        return False
    if a.article_number != b.article_number or last_page_only(a, b):
        return False
    return not (page_ranges_overlap(a, b) or online_first_pages(a, b) or own_pagination(a, b))


def last_page_only(a: Sig, b: Sig) -> bool:
    """One record gives a single page that is the other's last page: '77' and '76-77' (the page
    the abstract or the text is on, or the range's end alone)."""
    return any(x.page and not (x.last_page and x.last_page != x.page) and x.page == y.last_page
               for x, y in ((a, b), (b, a)))


def own_pagination(a: Sig, b: Sig) -> bool:
    """One range starts at page 1 and has as many pages as the other: the article's own PDF
    pagination ('1-8') against the issue's ('301-308'). Not when the records name different
    issues: page 1 of issue 1 is then a real page (and a real other article)."""
    if not (a.last_page and b.last_page and a.page and b.page):
        return False
    if a.issue and b.issue and a.issue != b.issue:
        return False
    span_a, span_b = int(a.last_page) - int(a.page), int(b.last_page) - int(b.page)
    return span_a == span_b > 0 and "1" in (a.page, b.page)


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
        if not (ranged.page and ranged.last_page and single.page):
            return False
        return int(ranged.page) < int(single.page) < int(ranged.last_page)
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
