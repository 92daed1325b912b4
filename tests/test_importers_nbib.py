"""MEDLINE/nbib importer (Bio.Medline)."""

from __future__ import annotations

from pathlib import Path

import pytest

from litreview.errors import ParseError
from tests._counting import count_nbib
from tests._read import read_file
from tests._zotero import assert_agrees
from tests.conftest import OWN_CUTS, SHARED_DATA

NBIB_FILES = [
    *sorted((SHARED_DATA / "exports/nbib").rglob("*.nbib")),
    *sorted((SHARED_DATA / "exports/nbib").rglob("*_medline.txt")),
    *sorted((SHARED_DATA / "pubmed_xml").rglob("*.txt")),
    SHARED_DATA / "pubmed_xml/biopython/history/efetch2.txt.63c18bcf",
    SHARED_DATA / "pubmed_xml/biopython/history/pubmed_result4.txt.821dc15e",
]


@pytest.mark.parametrize("path", NBIB_FILES, ids=lambda p: p.name)
@pytest.mark.shared_data
def test_every_shared_nbib_file_imports_with_its_record_count(path: Path) -> None:
    records, skipped, name, _ = read_file(path)
    assert name == "nbib" and skipped == []
    assert len(records) == count_nbib(path)
    assert all(r.source_db == "PubMed" and r.source_key == r.pmid for r in records)


def test_hand_checked_record(shared_data: Path) -> None:
    record = read_file(shared_data / "exports/nbib/p1m/citations_92.nbib")[0][0]
    assert record.pmid == "11890621"
    assert record.title == ("Cyclic neutropenia and pyomyositis: a rare cause of overwhelming"
                            " sepsis.")
    assert record.journal == "Annals of the Royal College of Surgeons of England"
    assert record.journal_abbrev == "Ann R Coll Surg Engl"
    assert (record.volume, record.issue, record.pages) == ("84", "1", "26-8")
    assert (record.year, record.month) == (2002, 1)
    assert record.pmcid == "PMC2503747"
    # 'FAU - Waites, M D' holds initials only: kept as initials, not as a given name
    assert record.authors[0].family == "Waites" and record.authors[0].initials == "MD"
    assert record.authors[0].given is None
    assert record.issn_print == "0035-8843"
    # 'MH  - Myositis/*complications': the qualifier is the major topic, as PubMed XML says it
    myositis = next(m for m in record.mesh if m.descriptor == "Myositis")
    assert not myositis.major
    assert myositis.qualifiers == [{"name": "complications", "ui": None, "major": True}]


def test_non_pubmed_nbib_authors_with_commas() -> None:
    path = OWN_CUTS / "exports/fixtures/zotero_translators/MEDLINEnbib/04.input.txt"
    record = read_file(path, "nbib")[0][0]
    assert record.authors[0].family == "van Groen"
    assert record.authors[0].given == "Maaike M."


def test_suffix_is_neither_initials_nor_given_name(shared_data: Path) -> None:
    records = read_file(shared_data / "exports/nbib/p1m/citations_92.nbib")[0]
    ward = next(a for r in records for a in r.authors if a.family == "Ward")
    assert (ward.initials, ward.suffix, ward.short()) == ("GW", "Jr", "Ward GW Jr")


def test_book_fields_that_bio_medline_reads_as_lists(tmp_path: Path) -> None:
    path = tmp_path / "book.nbib"
    path.write_text("PMID- 1\nBTI - Models at the Service of Marine Nature-based Solutions\n"
                    "PB  - Springer\nEN  - 2nd\nPT  - BOOK\n", encoding="utf-8")
    record = read_file(path)[0][0]
    assert (record.title, record.kind) == ("Models at the Service of Marine Nature-based Solutions", "book")
    assert (record.publisher, record.edition) == ("Springer", "2nd")


def test_search_history_is_not_supported(shared_data: Path) -> None:
    with pytest.raises(ParseError, match="search history"):
        read_file(shared_data / "exports/nbib/p1m/pubmed-1.txt")


def test_broken_field_line_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "bad.nbib"
    path.write_text("PMID- 1\nTI  - A title\nAU\n")
    with pytest.raises(ParseError, match="line 3"):
        read_file(path)


@pytest.mark.parametrize("case,pages", [("00", True), ("02", True), ("04", True),
                                        ("06", True), ("07", True), ("01", False)])
def test_zotero_medline_fixtures_agree(case: str, pages: bool) -> None:
    """Zotero's MEDLINE/nbib import tests as a second opinion.

    Pages: Zotero expands PubMed's abbreviated ranges ('6913-7' -> '6913-6917'); we keep
    them as written because Vancouver/NLM citations print them abbreviated (01, 03). 05/08
    carry the article number / PII in LID where Zotero fills pages; we keep it as
    article_number.
    """
    assert_agrees("MEDLINEnbib", case, "nbib", pages=pages)
