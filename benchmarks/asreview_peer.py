"""Run ASReview's default model (`asreview simulate`, ELAS u4) on every labelled screening set.

The peer for bench_ranking.py. ASReview lives in its own venv (it pins its own scikit-learn):

    python3 -m venv /work/asreview-venv && /work/asreview-venv/bin/pip install asreview
    python benchmarks/asreview_peer.py [--asreview /work/asreview-venv/bin/asreview] [--seeds 5]

For each set and seed it runs `asreview simulate SET.csv --n-prior-included 1 --n-prior-excluded 1
--prior-seed S --seed S` (which stops once the last include is found), reads the order in which the
records were labelled from the project's results.db, and appends one row to
benchmarks/out/asreview_runs.csv: set, seed, n, asreview version, and the labels in screening order
as a string of 0/1, and the data set rows (from 0) in that order. bench_ranking.py scores those
orders with the same functions it uses for our model, so both are measured alike
(asreview-insights counts WSS differently). Resumable: runs already in the file are skipped.
"""

from __future__ import annotations

import argparse
import csv
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCREENING = ROOT.parent / "shared" / "data" / "screening"
OUT = ROOT / "benchmarks" / "out" / "asreview_runs.csv"
FIELDS = ["set", "seed", "n", "asreview", "labels", "rows"]


def labelled_sets(folder: Path) -> list[Path]:
    """Every CSV under the folder that carries a label_included column."""
    found = []
    for path in sorted(folder.rglob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle), [])
        if "label_included" in header:
            found.append(path)
    return found


def done_runs() -> set[tuple[str, int]]:
    if not OUT.exists():
        return set()
    with OUT.open(newline="") as handle:
        return {(row["set"], int(row["seed"])) for row in csv.DictReader(handle)}


def labels_in_order(project: Path) -> tuple[str, str]:
    """The labels of the records in the order ASReview showed them (priors first), and their data
    set rows (0-based) separated by spaces."""
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(project) as archive:
            archive.extract("results.db", tmp)
        con = sqlite3.connect(Path(tmp) / "results.db")
        rows = con.execute("SELECT r.label, d.dataset_row FROM results r JOIN record d"
                           " ON d.record_id = r.record_id ORDER BY r.rowid").fetchall()
        con.close()
    return "".join(str(int(label)) for label, _ in rows), " ".join(str(row) for _, row in rows)


def run_one(asreview: str, path: Path, seed: int) -> tuple[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "sim.asreview"
        subprocess.run(
            [asreview, "simulate", str(path), "--n-prior-included", "1", "--n-prior-excluded", "1",
             "--prior-seed", str(seed), "--seed", str(seed), "-o", str(project)],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        return labels_in_order(project)


def set_name(path: Path) -> str:
    return path.stem if path.parent == SCREENING else f"{path.parent.name}/{path.stem}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--asreview", default="/work/asreview-venv/bin/asreview")
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    version = subprocess.run([args.asreview, "--version"], capture_output=True, text=True).stdout.split()[-1]
    done = done_runs()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    new_file = not OUT.exists()
    with OUT.open("a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        if new_file:
            writer.writeheader()
        for path in labelled_sets(SCREENING):
            with path.open(newline="", encoding="utf-8") as data:
                n = sum(1 for _ in csv.DictReader(data))
            for seed in range(1, args.seeds + 1):
                name = set_name(path)
                if (name, seed) in done:
                    continue
                labels, rows = run_one(args.asreview, path, seed)
                writer.writerow({"set": name, "seed": seed, "n": n, "asreview": version, "labels": labels,
                                 "rows": rows})
                handle.flush()
                print(f"{name} seed {seed}: {len(labels)} screened", file=sys.stderr)


if __name__ == "__main__":
    main()
