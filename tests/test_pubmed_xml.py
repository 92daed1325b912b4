"""PubMed XML parsing: every real file under ../shared/data/pubmed_xml and the hard cases."""

import io
import re
from pathlib import Path

import pytest

from litreview.errors import ParseError
from litreview.pubmed_xml import parse_pubmed_xml
from tests.conftest import SHARED_DATA, TEST_DATA

PUBMED_DIR = SHARED_DATA / "pubmed_xml"
ARTICLE_OPEN = re.compile(rb"<(PubmedArticle|PubmedBookArticle)[\s>]")


def _pubmed_files() -> list[Path]:
    files = []
    for path in sorted(PUBMED_DIR.rglob("*")):
        if path.is_file() and path.suffix not in {".txt", ".tsv", ".html", ".bib"}:
            head = _read(path)[:4000]
            if b"<PubmedArticleSet" in head or b"<PubmedArticle>" in head:
                files.append(path)
    return files


def _read(path: Path) -> bytes:
    import gzip

    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


@pytest.fixture(scope="module")
def shared_records():
    """PMID -> record, the first file (in path order) that holds it."""
    records = {}
    for path in _pubmed_files():
        for record in parse_pubmed_xml(path):
            records.setdefault(record.pmid, record)
    return records


@pytest.mark.parametrize("path", _pubmed_files(), ids=lambda p: str(p.relative_to(PUBMED_DIR)))
def test_every_shared_file_parses_completely(path):
    expected = len(ARTICLE_OPEN.findall(_read(path)))
    records = list(parse_pubmed_xml(path))
    assert len(records) == expected
    assert all(r.pmid and r.title for r in records)


def test_shared_corpus_has_its_hard_cases(shared_records):
    assert len(shared_records) >= 500
    assert sum(1 for r in shared_records.values() if r.kind in {"book", "chapter"}) >= 1


def test_medline_date_range(shared_records):
    record = shared_records["16260997"]
    assert (record.year, record.month, record.date_text) == (2005, 10, "2005 Oct-Dec")


def test_season(shared_records):
    record = shared_records["12091962"]
    assert (record.year, record.month, record.date_text) == (1990, None, "1990 Spring")
    assert record.pages == "113-25"


def test_collective_author_orcid_and_affiliations(shared_records):
    authors = shared_records["29963580"].authors
    assert authors[-1].collective == "Canadian Respiratory Research Network"
    assert authors[1].orcid == "0000-0002-4590-7461"
    assert authors[0].affiliations[0].startswith("University of Western Ontario, Robarts")
    assert authors[5].short() == "McCormack DG"


def test_labelled_abstract_keeps_sections(shared_records):
    record = shared_records["30600484"]
    labels = [s.label for s in record.abstract_sections]
    assert labels == ["INTRODUCTION", "OBJECTIVE", "METHODS", "RESULTS", "CONCLUSION"]
    assert record.abstract.startswith("INTRODUCTION: Early detection of adverse drug events")
    assert "\nMETHODS: We developed a recurrent neural network" in record.abstract


def test_translated_title_and_vernacular(shared_records):
    record = shared_records["22940663"]
    assert record.title.startswith("[Hyperbaric oxygen therapy for air embolism")
    assert record.languages == ["jpn"]
    medic = shared_records["123"]
    assert medic.vernacular_title == "non-english article title"


def test_erratum_link(shared_records):
    corrections = shared_records["16786252"].corrections
    assert corrections[0].type == "ErratumIn"
    assert corrections[0].ref == "Clin Rheumatol. 2007 Apr;26(4):617"


def test_article_number_when_no_pages(shared_records):
    record = shared_records["29088123"]
    assert (record.pages, record.article_number, record.doi) == (None, "E2496", "10.3390/s17112496")


def test_ahead_of_print_takes_electronic_date(shared_records):
    record = shared_records["30919711"]
    assert record.publication_status == "aheadofprint"
    assert (record.year, record.month, record.volume) == (2019, 3, None)


def test_book_article(shared_records):
    book = shared_records["20301295"]
    assert (book.kind, book.title, book.year) == ("book", "GeneReviews™", 1993)
    assert (book.publisher, book.place) == ("University of Washington, Seattle", "Seattle (WA)")
    assert [e.short() for e in book.editors][:2] == ["Pagon RA", "Bird TD"]
    assert book.extra["bookaccession"] == "NBK1116"


def test_every_field_and_unknown_tags():
    [record] = list(parse_pubmed_xml(TEST_DATA / "pubmed_future_tags.xml"))
    assert record.pmid == "19830459" and record.pmcid == "PMC2899976"
    assert record.doi == "10.1007/s00586-009-1206-3"
    assert record.title == "Paraspinal extramedullary hematopoiesis in patients with thalassemia intermedia."
    assert (record.journal_abbrev, record.issn_print, record.issn_electronic) == (
        "Eur Spine J", "0940-6719", "1432-0932")
    assert (record.volume, record.issue, record.pages) == ("19", "6", "871-8")
    assert (record.year, record.month) == (2010, 6)
    assert record.abstract_sections[1].text == "We reviewed all cases with H2O-weighted MRI."
    assert [a.short() for a in record.authors] == [
        "Haidar R", "Taher AT", "Thalassemia Clinical Research Network"]
    assert record.authors[0].orcid == "0000-0002-1825-009X"
    assert record.mesh[0].descriptor == "Hematopoiesis, Extramedullary" and record.mesh[0].major
    assert record.mesh[0].qualifiers == [{"name": "physiology", "major": False, "ui": "Q000502"}]
    assert record.keywords == ["Spinal cord compression"]
    assert record.publication_types == ["Journal Article", "Review"]
    assert record.corrections[0].pmid == "20000001"
    assert record.extra["pii"] == "S0000-0000(10)00001-1" and record.article_number is None
    assert (record.source_db, record.source_key) == ("PubMed", "19830459")


def test_doi_survives_a_following_pii():
    data = (TEST_DATA / "pubmed_future_tags.xml").read_bytes()
    data = data.replace(b'<ArticleId IdType="doi">10.1007/s00586-009-1206-3</ArticleId>',
                        b'<ArticleId IdType="pii">S0940</ArticleId>')
    [record] = list(parse_pubmed_xml(io.BytesIO(data)))
    assert record.doi == "10.1007/s00586-009-1206-3"


def test_truncated_document_raises_with_location():
    with pytest.raises(ParseError) as caught:
        list(parse_pubmed_xml(TEST_DATA / "pubmed_truncated.xml"))
    error = caught.value
    assert error.file.endswith("pubmed_truncated.xml") and error.record == 1 and error.line
    assert "malformed PubMed XML after 0 complete records" in str(error)


def test_not_xml_raises_for_streams():
    with pytest.raises(ParseError, match="<stream>"):
        list(parse_pubmed_xml(io.BytesIO(b"<html><body>Service unavailable")))


def test_non_article_documents_yield_nothing():
    assert list(parse_pubmed_xml(PUBMED_DIR / "biopython" / "Entrez" / "esearch1.xml")) == []
