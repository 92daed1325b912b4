"""The one progress helper of long commands: drawn on a terminal, silent anywhere else."""

import ast
import io
import os
import sys
from pathlib import Path

import pexpect
from click.testing import CliRunner

from litreview.cli import cli
from litreview.cli.progress import REDRAW_SECONDS, Progress, progress

ROOT = Path(__file__).resolve().parents[1]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_terminal_gets_one_line_redrawn_then_wiped() -> None:
    screen = Terminal()
    with progress(stream=screen) as bar:
        bar.show("scoring pairs", 1500, 20000)
    assert screen.getvalue() == "\r\033[Kscoring pairs: 1,500 of 20,000 (7%)\r\033[K"


def test_redraws_are_rationed_but_a_new_label_and_the_end_are_drawn_at_once() -> None:
    screen, clock = Terminal(), Clock()
    bar = Progress(screen, clock)
    bar.show("fetched", 1, 10)
    bar.show("fetched", 2, 10)  # too soon: not drawn
    clock.now += 2 * REDRAW_SECONDS
    bar.show("fetched", 3, 10)
    bar.show("fetched", 10, 10)  # the end, however soon
    bar.show("stored")  # a new step
    drawn = screen.getvalue().split("\r\033[K")[1:]
    assert drawn == ["fetched: 1 of 10 (10%)", "fetched: 3 of 10 (30%)", "fetched: 10 of 10 (100%)", "stored"]


def test_a_counter_adds_up_the_batches_it_is_told_of() -> None:
    screen, clock = Terminal(), Clock()
    bar = Progress(screen, clock)
    add = bar.counter("x.ris: records stored")
    for _ in range(3):
        add(2000)
        clock.now += 1
    assert screen.getvalue().endswith("x.ris: records stored: 6,000")


def test_silent_when_not_a_terminal_or_asked_to_be_quiet() -> None:
    pipe, screen = io.StringIO(), Terminal()
    with progress(stream=pipe) as bar:
        bar.show("step", 1, 2)
        bar.counter("count")(5)
    with progress(enabled=False, stream=screen) as bar:
        bar.show("step", 1, 2)
    assert pipe.getvalue() == "" and screen.getvalue() == ""


def test_commands_write_no_progress_where_output_is_not_a_terminal(tmp_path: Path) -> None:
    ris = tmp_path / "a.ris"
    ris.write_text("".join(f"TY  - JOUR\nTI  - Title number {n}\nAU  - Smith, J\nPY  - 2001\nER  - \n\n"
                           for n in range(30)), encoding="utf-8")
    runner = CliRunner(env={"LITREVIEW_DB": str(tmp_path / "library.db")})
    for args in (["import", str(ris), "--source", "Embase"], ["dedup"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert "\r" not in result.output and "\033" not in result.output


def test_an_import_in_a_terminal_shows_its_count_and_wipes_it(tmp_path: Path) -> None:
    ris = tmp_path / "big.ris"
    ris.write_text("".join(f"TY  - JOUR\nTI  - Title number {n}\nAU  - Smith, J\nPY  - 2001\nER  - \n\n"
                           for n in range(5000)), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LITREVIEW_DB": str(tmp_path / "library.db")}
    child = pexpect.spawn(sys.executable, ["-m", "litreview", "import", str(ris), "--source", "Embase"],
                          cwd=str(tmp_path), env=env, encoding="utf-8", timeout=60)
    child.expect(r"big\.ris: records stored: [\d,]+")
    child.expect(r"\r\x1b\[Kbig\.ris: read as ris")  # the line wiped before the command's own output
    child.expect("5000 added")
    child.expect(pexpect.EOF)


def drawing_offences(path: Path) -> list[str]:
    """Progress drawn outside the helper: a line erased (ESC [K) or click.progressbar."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "\033[K" in node.value:
            found.append(f"{path.name}:{node.lineno}: erases a line")
        if isinstance(node, ast.Attribute) and node.attr == "progressbar":
            found.append(f"{path.name}:{node.lineno}: click.progressbar")
    return found


def test_no_module_but_the_progress_helper_draws_progress(tmp_path: Path) -> None:
    """One way of drawing progress (#17 item 9): no module but cli/progress.py erases a line or
    uses click.progressbar (the screener's colours, ESC [1;31m, are not progress)."""
    package = Path(__file__).resolve().parents[1] / "litreview"
    helper = package / "cli" / "progress.py"
    files = [p for p in sorted(package.rglob("*.py")) if p != helper]
    assert [o for path in files for o in drawing_offences(path)] == []
    bad = tmp_path / "bad.py"
    bad.write_text('import click\nsys.stderr.write(f"\\r\\033[K{done}")\n'
                   'with click.progressbar(items) as bar:\n    pass\nprint("\\x1b[1;31m!\\x1b[0m")\n')
    assert drawing_offences(bad) == ["bad.py:2: erases a line", "bad.py:3: click.progressbar"]
    assert drawing_offences(helper) != []  # the helper itself is seen
