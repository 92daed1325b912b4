"""Named verdicts: what a pair is (Decision) and the rule that said so (Rule). Both are str Enums,
stored as their text in dedup_pairs (decision, reason) and shown to a reviewer as that text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


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
    REVIEW_VERSIONS = "successive versions of a Cochrane review (another year)"
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


PairDecision = tuple[int, int, Decision, dict[str, Any], dict[str, float]]
"""(a, b, decision, reason {'rule': ...}, scores): a pair's decision as the store keeps it."""
