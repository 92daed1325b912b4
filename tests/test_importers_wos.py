"""Web of Science tagged ('plain text') exports: Zotero's and JabRef's fixtures, hand-checked fields."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from litreview.errors import ParseError
from tests._read import read_file
from tests._zotero import ZOTERO, assert_agrees
from tests.conftest import OWN_CUTS

JABREF = OWN_CUTS / "exports/fixtures/jabref"


@pytest.mark.parametrize("case", ["00", "01", "03", "04", "05", "06", "07", "08"])
def test_zotero_fixtures_agree_on_title_authors_doi_volume_pages(case: str) -> None:
    """Not compared: 02's pages, 'BP 82 / EP 82', which Zotero keeps as '82-82' and we as '82'."""
    assert_agrees("Web_of_Science_Tagged", case, "wos")


@pytest.mark.parametrize("name", ["IsiImporterTest1.isi", "IsiImporterTest2.isi", "IsiImporterTestInspec.isi",
                                  "IsiImporterTestMedline.isi", "IsiImporterTestWOS.isi"])
def test_jabref_fixtures_read_every_record(name: str) -> None:
    path = JABREF / name
    records, skipped, fmt, _ = read_file(path)
    assert fmt == "wos" and skipped == []
    assert len(records) == len(re.findall(r"^ER\s*$", path.read_text(encoding="utf-8-sig"), re.M))


def test_hand_checked_record() -> None:
    first = read_file(ZOTERO / "Web_of_Science_Tagged/00.input.txt")[0][0]
    assert first.source_db == "Web of Science" and first.source_key == "WOS:000286597100004"
    assert first.title == ("Anaplerotic Role for Cytosolic Malic Enzyme in Engineered Saccharomyces "
                           "cerevisiae Strains")
    assert [(a.family, a.given) for a in first.authors] == [
        ("Zelle", "Rintze M."), ("Harrison", "Jacob C."), ("Pronk", "Jack T."),
        ("van Maris", "Antonius J. A.")]
    assert (first.journal, first.volume, first.issue, first.pages) == (
        "APPLIED AND ENVIRONMENTAL MICROBIOLOGY", "77", "3", "732-738")
    assert (first.year, first.month, first.doi, first.issn_print) == (
        2011, 2, "10.1128/AEM.02132-10", "0099-2240")
    assert first.abstract.startswith("Malic enzyme catalyzes") and first.abstract.endswith("acid production.")


def test_names_one_a_line_text_wrapped_emails_dropped(tmp_path: Path) -> None:
    path = tmp_path / "savedrecs.txt"
    path.write_text(
        "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Haidar, R\n   Mhaidli, H\n"
        "AF Haidar, Rachid\n   Mhaidli, Hani (hani@example.org)\nCA Thalassemia Study Group\n"
        "TI Paraspinal extramedullary hematopoiesis in patients with thalassemia\n   intermedia\n"
        "SO EUROPEAN SPINE JOURNAL\nJI Eur. Spine J.\nDT Article\nDE extramedullary hematopoiesis;\n"
        "   thalassemia\nPD JUN 15 2010\nPY 2010\nVL 19\nIS 6\nBP 871\nEP 878\nPM 20204423\n"
        "UT WOS:000278103200001\nER\n\nEF\n", encoding="utf-8")
    [record] = read_file(path)[0]
    assert [a.given or a.collective for a in record.authors] == ["Rachid", "Hani", "Thalassemia Study Group"]
    assert record.title.endswith("with thalassemia intermedia")
    assert record.keywords == ["extramedullary hematopoiesis", "thalassemia"]
    assert (record.month, record.day, record.pmid, record.journal_abbrev) == (
        6, 15, "20204423", "Eur. Spine J.")


@pytest.mark.parametrize(("text", "says"), [
    ("FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nTI A title\nPY 2010\n", "no 'ER' line"),
    ("FN Clarivate Analytics Web of Science\nVR 1.0\n## not a field\nPT J\nER\n", "line 3"),
])
def test_broken_files_name_the_problem(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "broken.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParseError, match=says):
        read_file(path, "wos")


@pytest.mark.parametrize(("published", "month", "day"), [
    ("FEB 2011", 2, None), ("JAN 15 2011", 1, 15), ("FEB-MAR 2011", 2, None), ("SPR 2011", None, None),
])
def test_publication_dates(tmp_path: Path, published: str, month: int | None, day: int | None) -> None:
    """A season is not a month: 'SPR 2011' stays as written, in date_text only."""
    path = tmp_path / "savedrecs.txt"
    path.write_text(f"FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nTI A title\nPD {published}\n"
                    "PY 2011\nUT WOS:1\nER\nEF\n", encoding="utf-8")
    [record] = read_file(path)[0]
    assert (record.year, record.month, record.day, record.date_text) == (2011, month, day, published)
