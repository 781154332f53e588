"""Progress of a long audit on stderr: a bar with rate and ETA on a terminal, plain lines when not.

A small renderer of our own rather than a library: the audit needs one bar on one line, and
``rich`` or ``tqdm`` would be a new dependency (and, for ``rich``, a noticeable import) for it.
Nothing here is imported on the hook path.

On a terminal (``auto``, or ``always``) one line is rewritten in place at most ten times a
second::

    vetgate audit: classifying [#########...........]  45% 4,500/10,000 commits  1,234/s  ETA 0:04

When stderr is not a terminal and progress was asked for (``always``: a CI log, a file), each
phase gets plain lines instead: when it starts, every ten seconds, and when it ends.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from typing import Literal, TextIO

from vetgate.records import frozen

ProgressMode = Literal["always", "auto", "never"]

BAR_WIDTH = 20
TTY_INTERVAL = 0.1  # seconds between two redraws of the bar
LINE_INTERVAL = 10.0  # seconds between two plain lines of one phase


def format_duration(seconds: float) -> str:
    """``0:05``, ``12:40``, ``1:02:03``."""
    whole = max(0, int(seconds + 0.5))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@frozen
class Step:
    """Where a phase stands: ``done`` of ``total`` (None: unknown) ``unit`` after ``elapsed`` s."""

    phase: str
    done: int
    total: int | None
    unit: str
    elapsed: float

    @property
    def rate(self) -> float | None:
        """Items per second, once there is enough to measure."""
        if self.elapsed < 0.5 or self.done <= 0:
            return None
        return self.done / self.elapsed

    @property
    def eta(self) -> float | None:
        """Seconds left at the current rate; None when the total or the rate is unknown."""
        rate = self.rate
        if rate is None or self.total is None:
            return None
        return max(0, self.total - self.done) / rate

    def bar(self) -> str:
        """The terminal line (without the ``vetgate audit:`` prefix)."""
        parts = [self.phase]
        if self.total:
            filled = min(BAR_WIDTH, BAR_WIDTH * self.done // self.total)
            percent = min(100, 100 * self.done // self.total)
            parts.append(f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {percent:3d}%")
            parts.append(f"{self.done:,}/{self.total:,} {self.unit}")
        else:
            parts.append(f"{self.done:,} {self.unit}")
        if self.rate is not None:
            parts.append(f" {self.rate:,.0f}/s")
        if self.eta is not None:
            parts.append(f" ETA {format_duration(self.eta)}")
        return " ".join(parts)

    def line(self) -> str:
        """The plain line (without the prefix): no bar, every figure in words."""
        count = (f"{self.done:,}/{self.total:,} {self.unit}" if self.total is not None
                 else f"{self.done:,} {self.unit}")
        facts = []
        if self.total:
            facts.append(f"{min(100, 100 * self.done // self.total)}%")
        if self.rate is not None:
            facts.append(f"{self.rate:,.0f} {self.unit}/s")
        if self.eta is not None and self.done < (self.total or 0):
            facts.append(f"ETA {format_duration(self.eta)}")
        return f"{self.phase}: {count}" + (f" ({', '.join(facts)})" if facts else "")


class Progress:
    """Progress on ``stream`` (stderr): a bar on a terminal, plain lines otherwise, or nothing."""

    def __init__(self, mode: ProgressMode = "auto", stream: TextIO | None = None, *,
                 clock: Callable[[], float] = time.monotonic,
                 columns: int | None = None) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._quiet = mode == "never"
        isatty = getattr(self._stream, "isatty", None)
        self.tty = bool(isatty and isatty())
        self.enabled = mode == "always" or (mode == "auto" and self.tty)
        self._clock = clock
        self._columns = columns
        self._last = float("-inf")
        self._width = 0
        self._phase: str | None = None
        self._started = 0.0
        self._pending: Step | None = None  # the last plain step not written yet

    # --- structured progress ----------------------------------------------------------------

    def step(self, phase: str, done: int, total: int | None = None, *,
             unit: str = "commits") -> None:
        """``done`` of ``total`` ``unit`` in ``phase`` (a new phase name starts a new clock)."""
        if not self.enabled:
            return
        now = self._clock()
        if phase != self._phase:
            self._end_phase()
            self._phase, self._started, self._last = phase, now, float("-inf")
        current = Step(phase, done, total, unit, now - self._started)
        if self.tty:
            if now - self._last >= TTY_INTERVAL or (total is not None and done >= total):
                self._last = now
                self._draw(current.bar())
            return
        if now - self._last >= LINE_INTERVAL:
            self._last = now
            self._pending = None
            self._write_line(current.line())
        else:
            self._pending = current

    def update(self, text: str, *, force: bool = False) -> None:
        """Show free ``text`` as the current state (throttled unless ``force``)."""
        if not self.enabled:
            return
        now = self._clock()
        if not force and now - self._last < (TTY_INTERVAL if self.tty else LINE_INTERVAL):
            return
        self._last = now
        if self.tty:
            self._draw(text)
        else:
            self._write_line(text)

    def done(self) -> None:
        """End the progress output so what follows starts on a fresh line."""
        self._end_phase()
        self._phase = None
        if self.enabled and self._width:
            self._stream.write("\n")
            self._stream.flush()
            self._width = 0

    def note(self, text: str) -> None:
        """A message that stays (a hint), on its own line; ``--progress never`` silences it."""
        if self._quiet:
            return
        self.done()
        self._stream.write(f"vetgate: {text}\n")
        self._stream.flush()

    # --- output -----------------------------------------------------------------------------

    def _end_phase(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self._write_line(pending.line())

    def _draw(self, text: str) -> None:
        columns = self._columns or shutil.get_terminal_size((80, 24)).columns
        line = f"vetgate audit: {text}"[:max(10, columns - 1)]
        padding = " " * max(0, self._width - len(line))
        self._width = len(line)
        self._stream.write(f"\r{line}{padding}")
        self._stream.flush()

    def _write_line(self, text: str) -> None:
        self._stream.write(f"vetgate audit: {text}\n")
        self._stream.flush()
