"""The web app without a browser: links and their hashes, 403s, CSRF, blinding, escaping, the CLI."""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path
from typing import Any

import pytest

from litreview.cli import cli
from litreview.screening import agreement
from litreview.screening import decisions as sc
from litreview.store import Library
from litreview.web import tokens
from litreview.web.app import create_app
from tests._webapp import SCRIPT_TITLE, add_script_record, csrf_of, seed


@pytest.fixture
def review(tmp_path: Path) -> dict[str, Any]:
    db = tmp_path / "library.db"
    with Library(db) as library:
        ids = seed(library, 4, reviewers="2")
        ana, ben = tokens.issue(library, "ana"), tokens.issue(library, "ben")
    client = create_app(db, tmp_path / "queries").test_client()
    return {"db": db, "ids": ids, "ana": ana, "ben": ben, "client": client}


def _votes(db: Path, record_id: int, stage: str = "ta") -> dict[str, tuple[str, str | None]]:
    with Library(db) as library:
        return sc.record_state(library, record_id, stage).votes


def test_tokens_are_stored_hashed(review: dict[str, Any]) -> None:
    with Library(review["db"]) as library:
        stored = [r[0] for r in library.db.execute("SELECT token_sha256 FROM web_tokens")]
    assert review["ana"] not in stored
    assert hashlib.sha256(review["ana"].encode()).hexdigest() in stored


@pytest.mark.parametrize("path", ["/", "/screen/ta", "/r//screen/ta", "/r/{bad}/screen/ta",
                                  "/r/{bad}/overview", "/r/{bad}/prisma.svg", "/r/{ana}x/screen/ta",
                                  "/r/{short}/screen/ta"])
def test_no_live_token_no_data(review: dict[str, Any], path: str) -> None:
    url = path.format(bad="A" * 32, ana=review["ana"], short=review["ana"][:10])
    response = review["client"].get(url)
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert "haematopoiesis" not in body.lower() and "record" not in body.lower()


def test_revoked_token_is_refused(review: dict[str, Any]) -> None:
    client, ana = review["client"], review["ana"]
    assert client.get(f"/r/{ana}/screen/ta").status_code == 200
    with Library(review["db"]) as library:
        assert tokens.revoke(library, "ana") == 1
    assert client.get(f"/r/{ana}/screen/ta").status_code == 403
    assert client.get(f"/r/{review['ben']}/screen/ta").status_code == 200


def test_a_decision_needs_a_post_with_the_form_token(review: dict[str, Any]) -> None:
    client, ana, record = review["client"], review["ana"], review["ids"][0]
    url = f"/r/{ana}/screen/ta/{record}/decide"
    assert client.get(url + "?decision=include").status_code in (403, 405)
    assert client.post(url, data={"decision": "include"}).status_code == 403
    assert client.post(url, data={"decision": "include", "csrf": "0" * 40}).status_code == 403
    other = csrf_of(client.get(f"/r/{review['ben']}/screen/ta").get_data(as_text=True))
    assert client.post(url, data={"decision": "include", "csrf": other}).status_code == 403
    assert _votes(review["db"], record) == {}
    page = client.get(f"/r/{ana}/screen/ta/{record}").get_data(as_text=True)
    response = client.post(url, data={"decision": "include", "csrf": csrf_of(page)})
    assert response.status_code == 303 and f"after={record}" in response.headers["Location"]
    assert _votes(review["db"], record) == {"ana": ("include", None)}


@pytest.mark.parametrize("path,status", [("/screen/ta/abc", 403), ("/screen/ta/-1", 403),
                                         ("/screen/ta/99999", 404), ("/screen/xx", 404),
                                         ("/screen/ta/1%20OR%201=1", 403)])
def test_record_ids_are_validated(review: dict[str, Any], path: str, status: int) -> None:
    assert review["client"].get(f"/r/{review['ana']}{path}").status_code == status


