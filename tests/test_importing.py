"""`litreview import`: run log, idempotent re-import, all-or-nothing, --skip-invalid, bad files."""

from __future__ import annotations

import pickle
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from litreview import importing
from litreview.cli import cli
from litreview.errors import ParseError
from litreview.importing import checksum, import_file
from litreview.store import Library
from tests.conftest import SHARED_DATA, TEST_DATA

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
    result = runner.invoke(cli, ["import", "--skip-invalid", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.count("skipped:") == 2
    assert "record 2: record is empty" in result.output and "record 4: row has" in result.output
    assert "2 invalid skipped" in result.output
    with _lib(tmp_path) as lib:
        assert sorted(r.title for r in lib.records()) == ["Good one", "Good two"]


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


# -- big files: read in a child process ------------------------------------------------------


def _stored(library: Library) -> list[dict[str, object]]:
    rows = library.db.execute("SELECT * FROM records ORDER BY id")
    columns = [d[0] for d in rows.description]
    return [{k: v for k, v in zip(columns, row) if k != "added_at"} for row in rows.fetchall()]


def _import_both_ways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: Path, **options: object
                      ) -> tuple[object, object, list[int]]:
    """Import `path` in this process, then again read by a child process; the child count."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    outcomes = []
    started: list[int] = []
    real_init = importing._ChildReader.__init__

    def counting_init(self: importing._ChildReader, *args: object) -> None:
        real_init(self, *args)
        started.append(self.process.pid)

    monkeypatch.setattr(importing._ChildReader, "__init__", counting_init)
    for label, threshold in (("here", 1 << 62), ("child", 0)):
        monkeypatch.setattr(importing, "CHILD_MIN_BYTES", threshold)
        assert threading.active_count() == 1, "a thread left running stops the child path"
        with Library(tmp_path / f"{label}.db") as library:
            try:
                result = import_file(library, path, **options)  # type: ignore[arg-type]
                outcomes.append((result.read, result.added, [str(s) for s in result.skipped],
                                 _stored(library)))
            except ParseError as exc:
                outcomes.append((str(exc), library.count()))
    return outcomes[0], outcomes[1], started


@pytest.mark.parametrize("relative", [
    "exports/ris/citesource_new_stage/lens_343.ris",
    "dedup/digital_work/records.csv",
    "exports/nbib/p1m/citations_92.nbib",
])
def test_a_file_read_by_a_child_process_stores_exactly_what_reading_it_here_stores(
    relative: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    here, child, started = _import_both_ways(tmp_path, monkeypatch, SHARED_DATA / relative)
    assert len(started) == 1
    assert here == child
    assert here[1] > 0


def test_errors_from_a_child_process_are_the_same_errors(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.ris"
    bad.write_text(GOOD_RIS + "\nTY  - JOUR\nPY  - 2011\nER  - \n\n" + GOOD_RIS.replace("First", "Third"))
    here, child, started = _import_both_ways(tmp_path, monkeypatch, bad)
    assert len(started) == 1 and here == child
    assert "bad.ris, line 12, record 3: record is empty" in here[0] and here[1] == 0  # nothing half-imported
    here, child, _ = _import_both_ways(tmp_path / "skip", monkeypatch, bad, skip_invalid=True)
    assert here == child and here[:3] == (5, 3, [str(ParseError("record is empty (no title, authors, DOI or"
                                                               " PMID)", file=str(bad), line=12, record=3))])
    truncated = TEST_DATA / "ris_truncated.ris"
    here, child, _ = _import_both_ways(tmp_path / "cut", monkeypatch, truncated)
    assert here == child and "no 'ER  - ' line" in here[0]


def test_parse_errors_pickle_with_their_location() -> None:
    error = ParseError("record has no 'ER  - ' end line", file="a.ris", line=7, record=3)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.file, copy.line, copy.record, str(copy)) == ("a.ris", 7, 3, str(error))


def test_pubmed_xml_is_read_here_whatever_its_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its parser already uses a second thread; a child would only add the cost of sending."""
    here, child, started = _import_both_ways(tmp_path, monkeypatch,
                                             SHARED_DATA / "pubmed_xml/xizhou+pubMR/pubmed_result.xml")
    assert started == [] and here == child
