"""BibTeX (Scopus, Google Scholar, Zotero, JabRef, Web of Science) via bibtexparser v2.

LaTeX escapes in names and titles ({\\"u}, \\'e, {\\c c}, braces that protect case) are
decoded by bibtexparser's LatexDecodingMiddleware (pylatexenc).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import bibtexparser
from bibtexparser import middlewares as mw
from bibtexparser.library import Library
from bibtexparser.middlewares.middleware import Middleware
from bibtexparser.model import Block, Entry, Field, ParsingFailedBlock

from litreview.errors import ParseError
from litreview.fieldtext import parse_correction, parse_mesh
from litreview.importers import Importer, check, file_encoding, finish, register
from litreview.names import NAME_SUFFIX_ANY_CASE as SUFFIX
from litreview.names import is_group_name, month_number, numeric_date, year_in
from litreview.records import Author, Record

KINDS = {"article": "article", "book": "book", "inbook": "chapter", "incollection": "chapter",
         "inproceedings": "conference", "conference": "conference", "phdthesis": "thesis",
         "mastersthesis": "thesis", "techreport": "report", "misc": "article",
         "online": "webpage", "dataset": "dataset"}


def _names(value: object) -> list[Author]:
    authors = []
    for name in value if isinstance(value, list) else []:
        if isinstance(name, mw.NameParts):
            family = " ".join([*name.von, *name.last]).strip()
            given = " ".join(name.first).strip()
            whole = " ".join(p for p in (given, family) if p)
            if _LITERAL in whole:  # a name given whole in braces (protect_braced_names)
                authors.append(Author(collective=whole.replace(_LITERAL, "").replace(_SPACE, " ").strip()))
                continue
            if (not given and " " in family) or is_group_name(whole):
                authors.append(Author(collective=whole.replace("{", "").replace("}", "")))
                continue
            suffix = " ".join(name.jr).strip().rstrip(".") or None  # 'Sprague, Jr., Ralph H.'
            if suffix and SUFFIX.fullmatch(given) and not SUFFIX.fullmatch(suffix):
                given, suffix = suffix, given.rstrip(".")  # Scopus: 'Faggion, C.M., Jr.'
            author = Author(family=family or None, given=given or None, suffix=suffix)
            if given and re.fullmatch(r"(?:[A-Z]\.?[\s-]*){1,4}", given):
                author.given, author.initials = None, re.sub(r"[.\s-]", "", given)
            authors.append(author)
    return authors


def _unbraced(name: str, value: str) -> str:
    """A decoded field's text. LaTeX decoding has removed the grouping braces ('{{Title}}'), so
    braces left are the text's own ('\\{CpFe\\}' for '[M{CpFe(CO)2}2]'); only in fields read
    without decoding (LITERAL_FIELDS) are braces still markup."""
    return value.replace("{", "").replace("}", "") if name in LITERAL_FIELDS else value


def _field(entry: Entry, *names: str) -> str | None:
    for name in names:
        field = entry.fields_dict.get(name) or entry.fields_dict.get(name.upper())
        if field is not None and isinstance(field.value, str):
            text = " ".join(_unbraced(name, field.value).split())
            if text:
                return text
    return None


def _paragraphs(entry: Entry, name: str) -> str | None:
    """A text field with its paragraphs (apart by blank lines) kept one per line."""
    field = entry.fields_dict.get(name)
    if field is None or not isinstance(field.value, str):
        return None
    paragraphs = (" ".join(_unbraced(name, p).split())
                  for p in re.split(r"\n\s*\n", field.value))
    return "\n".join(p for p in paragraphs if p) or None


def to_record(entry: Entry) -> Record:
    lower = {k.lower(): v for k, v in entry.fields_dict.items()}
    entry.fields_dict.update({k: v for k, v in lower.items() if k not in entry.fields_dict})
    kind = KINDS.get(entry.entry_type.lower(), "article")
    record = Record(kind=kind, title=_field(entry, "title") or "")
    author_field = entry.fields_dict.get("author")
    record.authors = _names(author_field.value) if author_field else []
    editor_field = entry.fields_dict.get("editor")
    record.editors = _names(editor_field.value) if editor_field else []
    if kind in {"chapter", "book"}:
        record.book_title = _field(entry, "booktitle")
    elif kind == "conference":
        record.journal = _field(entry, "booktitle", "journal")
    else:
        record.journal = _field(entry, "journal", "journaltitle")
    record.journal_abbrev = _field(entry, "abbrev_source_title", "shortjournal",
                                   "journal-iso", "journalabbreviation")
    record.volume = _field(entry, "volume")
    record.issue = _field(entry, "number", "issue")
    pages = _field(entry, "pages")
    record.pages = pages.replace("--", "-").replace("\u2013", "-") if pages else None
    if not record.pages:
        record.article_number = _field(entry, "art_number", "eid", "article-number")
    if year := year_in(_field(entry, "year", "date")):
        record.year = year
    record.month = month_number((_field(entry, "month") or "")[:3])
    if date := numeric_date(_field(entry, "date")):  # biblatex's ISO date: '2012-05-04'
        record.month = record.month or date[1]
        record.day = date[2] if date[1] == record.month else None
    record.doi = _field(entry, "doi")
    record.pmid = _field(entry, "pmid", "pubmed_id")  # Scopus writes pubmed_id
    record.pmcid = _field(entry, "pmcid")
    record.abstract = _paragraphs(entry, "abstract")
    keywords = _field(entry, "keywords", "author_keywords")
    # separated by semicolons where there are any (a keyword may hold a comma), else commas
    separator = ";" if keywords and ";" in keywords else ","
    record.keywords = [k.strip() for k in (keywords or "").split(separator) if k.strip()]
    language = _field(entry, "language")
    record.languages = [x.strip() for x in language.split(",") if x.strip()] if language else []
    issn = _field(entry, "issn")
    if issn:
        parts = [p.strip() for p in re.split(r"[,;\s]+", issn) if p.strip()]
        record.issn_print = parts[0]
        record.issn_electronic = parts[1] if len(parts) > 1 else None
    eissn = _field(entry, "eissn")
    if eissn:
        record.issn_electronic = eissn
        if record.issn_print == eissn:
            record.issn_print = None
    _litreview_fields(entry, record)
    record.isbn = _field(entry, "isbn")
    record.publisher = _field(entry, "publisher")
    record.place = _field(entry, "address", "location")
    record.edition = _field(entry, "edition")
    record.url = _field(entry, "url")
    return record


LIST_SEPARATOR = "||"


def _litreview_fields(entry: Entry, record: Record) -> None:
    """The fields litreview's BibTeX export adds for what BibTeX has no field for (see
    litreview.exporters.bibtex): the original title, publication status and types, MeSH,
    comment/correction links, a season or MedlineDate."""
    record.vernacular_title = _field(entry, "origtitle")
    record.publication_status = _field(entry, "pubstate")
    record.date_text = _field(entry, "medlinedate")
    record.publication_types = [v for v in _listed(entry, "pubtype") if v]
    record.mesh = [m for v in _listed(entry, "mesh") if (m := parse_mesh(v))]
    record.corrections = [c for v in _listed(entry, "corrections") if (c := parse_correction(v))]


DATABASE_NAME = re.compile(r"[A-Za-z][A-Za-z .&()+-]{0,39}")
"""'Scopus', 'Web of Science', 'Dimensions': what a `source` field holds when it names the database.
JabRef's MEDLINE conversion puts the citation there instead ('20 Century Br Hist. 2009;20(4):454-81.')."""


