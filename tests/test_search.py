"""Running saved searches into the library, against the E-utilities stand-in."""

import json
from datetime import date, timedelta

import pytest

from litreview.cli import cli
from litreview.errors import EntrezError, IncompleteRunError
from litreview.pubmed.client import EntrezClient
from litreview.queries import SavedSearch
from litreview.search import run_search, search_report, update
from litreview.store import Library

SEED = SavedSearch(name="emh", term='"Hematopoiesis, Extramedullary"[Mesh] AND thalassemia')


def _fill(corpus, n, first=19_000_000, term=SEED.term):
    pmids = [str(first + i) for i in range(n)]
    for i, pmid in enumerate(pmids):
        corpus.add(pmid, date(2005, 1, 1) + timedelta(days=i))
    corpus.terms[term] = corpus.terms.get(term, []) + pmids
    return pmids


def _write_query(tmp_path, search=SEED):
    folder = tmp_path / "queries"
    folder.mkdir(exist_ok=True)
    (folder / f"{search.name}.toml").write_text(f"name = {search.name!r}\nterm = '''{search.term}'''\n")


def test_first_run_stores_everything_and_logs_it(eutils, clock, library):
    pmids = _fill(eutils.corpus, 120)
    summary = run_search(library, SEED, EntrezClient(fetch_batch=50))
    assert (summary.status, summary.count_reported, summary.count_retrieved, summary.count_new) == (
        "complete", 120, 120, 120)
    assert library.held_keys("PubMed") == set(pmids)
    run = library.run(summary.run_id)
    assert run["query"] == SEED.term and run["query_translation"] == SEED.term
    assert run["status"] == "complete" and run["missing"] == []
    record = library.get(library.resolve(f"pmid:{pmids[0]}"))
    assert record.run_id == summary.run_id and record.is_new


def test_update_fetches_only_what_is_new(eutils, clock, library):
    _fill(eutils.corpus, 30)
    run_search(library, SEED, EntrezClient())
    eutils.stand_in.log.clear()
    fresh = _fill(eutils.corpus, 4, first=19_100_000)
    summary = run_search(library, SEED, EntrezClient())
    assert (summary.count_reported, summary.count_new) == (34, 4)
    fetched = [e for e in eutils.stand_in.log if e["util"] == "efetch.fcgi"]
    assert len(fetched) == 1 and sorted(fetched[0]["id"].split(",")) == sorted(fresh)
    again = run_search(library, SEED, EntrezClient())
    assert again.count_new == 0 and library.count() == 34


def test_missing_records_make_the_run_incomplete_and_say_which(eutils, clock, library):
    pmids = _fill(eutils.corpus, 10)
    eutils.stand_in.withheld = {pmids[3]}
    with pytest.raises(IncompleteRunError, match=f"1 PMIDs not retrieved \\({pmids[3]}\\)"):
        run_search(library, SEED, EntrezClient())
    run = library.runs()[-1]
    assert run["status"] == "incomplete"
    assert run["missing"] == [{"pmid": pmids[3], "reason":
                               "listed by esearch but not returned by efetch after retries"}]
    eutils.stand_in.withheld = set()
    assert run_search(library, SEED, EntrezClient()).count_new == 1


def test_failed_night_is_not_a_gap(eutils, clock, library):
    _fill(eutils.corpus, 20)
    eutils.stand_in.faults.extend(["500"] * 2)
    with pytest.raises(EntrezError):
        run_search(library, SEED, EntrezClient(max_attempts=2))
    assert library.runs()[-1]["status"] == "failed"
    assert library.count() == 0
    assert run_search(library, SEED, EntrezClient()).count_new == 20


class Killed(BaseException):
    """Stands for SIGKILL/Ctrl-C arriving between two batches."""


def test_killed_run_is_resumed_by_the_next_update(eutils, clock, tmp_path):
    pmids = _fill(eutils.corpus, 100)
    lib = Library(tmp_path / "library.db")

    def die_after_first_batch(name, done, total):
        if done >= 40:
            raise Killed

    with pytest.raises(Killed):
        run_search(lib, SEED, EntrezClient(fetch_batch=40), die_after_first_batch)
    lib.close()
    lib = Library(tmp_path / "library.db")
    assert lib.count() == 40
    assert lib.runs()[-1]["status"] == "running"
    result = update(lib, [SEED], EntrezClient(fetch_batch=40))
    assert result.interrupted == 1 and not result.failures
    assert [r["status"] for r in lib.runs()] == ["interrupted", "complete"]
    assert lib.held_keys("PubMed") == set(pmids)
    assert result.summaries[0].count_new == 60


def test_update_runs_every_search_and_reports_failures(eutils, clock, library):
    other = SavedSearch(name="other", term="spinal cord compression thalassemia")
    _fill(eutils.corpus, 5)
    _fill(eutils.corpus, 3, first=18_000_000, term=other.term)
    eutils.stand_in.withheld = {"18000001"}
    result = update(library, [SEED, other], EntrezClient())
    assert [s.name for s in result.summaries] == ["emh"]
    assert result.failures[0][0] == "other" and "18000001" in result.failures[0][1]
    assert library.count() == 7


def test_cli_search_saved_and_adhoc(eutils, clock, runner, tmp_path):
    _fill(eutils.corpus, 12)
    _write_query(tmp_path)
    result = runner.invoke(cli, ["search", "emh"])
    assert result.exit_code == 0, result.output
    assert "emh: PubMed reported 12, 12 held, 12 new" in result.output
    eutils.corpus.terms["hydroxyurea"] = ["19000001"]
    result = runner.invoke(cli, ["search", "--term", "hydroxyurea", "--save", "hu", "--quiet"])
    assert result.exit_code == 0 and result.output == ""
    assert "term = \"hydroxyurea\"" in (tmp_path / "queries" / "hu.toml").read_text()


