"""Citation chasing through E-utilities: the references of records, what cites them, what is similar.

PRISMA 2020 reports these as "identification via other methods: citation searching". A chase is
logged as a run; the PubMed records it finds that the library does not hold are fetched and stored
under the source `Citation searching` (so PRISMA counts them in the other-methods column), and every
record it finds, new or held, gets a provenance row: chased from which record, in which direction,
by which run. A chase is stored whole or not at all, and repeating it adds only what is new.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from litreview.errors import ChaseError, LitreviewError, ParseError
from litreview.importers import get_importer, read_head
from litreview.prisma.arms import CITATION_SEARCHING
from litreview.pubmed.client import EntrezClient
from litreview.pubmed.links import CitationQuery, Link, LinkName
from litreview.records import Record
from litreview.reflist import Citation, read_references
from litreview.store import Library
from litreview.store import chase as store

DEFAULT_TOP = 20


class Direction(str, Enum):
    BACKWARD = "backward"
    FORWARD = "forward"
    SIMILAR = "similar"

    @property
    def linkname(self) -> LinkName:
        return {Direction.BACKWARD: LinkName.REFERENCES, Direction.FORWARD: LinkName.CITED_BY,
                Direction.SIMILAR: LinkName.SIMILAR}[self]


@dataclass
class Source:
    """A record to chase from, with the PMID that stands for it in PubMed."""

    record_id: int
    pmid: str


@dataclass
class ChaseResult:
    run_id: int
    direction: Direction
    sources: list[Source] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    """(record id, why it could not be chased)"""
    unknown: list[str] = field(default_factory=list)
    """PMIDs PubMed said it no longer has."""
    found: int = 0
    """distinct PMIDs found"""
    new_records: list[int] = field(default_factory=list)
    already_held: int = 0
    links_added: int = 0
    not_fetched: list[str] = field(default_factory=list)
    only_in_elink: int = 0
    only_in_reference_lists: int = 0


Skipped = list[tuple[int, str]]


def sources_for(library: Library, client: EntrezClient,
                record_ids: Iterable[int]) -> tuple[list[Source], Skipped]:
    """The PMID of each record; a DOI without a PMID is looked up with esearch DOI[aid]."""
    wanted = list(dict.fromkeys(record_ids))
    held = store.pmid_and_doi(library, wanted)
    sources: list[Source] = []
    skipped: list[tuple[int, str]] = []
    for record_id in wanted:
        pmid, doi = held.get(record_id, (None, None))
        if pmid:
            sources.append(Source(record_id, pmid))
        elif doi:
            found = client.esearch(f'"{doi}"[aid]', retmax=2)
            if len(found.ids) == 1:
                sources.append(Source(record_id, found.ids[0]))
            else:
                skipped.append((record_id, f"DOI {doi} is not in PubMed" if not found.ids
                                else f"DOI {doi} matches {len(found.ids)} PubMed records"))
        else:
            skipped.append((record_id, "no PMID or DOI"))
    return sources, skipped


Progress = Callable[[str, int, int], None]
"""progress(step, done, total): what a chase is doing, for a command to show."""


def _no_progress(step: str, done: int, total: int) -> None:
    pass


def chase(library: Library, client: EntrezClient, direction: Direction, record_ids: Iterable[int],
          top: int = DEFAULT_TOP, progress: Progress | None = None) -> ChaseResult:
    """Chase one direction from the given records; stores what is new, links what is held."""
    wanted = list(dict.fromkeys(record_ids))
    if not wanted:
        raise ChaseError("nothing to chase from: no records given (and no included studies)")
    sources, skipped = sources_for(library, client, wanted)
    if not sources:
        reasons = "; ".join(f"record {i}: {why}" for i, why in skipped)
        raise ChaseError(f"none of the {len(wanted)} records can be chased in PubMed ({reasons})")
    run_id = library.start_run(
        "chase", "PubMed", name=f"chase {direction.value}",
        query=f"ELink {direction.linkname.value} from {len(sources)} records",
        params={"direction": direction.value, "from": [s.record_id for s in sources],
                "top": top if direction is Direction.SIMILAR else None})
    result = ChaseResult(run_id, direction, sources, skipped)
    try:
        _chase(library, client, result, top, progress or _no_progress)
    except LitreviewError as exc:
        library.finish_run(run_id, "failed", error=str(exc))
        raise
    except BaseException as exc:
        library.finish_run(run_id, "failed", error=f"{type(exc).__name__}: {exc}")
        raise
    return result


def _chase(library: Library, client: EntrezClient, result: ChaseResult, top: int,
           progress: Progress) -> None:
    progress(f"asking PubMed for {result.direction.value} links", 0, len(result.sources))
    links = _links(client, result, top)
    stored = store_found(library, client, result.run_id, result.direction.value,
                         {source: found for source, found in _by_record(result, links).items()},
                         progress)
    result.found, result.already_held = stored.found, stored.already_held
    result.new_records, result.links_added = stored.new_records, stored.links_added
    result.not_fetched = stored.not_fetched


@dataclass
class Stored:
    found: int = 0
    already_held: int = 0
    new_records: list[int] = field(default_factory=list)
    links_added: int = 0
    not_fetched: list[str] = field(default_factory=list)


def store_found(library: Library, client: EntrezClient, run_id: int, direction: str,
                found_by_source: dict[int | None, list[Link]], progress: Progress | None = None) -> Stored:
    """Fetch the PMIDs found that the library does not hold, store them and every provenance link
    in one transaction, and close the run. A record links to each record it was found from."""
    found = list(dict.fromkeys(link.pmid for links in found_by_source.values() for link in links))
    held = store.records_by_pmid(library, found)
    wanted = [pmid for pmid in found if pmid not in held]
    fetched: list[Record] = []
    for batch in client.fetch(wanted):
        fetched += batch
        (progress or _no_progress)("records fetched", len(fetched), len(wanted))
    stored = Stored(found=len(found), already_held=len(held))
    with library.transaction():
        new_ids = _store_new(library, run_id, fetched)
        by_pmid = {**held, **new_ids}
        rows = [(by_pmid[link.pmid], source, direction, link.score)
                for source, links in found_by_source.items()
                for link in links if link.pmid in by_pmid and by_pmid[link.pmid] != source]
        stored.links_added = store.add_links(library, run_id, rows)
    stored.new_records = sorted(new_ids.values())
    stored.not_fetched = [pmid for pmid in wanted if pmid not in new_ids]
    library.finish_run(run_id, "incomplete" if stored.not_fetched else "complete",
                       count_reported=stored.found, count_retrieved=stored.found - len(stored.not_fetched),
                       count_new=len(stored.new_records),
                       missing=[{"pmid": p, "reason": "found but not returned by efetch"}
                                for p in stored.not_fetched] or None)
    return stored


def _links(client: EntrezClient, result: ChaseResult, top: int) -> dict[str, list[Link]]:
    """Links per source PMID; backward chases also read PubMed's own reference lists."""
    pmids = list(dict.fromkeys(s.pmid for s in result.sources))
    answer = client.links(pmids, result.direction.linkname)
    result.unknown = answer.unknown
    links = answer.links
    if result.direction is Direction.SIMILAR:
        links = {pmid: _top_similar(pmid, found, top) for pmid, found in links.items()}
    if result.direction is Direction.BACKWARD:
        links = _with_reference_lists(client, pmids, links, result)
    return links


