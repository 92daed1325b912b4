"""Record <-> CSL-JSON (the citeproc item format every CSL processor and Zotero read).

The mapping is meant to be faithful enough that a CSL style renders the reference the way
PubMed shows it:
- authors are {"family", "given"}; where no full given name is known the initials are used
  as the given name ("MD"), so Vancouver renders "Cappellini MD", never "Cappellini M";
  a full given name ("Maria Domenica") is kept as is and the style initialises it;
- collective/group authors are {"literal": name};
- issued carries the date-parts known (year, month, day); a season is CSL's "season" beside the
  year ("2010 Winter" -> {"date-parts": [[2010]], "season": 4}) and a MedlineDate range a
  date range ("1998 Dec-1999 Jan" -> [[1998, 12], [1999, 1]]), both readable by citeproc-js, pandoc
  and Zotero; the source's own text travels in "issued"."raw", which readers use only when there
  are no date-parts;
- page ranges are kept as written ("871-8"); an article number goes to "number" when there
  are no pages (a publisher's PII, 'S0019-0578(13)00159-6', is neither);
- "language" is a BCP 47 tag ("en", "de"), as CSL requires; read back as MEDLINE's "eng", "ger";
- "status": "ahead of print" for PubMed's aheadofprint records.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from litreview import languages
from litreview.names import MONTH_NAMES, SEASON_NAMES, SEASONS, YEAR, month_number
from litreview.records import Author, Record, fold, initials_of, is_pii

KIND_TO_CSL = {
    "article": "article-journal",
    "book": "book",
    "chapter": "chapter",
    "thesis": "thesis",
    "report": "report",
    "conference": "paper-conference",
    "preprint": "article",
    "dataset": "dataset",
    "webpage": "webpage",
}
CSL_TO_KIND = {v: k for k, v in KIND_TO_CSL.items()}
CSL_TO_KIND.update({"article-magazine": "article", "article-newspaper": "article",
                    "review": "article", "entry-encyclopedia": "chapter"})

_INITIALS_AS_GIVEN = re.compile(r"[A-Z]{1,4}|(?:[A-Z]\.[\s-]*){1,4}")


def _author_to_csl(author: Author) -> dict[str, Any]:
    if author.collective:
        return {"literal": author.collective}
    item: dict[str, Any] = {}
    if author.family:
        item["family"] = author.family
    given = author.given or dotted_initials(author.initials)
    if given:
        item["given"] = given
    if not item:
        return {}
    if author.suffix:
        item["suffix"] = author.suffix
    if author.orcid:
        item["ORCID"] = author.orcid
    return item


def dotted_initials(initials: str | None) -> str | None:
    """'JA' as CSL wants initials, 'J. A.' ('J-P' as 'J.-P.'): citeproc reads an undotted 'JA'
    as one name and renders it 'J'."""
    if not initials or not _BARE_INITIALS.fullmatch(initials):
        return initials
    return "-".join(" ".join(f"{letter}." for letter in part) for part in initials.split("-"))


_BARE_INITIALS = re.compile(r"[A-Z]+(?:-[A-Z]+)*")


def _author_from_csl(item: dict[str, Any]) -> Author | None:
    if item.get("literal"):
        return Author(collective=str(item["literal"]))
    family = item.get("family")
    given = item.get("given")
    if not family and not given:
        return None
    if family and (item.get("non-dropping-particle") or item.get("dropping-particle")):
        particle = item.get("non-dropping-particle") or item.get("dropping-particle")
        family = f"{particle} {family}"
    initials = None
    if given and _INITIALS_AS_GIVEN.fullmatch(given):
        # initials stored as given name ('J. A.', PubMed's 'JA'): keep them as initials
        initials, given = re.sub(r"[.\s]", "", given), None
    author = Author(family=family, given=given, initials=initials, orcid=item.get("ORCID"),
                    suffix=item.get("suffix") or None)
    if not author.initials and author.given:
        author.initials = initials_of(author.given)
    return author


def _issued(record: Record) -> dict[str, Any] | None:
    parts: list[int] = []
    if record.year:
        parts.append(int(record.year))
        if record.month:
            parts.append(int(record.month))
            if record.day:
                parts.append(int(record.day))
    issued: dict[str, Any] = {}
    if record.date_text and not record.month:
        issued.update(_text_date(record.date_text, record.year))
    if parts and "date-parts" not in issued:
        issued["date-parts"] = [parts]
    return issued or None


_SEASON_DATE = re.compile(r"^(\d{4})\s+([A-Za-z]+)(?:\s*-\s*([A-Za-z]+))?$")
_MONTH_RANGE = re.compile(r"^(\d{4})\s+([A-Za-z]{3})[a-z]*\s*-\s*(?:(\d{4})\s+)?([A-Za-z]{3})[a-z]*$")


def _text_date(text: str, year: int | None) -> dict[str, Any]:
    """A season or a MedlineDate as CSL date-parts other processors read, the text kept in "raw"."""
    issued: dict[str, Any] = {"raw": text}
    months = _MONTH_RANGE.match(text)
    if months and month_number(months.group(2)) and month_number(months.group(4)):
        start, end = int(months.group(1)), int(months.group(3) or months.group(1))
        issued["date-parts"] = [[start, month_number(months.group(2))], [end, month_number(months.group(4))]]
        return issued
    season = _SEASON_DATE.match(text)
    if season and season.group(2).lower() in SEASONS:
        issued["date-parts"] = [[int(season.group(1))]]
        issued["season"] = SEASONS[season.group(2).lower()]
        return issued
    found = YEAR.search(text)
    if found or year:
        issued["date-parts"] = [[int(found.group(1)) if found else int(year or 0)]]
    return issued


def to_csl(record: Record) -> dict[str, Any]:
    """The record as one CSL-JSON item (keys absent rather than empty)."""
    csl_type = KIND_TO_CSL.get(record.kind, "article-journal")
    item: dict[str, Any] = {
        "id": _csl_id(record),
        "type": csl_type,
        "title": record.title,
    }
    authors = [a for a in (_author_to_csl(x) for x in record.authors) if a]
    if authors:
        item["author"] = authors
    editors = [a for a in (_author_to_csl(x) for x in record.editors) if a]
    if editors:
        item["editor"] = editors
    if csl_type == "chapter":
        _put(item, "container-title", record.book_title)
    else:
        # a journal known only by its abbreviation is still the container (styles print it)
        _put(item, "container-title", record.journal or record.journal_abbrev)
        _put(item, "container-title-short", record.journal_abbrev)
    _put(item, "volume", record.volume)
    _put(item, "issue", record.issue)
    _put(item, "page", record.pages)
    if not record.pages and not is_pii(record.article_number):
        _put(item, "number", record.article_number)
    issued = _issued(record)
    if issued:
        item["issued"] = issued
    _put(item, "DOI", record.doi)
    _put(item, "PMID", record.pmid)
    _put(item, "PMCID", record.pmcid)
    _put(item, "URL", record.url)
    issns = [i for i in (record.issn_print, record.issn_electronic) if i]
    if issns:
        item["ISSN"] = issns[0] if len(issns) == 1 else ", ".join(issns)
    if record.languages:
        _put(item, "language", languages.bcp47(record.languages[0]))
    _put(item, "abstract", record.abstract)
    _put(item, "publisher", record.publisher)
    _put(item, "publisher-place", record.place)
    _put(item, "ISBN", record.isbn)
    _put(item, "edition", record.edition)
    if record.keywords:
        item["keyword"] = ", ".join(record.keywords)
    if (record.publication_status or "").lower() == "aheadofprint":
        item["status"] = "ahead of print"
    return item


CUSTOM_FIELDS = ("mesh", "publication_types", "publication_status", "corrections", "languages",
                 "keywords", "issn_print", "issn_electronic", "vernacular_title", "date_text",
                 "abstract_sections", "article_number", "book_title")
"""Record fields CSL has no variable for (or holds only in part: one language, keywords as one
string, ISSNs without their kind), written to CSL-JSON's "custom" object (CSL 1.0.2's place for
data a processor does not use) so that litreview reads back what it wrote."""


def custom(record: Record) -> dict[str, Any]:
    """The "custom" object of an exported item: the CUSTOM_FIELDS that have a value, and what
    the names hold beyond CSL's family/given (initials, affiliations)."""
    row = record.to_row()
    data: dict[str, Any] = {name: row[name] for name in CUSTOM_FIELDS if row[name] not in (None, "", [])}
    if record.issn_print or record.issn_electronic:  # which is which
        data["issn_print"], data["issn_electronic"] = record.issn_print, record.issn_electronic
    if record.journal_abbrev and not record.journal:
        data["journal"] = None  # the container title is the abbreviation (see to_csl)
    for role, people in (("authors", record.authors), ("editors", record.editors)):
        details = [{k: v for k, v in (("initials", p.initials), ("affiliations", p.affiliations),
                                      ("given", p.given)) if v} for p in people]
        if any(details):
            data[role] = details
    return data


