"""litreview search / update / searches."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from litreview import dedup, provenance, settings
from litreview.cli._entrez import entrez_client
from litreview.cli._group import Review, cli, pass_review, plural
from litreview.cli.dedup import dedup_stages
from litreview.cli.progress import Progress, progress
from litreview.errors import LitreviewError
from litreview.pubmed.client import EntrezClient
from litreview.queries import SavedSearch, find_query, load_queries, save_query, validate
from litreview.screening import decisions as sc
from litreview.screening.decisions import ids_with_status
from litreview.search import RunSummary, count_hits, run_search, search_report, update
from litreview.validation import (
    Known,
    check_search,
    known_from_file,
    known_from_pmids,
    known_from_records,
)
from litreview.watch import WatchResult, digest, watch


def _summary_line(summary: RunSummary) -> str:
    return (f"{summary.name}: PubMed reported {summary.count_reported}, "
            f"{summary.count_retrieved} held, {summary.count_new} new (run {summary.run_id})")


def _echo_warnings(summary: RunSummary) -> None:
    for warning in summary.warnings:
        click.echo(f"{summary.name}: PubMed: {warning}", err=True)


def _fetched(bar: Progress) -> Callable[[str, int, int], None]:
    return lambda name, done, total: bar.show(f"{name}: records fetched", done, total)


def _warn_without_email(quiet: bool) -> None:
    client = entrez_client()
    if not client.settings.email and not quiet:
        click.echo("Note: NCBI asks for a contact address; set NCBI_EMAIL.", err=True)


@cli.command()
@click.argument("name", required=False)
@click.argument("checked", required=False, metavar="")
@click.option("--term", help="Run an ad-hoc Entrez query instead of a saved search.")
@click.option("--save", "save_as", metavar="NAME", help="With --term: save it as queries/NAME.toml.")
@click.option("--mindate", help="With --term: YYYY[/MM[/DD]].")
@click.option("--maxdate", help="With --term: YYYY[/MM[/DD]].")
@click.option("--datetype", type=click.Choice(["pdat", "edat", "mdat", "crdt"]), help="With --term.")
@click.option("--count", "count_only", is_flag=True,
              help="Only report how many records PubMed finds; store and log nothing.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@click.option("--known", metavar="FILE|RECORD,...|included",
              help="search check NAME: records known to be relevant (PMIDs, a reference file, or"
                   " 'included').")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="search check NAME: the report's format.")
@pass_review
def search(review: Review, name: str | None, checked: str | None, term: str | None, save_as: str | None,
           mindate: str | None, maxdate: str | None, datetype: str | None, count_only: bool, quiet: bool,
           known: str | None, fmt: str) -> None:
    """Run the saved search NAME (queries/NAME.toml), or --term, into the library.

    `search check NAME --known ...` instead reports how many known relevant records the saved
    search retrieves (relative recall) and why it may miss the others; the check is logged.
    """
    if name == "check" and checked:
        return _check(review, checked, known, fmt)
    if checked or known:
        raise click.UsageError("--known goes with 'search check NAME'" if known
                               else f"unexpected argument {checked!r}")
    if term is not None and not term.strip():
        raise click.UsageError("--term is empty: give the PubMed query to run")
    if save_as is not None and not save_as.strip():
        raise click.UsageError("--save is empty: give the name to save the search under"
                               " (queries/NAME.toml)")
    if save_as is not None and name:
        raise click.UsageError("--save goes with --term: a saved search is saved already")
    if bool(name) == bool(term):
        raise click.UsageError("give a saved search NAME or --term" + (", not both" if name else ""))
    if name:
        saved = find_query(review.queries_dir, name)
    else:
        saved = validate(SavedSearch(name=save_as or "ad-hoc", term=term or "", mindate=mindate,
                                     maxdate=maxdate, datetype=datetype), "--term")
        if save_as and count_only:
            raise click.UsageError("--count stores nothing: drop --save to count, or --count to save")
        if save_as:
            path = save_query(review.queries_dir, saved)
            if not quiet:
                click.echo(f"saved as {path}", err=True)
    _warn_without_email(quiet)
    if count_only:
        found = count_hits(saved, entrez_client())
        click.echo(f"{saved.name}: PubMed finds {found.count} records (nothing stored)")
        if found.translation and not quiet:
            click.echo(f"PubMed's translation: {found.translation}")
        for warning in found.warnings:
            click.echo(f"{saved.name}: PubMed: {warning}", err=True)
        return
    with review.library.update_lock(), progress(enabled=not quiet) as bar:
        summary = run_search(review.library, saved, entrez_client(), _fetched(bar))
    if not quiet:
        click.echo(_summary_line(summary))
        _echo_warnings(summary)


@cli.command("update")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors and watch events (for cron).")
@click.option("--no-dedup", is_flag=True, help="Do not compare the new records against the library.")
@click.option("--no-watch", is_flag=True, help="Do not re-fetch the screened-in studies' PubMed records.")
@click.option("--report", "report_fmt", type=click.Choice(["md"]),
              help="Also write a digest of the night (new records, duplicates, events) to -o.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="With --report.")
@click.option("--fail-on", "fail_on", type=click.Choice(["retraction"]),
              help="Exit non-zero when a screened-in study was retracted (so cron mails it).")
@pass_review
def update_command(review: Review, quiet: bool, no_dedup: bool, no_watch: bool, report_fmt: str | None,
                   output: Path | None, fail_on: str | None) -> None:
    """Run every saved search incrementally: fetch and mark new only what the library lacks,
    then compare the new records against the library (dedup) so each study is screened once, and
    re-fetch the screened-in studies to report retractions, errata, concerns, updates and new
    citations (a living review's watch)."""
    if report_fmt and output is None:
        raise click.UsageError("--report md needs -o FILE")
    searches = load_queries(review.queries_dir)
    if not searches:
        raise LitreviewError(f"no saved searches in {review.queries_dir}/ (one TOML file per search)")
    _warn_without_email(quiet)
    client = entrez_client()
    with progress(enabled=not quiet) as bar:
        result = update(review.library, searches, client, _fetched(bar))
    if result.interrupted and not quiet:
        click.echo(f"{result.interrupted} interrupted earlier run(s) marked; resuming", err=True)
    for summary in result.summaries:
        if not quiet:
            click.echo(_summary_line(summary))
            _echo_warnings(summary)
    merged = None
    if not no_dedup and any(s.count_new for s in result.summaries):
        before = sc.screening_snapshot(review.library)
        with progress(enabled=not quiet) as bar:
            merged = dedup.run(review.library, progress=dedup_stages(bar))
        if not quiet:
            click.echo(f"dedup: {merged.compared} new records compared, {merged.merged} merged duplicates "
                       f"in the library, {merged.queued} pairs queued for review")
        _say_screening_changes(sc.screening_changes(review.library, before, "update"), quiet)
    watched = None if no_watch else _watch(review, client, quiet)
    if report_fmt and output is not None:
        output.write_text(digest(review.library, result.summaries, merged.merged if merged else 0, watched),
                          encoding="utf-8")
    if result.failures:
        details = "\n".join(f"  {name}: {message}" for name, message in result.failures)
        raise LitreviewError(f"{len(result.failures)} of {len(searches)} searches failed:\n{details}")
    if fail_on == "retraction" and watched and watched.retracted():
        pmids = ", ".join(f"pmid:{e.pmid}" for e in watched.retracted())
        raise LitreviewError(f"{len(watched.retracted())} screened-in studies retracted: {pmids}")


def _watch(review: Review, client: EntrezClient, quiet: bool) -> WatchResult:
    if settings.value(review.library, "watch.crossref") == "on" and not quiet:
        click.echo("Note: watch.crossref is on, but Crossref lookups are not built in this version; "
                   "only records with a PMID are watched", err=True)
    with review.library.update_lock():
        watched = watch(review.library, client)
    for event in watched.events:
        click.echo(event.line())
    if not quiet:
        click.echo(f"watch: {watched.watched} screened-in studies re-fetched, {len(watched.events)} changes"
                   + (f", {watched.unwatched} without a PMID not watched" if watched.unwatched else ""))
    return watched


def _say_screening_changes(changes: sc.ClusterChanges, quiet: bool) -> None:
    """What dedup did to screened studies; with --quiet (cron) only what needs a reviewer: new
    conflicts and lowered counts, on stderr."""
    if not quiet:
        for line in changes.lines():
            click.echo(line)
    elif changes.new_conflicts or changes.lowered:
        for line in changes.lines():
            click.echo(line, err=True)


REPORT_COLUMNS = ("run_id", "kind", "database", "name", "query", "limits", "started_at",
                  "finished_at", "status", "count_reported", "count_retrieved", "count_new",
                  "file", "checksum", "query_translation", "warnings", "missing", "error")


@cli.group(invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(["table", "md", "csv", "json"]), default="table",
              show_default=True)
@click.pass_context
def searches(ctx: click.Context, fmt: str) -> None:
    """The log of every search run and import (the PRISMA-S search report); `searches undo RUN`
    removes the records a run added."""
    if ctx.invoked_subcommand is None:
        review = ctx.find_object(Review)
        assert review is not None
        rows = search_report(review.library)
        click.echo(FORMATTERS[fmt](rows), nl=False)


@searches.command("undo")
@click.argument("run_id", metavar="RUN", type=int)
@pass_review
def undo_command(review: Review, run_id: int) -> None:
    """Remove the records that search or import RUN added (refused once any of them was screened).
    Records a later run found again stay; the run stays in the log, marked undone."""
    with review.library.update_lock():
        before = sc.screening_snapshot(review.library)
        done = provenance.undo_run(review.library, run_id)
    line = f"run {run_id} undone: {plural(done.removed, 'record')} removed"
    if done.freed:
        merged = ("1 record merged into them stands on its own" if len(done.freed) == 1 else
                  f"{len(done.freed)} records merged into them stand on their own")
        line += f"; {merged} again (dedup rerun)"
    click.echo(line)
    _say_screening_changes(sc.screening_changes(review.library, before, f"searches undo {run_id}"), False)


def _as_table(rows: list[dict[str, Any]]) -> str:
    wide = max([10, *(len(r["database"] or "") for r in rows)])  # a renamed source is not cut
    lines = [f"{'run':>4}  {'started (UTC)':<25} {'database':<{wide}} {'name':<28} {'status':<11}"
             f" {'reported':>8} {'retrieved':>9} {'new':>6}"]
    for r in rows:
        name = r["name"] or r["file"] or ""
        lines.append(f"{r['run_id']:>4}  {r['started_at']:<25} {r['database'] or '':<{wide}} {name[:28]:<28}"
                     f" {r['status']:<11} {_n(r['count_reported']):>8} {_n(r['count_retrieved']):>9}"
                     f" {_n(r['count_new']):>6}")
    return "\n".join(lines) + "\n"


def _n(value: int | None) -> str:
    return "-" if value is None else str(value)


def _as_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=REPORT_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "limits": json.dumps(row["limits"]) if row["limits"] else "",
                         "warnings": "; ".join(row["warnings"])})
    return out.getvalue()


