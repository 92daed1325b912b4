"""Read-only queries for the PRISMA report (no tables of its own)."""

from __future__ import annotations

from collections import Counter

from litreview.store.library import Library


def records_per_source(library: Library) -> Counter[str]:
    return Counter({db: n for db, n in library.db.execute(
        "SELECT source_db, count(*) FROM records GROUP BY source_db")})


def merged_duplicates(library: Library) -> list[int]:
    rows = library.db.execute("SELECT id FROM records WHERE canonical_id IS NOT NULL ORDER BY id")
    return [r[0] for r in rows]


def cluster_sources(library: Library) -> list[tuple[int, int, str | None]]:
    """(record id, the canonical record of its study, its source) for every record, by id."""
    return [(r, c, s) for r, c, s in library.db.execute(
        "SELECT id, coalesce(canonical_id, id), source_db FROM records ORDER BY id")]
