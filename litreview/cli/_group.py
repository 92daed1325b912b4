"""The root click group. Command modules in this package attach to `cli` on import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from litreview.config import DEFAULT_DB, DEFAULT_QUERIES
from litreview.errors import LitreviewError
from litreview.store import Library


class LitreviewGroup(click.Group):
    """Turns any LitreviewError, and any failure to read or write a named file (a missing
    folder for -o, a full disk, no permission), into 'Error: ...' and exit 1, once, for every
    command."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LitreviewError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            if exc.filename is None:
                raise
            name = str(exc.filename).removesuffix(".part")  # output is written beside, then moved
            raise click.ClickException(f"{name}: {exc.strerror or exc}") from None


class Review:
    """What every command needs: where the library and the saved searches are."""

    def __init__(self, db_path: Path, queries_dir: Path) -> None:
        self.db_path = db_path
        self.queries_dir = queries_dir
        self._library: Library | None = None

    @property
    def library(self) -> Library:
        if self._library is None:
            self._library = Library(self.db_path)
        return self._library

    def close(self) -> None:
        if self._library is not None:
            self._library.close()


pass_review = click.make_pass_decorator(Review)


@click.group(cls=LitreviewGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="litreview")
@click.option(
    "--db", "db_path", envvar="LITREVIEW_DB", default=DEFAULT_DB, show_default=True,
    type=click.Path(dir_okay=False, path_type=Path), help="The review's library (env LITREVIEW_DB).",
)
@click.option(
    "--queries", "queries_dir", envvar="LITREVIEW_QUERIES", default=DEFAULT_QUERIES,
    show_default=True, type=click.Path(file_okay=False, path_type=Path),
    help="Folder of saved searches, one TOML file each.",
)
@click.pass_context
def cli(ctx: click.Context, db_path: Path, queries_dir: Path) -> None:
    """litreview: searches, imports, dedup, screening and PRISMA for a systematic review."""
    review = Review(db_path, queries_dir)
    ctx.obj = review
    ctx.call_on_close(review.close)