def _listed(entry: Entry, name: str) -> list[str]:
    """A list field written as LIST_SEPARATOR-joined values (our own export), stripped."""
    text = _field(entry, name)
    return [v.strip() for v in text.split(LIST_SEPARATOR) if v.strip()] if text else []


def _database(entry: Entry, text_head: str) -> str | None:
    source = _field(entry, "source")
    if source and source.lower() != "crossref" and DATABASE_NAME.fullmatch(source):
        return source
    url = _field(entry, "url") or ""
    if "scopus.com" in url or text_head.lstrip().startswith("Scopus"):
        return "Scopus"
    if _field(entry, "unique-id", "web-of-science-index") or "Web of Science" in text_head:
        return "Web of Science"
    return None


def read(path: Path, source: str | None) -> Iterator[Record | ParseError]:
    try:
        text = path.read_text(encoding=file_encoding(path))
    except UnicodeDecodeError:
        text = path.read_text(encoding="latin-1")
    text = text.lstrip("\ufeff")
    if not re.search(r"@\s*[A-Za-z]+\s*[{(]", text):
        raise ParseError("no BibTeX entries found (expected '@article{key, ...}')",
                         file=str(path))
    with _quiet(logging.getLogger("bibtexparser")):  # it logs what _failure says, to stderr
        library = bibtexparser.parse_string(text, append_middleware=_middleware())  # type: ignore[attr-defined]
    blocks: list[Block] = sorted([*library.entries, *library.failed_blocks], key=lambda b: b.start_line or 0)
    number = 0
    head = text[:500]
    last_failed = False
    for block in blocks:
        number += 1
        line = (block.start_line or 0) + 1
        if isinstance(block, ParsingFailedBlock):
            block = _recover(block)
        if isinstance(block, ParsingFailedBlock):
            if "@comment" in (block.raw or "")[:20].lower():
                continue
            last_failed = True
            yield ParseError(_failure(block), file=str(path), line=line, record=number)
            continue
        last_failed = False
        assert isinstance(block, Entry)
        if block.entry_type.lower() in CONTAINER_TYPES:
            continue
        record = to_record(block)
        if record.source_db is None:
            record.source_db = _database(block, head)
        finish(record, source or "BibTeX", block.key)
        yield check(record, path, number, line) or record
    if _unterminated(text) and not last_failed:
        yield ParseError("file ends inside an entry (unbalanced braces): truncated?",
                         file=str(path), record=number)


