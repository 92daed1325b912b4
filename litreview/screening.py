"""Screening: decisions, stages, reviewers, conflicts, agreement.

Contract used by prisma.py (fill in, keep the names):

    screening_flow(library) -> ScreeningFlow

lists, for the canonical records of the library (records with canonical_id IS NULL), which
PRISMA 2020 screening box each falls in. A record id appears in exactly one of screened /
awaiting_screening; every screened id is either excluded_screening or reports_sought; every
sought id is either reports_not_retrieved or reports_assessed (or awaiting full-text assessment);
every assessed id is in exactly one reports_excluded[reason] list or in included.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ScreeningFlow:
    screened: list[int] = field(default_factory=list)
    awaiting_screening: list[int] = field(default_factory=list)
    excluded_screening: list[int] = field(default_factory=list)
    reports_sought: list[int] = field(default_factory=list)
    reports_not_retrieved: list[int] = field(default_factory=list)
    awaiting_retrieval: list[int] = field(default_factory=list)
    reports_assessed: list[int] = field(default_factory=list)
    awaiting_assessment: list[int] = field(default_factory=list)
    reports_excluded: dict[str, list[int]] = field(default_factory=dict)
    included: list[int] = field(default_factory=list)