def test_cli_search_needs_one_of_name_or_term(runner):
    for args, says in ((["search", "--term", " "], "--term is empty"),
                       (["search"], "give a saved search NAME or --term"),
                       (["search", "emh", "--term", "x"], "NAME or --term, not both")):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2 and says in result.output, (args, result.output)
    assert "not both" not in runner.invoke(cli, ["search"]).output


def test_cli_unknown_search_and_bad_file(runner, tmp_path):
    _write_query(tmp_path)
    result = runner.invoke(cli, ["search", "nope"])
    assert result.exit_code == 1
    assert "Error: no saved search 'nope' in" in result.output and "(saved searches: emh)" in result.output
    (tmp_path / "queries" / "broken.toml").write_text("term = [unclosed\n")
    result = runner.invoke(cli, ["update"])
    assert result.exit_code == 1 and "broken.toml: not valid TOML" in result.output


def test_cli_update_exit_codes(eutils, clock, runner, tmp_path):
    _fill(eutils.corpus, 6)
    _write_query(tmp_path)
    ok = runner.invoke(cli, ["update", "--quiet"])
    assert ok.exit_code == 0 and ok.output == ""
    eutils.stand_in.faults.extend(["503"] * 6)
    failed = runner.invoke(cli, ["update"])
    assert failed.exit_code == 1
    assert "1 of 1 searches failed" in failed.output and "HTTP 503" in failed.output
    assert "Traceback" not in failed.output


def test_second_update_exits_while_one_runs(runner, tmp_path):
    _write_query(tmp_path)
    holder = Library(tmp_path / "library.db")
    with holder.update_lock():
        result = runner.invoke(cli, ["update"])
    assert result.exit_code == 1
    assert "Error: another update is running" in result.output


def test_searches_report_formats(eutils, clock, runner, tmp_path):
    _fill(eutils.corpus, 3)
    _write_query(tmp_path)
    runner.invoke(cli, ["search", "emh"])
    rows = json.loads(runner.invoke(cli, ["searches", "--format", "json"]).output)
    assert rows[0]["query"] == SEED.term and rows[0]["count_new"] == 3
    md = runner.invoke(cli, ["searches", "--format", "md"]).output
    assert "## PubMed" in md and SEED.term in md and "Records reported: 3" in md
    csv_out = runner.invoke(cli, ["searches", "--format", "csv"]).output.splitlines()
    assert csv_out[0].startswith("run_id,kind,database,name,query")
    assert len(csv_out) == 2
    table = runner.invoke(cli, ["searches"]).output
    assert "emh" in table and "complete" in table


def test_report_rows_from_library(library):
    run = library.start_run("import", "Embase", file="embase.ris", checksum="ab" * 32)
    library.finish_run(run, "complete", count_retrieved=10, count_new=9)
    row = search_report(library)[0]
    assert (row["kind"], row["database"], row["file"]) == ("import", "Embase", "embase.ris")
    assert row["count_new"] == 9


def test_update_dedups_new_records_against_the_library(eutils, clock, runner, tmp_path, library):
    from litreview.records import Author, Record

    pmids = _fill(eutils.corpus, 2)
    run = library.start_run("import", "Embase")
    library.add_records([Record(title=f"Extramedullary hematopoiesis case {pmids[0]}", year=2005,
                                journal="Eur Spine J", volume="6", pages=f"{int(pmids[0]) % 900 + 1}-9",
                                authors=[Author(family="Haidar", given="Rachid")],
                                source_db="Embase", source_key="e1")], run)
    _write_query(tmp_path)
    result = runner.invoke(cli, ["update"])
    assert result.exit_code == 0, result.output
    assert "dedup: 3 new records compared, 1 merged duplicates" in result.output
    assert library.resolve("pmid:" + pmids[0]) == library.resolve(str(library.resolve("pmid:" + pmids[0])))
    embase = next(r for r in library.records() if r.source_key == 'e1')
    assert embase.canonical_id == library.resolve("pmid:" + pmids[0])


def test_what_pubmed_could_not_search_is_said_and_logged(eutils, clock, runner, tmp_path):
    """A misspelt MeSH heading: PubMed leaves the phrase out and runs the rest of the query. Its
    web page says so above the results; E-utilities only in esearch's ErrorList/WarningList."""
    typo = SavedSearch(name="typo", term='"Hematopoiesis, Extramedulary"[Mesh] AND "paraspinal emh mass"')
    eutils.corpus.unknown.update({"Hematopoiesis, Extramedulary": "PhraseNotFound",
                                  '"paraspinal emh mass"': "QuotedPhraseNotFound"})
    _fill(eutils.corpus, 2, term=typo.term)
    _write_query(tmp_path, typo)
    result = runner.invoke(cli, ["search", "typo"])
    assert result.exit_code == 0, result.output
    assert ("typo: PubMed: term not found in PubMed, left out of the search: Hematopoiesis, Extramedulary"
            in result.output)
    assert 'typo: PubMed: quoted phrase not found: "paraspinal emh mass"' in result.output
    [row] = json.loads(runner.invoke(cli, ["searches", "--format", "json"]).output)
    assert row["warnings"] == [
        "term not found in PubMed, left out of the search: Hematopoiesis, Extramedulary",
        'quoted phrase not found: "paraspinal emh mass"']
    assert "- PubMed: term not found in PubMed" in runner.invoke(cli, ["searches", "--format", "md"]).output
    assert runner.invoke(cli, ["update", "--quiet"]).output == ""
