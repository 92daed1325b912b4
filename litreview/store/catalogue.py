"""Questions about records by filter, source and run: what `list`, `export`, `show`, `sources
rename` and `searches undo` ask. One function per question; no SQL text leaves this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from litreview.records import Record
from litreview.store.library import Library, decode_row, utcnow

migrations = Migrations("litreview.catalogue")


@migrations()
def m001_undone_runs(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE runs_undone (
            run_id INTEGER PRIMARY KEY REFERENCES runs(id),
            undone_at TEXT NOT NULL,
            records_removed INTEGER NOT NULL
        )
        """
    )


@dataclass
class RecordFilter:
    """Which records: all of them, or narrowed by these (every given condition must hold)."""

    unique: bool = False
    """Only one record per publication (canonical records, not merged duplicates)."""
    new: bool = False
    """Only records no reviewer has decided yet since they arrived."""
    words: list[str] = field(default_factory=list)
    """Every word in the title, abstract or authors (case-insensitive)."""
    source_db: str | None = None
    ids: list[int] | None = None
    """Only these records (e.g. those a screening status names)."""


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_records(library: Library, wanted: RecordFilter) -> Iterator[Record]:
    """The records matching the filter, by id, streamed."""
    if wanted.ids is None:
        yield from _find(library, wanted, None)
        return
    ids = sorted(set(wanted.ids))
    for start in range(0, len(ids), 500):
        yield from _find(library, wanted, ids[start:start + 500])


def _find(library: Library, wanted: RecordFilter, ids: list[int] | None) -> Iterator[Record]:
    conditions: list[str] = []
    params: list[Any] = []
    if wanted.unique:
        conditions.append("canonical_id IS NULL")
    if wanted.new:
        conditions.append("is_new = 1")
    if wanted.source_db is not None:
        conditions.append("source_db = ?")
        params.append(wanted.source_db)
    if ids is not None:
        conditions.append(f"id IN ({','.join('?' * len(ids))})")
        params += ids
    for word in wanted.words:
        conditions.append("(title LIKE ? ESCAPE '\\' OR abstract LIKE ? ESCAPE '\\'"
                          " OR authors LIKE ? ESCAPE '\\')")
        params += [_like(word)] * 3
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    cursor = library.db.conn.execute(f"SELECT * FROM records{where} ORDER BY id", params)
    columns = [d[0] for d in cursor.description]
    for row in cursor:
        yield decode_row(dict(zip(columns, row)))


def record_exists(library: Library, record_id: int) -> bool:
    return library.db.execute("SELECT 1 FROM records WHERE id = ?", [record_id]).fetchone() is not None


def cluster_members(library: Library, canonical_id: int) -> list[int]:
    """The records merged into this one, by id."""
    return [r[0] for r in library.db.execute(
        "SELECT id FROM records WHERE canonical_id = ? ORDER BY id", [canonical_id])]


def source_counts(library: Library) -> dict[str, int]:
    """Records per source name, by name."""
    return {s: n for s, n in library.db.execute(
        "SELECT source_db, count(*) FROM records GROUP BY source_db ORDER BY source_db")}


def rename_source(library: Library, old: str, new: str) -> tuple[int, int]:
    """Records and runs of source `old` relabelled `new`, in one transaction: (records, runs).
    Two records with one key under both names would collide; the caller checks keys_in_both."""
    with library.transaction():
        records = library.db.execute("UPDATE records SET source_db = ? WHERE source_db = ?", [new, old])
        runs = library.db.execute("UPDATE runs SET database = ? WHERE database = ?", [new, old])
        return records.rowcount, runs.rowcount


def keys_in_both(library: Library, old: str, new: str) -> list[str]:
    """Source keys held under both names (a rename would make them one record twice)."""
    return [r[0] for r in library.db.execute(
        "SELECT a.source_key FROM records a JOIN records b ON a.source_key = b.source_key"
        " WHERE a.source_db = ? AND b.source_db = ? ORDER BY a.source_key LIMIT 5", [old, new])]


def run_record_ids(library: Library, run_id: int) -> list[int]:
    """The records this run added (a record belongs to the run that first stored it)."""
    return [r[0] for r in library.db.execute("SELECT id FROM records WHERE run_id = ? ORDER BY id", [run_id])]


SCREENING_TABLES = ("decisions", "fulltexts", "notes", "tags")


def screened_among(library: Library, ids: list[int]) -> list[int]:
    """Those of these records with a decision, full-text record, note or tag."""
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for table in SCREENING_TABLES:
            found.update(r[0] for r in library.db.execute(
                f"SELECT DISTINCT record_id FROM {table} WHERE record_id IN ({marks})", chunk))
    return sorted(found)


