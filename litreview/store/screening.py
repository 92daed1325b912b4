"""Tables of screening: every decision ever made (the audit trail), resolutions, full texts, notes.

Nothing is updated in place or deleted: a changed decision is a new row; undo marks a row undone.
The current decision of a reviewer on a record and stage is their latest row that is not undone.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from litreview.store.library import Library, utcnow

migrations = Migrations("litreview.screening")


@migrations()
def m001_screening_tables(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE decisions (
            id INTEGER PRIMARY KEY,
            record_id INTEGER NOT NULL REFERENCES records(id),
            stage TEXT NOT NULL CHECK (stage IN ('ta', 'ft')),
            reviewer TEXT NOT NULL,
            decision TEXT NOT NULL CHECK (decision IN ('include', 'exclude', 'maybe')),
            reason TEXT,
            kind TEXT NOT NULL DEFAULT 'screen' CHECK (kind IN ('screen', 'resolve')),
            created_at TEXT NOT NULL,
            undone INTEGER NOT NULL DEFAULT 0,
            origin TEXT
        )
        """
    )
    db.execute("CREATE INDEX decisions_record ON decisions(record_id, stage)")
    db.execute("CREATE INDEX decisions_reviewer ON decisions(reviewer, stage)")
    db.execute(
        """
        CREATE TABLE fulltexts (
            id INTEGER PRIMARY KEY,
            record_id INTEGER NOT NULL REFERENCES records(id),
            retrieved INTEGER NOT NULL,
            location TEXT,
            reviewer TEXT,
            created_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX fulltexts_record ON fulltexts(record_id)")
    db.execute(
        """
        CREATE TABLE notes (
            id INTEGER PRIMARY KEY,
            record_id INTEGER NOT NULL REFERENCES records(id),
            reviewer TEXT,
            text TEXT NOT NULL,
            created_at TEXT NOT NULL
        )
        """
    )


@migrations()
def m002_tags(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE tags (
            record_id INTEGER NOT NULL REFERENCES records(id),
            tag TEXT NOT NULL,
            reviewer TEXT,
            created_at TEXT NOT NULL,
            PRIMARY KEY (record_id, tag)
        )
        """
    )


COLUMNS = ("id", "record_id", "stage", "reviewer", "decision", "reason", "kind", "created_at",
           "undone", "origin")


