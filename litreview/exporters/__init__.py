"""Export formats, one module each, chosen by name from one registry.

An exporter is `write(records, out) -> int` (records written); register it with
`@exporter("name", suffix=".ext")`. One registered with `screening=True` also takes
`states` (record id -> RecordState) and writes each record's screening state, notes and tags.
Modules in this package register on import.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

Writer = Callable[..., int]
"""write(records, out) -> records written; with screening=True also write(records, out, states)."""


@dataclass(frozen=True)
class Exporter:
    name: str
    suffix: str
    write: Writer
    screening: bool = False


EXPORTERS: dict[str, Exporter] = {}
W = TypeVar("W", bound=Writer)


def exporter(name: str, suffix: str, screening: bool = False) -> Callable[[W], W]:
    def register(write: W) -> W:
        EXPORTERS[name] = Exporter(name, suffix, write, screening)
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
