"""litreview dedup: run, review the queue, split, detach."""

from __future__ import annotations

import csv
import itertools
import textwrap
from pathlib import Path

import click

from litreview import dedup as dd
from litreview.cli._group import Review, cli, pass_review
from litreview.cli.progress import Progress, progress
from litreview.records import Record
from litreview.screening import decisions as sc
from litreview.store import Library


def _summary(summary: dd.DedupSummary) -> str:
    def n(count: int, noun: str) -> str:
        return f"{count:,} {noun}" + ("" if count == 1 else "s")

    return (f"{n(summary.records, 'record')}, {summary.compared:,} compared against the library, "
            f"{n(summary.clusters, 'cluster')}, {summary.merged:,} merged as duplicates, "
            f"{n(summary.queued, 'pair')} queued for review, {n(summary.related, 'related link')}")


STAGES = {"normalise": "normalising {:,} records", "score": "scoring {:,} pairs of records",
          "cluster": "clustering {:,} pairs found alike"}


def dedup_stages(bar: Progress) -> dd.Progress:
    """Dedup's stage under way, for the progress line (100,000 records take half a minute)."""
    return lambda stage, done, total: bar.show(STAGES[stage].format(total) + "...")


def _pair(text: str) -> tuple[int, int]:
    left, sep, right = text.replace(":", ",").partition(",")
    if not sep or not left.strip().isdigit() or not right.strip().isdigit():
        raise click.BadParameter(f"{text!r}: expected two record ids, ID1,ID2")
    return int(left), int(right)


@cli.group(invoke_without_command=True)
@click.option("--clusters-out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write id,cluster_id (source keys) for every record.")
@click.option("--full", is_flag=True, help="Compare every record again, not only new ones.")
@pass_review
@click.pass_context
def dedup(ctx: click.Context, review: Review, clusters_out: Path | None, full: bool) -> None:
    """Find duplicates: new records against the library; merge, never delete."""
    if ctx.invoked_subcommand is not None:
        return
    before = sc.screening_snapshot(review.library)
    with progress() as bar:
        summary = dd.run(review.library, full=full, progress=dedup_stages(bar))
    click.echo(_summary(summary))
    _say_screening_changes(review.library, before, "dedup")
    if clusters_out:
        with clusters_out.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(["id", "cluster_id"])
            writer.writerows(dd.clusters_table(review.library))


COLUMN = 45


def _side_by_side(library: Library, a: int, b: int) -> str:
    """The pair field by field, '*' where they differ; long values wrap rather than being cut
    (a title that differs only in its last words must show them)."""
    left, right = library.get(a), library.get(b)
    lines = [f"{'':12} {'record ' + str(a):<{COLUMN}} | record {b}"]
    for label, getter in _FIELDS:
        x, y = getter(left), getter(right)
        mark = " " if x == y else "*"
        xs = textwrap.wrap(x, COLUMN, break_on_hyphens=False) or [""]
        ys = textwrap.wrap(y, COLUMN, break_on_hyphens=False) or [""]
        for row, (xl, yl) in enumerate(itertools.zip_longest(xs, ys, fillvalue="")):
            head = f"{mark}{label:<11}" if row == 0 else " " * 12
            lines.append(f"{head} {xl:<{COLUMN}} | {yl}".rstrip())
    detail = dd.pair_detail(library, a, b)
    if detail:
        scores = "".join(f"; {name} similarity {value:.2f}"
                         for name, value in (detail["scores"] or {}).items())
        lines.append(f"  why queued: {detail['reason']['rule']}{scores}")
    return "\n".join(lines)


_FIELDS = (
    ("title", lambda r: r.title or ""), ("authors", Record.authors_short),
    ("year", lambda r: str(r.year or "")), ("journal", lambda r: r.journal or ""),
    ("volume", lambda r: " ".join(filter(None, (r.volume, f"({r.issue})" if r.issue else "")))),
    ("pages", lambda r: r.pages or ""),
    ("doi", lambda r: r.doi or ""), ("pmid", lambda r: r.pmid or ""),
    ("source", lambda r: f"{r.source_db}:{r.source_key}"),
)


