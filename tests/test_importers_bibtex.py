"""BibTeX importer (bibtexparser v2): Scopus, Google Scholar, LaTeX escapes."""

from __future__ import annotations

from pathlib import Path

import pytest

from litreview.errors import ParseError
from tests._counting import count_bibtex
from tests._read import read_file
from tests._zotero import assert_agrees
from tests.conftest import OWN_CUTS, SHARED_DATA

BIB_FILES = sorted((SHARED_DATA / "exports/multi_db").rglob("*.bib"))


@pytest.mark.parametrize("path", BIB_FILES, ids=lambda p: p.name)
@pytest.mark.shared_data
def test_every_shared_bibtex_file_imports_with_its_record_count(path: Path) -> None:
    records, skipped, name, _ = read_file(path)
    assert name == "bibtex" and skipped == []
    assert len(records) == count_bibtex(path)


def test_scopus_export_hand_checked(shared_data: Path) -> None:
    records = read_file(shared_data / "exports/multi_db/p1m_cited_by/scopus.bib")[0]
    first = records[0]
    assert first.source_db == "Scopus" and first.source_key == "Bui20181477"
    assert first.title.startswith("Improving the quality of systematic reviews")
    assert [a.family for a in first.authors][:2] == ["Bui", "Abdaem"]
    assert first.authors[0].initials == "KTA"
    assert first.journal == "European Journal of Neurology"
    assert (first.year, first.volume, first.issue, first.pages) == (2018, "25", "12", "1477-1485")
    assert first.doi == "10.1111/ene.13758"


def test_scopus_pubmed_id_is_a_pmid(shared_data: Path, tmp_path: Path) -> None:
    """#16: Scopus BibTeX carries the PMID as pubmed_id; read as none, dedup had only the DOI."""
    records = read_file(shared_data / "exports/multi_db/p1m_cited_by/scopus.bib")[0]
    assert records[0].pmid == "30035838" and records[1].pmid is None
    assert sum(1 for r in records if r.pmid) == 6


def test_a_scopus_pubmed_id_meets_the_pubmed_copy_in_dedup(tmp_path: Path) -> None:
    """#16, in a bare clone and through the CLI: the Scopus record's pubmed_id is its PMID, so
    the PubMed copy of the same paper (no DOI in it) is found as its duplicate by the PMID."""
    from click.testing import CliRunner

    from litreview.cli import cli
    from litreview.store import Library

    scopus = tmp_path / "scopus.bib"
    scopus.write_text("Scopus\nEXPORT DATE: 2 March 2019\n\n@ARTICLE{Bui20181477,\n"
                      "author={Bui, K.T.A.},\ntitle={Improving the quality},\njournal={Eur J Neurol},"
                      "\nyear={2018},\npubmed_id={30035838},\nsource={Scopus},\n}\n", encoding="utf-8")
    pubmed = tmp_path / "pubmed.nbib"
    pubmed.write_text("PMID- 30035838\nTI  - Improving the quality of care.\nAU  - Bui KTA\n"
                      "DP  - 2018 Dec\nTA  - Eur J Neurol\n", encoding="utf-8")
    runner = CliRunner()
    for path in (scopus, pubmed):
        result = runner.invoke(cli, ["import", str(path)])
        assert result.exit_code == 0, result.output
    with Library(tmp_path / "library.db") as library:
        assert [(r.source_db, r.pmid) for r in library.records()] == [("Scopus", "30035838"),
                                                                        ("PubMed", "30035838")]
    merged = runner.invoke(cli, ["dedup"])
    assert merged.exit_code == 0 and "1 merged as duplicates" in merged.output


