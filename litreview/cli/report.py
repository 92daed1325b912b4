"""litreview prisma / bib: what a review publishes."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from litreview import bibliography, prisma
from litreview.cli._group import Review, cli, pass_review
from litreview.cli.progress import Progress, progress
from litreview.records import Record
from litreview.screening.decisions import screening_flow
from litreview.selection import select
from litreview.store import Library


def _write(data: str | bytes, output: Path | None) -> None:
    if output is None:
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        else:
            click.echo(data, nl=False)
        return
    tmp = output.with_name(output.name + ".part")
    tmp.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    tmp.replace(output)
    click.echo(f"wrote {output}", err=True)


@cli.command("prisma")
@click.option("--format", "fmt", type=click.Choice(["json", "md", "svg", "png", "csv"]), default="md",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@pass_review
def prisma_command(review: Review, fmt: str, output: Path | None) -> None:
    """PRISMA 2020 counts from the library (json, md, csv of records per box) or the flow diagram."""
    counts = prisma.compute(review.library)
    if fmt in ("svg", "png"):
        from litreview.prisma.diagram import draw

        if fmt == "png" and output is None and sys.stdout.isatty():
            raise click.UsageError("a PNG needs -o FILE")
        _write(draw(counts, fmt), output)
    elif fmt == "json":
        _write(json.dumps(counts.as_json(), indent=2) + "\n", output)
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["box", "record_id"])
        writer.writerows(prisma.box_rows(counts))
        _write(out.getvalue(), output)
    else:
        _write(prisma.markdown(counts), output)


def _read_showing(library: Library, ids: list[int], style: str, bar: Progress) -> Iterator[Record]:
    """The records, read one by one while the count is shown; then the formatting step's name
    (citeproc formats the whole list in one call)."""
    for done, record_id in enumerate(ids):
        bar.show("records read", done, len(ids))
        yield library.get(record_id)
    bar.show(f"formatting {len(ids):,} references ({style})...")


@cli.command("bib")
@click.option("--style", default="vancouver", show_default=True,
              help="CSL style: vancouver, ama, apa, harvard, nature, any CSL repository name, "
                   "or a .csl file.")
@click.option("--status", type=click.Choice(["included", "excluded", "all"]), default="included",
              show_default=True, help="excluded = excluded at full text, each with its reason.")
@click.option("--format", "fmt", type=click.Choice(["text", "html", "md", "rtf"]), default="text",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@pass_review
def bib_command(review: Review, style: str, status: str, fmt: str, output: Path | None) -> None:
    """Formatted references of the included (or excluded, or all unique) studies."""
    library = review.library
    flow = screening_flow(library)
    reasons: dict[int, str] = {}
    if status == "included":
        ids = flow.included
    elif status == "excluded":
        reasons = {i: reason for reason, ids in flow.reports_excluded.items() for i in ids}
        ids = sorted(reasons)
    else:
        ids = [r.id for r in select(library, "unique") if r.id is not None]
    with progress() as bar:
        references = bibliography.format_references(_read_showing(library, ids, style, bar), style, fmt,
                                                    reasons)
    if not references:
        click.echo(f"no {'unique' if status == 'all' else status} studies to list", err=True)
    _write(bibliography.render(references, fmt), output)
