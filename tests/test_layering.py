"""The store boundary holds: outside litreview/store/ no code reaches the database connection,
imports sqlite-utils or hands the store SQL text (#17 item 1: one store method per question)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "litreview"


def _outside_store() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if "store" not in p.relative_to(PACKAGE).parts]


def _offences(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in ("db", "conn") and isinstance(node.ctx, ast.Load):
            found.append(f"{path.name}:{node.lineno}: .{node.attr}")
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("records", "count") and node.args
                and ast.unparse(node.func.value).split(".")[-1] in ("library", "lib")
                and isinstance(node.args[0], (ast.Constant, ast.JoinedStr))
                and isinstance(getattr(node.args[0], "value", ""), str)):
            found.append(f"{path.name}:{node.lineno}: SQL text to .{node.func.attr}()")
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            found += [f"{path.name}:{node.lineno}: imports {n}" for n in names
                      if n.split(".")[0] == "sqlite_utils"]
    return found


def test_no_sql_crosses_the_store_boundary() -> None:
    offences = [o for path in _outside_store() for o in _offences(path)]
    assert offences == []


def test_the_check_sees_an_offence(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import sqlite_utils\nlibrary.records('canonical_id IS NULL')\nlibrary.db.execute('x')\n"
                   "'{}'.count('{')\n")
    assert _offences(bad) == ["bad.py:1: imports sqlite_utils", "bad.py:2: SQL text to .records()",
                              "bad.py:3: .db"]
