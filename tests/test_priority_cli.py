"""Issue 19 through the command line: the order before there is anything to learn, the terminal
screener that never waits for the model, blinding in dual screening, the stopping rule in the
audit trail, and settings refused when they do not parse."""

from __future__ import annotations

import functools
import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from litreview.cli import cli
from litreview.errors import RankingError
from litreview.screening import decisions as sc
from litreview.screening import ranking as rk
from litreview.store import Library
from tests.test_ranking import _library_from_labelled


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input)


def _next(reviewer: str, n: int = 200) -> tuple[list[int], str]:
    result = run("screen", "next", "--reviewer", reviewer, "--n", str(n))
    assert result.exit_code == 0, result.output
    return [int(x) for x in result.stdout.split()], result.stderr


def test_screen_next_is_the_stable_random_order_until_an_include_and_an_exclude(library: Library) -> None:
    truth = _library_from_labelled(library)
    random_order = sc.screening_order(library, "ana", "ta", "random")
    library.close()
    first, said = _next("ana")
    assert first == random_order == _next("ana")[0]  # stable: the same on every call
    assert "random order: the model needs at least one include and one exclude (so far 0 includes" in said

    # excludes only: one class, no model; the order stays the random one and says so
    excluded = [i for i in random_order if not truth[i]][:2]
    for record_id in excluded:
        assert run("decide", str(record_id), "exclude", "--reviewer", "ana").exit_code == 0
    after, said = _next("ana")
    assert after == [i for i in random_order if i not in excluded]
    assert "random order" in said and "so far 0 includes, 2 excludes" in said

    included = next(i for i in random_order if truth[i])
    assert run("decide", str(included), "include", "--reviewer", "ana").exit_code == 0
    ranked, said = _next("ana")
    assert "priority order from a model trained on 1 includes and 2 excludes" in said
    rest = [i for i in random_order if i not in excluded and i != included]
    assert sorted(ranked) == sorted(rest) and ranked != rest
    assert sum(truth[i] for i in ranked[:20]) > sum(truth[i] for i in rest[:20])


def test_another_reviewers_votes_never_move_my_order_until_settled(library: Library) -> None:
    truth = _library_from_labelled(library)
    library.set_setting("screening.reviewers", "2")
    ids = sorted(truth)
    includes, excludes = [i for i in ids if truth[i]], [i for i in ids if not truth[i]]
    library.close()
    for record_id, decision in ((includes[0], "include"), (excludes[0], "exclude")):
        assert run("decide", str(record_id), decision, "--reviewer", "ana").exit_code == 0
    before, _ = _next("ana")
    # ben votes, against the truth, on ten records ana has not seen: open votes, blinded from ana
    for record_id in includes[1:6] + excludes[1:6]:
        decision = "exclude" if truth[record_id] else "include"
        assert run("decide", str(record_id), decision, "--reviewer", "ben").exit_code == 0
    assert _next("ana")[0] == before
    # ben's own order learns from ben's votes
    ben, said = _next("ben")
    assert "trained on 5 includes and 5 excludes" in said
    # once a study is settled (both agree), it trains everyone's model
    assert run("decide", str(excludes[1]), "include", "--reviewer", "ana").exit_code == 0
    with Library("library.db") as again:
        assert rk.training_labels(again, "ana", "ta") == {includes[0]: 1, excludes[0]: 0, excludes[1]: 1}
    assert "trained on 2 includes and 1 excludes" in _next("ana")[1]


