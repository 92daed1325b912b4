"""References for real PubMed records, compared with the same references written by hand from
each style's published examples (AMA Manual of Style 11th ed.; APA Publication Manual 7th ed.;
NLM's Citing Medicine for Vancouver; Elsevier's Vancouver example in its Guide for Authors)."""

import io
from dataclasses import replace

import pytest

from litreview.bibliography import StyleNotFound, expand_pages, format_references, render, style_path
from litreview.bibliography.items import journal_name
from litreview.cli import cli
from litreview.exporters import export
from litreview.pubmed.xml import parse_pubmed_xml
from litreview.records import Author, Correction, Record, normalise, normalise_doi
from tests.conftest import OWN_CUTS, SHARED_DATA

PUBMED = SHARED_DATA / "pubmed_xml"
CUTS = OWN_CUTS / "pubmed_xml"  # our copies, cut to the records read here


@pytest.fixture(scope="module")
def records():
    ely = next(parse_pubmed_xml(CUTS / "sk8erjs69+sr-project/pubmed_result.xml"))
    guo = next(parse_pubmed_xml(CUTS / "biopython/Entrez/pubmed7.xml"))
    return ely, guo


HAND_WRITTEN = {
    "ama": [
        "1. Ely A, Arbuthnot P. Differing prospects for the future of using gene therapy to treat "
        "infections with hepatitis B virus and hepatitis C virus. Discov Med. 2015;20(109):137-143.",
        "2. Guo F, Capaldi D, Kirby M, et al. Development of a pulmonary imaging biomarker pipeline for "
        "phenotyping of chronic lung disease. J Med Imaging (Bellingham). 2018;5(2):026002. "
        "doi:10.1117/1.JMI.5.2.026002",
    ],
    "vancouver": [
        "1. Ely A, Arbuthnot P. Differing prospects for the future of using gene therapy to treat "
        "infections with hepatitis B virus and hepatitis C virus. Discov Med. 2015 Sep;20(109):137-43. "
        "PubMed PMID: 26463095.",
        "2. Guo F, Capaldi D, Kirby M, Sheikh K, Svenningsen S, McCormack DG, et al. Development of a "
        "pulmonary imaging biomarker pipeline for phenotyping of chronic lung disease. J Med Imaging "
        "(Bellingham). 2018 Apr;5(2):026002. doi:10.1117/1.JMI.5.2.026002. PubMed PMID: 29963580; "
        "PubMed Central PMCID: PMC6022861.",
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
def test_real_records_match_hand_written_references(records, style):
    texts = [ref.text for ref in format_references(records, style)]
    for expected in HAND_WRITTEN[style]:
        assert expected in texts


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
    assert "Respir Physiol Neurobiol. 2012 Oct 29. doi:10.1016/j.resp.2012.10.010" in ref.text


def test_a_database_record_page_is_not_the_works_url():
    """Scopus's BibTeX puts its own record page in url ('https://www.scopus.com/inward/record.uri
    ?eid=...'): Cardiff Vancouver, which prefers a URL to the DOI, printed that instead of the DOI."""
    scopus = "https://www.scopus.com/inward/record.uri?eid=2-s2.0-85052799762&partnerID=40"
    record = Record(title="Improving the quality of systematic reviews", journal_abbrev="Eur J Neurol",
                    year=2018, volume="25", issue="12", pages="1477-1485", doi="10.1111/ene.13758",
                    url=scopus, authors=[Author(family="Bui", initials="KTA")], source_db="Scopus",
                    source_key="1")
    [vancouver] = format_references([record], "vancouver")
    assert vancouver.text.endswith("Eur J Neurol. 2018;25(12):1477-85. doi:10.1111/ene.13758")
    assert "scopus.com" not in format_references([replace(record, doi=None)], "apa")[0].text
    publisher = "https://www.example-journal.org/articles/1"
    [own] = format_references([replace(record, doi=None, url=publisher)], "vancouver")
    assert own.text.endswith("Available from: " + publisher)


def test_retracted_and_corrected_studies_are_flagged(records):
    retracted = Record(title="A retracted trial", year=2019, journal_abbrev="Lancet", volume="1", pages="1-2",
                       corrections=[Correction("RetractionIn", "Lancet. 2020;1:3"),
                                    Correction("ErratumIn", "Lancet. 2019;1:9")],
                       source_db="PubMed", source_key="9", id=9)
    [ref] = format_references([retracted], "ama")
    assert ref.flags == ["Retracted", "corrected (erratum published)"]
    assert "[Retracted] [corrected (erratum published)]" in render([ref])


def test_formats_and_reasons(records):
    refs = format_references(records[:1], "ama", "html", reasons={records[0].id: "wrong design"})
    assert refs[0].reason is None  # parsed records have no library id
    refs[0].reason = "wrong design"
    assert render(refs, "html").startswith('<ol class="references">\n<li>')
    assert "Excluded: wrong design." in render(refs, "md")
    assert render(refs, "rtf").startswith("{\\rtf1")


def test_styles_by_name_alias_or_file(tmp_path):
    assert style_path("vancouver").name == "nlm-citation-sequence.csl"
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


def test_bib_cli_with_nothing_to_list_says_so(runner, library):  # an empty library
    result = runner.invoke(cli, ["bib", "--status", "included"])
    assert result.exit_code == 0
    assert result.output == "no included studies to list\n"


def test_bib_cli_unknown_style(runner, library):
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


# Issue 21's wrong references, each on a small record shaped as PubMed gives it.

def _article(**fields):
    base = dict(title="A trial", journal="Journal of clinical and diagnostic research : JCDR",
                journal_abbrev="J Clin Diagn Res", year=2015, volume="9", issue="3", pages="926-9",
                authors=[Author(family="Smith", given="John", initials="J")], languages=["eng"],
                source_db="PubMed", source_key="1")
    base.update(fields)
    return Record(**base)


@pytest.mark.parametrize(("pages", "nlm", "ama", "apa"), [
    ("926-9", "926-9", "926-929", "926–929"),
    ("768-72", "768-72", "768-772", "768–772"),
    ("877-85", "877-85", "877-885", "877–885"),
    ("1058-69", "1058-69", "1058-1069", "1058–1069"),
    ("99-101", "99-101", "99-101", "99–101"),
])
def test_abbreviated_page_ranges_are_expanded_before_rendering(pages, nlm, ama, apa):
    """PubMed's '926-9' reached citeproc-py unexpanded and printed '926–.' in Vancouver."""
    record = _article(pages=pages)
    assert format_references([record], "vancouver")[0].text.endswith(f"2015;9(3):{nlm}.")
    assert format_references([record], "ama")[0].text.endswith(f"2015;9(3):{ama}.")
    assert format_references([record], "apa")[0].text.endswith(f", 9(3), {apa}.")


def test_vancouver_is_citing_medicine_with_month_language_and_initials():
    authors = [Author(family="Tan", given="X-mei", initials="XM"),
               Author(family="Wang", given="Chih-Ping", initials="CP")]
    record = _article(title="Die Behandlung", authors=authors,
                      journal="Der Orthopade", journal_abbrev="Orthopade", month=9, languages=["ger"],
                      volume="41", issue=None, pages="E112", pmid=None)
    [ref] = format_references([record], "nlm")
    assert ref.text == "1. Tan XM, Wang CP. Die Behandlung [Article in German]. Orthopade. 2015 Sep;41:E112."


def test_epub_ahead_of_print_in_vancouver_advance_online_publication_in_apa():
    record = _article(volume=None, issue=None, pages=None, month=7, day=24, doi="10.1007/S00586-014-3456-X",
                      publication_status="aheadofprint")
    [nlm] = format_references([record], "vancouver")
    assert nlm.text == ("1. Smith J. A trial. J Clin Diagn Res. 2015 Jul 24 [Epub ahead of print]. "
                        "doi:10.1007/S00586-014-3456-X")
    [apa] = format_references([record], "apa")
    assert apa.text == ("Smith, J. (2015). A trial. Journal of Clinical and Diagnostic Research. "
                        "Advance online publication. https://doi.org/10.1007/S00586-014-3456-X")


@pytest.mark.parametrize(("style", "expected"), [
    ("apa", "Study tests RFID tag safety. (2010). Health Devices, 39(3), 80–81."),
    ("ama", "1. Study tests RFID tag safety. Health Devices. 2010;39(3):80-81."),
    ("vancouver", "1. Study tests RFID tag safety. Health Devices. 2010;39(3):80-1."),
])
def test_a_record_without_authors_prints_its_title_once(style, expected):
    record = Record(title="Study tests RFID tag safety", journal="Health devices",
                    journal_abbrev="Health Devices", year=2010, volume="39", issue="3", pages="80-1",
                    languages=["eng"], source_db="PubMed", source_key="1")
    assert [r.text for r in format_references([record], style)] == [expected]


def test_year_suffixes_for_the_same_authors_in_the_same_year():
    first = _article(title="Beta blockers")
    second = _article(title="Alpha blockers", pages="768-72")
    other = _article(title="Other", authors=[Author(family="Smith", given="Anna", initials="A")])
    texts = [r.text for r in format_references([first, second, other], "apa")]
    assert texts[0].startswith("Smith, A. (2015). Other.")
    assert texts[1].startswith("Smith, J. (2015a). Alpha blockers.")
    assert texts[2].startswith("Smith, J. (2015b). Beta blockers.")
    assert not any("2015a" in r.text for r in format_references([first, second], "vancouver"))


def test_given_name_with_a_lower_case_second_part():
    record = _article(authors=[Author(family="Tan", given="X-mei", initials="XM")])
    assert format_references([record], "apa")[0].text.startswith("Tan, X. M. (2015).")
    assert format_references([record], "vancouver")[0].text.startswith("1. Tan XM. A trial.")
    # PubMed's transliterated initials ('Iu' for Cyrillic Ю) are kept whole, as PubMed prints them
    russian = _article(authors=[Author(family="Mamukova", given="Iu I", initials="IuI")])
    assert format_references([russian], "vancouver")[0].text.startswith("1. Mamukova IuI. A trial.")


def test_chapter_editors_publisher_and_ranges():
    chapter = Record(title="Imaging", kind="chapter", book_title="Spine surgery",
                     publisher="Springer\nVerlag",
                     place="Berlin", year=2001, pages="1-10", source_db="PubMed", source_key="1",
                     authors=[Author(family="Haidar", given="Ramez", initials="R")],
                     editors=[Author(family="Ed", given="Bea", initials="B"),
                              Author(family="Other", given="Cy", initials="C")])
    assert format_references([chapter], "apa")[0].text == (
        "Haidar, R. (2001). Imaging. In B. Ed & C. Other (Eds.), Spine surgery (pp. 1–10). Springer Verlag.")
    assert format_references([chapter], "vancouver")[0].text == (
        "1. Haidar R. Imaging. In: Ed B, Other C, editors. Spine surgery. Berlin: Springer Verlag; 2001. "
        "p. 1-10.")


def test_editors_of_a_book_without_authors_print_once_in_vancouver():
    book = Record(title="GeneReviews", kind="book", publisher="University of Washington, Seattle",
                  place="Seattle (WA)", year=1993, source_db="PubMed", source_key="1",
                  editors=[Author(family="Pagon", given="Roberta A", initials="RA")])
    assert format_references([book], "vancouver")[0].text == (
        "1. Pagon RA, editor. GeneReviews. Seattle (WA): University of Washington, Seattle; 1993.")


def test_a_pii_is_neither_an_article_number_nor_pages():
    record = normalise(_article(pages=None, article_number="S0019-0578(13)00159-6", doi=None))
    assert record.article_number is None and record.extra["pii"] == "S0019-0578(13)00159-6"
    for style in ("apa", "ama", "vancouver"):
        assert "S0019" not in format_references([record], style)[0].text
    # a source that put the PII in the pages (an article in press): not pages either, nor in CSV
    in_pages = normalise(_article(pages="S0019-0578(13)00159-6", doi=None, source_key="2"))
    assert in_pages.pages is None and in_pages.extra["pii"] == "S0019-0578(13)00159-6"
    for style in ("apa", "ama", "vancouver"):
        assert "S0019" not in format_references([in_pages], style)[0].text
    out = io.StringIO()
    export("csv", [in_pages], out)
    assert "S0019" not in out.getvalue()
    out = io.StringIO()
    export("nbib", [in_pages], out)  # MEDLINE's own place for it
    assert "LID - S0019-0578(13)00159-6 [pii]\n" in out.getvalue()
    assert normalise(_article(pages="S12-9")).pages == "S12-9"  # a supplement's pages stay


def test_catalogue_qualifiers_are_not_part_of_the_journal_name():
    assert journal_name("Journal of clinical and diagnostic research : JCDR") == \
        "Journal of clinical and diagnostic research"
    assert journal_name("Sensors (Basel, Switzerland)") == "Sensors"
    assert journal_name("Journal of medical imaging (Bellingham, Wash.)") == "Journal of medical imaging"
    assert journal_name("Nature reviews. Cancer") == "Nature reviews. Cancer"
    apa = format_references([_article()], "apa")[0].text
    assert "Journal of Clinical and Diagnostic Research, 9(3)" in apa


@pytest.mark.parametrize(("catalogue", "apa"), [
    ("Pathologie-biologie", "Pathologie-Biologie"),  # pandoc printed it so, and APA 7 (6.17)
    ("Journal of hepato-biliary-pancreatic surgery", "Journal of Hepato-Biliary-Pancreatic Surgery"),
    ("Telemedicine journal and e-health", "Telemedicine Journal and e-Health"),
    ("Biochimica et biophysica acta", "Biochimica et Biophysica Acta"),
    ("Journal of the American Medical Informatics Association : JAMIA",
     "Journal of the American Medical Informatics Association"),
])
def test_apa_journal_names_in_title_case_hyphenated_parts_too(catalogue, apa):
    text = format_references([_article(journal=catalogue)], "apa")[0].text
    assert f"A trial. {apa}, 9(3)" in text


def test_dois_keep_the_sources_case():
    record = normalise(_article(doi="https://doi.org/10.1109/EMBC.2015.7318381"))
    assert record.doi == "10.1109/EMBC.2015.7318381"
    assert "https://doi.org/10.1109/EMBC.2015.7318381" in format_references([record], "apa")[0].text
    assert normalise_doi("10.1109/EMBC.2015.7318381") == "10.1109/embc.2015.7318381"


def _markup_record():
    return Record(title="When A<B and C>D & after", journal="Journal of tests", journal_abbrev="J Tests",
                  year=2020, volume="1", pages="1-5",
                  authors=[Author(family="Smith", given="J", initials="J")],
                  languages=["eng"], source_db="PubMed", source_key="1", id=1)


def test_html_escapes_the_records_text_and_numbers_once():
    refs = format_references([_markup_record()], "vancouver", "html")
    page = render(refs, "html")
    assert page == ('<ol class="references">\n<li>Smith J. When A&lt;B and C&gt;D &amp; after. J Tests. '
                    "2020;1:1-5.</li>\n</ol>\n")
    apa = render(format_references([_markup_record()], "apa", "html"), "html")
    assert apa.startswith('<ul class="references">\n<li>Smith, J. (2020). When A&lt;B and C&gt;D '
                          "&amp; after. <i>Journal of Tests</i>, <i>1</i>, 1–5.</li>")


def test_markdown_and_rtf_carry_italics():
    refs = format_references([_markup_record()], "apa", "md")
    assert render(refs, "md") == ("Smith, J. (2020). When A\\<B and C\\>D & after. *Journal of Tests*, *1*, "
                                  "1–5.\n\n")
    # '~' and '^' are Markdown's sub- and superscript marks: literal ones are escaped
    tilde = replace(_markup_record(), title="0~120 ng/mL ~ x^2^")
    assert "0\\~120 ng/mL \\~ x\\^2\\^." in render(format_references([tilde], "apa", "md"), "md")
    rtf = render(format_references([_markup_record()], "apa", "rtf"), "rtf")
    assert "{\\i Journal of Tests}, {\\i 1}, 1\\u8211?5.\\par" in rtf
    assert render(format_references([_markup_record()], "apa"), "text") == (
        "Smith, J. (2020). When A<B and C>D & after. Journal of Tests, 1, 1–5.\n")
