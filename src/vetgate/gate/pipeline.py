"""The gate pipeline: a ``CheckRequest`` (what ``check`` or a hook asks for) in, an
``Evaluation`` out.

Data flows one way: the change (``vetgate.changes``) and the policy (``vetgate.gate.policy``),
then provenance (``vetgate.provenance``) and host evidence (``vetgate.hosts``), all gathered
before the pure engine (``vetgate.engine``) judges. Nothing here prints.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from vetgate.changes.model import ChangeSet, Commit
from vetgate.engine.requirements import EvaluationInputs
from vetgate.engine.result import CheckResult
from vetgate.errors import EXIT_BLOCK, EXIT_PASS, HostError, UsageError
from vetgate.gate.origins import classify_with
from vetgate.policy.model import OriginConfig, Policy
from vetgate.provenance.model import CommitOrigin, ProvenanceContext
from vetgate.records import field, frozen

if TYPE_CHECKING:
    from vetgate.changes.pending import PendingIdentity, RepoState
    from vetgate.hosts.ci import HostClient
    from vetgate.hosts.model import CIContext, ReviewEvidence


@frozen
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
    # The commit-msg hook: inside an agent's shell, add the agent's declaration trailer to
    # ``message_file`` before judging it (git lets commit-msg edit the message).
    declare: bool = False
    state: RepoState | None = None  # what the hook already asked git at start (one rev-parse)


@frozen
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


def _pending_message(request: CheckRequest, policy: Policy, configured: str) -> str:
    """The pending message as git will store it: ``request.message``, or ``message_file``
    cleaned under ``core.commentChar`` = ``configured`` (after the declaration trailer is added,
    for the commit-msg hook)."""
    if request.message is not None:
        return request.message
    if not request.message_file:
        return ""
    from vetgate.changes.message import pending_message, read_message

    path = request.message_file
    if not request.declare:
        if os.path.isdir(path):
            raise UsageError(f"--message-file {path} is a directory; give the message file")
        if not os.path.isfile(path):
            raise UsageError(f"--message-file {path}: no such file")
    raw = read_message(path)
    if request.declare:
        raw = _declare(path, raw, policy.origin, request.env, configured)
    return pending_message(raw, configured)


def _declare(path: str, raw: str, origin: OriginConfig, env: Mapping[str, str],
             configured: str) -> str:
    """Inside an agent's shell, add its declaration trailer to the message file the way ``git
    interpret-trailers`` would (once: an equivalent trailer is not repeated); return the text."""
    from vetgate.provenance.classify import agent_declaration_trailer

    trailer = agent_declaration_trailer(env, origin)
    if trailer is None:
        return raw
    from vetgate.changes.message import effective_comment_char, write_message
    from vetgate.changes.trailers import add_trailer

    updated = add_trailer(raw, trailer[0], trailer[1], effective_comment_char(raw, configured))
    if updated is None or updated == raw:
        return raw
    write_message(path, updated)
    return updated


def _start_staged(root: str, env: Mapping[str, str], state: RepoState) -> None:
    """Start the three git processes a staged check waits for (the index's policy, the
    identities, the staged diff), so git answers them side by side."""
    from vetgate.changes.pending import start_pending
    from vetgate.gate.policy import start_discovery

    start_discovery(root)
    start_pending(root, env, state)


def _staged(request: CheckRequest, root: str, policy: Policy) -> ChangeSet:
    """The staged change and its pending commit (marked first, for the commit-msg hook)."""
    from vetgate.changes.pending import pending_identity, staged_change

    if request.rev_range or request.base:
        raise UsageError("--staged cannot be combined with --range or --base")
    identity: PendingIdentity = pending_identity(root, request.env)
    message = _pending_message(request, policy, identity.comment_char)
    return staged_change(root, message=message, env=request.env, state=request.state,
                         identity=identity)


def _collect(request: CheckRequest, root: str, mode: str, ci: CIContext | None
             ) -> tuple[ChangeSet, str | None]:
    """The change, and the revision whose policy governs it (None: the work tree)."""
    from vetgate.changes import collect

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
    from vetgate.gate.policy import discover_at, load_policy_at

    if change.head is None:
        return
    if request.policy:
        # The explicit files as the change leaves them (one it deletes is an error).
        load_policy_at(root, request.policy, change.head)
    elif discover_at(root, change.head) is not None:
        load_policy_at(root, None, change.head)  # raises PolicyError naming file@head:line:col


def _policy_untouched(request: CheckRequest, policy_rev: str | None, policy: Policy,
                      change: ChangeSet) -> bool:
    """Whether the head's policy is, file for file, the base's one just loaded (so validating
    it again would only repeat the work): the policy was read from the base itself and no
    changed path is a policy file, a file an include glob would read, or a policy look-alike."""
    from vetgate.policy.model import BUILTIN_POLICY_RULE_ID

    if request.policy or request.policy_ref or policy_rev is None or policy.matcher is None:
        return False
    for file in change.files:
        for path in file.paths:
            if path.rsplit("/", 1)[-1].lower().startswith(".vetgate") or (
                    BUILTIN_POLICY_RULE_ID in policy.matcher.rules_for(path)):
                return False
    return True


def needed(policy: Policy, change: ChangeSet) -> frozenset[str]:
    """The evidence (``reviews``, ``labels``, ``signatures``, ``test_contents``, ``repo_files``)
    the rules matching ``change`` need."""
    from vetgate.engine.kinds import needed_evidence

    return frozenset(needed_evidence(policy, (p for file in change.files for p in file.paths)))


MAX_TEST_BYTES = 1 << 20  # a test file larger than this is not read for its imports


def _related_evidence(root: str, policy: Policy, change: ChangeSet, needs: frozenset[str]
                      ) -> tuple[Mapping[str, str], tuple[str, ...] | None]:
    """For ``tests: related``: the content at head of the changed tests whose imports may decide
    (only when names did not), and every file of the repository at head."""
    if "test_contents" not in needs and "repo_files" not in needs:
        return {}, None
    from vetgate.changes.repo import list_tree_at, read_blobs, tracked_files
    from vetgate.engine.related_check import contents_to_read

    wanted = [f for f in contents_to_read(policy, change.files) if f.new_blob]
    blobs = read_blobs(root, [f.new_blob for f in wanted if f.new_blob], max_bytes=MAX_TEST_BYTES)
    contents = {f.path: blobs[f.new_blob].decode("utf-8", "replace")
                for f in wanted if f.new_blob in blobs}
    if change.mode == "staged" or change.head is None:
        files = tracked_files(root)
    else:
        files = list_tree_at(root, change.head)
    return contents, tuple(files)


def _review_groups_teams(policy: Policy) -> list[str]:
    teams: dict[str, None] = {}
    for members in policy.groups.values():
        for member in members:
            if member.startswith("@"):
                teams.setdefault(member, None)
    return list(teams)


def _with_entries(evidence: ReviewEvidence, root: str, change: ChangeSet) -> ReviewEvidence:
    """Add the (mode, object id), at each reviewed commit, of the changed paths (for
    ``fresh: content``)."""
    from vetgate.changes.repo import entries_at
    from vetgate.errors import GitError
    from vetgate.records import replace

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


def prepare_reviews(evidence: ReviewEvidence, commits: Sequence[Commit]) -> ReviewEvidence:
    """``evidence`` with the plain facts the engine judges independence by: the co-author
    addresses of each commit and which reviewers are known agent accounts."""
    from vetgate.hosts.evidence import coauthor_emails
    from vetgate.provenance.classify import is_agent_account
    from vetgate.records import replace

    coauthors = {c.sha or "": tuple(coauthor_emails(c.message)) for c in commits}
    agents = frozenset(r.user.lower() for r in evidence.reviews if is_agent_account(r.user))
    return replace(evidence, coauthors=coauthors, agent_reviewers=agents)


@frozen
class JudgeInputs:
    """What the code host (or the pipeline) says, besides the change: for ``judge``."""

    env: Mapping[str, str] | None = None  # commit-time environment: a pending commit only
    branch: str | None = None
    labels: tuple[str, ...] | None = None  # None: not known here
    reviews: ReviewEvidence | None = None
    ci: bool = False  # CI authority
    client: HostClient | None = None  # asked for reviews when a rule needs them
    notes: Mapping[str, str] | None = None  # git-ai notes, when already read (None: read them)
    traces: Mapping[str, tuple[Mapping[str, object], ...]] | None = None


def _with_content_links(root: str, policy: Policy, change: ChangeSet,
                        origins: Sequence[CommitOrigin]) -> ChangeSet:
    """``change`` with its files linked by content to the range's AI commits (content moved
    where git recorded no rename: copy then delete, a move above diff.renameLimit)."""
    ai_shas = [o.sha for o in origins if o.sha and o.counts_as == "ai"]
    if change.mode != "range" or not ai_shas:
        return change
    if len(ai_shas) == len(change.commits):
        # Every commit is AI-origin, so every file already is: a link could add nothing (a
        # squash or rebase commit of an agent's pull request, the common case in a replay).
        return change
    from vetgate.changes.links import content_links
    from vetgate.records import replace

    matcher = policy.matcher
    judged = None if policy.coverage != "ignore" or matcher is None else (
        lambda path: bool(matcher.rules_for(path)))
    return replace(change, content_links=content_links(root, change, ai_shas, judged))


def judge(root: str, policy: Policy, change: ChangeSet, evidence: JudgeInputs | None = None, *,
          warn_only: bool = False) -> CheckResult:
    """Judge a collected ``change`` by ``policy``: provenance, review and signature evidence are
    gathered here, then the engine evaluates. Never raises for an undecidable rule: it comes
    back with status ``error`` (see ``undecided``)."""
    from vetgate.engine.evaluate import evaluate

    evidence = evidence or JudgeInputs()
    needs = needed(policy, change)
    shas = [c.sha for c in change.commits if c.sha]
    notes, traces = evidence.notes, evidence.traces
    if notes is None or traces is None:
        from vetgate.changes.notes import read_agent_traces, read_ai_notes

        if notes is None:
            notes = read_ai_notes(root, shas) if shas else {}
        if traces is None:
            traces = read_agent_traces(root, change.head) if shas and change.head else {}
    context = ProvenanceContext(env=evidence.env, branch=evidence.branch,
                                labels=evidence.labels or (), notes=notes, traces=traces)
    origins = classify_with(policy.origin, change.commits, context)
    change = _with_content_links(root, policy, change, origins)

    reviews = evidence.reviews
    if reviews is None and evidence.client is not None and "reviews" in needs:
        reviews = evidence.client.review_evidence(change.commits, _review_groups_teams(policy))
    if reviews is not None:
        reviews = prepare_reviews(_with_entries(reviews, root, change), change.commits)

    signatures: Mapping[str, bool] = {}
    if shas and "signatures" in needs:
        from vetgate.changes.repo import signature_status

        signatures = signature_status(root, shas)
    test_contents, repo_files = _related_evidence(root, policy, change, needs)
    inputs = EvaluationInputs(ci=evidence.ci, reviews=reviews, labels=evidence.labels,
                              signatures=signatures, test_contents=test_contents,
                              repo_files=repo_files)
    return evaluate(policy, change, origins, inputs=inputs, warn_only=warn_only)


def undecided(result: CheckResult) -> str | None:
    """The first reason a rule of ``result`` could not be judged (status ``error``), or None."""
    for rule in result.results:
        if rule.status == "error":
            for requirement in rule.requirements:
                if requirement.status == "error":
                    return requirement.message
            return rule.reason or f"rule {rule.rule} could not be judged"
    return None


def _with_policy_source(result: CheckResult, policy: Policy, mode: str, rev: str | None,
                        request: CheckRequest, differs: Sequence[str]) -> CheckResult:
    """``result`` saying which policy judged, and when the head's or the work tree's differs."""
    from vetgate.gate.policy import head_policy_note, policy_source, work_tree_note
    from vetgate.records import replace

    notes = [work_tree_note(differs)]
    if mode in ("range", "ci"):
        notes.append(head_policy_note(policy, [p for f in result.files for p in f.change.paths]))
    source = policy_source(policy, mode, rev, bool(request.policy), request.policy_ref)
    return replace(result, policy_source=source, policy_notes=tuple(n for n in notes if n))


def evaluate_request(request: CheckRequest) -> Evaluation:
    """Gather everything ``request`` asks for and evaluate it (no printing).

    A rule the evidence cannot decide (a team whose membership the token cannot read) raises
    ``HostError``: the whole run is undecided (exit 2).
    """
    from vetgate.changes.git import repo_root
    from vetgate.gate.policy import load_policy_at

    root = request.state.root if request.state is not None else repo_root(request.repo)
    mode = _selection(request)
    ci_context: CIContext | None = None
    client = None
    if mode == "ci":
        from vetgate.hosts.ci import client_for, detect

        ci_context = detect(request.env)
        client = client_for(ci_context, request.env)
    differs: list[str] = []
    if mode == "staged":
        # The hooks and --staged judge the policy the commit will carry: the index's.
        policy_rev = request.policy_ref
        try:
            if request.state is not None and not request.policy and policy_rev is None:
                _start_staged(root, request.env, request.state)
            policy = load_policy_at(root, request.policy, policy_rev, index=True,
                                    differs=differs)
            change = _staged(request, root, policy)
        finally:
            from vetgate.changes.git import forget_started

            forget_started()
    else:
        change, policy_rev = _collect(request, root, mode, ci_context)
        policy = load_policy_at(root, request.policy, policy_rev)
        if not _policy_untouched(request, policy_rev, policy, change):
            _validate_head_policy(root, request, change)

    labels = request.labels
    if client is not None and labels is None:
        if "labels" in needed(policy, change) or policy.origin.markers.labels or (
                policy.origin.human.labels):
            # Fresh from the API: a re-run replays the original payload and its stale labels.
            labels = client.labels()
        else:
            labels = ci_context.labels if ci_context else None
    reviews = None
    if request.reviews:
        from vetgate.hosts.reviewfile import load_reviews_file

        reviews = load_reviews_file(request.reviews)
    evidence = JudgeInputs(
        env=request.env if mode == "staged" else None,
        branch=ci_context.branch if ci_context else None,
        labels=labels, reviews=reviews, ci=mode == "ci", client=client,
    )
    result = judge(root, policy, change, evidence, warn_only=request.warn_only)
    result = _with_policy_source(result, policy, mode, policy_rev, request, differs)
    reason = undecided(result)
    if reason is not None:
        raise HostError(reason)
    return Evaluation(result=result, ci=ci_context)


def exit_code(result: CheckResult) -> int:
    """0 pass or warn (or any verdict under --warn-only), 1 when a block rule fails."""
    if result.verdict == "fail" and not result.warn_only:
        return EXIT_BLOCK
    return EXIT_PASS
