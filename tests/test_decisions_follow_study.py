"""#16: a decision follows the study. Dedup, updates, splits and re-imports never un-screen,
un-include or un-count anything without saying so; copies decided differently are a conflict.

Everything goes through the CLI, as a reviewer and the nightly cron would. tests/data/scopus_emh.bib
is hand-written in the shape of a Scopus BibTeX export (header, field names and layout as in
../shared/data/exports/multi_db/p1m_cited_by/scopus.bib); its first record is the study that the
E-utilities stand-in serves as PMID 19000000.
"""

import json
from datetime import date
from pathlib import Path

import pytest

from litreview.cli import cli
from litreview.screening import decisions as sc
from litreview.store import Library

DATA = Path(__file__).parent / "data"
STUDY = "doi:10.9999/test.19000000"
TERM = '"Hematopoiesis, Extramedullary"[Mesh] AND thalassemia'


def run(runner, *args):
    result = runner.invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def prisma(runner):
    return json.loads(run(runner, "prisma", "--format", "json").output)


def bib(runner):
    return run(runner, "bib").output


def screened_and_included(runner):
    counts = prisma(runner)
    return counts["screened"], counts["studies_included"]


def record_id(tmp_path, ref):
    with Library(tmp_path / "library.db") as library:
        return library.resolve(ref)


def include_the_study(runner, tmp_path):
    """The issue's trial: record 7 of a Scopus export included at ta by ana and ben, its full
    text retrieved and included at ft; a note and a tag on it."""
    run(runner, "settings", "set", "screening.reviewers", "ta=2,ft=1")
    run(runner, "settings", "set", "screening.reasons", "wrong population,wrong design")
    run(runner, "import", DATA / "scopus_emh.bib")
    for reviewer in ("ana", "ben"):
        run(runner, "decide", STUDY, "include", "--reviewer", reviewer)
    run(runner, "decide", "doi:10.1000/scopus.2", "exclude", "--reviewer", "ana")
    run(runner, "decide", "doi:10.1000/scopus.2", "exclude", "--reviewer", "ben")
    run(runner, "fulltext", STUDY, "--retrieved", "a.pdf", "--reviewer", "ana")
    run(runner, "decide", STUDY, "include", "--stage", "ft", "--reviewer", "ana")
    run(runner, "note", STUDY, "check the MRI figures", "--reviewer", "ana")
    run(runner, "tag", STUDY, "case report", "--reviewer", "ana")
    return record_id(tmp_path, STUDY)


def serve_pubmed_copy(eutils, tmp_path):
    eutils.corpus.add("19000000", date(2005, 1, 1))
    eutils.corpus.add("19000001", date(2005, 1, 2))
    eutils.corpus.terms[TERM] = ["19000000", "19000001"]
    (tmp_path / "queries").mkdir(exist_ok=True)
    (tmp_path / "queries" / "emh.toml").write_text(f"name = 'emh'\nterm = '''{TERM}'''\n")


def test_nightly_update_with_a_pubmed_copy_of_an_included_study(eutils, clock, runner, tmp_path):
    scopus = include_the_study(runner, tmp_path)
    before = prisma(runner)
    assert (before["screened"], before["studies_included"]) == (2, 1)
    listed = bib(runner)
    assert "Extramedullary hematopoiesis case 19000000" in listed
    stats = json.loads(run(runner, "screen", "stats", "--format", "json").stdout)
    assert stats["ta"]["n_both"] == 2
    assert stats["ft"]["outcomes"] == {"decided": 1}  # the one study that passed title/abstract

    serve_pubmed_copy(eutils, tmp_path)
    result = run(runner, "update", "--quiet")
    assert result.output == ""  # nothing lowered, no new conflict: cron stays quiet
    after_stats = json.loads(run(runner, "screen", "stats", "--format", "json").stdout)
    assert after_stats["ta"]["n_both"] == 2 and after_stats["ta"]["counts"] == stats["ta"]["counts"]
    assert after_stats["ft"]["outcomes"] == {"decided": 1}  # the new records await title/abstract
    said = run(runner, "screen", "stats").stdout.splitlines()
    assert said[said.index("full text: no record decided by two reviewers") + 1] == (
        "  decisions: 1 include, 0 exclude, 0 maybe; records: 1 decided")

    pubmed = record_id(tmp_path, "pmid:19000000")
    assert pubmed != scopus and record_id(tmp_path, STUDY) == pubmed  # the PubMed copy is canonical
    after = prisma(runner)
    assert (after["screened"], after["studies_included"]) == (2, 1)
    assert after["duplicates_removed"] == 1 and after["awaiting_screening"] == 3  # 2 Scopus + 1 new
    assert after["reports_assessed"] == 1 and after["reports_not_retrieved"] == 0
    assert "Extramedullary hematopoiesis case 19000000" in bib(runner)
    assert "no included studies" not in bib(runner)
    assert run(runner, "screen", "conflicts").stdout == ""
    for stage in ("ta", "ft"):  # the screener offers the study to nobody, at either stage
        for reviewer in ("ana", "ben", "cy"):
            shown = runner.invoke(cli, ["screen", "--stage", stage, "--reviewer", reviewer], input="q" * 5)
            assert shown.exit_code == 0, shown.output
            assert "Extramedullary hematopoiesis case 19000000" not in shown.output
            assert "Earlier decision" not in shown.output
    first = runner.invoke(cli, ["screen", "--reviewer", "cy"], input="q").output
    assert "[1 of 3] title/abstract · cy" in first  # the two Scopus records left and the new PubMed one
    assert runner.invoke(cli, ["screen", "--stage", "ft", "--reviewer", "ben"]).output.strip() == (
        "0 decisions this session; 0 left")
    with Library(tmp_path / "library.db") as library:
        for reviewer in ("ana", "ben", "cy"):  # decided: offered to nobody again
            assert pubmed not in sc.screening_order(library, reviewer, "ta")
        assert sc.tags(library, pubmed) == ["case report"]
        assert sc.notes(library, pubmed) == [("ana", "check the MRI figures")]
        state = sc.record_state(library, pubmed, "ft")
        assert (state.status, state.outcome) == ("decided", "include")
        events = sc.audit_events(library, pubmed)
    assert [(e["event"], e["record_id"]) for e in events] == [("merged", scopus)]
    assert f"update: merged into the cluster of record {pubmed}" in events[0]["detail"]
    audit = run(runner, "screen", "audit", "pmid:19000000").stdout.splitlines()
    assert len(audit) == 1 and audit[0].endswith(
        f"  record {scopus}: merged: update: merged into the cluster of record {pubmed}; "
        "its decisions count for that study")


