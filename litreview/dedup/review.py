"""Review and undo: the queue of uncertain pairs, a reviewer's same/different, detach and split.
A reviewer's decision is a manual pair decision: it outranks every automatic one and survives
every rerun.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

from litreview.dedup.pipeline import DedupSummary, recluster
from litreview.dedup.verdicts import Decision
from litreview.errors import LitreviewError, RecordNotFound
from litreview.store import Library
from litreview.store import dedup as store


class Note(str, Enum):
    """The reason stored with a reviewer's pair decision."""

    SAME = "reviewer: same"
    DIFFERENT = "reviewer: different"
    DETACHED = "reviewer: detached"
    SPLIT = "reviewer: split"

    def __str__(self) -> str:
        return self.value


def review_queue(library: Library) -> list[tuple[int, int]]:
    """Pairs the rules were unsure of and no reviewer has decided yet."""
    manual = store.manual_pairs(library)
    return [p for p in store.pairs(library, Decision.UNCERTAIN) if p not in manual]


def pair_detail(library: Library, a: int, b: int) -> dict[str, Any] | None:
    """The stored decision on a pair: decision, origin, reason {'rule': ...}, scores, decided_at."""
    return store.pair_detail(library, a, b)


def decide_pair(library: Library, a: int, b: int, same: bool) -> DedupSummary:
    """A reviewer's same/different for a pair; it outranks every automatic decision."""
    return decide_pairs(library, [(a, b, same)])


def decide_pairs(library: Library, decisions: Sequence[tuple[int, int, bool]]) -> DedupSummary:
    """Several reviewer decisions, stored together, then one recluster: reclustering reads every
    record (about 15 s for 100,000), which a decision at a time would pay at every pair."""
    for a, b, _ in decisions:
        _check_pair(library, a, b)
    with library.transaction():
        for a, b, same in decisions:
            _save_decision(library, a, b, same)
    return recluster(library)


def record_decision(library: Library, a: int, b: int, same: bool) -> None:
    """Store one reviewer decision now (so a review cut short loses none); it takes effect at the
    next recluster (decide_pairs with no pairs, or any dedup run)."""
    _check_pair(library, a, b)
    with library.transaction():
        _save_decision(library, a, b, same)
        store.mark_stale(library)


def _save_decision(library: Library, a: int, b: int, same: bool) -> None:
    if same:
        store.save_manual_pair(library, a, b, Decision.DUPLICATE, Note.SAME)
    else:
        store.save_manual_pair(library, a, b, Decision.DISTINCT, Note.DIFFERENT)


def _check_pair(library: Library, a: int, b: int) -> None:
    check_record(library, a)
    check_record(library, b)
    if a == b:
        raise LitreviewError(f"a pair needs two records; {a},{b} names record {a} twice")


def check_record(library: Library, record_id: int) -> None:
    """RecordNotFound unless the library holds a record with this id (the record itself, not
    its canonical: detaching a member needs the member's id)."""
    if not store.record_exists(library, record_id):
        raise RecordNotFound(f"no record with id {record_id}")


def detach(library: Library, record_id: int) -> DedupSummary:
    """Take one record out of its cluster: it becomes distinct from every other member."""
    members = cluster_members(library, record_id)
    if members == [record_id]:
        raise LitreviewError(f"record {record_id} is in no duplicate cluster: nothing to detach"
                           " (`litreview dedup` finds duplicates)")
    with library.transaction():
        for other in members:
            if other != record_id:
                store.save_manual_pair(library, record_id, other, Decision.DISTINCT, Note.DETACHED)
    return recluster(library)


def split(library: Library, record_id: int) -> DedupSummary:
    """Dissolve the cluster that holds record_id: every member stands alone."""
    members = cluster_members(library, record_id)
    if members == [record_id]:
        raise LitreviewError(f"record {record_id} is in no duplicate cluster: nothing to split"
                           " (`litreview dedup` finds duplicates)")
    with library.transaction():
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                store.save_manual_pair(library, a, b, Decision.DISTINCT, Note.SPLIT)
    return recluster(library)


def cluster_members(library: Library, record_id: int) -> list[int]:
    """Ids of every record in the cluster that holds record_id (itself alone if none)."""
    members = store.cluster_members(library, record_id)
    if not members:
        raise RecordNotFound(f"no record with id {record_id}")
    return members


def clusters_table(library: Library) -> list[tuple[str, str]]:
    """(record source key, cluster id) for every record; the cluster id is the canonical's key."""
    return store.clusters_table(library)
