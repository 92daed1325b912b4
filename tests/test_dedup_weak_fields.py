"""Issue 22: one garbled or contradicting weak field (volume, issue, pages, one author's spelling)
lowers the evidence instead of vetoing a match when title, authors, year and journal agree; a
malformed field counts as missing. One test per class of miss the issue lists, with the negative
cases beside them (the vetoes that protect studies stay).

The pairs are written from the patterns the issue describes; where ../shared holds the same pattern
the pair is cut from it (the record ids are given). Each pair goes through the pipeline's two
decisions, compare() and then cluster(), which can still refuse a union whose citations contradict.
"""

import json

import pytest

from litreview import dedup

ABSTRACT_TITLE = ("Eculizumab in atypical haemolytic uraemic syndrome after kidney transplantation: "
                  "a multicentre cohort")
ABSTRACT_AUTHORS = [("Lindqvist", "M"), ("Okafor", "N"), ("Brennan", "P J"), ("Sato", "K")]


def _row(number: int, title: str = ABSTRACT_TITLE, authors=ABSTRACT_AUTHORS, **fields):
    row = {"id": number, "source_key": f"r{number}", "source_db": "X", "title": title,
           "authors": json.dumps([_author(a) for a in authors]), "year": 2016, "doi": None, "pmid": None,
           "volume": None, "issue": None, "pages": None, "journal": "Nephrology Dialysis Transplantation",
           "journal_abbrev": None, "book_title": None, "kind": "article", "publication_types": None,
           "abstract": None}
    row.update(fields)
    return row


def _author(name):
    if isinstance(name, str):
        return {"collective": name}
    family, given = name
    return {"family": family, "given": given}


def merged(a: dict, b: dict) -> bool:
    """Whether the pipeline puts the two records in one cluster: compare, then cluster."""
    sigs = {1: dedup.signature(a), 2: dedup.signature(b)}
    verdict = dedup.compare(sigs[1], sigs[2])
    duplicates = [(1, 2)] if verdict.decision == "duplicate" else []
    return bool(dedup.cluster(sigs, duplicates, forbidden=set()))


# -- 1. the volume holds the supplement number ------------------------------------------------

@pytest.mark.parametrize("volume", ["1)", "1", "2)", "3)"])
def test_a_supplement_number_in_the_volume_field_is_not_another_volume(volume):
    """One conference abstract exported twice: 'volume 52, issue SUPPL. 1' with its DOI, and
    'volume 1)' (or 1, 2), 3)) with no issue and no DOI."""
    full = _row(1, volume="52", issue="SUPPL. 1", pages="S55", doi="10.1093/ndt/gfw160.01")
    mangled = _row(2, volume=volume, pages="S55")
    assert merged(full, mangled)


def test_a_supplement_number_with_a_percent_escaped_doi():
    full = _row(1, volume="31", issue="Suppl 1", pages="i210", doi="10.1093/ndt/gfw170.29")
    escaped = _row(2, volume="1)", pages="i210", doi="10.1093%2Fndt%2Fgfw170.29")
    assert merged(full, escaped)


def test_abstracts_of_one_supplement_doi_stay_apart():
    """Negative: the supplement's one DOI on two abstracts with other titles, pages and authors."""
    first = _row(1, volume="52", issue="SUPPL. 1", pages="S55", doi="10.1093/ndt/gfw160")
    other = _row(2, title="Complement factor H autoantibodies in children with atypical HUS: a registry",
                 authors=[("Dvorak", "T"), ("Ferreira", "L")], volume="52", issue="SUPPL. 1", pages="S58",
                 doi="10.1093/ndt/gfw160")
    assert not merged(first, other)
    # the same abstract title under another author list and page in the supplement: two abstracts
    assert not merged(first, _row(3, authors=[("Dvorak", "T"), ("Ferreira", "L")], volume="52",
                                  issue="SUPPL. 1", pages="S58", doi="10.1093/ndt/gfw160"))


