"""CSL-JSON: a JSON list of CSL items (Zotero, citeproc-js, pandoc read it)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TextIO

from litreview.csl import to_csl
from litreview.exporters import exporter
from litreview.records import Record


@exporter("csl-json", suffix=".json")
def write_csl_json(records: Iterable[Record], out: TextIO) -> int:
    """Items carry the source key as id and the database as CSL `source` (provenance)."""
    count = 0
    out.write("[")
    for record in records:
        item = to_csl(record)
        if record.source_key:
            item["id"] = record.source_key
        if record.source_db:
            item["source"] = record.source_db
        out.write(("," if count else "") + "\n  " + json.dumps(item, ensure_ascii=False))
        count += 1
    out.write("\n]\n")
    return count
