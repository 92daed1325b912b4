"""RIS importer: every shared RIS file, Ovid's quirks, Zotero's second opinion."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from litreview.errors import ParseError
from litreview.importers.ris import read
from litreview.importing import read_file
from tests._counting import count_ris
from tests._zotero import assert_agrees
from tests.conftest import OWN_CUTS, SHARED_DATA, TEST_DATA

RIS_FILES = sorted((SHARED_DATA / "exports" / "ris").rglob("*.ris")) + sorted(
    (SHARED_DATA / "dedup" / "colandr_ovid" / "raw").glob("*.ris"))


@pytest.mark.parametrize("path", RIS_FILES, ids=lambda p: p.name)
@pytest.mark.shared_data
def test_every_shared_ris_file_imports_with_its_record_count(path: Path) -> None:
    records, skipped, name, _ = read_file(path)
    assert name == "ris"
    assert skipped == []
    assert len(records) == count_ris(path)
    assert all(r.source_db and r.source_key for r in records)


def test_ovid_quirks_bom_crlf_numbers_links_runon_and_trailing_tags() -> None:
    first, second = read_file(TEST_DATA / "ovid_quirks.ris")[0]
    assert first.title == "Mushroom poisoning: A proposed new clinical classification."
    assert (first.year, first.month) == (2018, None)  # 'Y1  - 2018//'
    assert first.source_db == "MEDLINE" and first.source_key == "30439442"
    assert first.pmid == "30439442"
    assert first.doi == "10.1016/j.toxicon.2018.11.007"
    assert first.pages == "53-65" and first.keywords == ["mushrooms", "poisoning"]
    assert [a.family for a in first.authors] == ["White", "Weinstein"]
    assert first.authors[1].given == "Scott A"
    assert second.source_db == "Embase" and second.pmid is None
    assert (second.year, second.month, second.day) == (2019, 5, 3)
    assert second.authors[0].initials == "JA" and second.authors[0].given is None


def test_embase_names_family_then_dotted_initials() -> None:
    embase, _ = read_file(TEST_DATA / "ovid_embase_central.ris")[0]
    assert embase.source_db == "Embase"
    assert [(a.family, a.initials) for a in embase.authors] == [
        ("Barrett", "FS"), ("Johnson", "MW"), ("Griffiths", "RR"), ("van der Berg", "J-P"),
        ("Pope", "HG")]
    assert embase.authors[-1].suffix == "Jr" and embase.authors[-1].short() == "Pope HG Jr"


def test_central_conference_abstract_fields() -> None:
    """CENTRAL repeats the title in T2 and files 'Conference: <meeting>. 171' and 'pp e15-e16'
    in VL and IS; the record gets the journal, volume and pages Embase gives the same abstract."""
    embase, central = read_file(TEST_DATA / "ovid_embase_central.ris")[0]
    assert central.source_db == "CENTRAL"
    assert central.journal == "Drug and alcohol dependence"
    assert (central.volume, central.issue, central.pages) == ("171", None, "e15-e16")
    assert (embase.volume, embase.pages) == (central.volume, central.pages)
    assert central.extra["conference"].startswith("2016 Annual Meeting of the College on Problems")


def test_hand_checked_ovid_medline_record(shared_data: Path) -> None:
    records = read_file(shared_data / "exports/ris/citesource_new_stage/medline_84.ris")[0]
    first = records[0]
    assert first.title.startswith("Short-Term Exposure to Wildfire-Specific PM2.5")
    assert first.authors[0].family == "Zhang" and first.authors[0].given == "Yiwen"
    assert len(first.authors) == 28
    assert first.source_db == "MEDLINE"


def test_hand_checked_databases_from_the_files(shared_data: Path) -> None:
    ris = shared_data / "exports/ris"
    assert read_file(ris / "citesource_misc/Scopus_100.ris")[0][0].source_db == "Scopus"
    wos = read_file(ris / "citesource_new_stage/wos_278.ris")[0][0]
    assert wos.source_db == "Web of Science" and wos.source_key.startswith("WOS:")
    assert read_file(ris / "citesource_misc/psycinfo_64.ris")[0][0].source_db == "PsycINFO"
    assert read_file(ris / "citesource_new_stage/Dimensions_246.ris")[0][0].source_db == \
        "Dimensions"


def test_source_names_database_when_file_does_not(shared_data: Path) -> None:
    path = shared_data / "exports/ris/citesource_misc/pubmed_46.ris"
    assert read_file(path, source="PubMed")[0][0].source_db == "PubMed"
    assert read_file(path)[0][0].source_db == "RIS"


def test_records_without_id_get_a_stable_content_key(tmp_path: Path) -> None:
    path = tmp_path / "a.ris"
    path.write_text("TY  - JOUR\nTI  - A title\nPY  - 2020\nER  - \n")
    key1 = read_file(path)[0][0].source_key
    key2 = read_file(path)[0][0].source_key
    assert key1 == key2 and key1.startswith("sha1:")


@pytest.mark.parametrize("text,where", [
    ("TY  - JOUR\nTI  - cut off here\n", "line 1"),
    ("TY  - JOUR\nTI  - one\nTY  - JOUR\nTI  - two\nER  - \n", "line 1"),
    ("AU  - Smith, J\nER  - \n", "line 1"),
])
def test_malformed_ris_names_the_line(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "bad.ris"
    path.write_text(text)
    with pytest.raises(ParseError, match=where):
        read_file(path)


def test_garbage_is_not_ris(tmp_path: Path) -> None:
    path = tmp_path / "bad.ris"
    path.write_text("this is not a reference file\n")
    with pytest.raises(ParseError, match="no RIS records"):
        list(read(path, None))


NOT_AUTHORS = {"editor", "seriesEditor", "bookAuthor", "translator", "contributor"}
ZOTERO = OWN_CUTS / "exports/fixtures/zotero_translators/RIS"


@pytest.mark.parametrize("case", ["00", "03", "05", "06", "08", "10"])
def test_zotero_ris_fixtures_agree_on_title_and_authors(case: str) -> None:
    """Zotero's RIS import tests as a second opinion on titles, author surnames, DOI, volume.

    Not compared: 02 (Zotero reads a generic-type record's A2 as an extra creator, we keep
    editors apart from authors); Zotero keeps pages as 'SP-EP' text and some fixtures
    (01, 04, 07, 09, 11) use tags Zotero maps to its own item types (notes, attachments)
    that have no place in a Record.
    """
    assert_agrees("RIS", case, "ris", pages=False)


JABREF = OWN_CUTS / "exports/fixtures/jabref"
JABREF_AGREE = ["RisImporterTest3", "RisImporterTest4a", "RisImporterTest4b", "RisImporterTest4c",
                "RisImporterTest5a", "RisImporterTest5b", "RisImporterTest6", "RisImporterTest7",
                "RisImporterTest8_date", "RisImporterTest9", "RisImporterTestDOI",
                "RisImporterTestDate1.1", "RisImporterTestDate1.2",
                "RisImporterTestDoiAndJournalTitle", "RisImporterTestScience",
                "RisImporterTestScopus", "RisImporterTestWithEmptyER"]


@pytest.mark.parametrize("name", JABREF_AGREE)
def test_jabref_ris_fixtures_agree_on_title_year_doi(name: str) -> None:
    """JabRef's RIS import tests as a second opinion (title, year, DOI of its .bib).

    Not matched: RisImporterTest1.ris is a stress file with TY lines inside a record
    (we stop with the line number: 'record has no ER line'); RisImporterCorrupted.ris
    starts without TY (refused, naming line 2). JabRef writes '--' for an em dash.
    """
    import bibtexparser

    record = read_file(JABREF / f"{name}.ris")[0][0]
    entry = bibtexparser.parse_string((JABREF / f"{name}.bib").read_text()).entries[0]
    if "title" in entry.fields_dict:
        title = entry["title"].replace("--", "\u2014")
        title = " ".join(re.sub(r"[{}]", "", title).split())
        assert record.title.rstrip(".") == title.rstrip(".")
    if "year" in entry.fields_dict:
        assert str(record.year) == entry["year"]
    if "doi" in entry.fields_dict:
        assert record.doi == entry["doi"].lower()


def test_jabref_corrupted_and_stress_files_name_the_line() -> None:
    with pytest.raises(ParseError, match="line 2"):
        read_file(JABREF / "RisImporterCorrupted.ris")
    with pytest.raises(ParseError, match="line 2.*no 'ER"):
        read_file(JABREF / "RisImporterTest1.ris")


@pytest.mark.parametrize(("written", "given", "suffix"), [
    ("Sprague, Jr., Ralph H.", "Ralph H.", "Jr"),  # BibTeX's order, as some tools write RIS
    ("Embile, Rodrigo F., Jr.", "Rodrigo F.", "Jr"),  # RIS's own order
    ("Dengah, H. J. François, II", "H. J. François", "II"),
    ("Canosa, IV", None, None),  # initials I.V., not a suffix
])
def test_generational_suffix_wherever_the_comma_puts_it(written: str, given: str | None, suffix: str | None
                                                        ) -> None:
    from litreview.names import parse_name

    author = parse_name(written)
    assert (author.given, author.suffix) == (given, suffix)
