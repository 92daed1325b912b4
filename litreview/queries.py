"""Saved searches: one TOML file per search in the review's queries/ folder."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from litreview.errors import QueryFileError

DATABASES = {"pubmed": "PubMed"}
DATETYPES = ("pdat", "edat", "mdat", "crdt")
_DATE = re.compile(r"^\d{4}(/\d{1,2}(/\d{1,2})?)?$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class SavedSearch:
    name: str
    term: str
    database: str = "pubmed"
    description: str | None = None
    mindate: str | None = None
    maxdate: str | None = None
    datetype: str | None = None

    @property
    def database_label(self) -> str:
        """The database's display name, as runs and PRISMA report it."""
        return DATABASES[self.database]

    def params(self) -> dict[str, str]:
        """The E-utilities limits this search sends (what PRISMA-S asks to report)."""
        limits = {"mindate": self.mindate, "maxdate": self.maxdate, "datetype": self.datetype}
        if self.mindate or self.maxdate:
            limits["datetype"] = self.datetype or "pdat"
        return {k: v for k, v in limits.items() if v}


def validate(search: SavedSearch, where: str) -> SavedSearch:
    """Check a search's fields; QueryFileError says which field of which file is wrong."""
    if not _NAME.match(search.name):
        raise QueryFileError(f"{where}: name {search.name!r} may use letters, digits, '-', '_', '.'")
    if not search.term.strip():
        raise QueryFileError(f"{where}: 'term' is empty; expected an Entrez query")
    if search.database not in DATABASES:
        raise QueryFileError(
            f"{where}: database {search.database!r} is not supported; expected one of {sorted(DATABASES)}"
        )
    for key in ("mindate", "maxdate"):
        value = getattr(search, key)
        if value is not None and not _DATE.match(value):
            raise QueryFileError(
                f"{where}: {key} {value!r} is not a date; expected YYYY, YYYY/MM or YYYY/MM/DD")
    if bool(search.mindate) != bool(search.maxdate):
        raise QueryFileError(f"{where}: E-utilities needs both mindate and maxdate, or neither")
    if search.datetype is not None and search.datetype not in DATETYPES:
        raise QueryFileError(f"{where}: datetype {search.datetype!r}; expected one of {DATETYPES}")
    return search


def load_query(path: Path) -> SavedSearch:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise QueryFileError(f"{path}: no such saved search") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise QueryFileError(f"{path}: not valid TOML ({exc})") from None
    return validate(_from_mapping(data, path), str(path))


def _from_mapping(data: dict[str, Any], path: Path) -> SavedSearch:
    unknown = set(data) - {"name", "term", "database", "description", "mindate", "maxdate", "datetype"}
    if unknown:
        raise QueryFileError(f"{path}: unknown keys {sorted(unknown)}")
    if "term" not in data:
        raise QueryFileError(f"{path}: missing 'term' (the Entrez query)")
    values = {k: (str(v).strip() if v is not None else None) for k, v in data.items()}
    return SavedSearch(
        name=values.get("name") or path.stem,
        term=" ".join((values["term"] or "").split()),
        database=(values.get("database") or "pubmed").lower(),
        description=values.get("description"),
        mindate=values.get("mindate"),
        maxdate=values.get("maxdate"),
        datetype=values.get("datetype"),
    )


def find_query(queries_dir: Path, name: str) -> SavedSearch:
    path = queries_dir / f"{name}.toml"
    if not path.exists():
        known = ", ".join(s.name for s in load_queries(queries_dir)) or "none"
        raise QueryFileError(f"no saved search {name!r} in {queries_dir}/ (saved searches: {known})")
    return load_query(path)


def load_queries(queries_dir: Path) -> list[SavedSearch]:
    """Every saved search of the review, by file name."""
    if not queries_dir.is_dir():
        return []
    return [load_query(p) for p in sorted(queries_dir.glob("*.toml"))]


def save_query(queries_dir: Path, search: SavedSearch, overwrite: bool = False) -> Path:
    validate(search, f"--save {search.name}")
    path = queries_dir / f"{search.name}.toml"
    if path.exists() and not overwrite:
        raise QueryFileError(f"{path} exists; choose another --save name or edit the file")
    queries_dir.mkdir(parents=True, exist_ok=True)
    data = {k: v for k, v in vars(search).items() if v is not None}
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path
