"""Compare (the rules): one pair of signatures -> a Verdict (a Decision and the Rule that decided it).

The rules are meant to be read by a librarian:

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

Each predicate below is one rule, with the real case that called for it in its docstring.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from litreview.dedup.normalise import LABEL_YEAR, PART_OF, Sig


class Decision(str, Enum):
    """What a pair is; stored as its value in dedup_pairs.decision."""

    DUPLICATE = "duplicate"
    DISTINCT = "distinct"
    UNCERTAIN = "uncertain"  # goes to the review queue
    RELATED = "related"  # a notice or a preprint and the article it concerns

    def __str__(self) -> str:
        return self.value


class Rule(str, Enum):
    """The rule that decided a pair; its value is the reason stored with the pair and shown to a
    reviewer ('why queued: ...')."""

    # identifiers and vetoes (hard_conflict)
    DIFFERENT_PMIDS = "different PMIDs"
    DIFFERENT_DOIS = "different DOIs"
    NOTICE_AND_ARTICLE = "a correction/comment/retraction notice and an article"
    PREPRINT_AND_JOURNAL = "a preprint and a journal version"
    SAME_PMID = "same PMID"
    NOTICE_UNDER_ARTICLE_TITLE = ("a notice and a record on the same volume, issue, pages and year by "
                                  "the same author: the notice under the article's title")
    ONE_ARTICLE_TWO_DOIS = "same title, journal, volume, pages, year and authors; one article under two DOIs"
    SAME_CITATION = "same journal, volume, first page, year and first author"
    UNTITLED_SAME_TEAM = "no title on one side; the same authors in the same volume and issue"
    NO_TITLE = "no title to compare and no shared identifier"
    TITLE_LACKS_SUBTITLE = "same pages, year and authors; one title lacks its subtitle"
    TITLE_BEHIND_LABEL = ("same volume, issue and authors; one title has a section label in front "
                          "('Invited Article - ')")
    TITLE_AFTER_RUNNING_HEAD = "same volume, issue and authors; one title has a running head in front"
    TITLES_DIFFER = "titles differ"
    TITLE_NUMBERS_DIFFER = "titles differ in their numbers (part 1/2, type 1/2, case 7/8)"
    RECURRING_OTHER_ISSUE = "recurring title, different issues"
    RECURRING_SAME_PAGES = "recurring title, same year and pages"
    RECURRING_SAME_ISSUE = "recurring title, same volume, issue and first author"
    SAME_DOI_NO_TITLE = "same DOI; one record has no title"
    SAME_DOI_NO_TITLE_OTHER_AUTHORS = "same DOI; no title on one side and authors differ"
    SAME_DOI_AND_TITLE = "same DOI and title"
    SAME_DOI_TITLES_PARTLY = "same DOI, titles only partly agree"
    SAME_DOI_SAME_TEAM = ("same DOI, author list and pages; one title is a column's name or a PDF's "
                          "running head")
    SAME_DOI_OTHER_TITLE = "same DOI but different titles (a shared supplement DOI?)"
    SAME_TITLE_SAME_ISSUE = "same long title in the same volume and issue; one author list was misread"
    FIRST_AUTHORS_DIFFER = "first authors differ"
    YEAR_MISKEYED = "same title, authors, volume and issue; the years disagree (one is miskeyed)"
    YEARS_APART = "years differ by more than one"
    CONFERENCE_OTHER_YEAR = "a conference record and an article of another year"
    DIFFERENT_VOLUMES = "different volumes"
    DIFFERENT_ISSUES = "same volume, different issues, no pages"
    DIFFERENT_PAGES = "same year, different pages"
    SAME_PLACE_SIMILAR_TITLE = "same volume, pages, year and first author; similar title"
    CONFERENCE_AND_ARTICLE = "a conference abstract and a journal article"
    DIFFERENT_VENUES = "different venues"
    SAME_ISSUE_AND_TEAM_TITLE_VARIANT = "same volume, issue, year and authors; titles differ in a few words"
    SIMILAR_TITLES = "similar titles, compatible authors, same year"
    YEAR_OFF_BY_ONE = ("same title and authors; years differ by one (online first, or proceedings dated "
                       "the next year)")
    YEAR_OFF_BY_ONE_UNSURE = "same title; years differ by one"
    TITLE_ALONE = "similar titles; no venue, volume, pages or DOI to compare"
    SHORT_TITLE_NO_AUTHORS = "short title, no authors to compare"
    SAME_TITLE_AUTHORS_YEAR_VENUE = "same title, compatible authors, year and venue"
    RECURRING_UNSURE = "recurring title without issue or pages to tell"
    REVIEW_VERSIONS = "successive versions of a Cochrane review (another year or issue)"
    SAME_DOI_OTHER_ABSTRACT = "same supplement DOI; abstracts on other pages by other authors"
    # one weak field outweighed by title, authors, year and journal (WeakField, outweighed)
    VOLUME_OUTWEIGHED = "same title, authors, year and journal; the volumes disagree"
    PAGES_OUTWEIGHED = "same title, authors, year, journal and volume; the pages disagree"
    FIRST_AUTHOR_OUTWEIGHED = ("same title, year, journal and citation; the first author is spelt "
                               "differently or named as a group")
    # cluster-level contradictions (cluster.citation_conflict)
    DIFFERENT_PAGES_SAME_VOLUME = "same volume, different pages"

    def __str__(self) -> str:
        return self.value


@dataclass
class Verdict:
    decision: Decision
    rule: Rule
    scores: dict[str, float] = field(default_factory=dict)


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


def hard_conflict(a: Sig, b: Sig) -> Rule | None:
    """Reasons two records can never be one, whatever else matches."""
    if a.pmid and b.pmid and a.pmid != b.pmid and not one_article_two_pmids(a, b):
        return Rule.DIFFERENT_PMIDS
    if a.doi and b.doi and a.doi != b.doi and not one_article_two_dois(a, b):
        return Rule.DIFFERENT_DOIS
    if a.notice != b.notice and not notice_under_article_title(a, b):
        return Rule.NOTICE_AND_ARTICLE
    if a.preprint != b.preprint:
        return Rule.PREPRINT_AND_JOURNAL
    if a.year and b.year and abs(a.year - b.year) > 1 and not same_issue(a, b):
        return Rule.YEARS_APART
    if review_versions(a, b):
        return Rule.REVIEW_VERSIONS
    return None


def review_versions(a: Sig, b: Sig) -> bool:
    """Two records of a Cochrane review in different years or issues are successive versions of
    it (CD002273.pub2 in 2004, .pub3 in 2005), which issue 6 keeps apart; a DOI tells them apart
    too, but not every export gives one."""
    if "cochrane" not in a.venue or "cochrane" not in b.venue:
        return False
    return bool((a.year and b.year and a.year != b.year) or (a.issue and b.issue and a.issue != b.issue))


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
        return Verdict(Decision.DUPLICATE, Rule.SAME_PMID, {"pmid": 1.0})
    ts = title_similarity(a, b)
    if ts is not None and ts < 0.97 and title_then_byline(a, b):
        ts = 0.97
    scores = {"title": round(ts, 3)} if ts is not None else {}
    conflict = hard_conflict(a, b)
    if conflict:
        related = ts is not None and ts >= 0.9 and (a.notice != b.notice or a.preprint != b.preprint)
        return Verdict(Decision.RELATED if related else Decision.DISTINCT, conflict, scores)
    if a.notice != b.notice:
        return Verdict(Decision.DUPLICATE, Rule.NOTICE_UNDER_ARTICLE_TITLE, scores)
    if a.doi and a.doi == b.doi:
        return _same_doi(a, b, ts, scores)
    if a.doi and b.doi:  # two DOIs that hard_conflict let through: one_article_two_dois
        return Verdict(Decision.DUPLICATE, Rule.ONE_ARTICLE_TWO_DOIS, scores)
    if same_citation(a, b):
        return Verdict(Decision.DUPLICATE, Rule.SAME_CITATION, scores)
    if ts is None:
        if untitled_same_team(a, b):
            return Verdict(Decision.DUPLICATE, Rule.UNTITLED_SAME_TEAM, scores)
        return Verdict(Decision.DISTINCT, Rule.NO_TITLE, scores)
    if one_title_lacks_subtitle(a, b):
        return Verdict(Decision.DUPLICATE, Rule.TITLE_LACKS_SUBTITLE, scores)
    if title_behind_label(a, b):
        return Verdict(Decision.DUPLICATE, Rule.TITLE_BEHIND_LABEL, scores)
    if title_after_running_head(a, b):
        return Verdict(Decision.DUPLICATE, Rule.TITLE_AFTER_RUNNING_HEAD, scores)
    if ts < 0.85:
        return Verdict(Decision.DISTINCT, Rule.TITLES_DIFFER, scores)
    if a.title_numbers and b.title_numbers and a.title_numbers != b.title_numbers:
        return Verdict(Decision.DISTINCT, Rule.TITLE_NUMBERS_DIFFER, scores)
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
        return Verdict(Decision.DISTINCT, Rule.RECURRING_OTHER_ISSUE, scores)
    if a.page and a.page == b.page and a.year == b.year:
        return Verdict(Decision.DUPLICATE, Rule.RECURRING_SAME_PAGES, scores)
    if _same_issue_and_author(a, b):
        return Verdict(Decision.DUPLICATE, Rule.RECURRING_SAME_ISSUE, scores)
    return Verdict(Decision.UNCERTAIN if a.year == b.year else Decision.DISTINCT,
                   Rule.RECURRING_UNSURE, scores)


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


def _same_doi(a: Sig, b: Sig, ts: float | None, scores: dict[str, float]) -> Verdict:
    authors = authors_compatible(a, b)
    if ts is None:
        if authors is not False:
            return Verdict(Decision.DUPLICATE, Rule.SAME_DOI_NO_TITLE, scores)
        return Verdict(Decision.UNCERTAIN, Rule.SAME_DOI_NO_TITLE_OTHER_AUTHORS, scores)
    if same_doi_other_abstract(a, b, authors):
        return Verdict(Decision.DISTINCT, Rule.SAME_DOI_OTHER_ABSTRACT, scores)
    if ts >= 0.9:
        return Verdict(Decision.DUPLICATE, Rule.SAME_DOI_AND_TITLE, scores)
    if ts >= 0.6 and authors:
        return Verdict(Decision.UNCERTAIN, Rule.SAME_DOI_TITLES_PARTLY, scores)
    if same_doi_same_team(a, b):
        return Verdict(Decision.DUPLICATE, Rule.SAME_DOI_SAME_TEAM, scores)
    return Verdict(Decision.DISTINCT, Rule.SAME_DOI_OTHER_TITLE, scores)


def same_doi_other_abstract(a: Sig, b: Sig, authors: bool | None) -> bool:
    """A supplement's one DOI on two conference abstracts on other pages by other authors: two
    abstracts, even under one title, which an export may lump under the supplement's DOI."""
    return bool((a.conference or b.conference) and authors is False and pages_differ(a, b))


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


