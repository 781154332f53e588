"""Check results for the report tests, built directly (they are plain frozen data), and the
properties every format must keep for every one of them."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vetgate.changes.model import FileChange
from vetgate.engine.result import CheckResult, FileResult, RequirementResult, RuleResult
from vetgate.policy.model import SourceLocation
from vetgate.provenance.model import CommitOrigin, Evidence
from vetgate.report import FORMATS, render

BASE = "1111111111111111111111111111111111111111"
HEAD = "2222222222222222222222222222222222222222"
SHA_A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
SHA_B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
SHA_C = "cccccccccccccccccccccccccccccccccccccccc"

CLAUDE = Evidence(
    detector="trailer", kind="ai", tool="Claude Code", where="trailer, message line 4",
    detail="Co-Authored-By: Claude <noreply@anthropic.com>", entry="claude-code-trailer",
)
CLAUDE_FOOTER = Evidence(
    detector="message", kind="ai", tool="Claude Code", where="message line 3",
    detail="Generated with [Claude Code](https://claude.com/claude-code)",
)
COPILOT = Evidence(
    detector="identity", kind="ai", tool="GitHub Copilot", where="author",
    detail="copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>",
)
AIDER = Evidence(detector="message", kind="ai", tool="aider", where="subject",
                 detail="aider: refactor session store")
HUMAN_DECL = Evidence(detector="trailer", kind="human", where="trailer, message line 5",
                      detail="AI-Assisted: no", source="policy")


def src(line: int, file: str = ".vetgate.yaml") -> SourceLocation:
    return SourceLocation(file, line)


def file_result(path: str, origin: str = "ai", rules: tuple[str, ...] = (), *,
                status: str = "M", added: int = 10, removed: int = 2,
                old_path: str | None = None) -> FileResult:
    return FileResult(
        change=FileChange(path=path, status=status, old_path=old_path, added=added,  # type: ignore[arg-type]
                          removed=removed, old_blob="a" * 40, new_blob="b" * 40),
        origin=origin, rules=rules,  # type: ignore[arg-type]
    )


def ai_commits() -> tuple[CommitOrigin, ...]:
    return (
        CommitOrigin(sha=SHA_A, origin="ai", counts_as="ai", evidence=(CLAUDE, CLAUDE_FOOTER),
                     subject="Add token refresh"),
        CommitOrigin(sha=SHA_B, origin="ai", counts_as="ai", evidence=(COPILOT, CLAUDE),
                     subject="Fix session expiry"),
        CommitOrigin(sha=SHA_C, origin="human", counts_as="human", evidence=(HUMAN_DECL,),
                     subject="Update docs"),
    )


def skipped(rule: str, line: int, reason: str = "no changed file matches") -> RuleResult:
    return RuleResult(rule=rule, source=src(line), level="block", status="skip", reason=reason)


def failing() -> CheckResult:
    """A range with three AI-origin files: one block rule fails two ways, a warn rule fails,
    a forbid rule blocks, one rule passes, one does not apply."""
    auth_paths = ("src/auth/login.py", "src/auth/session.py")
    auth = RuleResult(
        rule="auth", source=src(14), level="block", status="fail",
        description="Authentication and session handling", paths=auth_paths, origin="ai",
        evidence=(CLAUDE, CLAUDE_FOOTER, COPILOT, CLAUDE, AIDER),
        requirements=(
            RequirementResult(
                kind="tests", status="fail", paths=auth_paths,
                message="Add or update at least 1 test file matching tests/auth/** in this "
                        "change (found 0)"),
            RequirementResult(
                kind="review", status="fail", paths=auth_paths,
                message="Needs 1 approval from security (alice, @acme/security); has 0. "
                        "Request a review on the pull request.",
                details=("mallory: not counted, author of commit aaaaaaaaaa (not independent)",)),
        ),
    )
    payments = RuleResult(
        rule="payments", source=src(22), level="block", status="fail",
        paths=("payments/charge.py",), origin="ai", evidence=(COPILOT,),
        requirements=(RequirementResult(
            kind="forbid", status="fail", paths=("payments/charge.py",),
            message="AI-written changes are not accepted in payments/; write this by hand. "
                    "(remove these changes from the change: payments/charge.py)"),),
    )
    data = RuleResult(
        rule="data-access", source=src(27), level="warn", status="fail",
        description="Data access layer", paths=("src/db/query.py",), origin="ai",
        evidence=(COPILOT,),
        requirements=(
            RequirementResult(kind="max_lines", status="fail", paths=("src/db/query.py",),
                              message="240 lines changed (added+removed) in these files; the "
                                      "limit is 200. Split the change into smaller ones"),
            RequirementResult(kind="trailer", status="pass", paths=("src/db/query.py",),
                              message="every matching commit carries `Risk-Reviewed-by: <value>`"),
        ),
    )
    docs = RuleResult(
        rule="docs", source=src(35), level="warn", status="pass", paths=("docs/auth.md",),
        origin="human",
        requirements=(RequirementResult(kind="tests", status="pass",
                                        message="1 test file matching tests/** changed"),),
    )
    return CheckResult(
        verdict="fail", mode="range", base=BASE, head=HEAD, policy_files=(".vetgate.yaml",),
        commits=ai_commits(),
        files=(
            file_result("src/auth/login.py", rules=("auth",)),
            file_result("src/auth/session.py", rules=("auth",), status="A", removed=0),
            file_result("payments/charge.py", rules=("payments",)),
            file_result("src/db/query.py", rules=("data-access",), added=200, removed=40),
            file_result("docs/auth.md", origin="human", rules=("docs",), status="R",
                        old_path="docs/login.md"),
        ),
        results=(auth, payments, data, docs, skipped("vetgate-policy", 1)),
    )


def passing() -> CheckResult:
    auth = RuleResult(
        rule="auth", source=src(14), level="block", status="pass",
        description="Authentication", paths=("src/auth/login.py",), origin="ai",
        evidence=(CLAUDE,),
        requirements=(RequirementResult(kind="tests", status="pass",
                                        paths=("tests/auth/test_login.py",),
                                        message="1 test file matching tests/auth/** changed "
                                                "(at least 1 required)"),),
    )
    return CheckResult(
        verdict="pass", mode="range", base=BASE, head=HEAD, policy_files=(".vetgate.yaml",),
        commits=ai_commits()[:1],
        files=(file_result("src/auth/login.py", rules=("auth",)),
               file_result("tests/auth/test_login.py")),
        results=(auth, skipped("payments", 22), skipped("vetgate-policy", 1)),
    )


def pending_review() -> CheckResult:
    """A staged change (hooks): the review can only be met in CI."""
    paths = ("src/auth/login.py",)
    auth = RuleResult(
        rule="auth", source=src(14), level="block", status="pending",
        description="Authentication and session handling", paths=paths, origin="ai",
        evidence=(CLAUDE,),
        requirements=(
            RequirementResult(kind="tests", status="pass", paths=("tests/auth/test_login.py",),
                              message="1 test file matching tests/auth/** changed"),
            RequirementResult(
                kind="review", status="pending", paths=paths,
                message="Needs 1 approval from security (alice, bob@example.com) on the pull "
                        "request; CI checks it",
                details=("Reviewed-by: Alice <alice@example.com> (the pending commit)",)),
        ),
    )
    return CheckResult(
        verdict="warn", mode="staged", base=BASE, head=None, policy_files=(".vetgate.yaml",),
        commits=(CommitOrigin(sha=None, origin="ai", counts_as="ai", evidence=(CLAUDE,),
                              subject="Add login"),),
        files=(file_result("src/auth/login.py", rules=("auth",)),
               file_result("tests/auth/test_login.py", status="A")),
        results=(auth, skipped("vetgate-policy", 1)),
    )


def warn_only() -> CheckResult:
    result = failing()
    return CheckResult(**{**result.__dict__, "warn_only": True})


ODD_PATHS = (
    "src/auth/my file.py",
    "src/auth/ünïcødé.py",
    "src/auth/new\nline.py",
    "src/auth/a|b.py",
    "src/auth/<img src=x onerror=alert(1)>.py",
    "src/auth/100%.py",
    "src/auth/a,b:c.py",
    "src/auth/`tick`.py",
    "src/auth/esc\x1b[31mred.py",
    "src/auth/bad\udcffbyte.py",
    "src/auth/**bold**_x_[link](y).py",
    "c:odd/@acme-team.py",
)


def odd_names() -> CheckResult:
    auth = RuleResult(
        rule="auth", source=src(14), level="block", status="fail",
        description="Auth | <b>bold</b> & `code`", paths=ODD_PATHS, origin="ai",
        evidence=(CLAUDE, Evidence(detector="message", kind="ai", tool=None, where="subject",
                                   detail="fix\x1b[2J <script>@everyone|x</script>")),
        requirements=(RequirementResult(
            kind="tests", status="fail", paths=ODD_PATHS,
            message="Add or update at least 1 test file matching tests/auth/** in this change "
                    "(ping @acme/security, see `git log -- a|b`)",
            details=("a|b <i>", "new\nline")),),
    )
    return CheckResult(
        verdict="fail", mode="range", base=BASE, head=HEAD, policy_files=(".vetgate.yaml",),
        commits=(CommitOrigin(sha=SHA_A, origin="ai", counts_as="ai", evidence=(CLAUDE,),
                              subject="odd \x1b[31m subject"),),
        files=tuple(file_result(p, rules=("auth",)) for p in ODD_PATHS),
        results=(auth,),
        warnings=("uncovered AI-origin file: weird\tname <x>",),
    )


def many_files(count: int = 30) -> CheckResult:
    """``count`` failing AI-origin files under a block rule and a warn rule (annotation cap)."""
    paths = tuple(f"src/auth/module_{i:02d}.py" for i in range(count))
    block = RuleResult(
        rule="auth", source=src(14), level="block", status="fail", paths=paths, origin="ai",
        requirements=(RequirementResult(kind="tests", status="fail", paths=paths,
                                        message="Add or update at least 1 test file"),),
    )
    warn = RuleResult(
        rule="size", source=src(40), level="warn", status="fail", paths=paths, origin="ai",
        requirements=(RequirementResult(kind="max_lines", status="fail", paths=paths,
                                        message="Split the change"),),
    )
    return CheckResult(
        verdict="fail", mode="range", base=BASE, head=HEAD, policy_files=(".vetgate.yaml",),
        commits=ai_commits()[:1], files=tuple(file_result(p, rules=("auth", "size"))
                                              for p in paths),
        results=(block, warn),
    )


def empty() -> CheckResult:
    return CheckResult(
        verdict="pass", mode="range", base=BASE, head=BASE, policy_files=(".vetgate.yaml",),
        commits=(), files=(), results=(skipped("auth", 14), skipped("vetgate-policy", 1)),
    )


def no_rules() -> CheckResult:
    return CheckResult(verdict="pass", mode="staged", base=None, head=None, policy_files=(),
                       commits=(), files=(), results=())


def coverage_warning() -> CheckResult:
    """``coverage: warn`` with a pending rule too: verdict warn, several warnings."""
    result = pending_review()
    coverage = RuleResult(
        rule="coverage", source=src(1), level="warn", status="fail",
        description="every AI-origin changed file must be owned by a rule",
        paths=("tools/gen.py",), origin="ai",
        requirements=(RequirementResult(
            kind="coverage", status="fail", paths=("tools/gen.py",),
            message="No rule covers these AI-origin files; add a rule whose paths match them "
                    "(or set `coverage: ignore`)"),),
    )
    return CheckResult(**{**result.__dict__, "results": (*result.results, coverage),
                          "warnings": ("policy file .vetgate.yaml: rule docs matches no file",)})


SCENARIOS: dict[str, Callable[[], CheckResult]] = {
    "failing": failing,
    "passing": passing,
    "pending_review": pending_review,
    "warn_only": warn_only,
    "odd_names": odd_names,
    "many_files": many_files,
    "empty": empty,
    "no_rules": no_rules,
    "coverage_warning": coverage_warning,
}


# --- properties every format keeps for every scenario -------------------------------------------

# Control characters other than newline and tab (which formats use for their own layout).
_RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_format_renders_encodable_text_ending_in_a_newline(name: str, fmt: str) -> None:
    text = render(SCENARIOS[name](), fmt)
    assert text.endswith("\n")
    text.encode("utf-8")  # no lone surrogates: the report can always be written out
    assert not text.startswith("\ufeff")


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "json"])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_no_raw_escape_sequence_reaches_any_report(name: str, fmt: str) -> None:
    # JSON carries strings as data (json escapes them); everything else is read by people.
    assert "\x1b" not in render(SCENARIOS[name](), fmt)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_machine_formats_parse(name: str) -> None:
    result = SCENARIOS[name]()
    json.loads(render(result, "json"))
    json.loads(render(result, "sarif"))
    assert isinstance(json.loads(render(result, "codequality")), list)
    ET.fromstring(render(result, "junit").encode("utf-8"))


def test_unknown_format_is_a_usage_error() -> None:
    from vetgate.errors import UsageError

    with pytest.raises(UsageError, match=r"unknown report format 'yaml': choose one of "
                                          r"codequality, github, json, junit, markdown, sarif, "
                                          r"text"):
        render(passing(), "yaml")


def test_color_applies_to_text_only() -> None:
    result = failing()
    assert "\x1b[" in render(result, "text", color=True)
    assert "\x1b[" not in render(result, "text", color=False)
    assert render(result, "json", color=True) == render(result, "json")


def test_render_imports_only_the_requested_format() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from vetgate.report import render\n"
        "from vetgate.engine.result import CheckResult\n"
        "r = CheckResult(verdict='pass', mode='staged', base=None, head=None, policy_files=(),"
        " commits=(), files=(), results=())\n"
        "render(r, 'text')\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('vetgate.report.'))\n"
        "print(','.join(loaded), 'xml.etree.ElementTree' in sys.modules, 'git' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["vetgate.report._common,vetgate.report.text", "False", "False"]


_any_text = st.text(max_size=25)


@settings(max_examples=80, deadline=None)
@given(rule=_any_text, description=_any_text, message=_any_text, detail=_any_text,
       paths=st.lists(st.text(min_size=1, max_size=25), max_size=3),
       level=st.sampled_from(["block", "warn"]), status=st.sampled_from(["fail", "pending"]))
def test_no_text_from_a_repository_can_forge_output(rule: str, description: str, message: str,
                                                    detail: str, paths: list[str], level: str,
                                                    status: str) -> None:
    """Whatever a policy, a commit or a file name contains: no raw control character reaches a
    report read by people or a terminal, and no line of the github format is anything but a
    workflow command or the verdict."""
    item = RuleResult(
        rule=rule or "r", source=src(3, description or ".vetgate.yaml"), level=level,  # type: ignore[arg-type]
        status=status, description=description, paths=tuple(paths),  # type: ignore[arg-type]
        evidence=(Evidence(detector="message", kind="ai", where=detail, detail=detail),),
        requirements=(RequirementResult(kind="tests", status=status, message=message,  # type: ignore[arg-type]
                                        details=(detail,)),),
    )
    result = CheckResult(verdict="fail" if level == "block" and status == "fail" else "warn",
                         mode="range", base=BASE, head=HEAD, policy_files=(".vetgate.yaml",),
                         commits=(), files=(), results=(item,), warnings=(detail,))
    for fmt in FORMATS:
        text = render(result, fmt).replace("\n", "").replace("\t", "")
        text.encode("utf-8")
        if fmt in ("json", "sarif", "codequality"):
            # Data: JSON escapes C0 controls (ESC included); DEL and C1 are plain characters.
            assert not re.search(r"[\x00-\x1f]", text), fmt
        else:
            assert not _RAW_CONTROL.search(text), fmt
    for line in render(result, "github").splitlines():
        assert line.startswith("::") or line.startswith("vetgate: "), line
