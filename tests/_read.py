"""Read a file's records as `litreview import` parses them, without a library: the importer
tests' view of a format (what each record holds, which are refused and why)."""

from __future__ import annotations

from pathlib import Path

from litreview.errors import ParseError
from litreview.importing import _guarded, open_file
from litreview.records import Record


def read_file(
    path: Path, fmt: str = "auto", source: str | None = None,
    column_map: dict[str, str] | None = None, skip_invalid: bool = False,
) -> tuple[list[Record], list[ParseError], str, str]:
    """(records, skipped, format name, how it was chosen). Raises ParseError on bad input, as an
    import does (a bad record without skip_invalid, a file with no records)."""
    items, name, how = open_file(path, fmt, source, column_map)
    records: list[Record] = []
    skipped: list[ParseError] = []
    for item in _guarded(items, path, name):
        if isinstance(item, ParseError):
            if not skip_invalid:
                raise item
            skipped.append(item)
        else:
            records.append(item)
    if not records and not skipped:
        raise ParseError(f"no records found when read as {name}", file=str(path))
    return records, skipped, name, how
