"""litreview settings."""

from __future__ import annotations

import click

from litreview.cli._group import Review, cli, pass_review
from litreview.screening.decisions import SETTING_HELP, validate_setting


@cli.group()
def settings() -> None:
    """Review settings: reviewers per stage, exclusion reasons, keywords."""


@settings.command("set")
@click.argument("key")
@click.argument("value")
@pass_review
def set_command(review: Review, key: str, value: str) -> None:
    """Set KEY to VALUE (see `settings show` for the keys)."""
    review.library.set_setting(key, validate_setting(key, value))
    click.echo(f"{key} = {value}")


@settings.command("show")
@pass_review
def show_command(review: Review) -> None:
    """Every setting with its value and meaning."""
    values = review.library.settings()
    for key, meaning in SETTING_HELP.items():
        click.echo(f"{key} = {values.get(key, '')}    # {meaning}")
