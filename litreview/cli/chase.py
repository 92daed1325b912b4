"""litreview chase backward|forward|similar|resolve."""

from __future__ import annotations

from pathlib import Path

import click

from litreview import chase as ch
from litreview import dedup
from litreview.cli._entrez import entrez_client
from litreview.cli._group import Review, cli, pass_review
from litreview.cli.dedup import dedup_stages
from litreview.cli.progress import progress
from litreview.errors import ChaseError
from litreview.screening import decisions as sc
from litreview.screening.decisions import ids_with_status


@cli.group()
def chase() -> None:
    """Citation searching through PubMed: references, citing records, similar articles, and
    reference lists pasted from a paper or a PubMed page."""


def _from_option(f: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--from", "sources", default="included", show_default=True, metavar="included|RECORD,...",
        help="Records to chase from: the included studies, or ids, pmid:NNN, doi:10....")(f)


def _chase_from(review: Review, sources: str) -> list[int]:
    if sources.strip().lower() == "included":
        ids = ids_with_status(review.library, "included")
        if not ids:
            raise ChaseError("no included studies to chase from; give --from RECORD,...")
        return ids
    refs = [part.strip() for part in sources.split(",") if part.strip()]
    if not refs:
        raise click.BadParameter("give 'included' or record references", param_hint="--from")
    return [review.library.resolve(ref) for ref in refs]


def _run_chase(review: Review, direction: ch.Direction, sources: str, top: int, no_dedup: bool) -> None:
    record_ids = _chase_from(review, sources)
    with review.library.update_lock():
        with progress() as bar:
            result = ch.chase(review.library, entrez_client(), direction, record_ids, top=top,
                              progress=bar.show)
    for record_id, why in result.skipped:
        click.echo(f"skipped record {record_id}: {why}", err=True)
    if result.unknown:
        click.echo(f"PubMed no longer has: {', '.join('pmid:' + p for p in result.unknown)}", err=True)
    line = (f"chase {direction.value} from {len(result.sources)} records (run {result.run_id}): "
            f"{result.found} found, {len(result.new_records)} new, {result.already_held} already held")
    click.echo(line)
    if direction is ch.Direction.BACKWARD and (result.only_in_elink or result.only_in_reference_lists):
        click.echo(f"  references only ELink listed: {result.only_in_elink}; only the records' PubMed "
                   f"reference lists: {result.only_in_reference_lists} (both used)")
    if result.not_fetched:
        click.echo(f"  not returned by efetch: {', '.join(result.not_fetched)} (chase again later)", err=True)
    _dedup_new(review, len(result.new_records), no_dedup)


_no_dedup_option = click.option("--no-dedup", is_flag=True,
                                help="Do not compare the new records against the library.")


def _dedup_new(review: Review, new: int, no_dedup: bool) -> None:
    if no_dedup or not new:
        return
    before = sc.screening_snapshot(review.library)
    with progress() as bar:
        merged = dedup.run(review.library, progress=dedup_stages(bar))
    click.echo(f"dedup: {merged.compared} new records compared, {merged.merged} merged duplicates, "
               f"{merged.queued} pairs to review")
    for line in sc.screening_changes(review.library, before, "chase").lines():
        click.echo(line)


@chase.command()
@_from_option
@_no_dedup_option
@pass_review
def backward(review: Review, sources: str, no_dedup: bool) -> None:
    """The references of the records (ELink pubmed_pubmed_refs and PubMed's reference lists)."""
    _run_chase(review, ch.Direction.BACKWARD, sources, 0, no_dedup)


@chase.command()
@_from_option
@_no_dedup_option
@pass_review
def forward(review: Review, sources: str, no_dedup: bool) -> None:
    """The PubMed records that cite the records (ELink pubmed_pubmed_citedin)."""
    _run_chase(review, ch.Direction.FORWARD, sources, 0, no_dedup)


@chase.command()
@_from_option
@click.option("--top", type=click.IntRange(1, 500), default=ch.DEFAULT_TOP, show_default=True,
              help="Similar articles kept per record, best score first.")
@_no_dedup_option
@pass_review
def similar(review: Review, sources: str, top: int, no_dedup: bool) -> None:
    """PubMed's similar articles of the records (ELink pubmed_pubmed, neighbor_score)."""
    _run_chase(review, ch.Direction.SIMILAR, sources, top, no_dedup)


@chase.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only report what matches; store nothing.")
@click.option("--from", "from_ref", metavar="RECORD", help="The record whose reference list this is.")
@_no_dedup_option
@pass_review
def resolve(review: Review, file: Path, dry_run: bool, from_ref: str | None, no_dedup: bool) -> None:
    """Match a reference list (pasted text, RIS, BibTeX, nbib) to PMIDs and store the matches.

    Each reference is matched by a PMID or DOI in it, then ECitMatch (journal, year, volume, first
    page, author), then a search on its title words with author and year.
    """
    from_record = review.library.resolve(from_ref) if from_ref else None
    with review.library.update_lock(), progress() as bar:
        result = ch.resolve(review.library, entrez_client(), file, dry_run=dry_run, from_record=from_record,
                            progress=bar.show)
    for r in result.resolutions:
        click.echo(_resolution_line(r))
    counts = ", ".join(f"{result.count(o)} {o.value}" for o in ch.Outcome if result.count(o))
    click.echo(f"{file.name}: {len(result.resolutions)} references: {counts}")
    if result.stored is not None:
        stored = result.stored
        click.echo(f"stored (run {result.run_id}): {len(stored.new_records)} new records, "
                   f"{stored.already_held} already held")
        _dedup_new(review, len(stored.new_records), no_dedup)
    elif dry_run:
        click.echo("dry run: nothing stored")


def _resolution_line(r: ch.Resolution) -> str:
    c = r.citation
    what = " ".join(part for part in (c.first_author, c.year, c.journal) if part) or c.text[:60]
    if r.outcome is ch.Outcome.MATCHED:
        return f"{c.number:>4}  matched    pmid:{r.pmid} ({r.how})  {what}"
    if r.outcome is ch.Outcome.AMBIGUOUS:
        return f"{c.number:>4}  ambiguous  candidates {', '.join('pmid:' + p for p in r.candidates)}  {what}"
    if r.outcome is ch.Outcome.NOT_A_REFERENCE:
        return f"{c.number:>4}  not a reference (no year or identifier): {c.text[:70]}"
    return f"{c.number:>4}  not found  {what}"
