"""Import formats, one module each, chosen from one registry by --format, content or suffix.

A reader is `read(path, options) -> Iterator[Record]`; it raises ParseError (file, line or record,
what was expected) for input it cannot read. Records carry source_db/source_key; the importer
fills source_db from the file where the file says it, else from --source.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from litreview.errors import ParseError
from litreview.records import Record


@dataclass
class ReadOptions:
    source: str | None = None
    column_map: dict[str, str] = field(default_factory=dict)


Reader = Callable[[Path, ReadOptions], Iterator[Record]]
Sniffer = Callable[[str], bool]


@dataclass(frozen=True)
class Importer:
    name: str
    suffixes: tuple[str, ...]
    sniff: Sniffer
    read: Reader
    default_source: str | None = None


IMPORTERS: dict[str, Importer] = {}
SNIFF_ORDER = ("pubmed-xml", "endnote-xml", "nbib", "ris", "bibtex", "csl-json", "csv")


def importer(name: str, suffixes: tuple[str, ...], sniff: Sniffer,
             default_source: str | None = None) -> Callable[[Reader], Reader]:
    def register(read: Reader) -> Reader:
        IMPORTERS[name] = Importer(name, suffixes, sniff, read, default_source)
        return read

    return register


def import_formats() -> list[str]:
    _load_all()
    return [name for name in SNIFF_ORDER if name in IMPORTERS]


def get_importer(name: str) -> Importer:
    _load_all()
    return IMPORTERS[name]


def detect_format(path: Path) -> str:
    """The format of a file by its content (first 8 KB), falling back to its suffix."""
    _load_all()
    head = _head(path)
    for name in SNIFF_ORDER:
        if name in IMPORTERS and IMPORTERS[name].sniff(head):
            return name
    for name in SNIFF_ORDER:
        if name in IMPORTERS and path.suffix.lower() in IMPORTERS[name].suffixes:
            return name
    raise ParseError(
        "cannot tell the format from its content or suffix; expected RIS, MEDLINE/nbib, PubMed XML, "
        "BibTeX, CSV, EndNote XML or CSL-JSON (give --format)", file=str(path))


def _head(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            data = handle.read(8192)
    except OSError as exc:
        raise ParseError(f"cannot read file ({exc.strerror})", file=str(path)) from None
    return data.decode("utf-8", errors="replace").lstrip("\ufeff")


def read_text(path: Path) -> str:
    """A text file as str: UTF-8 (with or without BOM), else Latin-1; newlines normalised."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _load_all() -> None:
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


__all__ = ["IMPORTERS", "Importer", "ReadOptions", "detect_format", "get_importer", "import_formats",
           "importer", "read_text"]
