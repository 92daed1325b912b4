"""Which record a reviewer sees next, fast enough for a key press at 50,000 records.

The order itself comes from the screening library (`screening_order`, the same as the terminal
screener's). Building it reads every record, so it is kept per reviewer and stage and built again,
in a background thread, when the records change (an import, a dedup) or, at full text, when
title/abstract outcomes change. Each key press asks the library about the candidates as they come
up: is the study still open, and has this reviewer not decided it (in the browser, the terminal,
or an imported CSV)?
"""

from __future__ import annotations

import functools
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from litreview.screening import decisions as sc
from litreview.store import Library
from litreview.store import web as store

PACE_WINDOW_S = 15 * 60
PRIORITY = "priority"
RERANK_EVERY = 5
RANK_IN_PROCESS = True
"""Priority order: the model ranks in a worker process (one per server, spawned when first needed,
at a lower CPU priority), not in a thread of the server, and the first page offers the random order
until the first ranking is ready. benchmarks/bench_web.py --order priority --pace 0.3 at 50,000
records (150 presses, load ~3 on 2 cores): in a thread, first page 13.5 s, key press to next record
median 37.9 ms, 95th percentile 71.6 ms, max 169.1 ms; in the worker process 0.5 s, 29.3 ms,
53.4 ms, 66.2 ms (random order, no model: 30.2, 45.5, 64.8 ms)."""
FIRST_NOTE = "random order until the model's first ranking is ready (it is being made in the background)"


def ordered_ids(library: Library, reviewer: str, stage: str, order_name: str) -> tuple[list[int], str | None]:
    """The records the reviewer has still to decide, in order, and how the order was made (priority
    order: from screening.ranking, the model's state; every other order from
    decisions.screening_order, as in the terminal, and nothing to say)."""
    if order_name == PRIORITY:
        from litreview.screening import ranking  # scikit-learn loads only when asked for

        ranked = ranking.priority_order(library, reviewer, stage)
        return list(ranked.ids), ranked.message
    return sc.screening_order(library, reviewer, stage, order_name), None


def _priority_in_process(db_path: Path, reviewer: str, stage: str) -> tuple[list[int], str | None,
                                                                           StoppingNote | None]:
    """The priority order, its note and the stopping rule's, computed in the worker process."""
    with Library(db_path) as library:
        ids, note = ordered_ids(library, reviewer, stage, PRIORITY)
        return ids, note, stopping_note(library, stage)


@dataclass
class StoppingNote:
    """The stopping rule's state at a stage, as the terminal screener says it, and its phase
    (for the page's colour: keep screening, may stop, stopped)."""

    phase: str
    message: str


def stopping_note(library: Library, stage: str) -> StoppingNote | None:
    """The rule's state, or None when the review has no rule and has not stopped."""
    from litreview.screening import stopping

    now = stopping.state(library, stage)
    if now.rule is None:
        return None
    return StoppingNote(str(now.phase), now.message())


@dataclass
class ReviewerOrder:
    """A reviewer's order at one stage, as built at `version` of the library."""

    reviewer: str
    stage: str
    version: tuple[int, ...]
    ids: list[int]
    """Records the reviewer had still to decide when the order was built."""
    position: dict[int, int]
    decided_before: int
    note: str | None = None
    """How the order was made, where the reviewer should know (priority screening's model)."""
    stopping: StoppingNote | None = None
    """The stopping rule's state when the order was made (priority order only)."""


def _still_open(library: Library, record_id: int, reviewer: str, stage: str,
                settings: sc.ScreeningSettings) -> bool:
    """Whether the study still waits for this reviewer: not decided by them on any copy (in the
    browser, the terminal or an imported CSV), and not closed by others since the order was built."""
    state = sc.record_state(library, record_id, stage, settings)
    return state.status == sc.Status.AWAITING and reviewer not in state.votes


@dataclass
class Progress:
    decided: int
    total: int
    pace_per_min: float | None

    @property
    def percent(self) -> float:
        return 100.0 * self.decided / self.total if self.total else 100.0

    @property
    def minutes_left(self) -> float | None:
        """At the pace shown, how long the records still to decide take; None without a pace."""
        if not self.pace_per_min:
            return None
        return max(0, self.total - self.decided) / self.pace_per_min


