"""The package's layering holds (#17 item 1 and its import graph), read from the source with ast:

- the store boundary: outside litreview/store/ no code reaches the database connection (`.db`,
  `.conn`), imports sqlite-utils or sqlite3, or holds SQL text; nobody (tests included) reaches a
  store module through a domain module's alias (`sc.store.notes_of`, `dedup.store.pairs`);
- only cli/ imports click, only web/ imports Flask; nothing below cli/ and web/ imports them;
  the store imports nothing of the package but records and errors;
- the import graph has no cycles, deferred (function-level) imports included.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "litreview"

SQL = re.compile(r"\bSELECT\s.+\sFROM\b|\bINSERT\s+(OR\s+\w+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b"
                 r"|\bDELETE\s+FROM\b|\b(CREATE|DROP|ALTER)\s+(TABLE|INDEX|VIEW|TRIGGER)\b|\bPRAGMA\s+\w+|\bIS\s+(NOT\s+)?NULL\b"
                 r"|\b[a-z_]+\s*(=|<=?|>=?|LIKE)\s*\?|\b[a-z_]+\s+IN\s*\(", re.S)
"""SQL as code writes it (upper-case keywords): a statement, or a condition with a placeholder."""

THIRD_PARTY_HOMES = {"click": "litreview.cli", "sqlite_utils": "litreview.store",
                     "sqlite3": "litreview.store",
                     "flask": "litreview.web", "werkzeug": "litreview.web", "jinja2": "litreview.web"}
"""A library -> the only package that may import it."""

ALLOWED_ELSEWHERE: dict[tuple[str, str], str] = {}
"""Known exceptions (module, library) -> the reason. None today: the web app's retry of a busy
library and the CLI's 'read-only' message ask the store (store.library.is_busy, is_read_only)
rather than catch sqlite3's error themselves."""

ALLOWED_CYCLES = [["litreview.web.app", "litreview.web.pages", "litreview.web.screen"]]
"""create_app imports the page modules, which import the app's `site` and `retrying`."""

STORE_MAY_IMPORT = ("litreview.store", "litreview.records", "litreview.errors")

BOTTOM = ("litreview.records", "litreview.errors", "litreview.names", "litreview.languages",
          "litreview.fieldtext", "litreview.csl", "litreview.settings", "litreview.config",
          "litreview.parallel")
