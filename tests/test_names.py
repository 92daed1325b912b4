"""The shared readers of litreview.names (#17 item 6): months, years and name suffixes are read
alike by every format, by dedup's normaliser and by the pasted reference lists, from one module."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from litreview.dedup.normalise import family_key, unlabelled_title_key, usable_pages
from litreview.names import MONTH_WORD, YEAR, month_number, numeric_date, without_folded_suffix, year_in
from litreview.reflist import parse_reference
from tests._read import read_file

PACKAGE = Path(__file__).resolve().parents[1] / "litreview"


@pytest.mark.parametrize(("text", "number"), [("Jan", 1), ("january", 1), ("SEPT", 9), ("Sep.", 9),
                                              ("09", 9), (9, 9), ("13", None), ("Spring", None), ("", None)])
def test_month_number(text: str | int, number: int | None) -> None:
    assert month_number(text) == number


def test_years_are_read_in_free_text_within_the_plausible_range() -> None:
    assert year_in("Published 1998 Dec") == 1998
    assert year_in("1790 Mar") == 1790  # PubMed indexes articles from 1781
    assert year_in("pages 2345-2351") is None and year_in("vol 12") is None
    assert YEAR.fullmatch("1989") and not YEAR.fullmatch("2345")


@pytest.mark.parametrize(("text", "parts"), [
    ("2010/05/01/", (2010, 5, 1)), ("2018//", (2018, None, None)), ("2012-05-04", (2012, 5, 4)),
    ("2010-13-01", (2010, None, None)), ("2010/05/32", (2010, 5, None)), ("Spring 2010", None), (None, None)])
def test_numeric_dates_as_ris_and_biblatex_write_them(text: str | None, parts: tuple[int, ...] | None
                                                      ) -> None:
    assert numeric_date(text) == parts


def test_folded_suffixes_come_off_every_suffix_sources_write() -> None:
    assert without_folded_suffix("sprague jr") == "sprague"
    assert without_folded_suffix("dengah 2nd") == "dengah"  # the suffix list is names.SUFFIXES'
    assert without_folded_suffix("king iii") == "king" and without_folded_suffix("iverson") == "iverson"
    assert family_key("Sprague Jr.") == family_key("Sprague") == "sprague"
    assert family_key("Dengah 2nd") == "dengah"


def test_dedup_reads_pages_a_spreadsheet_made_a_date_with_the_shared_month_reader() -> None:
    assert usable_pages("21-Apr") == "4-21"
    assert usable_pages("Jun-01") == "1-6"
    assert usable_pages("June 2010") is None  # a month, but not a page range a spreadsheet dated
    assert usable_pages("233-8") == "233-8"
    assert MONTH_WORD.search("21-APR") and not MONTH_WORD.search("233-8")


def test_a_label_year_is_not_taken_for_the_label() -> None:
    title = "SIM 1989 Jury Award Paper - Information systems planning in a changing environment"
    key = "sim1989juryawardpaperinformationsystemsplanninginachangingenvironment"
    assert unlabelled_title_key(title, key) == "informationsystemsplanninginachangingenvironment"


def test_a_reference_list_reads_years_as_the_formats_do() -> None:
    vancouver = parse_reference(1, "Hunter J. On the blood. Philos Trans R Soc Lond. 1790;80:1-20.")
    assert (vancouver.year, vancouver.volume, vancouver.first_page) == ("1790", "80", "1")
    apa = parse_reference(2, "Taher, A., & Ismaeel, H. (2006). Title of it. Blood, 37(1), 12-20.")
    assert (apa.year, apa.volume) == ("2006", "37")


def test_csv_and_bibtex_read_months_and_years_with_the_shared_readers(tmp_path: Path) -> None:
    table = tmp_path / "records.csv"
    table.write_text("title,year,month\nA study of things,2010,Mar\nAnother study,2011.0,11\n"
                     "A third,in press,13\n", encoding="utf-8")
    records = read_file(table)[0]
    assert [(r.year, r.month) for r in records] == [(2010, 3), (2011, 11), (None, None)]
    bib = tmp_path / "records.bib"
    bib.write_text("@article{a, title={A study of things}, date={2012-05-04}}\n"
                   "@article{b, title={Another study}, year={2013}, month=sep}\n", encoding="utf-8")
    assert [(r.year, r.month, r.day) for r in read_file(bib)[0]] == [(2012, 5, 4), (2013, 9, None)]


MONTH_ABBREVIATION = re.compile(r"\b(?:jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)\b", re.I)
YEAR_RANGE = re.compile(r"\(\?:1\[|\(\?:19\|20\)|1\[5-9\]|1\[89\]")
SUFFIX_ALTERNATION = re.compile(r"\bjr\|sr\b", re.I)


def shared_pattern_offences(path: Path) -> list[str]:
    """String constants outside names.py that spell out a month table, a year range or a list of
    name suffixes (what names.py holds once)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "\n" not in node.value:
            text = node.value
            if (len(set(m.lower() for m in MONTH_ABBREVIATION.findall(text))) >= 3
                    or YEAR_RANGE.search(text) or SUFFIX_ALTERNATION.search(text)):
                found.append(f"{path.name}:{node.lineno}: {text[:50]!r}")
    return found


def month_tables(path: Path) -> list[int]:
    """Lines of tuples, lists, sets or dict keys of three month names or more."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        items = node.keys if isinstance(node, ast.Dict) else getattr(node, "elts", None) \
            if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else None
        if items and sum(isinstance(e, ast.Constant) and isinstance(e.value, str)
                         and e.value.lower()[:3] in {"jan", "feb", "mar", "apr", "jun", "jul"}
                         for e in items) >= 3:
            found.append(node.lineno)
    return found


def test_months_years_and_suffixes_are_spelled_out_in_names_only(tmp_path: Path) -> None:
    files = [p for p in sorted(PACKAGE.rglob("*.py")) if p.name != "names.py"]
    assert [p.name for p in files if month_tables(p)] == []
    assert [o for path in files for o in shared_pattern_offences(path)] == []
    bad = tmp_path / "bad.py"
    bad.write_text('A = r"(jan|feb|mar|apr)"\nB = r"\\b(?:19|20)\\d\\d\\b"\nC = r"(?: (?:jr|sr|ii))+$"\n'
                   'D = "Sep 2010"\n')
    assert [o.split(":")[1] for o in shared_pattern_offences(bad)] == ["1", "2", "3"]
    bad.write_text('M = {"jan": 1, "feb": 2, "mar": 3}\nN = ("Jan", "Feb", "Mar")\nO = ("Jan", "x")\n')
    assert month_tables(bad) == [1, 2]
