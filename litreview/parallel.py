"""CPU-bound work split across the machine's cores: dedup's normalising and pair scoring; the
cores and fork checks that imports use to read big files in child processes.

The work is cut into contiguous slices: this process does the first, forked children the others.
Children inherit the data (a 100,000-record library's signatures) instead of receiving it
pickled, which would cost more than the scoring it shares out; only their results come back
pickled. Where fork is not safe to use (Windows, macOS), everything runs here.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_PROCESSES = 4
_inherited: tuple[Callable[[Sequence[Any]], Any], Sequence[Any]] | None = None


def usable_cores() -> int:
    """Cores this process may run on (a container's CPU set, not the host's core count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Fork is safe here: Linux (macOS offers fork, but system libraries may crash in a forked
    child, which is why Python made spawn its default there) and no other thread running (a fork
    copies only the thread that calls it, with any lock another thread holds)."""
    return sys.platform == "linux" and threading.active_count() == 1


def slices(length: int, parts: int) -> list[tuple[int, int]]:
    """[start, stop) bounds of `parts` contiguous slices of nearly equal length."""
    step, extra = divmod(length, parts)
    bounds, start = [], 0
    for part in range(parts):
        stop = start + step + (1 if part < extra else 0)
        bounds.append((start, stop))
        start = stop
    return bounds


def map_slices(func: Callable[[Sequence[T]], R], items: Sequence[T], processes: int) -> list[R]:
    """func over `processes` contiguous slices of items, results in slice order. The first slice
    runs in this process; a child's exception is raised here."""
    global _inherited
    processes = max(1, min(processes, MAX_PROCESSES, len(items)))
    if processes == 1 or not can_fork():
        return [func(items)]
    bounds = slices(len(items), processes)
    _inherited = (func, items)
    try:
        with multiprocessing.get_context("fork").Pool(processes - 1) as pool:  # forks here
            pending = [pool.apply_async(_run_inherited, bound) for bound in bounds[1:]]
            start, stop = bounds[0]
            first = func(items[start:stop])
            return [first] + [result.get() for result in pending]
    finally:
        _inherited = None


def _run_inherited(start: int, stop: int) -> Any:
    assert _inherited is not None, "map_slices sets the work before it forks"
    func, items = _inherited
    return func(items[start:stop])