def apply_custom(record: Record, data: Any) -> None:
    """Read an item's "custom" object written by `custom` (other programs' custom data is left
    alone: only known keys of the right shape are read)."""
    if not isinstance(data, dict):
        return
    known = {k: v for k, v in data.items() if k in CUSTOM_FIELDS or k == "journal"}
    if known:
        values = Record.from_row(known)
        for name in known:
            setattr(record, name, getattr(values, name))
    for role in ("authors", "editors"):
        details, people = data.get(role), getattr(record, role)
        if isinstance(details, list) and len(details) == len(people):
            for person, detail in zip(people, details):
                if isinstance(detail, dict) and not person.collective:
                    person.initials = detail.get("initials") or person.initials
                    person.given = detail.get("given") or None
                    person.affiliations = list(detail.get("affiliations") or [])


def from_csl(item: dict[str, Any]) -> Record:
    """A Record from a CSL-JSON item (the inverse of to_csl for the fields CSL holds)."""
    csl_type = str(item.get("type") or "article-journal")
    kind = CSL_TO_KIND.get(csl_type, "article")
    record = Record(title=_text(item.get("title")) or "", kind=kind)
    record.authors = [a for a in (_author_from_csl(x) for x in item.get("author") or []) if a]
    record.editors = [a for a in (_author_from_csl(x) for x in item.get("editor") or []) if a]
    container = _text(item.get("container-title"))
    if kind == "chapter":
        record.book_title = container
    else:
        record.journal = container
        short = item.get("container-title-short") or item.get("journalAbbreviation")
        record.journal_abbrev = _text(short)
    record.volume = _text(item.get("volume"))
    record.issue = _text(item.get("issue"))
    record.pages = _text(item.get("page"))
    if not record.pages:
        record.article_number = _text(item.get("number"))
    _read_issued(record, item.get("issued"))
    record.doi = _text(item.get("DOI"))
    record.pmid = _text(item.get("PMID"))
    record.pmcid = _text(item.get("PMCID"))
    record.url = _text(item.get("URL"))
    issn = _text(item.get("ISSN"))
    if issn:
        issns = [p.strip() for p in re.split(r"[,;\s]+", issn) if p.strip()]
        record.issn_print = issns[0]
        if len(issns) > 1:
            record.issn_electronic = issns[1]
    language = _text(item.get("language"))
    record.languages = [languages.medline_code(language) or language] if language else []
    record.abstract = _text(item.get("abstract"))
    record.publisher = _text(item.get("publisher"))
    record.place = _text(item.get("publisher-place"))
    record.isbn = _text(item.get("ISBN"))
    record.edition = _text(item.get("edition"))
    keywords = _text(item.get("keyword"))
    record.keywords = [k.strip() for k in keywords.split(",") if k.strip()] if keywords else []
    if str(item.get("status") or "").lower() == "ahead of print":
        record.publication_status = "aheadofprint"
    if item.get("id") is not None:
        record.source_key = str(item["id"])
    apply_custom(record, item.get("custom"))
    return record


