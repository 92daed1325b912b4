"""Tables of screening: every decision ever made (the audit trail), resolutions, full texts, notes,
tags, and the events that changed screening state without a decision (merges, splits, forced
re-decisions).

Nothing is updated in place or deleted: a changed decision is a new row; undo marks a row undone.
Rows stay on the record they were made on. Screening state belongs to the study, i.e. the cluster
(a canonical record and the duplicates merged into it, `coalesce(canonical_id, id)`): the
`cluster_*` questions below return every member's rows with the cluster they belong to now, so a
merge or a change of canonical record carries them over and a split leaves them where they were made.
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


@migrations()
def m003_decision_scope_and_events(db: Database) -> None:
    """scope 'cluster': the decision was taken on a record that had merged duplicates, so it is the
    reviewer's word on the whole study (it supersedes their earlier votes on the copies); 'record':
    on a record alone, as every decision before this step."""
    db.execute("ALTER TABLE decisions ADD COLUMN scope TEXT NOT NULL DEFAULT 'record'"
               " CHECK (scope IN ('record', 'cluster'))")
    db.execute(
        """
        CREATE TABLE screening_events (
            id INTEGER PRIMARY KEY,
            event TEXT NOT NULL,
            record_id INTEGER REFERENCES records(id),
            reviewer TEXT,
            detail TEXT NOT NULL,
            created_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX screening_events_record ON screening_events(record_id)")


COLUMNS = ("id", "record_id", "stage", "reviewer", "decision", "reason", "kind", "created_at",
           "undone", "origin", "scope")
_CLUSTER = "coalesce(r.canonical_id, r.id)"
_SELECT_IN_CLUSTERS = ("SELECT " + ", ".join(f"d.{c}" for c in COLUMNS) + f", {_CLUSTER}"
                       " FROM decisions d JOIN records r ON r.id = d.record_id")


def _rows(cursor: Any) -> list[dict[str, Any]]:
    return [dict(zip(COLUMNS, row)) for row in cursor]


def _cluster_rows(cursor: Any) -> list[dict[str, Any]]:
    columns = (*COLUMNS, "cluster_id")
    return [dict(zip(columns, row)) for row in cursor]


# -- decisions -------------------------------------------------------------------------------

def insert_decision(library: Library, record_id: int, stage: str, reviewer: str, decision: str,
                    reason: str | None, kind: str = "screen", created_at: str | None = None,
                    origin: str | None = None, scope: str = "record") -> int:
    cursor = library.db.execute(
        "INSERT INTO decisions (record_id, stage, reviewer, decision, reason, kind, created_at, origin,"
        " scope) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [record_id, str(stage), reviewer, str(decision), reason, str(kind), created_at or utcnow(), origin,
         str(scope)])
    return int(cursor.lastrowid or 0)


def all_decisions(library: Library, stage: str | None = None) -> list[dict[str, Any]]:
    """Every decision row (the audit trail), in the order made; optionally of one stage."""
    sql = "SELECT " + ", ".join(COLUMNS) + " FROM decisions"
    return _rows(library.db.execute(sql + (" WHERE stage = ?" if stage else "") + " ORDER BY id",
                                    [str(stage)] if stage else []))


def cluster_decisions(library: Library, stage: str | None = None,
                      active_only: bool = True) -> list[dict[str, Any]]:
    """Decisions (of a stage; the active ones) with the cluster each record belongs to now
    ('cluster_id'), oldest first."""
    where = [clause for clause, wanted in (("d.stage = ?", stage), ("d.undone = 0", active_only)) if wanted]
    return _cluster_rows(library.db.execute(
        _SELECT_IN_CLUSTERS + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY d.id",
        [str(stage)] if stage else []))


def decisions_in_cluster(library: Library, record_id: int, stage: str) -> list[dict[str, Any]]:
    """Active decisions of a stage on every member of record_id's cluster (indexed: the screener
    and each decision ask this per record)."""
    cluster = cluster_of(library, record_id)
    return _cluster_rows(library.db.execute(
        _SELECT_IN_CLUSTERS + " WHERE (r.id = ? OR r.canonical_id = ?) AND d.stage = ? AND d.undone = 0"
        " ORDER BY d.id", [cluster, cluster, str(stage)]))


def decisions_for(library: Library, record_id: int, stage: str) -> list[dict[str, Any]]:
    """Every decision row of a stage made on this one record (undone ones too)."""
    return _rows(library.db.execute("SELECT " + ", ".join(COLUMNS) + " FROM decisions WHERE record_id = ?"
                                    " AND stage = ? ORDER BY id", [record_id, str(stage)]))


def decisions_on_members(library: Library, canonical_id: int) -> list[dict[str, Any]]:
    """Active decisions on the records merged into canonical_id (not on canonical_id itself)."""
    return _rows(library.db.execute(
        "SELECT " + ", ".join(f"d.{c}" for c in COLUMNS) + " FROM decisions d JOIN records r"
        " ON r.id = d.record_id WHERE r.canonical_id = ? AND d.undone = 0 ORDER BY d.id", [canonical_id]))


