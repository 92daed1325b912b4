"""Library: the one owner of library.db.

Opening a Library applies outstanding migrations, turns on WAL and a busy timeout, so a cron
update and a reviewer screening at the same time wait for each other instead of failing.
Every write goes through `transaction()` (BEGIN IMMEDIATE ... COMMIT): a batch is stored whole
or not at all.
"""

from __future__ import annotations

import fcntl
import json
import operator
import os
import sqlite3
import urllib.parse
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, is_dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson
from sqlite_utils import Database

from litreview.errors import LibraryFileError, LibraryReadOnly, LockHeld, RecordNotFound
from litreview.records import DICT_FIELDS, LIST_FIELDS, STORE_FIELDS, Record
from litreview.store.migrations import apply_all, migration_sets

BUSY_TIMEOUT_MS = 60_000
PAGE_SIZE = 16_384
RECORD_COLUMNS = tuple(
    f for f in Record.__dataclass_fields__ if f not in STORE_FIELDS
)
_TITLE = RECORD_COLUMNS.index("title")
_SOURCE_KEY = RECORD_COLUMNS.index("source_key")


def utcnow() -> str:
    """Timestamps are stored as ISO 8601 UTC to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class AddResult:
    added_ids: list[int] = field(default_factory=list)
    already_held: list[str] = field(default_factory=list)
    other_titles: list[tuple[str, str, str]] = field(default_factory=list)
    """(key, title held, title given) where a held key came with another title."""

    @property
    def added(self) -> int:
        return len(self.added_ids)


class Library:
    """A review's library.db: records, their provenance, the run log and settings."""

    def __init__(self, path: str | Path = "library.db") -> None:
        self.path = Path(path)
        self.read_only_because = None if str(path) == ":memory:" else _cannot_write(self.path)
        """Why the library is opened read-only (the file or its folder cannot be written), or
        None. Reading works; every change raises LibraryReadOnly saying so."""
        try:
            conn = (self._connect_read_only(self.path) if self.read_only_because
                    else self._connect(self.path))
            self.db = Database(conn)
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise _unopenable(self.path, exc) from None

    @property
    def read_only(self) -> bool:
        return self.read_only_because is not None

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Records are 2-6 KB rows (abstract, authors, MeSH as JSON): 16 KB pages store them
        # 15-20% faster than the default 4 KB. Takes effect only on a new, empty library.
        conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        if str(path) != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    @staticmethod
    def _connect_read_only(path: Path) -> sqlite3.Connection:
        """SQLite's read-only mode; on a read-only mount (a WAL library whose -shm file cannot
        be made beside it) as immutable: nobody can write it there, so nothing can change."""
        uri = f"file:{urllib.parse.quote(str(path.resolve()))}"
        for mode in ("mode=ro", "immutable=1"):
            conn = sqlite3.connect(f"{uri}?{mode}", uri=True, isolation_level=None,
                                   timeout=BUSY_TIMEOUT_MS / 1000)
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.OperationalError:
                conn.close()
                if mode == "immutable=1":
                    raise
                continue
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            return conn
        raise AssertionError("unreachable")

    def _migrate(self) -> None:
        if any(s.pending(self.db) for s in migration_sets()):
            if self.read_only_because:
                raise LibraryReadOnly(
                    f"the library {self.path} was made by an older litreview and must be upgraded"
                    f" before use, but it is read-only ({self.read_only_because})")
            with self.transaction():
                apply_all(self.db)

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def check_writable(self) -> None:
        """Raise LibraryReadOnly, saying why, if the library was opened read-only."""
        if self.read_only_because:
            raise LibraryReadOnly(read_only_message(self.path, self.read_only_because))

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """One write transaction; nested use joins the outer one (sqlite-utils savepoints)."""
        self.check_writable()
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield self.db
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def update_lock(self) -> Iterator[None]:
        """Exclusive lock so two updates never run at once; released if the process dies."""
        self.check_writable()
        lock_path = Path(f"{self.path}.lock")
        handle = open(lock_path, "a+")  # noqa: SIM115 - held for the whole block
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise LockHeld(
                    f"another update is running on {self.path} (lock {lock_path}); try again later"
                ) from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            yield
        finally:
            handle.close()

    # -- runs ------------------------------------------------------------------------------

    def start_run(
        self,
        kind: str,
        database: str,
        *,
        name: str | None = None,
        query: str | None = None,
        params: dict[str, Any] | None = None,
        file: str | None = None,
        checksum: str | None = None,
    ) -> int:
        """Log the start of a search or import; returns the run id."""
        with self.transaction():
            cursor = self.db.execute(
                "INSERT INTO runs (kind, name, database, query, params, file, checksum, started_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [kind, name, database, query, _json(params), file, checksum, utcnow()],
            )
            return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, status: str, **fields: Any) -> None:
        """Close a run with its status and any of the fields update_run takes."""
        self.update_run(run_id, status=status, finished_at=utcnow(), **fields)

    def update_run(self, run_id: int, **fields: Any) -> None:
        """Set run fields: status, finished_at, count_reported/retrieved/new, missing, error,
        query_translation, params, checksum, warnings."""
        allowed = {"status", "finished_at", "count_reported", "count_retrieved", "count_new", "database",
                   "missing", "error", "query_translation", "params", "checksum", "warnings"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown run fields: {sorted(unknown)}")
        values = {k: (_json(v) if k in {"missing", "params", "warnings"} else v) for k, v in fields.items()}
        assignments = ", ".join(f"{k} = ?" for k in values)
        with self.transaction():
            self.db.execute(f"UPDATE runs SET {assignments} WHERE id = ?", [*values.values(), run_id])

    def mark_interrupted_runs(self, kind: str = "search") -> int:
        """Runs left 'running' by a killed process become 'interrupted'. Call under update_lock."""
        with self.transaction():
            cursor = self.db.execute(
                "UPDATE runs SET status = 'interrupted' WHERE status = 'running' AND kind = ?", [kind]
            )
            return cursor.rowcount

    def runs(self, kind: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM runs" + (" WHERE kind = ?" if kind else "") + " ORDER BY id"
        rows = self.db.execute(sql, [kind] if kind else []).fetchall()
        columns = [c.name for c in self.db["runs"].columns]
        return [_decode_run(dict(zip(columns, row))) for row in rows]

    def run(self, run_id: int) -> dict[str, Any]:
        runs = [r for r in self.runs() if r["id"] == run_id]
        if not runs:
            raise KeyError(run_id)
        return runs[0]

    # -- records ---------------------------------------------------------------------------

    def held_titles(self, source_db: str, keys: Iterable[str]) -> dict[str, str]:
        """Title of each of these source keys of `source_db` already in the library."""
        wanted = list(keys)
        held: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT source_key, title FROM records WHERE source_db = ? AND source_key IN ({marks})",
                [source_db, *chunk],
            )
            held.update((key, title or "") for key, title in rows)
        return held

    def held_keys(self, source_db: str, keys: Iterable[str] | None = None) -> set[str]:
        """Source keys of `source_db` already in the library (all of them if keys is None)."""
        if keys is None:
            rows = self.db.execute("SELECT source_key FROM records WHERE source_db = ?", [source_db])
            return {r[0] for r in rows}
        return set(self.held_titles(source_db, keys))

    def add_records(self, records: Iterable[Record | EncodedRecord], run_id: int) -> AddResult:
        """Store records found by a run, one transaction; ones already held are skipped.

        Each record must carry source_db and source_key (its provenance). Records may come
        already encoded (encode_record), as a big import's reader process sends them.
        """
        result = AddResult()
        now = utcnow()
        with self.transaction():
            batch = [r if isinstance(r, EncodedRecord) else encode_record(r) for r in records]
            by_db: dict[str, list[str]] = {}
            for record in batch:
                by_db.setdefault(record.source_db, []).append(record.source_key)
            held = {(db, key): title for db, keys in by_db.items()
                    for key, title in self.held_titles(db, keys).items()}
            fresh = []
            for record in batch:
                key = (record.source_db, record.source_key)
                title = record.values[_TITLE] or ""
                earlier = held.get(key)
                if earlier is not None:
                    result.already_held.append(key[1])
                    if earlier != title:
                        result.other_titles.append((key[1], earlier, title))
                    continue
                held[key] = title
                fresh.append(record)
            result.added_ids = self._insert(fresh, run_id, now)
        return result

    def _insert(self, records: list[EncodedRecord], run_id: int, now: str) -> list[int]:
        columns = [*RECORD_COLUMNS, "run_id", "added_at", "is_new"]
        sql = (
            f"INSERT INTO records ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})"
        )
        if not records:
            return []
        before = self._max_id()
        self.db.conn.executemany(sql, ([*record.values, run_id, now, 1] for record in records))
        return list(range(before + 1, before + 1 + len(records)))

    def _max_id(self) -> int:
        """Inside a write transaction, new rows take ids after this (INTEGER PRIMARY KEY)."""
        return int(self.db.execute("SELECT coalesce(max(id), 0) FROM records").fetchone()[0])

    def get(self, record_id: int) -> Record:
        rows = list(self._select("WHERE id = ?", [record_id]))
        if not rows:
            raise RecordNotFound(f"no record with id {record_id}")
        return rows[0]

    def records(self) -> Iterator[Record]:
        """Every stored record as a Record (with id and provenance), by id, streamed. Narrower
        questions (by status, words, source, ids) are catalogue.find_records'."""
        return self._select("", [])

    def _select(self, where: str, params: list[Any]) -> Iterator[Record]:
        cursor = self.db.conn.execute(f"SELECT * FROM records {where} ORDER BY id", params)
        columns = [d[0] for d in cursor.description]
        for row in cursor:
            yield decode_row(dict(zip(columns, row)))

    def count(self) -> int:
        """How many records the library holds (merged duplicates too)."""
        return int(self.db.execute("SELECT count(*) FROM records").fetchone()[0])

    def resolve(self, ref: str | int) -> int:
        """Record id for 'ID', 'pmid:NNN' or 'doi:10...'; a merged duplicate gives its canonical."""
        text = str(ref).strip()
        kind, _, value = text.partition(":")
        if text.isdigit():
            row = self.db.execute("SELECT id, canonical_id FROM records WHERE id = ?", [int(text)])
        elif kind.lower() == "pmid" and value.strip().isdigit():
            row = self.db.execute(
                "SELECT id, canonical_id FROM records WHERE pmid = ? ORDER BY canonical_id IS NOT NULL, id",
                [value.strip().lstrip("0")],
            )
        elif kind.lower() == "doi" and value.strip():
            row = self.db.execute(
                "SELECT id, canonical_id FROM records WHERE doi = ? COLLATE NOCASE"
                " ORDER BY canonical_id IS NOT NULL, id",  # DOIs are case-insensitive
                [value.strip()],
            )
        else:
            raise RecordNotFound(f"{text!r} is not a record reference (expected ID, pmid:NNN or doi:10....)")
        found = row.fetchone()
        if found is None:
            raise RecordNotFound(f"no record matches {text!r}")
        return int(found[1] or found[0])

    # -- settings --------------------------------------------------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return default if row is None else json.loads(row[0])

    def set_setting(self, key: str, value: Any) -> None:
        with self.transaction():
            self.db.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, json.dumps(value)],
            )

    def delete_setting(self, key: str) -> None:
        """Forget a setting (it reads as its default again)."""
        with self.transaction():
            self.db.execute("DELETE FROM settings WHERE key = ?", [key])

    def settings(self) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self.db.execute("SELECT key, value FROM settings ORDER BY key")}


