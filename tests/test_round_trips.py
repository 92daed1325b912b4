"""Export -> re-import, per format: every field the format can hold comes back equal; what it
cannot hold is on the format's documented list (`Exporter.cannot_hold`) and is said on export.

Run on the real PubMed records of ../shared (skipped without it) and on small records of our own
holding the cases issue 21 found damaged (a group author first, '~' in a title, keywords with
commas, an electronic ISSN alone, a season, retraction links, 'When A<B and C>D', ...).
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import fields, replace
from pathlib import Path

import pytest

from litreview.bibliography import FLAGS, format_references, render
from litreview.exporters import export, get_exporter, holds
from litreview.fieldtext import mesh_text
from litreview.importing import read_file
from litreview.names import NAME_SUFFIX, expand_pages
from litreview.pubmed.xml import parse_pubmed_xml
from litreview.records import (
    AbstractSection,
    Author,
    Correction,
    MeshHeading,
    Record,
    is_retracted,
    normalise,
)
from tests.conftest import SHARED_DATA

FORMATS = ("ris", "bibtex", "csl-json", "nbib", "csv", "jsonl")
NOT_COMPARED = {"id", "run_id", "added_at", "is_new", "canonical_id", "extra"}
"""Set by the store, or the source's raw leftovers (extra), not part of the exchanged record."""

SYNTHETIC = "fnl+medic"
"""A hand-made file using every element of an old DTD with placeholder values ('0000-000A' as
an ISSN, 'Suf' as a name suffix): not a record any export is meant to carry."""


def _people(record: Record, role: str, fmt: str) -> list[tuple[str | None, ...]]:
    """Each person as the format can hold them: a given name that is only initials ('T C') is
    the initials ('TC'); initials of their own are compared where the format's names carry them."""
    holds_initials = "initials" not in get_exporter(fmt).cannot_hold
    out = []
    for person in getattr(record, role):
        given = person.given
        letters = re.sub(r"[\s.\-]", "", given or "")
        if letters.isupper() and len(letters) <= 4:  # 'T C', 'C-H', 'J.A.': initials
            given = None if holds_initials else letters
        initials = person.initials if holds_initials else None
        out.append((person.family, given or (None if holds_initials else person.initials), initials,
                    person.collective, person.suffix))
    return out


def differences(before: Record, after: Record, fmt: str) -> list[str]:
    """The fields that came back different, after the format's documented forms."""
    cannot = get_exporter(fmt).cannot_hold
    found = []
    for field in fields(Record):
        name = field.name
        if name in NOT_COMPARED or name in cannot:
            continue
        a, b = getattr(before, name), getattr(after, name)
        if name in ("authors", "editors"):
            a, b = _people(before, name, fmt), _people(after, name, fmt)
            if "odd_suffix" in cannot:  # 'Bezougli I, suffix I' is read back as more initials
                odd = [i for i, p in enumerate(a) if p[4] and not NAME_SUFFIX.fullmatch(p[4])]
                a = [p[:2] + (None, p[3], None) if i in odd else p for i, p in enumerate(a)]
                b = [p[:2] + (None, p[3], None) if i in odd else p for i, p in enumerate(b)]
        elif name == "mesh" and fmt != "csl-json":  # MEDLINE's text form has no unique ids
            a, b = [mesh_text(h) for h in a], [mesh_text(h) for h in b]
        elif name == "abstract":  # a source's double-escaped '&amp;' is text once read back
            a, b = html.unescape(a or ""), html.unescape(b or "")
            if "abstract_sections" in cannot and fmt == "nbib":  # AB is one paragraph
                a, b = " ".join(a.split()), " ".join(b.split())
        elif name == "pages" and fmt == "ris":  # EP is a page number: ranges come back in full
            a = expand_pages(a) if a else a
        elif name == "publication_types" and fmt == "ris" and not a:
            b = [t for t in b if not t.isupper()]  # RIS's TY ('JOUR') stands in for no types
        elif name == "corrections" and "cites" in cannot:  # MEDLINE text groups links by kind
            a = sorted((c for c in a if c.type != "Cites"), key=lambda c: c.type)
            b = sorted(b, key=lambda c: c.type)
        elif name == "journal" and a is None and b == before.journal_abbrev:
            b = None  # a journal known only by its abbreviation is read as the journal's name
        if a != b and not (a in (None, "", []) and b in (None, "", [])):
            found.append(name)
    return found


def round_trip(fmt: str, records: list[Record], tmp_path: Path) -> tuple[list[Record], list[str]]:
    out = io.StringIO()
    count, unwritten = export(fmt, records, out)
    assert count == len(records)
    path = tmp_path / f"exported{get_exporter(fmt).suffix}"
    path.write_text(out.getvalue(), encoding="utf-8")
    back, skipped, name, _ = read_file(path)
    assert name == fmt and skipped == [] and len(back) == len(records)
    return back, unwritten


