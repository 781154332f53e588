"""``--format github``: workflow commands, GitHub's escaping rules, the per-step annotation cap,
and the step summary."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from test_report_scenarios import (
    empty,
    failing,
    many_files,
    odd_names,
    passing,
    pending_review,
    src,
    warn_only,
)
from vetgate.engine.result import CheckResult, RequirementResult, RuleResult
from vetgate.report.github import (
    MAX_STEP_SUMMARY_BYTES,
    collect_annotations,
    escape_data,
    escape_property,
    render,
    step_summary,
)

COMMAND = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")


def commands(text: str, level: str | None = None) -> list[re.Match[str]]:
    found = [m for m in map(COMMAND.match, text.splitlines()) if m]
    return [m for m in found if level is None or m.group(1) == level]


def unescape(text: str) -> str:
    for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(code, char)
    return text


def test_escaping_follows_githubs_rules() -> None:
    assert escape_data("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext: a,b"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"


@given(st.text())
def test_escaped_property_has_no_separator_left_and_decodes_back(text: str) -> None:
    escaped = escape_property(text)
    assert not set(escaped) & {",", ":", "\n", "\r"}
    assert unescape(escaped) == text


def test_failing_result_annotates_each_file() -> None:
    text = render(failing())
    lines = text.splitlines()
    assert lines[0] == (
        "::error file=src/auth/login.py,line=1,title=vetgate auth::Authentication and session "
        "handling (.vetgate.yaml:14)%0Atests: Add or update at least 1 test file matching "
        "tests/auth/** in this change (found 0)%0Areview: Needs 1 approval from security "
        "(alice, @acme/security); has 0. Request a review on the pull request.%0AAI evidence:"
        "%0A  Claude Code: trailer, message line 4: Co-Authored-By: Claude "
        "<noreply@anthropic.com>%0A  Claude Code: message line 3: Generated with [Claude Code]"
        "(https://claude.com/claude-code)%0A  GitHub Copilot: identity, author: "
        "copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>%0A  aider: "
        "message, subject: aider: refactor session store")
    assert [m.group(2) for m in commands(text, "error")] == [
        "file=src/auth/login.py,line=1,title=vetgate auth",
        "file=src/auth/session.py,line=1,title=vetgate auth",
        "file=payments/charge.py,line=1,title=vetgate payments",
    ]
    assert [m.group(2) for m in commands(text, "warning")] == [
        "file=src/db/query.py,line=1,title=vetgate data-access"]
    # A blocked run ends with a plain line, not a command that would take an error slot.
    assert lines[-1] == ("vetgate: BLOCKED — 2 rules fail (details: the job's step summary, or "
                         "`--format text`)")
    assert not commands(text, "notice")


def test_pending_is_a_warning_and_a_pass_is_a_notice() -> None:
    text = render(pending_review())
    warning, notice = commands(text)
    assert warning.group(1) == "warning"
    assert "review (pending, CI decides): Needs 1 approval" in unescape(warning.group(3))
    assert notice.group(0) == (
        "::notice title=vetgate::vetgate: passed with 1 warning · 1 not applicable")
    assert render(passing()) == (
        "::notice title=vetgate::vetgate: passed · 1 rule passed · 2 not applicable\n")
    assert render(empty()) == "::notice title=vetgate::vetgate: passed · 2 not applicable\n"


def test_a_block_rule_with_only_pending_for_a_file_warns_for_that_file() -> None:
    rule = RuleResult(
        rule="auth", source=src(3), level="block", status="fail", paths=("a.py", "b.py"),
        requirements=(
            RequirementResult(kind="tests", status="fail", message="add tests", paths=("a.py",)),
            RequirementResult(kind="review", status="pending", message="CI", paths=("b.py",)),
        ))
    result = CheckResult(verdict="fail", mode="staged", base=None, head=None, policy_files=(),
                         commits=(), files=(), results=(rule,))
    assert [(a.level, a.file) for a in collect_annotations(result)] == [
        ("error", "a.py"), ("warning", "b.py")]


def test_thirty_files_stay_within_ten_errors_and_ten_warnings() -> None:
    text = render(many_files(30))
    errors, warnings = commands(text, "error"), commands(text, "warning")
    assert len(errors) == 10 and len(warnings) == 10
    assert errors[-1].group(0) == (
        "::error title=vetgate%3A more findings::21 more errors not shown as annotations "
        "(GitHub shows at most 10 per step): read the step summary or the full report")
    assert warnings[-1].group(3).startswith("21 more warnings not shown as annotations")
    assert [m.group(2) for m in errors[:9]] == [
        f"file=src/auth/module_{i:02d}.py,line=1,title=vetgate auth" for i in range(9)]


def test_exactly_ten_need_no_summary() -> None:
    text = render(many_files(10))
    assert len(commands(text, "error")) == 10
    assert "more findings" not in text


def test_odd_names_cannot_forge_commands() -> None:
    text = render(odd_names())
    for line in text.splitlines():
        assert line.startswith("::") or line.startswith("vetgate: ")
    files = [unescape(m.group(2)).split(",line=")[0].removeprefix("file=")
             for m in commands(text, "error") if m.group(2).startswith("file=")]
    assert files[:3] == ["src/auth/my file.py", "src/auth/ünïcødé.py", "src/auth/new\nline.py"]
    assert "file=src/auth/100%25.py,line=1" in text
    assert "file=src/auth/a%2Cb%3Ac.py,line=1" in text
    assert "\x1b" not in text and "file=src/auth/esc\\x1b[31mred.py" in text
    assert "::warning title=vetgate::uncovered AI-origin file: weird\\tname <x>" in text


def test_warn_only_still_annotates_errors() -> None:
    text = render(warn_only())
    assert len(commands(text, "error")) == 3
    assert text.splitlines()[-1].startswith("vetgate: would block (--warn-only)")


def test_step_summary_is_the_markdown_report() -> None:
    from vetgate.report.markdown import render as markdown

    assert step_summary(failing()) == markdown(failing())


def test_step_summary_stays_under_one_mebibyte() -> None:
    # 4,000 files with 300-byte multi-byte names: about 1.2 MB of file names in one section.
    paths = tuple(f"src/{'ü' * 150}/{i:04d}.py" for i in range(4000))
    rules = tuple(
        RuleResult(rule=f"rule-{n}", source=src(n + 1), level="block", status="fail",
                   paths=paths[n * 40:(n + 1) * 40],
                   requirements=(RequirementResult(kind="forbid", status="fail",
                                                   message="no " + "x" * 2000,
                                                   details=("y" * 3000,) * 10),))
        for n in range(100)
    )
    result = CheckResult(verdict="fail", mode="range", base=None, head=None, policy_files=(),
                         commits=(), files=(), results=rules)
    summary = step_summary(result)
    assert len(summary.encode("utf-8")) <= MAX_STEP_SUMMARY_BYTES < 1024 * 1024
    assert "This report was truncated to fit" in summary
