"""Priority screening against ASReview's default model, and the stopping rule's claim, measured.

For every labelled set in ../shared/data/screening and seeds 1..5 (one prior include and one prior
exclude chosen by the seed), replays screening in priority order (screening/simulation.py, the code
behind `litreview screen simulate`) and reports per set: WSS@95, recall@10% and records screened to
find every include, beside ASReview 3's default model (ELAS u4) on the same sets and seeds, both
scored by the same function (simulation.metrics: WSS@95 with ceil, as shared/tools/
screening_metrics.py). ASReview's orders come from benchmarks/out/asreview_runs.csv, written by
benchmarks/asreview_peer.py (run it first; without it the table shows the team's published
figures for three sets). Then the stopping rule replayed on every run: how often recall at stop
reached the target (the claim: in at least 95% of runs) and the work it saved. Last, the time of
one retrain + rank at 50,000 records.

    python benchmarks/bench_ranking.py [--seeds 5] [--sets NAME,...] [--no-timing | --timing-only]
        [--C 0.11] [--ratio 9.8] [--keywords [--keywords-as-words]]   (variants, to measure a change)
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from litreview.screening import ranking as rk  # noqa: E402
from litreview.screening import simulation as sm  # noqa: E402
from litreview.screening.stopping import DEFAULT_RULE  # noqa: E402

SCREENING = ROOT.parent / "shared" / "data" / "screening"
PEER = ROOT / "benchmarks" / "out" / "asreview_runs.csv"
PUBLISHED = {"Kitchenham_2010": 0.673, "Bannach-Brown_2019": 0.426, "Nagtegaal_2019": 0.732}
"""The issue's ASReview 3.0.8 WSS@95 (5 seeds), measured by the team, for when no peer file exists."""


def labelled_sets(names: set[str] | None) -> list[tuple[str, Path]]:
    found = []
    for path in sorted(SCREENING.rglob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle), [])
        name = path.stem if path.parent == SCREENING else f"{path.parent.name}/{path.stem}"
        if "label_included" in header and (names is None or path.stem in names or name in names):
            found.append((name, path))
    return found


def peer_runs() -> dict[str, list[dict[str, Any]]]:
    """ASReview's runs, scored like ours (its simulation stops at the last include: the rest is
    excludes, in whatever order, which no figure here depends on)."""
    runs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if not PEER.exists():
        return runs
    csv.field_size_limit(sys.maxsize)
    with PEER.open(newline="") as handle:
        for row in csv.DictReader(handle):
            labels = [int(c) for c in row["labels"]]
            labels += [0] * (int(row["n"]) - len(labels))
            runs[row["set"]].append({**sm.metrics(np.asarray(labels)), "asreview": row["asreview"]})
    return runs