def test_a_bad_decision_is_explained_not_stored(review: dict[str, Any]) -> None:
    client, ana, record = review["client"], review["ana"], review["ids"][0]
    csrf = csrf_of(client.get(f"/r/{ana}/screen/ta").get_data(as_text=True))
    response = client.post(f"/r/{ana}/screen/ta/{record}/decide",
                           data={"decision": "exclude", "reason": "too boring", "csrf": csrf})
    assert response.status_code == 400
    assert "unknown reason &#39;too boring&#39;" in response.get_data(as_text=True)
    response = client.post(f"/r/{ana}/screen/ft/{record}/decide", data={"decision": "include", "csrf": csrf})
    assert response.status_code == 400
    assert "has not been included at title/abstract" in response.get_data(as_text=True)
    assert _votes(review["db"], record) == {}


def test_a_full_text_exclusion_without_a_reason_is_refused_by_the_server(review: dict[str, Any]) -> None:
    """The page's picker will not send it, and the server does not rely on that."""
    client, ana, record = review["client"], review["ana"], review["ids"][0]
    with Library(review["db"]) as library:
        sc.decide(library, record, "include", "ta", "ana")
        sc.decide(library, record, "include", "ta", "ben")  # two reviewers a record here
    page = client.get(f"/r/{ana}/screen/ft/{record}").get_data(as_text=True)
    for reason in ("", "   "):
        response = client.post(f"/r/{ana}/screen/ft/{record}/decide",
                               data={"decision": "exclude", "reason": reason, "csrf": csrf_of(page)})
        assert response.status_code == 400
        assert "a full-text exclusion needs" in response.get_data(as_text=True)
    assert _votes(review["db"], record, "ft") == {}
    response = client.post(f"/r/{ana}/screen/ft/{record}/decide",
                           data={"decision": "exclude", "reason": "wrong design", "csrf": csrf_of(page)})
    assert response.status_code == 303
    assert _votes(review["db"], record, "ft") == {"ana": ("exclude", "wrong design")}


def test_blinding_is_enforced_by_the_server(review: dict[str, Any]) -> None:
    client, ids = review["client"], review["ids"]
    with Library(review["db"]) as library:
        sc.decide(library, ids[0], "exclude", "ta", "ana", "wrong population")
        sc.add_note(library, ids[0], "ana thinks: exclude, adults only", "ana")
    for path in (f"/screen/ta/{ids[0]}", "/screen/ta", "/conflicts/ta", "/overview"):
        body = client.get(f"/r/{review['ben']}{path}").get_data(as_text=True)
        assert not re.search(r"\bana\b", body), path
        assert "adults only" not in body
    with Library(review["db"]) as library:
        sc.decide(library, ids[0], "include", "ta", "ben")
    body = client.get(f"/r/{review['ben']}/conflicts/ta").get_data(as_text=True)
    assert re.search(r"\bana\b", body) and "wrong population" in body


def test_text_is_escaped(review: dict[str, Any]) -> None:
    with Library(review["db"]) as library:
        planted = add_script_record(library)
    body = review["client"].get(f"/r/{review['ana']}/screen/ta/{planted}").get_data(as_text=True)
    assert "<script>window.pwned" not in body and "<img src=x" not in body
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in body
    assert "&lt;b&gt;markup&lt;/b&gt; &amp; an &lt;script&gt;alert(1)" in body
    assert SCRIPT_TITLE.startswith("Evil <script>")