def test_update_says_what_the_merge_changed(eutils, clock, runner, tmp_path):
    scopus = include_the_study(runner, tmp_path)
    serve_pubmed_copy(eutils, tmp_path)
    result = run(runner, "update")
    assert f"1 screened record merged into clusters; decisions carried over (record {scopus})\n" \
        in result.output
    assert "screening counts changed" not in result.output


def import_copy_decided_otherwise(runner, tmp_path):
    """An Embase RIS copy of the included study, excluded by ana before anyone ran dedup."""
    (tmp_path / "embase.ris").write_text(
        "TY  - JOUR\nTI  - Extramedullary hematopoiesis case 19000000\nAU  - Haidar, R.\n"
        "AU  - Musallam, K. M.\nJO  - European Spine Journal\nPY  - 2005\nVL  - 6\nIS  - 2\n"
        "SP  - 101\nEP  - 109\nDO  - 10.9999/test.19000000\nID  - emb1\nER  - \n", encoding="utf-8")
    run(runner, "import", tmp_path / "embase.ris", "--source", "Embase")
    with Library(tmp_path / "library.db") as library:
        embase = next(r.id for r in library.records() if r.source_db == 'Embase')
    run(runner, "decide", embase, "exclude", "--reason", "wrong design", "--reviewer", "ana")
    run(runner, "decide", embase, "exclude", "--reason", "wrong design", "--reviewer", "ben")
    return embase


def test_merging_an_included_and_an_excluded_copy_is_a_conflict(runner, tmp_path):
    scopus = include_the_study(runner, tmp_path)
    embase = import_copy_decided_otherwise(runner, tmp_path)
    assert screened_and_included(runner) == (3, 1)
    assert "Extramedullary hematopoiesis case 19000000" in bib(runner)
    stats = json.loads(run(runner, "screen", "stats", "--format", "json").stdout)["ta"]
    assert stats["counts"] == {"include": 2, "exclude": 4, "maybe": 0}
    assert stats["n_both"] == 3 and stats["agreement"] == 1.0

    result = run(runner, "dedup")
    assert "2 screened records merged into clusters; decisions carried over" in result.output
    assert "1 new conflict between copies of a study decided differently: record" in result.output
    assert ("screening counts changed: screened 3 -> 1, excluded at title/abstract 2 -> 1, reports sought "
            "1 -> 0, reports assessed 1 -> 0, studies included 1 -> 0 (a study in conflict awaits "
            "screening until resolved)") in result.output

    canonical = record_id(tmp_path, STUDY)
    assert canonical in (scopus, embase)
    assert screened_and_included(runner) == (1, 0)
    conflicts = run(runner, "screen", "conflicts").stdout
    assert conflicts.startswith(f"record {canonical}: copies of the study decided differently: ")
    assert f"ana include on record {scopus}" in conflicts
    assert f"ana exclude (wrong design) on record {embase}" in conflicts
    assert "no included studies" in run(runner, "bib").output
    # screen stats count every vote on every copy, each compared on the copy it was made on
    after = json.loads(run(runner, "screen", "stats", "--format", "json").stdout)["ta"]
    assert (after["counts"], after["n_both"], after["agreement"]) == (stats["counts"], 3, 1.0)
    assert after["outcomes"] == {"conflict": 1, "decided": 1, "awaiting": 2}
    with Library(tmp_path / "library.db") as library:
        events = [e["event"] for e in sc.audit_events(library)]
    assert events.count("merged") == 2 and "conflict" in events and "counts" in events

    run(runner, "screen", "resolve", canonical, "include", "--reviewer", "cy")
    assert run(runner, "screen", "conflicts").stdout == ""
    assert screened_and_included(runner) == (2, 1)  # one study screened, included, plus scopus.2
    assert "Extramedullary hematopoiesis case 19000000" in bib(runner)


