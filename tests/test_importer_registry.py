"""One importer registry, and what importers share in one module of its own (#17 item 6)."""

import ast
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from litreview import importers
from litreview.cli import cli
from litreview.importers import FORMATS, IMPORTERS, get_importer

PACKAGE = Path(importers.__file__).resolve().parents[1]
IMPORTER_MODULES = sorted(p for p in (PACKAGE / "importers").glob("*.py") if p.name != "__init__.py")


def _imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) of every `from litreview... import name` in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("litreview"):
            found += [(node.module or "", alias.name) for alias in node.names]
    return found


def test_every_format_is_listed_once_and_registers_from_its_own_module() -> None:
    assert len(set(FORMATS)) == len(FORMATS)
    assert sorted(name.replace("-", "_") for name in FORMATS) == sorted(p.stem for p in IMPORTER_MODULES)
    for name in FORMATS:
        importer = get_importer(name)
        module = f"litreview.importers.{name.replace('-', '_')}"
        assert importer.name == name and importer.read.__module__ == module
    assert set(IMPORTERS) == set(FORMATS)


def test_an_importer_not_in_the_list_is_refused() -> None:
    with pytest.raises(ValueError, match="not in importers.FORMATS"):
        importers.register(importers.Importer("made-up", (".x",), get_importer("ris").read, bool, "X"))


def test_the_cli_offers_the_listed_formats() -> None:
    result = CliRunner().invoke(cli, ["import", "--help"])
    offered = re.search(r"\[([^\]]*auto[^\]]*)\]", " ".join(result.output.split()))
    assert offered is not None
    assert [f.strip() for f in offered.group(1).split("|")] == ["auto", *FORMATS]


@pytest.mark.parametrize("path", IMPORTER_MODULES, ids=lambda p: p.stem)
def test_no_importer_uses_another_importers_module(path: Path) -> None:
    reaching = [(module, name) for module, name in _imports(path)
                if module.startswith("litreview.importers.") or (name.startswith("_") and module != "typing")]
    assert reaching == []


# Months, years and suffixes spelled out once, in names.py, for the whole package (importers included):
# tests/test_names.py.