@contextlib.contextmanager
def _quiet(logger: logging.Logger) -> Iterator[None]:
    before = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(before)


def _failure(block: ParsingFailedBlock) -> str:
    """What is wrong with an entry bibtexparser could not read, in words: 'cannot parse entry: '
    with nothing after it told a user with a truncated file nothing."""
    raw = block.raw or ""
    head = re.match(r"\s*@\s*(\w+)\s*[{(]\s*([^,\s]*)", raw)
    entry = f"entry @{head.group(1)}{{{head.group(2)}" if head else "entry"
    error = block.error
    reason = getattr(error, "abort_reason", None) or (str(error) if error else "") or type(error).__name__
    if "end of file" in reason:
        depth = raw.count("{") - raw.count("}")
        return (f"{entry}, ...: the file ends inside it ({depth} brace(s) left open after"
                f" {raw.strip().splitlines()[-1][:40]!r}): truncated?")
    return f"cannot parse {entry}, ...: {reason or 'malformed entry'}"


CONTAINER_TYPES = frozenset({"set", "xdata"})
"""biblatex entries that group other entries or hold fields for them to inherit: no reference."""


def _middleware() -> list[Middleware]:
    return [_ExportedLatexDecoding(), mw.SeparateCoAuthors(), mw.SplitNameParts()]


LITERAL_FIELDS = frozenset({"url", "doi", "eprint", "file", "pdf", "issn", "isbn"})
_UNESCAPED_SPECIAL = re.compile(r"(?<!\\)([%&#])")
_ESCAPED_SPECIAL = re.compile(r"\\([_%&#$])")


