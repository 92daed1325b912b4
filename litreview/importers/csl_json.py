"""CSL-JSON (Zotero's "CSL JSON" export, citeproc items): a JSON list of items."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from litreview.csl import from_csl
from litreview.errors import ParseError
from litreview.importers import Importer, check, finish, register
from litreview.records import Record


def read(path: Path, source: str | None) -> Iterator[Record | ParseError]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise ParseError(f"not valid JSON: {exc.msg}", file=str(path), line=exc.lineno) from None
    except UnicodeDecodeError:
        raise ParseError("not UTF-8 text", file=str(path)) from None
    if isinstance(data, dict) and "items" in data:
        data = data["items"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ParseError("expected a JSON list of CSL items", file=str(path))
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict) or not ("title" in item or "DOI" in item):
            yield ParseError("not a CSL item (an object with a title)", file=str(path),
                             record=number)
            continue
        record = from_csl(item)
        if isinstance(item.get("source"), str) and item["source"].strip():
            record.source_db = item["source"].strip()
        key = record.source_key
        record.source_key = None
        yield check(finish(record, source or "CSL-JSON", key), path, number) or record


def sniff(head: str) -> bool:
    text = head.lstrip()
    return text.startswith(("[", "{")) and '"title"' in text and (
        '"type"' in text or '"issued"' in text)


register(Importer("csl-json", (".json",), read, sniff, "CSL-JSON"))
