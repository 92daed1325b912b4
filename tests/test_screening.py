"""Screening: the state machine, dual review, conflicts, agreement, audit trail, exchange."""

import json
import threading

import pytest

from litreview.cli import cli
from litreview.records import Author, Record
from litreview.screening import agreement, exchange
from litreview.screening import decisions as sc
from litreview.store import Library
from litreview.store import screening as screening_store


def _seed(library, n=4):
    run = library.start_run("search", "PubMed", name="emh")
    return library.add_records([
        Record(title=f"Paraspinal extramedullary hematopoiesis case {i}", pmid=str(100 + i),
               source_db="PubMed", source_key=str(100 + i), year=2000 + i,
               authors=[Author(family="Haidar", given="Rachid")])
        for i in range(n)], run).added_ids


def _dual(library):
    library.set_setting("screening.reviewers", "2")
    library.set_setting("screening.reasons", "wrong population,wrong design,not in English")


def test_single_reviewer_flow_to_inclusion(library):
    ids = _seed(library)
    sc.decide(library, ids[0], "include", "ta", "ana")
    sc.decide(library, ids[1], "exclude", "ta", "ana")
    sc.decide(library, "pmid:102", "maybe", "ta", "ana")
    sc.record_fulltext(library, ids[0], True, "pdfs/100.pdf", "ana")
    sc.decide(library, ids[0], "include", "ft", "ana")
    sc.record_fulltext(library, ids[2], False, None, "ana")
    flow = sc.screening_flow(library)
    assert flow.screened == [ids[0], ids[1], ids[2]] and flow.awaiting_screening == [ids[3]]
    assert flow.excluded_screening == [ids[1]]
    assert flow.reports_sought == [ids[0], ids[2]]
    assert flow.reports_not_retrieved == [ids[2]]
    assert flow.reports_assessed == [ids[0]] and flow.included == [ids[0]]


def test_maybe_can_mean_exclude(library):
    ids = _seed(library)
    library.set_setting("screening.maybe", "exclude")
    sc.decide(library, ids[0], "maybe", "ta", "ana")
    assert sc.screening_flow(library).excluded_screening == [ids[0]]
    with pytest.raises(sc.ScreeningError, match="has not been included at title/abstract"):
        sc.decide(library, ids[0], "include", "ft", "ana")


def test_dual_screening_conflict_and_resolution(library):
    _dual(library)
    ids = _seed(library)
    sc.decide(library, ids[0], "include", "ta", "ana")
    assert sc.stage_states(library, "ta")[ids[0]].status == "awaiting"
    sc.decide(library, ids[0], "exclude", "ta", "ben", reason="wrong design")
    assert [s.record_id for s in sc.conflicts(library)] == [ids[0]]
    with pytest.raises(sc.ScreeningError, match="is not in conflict"):
        sc.resolve(library, ids[1], "include", "ta", "cy")
    sc.resolve(library, ids[0], "include", "ta", "cy")
    state = sc.stage_states(library, "ta")[ids[0]]
    assert (state.status, state.outcome) == ("resolved", "include")
    assert sc.conflicts(library) == []


def test_full_text_exclusion_needs_a_known_reason(library):
    _dual(library)
    library.set_setting("screening.reviewers", "ta=1,ft=1")
    ids = _seed(library)
    sc.decide(library, ids[0], "include", "ta", "ana")
    with pytest.raises(sc.ScreeningError, match="needs --reason"):
        sc.decide(library, ids[0], "exclude", "ft", "ana")
    with pytest.raises(sc.ScreeningError, match="unknown reason 'too old'"):
        sc.decide(library, ids[0], "exclude", "ft", "ana", reason="too old")
    sc.decide(library, ids[0], "exclude", "ft", "ana", reason="wrong population")
    assert sc.screening_flow(library).reports_excluded == {"wrong population": [ids[0]]}


