"""PRISMA 2020 counts computed from the library, with their arithmetic checked.

Identification: records per source (runs and imports set each record's source_db). Sources named
in the setting `prisma.registers` (e.g. "ClinicalTrials.gov,ICTRP") are registers; sources named
in `prisma.other_methods` (e.g. "Citation searching,Websites") form the other-methods arm, the
right-hand column of the template; every other source is a database. A study counts in the
databases arm when any copy of it came from a database or register (`arms`). Duplicates removed:
records merged into another (canonical_id set), in the arm of their own source. Screening and
retrieval: `screening.screening_flow`, split by each study's arm. Every box is a list of record
ids; each box must equal the sum of what flows out of it, and a library where they do not is
reported, not drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from litreview import settings
from litreview.errors import PrismaInconsistent
from litreview.prisma.arms import arms, other_sources, register_sources
from litreview.records import is_retracted
from litreview.screening.decisions import ScreeningFlow, screening_flow
from litreview.store import Library, reporting
from litreview.store import watch as watch_store

settings.declare("prisma.other_methods",
                 "comma-separated sources counted under 'identification of studies via other methods' "
                 "(e.g. Citation searching,Websites)", parse=settings.comma_list)
settings.declare("prisma.registers",
                 "comma-separated sources that are registers, not databases (e.g. ClinicalTrials.gov,ICTRP)",
                 parse=settings.comma_list)
settings.declare("prisma.previous_studies",
                 "studies included in the previous version of the review (updated reviews; empty: none)",
                 parse=settings.optional_count)
settings.declare("prisma.previous_reports",
                 "reports of studies included in the previous version of the review (empty: none)",
                 parse=settings.optional_count)

FLOW_BOXES = ("screened", "excluded_screening", "awaiting_screening", "reports_sought",
              "reports_not_retrieved", "awaiting_retrieval", "reports_assessed", "awaiting_assessment")
"""The screening boxes of one arm, as ScreeningFlow names them (plus reports_excluded, included)."""


@dataclass
class OtherMethods:
    """The other-methods arm (citation searching, websites, ...): the template draws its
    identification, reports sought, not retrieved, assessed and excluded boxes. Duplicates and
    title/abstract decisions of these records have no box there; the diagram notes them."""

    identified: dict[str, int] = field(default_factory=dict)
    duplicates_removed: int = 0
    screened: int = 0
    excluded_screening: int = 0
    awaiting_screening: int = 0
    reports_sought: int = 0
    reports_not_retrieved: int = 0
    awaiting_retrieval: int = 0
    reports_assessed: int = 0
    awaiting_assessment: int = 0
    reports_excluded: dict[str, int] = field(default_factory=dict)
    reports_included: int = 0


@dataclass
class Prisma:
    """The boxes of the PRISMA 2020 flow diagram for new reviews (databases, registers and other
    sources). The screening fields count the databases-and-registers arm; studies_included and
    reports_included count both arms, as the template's last box does."""

    identified: dict[str, int] = field(default_factory=dict)
    identified_registers: dict[str, int] = field(default_factory=dict)
    identified_other_methods: dict[str, int] = field(default_factory=dict)
    duplicates_removed: int = 0
    marked_ineligible_by_automation: int = 0
    """Records removed before screening by an automation tool (filled by the ranking feature's
    stopping rule; 0 until one is used)."""
    removed_other_reasons: int = 0
    """Records removed before screening for other reasons: litreview removes none, so 0; the
    template draws the line all the same."""
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
    other_methods: OtherMethods | None = None
    retracted_included: list[str] = field(default_factory=list)
    """Included studies PubMed marks as retracted ('pmid:N title'), listed under the diagram."""
    stopping_statement: str | None = None
    """How screening stopped on the stopping rule, for a methods section (screening/stopping.py)."""
    boxes: dict[str, list[int]] = field(default_factory=dict, repr=False)

    @property
    def included_databases(self) -> int:
        """Reports included from the databases-and-registers arm."""
        return self.reports_included - (self.other_methods.reports_included if self.other_methods else 0)

    @property
    def awaiting(self) -> dict[str, int]:
        """Records not yet through a stage (both arms): the diagram's note, not its boxes."""
        other = self.other_methods or OtherMethods()
        return {"screening": self.awaiting_screening + other.awaiting_screening,
                "retrieval": self.awaiting_retrieval + other.awaiting_retrieval,
                "assessment": self.awaiting_assessment + other.awaiting_assessment}

    def as_json(self) -> dict[str, Any]:
        data = {k: v for k, v in vars(self).items() if k != "boxes"}
        if not self.retracted_included:
            data.pop("retracted_included")
        if self.previous_studies is None and self.previous_reports is None:
            data.pop("previous_studies")
            data.pop("previous_reports")
        if self.stopping_statement is None:
            data.pop("stopping_statement")
        if self.other_methods is None:
            data.pop("other_methods")
        else:
            data["other_methods"] = dict(vars(self.other_methods))
        return data


