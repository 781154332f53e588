"""`vetgate check`: evaluate a change against the policy.

This module gathers the inputs (the change, the policy, provenance, CI evidence), hands them to the
pure engine, and prints the report. ``evaluate_change`` is the in-process entry the hooks use.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from vetgate.changes.model import ChangeSet
from vetgate.engine.requirements import EvaluationInputs
from vetgate.engine.result import CheckResult
from vetgate.errors import EXIT_BLOCK, EXIT_PASS, UsageError, VetgateError
from vetgate.hosts.model import CIContext, ReviewEvidence
from vetgate.policy.model import Policy


@dataclass(frozen=True)
class CheckRequest:
    """What to check, as the command line (or a hook) asked for it."""

    repo: str = "."
    staged: bool = False
    rev_range: str | None = None
    base: str | None = None
    head: str | None = None
    ci: bool = False
    message_file: str | None = None
    message: str | None = None  # the pending message, already cleaned (hooks)
    from_root: bool = False  # judge every commit reachable from ``head`` (first push, hooks)
    policy: tuple[str, ...] | None = None
    policy_ref: str | None = None
    reviews: str | None = None
    labels: tuple[str, ...] | None = None
    warn_only: bool = False
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))


@dataclass(frozen=True)
class Evaluation:
    """A finished check: the result plus what the CI half needs to post a status."""

    result: CheckResult
    ci: CIContext | None = None


def _selection(request: CheckRequest) -> str:
    for option, value in (("--base", request.base), ("--range", request.rev_range),
                          ("--head", request.head)):
        if value is not None and not value.strip():
            # An unset variable in a CI script (`--base "$BASE"`) must not quietly select
            # something else (the staged index) and pass.
            raise UsageError(f"{option} is empty; give it a revision (is a variable unset?)")
    if request.head and not request.base and not request.from_root:
        raise UsageError("--head goes with --base: use `--base REF --head REF`")
    if request.message_file is not None and (
            request.ci or request.base is not None or request.rev_range is not None):
        raise UsageError("--message-file is the pending commit's message: use it with --staged "
                         "(a range is judged by its commits' own messages)")
    if request.ci:
        return "ci"
    if request.from_root:
        return "root"
    if request.rev_range is not None or request.base is not None:
        return "range"
    return "staged"


def _pending_message(request: CheckRequest, root: str) -> str:
    if request.message is not None:
        return request.message
    if not request.message_file:
        return ""
    from vetgate.changes.message import read_message_file
    from vetgate.changes.repo import comment_char

    if os.path.isdir(request.message_file):
        raise UsageError(f"--message-file {request.message_file} is a directory; give the "
                         "message file")
    if not os.path.isfile(request.message_file):
        raise UsageError(f"--message-file {request.message_file}: no such file")
    return read_message_file(request.message_file, comment_char(root))


def _collect(request: CheckRequest, root: str, mode: str, ci: CIContext | None
             ) -> tuple[ChangeSet, str | None]:
    """The change, and the revision whose policy governs it (None: the work tree)."""
    from vetgate.changes import collect

    if mode == "staged":
        if request.rev_range or request.base:
            raise UsageError("--staged cannot be combined with --range or --base")
        message = _pending_message(request, root)
        change = collect.staged_change(root, message=message, env=request.env)
        return change, request.policy_ref
    if mode == "root":
        # No base to read the policy from: the work tree's (or --policy-ref's) policy judges.
        return collect.history_change(root, request.head or "HEAD"), request.policy_ref
    if mode == "ci":
        assert ci is not None
        if not ci.base or not ci.head:
            raise UsageError(
                f"the {ci.platform} event does not name a base and a head commit; run "
                "`vetgate check --ci` on pull/merge request events (or use --base/--head)"
            )
        base, head = _freshest_base(root, ci.base, ci.base_ref), ci.head
    elif request.rev_range:
        base, head = collect.parse_range(root, request.rev_range)
    else:
        assert request.base is not None
        base, head = request.base, request.head or "HEAD"
    change = collect.range_change(root, base, head)
    from vetgate.changes.repo import resolve

    # The gate reads the policy from the base, so a change cannot weaken its own gate.
    return change, request.policy_ref or resolve(root, base)


def _freshest_base(root: str, base: str, base_ref: str | None) -> str:
    """The event's base commit, or the base branch's remote-tracking ref when that is newer.

    GitHub's ``pull_request.base.sha`` can lag behind the base branch (and a re-run replays an
    old payload): commits that reached the base branch since, and that the pull request merged
    in, would then be blamed on it. The remote-tracking ref fetched with the clone is current.
    """
    from vetgate.changes.repo import is_ancestor, resolve, resolve_optional

    if not base_ref:
        return base
    tracking = resolve_optional(root, f"refs/remotes/origin/{base_ref}")
    if tracking is None:
        return base
    base_sha = resolve(root, base)
    return tracking if tracking != base_sha and is_ancestor(root, base_sha, tracking) else base


def _validate_head_policy(root: str, request: CheckRequest, change: ChangeSet) -> None:
    """The change's own policy must be valid too, even though the base's policy judges it."""
    from vetgate.commands.common import discover_at, load_policy_at

    if change.head is None:
        return
    if request.policy:
        # The explicit files as the change leaves them (one it deletes is an error).
        load_policy_at(root, request.policy, change.head)
    elif discover_at(root, change.head) is not None:
        load_policy_at(root, None, change.head)  # raises PolicyError naming file@head:line:col


def _review_groups_teams(policy: Policy) -> list[str]:
    teams: dict[str, None] = {}
    for members in policy.groups.values():
        for member in members:
            if member.startswith("@"):
                teams.setdefault(member, None)
    return list(teams)


def _with_blobs(evidence: ReviewEvidence, root: str, change: ChangeSet) -> ReviewEvidence:
    """Add the (mode, object id), at each reviewed commit, of the changed paths (for
    ``fresh: content``)."""
    from dataclasses import replace

    from vetgate.changes.repo import entries_at
    from vetgate.errors import GitError

    paths = sorted({f.path for f in change.files})
    entries: dict[str, Mapping[str, tuple[str, str] | None]] = dict(evidence.entries_at)
    for review in evidence.reviews:
        sha = review.commit_id
        if not sha or sha == change.head or sha in entries:
            continue
        try:
            entries[sha] = entries_at(root, sha, paths)
        except GitError:
            # The reviewed commit is gone (force-push) or not fetched: its approval cannot be
            # tied to the current content, so it stays absent and counts as stale.
            continue
    return replace(evidence, entries_at=entries)


def evaluate_request(request: CheckRequest) -> Evaluation:
    """Gather everything ``request`` asks for and evaluate it (no printing)."""
    from vetgate.changes.git import repo_root
    from vetgate.commands.common import load_policy_at
    from vetgate.engine.evaluate import evaluate
    from vetgate.provenance.classify import Classifier
    from vetgate.provenance.model import ProvenanceContext

    root = repo_root(request.repo)
    mode = _selection(request)
    ci_context: CIContext | None = None
    client = None
    if mode == "ci":
        from vetgate.hosts.ci import client_for, detect

        ci_context = detect(request.env)
        client = client_for(ci_context, request.env)
    change, policy_rev = _collect(request, root, mode, ci_context)
    policy = load_policy_at(root, request.policy, policy_rev)
    if mode != "staged":
        _validate_head_policy(root, request, change)

    from vetgate.engine.kinds import needed_evidence

    needs = needed_evidence(policy, (path for file in change.files for path in file.paths))
    labels = request.labels
    if client is not None and labels is None:
        if "labels" in needs or policy.origin.markers.labels or (
                policy.origin.human.labels):
            # Fresh from the API: a re-run replays the original payload and its stale labels.
            labels = client.labels()
        else:
            labels = ci_context.labels if ci_context else None
    branch = ci_context.branch if ci_context else None
    notes: Mapping[str, str] = {}
    traces: Mapping[str, tuple[Mapping[str, object], ...]] = {}
    shas = [c.sha for c in change.commits if c.sha]
    if shas:
        from vetgate.changes.notes import read_agent_traces, read_ai_notes

        notes = read_ai_notes(root, shas)
        if change.head:
            traces = read_agent_traces(root, change.head)
    context = ProvenanceContext(
        env=request.env if mode == "staged" else None,
        branch=branch, labels=labels or (), notes=notes, traces=traces,
    )
    classifier = Classifier(policy.origin)
    origins = [classifier.classify(commit, context) for commit in change.commits]

    reviews: ReviewEvidence | None = None
    if request.reviews:
        from vetgate.hosts.reviewfile import load_reviews_file

        reviews = load_reviews_file(request.reviews)
    elif client is not None and "reviews" in needs:
        reviews = client.review_evidence(change.commits, _review_groups_teams(policy))
    if reviews is not None:
        reviews = _with_blobs(reviews, root, change)

    signatures: Mapping[str, bool] = {}
    if shas and "signatures" in needs:
        from vetgate.changes.repo import signature_status

        signatures = signature_status(root, shas)

    inputs = EvaluationInputs(ci=mode == "ci", reviews=reviews, labels=labels,
                              signatures=signatures)
    result = evaluate(policy, change, origins, inputs=inputs, warn_only=request.warn_only)
    return Evaluation(result=result, ci=ci_context)


def evaluate_change(**options: object) -> CheckResult:
    """In-process entry for hooks: ``evaluate_change(repo=..., staged=True, message=...)``."""
    return evaluate_request(CheckRequest(**options)).result  # type: ignore[arg-type]


def exit_code(result: CheckResult) -> int:
    """0 pass or warn (or any verdict under --warn-only), 1 when a block rule fails."""
    if result.verdict == "fail" and not result.warn_only:
        return EXIT_BLOCK
    return EXIT_PASS


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