def test_latex_escapes_in_names_and_titles(tmp_path: Path) -> None:
    path = tmp_path / "latex.bib"
    path.write_text(
        "@article{k1,\n  author = {M{\\\"u}ller, J{\\\"o}rg and Fran{\\c c}ois, Ren{\\'e}},\n"
        "  title = {{\\'E}tude of {DNA} \\& {RNA}},\n  journal = {J},\n  year = {2001},\n}\n",
        encoding="utf-8")
    record = read_file(path)[0][0]
    assert [a.family for a in record.authors] == ["Müller", "François"]
    assert record.authors[0].given == "Jörg" and record.authors[1].given == "René"
    assert record.title == "Étude of DNA & RNA"


def test_jr_part_is_the_suffix(tmp_path: Path) -> None:
    path = tmp_path / "jr.bib"
    path.write_text("@article{k1,\n  author = {Sprague, Jr., Ralph H. and Watson, Hugh J.},\n"
                    "  title = {A Framework},\n  journal = {MIS Quarterly},\n  year = {1980},\n}\n",
                    encoding="utf-8")
    sprague, watson = read_file(path)[0][0].authors
    assert (sprague.family, sprague.given, sprague.suffix) == ("Sprague", "Ralph H.", "Jr")
    assert watson.suffix is None


def test_scopus_writes_the_suffix_after_the_initials(shared_data: Path) -> None:
    """'Faggion, C.M., Jr.' (Scopus) was read as given name 'Jr.' and suffix 'C.M.'."""
    records = read_file(shared_data / "exports/multi_db/p1m_cited_by/scopus.bib")[0]
    faggion = next(r for r in records if r.source_key == "Faggion201853").authors[0]
    assert (faggion.family, faggion.initials, faggion.suffix) == ("Faggion", "CM", "Jr")


def test_exported_bibtex_is_not_quite_latex(tmp_path: Path) -> None:
    """Scopus and Crossref leave %, & and # unescaped; MathSciNet writes 'AUTHOR ='."""
    path = tmp_path / "exported.bib"
    path.write_text(
        "@article{k1,\n  title = {Effect of 5% saline \\& 10\\% glucose on #1 outcomes},\n"
        "  AUTHOR = {Eli{\\'a}{\\v{s}}, Marek},\n  journal = {Oil & Gas Journal},\n"
        "  doi = {10.1000/abc\\_def},\n  url = {https://example.org/r?eid=2&doi=10.1111%2fene},\n}\n",
        encoding="utf-8")
    record = read_file(path)[0][0]
    assert record.title == "Effect of 5% saline & 10% glucose on #1 outcomes"
    assert [(a.family, a.given) for a in record.authors] == [("Eliáš", "Marek")]
    assert record.journal == "Oil & Gas Journal"
    assert (record.doi, record.url) == ("10.1000/abc_def", "https://example.org/r?eid=2&doi=10.1111%2fene")


def test_scopus_abstract_is_whole_past_a_percent_sign(shared_data: Path) -> None:
    first = read_file(shared_data / "exports/multi_db/p1m_cited_by/scopus.bib")[0][0]
    assert "Results: Almost 60% of quality criteria" in first.abstract
    assert first.abstract.endswith("© 2018 EAN")
    assert "&partnerID=40&" in first.url


def test_broken_entry_is_reported_with_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.bib"
    path.write_text("@article{ok, title={Fine}, year={2000}}\n\n@article{bad, title={Cut",
                    encoding="utf-8")
    with pytest.raises(ParseError, match="bad.bib"):
        read_file(path)
    records, skipped, _, _ = read_file(path, skip_invalid=True)
    assert [r.title for r in records] == ["Fine"] and len(skipped) == 1


@pytest.mark.parametrize("case", ["00", "01", "02", "03", "04", "11", "12", "13", "14", "15",
                                  "16", "19", "20", "23"])
def test_zotero_bibtex_fixtures_agree(case: str) -> None:
    """Zotero's BibTeX import tests as a second opinion.

    Not matched, on purpose or for now: 07/17 (Zotero reads 'Work, at' style corporate
    names differently), 08/09 (Mendeley's escaped file paths and raw backslashes), 18
    (@string macros and '#' concatenation in author fields), 21 (Zotero splits "D'" into
    a particle), 22 (Zotero turns $\\Sigma^0$ math into Unicode; we keep the LaTeX).
    """
    assert_agrees("BibTeX", case, "bibtex")


