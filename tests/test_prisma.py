"""A small review end to end: PubMed search (stand-in), an Embase import, dedup, dual screening
with a conflict, full text with reasons; every PRISMA box asserted."""

import json
from datetime import date

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
    emb2 = str(next(r.id for r in library.records("source_key = 'emb2'")))
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
        "duplicates_removed": 1, "removed_other": {},
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
    assert svg.lstrip().startswith("<?xml") and "Reports excluded" in svg and "wrong design (n = 1)" in svg
    assert runner.invoke(cli, ["prisma", "--format", "png", "-o", "flow.png"]).exit_code == 0
    md = runner.invoke(cli, ["prisma"]).stdout
    assert "- Records identified from PubMed: 5" in md
    excluded = runner.invoke(cli, ["bib", "--status", "excluded"]).stdout
    assert "Excluded: wrong design." in excluded


def test_box_text_never_breaks_a_count():
    from litreview.prisma.diagram import _lines

    text = _lines("Records identified from databases (n = 705):", ["Web of Science (n = 278)"])
    assert not any(line.rstrip().endswith(("(n", "=")) for line in text.splitlines())
    assert "(n = 705):" in text


def test_inconsistent_counts_are_reported_not_drawn():
    counts = prisma.Prisma(identified={"PubMed": 10}, duplicates_removed=2, screened=7, awaiting_screening=0,
                           excluded_screening=5, reports_sought=2, reports_assessed=2,
                           reports_excluded={"wrong design": 1}, reports_included=0)
    problems = prisma.check(counts)
    assert any("screened + awaiting screening (8 != 7)" in p for p in problems)
    assert any("excluded with reasons + included (2 != 1)" in p for p in problems)


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
