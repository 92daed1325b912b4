import json

import pytest

from litreview.cli import cli
from litreview.records import Author, Record
from litreview.store import Library


def _all_commands(group, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if hasattr(command, "commands"):
            yield from _all_commands(command, (*prefix, name))


def test_every_command_has_help_text(runner):
    for path, command in _all_commands(cli):
        assert command.help or command.short_help, f"{' '.join(path)} has no help"
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)


def test_unknown_command_is_a_message_not_a_traceback(runner):
    result = runner.invoke(cli, ["serach"])
    assert result.exit_code == 2
    assert "No such command 'serach'" in result.output


@pytest.mark.parametrize("args", [
    ["export", "--format", "csv", "-o", "{missing}/x.csv"],
    ["prisma", "--format", "svg", "-o", "{missing}/x.svg"],
    ["bib", "--status", "all", "-o", "{missing}/x.txt"],
    ["dedup", "--clusters-out", "{missing}/x.csv"],
])
def test_output_into_a_missing_folder_is_a_message(runner, tmp_path, args):
    _seed(tmp_path)
    missing = tmp_path / "no" / "such"
    result = runner.invoke(cli, ["--db", str(tmp_path / "library.db"),
                                 *[a.format(missing=missing) for a in args]])
    assert result.exit_code == 1, result.output
    assert f"Error: {missing}/x." in result.output and "No such file or directory" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_library_that_cannot_be_opened_is_a_message(runner, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a library\n")
    result = runner.invoke(cli, ["--db", str(notes), "searches"])
    assert result.exit_code == 1 and "is not an SQLite database" in result.output
    assert notes.read_text() == "not a library\n"
    result = runner.invoke(cli, ["--db", str(tmp_path / "gone" / "library.db"), "searches"])
    assert result.exit_code == 1 and "the folder" in result.output and "does not exist" in result.output


def _seed(tmp_path):
    lib = Library(tmp_path / "library.db")
    run = lib.start_run("search", "PubMed", name="seed")
    lib.add_records(
        [
            Record(
                title="Paraspinal extramedullary hematopoiesis in thalassemia intermedia",
                pmid="19830459", doi="10.1007/s00586-009-1206-3", year=2010,
                journal="European Spine Journal", volume="19", issue="6", pages="871-8",
                authors=[Author(family="Haidar", given="Rachid", initials="R"),
                         Author(family="Mhaidli", given="Hani", initials="H")],
                source_db="PubMed", source_key="19830459",
            )
        ],
        run,
    )
    lib.close()


def test_export_csv_and_jsonl(runner, tmp_path):
    _seed(tmp_path)
    result = runner.invoke(cli, ["export", "--format", "csv"])
    assert result.exit_code == 0, result.output
    header, row = result.stdout.splitlines()[:2]
    assert header.startswith("record_id,pmid,doi,")
    assert "Haidar R; Mhaidli H" in row and "871-8" in row
    result = runner.invoke(cli, ["export", "--format", "jsonl", "-o", "out.jsonl"])
    assert result.exit_code == 0
    data = json.loads((tmp_path / "out.jsonl").read_text().splitlines()[0])
    assert data["pmid"] == "19830459" and data["authors"][0]["given"] == "Rachid"
