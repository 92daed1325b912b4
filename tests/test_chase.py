"""Citation chasing (ELink), reference lists (ECitMatch, title search) and search checks, against
the E-utilities stand-in. PMIDs of the stand-in's articles are the stand-in's own, not PubMed's."""

import json
from datetime import date
from pathlib import Path

import pytest

from litreview import prisma
from litreview.chase import Direction, Outcome, chase, read_citations, resolve
from litreview.cli import cli
from litreview.pubmed.client import EntrezClient
from litreview.pubmed.links import CitationQuery, LinkName, read_ecitmatch, read_elink, read_reference_lists
from litreview.reflist import read_references
from litreview.screening import decisions as sc
from litreview.store import Library
from litreview.store import chase as chase_store
from litreview.validation import query_terms
from tests.eutils_server import article_xml

TEST_DATA = Path(__file__).resolve().parent / "data"
TERM = '"Hematopoiesis, Extramedullary"[Mesh] AND thalassemia'
INCLUDED = ["20217450", "20300001"]


# -- readers ----------------------------------------------------------------------------------

ELINK = b"""<?xml version="1.0" encoding="UTF-8" ?>
<eLinkResult>
<LinkSet><DbFrom>pubmed</DbFrom><IdList><Id>1</Id></IdList>
  <LinkSetDb><DbTo>pubmed</DbTo><LinkName>pubmed_pubmed_refs</LinkName>
    <Link><Id>11</Id></Link><Link><Id>12</Id></Link></LinkSetDb>
  <LinkSetDb><DbTo>pubmed</DbTo><LinkName>pubmed_pubmed_citedin</LinkName>
    <Link><Id>99</Id></Link></LinkSetDb></LinkSet>
<LinkSet><DbFrom>pubmed</DbFrom><IdList><Id>2</Id></IdList></LinkSet>
<LinkSet><DbFrom>pubmed</DbFrom><IdList><Id>3</Id></IdList><ERROR>Invalid uid 3</ERROR></LinkSet>
</eLinkResult>"""


def test_elink_links_stay_per_record_and_only_the_asked_linkname_counts():
    answer = read_elink(ELINK, LinkName.REFERENCES)
    assert {k: [link.pmid for link in v] for k, v in answer.links.items()} == {"1": ["11", "12"], "2": []}
    assert answer.unknown == ["3"]


def test_elink_scores_are_read_for_similar_articles():
    data = (b"<eLinkResult><LinkSet><DbFrom>pubmed</DbFrom><IdList><Id>5</Id></IdList><LinkSetDb>"
            b"<DbTo>pubmed</DbTo><LinkName>pubmed_pubmed</LinkName><Link><Id>5</Id><Score>99</Score></Link>"
            b"<Link><Id>6</Id><Score>40</Score></Link></LinkSetDb></LinkSet></eLinkResult>")
    links = read_elink(data, LinkName.SIMILAR).links["5"]
    assert [(link.pmid, link.score) for link in links] == [("5", 99), ("6", 40)]


def test_elink_error_document_and_non_xml_are_parse_errors():
    from litreview.errors import ParseError

    with pytest.raises(ParseError, match="PubMed answered an error: too many ids"):
        read_elink(b"<eLinkResult><ERROR>too many ids</ERROR></eLinkResult>", LinkName.REFERENCES)
    with pytest.raises(ParseError, match="not well-formed"):
        read_elink(b"<html>busy", LinkName.REFERENCES)


def test_ecitmatch_lines_give_pmid_not_found_and_ambiguous():
    text = ("radiology|1978|128|118|cromwell ld|3|6204331\n"
            "ann neurol|1979|5|485|stahl sm|4|NOT_FOUND;INVALID_JOURNAL\n"
            "blood|2006|37|12|taher a|2|AMBIGUOUS 111,222\n")
    found = read_ecitmatch(text)
    assert found["3"].pmid == "6204331"
    assert found["4"].pmid is None and not found["4"].ambiguous
    assert found["2"].ambiguous and found["2"].candidates == ("111", "222")


def test_citation_query_line_escapes_the_separator():
    line = CitationQuery("7", "Proc|Natl", "2001", "98", "12", "Smith J").line()
    assert line == "Proc Natl|2001|98|12|Smith J|7|"


