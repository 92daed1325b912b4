"""Tables of the web app: reviewers' access tokens (hashed) and the app's signing secret.

A token is shown once, in the link `litreview serve` prints; only its SHA-256 is kept, so a copy
of library.db does not let anyone screen as someone else. Revoking marks rows, it deletes nothing.
Also here: the few read questions the app asks on every key press, each one indexed query.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from litreview.store.library import Library, utcnow

migrations = Migrations("litreview.web")


@migrations()
def m001_web_tokens(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE web_tokens (
            id INTEGER PRIMARY KEY,
            reviewer TEXT NOT NULL,
            token_sha256 TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX web_tokens_reviewer ON web_tokens(reviewer)")
    db.execute("CREATE TABLE web_secret (id INTEGER PRIMARY KEY CHECK (id = 1), secret TEXT NOT NULL)")
    db.execute("INSERT INTO web_secret (id, secret) VALUES (1, ?)", [secrets.token_hex(32)])


def insert_token(library: Library, reviewer: str, token_sha256: str) -> None:
    library.db.execute("INSERT INTO web_tokens (reviewer, token_sha256, created_at) VALUES (?, ?, ?)",
                       [reviewer, token_sha256, utcnow()])


def reviewer_of(library: Library, token_sha256: str) -> str | None:
    """The reviewer a live (not revoked) token belongs to."""
    row = library.db.execute("SELECT reviewer FROM web_tokens WHERE token_sha256 = ? AND revoked_at IS NULL",
                             [token_sha256]).fetchone()
    return str(row[0]) if row else None


def revoke(library: Library, reviewer: str) -> int:
    cursor = library.db.execute("UPDATE web_tokens SET revoked_at = ? WHERE reviewer = ?"
                                " AND revoked_at IS NULL", [utcnow(), reviewer])
    return cursor.rowcount


def reviewers_with_tokens(library: Library) -> list[dict[str, Any]]:
    """Each reviewer holding a live link: name, links held, first issued."""
    rows = library.db.execute(
        "SELECT reviewer, count(*), min(created_at) FROM web_tokens WHERE revoked_at IS NULL"
        " GROUP BY reviewer ORDER BY reviewer")
    return [{"reviewer": r, "links": n, "since": since} for r, n, since in rows]


def signing_secret(library: Library) -> str:
    return str(library.db.execute("SELECT secret FROM web_secret WHERE id = 1").fetchone()[0])


def records_version(library: Library) -> tuple[int, int, int, int]:
    """(highest record id, merged records, and two sums over them): changes when an import adds
    records or dedup merges or splits them, which is when a cached screening order is built again.
    Read from the canonical_id index over the merged records only: a millisecond at 50,000."""
    top = library.db.execute("SELECT coalesce(max(id), 0) FROM records").fetchone()[0]
    merged = library.db.execute("SELECT count(*), total(canonical_id), total(id) FROM records"
                                " WHERE canonical_id IS NOT NULL").fetchone()
    return int(top), int(merged[0]), int(merged[1]), int(merged[2])


def title_abstract_version(library: Library) -> tuple[int, int]:
    """(last title/abstract decision id, undone ones): what the full-text list depends on."""
    row = library.db.execute("SELECT coalesce(max(id), 0), coalesce(sum(undone), 0) FROM decisions"
                             " WHERE stage = 'ta'").fetchone()
    return int(row[0]), int(row[1])


def decided_count(library: Library, reviewer: str, stage: str) -> int:
    row = library.db.execute(
        "SELECT count(DISTINCT record_id) FROM decisions WHERE reviewer = ? AND stage = ? AND undone = 0"
        " AND kind = 'screen'", [reviewer, stage]).fetchone()
    return int(row[0])


def is_canonical(library: Library, record_id: int) -> bool | None:
    """True for a record screened in its own right, False for a merged duplicate, None if absent."""
    row = library.db.execute("SELECT canonical_id IS NULL FROM records WHERE id = ?", [record_id]).fetchone()
    return None if row is None else bool(row[0])
