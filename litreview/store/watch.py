"""Tables of the living-review watch: earlier versions of records, and the events found.

A record PubMed has changed (retracted, corrected, given its issue and pages) is rewritten in place,
so every reader sees today's citation; what it said before is kept in `record_versions`, one row per
change, with the columns that changed as the store had written them. `watch_events` holds what each
watch run reported, so `litreview searches` and the digest can show it again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from litreview.records import Record
from litreview.store.library import RECORD_COLUMNS, Library, encode_record, utcnow
from litreview.store.migrations import widen_run_kinds

migrations = Migrations("litreview.watch")

PROVENANCE = {"source_db", "source_key"}


@migrations()
def m001_watch_runs(db: Database) -> None:
    widen_run_kinds(db, "watch")


@migrations()
def m002_versions_and_events(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE record_versions (
            id INTEGER PRIMARY KEY,
            record_id INTEGER NOT NULL REFERENCES records(id),
            run_id INTEGER NOT NULL REFERENCES runs(id),
            replaced_at TEXT NOT NULL,
            old TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX record_versions_record ON record_versions(record_id)")
    db.execute(
        """
        CREATE TABLE watch_events (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            record_id INTEGER NOT NULL REFERENCES records(id),
            kind TEXT NOT NULL,
            detail TEXT NOT NULL,
            status TEXT NOT NULL,
            found_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX watch_events_run ON watch_events(run_id)")


def pubmed_members(library: Library, cluster_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    """study (canonical id) -> (the member record holding its PMID, the PMID), for studies with one."""
    wanted = list(dict.fromkeys(cluster_ids))
    found: dict[int, tuple[int, str]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = library.db.execute(
            f"SELECT coalesce(canonical_id, id), id, pmid FROM records WHERE pmid IS NOT NULL AND "
            f"coalesce(canonical_id, id) IN ({marks}) ORDER BY source_db != 'PubMed', id", chunk)
        for cluster, record_id, pmid in rows:
            found.setdefault(int(cluster), (int(record_id), str(pmid)))
    return found


def write_new_version(library: Library, record_id: int, new: Record, run_id: int) -> list[str]:
    """Rewrite a record's columns with a newer version of it; keep what changed. Returns the
    columns that changed (none: nothing is written)."""
    columns = [c for c in RECORD_COLUMNS if c not in PROVENANCE]
    row = library.db.execute(f"SELECT {', '.join(columns)} FROM records WHERE id = ?", [record_id]).fetchone()
    encoded = dict(zip(RECORD_COLUMNS, encode_record(new).values))
    old = dict(zip(columns, row))
    changed = [c for c in columns if old[c] != encoded[c]]
    if not changed:
        return []
    with library.transaction():
        library.db.execute(
            "INSERT INTO record_versions (record_id, run_id, replaced_at, old) VALUES (?, ?, ?, ?)",
            [record_id, run_id, utcnow(), json.dumps({c: old[c] for c in changed}, ensure_ascii=False)])
        library.db.execute(f"UPDATE records SET {', '.join(f'{c} = ?' for c in changed)} WHERE id = ?",
                           [*(encoded[c] for c in changed), record_id])
    return changed


def versions_of(library: Library, record_id: int) -> list[dict[str, Any]]:
    rows = library.db.execute(
        "SELECT run_id, replaced_at, old FROM record_versions WHERE record_id = ? ORDER BY id", [record_id])
    return [{"run_id": run, "replaced_at": at, "old": json.loads(old)} for run, at, old in rows]


def add_events(library: Library, run_id: int, events: Iterable[tuple[int, str, str, str]]) -> None:
    """Store (record id, kind, detail, study status) rows for a run."""
    now = utcnow()
    with library.transaction():
        for record_id, kind, detail, status in events:
            library.db.execute(
                "INSERT INTO watch_events (run_id, record_id, kind, detail, status, found_at) "
                "VALUES (?, ?, ?, ?, ?, ?)", [run_id, record_id, kind, detail, status, now])


def events(library: Library, run_id: int | None = None) -> list[dict[str, Any]]:
    sql = ("SELECT e.run_id, e.record_id, r.pmid, r.title, e.kind, e.detail, e.status, e.found_at "
           "FROM watch_events e JOIN records r ON r.id = e.record_id")
    rows = library.db.execute(sql + (" WHERE e.run_id = ?" if run_id else "") + " ORDER BY e.id",
                              [run_id] if run_id else [])
    keys = ("run_id", "record_id", "pmid", "title", "kind", "detail", "status", "found_at")
    return [dict(zip(keys, row)) for row in rows]


def records_of_run(library: Library, run_id: int) -> list[int]:
    """The studies (canonical ids) of the records a run stored."""
    rows = library.db.execute("SELECT coalesce(canonical_id, id) FROM records WHERE run_id = ?", [run_id])
    return [int(row[0]) for row in rows]
