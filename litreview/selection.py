"""Which records a command works on: by status name, words and source.

Library statuses (all, unique, new) are filters the store answers; screening statuses (included,
excluded, maybe, unscreened, conflict) come from the screening state machine, which decides them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from litreview.errors import LitreviewError
from litreview.records import Record
from litreview.screening.decisions import STATUSES as SCREENING
from litreview.screening.decisions import ids_with_status
from litreview.store import Library
from litreview.store.catalogue import RecordFilter, filled_fields, find_records

STATUSES: dict[str, RecordFilter] = {
    "all": RecordFilter(),
    "unique": RecordFilter(unique=True),  # one record per publication after dedup
    "new": RecordFilter(new=True),
}


def status_names() -> list[str]:
    return [*STATUSES, *SCREENING]


def filter_for(status: str, words: Sequence[str] = (), source: str | None = None) -> RecordFilter:
    """The store filter for a library status name, narrowed by words and source."""
    try:
        base = STATUSES[status]
    except KeyError:
        raise LitreviewError(f"unknown status {status!r} (known: {', '.join(status_names())})") from None
    return RecordFilter(unique=base.unique, new=base.new, words=[w for w in words if w], source_db=source)


def select(library: Library, status: str = "all", words: Sequence[str] = (),
           source: str | None = None) -> Iterator[Record]:
    """The records with this status whose title, abstract or authors hold every word, from source."""
    if status in SCREENING:
        wanted = filter_for("all", words, source)
        wanted.ids = list(ids_with_status(library, status))
        return find_records(library, wanted)
    return find_records(library, filter_for(status, words, source))


Fills = Mapping[int, Mapping[str, tuple[str, int]]]
"""canonical id -> {field: (value filled, record it came from)}."""


def with_fills(records: Iterable[Record], filled: Fills) -> Iterator[Record]:
    """Records with the fields dedup filled from their duplicates (a DOI only the Embase copy
    had) written into them, as a reviewer expects of the one record kept per study. `filled` is
    catalogue.filled_fields' (or RecordState.filled by record id)."""
    for record in records:
        for name, (value, _) in filled.get(record.id or 0, {}).items():
            if not getattr(record, name, None):
                setattr(record, name, value)
        yield record


def kept_records(library: Library, ids: Iterable[int]) -> Iterator[Record]:
    """The records by id as a reviewer is shown them (screener, bibliography): each record dedup
    kept for its study with the fields it filled from the study's other copies."""
    wanted = list(ids)
    return with_fills((library.get(i) for i in wanted), filled_fields(library, wanted))


def kept_record(library: Library, record_id: int) -> Record:
    """One record as kept_records shows it."""
    return next(kept_records(library, [record_id]))