def test_a_reviewer_merging_and_parting_decided_copies_by_hand_is_told_and_logged(runner, tmp_path):
    scopus = include_the_study(runner, tmp_path)
    embase = import_copy_decided_otherwise(runner, tmp_path)
    before, listed = prisma(runner), bib(runner)
    assert (before["screened"], before["studies_included"]) == (3, 1)

    merged = run(runner, "dedup", "review", "--accept", f"{scopus},{embase}").output
    assert "2 screened records merged into clusters; decisions carried over" in merged
    assert "1 new conflict between copies of a study decided differently" in merged
    assert "screened 3 -> 1" in merged and "studies included 1 -> 0" in merged
    assert screened_and_included(runner) == (1, 0) and "no included studies" in bib(runner)
    assert run(runner, "screen", "conflicts").stdout.startswith(f"record {record_id(tmp_path, STUDY)}: "
                                                                "copies of the study decided differently")

    parted = run(runner, "dedup", "review", "--reject", f"{scopus},{embase}").output
    assert "2 screened records taken out of clusters keep their own decisions" in parted
    assert "screening counts changed: screened 1 -> 3" in parted
    assert prisma(runner) == before and bib(runner) == listed
    assert run(runner, "screen", "conflicts").stdout == ""
    with Library(tmp_path / "library.db") as library:
        details = [e["detail"] for e in sc.audit_events(library)]
    assert sum(d.startswith("dedup review: merged into the cluster") for d in details) == 2
    assert sum(d.startswith("dedup review: taken out of its cluster") for d in details) == 2


def test_one_reviewer_deciding_two_copies_differently_is_a_conflict(runner, tmp_path):
    run(runner, "import", DATA / "scopus_emh.bib")
    import_copy = tmp_path / "embase.ris"
    import_copy.write_text("TY  - JOUR\nTI  - Extramedullary hematopoiesis case 19000000\nAU  - Haidar, R.\n"
                           "JO  - European Spine Journal\nPY  - 2005\nVL  - 6\nSP  - 101\nEP  - 109\n"
                           "DO  - 10.9999/test.19000000\nID  - emb1\nER  - \n", encoding="utf-8")
    run(runner, "import", import_copy, "--source", "Embase")
    with Library(tmp_path / "library.db") as library:
        embase = next(r.id for r in library.records() if r.source_db == 'Embase')
        scopus = next(r.id for r in library.records()
                      if r.source_db == 'Scopus' and r.doi == '10.9999/test.19000000')
    run(runner, "decide", scopus, "include", "--reviewer", "ana")
    run(runner, "decide", embase, "exclude", "--reviewer", "ana")
    run(runner, "dedup")
    conflicts = run(runner, "screen", "conflicts").output
    assert "copies of the study decided differently: ana include on record" in conflicts
    # ana's word on the merged study supersedes her own votes on the copies
    run(runner, "decide", STUDY, "include", "--reviewer", "ana")
    assert run(runner, "screen", "conflicts").stdout == ""
    assert screened_and_included(runner)[0] == 1


def test_a_resolution_on_one_copy_counts_for_the_study_and_meets_the_other_copys_decisions(
        runner, tmp_path):
    """Dual screening on two copies before dedup: the Scopus copy's conflict resolved (include)
    by cy, the Embase copy excluded by both. Merged, the resolution did not see the Embase votes:
    a conflict again, listed as such, until a resolution on the study settles it."""
    run(runner, "settings", "set", "screening.reviewers", "2")
    run(runner, "settings", "set", "screening.reasons", "wrong population,wrong design")
    run(runner, "import", DATA / "scopus_emh.bib")
    run(runner, "decide", STUDY, "include", "--reviewer", "ana")
    run(runner, "decide", STUDY, "exclude", "--reviewer", "ben")
    scopus = record_id(tmp_path, STUDY)
    run(runner, "screen", "resolve", STUDY, "include", "--reviewer", "cy")
    embase = import_copy_decided_otherwise(runner, tmp_path)
    assert screened_and_included(runner) == (2, 0)
    assert prisma(runner)["reports_sought"] == 1

    result = run(runner, "dedup")
    assert "1 new conflict between copies of a study decided differently" in result.output
    assert "screening counts changed: screened 2 -> 0, excluded at title/abstract 1 -> 0, reports sought " \
           "1 -> 0" in result.output
    canonical = record_id(tmp_path, STUDY)
    conflicts = run(runner, "screen", "conflicts").stdout
    assert conflicts.startswith(f"record {canonical}: resolved include on record {scopus}, but a copy was "
                                f"decided otherwise: ana exclude (wrong design) on record {embase}")
    assert [r["record_id"] for r in json.loads(run(runner, "list", "--status", "conflict",
                                                   "--format", "json").stdout)] == [canonical]
    shown = run(runner, "show", STUDY).stdout
    assert (f"Screening: conflict (title/abstract); resolved include on record {scopus}, but a copy was "
            f"decided otherwise: ana exclude (wrong design) on record {embase}, ben exclude (wrong design) "
            f"on record {embase}") in shown.splitlines()
    assert "title/abstract: include by cy (resolution)" in shown

    run(runner, "screen", "resolve", STUDY, "include", "--reviewer", "cy")  # now on the whole study
    assert run(runner, "screen", "conflicts").stdout == ""
    counts = prisma(runner)
    assert (counts["screened"], counts["reports_sought"], counts["awaiting_retrieval"]) == (1, 1, 1)
    run(runner, "fulltext", STUDY, "--retrieved", "a.pdf")
    run(runner, "decide", STUDY, "include", "--stage", "ft", "--reviewer", "ana")
    run(runner, "decide", STUDY, "include", "--stage", "ft", "--reviewer", "ben")
    assert screened_and_included(runner) == (1, 1)
    assert "Extramedullary hematopoiesis case 19000000" in bib(runner)


