"""litreview decide / fulltext / note / screen ... : screening from the command line."""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from litreview.cli._group import Review, cli, pass_review, plural
from litreview.errors import ScreeningError
from litreview.screening import agreement, exchange
from litreview.screening import decisions as sc
from litreview.screening.screener import KEYS, render, search_words
from litreview.screening.stopping import StoppingRule, p_text, parse_rule
from litreview.selection import kept_record

reviewer_option = click.option("--reviewer", envvar="LITREVIEW_REVIEWER",
                               help="Who decides (env LITREVIEW_REVIEWER).")
stage_option = click.option("--stage", type=click.Choice(sc.STAGES), default="ta", show_default=True,
                            help="ta = title/abstract, ft = full text.")


@cli.command()
@click.argument("record")
@click.argument("decision", type=click.Choice(sc.DECISIONS))
@click.option("--reason", help="Exclusion reason (required for full-text exclusions).")
@click.option("--force", is_flag=True, help="Re-decide title/abstract of a record already decided at "
              "full text (logged).")
@stage_option
@reviewer_option
@pass_review
def decide(review: Review, record: str, decision: str, reason: str | None, force: bool, stage: str,
           reviewer: str | None) -> None:
    """Record a decision on RECORD (id, pmid:NNN or doi:10...); it counts for every copy of the study."""
    record_id = sc.decide(review.library, record, decision, stage, reviewer, reason, force=force)
    click.echo(f"record {record_id}: {decision} at {sc.STAGE_NAMES[stage]} by {reviewer}")


@cli.command()
@click.argument("record")
@click.option("--retrieved", metavar="PATH_OR_URL", help="Where the full-text report is.")
@click.option("--not-retrieved", is_flag=True, help="The report could not be obtained.")
@reviewer_option
@pass_review
def fulltext(review: Review, record: str, retrieved: str | None, not_retrieved: bool,
             reviewer: str | None) -> None:
    """Record whether the full-text report of RECORD was retrieved (PRISMA's reports sought)."""
    if bool(retrieved) == not_retrieved:
        raise click.UsageError("give --retrieved PATH_OR_URL or --not-retrieved")
    record_id = sc.record_fulltext(review.library, record, bool(retrieved), retrieved, reviewer)
    click.echo(f"record {record_id}: " + (f"retrieved at {retrieved}" if retrieved else "not retrieved"))


@cli.command()
@click.argument("record")
@click.argument("text")
@reviewer_option
@pass_review
def note(review: Review, record: str, text: str, reviewer: str | None) -> None:
    """Attach a note to RECORD."""
    click.echo(f"note added to record {sc.add_note(review.library, record, text, reviewer)}")


@cli.command("tag")
@click.argument("record")
@click.argument("name")
@click.option("--remove", is_flag=True, help="Take the tag off.")
@reviewer_option
@pass_review
def tag_command(review: Review, record: str, name: str, remove: bool, reviewer: str | None) -> None:
    """Tag RECORD (e.g. 'case report', 'check with Ali'); --remove takes it off."""
    record_id = sc.tag(review.library, record, name, reviewer, remove)
    click.echo(f"record {record_id}: tag {name!r} " + ("removed" if remove else "added"))


@cli.group(invoke_without_command=True)
@stage_option
@reviewer_option
@click.option("--order", type=click.Choice(sc.ORDERS), default="random", show_default=True,
              help="priority: the likely includes first, by a model of the decisions so far.")
@pass_review
@click.pass_context
def screen(ctx: click.Context, review: Review, stage: str, reviewer: str | None, order: str) -> None:
    """Screen interactively, one key a decision (subcommands: conflicts, resolve, stats, next, stop,
    simulate, ...)."""
    if ctx.invoked_subcommand is None:
        _interactive(review, stage, reviewer, order)


