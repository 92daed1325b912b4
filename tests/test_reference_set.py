"""65 real records (tests/data/reference_set, sources in its README) against their references in
Vancouver (Citing Medicine), APA 7 and AMA 11, checked by hand against the manuals: exact text."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from litreview.bibliography import format_references
from litreview.importing import read_file
from litreview.pubmed.xml import parse_pubmed_xml
from litreview.records import Record
from tests._pandoc import compare, find_pandoc

DATA = Path(__file__).parent / "data" / "reference_set"
EXPECTED = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))
STYLES = ("vancouver", "apa", "ama")


def _records() -> dict[str, Record]:
    records = list(parse_pubmed_xml(DATA / "pubmed.xml")) + read_file(DATA / "chapters.ris")[0]
    return {str(r.pmid or r.source_key): r for r in records}


RECORDS = _records()


def test_the_set_covers_the_cases() -> None:
    assert len(EXPECTED) >= 60 and set(EXPECTED) == set(RECORDS)
    cases = {case for entry in EXPECTED.values() for case in entry["cases"]}
    assert {"many authors", "group author", "no author", "ahead of print", "article number", "supplement",
            "season or MedlineDate", "non-English", "book or chapter", "suffix",
            "particle or compound family name"} <= cases


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_reference_matches_the_manual(key: str, style: str) -> None:
    [reference] = format_references([RECORDS[key]], style)
    assert re.sub(r"^1\. ", "", reference.text) == EXPECTED[key][style]


@pytest.mark.parametrize("style", STYLES)
def test_the_whole_set_at_once_gives_the_same_references(style: str) -> None:
    """Rendered together (one bibliography, the style's order) each reference is the same."""
    texts = {re.sub(r"^\d+\. ", "", r.text) for r in format_references(RECORDS.values(), style)}
    assert texts == {entry[style] for entry in EXPECTED.values()}


@pytest.mark.parametrize("style", STYLES)
def test_pandoc_differs_only_in_the_known_kinds(style: str) -> None:
    """pandoc's citeproc on the same CSL-JSON and CSL: a reference either agrees or differs in a
    kind whose owner is known (tests/_pandoc.KINDS: pandoc's quotes and editor labels, our
    Citing Medicine period after the DOI, a Latin particle's case); nothing else."""
    pandoc = find_pandoc()
    if pandoc is None:
        pytest.skip("pandoc not found (pip install pypandoc_binary, or set LITREVIEW_PANDOC)")
    records = list(RECORDS.values())
    kinds, mine, theirs = compare(records, style, pandoc)
    assert {key: (mine[key], theirs.get(key)) for key in kinds["differ"]} == {}
    for key in kinds["capitalisation"]:  # 'Biochimica et Biophysica Acta': the journal's own case
        assert re.sub(r"\bet\b", "Et", mine[key]) == theirs[key]
    assert len(kinds["agree"]) >= {"vancouver": 10, "ama": 50, "apa": 50}[style]
