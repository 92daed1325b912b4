"""litreview import."""

from __future__ import annotations

from pathlib import Path

import click

from litreview.cli._group import Review, cli, pass_review
from litreview.errors import LitreviewError
from litreview.importers import import_formats
from litreview.importing import ImportResult, import_file


def _parse_map(values: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for value in values:
        column, sep, target = value.partition("=")
        if not sep or not column or not target:
            raise click.BadParameter(f"{value!r}: expected COLUMN=FIELD", param_hint="--map")
        mapping[column] = target
    return mapping


def _describe(result: ImportResult) -> list[str]:
    picked = f" (detected {result.format})" if result.detected else ""
    if result.duplicate_of_run:
        return [f"{result.file}{picked}: already imported (run {result.duplicate_of_run}); nothing added"]
    databases = ", ".join(f"{name} {n}" for name, n in result.databases.items()) or "none"
    lines = [f"{result.file}{picked}: read {result.read}, added {result.added}, "
             f"already in the library {result.already_held}, skipped {len(result.skipped)} "
             f"[{databases}] (run {result.run_id})"]
    if result.unnamed_source:
        lines.append("  note: the file does not name its database; recorded under the file name "
                     "(give --source NAME, e.g. --source Embase)")
    lines += [f"  skipped {location}: {why}" for location, why in result.skipped]
    return lines


@cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["auto", *import_formats()]), default="auto",
              show_default=True, help="Input format; auto looks at the content.")
@click.option("--source", help="The database the file came from (Embase, Scopus, ...).")
@click.option("--skip-invalid", is_flag=True, help="Import the valid records and list the others.")
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD", help="CSV: map a column to a field.")
@pass_review
def import_command(review: Review, files: tuple[Path, ...], fmt: str, source: str | None,
                   skip_invalid: bool, maps: tuple[str, ...]) -> None:
    """Import export files (RIS, MEDLINE/nbib, PubMed XML, BibTeX, CSV, EndNote XML)."""
    column_map = _parse_map(maps)
    failures = []
    for path in files:
        try:
            result = import_file(review.library, path, fmt, source, skip_invalid, column_map)
        except LitreviewError as exc:
            failures.append(str(exc))
            click.echo(f"Error: {exc} — nothing imported from this file", err=True)
            continue
        for line in _describe(result):
            click.echo(line)
    if failures:
        raise click.exceptions.Exit(1)
