"""CSL-JSON: a JSON list of CSL items (Zotero, citeproc-js, pandoc read it)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TextIO

from litreview.csl import custom, to_csl
from litreview.exporters import exporter
from litreview.records import Record


@exporter("csl-json", suffix=".json")
def write_csl_json(records: Iterable[Record], out: TextIO) -> int:
    """Items carry the source key as id, the database as CSL `source` (provenance), and what CSL
    has no variable for in `custom` (see litreview.csl.CUSTOM_FIELDS)."""
    count = 0
    out.write("[")
    for record in records:
        item = to_csl(record)
        if record.source_key:
            item["id"] = record.source_key
        if record.source_db:
            item["source"] = record.source_db
        extra = custom(record)
        if extra:
            item["custom"] = extra
        out.write(("," if count else "") + "\n  " + json.dumps(item, ensure_ascii=False))
        count += 1
    out.write("\n]\n")
    return count
