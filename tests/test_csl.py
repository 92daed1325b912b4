"""Record <-> CSL-JSON mapping (used by exports and by the bibliography renderer)."""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

import pytest

from litreview.bibliography import styles
from litreview.csl import from_csl, to_csl
from litreview.exporters import export
from litreview.importing import read_file
from litreview.records import Author, Record
from tests._pandoc import find_pandoc


def _article() -> Record:
    return Record(
        title="Deferasirox in thalassaemia",
        pmid="12345678",
        doi="10.1000/abc.1",
        pmcid="PMC123",
        authors=[
            Author(family="Cappellini", given="Maria Domenica", initials="MD"),
            Author(family="Smith", initials="JA"),
            Author(collective="The EPIC Study Group"),
        ],
        journal="Blood",
        journal_abbrev="Blood",
        issn_print="0006-4971",
        issn_electronic="1528-0020",
        volume="107",
        issue="9",
        pages="871-8",
        year=2006,
        month=5,
        day=1,
        languages=["eng"],
        url="https://example.org/a",
        publication_status="aheadofprint",
        source_key="12345678",
    )


def test_article_fields_map_to_csl() -> None:
    item = to_csl(_article())
    assert item["type"] == "article-journal"
    assert item["author"][0] == {"family": "Cappellini", "given": "Maria Domenica"}
    # no full given name: the initials stand as given, dotted, so Vancouver renders "Smith JA"
    assert item["author"][1] == {"family": "Smith", "given": "J. A."}
    assert item["author"][2] == {"literal": "The EPIC Study Group"}
    assert item["container-title"] == "Blood"
    assert item["container-title-short"] == "Blood"
    assert item["page"] == "871-8"
    assert "number" not in item
    assert item["issued"] == {"date-parts": [[2006, 5, 1]]}
    assert item["DOI"] == "10.1000/abc.1"
    assert item["PMID"] == "12345678"
    assert item["PMCID"] == "PMC123"
    assert item["ISSN"] == "0006-4971, 1528-0020"
    assert item["language"] == "en"  # BCP 47, as CSL requires
    assert from_csl(item).languages == ["eng"]
    assert item["status"] == "ahead of print"


def test_article_number_used_only_without_pages() -> None:
    record = Record(title="E-only", article_number="e0123", year=2020)
    assert to_csl(record)["number"] == "e0123"
    record.pages = "1-9"
    assert "number" not in to_csl(record)


def test_season_date_is_year_and_csl_season() -> None:
    """Other readers (citeproc-js, pandoc) use a literal instead of the date-parts and lost the
    year; CSL's season beside the year keeps both, the source's text rides in raw."""
    record = Record(title="T", year=2001, date_text="2001 Winter")
    assert to_csl(record)["issued"] == {"date-parts": [[2001]], "season": 4, "raw": "2001 Winter"}
    back = from_csl(to_csl(record))
    assert (back.year, back.month, back.date_text) == (2001, None, "2001 Winter")


def test_chapter_has_book_fields() -> None:
    record = Record(
        title="Chapter one", kind="chapter", book_title="Handbook of Things",
        editors=[Author(family="Doe", given="Jane")], publisher="Acme", place="London",
        isbn="978-0-00-000000-0", edition="2", pages="1-20", year=2010,
    )
    item = to_csl(record)
    assert item["type"] == "chapter"
    assert item["container-title"] == "Handbook of Things"
    assert item["editor"] == [{"family": "Doe", "given": "Jane"}]
    assert (item["publisher"], item["publisher-place"]) == ("Acme", "London")
    assert (item["ISBN"], item["edition"]) == ("978-0-00-000000-0", "2")
    back = from_csl(item)
    assert back.kind == "chapter" and back.book_title == "Handbook of Things"
    assert back.editors[0].family == "Doe" and back.publisher == "Acme"


def test_book_type() -> None:
    assert to_csl(Record(title="B", kind="book"))["type"] == "book"


def test_round_trip_keeps_csl_fields() -> None:
    record = _article()
    back = from_csl(to_csl(record))
    for name in ("title", "pmid", "doi", "pmcid", "journal", "journal_abbrev", "volume", "issue",
                 "pages", "year", "month", "day", "languages", "url", "publication_status",
                 "issn_print", "issn_electronic"):
        assert getattr(back, name) == getattr(record, name), name
    assert back.authors[0].given == "Maria Domenica" and back.authors[0].initials == "MD"
    assert back.authors[1].given is None and back.authors[1].initials == "JA"
    assert back.authors[2].collective == "The EPIC Study Group"


def test_from_csl_tolerates_zotero_shapes() -> None:
    item = {
        "id": "http://zotero.org/items/ABC", "type": "article-journal", "title": "T",
        "author": [{"family": "Beethoven", "given": "Ludwig", "non-dropping-particle": "van"}],
        "issued": {"raw": "Spring 1999"}, "journalAbbreviation": "J Abbr",
    }
    record = from_csl(item)
    assert record.authors[0].family == "van Beethoven"
    assert record.authors[0].initials == "L"
    assert record.year == 1999 and record.date_text == "Spring 1999"
    assert record.journal_abbrev == "J Abbr"
    assert record.source_key == "http://zotero.org/items/ABC"