def test_the_terminal_screener_shows_records_while_the_model_trains(
        library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    """The screener starts in the random order at once; while the (re)training runs in the
    background key presses are answered from the order held; the model's order replaces the rest
    of the list once it is ready. (In a thread here, so the test can hold the model back; the
    worker process the screener uses is tested below.)"""
    truth = _library_from_labelled(library)
    ids = sorted(truth)
    sc.decide(library, next(i for i in ids if truth[i]), "include", "ta", "ana")
    sc.decide(library, next(i for i in ids if not truth[i]), "exclude", "ta", "ana")
    random_order = sc.screening_order(library, "ana", "ta", "random")
    titles = {i: library.get(i).title or "" for i in ids}
    library.close()

    release = threading.Event()
    real = rk.priority_order_with_state

    def slow_model(db_path: Path, reviewer: str, stage: str = "ta") -> rk.PriorityOrder:
        assert release.wait(20), "the test never released the model"
        return real(db_path, reviewer, stage)

    monkeypatch.setattr(rk, "priority_order_with_state", slow_model)
    monkeypatch.setattr("litreview.cli.screen.RANKER_PROCESS", False)
    presses: list[str] = []

    def getchar(*_: Any, **__: Any) -> str:
        presses.append("s")
        if len(presses) == 4:  # three records shown and skipped while the model was still training
            release.set()
            for thread in threading.enumerate():
                if thread.name == "litreview-ranking":
                    thread.join(20)
        return "s" if len(presses) < 6 else "q"

    monkeypatch.setattr("click.getchar", getchar)
    result = run("screen", "--order", "priority", "--reviewer", "ana")
    assert result.exit_code == 0, result.output
    shown = [line for line in result.output.splitlines() if any(line.strip() == titles[i] for i in ids)]
    assert len(shown) == 6
    assert [s.strip() for s in shown[:4]] == [titles[i] for i in random_order[:4]]
    assert "(priority order from a model trained on 1 includes and 1 excludes)" in result.output
    with Library("library.db") as again:
        ranked = [i for i in rk.priority_order(again, "ana", "ta").ids if i not in random_order[:4]]
    assert [s.strip() for s in shown[4:]] == [titles[i] for i in ranked[:2]]


@pytest.mark.parametrize("value, expected", [
    ("recall=0.95,confidence=1", "confidence='1'; expected a number between 0 and 1"),
    ("recall=95%", "recall='95%'; expected a number between 0 and 1"),
    ("recall=0.95;confidence=0.95", "expected a number between 0 and 1"),
    ("recall", "'recall' is not key=value"),
    ("rule=magic", "unknown rule 'magic'"),
    ("recall=0.95,n=100", "unknown key(s) n for rule hypergeometric"),
    ("rule=consecutive-excludes,n=0", "n='0'; expected a whole number of records"),
])
def test_stopping_settings_that_do_not_parse_are_refused(library: Library, value: str, expected: str) -> None:
    library.close()
    assert run("settings", "set", "screening.stopping", "recall=0.9,confidence=0.9").exit_code == 0
    result = run("settings", "set", "screening.stopping", value)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert expected in result.output
    shown = run("settings", "show").output
    assert "recall=0.9,confidence=0.9" in shown  # the refused value changed nothing


def test_the_screeners_worker_process_computes_the_same_order(library: Library) -> None:
    truth = _library_from_labelled(library)
    ids = sorted(truth)
    sc.decide(library, next(i for i in ids if truth[i]), "include", "ta", "ana")
    sc.decide(library, next(i for i in ids if not truth[i]), "exclude", "ta", "ana")
    expected = rk.priority_order(library, "ana", "ta")
    ranker = rk.BackgroundRanker(functools.partial(rk.priority_order_with_state, library.path, "ana", "ta"),
                                 every=2, process=True)
    try:
        assert ranker.poll() is None and not ranker.busy
        ranker.decided()
        assert not ranker.busy  # one decision of two
        ranker.decided()
        assert ranker.busy
        ranker.decided()  # busy: no second computation queued
        order = ranker.wait(120)
        assert order is not None and order.ids == expected.ids and order.trained
        assert not ranker.busy and ranker.poll() is None
    finally:
        ranker.close()


def test_a_failure_in_the_worker_process_reaches_the_screener() -> None:
    ranker = rk.BackgroundRanker(functools.partial(int, "not a number"), process=True)
    try:
        ranker.start()
        with pytest.raises(ValueError, match="not a number"):
            ranker.wait(120)
    finally:
        ranker.close()


def test_a_worker_process_that_dies_is_reported_once_and_screening_goes_on() -> None:
    ranker = rk.BackgroundRanker(functools.partial(os._exit, 3), process=True)
    try:
        ranker.start()
        with pytest.raises(RankingError, match="ended unexpectedly"):
            ranker.wait(120)
        ranker.start()  # no process to send to: nothing happens, nothing is raised
        assert not ranker.busy and ranker.poll() is None
    finally:
        ranker.close()


def test_screen_stats_json_carries_the_rules_state(library: Library) -> None:
    truth = _library_from_labelled(library)
    for record_id in sorted(truth)[:4]:
        sc.decide(library, record_id, "include" if truth[record_id] else "exclude", "ta", "ana")
    library.close()
    before = json.loads(run("screen", "stats", "--format", "json").stdout)["stopping"]
    assert before["phase"] == "no rule" and before["rule"] is None and before["left"] == 116
    rule = "recall=0.9,confidence=0.99,sample_after=30"
    assert run("settings", "set", "screening.stopping", rule).exit_code == 0
    now = json.loads(run("screen", "stats", "--format", "json").stdout)["stopping"]
    assert now["phase"] == "ranked"
    assert now["rule"] == {"rule": "hypergeometric", "recall": 0.9, "confidence": 0.99, "sample_after": 30}
    assert (now["records"], now["screened"], now["left"]) == (120, 4, 116)
    assert now["includes"] == sum(truth[i] for i in sorted(truth)[:4])
    assert "starts after 30 excludes in a row" in now["says"]


def test_when_the_rule_says_stop_the_screener_and_screen_next_say_so(
        library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    from litreview.screening import stopping as st
    from tests.test_stopping import _screen_in_priority_order

    truth = _library_from_labelled(library)
    library.set_setting(st.SETTING, "recall=0.95,confidence=0.95,sample_after=15")
    ready = _screen_in_priority_order(library, truth, st.Phase.MAY_STOP)
    assert ready.phase == st.Phase.MAY_STOP
    library.close()

    _, said = _next("ana", 3)
    assert f"stopping rule: {ready.screened} of 120 records screened" in said
    p = st.p_text(ready.p_value or 0.0, 0.05)
    assert float(p) < 0.05
    assert f"p = {p} < 0.05: recall >= 95% with 95% confidence; screening may stop" in said

    monkeypatch.setattr("click.getchar", lambda *a, **k: "q")
    result = run("screen", "--order", "priority", "--reviewer", "ana")
    assert result.exit_code == 0, result.output
    said = next(line for line in result.output.splitlines() if line.startswith("Stopping rule: "))
    assert f"{ready.screened} of 120 records screened" in said
    assert said.endswith("screening may stop (litreview screen stop --reviewer NAME)")


def test_a_failed_retraining_is_said_and_the_screener_goes_on_in_the_order_held(
        library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    truth = _library_from_labelled(library)
    random_order = sc.screening_order(library, "ana", "ta", "random")
    titles = {i: library.get(i).title or "" for i in truth}
    library.close()

    def broken(db_path: Path, reviewer: str, stage: str = "ta") -> rk.PriorityOrder:
        raise ValueError("the model broke")  # not a RankingError: any failure of the background work

    monkeypatch.setattr(rk, "priority_order_with_state", broken)
    monkeypatch.setattr("litreview.cli.screen.RANKER_PROCESS", False)
    presses: list[str] = []

    def getchar(*_: Any, **__: Any) -> str:
        for thread in threading.enumerate():
            if thread.name == "litreview-ranking":
                thread.join(20)
        presses.append("s")
        return "s" if len(presses) < 3 else "q"

    monkeypatch.setattr("click.getchar", getchar)
    result = run("screen", "--order", "priority", "--reviewer", "ana")
    assert result.exit_code == 0, result.output
    assert "(priority order not updated: the model broke)" in result.output
    shown = [line.strip() for line in result.output.splitlines() if line.strip() in titles.values()]
    assert shown == [titles[i] for i in random_order[:3]]


def test_the_web_servers_worker_process_serves_threads_one_at_a_time_and_is_replaced_when_it_dies() -> None:
    worker = rk.WorkerProcess()
    try:
        results: dict[int, Any] = {}

        def ask(n: int) -> None:
            results[n] = worker.run(functools.partial(sum, range(n)))

        threads = [threading.Thread(target=ask, args=(n,)) for n in (10, 100, 1000)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert results == {10: 45, 100: 4950, 1000: 499500}  # each thread its own answer
        with pytest.raises(RankingError, match="ended unexpectedly"):
            worker.run(functools.partial(os._exit, 3))
        assert worker.run(functools.partial(sum, range(4))) == 6  # a new process took over
    finally:
        worker.close()
