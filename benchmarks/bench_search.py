"""A full `litreview search` against the local E-utilities stand-in: records/s and peak memory.

The stand-in (tests/eutils_server.py) serves N real-shaped PubMed records on 127.0.0.1 and enforces
NCBI's 3 requests/s; the real client (NCBI rate limiting, history server, efetch batches,
streaming parse, one transaction per batch) runs the search through the CLI in a subprocess.

    python benchmarks/bench_search.py [--n 20000]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.eutils_server import Corpus, EutilsServer, StandIn  # noqa: E402

TERM = "extramedullary hematopoiesis"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000)
    args = parser.parse_args()
    corpus = Corpus()
    pmids = [str(30_000_000 + i) for i in range(args.n)]
    for i, pmid in enumerate(pmids):
        corpus.add(pmid, date(1990, 1, 1) + timedelta(days=i // 3))
    corpus.terms[TERM] = pmids
    stand_in = StandIn(corpus, enforce_rate=True)
    server = EutilsServer(stand_in).start()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "LITREVIEW_EUTILS_URL": server.base_url, "NCBI_EMAIL": "bench@example.org",
               "LITREVIEW_DB": str(Path(tmp) / "library.db"), "PYTHONPATH": str(ROOT)}
        env.pop("NCBI_API_KEY", None)
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", "import resource, sys\nfrom litreview.cli import main\n"
             "try:\n    main()\nfinally:\n"
             "    print('peak_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)",
             "search", "--term", TERM],
            env=env, capture_output=True, text=True, cwd=tmp)
        seconds = time.perf_counter() - start
    server.stop()
    peak = int(re.search(r"peak_kb (\d+)", out.stderr).group(1)) / 1024 if "peak_kb" in out.stderr else -1
    print(out.stdout.strip() or out.stderr.strip()[-500:])
    requests = len(stand_in.log)
    print(f"{args.n} records in {seconds:.1f} s = {args.n / seconds:.0f} records/s over {requests} requests "
          f"({requests / seconds:.2f} requests/s, 429 for going too fast: {stand_in.served_429_for_rate}); "
          f"peak RSS {peak:.0f} MB")
    _ = resource


if __name__ == "__main__":
    main()
