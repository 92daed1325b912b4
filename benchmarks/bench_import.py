"""Import throughput for RIS and CSV on 50,000 records, and peak memory.

Replicates shared files (each copy with fresh ids so every record is stored) into a temp
dir, imports each through `import_file` into a fresh library in a subprocess, and prints
records/s and the peak RSS of that process. Run: python benchmarks/bench_import.py [N]
Target: >= 10,000 records/s; memory flat (peak RSS about the same at N/5 and N). Files of 4 MB and
more are read by worker processes, a chunk each (importing.py): the largest worker's peak RSS is
printed beside the importer's.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
RIS_SOURCES = sorted((SHARED / "exports" / "ris").rglob("*.ris"))
CSV_SOURCE = SHARED / "dedup" / "digital_work" / "records.csv"


def ris_records() -> list[str]:
    chunks = []
    for path in RIS_SOURCES:
        text = path.read_text(encoding="utf-8-sig", errors="replace").replace("\r\n", "\n")
        for chunk in re.split(r"(?m)^ER  -.*$", text):
            body = chunk.strip().replace("\ufeff", "")
            if body.startswith("TY  -"):
                lines = [ln for ln in body.split("\n") if not ln.startswith(("AN  -", "ID  -"))]
                chunks.append("\n".join(lines))
    return chunks


def make_ris(path: Path, n: int) -> None:
    chunks = ris_records()
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            out.write(f"{chunks[i % len(chunks)]}\nAN  - bench-{i}\nER  - \n\n")


def make_csv(path: Path, n: int) -> None:
    with open(CSV_SOURCE, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        for i in range(n):
            row = dict(rows[i % len(rows)])
            row["id"] = f"bench-{i}"
            if not (row.get("title") or row.get("authors") or row.get("doi")):
                row["title"] = f"untitled {i}"
            writer.writerow(row)


CHILD = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from litreview.importing import import_file
from litreview.store import Library
lib = Library(Path(sys.argv[3]))
start = time.perf_counter()
result = import_file(lib, Path(sys.argv[2]), skip_invalid=True)
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
reader = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # a big file's largest worker
print(json.dumps({"read": result.read, "added": result.added, "seconds": elapsed,
                  "peak_mb": peak, "reader_mb": reader, "format": result.format}))
"""


def run(path: Path, db: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(path), str(db)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        for kind, make in (("ris", make_ris), ("csv", make_csv)):
            for size in (n // 5, n):
                path = base / f"bench_{size}.{kind}"
                make(path, size)
                stats = run(path, base / f"{kind}_{size}.db")
                rate = stats["read"] / stats["seconds"]
                print(f"{kind:4} {size:>7,} records: {stats['added']:>7,} added in "
                      f"{stats['seconds']:6.2f} s = {rate:>8,.0f} records/s, "
                      f"peak RSS {stats['peak_mb']:.0f} MB"
                      f" (largest worker {stats['reader_mb']:.0f} MB)")


if __name__ == "__main__":
    main()
