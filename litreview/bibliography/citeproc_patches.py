"""Every change litreview makes to citeproc-py, in one place, applied once and version-checked.

citeproc-py is the CSL processor behind bibliographies. A few of its behaviours differ from the CSL
specification (and from citeproc-js, which Zotero and pandoc's citeproc follow), and it answers the
same questions about a style tree again for every reference. The fixes below replace methods on its
classes, so they are process-wide: they are applied by `apply()` (called by the bibliography
module before rendering), only for the citeproc-py versions they were written against
(`TESTED_VERSIONS`); another version renders unpatched, with a warning, rather than half-patched.
"""

from __future__ import annotations

import warnings
from typing import Any

import citeproc
import citeproc.model
import citeproc.source

TESTED_VERSIONS = ("0.11",)
"""The citeproc-py major.minor versions whose internals these patches replace."""

_applied = False
PARTICLES = ("et", "de", "del", "der", "des", "di", "du", "la", "van", "von", "y")

# citeproc-py answers the same questions about the style tree again for every reference: an XPath
# query per macro use and per layout lookup, and a recursive walk to learn whether an element calls
# a variable (together ~80% of APA's time). The style and locale trees do not change while a
# bibliography is made, so the answers are cached per element. Each cache entry keeps a reference
# to its element, so lxml keeps that element's proxy (and its id) alive while the entry exists;
# `clear_caches()` empties them between bibliographies.
_XPATH: dict[tuple[int, str], tuple[object, object]] = {}
_CALLS: dict[int, tuple[object, bool]] = {}
_REFERENCES: dict[int, tuple[object, object]] = {}
_ROOTS: dict[int, tuple[object, object]] = {}
_FORMATTERS: dict[int, tuple[object, object]] = {}
_OPTIONS: dict[tuple[int, str], tuple[object, object]] = {}
_WORDS: dict[int, tuple[object, list[str]]] = {}
_LOCALE: dict[tuple[object, ...], tuple[object, object]] = {}


def clear_caches() -> None:
    for cache in (_XPATH, _CALLS, _REFERENCES, _ROOTS, _FORMATTERS, _OPTIONS, _WORDS, _LOCALE):
        cache.clear()


def version_supported() -> bool:
    version = getattr(citeproc, "__version__", "")
    return any(version == v or version.startswith(v + ".") for v in TESTED_VERSIONS)


