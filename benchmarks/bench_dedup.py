"""Dedup accuracy on every labelled set, and speed/memory on 10k, 50k, 100k records.

Accuracy: each ../shared/data/dedup/*/records.csv is imported (the CSV importer), deduplicated,
and scored with ../shared/tools/dedup_score.py; bib-dedupe is run on the same records when it is
installed. Speed: the labelled sets are replicated with realistic perturbations (case, punctuation,
initials, page forms, missing DOI/pages, year +-1 for ahead-of-print) into N records; each size runs
in its own subprocess and reports seconds, records/s and peak RSS (dedup's own process plus the
largest child it forked to share the work across cores), then the seconds to deduplicate 500 new
records against that library, as a scheduled search update does.

    python benchmarks/bench_dedup.py [--sizes 10000 50000 100000] [--no-bibdedupe] [--bib-size 10000]

`--sizes 0` measures accuracy only. colandr_ovid, which has labelled pairs instead of clusters, is
scored pair by pair (colandr_pairs).

bib-dedupe (the peer) runs in its own virtual environment, so that its pins (pandas, numpy, ...)
stay out of ours: `python3 -m venv ../peer-venv && ../peer-venv/bin/pip install bib-dedupe`. The
bench finds its Python in $BIB_DEDUPE_PYTHON, else ../peer-venv, else the running Python if it
can import bib_dedupe, and runs this same script there (`--bibdedupe-one`) on each set.

misq_mixed holds records read from PDFs with nothing but OCR noise (no title, no authors): the
team decided not to write rules for them, so its row marked '+' scores only the records that
carry a title or authors (the truth and both tools' clusters restricted to those records).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SETS = ("sra_haematology", "sra_respiratory", "digital_work", "misq_mixed", "special_cases", "tests_data")
sys.path.insert(0, str(ROOT))


def score(truth: Path, clusters: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, str(SHARED / "tools/dedup_score.py"), str(truth), str(clusters),
                          "--json"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def ours(records_csv: Path, workdir: Path) -> tuple[Path, float, dict]:
    from litreview import dedup
    from litreview.importing import import_file
    from litreview.store import Library

    library = Library(workdir / "library.db")
    import_file(library, records_csv, "csv", skip_invalid=True)
    start = time.perf_counter()
    summary = dedup.run(library)
    seconds = time.perf_counter() - start
    out = workdir / "ours.csv"
    with out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "cluster_id"])
        writer.writerows(dedup.clusters_table(library))
    library.close()
    return out, seconds, {"queued": summary.queued, "queue": queued_pairs(workdir / "library.db")}


def queued_pairs(library_db: Path) -> list[tuple[str, str]]:
    """The review queue's pairs, by the records' ids in records.csv (their source keys)."""
    from litreview import dedup
    from litreview.store import Library

    library = Library(library_db)
    key = {row["id"]: row["source_key"] for row in dedup.store.rows_to_compare(library)}
    pairs = [(key[a], key[b]) for a, b in dedup.store.pairs(library, dedup.Decision.UNCERTAIN)]
    library.close()
    return pairs


def useful_queue(truth: Path, queue: list[tuple[str, str]]) -> str:
    """'queued:duplicates': how many queued pairs the truth calls one publication (issue 22: the
    queue stays small and useful)."""
    with truth.open(newline="") as handle:
        cluster_of = {row["id"]: row["cluster_id"] for row in csv.DictReader(handle)}
    same = sum(1 for a, b in queue if cluster_of.get(a, a) == cluster_of.get(b, b))
    return f"{len(queue)}:{same}"


def peer_python() -> str | None:
    """A Python that can import bib_dedupe: $BIB_DEDUPE_PYTHON, ../peer-venv, or this one."""
    candidates = [os.environ.get("BIB_DEDUPE_PYTHON"), str(ROOT.parent / "peer-venv" / "bin" / "python"),
                  sys.executable]
    for python in candidates:
        if python and Path(python).exists() and subprocess.run(
                [python, "-c", "import bib_dedupe"], capture_output=True).returncode == 0:
            return python
    return None


PEER_PYTHON: str | None = None


def bibdedupe(records_csv: Path, workdir: Path) -> tuple[Path, float]:
    """bib-dedupe on records_csv, run by the peer's Python: its clusters file and its seconds."""
    assert PEER_PYTHON, "main() finds the peer's Python first"
    out = workdir / "bibdedupe.csv"
    done = subprocess.run([PEER_PYTHON, __file__, "--bibdedupe-one", str(records_csv), str(out)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed")
    return out, float(done.stdout.strip().splitlines()[-1])


def bibdedupe_one(records_csv: Path, out: Path) -> None:
    """Run inside the peer's environment: prep, block, match, cluster; print the seconds."""
    import pandas as pd
    from bib_dedupe.bib_dedupe import block, cluster, match, prep

    frame = pd.read_csv(records_csv, dtype=str).fillna("")
    frame = frame.rename(columns={"authors": "author", "journal": "journal", "pages": "pages",
                                  "issue": "number"})
    frame["ENTRYTYPE"] = "article"
    frame["ID"] = frame["id"]
    start = time.perf_counter()
    prepared = prep(frame)
    pairs = block(prepared)
    matched = match(pairs)
    clusters = cluster(matched)
    seconds = time.perf_counter() - start
    cluster_of = {}
    for number, members in enumerate(clusters):
        for member in members:
            cluster_of[member] = f"b{number}"
    with out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "cluster_id"])
        for record_id in frame["ID"]:
            writer.writerow([record_id, cluster_of.get(record_id, record_id)])
    print(seconds)


