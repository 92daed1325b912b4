"""Hostile environments (#15): a library the user cannot write, a mistyped --db. A clear message
and a non-zero exit, never a traceback; reading a read-only library works."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from litreview.cli import _entrez as entrez_cli
from litreview.cli import cli
from litreview.pubmed.client import EntrezClient
from litreview.store import Library
from tests.conftest import TEST_DATA, FakeClock, StandInFixture

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
    ["fulltext", "1", "--retrieved", "paper.pdf"],
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


# -- E-utilities that cannot be reached, or a base URL that is not one -----------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed when the block ends: nothing listens there


@pytest.mark.parametrize("url", ["notaurl", "htp://eutils.ncbi.nlm.nih.gov/entrez/eutils", "http://",
                                 "https://eutils.ncbi.nlm.nih.gov:port/entrez/eutils"])
def test_a_base_url_that_is_not_an_http_url_is_a_message_before_any_request(
    runner: CliRunner, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, url: str,
) -> None:
    """'notaurl' gave a traceback (ValueError: unknown url type); 'htp://' was retried 6 times."""
    monkeypatch.setenv("LITREVIEW_EUTILS_URL", url)
    for args in (["search", "--term", "thalassemia"], ["search", "--term", "thalassemia", "--count"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 1, result.output
        assert result.output.splitlines()[-1] == (
            f"Error: LITREVIEW_EUTILS_URL is {url!r}, not an http(s) URL: expected the E-utilities"
            " base URL, e.g. https://eutils.ncbi.nlm.nih.gov/entrez/eutils")
    assert clock.sleeps == []


def test_a_base_url_from_the_config_file_names_the_file(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = tmp_path / "litreview.toml"
    config.write_text('[ncbi]\neutils_url = "eutils.ncbi.nlm.nih.gov/entrez/eutils"\n')
    monkeypatch.setenv("LITREVIEW_CONFIG", str(config))
    monkeypatch.delenv("LITREVIEW_EUTILS_URL")
    result = runner.invoke(cli, ["search", "--term", "thalassemia", "--count"])
    assert result.exit_code == 1
    assert f"Error: {config}: [ncbi] eutils_url is 'eutils.ncbi.nlm.nih.gov/entrez/eutils', not an" \
        " http(s) URL" in result.output


def test_a_refused_connection_fails_at_once_saying_what_was_tried(
    runner: CliRunner, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nothing listens on the port: no retry can help (before: six attempts, 62 s of silence)."""
    port = _closed_port()
    url = f"http://127.0.0.1:{port}/entrez/eutils"
    monkeypatch.setenv("LITREVIEW_EUTILS_URL", url)
    monkeypatch.setattr(entrez_cli, "on_terminal", lambda: True)  # a retry would be shown
    for args in (["search", "--term", "thalassemia"], ["search", "--term", "thalassemia", "--count"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 1, result.output
        assert result.output.splitlines()[-1] == (
            f"Error: cannot reach E-utilities at 127.0.0.1:{port}: connection refused - nothing"
            f" answers on that port (tried {url})")
        assert "retry" not in result.output and "Traceback" not in result.output
    assert [s for s in clock.sleeps if s >= 1] == []  # no backoff (0.37 s: NCBI's rate limit)
    with Library(Path("library.db")) as library:
        assert [run["status"] for run in library.runs("search")] == ["failed"]


def test_a_name_that_does_not_resolve_fails_at_once_offline(
    runner: CliRunner, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No network: NCBI's name does not resolve (the resolver is stood in for; no test needs
    the internet)."""
    asked: list[str] = []

    def no_dns(host: str, *args: object, **kwargs: object) -> list[object]:
        asked.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    monkeypatch.setenv("LITREVIEW_EUTILS_URL", "https://eutils.ncbi.nlm.nih.gov/entrez/eutils")
    result = runner.invoke(cli, ["search", "--term", "thalassemia", "--count"])
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[-1] == (
        "Error: cannot reach E-utilities at eutils.ncbi.nlm.nih.gov: name not resolved - offline, or"
        " a mistyped host? (tried https://eutils.ncbi.nlm.nih.gov/entrez/eutils)")
    assert asked == ["eutils.ncbi.nlm.nih.gov"] and clock.sleeps == []


def _fill(eutils: StandInFixture, count: int) -> None:
    for number in range(count):
        eutils.corpus.add(str(30_000_000 + number), date(2020, 1, 1) + timedelta(days=number))
    eutils.corpus.terms["thalassemia"] = [str(30_000_000 + n) for n in range(count)]


@pytest.mark.parametrize("terminal", [True, False])
def test_retries_are_for_429_and_5xx_and_shown_on_a_terminal(
    runner: CliRunner, eutils: StandInFixture, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
    terminal: bool,
) -> None:
    _fill(eutils, 3)
    eutils.stand_in.faults.extend(["503", "429", "500"])  # type: ignore[attr-defined]
    monkeypatch.setattr(entrez_cli, "on_terminal", lambda: terminal)
    result = runner.invoke(cli, ["search", "--term", "thalassemia", "--quiet"])
    assert result.exit_code == 0, result.output
    shown = [line for line in result.output.splitlines() if line.startswith("PubMed: ")]
    assert shown == ([
        "PubMed: esearch: HTTP 503; retry 2 of 6 in 2 s",
        "PubMed: esearch: HTTP 429; retry 3 of 6 in 4 s",
        "PubMed: esearch: HTTP 500; retry 4 of 6 in 8 s",
    ] if terminal else [])
    assert [s for s in clock.sleeps if s >= 2] == [2.0, 4.0, 8.0]
    with Library(Path("library.db")) as library:
        assert library.count() == 3


def test_a_timeout_is_retried(eutils: StandInFixture, clock: FakeClock) -> None:
    """A server that answers nothing within the timeout is retried (it was reached: it may be
    busy), as 429 and 5xx are; the retry is told to the caller."""
    _fill(eutils, 2)
    eutils.stand_in.faults.append("stall1")  # type: ignore[attr-defined]
    told: list[str] = []
    found = EntrezClient(timeout=0.3, on_retry=told.append).search_ids("thalassemia")
    assert found.count == 2
    assert told == ["esearch: timed out; retry 2 of 6 in 2 s"]


# -- the small ones ---------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["detach", "split"])
def test_dedup_detach_or_split_of_a_record_in_no_cluster_says_so(
    runner: CliRunner, tmp_path: Path, command: str,
) -> None:
    db = _review(runner, tmp_path / "review")
    result = runner.invoke(cli, ["--db", str(db), "dedup", command, "2"])
    assert result.exit_code == 1
    assert result.output == (f"Error: record 2 is in no duplicate cluster: nothing to {command}"
                             " (`litreview dedup` finds duplicates)\n")


def test_removing_a_tag_the_record_does_not_have_says_so(runner: CliRunner, tmp_path: Path) -> None:
    db = _review(runner, tmp_path / "review")  # record 1 is tagged 'adult'
    typo = runner.invoke(cli, ["--db", str(db), "tag", "1", "adlt", "--remove"])
    assert typo.exit_code == 1
    assert typo.output == "Error: record 1 has no tag 'adlt' (its tags: 'adult'): nothing removed\n"
    none = runner.invoke(cli, ["--db", str(db), "tag", "2", "adult", "--remove"])
    assert none.output == "Error: record 2 has no tag 'adult' (its tags: none): nothing removed\n"
    removed = runner.invoke(cli, ["--db", str(db), "tag", "1", "adult", "--remove"])
    assert removed.exit_code == 0 and removed.output == "record 1: tag 'adult' removed\n"


@pytest.mark.parametrize("args,said", [
    (["--term", "thalassemia", "--save", ""], "--save is empty: give the name to save the search under"),
    (["--term", "thalassemia", "--save", "  "], "--save is empty"),
    (["emh", "--save", "other"], "--save goes with --term"),
])
def test_an_empty_or_misplaced_save_name_is_refused(
    runner: CliRunner, tmp_path: Path, args: list[str], said: str,
) -> None:
    """`--save ""` silently did not save."""
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "emh.toml").write_text('name = "emh"\nterm = "emh"\n')
    result = runner.invoke(cli, ["search", *args])
    assert result.exit_code == 2 and f"Error: {said}" in result.output
    assert sorted(p.name for p in (tmp_path / "queries").iterdir()) == ["emh.toml"]
    assert not (tmp_path / "library.db").exists()
