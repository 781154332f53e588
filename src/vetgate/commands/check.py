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


class _Replay:
    """The replay table for a CI run that edits the policy files, computed at most once."""

    def __init__(self, evaluation: Evaluation, request: CheckRequest, budget: float) -> None:
        from vetgate.replay.ci import policy_edited

        self._wanted = evaluation.ci is not None and policy_edited(evaluation.result)
        self._evaluation, self._request, self._budget = evaluation, request, budget
        self._text: str | None = None

    def section(self) -> str:
        """The markdown to append ("" when the change does not edit the policy)."""
        if not self._wanted:
            return ""
        if self._text is None:
            from vetgate.changes.git import repo_root
            from vetgate.replay.ci import replay_section

            self._text = "\n" + replay_section(
                repo_root(self._request.repo), self._evaluation.result, self._request.policy,
                budget=self._budget)
        return self._text


def _write_reports(result: CheckResult, evaluation: Evaluation, request: CheckRequest,
                   format: str | None, output: str | None, color: str,
                   extra: Sequence[tuple[str, str]], replay_budget: float) -> None:
    from vetgate import report
    from vetgate.commands.common import use_color, write_output

    replay = _Replay(evaluation, request, replay_budget)
    fmt = format or ("github" if evaluation.ci and evaluation.ci.platform == "github" else "text")
    text = report.render(result, fmt, color=use_color(color, output))
    write_output(text + (replay.section() if fmt == "markdown" else ""), output)
    for extra_fmt, path in extra:
        extra_text = report.render(result, extra_fmt)
        write_output(extra_text + (replay.section() if extra_fmt == "markdown" else ""), path)
    summary_path = request.env.get("GITHUB_STEP_SUMMARY")
    if fmt == "github" and summary_path:
        from vetgate.report.github import step_summary

        try:
            with open(summary_path, "a", encoding="utf-8") as handle:
                handle.write(step_summary(result) + replay.section())
        except OSError as exc:
            raise UsageError(f"cannot append to $GITHUB_STEP_SUMMARY ({summary_path}): "
                             f"{exc.strerror}") from exc


def _replay_budget(value: str | None, ci: bool) -> float:
    from vetgate.replay.ci import DEFAULT_BUDGET

    if value is None:
        return DEFAULT_BUDGET
    if not ci:
        raise UsageError("--replay-budget goes with --ci (the replay table is added when a pull "
                         "request edits the policy)")
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise UsageError(f"--replay-budget {value}: give seconds, 0 or more (e.g. "
                         f"--replay-budget {DEFAULT_BUDGET:g}; 0 skips the replay)")
    return seconds


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


def _evaluate(request: CheckRequest) -> Evaluation:
    """``evaluate_request`` with the repository's store of compiled policies in use (one git
    process finds both the top level and the store: ``vetgate.compiled``, docs/hooks.md)."""
    from vetgate import compiled
    from vetgate.changes.pending import repo_state
    from vetgate.records import replace

    state = repo_state(request.repo)
    compiled.use_directory(state.compiled_dir)
    try:
        return evaluate_request(replace(request, repo=state.root, state=state))
    finally:
        compiled.use_directory(None)


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
    replay_budget: str | None = None,
) -> int:
    """`vetgate check`; returns the exit code."""
    if post_status and not ci:
        raise UsageError("--post-status needs --ci (it posts to the pull request's head commit)")
    budget = _replay_budget(replay_budget, ci)
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
        evaluation = _evaluate(request)
        result = evaluation.result
        _write_reports(result, evaluation, request, format, output, color, extra, budget)
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
