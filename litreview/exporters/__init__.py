"""Export formats, one module each, chosen by name from one registry.

An exporter is `write(records, out) -> int` (records written); register it with
`@exporter("name", suffix=".ext", cannot_hold={field: what})`. Modules in this package register on
import. `cannot_hold` is the format's documented loss: the record fields (or "initials", for
initials the format's names cannot carry) it has no place for. `export` writes and reports,
once per field, what the records held that the format dropped ("MeSH headings are not written
to CSV"), so that nothing is lost silently.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TextIO

from litreview.records import Record

Writer = Callable[[Iterable[Record], TextIO], int]


@dataclass(frozen=True)
class Exporter:
    name: str
    suffix: str
    write: Writer
    cannot_hold: dict[str, str] = field(default_factory=dict)


EXPORTERS: dict[str, Exporter] = {}


def exporter(name: str, suffix: str, cannot_hold: dict[str, str] | None = None) -> Callable[[Writer], Writer]:
    def register(write: Writer) -> Writer:
        EXPORTERS[name] = Exporter(name, suffix, write, dict(cannot_hold or {}))
        return write

    return register


def holds(record: Record, name: str) -> bool:
    if name == "initials":
        from litreview.records import initials_of
        return any(a.initials and a.given and initials_of(a.given) != a.initials.replace("-", "")
                   for a in (*record.authors, *record.editors))
    if name == "odd_suffix":
        from litreview.records import NAME_SUFFIX
        return any(a.suffix and not NAME_SUFFIX.fullmatch(a.suffix) for a in record.authors)
    if name == "cites":
        return any(c.type == "Cites" for c in record.corrections)
    return getattr(record, name, None) not in (None, "", [], {})


def export(name: str, records: Iterable[Record], out: TextIO) -> tuple[int, list[str]]:
    """Write the records; (count, one sentence per kind of data the format could not hold)."""
    chosen = get_exporter(name)
    dropped: set[str] = set()

    def watched() -> Iterator[Record]:
        for record in records:
            dropped.update(f for f in chosen.cannot_hold if f not in dropped and holds(record, f))
            yield record

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
