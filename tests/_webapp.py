"""Helpers of the web app's tests: a seeded review, a live server on a free port, Chromium."""

from __future__ import annotations

import re
import shutil
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from litreview.records import AbstractSection, Author, Record
from litreview.store import Library
from litreview.web import server, tokens

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
KEY_TO_RECORD_JS = """
addEventListener('keydown', () => {
  const shown = document.querySelector('#record');
  sessionStorage.setItem('keyAt', String(performance.timeOrigin + performance.now()));
  sessionStorage.setItem('keyOn', shown ? shown.dataset.record : '');
}, true);
function measure() {
  const at = sessionStorage.getItem('keyAt'), shown = document.querySelector('#record');
  if (!at || !shown || shown.dataset.record === sessionStorage.getItem('keyOn')) return;
  sessionStorage.removeItem('keyAt');
  requestAnimationFrame(() => requestAnimationFrame(() => {
    window.__keyToRecord = performance.timeOrigin + performance.now() - Number(at);
  }));
}
addEventListener('DOMContentLoaded', () => {
  measure();
  new MutationObserver(measure).observe(document.documentElement, {childList: true, subtree: true});
});
"""
"""Injected before the page's own script (page.add_init_script): from the keydown event to the
second animation frame after the next record's page is in (the frame that shows it), timed inside
the page, so the test driver's round trips do not count. Read it from window.__keyToRecord (ms).
Shared by tests/test_web_browser.py and benchmarks/bench_web.py."""

SCRIPT_TITLE = 'Evil <script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"> & more'


def records(count: int, start: int = 0) -> list[Record]:
    """Plausible PubMed records: structured abstracts, authors, a DOI; no two alike."""
    found = []
    for i in range(start, start + count):
        found.append(Record(
            title=f"Extramedullary haematopoiesis of the spine, case series {i}: outcomes after radiotherapy",
            pmid=str(20_000_000 + i), doi=f"10.1007/s00586-010-{i:05d}", source_db="PubMed",
            source_key=str(20_000_000 + i), year=2000 + i % 24, journal="European Spine Journal",
            volume=str(19 + i % 5), issue="6", pages=f"{871 + 10 * (i % 90)}-{878 + 10 * (i % 90)}",
            authors=[Author(family="Haidar", given="Rachid", initials="R"),
                     Author(family="Mhaidli", given="Hani", initials="H"),
                     Author(family="Taher", given="Ali T", initials="AT")],
            abstract_sections=[
                AbstractSection("Spinal cord compression from extramedullary haematopoiesis is rare in "
                                "thalassaemia; this series reviews the presentations seen.", "BACKGROUND"),
                AbstractSection(f"We reviewed {10 + i % 40} patients treated with radiotherapy, surgery, "
                                "hypertransfusion or hydroxyurea, alone or combined.", "METHODS"),
                AbstractSection("Radiotherapy relieved compression in most; recurrence followed in a few. "
                                "Paediatric cases were excluded.", "RESULTS"),
            ]))
    return found


def seed(library: Library, count: int = 6, reasons: str = "wrong population,wrong design,not in English",
         reviewers: str | None = None) -> list[int]:
    library.set_setting("screening.reasons", reasons)
    library.set_setting("screening.include_keywords", "radiotherapy,haematopoiesis")
    library.set_setting("screening.exclude_keywords", "paediatric")
    if reviewers:
        library.set_setting("screening.reviewers", reviewers)
    run = library.start_run("import", "PubMed", file="seed.xml")
    added = library.add_records(records(count), run).added_ids
    library.finish_run(run, "complete", count_retrieved=count, count_new=len(added))
    return added


def add_script_record(library: Library) -> int:
    run = library.start_run("import", "RIS", file="planted.ris")
    planted = Record(title=SCRIPT_TITLE, source_db="RIS", source_key="planted-1", year=2020,
                     abstract="An abstract with <b>markup</b> & an <script>alert(1)</script>.")
    added = library.add_records([planted], run).added_ids
    library.finish_run(run, "complete", count_retrieved=1, count_new=1)
    return added[0]


class LiveServer:
    """The real app served by waitress on 127.0.0.1 and a free port, in a thread."""

    def __init__(self, db_path: Path, queries_dir: Path, order: str = "random") -> None:
        self.served = server.bind(db_path, queries_dir, "127.0.0.1", 0, order)
        self.thread = threading.Thread(target=self.served.run, daemon=True)
        self.db_path = db_path

    def link(self, reviewer: str) -> str:
        with Library(self.db_path) as library:
            return self.served.link(tokens.issue(library, reviewer))

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.served.stop(self.thread)


@contextmanager
def live_server(db_path: Path, queries_dir: Path, order: str = "random") -> Iterator[LiveServer]:
    with LiveServer(db_path, queries_dir, order) as live:
        yield live


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, "no form token in the page"
    return found.group(1)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def fetch(url: str, data: dict[str, str] | None = None) -> tuple[int, str]:
    """GET (or POST a form) without following redirects: (status, body)."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, data=body), timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
