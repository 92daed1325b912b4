"""litreview settings."""

from __future__ import annotations

import click

from litreview import settings as registry
from litreview.cli._group import Review, cli, pass_review


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
    review.library.set_setting(key, checked)
    if new:
        click.echo(f"Note: there was no library at {review.db_path}; made a new one", err=True)
    click.echo(f"{key} = {value}")


@settings.command("unset")
@click.argument("key")
@pass_review
def unset_command(review: Review, key: str) -> None:
    """Return KEY to its default."""
    default = registry.lookup(key).default
    review.library.delete_setting(key)
    click.echo(f"{key} = {default}    (default)")


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
