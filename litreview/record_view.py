"""Everything the library knows about one record, for `litreview show`: its fields, where it came
from, its cluster (the study), what dedup filled from duplicates, and the study's screening: every
decision with reviewer and time (undone ones too), full-text retrieval, notes and tags.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litreview.records import Record, is_retracted
from litreview.screening.status import RecordState, record_states
from litreview.store import Library, catalogue
from litreview.store import chase as chase_store
from litreview.store import watch as watch_store


@dataclass
class RecordView:
    record: Record
    run: dict[str, Any]
    canonical_id: int
    """The study's canonical record (the record itself when it is not a merged duplicate)."""
    members: list[Record] = field(default_factory=list)
    """Every record of the study (cluster), the canonical one first."""
    state: RecordState | None = None
    decisions: list[dict[str, Any]] = field(default_factory=list)
    """Every decision on any record of the study, oldest first, each with its record_id."""
    fulltexts: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)
    chased: list[dict[str, Any]] = field(default_factory=list)
    """How the record was found by citation chasing: from which record, direction, run, when."""
    versions: list[dict[str, Any]] = field(default_factory=list)
    """What the record said before PubMed changed it (the living-review watch), oldest first."""

    @property
    def retracted(self) -> bool:
        return any(is_retracted(member) for member in self.members)


def record_view(library: Library, ref: str | int) -> RecordView:
    """The view of a record given as id, pmid:NNN or doi:10... (RecordNotFound if none matches).
    An id of a merged duplicate shows that record, with the study it belongs to."""
    text = str(ref).strip()
    record_id = int(text) if text.isdigit() and catalogue.record_exists(library, int(text)) \
        else library.resolve(text)
    record = library.get(record_id)
    canonical_id = record.canonical_id or record_id
    member_ids = [canonical_id, *catalogue.cluster_members(library, canonical_id)]
    view = RecordView(record, library.run(record.run_id or 0), canonical_id,
                      [library.get(i) for i in member_ids])
    view.state = record_states(library).get(canonical_id)
    view.decisions = _flatten(catalogue.decisions_by_record(library, member_ids))
    view.fulltexts = _flatten(catalogue.fulltexts_by_record(library, member_ids))
    view.notes = _flatten(catalogue.notes_by_record(library, member_ids))
    view.tags = _flatten(catalogue.tags_by_record(library, member_ids))
    view.chased = chase_store.provenance(library, record_id)
    view.versions = watch_store.versions_of(library, record_id)
    return view


def _flatten(by_record: dict[int, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    rows = [{"record_id": record_id, **row} for record_id, rows in by_record.items() for row in rows]
    return sorted(rows, key=lambda row: (row.get("created_at") or "", row["record_id"]))