def _check_provenance(record: Record) -> None:
    if not record.source_db or not record.source_key:
        raise ValueError(f"record {record.title[:60]!r} has no source_db/source_key")


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class EncodedRecord:
    """A record as the store writes it: its provenance and its RECORD_COLUMNS values, list and
    dict fields as JSON text. Plain strings and numbers, so it pickles cheaply between processes."""

    source_db: str
    source_key: str
    values: list[Any]

    def with_key(self, source_key: str) -> EncodedRecord:
        """The same record under another key (a file's second record with one id: importing)."""
        values = list(self.values)
        values[_SOURCE_KEY] = source_key
        return EncodedRecord(self.source_db, source_key, values)


def encode_record(record: Record) -> EncodedRecord:
    """orjson writes the dataclasses inside list fields (Author, MeshHeading, ...) itself, about
    four times faster than json.dumps with a default= hook: encoding was a third of storing."""
    _check_provenance(record)
    values = list(_COLUMN_VALUES(record))
    for at in _JSON_AT:
        value = values[at]
        values[at] = orjson.dumps(value, default=_plain, option=_ORJSON).decode() if value else None
    return EncodedRecord(record.source_db or "", record.source_key or "", values)


_COLUMN_VALUES = operator.attrgetter(*RECORD_COLUMNS)
_JSON_COLUMNS = (*LIST_FIELDS, *DICT_FIELDS)
_JSON_AT = tuple(RECORD_COLUMNS.index(name) for name in _JSON_COLUMNS)
_ORJSON = orjson.OPT_NON_STR_KEYS


