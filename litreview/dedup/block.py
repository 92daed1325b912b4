"""Block: the pairs worth comparing. Records meet only inside a block (a shared DOI, PMID, title
start or end, first author and year, ...): comparing all pairs of 100,000 records is out of reach.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from itertools import combinations

from litreview.dedup.normalise import Sig

MAX_BLOCK = 120
"""A block larger than this (a common title start, a prolific author's year) is skipped, but for
a DOI or PMID."""


def blocking_keys(sig: Sig) -> Iterator[str]:
    """Keys that true duplicates share with high probability; records meet only inside a block."""
    if sig.doi:
        yield "doi:" + sig.doi
    if sig.pmid:
        yield "pmid:" + sig.pmid
    if sig.title:
        yield "t<" + sig.title[:24]
        if len(sig.title) > 24:
            yield "t>" + sig.title[-24:]
    if sig.families and sig.year:
        yield f"a:{sig.families[0][:12]}:{sig.year}"
    if sig.families and sig.volume and sig.issue:  # records read from PDFs often lack the year
        yield f"avi:{sig.families[0][:12]}:{sig.volume}:{sig.issue}"
    if sig.families and sig.volume and not (sig.issue and sig.issue.isdigit()):
        yield f"av:{sig.families[0][:12]}:{sig.volume}"  # 'Special Issue', 'Suppl 2': often left out
    if sig.volume and sig.page and sig.year:
        yield f"v:{sig.year}:{sig.volume}:{sig.page}"


def candidate_pairs(sigs: dict[int, Sig], new_ids: set[int]) -> set[tuple[int, int]]:
    """Pairs that share a block and involve at least one new record; oversized blocks skipped."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for sig in sigs.values():
        for key in blocking_keys(sig):
            blocks[key].append(sig.id)
    found: set[tuple[int, int]] = set()
    for key, members in blocks.items():
        if len(members) < 2 or (len(members) > MAX_BLOCK and not key.startswith(("doi:", "pmid:"))):
            continue
        fresh = [m for m in members if m in new_ids]
        if len(fresh) == len(members):
            found.update(combinations(sorted(members), 2))
            continue
        for a in fresh:
            for b in members:
                if a != b:
                    found.add((min(a, b), max(a, b)))
    return found