def _interactive(review: Review, stage: str, reviewer: str | None, order: str) -> None:
    library = review.library
    settings = sc.load_settings(library)
    reviewer = sc.check_reviewer(settings, reviewer)
    include = settings.include_keywords or search_words(review.queries_dir)
    exclude = settings.exclude_keywords
    # priority: start at once in the random order; the model's order replaces the rest of the
    # list whenever a (re)training in the background finishes, so no key press waits for it
    ranker = _start_ranker(review.db_path, reviewer, stage) if order == "priority" else None
    if ranker is not None:  # what the stopping rule says now; again with every new order
        from litreview.screening import stopping

        rule_state = stopping.state(library, stage)
        if rule_state.rule is not None:
            click.echo(f"Stopping rule: {rule_state.message()}")
    try:
        todo = sc.screening_order(library, reviewer, stage, "random" if ranker else order)
        total, done, started = len(todo), 0, time.monotonic()
        style = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        position = 0
        history: list[int] = []
        while position < len(todo):
            if ranker is not None:
                todo = _take_new_order(ranker, todo, position)
                total = len(todo)
                if position >= len(todo):
                    break
            record = kept_record(library, todo[position])  # with what dedup filled from its copies
            pace = f"{done / ((time.monotonic() - started) / 60):.1f}/min" if done else "-"
            marks = " · NEW since " + (record.added_at or "")[:10] if record.is_new else ""
            extras = sc.tags(library, record.id or 0)
            marks += f" · tags: {', '.join(extras)}" if extras else ""
            header = f"[{position + 1} of {total}] {sc.STAGE_NAMES[stage]} · {reviewer} · pace {pace}{marks}"
            # decisions on merged copies count for the study (a reviewer who made one is not offered
            # it again); other reviewers' stay hidden: screening is blinded until resolved
            own_notes = [text for who, text in sc.notes(library, record.id or 0) if who == reviewer]
            click.echo("\n" + render(record, include, exclude, header, [], style=style, notes=own_notes))
            key = _key()
            if key == "q":
                break
            if key == "s":
                position += 1
            elif key == "u":
                try:
                    row = sc.undo(library, reviewer, stage)
                except ScreeningError as exc:
                    click.echo(str(exc))
                    continue
                if history:
                    position, done = history.pop(), done - 1
                else:
                    todo.insert(position, row["record_id"])
                    total += 1
                click.echo(f"undone: {row['decision']} on record {row['record_id']}")
            elif key == "n":
                sc.add_note(library, record.id or 0, click.prompt("note"), reviewer)
            elif key in KEYS:
                reason = _pick_reason(settings, stage) if key == "e" else None
                sc.decide(library, record.id or 0, KEYS[key], stage, reviewer, reason)
                history.append(position)
                position += 1
                done += 1
                if ranker is not None:
                    ranker.decided()
    finally:
        if ranker is not None:
            ranker.close()
    click.echo(f"\n{done} decisions this session; {max(total - position, 0)} left")


RETRAIN_EVERY = 5
"""Decisions between two retrainings of the priority model (each runs in the background)."""


RANKER_PROCESS = True
"""Retrain in a worker process (not a thread): key presses never share the GIL with the model."""


def _start_ranker(db_path: Path, reviewer: str, stage: str) -> Any:
    from litreview.screening import ranking  # scikit-learn loads only when asked for

    compute = functools.partial(ranking.priority_order_with_state, db_path, reviewer, stage)
    ranker = ranking.BackgroundRanker(compute, every=RETRAIN_EVERY, process=RANKER_PROCESS)
    ranker.start()
    return ranker


def _take_new_order(ranker: Any, todo: list[int], position: int) -> list[int]:
    """The records already shown stay; the rest follow the newest order (if one is ready)."""
    try:
        new = ranker.poll()
    except Exception as exc:  # a failure in the background: the session goes on in the order held
        click.echo(f"(priority order not updated: {exc})")
        return todo
    if new is None:
        return todo
    shown = set(todo[:position])
    if new.message:
        click.echo(f"({new.message})")
    if new.stopping:
        click.echo(f"Stopping rule: {new.stopping}")
    return todo[:position] + [i for i in new.ids if i not in shown]


def _key() -> str:
    try:
        return click.getchar() or "q"  # nothing more to read (end of input): quit, not spin
    except OSError:  # no terminal to read a key from: cron, a pipe, ssh without -t
        raise click.ClickException(
            "litreview screen reads one key at a time from a terminal, and there is none here;"
            " in scripts, record decisions with: litreview decide RECORD include|exclude"
            " --reviewer NAME") from None


def _pick_reason(settings: sc.ScreeningSettings, stage: str) -> str | None:
    if not settings.reasons:
        return click.prompt("reason", default="", show_default=False) or None
    for number, reason in enumerate(settings.reasons, start=1):
        click.echo(f"  {number}. {reason}")
    optional = " (Enter for none)" if stage == "ta" else ""
    while True:
        answer = click.prompt(f"reason number{optional}", default="", show_default=False)
        if not answer and stage == "ta":
            return None
        if answer.isdigit() and 1 <= int(answer) <= len(settings.reasons):
            return settings.reasons[int(answer) - 1]
        click.echo(f"expected a number from 1 to {len(settings.reasons)}")


