"""One evaluator per requirement kind. Pure functions of plain data; no git, no I/O.

Each evaluator receives the rule, the requirement and a ``RuleScope`` (the files and commits the
rule applies to) and returns one ``RequirementResult`` whose message says, for an unmet
requirement, the one step that satisfies it.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from vetgate.changes.model import ChangeSet, Commit, FileChange
from vetgate.engine.result import RequirementResult
from vetgate.policy.model import (
    ForbidRequirement,
    LabelRequirement,
    MaxLinesRequirement,
    Policy,
    ReviewRequirement,
    Rule,
    SignedRequirement,
    TestsRequirement,
    TrailerRequirement,
)
from vetgate.records import field, frozen

if TYPE_CHECKING:
    from vetgate.hosts.model import Review, ReviewEvidence
    from vetgate.policy.pattern_index import PatternIndex


@frozen
class EvaluationInputs:
    """Everything besides the policy and the change that requirements may consult."""

    ci: bool = False  # CI authority: review and label evidence come from the code host
    reviews: ReviewEvidence | None = None
    labels: tuple[str, ...] | None = None  # None: not known here (local runs)
    signatures: Mapping[str, bool] = field(default_factory=dict)  # sha -> good signature
    # tests: related — the content at head of the changed files it reads (path -> text), and
    # every file of the repository at head (None: not read, e.g. no related rule matched).
    test_contents: Mapping[str, str] = field(default_factory=dict)
    repo_files: tuple[str, ...] | None = None


class ChangeIndex:
    """The changed files each pattern list of the policy's requirements matches, computed once
    for all of them on first use (see ``vetgate.policy.pattern_index``)."""

    def __init__(self, change: ChangeSet, pattern_lists: Sequence[tuple[str, ...]], *,
                 case_sensitive: bool = True,
                 index_of_lists: Callable[[], PatternIndex] | None = None) -> None:
        self._change = change
        self._lists = tuple(dict.fromkeys(pattern_lists))
        self._case_sensitive = case_sensitive
        # An index of exactly ``self._lists`` built beforehand (the policy keeps one), asked for
        # only when a list is first matched.
        self._index_of_lists = index_of_lists
        self._found: dict[tuple[str, ...], tuple[FileChange, ...]] | None = None

    def files_matching(self, patterns: tuple[str, ...]) -> tuple[FileChange, ...]:
        """The changed files (by their new path) that ``patterns`` match, in change order."""
        if self._found is None or patterns not in self._found:
            from vetgate.policy.pattern_index import PatternIndex

            files = self._change.files
            paths = [f.path for f in files]
            if self._index_of_lists is not None and patterns in self._lists:
                lists = self._lists
                matched = self._index_of_lists().match(paths)
            else:
                lists = self._lists if patterns in self._lists else (*self._lists, patterns)
                matched = PatternIndex(lists, case_sensitive=self._case_sensitive).match(paths)
            self._found = {
                patterns_: tuple(files[i] for i in positions)
                for patterns_, positions in zip(lists, matched, strict=True)
            }
        return self._found[patterns]


@frozen
class RuleScope:
    """What a rule applies to within the change."""

    policy: Policy
    change: ChangeSet
    files: tuple[FileChange, ...]  # matching files whose origin fits the rule
    commits: tuple[Commit, ...]  # commits that touched those files and whose origin fits the rule
    inputs: EvaluationInputs
    index: ChangeIndex | None = None  # shared by every rule of one evaluation

    def files_matching(self, patterns: tuple[str, ...]) -> tuple[FileChange, ...]:
        """The changed files ``patterns`` match (indexed once per evaluation)."""
        index = self.index
        if index is None:
            index = ChangeIndex(self.change, (patterns,),
                                case_sensitive=self.policy.case_sensitive)
        return index.files_matching(patterns)

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(f.path for f in self.files)

    @property
    def staged(self) -> bool:
        return self.change.mode == "staged"


def _short(sha: str | None) -> str:
    return sha[:10] if sha else "the pending commit"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _quote_list(items: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown if len(items) <= limit else f"{shown} and {len(items) - limit} more"


# --- forbid -------------------------------------------------------------------------------------


def check_forbid(rule: Rule, req: ForbidRequirement, scope: RuleScope) -> RequirementResult:
    return RequirementResult(
        kind="forbid", status="fail", paths=scope.paths,
        message=f"{req.message.strip()} (AI-origin changes to: {_quote_list(scope.paths)})",
    )


# --- tests --------------------------------------------------------------------------------------


def check_tests(rule: Rule, req: TestsRequirement, scope: RuleScope) -> RequirementResult:
    if req.related:
        from vetgate.engine.related_check import check_related

        return check_related(rule, req, scope)
    found: list[str] = []
    ignored: list[str] = []  # matching files whose content did not change: they test nothing new
    for file in scope.files_matching(req.patterns):
        why = file.no_content_reason()
        if why is None:
            found.append(file.path)
        elif file.status != "D":
            ignored.append(f"{file.path}: {why}, does not count")
    globs = ", ".join(req.patterns)
    if len(found) >= req.min:
        return RequirementResult(
            kind="tests", status="pass", paths=tuple(found), details=tuple(ignored),
            message=f"{_plural(len(found), 'test file')} matching {globs} changed "
            f"(at least {req.min} required)",
        )
    where = "in this commit" if scope.staged else "in this change"
    return RequirementResult(
        kind="tests", status="fail", paths=scope.paths, details=(*found, *ignored),
        message=f"Add or update at least {_plural(req.min, 'test file')} matching {globs} "
        f"{where} (found {len(found)})",
    )


# --- review -------------------------------------------------------------------------------------

_NOREPLY = re.compile(r"^(?:\d+\+)?(?P<login>[^@]+)@users\.noreply\.github\.com$", re.IGNORECASE)


def _login_from_email(email: str, login_by_email: Mapping[str, str]) -> str | None:
    email = email.strip().lower()
    if email in login_by_email:
        return login_by_email[email].lower()
    match = _NOREPLY.match(email)
    return match.group("login").lower() if match else None


class _CannotTell(Exception):
    """The evidence cannot decide a requirement (the rule is then ``error``)."""


def _gathered(evidence: ReviewEvidence) -> tuple[Mapping[str, tuple[str, ...]], frozenset[str]]:
    if evidence.coauthors is None or evidence.agent_reviewers is None:
        # A programming error, not an input problem: the gate prepares every ReviewEvidence.
        raise RuntimeError("review evidence reached the engine without the range's co-authors "
                           "and agent accounts (vetgate.gate.pipeline.prepare_reviews)")
    return evidence.coauthors, evidence.agent_reviewers


def _commit_people(commits: Sequence[Commit], evidence: ReviewEvidence) -> dict[str, str]:
    """Lower-cased logins and emails of everyone who wrote the range -> why they are excluded."""
    coauthors, _agents = _gathered(evidence)
    people: dict[str, str] = {}

    def add(email: str, role: str, sha: str | None) -> None:
        why = f"{role} of commit {_short(sha)}"
        people.setdefault(email.strip().lower(), why)
        login = _login_from_email(email, evidence.login_by_email)
        if login:
            people.setdefault(login, why)

    for commit in commits:
        add(commit.author.email, "author", commit.sha)
        add(commit.committer.email, "committer", commit.sha)
        # Every Co-authored-by line counts, not only the final trailer block: for independence,
        # wrongly excluding a reviewer is the safe mistake.
        for email in coauthors.get(commit.sha or "", ()):
            add(email, "co-author", commit.sha)
    for login in evidence.range_people:
        people.setdefault(login.lower(), "author, committer or co-author of a commit in the range")
    return people


def _members(policy: Policy, groups: Sequence[str]) -> tuple[str, ...]:
    members: list[str] = []
    for group in groups:
        members.extend(policy.groups.get(group, ()))
    return tuple(members)


def _in_groups(user: str, members: Sequence[str], evidence: ReviewEvidence) -> bool:
    """Whether ``user`` is one of ``members`` (logins, emails, "@org/team").

    People named directly are checked first, so an unreadable team never stands in the way of a
    reviewer the policy names by login; a team is consulted only when it can decide, and a team
    whose membership could not be read is an error ("cannot tell"), never "not a member".
    """
    login = user.lower()
    teams: list[str] = []
    for member in members:
        entry = member.strip()
        if entry.startswith("@"):
            teams.append(entry)
        elif "@" in entry:
            address = entry.lower()
            if login == address or _login_from_email(address, evidence.login_by_email) == login:
                return True
        elif entry.lower() == login:
            return True
    for entry in teams:
        team = evidence.team_members.get(entry)
        if team is None:
            team = evidence.team_members.get(entry.lower())
        if team is None:
            why = evidence.team_errors.get(entry) or evidence.team_errors.get(entry.lower())
            raise _CannotTell(
                why or f"cannot tell whether {user} is in {entry}: team membership was not "
                "resolved; give vetgate a token that can read team membership (read:org on GitHub)"
            )
        if login in {m.lower() for m in team}:
            return True
    return False


def _stale_paths(review: Review, req: ReviewRequirement, scope: RuleScope,
                 evidence: ReviewEvidence) -> tuple[str, ...] | None:
    """None when the approval is fresh under ``req.fresh``; else the paths that changed since."""
    head = scope.change.head
    if req.fresh == "any" or (review.commit_id is not None and review.commit_id == head):
        return None
    if review.commit_id is None:
        # GitLab approvals carry no commit: GitLab's own "reset approvals on push" setting governs
        # them. A GitHub review without commit_id cannot be tied to content: stale unless fresh=any.
        return None if evidence.source == "gitlab" else scope.paths
    if req.fresh == "head":
        return scope.paths
    then = evidence.entries_at.get(review.commit_id)
    if then is None:
        return scope.paths
    # Content is the bytes and what git makes of them: mode and type (regular, executable,
    # symlink, submodule) as well as the object id.
    changed = tuple(f.path for f in scope.files if then.get(f.path) != f.new_entry)
    return changed or None


def check_review(rule: Rule, req: ReviewRequirement, scope: RuleScope) -> RequirementResult:
    """Approvals by independent humans of the required groups; ``error`` when the evidence
    cannot tell whether an approver is in a group (the run is then undecided, exit 2)."""
    try:
        return _check_review(req, scope)
    except _CannotTell as exc:
        return RequirementResult(kind="review", status="error", paths=scope.paths,
                                 message=str(exc))


def _check_review(req: ReviewRequirement, scope: RuleScope) -> RequirementResult:
    members = _members(scope.policy, req.groups)
    who = (
        f"{' or '.join(req.groups)} ({_quote_list(members)})" if req.groups
        else "an independent human reviewer"
    )
    need = f"{_plural(req.count, 'approval')} from {who}"
    evidence = scope.inputs.reviews
    if evidence is None:
        if scope.inputs.ci:
            return RequirementResult(
                kind="review", status="fail", paths=scope.paths,
                message=f"Needs {need}, but no review evidence was available to this run; run "
                "`vetgate check --ci` on the pull request (or pass --reviews FILE)",
            )
        return _local_review(req, scope, need)

    _coauthors, agents = _gathered(evidence)
    people = _commit_people(scope.change.commits, evidence)
    pr_author = (evidence.pr_author or "").lower()
    counted: list[str] = []
    notes: list[str] = []
    stale_users: list[str] = []
    for review in evidence.reviews:
        if review.state != "APPROVED":
            continue
        user = review.user
        login = user.lower()
        if review.is_bot or login in agents:
            notes.append(f"{user}: not counted, a bot or agent account")
        elif pr_author and login == pr_author:
            notes.append(f"{user}: not counted, the pull request's author")
        elif login in people:
            notes.append(f"{user}: not counted, {people[login]} (not independent)")
        elif req.groups and not _in_groups(user, members, evidence):
            notes.append(f"{user}: not counted, not in {' or '.join(req.groups)}")
        else:
            stale = _stale_paths(review, req, scope, evidence)
            if stale is None:
                counted.append(user)
                notes.append(f"{user}: approved" + (
                    f" {review.commit_id[:10]}" if review.commit_id else ""))
            else:
                stale_users.append(user)
                at = review.commit_id[:10] if review.commit_id else "an unknown commit"
                notes.append(
                    f"{user}: approval of {at} is stale ({req.fresh}): "
                    f"{_quote_list(stale)} changed since — ask {user} to re-approve"
                )
    if len(counted) >= req.count:
        return RequirementResult(
            kind="review", status="pass", paths=scope.paths, details=tuple(notes),
            message=f"{_plural(len(counted), 'approval')} from {who}: {', '.join(counted)}",
        )
    message = f"Needs {need}; has {len(counted)}."
    if stale_users:
        message += (f" The approval of {', '.join(stale_users)} went stale when the files changed:"
                    " re-approve the current head.")
    else:
        message += " Request a review on the pull request."
    return RequirementResult(
        kind="review", status="fail", paths=scope.paths, details=tuple(notes), message=message,
    )


def _local_review(req: ReviewRequirement, scope: RuleScope, need: str) -> RequirementResult:
    from vetgate.changes.trailers import parse_trailers

    declared = []
    for commit in scope.commits or scope.change.commits:
        for trailer in parse_trailers(commit.message):
            if trailer.key.lower() == "reviewed-by":
                declared.append(f"Reviewed-by: {trailer.value} ({_short(commit.sha)})")
    message = f"Needs {need} on the pull request; CI checks it"
    if declared:
        message += " (Reviewed-by trailers are shown but do not count)"
    return RequirementResult(
        kind="review", status="pending", paths=scope.paths, details=tuple(declared),
        message=message,
    )


# --- trailer ------------------------------------------------------------------------------------


def _has_trailer(commit: Commit, req: TrailerRequirement) -> bool:
    from vetgate.changes.trailers import parse_trailers

    key = req.key.lower()
    for trailer in parse_trailers(commit.message):
        if trailer.key.lower() != key:
            continue
        if req.value is None or fnmatch.fnmatchcase(trailer.value.lower(), req.value.lower()):
            return True
    return False


def check_trailer(rule: Rule, req: TrailerRequirement, scope: RuleScope) -> RequirementResult:
    wanted = f"{req.key}: {req.value if req.value is not None else '<value>'}"
    missing = [c for c in scope.commits if not _has_trailer(c, req)]
    if not missing:
        return RequirementResult(
            kind="trailer", status="pass", paths=scope.paths,
            message=f"every matching commit carries `{wanted}`",
        )
    if scope.staged:
        step = f"Add the trailer `{wanted}` to the last paragraph of the commit message"
    else:
        shas = ", ".join(_short(c.sha) for c in missing)
        step = (f"Add the trailer `{wanted}` to commit {shas} (`git commit --amend`, or "
                "`git rebase -i` and reword)")
    return RequirementResult(
        kind="trailer", status="fail", paths=scope.paths,
        details=tuple(f"missing in {_short(c.sha)}: {c.subject}" for c in missing),
        message=step,
    )


# --- label --------------------------------------------------------------------------------------


def check_label(rule: Rule, req: LabelRequirement, scope: RuleScope) -> RequirementResult:
    labels = scope.inputs.labels
    if labels is None:
        return RequirementResult(
            kind="label", status="pending", paths=scope.paths,
            message=f"The pull request will need the label `{req.name}`; CI checks it",
        )
    if req.name.casefold() in {label.casefold() for label in labels}:
        return RequirementResult(
            kind="label", status="pass", paths=scope.paths,
            message=f"the pull request has the label `{req.name}`",
        )
    return RequirementResult(
        kind="label", status="fail", paths=scope.paths,
        message=f"Add the label `{req.name}` to the pull request",
    )


# --- max_lines ----------------------------------------------------------------------------------


def _lines_under_rule(rule: Rule, file: FileChange, policy: Policy) -> int:
    """Lines the rule's files gain or lose through one entry of the diff, against the base tree.

    git counts a renamed or copied file's lines against its source. That is right only for a
    rename that stays inside the rule. A copy adds its whole content to the rule's files even
    when the source is one of them (the source stays); a rename into the rule adds the whole
    file, and a rename out of it removes the whole file.
    """
    if file.old_path is None or file.status not in ("R", "C"):
        return file.added + file.removed
    matcher = policy.matcher
    old_in = matcher is not None and rule.id in matcher.rules_for(file.old_path)
    new_in = matcher is not None and rule.id in matcher.rules_for(file.path)
    if file.status == "R" and old_in and new_in:
        return file.added + file.removed
    total = 0
    if new_in:
        total += file.new_lines if file.new_lines is not None else file.added + file.removed
    if file.status == "R" and old_in:
        total += file.old_lines if file.old_lines is not None else file.added + file.removed
    return total


def check_max_lines(rule: Rule, req: MaxLinesRequirement, scope: RuleScope) -> RequirementResult:
    binary = [f.path for f in scope.files if f.binary and f.kind == "file"]
    if binary:
        # git counts no lines for a binary file, and a `-diff` line in .gitattributes makes any
        # file binary to git: an uncountable change cannot be shown to be within the limit.
        return RequirementResult(
            kind="max_lines", status="fail", paths=tuple(binary),
            message=f"{_quote_list(binary)}: git reports binary content (or a `-diff`/`binary` "
            f"attribute), so its lines cannot be counted against the limit of {req.limit}. Keep "
            "binary files out of this change, or exclude them from the rule's paths with `!`",
        )
    total = sum(_lines_under_rule(rule, f, scope.policy) for f in scope.files)
    if total <= req.limit:
        return RequirementResult(
            kind="max_lines", status="pass", paths=scope.paths,
            message=f"{total} lines changed (limit {req.limit})",
        )
    return RequirementResult(
        kind="max_lines", status="fail", paths=scope.paths,
        message=f"{total} lines changed (added+removed) in these files; the limit is {req.limit}. "
        "Split the change into smaller ones",
    )


# --- signed -------------------------------------------------------------------------------------


def check_signed(rule: Rule, req: SignedRequirement, scope: RuleScope) -> RequirementResult:
    if scope.staged:
        return RequirementResult(
            kind="signed", status="pending", paths=scope.paths,
            message="The commit must be signed (`git commit -S`); checked on push and in CI",
        )
    unsigned = [c for c in scope.commits if c.sha and not scope.inputs.signatures.get(c.sha)]
    if not unsigned:
        return RequirementResult(
            kind="signed", status="pass", paths=scope.paths,
            message="every matching commit has a good signature",
        )
    shas = ", ".join(_short(c.sha) for c in unsigned)
    return RequirementResult(
        kind="signed", status="fail", paths=scope.paths,
        details=tuple(f"no good signature: {_short(c.sha)} {c.subject}" for c in unsigned),
        message=f"Sign commit {shas} (`git rebase --exec 'git commit --amend --no-edit -S'`)",
    )
