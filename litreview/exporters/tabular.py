"""CSV and JSON Lines: one row per record."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import Any, TextIO

from litreview.exporters import exporter
from litreview.records import Record

CSV_COLUMNS = (
    "record_id", "pmid", "doi", "pmcid", "title", "authors", "year", "journal", "journal_abbrev",
    "volume", "issue", "pages", "abstract", "languages", "publication_types", "keywords",
    "source_db", "source_key",
)


def flat_row(record: Record) -> dict[str, Any]:
    """The record as the flat columns of CSV_COLUMNS (lists joined with '; ')."""
    return {
        "record_id": record.id,
        "pmid": record.pmid,
        "doi": record.doi,
        "pmcid": record.pmcid,
        "title": record.title,
        "authors": record.authors_short(),
        "year": record.year,
        "journal": record.journal,
        "journal_abbrev": record.journal_abbrev,
        "volume": record.volume,
        "issue": record.issue,
        "pages": record.pages or record.article_number,
        "abstract": record.abstract,
        "languages": "; ".join(record.languages),
        "publication_types": "; ".join(record.publication_types),
        "keywords": "; ".join(record.keywords),
        "source_db": record.source_db,
        "source_key": record.source_key,
    }


@exporter("csv", suffix=".csv")
def write_csv(records: Iterable[Record], out: TextIO) -> int:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow(flat_row(record))
        count += 1
    return count


@exporter("jsonl", suffix=".jsonl")
def write_jsonl(records: Iterable[Record], out: TextIO) -> int:
    """Every field of the record, nested structures kept (authors with given names, MeSH...)."""
    count = 0
    for record in records:
        row = {"record_id": record.id, **record.to_row()}
        row["authors_short"] = record.authors_short()
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count