def test_split_after_merge_leaves_decisions_where_they_were_made(eutils, clock, runner, tmp_path):
    scopus = include_the_study(runner, tmp_path)
    serve_pubmed_copy(eutils, tmp_path)
    run(runner, "update", "--quiet")
    pubmed = record_id(tmp_path, "pmid:19000000")
    before = prisma(runner)
    assert (before["screened"], before["studies_included"], before["duplicates_removed"]) == (2, 1, 1)
    listed = bib(runner)
    assert "Extramedullary hematopoiesis case 19000000" in listed

    result = run(runner, "dedup", "split", pubmed)
    assert result.output.splitlines()[0] == (
        f"split: records {min(scopus, pubmed)}, {max(scopus, pubmed)} stand apart, on every later run too")
    assert result.output.splitlines()[1].startswith("dedup rerun: 6 records, ")
    assert (f"1 record taken out of screened clusters now awaits screening (record {pubmed}); "
            "the decisions stay with the records they were made on") in result.output
    assert "screening counts changed" not in result.output
    counts = prisma(runner)
    assert (counts["screened"], counts["studies_included"]) == (2, 1)
    assert counts["duplicates_removed"] == 0 and counts["awaiting_screening"] == 4
    assert {k: v for k, v in counts.items() if k not in ("duplicates_removed", "awaiting_screening")} == {
        k: v for k, v in before.items() if k not in ("duplicates_removed", "awaiting_screening")}
    # still the one included study, now cited from the Scopus record its decisions were made on
    assert listed.startswith("1. Haidar R. Extramedullary hematopoiesis case 19000000. Eur Spine J.")
    assert bib(runner) == ("1. Haidar R, Musallam KM. Extramedullary hematopoiesis case 19000000. "
                           "European Spine Journal. 2005;6(2):101-9. doi:10.9999/test.19000000\n")
    assert record_id(tmp_path, STUDY) in (scopus, pubmed)
    with Library(tmp_path / "library.db") as library:
        assert sc.record_state(library, scopus, "ft").outcome == "include"
        assert sc.record_state(library, pubmed, "ta").status == "awaiting"
        assert pubmed in sc.screening_order(library, "ana", "ta")
        assert [e["event"] for e in sc.audit_events(library, pubmed)] == ["left cluster"]


def test_detaching_the_copy_the_decisions_were_made_on_says_so(eutils, clock, runner, tmp_path):
    scopus = include_the_study(runner, tmp_path)
    serve_pubmed_copy(eutils, tmp_path)
    run(runner, "update", "--quiet")
    pubmed = record_id(tmp_path, "pmid:19000000")
    result = run(runner, "dedup", "detach", scopus)
    lines = result.output.splitlines()
    assert lines[0] == f"detached: record {scopus} stands apart from record {pubmed}, on every later run too"
    assert lines[1].startswith("dedup rerun: 6 records, ")
    assert lines[2:] == [
        f"1 screened record taken out of clusters keeps its own decisions (record {scopus})",
        f"1 record taken out of screened clusters now awaits screening (record {pubmed}); "
        "the decisions stay with the records they were made on"]
    assert screened_and_included(runner) == (2, 1)
    assert "case 19000000" in bib(runner)


def test_a_pubmed_xml_import_and_dedup_over_screened_records_changes_no_box(runner, tmp_path):
    """The issue's second trial: PubMed's copies of an included and an excluded study, imported
    as PubMed XML and deduplicated, become the canonical records; nothing is unscreened."""
    from tests.eutils_server import article_xml

    include_the_study(runner, tmp_path)
    before = prisma(runner)
    assert "Extramedullary hematopoiesis case 19000000" in bib(runner)
    articles = [article_xml("19000000", date(2005, 1, 1), volume="6", pages="101-9"),
                article_xml("19000002", date(2006, 1, 1), "Spinal cord compression by extramedullary "
                            "haematopoietic tissue in thalassaemia intermedia", author="Mhaidli", volume="12",
                            pages="44-50", doi="10.1000/scopus.2")]
    (tmp_path / "pubmed.xml").write_text("<?xml version=\"1.0\"?>\n<PubmedArticleSet>" + "".join(articles)
                                         + "</PubmedArticleSet>\n", encoding="utf-8")
    run(runner, "import", "pubmed.xml")
    result = run(runner, "dedup")
    assert "2 merged as duplicates" in result.output
    assert "2 screened records merged into clusters; decisions carried over" in result.output
    assert "screening counts changed" not in result.output
    with Library(tmp_path / "library.db") as library:
        for ref in (STUDY, "doi:10.1000/scopus.2"):
            assert library.get(library.resolve(ref)).source_db == "PubMed"
    after = prisma(runner)
    assert after["identified"] == {"PubMed": 2, "Scopus": 4} and after["duplicates_removed"] == 2
    assert {k: v for k, v in after.items() if k not in ("identified", "duplicates_removed")} == {
        k: v for k, v in before.items() if k not in ("identified", "duplicates_removed")}
    assert (after["screened"], after["excluded_screening"], after["studies_included"]) == (2, 1, 1)
    assert bib(runner).startswith("1. Haidar R. Extramedullary hematopoiesis case 19000000. Eur Spine J.")
    assert run(runner, "screen", "conflicts").stdout == ""


