"""The web app in headless Chromium, used as a reviewer uses it: keys, buttons, screenshots.

Needs Debian's chromium (/usr/bin/chromium) and the playwright package (its driver; its own browser
download is not used). Each test saves a screenshot of every page it visits under its tmp folder.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from litreview import dedup
from litreview.records import Author, Correction, Record
from litreview.screening import decisions as sc
from litreview.store import Library
from litreview.store import screening as screening_store
from litreview.web import tokens
from tests._webapp import CHROMIUM, CHROMIUM_ARGS, SCRIPT_TITLE, add_script_record, live_server, seed

playwright_api = pytest.importorskip("playwright.sync_api",
                                     reason="playwright is not installed (pip install -e '.[test]')")
if CHROMIUM is None:
    pytest.skip("no chromium on this machine (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


SHOTS = Path(os.environ.get("LITREVIEW_WEB_SHOTS") or Path(tempfile.gettempdir()) / "web-shots")
"""A copy of every screenshot, by page name, for a person to look at after the run (set
LITREVIEW_WEB_SHOTS to a folder of your own where several runs share the machine)."""


def shot(page: Any, tmp_path: Path, name: str) -> Path:
    """The page as a reviewer sees it (the window, not the whole scroll), under the test's tmp
    folder and copied to SHOTS."""
    path = tmp_path / "screenshots" / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, SHOTS / path.name)
    return path


def _record_id(page: Any) -> int:
    return int(page.get_attribute("#record", "data-record"))


def _tab_to(page: Any, selector: str) -> None:
    """Press Tab until the element has the focus, as a keyboard user does."""
    for _ in range(40):
        if page.evaluate("s => document.activeElement === document.querySelector(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reaches {selector}")


def _votes(db: Path, record_id: int, stage: str = "ta") -> dict[str, tuple[str, str | None]]:
    with Library(db) as library:
        return sc.record_state(library, record_id, stage).votes


def test_screening_with_the_keyboard(tmp_path: Path, page: Any) -> None:
    db = tmp_path / "library.db"
    with Library(db) as library:
        seed(library, 6)
    with live_server(db, tmp_path / "queries") as live:
        page.goto(live.link("ana"))
        page.wait_for_selector("#record")
        shot(page, tmp_path, "screen-ta")
        assert page.locator("mark.inc").count() > 0 and page.locator("mark.exc").count() > 0
        assert page.locator("#abstract .label").all_inner_texts() == ["BACKGROUND", "METHODS", "RESULTS"]
        assert page.locator("#keywords mark.inc").all_inner_texts() == ["radiotherapy", "haematopoiesis"]
        assert page.locator("#keywords mark.exc").all_inner_texts() == ["paediatric"]
        shown = _record_id(page)
        with Library(db) as library:
            pmid, doi = library.get(shown).pmid, library.get(shown).doi
        assert [(a.inner_text(), a.get_attribute("href")) for a in page.locator(".links a").all()] == [
            (f"PubMed {pmid}", f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"),
            (f"doi:{doi}", f"https://doi.org/{doi}")]
        assert "0 of 6 decided" in page.inner_text(".progress")
        first = _record_id(page)
        page.keyboard.press("i")
        page.wait_for_selector(f"#record:not([data-record='{first}'])")
        second = _record_id(page)
        assert _votes(db, first) == {"ana": ("include", None)}
        page.keyboard.press("e")
        page.wait_for_selector("#picker:not([hidden])")
        shot(page, tmp_path, "screen-ta-reasons")
        page.keyboard.press("2")
        page.wait_for_selector(f"#record:not([data-record='{second}'])")
        assert _votes(db, second) == {"ana": ("exclude", "wrong design")}
        third = _record_id(page)
        page.keyboard.press("s")
        page.wait_for_selector(f"#record:not([data-record='{third}'])")
        fourth = _record_id(page)
        assert _votes(db, third) == {}
        page.keyboard.press("m")
        page.wait_for_selector(f"#record:not([data-record='{fourth}'])")
        assert _votes(db, fourth) == {"ana": ("maybe", None)}
        page.keyboard.press("u")
        page.wait_for_selector(f"#record[data-record='{fourth}']")
        assert _votes(db, fourth) == {}
        assert "2 of 6 decided" in page.inner_text(".progress")
        # three decisions made here: a pace, and the 4 records left forecast at it
        assert re.fullmatch(r"pace \d+\.\d/min · under a minute left", page.inner_text("#pace"))
        page.keyboard.press("n")
        page.keyboard.type("check the dose")
        page.keyboard.press("Enter")
        page.wait_for_selector("text=check the dose")
        page.keyboard.press("t")
        page.keyboard.type("case report")
        page.keyboard.press("Enter")
        page.wait_for_selector(".taglist >> text=case report")
        shot(page, tmp_path, "screen-ta-notes")
    with Library(db) as library:
        assert screening_store.tags_of(library, fourth) == ["case report"]
        assert screening_store.notes_of(library, fourth) == [("ana", "check the dose")]


def test_blinding_conflicts_and_overview(tmp_path: Path, page: Any) -> None:
    db = tmp_path / "library.db"
    with Library(db) as library:
        ids = seed(library, 4, reviewers="2")
        sc.decide(library, ids[0], "exclude", "ta", "ana", "wrong population")
        sc.decide(library, ids[1], "include", "ta", "ana")
        sc.decide(library, ids[1], "exclude", "ta", "ben", "wrong design")
    with live_server(db, tmp_path / "queries") as live:
        page.goto(live.link("ben").rstrip("/") + f"/screen/ta/{ids[0]}")
        html = page.content()
        assert re.search(r"\bana\b", html) is None and page.locator(".pill").count() == 0
        assert "Your decision" not in html
        shot(page, tmp_path, "screen-blinded")
        page.click("text=Conflicts")
        page.wait_for_selector(f"#conflict-{ids[1]}")
        assert "wrong design" in page.inner_text(f"#conflict-{ids[1]}")
        assert page.locator(f"#conflict-{ids[0]}").count() == 0
        page.click(f"#conflict-{ids[1]} summary")
        assert "Radiotherapy relieved compression" in page.inner_text(f"#conflict-{ids[1]} details")
        shot(page, tmp_path, "conflicts")
        # With the keyboard alone: Tab to the reason, type its first letters, Tab to the button.
        _tab_to(page, f"#conflict-{ids[1]} select")
        page.keyboard.type("wrong d")
        assert page.input_value(f"#conflict-{ids[1]} select") == "wrong design"
        _tab_to(page, f"#conflict-{ids[1]} button.exc")
        page.keyboard.press("Enter")
        page.wait_for_selector("text=No conflicts")
        with Library(db) as library:
            state = sc.record_state(library, ids[1], "ta")
        assert state.status == "resolved" and state.outcome == "exclude"
        page.click("text=Overview")
        page.wait_for_selector("img[alt^='PRISMA']")
        assert page.evaluate("document.querySelector(\"img[alt^='PRISMA']\").decode().then(() => true)")
        # ana include, ben exclude on one record: both voted 1, agreement 0%
        assert page.inner_text("#kappa-ta").split("\t")[:3] == ["title/abstract", "1", "0%"]
        assert page.locator("#kappa-ft").count() == 1
        log = page.inner_text("#search-log")
        assert "seed.xml" in log and "PubMed" in log
        assert page.inner_text("#search-log .pill") == "complete"  # the seed's import was finished
        shot(page, tmp_path, "overview")


def test_script_in_a_title_does_not_run(tmp_path: Path, page: Any) -> None:
    db = tmp_path / "library.db"
    with Library(db) as library:
        seed(library, 1)
        planted = add_script_record(library)
    with live_server(db, tmp_path / "queries") as live:
        page.goto(live.link("ana").rstrip("/") + f"/screen/ta/{planted}")
        page.wait_for_selector("#title")
        assert page.inner_text("#title") == SCRIPT_TITLE
        assert page.evaluate("window.pwned") is None
        shot(page, tmp_path, "planted-script")
        # Reached with the keyboard, the page is swapped in by the page's script: still inert.
        page.goto(live.link("ana").rstrip("/") + "/screen/ta")
        page.wait_for_selector("#record")
        for _ in range(2):  # at least one key press, the planted record reached by one
            shown = page.get_attribute("#record", "data-record")
            page.keyboard.press("s")
            page.wait_for_selector(f"#record:not([data-record='{shown}'])")
            if page.get_attribute("#record", "data-record") == str(planted):
                break
        assert page.inner_text("#title") == SCRIPT_TITLE
        assert page.evaluate("window.pwned") is None


def test_missing_or_wrong_token_is_refused(tmp_path: Path, page: Any) -> None:
    db = tmp_path / "library.db"
    with Library(db) as library:
        seed(library, 2)
    with live_server(db, tmp_path / "queries") as live:
        good = live.link("ana")
        base = good.split("/r/")[0]
        revoked = live.link("ben")
        assert page.goto(revoked).status == 200 and "haematopoiesis" in page.content()
        with Library(db) as library:
            tokens.revoke(library, "ben")
        for url in (base + "/", base + "/r/" + "x" * 32 + "/screen/ta", good.replace(good[-6:-1], "AAAAA"),
                    revoked, revoked + "overview"):
            response = page.goto(url)
            assert response.status == 403
            assert "haematopoiesis" not in page.content()
        shot(page, tmp_path, "refused")


def test_full_text_and_duplicates_pages(tmp_path: Path, page: Any) -> None:
    db = tmp_path / "library.db"
    with Library(db) as library:
        ids = seed(library, 3)
        sc.decide(library, ids[0], "include", "ta", "ana")
    with live_server(db, tmp_path / "queries") as live:
        page.goto(live.link("ana").rstrip("/") + "/fulltext")
        _tab_to(page, f"#ft-{ids[0]} input[name=location]")
        page.keyboard.type("pdfs/haidar.pdf")
        page.keyboard.press("Enter")
        page.wait_for_selector(f"#ft-{ids[0]} >> text=pdfs/haidar.pdf")
        shot(page, tmp_path, "fulltext")
        page.click(f"#ft-{ids[0]} >> text=Assess")
        page.wait_for_selector("#record")
        page.wait_for_load_state("load")
        page.keyboard.press("e")
        page.wait_for_selector("#picker:not([hidden])")
        shot(page, tmp_path, "screen-ft-reasons")
        page.keyboard.press("1")
        page.wait_for_selector("text=Nothing left for you at full text")
        shot(page, tmp_path, "screen-ft-done")
        with Library(db) as library:
            assert sc.record_state(library, ids[0], "ft").votes == {"ana": ("exclude", "wrong population")}
        page.keyboard.press("u")  # the last decision can be taken back from the done page too
        page.wait_for_selector(f"#record[data-record='{ids[0]}']")
        assert _votes(db, ids[0], "ft") == {}
        page.keyboard.press("e")
        page.wait_for_selector("#picker:not([hidden])")
        page.keyboard.press("1")
        page.wait_for_selector("text=Nothing left for you at full text")
        assert _votes(db, ids[0], "ft") == {"ana": ("exclude", "wrong population")}
        with Library(db) as library:
            sc.decide(library, ids[1], "include", "ta", "ana")
        page.click('nav >> text="Full text"')
        page.click(f"#ft-{ids[1]} >> text=Not retrieved")
        page.wait_for_selector(f"#ft-{ids[1]} .pill.exclude")
        with Library(db) as library:
            assert sc.screening_flow(library).reports_not_retrieved == [ids[1]]
        page.click("text=Duplicates")
        page.wait_for_selector("h1:has-text('Duplicates')")
        shot(page, tmp_path, "duplicates-empty")


def test_duplicates_side_by_side(tmp_path: Path, page: Any) -> None:
    db = tmp_path / "library.db"
    title = "Iron overload and extramedullary hematopoiesis in beta thalassaemia intermedia"
    with Library(db) as library:
        run = library.start_run("import", "Lens")
        thesis = {"authors": [Author(family="Haidar", given="Rachid")], "year": 2014}
        a, b = library.add_records([
            Record(title=title, source_db="Lens", source_key="1-a", abstract="Thesis on iron overload.",
                   **thesis),
            Record(title=title + " - eScholarship", source_db="Lens", source_key="1-b", **thesis),
        ], run).added_ids
        dedup.run(library)
        assert dedup.review_queue(library) == [(a, b)]
    with live_server(db, tmp_path / "queries") as live:
        page.goto(live.link("ana").rstrip("/") + "/duplicates")
        page.wait_for_selector("#pair")
        differing = page.locator("#pair .f.diff").all_inner_texts()
        assert [name.lower() for name in differing] == ["title", "abstract"]
        assert "Thesis on iron overload." in page.inner_text("#pair")
        assert "why queued: similar titles" in page.inner_text("main")
        shot(page, tmp_path, "duplicates")
        page.keyboard.press("s")
        page.wait_for_selector("text=The review queue is empty")
        page.click("text=Apply the reviewed pairs now")
        page.wait_for_selector("text=The review queue is empty")
    with Library(db) as library:
        assert library.resolve(str(b)) == library.resolve(str(a))


def test_a_full_text_exclusion_needs_a_reason(tmp_path: Path, page: Any) -> None:
    """With no reasons listed the picker asks for one in words: at full text, Enter on an empty
    reason decides nothing (and the server refuses such a POST too)."""
    db = tmp_path / "library.db"
    with Library(db) as library:
        ids = seed(library, 2, reasons="")
        sc.decide(library, ids[0], "include", "ta", "ana")
        sc.record_fulltext(library, ids[0], True, "https://example.org/haidar.pdf", "ana")
    with live_server(db, tmp_path / "queries") as live:
        page.goto(live.link("ana").rstrip("/") + "/fulltext")
        assert page.get_attribute(f"#ft-{ids[0]} .where a", "href") == "https://example.org/haidar.pdf"
        page.goto(live.link("ana").rstrip("/") + "/screen/ft")
        page.wait_for_selector(f"#record[data-record='{ids[0]}']")
        assert page.get_attribute("#fulltext-link", "href") == "https://example.org/haidar.pdf"
        page.keyboard.press("e")
        page.wait_for_selector("#reason-input:focus")
        page.keyboard.press("Enter")
        page.wait_for_timeout(300)
        assert _votes(db, ids[0], "ft") == {}
        assert page.evaluate("document.querySelector('#reason-input').validity.valueMissing")
        page.keyboard.type("dose not reported")
        shot(page, tmp_path, "screen-ft-typed-reason")
        page.keyboard.press("Enter")
        page.wait_for_selector("text=Nothing left for you at full text")
        assert _votes(db, ids[0], "ft") == {"ana": ("exclude", "dose not reported")}


def test_a_retracted_record_carries_a_banner(tmp_path: Path, page: Any) -> None:
    """As in the terminal screener: PubMed's retraction mark, with a link to the notice."""
    db = tmp_path / "library.db"
    with Library(db) as library:
        plain = seed(library, 1)[0]
        run = library.start_run("search", "PubMed")
        retracted = library.add_records([Record(
            title="Hydroxyurea for extramedullary haematopoiesis: a randomised trial", pmid="300",
            source_db="PubMed", source_key="300", year=2013, journal="Blood",
            authors=[Author(family="Taher", given="Ali T", initials="AT")],
            abstract="We randomised 40 patients to hydroxyurea or placebo.",
            publication_types=["Journal Article", "Retracted Publication"],
            corrections=[Correction("RetractionIn", "Blood. 2015;125(3):601", "301")])], run).added_ids[0]
    with live_server(db, tmp_path / "queries") as live:
        link = live.link("ana").rstrip("/")
        page.goto(f"{link}/screen/ta/{retracted}")
        banner = page.inner_text("#retracted")
        assert banner.startswith("RETRACTED: PubMed marks this record as retracted")
        assert "Blood. 2015;125(3):601" in banner
        assert page.get_attribute("#retracted a", "href") == "https://pubmed.ncbi.nlm.nih.gov/301/"
        shot(page, tmp_path, "screen-retracted")
        page.goto(f"{link}/screen/ta/{plain}")
        page.wait_for_selector("#record")
        assert page.locator("#retracted").count() == 0


