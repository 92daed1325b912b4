"""litreview import FILE..."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from litreview.cli._group import Review, cli, pass_review
from litreview.cli.progress import progress
from litreview.errors import ParseError, Terminated
from litreview.importers import FORMATS
from litreview.importing import ImportResult, import_file

FORMAT_DEFAULTS = {"RIS", "CSV", "BibTeX", "EndNote", "CSL-JSON"}


@contextmanager
def _stopped_by_term() -> Iterator[Callable[[], None]]:
    """SIGTERM asks the import to stop; the yielded check raises Terminated at the next batch.

    The handler only records the request. Raised from the handler itself, the exception would
    land wherever the main thread happens to be, inside concurrent.futures' bookkeeping too (a
    pool thread started but not marked started: "cannot join thread before it is started", or a
    lock left held, and the process hung at exit), or inside a callback that swallows it
    ('Exception ignored in _releaseLock', when it arrives while a worker is forked). At a batch
    boundary the transaction rolls back and the pool shuts down as it does after any error."""
    requested = threading.Event()

    def check() -> None:
        if requested.is_set():
            raise Terminated

    if threading.current_thread() is not threading.main_thread():  # only the main thread may
        yield check
        return

    def stop(signum: int, frame: object) -> None:
        requested.set()

    before = signal.signal(signal.SIGTERM, stop)
    try:
        yield check
    finally:
        signal.signal(signal.SIGTERM, before)


def _checked(progress: Callable[[int], None], check: Callable[[], None]) -> Callable[[int], None]:
    def each_batch(count: int) -> None:
        check()
        progress(count)

    return each_batch


def _parse_map(values: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for value in values:
        column, sep, name = value.partition("=")
        if not sep or not column or not name:
            raise click.BadParameter(f"{value!r}: expected column=field", param_hint="--map")
        mapping[column] = name.strip()
    return mapping


@cli.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["auto", *FORMATS]), default="auto",
              show_default=True, help="File format; auto looks at the content.")
@click.option("--source", help="Database the records came from (Embase, Scopus, ...) when the"
              " file does not say.")
@click.option("--skip-invalid", is_flag=True, help="Store the good records of a file with bad"
              " ones, and list the bad ones.")
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD",
              help="CSV: read COLUMN as FIELD (title, authors, year, doi, pmid, id, ...).")
@pass_review
def import_(review: Review, files: tuple[Path, ...], fmt: str, source: str | None,
            skip_invalid: bool, maps: tuple[str, ...]) -> None:
    """Import export files (RIS, nbib, PubMed XML, BibTeX, CSV, EndNote XML, CSL-JSON, Web of
    Science plain text).

    Each file is stored whole or not at all, and logged as an import run.
    """
    column_map = _parse_map(maps)
    failed = 0
    with _stopped_by_term() as check:
        for path in files:
            try:
                check()  # a TERM after the last batch of the file before: stop before this one
                with progress() as bar:  # a count: big files take seconds
                    result = import_file(review.library, path, fmt, source, column_map, skip_invalid,
                                         progress=_checked(bar.counter(f"{path.name}: records stored"),
                                                           check))
            except Terminated:
                click.echo(f"Stopped (SIGTERM): {path}: nothing imported from this file"
                           + ("; the files before it are imported" if path != files[0] else ""), err=True)
                sys.exit(128 + signal.SIGTERM)
            except ParseError as exc:
                failed += 1
                way_out = "; --skip-invalid stores the other records and lists the bad ones" \
                    if exc.skippable else ""
                click.echo(f"Error: {exc} (nothing imported from this file{way_out})", err=True)
                continue
            _report(path, result)
    if failed:
        raise click.ClickException(f"{failed} of {len(files)} files not imported")


def _report(path: Path, result: ImportResult) -> None:
    click.echo(result.how, err=True)
    for problem in result.skipped:
        click.echo(f"  skipped: {problem}", err=True)
    dbs = ", ".join(f"{db} {n}" for db, n in sorted(result.databases.items()))
    line = f"{path.name}: {result.read} records read{f' ({dbs})' if dbs else ''}, {result.added} added"
    if result.already_held:
        line += f", {result.already_held} already held (in the library)"
    if result.skipped:
        line += f", {len(result.skipped)} invalid skipped"
    click.echo(line)
    if "" in result.databases or set(result.databases) & FORMAT_DEFAULTS:
        click.echo(f"{path.name}: the file does not name its database; give --source NAME"
                   " so PRISMA counts it under the right one", err=True)
    if result.read and result.added == 0 and result.already_held:
        click.echo(f"{path.name}: nothing new (imported before?)")