def test_undoing_the_update_that_brought_the_pubmed_copy_keeps_the_study_screened(
        eutils, clock, runner, tmp_path):
    scopus = include_the_study(runner, tmp_path)
    serve_pubmed_copy(eutils, tmp_path)
    run(runner, "update", "--quiet")
    before, listed = prisma(runner), bib(runner)
    run_id = next(r["run_id"] for r in json.loads(run(runner, "searches", "--format", "json").stdout)
                  if r["name"] == "emh")
    result = run(runner, "searches", "undo", run_id)
    assert result.output.splitlines() == [
        f"run {run_id} undone: 2 records removed; 1 record merged into them stands on its own again "
        "(dedup rerun)",
        f"1 screened record taken out of clusters keeps its own decisions (record {scopus})"]
    after = prisma(runner)
    assert (after["screened"], after["studies_included"], after["reports_assessed"]) == (2, 1, 1)
    assert (after["identified"], after["duplicates_removed"]) == ({"Scopus": 4}, 0)
    assert before["awaiting_screening"] - after["awaiting_screening"] == 1  # the other new record
    assert record_id(tmp_path, STUDY) == scopus
    assert "Extramedullary hematopoiesis case 19000000" in listed and "case 19000000" in bib(runner)
    audit = run(runner, "screen", "audit", STUDY).stdout.splitlines()
    assert audit[-1].endswith(f"record {scopus}: split: searches undo {run_id}: taken out of its cluster; "
                              "keeps its own decisions")


def test_reimporting_an_export_keeps_a_title_abstract_conflict(runner, tmp_path):
    """The trial: re-importing an export of the library made a conflict vanish, because the
    re-imported copy became the canonical record of the study."""
    run(runner, "settings", "set", "screening.reviewers", "2")
    run(runner, "import", DATA / "scopus_emh.bib")
    run(runner, "decide", STUDY, "include", "--reviewer", "ana")
    run(runner, "decide", STUDY, "exclude", "--reviewer", "ben")
    first = run(runner, "screen", "conflicts").output
    assert first.startswith(f"record {record_id(tmp_path, STUDY)}: reviewers disagree")
    exported = run(runner, "export", "--format", "nbib").stdout
    (tmp_path / "again.nbib").write_text(exported, encoding="utf-8")
    run(runner, "import", tmp_path / "again.nbib")  # nbib names no database: 'PubMed' copies
    result = run(runner, "dedup")
    assert "4 merged as duplicates" in result.output
    assert "1 screened record merged into clusters; decisions carried over" in result.output
    canonical = record_id(tmp_path, STUDY)
    with Library(tmp_path / "library.db") as library:
        assert library.get(canonical).source_db == "PubMed"  # the re-imported copy won
    conflicts = run(runner, "screen", "conflicts").stdout.splitlines()
    assert len(conflicts) == 1 and conflicts[0].startswith(f"record {canonical}: reviewers disagree: ")
    assert "ana include" in conflicts[0] and "ben exclude" in conflicts[0]
    counts = prisma(runner)
    assert counts["duplicates_removed"] == 4 and counts["screened"] == 0
    assert counts["awaiting_screening"] == 4


CHASED_COPY = ("PMID- 19000000\nTI  - Extramedullary hematopoiesis case 19000000.\nFAU - Haidar, R\n"
               "AU  - Haidar R\nFAU - Musallam, K M\nAU  - Musallam KM\nJT  - European Spine Journal\n"
               "TA  - Eur Spine J\nDP  - 2005\nVI  - 6\nIP  - 2\nPG  - 101-9\n"
               "LID - 10.9999/test.19000000 [doi]\nAB  - Paraspinal masses in thalassemia.\n\n")
ARM_BOXES = ("screened", "excluded_screening", "awaiting_screening", "reports_sought", "reports_assessed",
             "reports_excluded", "studies_included", "reports_included", "identified")


def test_a_chased_copy_never_moves_a_screened_study_out_of_the_databases_arm(runner, tmp_path):
    """Citation searching finds the PubMed record of a study screened in from Scopus; dedup makes
    it canonical (it has the PMID). The study was found by a database: it stays in that arm."""
    scopus = include_the_study(runner, tmp_path)
    before, listed = prisma(runner), bib(runner)
    (tmp_path / "chased.nbib").write_text(CHASED_COPY, encoding="utf-8")
    run(runner, "import", "chased.nbib", "--source", "Citation searching")
    result = run(runner, "dedup")
    assert "1 screened record merged into clusters; decisions carried over" in result.output
    assert "screening counts changed" not in result.output
    canonical = record_id(tmp_path, STUDY)
    with Library(tmp_path / "library.db") as library:
        assert canonical != scopus and library.get(canonical).source_db == "Citation searching"
    after = prisma(runner)
    assert {k: after[k] for k in ARM_BOXES} == {k: before[k] for k in ARM_BOXES}
    assert (after["screened"], after["reports_assessed"], after["studies_included"]) == (2, 1, 1)
    assert after["duplicates_removed"] == 0
    other = after["other_methods"]
    assert other["identified"] == {"Citation searching": 1} and other["duplicates_removed"] == 1
    assert (other["screened"], other["awaiting_screening"], other["reports_included"]) == (0, 0, 0)
    rows = run(runner, "prisma", "--format", "csv").stdout.splitlines()
    assert f"other_methods:duplicates_removed,{canonical}" in rows
    assert f"screened,{canonical}" in rows and f"other_methods:screened,{canonical}" not in rows
    assert "Extramedullary hematopoiesis case 19000000" in listed and "Extramedullary" in bib(runner)


