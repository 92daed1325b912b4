"""Where each record stands in screening, in one line a reviewer or a statistician can read:
what `list` shows and what exports carry (stage, decision, exclusion reason, notes, tags).

Read from the PRISMA screening flow and the stage states (decisions.py decides them); notes and
tags left on any record of a study (its cluster) belong to the study's canonical record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from litreview.screening.decisions import screening_flow, stage_states
from litreview.store import Library, catalogue


class Status(str, Enum):
    """A record's screening status (str-valued: compares and prints as its text)."""

    UNSCREENED = "unscreened"
    CONFLICT = "conflict"
    EXCLUDED = "excluded"
    AWAITING_FULL_TEXT = "awaiting full text"
    NOT_RETRIEVED = "not retrieved"
    AWAITING_ASSESSMENT = "awaiting assessment"
    INCLUDED = "included"
    DUPLICATE = "duplicate"

    def __str__(self) -> str:
        return self.value


@dataclass
class RecordState:
    status: Status
    stage: str = ""
    """'ta' or 'ft': the stage the record is at or was last decided at ('' for a duplicate)."""
    decision: str = ""
    """The stage's outcome: include, exclude, maybe ('' while undecided)."""
    reason: str = ""
    conflict: str = ""
    """Why a study in conflict is ('reviewers disagree: ...', 'copies of the study decided ...')."""
    duplicate_of: int | None = None
    notes: list[str] = field(default_factory=list)
    """'reviewer: text' (or just the text), oldest first."""
    tags: list[str] = field(default_factory=list)
    filled: dict[str, tuple[str, int]] = field(default_factory=dict)
    """Fields dedup filled from a duplicate: name -> (value, record it came from)."""


def record_states(library: Library) -> dict[int, RecordState]:
    """The screening state of every record: canonical records from the flow, merged duplicates
    as duplicates of their canonical record."""
    states: dict[int, RecordState] = {}
    ta, ft = stage_states(library, "ta"), stage_states(library, "ft")
    flow = screening_flow(library)
    for record_id in flow.awaiting_screening:
        conflict = ta[record_id].in_conflict
        states[record_id] = RecordState(Status.CONFLICT if conflict else Status.UNSCREENED, "ta",
                                        conflict=ta[record_id].conflict or "")
    for record_id in flow.excluded_screening:
        state = ta[record_id]
        states[record_id] = RecordState(Status.EXCLUDED, "ta", state.outcome or "", state.reason or "")
    for record_id in flow.reports_not_retrieved:
        states[record_id] = RecordState(Status.NOT_RETRIEVED, "ft")
    for record_id in flow.awaiting_retrieval:
        states[record_id] = RecordState(Status.AWAITING_FULL_TEXT, "ft")
    for record_id in flow.awaiting_assessment:
        conflict = ft[record_id].in_conflict
        states[record_id] = RecordState(Status.CONFLICT if conflict else Status.AWAITING_ASSESSMENT, "ft",
                                        conflict=ft[record_id].conflict or "")
    for reason, ids in flow.reports_excluded.items():
        for record_id in ids:
            states[record_id] = RecordState(Status.EXCLUDED, "ft", "exclude", ft[record_id].reason or reason)
    for record_id in flow.included:
        states[record_id] = RecordState(Status.INCLUDED, "ft", "include")
    merged = catalogue.canonical_of_merged(library)
    for record_id, canonical in merged.items():
        states[record_id] = RecordState(Status.DUPLICATE, duplicate_of=canonical)
    _attach_notes_and_tags(library, states, merged)
    for record_id, filled in catalogue.filled_fields(library).items():
        if record_id in states:
            states[record_id].filled = filled
    return states


def _attach_notes_and_tags(library: Library, states: dict[int, RecordState], merged: dict[int, int]) -> None:
    for record_id, notes in sorted(catalogue.notes_by_record(library).items()):
        owner = states.get(merged.get(record_id, record_id))
        if owner is not None:
            owner.notes += [f"{n['reviewer']}: {n['text']}" if n["reviewer"] else n["text"] for n in notes]
    for record_id, tags in sorted(catalogue.tags_by_record(library).items()):
        owner = states.get(merged.get(record_id, record_id))
        if owner is not None:
            owner.tags = sorted({*owner.tags, *(t["tag"] for t in tags)})