def test_reference_lists_are_read_from_pubmed_xml():
    xml = ("<PubmedArticleSet>" + article_xml("100", date(2010, 6, 1), references=["11", "12", "11"])
           + article_xml("101", date(2010, 6, 1)) + "</PubmedArticleSet>").encode()
    assert read_reference_lists(xml) == {"100": ["11", "12"]}


# -- pasted reference lists --------------------------------------------------------------------

def test_a_pubmed_page_reference_list_is_read_reference_by_reference():
    citations = read_references((TEST_DATA / "haidar_2010_references.txt").read_text())
    assert [c.first_author for c in citations] == ["Weatherall", "Taher", "Cromwell", "Stahl", "Rice"]
    taher = citations[1]
    assert (taher.title, taher.journal, taher.year, taher.volume, taher.first_page, taher.doi) == (
        "Thalassaemia intermedia: revisited", "Blood Cells Mol Dis", "2006", "37", "12",
        "10.1016/j.bcmd.2006.04.005")
    cromwell = citations[2]
    assert cromwell.doi is None and (cromwell.journal, cromwell.first_page) == ("Radiology", "118")
    assert citations[0].title == "The thalassemia syndromes" and citations[0].volume == ""


def test_apa_references_blank_line_separated_and_wrapped():
    text = ("Cromwell, L. D., & Kerber, C. (1978). Spinal cord compression by extramedullary\n"
            "hematopoiesis in myeloid metaplasia. Radiology, 128(1), 118.\n\n"
            "[2] Taher, A., Ismaeel, H., & Cappellini, M. D. (2006). Thalassaemia intermedia: Revisited.\n"
            "Blood Cells, Molecules, and Diseases, 37(1), 12–20. https://doi.org/10.1016/j.bcmd.2006.04.005\n")
    first, second = read_references(text)
    assert (first.first_author, first.year, first.journal, first.volume, first.first_page) == (
        "Cromwell", "1978", "Radiology", "128", "118")
    assert first.title == "Spinal cord compression by extramedullary hematopoiesis in myeloid metaplasia"
    assert (second.first_author, second.doi) == ("Taher", "10.1016/j.bcmd.2006.04.005")


def test_a_line_that_is_not_a_reference_is_said_to_be_so():
    (citation,) = read_references("Figures and tables are in the appendix\n")
    assert not citation.is_reference


# -- the stand-in's PubMed for chasing ----------------------------------------------------------

def _seed(corpus):
    """Two included studies, what they cite and what cites them."""
    day = date(2010, 6, 1)
    for pmid in INCLUDED:
        corpus.add(pmid, day, article_xml(pmid, day, references=["30000002", "30000004"]
                                          if pmid == INCLUDED[0] else None))
    for n in range(1, 8):
        corpus.add(str(30000000 + n), date(2004, 1, n))
    corpus.add("30000004", date(2004, 1, 4),
               article_xml("30000004", date(2004, 1, 4), doi="10.1000/Shared.4"))
    corpus.terms[TERM] = INCLUDED + ["30000001"]
    refs = LinkName.REFERENCES.value
    corpus.links[(refs, INCLUDED[0])] = [("30000001", None), ("30000002", None), ("30000003", None)]
    corpus.links[(LinkName.CITED_BY.value, INCLUDED[0])] = [("30000005", None), ("30000002", None)]
    corpus.links[(LinkName.CITED_BY.value, INCLUDED[1])] = [("30000006", None)]
    corpus.links[(LinkName.SIMILAR.value, INCLUDED[1])] = [
        (INCLUDED[1], 999), ("30000007", 80), ("30000006", 95), ("30000005", 10)]


def _included_review(runner, tmp_path, eutils):
    _seed(eutils.corpus)
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "emh.toml").write_text(f"name = 'emh'\nterm = '''{TERM}'''\n")
    assert runner.invoke(cli, ["search", "emh", "-q"]).exit_code == 0
    for pmid in INCLUDED:
        for args in (["decide", f"pmid:{pmid}", "include", "--reviewer", "ana"],
                     ["fulltext", f"pmid:{pmid}", "--retrieved", f"{pmid}.pdf", "--reviewer", "ana"],
                     ["decide", f"pmid:{pmid}", "include", "--stage", "ft", "--reviewer", "ana"]):
            result = runner.invoke(cli, args)
            assert result.exit_code == 0, result.output