def test_priority_order_and_the_stopping_rule(tmp_path: Path, page: Any) -> None:
    """serve --order priority: the model's state and the stopping rule's above the record, the
    order rebuilt as the reviewer decides."""
    db = tmp_path / "library.db"
    with Library(db) as library:
        ids = seed(library, 12)
        library.set_setting("screening.stopping", "recall=0.95,confidence=0.95,sample_after=3")
        sc.decide(library, ids[0], "include", "ta", "ana")
        sc.decide(library, ids[1], "exclude", "ta", "ana", "wrong design")
    with live_server(db, tmp_path / "queries", order="priority") as live:
        link = live.link("ana").rstrip("/")
        page.goto(link + "/screen/ta")
        page.wait_for_selector("#record")
        # the first page does not wait for the model: the random order, said so, until it is ready
        # (or the model's already, when the server's warm-up ranked before the page came)
        first = page.inner_text("#order-note")
        assert "random order until the model's first ranking is ready" in first or "priority order" in first
        for _ in range(300):
            page.goto(link + "/screen/ta")
            if "priority order" in page.inner_text("#order-note"):
                break
            page.wait_for_timeout(100)
        note = page.inner_text("#order-note")
        assert "priority order from a model trained on 1 includes and 1 excludes" in note
        assert "2 of 12 records screened" in note and "ranked phase" in note
        assert page.inner_text("#stopping .state") == "ranked"
        shot(page, tmp_path, "screen-priority")
        for _ in range(5):
            shown = _record_id(page)
            page.keyboard.press("e")
            page.wait_for_selector("#picker:not([hidden])")
            page.keyboard.press("1")
            page.wait_for_selector(f"#record:not([data-record='{shown}'])")
        for _ in range(100):
            page.goto(link + "/screen/ta")
            if "1 includes and 6 excludes" in page.inner_text("#order-note"):
                break
            page.wait_for_timeout(100)
        note = page.inner_text("#order-note")
        # Three excludes in a row after an include: the rule's random sample of the rest has begun.
        assert "7 of 12 records screened" in note and "random sample: 0 of 5 records screened" in note
        assert "then the stopping rule's random sample (5 records left in it)" in note
        assert page.inner_text("#stopping .state") == "sampling"
        shot(page, tmp_path, "screen-priority-sampling")


