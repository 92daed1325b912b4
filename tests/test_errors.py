"""Every exception class lives in litreview/errors.py, and its docstring's tree names them all."""

import ast
import inspect
import re
from pathlib import Path

from litreview import errors

PACKAGE = Path(errors.__file__).resolve().parent
EXCEPTION_BASES = {"Exception", "BaseException", "ValueError", "KeyError", "LookupError", "RuntimeError",
                   *(name for name, obj in vars(errors).items() if isinstance(obj, type)
                     and issubclass(obj, BaseException))}


def test_no_module_but_errors_defines_an_exception_class() -> None:
    elsewhere = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "errors.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
                         for base in node.bases}
                if bases & EXCEPTION_BASES or node.name.endswith(("Error", "Exception")):
                    elsewhere.append(f"{path.relative_to(PACKAGE.parent)}: {node.name}")
    assert elsewhere == []


def test_the_docstring_tree_names_every_class_in_errors_and_no_other() -> None:
    defined = {name for name, obj in vars(errors).items()
               if inspect.isclass(obj) and issubclass(obj, BaseException)
               and obj.__module__ == errors.__name__}
    listed = set(re.findall(r"^ {4}[|+\- ]*([A-Z]\w+)\b", errors.__doc__ or "", re.M))
    assert listed == defined


def test_a_record_not_found_is_one_class_wherever_it_is_raised(tmp_path: Path) -> None:
    from litreview.dedup.review import check_record
    from litreview.store import Library

    library = Library(tmp_path / "library.db")
    attempts = (lambda: library.get(99), lambda: library.resolve("pmid:1"), lambda: check_record(library, 99))
    for attempt in attempts:
        try:
            attempt()
        except errors.RecordNotFound:
            continue
        raise AssertionError("no RecordNotFound")
