"""The living review's watch: `update` re-fetches the screened-in studies and reports what PubMed
changed under them, against the E-utilities stand-in (whose records can be replaced between runs)."""

import json
from datetime import date

from litreview.cli import cli
from litreview.records import is_retracted
from litreview.store import Library
from litreview.store import watch as store
from tests.eutils_server import article_xml

TERM = "thalassemia AND hematopoiesis"
INCLUDED, MAYBE, EXCLUDED = "21000001", "21000002", "21000003"
DAY = date(2012, 3, 1)


def _review(runner, tmp_path, eutils):
    corpus = eutils.corpus
    corpus.add(INCLUDED, DAY, article_xml(INCLUDED, DAY, "A trial of hydroxyurea", status="aheadofprint",
                                          issue="", pages="-", revised=date(2012, 3, 2)))
    corpus.add(MAYBE, DAY, article_xml(MAYBE, DAY, "A cohort of transfusions"))
    corpus.add(EXCLUDED, DAY, article_xml(EXCLUDED, DAY, "A mouse model"))
    corpus.terms[TERM] = [INCLUDED, MAYBE, EXCLUDED]
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "emh.toml").write_text(f"name = 'emh'\nterm = '''{TERM}'''\n")
    assert runner.invoke(cli, ["update", "-q"]).exit_code == 0
    for args in (["decide", f"pmid:{INCLUDED}", "include", "--reviewer", "ana"],
                 ["fulltext", f"pmid:{INCLUDED}", "--retrieved", "a.pdf", "--reviewer", "ana"],
                 ["decide", f"pmid:{INCLUDED}", "include", "--stage", "ft", "--reviewer", "ana"],
                 ["decide", f"pmid:{MAYBE}", "maybe", "--reviewer", "ana"],
                 ["decide", f"pmid:{EXCLUDED}", "exclude", "--reviewer", "ana"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output


def _efetches(eutils):
    return [e for e in eutils.stand_in.log if e["util"] == "efetch.fcgi"]


def test_an_update_with_nothing_changed_reports_nothing_and_costs_one_efetch(runner, tmp_path, eutils, clock):
    _review(runner, tmp_path, eutils)
    eutils.stand_in.log.clear()
    result = runner.invoke(cli, ["update"])
    assert result.exit_code == 0, result.output
    assert "watch: 2 screened-in studies re-fetched, 0 changes" in result.output
    (fetch,) = _efetches(eutils)  # the search finds nothing new: only the watch fetches
    assert sorted(fetch["id"].split(",")) == [INCLUDED, MAYBE]
    quiet = runner.invoke(cli, ["update", "-q"])
    assert quiet.exit_code == 0 and quiet.output == ""


def test_a_retraction_is_printed_logged_kept_as_a_version_and_fails_cron(runner, tmp_path, eutils, clock):
    _review(runner, tmp_path, eutils)
    eutils.corpus.add(INCLUDED, DAY, article_xml(
        INCLUDED, DAY, "A trial of hydroxyurea", status="aheadofprint", issue="", pages="-",
        publication_types=("Journal Article", "Retracted Publication"),
        corrections=(("RetractionIn", "Blood. 2013;121(5):900", "23400001"),), revised=date(2013, 2, 1)))
    digest = tmp_path / "digest.md"
    result = runner.invoke(cli, ["update", "-q", "--report", "md", "-o", str(digest),
                                 "--fail-on", "retraction"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"RETRACTED pmid:{INCLUDED} A trial of hydroxyurea (included): Blood. 2013;121(5):900 "
        "(pmid:23400001)",
        f"Error: 1 screened-in studies retracted: pmid:{INCLUDED}",
    ]
    assert f"- **RETRACTED** pmid:{INCLUDED} A trial of hydroxyurea (included)" in digest.read_text()
    with Library(tmp_path / "library.db") as library:
        record_id = library.resolve(f"pmid:{INCLUDED}")
        assert is_retracted(library.get(record_id))
        (version,) = store.versions_of(library, record_id)
        assert json.loads(version["old"]["publication_types"]) == ["Journal Article"]
        (event,) = store.events(library)
        assert (event["kind"], event["status"], event["pmid"]) == ("RETRACTED", "included", INCLUDED)
    log = json.loads(runner.invoke(cli, ["searches", "--format", "json"]).output)
    (watch_run,) = [r for r in log if r["kind"] == "watch" and r["events"]]
    assert watch_run["events"][0]["kind"] == "RETRACTED"
    bib = runner.invoke(cli, ["bib", "--status", "included"])
    assert bib.exit_code == 0 and bib.output.rstrip().endswith("[Retracted]")
    md = runner.invoke(cli, ["prisma", "--format", "md"]).output
    assert f"## Retracted included studies\n\n- pmid:{INCLUDED} A trial of hydroxyurea [Retracted]" in md
    shown = runner.invoke(cli, ["show", f"pmid:{INCLUDED}"]).output.splitlines()
    assert shown[1] == "RETRACTED: PubMed marks this study as retracted"
    assert shown[-1].startswith("Earlier version (replaced ")
    assert 'publication_types was ["Journal Article"]' in shown[-1]
    again = runner.invoke(cli, ["update", "-q", "--fail-on", "retraction"])
    assert again.exit_code == 0 and again.output == ""  # reported once, not every night


def test_an_erratum_and_an_ahead_of_print_record_getting_its_issue_and_pages(runner, tmp_path, eutils, clock):
    _review(runner, tmp_path, eutils)
    eutils.corpus.add(INCLUDED, DAY, article_xml(INCLUDED, DAY, "A trial of hydroxyurea", issue="4",
                                                 pages="301-309", revised=date(2012, 9, 1)))
    eutils.corpus.add(MAYBE, DAY, article_xml(
        MAYBE, DAY, "A cohort of transfusions",
        corrections=(("ErratumIn", "Haematologica. 2012;97(9):1450", "22900001"),)))
    result = runner.invoke(cli, ["update"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.split(" ")[0].isupper()]
    assert lines == [
        f"CORRECTED pmid:{MAYBE} A cohort of transfusions (maybe): Haematologica. 2012;97(9):1450 "
        "(pmid:22900001)",
        f"CITATION pmid:{INCLUDED} A trial of hydroxyurea (included): issue - -> 4; pages - -> 301-309; "
        "publication_status aheadofprint -> ppublish",
    ]
    with Library(tmp_path / "library.db") as library:
        record = library.get(library.resolve(f"pmid:{INCLUDED}"))
        assert (record.issue, record.pages) == ("4", "301-309")
        old = store.versions_of(library, record.id)[0]["old"]
        assert old["pages"] is None and old["publication_status"] == "aheadofprint"


def test_an_excluded_study_is_not_watched(runner, tmp_path, eutils, clock):
    _review(runner, tmp_path, eutils)
    eutils.corpus.add(EXCLUDED, DAY, article_xml(EXCLUDED, DAY, "A mouse model",
                                                 publication_types=("Retracted Publication",)))
    result = runner.invoke(cli, ["update", "--fail-on", "retraction"])
    assert result.exit_code == 0 and "RETRACTED" not in result.output


def test_a_study_with_no_pubmed_copy_is_said_not_to_be_watched(runner, tmp_path, eutils, clock):
    _review(runner, tmp_path, eutils)
    ris = tmp_path / "cinahl.ris"
    ris.write_text("TY  - JOUR\nTI  - A nursing survey of thalassaemia\nAU  - Doe, J\nPY  - 2011\nER  - \n")
    assert runner.invoke(cli, ["import", "--source", "CINAHL", str(ris)]).exit_code == 0
    assert runner.invoke(cli, ["decide", "4", "include", "--reviewer", "ana"]).exit_code == 0
    result = runner.invoke(cli, ["update"])
    assert "watch: 2 screened-in studies re-fetched, 0 changes, 1 without a PMID not watched" in result.output


def test_more_than_500_screened_in_studies_take_one_efetch_per_500(runner, tmp_path, eutils, clock):
    pmids = [str(22000000 + n) for n in range(501)]
    for pmid in pmids:
        eutils.corpus.add(pmid, DAY)
    eutils.corpus.terms[TERM] = pmids
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "emh.toml").write_text(f"name = 'emh'\nterm = '''{TERM}'''\n")
    assert runner.invoke(cli, ["update", "-q"]).exit_code == 0
    with Library(tmp_path / "library.db") as library:
        from litreview.screening import decisions as sc

        for record_id in range(1, 502):
            sc.decide(library, record_id, "include", reviewer="ana")
    eutils.stand_in.log.clear()
    assert runner.invoke(cli, ["update", "-q"]).exit_code == 0
    assert [len(e["id"].split(",")) for e in _efetches(eutils)] == [500, 1]


def test_update_report_needs_an_output_file(runner, tmp_path):
    result = runner.invoke(cli, ["update", "--report", "md"])
    assert result.exit_code == 2 and "--report md needs -o FILE" in result.output
