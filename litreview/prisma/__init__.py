"""PRISMA 2020 counts computed from the library, with their arithmetic checked.

Identification: records per source database (runs and imports set each record's source_db);
sources named in the setting `prisma.other_methods` (e.g. "Citation searching,Websites") form the
other-methods arm. Duplicates removed: records merged into another (canonical_id set). Screening
and retrieval: `screening.screening_flow`. Every box is a list of record ids; each box must equal
the sum of what flows out of it, and a library where they do not is reported, not drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litreview import settings
from litreview.errors import LitreviewError
from litreview.screening.decisions import screening_flow
from litreview.store import Library, reporting

settings.declare("prisma.other_methods",
                 "comma-separated sources counted under 'identification of studies via other methods' "
                 "(e.g. Citation searching,Websites)", parse=settings.comma_list)
settings.declare("prisma.previous_studies",
                 "studies included in the previous version of the review (updated reviews; empty: none)",
                 parse=settings.optional_count)
settings.declare("prisma.previous_reports",
                 "reports of studies included in the previous version of the review (empty: none)",
                 parse=settings.optional_count)


class PrismaInconsistent(LitreviewError):
    """Raised when the PRISMA boxes do not add up (a bug or a hand-edited library)."""


@dataclass
class Prisma:
    identified: dict[str, int] = field(default_factory=dict)
    identified_other_methods: dict[str, int] = field(default_factory=dict)
    duplicates_removed: int = 0
    removed_other: dict[str, int] = field(default_factory=dict)
    screened: int = 0
    excluded_screening: int = 0
    awaiting_screening: int = 0
    reports_sought: int = 0
    reports_not_retrieved: int = 0
    awaiting_retrieval: int = 0
    reports_assessed: int = 0
    awaiting_assessment: int = 0
    reports_excluded: dict[str, int] = field(default_factory=dict)
    studies_included: int = 0
    reports_included: int = 0
    previous_studies: int | None = None
    previous_reports: int | None = None
    boxes: dict[str, list[int]] = field(default_factory=dict, repr=False)

    def as_json(self) -> dict[str, Any]:
        data = {k: v for k, v in vars(self).items() if k != "boxes"}
        if self.previous_studies is None and self.previous_reports is None:
            data.pop("previous_studies")
            data.pop("previous_reports")
        return data


def other_method_sources(library: Library) -> set[str]:
    return set(settings.value(library, "prisma.other_methods"))


def compute(library: Library) -> Prisma:
    """Every PRISMA 2020 box from the records; raises PrismaInconsistent if they do not add up."""
    counts = Prisma()
    other = other_method_sources(library)
    by_source = reporting.records_per_source(library)
    counts.identified = {k: v for k, v in sorted(by_source.items()) if k not in other}
    counts.identified_other_methods = {k: v for k, v in sorted(by_source.items()) if k in other}
    duplicates = reporting.merged_duplicates(library)
    counts.duplicates_removed = len(duplicates)
    flow = screening_flow(library)
    counts.boxes = {
        "duplicates_removed": duplicates, "screened": flow.screened,
        "excluded_screening": flow.excluded_screening, "awaiting_screening": flow.awaiting_screening,
        "reports_sought": flow.reports_sought, "reports_not_retrieved": flow.reports_not_retrieved,
        "awaiting_retrieval": flow.awaiting_retrieval, "reports_assessed": flow.reports_assessed,
        "awaiting_assessment": flow.awaiting_assessment, "reports_included": flow.included,
    }
    for reason, ids in flow.reports_excluded.items():
        counts.boxes[f"reports_excluded:{reason}"] = ids
    for name in ("screened", "excluded_screening", "awaiting_screening", "reports_sought",
                 "reports_not_retrieved", "awaiting_retrieval", "reports_assessed", "awaiting_assessment"):
        setattr(counts, name, len(counts.boxes[name]))
    counts.reports_excluded = {k: len(v) for k, v in sorted(flow.reports_excluded.items())}
    counts.reports_included = len(flow.included)
    counts.studies_included = counts.reports_included
    counts.previous_studies = settings.value(library, "prisma.previous_studies")
    counts.previous_reports = settings.value(library, "prisma.previous_reports")
    problems = check(counts)
    if problems:
        raise PrismaInconsistent("PRISMA boxes do not add up: " + "; ".join(problems))
    return counts


def check(c: Prisma) -> list[str]:
    """Each box equals the sum of what flows out of it; returns what does not."""
    identified = sum(c.identified.values()) + sum(c.identified_other_methods.values())
    rules = [
        ("records identified - duplicates - other removals = screened + awaiting screening",
         identified - c.duplicates_removed - sum(c.removed_other.values()),
         c.screened + c.awaiting_screening),
        ("screened = excluded + reports sought", c.screened, c.excluded_screening + c.reports_sought),
        ("reports sought = not retrieved + assessed + awaiting retrieval or assessment",
         c.reports_sought,
         c.reports_not_retrieved + c.reports_assessed + c.awaiting_retrieval + c.awaiting_assessment),
        ("reports assessed = excluded with reasons + included", c.reports_assessed,
         sum(c.reports_excluded.values()) + c.reports_included),
    ]
    return [f"{name} ({left} != {right})" for name, left, right in rules if left != right]


def markdown(c: Prisma) -> str:
    lines = ["# PRISMA 2020 flow", "", "## Identification"]
    lines += [f"- Records identified from {k}: {v}" for k, v in c.identified.items()]
    lines += [f"- Records identified from other methods ({k}): {v}"
              for k, v in c.identified_other_methods.items()]
    lines += [f"- Duplicate records removed: {c.duplicates_removed}"]
    lines += [f"- Records removed ({k}): {v}" for k, v in c.removed_other.items()]
    lines += ["", "## Screening",
              f"- Records screened: {c.screened}", f"- Records excluded: {c.excluded_screening}",
              f"- Records awaiting screening: {c.awaiting_screening}",
              f"- Reports sought for retrieval: {c.reports_sought}",
              f"- Reports not retrieved: {c.reports_not_retrieved}",
              f"- Reports awaiting retrieval: {c.awaiting_retrieval}",
              f"- Reports assessed for eligibility: {c.reports_assessed}",
              f"- Reports awaiting assessment: {c.awaiting_assessment}"]
    lines += [f"- Reports excluded ({k}): {v}" for k, v in c.reports_excluded.items()]
    lines += ["", "## Included", f"- Studies included in review: {c.studies_included}",
              f"- Reports of included studies: {c.reports_included}"]
    if c.previous_studies is not None:
        lines += [f"- Studies included in previous version of review: {c.previous_studies}",
                  f"- Reports of studies included in previous version: {c.previous_reports}"]
    return "\n".join(lines) + "\n"


def box_rows(c: Prisma) -> list[tuple[str, int]]:
    """(box, record id) for every record in every box: which records make each number."""
    return [(box, record_id) for box, ids in c.boxes.items() for record_id in ids]
