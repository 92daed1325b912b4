"""Bulk work over many records: imports, searches and parse+store of large files.

A Record is a handful of small acyclic objects (lists, dicts, dataclasses), and a batch of a few
thousand of them stays alive until it is stored. Under CPython's default collector thresholds
(a young-generation pass every 700 allocations) every batch is scanned again and again while it
is built, and the full passes that follow rescan everything alive: a fifth of parse+store time
on PubMed batches. Nothing cyclic is made per record, so collecting less often frees the same
memory and the same objects, only later.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

BULK_THRESHOLD = 50_000


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the young-generation threshold for the block; restore the caller's afterwards."""
    before = gc.get_threshold()
    gc.set_threshold(max(BULK_THRESHOLD, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
