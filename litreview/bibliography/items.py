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

_CATALOGUE_SUBTITLE = re.compile(r"\s+:\s+[^()]*$")
_PARALLEL_TITLE = re.compile(r"\s+=\s+.*$")
_CATALOGUE_PLACE = re.compile(r"\s+\((?=[^()]*(?:,|\d{4}))[^()]+\)$")
_LOWER_AFTER_HYPHEN = re.compile(r"-\s*[a-z]")


def journal_name(title: str) -> str:
    """'Journal of clinical and diagnostic research : JCDR' -> '... research'; 'Sensors (Basel,
    Switzerland)' -> 'Sensors'; ' : official journal of ...' and other other-title information after
    the catalogue's ' : ', a parallel title ('Chinese journal of traumatology = Zhonghua chuang shang
    za zhi'): the NLM catalogue's additions, not the journal's name."""
    stripped = _PARALLEL_TITLE.sub("", title.strip())
    stripped = _CATALOGUE_SUBTITLE.sub("", _CATALOGUE_PLACE.sub("", stripped))
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
    initials_only = nlm or stem == "american-medical-association"
    for role, people in (("author", record.authors), ("editor", record.editors)):
        _persons(item.get(role, []), [p for p in people if not p.collective and (p.family or p.given
                                                                                 or p.initials)],
                 initials_only, nlm, stem == "apa")
    if record.kind in {"chapter", "book"} and isinstance(item.get("container-title"), str):
        item["container-title"] = item["container-title"].rstrip(" .")  # 'Futures at stake.' (PsycINFO)
    if record.date_text and not record.month and record.year:
        # a season or a MedlineDate range: Citing Medicine prints it ('1990 Spring', '2005 Oct-Dec'),
        # APA and AMA give a journal's year only (citeproc-py cannot render a CSL date range)
        text = re.sub(r"\s*-\s*", "-", record.date_text)
        item["issued"] = {"literal": text} if nlm else {"date-parts": [[record.year]]}
    if nlm:
        _nlm_notes(record, item)
    else:
        _supplement(item, stem)
        if stem == "apa":
            _apa_online_first(item)
    return item


_SUPPLEMENT = re.compile(r"^(?:(\S+)\s+)?Suppl\.?(?:\s+(\S+))?$", re.I)


def _supplement(item: dict[str, Any], stem: str) -> None:
    """PubMed's '8 Suppl 3' volume (or 'Suppl 1' issue) as AMA's '8(suppl 3)' and APA's
    '8(Suppl. 3)'; NLM prints PubMed's own form."""
    label = {"american-medical-association": "suppl", "apa": "Suppl."}.get(stem)
    if not label:
        return
    for name in ("volume", "issue"):
        found = _SUPPLEMENT.match(str(item.get(name) or ""))
        if found and not (name == "volume" and item.get("issue")):
            number, part = found.groups()
            suppl = " ".join(p for p in (label, part) if p)
            if name == "volume":
                item["volume"], item["issue"] = number, suppl
            else:
                item["issue"] = f"{number} {suppl}" if number else suppl
            return


def _apa_online_first(item: dict[str, Any]) -> None:
    """APA 7 (10.1, ex. 7): an article published online before its issue is 'Advance online
    publication', with no volume or pages yet; one already in a volume is cited as such."""
    if not item.get("status"):
        return
    if item.get("volume"):
        del item["status"]
    else:
        item["status"] = "advance online publication"
        item.pop("page", None)
        item.pop("number", None)


def _persons(csl_people: list[dict[str, Any]], people: list[Any], initials_only: bool, nlm: bool,
             apa: bool) -> None:
    """Initials from the source where the style prints only initials (NLM, AMA: PubMed's 'SC' for
    'Sonia Chien-I') or the given name cannot be initialised by the style ('X-mei')."""
    plain = [p for p in csl_people if "literal" not in p]
    for csl_person, person in zip(plain, people):
        csl_person.pop("ORCID", None)
        if apa and csl_person.get("suffix") in ("Jr", "Sr"):  # APA 7: 'Lattin, G., Jr.'
            csl_person["suffix"] += "."
        given = csl_person.get("given") or ""
        if nlm and person.initials and not person.initials.isupper() and person.family:
            # 'Mamukova IuI': a CSL processor initialises a given name to one letter a part
            literal = " ".join(p for p in (person.family, person.initials, person.suffix) if p)
            csl_person.clear()
            csl_person["literal"] = literal
        elif person.initials and (initials_only or _LOWER_AFTER_HYPHEN.search(given)):
            csl_person["given"] = dotted_initials(person.initials)


def _nlm_notes(record: Record, item: dict[str, Any]) -> None:
    if record.languages and not any(languages.is_english(x) for x in record.languages):
        name = languages.english_name(record.languages[0])
        if name:
            item["genre"] = f"Article in {name}"
            if isinstance(item.get("title"), str):  # '[Translated title] [Article in German].'
                item["title"] = item["title"].rstrip(".")
    if (record.publication_status or "").lower() == "aheadofprint":
        item["status"] = "Epub ahead of print"
    else:
        item.pop("status", None)
    place = _PLACE_AND_STATE.fullmatch(str(item.get("publisher-place") or ""))
    if place:  # Citing Medicine: 'Reno (NV)'
        item["publisher-place"] = f"{place.group(1)} ({place.group(2)})"


_PLACE_AND_STATE = re.compile(r"(.+?),\s*([A-Z]{2})")


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