def _top_similar(pmid: str, found: list[Link], top: int) -> list[Link]:
    """PubMed lists a record as the most similar to itself; the rest by score, best first."""
    others = [link for link in found if link.pmid != pmid]
    return sorted(others, key=lambda link: -(link.score or 0))[:top]


def _with_reference_lists(client: EntrezClient, pmids: list[str], links: dict[str, list[Link]],
                          result: ChaseResult) -> dict[str, list[Link]]:
    """Union of ELink's references and the ReferenceList in each record's PubMed XML.

    The two come from different places at NCBI (PMC's citation links, the publisher's deposited
    list) and each misses some references the other has; both are used, and the counts of what
    only one of them had are reported.
    """
    lists = client.reference_lists(pmids)
    merged: dict[str, list[Link]] = {}
    for pmid in pmids:
        from_elink = [link.pmid for link in links.get(pmid, [])]
        from_xml = lists.get(pmid, [])
        if pmid in lists:
            result.only_in_elink += len(set(from_elink) - set(from_xml))
            result.only_in_reference_lists += len(set(from_xml) - set(from_elink))
        merged[pmid] = [Link(p) for p in dict.fromkeys(from_elink + from_xml)]
    return merged


def _by_record(result: ChaseResult, links: dict[str, list[Link]]) -> dict[int, list[Link]]:
    by_record: dict[int, list[Link]] = {}
    for source in result.sources:
        by_record.setdefault(source.record_id, []).extend(links.get(source.pmid, []))
    return by_record