def _as_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


def _as_markdown(rows: list[dict[str, Any]]) -> str:
    """Grouped by database: what PRISMA-S items 1-13 ask a review to report."""
    out = ["# Search report (PRISMA-S)", ""]
    for database in dict.fromkeys(r["database"] for r in rows):
        out += [f"## {database}", ""]
        for r in (r for r in rows if r["database"] == database):
            out += _markdown_run(r)
    return "\n".join(out) + "\n"


def _markdown_run(r: dict[str, Any]) -> list[str]:
    if r["kind"] == "import":
        return [f"- Import of `{r['file']}` on {r['started_at']} (sha256 {(r['checksum'] or '')[:12]}):"
                f" {_n(r['count_retrieved'])} records read, {_n(r['count_new'])} added; {r['status']}", ""]
    lines = [f"### {r['name']} — run {r['run_id']}, {r['started_at']} ({r['status']})", "",
             "```", r["query"] or "", "```", ""]
    if r["query_translation"]:
        lines += [f"PubMed's translation: `{r['query_translation']}`", ""]
    lines += [f"- PubMed: {warning}" for warning in r["warnings"]] + ([""] if r["warnings"] else [])
    limits = ", ".join(f"{k}={v}" for k, v in (r["limits"] or {}).items()) or "none"
    lines += [f"- Limits: {limits}",
              f"- Records reported: {_n(r['count_reported'])}; retrieved: {_n(r['count_retrieved'])};"
              f" new: {_n(r['count_new'])}", ""]
    if r["error"]:
        lines += [f"- Error: {r['error']}", ""]
    return lines


