"""Key press to next record on screen, in a real browser, at 50,000 records (target under 100 ms).

Builds the library of bench_screener.py (real PubMed records repeated with new PMIDs, half of
them decided by another reviewer, one in ten a merged duplicate), runs `litreview serve` on it as
a reviewer would, and screens with the keyboard in headless Chromium. The time is taken inside the
page: from the keydown event to the second animation frame after the next record's page is
loaded (the frame that shows it), so the Python/CDP round trips of the test driver do not count.
The terminal screener's per-key work on the same library is printed beside it (its peer).

    python benchmarks/bench_web.py [--n 50000] [--presses 200] [--order priority [--pace 0.3]]

With --order priority the server ranks by the model (`serve --order priority`) and re-ranks in the
background every few decisions, so most presses come while a retraining runs; ana has 1,000
decisions (one in ten an include) for the model to learn from, and the feature cache is counted
before the server starts (the one-off count is timed apart).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_screener import build  # noqa: E402

from litreview.screening import decisions as sc  # noqa: E402
from litreview.screening.screener import render  # noqa: E402
from litreview.store import screening as screening_store  # noqa: E402
from tests._webapp import KEY_TO_RECORD_JS as MEASURE  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

KEYS = [("i",), ("e", "2"), ("i",), ("m",), ("e", "1")]
"""What the reviewer presses, in turn: include, exclude with a reason (number key), maybe."""


def prepare(path: Path, n: int) -> list[int]:
    library = build(path, n)
    ids = [r[0] for r in library.db.execute("SELECT id FROM records ORDER BY id")]
    with library.transaction():
        for record_id in ids[: n // 2]:  # another reviewer has screened half the library
            screening_store.insert_decision(library, record_id, "ta", "ben", "exclude", None)
        library.db.conn.executemany(  # and one record in ten is a merged duplicate
            "UPDATE records SET canonical_id = ? WHERE id = ?",
            [(ids[i - 1], ids[i]) for i in range(1, len(ids), 10)])
    library.set_setting("screening.include_keywords", "thalass,haemat")
    library.set_setting("screening.reasons", "wrong population,wrong design,not in English")
    library.close()
    return ids


def terminal_peer(path: Path, presses: int) -> list[float]:
    """What the terminal screener does between two keys (decide, fetch, render), reviewer 'cy'."""
    from litreview.store import Library

    with Library(path) as library:
        todo = sc.screening_order(library, "cy", "ta")
        times = []
        for position in range(presses):
            start = time.perf_counter()
            sc.decide(library, todo[position], "include", "ta", "cy")
            record = library.get(todo[position + 1])
            earlier = [str(e) for e in sc.earlier_decisions(library, record.id or 0)]
            render(record, ["thalass"], ["mice"], "", earlier)
            times.append((time.perf_counter() - start) * 1000)
    return times


def learn(path: Path, ids: list[int]) -> float:
    """Priority order: ana's 1,000 decisions on the half not screened by ben, and the one-off
    count of every record for the feature cache (seconds)."""
    from litreview.screening import ranking
    from litreview.store import Library

    canonical = [record_id for at, record_id in enumerate(ids) if at % 10 != 1]  # not merged copies
    with Library(path) as library:
        with library.transaction():
            for k, record_id in enumerate(canonical[len(canonical) // 2: len(canonical) // 2 + 1000]):
                screening_store.insert_decision(library, record_id, "ta", "ana",
                                                "include" if k % 10 == 0 else "exclude", None)
        start = time.perf_counter()
        ranking.priority_order(library, "ana", "ta")
        return time.perf_counter() - start


def serve(path: Path, order: str = "random") -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "LITREVIEW_DB": str(path)}
    command = [sys.executable, "-m", "litreview", "serve", "--reviewer", "ana", "--port", "0",
               "--order", order]
    process = subprocess.Popen(command, cwd=path.parent, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    return process, process.stdout.readline().split()[1]


def browser_presses(link: str, presses: int, chromium: str, pace: float = 0.0) -> tuple[float, list[float]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 900})
        page.add_init_script(MEASURE)
        start = time.perf_counter()
        page.goto(link)
        page.wait_for_selector("#record")
        first = (time.perf_counter() - start) * 1000
        times = []
        for press in range(presses):
            time.sleep(pace)
            shown = page.get_attribute("#record", "data-record")
            page.evaluate("window.__keyToRecord = null")
            keys = KEYS[press % len(KEYS)]
            for key in keys[:-1]:  # e opens the reason picker: timed from the reason's key
                page.keyboard.press(key)
                page.wait_for_selector("#picker:not([hidden])")
            page.keyboard.press(keys[-1])
            page.wait_for_selector(f"#record:not([data-record='{shown}'])")
            value = None
            while value is None:
                value = page.evaluate("window.__keyToRecord")
            times.append(float(value))
        page.reload()
        page.wait_for_selector("#record")
        if page.locator("#order-note").count():  # priority order: what the model had learnt by the end
            print(f"browser: order note after the presses: {page.inner_text('#order-note')!r}")
        browser.close()
    return first, times


def summary(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[int(len(times) * 0.95)]
    return f"median {statistics.median(times):.1f} ms, 95th percentile {p95:.1f} ms, max {times[-1]:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--order", choices=["random", "priority"], default="random")
    parser.add_argument("--pace", type=float, default=0.0,
                        help="seconds between presses (a reviewer reads; the model retrains meanwhile)")
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("bench_web needs Debian's chromium (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "library.db"
        start = time.perf_counter()
        ids = prepare(path, args.n)
        print(f"library of {len(ids)} records ({args.n // 2} decided by another reviewer, "
              f"{len(ids) // 10} merged duplicates) built in {time.perf_counter() - start:.0f} s")
        if args.order == "priority":
            print(f"priority order: ana has 1000 decisions; one-off count of the feature cache "
                  f"{learn(path, ids):.1f} s; the server re-ranks every few decisions in the background")
        process, link = serve(path, args.order)
        try:
            first, times = browser_presses(link, args.presses, chromium, args.pace)
        finally:
            process.terminate()
            process.communicate(timeout=30)
        print(f"browser: first page (builds the reviewer's order) {first:.0f} ms")
        print(f"browser: key press -> next record on screen, {args.presses} presses (i, e+reason, m in "
              f"turn): {summary(times)}"
              " (target < 100 ms)")
        print(f"terminal screener, same library, per key: {summary(terminal_peer(path, args.presses))}")


if __name__ == "__main__":
    main()
