"""Running saved searches into the library: incremental, logged, resumable.

A run lists every PMID of the query, fetches only those the library does not hold, stores each
efetch batch in its own transaction and logs the run (query, limits, counts). A killed run leaves
its finished batches stored; the next run lists the query again and fetches what is still missing,
so a failed night never becomes a permanent gap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from litreview.errors import IncompleteRunError, LitreviewError
from litreview.pubmed.client import EntrezClient, SearchResult
from litreview.queries import SavedSearch
from litreview.records import Record
from litreview.store import Library, catalogue
from litreview.store import watch as watch_store

PUBMED = "PubMed"
Progress = Callable[[str, int, int], None]
"""progress(search name, records done, records to fetch)"""


@dataclass
class RunSummary:
    run_id: int
    name: str
    status: str
    count_reported: int = 0
    count_retrieved: int = 0
    count_new: int = 0
    missing: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


def run_search(
    library: Library, search: SavedSearch, client: EntrezClient, progress: Progress | None = None
) -> RunSummary:
    """Run one saved search; raises IncompleteRunError if records PubMed reported are missing."""
    run_id = library.start_run(
        "search", search.database_label, name=search.name, query=search.term, params=search.params()
    )
    try:
        summary = _run(library, search, client, run_id, progress or _no_progress)
    except LitreviewError as exc:
        library.finish_run(run_id, "failed", error=str(exc))
        raise
    except Exception as exc:
        library.finish_run(run_id, "failed", error=f"{type(exc).__name__}: {exc}")
        raise
    if summary.missing:
        raise IncompleteRunError(_describe_missing(summary))
    return summary


def _run(library: Library, search: SavedSearch, client: EntrezClient, run_id: int,
         progress: Progress) -> RunSummary:
    found = client.search_ids(search.term, **search.params())
    library.update_run(run_id, count_reported=found.count,
                       query_translation=found.translation,
                       params={**search.params(), "slices": found.slices},
                       warnings=found.warnings or None)
    held = library.held_keys(PUBMED, found.ids)
    wanted = [pmid for pmid in found.ids if pmid not in held]
    added = _store(library, run_id, _batches(client, found, held, wanted), len(wanted),
                   search.name, progress)
    now_held = library.held_keys(PUBMED, wanted)
    still = [pmid for pmid in wanted if pmid not in now_held]
    if still:  # one more try by id: a record can be missing from one efetch and not the next
        added += _store(library, run_id, client.fetch(still), len(still), search.name, progress)
    missing = _missing(library, found)
    status = "incomplete" if missing else "complete"
    retrieved = len(library.held_keys(PUBMED, found.ids))
    library.finish_run(run_id, status, count_reported=found.count, count_retrieved=retrieved,
                       count_new=added, missing=missing)
    return RunSummary(run_id, search.name, status, found.count, retrieved, added, missing,
                      warnings=found.warnings)


def _batches(client: EntrezClient, found: SearchResult, held: set[str],
             wanted: list[str]) -> Iterator[list[Record]]:
    """A first run of an unsplit query reads the history server; later runs fetch by id."""
    if not held and len(found.slices) == 1 and found.webenv and wanted:
        return client.fetch_history(found)
    return client.fetch(wanted)


def _store(library: Library, run_id: int, batches: Iterable[list[Record]], total: int,
           name: str, progress: Progress) -> int:
    added = done = 0
    for batch in batches:
        added += library.add_records(batch, run_id).added
        done += len(batch)
        progress(name, min(done, total), total)
    return added


def _missing(library: Library, found: SearchResult) -> list[dict[str, Any]]:
    held = library.held_keys(PUBMED, found.ids)
    missing: list[dict[str, Any]] = [
        {"pmid": pmid, "reason": "listed by esearch but not returned by efetch after retries"}
        for pmid in found.ids if pmid not in held
    ]
    if len(found.ids) < found.count:
        missing.append({
            "pmid": None,
            "reason": f"PubMed reported {found.count} records but listed {len(found.ids)} ids"
                      " across its date slices (records without a date of this type?)",
        })
    return missing


def _describe_missing(summary: RunSummary) -> str:
    pmids = [m["pmid"] for m in summary.missing if m["pmid"]]
    other = [m["reason"] for m in summary.missing if not m["pmid"]]
    parts = []
    if pmids:
        shown = ", ".join(pmids[:20]) + (f" and {len(pmids) - 20} more" if len(pmids) > 20 else "")
        parts.append(f"{len(pmids)} PMIDs not retrieved ({shown}): listed by esearch but not "
                     "returned by efetch")
    parts.extend(other)
    return (f"search {summary.name!r} (run {summary.run_id}) is incomplete: "
            f"{summary.count_retrieved} of {summary.count_reported} records held; "
            + "; ".join(parts) + ". The next run will try again.")


def _no_progress(name: str, done: int, total: int) -> None:
    return None


@dataclass
class UpdateResult:
    summaries: list[RunSummary] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    interrupted: int = 0


def update(library: Library, searches: list[SavedSearch], client: EntrezClient,
           progress: Progress | None = None) -> UpdateResult:
    """Run every saved search under the update lock; one failing search does not stop the rest."""
    result = UpdateResult()
    with library.update_lock():
        result.interrupted = library.mark_interrupted_runs("search")
        for search in searches:
            try:
                result.summaries.append(run_search(library, search, client, progress))
            except LitreviewError as exc:
                result.failures.append((search.name, str(exc)))
    return result


def count_hits(search: SavedSearch, client: EntrezClient) -> SearchResult:
    """How many records PubMed finds for the search (with its limits): one esearch, nothing
    stored or logged, to refine a query before saving it."""
    return client.esearch(search.term, retmax=0, **search.params())


def _events(library: Library, run_id: int) -> list[dict[str, Any]]:
    return [{k: e[k] for k in ("kind", "pmid", "title", "status", "detail")}
            for e in watch_store.events(library, run_id)]


def search_report(library: Library) -> list[dict[str, Any]]:
    """The PRISMA-S log: every search run and import, oldest first; an undone run's status says
    'undone' and its warnings when and how many records were removed."""
    rows = []
    undone = catalogue.undone_runs(library)
    for run in library.runs():
        params = dict(run["params"] or {})
        slices = params.pop("slices", None)
        rows.append({
            "run_id": run["id"], "kind": run["kind"], "database": run["database"],
            "name": run["name"], "query": run["query"], "query_translation": run["query_translation"],
            "limits": params, "date_slices": len(slices) if slices else None,
            "file": run["file"], "checksum": run["checksum"],
            "started_at": run["started_at"], "finished_at": run["finished_at"],
            "status": "undone" if run["id"] in undone else run["status"],
            "count_reported": run["count_reported"],
            "count_retrieved": run["count_retrieved"], "count_new": run["count_new"],
            "missing": len(run["missing"] or []), "error": run["error"],
            "warnings": (run["warnings"] or []) + _undone_warning(undone.get(run["id"])),
            **({"events": _events(library, run["id"])} if run["kind"] == "watch" else {}),
        })
    return rows


def _undone_warning(undone: tuple[str, int] | None) -> list[str]:
    return [] if undone is None else [f"undone at {undone[0]}: {undone[1]} records removed"]
