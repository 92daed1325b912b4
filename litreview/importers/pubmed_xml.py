"""PubMed XML (efetch output, MEDLINE/baseline files, .xml.gz) via litreview.pubmed.xml."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from litreview.errors import ParseError
from litreview.importers import Importer, check, finish, register
from litreview.pubmed.xml import document_records, parse_pubmed_xml
from litreview.records import Record


def read(path: Path, source: str | None) -> Iterator[Record | ParseError]:
    number = 0
    try:
        with _open(path) as handle:
            for record in parse_pubmed_xml(handle if path.suffix == ".gz" else path):
                number += 1
                yield _finished(record, path, source, number)
    except ParseError as exc:  # the parser's own error: make sure it names the file
        exc.file = exc.file or str(path)
        raise
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else None
        raise ParseError(f"broken XML after {number} records: {exc.msg}", file=str(path),
                         line=line) from None
    except (OSError, EOFError) as exc:  # a truncated .gz
        raise ParseError(f"cannot read: {exc}", file=str(path)) from None
    if number == 0:
        raise ParseError("no PubmedArticle or PubmedBookArticle elements found",
                         file=str(path))


def read_document(document: bytes, path: Path, source: str | None) -> list[Record | ParseError]:
    """What `read` gives for one chunk of a file (litreview.pubmed.xml.chunk_documents), for
    the processes that read a big file a chunk each. Raises NotChunkable where only `read` will
    do. A record's number in the file is not known here: an empty record's ParseError carries
    none, and whoever puts the chunks back in order numbers it.
    """
    return [_finished(record, path, source, None) for record in document_records(document)]


def _finished(record: Record, path: Path, source: str | None, number: int | None
              ) -> Record | ParseError:
    if record.source_db == "PubMed" and source and source != "PubMed":
        record.source_db = None  # the user named the database (e.g. MEDLINE)
    # parse_pubmed_xml normalises in its own way (XML text holds no markup to strip): storing
    # what it gives keeps an imported efetch file the same as the search that fetched it.
    finish(record, source or "PubMed", record.source_key or record.pmid, normalised=True)
    return check(record, path, number) or record


def _open(path: Path) -> BinaryIO:
    if path.suffix == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")  # noqa: SIM115 - the caller's with-block closes it


def sniff(head: str) -> bool:
    return head.lstrip().startswith("<") and any(
        tag in head for tag in ("<PubmedArticleSet", "<PubmedArticle>", "<PubmedBookArticle",
                                "<PubmedBookArticleSet",
                                "<MedlineCitationSet", "<!DOCTYPE PubmedArticleSet"))


register(Importer("pubmed-xml", (".xml", ".gz"), read, sniff, "PubMed"))