def test_a_volume_that_disagrees_does_not_outweigh_two_contradictions():
    """Negative: another volume and other pages are two contradictions: two publications."""
    a = _row(1, volume="52", issue="3", pages="410-418")
    assert not merged(a, _row(2, volume="53", issue="1", pages="88-96"))


def test_a_volume_is_outweighed_only_on_the_same_page():
    """Butelman 2010, Psychopharmacology 209 and 210, pages 253-262, one without its DOI; without
    pages, another volume may be all that tells two pieces apart."""
    fields = dict(title="The discriminative effects of the kappa-opioid hallucinogen salvinorin A in "
                        "nonhuman primates", authors=[("Butelman", "Eduardo R.")], year=2010,
                  journal="Psychopharmacology")
    printed = _row(1, volume="210", pages="253-262", **fields)
    assert merged(printed, _row(2, volume="209", pages="253-262", **fields))
    assert not merged(_row(3, volume="210", **fields), _row(4, volume="209", **fields))


def test_a_column_in_two_volumes_stays_apart():
    """Negative: one editor's column in two volumes of one year, each on the volume's first pages
    (digital_work holds 'Remarks from MIS Quarterly Editor - Editor's Comments' in 24(1)-24(4)
    and 25(1)-25(2)). A library holding only two of them does not know the title recurs."""
    fields = dict(title="Remarks from MIS Quarterly Editor - Editor's Comments",
                  authors=[("Lee", "Allen S.")], year=2000, journal="MIS Quarterly", pages="1-2")
    assert not merged(_row(1, volume="24", **fields), _row(2, volume="25", **fields))


# -- 2. supplement pages garbled --------------------------------------------------------------

def test_garbled_supplement_pages_count_as_missing():
    """'S55-S58' in one copy, 'Suppl-58' in the other (a spreadsheet's mangling), and MEDLINE's
    '[Review] [31 refs]' after the title."""
    printed = _row(1, volume="26", issue="Suppl 8", pages="S55-S58")
    garbled = _row(2, title=ABSTRACT_TITLE + ". [Review] [31 refs]", volume="26", issue="Suppl 8",
                   pages="Suppl-58")
    assert merged(printed, garbled)
    assert dedup.first_page("Suppl-58") is None and dedup.last_page("Suppl-58") is None


# -- 3. pages garbled by an issue part --------------------------------------------------------

@pytest.mark.parametrize(("printed", "garbled"), [("411-416", "t-6"), ("301-308", "1-8")])
def test_pages_garbled_by_an_issue_part(printed, garbled):
    a = _row(1, volume="24", pages=printed)
    b = _row(2, volume="24", pages=garbled)
    assert merged(a, b)


def test_page_one_of_another_issue_is_a_real_page():
    """Negative: '1-8' in issue 1 against '301-308' in issue 4 of the same volume: two articles."""
    a = _row(1, volume="24", issue="4", pages="301-308")
    assert not merged(a, _row(2, volume="24", issue="1", pages="1-8"))


# -- 4. an electronic article number against the printed range --------------------------------

@pytest.mark.parametrize(("number", "printed"), [("e20431", "1-9"), ("a2210", "512-515")])
def test_an_article_number_is_not_a_page(number, printed):
    a = _row(1, volume="11", pages=number)
    b = _row(2, volume="11", pages=printed)
    assert merged(a, b)


@pytest.mark.parametrize("named", ["Article 171", "Art. no. 171", "Article Number: 171"])
def test_an_article_number_named_as_one_is_not_a_page(named):
    """Ovid Embase writes the article number as 'SP  - Article 171' (colandr_ovid, Frontiers in
    Psychiatry 4, 2013); the publisher's PDF paginates the article 1-9."""
    fields = dict(journal="Frontiers in Psychiatry", year=2013, volume="4")
    assert merged(_row(1, pages=named, issue="DEC", **fields), _row(2, pages="1-9", **fields))
    # the same number without its name is a page, like the abstract page below
    assert dedup.signature(_row(3, pages="171", **fields)).article_number is False