def test_mathml_and_brackets_in_an_imported_title_are_text(review: dict[str, Any]) -> None:
    """A PubMed title with MathML, <sub> and escaped '<', '&', '>' (tests/data/pubmed_future.xml),
    imported as `litreview import` does: the page shows the text, and markup left in a record
    (MathML kept raw by some other source) is shown as characters, never as elements."""
    from litreview.importing import import_file
    from litreview.records import Record

    with Library(review["db"]) as library:
        import_file(library, Path(__file__).parent / "data" / "pubmed_future.xml")
        energy = next(r.id for r in library.records() if r.pmid == "99000001")
        run = library.start_run("import", "CSV", file="raw.csv")
        raw = library.add_records([Record(
            title="Raw <mml:math><mml:mi>x</mml:mi><mml:mo>&lt;</mml:mo><mml:mn>1</mml:mn></mml:math> kept",
            source_db="CSV", source_key="raw-1", abstract="p<0.05 & q>1 <math><mi>y</mi></math>")],
            run).added_ids[0]
        library.finish_run(run, "complete")
    body = review["client"].get(f"/r/{review['ana']}/screen/ta/{energy}").get_data(as_text=True)
    assert "Energy E2 of H2O at p&lt;0.05 &amp; x&gt;1." in body
    assert "<mml:" not in body and "<sub>" not in body
    body = review["client"].get(f"/r/{review['ana']}/screen/ta/{raw}").get_data(as_text=True)
    assert "<mml:" not in body and "<math>" not in body and "<mi>" not in body
    assert "&lt;mml:math&gt;&lt;mml:mi&gt;x&lt;/mml:mi&gt;" in body
    assert "p&lt;0.05 &amp; q&gt;1 &lt;math&gt;" in body


def test_pages_carry_safe_headers(review: dict[str, Any]) -> None:
    response = review["client"].get(f"/r/{review['ana']}/screen/ta")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "script-src 'nonce-" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_cli_add_list_revoke(tmp_path: Path, runner: Any) -> None:
    with Library(tmp_path / "library.db") as library:
        seed(library, 1)
    result = runner.invoke(cli, ["serve", "--add-reviewer", "ana", "--port", "9001"])
    assert result.exit_code == 0, result.output
    name, url = result.output.split()
    assert name == "ana" and re.fullmatch(r"http://127\.0\.0\.1:9001/r/[A-Za-z0-9_-]{32}/", url)
    result = runner.invoke(cli, ["serve", "--list-reviewers"])
    assert result.output.startswith("ana\t1 live link(s)")
    result = runner.invoke(cli, ["serve", "--revoke", "ana"])
    assert result.exit_code == 0 and "1 link(s) revoked" in result.output
    result = runner.invoke(cli, ["serve", "--revoke", "ana"])
    assert result.exit_code == 1 and "Error: 'ana' has no live link to revoke" in result.output


