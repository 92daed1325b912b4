"""Independent record counts for shared files (regexes and the csv module, not our parsers)."""

from __future__ import annotations

import csv
import gzip
import re
from pathlib import Path


def text_of(path: Path) -> str:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8", errors="replace").replace("\ufeff", "")


def count_ris(path: Path) -> int:
    return len(re.findall(r"^TY  - ", text_of(path), re.M))


def count_nbib(path: Path) -> int:
    return len(re.findall(r"^PMID- ", text_of(path), re.M))


def count_pubmed_xml(path: Path) -> int:
    return len(re.findall(r"<PubmedArticle>|<PubmedArticle |<PubmedBookArticle>", text_of(path)))


def count_bibtex(path: Path) -> int:
    text = text_of(path)
    return len(re.findall(r"^\s*@(?!comment|string|preamble)\w+\s*\{", text, re.M | re.I))


def count_csv_rows(path: Path) -> int:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))
