"""Time to the next record in the screener on a 50,000-record library (target under 50 ms).

Builds a library of N records (real PubMed records repeated with new PMIDs), then measures what
the screener does between two key presses: store the decision, fetch and render the next record
(with the study's tags and the reviewer's notes, read across its merged copies; a decision
checks the study's state at both stages). Also the one-off start-up (ordering).

With --order priority, as `litreview screen --order priority` runs: the model retrains in a
background thread every 5 decisions (ranking.BackgroundRanker, as the terminal screener) while key
presses come at --pace seconds apart; each press is timed from the decision to the next record
rendered, including taking over a new order when one is ready. Reports the presses timed while a
retraining was running, and the retrainings' own durations.

    python benchmarks/bench_screener.py [--n 50000] [--presses 200]
    python benchmarks/bench_screener.py --order priority [--presses 100] [--pace 0.2]
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from litreview.pubmed.xml import parse_pubmed_xml  # noqa: E402
from litreview.screening import decisions as sc  # noqa: E402
from litreview.screening.screener import render  # noqa: E402
from litreview.store import Library  # noqa: E402


def build(path: Path, n: int) -> Library:
    source = ROOT.parent / "shared/data/pubmed_xml/sk8erjs69+sr-project/pubmed_result.xml"
    base = list(parse_pubmed_xml(source))
    library = Library(path)
    run = library.start_run("search", "PubMed")
    batch = []
    for i in range(n):
        pmid = str(60_000_000 + i)
        batch.append(replace(base[i % len(base)], pmid=pmid, source_key=pmid))
        if len(batch) == 5000:
            library.add_records(batch, run)
            batch = []
    library.add_records(batch, run)
    return library


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--order", choices=["random", "priority"], default="random")
    parser.add_argument("--pace", type=float, default=0.2, help="seconds between presses (priority)")
    args = parser.parse_args()
    if args.order == "priority":
        priority(args.n, args.presses, args.pace)
        return
    with tempfile.TemporaryDirectory() as tmp:
        library = build(Path(tmp) / "library.db", args.n)
        ids = [r[0] for r in library.db.execute("SELECT id FROM records ORDER BY id")]
        with library.transaction():
            for record_id in ids[: args.n // 2]:  # another reviewer has screened half the library
                sc.store.insert_decision(library, record_id, "ta", "ben", "exclude", None)
            library.db.conn.executemany(  # and one record in ten is a merged duplicate
                "UPDATE records SET canonical_id = ? WHERE id = ?",
                [(ids[i - 1], ids[i]) for i in range(1, len(ids), 10)])
        start = time.perf_counter()
        todo = sc.screening_order(library, "ana", "ta")
        startup = time.perf_counter() - start
        times = []
        for position in range(args.presses):
            start = time.perf_counter()
            sc.decide(library, todo[position], "include", "ta", "ana")
            record = library.get(todo[position + 1])
            tags = sc.tags(library, record.id or 0)
            notes = [text for who, text in sc.notes(library, record.id or 0) if who == "ana"]
            header = f"[{position + 2} of {len(todo)}] tags: {', '.join(tags)}"
            render(record, ["thalass"], ["mice"], header, [], notes=notes)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        print(f"library of {args.n} records ({args.n // 2} decisions by another reviewer, "
              f"{len(ids) // 10} merged duplicates); start-up (order {len(todo)} records): "
              f"{startup * 1000:.0f} ms")
        median, p95 = statistics.median(times), times[int(len(times) * 0.95)]
        print(f"key press -> next record shown, {args.presses} presses: median {median:.1f} ms,"
              f" 95th percentile {p95:.1f} ms, max {times[-1]:.1f} ms (target < 50 ms)")


def priority(n: int, presses: int, pace: float) -> None:
    from litreview.cli.screen import RANKER_PROCESS, RETRAIN_EVERY
    from litreview.screening import ranking

    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "library.db"
        library = build(db_path, n)
        ids = [r[0] for r in library.db.execute("SELECT id FROM records ORDER BY id")]
        with library.transaction():  # ana has screened 1,000 records, one in ten an include
            for k, record_id in enumerate(ids[:1000]):
                sc.store.insert_decision(library, record_id, "ta", "ana", "include" if k % 10 == 0 else
                                         "exclude", None)
        start = time.perf_counter()
        ranking.priority_order(library, "ana", "ta")  # the one-off count of every record, cached
        first = time.perf_counter() - start
        retrains: list[float] = []
        compute = functools.partial(ranking.priority_order_with_state, db_path, "ana", "ta")
        ranker = ranking.BackgroundRanker(compute, every=RETRAIN_EVERY, process=RANKER_PROCESS)
        todo = sc.screening_order(library, "ana", "ta", "random")
        ranker.start()
        begun = time.perf_counter()
        during: list[float] = []
        idle: list[float] = []
        took: list[float] = []
        for position in range(1, presses + 1):
            time.sleep(pace)
            training = ranker.busy
            started = time.perf_counter()
            sc.decide(library, todo[position - 1], "exclude", "ta", "ana")
            idle_before = not ranker.busy
            ranker.decided()  # as the terminal screener: every RETRAIN_EVERY decisions, unless busy
            if idle_before and ranker.busy:
                begun = time.perf_counter()
            new = ranker.poll()  # the screener's loop takes a finished order over before showing
            if new is not None:
                retrains.append(time.perf_counter() - begun)  # an upper bound: seen at this press
                shown = set(todo[:position])
                todo = todo[:position] + [i for i in new.ids if i not in shown]
            record = library.get(todo[position])
            render(record, ["thalass"], ["mice"], f"[{position + 1} of {len(todo)}]", [])
            elapsed = (time.perf_counter() - started) * 1000
            (took if new is not None else during if training else idle).append(elapsed)
        ranker.close()
        library.close()
        where = "a worker process" if RANKER_PROCESS else "a thread"
        print(f"library of {n} records, 1000 decisions; first ranking (counting every record for the "
              f"feature cache, one-off): {first:.1f} s; retraining in {where}, every {RETRAIN_EVERY} "
              f"decisions, presses {pace} s apart")
        if retrains:
            print(f"retrain + rank in the background, {len(retrains)} runs (timed to the press that took "
                  f"the order over): median {statistics.median(retrains):.2f} s, max {max(retrains):.2f} s")
        for name, times in (("while a retraining ran", during), ("with no retraining running", idle),
                            ("taking a new order over", took)):
            if times:
                times.sort()
                print(f"key press -> next record shown {name}, {len(times)} presses: median "
                      f"{statistics.median(times):.1f} ms, 95th percentile "
                      f"{times[int(len(times) * 0.95)]:.1f} ms, max {times[-1]:.1f} ms (target < 50 ms)")


if __name__ == "__main__":
    main()
