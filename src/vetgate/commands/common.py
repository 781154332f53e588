"""Pieces several commands share: writing a report to a file or the terminal. (The policy that
judges is loaded by ``vetgate.gate.policy``.)"""

from __future__ import annotations

import os
import sys

from vetgate.errors import UsageError


def write_output(text: str, output: str | None) -> None:
    """Write a report to ``output`` (a file) or to stdout."""
    if output and output != "-":
        try:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        except OSError as exc:
            raise UsageError(f"cannot write the report to {output}: {exc.strerror}") from exc
        return
    encoding = sys.stdout.encoding or "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        # A terminal that cannot show a character (an emoji on a latin-1 console) gets an
        # escape for it instead of a crash.
        text = text.encode(encoding, "backslashreplace").decode(encoding)
    sys.stdout.write(text)
    sys.stdout.flush()


def use_color(choice: str, output: str | None) -> bool:
    """Colour only on a terminal (or when forced), never when NO_COLOR is set or writing a file."""
    if choice == "always":
        return True
    if choice == "never" or (output and output != "-") or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()