class _ExportedLatexDecoding(mw.LatexDecodingMiddleware):
    """LaTeX decoding for BibTeX as databases export it, which is not quite LaTeX.

    Scopus writes 'Almost 60% of', Crossref 'Oil & Gas Journal', and URLs with '&' and '%2f':
    to LaTeX '%' starts a comment and '&' is an alignment tab, so decoding dropped the rest of
    the abstract and the ampersands. Unescaped %, & and # are read as themselves; URLs, DOIs and
    other identifiers are not decoded at all (only their backslash escapes, '10.1000/a\\_b',
    are undone). Field names are read in any case ('AUTHOR =', as MathSciNet writes them), the
    first of a repeated field kept.
    """

    def transform_entry(self, entry: Entry, library: Library) -> Block:
        fields: dict[str, Field] = {}
        literal: dict[str, str] = {}
        for field in entry.fields:
            key = field.key.lower()
            if key in fields:
                continue
            field.key = key
            fields[key] = field
            if isinstance(field.value, str) and key in ("author", "editor"):
                field.value = protect_braced_names(field.value)
            if isinstance(field.value, str):
                if key in LITERAL_FIELDS:
                    literal[key] = _ESCAPED_SPECIAL.sub(r"\1", field.value)
                else:
                    _set_value(field, _UNESCAPED_SPECIAL.sub(r"\\\1", field.value))
        entry.fields = list(fields.values())
        block = super().transform_entry(entry, library)
        for key, value in literal.items():
            _set_value(fields[key], value)
        return block

    def _transform_python_value_string(self, python_string: str) -> tuple[str, str]:
        """Only the words that hold LaTeX go through pylatexenc, each once per file.

        pylatexenc takes about 60 µs per character of LaTeX-dense text and more than linear time
        in a long one (a 0.6 MB field took 21 s, 2.4 MB more than 10 min); plain text between
        those words is the text itself, and a word ('caf\\'e', '60\\%') recurs.
        """
        decoded: list[str] = []
        errors: list[str] = []
        done = 0
        for start, end in latex_spans(python_string):
            decoded.append(python_string[done:start])
            span = python_string[start:end]
            known = self._decoded.get(span)
            if known is None:
                known = self._decoded[span] = super()._transform_python_value_string(span)
            decoded.append(known[0])
            if known[1]:
                errors.append(known[1])
            done = end
        if not done:
            return python_string, ""
        decoded.append(python_string[done:])
        return "".join(decoded), "; ".join(errors)

    @functools.cached_property
    def _decoded(self) -> dict[str, tuple[str, str]]:
        return {}


_LATEX_SPECIAL = re.compile(r"[\\{}$~%&#^_]|--|``|''|\?`|!`")
"""What LaTeX decoding could change in a text: a text without any of these is itself."""
_TOKEN = re.compile(r"\\(?:[A-Za-z]+|.)|[{}$]", re.S)
_ENDS_IN_CONTROL_WORD = re.compile(r"\\[A-Za-z]+$")


_LATEX_WORD = re.compile(r"(?<![^ ])[^ ]*?(?:[\\{}$~%&#^_]|--|``|''|\?`|!`)[^ ]*")
"""A space-separated word with something LaTeX decoding could change (found in linear time: a
match starts only at a word's start)."""


def latex_spans(text: str) -> Iterator[tuple[int, int]]:
    """[start, end) of the stretches of `text` that LaTeX decoding may change, each one that
    LaTeX reads on its own: a word with a special character, or, where braces, math or a control
    word ('\\c c') run on past its end, up to the next space where they do not. Linear in the
    text: the words are found by one regular expression; only unusual ones are scanned here."""
    at = 0
    while word := _LATEX_WORD.search(text, at):
        start, end = word.span()
        if not _reads_alone(word.group()):
            end = _safe_space(text, start)
        yield start, end
        at = end


def _reads_alone(word: str) -> bool:
    return (word.count("{") == word.count("}") and word.count("$") % 2 == 0
            and "\\{" not in word and "\\}" not in word and "\\$" not in word
            and not _ENDS_IN_CONTROL_WORD.search(word))


