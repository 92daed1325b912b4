"""Export formats, one module each, chosen by name from one registry.

An exporter is `write(records, out) -> int` (records written); register it with
`@exporter("name", suffix=".ext")`. Modules in this package register on import.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TextIO

from litreview.records import Record

Writer = Callable[[Iterable[Record], TextIO], int]


@dataclass(frozen=True)
class Exporter:
    name: str
    suffix: str
    write: Writer


EXPORTERS: dict[str, Exporter] = {}


def exporter(name: str, suffix: str) -> Callable[[Writer], Writer]:
    def register(write: Writer) -> Writer:
        EXPORTERS[name] = Exporter(name, suffix, write)
        return write

    return register


def get_exporter(name: str) -> Exporter:
    _load_all()
    try:
        return EXPORTERS[name]
    except KeyError:
        raise ValueError(f"unknown export format {name!r}") from None


def export_formats() -> list[str]:
    _load_all()
    return sorted(EXPORTERS)


def _load_all() -> None:
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