ADJUSTMENTS = ROOT / "benchmarks" / "truth_adjustments.csv"


def accuracy(with_bibdedupe: bool) -> None:
    """Each set scored against its truth as shipped, then (rows marked *) against the truth with
    the hand-checked changes in truth_adjustments.csv: pairs that issue 6 defines as not
    duplicates (an erratum, a reply, a conference abstract and its article, versions of a Cochrane
    review, sibling trial registrations) and pairs the truth splits though their citations are one
    article. Every change is a row with its reason, for the team to accept or strike."""
    print(f"{'set':<16} {'tool':<11} {'records':>7} {'FP':>4} {'FN':>4} {'sens':>6} {'prec':>6} "
          f"{'queued':>6} {'seconds':>7}")
    for name in SETS:
        folder = SHARED / "data/dedup" / name
        with tempfile.TemporaryDirectory() as tmp:
            adjusted = adjusted_truth(name, folder / "truth.csv", Path(tmp))
            results = []
            out, seconds, extra = ours(folder / "records.csv", Path(tmp))
            results.append(("litreview", out, seconds, extra["queue"]))
            if with_bibdedupe:
                try:
                    out, seconds = bibdedupe(folder / "records.csv", Path(tmp))
                    results.append(("bib-dedupe", out, seconds, "-"))
                except Exception as exc:  # report, do not hide, a peer that fails
                    print(f"{name:<16} bib-dedupe failed: {type(exc).__name__}: {str(exc)[:120]}")
            for truth, mark in ((folder / "truth.csv", ""), (adjusted, "*")):
                for tool, clusters, tool_seconds, queue in results if truth else []:
                    queued = useful_queue(truth, queue) if isinstance(queue, list) else queue
                    _row(name, tool + mark, score(truth, clusters), tool_seconds, queued)
            if name in TITLED_ONLY:
                keep = records_with_title_or_authors(folder / "records.csv")
                truth = restricted(adjusted or folder / "truth.csv", keep, Path(tmp) / "truth_titled.csv")
                for tool, clusters, tool_seconds, queue in results:
                    mine = restricted(clusters, keep, Path(tmp) / f"{tool}_titled.csv")
                    queued = useful_queue(truth, queue) if isinstance(queue, list) else queue
                    _row(name, tool + "*+", score(truth, mine), tool_seconds, queued)
    print("* against the truth with benchmarks/truth_adjustments.csv applied (issue 6's definition)")
    print("+ only the records that carry a title or authors (the team's target for misq_mixed)")
    print("queued N:D: N pairs in litreview's review queue, D of them one publication by that row's truth")


TITLED_ONLY = ("misq_mixed",)


def records_with_title_or_authors(records_csv: Path) -> set[str]:
    with records_csv.open(newline="") as handle:
        return {row["id"] for row in csv.DictReader(handle)
                if (row.get("title") or "").strip() or (row.get("authors") or "").strip()}


def restricted(clusters_csv: Path, keep: set[str], out: Path) -> Path:
    """An id,cluster_id file with only the records in keep."""
    with clusters_csv.open(newline="") as handle:
        rows = [(r["id"], r["cluster_id"]) for r in csv.DictReader(handle) if r["id"] in keep]
    with out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "cluster_id"])
        writer.writerows(rows)
    return out