def test_a_meeting_abstract_page_still_tells_the_abstract_from_its_article():
    """Negative: Am J Respir Crit Care Med numbers its meeting abstracts 'A4912'; the same title
    as a full article on pages 1120-1128 is another publication (issue 6's definition)."""
    abstract = _row(1, journal="American Journal of Respiratory and Critical Care Medicine", volume="183",
                    pages="A4912")
    article = _row(2, journal="American Journal of Respiratory and Critical Care Medicine", volume="183",
                   pages="1120-1128")
    assert not merged(abstract, article)


# -- 5. the last (or first) page only, against the range --------------------------------------

def test_one_page_of_the_range():
    ranged = _row(1, volume="9", pages="76-77")
    assert merged(ranged, _row(2, volume="9", pages="77"))
    assert merged(ranged, _row(3, volume="9", pages="76"))


def test_a_one_page_item_outside_the_range_stays_apart():
    """Negative: a one-page correction under the article's title, elsewhere in the volume
    (sra_haematology id_0000807: 9(9) p2205 against the article in 9(5) 1223-1229)."""
    article = _row(1, volume="9", issue="5", pages="1223-1229")
    assert not merged(article, _row(2, volume="9", issue="9", pages="2205"))
    assert not merged(article, _row(3, volume="9", pages="2205"))


# -- 6. a group author against a personal author ----------------------------------------------

def test_a_group_named_instead_of_its_writer_for_one_citation():
    personal = _row(1, authors=[("Smith", "J")], volume="374", issue="9", pages="811-822")
    group = _row(2, authors=["The ATLAS Trial Study Group"], volume="374", issue="9", pages="811-822")
    assert merged(personal, group)


def test_a_group_with_another_citation_stays_apart():
    """Negative: the group's other paper under the same title, in another volume and pages."""
    personal = _row(1, authors=[("Smith", "J")], volume="374", issue="9", pages="811-822")
    group = _row(2, authors=["The ATLAS Trial Study Group"], volume="375", issue="2", pages="101-112")
    assert not merged(personal, group)


# -- 7. a one-letter typo in the first author's family name -----------------------------------

def test_a_one_letter_typo_in_the_first_author():
    a = _row(1, authors=[("Wang", "Y")], volume="12", issue="3", pages="233-240")
    b = _row(2, authors=[("Wan", "Y")], volume="12", issue="3", pages="233-240")
    assert merged(a, b)
    listed = _row(3, authors=[("Wang", "Y"), ("Chen", "L"), ("Zhou", "H")], volume="12", pages="233-240")
    typo = _row(4, authors=[("Wan", "Y"), ("Chen", "L"), ("Zhou", "H")], volume="12", pages="233-240")
    assert merged(listed, typo)


def test_another_first_author_stays_apart():
    """Negative: another name altogether, or a typo whose co-authors are others."""
    a = _row(1, authors=[("Wang", "Y")], volume="12", issue="3", pages="233-240")
    assert not merged(a, _row(2, authors=[("Okonkwo", "C")], volume="12", issue="3", pages="233-240"))
    listed = _row(3, authors=[("Wang", "Y"), ("Chen", "L")], volume="12", pages="233-240")
    assert not merged(listed, _row(4, authors=[("Wan", "Y"), ("Ruiz", "M")], volume="12", pages="233-240"))


# -- 8. a year off by one together with another page range ------------------------------------

def test_online_and_print_a_year_apart_with_other_pages_in_one_volume():
    online = _row(1, year=2015, volume="30", pages="1-11")
    printed = _row(2, year=2016, volume="30", issue="2", pages="283-293")
    assert merged(online, printed)
    online_ranged = _row(3, year=2015, volume="30", pages="410-420")
    assert merged(online_ranged, printed)


def test_a_year_apart_with_another_volume_and_pages_stays_apart():
    printed = _row(2, year=2016, volume="30", issue="2", pages="283-293")
    assert not merged(_row(1, year=2015, volume="29", pages="410-420"), printed)


# -- the same abstract on two pages (sra_haematology id_0001188, id_0001189) ------------------