# -- weak fields: one contradiction lowers the evidence, it does not veto -----------------------

class WeakField(str, Enum):
    """Citation fields that are often miskeyed, garbled or filled from another numbering: one of
    them disagreeing does not make two publications when everything strong agrees."""

    VOLUME = "volume"
    ISSUE = "issue"
    PAGES = "pages"
    FIRST_AUTHOR = "first author"

    def __str__(self) -> str:
        return self.value


def volumes_differ(a: Sig, b: Sig) -> bool:
    """Both volumes given and different, unless one is the other's supplement number: a
    conference abstract exported once as 'volume 52, issue SUPPL. 1' and once as 'volume 1'."""
    return bool(a.volume and b.volume and a.volume != b.volume
                and a.volume != b.supplement and b.volume != a.supplement)


def issues_differ(a: Sig, b: Sig) -> bool:
    """The same volume and different issues."""
    return bool(a.volume and a.volume == b.volume and a.issue and b.issue and a.issue != b.issue)


def weak_contradictions(a: Sig, b: Sig, pages: bool) -> list[WeakField]:
    """The weak fields on which a pair disagrees, malformed fields counting as missing (see
    normalise: a supplement number as volume, a garbled range, an article number). Pages are
    weighed only when asked (`pages`): a year apart, they are an online and a print version's."""
    found = []
    if volumes_differ(a, b):
        found.append(WeakField.VOLUME)
    if issues_differ(a, b):
        found.append(WeakField.ISSUE)
    if pages and pages_differ(a, b) and not fields_shifted(a, b):
        found.append(WeakField.PAGES)
    return found


