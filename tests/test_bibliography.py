"""References for real PubMed records, compared with the same references written by hand from
each style's published examples (AMA Manual of Style 11th ed.; APA Publication Manual 7th ed.;
NLM's Citing Medicine for Vancouver; Elsevier's Vancouver example in its Guide for Authors)."""

from dataclasses import replace

import pytest

from litreview.bibliography import StyleNotFound, expand_pages, format_references, render, style_path
from litreview.cli import cli
from litreview.pubmed.xml import parse_pubmed_xml
from litreview.records import Author, Correction, Record
from tests.conftest import SHARED_DATA

PUBMED = SHARED_DATA / "pubmed_xml"


@pytest.fixture(scope="module")
def records():
    ely = next(parse_pubmed_xml(PUBMED / "sk8erjs69+sr-project/pubmed_result.xml"))
    guo = next(parse_pubmed_xml(PUBMED / "biopython/Entrez/pubmed7.xml"))
    return ely, guo


HAND_WRITTEN = {
    "ama": [
        "1. Ely A, Arbuthnot P. Differing prospects for the future of using gene therapy to treat "
        "infections with hepatitis B virus and hepatitis C virus. Discov Med. 2015;20(109):137-143.",
        "2. Guo F, Capaldi D, Kirby M, et al. Development of a pulmonary imaging biomarker pipeline for "
        "phenotyping of chronic lung disease. J Med Imaging (Bellingham). 2018;5(2):026002. "
        "doi:10.1117/1.jmi.5.2.026002",
    ],
    "vancouver": [
        "1. Ely A, Arbuthnot P. Differing prospects for the future of using gene therapy to treat "
        "infections with hepatitis B virus and hepatitis C virus. Discov Med. 2015;20(109):137–43.",
        "2. Guo F, Capaldi D, Kirby M, Sheikh K, Svenningsen S, McCormack DG, et al. Development of a "
        "pulmonary imaging biomarker pipeline for phenotyping of chronic lung disease. J Med Imaging "
        "(Bellingham). 2018;5(2):026002. doi: 10.1117/1.jmi.5.2.026002",
    ],
    "elsevier-vancouver": [
        "[1] Ely A, Arbuthnot P. Differing prospects for the future of using gene therapy to treat "
        "infections with hepatitis B virus and hepatitis C virus. Discov Med 2015;20:137–43.",
    ],
    "apa": [
        "Ely, A., & Arbuthnot, P. (2015). Differing prospects for the future of using gene therapy to "
        "treat infections with hepatitis B virus and hepatitis C virus. Discovery Medicine, 20(109), "
        "137–143.",
    ],
}


@pytest.mark.parametrize("style", sorted(HAND_WRITTEN))
@pytest.mark.shared_data
def test_real_records_match_hand_written_references(records, style):
    texts = [ref.text for ref in format_references(records, style)]
    for expected in HAND_WRITTEN[style]:
        assert expected in texts


@pytest.mark.shared_data
def test_group_author_kept_whole_in_apa(records):
    apa = [ref.text for ref in format_references(records, "apa")]
    assert any("Parraga, G., & Canadian Respiratory Research Network. (2018)" in t for t in apa)


def test_initials_from_pubmed_not_truncated():
    record = Record(title="Thalassaemia intermedia", journal_abbrev="Blood", year=2010, volume="1",
                    pages="1-2", authors=[Author(family="Cappellini", given="Maria Domenica", initials="MD")],
                    source_db="PubMed", source_key="1")
    [ref] = format_references([record], "vancouver")
    assert ref.text.startswith("1. Cappellini MD.")


def test_generational_suffix_after_the_initials():
    record = Record(title="A framework", journal_abbrev="MIS Q", year=1980, volume="4", pages="1-26",
                    authors=[Author(family="Sprague", given="Ralph H", initials="RH", suffix="Jr"),
                             Author(family="Watson", initials="HJ")], source_db="DBLP", source_key="1")
    [ref] = format_references([record], "vancouver")
    assert ref.text.startswith("1. Sprague RH Jr, Watson HJ.")


@pytest.mark.parametrize(("title", "printed"), [
    ("Is there a place for students in the systematic review process?", "review process? J Med"),
    ("Stop now!", "Stop now! J Med"),
    ('Reviewers said "enough."', 'said "enough." J Med'),
    ("Reviewers said \u201cenough?\u201d", "said \u201cenough?\u201d J Med"),
    ("A title that ends plainly", "ends plainly. J Med"),
    ("Proceedings of the ... Annual Meeting", "of the ... Annual Meeting. J Med"),
])
@pytest.mark.parametrize("style", ["vancouver", "ama", "apa"])
def test_no_period_after_a_title_that_ends_a_sentence(title, printed, style):
    record = Record(title=title, journal_abbrev="J Med Libr Assoc", journal="J Med Libr Assoc", year=2018,
                    volume="106", pages="248-50", authors=[Author(family="Wissinger", initials="CL")],
                    source_db="PubMed", source_key="1")
    [ref] = format_references([record], style)
    assert printed in ref.text
    html = format_references([record], style, "html")[0].text
    assert "?." not in html and "!." not in html


