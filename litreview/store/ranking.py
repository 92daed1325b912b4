"""Tables of priority screening: the stopping rule's events (sample started, screening stopped).

The model's feature cache is not here: it is derivable, so it lives beside the library
(screening/ranking.py, FeatureCache) and a lost cache is rebuilt.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from litreview.store.library import Library, utcnow

migrations = Migrations("litreview.ranking")


@migrations()
def m001_stopping_events(db: Database) -> None:
    """event 'sample': the random sample of the unscreened records (the urn, its ids) began;
    'stop': the reviewers stopped screening on the rule's word (its statistic at that moment)."""
    db.execute(
        """
        CREATE TABLE stopping_events (
            id INTEGER PRIMARY KEY,
            stage TEXT NOT NULL CHECK (stage IN ('ta', 'ft')),
            event TEXT NOT NULL CHECK (event IN ('sample', 'stop')),
            reviewer TEXT,
            rule TEXT NOT NULL,
            parameters TEXT NOT NULL,
            statistic TEXT NOT NULL,
            urn TEXT,
            created_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX stopping_events_stage ON stopping_events(stage, event)")


COLUMNS = ("id", "stage", "event", "reviewer", "rule", "parameters", "statistic", "urn", "created_at")


def insert_stopping_event(library: Library, stage: str, event: str, reviewer: str | None, rule: str,
                          parameters: dict[str, Any], statistic: dict[str, Any],
                          urn: list[int] | None = None) -> int:
    cursor = library.db.execute(
        "INSERT INTO stopping_events (stage, event, reviewer, rule, parameters, statistic, urn, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [str(stage), event, reviewer, rule, json.dumps(parameters), json.dumps(statistic),
         None if urn is None else orjson.dumps(urn).decode(), utcnow()])
    return int(cursor.lastrowid or 0)


def latest_stopping_event(library: Library, stage: str, event: str) -> dict[str, Any] | None:
    """The newest event of a kind at a stage, with its JSON decoded (urn: a list of record ids)."""
    row = library.db.execute(
        "SELECT " + ", ".join(COLUMNS) + " FROM stopping_events WHERE stage = ? AND event = ?"
        " ORDER BY id DESC LIMIT 1", [str(stage), event]).fetchone()
    if row is None:
        return None
    found = dict(zip(COLUMNS, row))
    found["parameters"] = json.loads(found["parameters"])
    found["statistic"] = json.loads(found["statistic"])
    found["urn"] = orjson.loads(found["urn"]) if found["urn"] else None
    return found


def stopping_events(library: Library) -> list[dict[str, Any]]:
    """Every stopping event (without the urns), oldest first: the audit trail's part."""
    columns = tuple(c for c in COLUMNS if c != "urn")
    rows = library.db.execute("SELECT " + ", ".join(columns) + " FROM stopping_events ORDER BY id")
    return [{**dict(zip(columns, row)), "parameters": json.loads(row[5]), "statistic": json.loads(row[6])}
            for row in rows]


def model_texts(library: Library) -> list[tuple[int, str | None, str | None, str | None, str | None]]:
    """(id, title, abstract, keywords JSON, mesh JSON) of every canonical record: what the model reads."""
    return [tuple(row) for row in library.db.execute(  # type: ignore[misc]
        "SELECT id, title, abstract, keywords, mesh FROM records WHERE canonical_id IS NULL ORDER BY id")]
