"""Streaming parser for PubMed XML (efetch output, MEDLINE/baseline files) into Records.

Memory stays flat in the number of records: a PubmedArticleSet document is cut into chunks of
whole articles, each parsed and turned into Records in turn (see "the chunked reading" below);
anything else, and any document that the chunked reading cannot trust, goes through
lxml.iterparse with element clearing, each PubmedArticle / PubmedBookArticle turned into a
Record as soon as its end tag is read, then dropped. Fields are looked up by explicit paths,
never by walking every child, so unknown or future elements (PubMed's DTD changes every year)
are simply ignored.

A document that is not well-formed (truncated response, HTML error page, MEDLINE text)
raises ParseError naming the file, line and record; the Entrez client retries on it.
A well-formed document with no articles in it (esearch, einfo output) yields nothing.
"""

from __future__ import annotations

import gzip
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from lxml import etree

from litreview.errors import NotChunkable, ParseError
from litreview.names import month_number, year_in
from litreview.records import (
    AbstractSection,
    Author,
    Correction,
    MeshHeading,
    Record,
    normalise,
)

ARTICLE_TAGS = ("PubmedArticle", "PubmedBookArticle")
# Old MEDLINE leasing files hold bare MedlineCitation elements with no PubmedArticle around them.
_EVENT_TAGS = (*ARTICLE_TAGS, "MedlineCitation")
STREAM_NAME = "<stream>"

_ORCID = re.compile(r"(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dXx])")

Element = Any  # lxml's _Element; typed loosely because lxml ships no stubs by default


def parse_pubmed_xml(source: str | Path | BinaryIO) -> Iterator[Record]:
    """Yield one Record per PubmedArticle/PubmedBookArticle in `source`.

    `source` is a path (str or Path; gzip-compressed files are recognised by their magic
    bytes) or a binary file object. Raises ParseError if the XML is not well-formed,
    after yielding the records read before the break.
    """
    if not isinstance(source, (str, Path)):
        name = getattr(source, "name", None)  # an open file names itself; BytesIO does not
        name = name if isinstance(name, str) else STREAM_NAME
        if not _seekable(source):  # a pipe: kept aside, so that an error can be placed in it
            with tempfile.TemporaryFile() as kept:
                shutil.copyfileobj(source, kept, _CHUNK_BYTES)
                kept.seek(0)
                yield from _records(kept, name, _rewind(kept))
            return
        yield from _records(source, name, _rewind(source))
        return
    name = str(source)
    with _open(source, name) as stream:
        yield from _records(stream, name, lambda: _open(source, name))


def _rewind(stream: IO[bytes]) -> Callable[[], AbstractContextManager[IO[bytes]]]:
    """Reopening a stream: back to where it is now."""
    start = stream.tell()

    @contextmanager
    def rewind() -> Iterator[IO[bytes]]:
        stream.seek(start)
        yield stream

    return rewind


