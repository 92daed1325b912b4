"""Parse+store throughput and peak memory for PubMed XML, beside Bio.Entrez.read.

Replicates the shared PubMed XML records (../shared/data/pubmed_xml) to N records with unique
PMIDs, then in a fresh subprocess each: our streaming parser + Library.add_records in batches of
500 (one transaction each), and Bio.Entrez.read on the same bytes. Prints records/s and peak RSS.

    python benchmarks/bench_parse_store.py [--sizes 10000 50000] [--entrez-records 5000]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "pubmed_xml"
ARTICLE = re.compile(rb"<PubmedArticle>.*?</PubmedArticle>", re.S)
PMID = re.compile(rb'(<MedlineCitation[^>]*>\s*<PMID Version="\d+">)(\d+)(</PMID>)')
HEAD = (b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
        b'1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
        b"<PubmedArticleSet>\n")


def shared_articles(recent_dtd_only: bool = False) -> list[bytes]:
    """Real records; Bio.Entrez.read validates against the DOCTYPE, so its corpus keeps only
    records from files written with a 2019+ DTD (the one our corpus header names)."""
    articles = []
    for path in sorted(SHARED.rglob("*.xml")):
        data = path.read_bytes()
        recent = re.search(rb"pubmed_(19|2\d)\d{4}\.dtd", data[:600]) is not None
        if b"<PubmedArticleSet" in data[:4000] and (recent or not recent_dtd_only):
            articles.extend(ARTICLE.findall(data))
    return articles


def write_corpus(path: Path, n: int, articles: list[bytes]) -> None:
    with path.open("wb") as out:
        out.write(HEAD)
        for i in range(n):
            article = articles[i % len(articles)]
            out.write(PMID.sub(lambda m, i=i: m.group(1) + str(50_000_000 + i).encode() + m.group(3),
                               article, count=1))
            out.write(b"\n")
        out.write(b"</PubmedArticleSet>\n")


def measure_ours(xml: str, db: str) -> dict[str, float]:
    import resource

    sys.path.insert(0, str(ROOT))
    from litreview.pubmed_xml import parse_pubmed_xml
    from litreview.store import Library

    library = Library(db)
    run = library.start_run("import", "PubMed", file=xml)
    start = time.perf_counter()
    batch, stored = [], 0
    for record in parse_pubmed_xml(xml):
        batch.append(record)
        if len(batch) == 500:
            stored += library.add_records(batch, run).added
            batch = []
    stored += library.add_records(batch, run).added
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"records": stored, "seconds": seconds, "peak_mb": peak}


def measure_entrez(xml: str) -> dict[str, float]:
    import resource

    from Bio import Entrez

    start = time.perf_counter()
    with open(xml, "rb") as handle:
        parsed = Entrez.read(handle, validate=False)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"records": len(parsed["PubmedArticle"]), "seconds": seconds, "peak_mb": peak}


def in_subprocess(kind: str, *args: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--measure", kind, *args],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--entrez-records", type=int, default=5_000)
    parser.add_argument("--measure", nargs="+")
    args = parser.parse_args()
    if args.measure:
        kind, *rest = args.measure
        result = measure_ours(*rest) if kind == "ours" else measure_entrez(*rest)
        print(json.dumps(result))
        return
    articles = shared_articles()
    print(f"template: {len(articles)} real PubmedArticle records from {SHARED}")
    print(f"{'what':<38} {'records':>8} {'seconds':>8} {'rec/s':>8} {'peak MB':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            xml = Path(tmp) / f"corpus_{n}.xml"
            write_corpus(xml, n, articles)
            r = in_subprocess("ours", str(xml), str(Path(tmp) / f"lib_{n}.db"))
            print(f"{'litreview parse+store':<38} {r['records']:>8} {r['seconds']:>8.2f}"
                  f" {r['records'] / r['seconds']:>8.0f} {r['peak_mb']:>8.0f}")
        recent = shared_articles(recent_dtd_only=True)
        xml = Path(tmp) / "entrez.xml"
        write_corpus(xml, args.entrez_records, recent)
        print(f"same {args.entrez_records} records ({len(recent)} templates from 2019+ DTD files):")
        r = in_subprocess("ours", str(xml), str(Path(tmp) / "lib_entrez.db"))
        print(f"{'litreview parse+store':<38} {r['records']:>8} {r['seconds']:>8.2f}"
              f" {r['records'] / r['seconds']:>8.0f} {r['peak_mb']:>8.0f}")
        r = in_subprocess("entrez", str(xml))
        print(f"{'Bio.Entrez.read (parse only)':<38} {r['records']:>8} {r['seconds']:>8.2f}"
              f" {r['records'] / r['seconds']:>8.0f} {r['peak_mb']:>8.0f}")


if __name__ == "__main__":
    main()
