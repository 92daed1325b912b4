"""The dedup run: normalise -> block -> compare -> cluster -> merge, incremental by default (new
records are compared against the library), and the recluster that reviewer decisions call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from operator import itemgetter
from typing import Any

from litreview import parallel
from litreview.dedup.block import candidate_pairs
from litreview.dedup.clusters import cluster
from litreview.dedup.merge import choose_canonical, fills
from litreview.dedup.normalise import Sig, signatures
from litreview.dedup.rules import score_pairs
from litreview.dedup.verdicts import Decision, PairDecision
from litreview.store import Library
from litreview.store import dedup as store

PARALLEL_PAIRS = 100_000
"""Pairs to score from which the scoring is shared across cores: below, forking costs more than
it saves (a full run on 100,000 records scores about a million pairs)."""


@dataclass
class DedupSummary:
    """What a run (or a recluster) did. `regrouped` says which records changed cluster in it: record
    id -> the canonical record it now points to, or None when it now stands alone (decisions that
    follow the study read it)."""

    records: int = 0
    compared: int = 0
    pairs_scored: int = 0
    clusters: int = 0
    merged: int = 0
    queued: int = 0
    related: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)
    regrouped: dict[int, int | None] = field(default_factory=dict)


Progress = Callable[[str, int, int], None]
"""Called as each stage starts: ('normalise', 0, records), ('score', 0, pairs), ('cluster', 0,
pairs found alike)."""


def run(library: Library, full: bool = False, progress: Progress | None = None) -> DedupSummary:
    """Compare new records against the library (all records with full=True), then recluster."""
    report = progress or (lambda stage, done, total: None)
    if not full and _nothing_to_do(library):
        return _summary_as_stored(library)
    rows = store.rows_to_compare(library)
    report("normalise", 0, len(rows))
    sigs = signatures(rows)
    summary = DedupSummary(records=len(sigs))
    with library.transaction():
        new_ids = set(sigs) if full else set(sigs) - store.seen_ids(library)
        summary.compared = len(new_ids)
        manual = store.manual_pairs(library)
        if full:
            store.forget_auto_pairs(library)
        pairs = [p for p in candidate_pairs(sigs, new_ids) if p not in manual]
        report("score", 0, len(pairs))
        decisions = _score(sigs, pairs, summary)
        store.save_auto_pairs(library, sorted(decisions))
        store.mark_seen(library, new_ids)
        report("cluster", 0, len(decisions))
        _recluster(library, sigs, rows, summary)
    return summary


def _score(sigs: dict[int, Sig], pairs: list[tuple[int, int]], summary: DedupSummary) -> list[PairDecision]:
    """Every pair compared, shared across cores when there are many; the decisions to store."""
    # by the first record: its signature stays in the CPU's cache while its partners are
    # scored (a third faster than set order); the full tuple sort costs more than it saves
    pairs.sort(key=itemgetter(0))
    processes = parallel.usable_cores() if len(pairs) >= PARALLEL_PAIRS else 1
    decisions = []
    for scored in parallel.map_slices(partial(score_pairs, sigs), pairs, processes):
        decisions += scored.decisions
        for rule, count in scored.by_rule.items():
            summary.by_rule[rule] = summary.by_rule.get(rule, 0) + count
    summary.pairs_scored = len(pairs)
    return decisions


def _nothing_to_do(library: Library) -> bool:
    """No record the library has not compared, and clusters that follow every decision: a rerun
    would normalise every record (15 s for 100,000) to change nothing."""
    return not store.is_stale(library) and not store.has_unseen(library)


def _summary_as_stored(library: Library) -> DedupSummary:
    summary = DedupSummary(records=store.record_count(library))
    summary.clusters, summary.merged = store.cluster_counts(library)
    _count_pairs(library, summary, store.manual_pairs(library))
    return summary


def _count_pairs(library: Library, summary: DedupSummary, manual: dict[tuple[int, int], str]) -> None:
    summary.queued = len([p for p in store.pairs(library, Decision.UNCERTAIN) if p not in manual])
    summary.related = len(store.pairs(library, Decision.RELATED))


def _recluster(library: Library, sigs: dict[int, Sig], rows: list[dict[str, Any]],
               summary: DedupSummary) -> None:
    manual = store.manual_pairs(library)
    forbidden = {p for p, d in manual.items() if d == Decision.DISTINCT}
    confirmed = frozenset(p for p, d in manual.items() if d == Decision.DUPLICATE)
    duplicates = list(confirmed) + [p for p in store.pairs(library, Decision.DUPLICATE) if p not in manual]
    clusters = cluster(sigs, duplicates, forbidden, confirmed)
    canonical_of: dict[int, int | None] = {i: None for i in sigs}
    by_id = {row["id"]: row for row in rows}
    filled = []
    for members in clusters.values():
        canonical = choose_canonical(members, sigs)
        others = sorted(m for m in members if m != canonical)
        for member in others:
            canonical_of[member] = canonical
        filled += fills(canonical, others, by_id)
    summary.regrouped = store.set_canonical(library, canonical_of)
    store.replace_filled(library, filled)
    store.clear_stale(library)
    summary.clusters = len(clusters)
    summary.merged = sum(1 for c in canonical_of.values() if c is not None)
    _count_pairs(library, summary, manual)


def recluster(library: Library) -> DedupSummary:
    """Clusters rebuilt from the stored pair decisions (after a reviewer's decisions)."""
    rows = store.rows_to_compare(library)
    sigs = signatures(rows)
    summary = DedupSummary(records=len(sigs))
    with library.transaction():
        _recluster(library, sigs, rows, summary)
    return summary