def last_active(library: Library, reviewer: str, stage: str) -> dict[str, Any] | None:
    row = library.db.execute(
        "SELECT " + ", ".join(COLUMNS) + " FROM decisions WHERE reviewer = ? AND stage = ?"
        " AND undone = 0 ORDER BY id DESC LIMIT 1", [reviewer, str(stage)]).fetchone()
    return dict(zip(COLUMNS, row)) if row else None


def mark_undone(library: Library, decision_id: int) -> None:
    library.db.execute("UPDATE decisions SET undone = 1 WHERE id = ?", [decision_id])


def decided_ids(library: Library, reviewer: str, stage: str) -> set[int]:
    """Records this reviewer has an active decision on (the records themselves, not clusters)."""
    rows = library.db.execute(
        "SELECT DISTINCT record_id FROM decisions WHERE reviewer = ? AND stage = ? AND undone = 0"
        " AND kind = 'screen'", [reviewer, str(stage)])
    return {r[0] for r in rows}


def clusters_decided_by(library: Library, reviewer: str, stage: str) -> set[int]:
    """Clusters in which this reviewer has an active decision on some member."""
    rows = library.db.execute(
        f"SELECT DISTINCT {_CLUSTER} FROM decisions d JOIN records r ON r.id = d.record_id"
        " WHERE d.reviewer = ? AND d.stage = ? AND d.undone = 0 AND d.kind = 'screen'",
        [reviewer, str(stage)])
    return {r[0] for r in rows}


# -- clusters --------------------------------------------------------------------------------

def cluster_of(library: Library, record_id: int) -> int:
    """The canonical record of record_id's cluster (record_id itself when it stands alone)."""
    row = library.db.execute("SELECT coalesce(canonical_id, id) FROM records WHERE id = ?",
                             [record_id]).fetchone()
    return int(row[0]) if row else record_id


def cluster_size(library: Library, record_id: int) -> int:
    cluster = cluster_of(library, record_id)
    row = library.db.execute("SELECT count(*) FROM records WHERE id = ? OR canonical_id = ?",
                             [cluster, cluster]).fetchone()
    return int(row[0])


def canonical_ids(library: Library) -> list[int]:
    return [r[0] for r in library.db.execute("SELECT id FROM records WHERE canonical_id IS NULL ORDER BY id")]


def canonical_ids_by(library: Library, order: str) -> list[int]:
    """Canonical record ids by 'year' (unknown first) or 'title' (case-insensitive), then id."""
    column = {"year": "coalesce(year, 0), id", "title": "lower(title), id"}[order]
    return [r[0] for r in library.db.execute(
        f"SELECT id FROM records WHERE canonical_id IS NULL ORDER BY {column}")]


_SCREENED = ("SELECT record_id FROM decisions UNION SELECT record_id FROM fulltexts"
             " UNION SELECT record_id FROM notes UNION SELECT record_id FROM tags")


def screened_cluster_members(library: Library) -> dict[int, tuple[int, bool]]:
    """record id -> (its cluster now, whether screening rows are on it), for every member of every
    cluster holding screening rows (decisions, full texts, notes, tags): what a merge or split
    can change. Empty, and cheap, for a library nobody has screened."""
    rows = library.db.execute(
        f"WITH held AS ({_SCREENED}), clusters AS (SELECT DISTINCT {_CLUSTER} AS c FROM held"
        " JOIN records r ON r.id = held.record_id)"
        " SELECT r.id, coalesce(r.canonical_id, r.id), r.id IN (SELECT record_id FROM held)"
        " FROM records r JOIN clusters ON clusters.c = coalesce(r.canonical_id, r.id)")
    return {r: (c, bool(h)) for r, c, h in rows}


def existing_ids(library: Library, ids: list[int]) -> set[int]:
    """Those of ids still in the library (an undone run removes records)."""
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        found.update(r[0] for r in library.db.execute(
            f"SELECT id FROM records WHERE id IN ({','.join('?' * len(chunk))})", chunk))
    return found


def record_identifiers(library: Library) -> dict[int, tuple[Any, ...]]:
    """id -> (source_db, source_key, pmid, doi): what another library can match a record by."""
    rows = library.db.execute("SELECT id, source_db, source_key, pmid, doi FROM records")
    return {r[0]: tuple(r[1:]) for r in rows}


def find_by_source(library: Library, source_db: str | None, source_key: str | None) -> int | None:
    """The canonical record of the study holding the record with this provenance."""
    row = library.db.execute("SELECT coalesce(canonical_id, id) FROM records"
                             " WHERE source_db = ? AND source_key = ?", [source_db, source_key]).fetchone()
    return int(row[0]) if row else None


