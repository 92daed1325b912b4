"""Validation of a saved search against studies known to be relevant (relative recall).

The known set is PMIDs, a reference file, or the review's included studies. PubMed is asked for the
saved query restricted to the known PMIDs — `(QUERY) AND (1[uid] OR 2[uid] ...)` with the search's
own date limits — so the answer is exactly what today's PubMed retrieves of the known set, at the
cost of one esearch per 200 known records, without re-running the whole search. Each record missed
gets hints: the MeSH headings it carries that the query does not name, and its title/abstract words
that match no part of the query; a known record that PubMed does not hold is said to be so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from litreview.chase import Outcome as CitationOutcome
from litreview.chase import read_citations, resolve_citations
from litreview.errors import ChaseError
from litreview.pubmed.client import EntrezClient
from litreview.queries import SavedSearch
from litreview.records import Record, fold
from litreview.store import Library
from litreview.store import chase as store

UID_BATCH = 200
_QUERY_TERM = re.compile(r'"([^"]+)"(?:\[([^\]]+)\])?|([A-Za-z0-9*\-]+)(?:\[([^\]]+)\])?')
_OPERATORS = {"and", "or", "not"}
_MESH_TAGS = {"mesh", "mh", "majr", "mesh terms", "mesh major topic", "mesh:noexp", "mh:noexp"}
_TEXT_WORDS = re.compile(r"[a-z][a-z0-9\-]{3,}")
_COMMON = frozenset({
    "with", "from", "that", "this", "were", "was", "have", "been", "their", "which", "patients",
    "study", "results", "methods", "conclusions", "background", "after", "between", "during", "these",
    "those", "than", "into", "also", "using", "used", "both", "more", "most", "other", "case", "cases",
    "report", "review", "there", "when", "where", "while", "such", "each", "only", "well", "years",
})


@dataclass
class Known:
    """A known-relevant record: its PMID, or why it has none."""

    label: str
    pmid: str | None = None
    title: str = ""
    not_in_pubmed: str | None = None


@dataclass
class Missed:
    pmid: str | None
    title: str
    hints: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"pmid": self.pmid, "title": self.title, "hints": self.hints}


@dataclass
class CheckResult:
    search: str
    known: int
    found: int
    missed: list[Missed]
    run_id: int | None = None

    @property
    def recall(self) -> float:
        return self.found / self.known if self.known else 0.0

    def as_json(self) -> dict[str, Any]:
        return {"search": self.search, "known": self.known, "found": self.found,
                "recall": round(self.recall, 4), "missed": [m.as_json() for m in self.missed]}


def known_from_pmids(pmids: Iterable[str]) -> list[Known]:
    return [Known(f"pmid:{p}", p) for p in dict.fromkeys(pmids)]


def known_from_records(library: Library, client: EntrezClient, record_ids: list[int]) -> list[Known]:
    """Included (or named) records: their PMID, else their DOI looked up in PubMed."""
    held = store.pmid_and_doi(library, record_ids)
    titles = store.known_titles(library, record_ids)
    known = []
    for record_id in record_ids:
        pmid, doi = held.get(record_id, (None, None))
        item = Known(f"record {record_id}", pmid, titles.get(record_id, ""))
        if not pmid and doi:
            found = client.esearch(f'"{doi}"[aid]', retmax=2)
            item.pmid = found.ids[0] if len(found.ids) == 1 else None
        if not item.pmid:
            item.not_in_pubmed = "no PMID, and its DOI is not in PubMed" if doi else "no PMID or DOI"
        known.append(item)
    return known


def known_from_file(client: EntrezClient, path: Any) -> list[Known]:
    """A reference file (RIS, nbib, BibTeX, CSV, pasted text), each reference matched to a PMID."""
    known = []
    for resolution in resolve_citations(client, read_citations(path)):
        if resolution.outcome is CitationOutcome.NOT_A_REFERENCE:
            continue
        item = Known(f"reference {resolution.citation.number}", resolution.pmid, resolution.citation.title)
        if not resolution.pmid:
            item.not_in_pubmed = ("matches several PubMed records: " + ", ".join(resolution.candidates)
                                  if resolution.candidates else "not found in PubMed")
        known.append(item)
    return known


def check_search(library: Library, client: EntrezClient, search: SavedSearch,
                 known: list[Known]) -> CheckResult:
    """How many known records the saved search retrieves; hints for the ones it misses. Logged."""
    if not known:
        raise ChaseError("no known records to check the search against")
    pmids = list(dict.fromkeys(k.pmid for k in known if k.pmid))
    retrieved: set[str] = set()
    for start in range(0, len(pmids), UID_BATCH):
        chunk = pmids[start : start + UID_BATCH]
        term = f"({search.term}) AND ({' OR '.join(f'{p}[uid]' for p in chunk)})"
        found = client.search_ids(term, **search.params())
        retrieved.update(found.ids)
    missed_pmids = [p for p in pmids if p not in retrieved]
    records = {r.pmid: r for batch in client.fetch(missed_pmids) for r in batch if r.pmid}
    missed = [_missed(p, records.get(p), search.term) for p in missed_pmids]
    missed += [Missed(None, k.title or k.label, [f"{k.label}: {k.not_in_pubmed}"])
               for k in known if not k.pmid]
    result = CheckResult(search.name, len(known), len(retrieved), missed)
    result.run_id = _log(library, search, result)
    return result


def _log(library: Library, search: SavedSearch, result: CheckResult) -> int:
    run_id = library.start_run("check", search.database_label, name=search.name, query=search.term,
                               params={**search.params(), "check": result.as_json()})
    library.finish_run(run_id, "complete", count_reported=result.known, count_retrieved=result.found,
                       count_new=0)
    return run_id


def query_terms(term: str) -> tuple[list[str], list[str]]:
    """(MeSH terms, text terms) named in an Entrez query, lower-cased; operators left out."""
    mesh: list[str] = []
    text: list[str] = []
    for match in _QUERY_TERM.finditer(term):
        phrase = match.group(1) or match.group(3) or ""
        tag = (match.group(2) or match.group(4) or "").lower()
        if not phrase or phrase.lower() in _OPERATORS:
            continue
        (mesh if tag in _MESH_TAGS else text).append(phrase.lower())
    return mesh, text


def _missed(pmid: str, record: Record | None, term: str) -> Missed:
    if record is None:
        return Missed(pmid, "", [f"pmid:{pmid} is not in PubMed (efetch returned nothing)"])
    mesh_terms, text_terms = query_terms(term)
    hints = []
    headings = [m.descriptor for m in record.mesh]
    outside = [h for h in headings if h.lower() not in mesh_terms]
    if headings and len(outside) == len(headings):
        hints.append("none of its MeSH headings is in the query: " + "; ".join(outside[:12]))
    elif not headings:
        hints.append("it has no MeSH headings yet (not indexed for MEDLINE): MeSH terms cannot find it")
    words = _words(record)
    if not any(_matches_text(t, words, fold(f"{record.title} {record.abstract or ''}")) for t in text_terms):
        unused = [w for w in dict.fromkeys(words) if w not in _COMMON][:12]
        hints.append("no text word of the query is in its title/abstract; its words include: "
                     + ", ".join(unused))
    return Missed(pmid, record.title, hints)


def _words(record: Record) -> list[str]:
    return _TEXT_WORDS.findall(fold(f"{record.title} {record.abstract or ''}").lower())


def _matches_text(term: str, words: list[str], text: str) -> bool:
    if term.endswith("*"):
        stem = term[:-1]
        return any(w.startswith(stem) for w in words)
    return fold(term).lower() in text.lower()