def _split_flow(flow: ScreeningFlow, in_arm: Callable[[int], bool]) -> ScreeningFlow:
    """The part of the flow whose records satisfy in_arm."""
    part = ScreeningFlow()
    for name in (*FLOW_BOXES, "included"):
        setattr(part, name, [i for i in getattr(flow, name) if in_arm(i)])
    part.reports_excluded = {reason: kept for reason, ids in flow.reports_excluded.items()
                             if (kept := [i for i in ids if in_arm(i)])}
    return part


def _fill_counts(target: Prisma | OtherMethods, flow: ScreeningFlow) -> None:
    for name in FLOW_BOXES:
        setattr(target, name, len(getattr(flow, name)))
    target.reports_excluded = {k: len(v) for k, v in sorted(flow.reports_excluded.items())}
    target.reports_included = len(flow.included)


def _boxes(flow: ScreeningFlow, duplicates: list[int], prefix: str = "") -> dict[str, list[int]]:
    boxes = {f"{prefix}duplicates_removed": duplicates}
    boxes.update({f"{prefix}{name}": getattr(flow, name) for name in FLOW_BOXES})
    boxes[f"{prefix}reports_included"] = flow.included
    boxes.update({f"{prefix}reports_excluded:{reason}": ids for reason, ids in flow.reports_excluded.items()})
    return boxes


def compute(library: Library) -> Prisma:
    """Every PRISMA 2020 box from the records; raises PrismaInconsistent if they do not add up."""
    counts = Prisma()
    other, registers = other_sources(library), register_sources(library)
    by_source = sorted(reporting.records_per_source(library).items())
    counts.identified = {k: v for k, v in by_source if k not in other and k not in registers}
    counts.identified_registers = {k: v for k, v in by_source if k in registers}
    counts.identified_other_methods = {k: dict(by_source).get(k, 0) for k in sorted(other)}
    flow = screening_flow(library)
    duplicates = reporting.merged_duplicates(library)
    if other:
        split = arms(library, other)

        def is_other(study: int) -> bool:
            return study in split.other_studies

        arm = OtherMethods(identified=counts.identified_other_methods)
        arm_flow = _split_flow(flow, is_other)
        _fill_counts(arm, arm_flow)
        arm.duplicates_removed = len(split.other_duplicates)
        counts.other_methods = arm
        counts.boxes.update(_boxes(arm_flow, split.other_duplicates, "other_methods:"))
        flow = _split_flow(flow, lambda i: not is_other(i))
        duplicates = split.duplicates
    _take_stopped(library, counts, flow)
    counts.boxes.update(_boxes(flow, duplicates))
    _fill_counts(counts, flow)
    counts.duplicates_removed = len(duplicates)
    counts.reports_included += counts.other_methods.reports_included if counts.other_methods else 0
    counts.studies_included = counts.reports_included
    included = [*counts.boxes.get("reports_included", []),
                *counts.boxes.get("other_methods:reports_included", [])]
    counts.retracted_included = _retracted(library, included)
    counts.previous_studies = settings.value(library, "prisma.previous_studies")
    counts.previous_reports = settings.value(library, "prisma.previous_reports")
    problems = check(counts)
    if problems:
        raise PrismaInconsistent("PRISMA boxes do not add up: " + "; ".join(problems))
    return counts


def _take_stopped(library: Library, counts: Prisma, flow: ScreeningFlow) -> None:
    """Records left unscreened when screening stopped on the stopping rule: PRISMA 2020's 'records
    marked as ineligible by automation tools', not 'awaiting screening' (screening/stopping.py)."""
    from litreview.screening import stopping

    left = set(stopping.not_screened(library, "ta"))
    stopped = [i for i in flow.awaiting_screening if i in left]
    if not stopped:
        return
    flow.awaiting_screening = [i for i in flow.awaiting_screening if i not in left]
    counts.marked_ineligible_by_automation = len(stopped)
    counts.boxes["marked_ineligible_by_automation"] = stopped
    counts.stopping_statement = stopping.statement(library, "ta")


def check(c: Prisma) -> list[str]:
    """Each box equals the sum of what flows out of it; returns what does not."""
    identified = sum(c.identified.values()) + sum(c.identified_registers.values())
    if c.other_methods is None:  # counted as a database would be
        identified += sum(c.identified_other_methods.values())
    rules = [
        ("records identified - duplicates - other removals = screened + awaiting screening",
         identified - c.duplicates_removed - c.marked_ineligible_by_automation - c.removed_other_reasons,
         c.screened + c.awaiting_screening),
        *_flow_rules(c, c.included_databases, ""),
    ]
    if c.other_methods is not None:
        o = c.other_methods
        rules += [("other methods: records identified - duplicates = screened + awaiting screening",
                   sum(o.identified.values()) - o.duplicates_removed, o.screened + o.awaiting_screening),
                  *_flow_rules(o, o.reports_included, "other methods: ")]
    return [f"{name} ({left} != {right})" for name, left, right in rules if left != right]


