"""Streaming parser for PubMed XML (efetch output, MEDLINE/baseline files) into Records.

lxml.iterparse with element clearing keeps memory flat in the number of records.
Unknown elements are ignored, so a new year's DTD does not break parsing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from litreview.records import Author, Record, normalise

ARTICLE_TAGS = ("PubmedArticle", "PubmedBookArticle")


def parse_pubmed_xml(source: str | Path | BinaryIO) -> Iterator[Record]:
    """Yield one Record per PubmedArticle/PubmedBookArticle in `source`."""
    context = etree.iterparse(
        source if not isinstance(source, Path) else str(source),
        events=("end",), tag=ARTICLE_TAGS, recover=False, resolve_entities=False,
        no_network=True, huge_tree=True,
    )
    for _, element in context:
        yield normalise(_article(element))
        element.clear()
        parent = element.getparent()
        while parent is not None and element.getprevious() is not None:
            del parent[0]


def _text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    return "".join(element.itertext())


def _article(element: etree._Element) -> Record:
    pmid = element.findtext(".//PMID")
    title = _text(element.find(".//ArticleTitle")) or _text(element.find(".//BookTitle")) or ""
    record = Record(title=title, pmid=pmid, source_db="PubMed", source_key=pmid)
    record.journal = element.findtext(".//Journal/Title")
    record.journal_abbrev = element.findtext(".//Journal/ISOAbbreviation")
    record.volume = element.findtext(".//JournalIssue/Volume")
    record.issue = element.findtext(".//JournalIssue/Issue")
    record.pages = element.findtext(".//Pagination/MedlinePgn")
    year = element.findtext(".//JournalIssue/PubDate/Year")
    record.year = int(year) if year and year.isdigit() else None
    record.doi = element.findtext(".//ArticleIdList/ArticleId[@IdType='doi']")
    record.abstract = " ".join(_text(a) or "" for a in element.iterfind(".//Abstract/AbstractText"))
    for author in element.iterfind(".//AuthorList/Author"):
        record.authors.append(
            Author(
                family=author.findtext("LastName"),
                given=author.findtext("ForeName"),
                initials=author.findtext("Initials"),
                collective=author.findtext("CollectiveName"),
            )
        )
    if element.tag == "PubmedBookArticle":
        record.kind = "book"
    return record