def test_a_study_found_by_other_methods_and_then_by_a_database_moves_arm_and_says_so(
        eutils, clock, runner, tmp_path):
    """A study found on a website, screened in; the nightly update then finds it in PubMed. The
    template counts it under databases from then on: the update says which boxes moved."""
    run(runner, "settings", "set", "prisma.other_methods", "Websites")
    (tmp_path / "site.ris").write_text(
        "TY  - JOUR\nTI  - Extramedullary hematopoiesis case 19000000\nAU  - Haidar, R.\n"
        "JO  - European Spine Journal\nPY  - 2005\nVL  - 6\nIS  - 2\nSP  - 101\nEP  - 109\n"
        "DO  - 10.9999/test.19000000\nID  - w1\nER  - \n", encoding="utf-8")
    run(runner, "import", "site.ris", "--source", "Websites")
    run(runner, "decide", STUDY, "include", "--reviewer", "ana")
    run(runner, "fulltext", STUDY, "--retrieved", "a.pdf")
    run(runner, "decide", STUDY, "include", "--stage", "ft", "--reviewer", "ana")
    before = prisma(runner)
    assert before["other_methods"]["reports_included"] == 1 and before["reports_sought"] == 0
    serve_pubmed_copy(eutils, tmp_path)
    quiet = runner.invoke(cli, ["update", "--quiet"])
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stdout == ""
    assert quiet.stderr.splitlines()[-1] == (
        "screening counts changed: screened 0 -> 1, reports sought 0 -> 1, reports assessed 0 -> 1, "
        "other methods: screened 1 -> 0, other methods: reports sought 1 -> 0, other methods: reports "
        "assessed 1 -> 0 (studies found by other methods were found by a database search too: they "
        "count in the databases arm)")
    after = prisma(runner)
    assert (after["screened"], after["reports_assessed"], after["studies_included"]) == (1, 1, 1)
    assert after["other_methods"]["reports_included"] == 0
    assert after["other_methods"]["duplicates_removed"] == 1  # the website's copy
    assert "Extramedullary hematopoiesis case 19000000" in bib(runner)
    with Library(tmp_path / "library.db") as library:
        events = [e["detail"] for e in sc.audit_events(library) if e["event"] == "counts"]
    assert events == ["update: screened 0 -> 1, reports sought 0 -> 1, reports assessed 0 -> 1, other "
                      "methods: screened 1 -> 0, other methods: reports sought 1 -> 0, other methods: "
                      "reports assessed 1 -> 0"]


@pytest.mark.parametrize("fmt", ["nbib", "ris", "csv", "jsonl", "bibtex"])
def test_reimporting_an_export_of_an_included_study_changes_no_box(runner, tmp_path, fmt):
    """An export of the whole library imported back and deduplicated: the formats that name
    their database come back as records already held; nbib's come back as PubMed copies, merge
    into their studies and take the canonical place, the decisions counting as before."""
    include_the_study(runner, tmp_path)
    before, listed = prisma(runner), bib(runner)
    assert (before["screened"], before["studies_included"], before["excluded_screening"]) == (2, 1, 1)
    run(runner, "export", "--format", fmt, "-o", f"back.{fmt}")
    imported = run(runner, "import", f"back.{fmt}").output
    result = run(runner, "dedup")
    after = prisma(runner)
    if fmt == "nbib":
        assert "4 added" in imported
        assert "2 screened records merged into clusters; decisions carried over" in result.output
        assert record_id(tmp_path, STUDY) == record_id(tmp_path, "doi:10.9999/test.19000000")
        with Library(tmp_path / "library.db") as library:
            assert library.get(record_id(tmp_path, STUDY)).source_db == "PubMed"
        assert after["identified"] == {"PubMed": 4, "Scopus": 4} and after["duplicates_removed"] == 4
        after = {**after, "identified": before["identified"], "duplicates_removed": 0}
    else:
        assert "0 added, 4 already held" in imported
    assert "screening counts changed" not in result.output
    assert after == before
    assert bib(runner) == listed
    assert run(runner, "screen", "conflicts").stdout == ""


@pytest.fixture
def two_stage(runner):
    run(runner, "settings", "set", "screening.reasons", "wrong population,wrong design")
    run(runner, "import", DATA / "scopus_emh.bib")
    run(runner, "decide", STUDY, "include", "--reviewer", "ana")


def test_title_abstract_after_full_text_needs_force_and_is_logged(runner, tmp_path, two_stage):
    run(runner, "fulltext", STUDY, "--retrieved", "a.pdf")
    run(runner, "decide", STUDY, "include", "--stage", "ft", "--reviewer", "ana")
    refused = runner.invoke(cli, ["decide", STUDY, "exclude", "--reviewer", "ana"])
    assert refused.exit_code == 1
    assert refused.output.startswith("Error: record 1 has been decided at full text (include by ana); ")
    assert "give --force" in refused.output
    assert screened_and_included(runner) == (1, 1)
    run(runner, "decide", STUDY, "exclude", "--reviewer", "ana", "--force")
    assert screened_and_included(runner) == (1, 0)
    events = json.loads(run(runner, "screen", "audit", STUDY, "--format", "json").stdout)
    assert [(e["event"], e["reviewer"]) for e in events] == [("forced", "ana")]
    assert "title/abstract re-decided (exclude) with --force after full-text decisions" in events[0]["detail"]