def record_by_source(library: Library, source_db: str | None, source_key: str | None) -> int | None:
    """The record itself with this provenance (merged or not)."""
    row = library.db.execute("SELECT id FROM records WHERE source_db = ? AND source_key = ?",
                             [source_db, source_key]).fetchone()
    return int(row[0]) if row else None


def mark_not_new(library: Library, record_id: int) -> None:
    library.db.execute("UPDATE records SET is_new = 0 WHERE id = ?", [record_id])


# -- full texts, notes, tags -----------------------------------------------------------------

def insert_fulltext(library: Library, record_id: int, retrieved: bool, location: str | None,
                    reviewer: str | None) -> None:
    library.db.execute(
        "INSERT INTO fulltexts (record_id, retrieved, location, reviewer, created_at) VALUES (?, ?, ?, ?, ?)",
        [record_id, int(retrieved), location, reviewer, utcnow()])


def latest_fulltexts(library: Library) -> dict[int, tuple[bool, str | None]]:
    """cluster id -> (retrieved, location) of the latest full-text entry on any of its members."""
    rows = library.db.execute(
        f"SELECT {_CLUSTER}, f.retrieved, f.location, max(f.id) FROM fulltexts f"
        f" JOIN records r ON r.id = f.record_id GROUP BY {_CLUSTER}")
    return {c: (bool(x), loc) for c, x, loc, _ in rows}


def latest_fulltext(library: Library, record_id: int) -> tuple[bool, str | None] | None:
    """(retrieved, location) of the latest full-text entry in record_id's cluster, if any."""
    cluster = cluster_of(library, record_id)
    row = library.db.execute(
        "SELECT f.retrieved, f.location FROM fulltexts f JOIN records r ON r.id = f.record_id"
        " WHERE r.id = ? OR r.canonical_id = ? ORDER BY f.id DESC LIMIT 1", [cluster, cluster]).fetchone()
    return (bool(row[0]), row[1]) if row else None


def insert_note(library: Library, record_id: int, reviewer: str | None, text: str) -> None:
    library.db.execute("INSERT INTO notes (record_id, reviewer, text, created_at) VALUES (?, ?, ?, ?)",
                       [record_id, reviewer, text, utcnow()])


def notes_of(library: Library, record_id: int) -> list[tuple[str | None, str]]:
    """(reviewer, text) of every note on any member of record_id's cluster, in the order written."""
    cluster = cluster_of(library, record_id)
    return [(r, t) for r, t in library.db.execute(
        "SELECT n.reviewer, n.text FROM notes n JOIN records r ON r.id = n.record_id"
        " WHERE r.id = ? OR r.canonical_id = ? ORDER BY n.id", [cluster, cluster])]


def add_tag(library: Library, record_id: int, tag: str, reviewer: str | None) -> bool:
    cursor = library.db.execute("INSERT OR IGNORE INTO tags (record_id, tag, reviewer, created_at)"
                                " VALUES (?, ?, ?, ?)", [record_id, tag, reviewer, utcnow()])
    return cursor.rowcount > 0


def remove_tag(library: Library, record_id: int, tag: str) -> bool:
    """Take the tag off every member of record_id's cluster (a tag is on the study)."""
    cluster = cluster_of(library, record_id)
    cursor = library.db.execute(
        "DELETE FROM tags WHERE tag = ? AND record_id IN"
        " (SELECT id FROM records WHERE id = ? OR canonical_id = ?)", [tag, cluster, cluster])
    return cursor.rowcount > 0


def tags_of(library: Library, record_id: int) -> list[str]:
    """Tags on any member of record_id's cluster."""
    cluster = cluster_of(library, record_id)
    return [r[0] for r in library.db.execute(
        "SELECT DISTINCT t.tag FROM tags t JOIN records r ON r.id = t.record_id"
        " WHERE r.id = ? OR r.canonical_id = ? ORDER BY t.tag", [cluster, cluster])]


# -- events ----------------------------------------------------------------------------------

def insert_event(library: Library, event: str, record_id: int | None, reviewer: str | None,
                 detail: str) -> None:
    """A change of screening state that is not a decision (merge, split, forced re-decision)."""
    library.db.execute(
        "INSERT INTO screening_events (event, record_id, reviewer, detail, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [str(event), record_id, reviewer, detail, utcnow()])


def events(library: Library, record_id: int | None = None) -> list[dict[str, Any]]:
    """The screening events (all, or those on record_id's cluster), oldest first."""
    columns = ("id", "event", "record_id", "reviewer", "detail", "created_at")
    sql = "SELECT " + ", ".join(f"e.{c}" for c in columns) + " FROM screening_events e"
    if record_id is None:
        return [dict(zip(columns, row)) for row in library.db.execute(sql + " ORDER BY e.id")]
    cluster = cluster_of(library, record_id)
    return [dict(zip(columns, row)) for row in library.db.execute(
        sql + " JOIN records r ON r.id = e.record_id WHERE r.id = ? OR r.canonical_id = ? ORDER BY e.id",
        [cluster, cluster])]
