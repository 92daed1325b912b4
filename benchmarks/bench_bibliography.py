"""1,000 references in Vancouver, AMA and APA: seconds each (target under 3 s).

The references are real PubMed records (../shared/data/pubmed_xml) repeated to 1,000.

    python benchmarks/bench_bibliography.py [--n 1000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from litreview.bibliography import format_references  # noqa: E402
from litreview.pubmed.xml import parse_pubmed_xml  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    args = parser.parse_args()
    source = ROOT.parent / "shared/data/pubmed_xml/sk8erjs69+sr-project/pubmed_result.xml"
    base = list(parse_pubmed_xml(source))
    records = [base[i % len(base)] for i in range(args.n)]
    print(f"{args.n} references from {len(base)} real PubMed records")
    for style in ("vancouver", "ama", "apa"):
        start = time.perf_counter()
        refs = format_references(records, style)
        seconds = time.perf_counter() - start
        verdict = "ok" if seconds < 3 else "over the 3 s target"
        print(f"{style:<10} {len(refs):>5} references {seconds:6.2f} s  ({verdict})")


if __name__ == "__main__":
    main()
