"""Which record a reviewer sees next, fast enough for a key press at 50,000 records.

The order itself comes from the screening library (`screening_order`, the same as the terminal
screener's). Building it reads every record, so it is kept per reviewer and stage and built again
only when the records change (an import, a dedup) or, at full text, when title/abstract outcomes
change. Between builds, each key press asks one indexed question per candidate: has this reviewer
already decided it (in the browser, the terminal, or an imported CSV)?
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field

from litreview.screening import decisions as sc
from litreview.store import Library
from litreview.store import web as store

PACE_WINDOW_S = 15 * 60


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


@dataclass
class ScreeningQueues:
    """Per (reviewer, stage) orders, shared by the server's threads."""

    order_name: str = "random"
    _orders: dict[tuple[str, str], ReviewerOrder] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _recent: dict[str, deque[float]] = field(default_factory=dict)

    def order(self, library: Library, reviewer: str, stage: str) -> ReviewerOrder:
        version = self._version(library, stage)
        key = (reviewer, stage)
        with self._lock:
            cached = self._orders.get(key)
            if cached is not None and cached.version == version:
                return cached
        decided_before = store.decided_count(library, reviewer, stage)
        ids = sc.screening_order(library, reviewer, stage, self.order_name)
        position = {record_id: at for at, record_id in enumerate(ids)}
        built = ReviewerOrder(reviewer, stage, version, ids, position, decided_before)
        with self._lock:
            self._orders[key] = built
        return built

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
        """Note a decision made here, for the pace shown to the reviewer."""
        with self._lock:
            self._recent.setdefault(f"{reviewer}\0{stage}", deque(maxlen=500)).append(time.monotonic())

    def _pace(self, reviewer: str, stage: str) -> float | None:
        with self._lock:
            times = [t for t in self._recent.get(f"{reviewer}\0{stage}", ()) if
                     t > time.monotonic() - PACE_WINDOW_S]
        if len(times) < 3:
            return None
        minutes = (times[-1] - times[0]) / 60
        return (len(times) - 1) / minutes if minutes > 0 else None