def test_chase_backward_and_forward_store_new_records_with_provenance(runner, tmp_path, eutils, clock):
    _included_review(runner, tmp_path, eutils)
    ris = tmp_path / "embase.ris"
    ris.write_text("TY  - JOUR\nTI  - Extramedullary hematopoiesis case 30000004\nAU  - Haidar, R\n"
                   "PY  - 2004\nJO  - European spine journal\nDO  - 10.1000/shared.4\nER  - \n")
    assert runner.invoke(cli, ["import", "--source", "Embase", str(ris)]).exit_code == 0
    decided = runner.invoke(cli, ["decide", "doi:10.1000/shared.4", "include", "--reviewer", "ben"])
    assert decided.exit_code == 0, decided.output

    back = runner.invoke(cli, ["chase", "backward"])
    assert back.exit_code == 0, back.output
    assert "1 screened record merged into clusters; decisions carried over" in back.output
    # ELink: 1, 2, 3; the reference list in the PubMed XML: 2, 4. 1 is held (the search found it).
    assert "chase backward from 2 records (run 3): 4 found, 3 new, 1 already held" in back.output
    assert ("references only ELink listed: 2; only the records' PubMed reference lists: 1 (both used)"
            in back.output)
    assert "dedup: " in back.output

    with Library(tmp_path / "library.db") as library:
        chased = library.get(library.resolve("pmid:30000003"))
        assert chased.source_db == "Citation searching"
        (link,) = chase_store.provenance(library, library.resolve("pmid:30000003"))
        assert (link["from_record_id"], link["direction"], link["run_id"]) == (
            library.resolve(f"pmid:{INCLUDED[0]}"), "backward", 3)
        shown = runner.invoke(cli, ["show", "pmid:30000003"]).output.splitlines()
        assert (f"Found by citation chasing: backward from record {library.resolve(f'pmid:{INCLUDED[0]}')}"
                " (run 3, ") in "\n".join(shown)
        held = library.resolve("pmid:30000001")
        assert library.get(held).source_db == "PubMed"
        assert chase_store.provenance(library, held)[0]["direction"] == "backward"
        # the chased copy of 30000004 is the Embase record's study: dedup merged them
        embase = library.resolve("doi:10.1000/shared.4")
        assert library.resolve("pmid:30000004") == embase
        counts = prisma.compute(library)
        assert counts.identified_other_methods == {"Citation searching": 3}
        # the study was found by a database (Embase): it stays in the databases arm, whichever
        # copy is canonical, and the chased copy is the other-methods arm's duplicate (#16)
        assert counts.duplicates_removed == 0 and counts.other_methods is not None
        assert counts.other_methods.duplicates_removed == 1
        assert embase in counts.boxes["screened"] and embase not in counts.boxes["other_methods:screened"]
        assert "merged" in [e["event"] for e in sc.audit_events(library, embase)]

    forward = runner.invoke(cli, ["chase", "forward"])
    assert forward.exit_code == 0, forward.output
    assert "3 found, 2 new, 1 already held" in forward.output
    again = runner.invoke(cli, ["chase", "forward"])
    assert "3 found, 0 new, 3 already held" in again.output
    with Library(tmp_path / "library.db") as library:
        assert prisma.compute(library).identified_other_methods == {"Citation searching": 5}
        runs = [r for r in library.runs() if r["kind"] == "chase"]
        assert [(r["name"], r["status"], r["count_new"]) for r in runs] == [
            ("chase backward", "complete", 3), ("chase forward", "complete", 2),
            ("chase forward", "complete", 0)]
    log = runner.invoke(cli, ["searches", "--format", "json"])
    assert [r["name"] for r in json.loads(log.output) if r["kind"] == "chase"] == [
        "chase backward", "chase forward", "chase forward"]


def test_similar_keeps_the_top_n_by_score_and_not_the_record_itself(runner, tmp_path, eutils, clock):
    _included_review(runner, tmp_path, eutils)
    result = runner.invoke(cli, ["chase", "similar", "--from", f"pmid:{INCLUDED[1]}", "--top", "2",
                                 "--no-dedup"])
    assert result.exit_code == 0, result.output
    assert "2 found, 2 new" in result.output
    with Library(tmp_path / "library.db") as library:
        scores = {library.get(i).pmid: chase_store.provenance(library, i)[0]["score"]
                  for i in chase_store.record_ids_of_run(library, 2).values()}
    assert scores == {"30000006": 95, "30000007": 80}
    asked = [e for e in eutils.stand_in.log if e["util"] == "elink.fcgi"]
    assert asked[0]["cmd"] == "neighbor_score" and asked[0]["linkname"] == "pubmed_pubmed"