def _shared_pubmed_xml() -> list[Record]:
    """Every PubMed record of ../shared's XML files (DTDs of 2008 to 2025, gzipped too), once."""
    records, seen = [], set()
    for path in sorted((SHARED_DATA / "pubmed_xml").rglob("*.xml*")):
        if SYNTHETIC in str(path) or path.name.startswith("einfo") or not path.is_file():
            continue
        for record in parse_pubmed_xml(path):
            if record.pmid not in seen:  # a key appears once per exported file
                seen.add(record.pmid)
                records.append(record)
    assert len(records) > 400
    return records


def _shared_nbib() -> list[Record]:
    """Every record of ../shared's PubMed MEDLINE (nbib) exports, once."""
    records, seen = [], set()
    folder = SHARED_DATA / "exports" / "nbib" / "p1m"
    for path in sorted([*folder.glob("*_medline.txt"), *folder.glob("*.nbib")]):
        read, skipped, name, _ = read_file(path)
        assert name == "nbib" and skipped == [], path
        for record in read:
            if record.pmid not in seen:
                seen.add(record.pmid)
                records.append(record)
    assert len(records) > 100
    return records


SOURCES = {"pubmed-xml": _shared_pubmed_xml, "nbib": _shared_nbib}


@pytest.fixture(scope="module", params=sorted(SOURCES))
def pubmed_records(request: pytest.FixtureRequest) -> list[Record]:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SOURCES[request.param]()


@pytest.mark.parametrize("fmt", FORMATS)
def test_shared_pubmed_records_survive_their_own_round_trip(fmt: str, pubmed_records: list[Record],
                                                           tmp_path: Path) -> None:
    back, unwritten = round_trip(fmt, pubmed_records, tmp_path)
    problems = {}
    for before, after in zip(pubmed_records, back, strict=True):
        diff = differences(before, after, fmt)
        if diff:
            problems[before.pmid] = diff
    assert problems == {}
    # what was dropped is said, once per kind of data, and only what the records held
    cannot = get_exporter(fmt).cannot_hold
    held = [f for f in cannot if any(holds(r, f) for r in pubmed_records)]
    assert unwritten == [f"{cannot[f]} not written to {fmt}" for f in held]
    if any(r.abstract_sections for r in pubmed_records):
        assert ("abstract_sections" in held) == (fmt not in ("csl-json", "jsonl"))


