"""Weak fields: one contradiction lowers the evidence, it does not veto (issue 22).

Volume, issue, pages and the first author's spelling are often miskeyed, garbled or taken from
another numbering. A pair that disagrees on exactly one of them is still one publication when its
title, year, journal and author list agree strongly (outweighed); two contradictions keep it
apart. Malformed fields never reach this point: normalise counts them as missing.
"""

from __future__ import annotations

from enum import Enum

from litreview.dedup.fields import (
    author_lists_agree,
    fields_shifted,
    first_author_variant,
    issues_differ,
    pages_differ,
    single_page,
    venues_compatible,
    volumes_differ,
)
from litreview.dedup.normalise import Sig
from litreview.dedup.verdicts import Rule


class WeakField(str, Enum):
    """Citation fields that are often miskeyed, garbled or filled from another numbering: one of
    them disagreeing does not make two publications when everything strong agrees."""

    VOLUME = "volume"
    ISSUE = "issue"
    PAGES = "pages"
    FIRST_AUTHOR = "first author"

    def __str__(self) -> str:
        return self.value


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
    enough to identify a work, not a column's, with the same numbers), and so are the year, the
    journal and the author list. Issue 22's misses: 'Pediatric Transplantation' 15, the same
    abstract on page 22 and page 52; Butelman 2010, Psychopharmacology 209 and 210, pages 253-262;
    'Wang, Y' and 'Wan, Y'.
    - Pages count only between two records of the same volume and of the same printing
      (same_printing): a single page against a range of several pages is a conference abstract
      and its article, or an erratum, which stay apart. A year apart is allowed only for pages
      (online and print), in the same volume.
    - A volume counts only on the same first page: without pages, the volume may be all that
      tells one editor's column in volume 24 from the next in 25.
    - An issue alone is never outweighed: with no pages to tell, it is all that keeps apart two
      forewords of one special issue ('Special issue on information technologies and knowledge
      management', 29(1) and 29(2))."""
    if weak is WeakField.ISSUE or not strongly_alike(a, b, ts):
        return False
    if weak is WeakField.VOLUME and not (a.page and a.page == b.page):
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


def strongly_alike(a: Sig, b: Sig, ts: float | None) -> bool:
    """Title, year (within one) and journal agree beyond doubt: not a column's title, which
    recurs issue after issue (marked recurring once three volumes or years of it are held, but a
    library may hold only two)."""
    return bool(
        ts is not None and ts >= 0.97 and min(len(a.title), len(b.title)) >= 20
        and not (a.recurring or b.recurring or column_title(a.title) or column_title(b.title))
        and a.title_numbers == b.title_numbers
        and a.year and b.year and abs(a.year - b.year) <= 1
        and venues_compatible(a, b) is True)


COLUMN_WORDS = ("editor", "inthisissue", "specialissue", "reviewer", "acknowledg", "callforpapers",
                "obituar", "bookreview", "tableofcontents", "preface", "foreword", "announcement",
                "minitrack", "issuesandopinions")


def column_title(title_key: str) -> bool:
    """A title that names a journal's column or its front matter ('Remarks from MIS Quarterly
    Editor - Editor's Comments', 'Introduction to the Special Issue on ...', 'Reviewers 2019')."""
    return any(word in title_key for word in COLUMN_WORDS)


def same_printing(a: Sig, b: Sig) -> bool:
    """Pages of one kind: both single pages or both ranges, both in the same supplement or
    neither, and a conference record against a journal record only on single pages (an abstract
    exported twice). A supplement paper ('Leukemia 10 Suppl 2, S33-38') and a journal article of
    one title by one author (10, 1262-1268) are two publications."""
    if single_page(a) != single_page(b) or a.supplement != b.supplement:
        return False
    return a.conference == b.conference or single_page(a)
