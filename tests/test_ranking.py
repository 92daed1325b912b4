"""Priority screening: features, model, simulation and its output contract.

tests/data/screening_nagtegaal_120.csv is cut from a real review (see its .txt beside it)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.feature_extraction.text import TfidfVectorizer

from litreview.cli import cli
from litreview.errors import RankingError, ScreeningError
from litreview.records import Record
from litreview.screening import decisions as sc
from litreview.screening import ranking as rk
from litreview.screening import simulation as sm
from litreview.store import Library

LABELLED = Path(__file__).resolve().parent / "data" / "screening_nagtegaal_120.csv"


def test_hashed_tfidf_is_sklearns_tfidf_of_1_2_grams_with_sublinear_tf() -> None:
    texts = ["Nudging physicians to order fewer tests", "A randomized trial of nudging nurses",
             "Mice and more mice: a trial of fewer tests in mice", "Physicians nudging physicians"]
    ours = rk.tfidf(rk.count_matrix(texts), max_df=1.0)
    reference = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(texts)
    # Columns differ (hashed vs vocabulary); the geometry between records must not.
    assert (ours @ ours.T).toarray() == pytest.approx((reference @ reference.T).toarray(), abs=1e-9)


def test_max_df_drops_terms_in_nearly_every_record() -> None:
    texts = ["trial of aspirin", "trial of statins", "trial of nudges", "cohort of nudges"]
    kept = rk.tfidf(rk.count_matrix(texts), max_df=0.7)
    everywhere = rk.tfidf(rk.count_matrix(texts), max_df=1.0)
    # over 70% of the records: 'of' (4 of 4), 'trial' and 'trial of' (3 of 4)
    assert kept.shape[1] == everywhere.shape[1] - 3


def test_includes_weigh_ratio_times_the_excludes_in_total() -> None:
    labels = np.array([1, 0, 0, 0, 0, 1, 0, 0])
    weights = rk.sample_weights(labels, 9.8)
    assert weights[labels == 1].sum() / weights[labels == 0].sum() == pytest.approx(9.8)
    assert weights.mean() == pytest.approx(1.0)


def test_one_class_trains_no_model() -> None:
    features = rk.tfidf(rk.count_matrix(["a trial", "a cohort", "a case"]))
    assert rk.relevance_scores(features, np.array([0, 1]), np.array([0, 0])) is None


def test_the_model_ranks_what_resembles_the_includes_first() -> None:
    texts = ["nudge default order set physicians", "mouse liver enzyme", "nudge reminder nurses",
             "zebrafish enzyme", "default nudge prescribing", "liver mouse kinase"]
    features = rk.tfidf(rk.count_matrix(texts))
    scores = rk.relevance_scores(features, np.array([0, 1]), np.array([1, 0]))
    assert scores is not None
    assert set(rk.rank(scores, np.array([2, 3, 4, 5]))[:2].tolist()) == {2, 4}


@pytest.mark.parametrize("ensemble", ["nb", "lr", "nb+lr"])
def test_an_ensemble_averages_the_models_rankings(ensemble: str) -> None:
    texts = ["nudge default order set physicians", "mouse liver enzyme", "nudge reminder nurses",
             "zebrafish enzyme", "default nudge prescribing", "liver mouse kinase"]
    features = rk.tfidf(rk.count_matrix(texts))
    settings = rk.ModelSettings(ensemble=ensemble)
    scores = rk.relevance_scores(features, np.array([0, 1]), np.array([1, 0]), settings)
    assert scores is not None
    # ranks 1..6 summed over 1 + (number of other models): a sum of rankings, not of margins
    assert sorted(scores) == pytest.approx([r * (2 + ensemble.count("+")) for r in range(1, 7)])
    assert set(rk.rank(scores, np.array([2, 3, 4, 5]))[:2].tolist()) == {2, 4}


def test_metrics_follow_the_teams_definitions() -> None:
    labels = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1])  # n 20, 4 includes
    figures = sm.metrics(labels)
    # ceil(0.95 * 4) = 4 includes are found at record 20; 1 of them in the first 2 (10%).
    assert figures["screened_to_95%"] == figures["screened_to_100%"] == 20
    assert figures["wss@95"] == pytest.approx((20 - 20) / 20 - 0.05)
    assert figures["recall@10%"] == 0.25


def test_simulation_screens_priors_first_then_every_record_once() -> None:
    data = sm.read_labelled(LABELLED)
    result = sm.simulate(data, seed=3, prior_included=2, prior_excluded=3)
    assert sorted(result.order.tolist()) == list(range(120))
    assert sorted(result.labels[:5].tolist()) == [0, 0, 0, 1, 1]
    assert result.labels.tolist() == data.labels[result.order].tolist()


def test_the_model_finds_the_includes_sooner_than_screening_at_random() -> None:
    data = sm.read_labelled(LABELLED)
    found_by_half = [int(sm.simulate(data, seed=s).labels[:60].sum()) for s in range(3)]
    # At random, half of the records hold 6 of the 12 includes on average.
    assert np.mean(found_by_half) >= 9


def test_simulate_cli_writes_the_order_and_ends_with_the_json_line(tmp_path: Path) -> None:
    out = tmp_path / "order.csv"
    result = CliRunner().invoke(cli, ["screen", "simulate", str(LABELLED), "--seed", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert list(figures) == ["n", "includes", "wss@95", "recall@10%", "screened_to_95%", "screened_to_100%",
                             "stopped_at", "recall_at_stop"]
    assert (figures["n"], figures["includes"]) == (120, 12)
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["rank", "record", "label"]
    assert [r["rank"] for r in rows] == [str(n) for n in range(1, 121)]
    with LABELLED.open(newline="") as handle:
        truth = {r["record_id"]: r["label_included"] for r in csv.DictReader(handle)}
    assert all(truth[r["record"]] == r["label"] for r in rows)  # record = the file's record_id
    labels = np.array([int(r["label"]) for r in rows])
    assert sm.metrics(labels)["wss@95"] == figures["wss@95"]


def test_records_are_row_numbers_when_the_file_has_no_id_column(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("title,abstract,included\nnudge,,1\nmice,,0\nnudge again,,1\nrats,,0\n", encoding="utf-8")
    out = tmp_path / "order.csv"
    args = ["screen", "simulate", str(path), "--label", "included", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    with out.open(newline="") as handle:
        assert sorted(r["record"] for r in csv.DictReader(handle)) == ["1", "2", "3", "4"]


@pytest.mark.parametrize("content, expected", [
    ("title,abstract\nA,B\n", "no label column 'label_included' (columns: title, abstract)"),
    ("title,label_included\nA,1\nB,2\n", "line 3: label_included is '2'; expected 0 or 1"),
    ("title,label_included\nA,0\nB,0\n", "no record has label_included = 1"),
    ("title,label_included\nA,\n", "line 2: label_included is ''; expected 0 or 1"),
])
def test_bad_labelled_files_get_a_clear_message(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(cli, ["screen", "simulate", str(path)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {path}")
    assert expected in result.output
    with pytest.raises(RankingError):
        sm.read_labelled(path)


def test_unparseable_stopping_rule_is_refused_before_any_work(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["screen", "simulate", str(LABELLED), "--stopping", "recall=95"])
    assert result.exit_code == 1
    assert "Error: screening.stopping: recall='95'; expected a number between 0 and 1" in result.output


def test_feature_cache_counts_only_new_or_changed_records(tmp_path: Path) -> None:
    cache = rk.FeatureCache.beside(tmp_path / "library.db")
    assert cache.update({1: "nudge trial", 2: "mouse liver"})
    cache.save()
    again = rk.FeatureCache.beside(tmp_path / "library.db")
    assert again.ids.tolist() == [1, 2]
    assert not again.update({1: "nudge trial", 2: "mouse liver"})
    assert again.update({1: "nudge trial", 2: "mouse kidney", 3: "new record"})
    assert again.ids.tolist() == [1, 2, 3]
    expected = rk.count_matrix(["nudge trial", "mouse kidney", "new record"])
    assert (again.counts != expected).nnz == 0
    assert again.update({3: "new record"})  # records merged away or deleted leave the cache
    assert again.ids.tolist() == [3]


def test_an_unreadable_cache_is_rebuilt(tmp_path: Path) -> None:
    (tmp_path / "library.db-ranking.npz").write_bytes(b"not a cache")
    cache = rk.FeatureCache.beside(tmp_path / "library.db")
    assert cache.ids.tolist() == []
    assert cache.update({5: "text"})


def test_background_ranker_hands_over_the_order_when_ready() -> None:
    made = []

    def compute() -> rk.PriorityOrder:
        made.append(1)
        return rk.PriorityOrder([3, 1, 2], True, "ranked")

    ranker = rk.BackgroundRanker(compute, every=2)
    ranker.decided()
    assert ranker.wait(5) is None and made == []  # one decision: no retraining yet
    ranker.decided()
    result = ranker.wait(5)
    assert result is not None and result.ids == [3, 1, 2]
    assert ranker.poll() is None  # handed over once


def test_a_failure_in_the_background_reaches_the_screener() -> None:
    def compute() -> rk.PriorityOrder:
        raise RankingError("broken")

    ranker = rk.BackgroundRanker(compute)
    ranker.start()
    with pytest.raises(RankingError, match="broken"):
        ranker.wait(5)


# -- in a library --------------------------------------------------------------------------------

def _library_from_labelled(library: Library) -> dict[int, int]:
    """The fixture's records in a library; returns record id -> its human label."""
    with LABELLED.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    run = library.start_run("import", "test")
    with library.transaction():
        added = library.add_records([Record(title=r["title"], abstract=r["abstract"], source_db="fixture",
                                            source_key=r["record_id"]) for r in rows], run)
    return dict(zip(added.added_ids, (int(r["label_included"]) for r in rows)))