def _safe_space(text: str, at: int) -> int:
    """The first space from `at` on outside braces and math and not just after a control word
    (the end of the text if none); `at` is outside braces and math."""
    depth, math, scanned = 0, False, at
    cut = text.find(" ", at)
    while cut >= 0:
        for token in _TOKEN.finditer(text, scanned, cut):
            mark = token.group()
            if mark == "{":
                depth += 1
            elif mark == "}":
                depth = max(depth - 1, 0)
            elif mark == "$":
                math = not math
        scanned = cut
        if depth == 0 and not math and not _ENDS_IN_CONTROL_WORD.search(text, max(cut - 40, at), cut):
            return cut
        cut = text.find(" ", cut + 1)
    return len(text)


_LITERAL, _SPACE = "\ue001", "\ue000"
"""Marks (private-use characters) for a name given whole in braces, and the spaces inside it."""


def protect_braced_names(value: str) -> str:
    """'{Tumour and Angiogenesis Research Group} and Smith, J': a name wholly in braces is one
    literal name (a group), not names joined by 'and' nor given and family names. LaTeX decoding
    drops the braces before the names are split, so such a name becomes one marked word first."""
    out, depth, start = [], 0, 0
    for index, char in enumerate(value):
        if char == "{":
            if depth == 0:
                start = index
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                before, after = value[:start].rstrip(), value[index + 1:].lstrip()
                whole_name = (not before or before.lower().endswith(" and") or before.lower() == "and") \
                    and (not after or after.lower().startswith("and "))
                if whole_name:
                    inner = value[start + 1:index]
                    out.append((start, index + 1, _LITERAL + _SPACE.join(inner.split())))
    for begin, end, text in reversed(out):
        value = value[:begin] + text + value[end:]
    return value


def _set_value(field: Field, value: str) -> None:
    enclosing = field.enclosing  # the value setter resets it
    field.value = value
    field.enclosing = enclosing


def _recover(block: ParsingFailedBlock) -> Entry | ParsingFailedBlock:
    """Entries real exporters get slightly wrong, read anyway.

    Scopus repeats fields (funding_details): the first of each is kept. Some tools join
    authors with commas ('Reeder Blaine, Chung Jane'), which BibTeX name parsing refuses:
    such names are split on the commas.
    """
    entry = getattr(block, "ignore_error_block", None)
    if not isinstance(entry, Entry):
        return block
    seen: dict[str, Field] = {}
    for field in entry.fields:
        seen.setdefault(field.key.lower(), field)
    clean = Entry(entry.entry_type, entry.key, list(seen.values()), start_line=block.start_line)
    library = Library([clean])
    try:
        for middleware in _middleware():
            library = middleware.transform(library)
        if library.entries:
            return library.entries[0]
    except Exception:  # noqa: BLE001 - bibtexparser raises plain errors from middlewares
        pass
    library = mw.LatexDecodingMiddleware().transform(Library([clean]))
    if not library.entries:
        return block
    recovered = library.entries[0]
    for name in ("author", "editor"):
        names_field = recovered.fields_dict.get(name)
        if names_field is not None:
            value = names_field.value if isinstance(names_field.value, str) else ", ".join(
                str(v) for v in names_field.value)
            names = re.split(r"\s+and\s+|,\s*", value)
            names_field.value = [_loose_name(n) for n in names if n.strip()]
    return recovered


def _loose_name(text: str) -> mw.NameParts:
    """'Reeder Blaine' (Family Given, as PubMed lists names) as NameParts."""
    words = text.replace("{", "").replace("}", "").split()
    return mw.NameParts(first=words[1:], von=[], last=words[:1], jr=[])


def _unterminated(text: str) -> bool:
    last = text.rfind("@")
    tail = text[last:]
    return tail.count("{") > tail.count("}")


def sniff(head: str) -> bool:
    return bool(re.search(r"^\s*@\s*[A-Za-z]+\s*\{", head, re.M))


register(Importer("bibtex", (".bib", ".bibtex"), read, sniff, "BibTeX"))
