"""PubMed XML files (efetch output, MEDLINE/baseline files): the foundation's streaming parser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from litreview.importers import ReadOptions, importer
from litreview.pubmed_xml import parse_pubmed_xml
from litreview.records import Record


def sniff(head: str) -> bool:
    return "<PubmedArticleSet" in head or "<PubmedArticle>" in head or "<PubmedBookArticle>" in head


@importer("pubmed-xml", suffixes=(".xml", ".gz"), sniff=sniff, default_source="PubMed")
def read_pubmed_xml(path: Path, options: ReadOptions) -> Iterator[Record]:
    for number, record in enumerate(parse_pubmed_xml(path), start=1):
        record.source_db = options.source or "PubMed"
        record.extra["location"] = f"record {number}"
        yield record
