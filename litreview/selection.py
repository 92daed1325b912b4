"""Which records a command works on, by status name: one small table the lead can extend.

Each status maps to a WHERE clause over `records` (and its parameters) for
`Library.records(where, params)`. Screening statuses (included, excluded, maybe,
unscreened) are added here when the screening tables land, e.g.
`"included": ("id IN (SELECT record_id FROM ... WHERE decision = ?)", ["include"])`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from litreview.errors import LitreviewError
from litreview.records import Record
from litreview.store import Library

STATUSES: dict[str, tuple[str | None, list[Any]]] = {
    "all": (None, []),
    "unique": ("canonical_id IS NULL", []),  # one record per publication after dedup
    "new": ("is_new = 1", []),
}


def status_names() -> list[str]:
    return list(STATUSES)


def where_for(status: str) -> tuple[str | None, list[Any]]:
    """The WHERE clause and parameters for a status name."""
    try:
        where, params = STATUSES[status]
    except KeyError:
        raise LitreviewError(
            f"unknown status {status!r} (known: {', '.join(STATUSES)})") from None
    return where, list(params)


def select(library: Library, status: str = "all") -> Iterator[Record]:
    where, params = where_for(status)
    return library.records(where, params)
