"""The interactive screener driven as a person would: keys typed in a pseudo-terminal."""

import io
import os
import sys
from pathlib import Path

import pexpect

from litreview.records import AbstractSection, Record
from litreview.screening import decisions as sc
from litreview.screening.screener import highlight
from litreview.store import Library
from litreview.store import screening as screening_store

ROOT = Path(__file__).resolve().parents[1]


def _seed(path):
    library = Library(path)
    run = library.start_run("search", "PubMed")
    library.add_records([
        Record(title=f"Spinal cord compression by extramedullary hematopoiesis {i}", pmid=str(200 + i),
               source_db="PubMed", source_key=str(200 + i), year=2010,
               abstract_sections=[AbstractSection("Radiotherapy relieved the compression.", "RESULTS")])
        for i in range(3)], run)
    library.set_setting("screening.reasons", "wrong population,wrong design")
    library.close()


def _spawn(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LITREVIEW_DB": str(tmp_path / "library.db"),
           "LITREVIEW_REVIEWER": "ana", "NO_COLOR": "1"}
    return pexpect.spawn(sys.executable, ["-m", "litreview", "screen"], cwd=str(tmp_path), env=env,
                         encoding="utf-8", timeout=20)


def test_screen_in_a_terminal_and_resume(tmp_path):
    _seed(tmp_path / "library.db")
    child = _spawn(tmp_path)
    child.expect(r"\[1 of 3\] title/abstract")
    child.expect("RESULTS: Radiotherapy relieved")
    child.send("i")
    child.expect(r"\[2 of 3\]")
    child.send("e")
    child.expect("2. wrong design")
    child.sendline("2")
    child.expect(r"\[3 of 3\]")
    child.send("q")
    child.expect("2 decisions this session; 1 left")
    child.expect(pexpect.EOF)
    library = Library(tmp_path / "library.db")
    decisions = screening_store.all_decisions(library)
    assert [(d["decision"], d["reason"]) for d in decisions] == [("include", None),
                                                                  ("exclude", "wrong design")]
    child = _spawn(tmp_path)
    child.expect(r"\[1 of 1\]")
    child.send("u")
    child.expect("undone: exclude on record")
    child.expect(r"\[1 of 2\]")
    child.send("q")
    child.expect("0 decisions this session; 2 left")
    child.expect(pexpect.EOF)
    assert [d["undone"] for d in screening_store.all_decisions(Library(tmp_path / "library.db"))] == [0, 1]


def test_keywords_are_marked():
    text = highlight("Radiotherapy for cord compression in mice", ["radiotherap", "compression"], ["mice"],
                     style=False)
    assert text == "*Radiotherapy* for cord *compression* in !mice!"
    coloured = highlight("Radiotherapy in mice", ["radiotherap"], ["mice"])
    assert coloured == "\x1b[1;32mRadiotherapy\x1b[0m in \x1b[1;31mmice\x1b[0m"


def test_screen_without_a_terminal_says_so(tmp_path):
    """From cron or a pipe there is no terminal to read keys from: a message, not a traceback."""
    import subprocess

    _seed(tmp_path / "library.db")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LITREVIEW_DB": str(tmp_path / "library.db"),
           "LITREVIEW_REVIEWER": "ana", "NO_COLOR": "1"}
    result = subprocess.run([sys.executable, "-m", "litreview", "screen"], cwd=tmp_path, env=env,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
                            start_new_session=True)  # no controlling terminal, as under cron
    assert result.returncode == 1
    assert "reads one key at a time from a terminal" in result.stderr
    assert "litreview decide" in result.stderr and "Traceback" not in result.stderr


def test_screener_skips_a_study_decided_on_a_copy_and_shows_own_notes(tmp_path):
    """#16: a decision on a merged copy counts for the study, so the screener does not offer it
    again; notes on the study are shown to the reviewer who wrote them, not to a colleague."""
    _seed(tmp_path / "library.db")
    library = Library(tmp_path / "library.db")
    first, copy, third = (r.id for r in library.records())
    library.db.execute("UPDATE records SET canonical_id = ? WHERE id = ?", [first, copy])
    sc.decide(library, copy, "include", "ta", "ben")
    sc.add_note(library, third, "ben's private thought", "ben")
    library.close()
    child = _spawn(tmp_path)
    child.logfile_read = transcript = io.StringIO()
    child.expect(r"\[1 of 1\] title/abstract")  # ana: the study decided on its copy is not offered
    child.send("n")
    child.expect("note")
    child.sendline("ask Ali about the MRI")
    child.expect("Your note: ask Ali about the MRI")
    child.send("q")
    child.expect(pexpect.EOF)
    assert "ben's private thought" not in transcript.getvalue()
    assert "Your note" in transcript.getvalue()
    assert sc.notes(Library(tmp_path / "library.db"), third) == [
        ("ben", "ben's private thought"), ("ana", "ask Ali about the MRI")]


def test_a_retracted_record_says_so_in_the_screener(tmp_path):
    from litreview.records import Correction

    library = Library(tmp_path / "library.db")
    run = library.start_run("search", "PubMed")
    library.add_records([Record(title="A retracted trial", pmid="300", source_db="PubMed", source_key="300",
                                publication_types=["Journal Article", "Retracted Publication"],
                                corrections=[Correction("RetractionIn", "Blood. 2013;1:2", "301")])], run)
    library.close()
    child = _spawn(tmp_path)
    child.expect(r"\[1 of 1\]")
    child.expect("RETRACTED: PubMed marks this record as retracted")
    child.expect("A retracted trial")
    child.send("q")
    child.expect(pexpect.EOF)
