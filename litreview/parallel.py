"""CPU-bound work spread over the machine's cores, one way: a pool of worker processes.

- `ordered_map(func, items, processes)`: func(item) for each item, computed by worker processes
  while the caller uses the results, in the order of `items`. Imports read big files this way,
  a chunk of whole records per item, while this process stores what comes back.
- `map_slices(func, items, processes)`: func over contiguous slices of a list, for dedup's
  normalising and pair scoring. This process does the first slice.

Both are concurrent.futures.ProcessPoolExecutor with the fork start method, only where fork is
safe (Linux, no other thread running); elsewhere everything runs in this process. Forked workers
start in milliseconds, re-import nothing and inherit what the pool is given at its start (a
100,000-record library's signatures) without pickling it.

A worker never outlives this process: it asks Linux to kill it when its parent dies
(PR_SET_PDEATHSIG), so a `kill -9` of an import leaves nothing behind; it ignores Ctrl-C, which
is this process's to handle (it stops the pool).
"""

from __future__ import annotations

import ctypes
import gc
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_PROCESSES = 4
IN_FLIGHT_PER_PROCESS = 2
"""Items handed to the pool ahead of the one the caller waits for, per worker: enough to keep
every worker busy, few enough to keep memory flat."""
WORKER_GC_THRESHOLD = 50_000
"""Workers build many small acyclic objects (records) and keep them until they are returned:
CPython's default young-generation pass every 700 allocations rescans them again and again."""
_PR_SET_PDEATHSIG = 1


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


def ordered_map(func: Callable[[T], R], items: Iterable[T], processes: int) -> Iterator[R]:
    """func(item) for each of `items`, in their order, by up to `processes` worker processes.

    `items` is read only as fast as results are taken (a few per worker ahead), so a file's
    chunks are not all in memory at once. `func` and the items are pickled to the workers (a
    module-level function; bytes or strings are cheap). A worker's exception is raised here,
    where its result would have been; stopping early cancels what has not started.
    """
    processes = max(0, min(processes, MAX_PROCESSES))
    if processes == 0 or not can_fork():
        yield from map(func, items)
        return
    with _pool(processes) as pool:
        pending: deque[Future[R]] = deque()
        for item in items:
            pending.append(pool.submit(func, item))
            if len(pending) > processes * IN_FLIGHT_PER_PROCESS:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def map_slices(func: Callable[[Sequence[T]], R], items: Sequence[T], processes: int) -> list[R]:
    """func over `processes` contiguous slices of items, results in slice order. The first slice
    runs in this process; the workers inherit `func` and `items` when they are forked (not
    pickled); only the slices' results come back pickled. A worker's exception is raised here."""
    processes = max(1, min(processes, MAX_PROCESSES, len(items)))
    if processes == 1 or not can_fork():
        return [func(items)]
    (start, stop), *others = slices(len(items), processes)
    with _pool(processes - 1, _keep_work, (func, items)) as pool:
        pending = [pool.submit(_run_slice, *bounds) for bounds in others]
        first = func(items[start:stop])
        return [first] + [result.result() for result in pending]


@contextmanager
def _pool(processes: int, initializer: Callable[..., None] | None = None,
          initargs: tuple[Any, ...] = ()) -> Iterator[ProcessPoolExecutor]:
    """A pool of forked workers; leaving the block (also by an exception, or a generator that
    is closed early) cancels the work not started and waits for the rest."""
    pool = ProcessPoolExecutor(processes, mp_context=get_context("fork"),
                               initializer=_start_worker, initargs=(os.getpid(), initializer, initargs))
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _start_worker(parent: int, initializer: Callable[..., None] | None,
                  initargs: tuple[Any, ...]) -> None:
    """In each worker, first: die with the parent, leave Ctrl-C to it, collect garbage less often."""
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.set_threshold(WORKER_GC_THRESHOLD, *gc.get_threshold()[1:])
    if initializer is not None:
        initializer(*initargs)


def die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this process when the process that forked it ends, however it ends
    (kill -9 included); and end now if that has already happened."""
    if sys.platform == "linux":
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the pool's own checks remain
            pass
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


_work: tuple[Callable[[Sequence[Any]], Any], Sequence[Any]] | None = None
"""map_slices' function and list, in a worker only: set once by the pool's initializer, from the
pool's own initargs (concurrent.futures' documented way to give workers state); this process never
sets it. The list is not sent with each task because pickling it costs more than the work shared:
dedup's 20,000 signatures take 0.7 s to pickle and 1.0 s to unpickle, against 2.7 s to compute."""


def _keep_work(func: Callable[[Sequence[Any]], Any], items: Sequence[Any]) -> None:
    global _work
    _work = (func, items)


def _run_slice(start: int, stop: int) -> Any:
    assert _work is not None, "the worker's initializer keeps the work"
    func, items = _work
    return func(items[start:stop])
