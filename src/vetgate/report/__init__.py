"""Report formats of ``vetgate check``. Each module formats a ``CheckResult``; none decides.

The formats are defined once, in ``RENDERERS``: a typed table of small functions that import
their module when called, so the hooks pay for the text report alone and mypy checks every
module and function name (no string lookup).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from vetgate.errors import UsageError

if TYPE_CHECKING:
    from vetgate.engine.result import CheckResult

Renderer = Callable[["CheckResult", bool], str]  # (result, color) -> report text


def _codequality(result: CheckResult, color: bool) -> str:
    from vetgate.report import codequality

    return codequality.render(result)


def _github(result: CheckResult, color: bool) -> str:
    from vetgate.report import github

    return github.render(result)


def _json(result: CheckResult, color: bool) -> str:
    from vetgate.report import json

    return json.render(result)


def _junit(result: CheckResult, color: bool) -> str:
    from vetgate.report import junit

    return junit.render(result)


def _markdown(result: CheckResult, color: bool) -> str:
    from vetgate.report import markdown

    return markdown.render(result)


def _sarif(result: CheckResult, color: bool) -> str:
    from vetgate.report import sarif

    return sarif.render(result)


def _text(result: CheckResult, color: bool) -> str:
    from vetgate.report import text

    return text.render(result, color=color)


RENDERERS: Mapping[str, Renderer] = {
    "codequality": _codequality,
    "github": _github,
    "json": _json,
    "junit": _junit,
    "markdown": _markdown,
    "sarif": _sarif,
    "text": _text,
}
FORMATS = tuple(RENDERERS)  # what `check --format` and `--report FORMAT=FILE` accept


def render(result: CheckResult, fmt: str, *, color: bool = False) -> str:
    """``result`` in format ``fmt``; ``color`` applies to ``text`` only."""
    renderer = RENDERERS.get(fmt)
    if renderer is None:
        raise UsageError(
            f"unknown report format {fmt!r}: choose one of {', '.join(sorted(FORMATS))}"
        )
    return renderer(result, color)