def _read_issued(record: Record, issued: Any) -> None:
    if not isinstance(issued, dict):
        return
    parts = issued.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list):
        values = [int(p) for p in parts[0] if str(p).strip().lstrip("-").isdigit()]
        if values:
            record.year = values[0]
        if len(values) > 1:
            record.month = values[1]
        if len(values) > 2:
            record.day = values[2]
    literal = _text(issued.get("literal") or issued.get("raw"))
    season = issued.get("season")
    if not literal and season and record.year and not record.month:
        name = SEASON_NAMES.get(int(season)) if str(season).isdigit() else str(season)
        literal = f"{record.year} {name}" if name else None
    if literal and not (isinstance(parts, list) and len(parts) > 1 and record.month):
        record.date_text = literal
        if record.year is None:
            match = YEAR.search(literal)
            if match:
                record.year = int(match.group(1))
    if isinstance(parts, list) and len(parts) > 1:  # a range: the start is the record's date
        record.month = record.day = None
        record.date_text = literal or _range_text(parts)


def _range_text(parts: list[Any]) -> str | None:
    """[[1998, 12], [1999, 1]] -> '1998 Dec-1999 Jan' (MEDLINE's form)."""
    texts = []
    for part in parts[:2]:
        values = [int(p) for p in part if str(p).strip().isdigit()] if isinstance(part, list) else []
        if not values:
            return None
        texts.append(" ".join([str(values[0])] + ([MONTH_NAMES[values[1] - 1]] if len(values) > 1 else [])))
    if texts[0].split()[0] == texts[1].split()[0] and len(texts[1].split()) > 1:
        texts[1] = texts[1].split()[1]
    return "-".join(texts)


def _csl_id(record: Record) -> str:
    if record.id is not None:
        return str(record.id)
    if record.source_key:
        return str(record.source_key)
    if record.pmid:
        return f"pmid:{record.pmid}"
    digest = hashlib.sha1(fold(record.title).encode()).hexdigest()[:10]
    return f"item-{digest}"


def _put(item: dict[str, Any], key: str, value: Any) -> None:
    if value not in (None, "", []):
        item[key] = str(value)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