def test_the_same_abstract_on_two_pages_of_one_volume():
    """sra_haematology's one miss: the IPTA 2011 abstract under the congress's journal name on
    page 22 and under the journal's own on page 52, volume 15, the same four authors."""
    title = ("Maintenance of renal function under eculizumab despite discontinuation of plasma exchange "
             "after a third transplantation for atypical hemolytic uremic syndrome associated with a CFH "
             "mutation")
    authors = [("Davin", "J. C."), ("Groothoff", "J. W."), ("Bemelman", "F. J."), ("Bouts", "A. H.")]
    congress = _row(1, title=title, authors=authors, year=2011, volume="15", pages="22-22",
                    journal="Pediatric Transplantation.Conference: 6th Congress of the International "
                            "Pediatric Transplant Association, IPTA 2011 Montreal, QC Canada.")
    journal = _row(2, title=title.title(), authors=authors, year=2011, volume="15", pages="52-52",
                   journal="Pediatric Transplantation")
    assert merged(congress, journal)


# -- the vetoes that protect studies ----------------------------------------------------------

def test_a_supplement_paper_and_the_journal_article_of_one_title_stay_apart():
    """sra_respiratory id_0000985, id_0000986 (truth_adjustments.csv): Tallman, 'Differentiating
    therapy in acute myeloid leukemia', Leukemia 10, 1262-1268 and 10 Suppl 2, S33-38."""
    title = "Differentiating therapy in acute myeloid leukemia"
    article = _row(1, title=title, authors=[("Tallman", "M. S.")], year=1996, journal="Leukemia",
                   volume="10", pages="1262-1268")
    supplement = _row(2, title=title, authors=[("Tallman", "M. S.")], year=1996, journal="Leukemia",
                      volume="10 Suppl 2", pages="S33-38")
    assert not merged(article, supplement)


def test_a_conference_abstract_and_its_article_stay_apart():
    """A one-page abstract in the congress issue and the full article, in one volume (the IPNA
    congress abstracts of truth_adjustments.csv), with or without the issue."""
    abstract = _row(1, journal="Pediatric Nephrology", volume="25", issue="9", pages="1875")
    article = _row(2, journal="Pediatric Nephrology", volume="25", issue="12", pages="2539-2542")
    assert not merged(abstract, article)
    assert not merged(_row(3, journal="Pediatric Nephrology", volume="25", pages="1875"), article)


def test_errata_and_replies_stay_apart():
    article = _row(1, volume="360", issue="5", pages="542-544", journal="N Engl J Med")
    erratum = _row(2, title="Erratum: " + ABSTRACT_TITLE, volume="360", issue="23", pages="2487",
                   journal="N Engl J Med")
    reply = _row(3, title=ABSTRACT_TITLE + " - Reply", volume="360", issue="5", pages="544",
                 journal="N Engl J Med")
    assert not merged(article, erratum)
    assert not merged(article, reply)


def test_successive_versions_of_a_cochrane_review_stay_apart():
    """CD002273.pub2 (2004) and .pub3 (2005): another DOI, another year and issue."""
    fields = dict(journal="Cochrane Database of Systematic Reviews", pages="CD002273")
    first = _row(1, year=2004, issue="2", doi="10.1002/14651858.CD002273.pub2", **fields)
    second = _row(2, year=2005, issue="4", doi="10.1002/14651858.CD002273.pub3", **fields)
    assert not merged(first, second)
    # without their DOIs, as some exports give them
    assert not merged({**first, "doi": None}, {**second, "doi": None})
    # one version under two EndNote record numbers in the issue field (sra_respiratory
    # id_0000121, id_0000122) is one record
    assert merged({**first, "doi": None, "issue": "1426"}, {**first, "doi": None, "issue": "1425"})


def test_two_forewords_of_one_special_issue_stay_apart():
    """An issue number alone is never outweighed: with no pages, it is all that tells apart the
    two parts' forewords of one special issue."""
    fields = dict(title="Special issue on information technologies and knowledge management",
                  authors=[("Alavi", "M"), ("Leidner", "D")], year=2005, journal="MIS Quarterly", volume="29")
    assert not merged(_row(1, issue="1", **fields), _row(2, issue="2", **fields))
