"""Streaming parser for PubMed XML (efetch output, MEDLINE/baseline files) into Records.

lxml.iterparse with element clearing keeps memory flat in the number of records. Every lookup is
a path from the article element, so unknown or future elements (the DTD changes every year) are
ignored instead of breaking the parse. Paths are explicit (MedlineCitation/PMID, PubmedData/
ArticleIdList) because references and comments/corrections nest PMIDs and DOIs of other articles.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from litreview.errors import ParseError
from litreview.records import (
    AbstractSection,
    Author,
    Correction,
    MeshHeading,
    Record,
    normalise,
)

ARTICLE_TAGS = ("PubmedArticle", "PubmedBookArticle")
MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_YEAR = re.compile(r"\b(1[6-9]\d\d|20\d\d)\b")
_ORCID = re.compile(r"(\d{4}-?\d{4}-?\d{4}-?\d{3}[\dXx])")

Element = etree._Element


def parse_pubmed_xml(source: str | Path | BinaryIO) -> Iterator[Record]:
    """Yield one Record per PubmedArticle/PubmedBookArticle in `source` (path, .gz or binary file).

    Malformed or truncated XML raises ParseError naming the file, line and record number.
    """
    name = str(source) if isinstance(source, (str, Path)) else getattr(source, "name", "<stream>")
    stream = _open(source)
    count = 0
    try:
        context = etree.iterparse(
            stream, events=("end",), tag=ARTICLE_TAGS, resolve_entities=False,
            no_network=True, huge_tree=True, load_dtd=False,
        )
        for _, element in context:
            count += 1
            yield normalise(parse_article(element))
            _release(element)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        raise ParseError(
            f"malformed PubMed XML after {count} complete records ({exc.msg})",
            file=name, line=line, record=count + 1,
        ) from None
    finally:
        if stream is not source:
            stream.close()


def _open(source: str | Path | BinaryIO) -> BinaryIO:
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise ParseError(f"cannot read file ({exc.strerror})", file=str(path)) from None
        if handle.read(2) == b"\x1f\x8b":
            handle.close()
            return gzip.open(path, "rb")  # type: ignore[return-value]
        handle.seek(0)
        return handle
    return source


def _release(element: Element) -> None:
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def text_of(element: Element | None) -> str | None:
    """All text inside an element, inline markup (<i>, <sup>, MathML) reduced to its text.

    The XML parser has already decoded entities, so only whitespace is folded here.
    """
    if element is None:
        return None
    text = element.text if len(element) == 0 else "".join(element.itertext())
    if not text:
        return None
    if "  " in text or "\n" in text or "\t" in text or "\r" in text:
        text = " ".join(text.split())
    else:
        text = text.strip()
    return text or None


def _find(element: Element, path: str) -> str | None:
    return text_of(element.find(path))


def parse_article(element: Element) -> Record:
    """One PubmedArticle or PubmedBookArticle element -> Record."""
    is_book = element.tag == "PubmedBookArticle"
    record = _book_article(element) if is_book else _journal_article(element)
    data = element.find("PubmedData")
    _pubmed_data(data if data is not None else element.find("PubmedBookData"), record)
    record.source_db = "PubMed"
    record.source_key = record.pmid
    return record


def _journal_article(element: Element) -> Record:
    citation = element.find("MedlineCitation")
    if citation is None:
        citation = element
    article = citation.find("Article")
    if article is None:
        article = etree.Element("Article")
    record = Record(title=_find(article, "ArticleTitle") or "", pmid=_find(citation, "PMID"))
    record.vernacular_title = _find(article, "VernacularTitle")
    _journal(article.find("Journal"), citation, record)
    _pagination(article, record)
    record.abstract_sections = _abstract(article.find("Abstract"))
    record.authors = _authors(article.find("AuthorList"))
    record.languages = [t for t in (text_of(e) for e in article.iterfind("Language")) if t]
    record.publication_types = [
        t for t in (text_of(e) for e in article.iterfind("PublicationTypeList/PublicationType")) if t
    ]
    if not record.year:
        _article_date(article, record)
    record.mesh = _mesh(citation.find("MeshHeadingList"))
    record.keywords = [t for t in (text_of(k) for k in citation.iterfind("KeywordList/Keyword")) if t]
    record.corrections = _corrections(citation.find("CommentsCorrectionsList"))
    for eloc in article.iterfind("ELocationID"):
        _elocation(eloc, record)
    pub_model = article.get("PubModel")
    if pub_model:
        record.extra["pub_model"] = pub_model
    _join_abstract(record)
    return record


def _journal(journal: Element | None, citation: Element, record: Record) -> None:
    if journal is not None:
        record.journal = _find(journal, "Title")
        record.journal_abbrev = _find(journal, "ISOAbbreviation")
        for issn in journal.iterfind("ISSN"):
            kind = (issn.get("IssnType") or "Print").lower()
            if kind == "electronic":
                record.issn_electronic = text_of(issn)
            else:
                record.issn_print = text_of(issn)
        issue = journal.find("JournalIssue")
        if issue is not None:
            record.volume = _find(issue, "Volume")
            record.issue = _find(issue, "Issue")
            _pub_date(issue.find("PubDate"), record)
    if not record.journal_abbrev:
        record.journal_abbrev = _find(citation, "MedlineJournalInfo/MedlineTA")
    if not record.journal:
        record.journal = record.journal_abbrev


def _pub_date(pub_date: Element | None, record: Record) -> None:
    """Year/Month/Day, or MedlineDate ('1998 Dec-1999 Jan'), or Season ('Spring')."""
    if pub_date is None:
        return
    year = _find(pub_date, "Year")
    if year and year.isdigit():
        record.year = int(year)
        record.month = _month(_find(pub_date, "Month"))
        day = _find(pub_date, "Day")
        record.day = int(day) if day and day.isdigit() and record.month else None
        season = _find(pub_date, "Season")
        if season:
            record.date_text = f"{year} {season}"
        return
    medline_date = _find(pub_date, "MedlineDate")
    if medline_date:
        record.date_text = medline_date
        found = _YEAR.search(medline_date)
        record.year = int(found.group(1)) if found else None
        words = medline_date.split()
        record.month = _month(words[1]) if len(words) > 1 and found and words[0] == found.group(1) else None


def _month(value: str | None) -> int | None:
    if not value:
        return None
    if value.isdigit():
        number = int(value)
        return number if 1 <= number <= 12 else None
    return MONTHS.get(value[:3].lower())


def _article_date(article: Element, record: Record) -> None:
    """Records with no issue date yet (ahead of print) take their electronic date."""
    for date in article.iterfind("ArticleDate"):
        year = _find(date, "Year")
        if year and year.isdigit():
            record.year = int(year)
            record.month = _month(_find(date, "Month"))
            day = _find(date, "Day")
            record.day = int(day) if day and day.isdigit() else None
            return


def _pagination(article: Element, record: Record) -> None:
    pagination = article.find("Pagination")
    if pagination is None:
        return
    pages = _find(pagination, "MedlinePgn")
    if not pages:
        start, end = _find(pagination, "StartPage"), _find(pagination, "EndPage")
        pages = f"{start}-{end}" if start and end else start
    record.pages = pages


def _elocation(eloc: Element, record: Record) -> None:
    kind, value = (eloc.get("EIdType") or "").lower(), text_of(eloc)
    if not value or eloc.get("ValidYN", "Y") == "N":
        return
    if kind == "doi":
        record.doi = record.doi or value
    elif kind == "pii":
        record.extra.setdefault("pii", value)
        if not record.pages:
            record.article_number = record.article_number or value


def _abstract(abstract: Element | None) -> list[AbstractSection]:
    if abstract is None:
        return []
    sections = []
    for part in abstract.iterfind("AbstractText"):
        text = text_of(part)
        if text:
            sections.append(AbstractSection(text=text, label=part.get("Label"),
                                            category=part.get("NlmCategory")))
    return sections


def _join_abstract(record: Record) -> None:
    record.abstract = "\n".join(
        f"{s.label}: {s.text}" if s.label else s.text for s in record.abstract_sections
    ) or None


def _authors(author_list: Element | None) -> list[Author]:
    if author_list is None:
        return []
    authors = []
    for author in author_list.iterfind("Author"):
        if author.get("ValidYN", "Y") == "N":
            continue
        authors.append(_author(author))
    return authors


def _author(author: Element) -> Author:
    """One pass over the author's children: the hot loop of the parser (7 authors a record)."""
    found: dict[str, str | None] = {}
    affiliations: list[str] = []
    orcid = None
    for child in author:
        tag = child.tag
        if tag == "AffiliationInfo":
            affiliation = text_of(child.find("Affiliation"))
            if affiliation:
                affiliations.append(affiliation)
        elif tag == "Identifier":
            orcid = orcid or _orcid(child)
        elif tag == "Affiliation":
            affiliation = text_of(child)
            if affiliation:
                affiliations.append(affiliation)
        elif isinstance(tag, str):
            found[tag] = text_of(child)
    family, suffix = found.get("LastName"), found.get("Suffix")
    return Author(
        family=f"{family} {suffix}" if family and suffix else family,
        given=found.get("ForeName") or found.get("FirstName"),
        initials=found.get("Initials"),
        collective=found.get("CollectiveName"),
        orcid=orcid,
        affiliations=affiliations,
    )