@screen.command("conflicts")
@stage_option
@click.option("--format", "fmt", type=click.Choice(["text", "csv"]), default="text", show_default=True)
@pass_review
def conflicts_command(review: Review, stage: str, fmt: str) -> None:
    """Records the reviewers disagree on."""
    rows = sc.conflicts(review.library, stage)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["record_id", "stage", "votes", "conflict"])
        for state in rows:
            votes = "; ".join(f"{r}={d}" for r, (d, _) in state.votes.items())
            writer.writerow([state.record_id, stage, votes, state.conflict or ""])
        click.echo(out.getvalue(), nl=False)
        return
    for state in rows:
        click.echo(f"record {state.record_id}: {state.conflict}")
    click.echo(f"{plural(len(rows), 'conflict')} at {sc.STAGE_NAMES[stage]}", err=True)


@screen.command("resolve")
@click.argument("record")
@click.argument("decision", type=click.Choice(["include", "exclude"]))
@click.option("--reason")
@stage_option
@reviewer_option
@pass_review
def resolve_command(review: Review, record: str, decision: str, reason: str | None, stage: str,
                    reviewer: str | None) -> None:
    """Settle a conflict on RECORD."""
    record_id = sc.resolve(review.library, record, decision, stage, reviewer, reason)
    click.echo(f"record {record_id}: resolved as {decision} by {reviewer}")


@screen.command("stats")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_review
def stats_command(review: Review, fmt: str) -> None:
    """Agreement (Cohen's kappa with 95% CI, percent agreement) and counts per stage; records
    screened and left, includes found and the stopping rule's state at title/abstract."""
    from litreview.screening import stopping

    result = agreement.stats(review.library)
    rule_state = stopping.state(review.library, "ta")
    if fmt == "json":
        click.echo(json.dumps({**result, "stopping": {
            "phase": str(rule_state.phase), "rule": rule_state.rule.parameters() if rule_state.rule else None,
            "left": rule_state.left, **rule_state.statistic(), "says": rule_state.says()}}, indent=2))
        return
    for stage, figures in result.items():
        if figures["n_both"]:
            compared = plural(figures["n_both"], "pair") + " of decisions on the same record"
            click.echo(f"{sc.STAGE_NAMES[stage]}: {_agreement_text(figures, compared)}")
        else:
            click.echo(f"{sc.STAGE_NAMES[stage]}: no record decided by two reviewers")
        counts = ", ".join(f"{n} {decision}" for decision, n in figures["counts"].items())
        outcomes = ", ".join(f"{n} {status}" for status, n in sorted(figures["outcomes"].items()))
        click.echo(f"  decisions: {counts}; records: {outcomes or 'none'}")
        for pair, of_pair in figures["pairs"].items():
            both = plural(of_pair["n_both"], "record") + " decided by both"
            click.echo(f"  {' and '.join(pair.split('|'))}: {_agreement_text(of_pair, both)}")
    click.echo(f"stopping ({sc.STAGE_NAMES['ta']}): {rule_state.message()}")


def _agreement_text(figures: dict[str, Any], compared: str) -> str:
    """'40 records decided by both, agreement 90%, kappa 0.78 (95% CI 0.59 to 0.97)'; kappa is
    '-' where it is undefined (every decision the same)."""
    kappa = "-" if figures["kappa"] is None else f"{figures['kappa']:.2f}"
    ci = figures["kappa_ci"]
    ci_text = f" (95% CI {ci[0]:.2f} to {ci[1]:.2f})" if ci else ""
    return f"{compared}, agreement {figures['agreement']:.0%}, kappa {kappa}{ci_text}"


@screen.command("undo")
@stage_option
@reviewer_option
@click.option("--force", is_flag=True,
              help="Undo a title/abstract decision of a record already decided at full text (logged).")
@pass_review
def undo_command(review: Review, stage: str, reviewer: str | None, force: bool) -> None:
    """Undo your last decision at this stage (kept in the audit trail as undone)."""
    row = sc.undo(review.library, reviewer, stage, force=force)
    click.echo(f"undone: {row['decision']} on record {row['record_id']}")


