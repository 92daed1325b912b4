"""CSV importer: known layouts, the dedup sets, PubMed CSV, --map."""

from __future__ import annotations

from pathlib import Path

import pytest

from litreview.errors import ParseError
from litreview.importing import read_file
from tests._counting import count_csv_rows, count_nbib
from tests.conftest import SHARED_DATA

PUBMED_CSV = sorted((SHARED_DATA / "exports/pubmed_csv").glob("*.csv"))
MEDLINE_CSV = sorted((SHARED_DATA / "exports/nbib").rglob("*_medline.csv"))


@pytest.mark.parametrize("path", PUBMED_CSV, ids=lambda p: p.name)
@pytest.mark.shared_data
def test_pubmed_csv_export(path: Path) -> None:
    records, skipped, name, _ = read_file(path)
    assert name == "csv" and skipped == []
    assert len(records) == count_csv_rows(path)
    assert all(r.source_db == "PubMed" and r.pmid == r.source_key for r in records)


def test_pubmed_csv_hand_checked(shared_data: Path) -> None:
    path = shared_data / "exports/pubmed_csv/pubmed_result_ssb_2019-07-13_thru_2019-07-14_58.csv"
    first = read_file(path)[0][0]
    assert first.pmid == "31301691"
    assert first.title.startswith("Allergen components in diagnosing childhood hazelnut")
    assert [a.family for a in first.authors][:2] == ["Nilsson", "Berthold"]
    assert first.authors[0].initials == "C"
    assert first.doi == "10.1111/pai.13110" and first.year == 2019
    assert first.journal_abbrev == "Pediatr Allergy Immunol"


@pytest.mark.parametrize("path", MEDLINE_CSV, ids=lambda p: p.name)
@pytest.mark.shared_data
def test_csv_of_medline_cells(path: Path) -> None:
    records = read_file(path)[0]
    assert len(records) == count_csv_rows(path)
    assert len(records) == count_nbib(path.with_suffix(".txt"))


def test_dedup_layout_keeps_id_and_source_db(shared_data: Path) -> None:
    path = shared_data / "dedup/special_cases/records.csv"
    records = read_file(path)[0]
    assert len(records) == count_csv_rows(path)
    assert records[0].source_key == "id_0000001"
    misq = read_file(shared_data / "dedup/misq_mixed/records.csv", skip_invalid=True)
    assert misq[0][0].source_db == "crossref"
    total = count_csv_rows(shared_data / "dedup/misq_mixed/records.csv")
    assert len(misq[0]) + len(misq[1]) == total


def test_empty_rows_fail_unless_skipped(shared_data: Path) -> None:
    path = shared_data / "dedup/tests_data/records.csv"
    with pytest.raises(ParseError, match="record 3: record is empty"):
        read_file(path)
    records, skipped, _, _ = read_file(path, skip_invalid=True)
    assert len(records) == count_csv_rows(path) - 1 and len(skipped) == 1


@pytest.mark.parametrize("header,row", [
    ("Title,Authors,Abstract,Published Year,Journal,Volume,Issue,Pages,DOI,Covidence #",
     'A covidence title,"Smith, J; Jones, K",Abs,2020,J Med,1,2,3-4,10.1000/x,#12'),
    ("key,title,authors,journal,year,doi,abstract",
     'r1,A rayyan title,"Smith, J and Jones, K",J Med,2020,10.1000/x,Abs'),
    ("record_id,title,abstract,authors,doi,included",
     "7,An asreview title,Abs,Smith J,10.1000/x,1"),
    ("Key,Item Type,Publication Year,Author,Title,Publication Title,DOI,Abstract Note",
     'ZK1,journalArticle,2020,"Smith, J; Jones, K",A zotero title,J Med,10.1000/x,Abs'),
    ("PMID,Title,Authors,Citation,First Author,Journal/Book,Publication Year,Create Date,PMCID,"
     "NIHMS ID,DOI",
     '31301691,A pubmed title,"Smith J, Jones K.",J Med. 2020;1(2):3-4.,Smith J,J Med,2020,'
     '2020/01/01,,,10.1000/x'),
])
def test_known_headers(tmp_path: Path, header: str, row: str) -> None:
    path = tmp_path / "refs.csv"
    path.write_text(header + "\n" + row + "\n", encoding="utf-8")
    record = read_file(path, source="Embase")[0][0]
    assert record.title.endswith("title")
    assert record.authors[0].family == "Smith"
    assert record.doi == "10.1000/x" and record.source_db == "Embase"
    assert record.source_key in {"#12", "r1", "7", "ZK1", "31301691"}


@pytest.mark.parametrize("authors,expected", [
    ("Sprague Jr., Ralph H.", [("Sprague", "Ralph H", "Jr")]),  # DBLP's form, one author
    ("Nilsson C, Berthold M", [("Nilsson", None, None), ("Berthold", None, None)]),
    ("Sprague RH Jr, Watson HJ", [("Sprague", None, "Jr"), ("Watson", None, None)]),
    # PubMed's CSV: family names of several words, initials with accents, 'IV' as initials
    ("de Oliveira Gomes IP, Thaler Neto A, Strand LÅ, Buynevich IV",
     [("de Oliveira Gomes", None, None), ("Thaler Neto", None, None), ("Strand", None, None),
      ("Buynevich", None, None)]),
    ("Hunter III, S. David", [("Hunter", "S. David", "III")]),
])
def test_comma_separated_authors(tmp_path: Path, authors: str, expected: list) -> None:
    path = tmp_path / "refs.csv"
    path.write_text(f'title,authors\nA title,"{authors}"\n', encoding="utf-8")
    record = read_file(path)[0][0]
    assert [(a.family, a.given, a.suffix) for a in record.authors] == expected
    assert all(a.initials or a.given for a in record.authors)


