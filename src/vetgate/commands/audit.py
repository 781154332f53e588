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
# A century: longer than any history git can hold, short enough to stay a meaningful window.
MAX_WINDOW_DAYS = 36_500

DATE_FORMS = ("YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM], @UNIX-SECONDS, now, or "
              "'N seconds|minutes|hours|days|weeks|months|years ago'")
_ISO_RE = re.compile(
    r"\A(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?\s*(Z|UTC|[+-]\d{2}:?\d{2})?)?\Z",
    re.IGNORECASE,
)
_RELATIVE_RE = re.compile(
    r"\A(\d{1,6})[ .]*(seconds?|minutes?|hours?|days?|weeks?|months?|years?)[ .]*ago\Z",
    re.IGNORECASE,
)
_UNIX_RE = re.compile(r"\A@(\d{1,12})\Z")


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
    if days > MAX_WINDOW_DAYS:
        raise UsageError(f"--window {text!r}: the window may be at most {MAX_WINDOW_DAYS:,} days "
                         "(leave --window out to count failures whenever they came)")
    return days


def _iso_time(option: str, text: str, match: re.Match[str]) -> int:
    """Unix time of an ISO date or date-time; a date alone is its first (``--since``) or last
    (``--until``) second in UTC. ``UsageError`` for a date the calendar does not have."""
    import datetime as dt

    year, month, day, hour, minute, second, zone = match.groups()
    try:
        moment = dt.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                             int(second or 0), tzinfo=dt.timezone.utc)
    except ValueError as exc:
        raise UsageError(f"{option} {text!r} is not a date ({exc}); use {DATE_FORMS}") from exc
    offset = 0
    if zone and zone.upper() not in ("Z", "UTC"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:])
        if hours > 23 or minutes > 59:
            raise UsageError(f"{option} {text!r}: the time zone {zone!r} is not a UTC offset; "
                             f"use {DATE_FORMS}")
        offset = sign * (hours * 3600 + minutes * 60)
    seconds = int(moment.timestamp()) - offset
    if hour is None and option == "--until":
        seconds += 86_399  # "--until 2024-12-31" includes that day
    return seconds


def _git_date(seconds: int | None) -> str | None:
    """A unix time the way git reads it exactly (``@N`` only works from 1973 on)."""
    if seconds is None:
        return None
    import time

    return time.strftime("%Y-%m-%d %H:%M:%S +0000", time.gmtime(seconds))


def parse_date(root: str, option: str, text: str) -> int:
    """``--since``/``--until`` as a unix time, or ``UsageError`` naming the value and the forms
    accepted. git's own reader never refuses anything (``2026-13-45`` becomes some date), so
    vetgate checks the text first and hands git only the unix time it resolved to."""
    from vetgate.changes import history

    stripped = text.strip()
    iso = _ISO_RE.match(stripped)
    if iso is not None:
        return _iso_time(option, text, iso)
    unix = _UNIX_RE.match(stripped)
    if unix is not None:
        return int(unix.group(1))
    relative = _RELATIVE_RE.match(stripped)
    if stripped.lower() == "now" or (relative is not None and int(relative.group(1)) == 0):
        import time

        return int(time.time())
    if relative is not None:
        return history.resolve_date(root, option, stripped)
    raise UsageError(f"{option} {text!r} is not a date vetgate reads; use {DATE_FORMS}")


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
        progress: str = "auto", policy: Sequence[str] | None = None,
        allow_shallow: bool = False, deployments: str | None = None,
        merge: Sequence[str] | None = None, jobs: int | None = None,
        write_commit_graph: bool = False) -> int:
    """Run the audit and write the report; 0 on success (an audit never blocks)."""
    if merge:
        given = [name for name, value in (("REV-RANGE", rev_range), ("--since", since),
                                          ("--until", until), ("--window", window),
                                          ("--fix-pattern", fix_pattern),
                                          ("--deployments", deployments)) if value]
        if given:
            raise UsageError(f"--merge combines finished reports; {', '.join(given)} belong to "
                             "the audits that wrote them")
        from vetgate.audit.merge import merge_reports
        from vetgate.commands.common import write_output

        write_output(render(merge_reports(merge), format), output)
        return 0
    from vetgate.audit.pipeline import AuditOptions, run_audit
    from vetgate.audit.progress import Progress
    from vetgate.audit.szz import compile_fix_pattern
    from vetgate.changes import history
    from vetgate.changes.git import history_root
    from vetgate.commands.common import write_output
    from vetgate.gate.policy import load_history_policy
    from vetgate.records import replace

    if szz not in ("b", "l", "r"):
        raise UsageError(f"--szz {szz!r}: use b, r (default) or l")
    if progress not in ("always", "auto", "never"):
        raise UsageError(f"--progress {progress!r}: use always, auto or never")
    window_days = parse_window(window)
    if jobs is not None and not 1 <= jobs <= 256:
        raise UsageError(f"--jobs {jobs}: give 1 (serial) to 256 blame workers; the default is "
                         "one per core")
    compile_fix_pattern(fix_pattern)  # a bad pattern fails before any git work
    where = history_root(repo)  # a work tree, or a bare repository's git directory
    root = where.path
    since_time = parse_date(root, "--since", since) if since is not None else None
    until_time = parse_date(root, "--until", until) if until is not None else None
    if since_time is not None and until_time is not None and since_time > until_time:
        raise UsageError(f"--since {since!r} is after --until {until!r}: no commit can lie "
                         "between them; swap them or widen the dates")
    if not allow_shallow:
        history.refuse_shallow(root)
    selection = history.RevisionSelection(rev_range or "HEAD", _git_date(since_time),
                                          _git_date(until_time))
    loaded, source = load_history_policy(where, policy, rev_range, "audit")
    options = AuditOptions(root=root, selection=selection, szz=cast("SzzVariant", szz),
                           window_days=window_days, fix_pattern=fix_pattern,
                           since_label=since, until_label=until, deployments=deployments,
                           jobs=jobs, write_commit_graph=write_commit_graph)
    report = replace(run_audit(options, loaded, progress=Progress(cast("ProgressMode", progress))),
                     policy_source=source)
    write_output(render(report, format), output)
    return 0