def test_audit_trail_and_undo(library):
    ids = _seed(library)
    sc.decide(library, ids[0], "include", "ta", "ana")
    sc.decide(library, ids[0], "exclude", "ta", "ana")
    assert sc.stage_states(library, "ta")[ids[0]].outcome == "exclude"
    undone = sc.undo(library, "ana", "ta")
    assert undone["decision"] == "exclude"
    assert sc.stage_states(library, "ta")[ids[0]].outcome == "include"
    trail = screening_store.all_decisions(library)
    assert [(r["decision"], r["undone"]) for r in trail] == [("include", 0), ("exclude", 1)]


def test_a_decision_on_a_merged_duplicate_counts_for_the_study(library):
    """#16: decisions belong to the cluster; the copy that became canonical carries them."""
    ids = _seed(library)
    sc.decide(library, ids[1], "exclude", "ta", "ana", reason=None)
    library.db.execute("UPDATE records SET canonical_id = ? WHERE id = ?", [ids[0], ids[1]])
    earlier = sc.earlier_decisions(library, ids[0])
    assert [(r["record_id"], r["decision"]) for r in earlier] == [(ids[1], "exclude")]
    flow = sc.screening_flow(library)
    assert flow.screened == [ids[0]] and flow.excluded_screening == [ids[0]]
    assert ids[0] not in flow.awaiting_screening and ids[1] not in flow.awaiting_screening
    assert sc.record_state(library, ids[1], "ta").record_id == ids[0]
    assert ids[0] not in sc.screening_order(library, "ana", "ta")
    assert ids[0] not in sc.screening_order(library, "ben", "ta")  # one reviewer per stage: decided


def test_unknown_reviewer_and_stage(library):
    ids = _seed(library)
    library.set_setting("screening.reviewer_names", "ana,ben")
    with pytest.raises(sc.ScreeningError, match="unknown reviewer 'zed'"):
        sc.decide(library, ids[0], "include", "ta", "zed")
    with pytest.raises(sc.ScreeningError, match="no reviewer"):
        sc.decide(library, ids[0], "include", "ta", None)
    with pytest.raises(sc.ScreeningError, match="unknown stage"):
        sc.decide(library, ids[0], "include", "xx", "ana")


def test_kappa_worked_example():
    """Cohen's kappa example (Wikipedia 'Cohen's kappa', 50 proposals): 20 yes/yes, 5 yes/no,
    10 no/yes, 15 no/no -> po = 0.70, pe = 0.50, kappa = 0.40; SE per Cohen (1960)
    sqrt(.7*.3/(50*.25)) = 0.1296 -> 95% CI 0.146 to 0.654."""
    pairs = [("include", "include")] * 20 + [("include", "exclude")] * 5 + \
            [("exclude", "include")] * 10 + [("exclude", "exclude")] * 15
    result = agreement.cohen_kappa(pairs)
    assert result.n_both == 50 and result.agreement == pytest.approx(0.70)
    assert result.kappa == pytest.approx(0.40)
    assert result.kappa_ci[0] == pytest.approx(0.146, abs=0.001)
    assert result.kappa_ci[1] == pytest.approx(0.654, abs=0.001)


def test_kappa_interval_stays_within_kappas_range():
    """Two pairs, one agreement: kappa 0, SE sqrt(.5*.5/(2*.25)) = 0.71, so 0 -+ 1.39 is cut to -1..1."""
    result = agreement.cohen_kappa([("include", "include"), ("exclude", "include")])
    assert result.kappa == pytest.approx(0.0)
    assert result.kappa_ci == (-1.0, 1.0)


def test_kappa_gives_no_interval_where_its_error_is_zero():
    """Three records, every decision alike between the reviewers: kappa 1, and Cohen's SE is 0;
    '1.00 to 1.00' would claim a certainty three records cannot give."""
    agreed = agreement.cohen_kappa([("include", "include"), ("exclude", "exclude"), ("include", "include")])
    assert agreed.kappa == pytest.approx(1.0) and agreed.kappa_ci is None
    opposed = agreement.cohen_kappa([("include", "exclude")])
    assert opposed.agreement == 0 and opposed.kappa_ci is None


def _ana_and_ben_on_four(library):
    """Dual review; ana and ben agree on three of four records (kappa 0.5)."""
    _dual(library)
    ids = _seed(library)
    for rid, (a, b) in zip(ids, [("include", "include"), ("exclude", "exclude"),
                                 ("include", "exclude"), ("exclude", "exclude")]):
        sc.decide(library, rid, a, "ta", "ana")
        sc.decide(library, rid, b, "ta", "ben")
    return ids


