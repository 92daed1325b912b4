"""1,000 references in Vancouver, AMA and APA: seconds each (target under 3 s), beside pandoc's
citeproc on the same CSL-JSON and the same CSL style; then the references where the two disagree.

The references are real PubMed records (../shared/data/pubmed_xml) repeated to 1,000. pandoc is
the peer: give its path with --pandoc, or install pypandoc_binary (in this venv or a separate
one, e.g. /work/peer-venv-pandoc, found by itself) - without it only litreview is measured.
The disagreements are listed for the reference set (tests/data/reference_set, 65 records whose
expected references were checked against the style manuals) and the shared PubMed records.

    python benchmarks/bench_bibliography.py [--n 1000] [--pandoc PATH] [--show 20]
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from litreview.bibliography import format_references, styles  # noqa: E402
from litreview.bibliography.items import prepare  # noqa: E402
from litreview.importing import read_file  # noqa: E402
from litreview.pubmed.xml import parse_pubmed_xml  # noqa: E402
from litreview.records import Record  # noqa: E402

STYLES = ("vancouver", "ama", "apa")
SHARED = ROOT.parent / "shared" / "data" / "pubmed_xml"


def find_pandoc(given: str | None) -> str | None:
    if given:
        return None if given == "none" else given
    try:
        import pypandoc  # type: ignore[import-not-found]
        return str(pypandoc.get_pandoc_path())
    except (ImportError, OSError):
        pass
    for candidate in glob.glob("/work/peer-venv-pandoc/lib/python3*/site-packages/pypandoc/files/pandoc"):
        return candidate
    return shutil.which("pandoc")


def pandoc_references(pandoc: str, records: list[Record], style: str) -> tuple[dict[str, str], float]:
    """pandoc --citeproc on the CSL-JSON litreview renders and the CSL text it renders with:
    {item id: plain text}, and the seconds it took."""
    path = styles.style_path(style)
    items = [_unescaped(item) for item in prepare(records, path)]
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "refs.json").write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        (Path(tmp) / "style.csl").write_text(styles.source(path), encoding="utf-8")
        (Path(tmp) / "doc.md").write_text("---\nnocite: '@*'\n---\n", encoding="utf-8")
        start = time.perf_counter()
        out = subprocess.run([pandoc, "doc.md", "--citeproc", "--bibliography", "refs.json", "--csl",
                              "style.csl", "-t", "html", "--wrap=none"], cwd=tmp, capture_output=True,
                             text=True, check=True).stdout
        seconds = time.perf_counter() - start
    found = {}
    for entry in lxml.html.fragment_fromstring(out, create_parent="div").iter("div"):
        if "csl-entry" in (entry.get("class") or "") and (entry.get("id") or "").startswith("ref-"):
            body = entry.find_class("csl-right-inline")  # numbered styles: the number in its own div
            text = (body[0] if body else entry).text_content()
            found[entry.get("id")[4:]] = " ".join(text.split())
    return found, seconds


TYPOGRAPHIC = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
"""pandoc prints typographic quotes and apostrophes ('O\u2019Brien'); citeproc-py keeps the source's."""

KINDS = {
    "quotes": "a choice for real quotes, pandoc's error for primes: pandoc turns the source's "
              "straight quotes into typographic double ones and moves a comma inside them (US "
              "punctuation), and reads a prime as a quote too ('CpM'(CO)' -> 'CpM\u201c(CO)'); "
              "litreview prints the characters PubMed gives, as Citing Medicine does",
    "doi period": "ours, on purpose: Citing Medicine ends each element with a period "
                  "('doi:10.1/x. PubMed PMID: 1.'); the CSL file runs the DOI into the PMID note",
    "editor label": "pandoc's: NLM's CSL has <names variable=\"editor\"><label prefix=\", \"/></names> "
                    "(no <name>); pandoc prints the label before the names (', editorsPagon RA', "
                    "'In, editorsShaffer HJ'); Citing Medicine and citeproc-js: 'Pagon RA, editors.'",
    "capitalisation": "a letter's case only: see each below (title case of particles such as "
                      "'Biochimica et Biophysica Acta', which APA keeps as the journal writes it)",
    "differ": "otherwise: see each below",
}


_EDITOR_LABEL = re.compile(r"(In)?, (editors?|eds\.)(?=\S)(.+?)\. ")
"""pandoc's ', editorsPagon RA, Bird TD. ' for NLM's 'Pagon RA, Bird TD, editors. '"""


