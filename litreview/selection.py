"""Which records a command works on, by status name.

Library statuses map to a WHERE clause over `records`; screening statuses (included, excluded,
maybe, unscreened, conflict) come from the screening state machine, which decides them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from litreview.errors import LitreviewError
from litreview.records import Record
from litreview.screening.decisions import STATUSES as SCREENING
from litreview.screening.decisions import ids_with_status
from litreview.store import Library

STATUSES: dict[str, tuple[str | None, list[Any]]] = {
    "all": (None, []),
    "unique": ("canonical_id IS NULL", []),  # one record per publication after dedup
    "new": ("is_new = 1", []),
}


def status_names() -> list[str]:
    return [*STATUSES, *SCREENING]


def where_for(status: str) -> tuple[str | None, list[Any]]:
    """The WHERE clause and parameters for a status name."""
    try:
        where, params = STATUSES[status]
    except KeyError:
        raise LitreviewError(
            f"unknown status {status!r} (known: {', '.join(STATUSES)})") from None
    return where, list(params)


def select(library: Library, status: str = "all") -> Iterator[Record]:
    if status in SCREENING:
        ids = sorted(ids_with_status(library, status))
        return (library.get(i) for i in ids)
    where, params = where_for(status)
    return library.records(where, params)