def adjusted_truth(name: str, truth: Path, workdir: Path) -> Path | None:
    """The set's truth with its rows of truth_adjustments.csv applied in order: the record
    moves into the cluster of `with`, or into a cluster of its own when `with` is empty."""
    with ADJUSTMENTS.open(newline="") as handle:
        changes = [row for row in csv.DictReader(handle) if row["set"] == name]
    if not changes:
        return None
    with truth.open(newline="") as handle:
        cluster_of = {row["id"]: row["cluster_id"] for row in csv.DictReader(handle)}
    for change in changes:
        record, joins = change["id"], change["with"]
        if record not in cluster_of or (joins and joins not in cluster_of):
            raise SystemExit(f"truth_adjustments.csv: {name} has no record {record} or {joins}")
        cluster_of[record] = cluster_of[joins] if joins else f"adjusted:{record}"
    out = workdir / f"{name}_adjusted_truth.csv"
    with out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "cluster_id"])
        writer.writerows(cluster_of.items())
    return out


def colandr_pairs(with_bibdedupe: bool) -> None:
    """colandr_ovid: a real Ovid RIS export (MEDLINE, Embase, CENTRAL, PsycINFO) with no cluster
    truth, only labelled pairs ('FILE.ris#N', the Nth record of the file). Our side imports the
    RIS files as a user would; bib-dedupe gets the same parsed records as a CSV. Pairs that carry
    one label are scored; pairs labelled both ways (colandr's models disagreed) are listed with
    each tool's call. Every disagreement is printed with both records' citations: colandr's labels
    were mapped onto the records by title, and a reader can judge each one."""
    from litreview import dedup
    from litreview.store import Library

    folder = SHARED / "data/dedup/colandr_ovid"
    labels: dict[tuple[str, str], set[bool]] = {}
    with (folder / "pairs.csv").open(newline="") as handle:
        label_rows = list(csv.DictReader(handle))
        for row in label_rows:
            pair = (row["id_a"], row["id_b"]) if row["id_a"] < row["id_b"] else (row["id_b"], row["id_a"])
            labels.setdefault(pair, set()).add(row["label"].startswith("match"))
    with tempfile.TemporaryDirectory() as tmp:
        library = Library(Path(tmp) / "library.db")
        key_at, citation, rows = _import_ovid_files(library, sorted((folder / "raw").glob("*.ris")))
        start = time.perf_counter()
        summary = dedup.run(library)
        seconds = time.perf_counter() - start
        cluster_of_key = dict(dedup.clusters_table(library))
        library.close()
        results = {"litreview": ({p: cluster_of_key[k] for p, k in key_at.items()}, seconds)}
        if with_bibdedupe:
            records_csv = Path(tmp) / "colandr.csv"
            with records_csv.open("w", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)
            out, bib_seconds = bibdedupe(records_csv, Path(tmp))
            with out.open(newline="") as handle:
                clusters = {r["id"]: r["cluster_id"] for r in csv.DictReader(handle)}
            results["bib-dedupe"] = (clusters, bib_seconds)
    consistent = {pair: next(iter(said)) for pair, said in labels.items() if len(said) == 1}
    both = sorted(pair for pair, said in labels.items() if len(said) == 2)
    print(f"\ncolandr_ovid: {len(rows)} records from 3 Ovid RIS files; {len(label_rows)} "
          f"labels on {len(labels)} pairs, {len(both)} of them labelled both match and distinct")
    for tool, (cluster_of, tool_seconds) in results.items():
        said_same = {pair: cluster_of[pair[0]] == cluster_of[pair[1]] for pair in labels}
        wrong = [pair for pair, same in consistent.items() if said_same[pair] != same]
        queued = summary.queued if tool == "litreview" else "-"
        print(f"{tool:<10} agrees on {len(consistent) - len(wrong)}/{len(consistent)} pairs with one label; "
              f"queued {queued}; {tool_seconds:.2f} s")
        for pair in wrong + both:
            label = "both ways" if pair in both else ("match" if consistent[pair] else "distinct")
            print(f"  labelled {label}, {tool} says {'same' if said_same[pair] else 'distinct'}:\n"
                  f"    {citation[pair[0]]}\n    {citation[pair[1]]}")


