"""A small review end to end: PubMed search (stand-in), an Embase import, dedup, dual screening
with a conflict, full text with reasons; every PRISMA box asserted."""

import json
import re
from datetime import date
from xml.etree import ElementTree

import pytest

from litreview import prisma
from litreview.cli import cli

TERM = '"Hematopoiesis, Extramedullary"[Mesh] AND thalassemia'
EMBASE = """TY  - JOUR
ID  - emb1
TI  - Spinal cord compression by extramedullary hematopoiesis 19000001
AU  - Haidar, Rachid
PY  - 2005
JO  - European spine journal
VL  - 6
SP  - 102
EP  - 109
DB  - Embase
ER  -

TY  - JOUR
ID  - emb2
TI  - Hydroxyurea and fetal haemoglobin induction in thalassaemia intermedia
AU  - Taher, Ali
PY  - 2011
JO  - Blood
VL  - 118
SP  - 100
EP  - 109
DB  - Embase
ER  -
"""


@pytest.fixture
def review(eutils, clock, runner, tmp_path):
    pmids = [str(19_000_000 + i) for i in range(5)]
    for i, pmid in enumerate(pmids):
        title = f"Spinal cord compression by extramedullary hematopoiesis {pmid}"
        from tests.eutils_server import article_xml

        eutils.corpus.add(pmid, date(2005, 1, 1 + i), article_xml(pmid, date(2005, 1, 1 + i), title))
    eutils.corpus.terms[TERM] = pmids
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "emh.toml").write_text(f"term = '''{TERM}'''\n")
    (tmp_path / "embase.ris").write_text(EMBASE)
    steps = [
        ["update", "--quiet"],
        ["import", "embase.ris"],
        ["dedup"],
        ["settings", "set", "screening.reviewers", "ta=2,ft=1"],
        ["settings", "set", "screening.reasons", "wrong population,wrong design"],
    ]
    for step in steps:
        result = runner.invoke(cli, step)
        assert result.exit_code == 0, (step, result.output)
    return pmids


def _do(runner, *args):
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, (args, result.output)


def test_every_box_of_a_small_review(review, runner, library):
    p = review
    emb2 = str(next(r.id for r in library.records() if r.source_key == 'emb2'))
    for ref, ana, ben in [(f"pmid:{p[0]}", "include", "include"), (f"pmid:{p[1]}", "include", "include"),
                          (f"pmid:{p[2]}", "include", "exclude"), (f"pmid:{p[3]}", "exclude", "exclude"),
                          (emb2, "include", "include")]:
        _do(runner, "decide", ref, ana, "--reviewer", "ana")
        _do(runner, "decide", ref, ben, "--reviewer", "ben")
    _do(runner, "screen", "resolve", f"pmid:{p[2]}", "include", "--reviewer", "cy")
    _do(runner, "fulltext", f"pmid:{p[0]}", "--retrieved", "pdf/0.pdf")
    _do(runner, "fulltext", f"pmid:{p[1]}", "--not-retrieved")
    _do(runner, "decide", f"pmid:{p[0]}", "include", "--stage", "ft", "--reviewer", "ana")
    _do(runner, "decide", f"pmid:{p[2]}", "exclude", "--stage", "ft", "--reviewer", "ana",
        "--reason", "wrong design")
    counts = json.loads(runner.invoke(cli, ["prisma", "--format", "json"]).stdout)
    assert counts == {
        "identified": {"Embase": 2, "PubMed": 5}, "identified_other_methods": {},
        "identified_registers": {}, "duplicates_removed": 1,
        "marked_ineligible_by_automation": 0, "removed_other_reasons": 0,
        "screened": 5, "excluded_screening": 1, "awaiting_screening": 1,
        "reports_sought": 4, "reports_not_retrieved": 1, "awaiting_retrieval": 1,
        "reports_assessed": 2, "awaiting_assessment": 0,
        "reports_excluded": {"wrong design": 1}, "studies_included": 1, "reports_included": 1,
    }
    rows = runner.invoke(cli, ["prisma", "--format", "csv"]).stdout.splitlines()
    assert rows[0] == "box,record_id"
    assert f"reports_included,{library.resolve(f'pmid:{p[0]}')}" in rows
    assert f"reports_excluded:wrong design,{library.resolve(f'pmid:{p[2]}')}" in rows
    svg = runner.invoke(cli, ["prisma", "--format", "svg"]).stdout
    assert svg.lstrip().startswith("<?xml")
    assert ">Reports excluded:</text>" in svg and ">\u00a0\u00a0\u00a0wrong design (n = 1)</text>" in svg
    assert "Awaiting" not in svg and ">In progress: 1 record awaiting screening, 1 report awaiting" in svg
    assert runner.invoke(cli, ["prisma", "--format", "png", "-o", "flow.png"]).exit_code == 0
    md = runner.invoke(cli, ["prisma"]).stdout.splitlines()
    assert md[:7] == ["# PRISMA 2020 flow", "", "## Identification of studies via databases and registers",
                      "", "- Records identified from databases: 7", "  - Embase: 2", "  - PubMed: 5"]
    assert md[-1] == "In progress: 1 record awaiting screening, 1 report awaiting retrieval."
    at = md.index("- Reports assessed for eligibility: 2")
    assert md[at + 1:at + 3] == ["- Reports excluded: 1", "  - wrong design: 1"]
    assert "- Reports excluded: 0" in prisma.markdown(prisma.Prisma()).splitlines()  # not an empty head
    excluded = runner.invoke(cli, ["bib", "--status", "excluded"]).stdout
    assert "Excluded: wrong design." in excluded


