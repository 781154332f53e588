"""The terminal report and the hooks' heads-up line: the text is the product, so exact."""

from __future__ import annotations

import re

from test_report_scenarios import (
    CLAUDE,
    ODD_PATHS,
    RuleResult,
    failing,
    many_files,
    odd_names,
    pending_review,
    skipped,
    src,
    warn_only,
)
from vetgate.engine.result import CheckResult, RequirementResult
from vetgate.provenance.model import Evidence
from vetgate.report.text import pending_headsup, render

FAILING_TEXT = """\
vetgate: 5 files changed (4 AI-origin) in 3 commits (2 AI-origin), 1111111111..2222222222

✗ auth  (block, .vetgate.yaml:14)
    Authentication and session handling
    2 files:
      src/auth/login.py
      src/auth/session.py
    AI evidence:
      Claude Code: trailer, message line 4: Co-Authored-By: Claude <noreply@anthropic.com>
      Claude Code: message line 3: Generated with [Claude Code](https://claude.com/claude-code)
      GitHub Copilot: identity, author: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>
      aider: message, subject: aider: refactor session store
    ✗ tests: Add or update at least 1 test file matching tests/auth/** in this change (found 0)
    ✗ review: Needs 1 approval from security (alice, @acme/security); has 0. Request a review on the pull request.
        mallory: not counted, author of commit aaaaaaaaaa (not independent)

✗ payments  (block, .vetgate.yaml:22)
    1 file:
      payments/charge.py
    AI evidence:
      GitHub Copilot: identity, author: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>
    ✗ forbid: AI-written changes are not accepted in payments/; write this by hand. (remove these changes from the change: payments/charge.py)

! data-access  (warn, .vetgate.yaml:27)
    Data access layer
    1 file:
      src/db/query.py
    AI evidence:
      GitHub Copilot: identity, author: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>
    ! max_lines: 240 lines changed (added+removed) in these files; the limit is 200. Split the change into smaller ones

✓ 1 rule passed (docs); 1 did not apply

vetgate: BLOCKED — 2 rules fail
hint: meet the requirements above, then push again (`vetgate explain PATH` shows what a path needs); CI enforces the same policy on the pull request
"""  # noqa: E501

PENDING_TEXT = """\
vetgate: 2 files staged (2 AI-origin)

! auth  (block, pending, .vetgate.yaml:14)
    Authentication and session handling
    1 file:
      src/auth/login.py
    AI evidence:
      Claude Code: trailer, message line 4: Co-Authored-By: Claude <noreply@anthropic.com>
    ! review (pending): Needs 1 approval from security (alice, bob@example.com) on the pull request; CI checks it
        Reviewed-by: Alice <alice@example.com> (the pending commit)

· 1 rule did not apply

vetgate: passed with 1 warning
"""  # noqa: E501

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_failing_result_reads_exactly_so() -> None:
    assert render(failing()) == FAILING_TEXT


def test_pending_review_reads_exactly_so() -> None:
    assert render(pending_review()) == PENDING_TEXT


def test_colour_only_adds_styling() -> None:
    coloured = render(failing(), color=True)
    assert "\x1b[1;31m✗\x1b[0m \x1b[1mauth\x1b[0m  (block, .vetgate.yaml:14)" in coloured
    assert "\x1b[1;31mvetgate: BLOCKED — 2 rules fail\x1b[0m" in coloured
    assert ANSI.sub("", coloured) == FAILING_TEXT
    assert "\x1b" not in render(failing(), color=False)


def test_verdict_lines() -> None:
    last = render(warn_only()).splitlines()[-1]
    assert last == "vetgate: would block (--warn-only) — 2 rules fail"
    assert "hint:" not in render(warn_only())  # nothing to bypass under --warn-only
    passing = CheckResult(verdict="pass", mode="range", base=None, head=None, policy_files=(),
                          commits=(), files=(), results=(skipped("auth", 3),))
    assert render(passing) == (
        "vetgate: no changed files\n\n· 1 rule did not apply\n\nvetgate: passed\n")