def test_cli_stats_in_words(runner, library):
    ids = _ana_and_ben_on_four(library)
    sc.decide(library, ids[0], "include", "ta", "cy")
    lines = runner.invoke(cli, ["screen", "stats"]).output.splitlines()
    assert lines[0].startswith("title/abstract: 6 pairs of decisions on the same record, agreement 83%")
    assert lines[1] == "  decisions: 4 include, 5 exclude, 0 maybe; records: 1 conflict, 3 decided"
    assert lines[2].startswith("  ana and ben: 4 records decided by both, agreement 75%, kappa 0.50 (95% CI")
    assert lines[3] == "  ana and cy: 1 record decided by both, agreement 100%, kappa -"
    assert lines[5] == "full text: no record decided by two reviewers"


def test_stats_per_stage_and_pair(library):
    _ana_and_ben_on_four(library)
    figures = agreement.stats(library)["ta"]
    assert figures["n_both"] == 4 and figures["agreement"] == pytest.approx(0.75)
    assert figures["kappa"] == pytest.approx(0.5)
    assert figures["counts"] == {"include": 3, "exclude": 5, "maybe": 0}
    assert figures["pairs"]["ana|ben"]["n_both"] == 4


def test_decisions_csv_round_trip_detects_conflicts(tmp_path):
    mine, theirs = Library(tmp_path / "a.db"), Library(tmp_path / "b.db")
    for lib in (mine, theirs):
        _dual(lib)
        _seed(lib)
    sc.decide(mine, "pmid:100", "include", "ta", "ana")
    sc.decide(theirs, "pmid:100", "exclude", "ta", "ben", reason="wrong design")
    sc.decide(theirs, "pmid:101", "include", "ta", "ben")
    exchange.export_decisions(theirs, tmp_path / "ben.csv")
    assert exchange.import_decisions(mine, tmp_path / "ben.csv") == (2, 0)
    assert exchange.import_decisions(mine, tmp_path / "ben.csv") == (0, 2)
    assert [s.record_id for s in sc.conflicts(mine)] == [mine.resolve("pmid:100")]


def test_decisions_on_copies_exchange_idempotently(tmp_path, library):
    """A decision on a merged copy goes back onto that copy, and a second import adds nothing
    (matching by PMID alone put it on the canonical record, where it was 'new' every time)."""
    ids = _seed(library)
    library.db.execute("UPDATE records SET canonical_id = ? WHERE id = ?", [ids[0], ids[1]])
    sc.decide(library, ids[1], "exclude", "ta", "ana")  # on the study, written on its canonical
    screening_store.insert_decision(library, ids[1], "ta", "ben", "include", None)  # made before the merge
    exchange.export_decisions(library, tmp_path / "all.csv")
    assert exchange.import_decisions(library, tmp_path / "all.csv") == (0, 2)
    other = Library(tmp_path / "other.db")
    _seed(other)
    other.db.execute("UPDATE records SET canonical_id = ? WHERE id = ?", [ids[1], ids[0]])  # other way
    assert exchange.import_decisions(other, tmp_path / "all.csv") == (2, 0)
    rows = screening_store.all_decisions(other)
    assert [(r["record_id"], r["reviewer"], r["scope"]) for r in rows] == [
        (ids[0], "ana", "cluster"), (ids[1], "ben", "record")]
    assert exchange.import_decisions(other, tmp_path / "all.csv") == (0, 2)
    other.close()


@pytest.mark.parametrize("content", [b"a,b\n", b"garbage\x00\x01", b"record_id,decision\n1,include\n"])
def test_importing_a_file_that_is_not_a_decisions_csv_fails(tmp_path, library, content):
    """A wrong file was read as 'no decisions' (exit 0) when it had a header and no rows."""
    path = tmp_path / "not-decisions.csv"
    path.write_bytes(content)
    with pytest.raises(sc.ScreeningError, match="not a decisions CSV from 'litreview screen export'"):
        exchange.import_decisions(library, path)


