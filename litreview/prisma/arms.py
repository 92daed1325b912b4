"""The PRISMA arms: which sources are other methods, and which arm each study counts in.

Below the counts (prisma/__init__) and below screening: a merge's summary of what it changed in
each arm (screening.decisions) asks it, and it asks only the store and the settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from litreview import settings
from litreview.store import Library, reporting

CITATION_SEARCHING = "Citation searching"
"""The source of records found by `litreview chase`: always an other-methods source."""


def _names(library: Library, key: str) -> set[str]:
    return set(settings.value(library, key))


def other_method_sources(library: Library) -> set[str]:
    return _names(library, "prisma.other_methods")


def register_sources(library: Library) -> set[str]:
    return _names(library, "prisma.registers")


def other_sources(library: Library) -> set[str]:
    """The other-methods arm's sources: `prisma.other_methods`, and citation searching whenever
    the library holds records it found."""
    other = other_method_sources(library)
    if reporting.records_per_source(library).get(CITATION_SEARCHING):
        other = other | {CITATION_SEARCHING}
    return other


@dataclass
class Arms:
    """Which arm each study counts in, and the duplicates removed in each."""
    other_studies: set[int] = field(default_factory=set)
    """Canonical records of the studies found by other methods only."""
    duplicates: list[int] = field(default_factory=list)
    other_duplicates: list[int] = field(default_factory=list)


def arms(library: Library, other: set[str]) -> Arms:
    """A study counts in the databases-and-registers arm when any copy of it came from a database
    or register (the template's other-methods arm holds what the searches did not find), else in
    the other-methods arm: whichever copy dedup made canonical, so a chased copy never moves a
    study out of the databases arm. In its arm a study counts as one record, its canonical record
    or, when that came by other methods, its first database copy; every other record is a
    duplicate removed, in the arm of its own source."""
    rows = reporting.cluster_sources(library)
    by_database = {study for _, study, source in rows if source not in other}
    counted: dict[int, int] = {}
    for record_id, study, source in rows:
        if study in by_database and source in other:
            continue
        if record_id == study or study not in counted:
            counted[study] = record_id
    kept = set(counted.values())
    result = Arms(other_studies={study for study in counted if study not in by_database})
    for record_id, _, source in rows:
        if record_id not in kept:
            (result.other_duplicates if source in other else result.duplicates).append(record_id)
    return result


def other_method_studies(library: Library) -> set[int]:
    """Canonical records of the studies counted in the other-methods arm (none without one)."""
    other = other_sources(library)
    return arms(library, other).other_studies if other else set()
