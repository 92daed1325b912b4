"""Tables of the dedup feature: pair decisions (with reasons), compared records, filled fields.

A cluster is not a table: it is the set of records whose canonical_id points to one record
(plus that record). Clusters are rebuilt from the pair decisions, so a manual decision or a split
is never lost to a re-run: it is a pair decision with origin 'manual'.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import orjson
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from litreview.store.library import Library, utcnow

migrations = Migrations("litreview.dedup")


@migrations()
def m001_dedup_tables(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE dedup_pairs (
            a INTEGER NOT NULL REFERENCES records(id),
            b INTEGER NOT NULL REFERENCES records(id),
            decision TEXT NOT NULL CHECK (decision IN ('duplicate', 'distinct', 'uncertain', 'related')),
            origin TEXT NOT NULL CHECK (origin IN ('auto', 'manual')),
            reason TEXT,
            scores TEXT,
            decided_at TEXT NOT NULL,
            PRIMARY KEY (a, b),
            CHECK (a < b)
        )
        """
    )
    db.execute("CREATE INDEX dedup_pairs_b ON dedup_pairs(b)")
    db.execute("CREATE INDEX dedup_pairs_decision ON dedup_pairs(decision)")
    db.execute("CREATE TABLE dedup_seen (record_id INTEGER PRIMARY KEY REFERENCES records(id))")
    db.execute(
        """
        CREATE TABLE dedup_filled (
            canonical_id INTEGER NOT NULL REFERENCES records(id),
            field TEXT NOT NULL,
            value TEXT NOT NULL,
            from_record INTEGER NOT NULL REFERENCES records(id),
            PRIMARY KEY (canonical_id, field)
        )
        """
    )


@migrations()
def m002_dedup_stale(db: Database) -> None:
    db.execute("CREATE TABLE dedup_stale (since TEXT NOT NULL)")


def mark_stale(library: Library) -> None:
    """Decisions were stored that the clusters do not follow yet (a review session cut short)."""
    library.db.execute("INSERT INTO dedup_stale (since) VALUES (?)", [utcnow()])


def clear_stale(library: Library) -> None:
    library.db.execute("DELETE FROM dedup_stale")


def is_stale(library: Library) -> bool:
    return library.db.execute("SELECT 1 FROM dedup_stale LIMIT 1").fetchone() is not None


COMPARED_COLUMNS = ("id", "source_key", "source_db", "title", "authors", "year", "doi", "pmid", "volume",
                    "issue", "pages", "journal", "journal_abbrev", "book_title", "kind", "publication_types",
                    "abstract")


def rows_to_compare(library: Library) -> list[dict[str, Any]]:
    """Every record's citation fields (COMPARED_COLUMNS), by id. The JSON list columns (authors,
    publication_types) are left as stored: decoded_list() decodes them where each record is
    normalised, so a library's worth of decoded author lists is never held at once."""
    cursor = library.db.conn.execute(f"SELECT {', '.join(COMPARED_COLUMNS)} FROM records ORDER BY id")
    return [dict(zip(COMPARED_COLUMNS, row)) for row in cursor]


def decoded_list(value: str | list[Any] | None) -> list[Any]:
    """A JSON list column of rows_to_compare (authors as [{'family', 'given', 'collective'}],
    publication types as strings), decoded; [] when empty."""
    if not value:
        return []
    return value if isinstance(value, list) else orjson.loads(value)


def has_unseen(library: Library) -> bool:
    """A record dedup has not compared yet."""
    found = library.db.execute(
        "SELECT 1 FROM records WHERE id NOT IN (SELECT record_id FROM dedup_seen) LIMIT 1").fetchone()
    return found is not None


def record_count(library: Library) -> int:
    return int(library.db.execute("SELECT count(*) FROM records").fetchone()[0])


def record_exists(library: Library, record_id: int) -> bool:
    return library.db.execute("SELECT 1 FROM records WHERE id = ?", [record_id]).fetchone() is not None


def cluster_members(library: Library, record_id: int) -> list[int]:
    """Ids of the records in the cluster that holds record_id, by id; [] when there is no such record."""
    canonical = library.db.execute("SELECT coalesce(canonical_id, id) FROM records WHERE id = ?",
                                   [record_id]).fetchone()
    if canonical is None:
        return []
    rows = library.db.execute("SELECT id FROM records WHERE id = ? OR canonical_id = ? ORDER BY id",
                              [canonical[0], canonical[0]])
    return [r[0] for r in rows]


def clusters_table(library: Library) -> list[tuple[str, str]]:
    """(record source key, the source key of its cluster's canonical record) for every record."""
    rows = library.db.execute(
        "SELECT r.source_key, coalesce(c.source_key, r.source_key) FROM records r"
        " LEFT JOIN records c ON c.id = r.canonical_id ORDER BY r.id")
    return [(a, b) for a, b in rows]