def test_an_organisation_and_no_journal():
    """A trial registration from sra_haematology: its sponsor as author, no journal."""
    record = Record(title="Open Label Controlled Trial of Eculizumab", year=2011, source_db="CSV",
                    authors=[Author(collective="Alexion Pharmaceuticals, Inc")], source_key="1")
    [ref] = format_references([record], "vancouver")
    assert ref.text == "1. Alexion Pharmaceuticals, Inc. Open Label Controlled Trial of Eculizumab. 2011."


def test_ahead_of_print_date_has_its_spaces_in_vancouver():
    """A record with no volume yet (PubMed's ahead-of-print) is dated in full, with the style's
    localized date; citeproc-py printed its parts run together ('2012Oct29')."""
    record = Record(title="Ventilatory responses", journal_abbrev="Respir Physiol Neurobiol", year=2012,
                    month=10, day=29, authors=[Author(family="Smith", initials="J")],
                    doi="10.1016/j.resp.2012.10.010", source_db="PubMed", source_key="1")
    [ref] = format_references([record], "vancouver")
    assert "Respir Physiol Neurobiol. 2012 Oct 29. doi: 10.1016/j.resp.2012.10.010" in ref.text


def test_a_database_record_page_is_not_the_works_url():
    """Scopus's BibTeX puts its own record page in url ('https://www.scopus.com/inward/record.uri
    ?eid=...'): Cardiff Vancouver, which prefers a URL to the DOI, printed that instead of the DOI."""
    scopus = "https://www.scopus.com/inward/record.uri?eid=2-s2.0-85052799762&partnerID=40"
    record = Record(title="Improving the quality of systematic reviews", journal_abbrev="Eur J Neurol",
                    year=2018, volume="25", issue="12", pages="1477-1485", doi="10.1111/ene.13758",
                    url=scopus, authors=[Author(family="Bui", initials="KTA")], source_db="Scopus",
                    source_key="1")
    [vancouver] = format_references([record], "vancouver")
    assert vancouver.text.endswith("2018;25(12):1477–85. doi: 10.1111/ene.13758")
    assert "scopus.com" not in format_references([replace(record, doi=None)], "apa")[0].text
    publisher = "https://www.example-journal.org/articles/1"
    [own] = format_references([replace(record, doi=None, url=publisher)], "vancouver")
    assert own.text.endswith("Available from: " + publisher)


@pytest.mark.shared_data
def test_retracted_and_corrected_studies_are_flagged(records):
    retracted = Record(title="A retracted trial", year=2019, journal_abbrev="Lancet", volume="1", pages="1-2",
                       corrections=[Correction("RetractionIn", "Lancet. 2020;1:3"),
                                    Correction("ErratumIn", "Lancet. 2019;1:9")],
                       source_db="PubMed", source_key="9", id=9)
    [ref] = format_references([retracted], "ama")
    assert ref.flags == ["RETRACTED", "corrected (erratum published)"]
    assert "[RETRACTED] [corrected (erratum published)]" in render([ref])


@pytest.mark.shared_data
def test_formats_and_reasons(records):
    refs = format_references(records[:1], "ama", "html", reasons={records[0].id: "wrong design"})
    assert refs[0].reason is None  # parsed records have no library id
    refs[0].reason = "wrong design"
    assert render(refs, "html").startswith('<ol class="references">\n<li>')
    assert "Excluded: wrong design." in render(refs, "md")
    assert render(refs, "rtf").startswith("{\\rtf1")


def test_styles_by_name_alias_or_file(tmp_path):
    assert style_path("vancouver").name == "cardiff-university-vancouver.csl"
    assert style_path("nature").name == "nature.csl"
    custom = tmp_path / "mine.csl"
    custom.write_text(style_path("apa").read_text())
    assert style_path(str(custom)) == custom
    with pytest.raises(StyleNotFound, match="unknown citation style 'vancover'"):
        style_path("vancover")


def test_expand_pages():
    assert expand_pages("137-43") == "137-143"
    assert expand_pages("1861-7") == "1861-1867"
    assert expand_pages("e1234") == "e1234"


def test_bib_cli_with_nothing_to_list_says_so(runner):
    result = runner.invoke(cli, ["bib", "--status", "included"])
    assert result.exit_code == 0
    assert result.output == "no included studies to list\n"


def test_bib_cli_unknown_style(runner):
    result = runner.invoke(cli, ["bib", "--style", "nonsense-style"])
    assert result.exit_code == 1 and "unknown citation style 'nonsense-style'" in result.output


@pytest.mark.shared_data
def test_cached_style_lookups_never_mix_references():
    """The per-element caches that make citeproc-py fast must not leak one reference into another."""
    records = list(parse_pubmed_xml(PUBMED / "sk8erjs69+sr-project/pubmed_result.xml"))[:60]
    for style in ("apa", "vancouver"):
        refs = format_references(records, style)
        by_id = {id(r): r for r in records}
        assert len(refs) == len(records)
        titles = sorted(r.title.rstrip(".")[:40] for r in by_id.values())
        assert sorted(next(t for t in titles if t in ref.text) for ref in refs) == titles