def veto(a: Sig, b: Sig, differing: list[WeakField], pages_rule: Rule = Rule.DIFFERENT_PAGES) -> Rule | None:
    """The contradiction that keeps a pair apart unless outweighed: different volumes; different
    pages; different issues only when neither record has pages (issue numbers are often
    miskeyed, and a journal paginated by volume says more by its pages)."""
    if WeakField.VOLUME in differing:
        return Rule.DIFFERENT_VOLUMES
    if WeakField.ISSUE in differing and not a.page and not b.page:
        return Rule.DIFFERENT_ISSUES
    if WeakField.PAGES in differing:
        return pages_rule
    return None

OUTWEIGHED = {WeakField.VOLUME: Rule.VOLUME_OUTWEIGHED, WeakField.PAGES: Rule.PAGES_OUTWEIGHED,
              WeakField.FIRST_AUTHOR: Rule.FIRST_AUTHOR_OUTWEIGHED}


def outweighed(a: Sig, b: Sig, weak: WeakField, ts: float | None) -> bool:
    """The one weak field that disagrees (`weak`) is outweighed: the title is the same (0.97, long
    enough to identify a work, not a recurring column's, with the same numbers), and so are the
    year, the journal and the author list. Issue 22's misses: a conference abstract exported as
    'volume 52, issue SUPPL. 1' and as 'volume 2'; 'Pediatric Transplantation' 15, the same
    abstract on page 22 and page 52; 'Wang, Y' and 'Wan, Y'. Pages count only between two records
    of the same volume and of the same shape: a single page against a range of several pages is a
    conference abstract and its article (or an erratum), which stay apart. A year apart is
    allowed only for pages (online and print), in the same volume. An issue alone is never
    outweighed: with no pages to tell, it is all that keeps apart two forewords of one special
    issue ('Special issue on information technologies and knowledge management', 29(1) and 29(2))."""
    if weak is WeakField.ISSUE or not strongly_alike(a, b, ts):
        return False
    same_volume = bool(a.volume and a.volume == b.volume)
    if a.year != b.year and not (weak is WeakField.PAGES and same_volume):
        return False
    if weak is WeakField.FIRST_AUTHOR:
        return first_author_variant(a, b)
    if not author_lists_agree(a, b):
        return False
    if weak is WeakField.PAGES:
        return same_volume and same_printing(a, b)
    return True