def _plain(value: Any) -> Any:
    """orjson fallback for what it does not write itself (sets, tuples of dataclasses, ...)."""
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if is_dataclass(value) and not isinstance(value, type):
        return value.__dict__
    raise TypeError(f"cannot store {type(value).__name__} in a record")


def decode_row(row: dict[str, Any]) -> Record:
    """A records row (JSON columns as text) as a Record."""
    for name in _JSON_COLUMNS:
        value = row.get(name)
        row[name] = orjson.loads(value) if value else None
    return Record.from_row(row)


def _decode_run(row: dict[str, Any]) -> dict[str, Any]:
    for name in ("params", "missing", "warnings"):
        row[name] = json.loads(row[name]) if row.get(name) else None
    return row


def _cannot_write(path: Path) -> str | None:
    """Why a library that exists cannot be written (SQLite needs its folder too, for the
    journal files beside it), or None."""
    if not path.exists():
        return None
    if not os.access(path, os.W_OK):
        return "the file cannot be written"
    if not os.access(path.parent, os.W_OK):
        return f"its folder {path.parent} cannot be written"
    return None


StoreError = sqlite3.OperationalError
"""What the database says when a statement cannot run (locked, busy, read-only): the name callers
above the store catch it by, asking `is_busy` / `is_read_only` what it was, without importing
the database's own module."""


def is_busy(exc: BaseException) -> bool:
    """Another connection held the library past the busy timeout: worth trying again."""
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))


def is_read_only(exc: BaseException) -> bool:
    """A write refused because the library (its file or its folder) cannot be written."""
    return isinstance(exc, sqlite3.OperationalError) and "readonly" in str(exc)


def read_only_message(path: Path | str, why: str) -> str:
    return (f"the library {path} is read-only ({why}): nothing was changed. Reading it works;"
            " to change it, make it writable or work on a copy")


def _unopenable(path: Path, exc: sqlite3.DatabaseError) -> LibraryFileError:
    if not path.parent.is_dir():
        reason = f"the folder {path.parent} does not exist"
    elif "not a database" in str(exc):
        reason = "the file is not an SQLite database (not a litreview library)"
    else:
        reason = str(exc)
    return LibraryFileError(f"cannot open the library {path}: {reason}")