def _store_new(library: Library, run_id: int, records: list[Record]) -> dict[str, int]:
    """Store fetched records as citation-searching records; PMID -> new record id."""
    for record in records:
        record.source_db = CITATION_SEARCHING
        record.source_key = record.pmid
    library.add_records(records, run_id)
    stored = store.record_ids_of_run(library, run_id)
    return {record.pmid: stored[record.pmid] for record in records
            if record.pmid and record.pmid in stored}


# -- reference lists -----------------------------------------------------------------------------

class Outcome(str, Enum):
    MATCHED = "matched"
    AMBIGUOUS = "ambiguous"
    NOT_FOUND = "not found"
    NOT_A_REFERENCE = "not a reference"


@dataclass
class Resolution:
    citation: Citation
    outcome: Outcome
    pmid: str | None = None
    how: str = ""
    candidates: list[str] = field(default_factory=list)


@dataclass
class ResolveResult:
    resolutions: list[Resolution]
    run_id: int | None = None
    stored: Stored | None = None

    def count(self, outcome: Outcome) -> int:
        return sum(r.outcome is outcome for r in self.resolutions)


STRUCTURED_FORMATS = ("pubmed-xml", "endnote-xml", "csl-json", "wos", "nbib", "ris", "bibtex")
"""Most specific first, as the importers sniff them."""
MIN_TITLE_WORDS = 3
_STOPWORDS = frozenset({
    "a", "an", "the", "of", "in", "on", "and", "or", "for", "with", "without", "to", "from", "by", "at",
    "as", "is", "are", "was", "were", "be", "its", "their", "this", "that", "versus", "vs", "via",
    "into", "than", "after", "before", "during", "between", "among"})


def read_citations(path: Path) -> list[Citation]:
    """Citations from a pasted reference list (text) or a RIS/BibTeX/nbib/... file."""
    if not path.is_file():
        raise ChaseError(f"{path}: no such file")
    text = path.read_text(encoding="utf-8", errors="replace")
    if not text.strip():
        raise ChaseError(f"{path}: the file is empty; expected references, one a line or "
                         "blank-line separated")
    structured = _structured_format(path)
    citations = (_citations_from_records(path, structured) if structured
                 else read_references(text))
    if not citations:
        raise ChaseError(f"{path}: no references found")
    return citations


def _structured_format(path: Path) -> str | None:
    """The record format the file's content shows (never guessed from a suffix: a .txt of pasted
    references is text), or None."""
    head = read_head(path)
    return next((name for name in STRUCTURED_FORMATS if get_importer(name).sniff(head)), None)


def _citations_from_records(path: Path, fmt: str) -> list[Citation]:
    citations = []
    for number, item in enumerate(get_importer(fmt).read(path, None), start=1):
        if isinstance(item, ParseError):
            raise item
        citations.append(_citation_of(number, item))
    return citations


def _citation_of(number: int, record: Record) -> Citation:
    first = record.authors[0] if record.authors else None
    return Citation(
        number, record.title or "", first_author=(first.family or first.collective or "") if first else "",
        title=record.title or "", journal=record.journal_abbrev or record.journal or "",
        year=str(record.year or ""), volume=record.volume or "",
        first_page=(record.pages or "").split("-")[0].strip(), doi=record.doi, pmid=record.pmid)


