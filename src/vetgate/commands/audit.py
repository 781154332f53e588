"""`vetgate audit`: how AI-origin changes fared in this repository's own history (SPEC 6)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from vetgate.errors import UsageError

if TYPE_CHECKING:
    from vetgate.audit.model import AuditReport
    from vetgate.audit.progress import ProgressMode
    from vetgate.audit.szz import SzzVariant

_WINDOW_RE = re.compile(r"\A\s*(\d+)\s*(d|days?|w|weeks?)?\s*\Z", re.IGNORECASE)


def parse_window(text: str | None) -> int | None:
    """``--window``: ``90d``, ``90`` (days) or ``12w``, as a number of days; None when absent."""
    if text is None:
        return None
    match = _WINDOW_RE.match(text)
    if match is None:
        raise UsageError(
            f"--window {text!r}: give a number of days or weeks, e.g. 90d or 12w"
        )
    days = int(match.group(1)) * (7 if (match.group(2) or "d").lower().startswith("w") else 1)
    if days <= 0:
        raise UsageError(f"--window {text!r}: the window must be at least one day")
    return days


def render(report: AuditReport, fmt: str) -> str:
    """Format an ``AuditReport`` as text, json, markdown or html."""
    if fmt == "json":
        from vetgate.audit.report import render_json

        return render_json(report)
    if fmt == "markdown":
        from vetgate.audit.report import render_markdown

        return render_markdown(report)
    if fmt == "html":
        from vetgate.audit.html import render_html

        return render_html(report)
    if fmt == "text":
        from vetgate.audit.report import render_text

        return render_text(report)
    raise UsageError(f"unknown audit format {fmt!r}: use text, json, markdown or html")


def run(*, repo: str = ".", rev_range: str | None = None, since: str | None = None,
        until: str | None = None, format: str = "text", output: str | None = None,
        szz: str = "r", window: str | None = None, fix_pattern: str | None = None,
        progress: str = "auto", policy: Sequence[str] | None = None) -> int:
    """Run the audit and write the report; 0 on success (an audit never blocks)."""
    from vetgate.audit.pipeline import AuditOptions, run_audit
    from vetgate.audit.progress import Progress
    from vetgate.audit.szz import compile_fix_pattern
    from vetgate.changes import history
    from vetgate.changes.git import repo_root
    from vetgate.commands.common import write_output
    from vetgate.gate.policy import load_policy_at

    if szz not in ("b", "l", "r"):
        raise UsageError(f"--szz {szz!r}: use b, r (default) or l")
    if progress not in ("always", "auto", "never"):
        raise UsageError(f"--progress {progress!r}: use always, auto or never")
    window_days = parse_window(window)
    compile_fix_pattern(fix_pattern)  # a bad pattern fails before any git work
    root = repo_root(repo)
    for option, value in (("--since", since), ("--until", until)):
        if value is not None:
            history.resolve_date(root, option, value)
    selection = history.RevisionSelection(rev_range or "HEAD", since, until)
    loaded = load_policy_at(root, policy, None)
    options = AuditOptions(root=root, selection=selection, szz=cast("SzzVariant", szz),
                           window_days=window_days, fix_pattern=fix_pattern)
    report = run_audit(options, loaded, progress=Progress(cast("ProgressMode", progress)))
    write_output(render(report, format), output)
    return 0
