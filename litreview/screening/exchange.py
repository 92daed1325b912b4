"""Decisions exchanged between libraries: every decision (the whole audit trail) written to a CSV
with the identifiers another library can match its records by, and such a file merged into this
library (`litreview screen export` / `screen import`): rows already here are skipped, so a rerun
adds nothing."""

from __future__ import annotations

import csv
from pathlib import Path

from litreview.errors import RecordNotFound, ScreeningError
from litreview.screening.decisions import DECISIONS, STAGES, Kind, Scope
from litreview.store import Library
from litreview.store import screening as store

EXCHANGE_COLUMNS = ("record_id", "source_db", "source_key", "pmid", "doi", "stage", "reviewer",
                    "decision", "reason", "kind", "created_at", "undone")
OPTIONAL_EXCHANGE_COLUMNS = ("scope",)
"""Written since decisions carry a scope; files from before lack it (read as 'record')."""


def export_decisions(library: Library, path: Path) -> int:
    """Every decision (the whole audit trail) with the identifiers another library can match."""
    idents = store.record_identifiers(library)
    rows = store.all_decisions(library)
    with path.open("w", newline="", encoding="utf-8") as out:
        columns = EXCHANGE_COLUMNS + OPTIONAL_EXCHANGE_COLUMNS
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            source_db, source_key, pmid, doi = idents[row["record_id"]]
            writer.writerow({**{k: row[k] for k in columns if k in row}, "source_db": source_db,
                             "source_key": source_key, "pmid": pmid, "doi": doi})
    return len(rows)


def import_decisions(library: Library, path: Path) -> tuple[int, int]:
    """Merge another library's decisions; rows already here are skipped. Returns (added, skipped)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            header = reader.fieldnames or []
    except OSError as exc:
        raise ScreeningError(f"{path}: cannot read ({exc.strerror})") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ScreeningError(f"{path}: not a decisions CSV from 'litreview screen export' ({exc})") from None
    missing = set(EXCHANGE_COLUMNS) - set(header)
    if missing:
        raise ScreeningError(f"{path}: not a decisions CSV from 'litreview screen export': "
                             f"missing columns {sorted(missing)}")
    # a decision already here on any copy of the study is the same decision
    existing = {(r["cluster_id"], r["stage"], r["reviewer"], r["decision"], r["created_at"], r["kind"])
                for r in store.cluster_decisions(library, active_only=False)}
    added = skipped = 0
    with library.transaction():
        for line, row in enumerate(rows, start=2):
            record_id = _match_record(library, row, path, line)
            if row["stage"] not in STAGES or row["decision"] not in DECISIONS:
                raise ScreeningError(f"{path}, line {line}: stage {row['stage']!r} / decision "
                                     f"{row['decision']!r} not understood")
            key = (store.cluster_of(library, record_id), row["stage"], row["reviewer"], row["decision"],
                   row["created_at"], row["kind"])
            if key in existing:
                skipped += 1
                continue
            decision_id = store.insert_decision(library, record_id, row["stage"], row["reviewer"],
                                                row["decision"], row["reason"] or None,
                                                kind=row["kind"] or Kind.SCREEN,
                                                created_at=row["created_at"], origin=str(path),
                                                scope=_imported_scope(row, path, line))
            if row["undone"] in ("1", "True", "true"):
                store.mark_undone(library, decision_id)
            existing.add(key)
            added += 1
    return added, skipped


def _imported_scope(row: dict[str, str], path: Path, line: int) -> str:
    scope = row.get("scope") or Scope.RECORD
    if scope not in (Scope.RECORD, Scope.CLUSTER):
        raise ScreeningError(f"{path}, line {line}: scope {scope!r} not understood (record or cluster)")
    return scope


def _match_record(library: Library, row: dict[str, str], path: Path, line: int) -> int:
    """The record the decision was made on when this library holds it (same database and key),
    else the study with its PMID or DOI."""
    own = store.record_by_source(library, row.get("source_db"), row.get("source_key"))
    if own is not None:
        return own
    for ref in (f"pmid:{row['pmid']}" if row.get("pmid") else None,
                f"doi:{row['doi']}" if row.get("doi") else None):
        if ref:
            try:
                return library.resolve(ref)
            except RecordNotFound:
                pass
    found = store.find_by_source(library, row.get("source_db"), row.get("source_key"))
    if found is None:
        where = f"{row.get('source_db')}:{row.get('source_key')}"
        raise ScreeningError(f"{path}, line {line}: no record here matches {where} "
                             f"(pmid {row.get('pmid') or '-'})")
    return found