def test_full_text_include_after_not_retrieved_is_refused(runner, two_stage):
    run(runner, "fulltext", STUDY, "--not-retrieved")
    refused = runner.invoke(cli, ["decide", STUDY, "include", "--stage", "ft", "--reviewer", "ana"])
    assert refused.exit_code == 1
    assert "Error: record 1: its full text is recorded as not retrieved" in refused.output
    assert "litreview fulltext 1 --retrieved PATH_OR_URL" in refused.output
    assert prisma(runner)["reports_not_retrieved"] == 1
    run(runner, "fulltext", STUDY, "--retrieved", "found.pdf")
    run(runner, "decide", STUDY, "include", "--stage", "ft", "--reviewer", "ana")
    refused = runner.invoke(cli, ["fulltext", STUDY, "--not-retrieved"])
    assert refused.exit_code == 1 and "was included at full text (by ana)" in refused.output
    assert screened_and_included(runner) == (1, 1)


def test_two_exclusion_reasons_are_a_conflict(runner, two_stage):
    run(runner, "settings", "set", "screening.reviewers", "ta=1,ft=2")
    run(runner, "fulltext", STUDY, "--retrieved", "a.pdf")
    for reviewer, reason in (("ana", "wrong population"), ("ben", "wrong design")):
        run(runner, "decide", STUDY, "exclude", "--stage", "ft", "--reason", reason, "--reviewer", reviewer)
    out = run(runner, "screen", "conflicts", "--stage", "ft").output
    assert out.startswith("record 1: different exclusion reasons: ana exclude (wrong population) on record 1")
    assert prisma(runner)["reports_excluded"] == {}
    run(runner, "screen", "resolve", STUDY, "exclude", "--reason", "wrong design", "--stage", "ft",
        "--reviewer", "cy")
    assert prisma(runner)["reports_excluded"] == {"wrong design": 1}


def test_a_decided_record_is_not_offered_to_a_second_reviewer(runner, tmp_path, two_stage):
    shown = runner.invoke(cli, ["screen", "--reviewer", "ben"], input="q")
    assert shown.exit_code == 0 and "[1 of 3] title/abstract · ben" in shown.output
    assert "Extramedullary hematopoiesis case 19000000" not in shown.output
    with Library(tmp_path / "library.db") as library:
        study = library.resolve(STUDY)
        assert study not in sc.screening_order(library, "ben", "ta")
        assert len(sc.screening_order(library, "ben", "ta")) == 3
        library.set_setting("screening.reviewers", "2")
        assert study in sc.screening_order(library, "ben", "ta")  # two needed: ben is the second
        assert study not in sc.screening_order(library, "ana", "ta")


def test_undoing_title_abstract_after_full_text_needs_force_and_is_logged(runner, tmp_path, two_stage):
    """`screen undo` of the title/abstract include under a full-text include un-included the study
    (studies included 1 -> 0) with no --force and nothing in the audit trail."""
    run(runner, "fulltext", STUDY, "--retrieved", "a.pdf")
    run(runner, "decide", STUDY, "include", "--stage", "ft", "--reviewer", "ana")
    listed = bib(runner)
    refused = runner.invoke(cli, ["screen", "undo", "--reviewer", "ana"])
    assert refused.exit_code == 1
    assert refused.output == (
        "Error: record 1 has been decided at full text (include by ana); undoing ana's title/abstract "
        "decision (include) changes what full text assessed: give --force to do it anyway (it is logged)\n")
    assert screened_and_included(runner) == (1, 1) and bib(runner) == listed
    shown = runner.invoke(cli, ["screen", "--reviewer", "ana"], input="u")
    assert shown.exit_code == 0, shown.output
    assert "undoing ana's title/abstract decision (include) changes what full text assessed" in shown.output
    assert screened_and_included(runner) == (1, 1)
    assert run(runner, "screen", "undo", "--stage", "ft", "--reviewer", "ana").output == (
        "undone: include on record 1\n")  # the full-text decision itself: no force needed
    run(runner, "decide", STUDY, "include", "--stage", "ft", "--reviewer", "ana")
    forced = run(runner, "screen", "undo", "--reviewer", "ana", "--force")
    assert forced.output == "undone: include on record 1\n"
    assert screened_and_included(runner) == (0, 0) and "no included studies" in bib(runner)
    events = json.loads(run(runner, "screen", "audit", STUDY, "--format", "json").stdout)
    assert [(e["event"], e["reviewer"], e["detail"]) for e in events] == [
        ("forced", "ana", "title/abstract decision (include) undone with --force after full-text decisions "
                          "(include by ana)")]


