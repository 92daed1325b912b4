"""`litreview import`: run log, idempotent re-import, all-or-nothing, --skip-invalid, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from litreview.cli import cli
from litreview.importing import checksum, import_file
from litreview.store import Library
from tests.conftest import TEST_DATA

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
