"""Where records came from, corrected: rename a mislabelled source, undo a search or import run.

Both are one transaction each. Undoing a run removes the records that run added (a record belongs
to the run that first stored it; records a later run found again stay), and is refused once any of
them carries screening (a decision, a full-text entry, a note or a tag): a reviewer's work is never
deleted with the records. The run stays in the search log, marked undone.
"""

from __future__ import annotations

from dataclasses import dataclass

from litreview import dedup
from litreview.errors import RunNotUndoable, UnknownSource
from litreview.store import Library, catalogue
from litreview.store import dedup as dedup_store

SOURCE_LIST_SETTINGS = ("prisma.other_methods", "prisma.registers")
"""Settings that name sources: a rename renames them there too."""


@dataclass
class Renamed:
    records: int
    runs: int
    settings: list[str]


def rename_source(library: Library, old: str, new: str) -> Renamed:
    """Relabel every record and run of source `old` as `new` (merging into `new` if it exists)."""
    new = new.strip()
    sources = catalogue.source_counts(library)
    if old not in sources:
        known = ", ".join(sources) or "none yet"
        raise UnknownSource(f"no records from a source named {old!r} (sources: {known})")
    if not new or new == old:
        raise UnknownSource(f"give a new name for {old!r} other than itself")
    clash = catalogue.keys_in_both(library, old, new)
    if clash:
        raise UnknownSource(f"{old!r} and {new!r} both hold records with the keys {', '.join(clash)}; "
                            "renaming would make them one record twice")
    with library.transaction():
        records, runs = catalogue.rename_source(library, old, new)
        changed = _rename_in_settings(library, old, new)
    return Renamed(records, runs, changed)


def _rename_in_settings(library: Library, old: str, new: str) -> list[str]:
    changed = []
    for key in SOURCE_LIST_SETTINGS:
        names = [n.strip() for n in str(library.get_setting(key, "") or "").split(",") if n.strip()]
        if old in names:
            library.set_setting(key, ",".join(dict.fromkeys(new if n == old else n for n in names)))
            changed.append(key)
    return changed


@dataclass
class Undone:
    run_id: int
    removed: int
    freed: list[int]
    """Records that had been merged into a removed one: dedup reclustered them."""


def undo_run(library: Library, run_id: int) -> Undone:
    """Remove the records this run added; refused if any carries screening or the run is undone."""
    try:
        run = library.run(run_id)
    except KeyError:
        raise RunNotUndoable(f"no run {run_id} (see `litreview searches`)") from None
    if run_id in catalogue.undone_runs(library):
        raise RunNotUndoable(f"run {run_id} was undone already")
    if run["status"] == "running":
        raise RunNotUndoable(f"run {run_id} is still running")
    with library.transaction():
        ids = catalogue.run_record_ids(library, run_id)
        screened = catalogue.screened_among(library, ids)
        if screened:
            shown = ", ".join(map(str, screened[:5])) + (" ..." if len(screened) > 5 else "")
            which, verb = ("record", "carries") if len(screened) == 1 else ("records", "carry")
            of = "its only record" if len(ids) == 1 else f"{len(screened)} of its {len(ids)} records"
            raise RunNotUndoable(f"run {run_id} cannot be undone: {of} {verb} screening ({which} {shown})")
        freed = catalogue.remove_run_records(library, run_id, ids)
        if freed:
            dedup_store.mark_stale(library)
    if freed:
        dedup.run(library)
    return Undone(run_id, len(ids), freed)