@contextmanager
def _open(path: str | Path, name: str) -> Iterator[IO[bytes]]:
    """The file's bytes, gunzipped if it is gzip-compressed."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, also if the caller stops early
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror}", file=name) from None
    with handle:
        magic = handle.read(2)
        handle.seek(0)
        if magic == b"\x1f\x8b":
            with gzip.GzipFile(fileobj=handle, mode="rb") as unpacked:
                yield cast(IO[bytes], unpacked)
        else:
            yield handle


def _seekable(stream: BinaryIO) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, ValueError):
        return False


def _records(
    stream: IO[bytes], name: str, reopen: Callable[[], AbstractContextManager[IO[bytes]]]
) -> Iterator[Record]:
    """Records of a whole document: by chunks where that can be trusted, else by iterparse.

    Whenever the chunked reading meets anything unusual (a prolog with entities or another
    encoding, a root other than PubmedArticleSet, XML that is not well-formed) the document
    is read again from its start by the streaming parser, which skips the records already
    given and reports any error with the document's own line numbers.
    """
    given = 0
    try:
        for record in _chunked_records(stream):
            given += 1
            yield record
        return
    except NotChunkable:
        pass
    with reopen() as again:
        for number, record in enumerate(_iter_records(again, name)):
            if number >= given:
                yield record


# -- the chunked reading ----------------------------------------------------------------------
#
# A PubmedArticleSet document is cut into standalone <PubmedArticleSet> documents of about
# _CHUNK_BYTES of whole articles each (chunk_documents), each parsed whole by etree.fromstring
# (faster than iterparse's events) and dropped once its records are made: memory stays flat. The
# cut is also what lets a big file be read by several processes, a chunk each
# (litreview.importing). Anything unusual (a prolog with entities or another encoding, a root
# other than PubmedArticleSet, XML that is not well-formed) raises NotChunkable, and the document
# is read by iterparse, which reports errors with the document's own line numbers.

_CHUNK_BYTES = 1 << 20
_SET_OPEN, _SET_CLOSE = b"<PubmedArticleSet>", b"</PubmedArticleSet>"
_ARTICLE_ENDS = (b"</PubmedArticle>", b"</PubmedBookArticle>")
_COMMENTS = rb"(?:<!--.*?-->\s*)*"
_PROLOG = re.compile(rb"\s*(<\?xml[^>]*\?>)?\s*" + _COMMENTS + rb"(<!DOCTYPE[^\[>]*>)?\s*" + _COMMENTS, re.S)
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")


def _chunked_records(stream: IO[bytes]) -> Iterator[Record]:
    for document in chunk_documents(stream):
        yield from document_records(document)


def document_records(document: bytes) -> list[Record]:
    """The records of one chunk (a standalone PubmedArticleSet document of whole articles);
    NotChunkable if it is not well-formed."""
    try:
        root = etree.fromstring(document, _chunk_parser())
    except Exception as exc:  # noqa: BLE001 - any failure: iterparse reads it and says what is wrong
        raise NotChunkable from exc
    return list(_root_records(root))


def chunk_documents(stream: IO[bytes]) -> Iterator[bytes]:
    """The document cut into standalone PubmedArticleSet documents of whole articles, in order;
    NotChunkable (at once, or where a gzip stream breaks) if it cannot be cut."""
    try:
        yield from _chunk_documents(stream)
    except NotChunkable:
        raise
    except (OSError, EOFError) as exc:  # corrupt gzip: iterparse reports it
        raise NotChunkable from exc


def _chunk_documents(stream: IO[bytes]) -> Iterator[bytes]:
    head = stream.read(_CHUNK_BYTES)
    at = head.find(_SET_OPEN)
    if at < 0 or not _plain_prolog(head[:at]):
        raise NotChunkable
    yield from _article_set_documents(stream, head[at + len(_SET_OPEN):])


def _root_records(root: Element) -> Iterator[Record]:
    for element in root.iter(*_EVENT_TAGS):
        if element.tag == "MedlineCitation" and _inside_article(element):
            continue
        yield _record(element)


def _chunk_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def _plain_prolog(prolog: bytes) -> bool:
    """Only an XML declaration (UTF-8), comments and a DOCTYPE without an internal subset."""
    prolog = prolog.removeprefix(b"\xef\xbb\xbf")
    match = _PROLOG.fullmatch(prolog)
    if match is None:
        return False
    encoding = _ENCODING.search(match.group(1) or b"")
    return encoding is None or encoding.group(1).lower() in (b"utf-8", b"utf8", b"us-ascii", b"ascii")


def _article_set_documents(stream: IO[bytes], buffer: bytes) -> Iterator[bytes]:
    """Standalone <PubmedArticleSet> documents of whole articles, cut after an article's end tag.

    The last one keeps whatever follows the last cut, the set's own end tag included, so a
    truncated or malformed ending is still seen by the parser.
    """
    while True:
        block = stream.read(_CHUNK_BYTES)
        if not block:
            yield _SET_OPEN + buffer
            return
        buffer += block
        cut = _after_last_article(buffer)
        if cut:
            yield _SET_OPEN + buffer[:cut] + _SET_CLOSE
            buffer = buffer[cut:]


def _after_last_article(buffer: bytes) -> int:
    """Offset just after the last article end tag in `buffer`, 0 if there is none."""
    ends = (buffer.rfind(end) for end in _ARTICLE_ENDS)
    return max((at + len(end) for at, end in zip(ends, _ARTICLE_ENDS) if at >= 0), default=0)


def _iter_records(stream: IO[bytes], name: str) -> Iterator[Record]:
    start = stream.tell() if _seekable(stream) else None  # type: ignore[arg-type]
    context = etree.iterparse(
        stream, events=("end",), tag=_EVENT_TAGS, recover=False, resolve_entities=False,
        no_network=True, load_dtd=False, huge_tree=True,
    )
    count = 0
    last_pmid: str | None = None
    try:
        for _, element in context:
            if element.tag == "MedlineCitation" and _inside_article(element):
                continue
            count += 1
            record = _record(element)
            last_pmid = record.pmid
            yield record
            _release(element)
    except etree.XMLSyntaxError as exc:
        if start is not None:  # how far libxml2 had got is its buffering's business: ask the text
            stream.seek(start)
            count, last_pmid = _records_before(stream, *_error_position(exc))
        raise _syntax_error(exc, name, count, last_pmid) from None
    except (OSError, EOFError) as exc:  # truncated or corrupt gzip
        raise ParseError(f"cannot read compressed data ({exc})", file=name,
                         record=count + 1) from None


def _inside_article(element: Element) -> bool:
    parent = element.getparent()
    return parent is not None and parent.tag == "PubmedArticle"


def _release(element: Element) -> None:
    """Free a finished record and the already-processed siblings before it."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _error_position(exc: etree.XMLSyntaxError) -> tuple[int, int | None]:
    """(line, column) of a syntax error: libxml2 counts both from 1, the column in characters."""
    line, column = exc.position if exc.position else (exc.lineno or 1, None)
    return line or exc.lineno or 1, column or None


