"""Cluster: the duplicate pairs joined into clusters, transitively only when no two members of the
joined clusters conflict (a hard conflict, or citations that contradict each other).
"""

from __future__ import annotations

from collections.abc import Iterable

from litreview.dedup.evidence import WeakField, outweighed, veto, weak_contradictions
from litreview.dedup.fields import title_similarity
from litreview.dedup.normalise import Sig
from litreview.dedup.rules import hard_conflict
from litreview.dedup.verdicts import Rule


def cluster(sigs: dict[int, Sig], duplicates: Iterable[tuple[int, int]],
            forbidden: set[tuple[int, int]], confirmed: frozenset[tuple[int, int]] = frozenset(),
            ) -> dict[int, list[int]]:
    """Union the duplicate pairs, the best-supported first, refusing a union that would put two
    records together that can never be one (hard_conflict) or whose citations contradict each
    other (citation_conflict) -- unless a reviewer confirmed that pair."""
    duplicates = sorted(duplicates, key=lambda p: (p not in confirmed, -_support(sigs, p)))
    parent = {i: i for i in sigs}
    members: dict[int, list[int]] = {i: [i] for i in sigs}

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in duplicates:
        if a not in sigs or b not in sigs:
            continue
        ra, rb = root(a), root(b)
        if ra == rb or _clusters_conflict(members[ra], members[rb], sigs, forbidden, confirmed):
            continue
        if len(members[ra]) < len(members[rb]):
            ra, rb = rb, ra
        parent[rb] = ra
        members[ra].extend(members.pop(rb))
    return {r: m for r, m in members.items() if len(m) > 1}


def _support(sigs: dict[int, Sig], pair: tuple[int, int]) -> int:
    """How many citation fields a pair agrees on (both present and equal)."""
    if pair[0] not in sigs or pair[1] not in sigs:
        return 0
    a, b = sigs[pair[0]], sigs[pair[1]]
    fields = ("doi", "pmid", "title", "year", "volume", "issue", "page", "last_page", "venue")
    return sum(1 for name in fields if getattr(a, name) and getattr(a, name) == getattr(b, name))


def citation_conflict(a: Sig, b: Sig) -> Rule | None:
    """Two members of a cluster whose citations contradict: joined through a third record, they
    would make the cluster hold two publications (two articles of one team in one issue, both
    matching the same record without a title). Pages keep records apart within one volume. One weak field
    that disagrees where title, authors, year and journal agree is no contradiction (outweighed):
    such a pair is one publication, whether the rules met it directly or through a third record."""
    differing = weak_contradictions(a, b, pages=True)
    same_volume = bool(a.volume and a.volume == b.volume)
    vetoing = [field for field in differing if field is not WeakField.PAGES or same_volume]
    vetoed = veto(a, b, vetoing, pages_rule=Rule.DIFFERENT_PAGES_SAME_VOLUME)
    if vetoed and len(differing) == 1 and outweighed(a, b, differing[0], title_similarity(a, b)):
        return None
    return vetoed


def _clusters_conflict(xs: list[int], ys: list[int], sigs: dict[int, Sig],
                       forbidden: set[tuple[int, int]], confirmed: frozenset[tuple[int, int]]) -> bool:
    held_together = _dois_held_together(xs, sigs) | _dois_held_together(ys, sigs)
    for x in xs:
        for y in ys:
            pair = (min(x, y), max(x, y))
            if pair in forbidden:
                return True
            conflict = hard_conflict(sigs[x], sigs[y])
            if conflict and not (conflict is Rule.DIFFERENT_DOIS
                                 and frozenset((sigs[x].doi, sigs[y].doi)) in held_together):
                return True
            waived = pair in confirmed or one_doi(sigs[x], sigs[y])
            if not waived and citation_conflict(sigs[x], sigs[y]):
                return True
    return False


def one_doi(a: Sig, b: Sig) -> bool:
    """One DOI outweighs a volume that disagrees: Embase gives Butelman 2010 (DOI
    10.1007/s00213-009-1771-5) once as volume 209 and once as 210."""
    return bool(a.doi and a.doi == b.doi)


def _dois_held_together(members: list[int], sigs: dict[int, Sig]) -> set[frozenset[str | None]]:
    """Pairs of DOIs one cluster already holds as one article (one_article_two_dois, or a
    reviewer's call). A record under either DOI may join it: the cluster's other DOI is no
    longer a conflict (a PDF's record with .../16353 joining the publisher's .../16352 and
    .../16353 of one paper)."""
    dois = sorted({doi for m in members if (doi := sigs[m].doi)})
    return {frozenset((a, b)) for i, a in enumerate(dois) for b in dois[i + 1:]}
