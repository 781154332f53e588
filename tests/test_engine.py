"""The pure engine, on hand-built data: every requirement kind, pass and fail, and the verdict."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from vetgate.changes.model import ChangeSet, Commit, FileChange, Identity
from vetgate.engine.evaluate import evaluate
from vetgate.engine.requirements import EvaluationInputs
from vetgate.gate.pipeline import prepare_reviews, undecided
from vetgate.hosts.model import Review, ReviewEvidence
from vetgate.policy.model import (
    ForbidRequirement,
    LabelRequirement,
    MaxLinesRequirement,
    Policy,
    Requirement,
    ReviewRequirement,
    Rule,
    SignedRequirement,
    SourceLocation,
    TestsRequirement,
    TrailerRequirement,
)
from vetgate.policy.pattern_index import PathMatcher
from vetgate.policy.patterns import PatternSet
from vetgate.provenance.model import CommitOrigin, Evidence
from vetgate.records import replace

HUMAN = Identity("Hannah Human", "hannah@example.com")
CLAUDE_EVIDENCE = Evidence(detector="trailer", kind="ai", tool="Claude Code",
                           detail="Co-Authored-By: Claude <noreply@anthropic.com>",
                           where="trailer, message line 3")


def make_policy(*rules: Rule, groups: dict[str, tuple[str, ...]] | None = None,
                coverage: str = "ignore") -> Policy:
    fixed = []
    for rule in rules:
        reqs = tuple(
            TestsRequirement(r.patterns, r.min, PatternSet(r.patterns))
            if isinstance(r, TestsRequirement) else r
            for r in rule.requirements
        )
        fixed.append(Rule(rule.id, rule.paths, rule.source, rule.description, rule.origin,
                          rule.level, reqs))
    return Policy(
        files=(".vetgate.yaml",), rules=tuple(fixed), groups=groups or {},
        coverage=coverage,  # type: ignore[arg-type]
        matcher=PathMatcher([(r.id, r.paths) for r in fixed]),
    )


def rule(rule_id: str, paths: Sequence[str], *reqs: Requirement, origin: str = "ai",
         level: str = "block", line: int = 5) -> Rule:
    return Rule(id=rule_id, paths=tuple(paths), source=SourceLocation(".vetgate.yaml", line),
                origin=origin, level=level, requirements=reqs)  # type: ignore[arg-type]


def commit(sha: str, paths: Sequence[str], message: str = "change",
           author: Identity = HUMAN) -> Commit:
    return Commit(sha=sha, parents=("0" * 40,), author=author, committer=author,
                  author_time=0, commit_time=0, message=message, paths=frozenset(paths))


def change(files: Sequence[FileChange], commits: Sequence[Commit], mode: str = "range",
           head: str | None = "h" * 40) -> ChangeSet:
    return ChangeSet(mode=mode, root="/r", base="b" * 40, head=head,  # type: ignore[arg-type]
                     commits=tuple(commits), files=tuple(files))


def ai(sha: str | None) -> CommitOrigin:
    return CommitOrigin(sha=sha, origin="ai", counts_as="ai", evidence=(CLAUDE_EVIDENCE,))


def human(sha: str | None) -> CommitOrigin:
    return CommitOrigin(sha=sha, origin="unknown", counts_as="human")


def file(path: str, status: str = "M", added: int = 1, removed: int = 0,
         old_path: str | None = None, blob: str = "n" * 40) -> FileChange:
    return FileChange(path=path, status=status, old_path=old_path,  # type: ignore[arg-type]
                      added=added, removed=removed, new_blob=None if status == "D" else blob,
                      new_mode=None if status == "D" else "100644")


def test_forbid_blocks_ai_change_and_names_rule() -> None:
    policy = make_policy(rule("payments", ["payments/**"], ForbidRequirement("Write it by hand.")))
    ch = change([file("payments/charge.py")], [commit("a" * 40, ["payments/charge.py"])])
    result = evaluate(policy, ch, [ai("a" * 40)])
    assert result.verdict == "fail"
    (res,) = result.results
    assert (res.rule, res.status, str(res.source)) == ("payments", "fail", ".vetgate.yaml:5")
    assert res.paths == ("payments/charge.py",)
    assert res.requirements[0].message.startswith("Write it by hand.")
    # The rule's evidence names the commit it was found on.
    assert res.evidence == (replace(CLAUDE_EVIDENCE, commit="a" * 40, commit_subject=""),)


def test_human_change_skips_ai_rule() -> None:
    policy = make_policy(rule("payments", ["payments/**"], ForbidRequirement("no")))
    ch = change([file("payments/charge.py")], [commit("a" * 40, ["payments/charge.py"])])
    result = evaluate(policy, ch, [human("a" * 40)])
    assert result.verdict == "pass"
    assert result.results[0].status == "skip"
    assert "human-origin" in result.results[0].reason


def test_file_origin_is_ai_when_any_touching_commit_is_ai() -> None:
    policy = make_policy(rule("auth", ["auth/**"], ForbidRequirement("no")))
    ch = change([file("auth/a.py"), file("docs/x.md")],
                [commit("a" * 40, ["auth/a.py"]), commit("c" * 40, ["docs/x.md"])])
    result = evaluate(policy, ch, [human("a" * 40), ai("c" * 40)])
    assert result.verdict == "pass"  # the AI commit did not touch auth/
    result = evaluate(policy, ch, [ai("a" * 40), human("c" * 40)])
    assert result.verdict == "fail"


def test_rename_out_of_protected_folder_is_still_protected() -> None:
    policy = make_policy(rule("auth", ["src/auth/**"], ForbidRequirement("no")))
    moved = file("src/util/session.py", status="R", old_path="src/auth/session.py")
    ch = change([moved], [commit("a" * 40, ["src/util/session.py", "src/auth/session.py"])])
    result = evaluate(policy, ch, [ai("a" * 40)])
    assert result.verdict == "fail"
    assert result.results[0].paths == ("src/util/session.py",)


def test_tests_requirement() -> None:
    req = TestsRequirement(("tests/auth/**",), 1)
    policy = make_policy(rule("auth", ["src/auth/**"], req))
    ch = change([file("src/auth/a.py")], [commit("a" * 40, ["src/auth/a.py"])])
    failed = evaluate(policy, ch, [ai("a" * 40)]).results[0].requirements[0]
    assert failed.status == "fail"
    assert failed.message == ("Add or update at least 1 test file matching tests/auth/** in this "
                              "change (found 0)")
    ch = change([file("src/auth/a.py"), file("tests/auth/test_a.py", status="A")],
                [commit("a" * 40, ["src/auth/a.py", "tests/auth/test_a.py"])])
    assert evaluate(policy, ch, [ai("a" * 40)]).verdict == "pass"
    # Deleting a test is not adding or modifying one.
    ch = change([file("src/auth/a.py"), file("tests/auth/test_a.py", status="D")],
                [commit("a" * 40, ["src/auth/a.py", "tests/auth/test_a.py"])])
    assert evaluate(policy, ch, [ai("a" * 40)]).verdict == "fail"


def test_max_lines() -> None:
    policy = make_policy(rule("db", ["db/**"], MaxLinesRequirement(10)))
    ok = change([file("db/a.sql", added=6, removed=4)], [commit("a" * 40, ["db/a.sql"])])
    assert evaluate(policy, ok, [ai("a" * 40)]).verdict == "pass"
    big = change([file("db/a.sql", added=6, removed=5)], [commit("a" * 40, ["db/a.sql"])])
    res = evaluate(policy, big, [ai("a" * 40)])
    assert res.verdict == "fail"
    assert "11 lines changed" in res.results[0].requirements[0].message


def test_trailer_requirement_every_matching_ai_commit() -> None:
    req = TrailerRequirement("Risk-Reviewed-by")
    policy = make_policy(rule("db", ["db/**"], req))
    good = commit("a" * 40, ["db/a.sql"], "db change\n\nRisk-Reviewed-by: Ana <ana@example.com>\n")
    bad = commit("c" * 40, ["db/a.sql"], "more db\n")
    ch = change([file("db/a.sql")], [good])
    assert evaluate(policy, ch, [ai("a" * 40)]).verdict == "pass"
    ch = change([file("db/a.sql")], [good, bad])
    res = evaluate(policy, ch, [ai("a" * 40), ai("c" * 40)]).results[0].requirements[0]
    assert res.status == "fail"
    assert "cccccccccc" in res.message and "aaaaaaaaaa" not in res.message


def test_label_pending_locally_and_decided_in_ci() -> None:
    policy = make_policy(rule("auth", ["auth/**"], LabelRequirement("ai-reviewed")))
    ch = change([file("auth/a.py")], [commit("a" * 40, ["auth/a.py"])])
    local = evaluate(policy, ch, [ai("a" * 40)])
    assert (local.verdict, local.results[0].status) == ("warn", "pending")
    ci_ok = evaluate(policy, ch, [ai("a" * 40)],
                     inputs=EvaluationInputs(ci=True, labels=("AI-Reviewed",)))
    assert ci_ok.verdict == "pass"
    ci_bad = evaluate(policy, ch, [ai("a" * 40)], inputs=EvaluationInputs(ci=True, labels=()))
    assert ci_bad.verdict == "fail"


def test_signed() -> None:
    policy = make_policy(rule("auth", ["auth/**"], SignedRequirement()))
    ch = change([file("auth/a.py")], [commit("a" * 40, ["auth/a.py"])])
    assert evaluate(policy, ch, [ai("a" * 40)],
                    inputs=EvaluationInputs(signatures={"a" * 40: True})).verdict == "pass"
    assert evaluate(policy, ch, [ai("a" * 40)]).verdict == "fail"


def test_warn_level_and_warn_only() -> None:
    policy = make_policy(rule("auth", ["auth/**"], ForbidRequirement("no"), level="warn"))
    ch = change([file("auth/a.py")], [commit("a" * 40, ["auth/a.py"])])
    assert evaluate(policy, ch, [ai("a" * 40)]).verdict == "warn"
    blocking = make_policy(rule("auth", ["auth/**"], ForbidRequirement("no")))
    res = evaluate(blocking, ch, [ai("a" * 40)], warn_only=True)
    assert res.verdict == "fail" and res.warn_only


def test_coverage_fail_and_warn() -> None:
    policy = make_policy(rule("auth", ["auth/**"], ForbidRequirement("no")), coverage="fail")
    ch = change([file("misc/x.py")], [commit("a" * 40, ["misc/x.py"])])
    res = evaluate(policy, ch, [ai("a" * 40)])
    assert res.verdict == "fail"
    assert res.results[-1].rule == "vetgate-coverage"
    warn = make_policy(rule("auth", ["auth/**"], ForbidRequirement("no")), coverage="warn")
    assert evaluate(warn, ch, [ai("a" * 40)]).verdict == "warn"
    assert evaluate(warn, ch, [human("a" * 40)]).verdict == "pass"


# --- review -------------------------------------------------------------------------------------

REVIEW = ReviewRequirement(count=1, groups=("security",))
GROUPS = {"security": ("alice", "bob@example.com", "@acme/security")}


def review_setup() -> tuple[Policy, ChangeSet]:
    policy = make_policy(rule("auth", ["auth/**"], REVIEW), groups=GROUPS)
    ai_commit = commit("a" * 40, ["auth/a.py"],
                       "feat\n\nCo-authored-by: Claude <noreply@anthropic.com>\n"
                       "Co-authored-by: Pat Prompter <pat@example.com>\n")
    return policy, change([file("auth/a.py", blob="1" * 40)], [ai_commit])


def ci(evidence: ReviewEvidence) -> EvaluationInputs:
    # The gate adds the range's co-authors and the agent reviewers before evaluation.
    return EvaluationInputs(ci=True, reviews=prepare_reviews(evidence, review_setup()[1].commits))


def test_review_pending_locally() -> None:
    policy, ch = review_setup()
    res = evaluate(policy, ch, [ai("a" * 40)])
    assert res.verdict == "warn"
    assert res.results[0].requirements[0].status == "pending"


def test_review_approved_on_head_by_member_passes() -> None:
    policy, ch = review_setup()
    ev = ReviewEvidence(source="github", reviews=(Review("alice", "APPROVED", "h" * 40),))
    res = evaluate(policy, ch, [ai("a" * 40)], inputs=ci(ev))
    assert res.verdict == "pass", res.results[0].requirements


@pytest.mark.parametrize("reviewer, pr_author, is_bot, why", [
    ("alice", "alice", False, "the pull request's author"),
    ("pat", None, False, "co-author of commit"),
    ("copilot", None, True, "bot or agent"),
    ("mallory", None, False, "not in security"),
])
def test_review_not_counted(reviewer: str, pr_author: str | None, is_bot: bool, why: str) -> None:
    policy, ch = review_setup()
    ev = ReviewEvidence(source="github", reviews=(Review(reviewer, "APPROVED", "h" * 40,
                                                         is_bot=is_bot),),
                        pr_author=pr_author, login_by_email={"pat@example.com": "pat"},
                        team_members={"@acme/security": frozenset({"dana"})})
    req = evaluate(policy, ch, [ai("a" * 40)], inputs=ci(ev)).results[0].requirements[0]
    assert req.status == "fail"
    assert any(why in d for d in req.details), req.details


def test_review_freshness_content() -> None:
    policy, ch = review_setup()
    old = "o" * 40
    same = ReviewEvidence(source="github", reviews=(Review("alice", "APPROVED", old),),
                          entries_at={old: {"auth/a.py": ("100644", "1" * 40)}})
    assert evaluate(policy, ch, [ai("a" * 40)], inputs=ci(same)).verdict == "pass"
    changed = ReviewEvidence(source="github", reviews=(Review("alice", "APPROVED", old),),
                             entries_at={old: {"auth/a.py": ("100644", "2" * 40)}})
    req = evaluate(policy, ch, [ai("a" * 40)], inputs=ci(changed)).results[0].requirements[0]
    assert req.status == "fail"
    assert "re-approve" in req.message


@pytest.mark.parametrize("mode_then", ["100755", "120000", "160000"])
def test_review_freshness_content_keys_on_the_mode_too(mode_then: str) -> None:
    """The same object id under another mode or type is not the content that was approved."""
    policy, ch = review_setup()
    old = "o" * 40
    evidence = ReviewEvidence(source="github", reviews=(Review("alice", "APPROVED", old),),
                              entries_at={old: {"auth/a.py": (mode_then, "1" * 40)}})
    req = evaluate(policy, ch, [ai("a" * 40)], inputs=ci(evidence)).results[0].requirements[0]
    assert req.status == "fail" and "stale" in " ".join(req.details)


def test_review_team_membership_and_unresolved_team() -> None:
    policy, ch = review_setup()
    ev = ReviewEvidence(source="github", reviews=(Review("dana", "APPROVED", "h" * 40),),
                        team_members={"@acme/security": frozenset({"dana"})})
    assert evaluate(policy, ch, [ai("a" * 40)], inputs=ci(ev)).verdict == "pass"
    unresolved = ReviewEvidence(source="github",
                                reviews=(Review("dana", "APPROVED", "h" * 40),))
    # Undecided is a rule marked `error` (the gate turns it into exit 2), never a raise
    # mid-evaluation and never a pass.
    result = evaluate(policy, ch, [ai("a" * 40)], inputs=ci(unresolved))
    assert result.results[0].status == "error"
    assert undecided(result) is not None
    assert undecided(result).startswith("cannot tell whether dana is in @acme/security")


def test_review_evidence_the_gate_did_not_prepare_is_a_bug() -> None:
    policy, ch = review_setup()
    raw = ReviewEvidence(source="github", reviews=(Review("alice", "APPROVED", "h" * 40),))
    with pytest.raises(RuntimeError, match="prepare_reviews"):
        evaluate(policy, ch, [ai("a" * 40)], inputs=EvaluationInputs(ci=True, reviews=raw))


def test_review_without_evidence_in_ci_fails() -> None:
    policy, ch = review_setup()
    res = evaluate(policy, ch, [ai("a" * 40)], inputs=EvaluationInputs(ci=True))
    assert res.verdict == "fail"


def test_max_lines_fails_for_binary_files() -> None:
    policy = make_policy(rule("db", ["db/**"], MaxLinesRequirement(10)))
    binary = FileChange(path="db/dump.bin", status="A", added=0, removed=0, binary=True,
                        new_blob="n" * 40)
    ch = change([binary], [commit("a" * 40, ["db/dump.bin"])])
    req = evaluate(policy, ch, [ai("a" * 40)]).results[0].requirements[0]
    assert req.status == "fail"
    assert req.message.startswith("db/dump.bin: git reports binary content")