def _kind(mine: str, theirs: str) -> str:
    """How two references differ: not at all, or by the first kind of KINDS that explains it."""
    if mine == theirs:
        return "agree"
    mine_plain, theirs_plain = mine.translate(TYPOGRAPHIC), theirs.translate(TYPOGRAPHIC)
    theirs_plain = re.sub(r"\b(\w+),\"", r'\1",', theirs_plain)  # US punctuation inside quotes
    theirs_plain = re.sub(r'"', "'", theirs_plain)
    mine_plain = mine_plain.replace('"', "'")
    if mine_plain == theirs_plain:
        return "quotes"
    without_period = re.sub(r"(doi:\S+?)\. PubMed", r"\1 PubMed", mine_plain)
    if without_period == theirs_plain:
        return "doi period"
    moved = _EDITOR_LABEL.sub(lambda m: f"{'In: ' if m.group(1) else ''}{m.group(3)}, {m.group(2)}"
                              f"{'' if m.group(2).endswith('.') else '.'} ", theirs_plain, count=1)
    if moved != theirs_plain and moved in (mine_plain, without_period):
        return "editor label"
    if mine_plain.lower() == theirs_plain.lower():
        return "capitalisation"
    return "differ"


def _unescaped(value: object) -> object:
    if isinstance(value, str):
        return value.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    if isinstance(value, list):
        return [_unescaped(v) for v in value]
    if isinstance(value, dict):
        return {k: _unescaped(v) for k, v in value.items()}
    return value


def ours(records: list[Record], style: str) -> dict[str, str]:
    """{item id: plain text}, the list number removed (pandoc's HTML has it in its own element)."""
    by_record = {id(r): f"r{i}" for i, r in enumerate(records)}
    numbered = [replace_id(r, i) for i, r in enumerate(records)]
    texts = {}
    for ref in format_references(numbered, style):
        key = f"r{ref.record_id}"
        texts[key] = re.sub(r"^(?:\d+\.|\[\d+\])\s+", "", ref.text)
    assert len(texts) == len(by_record)
    return texts


def replace_id(record: Record, index: int) -> Record:
    from dataclasses import replace
    return replace(record, id=index)


def _shared_records() -> list[Record]:
    records, seen = [], set()
    for path in sorted(SHARED.rglob("*.xml*")):
        if "fnl+medic" in str(path) or path.name.startswith("einfo") or not path.is_file():
            continue
        for record in parse_pubmed_xml(path):
            if record.pmid not in seen:
                seen.add(record.pmid)
                records.append(record)
    return records


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def speed(records: list[Record], pandoc: str | None) -> None:
    print(f"{len(records)} references from real PubMed records; seconds of wall clock (CPU in brackets);"
          f" target under 3 s. Load average before: {os.getloadavg()[0]:.1f}")
    print(f"{'style':<10} {'litreview':>16} {'pandoc':>16}")
    for style in STYLES:
        start, cpu = time.perf_counter(), time.process_time()
        format_references(records, style)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        peer = f"{'-':>16}"
        if pandoc:
            before = _cpu_of_children()
            wall = pandoc_references(pandoc, records, style)[1]
            peer = f"{wall:8.2f} ({_cpu_of_children() - before:5.2f})"
        verdict = "ok" if seconds < 3 else "over the 3 s target"
        print(f"{style:<10} {seconds:8.2f} ({cpu:5.2f}) {peer}  ({verdict})")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


def disagreements(name: str, records: list[Record], pandoc: str, show: int) -> None:
    print(f"\n{name}: {len(records)} records, litreview and pandoc's citeproc on the same CSL-JSON and CSL")
    for style in STYLES:
        mine, theirs = ours(records, style), pandoc_references(pandoc, records, style)[0]
        kinds: dict[str, list[str]] = {kind: [] for kind in ("agree", *KINDS)}
        for key in mine:
            kinds[_kind(mine[key], theirs.get(key) or "")].append(key)
        print(f"  {style:<10} {len(kinds['agree']):4} agree; "
              + "; ".join(f"{kind} {len(keys)}" for kind, keys in kinds.items() if kind != "agree"))
        for kind in ("capitalisation", "differ"):
            for key in kinds[kind][:show]:
                print(f"    [{kind}] litreview: {mine[key]}\n    {' ' * len(kind)}    pandoc:    "
                      f"{theirs.get(key)}\n")
    print("  kinds, and whose the difference is:")
    for kind, whose in KINDS.items():
        print(f"    {kind}: {whose}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--pandoc", help="pandoc executable (default: pypandoc_binary's, or PATH; "
                                         "'none': litreview only)")
    parser.add_argument("--show", type=int, default=5, help="disagreements to print per style")
    args = parser.parse_args()
    pandoc = find_pandoc(args.pandoc)
    print(f"pandoc: {pandoc or 'not found (pip install pypandoc_binary): litreview only'}"
          f"; {os.cpu_count()} CPUs")
    base = _shared_records()  # ~500 different records (DTDs of 2008-2025), cycled to --n
    speed([base[i % len(base)] for i in range(args.n)], pandoc)
    if not pandoc:
        return
    data = ROOT / "tests" / "data" / "reference_set"
    reference_set = list(parse_pubmed_xml(data / "pubmed.xml")) + read_file(data / "chapters.ris")[0]
    disagreements("reference set", reference_set, pandoc, args.show)
    disagreements("shared PubMed records", _shared_records(), pandoc, args.show)


if __name__ == "__main__":
    main()