@dataclass
class ScreeningQueues:
    """Per (reviewer, stage) orders, shared by the server's threads."""

    order_name: str = "random"
    db_path: Path | None = None
    _orders: dict[tuple[str, str], ReviewerOrder] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _recent: dict[str, deque[float]] = field(default_factory=dict)
    _since: dict[tuple[str, str], int] = field(default_factory=dict)
    _rebuilding: set[tuple[str, str]] = field(default_factory=set)
    _ranker: Any = None
    """The worker process (priority order, RANK_IN_PROCESS: ranking.WorkerProcess), made when first
    needed."""

    @property
    def learns(self) -> bool:
        """Whether the order follows the decisions (priority screening) and is rebuilt as they come."""
        return self.order_name == PRIORITY

    def order(self, library: Library, reviewer: str, stage: str) -> ReviewerOrder:
        version = self._version(library, stage)
        key = (reviewer, stage)
        with self._lock:
            cached = self._orders.get(key)
        if cached is not None and cached.version == version:
            return cached
        if cached is not None and self.db_path is not None:
            # Records were imported or merged, or (full text) title/abstract outcomes changed:
            # rebuild aside and keep offering from the order held, whose records are each
            # checked as they come up, so no key press waits for the rebuild.
            self._rebuild_in_background(reviewer, stage)
            return cached
        if self.learns and RANK_IN_PROCESS and self.db_path is not None:
            # Priority order, first page: the random order at once, the model's when it is ready.
            built = self._build(library, reviewer, stage, version, "random")
            built.note = FIRST_NOTE
            with self._lock:
                self._orders.setdefault(key, built)
            self._rebuild_in_background(reviewer, stage)
            return built
        built = self._build(library, reviewer, stage, version)
        with self._lock:
            self._orders[key] = built
        return built

    def _build(self, library: Library, reviewer: str, stage: str, version: tuple[int, ...],
               order_name: str | None = None) -> ReviewerOrder:
        name = order_name or self.order_name
        decided_before = store.decided_count(library, reviewer, stage)
        rule = None
        if name == PRIORITY and RANK_IN_PROCESS and self.db_path is not None:
            # waiting on the worker releases the GIL: the server's other threads go on
            ids, note, rule = self._worker().run(
                functools.partial(_priority_in_process, self.db_path, reviewer, stage))
        else:
            ids, note = ordered_ids(library, reviewer, stage, name)
            rule = stopping_note(library, stage) if name == PRIORITY else None
        position = {record_id: at for at, record_id in enumerate(ids)}
        return ReviewerOrder(reviewer, stage, version, ids, position, decided_before, note, rule)

    def _worker(self) -> Any:
        with self._lock:
            if self._ranker is None:
                from litreview.screening import ranking  # scikit-learn loads only when asked for

                self._ranker = ranking.WorkerProcess()
            return self._ranker

    def _rebuild_in_background(self, reviewer: str, stage: str) -> None:
        """Re-rank in a thread of its own (with its own connection); pages keep the old order
        until the new one is ready, so a key press never waits for the model."""
        key = (reviewer, stage)
        with self._lock:
            if key in self._rebuilding or self.db_path is None:
                return
            self._rebuilding.add(key)

        def rebuild() -> None:
            try:
                with Library(self.db_path or "") as library:
                    built = self._build(library, reviewer, stage, self._version(library, stage))
                with self._lock:
                    self._orders[key] = built
            finally:
                with self._lock:
                    self._rebuilding.discard(key)

        threading.Thread(target=rebuild, name="litreview-rerank", daemon=True).start()

    @staticmethod
    def _version(library: Library, stage: str) -> tuple[int, ...]:
        version = store.records_version(library)
        return version + store.title_abstract_version(library) if stage == "ft" else version

    def next_record(self, library: Library, order: ReviewerOrder, after: int | None = None) -> int | None:
        """The first record after `after` in the reviewer's order that they have not decided,
        wrapping round to the skipped ones; None when every record is decided."""
        reviewer, stage = order.reviewer, order.stage
        settings = sc.load_settings(library)
        start = order.position[after] + 1 if after in order.position else 0
        for at in range(len(order.ids)):
            record_id = order.ids[(start + at) % len(order.ids)]
            if _still_open(library, record_id, reviewer, stage, settings):
                return record_id
        return None

    def progress(self, library: Library, order: ReviewerOrder) -> Progress:
        reviewer, stage = order.reviewer, order.stage
        done = store.decided_count(library, reviewer, stage)
        total = max(len(order.ids) + order.decided_before, done)
        return Progress(done, total, self._pace(reviewer, stage))

    def count_decision(self, reviewer: str, stage: str) -> None:
        """Note a decision made here: for the pace shown, and, in priority order, to re-rank
        every RERANK_EVERY decisions."""
        key = (reviewer, stage)
        with self._lock:
            self._recent.setdefault(f"{reviewer}\0{stage}", deque(maxlen=500)).append(time.monotonic())
            self._since[key] = self._since.get(key, 0) + 1
            due = self.learns and self._since[key] >= RERANK_EVERY
            if due:
                self._since[key] = 0
        if due:
            self._rebuild_in_background(reviewer, stage)

    def _pace(self, reviewer: str, stage: str) -> float | None:
        with self._lock:
            times = [t for t in self._recent.get(f"{reviewer}\0{stage}", ()) if
                     t > time.monotonic() - PACE_WINDOW_S]
        if len(times) < 3:
            return None
        minutes = (times[-1] - times[0]) / 60
        return (len(times) - 1) / minutes if minutes > 0 else None
