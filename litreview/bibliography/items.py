"""The CSL items a style renders: each record's CSL-JSON, plus what the style needs from it that
a CSL item does not carry by itself.

- Page ranges in full ('926-9' -> '926-929'): citeproc-py shortens a range for styles that want
  it short (NLM's 'minimal') but mangled one already short ('926-.'); given in full, every style
  gets the form it asks for, PubMed's own for NLM.
- Initials from PubMed's `Initials` ('XM' for 'Tan X-mei') where the style prints initials only
  (NLM) or the given name cannot be initialised ('X-mei' gave 'X.-. mei .' in APA).
- NLM: the language note (CSL `genre`, printed as '[Article in German]') and 'Epub ahead of print'
  (CSL `status`, see `styles`); APA 7: 'Advance online publication'.
- Journal names without NLM catalogue qualifiers ('... research : JCDR', 'Sensors (Basel,
  Switzerland)'): the journal's name, as APA prints it.
- Year suffixes (2015a, 2015b) for author-date styles, in title order within each author-year.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from litreview import languages
from litreview.bibliography import styles
from litreview.csl import dotted_initials, to_csl
from litreview.names import expand_pages
from litreview.records import Record, fold

DATABASE_RECORD_PAGE = re.compile(
    r"^https?://(?:[\w-]+\.)*(?:scopus\.com|webofscience\.com|webofknowledge\.com|isiknowledge\.com"
    r"|ovid\.com|ebscohost\.com|proquest\.com|embase\.com|lens\.org|dimensions\.ai|scholar\.google\.\w+"
    r"|semanticscholar\.org)(?:[:/?#]|$)", re.I)
"""Links to a bibliographic database's page about a record ('https://www.scopus.com/inward/record.uri
?eid=...&md5=...'), which exports put in the URL field: not where the work is, often behind a login,
and styles that prefer a URL to the DOI printed it instead of the DOI."""

_CATALOGUE_ACRONYM = re.compile(r"\s+:\s+[A-Z][A-Z0-9&.\-]*$")
_CATALOGUE_PLACE = re.compile(r"\s+\((?=[^()]*(?:,|\d{4}))[^()]+\)$")
_LOWER_AFTER_HYPHEN = re.compile(r"-\s*[a-z]")


def journal_name(title: str) -> str:
    """'Journal of clinical and diagnostic research : JCDR' -> '... research'; 'Sensors (Basel,
    Switzerland)' -> 'Sensors': the NLM catalogue's qualifiers are not part of the name."""
    stripped = _CATALOGUE_PLACE.sub("", _CATALOGUE_ACRONYM.sub("", title.strip()))
    return stripped or title


def prepare(records: list[Record], path: Path) -> list[dict[str, Any]]:
    """The CSL items to render, text escaped for HTML: citeproc-py's HTML output escapes the
    style's own text but not the record's, so 'When A<B and C>D' became a tag."""
    text = styles.source(path)
    nlm = styles.is_nlm(path)
    items = [_item(record, f"r{i}", nlm, path.stem) for i, record in enumerate(records)]
    if styles.uses_year_suffix(text):
        _year_suffixes(records, items)
    return [_escaped(item) for item in items]


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return html.escape(value, quote=False) if ("<" in value or ">" in value or "&" in value) else value
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    if isinstance(value, dict):
        return {k: (v if k == "id" else _escaped(v)) for k, v in value.items()}
    return value


def _item(record: Record, key: str, nlm: bool, stem: str) -> dict[str, Any]:
    item = to_csl(record)
    item["id"] = key
    if isinstance(item.get("URL"), str) and DATABASE_RECORD_PAGE.match(item["URL"]):
        del item["URL"]
    if isinstance(item.get("page"), str):
        item["page"] = expand_pages(item["page"])
    if isinstance(item.get("container-title"), str):
        item["container-title"] = journal_name(item["container-title"])
    for name in ("publisher", "publisher-place", "container-title", "title"):
        if isinstance(item.get(name), str):
            item[name] = " ".join(item[name].split())
    item.pop("genre", None)
    for role, people in (("author", record.authors), ("editor", record.editors)):
        _persons(item.get(role, []), [p for p in people if not p.collective and (p.family or p.given
                                                                                 or p.initials)], nlm)
    if nlm:
        _nlm_notes(record, item)
    elif item.get("status") and stem == "apa":
        item["status"] = "advance online publication"
    return item


def _persons(csl_people: list[dict[str, Any]], people: list[Any], nlm: bool) -> None:
    """Initials from the source where NLM wants only initials or the given name cannot be
    initialised by the style ('X-mei')."""
    plain = [p for p in csl_people if "literal" not in p]
    for csl_person, person in zip(plain, people):
        csl_person.pop("ORCID", None)
        given = csl_person.get("given") or ""
        if nlm and person.initials and not person.initials.isupper() and person.family:
            # 'Mamukova IuI': a CSL processor initialises a given name to one letter a part
            literal = " ".join(p for p in (person.family, person.initials, person.suffix) if p)
            csl_person.clear()
            csl_person["literal"] = literal
        elif person.initials and (nlm or _LOWER_AFTER_HYPHEN.search(given)):
            csl_person["given"] = dotted_initials(person.initials)


def _nlm_notes(record: Record, item: dict[str, Any]) -> None:
    if record.languages and not any(languages.is_english(x) for x in record.languages):
        name = languages.english_name(record.languages[0])
        if name:
            item["genre"] = f"Article in {name}"
    if (record.publication_status or "").lower() == "aheadofprint":
        item["status"] = "Epub ahead of print"
    else:
        item.pop("status", None)


def _year_suffixes(records: list[Record], items: list[dict[str, Any]]) -> None:
    groups: dict[tuple[str, int], list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        names = "; ".join(fold(a.collective or f"{a.family} {a.initials or ''}") for a in record.authors)
        if names and record.year:
            groups[(names, record.year)].append(index)
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda i: (fold(records[i].title), i))
        for n, index in enumerate(members):
            items[index]["year-suffix"] = _letters(n)


def _letters(n: int) -> str:
    """0 -> 'a', 25 -> 'z', 26 -> 'aa'."""
    return ("" if n < 26 else _letters(n // 26 - 1)) + chr(97 + n % 26)