def test_medline_date_range_is_a_csl_date_range() -> None:
    record = Record(title="T", year=1998, date_text="1998 Dec-1999 Jan")
    assert to_csl(record)["issued"] == {"date-parts": [[1998, 12], [1999, 1]], "raw": "1998 Dec-1999 Jan"}
    back = from_csl(to_csl(record))
    assert (back.year, back.month, back.date_text) == (1998, None, "1998 Dec-1999 Jan")
    del (item := to_csl(record))["issued"]["raw"]
    assert from_csl(item).date_text == "1998 Dec-1999 Jan"


def test_a_pii_is_not_an_article_number() -> None:
    record = Record(title="T", article_number="S0019-0578(13)00159-6", year=2013)
    assert "number" not in to_csl(record)


def test_exported_csl_json_reads_as_intended_in_pandoc(tmp_path: Path) -> None:
    """A second reader of our CSL-JSON: pandoc's citeproc, with the APA style. The language is
    BCP 47 ('en'), so APA title-cases an English journal's catalogue name and leaves a German
    one alone; a season or a MedlineDate range keeps its year; text with '<' stays text."""
    pandoc = find_pandoc()
    if pandoc is None:
        pytest.skip("pandoc not found (pip install pypandoc_binary, or set LITREVIEW_PANDOC)")
    base = {"authors": [Author(family="Smith", given="Jane", initials="J")], "volume": "39",
            "pages": "80-1", "source_db": "PubMed"}
    records = [
        Record(title="A winter issue", journal="Health devices", year=2010, date_text="2010 Winter",
               languages=["eng"], source_key="winter", **base),  # type: ignore[arg-type]
        Record(title="Eine Studie", journal="Zeitschrift fur orthopadie", year=2001, languages=["ger"],
               source_key="german", **base),  # type: ignore[arg-type]
        Record(title="When A<B and C>D", journal="Journal of tests", year=1998,
               date_text="1998 Dec-1999 Jan", languages=["eng"], source_key="range", **base),  # type: ignore[arg-type]
    ]
    out = io.StringIO()
    export("csl-json", records, out)
    (tmp_path / "refs.json").write_text(out.getvalue(), encoding="utf-8")
    (tmp_path / "apa.csl").write_text(styles.source(styles.style_path("apa")), encoding="utf-8")
    (tmp_path / "doc.md").write_text("---\nnocite: '@*'\n---\n", encoding="utf-8")
    text = subprocess.run([pandoc, "doc.md", "--citeproc", "--bibliography", "refs.json", "--csl", "apa.csl",
                           "-t", "plain", "--wrap=none"], cwd=tmp_path, capture_output=True, text=True,
                          check=True).stdout
    by_title = {title: next(line for line in text.split("\n\n") if title in line)
                for title in ("A winter issue", "Eine Studie", "When A<B and C>D")}
    assert "(2010" in by_title["A winter issue"] and "Health Devices, 39" in by_title["A winter issue"]
    assert "Zeitschrift fur orthopadie, 39" in by_title["Eine Studie"]
    assert "(1998" in by_title["When A<B and C>D"] and "Journal of Tests, 39" in by_title["When A<B and C>D"]


def test_language_is_a_bcp47_tag_or_absent() -> None:
    """Every language on MEDLINE's list becomes a BCP 47 tag; a code BCP 47 does not have is left
    out of 'language' (CSL-JSON's custom object keeps the record's own list)."""
    medline = ("afr", "alb", "amh", "ara", "arm", "aze", "baq", "ben", "bos", "bul", "bur", "cat",
               "chi", "cze", "dan", "dut", "eng", "epo", "est", "fin", "fre", "geo", "ger", "gla",
               "gle", "gre", "heb", "hin", "hrv", "hun", "ice", "ind", "ita", "jpn", "kin", "kor",
               "lat", "lav", "lit", "mac", "mal", "mao", "may", "mlt", "nep", "nor", "per", "pol",
               "por", "pus", "rum", "rus", "san", "sin", "slo", "slv", "spa", "srp", "swa", "swe",
               "tam", "tel", "tha", "tib", "tur", "ukr", "urd", "uzb", "vie", "wel")
    tags = {code: to_csl(Record(title="T", languages=[code]))["language"] for code in medline}
    assert all(len(tag) == 2 and tag.isalpha() and tag.islower() for tag in tags.values()), tags
    assert (tags["ger"], tags["baq"], tags["mao"], tags["tib"]) == ("de", "eu", "mi", "bo")
    assert to_csl(Record(title="T", languages=["mul"]))["language"] == "mul"
    assert to_csl(Record(title="T", languages=["en-GB"]))["language"] == "en"
    assert to_csl(Record(title="T", languages=["ht"]))["language"] == "ht"
    odd = Record(title="T", languages=["xyz", "eng"])
    assert "language" not in to_csl(odd)
    out = io.StringIO()
    export("csl-json", [odd], out)
    path = Path(tempfile.mkdtemp()) / "odd.json"
    path.write_text(out.getvalue(), encoding="utf-8")
    assert read_file(path)[0][0].languages == ["xyz", "eng"]