def _orcid(identifier: Element) -> str | None:
    if (identifier.get("Source") or "").upper() != "ORCID":
        return None
    found = _ORCID.search(text_of(identifier) or "")
    if not found:
        return None
    digits = found.group(1).replace("-", "")
    return "-".join(digits[i : i + 4] for i in range(0, 16, 4))


def _mesh(heading_list: Element | None) -> list[MeshHeading]:
    if heading_list is None:
        return []
    headings = []
    for heading in heading_list.iterfind("MeshHeading"):
        descriptor = heading.find("DescriptorName")
        if descriptor is None:
            continue
        headings.append(MeshHeading(
            descriptor=text_of(descriptor) or "",
            major=descriptor.get("MajorTopicYN") == "Y",
            ui=descriptor.get("UI"),
            qualifiers=[
                {"name": text_of(q), "major": q.get("MajorTopicYN") == "Y", "ui": q.get("UI")}
                for q in heading.iterfind("QualifierName")
            ],
        ))
    return headings


def _corrections(corrections: Element | None) -> list[Correction]:
    if corrections is None:
        return []
    return [
        Correction(type=c.get("RefType") or "", ref=_find(c, "RefSource"), pmid=_find(c, "PMID"))
        for c in corrections.iterfind("CommentsCorrections")
    ]


