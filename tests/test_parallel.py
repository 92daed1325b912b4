"""Work split across processes: slices, order of results, errors, and the fallback to one process."""

import multiprocessing
import os
import sys

import pytest

from litreview import parallel


def _tagged(items):
    return (os.getpid(), list(items))


def _fails_on_seven(items):
    if 7 in items:
        raise ValueError("seven")
    return list(items)


@pytest.mark.parametrize(("length", "parts"), [(10, 3), (2, 2), (7, 1), (1_000_001, 4)])
def test_slices_cover_the_items_once_in_order(length, parts):
    bounds = parallel.slices(length, parts)
    assert len(bounds) == parts and bounds[0][0] == 0 and bounds[-1][1] == length
    assert all(stop == next_start for (_, stop), (next_start, _) in zip(bounds, bounds[1:]))
    sizes = [stop - start for start, stop in bounds]
    assert max(sizes) - min(sizes) <= 1


@pytest.mark.skipif(sys.platform != "linux", reason="children are forked on Linux only")
def test_slices_run_in_children_and_come_back_in_order():
    results = parallel.map_slices(_tagged, list(range(10)), 3)
    assert len(results) == 3, "no fork: is a thread left running by another test?"
    assert [x for _, part in results for x in part] == list(range(10))
    pids = [pid for pid, _ in results]
    assert pids[0] == os.getpid() and os.getpid() not in pids[1:]


@pytest.mark.skipif(sys.platform != "linux", reason="children are forked on Linux only")
def test_an_error_in_a_child_is_raised_here():
    with pytest.raises(ValueError, match="seven"):
        parallel.map_slices(_fails_on_seven, list(range(10)), 2)


def test_one_process_or_one_item_runs_here():
    assert parallel.map_slices(_tagged, [1, 2, 3], 1) == [(os.getpid(), [1, 2, 3])]
    assert parallel.map_slices(_tagged, [1], 4) == [(os.getpid(), [1])]


def test_without_fork_everything_runs_here(monkeypatch):
    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    assert parallel.map_slices(_tagged, [1, 2, 3, 4], 2) == [(os.getpid(), [1, 2, 3, 4])]


def _pid_and_square(item):
    return os.getpid(), item * item


def _fails_on_three(item):
    if item == 3:
        raise ValueError("three")
    return item


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_ordered_map_gives_results_in_order_from_workers():
    results = list(parallel.ordered_map(_pid_and_square, range(50), 2))
    assert [square for _, square in results] == [n * n for n in range(50)]
    assert os.getpid() not in {pid for pid, _ in results}


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_ordered_map_reads_its_items_only_a_few_ahead_and_raises_where_the_error_is():
    taken = []

    def items():
        for n in range(1000):
            taken.append(n)
            yield n

    results = parallel.ordered_map(_fails_on_three, items(), 2)
    assert [next(results) for _ in range(3)] == [0, 1, 2]
    assert len(taken) <= 3 + 2 * parallel.IN_FLIGHT_PER_PROCESS + 1
    with pytest.raises(ValueError, match="three"):
        next(results)
    assert multiprocessing.active_children() == []


def test_ordered_map_without_fork_runs_here(monkeypatch):
    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    assert list(parallel.ordered_map(_pid_and_square, [1, 2], 2)) == [(os.getpid(), 1), (os.getpid(), 4)]


@pytest.mark.skipif(sys.platform != "linux", reason="children are forked on Linux only")
def test_the_work_reaches_the_workers_through_the_pool_not_a_global_set_here():
    """map_slices hands the function and list to the pool's initializer; nothing is left in (or
    read from) a module global of this process, before, during or after."""
    seen = []

    def spy(items):
        seen.append(parallel._work)
        return _tagged(items)

    results = parallel.map_slices(spy, list(range(9)), 3)
    assert len(results) == 3, "no fork: is a thread left running by another test?"
    assert seen == [None] and parallel._work is None  # the slice run here saw no global
