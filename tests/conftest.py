"""Shared fixtures. No test touches a real library, a real config file or the internet."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from litreview.store import Library

SHARED_DATA = (Path(__file__).resolve().parents[2] / "shared" / "data").resolve()
TEST_DATA = Path(__file__).resolve().parent / "data"
# The project's own copies and cuts of files under ../shared/data, at the same relative paths
# (tests/data/README.md says which file is whole and which is cut, and where each comes from).
OWN_CUTS = TEST_DATA / "shared"
HAVE_SHARED = SHARED_DATA.is_dir()
SHARED_ABSENT = (f"needs the shared test corpora ../shared/data (not found at {SHARED_DATA}): "
                 "present in CI and in the team's layout, absent in a bare clone")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "shared_data: the test reads ../shared/data; skipped with a reason when it is absent")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In a clone with nothing beside it, every test that needs ../shared/data (marked
    `shared_data`, or taking the `shared_data` fixture) is skipped, saying why."""
    if HAVE_SHARED:
        return
    skip = pytest.mark.skipif(True, reason=SHARED_ABSENT)
    for item in items:
        if item.get_closest_marker("shared_data") or "shared_data" in getattr(item, "fixturenames", ()):
            item.add_marker(skip)


def own_cut(relative: str) -> Path:
    """tests/data/shared/<relative>: the project's copy (or cut) of ../shared/data/<relative>."""
    path = OWN_CUTS / relative
    assert path.is_file(), f"no own copy of {relative} under {OWN_CUTS}"
    return path


def article_set(count: int, broken_at: int | None = None, empty_at: int | None = None) -> bytes:
    """A PubmedArticleSet of `count` copies of tests/data/pubmed_future.xml's article, PMIDs
    70000000 on; article `broken_at` has a mismatched end tag, article `empty_at` is empty."""
    template = (TEST_DATA / "pubmed_future.xml").read_bytes()
    found = re.search(rb"<PubmedArticle>.*?</PubmedArticle>", template, re.S)
    assert found is not None
    parts = [b'<?xml version="1.0" encoding="UTF-8"?>\n<PubmedArticleSet>\n']
    for number in range(count):
        one = re.sub(rb"<PMID Version=\"1\">\d+", b'<PMID Version="1">%d' % (70_000_000 + number),
                     found.group(0))
        if number == broken_at:
            one = one.replace(b"</ArticleTitle>", b"</ArticleTitel>")
        if number == empty_at:
            one = b"<PubmedArticle><MedlineCitation/></PubmedArticle>"
        parts.append(one + b"\n")
    parts.append(b"</PubmedArticleSet>\n")
    return b"".join(parts)


@pytest.fixture(autouse=True)
def isolated_review(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test runs in an empty review folder with no NCBI credentials and no config file."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LITREVIEW_DB", str(tmp_path / "library.db"))
    monkeypatch.setenv("LITREVIEW_QUERIES", str(tmp_path / "queries"))
    monkeypatch.setenv("LITREVIEW_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("LITREVIEW_EUTILS_URL", "http://127.0.0.1:9/not-running")
    for name in ("NCBI_API_KEY", "NCBI_EMAIL", "LITREVIEW_REVIEWER"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, always present beside the project in CI; the test is skipped without it."""
    if not HAVE_SHARED:
        pytest.skip(SHARED_ABSENT)
    return SHARED_DATA


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    lib = Library(tmp_path / "library.db")
    yield lib
    lib.close()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


class FakeClock:
    """Stands in for the `time` module where the client waits, so tests control time."""

    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """Virtual time for the client's rate limit and backoff: nothing really sleeps."""
    import litreview.pubmed.client

    fake = FakeClock()
    monkeypatch.setattr(litreview.pubmed.client, "time", fake)
    monkeypatch.setattr(litreview.pubmed.client.NCBI_RATE, "_previous", float("-inf"))
    return fake


@pytest.fixture
def eutils(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandInFixture]:
    """The E-utilities stand-in on 127.0.0.1, with LITREVIEW_EUTILS_URL pointing at it."""
    from tests.eutils_server import Corpus, EutilsServer, StandIn

    stand_in = StandIn(Corpus())
    server = EutilsServer(stand_in).start()
    monkeypatch.setenv("LITREVIEW_EUTILS_URL", server.base_url)
    monkeypatch.setenv("NCBI_EMAIL", "reviewer@example.org")
    yield StandInFixture(server, stand_in)
    server.stop()


class StandInFixture:
    def __init__(self, server: object, stand_in: object) -> None:
        self.server = server
        self.stand_in = stand_in
        self.corpus = stand_in.corpus  # type: ignore[attr-defined]