def _pubmed_data(data: Element | None, record: Record) -> None:
    if data is None:
        return
    for article_id in data.iterfind("ArticleIdList/ArticleId"):
        kind, value = (article_id.get("IdType") or "").lower(), text_of(article_id)
        if kind == "doi" and value:
            record.doi = value
        elif kind == "pmc" and value:
            record.pmcid = value if value.upper().startswith("PMC") else f"PMC{value}"
        elif kind == "bookaccession" and value:
            record.extra["bookaccession"] = value
    status = _find(data, "PublicationStatus")
    if status:
        record.publication_status = status


def _book_article(element: Element) -> Record:
    document = element.find("BookDocument")
    if document is None:
        document = element
    book = document.find("Book")
    if book is None:
        book = etree.Element("Book")
    chapter_title = _find(document, "ArticleTitle")
    book_title = _find(book, "BookTitle")
    record = Record(title=chapter_title or book_title or "", pmid=_find(document, "PMID"))
    record.kind = "chapter" if chapter_title else "book"
    record.book_title = book_title if chapter_title else None
    record.publisher = _find(book, "Publisher/PublisherName")
    record.place = _find(book, "Publisher/PublisherLocation")
    record.edition = _find(book, "Edition")
    record.isbn = _find(book, "Isbn")
    record.volume = _find(book, "Volume")
    _pub_date(book.find("PubDate"), record)
    record.editors = _authors(book.find("AuthorList[@Type='editors']"))
    authors = document.find("AuthorList[@Type='authors']")
    if authors is None:
        authors = document.find("AuthorList")
    record.authors = _authors(authors)
    record.languages = [t for t in (text_of(e) for e in document.iterfind("Language")) if t]
    record.publication_types = [
        t for t in (text_of(e) for e in document.iterfind("PublicationType")) if t
    ]
    record.abstract_sections = _abstract(document.find("Abstract"))
    record.keywords = [t for t in (text_of(k) for k in document.iterfind("KeywordList/Keyword")) if t]
    for article_id in document.iterfind("ArticleIdList/ArticleId"):
        if (article_id.get("IdType") or "").lower() == "bookaccession":
            record.extra["bookaccession"] = text_of(article_id)
        elif (article_id.get("IdType") or "").lower() == "doi":
            record.doi = text_of(article_id)
    _join_abstract(record)
    return record
