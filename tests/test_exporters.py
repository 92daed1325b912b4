"""Exporters: round trips for every format, Zotero/EndNote conventions, --status."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from litreview.cli import cli
from litreview.exporters import get_exporter
from litreview.importing import read_file
from litreview.names import expand_pages
from litreview.records import AbstractSection, Author, Record, normalise
from litreview.selection import filter_for
from litreview.store import Library

COMMON = ("title", "journal", "volume", "issue", "pages", "year", "doi", "abstract", "kind")


def _records() -> list[Record]:
    article = Record(
        title="Deferasirox & iron: a 5% trial of $100 drugs", doi="10.1000/abc.1",
        authors=[Author(family="Cappellini", given="Maria Domenica", initials="MD"),
                 Author(family="Smith", initials="JA"), Author(collective="EPIC Study Group"),
                 Author(family="Ward", given="George W", initials="GW", suffix="Jr")],
        journal="Blood", journal_abbrev="Blood J", volume="107", issue="9", pages="871-8",
        year=2006, month=5, day=1, languages=["eng"], keywords=["iron", "chelation"],
        issn_print="0006-4971", issn_electronic="1528-0020", abstract="Background. Results.",
        pmid="12345678", pmcid="PMC123", url="https://example.org/a",
        source_db="Embase", source_key="E2006001",
    )
    e_only = Record(title="An e-only article", authors=[Author(family="Müller", given="Jörg")],
                    journal="PLoS One", article_number="e0123", year=2020,
                    source_db="Scopus", source_key="2-s2.0-1")
    chapter = Record(
        title="Chapter one", kind="chapter", book_title="Handbook of Things",
        authors=[Author(family="Doe", given="John")], editors=[Author(family="Roe", given="Jane")],
        publisher="Acme", place="London", isbn="978-0-00-000000-2", edition="2",
        pages="1-20", year=2010, source_db="Web of Science", source_key="WOS:0001",
    )
    return [normalise(r) for r in (article, e_only, chapter)]


def _pubmed_records() -> list[Record]:
    record = Record(
        title="A PubMed record", pmid="999", doi="10.1000/pm.9", pmcid="PMC9",
        authors=[Author(family="Cappellini", given="Maria Domenica", initials="MD"),
                 Author(family="Smith", initials="JA"), Author(family="Johnson", initials="JA", suffix="3rd"),
                 Author(collective="EPIC Study Group")],
        journal="Blood", journal_abbrev="Blood", volume="1", issue="2", pages="871-8",
        year=2006, month=5, day=1, languages=["eng"], keywords=["iron"],
        publication_types=["Journal Article"], publication_status="aheadofprint",
        abstract="Text.", issn_print="0006-4971", source_db="PubMed", source_key="999",
    )
    return [normalise(record)]


def _round_trip(fmt: str, records: list[Record], tmp_path: Path) -> list[Record]:
    lib = Library(tmp_path / f"{fmt}.db")
    run = lib.start_run("import", "test")
    lib.add_records(records, run)
    out = io.StringIO()
    assert get_exporter(fmt).write(lib.records(), out) == len(records)
    lib.close()
    path = tmp_path / f"out{get_exporter(fmt).suffix}"
    path.write_text(out.getvalue(), encoding="utf-8")
    back, skipped, name, _ = read_file(path)
    assert name == fmt and skipped == []
    return back


def _authors(record: Record) -> list[tuple[str | None, ...]]:
    return [(a.family, a.given, a.initials, a.collective, a.suffix) for a in record.authors]


@pytest.mark.parametrize("fmt", ["ris", "bibtex", "csl-json"])
def test_round_trip_keeps_every_field_the_format_holds(fmt: str, tmp_path: Path) -> None:
    originals = _records()
    back = _round_trip(fmt, originals, tmp_path)
    assert len(back) == len(originals)
    for before, after in zip(originals, back, strict=True):
        for name in (*(c for c in COMMON if c != "pages"), "month", "keywords", "issn_print",
                     "issn_electronic", "url",
                     "book_title", "publisher", "place", "isbn", "edition", "article_number",
                     "source_db", "source_key", "pmid", "pmcid", "languages"):
            assert getattr(after, name) == getattr(before, name), (fmt, name)
        assert _authors(after) == _authors(before)
        # RIS's EP is a page number: a range comes back in full
        assert after.pages == (expand_pages(before.pages) if fmt == "ris" and before.pages else before.pages)
        assert [e.family for e in after.editors] == [e.family for e in before.editors]
        if fmt != "bibtex":  # BibTeX has no day
            assert after.day == before.day
        assert after.journal_abbrev == before.journal_abbrev


def test_round_trip_nbib(tmp_path: Path) -> None:
    originals = _pubmed_records()
    originals[0].doi = "10.4324/9780429294600/nature-based-solutions-21st-century-challenges-robert-brears"
    back = _round_trip("nbib", originals, tmp_path)
    for before, after in zip(originals, back, strict=True):
        for name in (*COMMON, "month", "day", "pmid", "pmcid", "journal_abbrev", "keywords",
                     "languages", "publication_types", "publication_status", "issn_print",
                     "source_db", "source_key"):
            assert getattr(after, name) == getattr(before, name), name
        assert _authors(after) == _authors(before)


def test_round_trip_csv(tmp_path: Path) -> None:
    originals = _records()
    back = _round_trip("csv", originals, tmp_path)
    for before, after in zip(originals, back, strict=True):
        for name in ("title", "journal", "volume", "issue", "year", "doi", "pmid", "abstract",
                     "source_db", "source_key", "keywords"):
            assert getattr(after, name) == getattr(before, name), name
        assert [a.family or a.collective for a in after.authors] == \
            [a.family or a.collective for a in before.authors]
        assert (after.pages, after.article_number) == (before.pages, before.article_number)


def test_ris_follows_zotero_conventions(tmp_path: Path) -> None:
    out = io.StringIO()
    get_exporter("ris").write(_records()[:1], out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "TY  - JOUR" and lines[-2] == "ER  - "
    assert "AU  - Cappellini, Maria Domenica" in lines and "AU  - Smith, JA" in lines
    assert "T2  - Blood" in lines and "SP  - 871" in lines and "EP  - 878" in lines
    assert "DA  - 2006/05/01/" in lines and "PY  - 2006" in lines
    assert "DO  - 10.1000/abc.1" in lines


def test_bibtex_escapes_and_braces(tmp_path: Path) -> None:
    out = io.StringIO()
    get_exporter("bibtex").write(_records()[:1], out)
    text = out.getvalue()
    assert "@article{E2006001," in text
    assert "title = {{Deferasirox \\& iron: a 5\\% trial of \\$100 drugs}}" in text
    assert ("author = {Cappellini, Maria Domenica and Smith, JA and {EPIC Study Group}"
            " and Ward, Jr, George W}") in text
    assert "pages = {871--8}" in text


def test_status_selection(runner: CliRunner, tmp_path: Path) -> None:
    lib = Library(tmp_path / "library.db")
    run = lib.start_run("import", "test")
    ids = lib.add_records(_records(), run).added_ids
    with lib.transaction():
        lib.db.execute("UPDATE records SET canonical_id = ? WHERE id = ?", [ids[0], ids[1]])
        lib.db.execute("UPDATE records SET is_new = 0 WHERE id = ?", [ids[2]])
    lib.close()
    counts = {}
    for status in ("all", "unique", "new"):
        result = runner.invoke(cli, ["export", "--format", "ris", "--status", status,
                                     "-o", str(tmp_path / f"{status}.ris")])
        assert result.exit_code == 0, result.output
        counts[status] = (tmp_path / f"{status}.ris").read_text().count("TY  - ")
    assert counts == {"all": 3, "unique": 2, "new": 2}
    bad = runner.invoke(cli, ["export", "--status", "banana"])
    assert bad.exit_code == 2
    assert filter_for("unique").unique and not filter_for("all").unique


def test_exported_ris_reads_in_a_plain_ris_reader() -> None:
    """rispy's default reader (Zotero's tag meanings) sees what we meant."""
    import rispy

    out = io.StringIO()
    get_exporter("ris").write(_records(), out)
    entries = rispy.loads(out.getvalue())
    assert [e["type_of_reference"] for e in entries] == ["JOUR", "JOUR", "CHAP"]
    assert entries[0]["authors"][:2] == ["Cappellini, Maria Domenica", "Smith, JA"]
    assert entries[0]["secondary_title"] == "Blood" and entries[0]["doi"] == "10.1000/abc.1"
    assert (entries[0]["start_page"], entries[0]["end_page"]) == ("871", "878")  # EP is a page


def test_exported_bibtex_parses_without_errors() -> None:
    import bibtexparser

    out = io.StringIO()
    get_exporter("bibtex").write(_records(), out)
    library = bibtexparser.parse_string(out.getvalue())
    assert not library.failed_blocks
    assert [e.entry_type for e in library.entries] == ["article", "article", "incollection"]
    assert library.entries[2]["booktitle"] == "Handbook of Things"


def test_export_says_once_what_the_format_cannot_hold(runner: CliRunner, tmp_path: Path) -> None:
    """Three records with labelled abstracts to nbib: one note for the kind of data, on stderr,
    none for CSL-JSON, which holds it."""
    lib = Library(tmp_path / "library.db")
    run = lib.start_run("import", "test")
    records = []
    for number in range(3):
        record = _records()[0]
        record.source_key, record.pmid, record.doi = f"K{number}", str(900 + number), None
        record.abstract_sections = [AbstractSection("Background.", "BACKGROUND", "BACKGROUND"),
                                    AbstractSection("Results.", "RESULTS", "RESULTS")]
        records.append(record)
    lib.add_records(records, run)
    lib.close()
    result = runner.invoke(cli, ["export", "--format", "nbib", "-o", str(tmp_path / "out.nbib")])
    assert result.exit_code == 0, result.output
    note = "note: Abstract sections (labels, categories and line breaks) not written to nbib"
    assert result.stderr.splitlines() == ["exported 3 records as nbib", note]
    result = runner.invoke(cli, ["export", "--format", "csl-json", "-o", str(tmp_path / "out.json")])
    assert result.stderr.splitlines() == ["exported 3 records as csl-json"]