def _import_ovid_files(library: object, paths: list[Path]
                       ) -> tuple[dict[str, str], dict[str, str], list[dict[str, object]]]:
    """Import each file; return position -> source key, position -> a one-line citation, and
    the parsed records as rows of the shared CSV columns (for bib-dedupe)."""
    from litreview.importers import ris
    from litreview.importing import import_file

    key_at: dict[str, str] = {}
    citation: dict[str, str] = {}
    rows: list[dict[str, object]] = []
    for path in paths:
        for number, item in enumerate(ris.read(path, None), start=1):
            if isinstance(item, Exception):
                continue
            position = f"{path.name}#{number}"
            key_at[position] = item.source_key or ""
            authors = "; ".join(a.short() for a in item.authors)
            citation[position] = (f"{item.source_db}: {authors[:40]} ({item.year}) "
                                  f"{item.title[:70].rstrip('.')}. "
                                  f"{item.journal} {item.volume}({item.issue or ''}):{item.pages}")
            rows.append({"id": position, "title": item.title, "authors": authors, "year": item.year or "",
                         "journal": item.journal or "", "volume": item.volume or "",
                         "issue": item.issue or "", "pages": item.pages or "", "doi": item.doi or "",
                         "pmid": item.pmid or "", "abstract": item.abstract or "",
                         "source_db": item.source_db or ""})
        import_file(library, path, "ris", skip_invalid=True)  # type: ignore[arg-type]
    return key_at, citation, rows


def _row(name: str, tool: str, s: dict, seconds: float, queued: object) -> None:
    print(f"{name:<16} {tool:<11} {s['records']:>7} {s['fp']:>4} {s['fn']:>4} {s['sensitivity']:>6.3f} "
          f"{s['precision']:>6.3f} {queued!s:>6} {seconds:>7.2f}")


def perturb(row: dict[str, str], rng: random.Random) -> dict[str, str]:
    """One more database's version of a record."""
    row = dict(row)
    choice = rng.random()
    if choice < 0.2:
        row["title"] = row["title"].upper()
    elif choice < 0.4:
        row["title"] = re.sub(r"[:\-]", " ", row["title"]) + "."
    if rng.random() < 0.3:
        row["authors"] = "; ".join(re.sub(r",\s*(\w)\w*.*", r" \1", a) for a in row["authors"].split("; "))
    if rng.random() < 0.3:
        row["doi"] = ""
    if rng.random() < 0.2 and re.match(r"^\d+-\d+$", row["pages"] or ""):
        start, end = row["pages"].split("-")
        common = len(start) - len(end) if len(end) < len(start) else 0
        row["pages"] = f"{start}-{end[common:]}" if common else row["pages"]
    if rng.random() < 0.1:
        row["pages"] = ""
    return row


def replicate(n: int, path: Path) -> None:
    """N records: the labelled sets, each copy shifted to a new 'universe' (titles and ids made
    distinct per copy) with perturbed duplicates added inside each copy."""
    rng = random.Random(7)
    base = []
    for name in SETS[:4]:
        with (SHARED / "data/dedup" / name / "records.csv").open(newline="") as handle:
            base.extend(dict(row, id=f"{name}:{row['id']}") for row in csv.DictReader(handle))
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(base[0]))
        writer.writeheader()
        written = copy = 0
        while written < n:
            for row in base:
                if written >= n:
                    break
                # A leading "Study N:", a ".N" DOI suffix and another volume make each copy's
                # records different publications to any reader (a trailing " 1" was read as a
                # footnote marker; a copy in the same volume and pages is the same article).
                prefix = f"Study {copy}: "
                suffix = f".{copy}" if copy else ""
                out = dict(row, id=f"{row['id']}_{copy}",
                           title=(prefix + row["title"]) if row["title"] else "",
                           doi=(row["doi"] + suffix) if row["doi"] else "",
                           volume=_other_volume(row["volume"], copy))
                if copy:
                    out = perturb(out, rng)
                writer.writerow(out)
                written += 1
            copy += 1


def _other_volume(volume: str, copy: int) -> str:
    """Copy N's articles sit in another volume: a copy keeps each record's journal, pages, year
    and authors, which on their own (rightly) identify an article whatever its title says."""
    if not copy or not volume:
        return volume
    return str(int(volume) + 1000 * copy) if volume.isdigit() else f"{volume} {copy}"


