"""Progress of a long command on the terminal: the one way every command draws it (imports,
searches, dedup, chasing, bibliographies).

    with progress(enabled=not quiet) as bar:
        bar.show("scoring pairs", done, total)

`show` redraws one line on stderr ('scoring pairs: 1,500 of 20,000 (7%)'), at most ten times a
second; the line is wiped when the block ends, so what the command prints next starts on a clean
line. Nothing at all is written when stderr is not a terminal (cron mails, pipes, logs, tests) or
when the command is asked to be quiet.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

REDRAW_SECONDS = 0.1
_WIPE = "\r\033[K"


class Progress:
    """One line of progress on `stream`; silent when `stream` is None."""

    def __init__(self, stream: TextIO | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self._clock = clock
        self._drawn_at = float("-inf")
        self._label: str | None = None
        self._shown = False

    def show(self, label: str, done: int | None = None, total: int | None = None) -> None:
        """`label`, with `done` (and `of total`) when given. A new label is drawn at once; the
        same label's counts at most every REDRAW_SECONDS, and when they reach the total."""
        if self.stream is None:
            return
        now = self._clock()
        finished = total is not None and done == total
        if label == self._label and not finished and now - self._drawn_at < REDRAW_SECONDS:
            return
        self._label, self._drawn_at = label, now
        text = label
        if done is not None:
            text += f": {done:,}"
            if total:
                text += f" of {total:,} ({100 * done // total}%)"
        self.stream.write(_WIPE + text)
        self.stream.flush()
        self._shown = True

    def counter(self, label: str) -> Callable[[int], None]:
        """A callback adding each call's count to a running total shown under `label` (for
        library functions that report batches: `import_file(progress=...)`)."""
        done = 0

        def add(count: int) -> None:
            nonlocal done
            done += count
            self.show(label, done)

        return add

    def clear(self) -> None:
        """Wipe the line (if anything was drawn), so the next output starts on a clean line."""
        if self.stream is not None and self._shown:
            self.stream.write(_WIPE)
            self.stream.flush()
            self._shown = False
            self._label = None


@contextmanager
def progress(enabled: bool = True, stream: TextIO | None = None) -> Iterator[Progress]:
    """A Progress drawing on stderr (or `stream`) when it is a terminal and `enabled`; the line
    is wiped when the block ends, also by an error or Ctrl-C."""
    stream = stream or sys.stderr
    bar = Progress(stream if enabled and _is_terminal(stream) else None)
    try:
        yield bar
    finally:
        bar.clear()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed, or not a real file
        return False
