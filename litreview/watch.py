"""The living review's watch: what changed in PubMed under the studies the review already holds.

PubMed records a retraction, an erratum, an expression of concern or an update in the original
article's own record (publication type "Retracted Publication", CommentsCorrections RetractionIn,
ErratumIn, ExpressionOfConcernIn, UpdateIn) and gives an ahead-of-print record its issue and pages
later. Each `update` re-fetches the PubMed record of every screened-in study (title/abstract
includes and maybes, full-text includes) by PMID, 500 a request, compares it with what the library
holds, stores a changed record as a new version (the old one kept) and reports one event a change.

Records without a PMID are not watched: Crossref carries Retraction Watch's data for DOIs, and the
`watch.crossref` setting is the seam for such a source (a `StatusSource` looking records up by DOI);
none is built, so turning it on says so instead of pretending to look.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Protocol

from litreview import settings
from litreview.pubmed.client import EntrezClient
from litreview.records import RETRACTED_TYPE, Record
from litreview.screening.decisions import Decision, Stage, ids_with_status, stage_states
from litreview.search import RunSummary
from litreview.store import Library
from litreview.store import watch as store

CITATION_FIELDS = ("volume", "issue", "pages", "article_number", "year", "month", "day",
                   "publication_status")

CROSSREF = settings.declare(
    "watch.crossref", "look retractions of non-PubMed records up by DOI in Crossref: off (not built yet)",
    default="off", parse=settings.one_of("off", "on"))


class EventKind(str, Enum):
    RETRACTED = "RETRACTED"
    CORRECTED = "CORRECTED"
    CONCERN = "CONCERN"
    UPDATED = "UPDATED"
    CITATION = "CITATION"


CORRECTION_EVENTS = {
    "RetractionIn": EventKind.RETRACTED,
    "ErratumIn": EventKind.CORRECTED,
    "ExpressionOfConcernIn": EventKind.CONCERN,
    "UpdateIn": EventKind.UPDATED,
}
"""CommentsCorrections link types, as PubMed writes them in the original article's record."""


class StatusSource(Protocol):
    """Where newer versions of held records come from: PubMed by PMID (built); Crossref by DOI is
    the seam `watch.crossref` names."""

    def newer(self, pmids: list[str]) -> dict[str, Record]: ...


class PubMedSource:
    def __init__(self, client: EntrezClient) -> None:
        self.client = client

    def newer(self, pmids: list[str]) -> dict[str, Record]:
        return {r.pmid: r for batch in self.client.fetch(pmids) for r in batch if r.pmid}


@dataclass
class WatchEvent:
    record_id: int
    pmid: str
    title: str
    kind: EventKind
    detail: str
    status: str

    def line(self) -> str:
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.kind.value} pmid:{self.pmid} {self.title} ({self.status}){detail}"


@dataclass
class WatchResult:
    run_id: int
    watched: int = 0
    events: list[WatchEvent] = field(default_factory=list)
    unwatched: int = 0
    """screened-in studies with no PMID (not watched)"""
    gone: list[str] = field(default_factory=list)
    """PMIDs efetch no longer returned"""

    def retracted(self) -> list[WatchEvent]:
        return [e for e in self.events if e.kind is EventKind.RETRACTED]


def screened_in(library: Library) -> dict[int, str]:
    """study id -> how far it is in: 'included' (full text), 'screened in' or 'maybe' (title/abstract)."""
    studies = {i: "included" for i in ids_with_status(library, "included")}
    for study, state in stage_states(library, Stage.TA).items():
        if study not in studies and state.outcome in (Decision.INCLUDE, Decision.MAYBE):
            studies[study] = "maybe" if state.outcome == Decision.MAYBE else "screened in"
    return studies