_RECORD_TAGS = re.compile(
    rb"<(/?)(PubmedArticle|PubmedBookArticle|MedlineCitation)(?=[\s>/])[^>]*>|<PMID(?=[\s>])[^>]*>\s*([^<\s]*)")


def _records_before(stream: IO[bytes], line: int, column: int | None) -> tuple[int, str | None]:
    """(records complete, PMID of the last one) in the document's text before (line, column).

    This is what a syntax error reports, taken from the document itself: libxml2 reads ahead
    by as much as its version buffers, so how many records iterparse had given when the error
    came out depends on the libxml2 under lxml, not on where the document breaks.
    """
    head = _text_before(stream, line, column)
    count, depth, last_pmid, pmid = 0, 0, None, None
    for match in _RECORD_TAGS.finditer(head):
        closing, tag, pmid_text = match.groups()
        if tag is None:  # a PMID: the record's own is the first one inside it
            if pmid is None:
                pmid = pmid_text.decode("utf-8", "replace") or None
        elif tag == b"PubmedArticle" or tag == b"PubmedBookArticle":
            depth += -1 if closing else 1
            if closing:
                count, last_pmid = count + 1, pmid
            pmid = None
        elif depth == 0:  # a bare MedlineCitation (old MEDLINE leasing files) is a record
            if closing:
                count, last_pmid = count + 1, pmid
            pmid = None
    return count, last_pmid


def _text_before(stream: IO[bytes], line: int, column: int | None) -> bytes:
    """The document's bytes before `column` (in characters, from 1) of `line`."""
    before: list[bytes] = []
    lines, rest = 1, b""
    for block in iter(lambda: stream.read(_CHUNK_BYTES), b""):
        newlines = block.count(b"\n")
        if lines + newlines < line:
            before.append(block)
            lines += newlines
            continue
        at = -1
        for _ in range(line - lines):
            at = block.index(b"\n", at + 1)
        before.append(block[: at + 1])
        rest = block[at + 1:]
        break
    while b"\n" not in rest and (more := stream.read(_CHUNK_BYTES)):
        rest += more
    error_line = rest.split(b"\n", 1)[0]
    if column is not None:
        error_line = error_line.decode("utf-8", "replace")[: max(column - 1, 0)].encode("utf-8")
    return b"".join(before) + error_line


def _syntax_error(
    exc: etree.XMLSyntaxError, name: str, count: int, last_pmid: str | None
) -> ParseError:
    line = exc.lineno or (exc.position[0] if exc.position else None)
    after = f" (after PMID {last_pmid})" if last_pmid else ""
    detail = (exc.msg or str(exc)).split(", line ")[0]
    message = f"not well-formed PubMed XML{after}: {detail}"
    return ParseError(message, file=name, line=line, record=count + 1)


# -- one record ------------------------------------------------------------------------------


def _record(element: Element) -> Record:
    if element.tag == "PubmedBookArticle":
        record = _book_article(element)
    else:
        citation = element if element.tag == "MedlineCitation" else element.find("MedlineCitation")
        record = _journal_article(citation, element.find("PubmedData"))
    title, vernacular = record.title, record.vernacular_title
    normalise(record)
    # XML text is already plain: normalise()'s tag stripping would eat a literal "a<b c>d",
    # and its whitespace folding would join the abstract's paragraphs.
    record.title, record.vernacular_title = title, vernacular
    record.abstract = _join_sections(record.abstract_sections)
    return record