def test_a_source_field_names_the_database_only_when_it_is_a_name() -> None:
    """JabRef writes a MEDLINE record's citation into `source`; that is not a database."""
    jabref = OWN_CUTS / "exports/fixtures/jabref"
    from_medline = read_file(jabref / "MedlinePlainImporterTestCompleteEntry.bib")[0][0]
    assert from_medline.source_db == "BibTeX" and from_medline.pmid == "20481061"
    assert read_file(jabref / "RisImporterTestScopus.bib")[0][0].source_db == "Scopus"


def test_biblatex_sets_are_not_references() -> None:
    """JabRef's biblatex example: a @book, two @set entries grouping others, an @article."""
    records, skipped, _, _ = read_file(OWN_CUTS / "exports/fixtures/jabref/BibtexImporter.examples.bib")
    assert skipped == [] and [r.source_key for r in records] == ["Preissel2016", "aksin"]


TRICKY_LATEX = [
    "plain words only, nothing to decode",
    "caf\\'e {\\\"u}ber Fran{\\c c}ois Fran\\c cois na\\\"{\\i}ve \\ss{} \\o{} {\\AA}ngstr\\\"om",
    "{Big Data} in {DNA} and {\\em emphasis over words} end",
    "math $a + b$ stays, and $\\alpha$-blockers, 5\\% and 5\\$ and \\{braces\\} and \\& too",
    "dashes -- and --- and ``quoted'' and ~non-breaking and a\\_b and x^2",
    "an unbalanced { brace that runs to the end of the text",
    "a stray } brace and \\textit{italic words here} and \\url{http://x.org/a b}",
    "  two  spaces   and trailing ",
]


@pytest.mark.parametrize("text", TRICKY_LATEX)
def test_latex_is_decoded_word_by_word_as_it_was_decoded_whole(text: str) -> None:
    """Only the words that hold LaTeX go to pylatexenc (linear time); the result is the same."""
    from bibtexparser import middlewares as mw

    from litreview.importers.bibtex import _ExportedLatexDecoding

    whole = mw.LatexDecodingMiddleware()._transform_python_value_string(text)
    assert _ExportedLatexDecoding()._transform_python_value_string(text) == whole
    long = " ".join([text] * 50)  # many spans, and words that recur
    whole = mw.LatexDecodingMiddleware()._transform_python_value_string(long)
    assert _ExportedLatexDecoding()._transform_python_value_string(long) == whole


def test_a_2_mb_field_imports_whole_and_decoded(tmp_path: Path) -> None:
    """Decoding was quadratic in a field's length: 0.6 MB took 21 s, 2.4 MB more than 10 min
    (benchmarks/bench_bibtex.py measures it: well under a second now)."""
    from click.testing import CliRunner

    from litreview.cli import cli
    from litreview.store import Library

    unit = "Almost 60% of caf\\'e {\\\"u}ber users of $\\alpha$-blockers -- and {DNA} tests. "
    count = (2 << 20) // len(unit) + 1
    path = tmp_path / "big.bib"
    path.write_text("@article{big2020,\n  title = {A {Big} Field},\n  author = {M{\\\"u}ller, Anna},\n"
                    f"  year = {{2020}},\n  abstract = {{{unit * count}}}\n}}\n", encoding="utf-8")
    assert path.stat().st_size > 2 << 20
    result = CliRunner().invoke(cli, ["import", "--source", "Scopus", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "big.bib: 1 records read (Scopus 1), 1 added"
    with Library(tmp_path / "library.db") as library:
        (record,) = library.records()
    decoded = "Almost 60% of café über users of $\\alpha$-blockers \u2013 and DNA tests."
    assert record.abstract == " ".join([decoded] * count)
    assert (record.title, record.authors[0].family) == ("A Big Field", "Müller")
