"""Draw the PRISMA diagram for 1, 6 and 12 databases, with and without the other-methods column
and the previous-studies box, into benchmarks/out/prisma/ (PNG and SVG) to look at by eye.

Run: python benchmarks/prisma_gallery.py   (prints each file written and its layout size)
"""

from __future__ import annotations

from pathlib import Path

from litreview.prisma import OtherMethods, Prisma, check
from litreview.prisma.diagram import draw, layout

OUT = Path(__file__).resolve().parent / "out" / "prisma"
DATABASES = ["PubMed", "Embase", "Web of Science Core Collection", "Scopus", "CINAHL Complete",
             "Cochrane Central Register of Controlled Trials (CENTRAL)", "PsycINFO", "LILACS",
             "Google Scholar", "ProQuest Dissertations & Theses Global", "IEEE Xplore", "Global Health"]


def example(databases: int, other: bool, previous: bool) -> Prisma:
    identified = {name: 100 + 37 * i for i, name in enumerate(DATABASES[:databases])}
    total = sum(identified.values()) + 14
    c = Prisma(identified=identified, identified_registers={"ClinicalTrials.gov": 14},
               duplicates_removed=total // 4)
    c.screened = total - c.duplicates_removed
    c.excluded_screening = c.screened - 40
    c.reports_sought, c.reports_not_retrieved, c.reports_assessed = 40, 3, 37
    c.reports_excluded = {"wrong population": 12, "wrong study design": 9, "no comparator": 4}
    c.reports_included = c.studies_included = 12
    if other:
        c.identified_other_methods = {"Citation searching": 22, "Websites": 5}
        c.other_methods = OtherMethods(identified=dict(c.identified_other_methods), duplicates_removed=7,
                                       screened=20, excluded_screening=12, reports_sought=8,
                                       reports_not_retrieved=1, reports_assessed=7,
                                       reports_excluded={"wrong population": 4}, reports_included=3)
        c.reports_included = c.studies_included = 15
    if previous:
        c.previous_studies, c.previous_reports = 21, 24
    assert not check(c), check(c)
    return c


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for databases in (1, 6, 12):
        for other in (False, True):
            for previous in (False, True):
                c = example(databases, other, previous)
                name = f"db{databases}{'-other' if other else ''}{'-previous' if previous else ''}"
                for fmt in ("png", "svg"):
                    (OUT / f"{name}.{fmt}").write_bytes(draw(c, fmt))
                plan = layout(c)
                print(f"{name}: {plan.width:.1f} x {plan.height:.1f} in, {len(plan.boxes)} boxes, "
                      f"{len(plan.arrows)} arrows")
    c = example(6, True, False)
    c.awaiting_screening, c.screened = 30, c.screened - 30
    c.excluded_screening -= 30
    (OUT / "db6-other-in-progress.png").write_bytes(draw(c, "png"))
    print(f"written to {OUT}")


if __name__ == "__main__":
    main()
