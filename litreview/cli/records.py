"""litreview show / list / sources: find a record and see everything about it."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import click

from litreview import provenance
from litreview.cli._group import Review, cli, pass_review, plural
from litreview.record_view import RecordView, record_view
from litreview.records import STORE_FIELDS, Author, Record
from litreview.screening.status import RecordState, record_states
from litreview.selection import select, status_names
from litreview.store import catalogue

STAGE_NAMES = {"ta": "title/abstract", "ft": "full text"}
HIDDEN = {*STORE_FIELDS, "source_db", "source_key", "abstract_sections"}
"""Shown elsewhere in `show` (provenance, study) or repeated by another field (abstract)."""


def _author(author: Author) -> str:
    if author.collective:
        return author.collective
    name = ", ".join(p for p in (author.family, author.given or author.initials) if p)
    return f"{name} {author.suffix}" if author.suffix else name


def _value(name: str, value: Any) -> str | None:
    """A field as one line of text (lists '; '-joined), or None when it is empty."""
    if value in (None, "", [], {}):
        return None
    if name in ("authors", "editors"):
        return "; ".join(_author(a) for a in value)
    if name == "mesh":
        return "; ".join(("*" if h.major else "") + h.descriptor for h in value)
    if name == "corrections":
        return "; ".join(f"{c.type} {c.pmid or c.ref or ''}".strip() for c in value)
    if name == "extra":
        return "; ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def field_lines(record: Record) -> list[str]:
    lines = []
    for name in Record.__dataclass_fields__:
        text = None if name in HIDDEN else _value(name, getattr(record, name))
        if text is not None:
            lines.append(f"  {name}: {text}")
    return lines


def _state_line(state: RecordState | None) -> str:
    if state is None:
        return "Screening: -"
    text = f"Screening: {state.status.value}"
    if state.duplicate_of is not None:
        text += f" of record {state.duplicate_of}"
    if state.stage:
        text += f" ({STAGE_NAMES[state.stage]}{': ' + state.decision if state.decision else ''})"
    text += f", reason: {state.reason}" if state.reason else ""
    return text + (f"; {state.conflict}" if state.conflict else "")


def _run_line(run: dict[str, Any]) -> str:
    what = f"search {run['name']!r}" if run["kind"] == "search" else f"import of {run['file']}"
    return f"run {run['id']}, {what}, {run['started_at']}"


def show_lines(view: RecordView) -> list[str]:
    record = view.record
    lines = [f"Record {record.id}: {record.title}"]
    if view.retracted:
        lines.append("RETRACTED: PubMed marks this study as retracted")
    lines += [
             f"Source: {record.source_db} {record.source_key} ({_run_line(view.run)};"
             f" added {record.added_at})"]
    lines += [_chase_line(c) for c in view.chased]
    others = [m for m in view.members if m.id != view.canonical_id]
    if record.id != view.canonical_id:
        canonical = view.members[0]
        lines.append(f"Study: merged into record {canonical.id}"
                     f" ({canonical.source_db} {canonical.source_key})")
    elif others:
        lines.append("Study: the record kept; its merged duplicates: "
                     + ("record " if len(others) == 1 else "records ")
                     + ", ".join(f"{m.id} ({m.source_db} {m.source_key})" for m in others))
    else:
        lines.append("Study: no duplicates")
    lines.append(_state_line(view.state))
    lines += ["Fields:", *field_lines(record)]
    if view.state and view.state.filled and record.id == view.canonical_id:
        lines.append("Filled from duplicates:")
        lines += [f"  {name}: {value} (from record {donor})"
                  for name, (value, donor) in view.state.filled.items()]
    lines += _history(view)
    for version in view.versions:
        changed = ", ".join(f"{name} was {value}" for name, value in version["old"].items())
        lines.append(f"Earlier version (replaced {version['replaced_at']}, run {version['run_id']}):"
                     f" {changed}")
    return lines


def _chase_line(link: dict[str, Any]) -> str:
    when = f"(run {link['run_id']}, {link['found_at']})"
    if link["from_record_id"] is None:
        return f"Found by citation chasing: a resolved reference list {when}"
    return f"Found by citation chasing: {link['direction']} from record {link['from_record_id']} {when}"


def _on(view: RecordView, row: dict[str, Any]) -> str:
    return "" if row["record_id"] == view.canonical_id else f" (on record {row['record_id']})"


def _history(view: RecordView) -> list[str]:
    lines = ["Decisions:" if view.decisions else "Decisions: none"]
    for d in view.decisions:
        text = f"  {d['created_at']}  {STAGE_NAMES[d['stage']]}: {d['decision']} by {d['reviewer']}"
        text += f", reason: {d['reason']}" if d["reason"] else ""
        text += " (resolution)" if d["kind"] == "resolve" else ""
        text += " [undone]" if d["undone"] else ""
        text += f" [imported from {d['origin']}]" if d["origin"] else ""
        lines.append(text + _on(view, d))
    if view.fulltexts:
        lines.append("Full text:")
        for f in view.fulltexts:
            got = f"retrieved: {f['location']}" if f["retrieved"] else "not retrieved"
            by = f" by {f['reviewer']}" if f["reviewer"] else ""
            lines.append(f"  {f['created_at']}  {got}{by}{_on(view, f)}")
    lines.append("Notes:" if view.notes else "Notes: none")
    lines += [f"  {n['created_at']}  {n['reviewer'] or '-'}: {n['text']}{_on(view, n)}" for n in view.notes]
    tags = sorted({t["tag"] for t in view.tags})
    lines.append(f"Tags: {', '.join(tags) if tags else 'none'}")
    return lines


@cli.command()
@click.argument("record")
@pass_review
def show(review: Review, record: str) -> None:
    """Everything about RECORD (id, pmid:NNN or doi:10...): fields, source, study (cluster),
    screening decisions with reviewer and time, full text, notes and tags."""
    click.echo("\n".join(show_lines(record_view(review.library, record))))


LIST_COLUMNS = ("record_id", "status", "year", "authors", "title", "source_db", "source_key")


def _list_row(record: Record, state: RecordState | None) -> dict[str, Any]:
    return {"record_id": record.id, "status": state.status.value if state else "",
            "year": record.year, "authors": record.authors_short(), "title": record.title,
            "source_db": record.source_db, "source_key": record.source_key}


def _table(rows: list[dict[str, Any]]) -> str:
    lines = [f"{'id':>6}  {'status':<19} {'year':<4}  {'first author':<20} {'source':<12} title"]
    for r in rows:
        first = r["authors"].split(";")[0]
        lines.append(f"{r['record_id']:>6}  {r['status']:<19} {r['year'] or '':<4}  {first[:20]:<20} "
                     f"{(r['source_db'] or '')[:12]:<12} {r['title'][:70]}")
    return "\n".join(lines) + "\n"


@cli.command("list")
@click.option("--status", type=click.Choice(status_names()), default="unique", show_default=True,
              help="all, unique (one per study), new, or a screening status (included, excluded, "
                   "maybe, unscreened, conflict).")
@click.option("--search", "words", help="Only records whose title, abstract or authors hold every word.")
@click.option("--source", help="Only records from this source (database) name.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True)
@pass_review
def list_command(review: Review, status: str, words: str | None, source: str | None, fmt: str) -> None:
    """Find records by status, words and source."""
    library = review.library
    states = record_states(library)
    found = select(library, status, (words or "").split(), source)
    rows = [_list_row(r, states.get(r.id or 0)) for r in found]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=LIST_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        click.echo(out.getvalue(), nl=False)
    else:
        click.echo(_table(rows), nl=False)
        click.echo(plural(len(rows), 'record'), err=True)


@cli.group(invoke_without_command=True)
@click.pass_context
def sources(ctx: click.Context) -> None:
    """The sources (databases) records came from, with their record counts."""
    if ctx.invoked_subcommand is None:
        review = ctx.find_object(Review)
        assert review is not None
        for name, count in catalogue.source_counts(review.library).items():
            click.echo(f"{count:>8}  {name}")


@sources.command("rename")
@click.argument("old")
@click.argument("new")
@pass_review
def rename(review: Review, old: str, new: str) -> None:
    """Relabel every record and run of source OLD as NEW (e.g. "BibTeX" "Google Scholar")."""
    done = provenance.rename_source(review.library, old, new)
    also = f"; settings {', '.join(done.settings)} updated" if done.settings else ""
    click.echo(f"{old} -> {new}: {plural(done.records, 'record')}, {plural(done.runs, 'run')}{also}")
