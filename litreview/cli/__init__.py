"""Command-line interface: parse options, call the library, format the result.

Each module in this package adds its commands to the root group on import.
"""

from __future__ import annotations

import importlib
import pkgutil

from litreview.cli._group import cli

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
    if not _info.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_info.name}")


def main() -> None:
    cli(prog_name="litreview")


__all__ = ["cli", "main"]