def test_an_organisation_is_one_group_author(shared_data: Path, tmp_path: Path) -> None:
    """sra_haematology lists trial registrations under their sponsor, 'Alexion Pharmaceuticals,
    Inc', which read as a person (family 'Alexion Pharmaceuticals', given 'Inc') printed
    'Alexion Pharmaceuticals I' in Vancouver."""
    records, _, _, _ = read_file(shared_data / "dedup/sra_haematology/records.csv", skip_invalid=True)
    sponsored = [r for r in records if r.source_key == "id_0000235"]
    authors = [(a.collective, a.family) for a in sponsored[0].authors]
    assert authors == [("Alexion Pharmaceuticals, Inc", None)]
    path = tmp_path / "refs.csv"
    path.write_text('title,authors\nA guideline,"European Medicines Agency; Smith, John"\n', encoding="utf-8")
    authors = read_file(path)[0][0].authors
    assert [(a.collective, a.family, a.given) for a in authors] == [
        ("European Medicines Agency", None, None), (None, "Smith", "John")]


def test_map_option(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("Ref,Heading,Who\nA1,Odd layout,Smith J\n", encoding="utf-8")
    with pytest.raises(ParseError, match="no title, DOI or PMID column"):
        read_file(path)
    record = read_file(path, column_map={"Heading": "title", "Ref": "id", "Who": "authors"})[0][0]
    assert (record.title, record.source_key, record.authors[0].family) == ("Odd layout", "A1",
                                                                          "Smith")
    with pytest.raises(ParseError, match="does not have"):
        read_file(path, column_map={"Nope": "title"})


def test_ragged_row_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,title\n1,ok\n2,too,many,cells\n", encoding="utf-8")
    with pytest.raises(ParseError, match="line 3, record 2: row has 4 cells"):
        read_file(path)


def test_windows_1252_is_read_as_such_wherever_its_first_accent_is(tmp_path: Path) -> None:
    """Excel's CSV: 'café' and curly quotes in Windows-1252. In a file short enough to fit in the
    sniffed head, the last 'é' was taken for a UTF-8 character cut off; after 64 KB of ASCII, the
    file was read as UTF-8. Both gave 'caf\ufffd'."""
    short = tmp_path / "short.csv"
    short.write_bytes(b"id,title\n1,Caf\xe9\n")
    assert read_file(short, source="X")[0][0].title == "Café"
    late = tmp_path / "late.csv"
    late.write_bytes(b"id,title\n" + b"".join(b"%d,Plain title %d\n" % (i, i) for i in range(5000))
                     + b"9999,Caf\xe9 \x93quoted\x94\n")
    assert read_file(late, source="X")[0][-1].title == "Café “quoted”"


EUROPEAN_EXCEL = (
    "Title;Authors;Year;DOI;Kosten\r\n"
    '"Kosten, Nutzen; und Folgen";"Müller, H; Weiß, A";2019;10.1000/eu.1;"1,5"\r\n'
    '"Ein ""zitierter"" Titel";Schmidt, K;2020;10.1000/eu.2;2,25\r\n'
)


def test_a_semicolon_separated_european_excel_csv_imports(tmp_path: Path) -> None:
    """Excel where the decimal mark is a comma writes ';' between cells (and Windows-1252): this
    file was sniffed as CSV, read with commas and failed with 'no title, DOI or PMID column'."""
    path = tmp_path / "export.csv"
    path.write_bytes(EUROPEAN_EXCEL.encode("cp1252"))
    records, skipped, fmt, how = read_file(path, source="Embase")
    assert fmt == "csv" and "by content" in how and skipped == []
    assert [r.title for r in records] == ["Kosten, Nutzen; und Folgen", 'Ein "zitierter" Titel']
    assert [a.family for a in records[0].authors] == ["Müller", "Weiß"]
    assert [(r.year, r.doi) for r in records] == [(2019, "10.1000/eu.1"), (2020, "10.1000/eu.2")]


@pytest.mark.parametrize(("text", "suffix", "delimiter"), [
    ("id,title,year\n1,A title; with a semicolon,2001\n2,Another,2002\n", ".csv", ","),
    ("id;title;year\n1;A title, with a comma;2001\n2;Another;2002\n", ".csv", ";"),
    ("id\ttitle\tyear\n1\tA title, with a comma\t2001\n2\tAnother\t2002\n", ".txt", "\t"),
    ("id|title|year\n1|A title, with a comma|2001\n2|Another|2002\n", ".csv", "|"),
    ("title\nOne column only\n", ".csv", ","),
    ("title\nOne column only\n", ".tsv", "\t"),
])
def test_the_delimiter_is_sniffed(text: str, suffix: str, delimiter: str) -> None:
    from litreview.importers.csv import sniff_dialect

    assert sniff_dialect(text, suffix).delimiter == delimiter


def test_a_doubled_quote_after_the_sniffed_head_is_still_one_quote(tmp_path: Path) -> None:
    """The Sniffer says doublequote=False when its sample holds no doubled quote; a cell far
    down the file with one must still read as Excel wrote it."""
    path = tmp_path / "late_quote.csv"
    rows = "".join(f'{n};"Plain title {n}";2001\n' for n in range(3000))
    path.write_text("id;title;year\n" + rows + '9999;"A ""quoted"" word; and more";2002\n',
                    encoding="utf-8")
    records = read_file(path, source="X")[0]
    assert len(records) == 3001 and records[-1].title == 'A "quoted" word; and more'