def _journal_article(citation: Element | None, pubmed_data: Element | None) -> Record:
    if citation is None:
        return Record(source_db="PubMed")
    pmid = _strip(citation.findtext("PMID"))
    record = Record(pmid=pmid, source_db="PubMed", source_key=pmid)
    article = citation.find("Article")
    locations = _fill_article(record, article) if article is not None else []
    _fill_citation(record, citation)
    _fill_ids(record, pubmed_data)
    if not record.doi:
        record.doi = _elocation(locations, "doi")
    if pubmed_data is not None:
        record.publication_status = _strip(pubmed_data.findtext("PublicationStatus"))
    record.source_key = record.pmid
    return record


def _fill_article(record: Record, article: Element) -> list[Element]:
    """Fill what Article holds; returns its ELocationIDs (the DOI fallback)."""
    # One pass over Article's children (this is the hot path for 50,000-record batches).
    locations: list[Element] = []
    pagination = article_date = affiliation = None
    for child in article:
        tag = child.tag
        if tag == "ArticleTitle":
            record.title = _text(child) or ""
        elif tag == "VernacularTitle":
            record.vernacular_title = _text(child)
        elif tag == "Abstract":
            record.abstract_sections = _sections(child)
        elif tag == "AuthorList":
            record.authors, invalid = _authors(child)
            if invalid:
                record.extra["invalid_authors"] = [a.short() for a in invalid]
        elif tag == "Journal":
            _fill_journal(record, child)
        elif tag == "Pagination":
            pagination = child
        elif tag == "ELocationID":
            locations.append(child)
        elif tag == "Language":
            record.languages += _texts([child])
        elif tag == "PublicationTypeList":
            record.publication_types = _texts(child.iterchildren("PublicationType"))
        elif tag == "ArticleDate" and article_date is None:
            article_date = child
        elif tag == "Affiliation":
            affiliation = child
    _fill_pages(record, pagination, locations)
    if record.year is None:  # epub-only: no year in the journal issue's PubDate
        _fill_date(record, article_date)
    if affiliation is not None:
        _old_style_affiliation(record, affiliation)
    model = article.get("PubModel")
    if model:
        record.extra["pub_model"] = model
    return locations


def _fill_journal(record: Record, journal: Element) -> None:
    for child in journal:
        tag = child.tag
        if tag == "Title":
            record.journal = child.text
        elif tag == "ISOAbbreviation":
            record.journal_abbrev = child.text
        elif tag == "ISSN":
            if (child.get("IssnType") or "").lower() == "electronic":
                record.issn_electronic = _strip(child.text)
            else:
                record.issn_print = _strip(child.text)
        elif tag == "JournalIssue":
            _fill_issue(record, child)


def _fill_issue(record: Record, issue: Element) -> None:
    for child in issue:
        tag = child.tag
        if tag == "Volume":
            record.volume = child.text
        elif tag == "Issue":
            record.issue = child.text
        elif tag == "PubDate":
            _fill_date(record, child)


def _fill_pages(record: Record, pagination: Element | None, locations: list[Element]) -> None:
    if pagination is not None:
        record.pages = _strip(pagination.findtext("MedlinePgn"))
        if not record.pages:
            record.pages = _page_range(pagination)
    if not record.pages:
        record.article_number = _elocation(locations, "pii")


def _page_range(pagination: Element) -> str | None:
    start = _strip(pagination.findtext("StartPage"))
    end = _strip(pagination.findtext("EndPage"))
    if start and end and end != start:
        return f"{start}-{end}"
    return start


def _elocation(locations: Iterable[Element], kind: str) -> str | None:
    """The first valid ELocationID of EIdType `kind` (doi, pii)."""
    for location in locations:
        if location.get("EIdType") == kind and location.get("ValidYN", "Y") != "N":
            value = _strip(location.text)
            if value:
                return value
    return None


def _fill_citation(record: Record, citation: Element) -> None:
    """Parts of MedlineCitation outside Article: journal info, MeSH, keywords, corrections."""
    # One pass over the children (iterfind's paths run in Python: slower on this hot path).
    others = []
    for child in citation:
        tag = child.tag
        if tag == "MeshHeadingList":
            record.mesh += [_mesh(h) for h in child.iterchildren("MeshHeading")]
        elif tag == "CommentsCorrectionsList":
            record.corrections += [_correction(c) for c in child.iterchildren("CommentsCorrections")]
        elif tag == "KeywordList":
            record.keywords += _texts(child.iterchildren("Keyword"))
        elif tag == "MedlineJournalInfo":  # NLM's abbreviation (MedlineTA) before the ISO one
            record.journal_abbrev = _strip(child.findtext("MedlineTA")) or record.journal_abbrev
        elif tag == "OtherAbstract":
            others.append(_other_abstract(child))
    if others:
        record.extra["other_abstracts"] = others
    status = citation.get("Status")
    if status:
        record.extra["medline_status"] = status


