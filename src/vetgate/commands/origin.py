"""`vetgate origin` (not built yet)."""

from __future__ import annotations

from typing import Any

from vetgate.errors import UsageError


def run(**options: Any) -> int:
    raise UsageError("`vetgate origin` is not available yet")