def test_concurrent_reviewers_lose_no_decision(tmp_path):
    path = tmp_path / "shared.db"
    lib = Library(path)
    ids = _seed(lib, 40)
    lib.close()
    errors = []

    def screen(name):
        own = Library(path)
        try:
            for rid in ids:
                sc.decide(own, rid, "include", "ta", name)
        except Exception as exc:  # any lost write is a failure
            errors.append(exc)
        finally:
            own.close()

    def update():
        own = Library(path)
        try:
            for i in range(20):
                run = own.start_run("search", "PubMed")
                own.add_records([Record(title="new", source_db="PubMed", source_key=f"9{i}")], run)
        finally:
            own.close()

    threads = [threading.Thread(target=screen, args=(n,)) for n in ("ana", "ben")]
    threads.append(threading.Thread(target=update))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(screening_store.all_decisions(Library(path))) == 80


def test_cli_decide_conflicts_resolve_stats(runner, library):
    _dual(library)
    ids = _seed(library)
    assert runner.invoke(cli, ["decide", "pmid:100", "include", "--reviewer", "ana"]).exit_code == 0
    result = runner.invoke(cli, ["decide", "pmid:100", "exclude", "--reviewer", "ben",
                                 "--reason", "wrong design"])
    assert result.exit_code == 0
    out = runner.invoke(cli, ["screen", "conflicts", "--format", "csv"]).output
    assert out.splitlines()[1].startswith(f"{ids[0]},ta,")
    result = runner.invoke(cli, ["screen", "resolve", str(ids[0]), "include", "--reviewer", "cy"])
    assert result.exit_code == 0
    stats = json.loads(runner.invoke(cli, ["screen", "stats", "--format", "json"]).output)
    assert set(stats["ta"]) >= {"n_both", "agreement", "kappa", "kappa_ci", "counts"}
    bad = runner.invoke(cli, ["decide", "pmid:999", "include", "--reviewer", "ana"])
    assert bad.exit_code == 1 and "Error: no record matches 'pmid:999'" in bad.output
    bad = runner.invoke(cli, ["decide", "pmid:100", "include"])
    assert bad.exit_code == 1 and "no reviewer" in bad.output


def test_cli_settings_validate(runner):
    assert runner.invoke(cli, ["settings", "set", "screening.reviewers", "ta=2,ft=1"]).exit_code == 0
    bad = runner.invoke(cli, ["settings", "set", "screening.reviewers", "3"])
    assert bad.exit_code == 1 and "expected 1 or 2" in bad.output
    bad = runner.invoke(cli, ["settings", "set", "screening.colour", "x"])
    assert bad.exit_code == 1 and "unknown setting" in bad.output
    assert "screening.reviewers = ta=2,ft=1" in runner.invoke(cli, ["settings", "show"]).output


def test_export_by_screening_status(runner, library):
    ids = _seed(library)
    sc.decide(library, ids[0], "include", "ta", "ana")
    sc.decide(library, ids[0], "include", "ft", "ana")
    out = runner.invoke(cli, ["export", "--status", "included", "--format", "csv"]).stdout
    assert len(out.splitlines()) == 2 and "case 0" in out
    out = runner.invoke(cli, ["export", "--status", "unscreened", "--format", "csv"]).stdout
    assert len(out.splitlines()) == 4


def test_tags_notes_and_new_flag(library, runner):
    ids = _seed(library)
    assert library.get(ids[0]).is_new
    result = runner.invoke(cli, ["tag", "pmid:100", "case report", "--reviewer", "ana"])
    assert result.exit_code == 0 and "tag 'case report' added" in result.output
    assert screening_store.tags_of(library, ids[0]) == ["case report"]
    runner.invoke(cli, ["note", "pmid:100", "ask Ali about the MRI", "--reviewer", "ana"])
    assert screening_store.notes_of(library, ids[0]) == [("ana", "ask Ali about the MRI")]
    sc.decide(library, ids[0], "include", "ta", "ana")
    assert not library.get(ids[0]).is_new and library.get(ids[1]).is_new
    runner.invoke(cli, ["tag", "pmid:100", "case report", "--remove"])
    assert screening_store.tags_of(library, ids[0]) == []