def _correction(element: Element) -> Correction:
    correction = Correction(type=element.get("RefType") or "")
    for child in element:
        if child.tag == "RefSource":
            correction.ref = _strip(child.text)
        elif child.tag == "PMID":
            correction.pmid = _strip(child.text)
    return correction


def _fill_ids(record: Record, holder: Element | None) -> None:
    """DOI, PMCID and others from an ArticleIdList directly under `holder` (not references)."""
    if holder is None:
        return
    ids = (i for id_list in holder.iterchildren("ArticleIdList") for i in id_list.iterchildren("ArticleId"))
    for article_id in ids:
        kind = article_id.get("IdType")
        value = _strip(article_id.text)
        if not value:
            continue
        if kind == "doi" and not record.doi:
            record.doi = value
        elif kind == "pmc" and not record.pmcid:
            record.pmcid = value if value.upper().startswith("PMC") else f"PMC{value}"
        elif kind == "pubmed" and not record.pmid:
            record.pmid = value
        elif kind == "bookaccession":
            record.extra["bookaccession"] = value


# -- books -----------------------------------------------------------------------------------


def _book_article(element: Element) -> Record:
    document = element.find("BookDocument")
    if document is None:
        return Record(source_db="PubMed", kind="book")
    pmid = _strip(document.findtext("PMID"))
    record = Record(pmid=pmid, source_db="PubMed", source_key=pmid, kind="book")
    book = document.find("Book")
    chapter_title = _text(document.find("ArticleTitle"))
    if book is not None:
        _fill_book(record, book)
    if chapter_title:
        record.kind = "chapter"
        record.title = chapter_title
    else:
        record.title = record.book_title or ""
    _fill_book_document(record, document)
    _fill_ids(record, document)
    book_data = element.find("PubmedBookData")
    _fill_ids(record, book_data)
    if not record.doi:
        record.doi = _elocation(document.iterchildren("ELocationID"), "doi")
    if book_data is not None:
        record.publication_status = _strip(book_data.findtext("PublicationStatus"))
    record.source_key = record.pmid
    return record


def _fill_book(record: Record, book: Element) -> None:
    record.book_title = _text(book.find("BookTitle"))
    record.publisher = _strip(book.findtext("Publisher/PublisherName"))
    record.place = _strip(book.findtext("Publisher/PublisherLocation"))
    isbns = _texts(book.iterfind("Isbn"))
    record.isbn = isbns[0] if isbns else None
    if len(isbns) > 1:
        record.extra["isbns"] = isbns
    record.edition = _strip(book.findtext("Edition"))
    record.volume = _strip(book.findtext("Volume"))
    _fill_date(record, book.find("PubDate"))
    for author_list in book.iterfind("AuthorList"):
        people, _ = _authors(author_list)
        if author_list.get("Type") == "editors":
            record.editors.extend(people)
        else:
            record.authors.extend(people)


def _fill_book_document(record: Record, document: Element) -> None:
    for author_list in document.iterfind("AuthorList"):
        people, _ = _authors(author_list)
        if author_list.get("Type") == "editors":
            record.editors.extend(people)
        elif people:
            # A chapter's own authors take the place of the book's.
            record.authors = people
    record.abstract_sections = _sections(document.find("Abstract"))
    record.languages = _texts(document.iterfind("Language"))
    record.publication_types = _texts(document.iterfind("PublicationType"))
    record.keywords = _texts(document.iterfind("KeywordList/Keyword"))
    if not record.pages:
        pagination = document.find("Pagination")
        record.pages = _page_range(pagination) if pagination is not None else None


# -- shared pieces ---------------------------------------------------------------------------


def _sections(abstract: Element | None) -> list[AbstractSection]:
    if abstract is None:
        return []
    sections = []
    for part in abstract.iterfind("AbstractText"):
        text = _text(part)
        if text:
            label, category = part.get("Label"), part.get("NlmCategory")
            sections.append(AbstractSection(text=text, label=label, category=category))
    return sections


