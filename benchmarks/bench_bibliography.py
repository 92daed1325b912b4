"""1,000 references in Vancouver, AMA and APA: seconds each (target under 3 s), beside pandoc's
citeproc on the same CSL-JSON and the same CSL style; then the references where the two disagree.

The references are real PubMed records (../shared/data/pubmed_xml) repeated to 1,000. pandoc is
the peer: give its path with --pandoc, or install pypandoc_binary (in this venv or a separate
one, e.g. /work/peer-venv-pandoc, found by itself) - without it only litreview is measured.
The disagreements are listed for the reference set (tests/data/reference_set, 65 records whose
expected references were checked against the style manuals) and the shared PubMed records.

    python benchmarks/bench_bibliography.py [--n 1000] [--pandoc PATH] [--show 20]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from litreview.bibliography import format_references  # noqa: E402
from litreview.importing import read_file  # noqa: E402
from litreview.pubmed.xml import parse_pubmed_xml  # noqa: E402
from litreview.records import Record  # noqa: E402
from tests._pandoc import KINDS, compare, find_pandoc, pandoc_references  # noqa: E402

STYLES = ("vancouver", "ama", "apa")
SHARED = ROOT.parent / "shared" / "data" / "pubmed_xml"


def _shared_records() -> list[Record]:
    records, seen = [], set()
    for path in sorted(SHARED.rglob("*.xml*")):
        if "fnl+medic" in str(path) or path.name.startswith("einfo") or not path.is_file():
            continue
        for record in parse_pubmed_xml(path):
            if record.pmid not in seen:
                seen.add(record.pmid)
                records.append(record)
    return records


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def speed(records: list[Record], pandoc: str | None) -> None:
    print(f"{len(records)} references from real PubMed records; seconds of wall clock (CPU in brackets);"
          f" target under 3 s. Load average before: {os.getloadavg()[0]:.1f}")
    print(f"{'style':<10} {'litreview':>16} {'pandoc':>16}")
    for style in STYLES:
        start, cpu = time.perf_counter(), time.process_time()
        format_references(records, style)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        peer = f"{'-':>16}"
        if pandoc:
            before = _cpu_of_children()
            wall = pandoc_references(pandoc, records, style)[1]
            peer = f"{wall:8.2f} ({_cpu_of_children() - before:5.2f})"
        verdict = "ok" if seconds < 3 else "over the 3 s target"
        print(f"{style:<10} {seconds:8.2f} ({cpu:5.2f}) {peer}  ({verdict})")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


def disagreements(name: str, records: list[Record], pandoc: str, show: int) -> None:
    print(f"\n{name}: {len(records)} records, litreview and pandoc's citeproc on the same CSL-JSON and CSL")
    for style in STYLES:
        kinds, mine, theirs = compare(records, style, pandoc)
        print(f"  {style:<10} {len(kinds['agree']):4} agree; "
              + "; ".join(f"{kind} {len(keys)}" for kind, keys in kinds.items() if kind != "agree"))
        for kind in ("capitalisation", "differ"):
            for key in kinds[kind][:show]:
                print(f"    [{kind}] litreview: {mine[key]}\n    {' ' * len(kind)}    pandoc:    "
                      f"{theirs.get(key)}\n")
    print("  kinds, and whose the difference is:")
    for kind, whose in KINDS.items():
        print(f"    {kind}: {whose}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--pandoc", help="pandoc executable (default: pypandoc_binary's, or PATH; "
                                         "'none': litreview only)")
    parser.add_argument("--show", type=int, default=5, help="disagreements to print per style")
    args = parser.parse_args()
    pandoc = find_pandoc(args.pandoc)
    print(f"pandoc: {pandoc or 'not found (pip install pypandoc_binary): litreview only'}"
          f"; {os.cpu_count()} CPUs")
    base = _shared_records()  # ~500 different records (DTDs of 2008-2025), cycled to --n
    speed([base[i % len(base)] for i in range(args.n)], pandoc)
    if not pandoc:
        return
    data = ROOT / "tests" / "data" / "reference_set"
    reference_set = list(parse_pubmed_xml(data / "pubmed.xml")) + read_file(data / "chapters.ris")[0]
    disagreements("reference set", reference_set, pandoc, args.show)
    disagreements("shared PubMed records", _shared_records(), pandoc, args.show)


if __name__ == "__main__":
    main()