def remove_run_records(library: Library, run_id: int, ids: list[int]) -> list[int]:
    """Delete these records of a run and what dedup knew of them; records merged into one of them
    stand alone again (returned, for dedup to recluster). Call inside a transaction."""
    freed: list[int] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        freed += [r[0] for r in library.db.execute(
            f"SELECT id FROM records WHERE canonical_id IN ({marks}) AND run_id != ?", [*chunk, run_id])]
        library.db.execute(f"UPDATE records SET canonical_id = NULL WHERE canonical_id IN ({marks})", chunk)
        for table, columns in (("dedup_pairs", ("a", "b")), ("dedup_seen", ("record_id",)),
                               ("dedup_filled", ("canonical_id", "from_record"))):
            if library.db[table].exists():
                where = " OR ".join(f"{c} IN ({marks})" for c in columns)
                library.db.execute(f"DELETE FROM {table} WHERE {where}", chunk * len(columns))
        library.db.execute(f"DELETE FROM records WHERE id IN ({marks})", chunk)
    library.db.execute("INSERT INTO runs_undone (run_id, undone_at, records_removed) VALUES (?, ?, ?)",
                       [run_id, utcnow(), len(ids)])
    return sorted(freed)


def undone_runs(library: Library) -> dict[int, tuple[str, int]]:
    """run id -> (when it was undone, records removed)."""
    return {r: (at, n) for r, at, n in library.db.execute(
        "SELECT run_id, undone_at, records_removed FROM runs_undone")}


# -- what reviewers left on records (the screening feature's tables, read for show and export) --

def notes_by_record(library: Library, ids: list[int] | None = None) -> dict[int, list[dict[str, Any]]]:
    """record id -> its notes, oldest first, each {reviewer, text, created_at}."""
    return _by_record(library, "SELECT record_id, reviewer, text, created_at FROM notes", ids,
                      ("reviewer", "text", "created_at"))


def tags_by_record(library: Library, ids: list[int] | None = None) -> dict[int, list[dict[str, Any]]]:
    """record id -> its tags, by name, each {tag, reviewer, created_at}."""
    return _by_record(library, "SELECT record_id, tag, reviewer, created_at FROM tags", ids,
                      ("tag", "reviewer", "created_at"), order="tag")


def fulltexts_by_record(library: Library, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """record id -> every full-text retrieval entry, oldest first."""
    return _by_record(library, "SELECT record_id, retrieved, location, reviewer, created_at FROM fulltexts",
                      ids, ("retrieved", "location", "reviewer", "created_at"))


def decisions_by_record(library: Library, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """record id -> every decision row (undone ones too: the audit trail), oldest first."""
    return _by_record(library, "SELECT record_id, stage, reviewer, decision, reason, kind, created_at,"
                      " undone, origin FROM decisions", ids,
                      ("stage", "reviewer", "decision", "reason", "kind", "created_at", "undone", "origin"))


def _by_record(library: Library, select: str, ids: list[int] | None, names: tuple[str, ...],
               order: str = "id") -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {}
    chunks = [None] if ids is None else [ids[i:i + 500] for i in range(0, len(ids), 500)]
    for chunk in chunks:
        where = "" if chunk is None else f" WHERE record_id IN ({','.join('?' * len(chunk))})"
        for row in library.db.execute(f"{select}{where} ORDER BY record_id, {order}", chunk or []):
            found.setdefault(row[0], []).append(dict(zip(names, row[1:])))
    return found


def canonical_of_merged(library: Library) -> dict[int, int]:
    """merged record id -> the record it was merged into."""
    return {r: c for r, c in library.db.execute(
        "SELECT id, canonical_id FROM records WHERE canonical_id IS NOT NULL")}


def filled_fields(library: Library, ids: list[int] | None = None) -> dict[int, dict[str, tuple[str, int]]]:
    """canonical id -> {field: (value, record it came from)}: what dedup filled from duplicates
    (of these canonical records, or all)."""
    found: dict[int, dict[str, tuple[str, int]]] = {}
    if not library.db["dedup_filled"].exists():
        return found
    select = "SELECT canonical_id, field, value, from_record FROM dedup_filled"
    chunks = [None] if ids is None else [ids[i:i + 500] for i in range(0, len(ids), 500)]
    for chunk in chunks:
        where = "" if chunk is None else f" WHERE canonical_id IN ({','.join('?' * len(chunk))})"
        for canonical, name, value, donor in library.db.execute(
                f"{select}{where} ORDER BY canonical_id, field", chunk or []):
            found.setdefault(canonical, {})[name] = (value, donor)
    return found
