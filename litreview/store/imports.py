"""Run-log queries the import feature needs (no tables of its own, so no migrations)."""

from __future__ import annotations

import json
from typing import Any

from litreview.store.library import Library


def set_run_source(library: Library, run_id: int, database: str, params: dict[str, Any]) -> None:
    """Name an import run's database once the whole file has been read (a file can say it
    record by record, e.g. Ovid's mixed MEDLINE/Embase exports)."""
    with library.transaction():
        library.db.execute("UPDATE runs SET database = ?, params = ? WHERE id = ?",
                           [database, json.dumps(params, ensure_ascii=False), run_id])