def cluster_counts(library: Library) -> tuple[int, int]:
    """(clusters, records merged into another) as the last recluster left them."""
    clusters, merged = library.db.execute(
        "SELECT count(DISTINCT canonical_id), count(*) FROM records WHERE canonical_id IS NOT NULL"
    ).fetchone()
    return int(clusters), int(merged)


def seen_ids(library: Library) -> set[int]:
    return {r[0] for r in library.db.execute("SELECT record_id FROM dedup_seen")}


def mark_seen(library: Library, ids: Iterable[int]) -> None:
    library.db.conn.executemany("INSERT OR IGNORE INTO dedup_seen (record_id) VALUES (?)",
                                [(i,) for i in ids])


def manual_pairs(library: Library) -> dict[tuple[int, int], str]:
    rows = library.db.execute("SELECT a, b, decision FROM dedup_pairs WHERE origin = 'manual'")
    return {(a, b): d for a, b, d in rows}


def save_auto_pairs(library: Library, decisions: Iterable[tuple[int, int, str, dict[str, Any],
                                                                 dict[str, float]]]) -> None:
    """Store automatic decisions; a manual decision on the same pair is never replaced."""
    now = utcnow()
    library.db.conn.executemany(
        "INSERT INTO dedup_pairs (a, b, decision, origin, reason, scores, decided_at)"
        " VALUES (?, ?, ?, 'auto', ?, ?, ?)"
        " ON CONFLICT(a, b) DO UPDATE SET decision = excluded.decision, reason = excluded.reason,"
        " scores = excluded.scores, decided_at = excluded.decided_at"
        " WHERE dedup_pairs.origin = 'auto'",
        [(a, b, d, json.dumps(reason), json.dumps(scores), now) for a, b, d, reason, scores in decisions],
    )


def forget_auto_pairs(library: Library) -> None:
    """Drop every automatic decision before a full rerun decides them all again: a pair merged by
    a rule that has since been corrected must not stay merged. Manual decisions stay."""
    library.db.execute("DELETE FROM dedup_pairs WHERE origin = 'auto'")


def save_manual_pair(library: Library, a: int, b: int, decision: str, note: str) -> None:
    a, b = min(a, b), max(a, b)
    library.db.execute(
        "INSERT INTO dedup_pairs (a, b, decision, origin, reason, scores, decided_at)"
        " VALUES (?, ?, ?, 'manual', ?, NULL, ?)"
        " ON CONFLICT(a, b) DO UPDATE SET decision = excluded.decision, origin = 'manual',"
        " reason = excluded.reason, decided_at = excluded.decided_at",
        [a, b, decision, json.dumps({"rule": note}), utcnow()],
    )


def pairs(library: Library, decision: str) -> list[tuple[int, int]]:
    return [(a, b) for a, b in library.db.execute(
        "SELECT a, b FROM dedup_pairs WHERE decision = ? ORDER BY a, b", [decision])]


def pair_detail(library: Library, a: int, b: int) -> dict[str, Any] | None:
    row = library.db.execute(
        "SELECT decision, origin, reason, scores, decided_at FROM dedup_pairs WHERE a = ? AND b = ?",
        [min(a, b), max(a, b)]).fetchone()
    if row is None:
        return None
    return {"decision": row[0], "origin": row[1], "reason": json.loads(row[2] or "null"),
            "scores": json.loads(row[3] or "null"), "decided_at": row[4]}


def set_canonical(library: Library, canonical_of: dict[int, int | None]) -> dict[int, int | None]:
    """Point each record at its canonical (None: it is one); returns the pointers that changed.
    Only rows whose pointer changes are written: a rerun over 100,000 records rewrote every row,
    abstracts and all, to change none."""
    current = current_canonical(library)
    changed = {r: c for r, c in canonical_of.items() if current.get(r) != c}
    library.db.conn.executemany("UPDATE records SET canonical_id = ? WHERE id = ?",
                                [(c, r) for r, c in changed.items()])
    return changed


def current_canonical(library: Library) -> dict[int, int]:
    return {r: c for r, c in library.db.execute(
        "SELECT id, canonical_id FROM records WHERE canonical_id IS NOT NULL")}


def replace_filled(library: Library, fills: list[tuple[int, str, str, int]]) -> None:
    library.db.execute("DELETE FROM dedup_filled")
    library.db.conn.executemany(
        "INSERT INTO dedup_filled (canonical_id, field, value, from_record) VALUES (?, ?, ?, ?)", fills)


def filled(library: Library, canonical_id: int) -> dict[str, tuple[str, int]]:
    return {f: (v, src) for f, v, src in library.db.execute(
        "SELECT field, value, from_record FROM dedup_filled WHERE canonical_id = ?", [canonical_id])}
