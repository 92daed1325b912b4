"""Hostile environments (#15): a library the user cannot write, a mistyped --db. A clear message
and a non-zero exit, never a traceback; reading a read-only library works."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from litreview.cli import cli
from litreview.store import Library
from tests.conftest import TEST_DATA

READS = [
    ["prisma", "--format", "json"],
    ["screen", "stats"],
    ["screen", "conflicts"],
    ["searches"],
    ["list"],
    ["show", "1"],
    ["export", "--format", "ris"],
    ["settings", "show"],
]
WRITES = [
    ["decide", "2", "include", "--reviewer", "ana"],
    ["import", str(TEST_DATA / "ris_bom_crlf.ris")],
    ["dedup"],
    ["dedup", "detach", "1"],
    ["settings", "set", "screening.reasons", "wrong population,wrong design"],
    ["tag", "1", "case report"],
    ["note", "1", "check the dose"],
    ["sources", "rename", "MEDLINE", "Ovid MEDLINE"],
    ["search", "--term", "thalassemia"],
]


@contextmanager
def unwritable(*paths: Path) -> Iterator[None]:
    """The paths as a read-only mount or `chattr +i` leaves them. Root writes through file
    modes, so as root the immutable attribute is used (skipped where the file system has none)."""
    if os.geteuid() != 0:
        modes = {path: path.stat().st_mode for path in paths}
        for path in paths:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        return
    if shutil.which("chattr") is None:
        pytest.skip("running as root, and no chattr to make a file immutable")
    done: list[Path] = []
    try:
        for path in paths:
            if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
                pytest.skip("running as root, and this file system has no immutable attribute")
            done.append(path)
        yield
    finally:
        for path in done:
            subprocess.run(["chattr", "-i", str(path)], check=True)


def _review(runner: CliRunner, folder: Path) -> Path:
    """A library with a decision, a note, a tag and a setting, closed (no -wal/-shm beside it)."""
    folder.mkdir()
    db = folder / "library.db"
    for args in (["import", str(TEST_DATA / "ovid_quirks.ris")],
                 ["decide", "1", "include", "--reviewer", "ana"],
                 ["note", "1", "dose?"], ["tag", "1", "adult"],
                 ["settings", "set", "screening.reviewers", "ta=1,ft=1"]):
        result = runner.invoke(cli, ["--db", str(db), *args])
        assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == ["library.db"]
    return db


def _state(db: Path) -> tuple[object, ...]:
    with Library(db) as library:
        return (library.count(), library.settings(), len(library.runs()),
                library.db.execute("SELECT count(*) FROM decisions").fetchone())


@pytest.mark.parametrize("what", ["file", "mount"])
def test_a_read_only_library_is_read_and_refuses_changes_saying_why(
    runner: CliRunner, tmp_path: Path, what: str,
) -> None:
    """'file': the library file is immutable (chattr +i, no write permission); 'mount': its
    folder too, so SQLite cannot make its -shm file beside it (a read-only mount)."""
    db = _review(runner, tmp_path / "review")
    before = {" ".join(args): runner.invoke(cli, ["--db", str(db), *args]) for args in READS}
    assert all(r.exit_code == 0 for r in before.values()), before
    state = _state(db)
    with unwritable(db, *([db.parent] if what == "mount" else [])):
        for args in READS:
            result = runner.invoke(cli, ["--db", str(db), *args])
            assert result.exit_code == 0, (args, result.output)
            assert result.output == before[" ".join(args)].output, args
        for args in WRITES:
            result = runner.invoke(cli, ["--db", str(db), *args])
            assert result.exit_code == 1, (args, result.output)
            assert result.output.splitlines()[-1] == (
                f"Error: the library {db} is read-only (the file cannot be written): nothing was"
                " changed. Reading it works; to change it, make it writable or work on a copy"), args
            assert result.exception is None or isinstance(result.exception, SystemExit)
    assert _state(db) == state


def test_a_read_only_folder_alone_is_read_only_too(runner: CliRunner, tmp_path: Path) -> None:
    db = _review(runner, tmp_path / "review")
    with unwritable(db.parent):
        listed = runner.invoke(cli, ["--db", str(db), "list"])
        assert listed.exit_code == 0 and "2 records" in listed.output
        refused = runner.invoke(cli, ["--db", str(db), "decide", "2", "exclude", "--reviewer", "ana"])
        assert refused.exit_code == 1
        assert f"is read-only (its folder {db.parent} cannot be written)" in refused.output


@pytest.mark.parametrize("args", [*READS, *(a for a in WRITES
                                            if a[0] not in ("import", "search", "settings"))])
def test_a_mistyped_db_says_there_is_no_library_and_makes_none(
    runner: CliRunner, tmp_path: Path, args: list[str],
) -> None:
    _review(runner, tmp_path / "review")
    mistyped = tmp_path / "review" / "libary.db"
    result = runner.invoke(cli, ["--db", str(mistyped), *args])
    if args[:2] == ["settings", "show"]:  # the keys and their defaults, saying there is no library
        assert result.exit_code == 0 and "\nscreening.reviewers = " in result.output
        assert result.output.startswith(f"Note: there is no library at {mistyped}; the defaults:")
    else:
        assert result.exit_code == 1, (args, result.output)
        assert result.output.splitlines()[-1] == (
            f"Error: there is no library at {mistyped}: mistyped --db or LITREVIEW_DB? A new library"
            " is made by a command that adds records: `litreview import FILE`, `litreview search`")
    assert not mistyped.exists()
    assert sorted(p.name for p in mistyped.parent.iterdir()) == ["library.db"]


def test_a_command_that_adds_records_makes_the_library(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    result = runner.invoke(cli, ["--db", str(db), "import", str(TEST_DATA / "ovid_quirks.ris")])
    assert result.exit_code == 0, result.output
    assert db.exists() and "2 added" in result.output
    made = runner.invoke(cli, ["--db", str(tmp_path / "protocol.db"), "settings", "set",
                               "screening.reviewers", "ta=2,ft=1"])
    assert made.exit_code == 0
    assert made.output.startswith(f"Note: there was no library at {tmp_path / 'protocol.db'}; made a new one")
