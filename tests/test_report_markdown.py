"""``--format markdown``: the pull-request comment. Escaping is the product here: a file name must
not break the table, inject HTML or ping a team."""

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
from vetgate import __version__
from vetgate.engine.result import CheckResult, RequirementResult, RuleResult
from vetgate.report.markdown import MARKER, MAX_COMMENT_CHARS, escape, message, render

GITHUB_COMMENT_LIMIT = 65_536


def table_rows(text: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index("| Rule | Level | Status | Files |")
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def cells(row: str) -> list[str]:
    # Split on pipes that are not escaped, as GFM does.
    return [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]


def test_heading_and_table() -> None:
    text = render(failing())
    lines = text.splitlines()
    assert lines[0] == MARKER
    assert lines[1] == "## ❌ vetgate: BLOCKED — 2 rules fail"
    assert lines[3] == ("5 files changed (4 AI-origin) in 3 commits (2 AI-origin), "
                        "`1111111111..2222222222` · policy: .vetgate.yaml")
    assert [cells(r) for r in table_rows(text)] == [
        ["auth", "block", "❌ fail", "src/auth/login.py, src/auth/session.py"],
        ["payments", "block", "❌ fail", "payments/charge.py"],
        ["data-access", "warn", "⚠️ fail (warn)", "src/db/query.py"],
        ["docs", "warn", "✅ pass", "docs/auth.md"],
        ["vetgate-policy", "block", "➖ not applicable", "—"],
    ]


def test_headings_per_verdict() -> None:
    assert render(passing()).splitlines()[1] == "## ✅ vetgate: passed"
    assert render(pending_review()).splitlines()[1] == "## ⚠️ vetgate: passed with 1 warning"
    assert render(warn_only()).splitlines()[1] == (
        "## ⚠️ vetgate: would block (--warn-only) — 2 rules fail")
    assert "No changed files" in render(empty())


def test_a_section_per_rule_that_needs_something() -> None:
    text = render(failing())
    sections = re.findall(r"^### (.*)$", text, re.MULTILINE)
    assert sections == ["❌ auth — Authentication and session handling", "❌ payments",
                        "⚠️ data-access — Data access layer"]
    assert ("- ❌ **tests**: Add or update at least 1 test file matching tests/auth/\\*\\* in "
            "this change (found 0)\n") in text
    assert "  - mallory: not counted, author of commit aaaaaaaaaa (not independent)\n" in text
    assert "- ⚠️ **max\\_lines**: 240 lines changed" in text
    assert "- ✅ **trailer**: every matching commit carries `Risk-Reviewed-by: <value>`" in text
    assert "<details><summary>AI evidence (4)</summary>\n\n- Claude Code: trailer" in text
    assert "Co-Authored-By: Claude &lt;noreply@anthropic.com&gt;" in text
    pending = render(pending_review())
    assert "### ⏳ auth — Authentication and session handling" in pending
    assert "- ⏳ **review** (pending: CI decides): Needs 1 approval" in pending
    assert "### " not in render(passing())


def test_mentions_are_defused_outside_code() -> None:
    text = render(failing())
    assert "security (alice, @&#8203;acme/security)" in text
    assert "@acme/security" not in text
    assert "noreply@anthropic.com" in text  # an address is not a mention


def test_odd_names_cannot_break_the_table_or_inject_html() -> None:
    text = render(odd_names())
    (row,) = table_rows(text)
    assert cells(row) == ["auth", "block", "❌ fail",
                          "src/auth/my file.py, src/auth/ünïcødé.py, src/auth/new\\\\nline.py, "
                          "+9 more"]
    assert "<img" not in text and "<script" not in text and "<b>" not in text
    assert "- src/auth/a\\|b.py\n" in text
    assert "- src/auth/&lt;img src=x onerror=alert(1)&gt;.py\n" in text
    assert "- src/auth/\\`tick\\`.py\n" in text
    assert "- src/auth/\\*\\*bold\\*\\*\\_x\\_\\[link\\](y).py\n" in text
    assert "- src/auth/esc\\\\x1b\\[31mred.py\n" in text and "\x1b" not in text
    assert "- c:odd/@&#8203;acme-team.py\n" in text
    assert "### ❌ auth — Auth \\| &lt;b&gt;bold&lt;/b&gt; &amp; \\`code\\`" in text
    # The engine's own code spans survive, and what is outside them is escaped.
    assert "(ping @&#8203;acme/security, see `git log -- a|b`)" in text


def test_escape_and_message_helpers() -> None:
    assert escape("a|b`c*d_e[f]g~h<i>&j\\k") == "a\\|b\\`c\\*d\\_e\\[f\\]g\\~h&lt;i&gt;&amp;j\\\\k"
    assert escape("@team hi me@example.com") == "@&#8203;team hi me@example.com"
    assert message("Run `git commit -S` for a_b") == "Run `git commit -S` for a\\_b"
    assert message("unclosed ` tick") == "unclosed \\` tick"


@given(st.text(max_size=60))
def test_escaped_text_never_ends_a_table_cell_or_opens_a_tag(text: str) -> None:
    escaped = escape(text)
    assert re.search(r"(?<!\\)\|", escaped.replace("\\\\", "")) is None
    assert "<" not in escaped and "\n" not in escaped and "\x1b" not in escaped


def test_many_rules_are_cut_to_fit_a_comment_with_a_note() -> None:
    rules = tuple(
        RuleResult(rule=f"rule-{n:03d}", source=src(n + 1), level="block", status="fail",
                   paths=tuple(f"pkg/{n}/{'deep/' * 20}file_{i}.py" for i in range(60)),
                   requirements=(RequirementResult(kind="tests", status="fail",
                                                   message="Add tests " + "x" * 400),))
        for n in range(200)
    )
    result = CheckResult(verdict="fail", mode="range", base=None, head=None, policy_files=(),
                         commits=(), files=(), results=rules)
    text = render(result)
    assert len(text) <= MAX_COMMENT_CHARS < GITHUB_COMMENT_LIMIT
    assert text.startswith(MARKER)
    note = text[text.index("> [!WARNING]"):]
    # Not even the table fits: every rule misses its section, the last ones their row too.
    assert note == ("> [!WARNING]\n> This report was truncated to fit: 200 rules not shown in "
                    "full (rule-000, rule-001, rule-002, rule-003, rule-004 and 195 more). Run "
                    "`vetgate check` locally or read the CI job log for the full report.\n")
    rows = table_rows(text)
    assert 100 < len(rows) < 200 and rows[0].startswith("| rule-000 |")
    assert text[:text.index("> [!WARNING]")].endswith(" |\n\n")  # the table is closed


def test_sections_are_dropped_from_the_end_first() -> None:
    rules = tuple(
        RuleResult(rule=f"r{n}", source=src(n + 1), level="block", status="fail", paths=("a",),
                   requirements=(RequirementResult(kind="tests", status="fail",
                                                   message="Add tests " + "x" * 5000),))
        for n in range(20)
    )
    result = CheckResult(verdict="fail", mode="range", base=None, head=None, policy_files=(),
                         commits=(), files=(), results=rules)
    text = render(result)
    assert len(table_rows(text)) == 20
    shown = re.findall(r"^### ❌ (r\d+)$", text, re.MULTILINE)
    assert shown == [f"r{n}" for n in range(len(shown))] and 5 < len(shown) < 20
    assert f"{20 - len(shown)} rules not shown in full (r{len(shown)}," in text


def test_a_report_that_fits_is_not_cut() -> None:
    text = render(many_files(30))
    assert "truncated" not in text and text.endswith(f"<sub>vetgate {__version__}</sub>\n")
    assert "- +20 more" not in text  # sections list up to 50 files
    assert ("| src/auth/module\\_00.py, src/auth/module\\_01.py, src/auth/module\\_02.py, "
            "+27 more |") in text


def test_footer_says_where_the_policy_came_from_per_mode() -> None:
    staged = CheckResult(**{**failing().__dict__, "mode": "staged", "base": None, "head": None})
    text = render(staged)
    assert "read from the base branch" not in text
    assert ("This check read the policy from the checkout being committed; CI reads it from the "
            "pull request's base commit, so changes to it apply after the merge.") in text
    assert ("In CI the policy is read from the base commit, so changes to it apply after the "
            "merge.") in render(failing())