def _own_records() -> list[Record]:
    article = Record(
        title="When A<B and C>D: 0~120 ng/mL of drug--drug pairs", pmid="11111111",
        doi="10.1109/EMBC.2015.7318381",
        authors=[Author(collective="Tumour and Angiogenesis Research Group"),
                 Author(family="Mamukova", given="Iu I", initials="IuI"),
                 Author(family="Ward", given="George W", initials="GW", suffix="Jr"),
                 Author(family="van der Berg", given="Anna", initials="A")],
        journal="Journal of clinical and diagnostic research : JCDR", journal_abbrev="J Clin Diagn Res",
        issn_electronic="0973-709X", volume="9", issue="3", pages="1058-69", year=2015, month=3, day=9,
        languages=["rus", "eng"], keywords=["image processing, biomarkers", "asthma"],
        publication_types=["Journal Article", "Retracted Publication"], publication_status="ppublish",
        mesh=[MeshHeading("Asthma", major=True,
                          qualifiers=[{"name": "drug therapy", "ui": None, "major": False}]),
              MeshHeading("Humans")],
        corrections=[Correction("RetractionIn", "J Clin Diagn Res. 2016;10(1):X1", "22222222"),
                     Correction("ErratumIn", "J Clin Diagn Res. 2015;9(5):E1", None)],
        vernacular_title="Kogda A<B", abstract="BACKGROUND: First.\nRESULTS: Second.",
        source_db="PubMed", source_key="11111111",
    )
    seasonal = Record(title="A winter issue", authors=[Author(family="Smith", given="Jane", initials="J")],
                      journal="Health devices", journal_abbrev="Health Devices", year=2010,
                      date_text="2010 Winter", issn_print="0046-7022", volume="39", pages="80-1",
                      source_db="PubMed", source_key="33333333", pmid="33333333", languages=["eng"])
    chapter = Record(title="Imaging the spine", kind="chapter", book_title="Spine surgery",
                     authors=[Author(family="Haidar", given="Ramez", initials="R")],
                     editors=[Author(family="Roe", given="Jane", initials="J")], publisher="Springer",
                     place="Berlin", year=2010, pages="1-20", source_db="PubMed", source_key="44444444",
                     pmid="44444444", languages=["eng"])
    return [normalise(r) for r in (article, seasonal, chapter)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_issue_21_cases_survive_every_format(fmt: str, tmp_path: Path) -> None:
    originals = _own_records()
    back, _ = round_trip(fmt, originals, tmp_path)
    for before, after in zip(originals, back, strict=True):
        assert differences(before, after, fmt) == [], before.title
    article = back[0]
    assert article.title == "When A<B and C>D: 0~120 ng/mL of drug--drug pairs"
    assert article.authors[0].collective == "Tumour and Angiogenesis Research Group"
    assert (article.issn_print, article.issn_electronic) == (None, "0973-709X")
    assert article.doi == "10.1109/EMBC.2015.7318381"
    assert back[1].date_text == "2010 Winter"
    # the retraction travels, so the bibliography still flags the study
    flag = FLAGS["RetractionIn"]
    assert f"[{flag}]" in render(format_references([replace(article, id=1)], "vancouver"))


def test_ris_writes_the_end_page_in_full() -> None:
    out = io.StringIO()
    get_exporter("ris").write(_own_records()[:1], out)
    assert "SP  - 1058\nEP  - 1069\n" in out.getvalue()
    assert "SN  - 0973-709X (Electronic)" in out.getvalue()


def test_bibtex_escapes_tilde_and_keeps_keywords_whole() -> None:
    out = io.StringIO()
    get_exporter("bibtex").write(_own_records()[:1], out)
    text = out.getvalue()
    assert "0\\textasciitilde{}120 ng/mL" in text
    assert "keywords = {image processing, biomarkers; asthma}" in text
    assert "author = {{Tumour and Angiogenesis Research Group} and Mamukova, Iu I" in text


def test_what_a_format_cannot_hold_is_said_once(tmp_path: Path) -> None:
    records = _own_records()
    records[0].abstract_sections = [AbstractSection("First.", "BACKGROUND", "BACKGROUND")]  # as PubMed gives
    _, unwritten = export("csv", records * 3, io.StringIO())
    assert unwritten == ["abstract section categories not written to csv"]
    _, unwritten = export("nbib", records, io.StringIO())
    assert unwritten == ["abstract sections (labels, categories and line breaks) not written to nbib"]
    records[0].abstract_sections = []
    assert export("csv", records, io.StringIO())[1] == []


def _linked_records() -> list[Record]:
    """Issue 23's retraction and erratum links, as PubMed gives them: retracted by publication type
    alone, by a RetractionIn link alone, and a notice with the other kinds of link."""
    def article(key: str, **fields: object) -> Record:
        return normalise(Record(title=f"Study {key}", pmid=key, source_db="PubMed", source_key=key,
                                authors=[Author(family="Lee", given="Ann", initials="A")],
                                journal="Journal of tests", journal_abbrev="J Tests", year=2019,
                                volume="3", pages="10-9", languages=["eng"], **fields))  # type: ignore[arg-type]
    return [
        article("51", publication_types=["Journal Article", "Retracted Publication"]),
        article("52", publication_types=["Journal Article"],
                corrections=[Correction("RetractionIn", "J Tests. 2020;4:1", "60"),
                             Correction("ExpressionOfConcernIn", "J Tests. 2019;3:99", "61")]),
        article("53", publication_types=["Retraction of Publication"],
                corrections=[Correction("RetractionOf", "J Tests. 2018;2:5", "62"),
                             Correction("CommentIn", "Lancet. 2020;395:1", "63"),
                             Correction("ErratumIn", "J Tests. 2020;4:2", None),
                             Correction("ErratumFor", "J Tests. 2018;2:6", "64"),
                             Correction("CommentOn", "BMJ. 2018;360:k1", "65"),
                             Correction("UpdateIn", "J Tests. 2021;5:3", "66")]),
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_retraction_and_erratum_links_survive_every_format(fmt: str, tmp_path: Path) -> None:
    """Every format here has a place for them (RIS and CSV notes, BibTeX fields, CSL-JSON's custom,
    MEDLINE's RIN/EIN/CIN... tags, JSONL), so none is on a can't-hold list, and the [RETRACTED]
    flags, the screener's banner and PRISMA's count (records.is_retracted) come back."""
    originals = _linked_records()
    back, unwritten = round_trip(fmt, originals, tmp_path)
    assert unwritten == []
    assert [is_retracted(r) for r in back] == [True, True, False]
    for before, after in zip(originals, back, strict=True):
        assert after.publication_types == before.publication_types
        by_kind = sorted(before.corrections, key=lambda c: c.type)
        assert sorted(after.corrections, key=lambda c: c.type) == by_kind
    ids = [replace(r, id=i) for i, r in enumerate(back)]
    flags = {ref.record_id: ref.flags for ref in format_references(ids, "vancouver")}
    assert flags == {0: ["Retracted"], 1: ["Retracted", "Expression of concern"],
                     2: ["corrected (erratum published)"]}
