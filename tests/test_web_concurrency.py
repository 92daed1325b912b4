"""Several reviewers' browsers, terminal `decide`s, a cron `update` (PubMed, from the E-utilities
stand-in) and a big import at once, against a real `litreview serve` process, which is then killed
mid-request: every acknowledged decision is kept."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

from litreview.screening import decisions as sc
from litreview.store import Library
from tests._webapp import csrf_of, fetch, seed
from tests.eutils_server import Corpus, EutilsServer, StandIn

REVIEWERS = ("ana", "ben", "cat")
TERM = '"Hematopoiesis, Extramedullary"[Mesh] AND thalassemia'
PUBMED_NEW = 1500


def _pubmed(count: int) -> EutilsServer:
    """The stand-in with `count` articles the saved search finds (what tonight's update fetches)."""
    corpus = Corpus()
    pmids = [str(31_000_000 + i) for i in range(count)]
    for i, pmid in enumerate(pmids):
        corpus.add(pmid, date(2020, 1, 1) + timedelta(days=i % 900))
    corpus.terms[TERM] = pmids
    return EutilsServer(StandIn(corpus)).start()


def _ris(path: Path, count: int) -> None:
    lines = []
    for i in range(count):
        lines += ["TY  - JOUR", f"TI  - Imported while screening: record {i} on spinal cord compression",
                  f"AU  - Author{i}, A", "PY  - 2021", "JO  - Spine", f"SP  - {i + 1}", "ER  - ", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def _serve(tmp_path: Path) -> tuple[subprocess.Popen[str], dict[str, str]]:
    env = {**os.environ, "LITREVIEW_DB": str(tmp_path / "library.db")}
    args = [sys.executable, "-m", "litreview", "serve", "--port", "0"]
    for name in REVIEWERS:
        args += ["--reviewer", name]
    process = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    assert process.stdout is not None
    links = {}
    for _ in REVIEWERS:
        name, url = process.stdout.readline().split()
        links[name] = url
    return process, links


def _screen(link: str, rounds: int, acknowledged: list[tuple[str, int]], name: str,
            stop: threading.Event) -> None:
    """Screen as a browser does: load the page, post the decision with its form token."""
    for _ in range(rounds):
        if stop.is_set():
            return
        try:
            status, html = fetch(link + "screen/ta")
            found = re.search(r'data-record="(\d+)"', html)
            if status != 200 or not found:
                return
            record = int(found.group(1))
            form = {"decision": "include", "csrf": csrf_of(html)}
            status, _ = fetch(f"{link}screen/ta/{record}/decide", form)
        except (OSError, http.client.HTTPException):  # the server was killed under us
            return
        if status == 303:
            acknowledged.append((name, record))


def test_nothing_acknowledged_is_lost(tmp_path: Path) -> None:
    db = tmp_path / "library.db"
    with Library(db) as library:
        ids = seed(library, 80)
    _ris(tmp_path / "update.ris", 3000)
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "emh.toml").write_text(f"name = 'emh'\nterm = '''{TERM}'''\n")
    pubmed = _pubmed(PUBMED_NEW)
    process, links = _serve(tmp_path)
    env = {**os.environ, "LITREVIEW_DB": str(db), "LITREVIEW_EUTILS_URL": pubmed.base_url,
           "NCBI_EMAIL": "reviewer@example.org"}
    acknowledged: list[tuple[str, int]] = []
    stop = threading.Event()
    try:
        browsers = [threading.Thread(target=_screen, args=(links[n], 15, acknowledged, n, stop))
                    for n in REVIEWERS]
        for thread in browsers:
            thread.start()
        writers = [subprocess.Popen([sys.executable, "-m", "litreview", *command], cwd=tmp_path, env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                   for command in (["update", "--quiet"], ["import", "update.ris"])]
        terminal = [subprocess.run([sys.executable, "-m", "litreview", "decide", str(record), "exclude",
                                    "--reviewer", "dan", "--reason", "wrong design"], cwd=tmp_path, env=env,
                                   capture_output=True, text=True) for record in ids[-5:]]
        for writer in writers:
            _, errors = writer.communicate(timeout=300)
            assert writer.returncode == 0, errors
        for thread in browsers:
            thread.join(timeout=120)
        assert all(r.returncode == 0 for r in terminal), [r.stderr for r in terminal]
        assert len(acknowledged) == 3 * 15
        # Killed while a browser is still deciding: what it was told is stored, is.
        late = threading.Thread(target=_screen, args=(links["ana"], 200, acknowledged, "ana", stop))
        late.start()
        time.sleep(1.0)
        process.send_signal(signal.SIGKILL)
        late.join(timeout=60)
    finally:
        stop.set()
        process.kill()
        process.communicate(timeout=10)
        pubmed.stop()
    with Library(db) as library:
        for name, record in acknowledged:
            assert name in sc.record_state(library, record, "ta").votes, (name, record)
        for record in ids[-5:]:
            assert sc.record_state(library, record, "ta").votes["dan"] == ("exclude", "wrong design")
        assert library.count("source_db = 'RIS'") == 3000
        assert library.count("source_db = 'PubMed'") == 80 + PUBMED_NEW
        assert [run["status"] for run in library.runs() if run["kind"] == "search"] == ["complete"]
    assert len(acknowledged) > 3 * 15