def _join_sections(sections: list[AbstractSection]) -> str | None:
    """'LABEL: text' paragraphs separated by newlines (PubMed's own display)."""
    paragraphs = [f"{s.label}: {s.text}" if s.label else s.text for s in sections]
    return "\n".join(paragraphs) or None


def _other_abstract(other: Element) -> dict[str, Any]:
    sections = _sections(other)
    return {
        "type": other.get("Type"),
        "language": other.get("Language"),
        "text": _join_sections(sections),
    }


def _authors(author_list: Element | None) -> tuple[list[Author], list[Author]]:
    """(valid authors, authors PubMed flags ValidYN="N")."""
    valid: list[Author] = []
    invalid: list[Author] = []
    if author_list is None:
        return valid, invalid
    for element in author_list.iterchildren("Author"):
        author = _author(element)
        (invalid if element.get("ValidYN") == "N" else valid).append(author)
    return valid, invalid


def _author(element: Element) -> Author:
    # One pass over the children, no helper calls for the common ones: this runs for every
    # author of every record (a third of the time a record takes).
    family = given = initials = collective = orcid = suffix = None
    affiliations: list[str] = []
    for child in element:
        tag = child.tag
        if tag == "LastName":
            family = _text(child)
        elif tag == "ForeName" or (tag == "FirstName" and not given):
            given = _text(child)
        elif tag == "Initials":
            initials = (child.text or "").strip() or None
        elif tag == "AffiliationInfo":
            for part in child.iterchildren("Affiliation"):
                text = _text(part)
                if text:
                    affiliations.append(text)
        elif tag == "CollectiveName":
            collective = _text(child)
        elif tag == "Identifier" and not orcid:
            orcid = _orcid(child)
        elif tag == "Affiliation":
            text = _text(child)
            if text:
                affiliations.append(text)
        elif tag == "Suffix":
            suffix = _text(child)
    return Author(family, given, initials, collective, orcid, affiliations, suffix)


def _orcid(identifier: Element) -> str | None:
    """The bare 0000-0000-0000-000X id of an ORCID Identifier (URL or digits), else None."""
    if (identifier.get("Source") or "").upper() != "ORCID":
        return None
    match = _ORCID.search(identifier.text or "")
    return "-".join(match.groups()).upper() if match else None


def _old_style_affiliation(record: Record, element: Element) -> None:
    """Before 2014 PubMed gave one Article/Affiliation: the first author's."""
    affiliation = _text(element)
    if not affiliation:
        return
    record.extra["affiliation"] = affiliation
    if record.authors and not record.authors[0].affiliations:
        record.authors[0].affiliations.append(affiliation)


def _mesh(heading: Element) -> MeshHeading:
    descriptor, major, ui = "", False, None
    qualifiers: list[dict[str, Any]] = []
    for child in heading:
        tag = child.tag
        if tag == "DescriptorName":
            descriptor = (child.text or "").strip()
            major = child.get("MajorTopicYN") == "Y"
            ui = child.get("UI")
        elif tag == "QualifierName":
            qualifiers.append({"name": (child.text or "").strip() or None, "ui": child.get("UI"),
                               "major": child.get("MajorTopicYN") == "Y"})
    return MeshHeading(descriptor, major, ui, qualifiers)


def _fill_date(record: Record, date: Element | None) -> None:
    """Year/Month/Day, or MedlineDate ('1998 Dec-1999 Jan'), or Year + Season."""
    if date is None:
        return
    parts = {child.tag: _strip(child.text) for child in date}
    year_text, medline_date = parts.get("Year"), parts.get("MedlineDate")
    if year_text and year_text.isdigit():
        record.year = int(year_text)
        record.month = month_number(parts.get("Month"))
        day = parts.get("Day")
        record.day = int(day) if day and day.isdigit() and record.month else None
        season = parts.get("Season")
        if season:
            record.date_text = f"{year_text} {season}"
    elif medline_date:
        record.year = year_in(medline_date)
        record.date_text = medline_date


def _text(element: Element | None) -> str | None:
    """All text inside an element, markup (<i>, <sup>, MathML) dropped, whitespace folded."""
    if element is None:
        return None
    text = "".join(element.itertext()) if len(element) else element.text
    if not text:
        return None
    if text.isprintable() and "  " not in text and text[0] != " " and text[-1] != " ":
        return text  # no whitespace but single spaces inside: folding would change nothing
    folded = " ".join(text.split())
    return folded or None


def _texts(elements: Iterable[Element]) -> list[str]:
    return [t for t in (_text(e) for e in elements) if t]


def _strip(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip() or None