def same_printing(a: Sig, b: Sig) -> bool:
    """Pages of one kind: both single pages or both ranges, both in the same supplement or
    neither, and a conference record against a journal record only on single pages (an abstract
    exported twice). A supplement paper ('Leukemia 10 Suppl 2, S33-38') and a journal article of
    one title by one author (10, 1262-1268) are two publications."""
    if single_page(a) != single_page(b) or a.supplement != b.supplement:
        return False
    return a.conference == b.conference or single_page(a)


def strongly_alike(a: Sig, b: Sig, ts: float | None) -> bool:
    """Title, year (within one) and journal agree beyond doubt."""
    return bool(
        ts is not None and ts >= 0.97 and min(len(a.title), len(b.title)) >= 20
        and not (a.recurring or b.recurring) and a.title_numbers == b.title_numbers
        and a.year and b.year and abs(a.year - b.year) <= 1
        and venues_compatible(a, b) is True)


def single_page(sig: Sig) -> bool:
    return not (sig.last_page and sig.last_page != sig.page)


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


def _by_citation(a: Sig, b: Sig, ts: float, scores: dict[str, float]) -> Verdict:
    authors = authors_compatible(a, b)
    if authors is False:
        if same_title_same_issue(a, b, ts):
            return Verdict(Decision.DUPLICATE, Rule.SAME_TITLE_SAME_ISSUE, scores)
        if not weak_contradictions(a, b, pages=True) and outweighed(a, b, WeakField.FIRST_AUTHOR, ts):
            return Verdict(Decision.DUPLICATE, OUTWEIGHED[WeakField.FIRST_AUTHOR], scores)
        return Verdict(Decision.DISTINCT, Rule.FIRST_AUTHORS_DIFFER, scores)
    gap = abs(a.year - b.year) if a.year and b.year else None
    if gap is None and same_issue(a, b):
        gap = 0  # an issue comes out in one year: a record without one (read from a PDF) has it
    if gap is not None and gap > 1:  # only in the same volume and issue (hard_conflict)
        if ts >= 0.97 and authors:
            return Verdict(Decision.DUPLICATE, Rule.YEAR_MISKEYED, scores)
        return Verdict(Decision.DISTINCT, Rule.YEARS_APART, scores)
    if kinds_differ(a, b) and gap != 0:
        return Verdict(Decision.DISTINCT, Rule.CONFERENCE_OTHER_YEAR, scores)
    same_issue_fields = bool(a.volume and a.page and a.volume == b.volume and a.page == b.page) or (
        not a.volume and not b.volume and same_page_range(a, b))
    differing = weak_contradictions(a, b, pages=gap in (0, None))
    vetoed = veto(a, b, differing)
    if vetoed:
        if len(differing) == 1 and outweighed(a, b, differing[0], ts):
            return Verdict(Decision.DUPLICATE, OUTWEIGHED[differing[0]], scores)
        return Verdict(Decision.DISTINCT, vetoed, scores)
    if same_issue_fields and gap in (0, 1) and authors:
        return Verdict(Decision.DUPLICATE, Rule.SAME_PLACE_SIMILAR_TITLE, scores)
    both_conference = a.conference and b.conference and gap == 0
    # same title, authors, year, volume and issue: two names of one journal (translated, renamed)
    same_place = bool(a.volume and a.issue and a.volume == b.volume and a.issue == b.issue and gap == 0
                      and ts >= 0.97 and authors)
    if venues_compatible(a, b) is False and not same_issue_fields and not both_conference and not same_place:
        if kinds_differ(a, b):
            return Verdict(Decision.DISTINCT, Rule.CONFERENCE_AND_ARTICLE, scores)
        return Verdict(Decision.DISTINCT, Rule.DIFFERENT_VENUES, scores)
    if a.recurring or b.recurring:
        return _recurring_title(a, b, scores)
    if ts < 0.95:
        if authors and gap == 0 and same_issue(a, b) and same_author_list(a, b):
            return Verdict(Decision.DUPLICATE, Rule.SAME_ISSUE_AND_TEAM_TITLE_VARIANT, scores)
        if authors and gap == 0:
            return Verdict(Decision.UNCERTAIN, Rule.SIMILAR_TITLES, scores)
        return Verdict(Decision.DISTINCT, Rule.TITLES_DIFFER, scores)
    if gap == 1:
        if ts >= 0.97 and authors:
            return Verdict(Decision.DUPLICATE, Rule.YEAR_OFF_BY_ONE, scores)
        return Verdict(Decision.UNCERTAIN, Rule.YEAR_OFF_BY_ONE_UNSURE, scores)
    if ts < 0.97 and title_alone(a, b):
        return Verdict(Decision.UNCERTAIN, Rule.TITLE_ALONE, scores)
    if authors is None and len(a.title) < 30 and not same_issue_fields:
        return Verdict(Decision.UNCERTAIN, Rule.SHORT_TITLE_NO_AUTHORS, scores)
    return Verdict(Decision.DUPLICATE, Rule.SAME_TITLE_AUTHORS_YEAR_VENUE, scores)


PairDecision = tuple[int, int, Decision, dict[str, Any], dict[str, float]]
"""(a, b, decision, reason {'rule': ...}, scores): a pair's decision as the store keeps it."""


@dataclass
class Scored:
    """What scoring a list of pairs found: the decisions to store, and a count of every rule."""
    decisions: list[PairDecision]
    by_rule: Counter[str]


def score_pairs(sigs: dict[int, Sig], pairs: Sequence[tuple[int, int]]) -> Scored:
    """compare() on each pair; 'distinct' is not stored, only counted."""
    decisions: list[PairDecision] = []
    by_rule: Counter[str] = Counter()
    for a, b in pairs:
        verdict = compare(sigs[a], sigs[b])
        by_rule[verdict.rule] += 1
        if verdict.decision is not Decision.DISTINCT:
            decisions.append((a, b, verdict.decision, {"rule": verdict.rule}, verdict.scores))
    return Scored(decisions, by_rule)