def test_cli_serve_prints_a_link_per_reviewer_and_opens_the_first(tmp_path: Path, runner: Any,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve --reviewer ana --reviewer ben --open`: one 'NAME URL' line each on stdout (links that
    work), which address it serves on stderr, and the browser opened on the first link."""
    import webbrowser

    from litreview.web import server
    from tests._webapp import fetch

    with Library(tmp_path / "library.db") as library:
        seed(library, 2)
    opened: list[str] = []
    checked: dict[str, int] = {}

    def serve_once(served: server.Served) -> None:
        """Instead of serving until Ctrl-C: answer the printed links once, then Ctrl-C."""
        import threading

        thread = threading.Thread(target=served.server.run, daemon=True)
        thread.start()
        for url in opened:
            checked[url] = fetch(url + "screen/ta")[0]
        checked["no token"] = fetch(served.base_url() + "/screen/ta")[0]
        served.stop(thread)
        raise KeyboardInterrupt

    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    monkeypatch.setattr(server.Served, "run", serve_once)
    result = runner.invoke(cli, ["serve", "--reviewer", "ana", "--reviewer", "ben", "--port", "0", "--open"])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.stdout.splitlines()]
    assert [line[0] for line in lines] == ["ana", "ben"] and all(len(line) == 2 for line in lines)
    port = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/r/[A-Za-z0-9_-]{32}/", lines[0][1])
    assert port and lines[1][1].startswith(f"http://127.0.0.1:{port.group(1)}/r/")
    assert lines[0][1] != lines[1][1]
    assert "only this machine can connect (--host to share it on your network)" in result.stderr
    assert opened == [lines[0][1]] and checked == {lines[0][1]: 200, "no token": 403}
    with Library(tmp_path / "library.db") as library:
        assert tokens.reviewer_for(library, lines[1][1].split("/r/")[1].strip("/")) == "ben"


def test_a_stopped_server_leaves_no_thread_behind(tmp_path: Path) -> None:
    """Its request threads end with it: a thread left running would keep this process from
    forking workers for an import or dedup afterwards (parallel.can_fork)."""
    from tests._webapp import fetch, live_server

    with Library(tmp_path / "library.db") as library:
        seed(library, 1)
    before = set(threading.enumerate())
    with live_server(tmp_path / "library.db", tmp_path / "queries") as live:
        assert fetch(live.link("ana") + "screen/ta")[0] == 200
        assert set(threading.enumerate()) - before, "the server serves from threads of its own"
    assert set(threading.enumerate()) - before == set()


def test_cli_serve_with_no_reviewer_says_how_to_name_one(tmp_path: Path, runner: Any) -> None:
    with Library(tmp_path / "library.db") as library:
        seed(library, 1)
    result = runner.invoke(cli, ["serve", "--port", "0"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "no reviewer to give a link to: name one with --reviewer NAME" in result.output


def test_cli_refuses_an_unknown_reviewer_and_a_busy_port(tmp_path: Path, runner: Any) -> None:
    with Library(tmp_path / "library.db") as library:
        seed(library, 1)
        library.set_setting("screening.reviewer_names", "ana,ben")
    result = runner.invoke(cli, ["serve", "--add-reviewer", "eve"])
    assert result.exit_code == 1 and "unknown reviewer 'eve'" in result.output
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(cli, ["serve", "--reviewer", "ana", "--port", str(port)])
    assert result.exit_code == 1 and f"cannot serve on 127.0.0.1:{port}" in result.output
    assert "Traceback" not in result.output


def test_an_error_is_logged_without_the_token(review: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
                                              caplog: pytest.LogCaptureFixture) -> None:
    def broken(library: Library) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(agreement, "stats", broken)
    response = review["client"].get(f"/r/{review['ana']}/overview")
    assert response.status_code == 500
    assert "disk on fire" not in response.get_data(as_text=True)
    assert "Exception on /r/…/overview [GET]" in caplog.text and "disk on fire" in caplog.text
    assert review["ana"] not in caplog.text


def test_priority_order_is_rebuilt_in_the_background(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In priority order the ranking follows the decisions: every few decisions the order is
    rebuilt in a thread while pages keep the one they have; its note reaches the page."""
    from litreview.web import queue

    db = tmp_path / "library.db"
    with Library(db) as library:
        ids = seed(library, 8)
    builds: list[int] = []

    def ranked(library: Library, reviewer: str, stage: str, name: str) -> tuple[list[int], str | None]:
        builds.append(len(builds))
        todo = sc.screening_order(library, reviewer, stage)
        order = sorted(todo) if len(builds) == 1 else sorted(todo, reverse=True)
        return order, f"model build {len(builds)}"

    monkeypatch.setattr(queue, "ordered_ids", ranked)
    monkeypatch.setattr(queue, "RANK_IN_PROCESS", False)  # in the server, so the test can count builds
    queues = queue.ScreeningQueues("priority", db)
    with Library(db) as library:
        first = queues.order(library, "ana", "ta")
        assert first.ids == ids and first.note == "model build 1"
        for record in ids[:queue.RERANK_EVERY]:
            sc.decide(library, record, "include", "ta", "ana")
            queues.count_decision("ana", "ta")
        for _ in range(200):
            if len(builds) == 2 and queues.order(library, "ana", "ta").note == "model build 2":
                break
            threading.Event().wait(0.05)
        again = queues.order(library, "ana", "ta")
        assert again.note == "model build 2" and again.ids == sorted(ids[queue.RERANK_EVERY:], reverse=True)
        assert queues.next_record(library, again) == ids[-1]


def test_the_model_ranks_in_a_worker_process_and_the_first_page_does_not_wait(tmp_path: Path) -> None:
    """serve --order priority: the first page gets the random order at once and says so; the
    model's order, made in the worker process, replaces it and is the library's priority order."""
    from litreview.screening import ranking
    from litreview.web import queue

    db = tmp_path / "library.db"
    with Library(db) as library:
        ids = seed(library, 12)
        sc.decide(library, ids[0], "include", "ta", "ana")
        sc.decide(library, ids[1], "exclude", "ta", "ana")
        library.set_setting("screening.stopping", "recall=0.95,confidence=0.95")
        expected = ranking.priority_order(library, "ana", "ta")
        random_order = sc.screening_order(library, "ana", "ta", "random")
    queues = queue.ScreeningQueues("priority", db)
    with Library(db) as library:
        first = queues.order(library, "ana", "ta")
        assert first.ids == random_order and first.note == queue.FIRST_NOTE and first.stopping is None
        for _ in range(600):
            ranked = queues.order(library, "ana", "ta")
            if ranked.note != queue.FIRST_NOTE:
                break
            threading.Event().wait(0.05)
    assert ranked.ids == expected.ids and ranked.note == expected.message
    assert ranked.stopping is not None and ranked.stopping.phase == "ranked"
    assert queues._ranker is not None  # the worker process did it
    queues._ranker.close()


def test_records_imported_while_serving_are_offered(review: dict[str, Any]) -> None:
    """A cron update adds records while a reviewer screens: the order is rebuilt aside, and the
    new records join it without the reviewer's page ever waiting for the rebuild."""
    from tests._webapp import records

    client, ana = review["client"], review["ana"]
    assert "of 4 decided" in client.get(f"/r/{ana}/screen/ta").get_data(as_text=True)
    with Library(review["db"]) as library:
        run = library.start_run("import", "PubMed", file="update.xml")
        added = library.add_records(records(3, start=100), run).added_ids
    for _ in range(200):
        if "of 7 decided" in client.get(f"/r/{ana}/screen/ta").get_data(as_text=True):
            break
        threading.Event().wait(0.05)
    offered = set()
    page = client.get(f"/r/{ana}/screen/ta").get_data(as_text=True)
    assert "of 7 decided" in page
    for _ in range(7):
        found = re.search(r'data-record="(\d+)"', page)
        assert found
        record = int(found.group(1))
        offered.add(record)
        form = {"decision": "maybe", "csrf": csrf_of(page)}
        response = client.post(f"/r/{ana}/screen/ta/{record}/decide", data=form)
        page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert offered == set(review["ids"]) | set(added)
    assert "Nothing left for you" in page


STATE_CHANGES = [
    ("/screen/ta/{id}/decide", {"decision": "include"}),
    ("/screen/ta/undo", {}),
    ("/records/{id}/note", {"text": "a note", "stage": "ta"}),
    ("/records/{id}/tag", {"name": "a tag", "stage": "ta"}),
    ("/conflicts/ta/{id}", {"decision": "include"}),
    ("/fulltext/{id}", {"retrieved": "1", "location": "a.pdf"}),
    ("/duplicates/{id}/{other}", {"same": "1"}),
    ("/duplicates/apply", {}),
]


@pytest.mark.parametrize("path,form", STATE_CHANGES)
def test_every_state_change_needs_a_post_with_the_form_token(review: dict[str, Any], path: str,
                                                             form: dict[str, str]) -> None:
    """No state changes by GET (405: the route takes POSTs only) or by a POST without this link's
    form token (403); the library is unchanged either way."""
    client, ana, (first, second) = review["client"], review["ana"], review["ids"][:2]
    url = f"/r/{ana}" + path.format(id=first, other=second)
    with Library(review["db"]) as library:
        dump = "\n".join(library.db.conn.iterdump())
    query = "&".join(f"{k}={v}" for k, v in form.items())
    assert client.get(f"{url}?{query}").status_code in (403, 405)
    assert client.post(url, data=form).status_code == 403
    assert client.post(url, data={**form, "csrf": "f" * 40}).status_code == 403
    ben_form = csrf_of(client.get(f"/r/{review['ben']}/screen/ta").get_data(as_text=True))
    assert client.post(url, data={**form, "csrf": ben_form}).status_code == 403
    with Library(review["db"]) as library:
        assert "\n".join(library.db.conn.iterdump()) == dump


def test_serve_on_the_network_says_so_and_links_a_reachable_address(tmp_path: Path) -> None:
    """--host 0.0.0.0: the links carry this machine's network address (not 127.0.0.1, which a
    colleague's machine cannot use, unless this one has no other) and the app says who can connect."""
    import os
    import subprocess
    import sys

    from litreview.web.server import lan_address
    from tests._webapp import fetch

    with Library(tmp_path / "library.db") as library:
        seed(library, 1)
    env = {**os.environ, "LITREVIEW_DB": str(tmp_path / "library.db")}
    command = [sys.executable, "-m", "litreview", "serve", "--host", "0.0.0.0", "--port", "0",
               "--reviewer", "ana"]
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        assert process.stdout is not None and process.stderr is not None
        name, url = process.stdout.readline().split()
        said = process.stderr.readline()
        assert name == "ana" and url.startswith(f"http://{lan_address()}:")
        assert "anyone on your network with a link can open it" in said
        status, body = fetch(url + "screen/ta")
        assert status == 200 and "haematopoiesis" in body
        assert fetch(url.split("/r/")[0] + "/screen/ta")[0] == 403
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_the_retraction_banner_follows_the_study(review: dict[str, Any]) -> None:
    """PubMed's copy is marked retracted, the study's other copy (from an RIS file) is not: the
    banner shows on either, as the study is retracted whichever copy is on screen."""
    from litreview import dedup
    from litreview.records import Correction, Record

    title = "Hydroxyurea in thalassaemia intermedia: a randomised trial"
    with Library(review["db"]) as library:
        ris = library.add_records([Record(title=title, source_db="RIS", source_key="r1", year=2013)],
                                  library.start_run("import", "RIS")).added_ids[0]
        pubmed = library.add_records([Record(
            title=title, pmid="300", source_db="PubMed", source_key="300", year=2013,
            publication_types=["Journal Article", "Retracted Publication"],
            corrections=[Correction("RetractionIn", "Blood. 2015;125(3):601", "301")])],
            library.start_run("search", "PubMed")).added_ids[0]
        dedup.record_decision(library, ris, pubmed, same=True)
        dedup.recluster(library)
        assert library.resolve(str(ris)) == library.resolve(str(pubmed))
    for record in (ris, pubmed):
        body = review["client"].get(f"/r/{review['ana']}/screen/ta/{record}").get_data(as_text=True)
        assert "RETRACTED: PubMed marks this record as retracted" in body, record
        assert 'href="https://pubmed.ncbi.nlm.nih.gov/301/"' in body
    other = review["client"].get(f"/r/{review['ana']}/screen/ta/{review['ids'][0]}").get_data(as_text=True)
    assert "RETRACTED" not in other


def _queued_pair(library: Library) -> tuple[int, int]:
    """A thesis and its eScholarship copy, which dedup queues for a person to judge."""
    from litreview import dedup
    from litreview.records import Author, Record

    title = "Iron overload and extramedullary hematopoiesis in beta thalassaemia intermedia"
    thesis = {"authors": [Author(family="Haidar", given="Rachid")], "year": 2014}
    a, b = library.add_records([
        Record(title=title, source_db="Lens", source_key="1-a", **thesis),
        Record(title=title + " - eScholarship", source_db="Lens", source_key="1-b", **thesis),
    ], library.start_run("import", "Lens")).added_ids
    dedup.run(library)
    assert dedup.review_queue(library) == [(a, b)]
    return a, b


def test_duplicates_different_keeps_the_records_apart(review: dict[str, Any]) -> None:
    from litreview import dedup

    with Library(review["db"]) as library:
        a, b = _queued_pair(library)
    client, ana = review["client"], review["ana"]
    page = client.get(f"/r/{ana}/duplicates").get_data(as_text=True)
    assert f"record {a}" in page and f"record {b}" in page
    response = client.post(f"/r/{ana}/duplicates/{a}/{b}", data={"same": "0", "csrf": csrf_of(page)})
    assert response.status_code == 303
    assert client.post(f"/r/{ana}/duplicates/apply", data={"csrf": csrf_of(page)}).status_code == 303
    with Library(review["db"]) as library:
        assert dedup.review_queue(library) == []
        assert library.resolve(str(a)) != library.resolve(str(b))
    assert "The review queue is empty" in client.get(f"/r/{ana}/duplicates").get_data(as_text=True)


def test_applying_a_merge_of_decided_copies_says_what_it_did_and_logs_it(review: dict[str, Any]) -> None:
    """#16: the browser's Apply merges as `dedup review --accept` does: an included and an excluded
    copy become one study in conflict, said on the page and written to the audit trail."""
    with Library(review["db"]) as library:
        a, b = _queued_pair(library)
        for reviewer in ("ana", "ben"):
            sc.decide(library, a, "include", reviewer=reviewer)
            sc.decide(library, b, "exclude", reviewer=reviewer)
    client, ana = review["client"], review["ana"]
    page = client.get(f"/r/{ana}/duplicates").get_data(as_text=True)
    same = client.post(f"/r/{ana}/duplicates/{a}/{b}", data={"same": "1", "csrf": csrf_of(page)})
    assert same.status_code == 303
    applied = client.post(f"/r/{ana}/duplicates/apply", data={"csrf": csrf_of(page)})
    assert applied.status_code == 200
    said = re.search(r'<div class="notice" role="status" id="applied">(.*?)</div>\n',
                     applied.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    assert said.split("<div>")[1:4] == [
        f"2 screened records merged into clusters; decisions carried over (records {a}, {b})</div>",
        f"1 new conflict between copies of a study decided differently: record {a} (title/abstract); "
        "see litreview screen conflicts</div>",
        "screening counts changed: screened 2 -&gt; 0, excluded at title/abstract 1 -&gt; 0, "
        "reports sought 1 -&gt; 0 (a study in conflict awaits screening until resolved)</div>"]
    with Library(review["db"]) as library:
        assert library.resolve(str(b)) == library.resolve(str(a))
        events = [(e["event"], e["record_id"], e["detail"]) for e in sc.audit_events(library, a)]
    assert ("conflict", a, "duplicates applied in the browser by ana: copies decided differently at "
            "title/abstract") in events
    assert ("merged", b, f"duplicates applied in the browser by ana: merged into the cluster of record {a}; "
            "its decisions count for that study") in events
    again = client.post(f"/r/{ana}/duplicates/apply", data={"csrf": csrf_of(page)})
    assert again.status_code == 303  # nothing changed: nothing to say


@pytest.mark.parametrize("minutes,said", [(None, ""), (0.4, "under a minute"), (12.4, "about 12 min"),
                                          (59.6, "about 1 h"), (200, "about 3 h 20 min"),
                                          (121, "about 2 h")])
def test_time_left_is_said_as_a_forecast(minutes: float | None, said: str) -> None:
    from litreview.web.text import duration

    assert duration(minutes) == said