MEASURED_RECORDS = 50_000


def test_key_to_next_record_is_measured_in_the_browser_at_50000_records(
        tmp_path: Path, browser: Any) -> None:
    """The issue's 100 ms, measured where a reviewer sees it: in Chromium, from the key's keydown
    to the frame showing the next record, at 50,000 records (half already screened by a colleague).
    The figures are printed and kept in the test report; the target itself is checked by
    benchmarks/bench_web.py (timings on a shared CI machine belong there, not in a pass/fail)."""
    import statistics

    from tests._webapp import KEY_TO_RECORD_JS, records

    db = tmp_path / "library.db"
    with Library(db) as library:
        ids = seed(library, 0)
        run = library.start_run("search", "PubMed", name="emh")
        made = records(MEASURED_RECORDS)
        for start in range(0, MEASURED_RECORDS, 5000):
            ids += library.add_records(made[start:start + 5000], run).added_ids
        library.finish_run(run, "complete", count_retrieved=MEASURED_RECORDS, count_new=len(ids))
        with library.transaction():
            for record_id in ids[: MEASURED_RECORDS // 2]:
                screening_store.insert_decision(library, record_id, "ta", "ben", "exclude", None)
    keys = [("i",), ("e", "2"), ("m",), ("e", "1"), ("i",)]
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.add_init_script(KEY_TO_RECORD_JS)
    times: list[float] = []
    seen: list[tuple[int, str]] = []
    try:
        with live_server(db, tmp_path / "queries") as live:
            page.goto(live.link("ana"))
            page.wait_for_selector("#record")
            # one reviewer a record (the default): the colleague's half is closed, not offered
            assert f"0 of {MEASURED_RECORDS // 2:,} decided" in page.inner_text(".progress")
            for press in range(30):
                shown = _record_id(page)
                page.evaluate("window.__keyToRecord = null")
                for key in keys[press % len(keys)][:-1]:
                    page.keyboard.press(key)
                    page.wait_for_selector("#picker:not([hidden])")
                page.keyboard.press(keys[press % len(keys)][-1])
                page.wait_for_selector(f"#record:not([data-record='{shown}'])")
                value = None
                for _ in range(200):  # two frames after the record (CSP: no wait_for_function)
                    value = page.evaluate("window.__keyToRecord")
                    if value is not None:
                        break
                    page.wait_for_timeout(10)
                assert value is not None, "the page never timed the key press"
                times.append(float(value))
                seen.append((shown, keys[press % len(keys)][-1]))
            assert f"30 of {MEASURED_RECORDS // 2:,} decided" in page.inner_text(".progress")
            shot(page, tmp_path, "screen-ta-50000")
    finally:
        context.close()
    expected = {"i": ("include", None), "m": ("maybe", None), "1": ("exclude", "wrong population"),
                "2": ("exclude", "wrong design")}
    with Library(db) as library:
        for record_id, key in seen:
            assert sc.record_state(library, record_id, "ta").votes["ana"] == expected[key]
    assert len({record_id for record_id, _ in seen}) == 30 and all(t > 0 for t in times)
    ordered = sorted(times)
    figures = (f"key -> next record on screen at {MEASURED_RECORDS:,} records, {len(times)} presses: "
               f"median {statistics.median(times):.1f} ms, 95th percentile "
               f"{ordered[int(len(ordered) * 0.95)]:.1f} ms, max {ordered[-1]:.1f} ms (target < 100 ms)")
    print(figures)
    each = " ".join(f"{t:.1f}" for t in times)
    (tmp_path / "key_to_next_record.txt").write_text(f"{figures}\n{each}\n")