def test_merging_a_reviewers_decisions_that_unsettle_an_included_study_says_so(runner, tmp_path, two_stage):
    """`screen import` of ben's title/abstract exclusion of a study ana included at full text: a
    conflict, and the study leaves 'included' until it is resolved; the command said only
    '1 decisions added'."""
    run(runner, "fulltext", STUDY, "--retrieved", "a.pdf")
    run(runner, "decide", STUDY, "include", "--stage", "ft", "--reviewer", "ana")
    run(runner, "screen", "export", "ana.csv")
    rows = (tmp_path / "ana.csv").read_text(encoding="utf-8").splitlines()
    ta = next(r for r in rows[1:] if ",ta,ana,include," in r)
    (tmp_path / "ben.csv").write_text("\n".join([rows[0], ta.replace(",ta,ana,include,", ",ta,ben,exclude,")
                                                 .replace("+00:00,0,", "+00:01,0,")]) + "\n")
    assert screened_and_included(runner) == (1, 1)
    result = run(runner, "screen", "import", "ben.csv")
    assert result.output.splitlines() == [
        "1 decision added, 0 already here",
        "1 new conflict: record 1 (title/abstract); see litreview screen conflicts",
        "screening counts changed: screened 1 -> 0, reports sought 1 -> 0, reports assessed 1 -> 0, "
        "studies included 1 -> 0 (a study in conflict awaits screening until resolved)"]
    assert screened_and_included(runner) == (0, 0) and "no included studies" in bib(runner)
    assert run(runner, "screen", "conflicts").output.startswith("record 1: reviewers disagree: ")
    events = json.loads(run(runner, "screen", "audit", "--format", "json").stdout)
    assert [(e["event"], e["record_id"], e["detail"]) for e in events] == [
        ("conflict", 1, "screen import ben.csv: the reviewers' decisions differ at title/abstract"),
        ("counts", None, "screen import ben.csv: screened 1 -> 0, reports sought 1 -> 0, reports assessed "
                         "1 -> 0, studies included 1 -> 0")]
    assert run(runner, "screen", "import", "ben.csv").output == "0 decisions added, 1 already here\n"
    run(runner, "screen", "resolve", STUDY, "include", "--reviewer", "cy")
    assert screened_and_included(runner) == (1, 1)


def test_a_setting_that_moves_studies_between_boxes_says_so(runner, tmp_path, two_stage):
    """Two reviewers per stage after screening alone: every study one reviewer decided awaits a
    second; the command said only 'screening.reviewers = 2'."""
    assert run(runner, "settings", "set", "screening.reasons", "wrong design").output == (
        "screening.reasons = wrong design\n")
    assert screened_and_included(runner) == (1, 0)
    result = run(runner, "settings", "set", "screening.reviewers", "ta=2,ft=1")
    assert result.output.splitlines() == [
        "screening.reviewers = ta=2,ft=1", "screening counts changed: screened 1 -> 0, reports sought 1 -> 0"]
    assert prisma(runner)["awaiting_screening"] == 4
    back = run(runner, "settings", "unset", "screening.reviewers")
    assert back.output.splitlines() == [
        "screening.reviewers = 1    (default)",
        "screening counts changed: screened 0 -> 1, reports sought 0 -> 1"]
    events = json.loads(run(runner, "screen", "audit", "--format", "json").stdout)
    assert [(e["event"], e["detail"]) for e in events] == [
        ("counts", "settings set screening.reviewers: screened 1 -> 0, reports sought 1 -> 0"),
        ("counts", "settings unset screening.reviewers: screened 0 -> 1, reports sought 0 -> 1")]


def test_a_merge_that_lowers_counts_for_two_reasons_gives_both(runner, tmp_path):
    """One study's copies decided differently (a conflict), another's alike (two screened copies
    now one study): 'screened 4 -> 1' is said with both reasons, not only the conflict's."""
    run(runner, "import", DATA / "scopus_emh.bib")
    (tmp_path / "embase.ris").write_text(
        "TY  - JOUR\nTI  - Extramedullary hematopoiesis case 19000000\nAU  - Haidar, R.\n"
        "JO  - European Spine Journal\nPY  - 2005\nVL  - 6\nIS  - 2\nSP  - 101\nEP  - 109\n"
        "DO  - 10.9999/test.19000000\nID  - emb1\nER  - \n\n"
        "TY  - JOUR\nTI  - Spinal cord compression by extramedullary haematopoietic tissue in thalassaemia "
        "intermedia\nAU  - Mhaidli, H.\nAU  - Musallam, K. M.\nJO  - European Spine Journal\nPY  - 2006\n"
        "VL  - 12\nIS  - 2\nSP  - 44\nEP  - 50\nDO  - 10.1000/scopus.2\nID  - emb2\nER  - \n",
        encoding="utf-8")
    run(runner, "import", "embase.ris", "--source", "Embase")
    with Library(tmp_path / "library.db") as library:
        emb = {r.source_key: r.id for r in library.records() if r.source_db == "Embase"}
    run(runner, "decide", STUDY, "include", "--reviewer", "ana")
    run(runner, "decide", emb["emb1"], "exclude", "--reviewer", "ben")
    run(runner, "decide", "doi:10.1000/scopus.2", "exclude", "--reviewer", "ana")
    run(runner, "decide", emb["emb2"], "exclude", "--reviewer", "ben")
    assert screened_and_included(runner) == (4, 0)
    said = run(runner, "dedup").output.splitlines()
    assert said[-1] == ("screening counts changed: screened 4 -> 1, excluded at title/abstract 3 -> 1, "
                        "reports sought 1 -> 0 (a study in conflict awaits screening until resolved; "
                        "copies of one study count once)")
    counts = prisma(runner)
    assert (counts["screened"], counts["excluded_screening"], counts["duplicates_removed"]) == (1, 1, 2)
