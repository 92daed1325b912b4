"""What ELink, ECitMatch and PubMed's reference lists say, read into plain data.

No network here: `pubmed.client` sends the requests and hands the answers to these readers.

ELink, asked with one `id=` parameter per record, answers one LinkSet per record, so the links stay
per record. A record with no links has a LinkSet with no LinkSetDb; a PMID that PubMed no longer has
comes back in a LinkSet of its own with an ERROR, or not at all. ECitMatch answers one plain-text line
per citation: the citation as sent, then a PMID, NOT_FOUND, or AMBIGUOUS with the candidates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from lxml import etree

from litreview.errors import ParseError


class LinkName(str, Enum):
    """The three PubMed-to-PubMed link names a citation chase uses."""

    REFERENCES = "pubmed_pubmed_refs"
    CITED_BY = "pubmed_pubmed_citedin"
    SIMILAR = "pubmed_pubmed"


@dataclass(frozen=True)
class Link:
    pmid: str
    score: int | None = None


@dataclass
class LinkAnswer:
    """Links per source PMID; `unknown` are the PMIDs ELink said it does not have."""

    links: dict[str, list[Link]] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)


def read_elink(data: bytes, linkname: LinkName) -> LinkAnswer:
    """Links of one LinkName per source PMID from an eLinkResult document."""
    root = _parse(data, "elink")
    if root.tag != "eLinkResult":
        raise ParseError(f"elink answer is not an eLinkResult document (root <{root.tag}>)", file="elink")
    top_error = root.findtext("ERROR")
    if top_error and root.find("LinkSet") is None:
        raise ParseError(f"elink: PubMed answered an error: {top_error.strip()}", file="elink")
    answer = LinkAnswer()
    for link_set in root.iterfind("LinkSet"):
        sources = [i.strip() for i in link_set.xpath("IdList/Id/text()")]
        if not sources:
            continue
        if link_set.find("ERROR") is not None:
            answer.unknown += sources
            continue
        links = _links_of(link_set, linkname)
        for source in sources:
            answer.links.setdefault(source, []).extend(links)
    return answer


def _links_of(link_set: etree._Element, linkname: LinkName) -> list[Link]:
    links: list[Link] = []
    for link_set_db in link_set.iterfind("LinkSetDb"):
        if (link_set_db.findtext("LinkName") or "").strip() != linkname.value:
            continue
        for link in link_set_db.iterfind("Link"):
            pmid = (link.findtext("Id") or "").strip()
            score = (link.findtext("Score") or "").strip()
            if pmid.isdigit():
                links.append(Link(pmid, int(score) if score.isdigit() else None))
    return links


def read_reference_lists(data: bytes) -> dict[str, list[str]]:
    """PMID -> the PMIDs of its ReferenceList in a PubmedArticleSet (records without one: absent)."""
    root = _parse(data, "efetch")
    lists: dict[str, list[str]] = {}
    for article in root.iterfind("PubmedArticle"):
        pmid = (article.findtext("MedlineCitation/PMID") or "").strip()
        cited = article.xpath(
            "PubmedData/ReferenceList//Reference/ArticleIdList/ArticleId[@IdType='pubmed']/text()")
        if pmid and cited:
            lists[pmid] = list(dict.fromkeys(c.strip() for c in cited if c.strip().isdigit()))
    return lists


@dataclass(frozen=True)
class CitationQuery:
    """One line of an ECitMatch request: journal|year|volume|first page|author|key|."""

    key: str
    journal: str = ""
    year: str = ""
    volume: str = ""
    first_page: str = ""
    author: str = ""

    def line(self) -> str:
        fields = (self.journal, self.year, self.volume, self.first_page, self.author, self.key)
        return "|".join(_citmatch_safe(f) for f in fields) + "|"


def _citmatch_safe(text: str) -> str:
    return re.sub(r"[|\r\n]+", " ", text).strip()


@dataclass(frozen=True)
class CitationMatch:
    pmid: str | None = None
    candidates: tuple[str, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return self.pmid is None and bool(self.candidates)


def read_ecitmatch(text: str) -> dict[str, CitationMatch]:
    """key -> what ECitMatch found for that citation line."""
    found: dict[str, CitationMatch] = {}
    for line in text.splitlines():
        parts = line.strip().split("|")
        if len(parts) < 7:
            continue
        key, answer = parts[5].strip(), "|".join(parts[6:]).strip()
        if answer.isdigit():
            found[key] = CitationMatch(pmid=answer)
        elif answer.upper().startswith("AMBIGUOUS"):
            found[key] = CitationMatch(candidates=tuple(re.findall(r"\d{1,9}", answer)))
        else:
            found[key] = CitationMatch()
    return found


def _parse(data: bytes, what: str) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"{what} answer is not well-formed XML ({exc})", file=what) from None
