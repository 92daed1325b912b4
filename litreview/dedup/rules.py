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

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from litreview.dedup.evidence import OUTWEIGHED, WeakField, outweighed, veto, weak_contradictions
from litreview.dedup.fields import (
    authors_compatible,
    kinds_differ,
    pages_differ,
    placed_once,
    same_author_list,
    same_issue,
    same_page_range,
    title_similarity,
    title_then_byline,
    venues_compatible,
)
from litreview.dedup.normalise import PART_OF, Sig
from litreview.dedup.verdicts import Decision, PairDecision, Rule, Verdict
from litreview.names import YEAR


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
    """Two records of a Cochrane review in different years are successive versions of it
    (CD002273.pub2 in 2004, .pub3 in 2005), which issue 6 keeps apart; a DOI tells them apart
    too, but not every export gives one. Issues are not compared: EndNote libraries write their
    record numbers there (sra_respiratory's 1425 and 1426 for one review)."""
    if "cochrane" not in a.venue or "cochrane" not in b.venue:
        return False
    return bool(a.year and b.year and a.year != b.year)


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
    return tuple(n for n in sig.title_numbers if not YEAR.fullmatch(n))


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
