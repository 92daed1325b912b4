"""The root click group. Command modules in this package attach to `cli` on import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from litreview.config import DEFAULT_DB, DEFAULT_QUERIES
from litreview.errors import LibraryFileError, LitreviewError
from litreview.store import Library
from litreview.store.library import StoreError, is_read_only, read_only_message

CREATING_COMMANDS = frozenset({"import", "search", "update", "chase"})
"""The commands that add records: only they make a new library where there is none. Any other
command on a path with no library says so (a mistyped --db), instead of making an empty one."""


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
        except StoreError as exc:
            # a write that bypassed Library.transaction(), or a library made read-only while open
            review = ctx.find_object(Review)
            if review is None or not is_read_only(exc):
                raise
            raise click.ClickException(read_only_message(
                review.db_path, "SQLite: attempt to write a readonly database")) from None


class Review:
    """What every command needs: where the library and the saved searches are."""

    def __init__(self, db_path: Path, queries_dir: Path, *, may_create: bool = True) -> None:
        self.db_path = db_path
        self.queries_dir = queries_dir
        self.may_create = may_create
        self._library: Library | None = None

    @property
    def library(self) -> Library:
        if self._library is None:
            if not self.may_create and str(self.db_path) != ":memory:" and not self.db_path.exists():
                raise LibraryFileError(_no_library(self.db_path))
            self._library = Library(self.db_path)
        return self._library

    def close(self) -> None:
        if self._library is not None:
            self._library.close()


def _no_library(path: Path) -> str:
    where = f" (the folder {path.parent} does not exist)" if not path.parent.is_dir() else ""
    return (f"there is no library at {path}{where}: mistyped --db or LITREVIEW_DB? A new library"
            " is made by a command that adds records: `litreview import FILE`, `litreview search`")


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
    review = Review(db_path, queries_dir,
                    may_create=ctx.invoked_subcommand in CREATING_COMMANDS)
    ctx.obj = review
    ctx.call_on_close(review.close)


def plural(n: int, noun: str) -> str:
    """'1 record', '2 records'."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
