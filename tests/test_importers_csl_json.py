"""CSL-JSON importer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from litreview.errors import ParseError
from tests._read import read_file


def test_zotero_style_csl_json(tmp_path: Path) -> None:
    path = tmp_path / "refs.json"
    path.write_text(json.dumps([
        {"id": "abc", "type": "article-journal", "title": "One", "DOI": "10.1/a",
         "author": [{"family": "Smith", "given": "Jane"}], "issued": {"date-parts": [[2020, 2]]},
         "container-title": "J Med", "source": "Embase"},
        {"id": "def", "type": "book", "title": "Two", "publisher": "Acme"},
    ]), encoding="utf-8")
    records, _, name, how = read_file(path)
    assert name == "csl-json" and "by content" in how
    assert records[0].source_db == "Embase" and records[0].source_key == "abc"
    assert (records[0].year, records[0].month, records[0].journal) == (2020, 2, "J Med")
    assert records[1].kind == "book" and records[1].source_db == "CSL-JSON"


def test_bad_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('[\n{"title": "x",\n', encoding="utf-8")
    with pytest.raises(ParseError, match="line 3"):
        read_file(path, "csl-json")