def test_priority_order_is_the_random_order_until_there_is_something_to_learn(library: Library) -> None:
    truth = _library_from_labelled(library)
    random_order = sc.screening_order(library, "ana", "ta", "random")
    first = rk.priority_order(library, "ana", "ta")
    assert first.ids == random_order and not first.trained
    assert "needs at least one include and one exclude" in first.message
    sc.decide(library, next(i for i in random_order if truth[i] == 0), "exclude", "ta", "ana")
    assert not rk.priority_order(library, "ana", "ta").trained  # excludes only: still random


def test_priority_order_puts_likely_includes_first(library: Library) -> None:
    truth = _library_from_labelled(library)
    ids = sorted(truth)
    sc.decide(library, next(i for i in ids if truth[i]), "include", "ta", "ana")
    sc.decide(library, next(i for i in ids if not truth[i]), "exclude", "ta", "ana")
    order = rk.priority_order(library, "ana", "ta")
    assert order.trained and len(order.ids) == 118
    assert sorted(order.ids) == sorted(sc.screening_order(library, "ana", "ta"))  # the same records, ranked
    with pytest.raises(ScreeningError, match="the priority order is the ranking model's"):
        sc.screening_order(library, "ana", "ta", "priority")  # decisions does not reach up to ranking
    # 11 includes left among 118: a random top 20 holds ~2
    assert sum(truth[i] for i in order.ids[:20]) >= 5


