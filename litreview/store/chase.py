"""Tables of citation chasing: where each chased record came from, and search checks.

A chase is a run (kind 'chase'); a search check is a run (kind 'check') whose params hold its
result, so both appear in the search log that PRISMA-S asks for. `chase_links` keeps one row per
(record found, record chased from, direction): a record found again by a later chase, or from
another included study, gains a row, never a second copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from litreview.store.library import Library, utcnow
from litreview.store.migrations import widen_run_kinds

migrations = Migrations("litreview.chase")



@migrations()
def m001_chase_and_check_runs(db: Database) -> None:
    widen_run_kinds(db, "chase", "check")


@migrations()
def m002_chase_links(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE chase_links (
            id INTEGER PRIMARY KEY,
            record_id INTEGER NOT NULL REFERENCES records(id),
            from_record_id INTEGER REFERENCES records(id),
            direction TEXT NOT NULL CHECK (direction IN ('backward', 'forward', 'similar', 'resolved')),
            run_id INTEGER NOT NULL REFERENCES runs(id),
            score INTEGER,
            found_at TEXT NOT NULL
        )
        """
    )
    # A resolved reference list need not name the record it came from (from_record_id NULL).
    db.execute("CREATE UNIQUE INDEX chase_links_once "
               "ON chase_links(record_id, ifnull(from_record_id, 0), direction)")
    db.execute("CREATE INDEX chase_links_from ON chase_links(from_record_id)")


def _rows_for(library: Library, sql: str, values: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
    """`sql` with its `{marks}` filled for each batch of 500 distinct values (SQLite's limit on
    parameters is far above, but a batch keeps each statement's plan cheap)."""
    wanted = list(dict.fromkeys(values))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        yield from library.db.execute(sql.format(marks=",".join("?" * len(chunk))), chunk)


def pmid_and_doi(library: Library, record_ids: Iterable[int]) -> dict[int, tuple[str | None, str | None]]:
    """(pmid, doi) of each record id given; a PMID held by any member of its cluster counts."""
    found: dict[int, tuple[str | None, str | None]] = {}
    for cluster, pmid, doi in _rows_for(
            library, "SELECT coalesce(canonical_id, id), pmid, doi FROM records "
            "WHERE coalesce(canonical_id, id) IN ({marks}) ORDER BY pmid IS NULL, id", record_ids):
        pmid_held, doi_held = found.get(cluster, (None, None))
        found[cluster] = (pmid_held or pmid, doi_held or doi)
    return found


def records_by_pmid(library: Library, pmids: Iterable[str]) -> dict[str, int]:
    """PMID -> the id of the study (canonical record) that holds it, for PMIDs the library has."""
    held: dict[str, int] = {}
    for pmid, record_id in _rows_for(
            library, "SELECT pmid, coalesce(canonical_id, id) FROM records WHERE pmid IN ({marks}) "
            "ORDER BY canonical_id IS NOT NULL, id", pmids):
        held.setdefault(str(pmid), int(record_id))
    return held


def record_ids_of_run(library: Library, run_id: int) -> dict[str, int]:
    """source_key -> record id of the records a run stored."""
    rows = library.db.execute("SELECT source_key, id FROM records WHERE run_id = ?", [run_id])
    return {str(key): int(record_id) for key, record_id in rows}


def add_links(library: Library, run_id: int,
              links: Iterable[tuple[int, int | None, str, int | None]]) -> int:
    """Store (record, from record, direction, score) rows; returns how many were new."""
    now = utcnow()
    added = 0
    with library.transaction():
        for record_id, from_id, direction, score in links:
            cursor = library.db.execute(
                "INSERT OR IGNORE INTO chase_links (record_id, from_record_id, direction, run_id, score, "
                "found_at) VALUES (?, ?, ?, ?, ?, ?)", [record_id, from_id, direction, run_id, score, now])
            added += cursor.rowcount
    return added


def provenance(library: Library, record_id: int) -> list[dict[str, Any]]:
    """How a record was found by chasing: from which record, which direction, which run, when."""
    rows = library.db.execute(
        "SELECT from_record_id, direction, run_id, score, found_at FROM chase_links "
        "WHERE record_id = ? ORDER BY found_at, from_record_id", [record_id])
    keys = ("from_record_id", "direction", "run_id", "score", "found_at")
    return [dict(zip(keys, row)) for row in rows]


def known_titles(library: Library, record_ids: Iterable[int]) -> dict[int, str]:
    return {int(record_id): str(title or "") for record_id, title in _rows_for(
        library, "SELECT id, title FROM records WHERE id IN ({marks})", record_ids)}