def apply() -> bool:
    """Patch citeproc-py once; False (and a warning) for a version the patches were not written for."""
    global _applied
    if _applied:
        return True
    if not version_supported():
        warnings.warn(f"citeproc-py {getattr(citeproc, '__version__', '?')} is not one litreview's "
                      f"fixes were written for ({', '.join(TESTED_VERSIONS)}): rendering unpatched",
                      RuntimeWarning, stacklevel=2)
        return False
    model = citeproc.model
    original_xpath = model.CitationStylesElement.xpath_search
    original_calls = {cls: cls.__dict__["calls_variable"] for cls in vars(model).values()
                      if isinstance(cls, type) and "calls_variable" in cls.__dict__}

    def cached_xpath(self: object, expression: str) -> object:
        key = (id(self), expression)
        hit = _XPATH.get(key)
        if hit is None:
            hit = _XPATH[key] = (self, original_xpath(self, expression))
        return hit[1]

    def cached_calls(original: Any) -> Any:
        def calls_variable(self: object) -> bool:
            hit = _CALLS.get(id(self))
            if hit is None:
                hit = _CALLS[id(self)] = (self, original(self))
            return hit[1]
        return calls_variable

    def cached_reference(self: Any) -> object:
        hit = _REFERENCES.get(id(self))
        if hit is None:
            hit = _REFERENCES[id(self)] = (self, self.bibliography.source[self.key])
        return hit[1]

    original_root = model.CitationStylesElement.get_root
    original_formatter = model.CitationStylesElement.get_formatter

    def cached_root(self: object) -> object:
        hit = _ROOTS.get(id(self))
        if hit is None:
            hit = _ROOTS[id(self)] = (self, original_root(self))
        return hit[1]

    def cached_formatter(self: object) -> object:
        hit = _FORMATTERS.get(id(self))
        if hit is None:
            hit = _FORMATTERS[id(self)] = (self, original_formatter(self))
        return hit[1]

    original_style_option = model.Style.get_option

    def cached_style_option(self: object, name: str) -> object:
        key = (id(self), name)
        hit = _OPTIONS.get(key)
        if hit is None:
            hit = _OPTIONS[key] = (self, original_style_option(self, name))
        return hit[1]

    original_locale_option = model.CitationStylesElement.get_locale_option
    original_term = model.CitationStylesElement.get_term

    def cached_locale_option(self: Any, name: str) -> object:
        """A locale option ('punctuation-in-quote', asked for each quoted title) is the style's."""
        root = self.get_root()
        key = ("option", id(root), name)
        hit = _LOCALE.get(key)
        if hit is None:
            hit = _LOCALE[key] = (root, original_locale_option(self, name))
        return hit[1]

    def cached_term(self: Any, name: str, form: object = None, fallback_locale: bool = True,
                    zero_padded: bool = False) -> object:
        """A term ('open-quote', 'editor', a month) is the style's locales', whoever asks."""
        root = self.get_root()
        key = ("term", id(root), name, form, fallback_locale, zero_padded)
        hit = _LOCALE.get(key)
        if hit is None:
            hit = _LOCALE[key] = (root, original_term(self, name, form, fallback_locale, zero_padded))
        return hit[1]

    def words(self: Any, attribute: str) -> list[str]:
        hit = _WORDS.get(id(self))
        if hit is None:
            hit = _WORDS[id(self)] = (self, str(self.get(attribute)).split())
        return hit[1]

    def cached_type(self: Any, item: Any) -> list[bool]:
        kind = item.reference.type
        return [typ.lower() == kind for typ in words(self, "type")]

    original_case = model.TextCased.case

    def case(self: Any, text: Any, language: Any = None) -> Any:
        if self.get("text-case") == "title" and language == "en" and _plain(text):
            return citeproc.string.String(_title_case(str(text), model.TextCased._stop_words))
        return original_case(self, text, language)

    model.TextCased.case = case  # type: ignore[method-assign]
    model.Style.get_option = cached_style_option  # type: ignore[method-assign]
    model.CitationStylesElement.get_locale_option = cached_locale_option  # type: ignore[method-assign]
    model.CitationStylesElement.get_term = cached_term  # type: ignore[method-assign]
    model.If._type = cached_type  # type: ignore[method-assign]
    model.CitationStylesElement.get_root = cached_root  # type: ignore[method-assign]
    model.CitationStylesElement.get_formatter = cached_formatter  # type: ignore[method-assign]
    model.CitationStylesElement.xpath_search = cached_xpath  # type: ignore[method-assign]
    for cls, calls in original_calls.items():
        cls.calls_variable = cached_calls(calls)  # type: ignore[attr-defined]
    citeproc.source.CitationItem.reference = property(cached_reference)  # type: ignore[assignment]
    model.Date.render_single_date = _render_single_date  # type: ignore[method-assign]
    model.Substitute.render = _substitute_render  # type: ignore[method-assign]
    model.Text._variable = _recording_variable(model.Text._variable)  # type: ignore[method-assign]
    model.Names.process = _repressing_names(model.Names.process)  # type: ignore[method-assign]
    model.FormatNumber._format_last_page = _format_last_page(  # type: ignore[method-assign]
        model.FormatNumber._format_last_page)
    model.Label.markup = _label_markup  # type: ignore[method-assign]
    # particles of other languages' titles stay lower case in title case, as citeproc-js and
    # pandoc keep them: 'Biochimica et Biophysica Acta', 'Archivos de Bronconeumologia'
    model.TextCased._stop_words.extend(w for w in PARTICLES if w not in model.TextCased._stop_words)
    _applied = True
    return True


def _render_single_date(self: Any, date: object, show_parts: object = None, context: object = None) -> object:
    """A localized date's parts joined with the locale date's own delimiter (CSL 1.0.2: the
    calling cs:date carries affixes and formatting, not a delimiter). citeproc-py joined them
    with the caller's, which has none: Vancouver printed an ahead-of-print date as '2014July24'."""
    parts = self.parts(date, show_parts, context) if context != self else self.parts(date, show_parts)
    return self.join(parts) if parts else None


_RENDERED: list[list[str]] = []
"""While a cs:substitute child renders: the variables it printed (a stack, for nested names)."""
_NS = "{http://purl.org/net/xbiblio/csl}"
_TEXT_TAG, _NAMES_TAG = f"{_NS}text", f"{_NS}names"