def test_box_text_never_breaks_a_count():
    from litreview.prisma.diagram import _fill

    text = _fill("Records identified from databases (n = 705):", 36)
    assert text == "Records identified from databases\n(n = 705):"  # a heading runs on flush
    item = _fill("\u00a0\u00a0\u00a0Records marked as ineligible by automation tools (n = 0)", 36)
    assert item == ("\u00a0\u00a0\u00a0Records marked as ineligible by\n"
                    + "\u00a0" * 6 + "automation tools (n = 0)")  # an item's under it


def test_inconsistent_counts_are_reported_not_drawn():
    counts = prisma.Prisma(identified={"PubMed": 10}, duplicates_removed=2, screened=7, awaiting_screening=0,
                           excluded_screening=5, reports_sought=2, reports_assessed=2,
                           reports_excluded={"wrong design": 1}, reports_included=0)
    problems = prisma.check(counts)
    assert any("screened + awaiting screening (8 != 7)" in p for p in problems)
    assert any("excluded with reasons + included (2 != 1)" in p for p in problems)
    counts.marked_ineligible_by_automation = 1  # a stopping rule set one record aside: the boxes add up
    assert not any("screened + awaiting screening" in p for p in prisma.check(counts))


def test_living_review_previous_version(runner, library):
    library.set_setting("prisma.previous_studies", 12)
    library.set_setting("prisma.previous_reports", 15)
    counts = json.loads(runner.invoke(cli, ["prisma", "--format", "json"]).stdout)
    assert (counts["previous_studies"], counts["previous_reports"]) == (12, 15)


def test_other_methods_arm(runner, library):
    run = library.start_run("import", "Citation searching")
    from litreview.records import Record

    library.add_records([Record(title="Found by hand", source_db="Citation searching", source_key="c1")], run)
    library.set_setting("prisma.other_methods", "Citation searching")
    counts = json.loads(runner.invoke(cli, ["prisma", "--format", "json"]).stdout)
    assert counts["identified_other_methods"] == {"Citation searching": 1} and counts["identified"] == {}


DATABASES = ["PubMed", "Embase", "Web of Science Core Collection", "Scopus", "CINAHL Complete",
             "Cochrane Central Register of Controlled Trials (CENTRAL)", "PsycINFO", "LILACS",
             "Google Scholar", "ProQuest Dissertations & Theses Global", "IEEE Xplore", "Global Health"]