def test_ci_hint_does_not_mention_local_hooks() -> None:
    result = failing()
    ci = CheckResult(**{**result.__dict__, "ci": True})
    last = render(ci).splitlines()[-1]
    assert last.startswith("hint: `vetgate explain PATH`")
    assert "--no-verify" not in last and "base commit" in last


def test_long_lists_are_cut_with_a_count() -> None:
    text = render(many_files(30))
    assert "    30 files:\n" in text
    assert "      src/auth/module_09.py\n      +20 more\n" in text
    assert "module_10" not in text
    evidence = tuple(
        Evidence(detector="trailer", kind="ai", tool="T", where=f"line {i}", detail=f"mark {i}")
        for i in range(6)
    )
    rule = RuleResult(rule="r", source=src(3), level="block", status="fail", paths=("a",),
                      evidence=(*evidence, *evidence),  # duplicates are shown once
                      requirements=(RequirementResult(kind="forbid", status="fail",
                                                      message="no", details=tuple("abcdefgh")),))
    result = CheckResult(verdict="fail", mode="range", base=None, head=None, policy_files=(),
                         commits=(), files=(), results=(rule,))
    lines = render(result).splitlines()
    start = lines.index("    AI evidence:")
    assert lines[start + 1:start + 5] == [
        "      T: trailer, line 0: mark 0", "      T: trailer, line 1: mark 1",
        "      T: trailer, line 2: mark 2", "      +3 more",
    ]
    assert lines[-6:-3] == ["        d", "        e", "        +3 more"]


def test_one_extra_item_is_shown_rather_than_counted() -> None:
    text = render(many_files(11))
    assert "module_10" in text and "more" not in text


def test_odd_file_names_cannot_break_lines_or_the_terminal() -> None:
    text = render(odd_names())
    assert "\x1b" not in text
    assert "      src/auth/new\\nline.py\n" in text
    assert "      src/auth/esc\\x1b[31mred.py\n" in text
    assert "      src/auth/bad\\xffbyte.py\n" in text  # an undecodable byte, as git had it
    assert "      src/auth/my file.py\n" in text and "      src/auth/ünïcødé.py\n" in text
    assert "message, subject: fix\\x1b[2J <script>@everyone|x</script>" in text
    assert "! warning: uncovered AI-origin file: weird\\tname <x>\n" in text
    assert len(ODD_PATHS) == 12 and "      +2 more\n" in text


def test_headsup_names_what_ci_will_need() -> None:
    assert pending_headsup(pending_review()) == (
        "vetgate: review will be needed in CI for src/auth/login.py (rule auth)"
    )
    assert pending_headsup(failing()) is None


def test_headsup_sums_up_several_pending_requirements_in_one_line() -> None:
    paths = ("a.py", "b.py", "c.py", "d.py")
    rules = (
        RuleResult(rule="auth", source=src(1), level="block", status="pending", paths=paths,
                   evidence=(CLAUDE,), requirements=(
                       RequirementResult(kind="review", status="pending", message="m"),
                       RequirementResult(kind="label", status="pending", message="m",
                                         paths=("a.py",)),
                   )),
        RuleResult(rule="signing", source=src(9), level="warn", status="pending", paths=("a.py",),
                   requirements=(RequirementResult(kind="signed", status="pending", message="m"),)),
    )
    result = CheckResult(verdict="warn", mode="staged", base=None, head=None, policy_files=(),
                         commits=(), files=(), results=rules)
    line = pending_headsup(result)
    assert line == ("vetgate: review, a pull-request label and signed commits will be needed in "
                    "CI for a.py, b.py and 2 more files (rules auth, signing)")
    assert "\n" not in line


def test_headsup_escapes_odd_names() -> None:
    rule = RuleResult(rule="auth", source=src(1), level="block", status="pending",
                      paths=("new\nline.py",),
                      requirements=(RequirementResult(kind="review", status="pending",
                                                      message="m"),))
    result = CheckResult(verdict="warn", mode="staged", base=None, head=None, policy_files=(),
                         commits=(), files=(), results=(rule,))
    assert pending_headsup(result) == (
        "vetgate: review will be needed in CI for new\\nline.py (rule auth)"
    )
