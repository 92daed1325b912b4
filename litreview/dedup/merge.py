"""Merge: each cluster keeps all its records; one is canonical (the others point to it) and it
is filled with the fields it lacks from the others. Nothing is deleted.
"""

from __future__ import annotations

from typing import Any

from litreview.dedup.normalise import Sig

FILLABLE = ("doi", "pmid", "pages", "abstract", "volume", "issue", "journal_abbrev")


def choose_canonical(members: list[int], sigs: dict[int, Sig]) -> int:
    """PubMed's record when there is one, else the most complete; ties to the oldest."""
    return min(members, key=lambda i: (not sigs[i].is_pubmed, -sigs[i].completeness, i))


def fills(canonical: int, others: list[int],
           rows: dict[int, dict[str, Any]]) -> list[tuple[int, str, str, int]]:
    """Fields the canonical record lacks, taken from the first member that has them."""
    fills = []
    for name in FILLABLE:
        if rows[canonical][name]:
            continue
        donor = next((m for m in others if rows[m][name]), None)
        if donor is not None:
            fills.append((canonical, name, str(rows[donor][name]), donor))
    return fills