def speed_one(path: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        from litreview import dedup
        from litreview.importing import import_file
        from litreview.store import Library

        library = Library(Path(tmp) / "library.db")
        import_file(library, Path(path), "csv", skip_invalid=True)
        start, cpu_start = time.perf_counter(), cpu_seconds()
        summary = dedup.run(library)
        seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu_start
        # dedup shares its CPU work with forked children: their peak is added to ours (pages
        # they share with us copy-on-write are counted twice, so this is an upper bound)
        peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
        update = Path(tmp) / "update.csv"
        write_update(Path(path), update, UPDATE_SIZE)
        import_file(library, update, "csv", skip_invalid=True)
        start = time.perf_counter()
        dedup.run(library)
        update_seconds = time.perf_counter() - start
        print(json.dumps({"records": summary.records, "seconds": seconds, "cpu": cpu, "peak_mb": peak,
                          "pairs": summary.pairs_scored, "merged": summary.merged,
                          "update_seconds": update_seconds}))


def cpu_seconds() -> float:
    """CPU seconds of this process and of the children it has waited for (dedup's forked
    workers): on a machine shared with other work, a steadier figure than the wall clock."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


UPDATE_SIZE = 500


def write_update(source: Path, out: Path, n: int) -> None:
    """n new records for a library built from source: another database's versions of records
    spread through it, as a weekly search update brings in."""
    rng = random.Random(11)
    with source.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    with out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for number, row in enumerate(rng.sample(rows, n)):
            writer.writerow(dict(perturb(row, rng), id=f"update_{number}"))


def speed(sizes: list[int], bib_size: int | None) -> None:
    print(f"\n{'records':>8} {'pairs scored':>12} {'merged':>7} {'seconds':>8} {'CPU s':>6} {'rec/s':>8} "
          f"{'peak MB':>8} {f'+{UPDATE_SIZE} new, s':>12}   (load average {os.getloadavg()[0]:.1f})")
    with tempfile.TemporaryDirectory() as tmp:
        ours_seconds = {}
        for n in sorted(set(sizes + ([bib_size] if bib_size else []))):
            path = Path(tmp) / f"records_{n}.csv"
            replicate(n, path)
            out = subprocess.run([sys.executable, __file__, "--speed-one", str(path)],
                                 capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            ours_seconds[n] = r["seconds"]
            print(f"{r['records']:>8} {r['pairs']:>12} {r['merged']:>7} {r['seconds']:>8.1f} "
                  f"{r['cpu']:>6.1f} {r['records'] / r['seconds']:>8.0f} {r['peak_mb']:>8.0f} "
                  f"{r['update_seconds']:>12.1f}")
        if bib_size:
            path = Path(tmp) / f"records_{bib_size}.csv"
            _, seconds = bibdedupe(path, Path(tmp))  # its own clock: not its Python's start-up
            print(f"bib-dedupe on the same {bib_size} records: {seconds:.1f} s "
                  f"({bib_size / seconds:.0f} rec/s); litreview {ours_seconds[bib_size]:.1f} s, "
                  f"{seconds / ours_seconds[bib_size]:.0f}x faster")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    parser.add_argument("--no-bibdedupe", action="store_true")
    parser.add_argument("--speed-one")
    parser.add_argument("--bib-size", type=int, default=10_000)
    parser.add_argument("--bibdedupe-one", nargs=2, metavar=("RECORDS", "OUT"))
    args = parser.parse_args()
    if args.speed_one:
        speed_one(args.speed_one)
        return
    if args.bibdedupe_one:
        bibdedupe_one(Path(args.bibdedupe_one[0]), Path(args.bibdedupe_one[1]))
        return
    global PEER_PYTHON
    PEER_PYTHON = None if args.no_bibdedupe else peer_python()
    with_bib = PEER_PYTHON is not None
    if not with_bib and not args.no_bibdedupe:
        print("bib-dedupe not found: python3 -m venv ../peer-venv && ../peer-venv/bin/pip install "
              "bib-dedupe (or set BIB_DEDUPE_PYTHON); comparing litreview alone")
    elif with_bib:
        print(f"bib-dedupe run by {PEER_PYTHON}")
    accuracy(with_bib)
    colandr_pairs(with_bib)
    if args.sizes != [0]:
        speed(args.sizes, args.bib_size if with_bib else None)


if __name__ == "__main__":
    main()