def _substitute_render(self: Any, item: Any, context: Any = None, **kwargs: Any) -> Any:
    """CSL: 'Substituted variables are suppressed in the rest of the output'. citeproc-py suppressed
    only a variable substituted directly by a <text variable> or <names variable>, and only where
    the same element type printed it again: a substituted macro (APA's and AMA's title for a
    record without authors) printed the title twice ('Study tests RFID tag safety. (2010). Study
    tests RFID tag safety.'), and NLM printed a book's editors twice. Every variable the first
    successful substitute printed is suppressed, by whichever element would print it again."""
    model = citeproc.model
    for child in self.getchildren():
        _RENDERED.append([])
        try:
            if isinstance(child, model.Names) and child.name is None:
                names = self.xpath_search("./parent::cs:names[1]")[0]
                text = child.render(item, names_context=names, context=context, **kwargs)
            else:
                text = child.render(item, context=context, **kwargs)
        except model.VariableError:
            _RENDERED.pop()
            continue
        rendered = _RENDERED.pop()
        if text:
            if child.get("variable"):
                rendered += str(child.get("variable")).split()
            repressed = context.get_layout().repressed
            for tag in (_TEXT_TAG, _NAMES_TAG):
                repressed.setdefault(tag, []).extend(rendered)
            return text
    return None


def _recording_variable(original: Any) -> Any:
    def _variable(self: Any, item: Any, context: Any) -> Any:
        text = original(self, item, context)
        if _RENDERED and text:
            _RENDERED[-1].append(self.get("variable"))
        return text
    return _variable


def _repressing_names(original: Any) -> Any:
    def process(self: Any, item: Any, names_context: Any = None, context: Any = None, **kwargs: Any) -> Any:
        roles = str(self.get("variable") or "").split()
        layout = (context if context is not None else self).get_layout()
        repressed = getattr(layout, "repressed", {}).get(_NAMES_TAG, [])
        left = [role for role in roles if role not in repressed]
        if roles and not left:
            return None
        if len(left) < len(roles):  # APA's '(R. A. Pagon, Eds.)' after editors stood for the authors
            self.set("variable", " ".join(left))
            try:
                return process(self, item, names_context=names_context, context=context, **kwargs)
            finally:
                self.set("variable", " ".join(roles))
        text = original(self, item, names_context=names_context, context=context, **kwargs)
        if _RENDERED and text:
            _RENDERED[-1].extend(role for role in roles if role in item.reference)
        return text
    return process


def _format_last_page(original: Any) -> Any:
    def format_last_page(self: Any, first: str, last: str) -> str:
        """A range whose ends differ in length is printed in full: citeproc-py's 'minimal' turned
        NLM's 'p. 1-10' into 'p. 1-0'."""
        if len(first) != len(last):
            return last
        return str(original(self, first, last))
    return format_last_page


def _plain(text: Any) -> bool:
    """Text without formatting inside it (a String, or a MixedString of Strings only)."""
    string = citeproc.string
    if type(text) is string.String:
        return True
    return type(text) is string.MixedString and all(type(part) is string.String for part in text)


def _title_case(text: str, stop_words: list[str]) -> str:
    """CSL title case (citeproc-py's rule: lower-case words capitalised unless a stop word not after
    a colon or period), with the parts of a hyphenated word capitalised too, as APA and citeproc-js
    do: 'Journal of Hepato-Biliary-Pancreatic Surgery', 'European Journal of Cardio-Thoracic
    Surgery', 'Telemedicine Journal and e-Health' (a one-letter first part stays). The lower-case
    parts of a word that is not all lower case are capitalised as well: PubMed's catalogue title
    'Pathologie-biologie' is 'Pathologie-Biologie' (pandoc and citeproc-js print it so)."""
    output, previous = [], ":"
    for word in text.split():
        if not word.islower() or word not in stop_words or previous in (":", "."):
            parts = word.split("-")
            word = "-".join(part[:1].upper() + part[1:]
                            if part.islower() and (index or len(part) > 1 or len(parts) == 1)
                            and (index == 0 or part not in stop_words) else part
                            for index, part in enumerate(parts))
        output.append(word)
        previous = word[-1]
    return " ".join(output)


def _label_markup(self: Any, text: Any) -> Any:
    """A label's text-case applied in the style's language: citeproc-py passed no language, so
    'title' case (APA's '(Eds.)') was never applied and printed '(eds.)'."""
    if not text:
        return None
    language = str(self.get_root().get("default-locale") or "en")[:2]
    return self.wrap(self.format(self.case(self.strip_periods(text), language)))