def _flow_rules(c: Prisma | OtherMethods, included: int, prefix: str) -> list[tuple[str, int, int]]:
    return [
        (f"{prefix}screened = excluded + reports sought", c.screened,
         c.excluded_screening + c.reports_sought),
        (f"{prefix}reports sought = not retrieved + assessed + awaiting retrieval or assessment",
         c.reports_sought,
         c.reports_not_retrieved + c.reports_assessed + c.awaiting_retrieval + c.awaiting_assessment),
        (f"{prefix}reports assessed = excluded with reasons + included", c.reports_assessed,
         sum(c.reports_excluded.values()) + included),
    ]


def _retracted(library: Library, included: list[int]) -> list[str]:
    """Included studies whose PubMed record (any copy holding the PMID) is marked retracted."""
    members = watch_store.pubmed_members(library, included)
    found = []
    for study in included:
        record = library.get(members.get(study, (study, ""))[0])
        if is_retracted(record):
            found.append(f"{'pmid:' + record.pmid if record.pmid else f'record {study}'} {record.title}")
    return found


def markdown(c: Prisma) -> str:
    """The counts as the template's boxes, in its words."""
    new = "new " if c.previous_studies is not None else ""  # the template for updated reviews
    lines = ["# PRISMA 2020 flow", "", f"## Identification of {new}studies via databases and registers", "",
             f"- Records identified from databases: {sum(c.identified.values())}"]
    lines += [f"  - {k}: {v}" for k, v in c.identified.items()]
    lines += [f"- Records identified from registers: {sum(c.identified_registers.values())}"]
    lines += [f"  - {k}: {v}" for k, v in c.identified_registers.items()]
    lines += ["- Records removed before screening:",
              f"  - Duplicate records removed: {c.duplicates_removed}",
              f"  - Records marked as ineligible by automation tools: {c.marked_ineligible_by_automation}",
              f"  - Records removed for other reasons: {c.removed_other_reasons}",
              f"- Records screened: {c.screened}", f"- Records excluded: {c.excluded_screening}",
              f"- Reports sought for retrieval: {c.reports_sought}",
              f"- Reports not retrieved: {c.reports_not_retrieved}",
              f"- Reports assessed for eligibility: {c.reports_assessed}",
              f"- Reports excluded: {sum(c.reports_excluded.values())}"]
    lines += [f"  - {k}: {v}" for k, v in c.reports_excluded.items()]
    if c.other_methods is not None:
        o = c.other_methods
        lines += ["", f"## Identification of {new}studies via other methods", "",
                  "- Records identified from:"]
        lines += [f"  - {k}: {v}" for k, v in o.identified.items()]
        lines += [f"- Reports sought for retrieval: {o.reports_sought}",
                  f"- Reports not retrieved: {o.reports_not_retrieved}",
                  f"- Reports assessed for eligibility: {o.reports_assessed}",
                  f"- Reports excluded: {sum(o.reports_excluded.values())}"]
        lines += [f"  - {k}: {v}" for k, v in o.reports_excluded.items()]
    lines += ["", "## Included", ""]
    if c.previous_studies is not None:
        lines += [f"- Studies included in previous version of review: {c.previous_studies}",
                  f"- Reports of studies included in previous version of review: {c.previous_reports or 0}",
                  f"- New studies included in review: {c.studies_included}",
                  f"- Reports of new included studies: {c.reports_included}",
                  f"- Total studies included in review: {c.previous_studies + c.studies_included}",
                  f"- Reports of total included studies: {(c.previous_reports or 0) + c.reports_included}"]
    else:
        lines += [f"- Studies included in review: {c.studies_included}",
                  f"- Reports of included studies: {c.reports_included}"]
    if c.retracted_included:
        lines += ["", "## Retracted included studies", ""]
        lines += [f"- {study} [Retracted]" for study in c.retracted_included]
    if c.stopping_statement:
        lines += ["", "## Stopping rule", "", c.stopping_statement]
    note = awaiting_note(c)
    return "\n".join(lines + (["", note] if note else [])) + "\n"


AWAITING = {"screening": ("record awaiting screening", "records awaiting screening"),
            "retrieval": ("report awaiting retrieval", "reports awaiting retrieval"),
            "assessment": ("report awaiting assessment", "reports awaiting assessment")}


def awaiting_note(c: Prisma) -> str | None:
    """What the template has no box for: records still in progress, and other-methods records
    removed as duplicates or excluded at title/abstract. None when there is neither."""
    notes = []
    waiting = [f"{n} {AWAITING[stage][n != 1]}" for stage, n in c.awaiting.items() if n]
    if waiting:
        notes.append("In progress: " + ", ".join(waiting) + ".")
    other = c.other_methods
    if other is not None and (other.duplicates_removed or other.excluded_screening):
        notes.append(f"Other methods: {other.duplicates_removed} duplicate records removed and "
                     f"{other.excluded_screening} records excluded at title/abstract screening "
                     "before reports were sought.")
    return " ".join(notes) or None


def box_rows(c: Prisma) -> list[tuple[str, int]]:
    """(box, record id) for every record in every box: which records make each number."""
    return [(box, record_id) for box, ids in c.boxes.items() for record_id in ids]