def _example(databases: int, other: bool, previous: bool) -> prisma.Prisma:
    identified = {name: 100 + i for i, name in enumerate(DATABASES[:databases])}
    c = prisma.Prisma(identified=identified, duplicates_removed=10, reports_sought=5, reports_assessed=5,
                      reports_excluded={"wrong population": 2}, reports_included=3, studies_included=3)
    c.screened = sum(identified.values()) - 10
    c.excluded_screening = c.screened - 5
    if other:
        c.identified_other_methods = {"Citation searching": 4, "Websites": 2}
        c.other_methods = prisma.OtherMethods(identified=dict(c.identified_other_methods), screened=6,
                                              excluded_screening=2, reports_sought=4, reports_assessed=4,
                                              reports_excluded={"no comparator": 3}, reports_included=1)
        c.reports_included = c.studies_included = 4
    if previous:
        c.previous_studies, c.previous_reports = 12, 15
    assert prisma.check(c) == []
    return c


def _inside(inner: tuple[float, float, float, float], outer: tuple[float, float, float, float]) -> bool:
    x, y, w, h = inner
    ox, oy, ow, oh = outer
    return ox - 1e-6 <= x and x + w <= ox + ow + 1e-6 and oy - 1e-6 <= y and y + h <= oy + oh + 1e-6


def _crosses(start: tuple[float, float], end: tuple[float, float], box) -> bool:
    """An axis-parallel segment running through the inside of a box (touching its edge is fine)."""
    low_x, high_x = sorted((start[0], end[0]))
    low_y, high_y = sorted((start[1], end[1]))
    eps = 1e-6
    return (low_x < box.x + box.w - eps and high_x > box.x + eps
            and low_y < box.y + box.h - eps and high_y > box.y + eps)


@pytest.mark.parametrize("databases", [1, 6, 12])
@pytest.mark.parametrize("other", [False, True])
@pytest.mark.parametrize("previous", [False, True])
def test_diagram_layout_grows_with_its_content(databases, other, previous):
    from litreview.prisma.diagram import PAD, layout

    plan = layout(_example(databases, other, previous))
    boxes = [b for b in plan.boxes if not b.column.startswith("phase")]
    for box in boxes:  # text within its box, boxes within the figure
        text_area = (box.x + PAD, box.y + PAD, box.text_w, box.text_h)
        if box.centred:
            text_area = (box.x + (box.w - box.text_w) / 2, box.y + (box.h - box.text_h) / 2,
                         box.text_w, box.text_h)
        assert _inside(text_area, (box.x, box.y, box.w, box.h)), box.text
        assert _inside((box.x, box.y, box.w, box.h), (0, 0, plan.width, plan.height))
    for i, a in enumerate(plan.boxes):  # no two boxes overlap
        for b in plan.boxes[i + 1:]:
            assert not _crosses((a.x, a.y), (a.x + a.w, a.y + a.h), b), (a.text, b.text)
    for points in plan.arrows:  # arrows run between boxes, never through one
        for start, end in zip(points, points[1:]):
            assert not any(_crosses(start, end, box) for box in plan.boxes), (points, start, end)
    identified = next(b for b in boxes if b.column == "A" and b.row == 1)
    assert identified.text.count("(n = ") == databases + 2  # Databases, each database, Registers
    headers = {b.column: b for b in boxes if b.column.startswith("header")}
    new = "new " if previous else ""  # the template for updated reviews
    assert headers["header:database"].text == f"Identification of {new}studies via databases and registers"
    if other:
        assert headers["header:other"].text == f"Identification of {new}studies via other methods"
        assert next(b for b in boxes if b.column == "C" and b.row == 1).y == identified.y
    assert ("header:previous" in headers) == previous
    assert sum(1 for b in boxes if b.column not in headers) == 9 + 5 * other + 2 * previous


def test_more_databases_make_a_taller_identification_row():
    from litreview.prisma.diagram import layout

    heights = [next(b for b in layout(_example(n, False, False)).boxes if b.column == "A" and b.row == 1).h
               for n in (6, 12)]
    assert heights[1] > heights[0]