def resolve_citations(client: EntrezClient, citations: list[Citation],
                      progress: Progress | None = None) -> list[Resolution]:
    """Match each citation to a PMID: one in the text, then its DOI, then ECitMatch
    (journal|year|volume|first page|author), then a title-word search with author and year."""
    report = progress or _no_progress
    resolutions: dict[int, Resolution] = {}
    for done, citation in enumerate(citations):
        report("references matched by PMID or DOI", done, len(citations))
        resolutions[citation.number] = _direct(client, citation)
    open_ = [c for c in citations if resolutions[c.number].outcome is Outcome.NOT_FOUND
             and c.is_reference and c.journal and c.year and (c.volume or c.first_page)]
    queries = [CitationQuery(str(c.number), c.journal, c.year, c.volume, c.first_page, c.first_author)
               for c in open_]
    for key, match in (client.citation_matches(queries) if queries else {}).items():
        citation_number = int(key)
        if match.pmid:
            resolutions[citation_number] = Resolution(resolutions[citation_number].citation,
                                                      Outcome.MATCHED, match.pmid, "ECitMatch")
    for done, citation in enumerate(citations):
        report("references searched by title", done, len(citations))
        if resolutions[citation.number].outcome is Outcome.NOT_FOUND and citation.title and citation.year:
            resolutions[citation.number] = _by_title(client, citation)
    return [resolutions[c.number] for c in citations]


def _direct(client: EntrezClient, citation: Citation) -> Resolution:
    if not citation.is_reference:
        return Resolution(citation, Outcome.NOT_A_REFERENCE)
    if citation.pmid:
        return Resolution(citation, Outcome.MATCHED, citation.pmid, "PMID in the reference")
    if citation.doi:
        found = client.esearch(f'"{citation.doi}"[aid]', retmax=5)
        if len(found.ids) == 1:
            return Resolution(citation, Outcome.MATCHED, found.ids[0], "DOI")
    return Resolution(citation, Outcome.NOT_FOUND)


def _by_title(client: EntrezClient, citation: Citation) -> Resolution:
    words = [w for w in re.findall(r"[A-Za-z0-9]+", citation.title)
             if len(w) > 2 and w.lower() not in _STOPWORDS][:8]
    if len(words) < MIN_TITLE_WORDS:  # too few words to tell one paper by its author and year
        return Resolution(citation, Outcome.NOT_FOUND)
    clauses = [f"{w}[ti]" for w in words] + [f"{citation.year}[dp]"]
    if citation.first_author:
        clauses.append(f"{citation.first_author}[au]")
    found = client.esearch(" AND ".join(clauses), retmax=5)
    if found.count == 1:
        return Resolution(citation, Outcome.MATCHED, found.ids[0], "title search")
    if found.count > 1:
        return Resolution(citation, Outcome.AMBIGUOUS, candidates=found.ids[:5], how="title search")
    return Resolution(citation, Outcome.NOT_FOUND)


def resolve(library: Library, client: EntrezClient, path: Path, *, dry_run: bool = False,
            from_record: int | None = None, progress: Progress | None = None) -> ResolveResult:
    """Resolve a reference file to PMIDs; unless dry_run, store the matched records as a chase."""
    citations = read_citations(path)
    result = ResolveResult(resolve_citations(client, citations, progress))
    matched = [r.pmid for r in result.resolutions if r.outcome is Outcome.MATCHED and r.pmid]
    if dry_run or not matched:
        return result
    result.run_id = library.start_run(
        "chase", "PubMed", name="chase resolve", file=str(path),
        query=f"reference list of {len(citations)} references",
        params={"direction": "resolved", "from": [from_record] if from_record else [],
                "matched": result.count(Outcome.MATCHED), "ambiguous": result.count(Outcome.AMBIGUOUS),
                "not_found": result.count(Outcome.NOT_FOUND)})
    try:
        result.stored = store_found(library, client, result.run_id, "resolved",
                                    {from_record: [Link(p) for p in dict.fromkeys(matched)]}, progress)
    except BaseException as exc:
        library.finish_run(result.run_id, "failed", error=str(exc))
        raise
    return result