@dedup.command("review")
@click.option("--accept", "accepts", multiple=True, metavar="ID1,ID2", help="Mark a pair as the same record.")
@click.option("--reject", "rejects", multiple=True, metavar="ID1,ID2", help="Mark a pair as different.")
@click.option("--list", "list_only", is_flag=True, help="List the queue and exit.")
@pass_review
def review_command(review: Review, accepts: tuple[str, ...], rejects: tuple[str, ...],
                   list_only: bool) -> None:
    """Decide the uncertain pairs: interactively, or with --accept/--reject for scripts."""
    library = review.library
    if accepts or rejects:
        given = [(*_pair(text), True) for text in accepts] + [(*_pair(text), False) for text in rejects]
        before = sc.screening_snapshot(library)
        dd.decide_pairs(library, given)
        for text in accepts:
            click.echo(f"{text}: same record")
        for text in rejects:
            click.echo(f"{text}: different records")
        _say_screening_changes(library, before, "dedup review")
        return
    queue = dd.review_queue(library)
    if list_only or not queue:
        for a, b in queue:
            click.echo(f"{a},{b}")
        click.echo(f"{len(queue)} pairs in the review queue", err=True)
        return
    decided = 0
    before = sc.screening_snapshot(library)
    try:
        for number, (a, b) in enumerate(queue, start=1):
            click.echo(f"\n[{number}/{len(queue)}]\n" + _side_by_side(library, a, b))
            key = click.prompt("same (s), different (d), skip (k), quit (q)",
                               type=click.Choice(["s", "d", "k", "q"]), show_choices=False)
            if key == "q":
                break
            if key in "sd":
                dd.record_decision(library, a, b, same=key == "s")
                decided += 1
    finally:
        if decided:  # each decision is stored as it is taken; the clusters follow them once
            click.echo(f"applying {decided} decision(s)...", err=True)
            click.echo(_summary(dd.decide_pairs(library, [])))
            _say_screening_changes(library, before, "dedup review")


def _say_screening_changes(library: Library, before: sc.ScreeningSnapshot, command: str) -> None:
    """What the merge or split did to screened studies (also written to the audit trail)."""
    for line in sc.screening_changes(library, before, command).lines():
        click.echo(line)


@dedup.command("split")
@click.argument("record")
@pass_review
def split_command(review: Review, record: str) -> None:
    """Dissolve the duplicate cluster that holds RECORD (id, pmid:N or doi:10...)."""
    record_id = _resolve_any(review.library, record)
    before = sc.screening_snapshot(review.library)
    members = dd.cluster_members(review.library, record_id)
    summary = dd.split(review.library, record_id)
    click.echo(f"split: records {', '.join(map(str, sorted(members)))} stand apart, on every later run too")
    click.echo("dedup rerun: " + _summary(summary))
    _say_screening_changes(review.library, before, "dedup split")


@dedup.command("detach")
@click.argument("record")
@pass_review
def detach_command(review: Review, record: str) -> None:
    """Take RECORD out of its duplicate cluster; it is kept apart on every later run."""
    record_id = _resolve_any(review.library, record)
    before = sc.screening_snapshot(review.library)
    others = [m for m in dd.cluster_members(review.library, record_id) if m != record_id]
    summary = dd.detach(review.library, record_id)
    which = "record" if len(others) == 1 else "records"
    click.echo(f"detached: record {record_id} stands apart from {which} "
               f"{', '.join(map(str, sorted(others)))}, on every later run too")
    click.echo("dedup rerun: " + _summary(summary))
    _say_screening_changes(review.library, before, "dedup detach")


def _resolve_any(library: Library, ref: str) -> int:
    """The record itself (not its canonical): detaching a member needs the member's id."""
    if ref.strip().isdigit():
        dd.check_record(library, int(ref))
        return int(ref)
    return library.resolve(ref)