def mean(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.fmean(float(r[key]) for r in runs)


def our_runs(path: Path, seeds: int, settings: rk.ModelSettings) -> list[dict[str, Any]]:
    data = sm.read_labelled(path, use_keywords=settings.use_keywords,
                            keywords_as_terms=settings.keywords_as_terms)
    runs = []
    for seed in range(1, seeds + 1):
        started = time.perf_counter()
        result = sm.simulate(data, seed=seed, settings=settings, rule=DEFAULT_RULE)
        figures = sm.metrics(result.labels, result.stop)
        figures["seconds"] = time.perf_counter() - started
        runs.append(figures)
    return runs


Runs = dict[str, list[dict[str, Any]]]


def ranking_table(results: Runs, peer: Runs) -> list[str]:
    lines = [f"{'set':38} {'n':>5} {'incl':>4} | {'WSS@95':>6} {'ASR':>6} {'diff':>6} | "
             f"{'rec@10%':>7} {'ASR':>6} | {'to 100%':>7} {'ASR':>6} | {'s/run':>5}"]
    ours_w, peer_w, worst = [], [], ("", 1.0)
    for name, runs in results.items():
        asr = peer.get(name, [])
        w = mean(runs, "wss@95")
        pw = mean(asr, "wss@95") if asr else PUBLISHED.get(name.split("/")[-1])
        ours_w.append(w)
        if pw is not None:
            peer_w.append(pw)
            worst = min(worst, (name, w - pw), key=lambda x: x[1])
        pw_text = f"{pw:6.3f}" if pw is not None else "     -"
        diff = f"{w - pw:+6.3f}" if pw is not None else "     -"
        rec = f"{mean(asr, 'recall@10%'):6.3f}" if asr else "     -"
        r100 = f"{mean(asr, 'screened_to_100%'):6.0f}" if asr else "     -"
        lines.append(f"{name:38} {runs[0]['n']:5d} {runs[0]['includes']:4d} | {w:6.3f} {pw_text} {diff} | "
                     f"{mean(runs, 'recall@10%'):7.3f} {rec} | {mean(runs, 'screened_to_100%'):7.0f} "
                     f"{r100} | {mean(runs, 'seconds'):5.1f}")
    lines.append(f"mean WSS@95 over {len(ours_w)} sets: ours {statistics.fmean(ours_w):.3f}" +
                 (f", ASReview {statistics.fmean(peer_w):.3f} (over {len(peer_w)} sets)" if peer_w else ""))
    if peer_w and len(peer_w) == len(ours_w):
        met_mean = statistics.fmean(ours_w) >= statistics.fmean(peer_w)
        lines.append(f"target mean >= ASReview: {'met' if met_mean else 'NOT met'}; worst set {worst[0]} "
                     f"{worst[1]:+.3f} (target: no set more than 0.02 below: "
                     f"{'met' if worst[1] >= -0.02 else 'NOT met'})")
    return lines


def stopping_table(results: Runs) -> list[str]:
    lines = [f"stopping rule: {DEFAULT_RULE.describe()}",
             f"{'set':38} {'runs':>4} {'held':>4} {'stopped':>7} {'recall@stop':>11} {'saved':>6} "
             f"{'records':>7} {'min rec':>7}"]
    held = total = stopped = 0
    saved: list[float] = []
    records: list[int] = []
    for name, runs in results.items():
        ok = sum(r["recall_at_stop"] >= float(DEFAULT_RULE.recall) for r in runs)
        early = sum(r["stopped_at"] is not None for r in runs)
        held, total, stopped = held + ok, total + len(runs), stopped + early
        saved += [r["work_saved_at_stop"] for r in runs]
        spared = [r["n"] - (r["stopped_at"] or r["n"]) for r in runs]
        records += spared
        lines.append(f"{name:38} {len(runs):4d} {ok:4d} {early:7d} {mean(runs, 'recall_at_stop'):11.3f} "
                     f"{mean(runs, 'work_saved_at_stop'):6.1%} {statistics.fmean(spared):7.0f} "
                     f"{min(r['recall_at_stop'] for r in runs):7.3f}")
    lines.append(f"recall at stop >= {float(DEFAULT_RULE.recall):.0%} in {held} of {total} runs "
                 f"({held / total:.1%}; claim: >= {float(DEFAULT_RULE.confidence):.0%}): "
                 f"{'met' if held / total >= float(DEFAULT_RULE.confidence) else 'NOT met'}; "
                 f"stopped early in {stopped} runs; work saved at stop: mean {statistics.fmean(saved):.1%}, "
                 f"median {statistics.median(saved):.1%}; records not screened: {sum(records)} of "
                 f"{sum(r['n'] for runs in results.values() for r in runs)} over all runs")
    return lines


def time_retrain(n: int, labelled: int) -> str:
    """One retrain + rank of n records (real titles and abstracts of the shared sets, repeated),
    from cached counts as the screener's background thread does; and the one-off count of all."""
    texts: list[str] = []
    for _, path in labelled_sets(None):
        texts += sm.read_labelled(path).texts
    texts = [f"{texts[i % len(texts)]} r{i // len(texts)}" for i in range(n)]
    started = time.perf_counter()
    counts = rk.count_matrix(texts)
    counted = time.perf_counter() - started
    ids = np.arange(1, n + 1)
    rng = np.random.default_rng(0)
    chosen = rng.choice(n, labelled, replace=False)
    labels = {int(ids[i]): int(k % 10 == 0) for k, i in enumerate(chosen)}
    todo = [int(i) for i in ids if int(i) not in labels]
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        ranked = rk.ranked_ids(counts, ids, labels, todo)
        timings.append(time.perf_counter() - started)
    assert ranked is not None and len(ranked) == len(todo)
    return (f"retrain + rank at {n} records ({labelled} decisions), from the cached counts: median of 3 "
            f"{statistics.median(timings):.2f} s (TF-IDF, fit, score, sort; the screener's whole "
            f"background retraining, which also reads the library and its decisions, is timed by "
            f"benchmarks/bench_screener.py --order priority; no key press waits for either). "
            f"One-off counting of {n} records for the feature cache: {counted:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--sets", help="comma-separated set names (default: all)")
    parser.add_argument("--no-timing", action="store_true")
    parser.add_argument("--timing-only", action="store_true",
                        help="only the retrain + rank time at 50,000 records (no replays)")
    parser.add_argument("--C", type=float, default=rk.DEFAULT_MODEL.C)
    parser.add_argument("--ratio", type=float, default=rk.DEFAULT_MODEL.include_weight_ratio)
    parser.add_argument("--keywords", action="store_true", help="keywords/MeSH as features too")
    parser.add_argument("--keywords-as-words", action="store_true",
                        help="with --keywords: their words, not one token per heading")
    parser.add_argument("--json", type=Path, help="also write every run's figures here")
    args = parser.parse_args()
    settings = rk.ModelSettings(C=args.C, include_weight_ratio=args.ratio, use_keywords=args.keywords,
                                keywords_as_terms=not args.keywords_as_words)
    if args.timing_only:
        print(time_retrain(50_000, 2_000))
        return
    names = set(args.sets.split(",")) if args.sets else None
    peer = peer_runs()
    peer_name = (f"ASReview {next(iter(peer.values()))[0]['asreview']} (asreview simulate, ELAS u4)"
                 if peer else "the published ASReview figures")
    print(f"model: {settings}; {args.seeds} seeds, 1 prior include + 1 prior exclude; peer: {peer_name}")
    results = {}
    for name, path in labelled_sets(names):
        results[name] = our_runs(path, args.seeds, settings)
        print(f"  {name}: WSS@95 {mean(results[name], 'wss@95'):.3f}", file=sys.stderr, flush=True)
    print("\n".join(ranking_table(results, peer)))
    print()
    print("\n".join(stopping_table(results)))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    if not args.no_timing:
        print()
        print(time_retrain(50_000, 2_000))


if __name__ == "__main__":
    main()