def test_another_reviewers_open_votes_never_train_my_order(library: Library) -> None:
    truth = _library_from_labelled(library)
    library.set_setting("screening.reviewers", "2")
    ids = sorted(truth)
    inc, exc = [i for i in ids if truth[i]], [i for i in ids if not truth[i]]
    sc.decide(library, inc[0], "include", "ta", "ben")  # ben's alone: open
    sc.decide(library, exc[0], "exclude", "ta", "ana")  # ana's own
    sc.decide(library, exc[1], "exclude", "ta", "ana")
    sc.decide(library, exc[1], "exclude", "ta", "ben")  # both: settled
    assert rk.training_labels(library, "ana", "ta") == {exc[0]: 0, exc[1]: 0}
    assert rk.training_labels(library, "ben", "ta") == {inc[0]: 1, exc[1]: 0}
    assert not rk.priority_order(library, "ana", "ta").trained


def test_screen_next_prints_the_next_ids(library: Library) -> None:
    truth = _library_from_labelled(library)
    ids = sorted(truth)
    sc.decide(library, next(i for i in ids if truth[i]), "include", "ta", "ana")
    sc.decide(library, next(i for i in ids if not truth[i]), "exclude", "ta", "ana")
    library.close()
    result = CliRunner().invoke(cli, ["screen", "next", "--reviewer", "ana", "--n", "3"])
    assert result.exit_code == 0, result.output
    printed = [int(x) for x in result.stdout.split()]
    with Library("library.db") as again:
        assert printed == rk.priority_order(again, "ana", "ta").ids[:3]
    assert "trained on 1 includes and 1 excludes" in result.stderr


def test_the_feature_cache_is_kept_beside_the_library(library: Library) -> None:
    _library_from_labelled(library)
    rk.priority_order(library, "ana", "ta")
    cache = rk.FeatureCache.beside(library.path)
    assert len(cache.ids) == 120


def test_keywords_can_be_one_token_per_heading() -> None:
    text = rk.record_text("Title", "Abstract.", ["Diabetes Mellitus, Type 2", " Humans "])
    assert text == "Title Abstract. kw_diabetes_mellitus_type_2 kw_humans"
    assert rk.record_text("T", None, ["Humans"], as_terms=False) == "T Humans"
    assert not rk.DEFAULT_MODEL.use_keywords  # measured: see ModelSettings


def test_the_library_texts_hold_keywords_and_mesh_only_when_the_model_uses_them(library: Library) -> None:
    from litreview.records import MeshHeading

    run = library.start_run("import", "test")
    with library.transaction():
        added = library.add_records([Record(title="Nudges", abstract="A trial.", source_db="fixture",
                                            source_key="1", keywords=["choice architecture"],
                                            mesh=[MeshHeading(descriptor="Physicians")])], run)
    record_id = added.added_ids[0]
    assert rk.texts_of(library)[record_id] == "Nudges A trial."
    with_terms = rk.texts_of(library, rk.ModelSettings(use_keywords=True))
    assert with_terms[record_id] == "Nudges A trial. kw_choice_architecture kw_physicians"


