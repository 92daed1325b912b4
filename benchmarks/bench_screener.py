"""Time to the next record in the screener on a 50,000-record library (target under 50 ms).

Builds a library of N records (real PubMed records repeated with new PMIDs), then measures what
the screener does between two key presses: store the decision, fetch and render the next record
(with the study's tags and the reviewer's notes, read across its merged copies; a decision
checks the study's state at both stages). Also the one-off start-up (ordering).

    python benchmarks/bench_screener.py [--n 50000] [--presses 200]
"""

from __future__ import annotations

import argparse
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
from litreview.selection import kept_record  # noqa: E402
from litreview.store import Library  # noqa: E402
from litreview.store import screening as screening_store  # noqa: E402


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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        library = build(Path(tmp) / "library.db", args.n)
        ids = [r[0] for r in library.db.execute("SELECT id FROM records ORDER BY id")]
        with library.transaction():
            for record_id in ids[: args.n // 2]:  # another reviewer has screened half the library
                screening_store.insert_decision(library, record_id, "ta", "ben", "exclude", None)
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
            record = kept_record(library, todo[position + 1])  # as the screeners read it
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


if __name__ == "__main__":
    main()
