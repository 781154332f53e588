"""Report formats of ``vetgate check``. Each module formats a ``CheckResult``; none decides.

Only the module of the requested format is imported: the hooks pay for the text report alone.
"""

from __future__ import annotations

import importlib

from vetgate.engine.result import CheckResult
from vetgate.errors import UsageError

FORMATS = ("github", "json", "junit", "markdown", "sarif", "text", "codequality")


def render(result: CheckResult, fmt: str, *, color: bool = False) -> str:
    """``result`` in format ``fmt``; ``color`` applies to ``text`` only."""
    if fmt not in FORMATS:
        raise UsageError(
            f"unknown report format {fmt!r}: choose one of {', '.join(sorted(FORMATS))}"
        )
    module = importlib.import_module(f"vetgate.report.{fmt}")
    if fmt == "text":
        return str(module.render(result, color=color))
    return str(module.render(result))
