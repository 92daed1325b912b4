"""Export formats, one module each, chosen by name from one registry.

An exporter is `write(records, out) -> int` (records written); register it with
`@exporter("name", suffix=".ext", cannot_hold={field: what})`. One registered with
`screening=True` also takes `states` (record id -> RecordState) and writes each record's screening
state, notes and tags. Modules in this package register on import.

`cannot_hold` is the format's documented loss: the record fields (or "initials", for initials the
format's names cannot carry; "cites", "odd_suffix") it has no place for. `export` writes and
reports, once per kind, what the records held that the format dropped ("abstract section
categories not written to csv"), so that nothing is lost silently.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO, TypeVar

from litreview.names import NAME_SUFFIX
from litreview.records import Record, initials_of

Writer = Callable[..., int]
"""write(records, out) -> records written; with screening=True also write(records, out, states)."""


@dataclass(frozen=True)
class Exporter:
    name: str
    suffix: str
    write: Writer
    screening: bool = False
    cannot_hold: dict[str, str] = field(default_factory=dict)


EXPORTERS: dict[str, Exporter] = {}
W = TypeVar("W", bound=Writer)


def exporter(name: str, suffix: str, screening: bool = False,
             cannot_hold: dict[str, str] | None = None) -> Callable[[W], W]:
    def register(write: W) -> W:
        EXPORTERS[name] = Exporter(name, suffix, write, screening, dict(cannot_hold or {}))
        return write

    return register


def holds(record: Record, name: str) -> bool:
    """Whether the record has data of this `cannot_hold` kind."""
    if name == "initials":
        return any(a.initials and a.given and initials_of(a.given) != a.initials.replace("-", "")
                   for a in (*record.authors, *record.editors))
    if name == "odd_suffix":
        return any(a.suffix and not NAME_SUFFIX.fullmatch(a.suffix) for a in record.authors)
    if name == "cites":
        return any(c.type == "Cites" for c in record.corrections)
    return getattr(record, name, None) not in (None, "", [], {})


def export(name: str, records: Iterable[Record], out: TextIO,
           states: Mapping[int, Any] | None = None) -> tuple[int, list[str]]:
    """Write the records (with their screening states where the format carries them); (count,
    one sentence per kind of data the format could not hold)."""
    chosen = get_exporter(name)
    dropped: set[str] = set()

    def watched() -> Iterator[Record]:
        for record in records:
            dropped.update(f for f in chosen.cannot_hold if f not in dropped and holds(record, f))
            yield record

    if chosen.screening and states is not None:
        count = chosen.write(watched(), out, states)
    else:
        count = chosen.write(watched(), out)
    return count, [f"{chosen.cannot_hold[f]} not written to {name}" for f in chosen.cannot_hold
                   if f in dropped]


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
