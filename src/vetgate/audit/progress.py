"""A one-line progress counter on stderr: shown on a terminal (or when asked), silent otherwise."""

from __future__ import annotations

import sys
import time
from typing import Literal, TextIO

ProgressMode = Literal["always", "auto", "never"]


class Progress:
    """Rewrites one stderr line in place, at most ten times a second."""

    def __init__(self, mode: ProgressMode = "auto", stream: TextIO | None = None) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._quiet = mode == "never"
        if mode == "always":
            self.enabled = True
        elif mode == "never":
            self.enabled = False
        else:
            isatty = getattr(self._stream, "isatty", None)
            self.enabled = bool(isatty and isatty())
        self._last = 0.0
        self._width = 0

    def update(self, text: str, *, force: bool = False) -> None:
        """Show ``text`` as the current state (throttled unless ``force``)."""
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        line = f"vetgate audit: {text}"
        padding = " " * max(0, self._width - len(line))
        self._width = len(line)
        self._stream.write(f"\r{line}{padding}")
        self._stream.flush()

    def done(self) -> None:
        """End the progress line so what follows starts on a fresh line."""
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