@screen.command("audit")
@click.argument("record", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_review
def audit_command(review: Review, record: str | None, fmt: str) -> None:
    """What changed screening without a decision: merges, splits, forced re-decisions (of RECORD's
    study, or all). The decisions themselves: litreview screen export."""
    events = sc.audit_events(review.library, record)
    if fmt == "json":
        click.echo(json.dumps(events, indent=2))
        return
    for event in events:
        where = f"record {event['record_id']}" if event["record_id"] else "library"
        who = f" by {event['reviewer']}" if event["reviewer"] else ""
        click.echo(f"{event['created_at']}  {where}: {event['event']}{who}: {event['detail']}")
    click.echo(f"{plural(len(events), 'event')}", err=True)


@screen.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@pass_review
def export_command(review: Review, path: Path) -> None:
    """Write every decision (the audit trail) to a CSV another reviewer can import."""
    click.echo(f"{exchange.export_decisions(review.library, path)} decisions written to {path}")


@screen.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@pass_review
def import_command(review: Review, path: Path) -> None:
    """Merge another reviewer's decisions; conflicts appear as if screened here (and are said,
    with every PRISMA box the new decisions moved)."""
    before = sc.decision_snapshot(review.library)
    added, skipped = exchange.import_decisions(review.library, path)
    click.echo(f"{plural(added, 'decision')} added, {skipped} already here")
    if added:
        for line in sc.decision_changes(review.library, before, f"screen import {path.name}"):
            click.echo(line)


@screen.command("simulate")
@click.argument("labelled", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--label", default="label_included", show_default=True, help="The 0/1 column.")
@click.option("--seed", type=int, default=0, show_default=True, help="Chooses the priors (and the sample).")
@click.option("--prior-included", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--prior-excluded", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--stopping", default="recall=0.95,confidence=0.95", show_default=True,
              help="The stopping rule to replay (as the screening.stopping setting).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the order screened: rank,record,label.")
def simulate_command(labelled: Path, label: str, seed: int, prior_included: int, prior_excluded: int,
                     stopping: str, out: Path | None) -> None:
    """Replay LABELLED.csv (title, abstract, a 0/1 label) as if screened in priority order."""
    from litreview.screening import simulation  # scikit-learn loads in a second: only when asked
    from litreview.screening.ranking import NO_TERMS

    rule = parse_rule(stopping)
    data = simulation.read_labelled(labelled, label)
    result = simulation.simulate(data, seed, prior_included, prior_excluded, rule=rule)
    if out is not None:
        _write_order(out, [data.ids[i] for i in result.order], result.labels.tolist())
    figures = simulation.metrics(result.labels, result.stop)
    if not result.trained:
        click.echo(f"{data.path.name}: random order: the model cannot be trained: {NO_TERMS}")
    click.echo(f"{data.path.name}: {figures['n']} records, {figures['includes']} includes; "
               f"95% found after {figures['screened_to_95%']}, all after {figures['screened_to_100%']}")
    click.echo(_stop_line(figures, result.stop.statistic, rule))
    click.echo(json.dumps({key: figures[key] for key in SIMULATION_KEYS}))


SIMULATION_KEYS = ("n", "includes", "wss@95", "recall@10%", "screened_to_95%", "screened_to_100%",
                   "stopped_at", "recall_at_stop")


def _stop_line(figures: dict[str, Any], statistic: dict[str, Any], rule: StoppingRule) -> str:
    if figures["stopped_at"] is None:
        return f"stopping rule ({rule.describe()}): never stopped early; every record screened"
    p = f", p = {p_text(statistic['p_value'], rule.alpha)}" if "p_value" in statistic else ""
    return (f"stopping rule ({rule.describe()}): stop after {figures['stopped_at']} records{p}, "
            f"recall then {figures['recall_at_stop']:.1%}, work saved {figures['work_saved_at_stop']:.1%}")


def _write_order(path: Path, records: list[str], labels: list[int]) -> None:
    """Written beside and moved into place: a failed run leaves no half file."""
    part = path.with_name(path.name + ".part")
    with part.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["rank", "record", "label"])
        writer.writerows((n, record, y) for n, (record, y) in enumerate(zip(records, labels), start=1))
    os.replace(part, path)


@screen.command("next")
@stage_option
@reviewer_option
@click.option("--n", "count", type=click.IntRange(min=1), default=1, show_default=True,
              help="How many record ids to print.")
@pass_review
def next_command(review: Review, stage: str, reviewer: str | None, count: int) -> None:
    """Print the ids of the next records to screen in priority order (for scripts using decide)."""
    from litreview.screening import ranking  # scikit-learn loads only when asked for

    reviewer = sc.check_reviewer(sc.load_settings(review.library), reviewer)
    from litreview.screening import stopping

    order = ranking.priority_order(review.library, reviewer, stage)
    for record_id in order.ids[:count]:
        click.echo(record_id)
    click.echo(order.message, err=True)
    rule_state = stopping.state(review.library, stage)
    if rule_state.rule is not None:
        click.echo(f"stopping rule: {rule_state.message()}", err=True)


@screen.command("stop")
@stage_option
@reviewer_option
@pass_review
def stop_command(review: Review, stage: str, reviewer: str | None) -> None:
    """Stop screening on the stopping rule's word (written to the audit trail with its statistic)."""
    from litreview.screening import stopping

    reviewer = sc.check_reviewer(sc.load_settings(review.library), reviewer)
    now = stopping.stop(review.library, reviewer, stage)
    click.echo(f"screening at {sc.STAGE_NAMES[stage]} stopped by {reviewer}: {now.says()}")
