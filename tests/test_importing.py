"""Import into the library: all or nothing, idempotent, logged; and the CLI."""

from litreview.cli import cli
from tests.conftest import SHARED_DATA, TEST_DATA


def test_import_logs_a_run_and_keeps_source_keys(runner, library):
    result = runner.invoke(cli, ["import", str(TEST_DATA / "ris_bom_crlf.ris")])
    assert result.exit_code == 0, result.output
    assert "(detected ris): read 1, added 1" in result.output and "[Embase 1]" in result.output
    run = library.runs("import")[0]
    assert run["database"] == "Embase" and run["checksum"] and run["count_new"] == 1
    record = next(library.records())
    assert (record.source_db, record.source_key, record.run_id) == ("Embase", "emb-1", run["id"])


def test_importing_the_same_file_twice_adds_nothing(runner, library):
    path = str(SHARED_DATA / "exports/nbib/p1m/pubmed_result_10_medline.txt")
    assert runner.invoke(cli, ["import", path]).exit_code == 0
    again = runner.invoke(cli, ["import", path])
    assert again.exit_code == 0 and "already imported (run 1); nothing added" in again.output
    assert library.count() == 10


def test_same_records_in_another_file_are_not_added_twice(runner, library, tmp_path):
    copy = tmp_path / "copy.nbib"
    copy.write_text((SHARED_DATA / "exports/nbib/p1m/pubmed_result_10_medline.txt").read_text() + "\n")
    runner.invoke(cli, ["import", str(SHARED_DATA / "exports/nbib/p1m/pubmed_result_10_medline.txt")])
    result = runner.invoke(cli, ["import", str(copy)])
    assert "added 0, already in the library 10" in result.output
    assert library.count() == 10


def test_invalid_record_aborts_the_whole_file(runner, library):
    result = runner.invoke(cli, ["import", str(TEST_DATA / "ris_one_invalid.ris")])
    assert result.exit_code == 1
    assert "ris_one_invalid.ris: record 2 (line 7): no title, DOI or PMID" in result.output
    assert "nothing imported from this file" in result.output
    assert "Traceback" not in result.output
    assert library.count() == 0
    assert library.runs("import")[0]["status"] == "failed"


def test_skip_invalid_imports_the_rest_and_lists_skips(runner, library):
    result = runner.invoke(cli, ["import", "--skip-invalid", "--source", "Scopus",
                                 str(TEST_DATA / "ris_one_invalid.ris")])
    assert result.exit_code == 0
    assert "added 2" in result.output and "skipped record 2 (line 7): no title, DOI or PMID" in result.output
    assert {r.source_db for r in library.records()} == {"Scopus"}


def test_truncated_file_is_an_error_with_line(runner, library):
    result = runner.invoke(cli, ["import", str(TEST_DATA / "ris_truncated.ris")])
    assert result.exit_code == 1
    assert "ris_truncated.ris, line 1: the record starting at line 1 has no 'ER  -' end tag" in result.output
    assert library.count() == 0


def test_missing_file_and_bad_map(runner):
    result = runner.invoke(cli, ["import", "nope.ris"])
    assert result.exit_code == 1 and "nope.ris: no such file" in result.output
    result = runner.invoke(cli, ["import", "--map", "oops", "x.csv"])
    assert result.exit_code == 2 and "expected COLUMN=FIELD" in result.output


def test_unnamed_database_is_said(runner):
    result = runner.invoke(cli, ["import", str(SHARED_DATA / "exports/ris/citesource_misc/pubmed_46.ris")])
    assert result.exit_code == 0
    assert "does not name its database" in result.output and "[pubmed_46 46]" in result.output


def test_every_pubmed_xml_file_imports(runner, library):
    path = SHARED_DATA / "pubmed_xml/sk8erjs69+sr-project/pubmed_result.xml"
    result = runner.invoke(cli, ["import", str(path)])
    assert result.exit_code == 0 and "(detected pubmed-xml): read 106, added 106" in result.output
    assert library.count("source_db = 'PubMed'") == 106
