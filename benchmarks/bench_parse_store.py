"""Benchmark: parse + store of 50,000 PubMed records, and Bio.Entrez.read beside it.

    python benchmarks/bench_parse_store.py [--records 50000] [--small 10000] [--entrez 5000]

The records of ../shared/data/pubmed_xml (every PubmedArticle/PubmedBookArticle there, ~500)
are replicated with fresh, unique PMIDs into one efetch-like file (2025 DTD) in a temporary
directory. Each measurement runs in its own subprocess so its peak RSS (ru_maxrss) is its own:

- parse+store N: `litreview import` of a file of N records (import_file: checksum, parse,
  store, run log, one transaction), as the CLI runs it: a file this big is read by one worker
  process per core (up to 4), a chunk of articles each, while this process stores;
  at --small and at --records records to show that memory stays flat as records grow.
- parse+store in one process: parse_pubmed_xml -> Library.add_records in batches of --batch
  (no other process or thread), at --records.
- parse only, at --records; and bare lxml iterparse + clearing (no fields): the floor.
- Bio.Entrez.read on the first --entrez records (a smaller slice: it holds the whole tree),
  beside parse+store of the same slice.

Prints a table: records, seconds, records/s, peak RSS of the measuring process, peak RSS
above its baseline after imports, and the peak RSS of the largest reading child, if any.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_PUBMED = ROOT.parent / "shared" / "data" / "pubmed_xml"
HEADER = (
    b'<?xml version="1.0" ?>\n'
    b'<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    b'"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n<PubmedArticleSet>\n'
)
FOOTER = b"</PubmedArticleSet>\n"
ARTICLE = re.compile(rb"<(PubmedArticle|PubmedBookArticle)>.*?</\1>", re.S)
FIRST_PMID = re.compile(rb"<PMID( [^>]*)?>\d+</PMID>")


def _rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


MODERN_DTD = re.compile(rb"pubmed_(1[89]|2\d)\d{4}\.dtd")


def shared_articles(modern_only: bool = False) -> list[bytes]:
    """Every article element in the shared PubMed XML, as bytes.

    modern_only: only files written with a 2018+ DTD (what efetch returns today); Bio.Entrez
    cannot read older records (Article/Affiliation, DateCreated) under today's DTD.
    """
    articles: list[bytes] = []
    for path in sorted(SHARED_PUBMED.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        if modern_only and not MODERN_DTD.search(data[:2000]):
            continue
        if b"<PubmedArticleSet" in data[:2000] or b"<MedlineCitationSet" in data[:2000]:
            articles.extend(m.group(0) for m in ARTICLE.finditer(data))
    return articles


def write_replicated(path: Path, count: int, modern_only: bool = False) -> None:
    """`count` records cycled from the shared set, each with a unique PMID."""
    articles = shared_articles(modern_only)
    with path.open("wb") as out:
        out.write(HEADER)
        for number, article in zip(range(count), itertools.cycle(articles)):
            pmid = b"<PMID Version=\"1\">%d</PMID>" % (40_000_000 + number)
            out.write(FIRST_PMID.sub(pmid, article, count=1))
            out.write(b"\n")
        out.write(FOOTER)


# -- workers (each in its own process) -------------------------------------------------------


def work_parse_store(xml: Path, limit: int, batch: int, db: Path) -> dict[str, float]:
    from litreview.importing import _fewer_collections as fewer_collections
    from litreview.pubmed.xml import parse_pubmed_xml
    from litreview.store import Library

    baseline = _rss_mb()
    start = time.perf_counter()
    stored = 0
    with Library(db) as library, fewer_collections():  # as `litreview import` does
        run_id = library.start_run("import", "PubMed", file=str(xml))
        records = itertools.islice(parse_pubmed_xml(xml), limit)
        while chunk := list(itertools.islice(records, batch)):
            stored += library.add_records(chunk, run_id).added
        library.finish_run(run_id, "complete", count_retrieved=stored, count_new=stored)
        assert library.count() == stored
    return {"records": stored, "seconds": time.perf_counter() - start, "baseline": baseline}


def work_import(xml: Path, db: Path) -> dict[str, float]:
    """`litreview import FILE` as the CLI runs it: checksum, parse, store, run log, children."""
    from litreview.importing import import_file
    from litreview.store import Library

    baseline = _rss_mb()
    start = time.perf_counter()
    with Library(db) as library:
        stored = import_file(library, xml, source="PubMed").added
    return {"records": stored, "seconds": time.perf_counter() - start, "baseline": baseline}


def work_parse(xml: Path, limit: int) -> dict[str, float]:
    from litreview.pubmed.xml import parse_pubmed_xml

    baseline = _rss_mb()
    start = time.perf_counter()
    count = sum(1 for _ in itertools.islice(parse_pubmed_xml(xml), limit))
    return {"records": count, "seconds": time.perf_counter() - start, "baseline": baseline}


def work_lxml_floor(xml: Path, limit: int) -> dict[str, float]:
    """lxml iterparse + clearing with no field extraction: the floor for any lxml parser."""
    from lxml import etree

    baseline = _rss_mb()
    start = time.perf_counter()
    count = 0
    for _, element in etree.iterparse(str(xml), events=("end",),
                                      tag=("PubmedArticle", "PubmedBookArticle")):
        count += 1
        element.clear()
        parent = element.getparent()
        while element.getprevious() is not None:
            del parent[0]
        if count == limit:
            break
    return {"records": count, "seconds": time.perf_counter() - start, "baseline": baseline}


def work_entrez(xml: Path) -> dict[str, float]:
    from Bio import Entrez

    baseline = _rss_mb()
    start = time.perf_counter()
    with xml.open("rb") as handle:
        result = Entrez.read(handle, validate=False)  # old records carry pre-2025 tags
    count = len(result["PubmedArticle"]) + len(result["PubmedBookArticle"])
    return {"records": count, "seconds": time.perf_counter() - start, "baseline": baseline}


def worker(argv: list[str]) -> None:
    kind, xml, limit, batch, db = argv[0], Path(argv[1]), int(argv[2]), int(argv[3]), argv[4]
    if kind == "parse_store":
        result = work_parse_store(xml, limit, batch, Path(db))
    elif kind == "parse":
        result = work_parse(xml, limit)
    elif kind == "import":
        result = work_import(xml, Path(db))
    elif kind == "lxml":
        result = work_lxml_floor(xml, limit)
    else:
        result = work_entrez(xml)
    result["peak"] = _rss_mb()
    result["children_peak"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(result))


# -- driver ----------------------------------------------------------------------------------


def measure(kind: str, xml: Path, limit: int, batch: int, db: Path) -> dict[str, float]:
    command = [sys.executable, __file__, "--worker", kind, str(xml), str(limit), str(batch),
               str(db)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{kind} worker failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--entrez", type=int, default=5_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-parse-store-") as tmp:
        work = Path(tmp)
        big, small, entrez_slice = work / "big.xml", work / "small.xml", work / "entrez.xml"
        write_replicated(big, args.records)
        write_replicated(small, args.small)
        write_replicated(entrez_slice, args.entrez, modern_only=True)
        size_mb = big.stat().st_size / 1e6
        print(f"input: {args.records:,} records replicated from {len(shared_articles())} shared"
              f" PubMed records with unique PMIDs ({size_mb:.0f} MB); 1 run each,"
              f" add_records batches of {args.batch}; {_cpu_note()}")
        print(f"Entrez slice: {args.entrez:,} records replicated from the"
              f" {len(shared_articles(True))} records written with 2018+ DTDs")
        rows = [
            ("parse+store (litreview import)", measure("import", small, 0, 0, work / "a.db")),
            ("parse+store (litreview import)", measure("import", big, 0, 0, work / "b.db")),
            ("parse+store in one process", measure("parse_store", big, args.records, args.batch,
                                                   work / "c.db")),
            ("parse only (one process)", measure("parse", big, args.records, 0, work / "d.db")),
            ("lxml iterparse floor (no fields)", measure("lxml", big, args.records, 0, work / "e.db")),
            ("parse+store, Entrez slice", measure("import", entrez_slice, 0, 0, work / "f.db")),
            ("Bio.Entrez.read, Entrez slice", measure("entrez", entrez_slice, 0, 0, work / "g.db")),
        ]
    print()
    print(f"{'measurement':<32} {'records':>8} {'seconds':>8} {'records/s':>10}"
          f" {'peak RSS MB':>12} {'above baseline MB':>18} {'KB/record':>10} {'child peak MB':>14}")
    for name, r in rows:
        above = r["peak"] - r["baseline"]
        rate = r["records"] / r["seconds"]
        child = f"{r['children_peak']:>14.1f}" if r["children_peak"] else f"{'-':>14}"
        print(f"{name:<32} {r['records']:>8,} {r['seconds']:>8.1f} {rate:>10,.0f}"
              f" {r['peak']:>12.1f} {above:>18.1f} {above * 1024 / r['records']:>10.2f} {child}")
    small_row, big_row = rows[0][1], rows[1][1]
    print(f"\nmemory growth from {args.small:,} to {args.records:,} records imported:"
          f" {big_row['peak'] - small_row['peak']:+.1f} MB peak RSS here,"
          f" {big_row['children_peak'] - small_row['children_peak']:+.1f} MB in the largest child")
    entrez = rows[-1][1]
    ours = rows[-2][1]
    print(f"parse+store vs Bio.Entrez.read on the same slice: "
          f"{(ours['records'] / ours['seconds']) / (entrez['records'] / entrez['seconds']):.1f}x"
          f" the records/s")


def _cpu_note() -> str:
    return f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2:])
    else:
        main()
