"""The stopping rule: parsing its setting, the hypergeometric test, and its claim on replays."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from click.testing import CliRunner

from litreview import prisma
from litreview.cli import cli
from litreview.errors import StoppingError
from litreview.screening import stopping as st
from litreview.store import Library
from litreview.store import ranking as ranking_store


def test_parse_rule_reads_recall_confidence_and_trigger() -> None:
    rule = st.parse_rule("recall=0.9, confidence=0.99,sample_after=40")
    assert (rule.rule, rule.recall, rule.confidence, rule.sample_after) == (
        st.HYPERGEOMETRIC, Fraction(9, 10), Fraction(99, 100), 40)
    assert st.parse_rule("") == st.DEFAULT_RULE


def test_the_heuristic_is_offered_by_name_and_says_it_has_no_guarantee() -> None:
    rule = st.parse_rule("rule=consecutive-excludes,n=50")
    assert (rule.rule, rule.n) == (st.CONSECUTIVE_EXCLUDES, 50)
    assert "no statistical guarantee" in rule.describe()
    assert st.DEFAULT_RULE.rule == st.HYPERGEOMETRIC


@pytest.mark.parametrize("text, expected", [
    ("recall=1.2", "recall='1.2'; expected a number between 0 and 1"),
    ("recall=abc", "recall='abc'; expected a number between 0 and 1"),
    ("confidence=0", "confidence='0'"),
    ("recall", "'recall' is not key=value"),
    ("rule=magic", "unknown rule 'magic'"),
    ("recall=0.9,n=4", "unknown key(s) n for rule hypergeometric"),
    ("sample_after=-3", "sample_after='-3'; expected a whole number"),
    ("rule=consecutive-excludes,n=0", "n='0'; expected a whole number"),
])
def test_settings_that_do_not_parse_are_refused(text: str, expected: str) -> None:
    with pytest.raises(StoppingError, match="screening.stopping") as caught:
        st.parse_rule(text)
    assert expected in str(caught.value)


def test_k_target_is_the_fewest_includes_left_that_make_recall_fall_short() -> None:
    # 19 found, target 95%: recall < 95% needs more than 20 includes in all, i.e. >= 2 left.
    assert st.k_target(19, 0, Fraction(95, 100)).tolist() == 2
    # 50 found before the sample and 0 in it: 50/0.95 = 52.6, so >= 3 left.
    assert st.k_target(50, np.array([0, 1]), Fraction(95, 100)).tolist() == [3, 4]


def _hypergeometric_cdf(k: int, urn: int, good: int, drawn: int) -> float:
    ways = sum(math.comb(good, i) * math.comb(urn - good, drawn - i) for i in range(k + 1))
    return ways / math.comb(urn, drawn)


def test_p_values_are_the_hypergeometric_probability_of_so_few_includes() -> None:
    sampled, found = np.array([10, 60, 200, 5]), np.array([0, 1, 2, 0])
    p = st.p_values(400, 30, sampled, found, Fraction(95, 100))
    targets = st.k_target(30, found, Fraction(95, 100))
    expected = [_hypergeometric_cdf(int(k), 400, int(t), int(n)) for k, t, n in zip(found, targets, sampled)]
    assert p == pytest.approx(expected)
    assert p[1] < p[0]  # more records sampled with as few includes: stronger evidence


def test_no_test_needed_when_the_urn_is_too_small_to_hide_enough_includes() -> None:
    assert st.p_values(2, 95, np.array([1]), np.array([0]), Fraction(95, 100)).tolist() == [0.0]


def test_a_good_ranking_lets_the_rule_stop_early_with_every_include_found() -> None:
    ranked = np.array([1] * 40 + [0] * 1960)
    outcome = st.replay_stop(ranked, st.DEFAULT_RULE, np.random.default_rng(1))
    start = 40 + st.DEFAULT_RULE.sample_trigger(2000)
    assert outcome.statistic["sample_started_at"] == start
    # 40 found: recall < 95% needs >= 3 includes in the urn; the sample stops at the first size
    # that has under 5% chance of drawing none of 3.
    urn = 2000 - start
    needed = next(n for n in range(1, urn) if _hypergeometric_cdf(0, urn, 3, n) < 0.05)
    assert outcome.stopped_at == start + needed < 2000
    assert outcome.found_at_stop == 40
    assert outcome.statistic["p_value"] < 0.05


def test_includes_the_ranking_missed_are_found_by_the_sample_before_it_stops() -> None:
    # The model found 30 includes, then a long run of excludes; 20 more are scattered in the rest:
    # recall at the sample's start is 60%. The rule must not stop before recall reaches 95% in
    # at least 95% of replays (its claim).
    rng = np.random.default_rng(7)
    held = 0
    runs = 200
    for seed in range(runs):
        rest = np.zeros(1800, dtype=np.int64)
        rest[rng.choice(1800, 20, replace=False)] = 1
        ranked = np.concatenate([np.ones(30, dtype=np.int64), np.zeros(170, dtype=np.int64), rest])
        outcome = st.replay_stop(ranked, st.DEFAULT_RULE, np.random.default_rng(seed))
        held += outcome.found_at_stop / 50 >= 0.95
    assert held / runs >= 0.95


def test_the_heuristic_stops_after_its_run_of_excludes() -> None:
    ranked = np.array([1, 0, 1] + [0] * 100 + [1] + [0] * 500)
    outcome = st.replay_stop(ranked, st.parse_rule("rule=consecutive-excludes,n=100"),
                             np.random.default_rng(0))
    assert (outcome.stopped_at, outcome.found_at_stop) == (103, 2)


def test_the_setting_is_registered_and_bad_values_are_refused_when_set() -> None:
    from click.testing import CliRunner

    from litreview.cli import cli

    runner = CliRunner()
    bad = runner.invoke(cli, ["settings", "set", "screening.stopping", "recall=0.95,confidence=2"])
    assert bad.exit_code == 1
    assert "Error: screening.stopping: confidence='2'; expected a number between 0 and 1" in bad.output
    good = runner.invoke(cli, ["settings", "set", "screening.stopping", "recall=0.9,confidence=0.95"])
    assert good.exit_code == 0, good.output
    from litreview import settings
    from litreview.store import Library

    with Library("library.db") as library:
        assert settings.value(library, st.SETTING) == st.StoppingRule(recall=Fraction(9, 10))


# -- in a library --------------------------------------------------------------------------------

def _screen_in_priority_order(library: Library, truth: dict[int, int], until: st.Phase) -> st.StoppingState:
    """ana decides as the fixture's reviewers did, in the order the screener offers, until the
    rule reaches `until` (or the records run out)."""
    from litreview.screening import decisions as sc
    from litreview.screening import ranking as rk

    while True:
        now = st.state(library, "ta")
        if now.phase == until:
            return now
        order = rk.priority_order(library, "ana", "ta").ids  # may begin the sample
        now = st.state(library, "ta")
        if now.phase == until or not order:
            return now
        sc.decide(library, order[0], "include" if truth[order[0]] else "exclude", "ta", "ana")


def test_the_rule_samples_then_says_stop_and_the_stop_is_audited(library: Library) -> None:
    from tests.test_ranking import _library_from_labelled

    truth = _library_from_labelled(library)
    library.set_setting(st.SETTING, "recall=0.95,confidence=0.95,sample_after=15")
    ranked = _screen_in_priority_order(library, truth, st.Phase.SAMPLING)
    sample = ranking_store.latest_stopping_event(library, "ta", "sample")
    assert sample is not None and ranked.phase == st.Phase.SAMPLING
    assert set(sample["urn"]) == {i for i in truth if i not in _decided(library)}
    with pytest.raises(StoppingError, match="does not allow stopping yet"):
        st.stop(library, "ana")
    assert ranked.recall is None or ranked.recall.lower < 0.95  # not rejected: the bound is short
    ready = _screen_in_priority_order(library, truth, st.Phase.MAY_STOP)
    assert ready.phase == st.Phase.MAY_STOP, ready.message()
    assert ready.p_value is not None and ready.p_value < 0.05
    assert "screening may stop" in ready.message()
    assert ready.recall is not None and ready.recall.lower >= 0.95
    estimate = (f"estimated recall {st.percent_text(ready.recall.estimate, 0.95)}, at least "
                f"{st.percent_text(ready.recall.lower, 0.95)} with 95% confidence")
    assert estimate in ready.message()

    result = CliRunner().invoke(cli, ["screen", "stop", "--reviewer", "ana"])
    assert result.exit_code == 0, result.output
    stopped = st.state(library, "ta")
    assert stopped.phase == st.Phase.STOPPED and stopped.not_screened == ready.not_screened
    event = ranking_store.latest_stopping_event(library, "ta", "stop")
    assert event is not None and event["reviewer"] == "ana"
    assert event["parameters"] == {"rule": "hypergeometric", "recall": 0.95, "confidence": 0.95,
                                   "sample_after": 15}
    assert event["statistic"]["p_value"] == ready.p_value
    assert event["statistic"]["recall_lower_bound"] == ready.recall.lower
    # after the stop, the state carries the sample's figures at the stop
    assert (stopped.p_value, stopped.sample_screened, stopped.recall) == (
        ready.p_value, ready.sample_screened, ready.recall)
    assert estimate in stopped.message()
    audit = CliRunner().invoke(cli, ["screen", "audit"]).stdout.splitlines()
    began = next(line for line in audit if "stopping rule: random sample began" in line)
    assert "title/abstract: rule=hypergeometric, recall=0.95, confidence=0.95, sample_after=15" in began
    stop_line = next(line for line in audit if "screening stopped on the rule by ana" in line)
    assert f"p_value={ready.p_value}" in stop_line and f"sample_screened={ready.sample_screened}" in stop_line
    assert audit.index(began) < audit.index(stop_line)
    again = CliRunner().invoke(cli, ["screen", "stop", "--reviewer", "ben"])
    assert again.exit_code == 1 and "already been stopped" in again.output
    stats = CliRunner().invoke(cli, ["screen", "stats"]).output
    assert "screening stopped on the rule (recall >= 95% with 95% confidence" in stats
    assert f"{len(stopped.not_screened)} records not screened" in stats

    counts = prisma.compute(library)
    assert counts.marked_ineligible_by_automation == len(stopped.not_screened) > 0
    assert counts.awaiting_screening == 0
    md = CliRunner().invoke(cli, ["prisma", "--format", "md"]).output
    assert f"Records marked as ineligible by automation tools: {len(stopped.not_screened)}" in md
    assert "hypergeometric test on a random sample" in md and "Callaghan" in md
    assert f"the estimated recall was {st.percent_text(ready.recall.estimate, 0.95)}" in md


def _decided(library: Library) -> set[int]:
    from litreview.screening import decisions as sc

    return {i for i, s in sc.stage_states(library, "ta").items() if s.status in sc.SETTLED}


def test_stop_is_refused_without_a_rule(library: Library) -> None:
    result = CliRunner().invoke(cli, ["screen", "stop", "--reviewer", "ana"])
    assert result.exit_code == 1
    assert "Error: no stopping rule is set" in result.output


def test_stats_show_the_rules_state(library: Library) -> None:
    from tests.test_ranking import _library_from_labelled

    truth = _library_from_labelled(library)
    from litreview.screening import decisions as sc

    for record_id in sorted(truth)[:3]:
        sc.decide(library, record_id, "include" if truth[record_id] else "exclude", "ta", "ana")
    library.set_setting(st.SETTING, "recall=0.95,confidence=0.95")
    output = CliRunner().invoke(cli, ["screen", "stats"]).output
    assert "stopping (title/abstract): 3 of 120 records screened, 117 left" in output
    assert "ranked phase; the rule's random sample of the unscreened records starts after 20" in output


def test_the_heuristic_says_may_stop_after_its_run(library: Library) -> None:
    from tests.test_ranking import _library_from_labelled

    truth = _library_from_labelled(library)
    library.set_setting(st.SETTING, "rule=consecutive-excludes,n=10")
    now = _screen_in_priority_order(library, truth, st.Phase.MAY_STOP)
    assert now.phase == st.Phase.MAY_STOP
    assert "no statistical guarantee" in now.message()


@pytest.mark.parametrize("p, alpha, text", [
    (0.0123, 0.05, "0.012"), (0.04997, 0.05, "0.04997"), (0.0500004, 0.05, "0.050"),
    (0.2, 0.05, "0.200"), (0.0, 0.05, "0.000"), (3e-12, 0.05, "3e-12"), (0.0249, 0.025, "0.0249"),
])
def test_p_values_are_never_rounded_across_the_level(p: float, alpha: float, text: str) -> None:
    assert st.p_text(p, alpha) == text


def test_the_recall_estimate_extrapolates_the_samples_share_of_includes() -> None:
    # 50 found before; 2 includes in a sample of 100 from an urn of 1,000: ~18 more in the 900 left
    estimate = st.recall_estimate(1000, 50, 100, 2, Fraction(95, 100))
    assert estimate is not None and estimate.estimate == pytest.approx(52 / 70)
    assert estimate.lower < estimate.estimate
    assert st.recall_estimate(1000, 0, 10, 0, Fraction(95, 100)) is None  # nothing found: no recall


def test_the_recall_bound_is_the_test_inverted() -> None:
    """The lower bound is the most includes the unsampled records can hold at the confidence (by
    brute force), and it reaches the target exactly when the test rejects 'recall < target'."""
    rng = np.random.default_rng(3)
    checked = 0
    for _ in range(300):
        urn = int(rng.integers(5, 120))
        sampled = int(rng.integers(1, urn + 1))
        found = int(rng.integers(0, min(sampled, 6) + 1))
        before = int(rng.integers(1, 80))
        cdf = {k: _hypergeometric_cdf(found, urn, k, sampled)
               for k in range(found, found + urn - sampled + 1)}
        if any(abs(c - 0.05) < 1e-9 for c in cdf.values()):
            continue  # floating point at the level itself: either answer is right
        estimate = st.recall_estimate(urn, before, sampled, found, Fraction(95, 100))
        assert estimate is not None
        assert estimate.most_missed == max(k for k, c in cdf.items() if c >= 0.05) - found
        assert estimate.lower == (before + found) / (before + found + estimate.most_missed)
        p = st.p_values(urn, before, np.array([sampled]), np.array([found]), Fraction(95, 100))[0]
        met = Fraction(before + found, before + found + estimate.most_missed) >= Fraction(95, 100)
        assert met == (p < 0.05)
        checked += 1
    assert checked > 250


@pytest.mark.parametrize("share, target, text", [
    (0.9571, 0.95, "95.7%"), (0.94996, 0.95, "94.996%"), (1.0, 0.95, "100.0%"), (0.95, 0.95, "95.0%"),
])
def test_percentages_are_never_rounded_across_the_target(share: float, target: float, text: str) -> None:
    assert st.percent_text(share, target) == text
