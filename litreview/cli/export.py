"""litreview export."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from litreview.cli._group import Review, cli, pass_review
from litreview.exporters import export as write_records
from litreview.exporters import export_formats, get_exporter
from litreview.screening.status import record_states
from litreview.selection import select, status_names, with_fills


@cli.command()
@click.option("--format", "fmt", type=click.Choice(export_formats()), default="csv",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: standard output).")
@click.option("--status", type=click.Choice(status_names()), default="all", show_default=True,
              help="Which records: all, unique (one per publication after dedup), new, or a "
                   "screening status (included, excluded, maybe, unscreened, conflict).")
@click.option("--search", "words", help="Only records whose title, abstract or authors hold every word.")
@click.option("--source", help="Only records from this source (database) name.")
@pass_review
def export(review: Review, fmt: str, output: Path | None, status: str, words: str | None,
           source: str | None) -> None:
    """Write the library's records in an exchange format.

    csv, jsonl and ris carry each record's screening state: status, stage, decision, exclusion
    reason, notes and tags (RIS: in N1 and KW). Fields dedup filled from a duplicate are written
    into the record kept."""
    get_exporter(fmt)
    library = review.library
    states = record_states(library)
    filled = {record_id: state.filled for record_id, state in states.items()}
    records = with_fills(select(library, status, (words or "").split(), source), filled)
    if output is None:
        count, unwritten = write_records(fmt, records, sys.stdout, states)
    else:
        tmp = output.with_name(output.name + ".part")
        with open(tmp, "w", encoding="utf-8", newline="") as out:
            count, unwritten = write_records(fmt, records, out, states)
        tmp.replace(output)
    click.echo(f"exported {count} records as {fmt}", err=True)
    for sentence in unwritten:  # what the format has no place for, said once
        click.echo(f"note: {sentence[0].upper()}{sentence[1:]}", err=True)
