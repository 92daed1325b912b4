"""pandoc's citeproc as a second opinion on litreview's references: the same CSL-JSON items (as
litreview prepares them for the style) and the same CSL text, rendered by pandoc; the references
compared, and each difference put under a kind whose owner is known (KINDS).

Used by benchmarks/bench_bibliography.py and by the reference-set test (skipped without pandoc).
pandoc is not a project dependency: it is found in LITREVIEW_PANDOC, pypandoc_binary (installed in
this venv or in ../peer-venv-pandoc), or PATH.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import lxml.html

from litreview.bibliography import format_references, styles
from litreview.bibliography.items import prepare
from litreview.records import Record

PEER_VENV = Path(__file__).resolve().parents[2] / "peer-venv-pandoc"


def find_pandoc(given: str | None = None) -> str | None:
    """The pandoc executable: `given` ('none': no pandoc), LITREVIEW_PANDOC, pypandoc_binary's,
    ../peer-venv-pandoc's, or PATH's; None where there is none."""
    given = given or os.environ.get("LITREVIEW_PANDOC")
    if given:
        return None if given == "none" else given
    try:
        import pypandoc  # type: ignore[import-not-found]
        return str(pypandoc.get_pandoc_path())
    except (ImportError, OSError):
        pass
    for candidate in sorted(PEER_VENV.glob("lib/python3*/site-packages/pypandoc/files/pandoc")):
        return str(candidate)
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


def kind(mine: str, theirs: str) -> str:
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
    numbered = [replace(r, id=i) for i, r in enumerate(records)]
    texts = {}
    for ref in format_references(numbered, style):
        key = f"r{ref.record_id}"
        texts[key] = re.sub(r"^(?:\d+\.|\[\d+\])\s+", "", ref.text)
    assert len(texts) == len(by_record)
    return texts


def compare(records: list[Record], style: str, pandoc: str) -> tuple[dict[str, list[str]], dict[str, str],
                                                                     dict[str, str]]:
    """{kind: item ids} ('agree' and KINDS), with litreview's and pandoc's texts by item id."""
    mine, theirs = ours(records, style), pandoc_references(pandoc, records, style)[0]
    kinds: dict[str, list[str]] = {name: [] for name in ("agree", *KINDS)}
    for key in mine:
        kinds[kind(mine[key], theirs.get(key) or "")].append(key)
    return kinds, mine, theirs