def test_svg_keeps_text_as_text_and_png_is_an_image():
    from litreview.prisma.diagram import draw

    svg = draw(_example(12, True, True), "svg").decode()
    assert ">Identification of new studies via other methods</text>" in svg
    assert ">Studies included in previous</text>" in svg and ">version of review</text>" in svg
    texts = re.findall(r"<text [^>]*>", svg)
    assert len(texts) > 50 and all(
        "font-family: 'DejaVu Sans', Arial, Helvetica, sans-serif" in t for t in texts)  # not a serif
    ElementTree.fromstring(svg)  # still well-formed
    assert "<use xlink:href=\"#DejaVuSans" not in svg  # glyphs would be drawn as paths
    assert draw(_example(1, False, False), "png")[:8] == b"\x89PNG\r\n\x1a\n"


def test_drawing_leaves_the_matplotlib_backend_alone():
    import subprocess
    import sys

    code = ("import matplotlib; matplotlib.use('svg'); from litreview.prisma import Prisma;"
            "from litreview.prisma.diagram import draw; draw(Prisma(), 'png');"
            "print(matplotlib.get_backend())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "svg"


def test_other_methods_and_previous_studies_through_the_cli(runner, library):
    from litreview.records import Record

    run = library.start_run("import", "mixed")
    library.add_records([Record(title="Found by hand", source_db="Citation searching", source_key="c1"),
                         Record(title="In a register", source_db="ClinicalTrials.gov", source_key="NCT1"),
                         Record(title="In a database", source_db="PubMed", source_key="1")], run)
    library.set_setting("prisma.other_methods", "Citation searching,Websites")
    library.set_setting("prisma.registers", "ClinicalTrials.gov")
    library.set_setting("prisma.previous_studies", 12)
    library.set_setting("prisma.previous_reports", 15)
    hand = str(next(r.id for r in library.records() if r.source_key == 'c1'))
    for step in (["decide", hand, "include", "--reviewer", "ana"],
                 ["fulltext", hand, "--retrieved", "x.pdf"],
                 ["decide", hand, "include", "--stage", "ft", "--reviewer", "ana"]):
        assert runner.invoke(cli, step).exit_code == 0
    counts = json.loads(runner.invoke(cli, ["prisma", "--format", "json"]).stdout)
    assert counts["identified"] == {"PubMed": 1}
    assert counts["identified_registers"] == {"ClinicalTrials.gov": 1}
    assert counts["identified_other_methods"] == {"Citation searching": 1, "Websites": 0}
    assert counts["awaiting_screening"] == 2 and counts["screened"] == 0
    assert counts["other_methods"]["reports_assessed"] == counts["other_methods"]["reports_included"] == 1
    assert (counts["studies_included"], counts["reports_included"]) == (1, 1)
    md = runner.invoke(cli, ["prisma"]).stdout.splitlines()
    assert "- Records identified from registers: 1" in md and "  - ClinicalTrials.gov: 1" in md
    assert "## Identification of new studies via databases and registers" in md
    assert md[md.index("## Identification of new studies via other methods") + 2:][:4] == [
        "- Records identified from:", "  - Citation searching: 1", "  - Websites: 0",
        "- Reports sought for retrieval: 1"]
    assert "- Total studies included in review: 13" in md and "- Reports of total included studies: 16" in md
    rows = runner.invoke(cli, ["prisma", "--format", "csv"]).stdout.splitlines()
    assert f"other_methods:reports_included,{hand}" in rows
    svg = runner.invoke(cli, ["prisma", "--format", "svg"]).stdout
    assert ">Total studies included in review</text>" in svg and ">(n = 13)</text>" in svg


def test_the_note_under_the_diagram_says_what_has_no_box():
    from litreview.prisma.diagram import layout

    c = _example(1, False, False)
    assert layout(c).note is None
    c.screened -= 2
    c.excluded_screening -= 2
    c.awaiting_screening = 2
    c.retracted_included = ["pmid:123 A retracted trial"]
    plan = layout(c)
    assert plan.note is not None
    assert plan.note.text.replace("\n", " ") == (
        "In progress: 2 records awaiting screening. Retracted included studies: pmid:123 A retracted trial.")
    boxes_bottom = max(b.y + b.h for b in plan.boxes)
    assert boxes_bottom < plan.note.y and plan.note.y + plan.note.h <= plan.height