def test_no_model_is_trained_on_records_without_a_term() -> None:
    features = rk.tfidf(rk.count_matrix(["A", "b", "", "c d"]))  # one-letter words are no terms
    assert features.shape[1] == 0
    assert rk.relevance_scores(features, np.array([0, 1]), np.array([1, 0])) is None


def test_records_without_a_term_stay_in_the_random_order_and_it_says_why(library: Library) -> None:
    run = library.start_run("import", "test")
    with library.transaction():
        added = library.add_records([Record(title=t, source_db="fixture", source_key=t)
                                     for t in "ABCDE"], run)
    sc.decide(library, added.added_ids[0], "include", "ta", "ana")
    sc.decide(library, added.added_ids[1], "exclude", "ta", "ana")
    random_order = sc.screening_order(library, "ana", "ta", "random")
    library.close()
    result = CliRunner().invoke(cli, ["screen", "next", "--reviewer", "ana", "--n", "5"])
    assert result.exit_code == 0, result.output
    assert [int(x) for x in result.stdout.split()] == random_order
    assert ("random order: the model cannot be trained on 1 includes and 1 excludes: the records' "
            "titles and abstracts hold no term to learn from") in result.stderr


def test_a_labelled_set_without_a_term_is_replayed_at_random_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "letters.csv"
    path.write_text("title,abstract,label_included\nA,,1\nB,,0\nC,,1\nD,,0\nE,,0\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["screen", "simulate", str(path), "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "letters.csv: random order: the model cannot be trained" in result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert (figures["n"], figures["includes"]) == (5, 2)
    assert not sm.simulate(sm.read_labelled(path), seed=1).trained
    assert sm.simulate(sm.read_labelled(LABELLED), seed=1).trained


def test_a_labelled_set_without_excludes_gets_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "all.csv"
    path.write_text("title,label_included\nnudging trial,1\nnudging cohort,1\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["screen", "simulate", str(path)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {path}: asked for 1 prior includes and 1 prior excludes; "
                                    "the set has 2 and 0")


def test_records_added_to_the_library_are_the_only_ones_counted(
        library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    truth = _library_from_labelled(library)
    ids = sorted(truth)
    sc.decide(library, next(i for i in ids if truth[i]), "include", "ta", "ana")
    sc.decide(library, next(i for i in ids if not truth[i]), "exclude", "ta", "ana")
    rk.priority_order(library, "ana", "ta")  # the first ranking counts all 120
    counted: list[int] = []
    real = rk.count_matrix

    def counting(texts: list[str]) -> object:
        counted.append(len(texts))
        return real(texts)

    monkeypatch.setattr(rk, "count_matrix", counting)
    rk.priority_order(library, "ana", "ta")
    assert counted == []  # nothing new: read from the cache beside the library
    run = library.start_run("import", "test")
    with library.transaction():
        added = library.add_records([Record(title=f"Nudging clinicians, trial {n}", source_db="fixture",
                                            source_key=f"new{n}") for n in range(3)], run)
    order = rk.priority_order(library, "ana", "ta")
    assert counted == [3]
    assert set(added.added_ids) <= set(order.ids) and order.trained
    assert len(rk.FeatureCache.beside(library.path).ids) == 123


def _order(tmp_path: Path, *options: str) -> list[dict[str, str]]:
    out = tmp_path / f"order{len(list(tmp_path.iterdir()))}.csv"
    result = CliRunner().invoke(cli, ["screen", "simulate", str(LABELLED), *options, "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_simulate_starts_from_the_priors_asked_for_chosen_by_the_seed(tmp_path: Path) -> None:
    rows = _order(tmp_path, "--seed", "4", "--prior-included", "2", "--prior-excluded", "3")
    assert sorted(r["label"] for r in rows[:5]) == ["0", "0", "0", "1", "1"]
    assert _order(tmp_path, "--seed", "4", "--prior-included", "2", "--prior-excluded", "3") == rows
    priors = {frozenset(r["record"] for r in _order(tmp_path, "--seed", str(s))[:2]) for s in range(1, 6)}
    assert len(priors) > 1  # other seeds, other priors


def test_a_replay_is_the_same_for_the_same_seed(shared_data: Path) -> None:
    """liblinear shuffles its coordinates: without a fixed random_state every replay of a seed
    on Kitchenham screened in another order (10 of 10 repeats differed), so figures moved by a
    few thousandths from run to run."""
    data = sm.read_labelled(shared_data / "screening" / "Kitchenham_2010.csv")
    for seed in (1, 2):
        first = sm.simulate(data, seed=seed)
        again = sm.simulate(data, seed=seed)
        assert first.order.tolist() == again.order.tolist()
        assert first.stop.stopped_at == again.stop.stopped_at
