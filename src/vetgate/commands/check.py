"""`vetgate check`: evaluate a change against the policy and print the report.

The judging itself is ``vetgate.gate``'s (shared with the hooks, ``origin`` and ``replay``); this
module turns the command line into a ``CheckRequest``, writes the reports and posts the status.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from vetgate.engine.result import CheckResult
from vetgate.errors import UsageError, VetgateError
from vetgate.gate.pipeline import CheckRequest, Evaluation, evaluate_request, exit_code


def _write_reports(result: CheckResult, evaluation: Evaluation, request: CheckRequest,
                   format: str | None, output: str | None, color: str,
                   extra: Sequence[tuple[str, str]]) -> None:
    from vetgate import report
    from vetgate.commands.common import use_color, write_output

    fmt = format or ("github" if evaluation.ci and evaluation.ci.platform == "github" else "text")
    write_output(report.render(result, fmt, color=use_color(color, output)), output)
    for extra_fmt, path in extra:
        write_output(report.render(result, extra_fmt), path)
    summary_path = request.env.get("GITHUB_STEP_SUMMARY")
    if fmt == "github" and summary_path:
        from vetgate.report.github import step_summary

        try:
            with open(summary_path, "a", encoding="utf-8") as handle:
                handle.write(step_summary(result))
        except OSError as exc:
            raise UsageError(f"cannot append to $GITHUB_STEP_SUMMARY ({summary_path}): "
                             f"{exc.strerror}") from exc


def _parse_extra_reports(items: Sequence[str]) -> list[tuple[str, str]]:
    from vetgate.report import FORMATS

    parsed = []
    for item in items:
        fmt, sep, path = item.partition("=")
        if not sep or not path or fmt not in FORMATS:
            raise UsageError(
                f"--report {item}: expected FORMAT=FILE with FORMAT one of: "
                f"{', '.join(sorted(FORMATS))}"
            )
        parsed.append((fmt, path))
    return parsed


def _post_undecided(env: Mapping[str, str], context: str, error: Exception) -> None:
    """Mark the required status as errored so an older success on the head cannot stand."""
    from vetgate.hosts.ci import client_for, detect

    try:
        ci = detect(env)
        if ci.head:
            if isinstance(error, OSError) and error.strerror:
                text = f"{error.strerror}: {error.filename}" if error.filename else error.strerror
            else:
                text = str(error)
            reason = text.splitlines()[0] if text else type(error).__name__
            client_for(ci, env).post_status(
                ci.head, "error", context, f"vetgate could not decide: {reason}"[:140],
            )
    except VetgateError:
        pass  # the original error is the one to report; it is raised by the caller


_STATUS_DESCRIPTIONS = {
    "pass": ("success", "vetgate: the change meets the policy"),
    "warn": ("success", "vetgate: passed with warnings"),
    "fail": ("failure", "vetgate: the policy blocks this change"),
}


def run(
    *,
    repo: str = ".",
    staged: bool = False,
    rev_range: str | None = None,
    base: str | None = None,
    ci: bool = False,
    head: str | None = None,
    message_file: str | None = None,
    policy: Sequence[str] | None = None,
    policy_ref: str | None = None,
    format: str | None = None,
    output: str | None = None,
    reviews: str | None = None,
    labels: Sequence[str] | None = None,
    warn_only: bool = False,
    post_status: str | None = None,
    color: str = "auto",
    extra_reports: Sequence[str] | None = None,
) -> int:
    """`vetgate check`; returns the exit code."""
    if post_status and not ci:
        raise UsageError("--post-status needs --ci (it posts to the pull request's head commit)")
    extra = _parse_extra_reports(extra_reports or ())
    request = CheckRequest(
        repo=repo, staged=staged, rev_range=rev_range, base=base, head=head, ci=ci,
        message_file=message_file, policy=tuple(policy) if policy else None,
        policy_ref=policy_ref, reviews=reviews,
        labels=tuple(labels) if labels is not None else None, warn_only=warn_only,
    )
    targets = [path for _fmt, path in extra]
    if output and output != "-":
        targets.append(output)
    seen: dict[str, str] = {}
    for path in targets:
        real = os.path.realpath(path)
        if real in seen:
            raise UsageError(f"two reports would be written to {path}; give each --output / "
                             "--report its own file")
        seen[real] = path
    try:
        evaluation = evaluate_request(request)
        result = evaluation.result
        _write_reports(result, evaluation, request, format, output, color, extra)
    except (VetgateError, OSError) as exc:
        if post_status:
            # Undecided (or a report that could not be written): the required status must not
            # keep an older success on this head.
            _post_undecided(request.env, post_status, exc)
        raise
    if post_status and evaluation.ci is not None and result.head:
        from vetgate.hosts.ci import client_for

        state, description = _STATUS_DESCRIPTIONS[result.verdict]
        if result.warn_only:
            state = "success"
        client_for(evaluation.ci, request.env).post_status(
            result.head, state, post_status, description,
        )
    return exit_code(result)
