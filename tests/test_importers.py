"""Every shared export file imports with the number of records it really holds."""

import csv
import io
import re
from pathlib import Path

import pytest

from litreview.errors import ParseError
from litreview.importers import ReadOptions, detect_format, get_importer
from tests.conftest import SHARED_DATA, TEST_DATA

EXPORTS = SHARED_DATA / "exports"
NOT_BIBLIOGRAPHIC = {"nbib/p1m/pubmed-1.txt"}  # a PubMed search history: queries with hit counts


def independent_count(path: Path) -> int:
    """Count records without our parsers: the tag or row each format starts a record with."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    suffix = path.suffix.lower()
    if suffix == ".ris":
        return len(re.findall(r"^\ufeff?TY  - ", text, re.M))
    if suffix in {".nbib", ".txt"}:
        return len(re.findall(r"^PMID- ", text, re.M))
    if suffix == ".bib":
        return len(re.findall(r"^@(?!comment|string|preamble)\w+\s*\{", text, re.M | re.I))
    if suffix == ".csv":
        rows = list(csv.reader(io.StringIO(text)))
        if rows and rows[1:2] and rows[1][0].startswith("PMID-"):
            return sum(len(re.findall(r"^PMID- ", row[0], re.M)) for row in rows[1:])
        return len(rows) - 1
    if suffix == ".xml":
        return len(re.findall(r"<(PubmedArticle|PubmedBookArticle)[\s>]", text)) or text.count("<record>")
    raise AssertionError(f"no independent count for {path}")


def _export_files() -> list[Path]:
    return [p for p in sorted(EXPORTS.rglob("*")) if p.is_file() and "fixtures" not in p.parts
            and p.suffix.lower() in {".ris", ".nbib", ".txt", ".bib", ".csv", ".xml"}
            and str(p.relative_to(EXPORTS)) not in NOT_BIBLIOGRAPHIC]


@pytest.mark.parametrize("path", _export_files(), ids=lambda p: str(p.relative_to(EXPORTS)))
def test_every_export_file_imports_completely(path):
    fmt = detect_format(path)
    records = list(get_importer(fmt).read(path, ReadOptions()))
    assert len(records) == independent_count(path)
    assert sum(1 for r in records if r.title) >= len(records) - 1


def test_search_history_is_refused_with_a_reason():
    with pytest.raises(ParseError, match="pubmed-1.txt, line 1: no 'PMID- ' line"):
        list(get_importer("nbib").read(EXPORTS / "nbib/p1m/pubmed-1.txt", ReadOptions()))


def _read(path, fmt=None, **options):
    return list(get_importer(fmt or detect_format(path)).read(path, ReadOptions(**options)))


def test_ris_bom_crlf_run_on_and_database_field():
    [record] = _read(TEST_DATA / "ris_bom_crlf.ris")
    assert record.title == "Paraspinal extramedullary hematopoiesis in thalassemia intermedia: a run-on title"
    assert [a.short() for a in record.authors] == ["Haidar R", "Taher AT"]
    assert (record.year, record.volume, record.issue, record.pages) == (2010, "19", "6", "871-878")
    assert record.doi == "10.1007/s00586-009-1206-3"
    assert (record.source_db, record.source_key) == ("Embase", "emb-1")
    assert record.keywords == ["thalassemia", "spinal cord compression"]


def test_ovid_export_names_each_records_database_and_pmid():
    path = SHARED_DATA / "dedup/colandr_ovid/raw/0_Ovid_search_results_1_to_1000.ris"
    records = _read(path)
    first = records[0]
    assert (first.source_db, first.pmid, first.source_key) == ("MEDLINE", "30439442", "30439442")
    assert first.title == "Mushroom poisoning: A proposed new clinical classification."
    assert first.doi == "10.1016/j.toxicon.2018.11.007" and first.year == 2018
    assert {r.source_db for r in records} == {"MEDLINE", "Cochrane CENTRAL"}


def test_ovid_tags_after_end_tag_and_percent_encoded_doi():
    path = SHARED_DATA / "dedup/colandr_ovid/raw/0_Ovid_search_results_3001_to_3130.ris"
    records = _read(path)
    assert {r.source_db for r in records} == {"APA PsycInfo"}
    assert any(r.doi == "10.1016/0376-8716(76)90010-7" for r in records)


def test_wos_and_scopus_ris():
    wos = _read(EXPORTS / "ris/citesource_misc/WoS_79.ris")
    assert wos[0].authors[0].short() == "Elton-Marshall T"
    assert wos[0].title.startswith("Marital Status and Problem Gambling among Older Adults")
    scopus = _read(EXPORTS / "ris/citesource_misc/Scopus_100.ris")
    assert {r.source_db for r in scopus} == {"Scopus"}
    assert scopus[0].authors[0].short() == "Arola HE"


def test_nbib_fields():
    records = _read(EXPORTS / "nbib/misc/hazelett_1.nbib")
    record = records[0]
    assert record.source_db == "PubMed" and record.pmid == record.source_key
    assert record.doi == "10.1016/j.ygyno.2019.02.023" and record.year == 2019
    assert record.authors[0].family == "Lawrenson" and record.authors[0].given == "Kate"


def test_bibtex_scopus_with_repeated_field_and_latex():
    records = _read(EXPORTS / "multi_db/p1m_cited_by/scopus.bib")
    first = records[0]
    assert first.source_key == "Bui20181477" and first.source_db == "Scopus"
    assert first.pmid == "30035838" and first.doi == "10.1111/ene.13758"
    assert [a.short() for a in first.authors][:2] == ["Bui KTA", "Abdaem J"]
    assert first.pages == "1477-1485" and first.journal == "European Journal of Neurology"


def test_pubmed_csv_old_layout():
    path = EXPORTS / "pubmed_csv/pubmed_result_ssb_2019-07-13_thru_2019-07-14_58.csv"
    first = _read(path)[0]
    assert first.pmid == "31301691" and first.doi == "10.1111/pai.13110"
    assert first.authors[0].short() == "Nilsson C" and first.year == 2019
    assert first.journal == "Pediatr Allergy Immunol"


def test_dedup_layout_csv_keeps_id_and_source():
    path = SHARED_DATA / "dedup/sra_haematology/records.csv"
    records = _read(path, "csv")
    assert records[0].source_key == "id_0000001"
    assert records[0].authors[0].short() == "Zuber J"
    assert records[0].pages == "23-35"


def test_csv_map_option_and_unknown_field(tmp_path):
    path = tmp_path / "custom.csv"
    path.write_text("Ref,Headline,Yr\nr1,Paraspinal EMH,2010\n")
    [record] = _read(path, "csv", column_map={"Headline": "title", "Yr": "year"})
    assert (record.source_key, record.title, record.year) == ("r1", "Paraspinal EMH", 2010)
    with pytest.raises(ParseError, match="unknown field; expected one of"):
        _read(path, "csv", column_map={"Headline": "titel"})
    with pytest.raises(ParseError, match="no title column"):
        _read(path, "csv")


def test_endnote_xml():
    records = _read(SHARED_DATA / "dedup/sra_respiratory/raw/Respiratory.xml")
    assert len(records) == 1988
    assert records[0].source_key == "2" and records[0].authors[0].short() == "Ziegler TR"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.ris", "TY  - JOUR\nTI  - One\nTY  - JOUR\nER  - \n", "line 3: 'TY  -' starts a record"),
        ("cut.ris", "TY  - JOUR\nTI  - Cut\n", "line 1: the record starting at line 1 has no 'ER  -'"),
        ("junk.ris", "TY  - JOUR\nER  - \nAU  x\n", "line 3: unexpected text"),
        ("bad.xml", '<?xml version="1.0"?><PubmedArticleSet><PubmedArticle><MedlineCitation>',
         "malformed PubMed XML"),
        ("bad.bib", "@article{k1, title={Open\n", "malformed BibTeX entry"),
        ("bad.csv", "id,title\n1,a,b,c\n", "line 2: 4 cells where the header has 2"),
    ],
)
def test_malformed_files_name_file_and_place(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ParseError) as caught:
        _read(path)
    assert name in str(caught.value) and message in str(caught.value)


def test_format_detection_by_content_not_suffix(tmp_path):
    path = tmp_path / "export.txt"
    path.write_text((TEST_DATA / "ris_bom_crlf.ris").read_text(encoding="utf-8-sig"))
    assert detect_format(path) == "ris"
    assert detect_format(SHARED_DATA / "dedup/sra_respiratory/raw/Respiratory.xml") == "endnote-xml"
    assert detect_format(SHARED_DATA / "pubmed_xml/biopython/Entrez/pubmed1.xml") == "pubmed-xml"