def test_many_records_one_request_one_id_parameter_each(eutils, clock, library):
    _seed(eutils.corpus)
    client = EntrezClient()
    answer = client.links(INCLUDED + ["30000009"], LinkName.CITED_BY)
    assert {k: sorted(link.pmid for link in v) for k, v in answer.links.items()} == {
        INCLUDED[0]: ["30000002", "30000005"], INCLUDED[1]: ["30000006"], "30000009": []}
    assert len([e for e in eutils.stand_in.log if e["util"] == "elink.fcgi"]) == 1


def test_a_chase_survives_429_and_5xx_and_reports_pmids_pubmed_no_longer_has(
        runner, tmp_path, eutils, clock):
    _included_review(runner, tmp_path, eutils)
    eutils.corpus.gone.add(INCLUDED[1])
    eutils.stand_in.faults.extend(["429", "503"])
    result = runner.invoke(cli, ["chase", "forward", "--no-dedup"])
    assert result.exit_code == 0, result.output
    assert f"PubMed no longer has: pmid:{INCLUDED[1]}" in result.output
    assert "2 found, 2 new" in result.output
    assert clock.sleeps  # the 429 and the 503 were waited out


def test_a_failed_chase_stores_nothing_and_logs_the_failure(runner, tmp_path, eutils, clock):
    _included_review(runner, tmp_path, eutils)
    eutils.stand_in.faults.extend(["500"] * 10)
    result = runner.invoke(cli, ["chase", "backward"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: elink failed after 6 attempts: HTTP 500")
    with Library(tmp_path / "library.db") as library:
        assert library.count() == 3
        (run,) = [r for r in library.runs() if r["kind"] == "chase"]
        assert run["status"] == "failed"


def test_chase_from_a_doi_record_looks_its_pmid_up_and_says_what_it_skips(runner, tmp_path, eutils, clock):
    _seed(eutils.corpus)
    ris = tmp_path / "scopus.ris"
    ris.write_text("TY  - JOUR\nTI  - Extramedullary hematopoiesis case 20217450\nAU  - Haidar, R\n"
                   "PY  - 2010\nDO  - 10.9999/test.20217450\nER  - \n"
                   "TY  - JOUR\nTI  - A conference abstract\nAU  - Nobody, N\nPY  - 2011\nER  - \n")
    assert runner.invoke(cli, ["import", "--source", "Scopus", str(ris)]).exit_code == 0
    result = runner.invoke(cli, ["chase", "forward", "--from", "1,2", "--no-dedup"])
    assert result.exit_code == 0, result.output
    assert "skipped record 2: no PMID or DOI" in result.output
    assert "chase forward from 1 records" in result.output and "2 found, 2 new" in result.output
    unknown = runner.invoke(cli, ["chase", "forward", "--from", "pmid:123"])
    assert unknown.exit_code == 1 and unknown.output == "Error: no record matches 'pmid:123'\n"
    nothing = runner.invoke(cli, ["chase", "forward", "--from", "2"])
    assert nothing.output == ("Error: none of the 1 records can be chased in PubMed "
                              "(record 2: no PMID or DOI)\n")


def test_chase_with_no_included_studies_says_so(runner, eutils):
    result = runner.invoke(cli, ["chase", "backward"])
    assert result.exit_code == 1
    assert result.output == "Error: no included studies to chase from; give --from RECORD,...\n"


# -- resolving a reference list ----------------------------------------------------------------

def _seed_haidar_references(corpus):
    """The stand-in holds four of the five references on Haidar 2010's PubMed page (the fifth is a
    book PubMed does not index), plus a decoy with the same first page in another volume."""
    corpus.add("16800001", date(2006, 7, 1), article_xml(
        "16800001", date(2006, 7, 1), "Thalassaemia intermedia: revisited",
        journal="Blood cells, molecules & diseases", iso="Blood Cells Mol Dis", volume="37", pages="12-20",
        author="Taher", doi="10.1016/j.bcmd.2006.04.005"))
    corpus.add("16800002", date(1978, 4, 1), article_xml(
        "16800002", date(1978, 4, 1), "Spinal cord compression by extramedullary hematopoiesis in myeloid "
        "metaplasia", journal="Radiology", iso="Radiology", volume="128", pages="118", author="Cromwell"))
    corpus.add("16800005", date(1979, 4, 1), article_xml(
        "16800005", date(1979, 4, 1), "Something else entirely", journal="Radiology", iso="Radiology",
        volume="129", pages="118", author="Cromwell"))
    corpus.add("16800003", date(1979, 5, 1), article_xml(
        "16800003", date(1979, 5, 1), "Progressive myelopathy due to extramedullary hematopoiesis: case "
        "report and review of the literature", journal="Annals of neurology", iso="Ann Neurol", volume="5",
        pages="485-9", author="Stahl", doi="10.1002/ana.410050515"))
    corpus.add("16800004", date(1980, 1, 1), article_xml(
        "16800004", date(1980, 1, 1), "Extramedullary hematopoiesis and spinal cord compression "
        "complicating polycythemia rubra vera", journal="Annals of neurology", iso="Ann Neurol",
        volume="7", pages="81-4", author="Rice"))


def test_resolve_a_pubmed_page_reference_list(runner, tmp_path, eutils, clock):
    _seed_haidar_references(eutils.corpus)
    dry = runner.invoke(cli, ["chase", "resolve", str(TEST_DATA / "haidar_2010_references.txt"), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    lines = dry.output.splitlines()
    assert lines[:5] == [
        "   1  not found  Weatherall 2001",
        "   2  matched    pmid:16800001 (DOI)  Taher 2006 Blood Cells Mol Dis",
        "   3  matched    pmid:16800002 (ECitMatch)  Cromwell 1978 Radiology",
        "   4  matched    pmid:16800003 (DOI)  Stahl 1979 Ann Neurol",
        "   5  matched    pmid:16800004 (ECitMatch)  Rice 1980 Ann Neurol",
    ]
    assert lines[5:] == ["haidar_2010_references.txt: 5 references: 4 matched, 1 not found",
                         "dry run: nothing stored"]
    assert not (tmp_path / "library.db").exists() or Library(tmp_path / "library.db").count() == 0

    stored = runner.invoke(cli, ["chase", "resolve", str(TEST_DATA / "haidar_2010_references.txt")])
    assert stored.exit_code == 0, stored.output
    assert "stored (run 1): 4 new records, 0 already held" in stored.output
    with Library(tmp_path / "library.db") as library:
        assert {library.get(i).pmid for i in chase_store.record_ids_of_run(library, 1).values()} == {
            "16800001", "16800002", "16800003", "16800004"}
        record_id = library.resolve("pmid:16800002")
        assert chase_store.provenance(library, record_id)[0]["direction"] == "resolved"
    again = runner.invoke(cli, ["chase", "resolve", str(TEST_DATA / "haidar_2010_references.txt")])
    assert "stored (run 2): 0 new records, 4 already held" in again.output


def test_resolve_falls_back_to_a_title_search_and_reports_ambiguity(eutils, clock, tmp_path, library):
    _seed_haidar_references(eutils.corpus)
    refs = tmp_path / "apa.txt"
    refs.write_text(
        "Rice, G. P., Assis, L. J., Barr, R. M., & Ebers, G. C. (1980). Extramedullary hematopoiesis and "
        "spinal cord compression complicating polycythemia rubra vera. Annals of Neurology.\n\n"
        "Cromwell, L. D. (1978). Compression. Radiology, 999(1), 118.\n")
    result = resolve(library, EntrezClient(), refs, dry_run=True)
    rice, vague = result.resolutions
    assert (rice.outcome, rice.pmid, rice.how) == (Outcome.MATCHED, "16800004", "title search")
    assert vague.outcome is Outcome.NOT_FOUND
    assert library.count() == 0


def test_resolve_reads_ris_files_too(eutils, clock, tmp_path):
    _seed_haidar_references(eutils.corpus)
    ris = tmp_path / "refs.ris"
    ris.write_text("TY  - JOUR\nTI  - Spinal cord compression\nAU  - Cromwell, L D\nPY  - 1978\n"
                   "JO  - Radiology\nVL  - 128\nSP  - 118\nER  - \n")
    (citation,) = read_citations(ris)
    assert (citation.first_author, citation.journal, citation.volume, citation.first_page) == (
        "Cromwell", "Radiology", "128", "118")


def test_resolve_bad_input(runner, tmp_path, eutils):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    result = runner.invoke(cli, ["chase", "resolve", str(empty)])
    assert result.exit_code == 1
    assert result.output == (f"Error: {empty}: the file is empty; expected references, one a line or "
                             "blank-line separated\n")
    missing = runner.invoke(cli, ["chase", "resolve", str(tmp_path / "nope.txt")])
    assert missing.output == f"Error: {tmp_path / 'nope.txt'}: no such file\n"
    junk = tmp_path / "junk.txt"
    junk.write_text("Figures and tables\n")
    out = runner.invoke(cli, ["chase", "resolve", str(junk)])
    assert out.exit_code == 0
    assert out.output.splitlines() == ["   1  not a reference (no year or identifier): Figures and tables",
                                       "junk.txt: 1 references: 1 not a reference"]


# -- validating a search ------------------------------------------------------------------------

def test_search_check_reports_relative_recall_and_hints_for_what_it_misses(runner, tmp_path, eutils, clock):
    _seed(eutils.corpus)
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "emh.toml").write_text(f"name = 'emh'\nterm = '''{TERM}'''\n")
    result = runner.invoke(cli, ["search", "check", "emh", "--known", f"{INCLUDED[0]},30000001,30000003",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["known"], report["found"], report["recall"]) == (3, 2, 0.6667)
    (missed,) = report["missed"]
    assert missed["pmid"] == "30000003"
    assert missed["hints"][0].startswith("it has no MeSH headings yet")
    text = runner.invoke(cli, ["search", "check", "emh", "--known", f"{INCLUDED[0]},30000003"])
    assert text.output.splitlines()[0] == "emh: 1 of 2 known records retrieved (relative recall 50%; run 2)"
    log = json.loads(runner.invoke(cli, ["searches", "--format", "json"]).output)
    assert [(r["kind"], r["name"], r["count_reported"], r["count_retrieved"]) for r in log] == [
        ("check", "emh", 3, 2), ("check", "emh", 2, 1)]


def test_search_check_known_included_and_records_not_in_pubmed(runner, tmp_path, eutils, clock):
    _included_review(runner, tmp_path, eutils)
    with Library(tmp_path / "library.db") as library:
        assert sorted(library.get(i).pmid or "" for i in sc.ids_with_status(library, "included")) == INCLUDED
    result = runner.invoke(cli, ["search", "check", "emh", "--known", "included", "--format", "json"])
    assert json.loads(result.output)["recall"] == 1.0
    refs = tmp_path / "known.txt"
    refs.write_text("Weatherall DJ, Clegg JB. The thalassemia syndromes. 4. Oxford: Blackwell; 2001.\n")
    book = json.loads(runner.invoke(cli, ["search", "check", "emh", "--known", str(refs),
                                          "--format", "json"]).output)
    assert book["found"] == 0 and book["missed"][0]["hints"] == ["reference 1: not found in PubMed"]


def test_search_check_needs_known_records(runner, tmp_path):
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "emh.toml").write_text(f"name = 'emh'\nterm = '''{TERM}'''\n")
    result = runner.invoke(cli, ["search", "check", "emh"])
    assert result.exit_code == 2
    assert "search check NAME needs --known FILE, RECORD,... or included" in result.output


def test_query_terms_separate_mesh_from_text():
    assert query_terms('"Hematopoiesis, Extramedullary"[Mesh] AND (thalassemia[tiab] OR paraspinal*)') == (
        ["hematopoiesis, extramedullary"], ["thalassemia", "paraspinal*"])


def test_chase_directions_name_their_elink():
    assert [d.linkname.value for d in Direction] == [
        "pubmed_pubmed_refs", "pubmed_pubmed_citedin", "pubmed_pubmed"]


def test_chase_api_refuses_an_empty_source_list(library):
    from litreview.errors import ChaseError

    with pytest.raises(ChaseError, match="nothing to chase from"):
        chase(library, EntrezClient(), Direction.FORWARD, [])


def test_resolve_reports_its_steps_to_a_progress_callback(eutils, clock, library):
    _seed_haidar_references(eutils.corpus)
    steps = []
    result = resolve(library, EntrezClient(), TEST_DATA / "haidar_2010_references.txt",
                     progress=lambda step, done, total: steps.append((step, done, total)))
    assert [s for s in steps if s[0] == "references matched by PMID or DOI"] == [
        ("references matched by PMID or DOI", n, 5) for n in range(5)]
    fetched = [s for s in steps if s[0] == "records fetched"]
    assert fetched and fetched[-1][1] == fetched[-1][2] == len(result.stored.new_records) > 0
