"""A reviewer's look-ups through the CLI: show, list, exports carrying the screening state,
sources rename, searches undo and search --count; PRISMA boxes asserted before and after."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from litreview.cli import cli
from litreview.store import Library

NOW = "2026-01-02T03:04:05+00:00"
EMBASE = """TY  - JOUR
ID  - e1
TI  - Hydroxyurea in thalassaemia intermedia
AU  - Taher, Ali
AB  - Fetal haemoglobin rose in all patients.
PY  - 2011
JO  - Blood
VL  - 118
SP  - 100
EP  - 109
DB  - Embase
ER  -

TY  - JOUR
ID  - e2
TI  - Spinal cord compression by extramedullary hematopoiesis
AU  - Haidar, Rachid
PY  - 2005
JO  - European spine journal
DO  - 10.1007/s00586-009-1206-3
DB  - Embase
ER  -
"""
SCOPUS = """TY  - JOUR
ID  - s1
TI  - Spinal cord compression by extramedullary hematopoiesis
AU  - Haidar, Rachid
PY  - 2005
T2  - European spine journal
VL  - 19
SP  - 871
EP  - 878
DO  - 10.1007/s00586-009-1206-3
DB  - Scopus
ER  -

TY  - JOUR
ID  - s2
TI  - Iron chelation with deferasirox
AU  - Cappellini, Maria Domenica
PY  - 2006
T2  - Blood
DB  - Scopus
ER  -
"""


def _ok(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, (args, result.output)
    return result.stdout


def _prisma(runner: CliRunner) -> dict:
    return json.loads(_ok(runner, "prisma", "--format", "json"))


@pytest.fixture
def review(runner: CliRunner, tmp_path, monkeypatch) -> CliRunner:
    """Embase (2) then Scopus (2) imported; the Scopus copy of the spinal-cord paper (with pages)
    is kept and the Embase copy merged into it; records 1-4 in import order."""
    monkeypatch.setattr("litreview.store.library.utcnow", lambda: NOW)
    monkeypatch.setattr("litreview.store.screening.utcnow", lambda: NOW)
    monkeypatch.setattr("litreview.store.catalogue.utcnow", lambda: NOW)
    (tmp_path / "embase.ris").write_text(EMBASE)
    (tmp_path / "scopus.ris").write_text(SCOPUS)
    _ok(runner, "import", "embase.ris")
    _ok(runner, "import", "scopus.ris")
    _ok(runner, "dedup")
    return runner


def test_show_every_field_cluster_decision_note_and_tag(runner: CliRunner, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("litreview.store.library.utcnow", lambda: NOW)
    monkeypatch.setattr("litreview.store.screening.utcnow", lambda: NOW)
    monkeypatch.setattr("litreview.store.catalogue.utcnow", lambda: NOW)
    (tmp_path / "embase.ris").write_text(EMBASE)
    (tmp_path / "scopus.ris").write_text(SCOPUS)
    review = runner
    _ok(review, "import", "embase.ris")
    _ok(review, "decide", "2", "include", "--reviewer", "ben")  # before the Scopus copy arrives
    _ok(review, "import", "scopus.ris")
    _ok(review, "dedup")
    _ok(review, "decide", "3", "include", "--reviewer", "ana")
    _ok(review, "decide", "3", "exclude", "--reviewer", "ana")
    _ok(review, "screen", "undo", "--reviewer", "ana")
    _ok(review, "fulltext", "3", "--retrieved", "pdf/3.pdf", "--reviewer", "ana")
    _ok(review, "note", "3", "check the 2010 erratum", "--reviewer", "ana")
    _ok(review, "tag", "3", "erratum", "--reviewer", "ana")
    shown = _ok(review, "show", "3").splitlines()
    assert shown == [
        "Record 3: Spinal cord compression by extramedullary hematopoiesis",
        f"Source: Scopus s1 (run 2, import of {tmp_path / 'scopus.ris'}, {NOW}; added {NOW})",
        "Study: the record kept; its merged duplicates: record 2 (Embase e2)",
        "Screening: awaiting assessment (full text)",
        "Fields:",
        "  title: Spinal cord compression by extramedullary hematopoiesis",
        "  doi: 10.1007/s00586-009-1206-3",
        "  authors: Haidar, Rachid",
        "  journal: European spine journal",
        "  volume: 19",
        "  pages: 871-878",
        "  year: 2005",
        "  publication_types: JOUR",
        "  kind: article",
        "  extra: ris_ID=s1; ris_DB=Scopus",
        "Decisions:",
        f"  {NOW}  title/abstract: include by ben (on record 2)",
        f"  {NOW}  title/abstract: include by ana",
        f"  {NOW}  title/abstract: exclude by ana [undone]",
        "Full text:",
        f"  {NOW}  retrieved: pdf/3.pdf by ana",
        "Notes:",
        f"  {NOW}  ana: check the 2010 erratum",
        "Tags: erratum",
    ]
    merged = _ok(review, "show", "2").splitlines()
    assert merged[2] == "Study: merged into record 3 (Scopus s1)"
    assert merged[3] == "Screening: awaiting assessment (full text)"
    assert f"  {NOW}  title/abstract: include by ben (on record 2)" in merged
    missing = review.invoke(cli, ["show", "99"])
    assert missing.exit_code == 1 and missing.output == "Error: no record matches '99'\n"


def test_list_by_status_words_and_source(review: CliRunner) -> None:
    _ok(review, "decide", "1", "exclude", "--reviewer", "ana")
    table = _ok(review, "list").splitlines()
    assert table[0] == f"{'id':>6}  {'status':<19} {'year':<4}  {'first author':<20} {'source':<12} title"
    assert [line.split()[0] for line in table[1:]] == ["1", "3", "4"]  # the merged copy 2 is not listed
    assert table[1] == (f"{1:>6}  {'excluded':<19} {2011:<4}  {'Taher A':<20} {'Embase':<12} "
                        "Hydroxyurea in thalassaemia intermedia")
    rows = json.loads(_ok(review, "list", "--status", "all", "--search", "SPINAL cord", "--format", "json"))
    assert [(r["record_id"], r["status"]) for r in rows] == [(2, "duplicate"), (3, "unscreened")]
    csv_lines = _ok(review, "list", "--status", "excluded", "--format", "csv").splitlines()
    assert csv_lines == ["record_id,status,year,authors,title,source_db,source_key",
                         "1,excluded,2011,Taher A,Hydroxyurea in thalassaemia intermedia,Embase,e1"]
    assert _ok(review, "list", "--source", "Scopus", "--search", "cappellini",
               "--format", "csv").splitlines()[1:] == ["4,unscreened,2006,Cappellini MD,"
                                                        "Iron chelation with deferasirox,Scopus,s2"]
    assert _ok(review, "list", "--search", "100%", "--format", "csv").splitlines()[1:] == []


def test_exports_carry_the_screening_state(review: CliRunner, tmp_path) -> None:
    _ok(review, "settings", "set", "screening.reasons", "wrong population,wrong design")
    _ok(review, "decide", "1", "exclude", "--reviewer", "ana")
    _ok(review, "decide", "3", "include", "--reviewer", "ana")
    _ok(review, "fulltext", "3", "--retrieved", "a.pdf")
    _ok(review, "decide", "3", "exclude", "--stage", "ft", "--reason", "wrong design", "--reviewer", "ana")
    _ok(review, "note", "3", "case series only", "--reviewer", "ben")
    _ok(review, "note", "2", "Embase lacks pages")
    _ok(review, "tag", "3", "case-series", "--reviewer", "ben")
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(_ok(review, "export", "--format", "csv"))))
    picked = [{k: r[k] for k in ("record_id", "screening_status", "stage", "decision", "exclusion_reason",
                                 "duplicate_of", "notes", "tags")} for r in rows]
    assert picked == [
        {"record_id": "1", "screening_status": "excluded", "stage": "ta", "decision": "exclude",
         "exclusion_reason": "", "duplicate_of": "", "notes": "", "tags": ""},
        {"record_id": "2", "screening_status": "duplicate", "stage": "", "decision": "",
         "exclusion_reason": "", "duplicate_of": "3", "notes": "", "tags": ""},
        {"record_id": "3", "screening_status": "excluded", "stage": "ft", "decision": "exclude",
         "exclusion_reason": "wrong design", "duplicate_of": "",
         "notes": "ben: case series only | Embase lacks pages", "tags": "case-series"},
        {"record_id": "4", "screening_status": "unscreened", "stage": "ta", "decision": "",
         "exclusion_reason": "", "duplicate_of": "", "notes": "", "tags": ""},
    ]
    lines = [json.loads(line) for line in _ok(review, "export", "--format", "jsonl").splitlines()]
    assert lines[2]["screening"] == {"status": "excluded", "stage": "ft", "decision": "exclude",
                                     "reason": "wrong design", "duplicate_of": None,
                                     "notes": ["ben: case series only", "Embase lacks pages"],
                                     "tags": ["case-series"], "filled_from_duplicates": {}}
    ris = _ok(review, "export", "--format", "ris", "--status", "excluded").split("ER  - \n")
    third = ris[1].strip().splitlines()
    assert third[-5:] == ["AN  - s1",
                          "N1  - Screening: excluded (full text); decision: exclude; reason: wrong design",
                          "N1  - Note: ben: case series only", "N1  - Note: Embase lacks pages",
                          "KW  - case-series"]
    (tmp_path / "back.ris").write_text(_ok(review, "export", "--format", "ris"))
    again = CliRunner().invoke(cli, ["--db", str(tmp_path / "other.db"), "import", "back.ris"])
    assert again.exit_code == 0, again.output
    assert "back.ris: 4 records read (Embase 2, Scopus 2), 4 added" in again.stdout


def test_export_writes_fields_filled_from_duplicates(runner: CliRunner, tmp_path, library: Library) -> None:
    head = "TY  - JOUR\nTI  - Deferasirox in thalassaemia\nAU  - Cappellini, M\nPY  - 2006\nT2  - Blood\n"
    doi = "DO  - 10.1182/blood-2005-07-2948\n"
    (tmp_path / "a.ris").write_text(f"{head}ID  - a1\n{doi}DB  - PubMed\nER  -\n")
    (tmp_path / "b.ris").write_text(f"{head}ID  - b1\nVL  - 107\nIS  - 9\nSP  - 3455\nEP  - 3462\n"
                                    f"{doi}DB  - Embase\nER  -\n")
    _ok(runner, "import", "a.ris")
    _ok(runner, "import", "b.ris")
    _ok(runner, "dedup")
    kept = next(r for r in library.records() if r.canonical_id is None)
    other = next(r for r in library.records() if r.canonical_id is not None)
    shown = _ok(runner, "show", str(kept.id)).splitlines()
    filled = shown[shown.index("Filled from duplicates:") + 1:]
    assert filled[:3] == [f"  issue: 9 (from record {other.id})",
                          f"  pages: 3455-3462 (from record {other.id})",
                          f"  volume: 107 (from record {other.id})"]
    import csv
    import io

    exported = _ok(runner, "export", "--status", "unique")
    rows = {r["record_id"]: r for r in csv.DictReader(io.StringIO(exported))}
    row = rows[str(kept.id)]
    assert (row["volume"], row["issue"], row["pages"]) == ("107", "9", "3455-3462")
    assert row["filled_from_duplicates"] == (f"issue (record {other.id}); pages (record {other.id}); "
                                             f"volume (record {other.id})")


def test_screeners_and_bibliography_show_the_fields_dedup_filled(runner: CliRunner, tmp_path,
                                                                 library: Library) -> None:
    """The record kept for a study lacks what only its Embase copy had (abstract, volume, pages):
    the terminal screener, the web screener and `bib` show the record with them filled in."""
    head = ("TY  - JOUR\nTI  - Deferasirox in thalassaemia\nAU  - Cappellini, M\nPY  - 2006\n"
            "T2  - Blood\nDO  - 10.1182/blood-2005-07-2948\n")
    (tmp_path / "a.ris").write_text(f"{head}ID  - a1\nDB  - PubMed\nER  -\n")
    (tmp_path / "b.ris").write_text(f"{head}ID  - b1\nVL  - 107\nIS  - 9\nSP  - 3455\nEP  - 3462\n"
                                    "AB  - Once-daily oral iron chelation kept ferritin falling.\n"
                                    "DB  - Embase\nER  -\n")
    _ok(runner, "import", "a.ris")
    _ok(runner, "import", "b.ris")
    _ok(runner, "dedup")
    kept = next(r for r in library.records() if r.canonical_id is None)
    assert kept.source_db == "PubMed" and not kept.abstract and not kept.pages  # as stored

    screened = runner.invoke(cli, ["screen", "--reviewer", "ana"], input="q")
    assert screened.exit_code == 0, screened.output
    assert f"record {kept.id}" in screened.output
    assert "Once-daily oral iron chelation kept ferritin falling." in screened.output

    from litreview.web import tokens
    from litreview.web.app import create_app

    token = tokens.issue(library, "ana")
    page = create_app(library.path, tmp_path / "queries").test_client().get(f"/r/{token}/screen/ta")
    assert page.status_code == 200
    assert "Once-daily oral iron chelation kept ferritin falling." in page.get_data(as_text=True)

    cited = _ok(runner, "bib", "--status", "all")
    assert "2006;107(9):3455-62" in cited, cited


def test_sources_rename(review: CliRunner, library: Library) -> None:
    library.set_setting("prisma.other_methods", "Embase")
    before = _prisma(review)
    assert before["identified"] == {"Scopus": 2} and before["identified_other_methods"] == {"Embase": 2}
    assert _ok(review, "sources").splitlines() == ["       2  Embase", "       2  Scopus"]
    out = _ok(review, "sources", "rename", "Embase", "Citation searching")
    assert out == "Embase -> Citation searching: 2 records, 1 run; settings prisma.other_methods updated\n"
    after = _prisma(review)
    assert after["identified_other_methods"] == {"Citation searching": 2}
    assert {k: after[k] for k in ("screened", "awaiting_screening")} == {
        k: before[k] for k in ("screened", "awaiting_screening")}
    assert [r["database"] for r in library.runs()] == ["Citation searching", "Scopus"]
    table = _ok(review, "searches").splitlines()  # a longer name widens its column, not the row
    assert [line.index(" complete ") for line in table[1:]] == [table[0].index(" status ")] * 2
    assert table[1][table[0].index(" database ") + 1:].startswith("Citation searching embase.ris")
    unknown = review.invoke(cli, ["sources", "rename", "BibTeX", "Google Scholar"])
    assert unknown.exit_code == 1
    assert unknown.output == ("Error: no records from a source named 'BibTeX' "
                              "(sources: Citation searching, Scopus)\n")


def test_sources_rename_refuses_to_make_one_record_twice(runner: CliRunner, tmp_path,
                                                         library: Library) -> None:
    (tmp_path / "a.ris").write_text("TY  - JOUR\nID  - k1\nTI  - One\nDB  - Scopus\nER  -\n")
    (tmp_path / "b.ris").write_text("TY  - JOUR\nID  - k1\nTI  - One again\nDB  - Embase\nER  -\n")
    _ok(runner, "import", "a.ris")
    _ok(runner, "import", "b.ris")
    refused = runner.invoke(cli, ["sources", "rename", "Embase", "Scopus"])
    assert refused.exit_code == 1
    assert refused.output == ("Error: 'Embase' and 'Scopus' both hold records with the keys k1; "
                              "renaming would make them one record twice\n")
    assert sorted(r.source_db or "" for r in library.records()) == ["Embase", "Scopus"]


def test_searches_undo_removes_only_what_the_run_added(review: CliRunner, library: Library) -> None:
    before = _prisma(review)
    assert (before["identified"], before["duplicates_removed"], before["awaiting_screening"]) == (
        {"Embase": 2, "Scopus": 2}, 1, 3)
    out = _ok(review, "searches", "undo", "2")
    assert out == ("run 2 undone: 2 records removed; 1 record merged into them stands on its own again"
                   " (dedup rerun)\n")
    after = _prisma(review)
    assert (after["identified"], after["duplicates_removed"], after["awaiting_screening"]) == (
        {"Embase": 2}, 0, 2)
    assert [r.id for r in library.records()] == [1, 2] and library.get(2).canonical_id is None
    table = _ok(review, "searches").splitlines()
    assert table[2].split()[4] == "undone"
    log = json.loads(_ok(review, "searches", "--format", "json"))
    assert log[1]["warnings"] == [f"undone at {NOW}: 2 records removed"]
    again = review.invoke(cli, ["searches", "undo", "2"])
    assert again.exit_code == 1 and again.output == "Error: run 2 was undone already\n"
    unknown = review.invoke(cli, ["searches", "undo", "7"])
    assert unknown.exit_code == 1 and unknown.output == "Error: no run 7 (see `litreview searches`)\n"


def test_searches_undo_is_refused_once_a_record_was_screened(review: CliRunner, library: Library) -> None:
    _ok(review, "decide", "4", "include", "--reviewer", "ana")
    before = _prisma(review)
    refused = review.invoke(cli, ["searches", "undo", "2"])
    assert refused.exit_code == 1
    assert refused.output == ("Error: run 2 cannot be undone: 1 of its 2 records carries screening"
                              " (record 4)\n")
    assert _prisma(review) == before and library.count() == 4


def test_search_count_reports_hits_and_stores_nothing(eutils, runner: CliRunner, library: Library) -> None:
    term = "thalassemia AND hematopoiesis"
    for i in range(3):
        eutils.corpus.add(str(31_000_000 + i), date(2020, 1, 1 + i))
    eutils.corpus.terms[term] = [str(31_000_000 + i) for i in range(3)]
    out = _ok(runner, "search", "--term", term, "--count")
    assert out.splitlines()[0] == "ad-hoc: PubMed finds 3 records (nothing stored)"
    limited = _ok(runner, "search", "--term", term, "--count", "--mindate", "2020/01/02",
                  "--maxdate", "2020/12/31")
    assert limited.splitlines()[0] == "ad-hoc: PubMed finds 2 records (nothing stored)"
    assert library.count() == 0 and library.runs() == []
    both = runner.invoke(cli, ["search", "--term", term, "--count", "--save", "x"])
    assert both.exit_code == 2 and "--count stores nothing" in both.output