def watch(library: Library, client: EntrezClient, source: StatusSource | None = None) -> WatchResult:
    """Re-fetch every screened-in study's PubMed record; store changes as versions; report events."""
    studies = screened_in(library)
    members = store.pubmed_members(library, studies)
    run_id = library.start_run("watch", "PubMed", name="watch screened-in studies",
                               query=f"efetch of {len(members)} screened-in studies by PMID")
    result = WatchResult(run_id, watched=len(members), unwatched=len(studies) - len(members))
    try:
        newer = (source or PubMedSource(client)).newer([pmid for _, pmid in members.values()])
        with library.transaction():
            for study, (record_id, pmid) in members.items():
                if pmid not in newer:
                    result.gone.append(pmid)
                    continue
                result.events += _compare(library, run_id, record_id, newer[pmid], studies[study])
            store.add_events(library, run_id, [(e.record_id, e.kind.value, e.detail, e.status)
                                               for e in result.events])
    except BaseException as exc:
        library.finish_run(run_id, "failed", error=str(exc))
        raise
    library.finish_run(run_id, "complete", count_reported=len(members), count_retrieved=len(newer),
                       count_new=0, missing=[{"pmid": p, "reason": "efetch no longer returns it"}
                                             for p in result.gone] or None)
    return result


def _compare(library: Library, run_id: int, record_id: int, new: Record, status: str) -> list[WatchEvent]:
    old = library.get(record_id)
    kinds = _status_events(old, new) + _citation_event(old, new)
    if not kinds or not store.write_new_version(library, record_id, _version(old, new), run_id):
        return []
    return [WatchEvent(record_id, new.pmid or "", new.title, kind, detail, status) for kind, detail in kinds]


def _version(old: Record, new: Record) -> Record:
    """The record to store: PubMed's own record whole; another database's copy that carries the PMID
    keeps its own text and takes only the watched fields from PubMed."""
    if old.source_db == "PubMed":
        return replace(new, source_db=old.source_db, source_key=old.source_key)
    watched = {name: getattr(new, name) for name in (*CITATION_FIELDS, "corrections", "publication_types")}
    return replace(old, **watched)


def _status_events(old: Record, new: Record) -> list[tuple[EventKind, str]]:
    before = {(c.type, c.pmid or c.ref) for c in old.corrections}
    found: list[tuple[EventKind, str]] = []
    for correction in new.corrections:
        kind = CORRECTION_EVENTS.get(correction.type)
        if kind and (correction.type, correction.pmid or correction.ref) not in before:
            found.append((kind, _describe_link(correction.ref, correction.pmid)))
    newly_retracted = RETRACTED_TYPE in new.publication_types and RETRACTED_TYPE not in old.publication_types
    if newly_retracted and not any(kind is EventKind.RETRACTED for kind, _ in found):
        found.append((EventKind.RETRACTED, "publication type Retracted Publication"))
    return found


def _describe_link(ref: str | None, pmid: str | None) -> str:
    return " ".join(part for part in (ref or "", f"(pmid:{pmid})" if pmid else "") if part)


def _citation_event(old: Record, new: Record) -> list[tuple[EventKind, str]]:
    changes = [f"{name} {getattr(old, name) or '-'} -> {getattr(new, name) or '-'}"
               for name in CITATION_FIELDS if getattr(old, name) != getattr(new, name)]
    return [(EventKind.CITATION, "; ".join(changes))] if changes else []


def digest(library: Library, searches: list[RunSummary], merged: int, watched: WatchResult | None) -> str:
    """The night's digest in Markdown, for a team's mail: new records per saved search, what awaits
    screening, duplicates merged, and what changed under the screened-in studies."""
    new_ids = {i for s in searches for i in store.records_of_run(library, s.run_id)}
    awaiting = set(ids_with_status(library, "unscreened"))
    lines = ["# Living review digest", "", "## New records", ""]
    lines += [f"- {s.name}: {s.count_new} new of {s.count_reported} PubMed reported" for s in searches]
    lines += ["", f"- New records awaiting screening: {len(new_ids & awaiting)} "
                  f"(all awaiting screening: {len(awaiting)})",
              f"- Duplicates merged tonight: {merged}", "", "## Changes to screened-in studies", ""]
    if watched is None:
        lines.append("- Not watched (--no-watch)")
    elif not watched.events:
        lines.append(f"- None among {watched.watched} studies re-fetched from PubMed")
    else:
        lines += [f"- **{e.kind.value}** pmid:{e.pmid} {e.title} ({e.status})"
                  + (f": {e.detail}" if e.detail else "") for e in watched.events]
    return "\n".join(lines) + "\n"
