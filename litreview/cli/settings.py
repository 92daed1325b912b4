"""litreview settings."""

from __future__ import annotations

import click

from litreview import settings as registry
from litreview.cli._group import Review, cli, pass_review
from litreview.screening import decisions as sc


@cli.group()
def settings() -> None:
    """Review settings: reviewers per stage, exclusion reasons, keywords, PRISMA."""


@settings.command("set")
@click.argument("key")
@click.argument("value")
@pass_review
def set_command(review: Review, key: str, value: str) -> None:
    """Set KEY to VALUE (see `settings show` for the keys).

    The review's protocol may come before its first search: where there is no library yet, this
    makes one, and says so."""
    checked = registry.validate(key, value)
    new = not review.db_path.exists()
    review.may_create = True
    before = sc.decision_snapshot(review.library)
    review.library.set_setting(key, checked)
    if new:
        click.echo(f"Note: there was no library at {review.db_path}; made a new one", err=True)
    click.echo(f"{key} = {value}")
    _say_changes(review, before, f"settings set {key}")


@settings.command("unset")
@click.argument("key")
@pass_review
def unset_command(review: Review, key: str) -> None:
    """Return KEY to its default."""
    default = registry.lookup(key).default
    before = sc.decision_snapshot(review.library)
    review.library.delete_setting(key)
    click.echo(f"{key} = {default}    (default)")
    _say_changes(review, before, f"settings unset {key}")


def _say_changes(review: Review, before: sc.DecisionSnapshot, command: str) -> None:
    """Reviewers per stage, what a maybe means, which sources are other methods: settings that
    move studies between PRISMA's boxes say which moved (and it is logged)."""
    for line in sc.decision_changes(review.library, before, command):
        click.echo(line)


@settings.command("show")
@pass_review
def show_command(review: Review) -> None:
    """Every setting with its value and meaning (the defaults where there is no library yet)."""
    if review.db_path.exists():
        values = review.library.settings()
    else:
        values = {}
        click.echo(f"Note: there is no library at {review.db_path}; the defaults:", err=True)
    for key, setting in registry.registry().items():
        click.echo(f"{key} = {values.get(key, setting.default)}    # {setting.help}")
