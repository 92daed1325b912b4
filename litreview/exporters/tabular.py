"""CSV and JSON Lines: one row per record.

The CSV is for people (a spreadsheet) and for coming back: the first columns are the readable
ones ('Smith JA; Doe J' authors); the later ones carry what a re-import needs to get the same
record back: the date's parts, language, types, ISSNs by kind, MeSH and comment/correction links
(' | ' between values, MEDLINE's forms), and the names as JSON (`authors_json`: given names,
initials and suffixes that 'Mamukova IuI' alone cannot say apart)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from litreview.exporters import exporter
from litreview.fieldtext import correction_text, mesh_text
from litreview.records import Author, Record
from litreview.screening.status import RecordState

LIST_SEPARATOR = " | "

CSV_COLUMNS = (
    "record_id", "pmid", "doi", "pmcid", "title", "authors", "year", "journal", "journal_abbrev",
    "volume", "issue", "pages", "abstract", "languages", "publication_types", "keywords",
    "source_db", "source_key", "screening_status", "stage", "decision", "exclusion_reason",
    "duplicate_of", "notes", "tags", "filled_from_duplicates",
    "month", "day", "date_text", "kind", "publication_status", "issn_print", "issn_electronic",
    "article_number", "vernacular_title", "book_title", "publisher", "place", "isbn", "edition",
    "url", "mesh", "corrections", "authors_json", "editors_json",
)


def _people(people: list[Author]) -> str | None:
    if not people:
        return None
    keep = ("family", "given", "initials", "suffix", "collective")
    return json.dumps([{k: getattr(p, k) for k in keep if getattr(p, k)} for p in people], ensure_ascii=False)


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
        "pages": record.pages,
        "abstract": record.abstract,
        "languages": "; ".join(record.languages),
        "publication_types": "; ".join(record.publication_types),
        "keywords": "; ".join(record.keywords),
        "source_db": record.source_db,
        "source_key": record.source_key,
        "month": record.month,
        "day": record.day,
        "date_text": record.date_text,
        "kind": record.kind,
        "publication_status": record.publication_status,
        "issn_print": record.issn_print,
        "issn_electronic": record.issn_electronic,
        "article_number": record.article_number,
        "vernacular_title": record.vernacular_title,
        "book_title": record.book_title,
        "publisher": record.publisher,
        "place": record.place,
        "isbn": record.isbn,
        "edition": record.edition,
        "url": record.url,
        "mesh": LIST_SEPARATOR.join(mesh_text(h) for h in record.mesh),
        "corrections": LIST_SEPARATOR.join(correction_text(c) for c in record.corrections),
        "authors_json": _people(record.authors),
        "editors_json": _people(record.editors),
    }


def screening_row(state: RecordState | None) -> dict[str, Any]:
    """The screening columns: status, stage, decision, reason, notes ' | '-joined, tags '; '-joined."""
    if state is None:
        return {}
    return {
        "screening_status": state.status.value, "stage": state.stage, "decision": state.decision,
        "exclusion_reason": state.reason, "duplicate_of": state.duplicate_of,
        "notes": " | ".join(state.notes), "tags": "; ".join(state.tags),
        "filled_from_duplicates": "; ".join(f"{name} (record {donor})"
                                            for name, (_, donor) in state.filled.items()),
    }


@exporter("csv", suffix=".csv", screening=True, cannot_hold={
    "abstract_sections": "abstract section categories",
})
def write_csv(records: Iterable[Record], out: TextIO,
              states: Mapping[int, RecordState] | None = None) -> int:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for record in records:
        state = states.get(record.id or 0) if states else None
        writer.writerow(flat_row(record) | screening_row(state))
        count += 1
    return count


@exporter("jsonl", suffix=".jsonl", screening=True)
def write_jsonl(records: Iterable[Record], out: TextIO,
                states: Mapping[int, RecordState] | None = None) -> int:
    """Every field of the record, nested structures kept (authors with given names, MeSH...), and
    with states its screening state: {status, stage, decision, reason, duplicate_of, notes, tags,
    filled_from_duplicates: {field: record id}}."""
    count = 0
    for record in records:
        row = {"record_id": record.id, **record.to_row()}
        row["authors_short"] = record.authors_short()
        state = states.get(record.id or 0) if states else None
        if state is not None:
            row["screening"] = {
                "status": state.status.value, "stage": state.stage, "decision": state.decision,
                "reason": state.reason, "duplicate_of": state.duplicate_of, "notes": state.notes,
                "tags": state.tags,
                "filled_from_duplicates": {name: donor for name, (_, donor) in state.filled.items()},
            }
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count
