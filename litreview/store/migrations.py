"""Ordered, named schema steps, applied when a Library opens.

The core set below creates records, runs and settings. A feature that needs tables of its own
keeps them in `litreview/store/<feature>.py` with a module-level `migrations = Migrations(...)`;
`migration_sets()` finds those modules, so features never edit this file. Steps are append-only:
never change or reorder one that has shipped, add a new one.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

core = Migrations("litreview.core")


@core()
def m001_records(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE records (
            id INTEGER PRIMARY KEY,
            pmid TEXT, doi TEXT, pmcid TEXT,
            title TEXT NOT NULL DEFAULT '', vernacular_title TEXT,
            abstract TEXT, abstract_sections TEXT,
            authors TEXT,
            journal TEXT, journal_abbrev TEXT, issn_print TEXT, issn_electronic TEXT,
            volume TEXT, issue TEXT, pages TEXT, article_number TEXT,
            year INTEGER, month INTEGER, day INTEGER, date_text TEXT,
            languages TEXT, publication_types TEXT, mesh TEXT, keywords TEXT, corrections TEXT,
            publication_status TEXT, kind TEXT NOT NULL DEFAULT 'article',
            book_title TEXT, publisher TEXT, place TEXT, isbn TEXT, edition TEXT, editors TEXT,
            url TEXT, extra TEXT,
            source_db TEXT NOT NULL,
            source_key TEXT NOT NULL,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            added_at TEXT NOT NULL,
            is_new INTEGER NOT NULL DEFAULT 1,
            canonical_id INTEGER REFERENCES records(id)
        )
        """
    )
    db.execute("CREATE UNIQUE INDEX records_source ON records(source_db, source_key)")
    db.execute("CREATE INDEX records_pmid ON records(pmid)")
    db.execute("CREATE INDEX records_doi ON records(doi)")
    db.execute("CREATE INDEX records_canonical ON records(canonical_id)")
    db.execute("CREATE INDEX records_run ON records(run_id)")


@core()
def m002_runs(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('search', 'import')),
            name TEXT,
            database TEXT NOT NULL,
            query TEXT, query_translation TEXT, params TEXT,
            file TEXT, checksum TEXT,
            started_at TEXT NOT NULL, finished_at TEXT,
            status TEXT NOT NULL DEFAULT 'running'
                CHECK (status IN ('running', 'complete', 'incomplete', 'failed', 'interrupted')),
            count_reported INTEGER, count_retrieved INTEGER, count_new INTEGER,
            missing TEXT, error TEXT
        )
        """
    )
    db.execute("CREATE INDEX runs_kind_name ON runs(kind, name)")


@core()
def m003_settings(db: Database) -> None:
    db.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


@core()
def m004_run_warnings(db: Database) -> None:
    db.execute("ALTER TABLE runs ADD COLUMN warnings TEXT")


def widen_run_kinds(db: Database, *kinds: str) -> None:
    """Let runs be of more kinds (a feature's runs: chases, checks, watches).

    SQLite cannot alter a CHECK constraint, and rebuilding `runs` would break the foreign keys that
    records and feature tables hold to it. Widening an IN list changes no stored row, so this uses
    SQLite's documented procedure for such changes (ALTER TABLE, section 7): rewrite the table's SQL
    in the schema table and bump schema_version, inside the migration's transaction.
    """
    sql = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'runs'").fetchone()[0]
    found = re.search(r"kind IN \(([^)]*)\)", sql)
    if found is None:
        raise RuntimeError("the runs table has no kind constraint to widen")
    known = [k.strip().strip("'") for k in found.group(1).split(",")]
    wider = ", ".join(f"'{k}'" for k in dict.fromkeys([*known, *kinds]))
    version = db.execute("PRAGMA schema_version").fetchone()[0]
    db.execute("PRAGMA writable_schema = ON")
    try:
        db.execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'runs'",
                   [sql[: found.start()] + f"kind IN ({wider})" + sql[found.end() :]])
        db.execute(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        db.execute("PRAGMA writable_schema = OFF")


def migration_sets() -> list[Migrations]:
    """The core set first, then each feature's set in module-name order."""
    sets = [core]
    here = str(Path(__file__).parent)  # the store package, without importing it from below
    for info in sorted(pkgutil.iter_modules([here]), key=lambda i: i.name):
        if info.name in {"migrations", "library"} or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"litreview.store.{info.name}")
        feature_set = getattr(module, "migrations", None)
        if isinstance(feature_set, Migrations):
            sets.append(feature_set)
    return sets


def apply_all(db: Database) -> None:
    for migration_set in migration_sets():
        migration_set.apply(db)