def insert_decision(library: Library, record_id: int, stage: str, reviewer: str, decision: str,
                    reason: str | None, kind: str = "screen", created_at: str | None = None,
                    origin: str | None = None) -> int:
    cursor = library.db.execute(
        "INSERT INTO decisions (record_id, stage, reviewer, decision, reason, kind, created_at, origin)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [record_id, stage, reviewer, decision, reason, kind, created_at or utcnow(), origin])
    return int(cursor.lastrowid or 0)


def all_decisions(library: Library, stage: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT " + ", ".join(COLUMNS) + " FROM decisions"
    rows = library.db.execute(sql + (" WHERE stage = ?" if stage else "") + " ORDER BY id",
                              [stage] if stage else [])
    return [dict(zip(COLUMNS, row)) for row in rows]


def last_active(library: Library, reviewer: str, stage: str) -> dict[str, Any] | None:
    row = library.db.execute(
        "SELECT " + ", ".join(COLUMNS) + " FROM decisions WHERE reviewer = ? AND stage = ?"
        " AND undone = 0 ORDER BY id DESC LIMIT 1", [reviewer, stage]).fetchone()
    return dict(zip(COLUMNS, row)) if row else None


def mark_undone(library: Library, decision_id: int) -> None:
    library.db.execute("UPDATE decisions SET undone = 1 WHERE id = ?", [decision_id])


def decided_ids(library: Library, reviewer: str, stage: str) -> set[int]:
    rows = library.db.execute(
        "SELECT DISTINCT record_id FROM decisions WHERE reviewer = ? AND stage = ? AND undone = 0"
        " AND kind = 'screen'", [reviewer, stage])
    return {r[0] for r in rows}


def insert_fulltext(library: Library, record_id: int, retrieved: bool, location: str | None,
                    reviewer: str | None) -> None:
    library.db.execute(
        "INSERT INTO fulltexts (record_id, retrieved, location, reviewer, created_at) VALUES (?, ?, ?, ?, ?)",
        [record_id, int(retrieved), location, reviewer, utcnow()])


def latest_fulltexts(library: Library) -> dict[int, tuple[bool, str | None]]:
    rows = library.db.execute(
        "SELECT record_id, retrieved, location FROM fulltexts WHERE id IN"
        " (SELECT max(id) FROM fulltexts GROUP BY record_id)")
    return {r: (bool(x), loc) for r, x, loc in rows}


def insert_note(library: Library, record_id: int, reviewer: str | None, text: str) -> None:
    library.db.execute("INSERT INTO notes (record_id, reviewer, text, created_at) VALUES (?, ?, ?, ?)",
                       [record_id, reviewer, text, utcnow()])


def canonical_ids(library: Library) -> list[int]:
    return [r[0] for r in library.db.execute("SELECT id FROM records WHERE canonical_id IS NULL ORDER BY id")]


def members_of(library: Library) -> dict[int, list[int]]:
    """canonical id -> the merged duplicates that point to it."""
    found: dict[int, list[int]] = {}
    for record_id, canonical in library.db.execute(
            "SELECT id, canonical_id FROM records WHERE canonical_id IS NOT NULL"):
        found.setdefault(canonical, []).append(record_id)
    return found


def record_identifiers(library: Library) -> dict[int, tuple[Any, ...]]:
    """id -> (source_db, source_key, pmid, doi): what another library can match a record by."""
    rows = library.db.execute("SELECT id, source_db, source_key, pmid, doi FROM records")
    return {r[0]: tuple(r[1:]) for r in rows}


def find_by_source(library: Library, source_db: str | None, source_key: str | None) -> int | None:
    row = library.db.execute("SELECT coalesce(canonical_id, id) FROM records"
                             " WHERE source_db = ? AND source_key = ?", [source_db, source_key]).fetchone()
    return int(row[0]) if row else None


def decisions_on_members(library: Library, canonical_id: int) -> list[dict[str, Any]]:
    """Active decisions on the records merged into canonical_id (indexed; the screener asks per key)."""
    rows = library.db.execute(
        "SELECT " + ", ".join(f"d.{c}" for c in COLUMNS) + " FROM decisions d JOIN records r"
        " ON r.id = d.record_id WHERE r.canonical_id = ? AND d.undone = 0 ORDER BY d.id", [canonical_id])
    return [dict(zip(COLUMNS, row)) for row in rows]


def decisions_for(library: Library, record_id: int, stage: str) -> list[dict[str, Any]]:
    rows = library.db.execute("SELECT " + ", ".join(COLUMNS) + " FROM decisions WHERE record_id = ?"
                              " AND stage = ? ORDER BY id", [record_id, stage])
    return [dict(zip(COLUMNS, row)) for row in rows]


def add_tag(library: Library, record_id: int, tag: str, reviewer: str | None) -> bool:
    cursor = library.db.execute("INSERT OR IGNORE INTO tags (record_id, tag, reviewer, created_at)"
                                " VALUES (?, ?, ?, ?)", [record_id, tag, reviewer, utcnow()])
    return cursor.rowcount > 0


def remove_tag(library: Library, record_id: int, tag: str) -> bool:
    cursor = library.db.execute("DELETE FROM tags WHERE record_id = ? AND tag = ?", [record_id, tag])
    return cursor.rowcount > 0


def tags_of(library: Library, record_id: int) -> list[str]:
    return [r[0] for r in library.db.execute("SELECT tag FROM tags WHERE record_id = ? ORDER BY tag",
                                             [record_id])]


def notes_of(library: Library, record_id: int) -> list[tuple[str | None, str]]:
    return [(r, t) for r, t in library.db.execute(
        "SELECT reviewer, text FROM notes WHERE record_id = ? ORDER BY id", [record_id])]


def mark_not_new(library: Library, record_id: int) -> None:
    library.db.execute("UPDATE records SET is_new = 0 WHERE id = ?", [record_id])