"""The foundations every layer uses: they import only each other (settings.registry() imports
the features that declare keys by name, at run time, by design)."""


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node but those under `if TYPE_CHECKING:` (imports for annotations only)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in ast.walk(child))
            continue
        yield node
        yield from _runtime_nodes(node)


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The modules this file imports at run time, deferred imports included. `from p import m`
    is p.m when m is a module (as grimp reads it), else p."""
    found: set[str] = set()
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            submodules = {f"{base}.{alias.name}" for alias in node.names} & known
            found |= submodules or {base}
    return found


@functools.cache
def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: imports_of(path, known) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), within the package."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, set()) & set(graph)):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


TOP_LAYERS = {"litreview.cli": ("litreview.cli", "litreview.__main__"),
              "litreview.web": ("litreview.web", "litreview.cli")}
"""A top layer -> who may import it."""


def layering_offences(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for module, imported in sorted(graph.items()):
        for name in sorted(imported):
            top = name.split(".")[0]
            home = THIRD_PARTY_HOMES.get(top)
            if home and not _in(module, home) and (module, top) not in ALLOWED_ELSEWHERE:
                found.append(f"{module} imports {name} (only {home} may)")
            for layer, users in TOP_LAYERS.items():
                if _in(name, layer) and not any(_in(module, user) for user in users):
                    found.append(f"{module} imports {name} ({layer} is a top layer)")
            if (_in(module, "litreview.store") and top == "litreview" and name != "litreview"
                    and not any(_in(name, allowed) for allowed in STORE_MAY_IMPORT)):
                found.append(f"{module} imports {name} (the store sits below the features)")
            if module in BOTTOM and top == "litreview" and name not in BOTTOM:
                found.append(f"{module} imports {name} (a foundation imports only foundations)")
    return found


def store_offences(path: Path) -> list[str]:
    """A file outside the store reaching into the database or holding SQL text."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in ("db", "conn") and isinstance(node.ctx, ast.Load):
            found.append(f"{path.name}:{node.lineno}: .{node.attr}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
            found.append(f"{path.name}:{node.lineno}: SQL text {node.value[:40]!r}")
    return sorted(found, key=lambda o: int(o.split(":")[1]))


def alias_offences(path: Path) -> list[str]:
    """`<module>.store.<function>`: a store module reached through a domain module's namespace."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Attribute) and node.attr == "store" and isinstance(node.ctx, ast.Load)
                and not (isinstance(node.value, ast.Name) and node.value.id == "litreview")):
            found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    return found


def _outside_store() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if "store" not in p.relative_to(PACKAGE).parts]


def test_no_sql_crosses_the_store_boundary() -> None:
    assert [o for path in _outside_store() for o in store_offences(path)] == []


def test_no_store_module_is_reached_through_a_domain_alias() -> None:
    files = [*sorted(PACKAGE.rglob("*.py")), *sorted((ROOT / "tests").glob("*.py")),
             *sorted((ROOT / "benchmarks").glob("*.py"))]
    assert [o for path in files for o in alias_offences(path)] == []


def test_each_library_is_imported_only_by_its_layer() -> None:
    assert layering_offences(import_graph()) == []


def test_the_import_graph_has_no_cycles() -> None:
    assert [c for c in _cycles(import_graph()) if c not in ALLOWED_CYCLES] == []


def test_the_checks_see_an_offence(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import sqlite_utils\nlibrary.db.execute('x')\nq = 'SELECT id FROM records'\n"
                   "w = 'canonical_id IS NULL'\nv = 'source_db = ?'\nsc.store.notes_of(library, 1)\n"
                   "'{}'.count('{')\ntext = 'Select the records from a file'\nlitreview.store.Library\n")
    assert store_offences(bad) == ["bad.py:2: .db", "bad.py:3: SQL text 'SELECT id FROM records'",
                                   "bad.py:4: SQL text 'canonical_id IS NULL'",
                                   "bad.py:5: SQL text 'source_db = ?'"]
    assert alias_offences(bad) == ["bad.py:6: sc.store"]
    graph = {"litreview.records": {"click", "litreview.cli.screen"}, "litreview.cli.screen": {"click"},
             "litreview.store.x": {"litreview.dedup"}, "litreview.dedup": {"litreview.web.app"},
             "litreview.names": {"litreview.dedup.normalise", "litreview.records"},
             "litreview.a": {"litreview.b"}, "litreview.b": {"litreview.c"}, "litreview.c": {"litreview.a"}}
    assert layering_offences(graph) == [
        "litreview.dedup imports litreview.web.app (litreview.web is a top layer)",
        "litreview.names imports litreview.dedup.normalise (a foundation imports only foundations)",
        "litreview.records imports click (only litreview.cli may)",
        "litreview.records imports litreview.cli.screen (litreview.cli is a top layer)",
        "litreview.records imports litreview.cli.screen (a foundation imports only foundations)",
        "litreview.store.x imports litreview.dedup (the store sits below the features)"]
    assert _cycles(graph) == [["litreview.a", "litreview.b", "litreview.c"]]


def test_the_graph_reads_deferred_and_package_imports(tmp_path: Path) -> None:
    graph = import_graph()
    assert "litreview.store.library" in graph["litreview.store"]  # from litreview.store.library import ...
    assert "litreview.screening.decisions" in graph["litreview.screening.stopping"]  # inside a function
    assert "click" in graph["litreview.cli._group"]


def test_the_readme_layout_names_every_module() -> None:
    """README's Layout section lists each package and module (importers and exporters by format
    name): a module added or moved without its line there fails here."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout"):]
    layout = layout[: layout.find("\n## ", 1)] if "\n## " in layout[1:] else layout
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if path.name in ("__init__.py", "__main__.py"):
            if len(relative.parts) > 1 and f"{relative.parts[0]}/" not in layout:
                missing.append(f"{relative.parts[0]}/")
            continue
        by_format = relative.parts[0] in ("importers", "exporters")
        wanted = path.stem if by_format else path.name
        if not re.search(rf"(?<![\w.]){re.escape(wanted)}\b", layout):
            missing.append(str(relative))
    assert missing == []


def _layout_tree(layout: str) -> set[str]:
    """The paths the Layout section's tree draws ('litreview/dedup/rules.py'), read from the
    indentation of its lines."""
    paths: set[str] = set()
    stack: list[tuple[int, str]] = []
    for line in layout.splitlines():
        words = line.split()
        if not line.startswith("    ") or not words or not re.fullmatch(r"[\w.]+/|[\w.]+\.py", words[0]):
            continue
        indent = len(line) - len(line.lstrip())
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = "/".join([*(name for _, name in stack), words[0].rstrip("/")])
        paths.add(path)
        if words[0].endswith("/"):
            stack.append((indent, words[0].rstrip("/")))
    return paths


def test_the_readme_layout_names_no_module_that_is_not_there() -> None:
    """The other way round: every package and module the tree draws exists where it is drawn."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout"):]
    layout = layout[: layout.find("\n## ", 1)] if "\n## " in layout[1:] else layout
    drawn = {path for path in _layout_tree(layout) if path.startswith("litreview/")}
    assert "litreview/dedup/rules.py" in drawn and "litreview/cli" in drawn
    assert sorted(path for path in drawn if not (ROOT / path).exists()) == []