FORMATTERS = {"table": _as_table, "md": _as_markdown, "csv": _as_csv, "json": _as_json}


def _check(review: Review, name: str, known: str | None, fmt: str) -> None:
    if not known:
        raise click.UsageError("search check NAME needs --known FILE, RECORD,... or included")
    saved = find_query(review.queries_dir, name)
    client = entrez_client()
    result = check_search(review.library, client, saved, _known(review, client, known))
    if fmt == "json":
        click.echo(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
        return
    click.echo(f"{name}: {result.found} of {result.known} known records retrieved "
               f"(relative recall {result.recall:.0%}; run {result.run_id})")
    for missed in result.missed:
        click.echo(f"  missed {('pmid:' + missed.pmid) if missed.pmid else ''} {missed.title}".rstrip())
        for hint in missed.hints:
            click.echo(f"    - {hint}")


def _known(review: Review, client: EntrezClient, known: str) -> list[Known]:
    """--known: 'included', a file, or comma-separated PMIDs / record references."""
    if known.strip().lower() == "included":
        ids = ids_with_status(review.library, "included")
        if not ids:
            raise LitreviewError("--known included: the review has no included studies yet")
        return known_from_records(review.library, client, ids)
    path = Path(known)
    if path.is_file():
        return known_from_file(client, path)
    refs = [part.strip() for part in known.split(",") if part.strip()]
    if refs and all(ref.isdigit() for ref in refs):
        return known_from_pmids(refs)
    if refs and all(ref.lower().startswith(("pmid:", "doi:")) or ref.isdigit() for ref in refs):
        pmids = [ref.split(":", 1)[1].strip() for ref in refs if ref.lower().startswith("pmid:")]
        others = [review.library.resolve(ref) for ref in refs if not ref.lower().startswith("pmid:")]
        return known_from_pmids(pmids) + known_from_records(review.library, client, others)
    raise click.BadParameter(f"{known!r} is not a file, 'included', or a list of PMIDs", param_hint="--known")
