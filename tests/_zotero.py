"""Zotero's translator test fixtures as a second opinion on how fields are read."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests._read import read_file
from tests.conftest import OWN_CUTS

ZOTERO = OWN_CUTS / "exports/fixtures/zotero_translators"
NOT_AUTHORS = {"editor", "seriesEditor", "bookAuthor", "translator", "contributor"}


def assert_agrees(folder: str, case: str, fmt: str, pages: bool = True) -> None:
    """Same number of items, titles, author surnames, DOI, volume (and pages) as Zotero."""
    path: Path = ZOTERO / folder / f"{case}.input.txt"
    expected = json.loads(path.with_name(f"{case}.expected.json").read_text())
    records = read_file(path, fmt)[0]
    assert len(records) == len(expected)
    for record, item in zip(records, expected, strict=True):
        title = re.sub(r"\s+", " ", item.get("title", "")).strip()
        if title:
            assert record.title.rstrip(".") == title.rstrip(".")
        surnames = [c.get("lastName") or c.get("name") for c in item.get("creators", [])
                    if c.get("creatorType") not in NOT_AUTHORS]
        assert [a.family or a.collective for a in record.authors] == surnames
        if item.get("DOI"):
            assert record.doi == item["DOI"]  # kept as the source gave it
        if item.get("volume"):
            assert record.volume == item["volume"]
        if pages and item.get("pages"):
            assert (record.pages or "").replace("\u2013", "-") == item["pages"].replace(
                "\u2013", "-")
