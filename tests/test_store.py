import sqlite3
import threading
from pathlib import Path

import pytest

from litreview.errors import LockHeld, RecordNotFound
from litreview.records import Record
from litreview.store import Library
from litreview.store.migrations import migration_sets


def _record(key: str, **fields) -> Record:
    return Record(title=f"Title {key}", source_db="PubMed", source_key=key, pmid=key, **fields)


def test_blank_database_gets_full_schema(library):
    tables = set(library.db.table_names())
    assert {"records", "runs", "settings", "_sqlite_migrations"} <= tables
    assert not any(s.pending(library.db) for s in migration_sets())
    assert library.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reopen_applies_nothing_twice(tmp_path):
    Library(tmp_path / "a.db").close()
    lib = Library(tmp_path / "a.db")
    names = [r[0] for r in lib.db.execute("SELECT name FROM _sqlite_migrations")]
    assert len(names) == len(set(names))


def test_add_records_skips_held_and_keeps_provenance(library):
    run = library.start_run("search", "PubMed", name="seed", query="x")
    first = library.add_records([_record("1"), _record("2"), _record("2")], run)
    assert first.added == 2 and first.already_held == ["2"]
    second = library.add_records([_record("2"), _record("3")], run)
    assert second.added == 1 and second.already_held == ["2"]
    stored = library.get(second.added_ids[0])
    assert (stored.source_db, stored.source_key, stored.run_id, stored.is_new) == ("PubMed", "3", run, True)


def test_failed_batch_leaves_library_as_it_was(library):
    run = library.start_run("import", "Embase", file="x.ris")
    broken = Record(title="no provenance")
    with pytest.raises(ValueError):
        library.add_records([_record("1"), broken], run)
    assert library.count() == 0


def test_resolve_references(library):
    run = library.start_run("search", "PubMed")
    ids = library.add_records([_record("11", doi="10.1/abc"), _record("12")], run).added_ids
    assert library.resolve(str(ids[0])) == ids[0]
    assert library.resolve("pmid:12") == ids[1]
    assert library.resolve("doi:10.1/ABC") == ids[0]
    library.db.execute("UPDATE records SET canonical_id = ? WHERE id = ?", [ids[0], ids[1]])
    assert library.resolve("pmid:12") == ids[0]
    with pytest.raises(RecordNotFound, match="no record matches 'pmid:99'"):
        library.resolve("pmid:99")
    with pytest.raises(RecordNotFound, match="expected ID, pmid:NNN or doi"):
        library.resolve("banana")


def test_runs_log_and_interrupted(library):
    run = library.start_run("search", "PubMed", name="seed", query="q", params={"mindate": "2000"})
    assert library.mark_interrupted_runs() == 1
    library.finish_run(run, "complete", count_reported=3, count_retrieved=3, count_new=2, missing=[])
    logged = library.run(run)
    assert logged["status"] == "complete" and logged["params"] == {"mindate": "2000"}
    assert logged["count_new"] == 2 and logged["finished_at"]


def test_settings_round_trip(library):
    library.set_setting("screening.reviewers", 2)
    library.set_setting("screening.reviewers", 1)
    assert library.get_setting("screening.reviewers") == 1
    assert library.get_setting("missing", "dflt") == "dflt"


def test_update_lock_is_exclusive(library):
    with library.update_lock(), pytest.raises(LockHeld, match="another update is running"):
        with Library(library.path).update_lock():
            pass
    with library.update_lock():
        pass


def test_concurrent_writers_wait_instead_of_failing(tmp_path):
    path = tmp_path / "shared.db"
    Library(path).close()
    errors: list[Exception] = []

    def write(prefix: str) -> None:
        lib = Library(path)
        try:
            for i in range(30):
                run = lib.start_run("import", "Scopus", file=f"{prefix}{i}")
                lib.add_records([Record(title="t", source_db="Scopus", source_key=f"{prefix}{i}")], run)
        except sqlite3.OperationalError as exc:
            errors.append(exc)
        finally:
            lib.close()

    threads = [threading.Thread(target=write, args=(p,)) for p in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Library(path).count() == 60


def test_new_library_uses_large_pages_and_existing_ones_keep_theirs(tmp_path: Path) -> None:
    with Library(tmp_path / "new.db") as library:
        assert library.db.execute("PRAGMA page_size").fetchone()[0] == 16_384
    old = tmp_path / "old.db"
    conn = sqlite3.connect(old)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with Library(old) as library:
        assert library.db.execute("PRAGMA page_size").fetchone()[0] == 4096
        assert library.count() == 0


def test_the_store_says_whether_its_error_was_a_busy_or_a_read_only_library(tmp_path: Path) -> None:
    """What the web app retries (busy) and what the CLI explains (read-only), told apart by the
    store, so that no layer above it catches sqlite3's error itself."""
    from litreview.store.library import StoreError, is_busy, is_read_only

    Library(tmp_path / "lib.db").close()
    holder = sqlite3.connect(tmp_path / "lib.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(tmp_path / "lib.db", timeout=0, isolation_level=None)
    with pytest.raises(StoreError) as busy:
        other.execute("INSERT INTO settings (key, value) VALUES ('a', 'b')")
    holder.execute("ROLLBACK")
    reader = sqlite3.connect(f"file:{tmp_path / 'lib.db'}?mode=ro", uri=True, isolation_level=None)
    with pytest.raises(StoreError) as read_only:
        reader.execute("INSERT INTO settings (key, value) VALUES ('a', 'b')")
    assert is_busy(busy.value) and not is_read_only(busy.value)
    assert is_read_only(read_only.value) and not is_busy(read_only.value)
    assert not is_busy(ValueError("locked")) and not is_read_only(ValueError("readonly"))
    for connection in (holder, other, reader):
        connection.close()
