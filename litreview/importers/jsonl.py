"""JSON Lines as litreview exports it (`export --format jsonl`): one record per line, every field.

A line is Record.to_row() plus the export's own keys (record_id, authors_short, screening),
which are left out: a record comes back with its fields and its provenance (source_db,
source_key), so re-importing an export into the library it came from adds nothing, and into
another library gives the same records. Screening state is not imported.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from litreview.errors import ParseError
from litreview.importers import Importer, check, finish, register
from litreview.records import STORE_FIELDS, Record

EXPORT_ONLY = frozenset({"record_id", "authors_short", "screening", *STORE_FIELDS})


def read(path: Path, source: str | None) -> Iterator[Record | ParseError]:
    try:
        handle = open(path, encoding="utf-8-sig")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror}", file=str(path)) from None
    number = 0
    with handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            number += 1
            yield _record(line, path, source, line_number, number)


def _record(line: str, path: Path, source: str | None, line_number: int, number: int
            ) -> Record | ParseError:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        cut = "" if line.endswith("\n") else " (the file ends inside it: truncated?)"
        return ParseError(f"not a JSON object: {exc.msg}{cut}", file=str(path), line=line_number,
                          record=number)
    if not isinstance(row, dict) or "title" not in row:
        return ParseError("not a litreview record (a JSON object with a title)", file=str(path),
                          line=line_number, record=number)
    try:
        record = Record.from_row({k: v for k, v in row.items() if k not in EXPORT_ONLY})
    except (TypeError, ValueError) as exc:
        return ParseError(f"not a litreview record: {exc}", file=str(path), line=line_number,
                          record=number)
    key = record.source_key
    finish(record, source or "JSONL", key, normalised=True)
    return check(record, path, number, line_number) or record


def sniff(head: str) -> bool:
    """A first line that is one JSON object with litreview's own keys."""
    first = head.lstrip().split("\n", 1)[0]
    return first.startswith("{") and '"source_key"' in first and '"abstract_sections"' in first


register(Importer("jsonl", (".jsonl",), read, sniff, "JSONL"))
