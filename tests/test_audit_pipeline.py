"""The whole audit on a synthetic history whose truth is known by construction.

The commit classifier here is a private stand-in (Claude trailer → ai, one author → unknown,
everyone else → human) so that these tests pin the audit's own counting; the real Classifier is
exercised end to end in test_audit_cli.py.
"""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest

from conftest import GitRepo
from conftest import at_day as _at
from vetgate.audit.html import render_html
from vetgate.audit.pipeline import AuditOptions, pin_range, run_audit
from vetgate.audit.report import render_markdown, render_text, to_json
from vetgate.changes.history import HistoryCommit, RevisionSelection
from vetgate.policy.loader import load_policy_bytes
from vetgate.provenance.model import CommitOrigin, ProvenanceContext

CLAUDE = "Co-Authored-By: Claude <noreply@anthropic.com>"
POLICY = b"""\
version: 1
rules:
  - id: auth
    description: Sign-in
    paths: ["src/auth/**"]
    require: {review: {count: 1}}
  - id: payments
    paths: ["src/pay/**"]
    require: {forbid: "no"}
"""


def stand_in(item: HistoryCommit, context: ProvenanceContext) -> CommitOrigin:
    commit = item.commit
    if CLAUDE in commit.message:
        return CommitOrigin(commit.sha, "ai", "ai")
    if commit.author.email == "u@example.org":
        return CommitOrigin(commit.sha, "unknown", "human")
    return CommitOrigin(commit.sha, "human", "human")


def _lines(prefix: str, count: int) -> str:
    return "".join(f"{prefix}_{i} = {i}\n" for i in range(count))


@pytest.fixture
def story(repo: GitRepo) -> dict[str, str]:
    """A history with known failures.

    day 0  human  c_base     src/auth/login.py (10 lines), README.md
    day 1  ai     c_ai_auth  changes login.py line 3                 ← fixed on day 5 (SZZ)
    day 2  human  c_app      src/app.py (3 lines)
    day 3  ai     c_ai_pay   src/pay/x.py                            ← reverted on day 4
    day 4  human  r_pay      git revert c_ai_pay
    day 5  human  fix_auth   "fix: login check" changes line 3
    day 6  ai     c_ai_ok    src/app.py one more line (no failure)
    day 8  ai     c_ai_late  src/late.py                             ← fixed on day 60
    day 9  unkn.  c_unknown  docs only
    day 60 human  fix_late   "fix: late" changes late.py
    day 100 human c_newest   src/app.py one more line
    """
    shas: dict[str, str] = {}
    login = _lines("login", 10)
    shas["c_base"] = repo.commit("feat: base", {"src/auth/login.py": login,
                                                "README.md": "hello\n"}, env=_at(0))
    login_ai = login.replace("login_3 = 3", "login_3 = check(3)")
    shas["c_ai_auth"] = repo.commit(f"feat: auth check\n\n{CLAUDE}",
                                    {"src/auth/login.py": login_ai}, env=_at(1))
    shas["c_app"] = repo.commit("feat: app", {"src/app.py": _lines("app", 3)}, env=_at(2))
    shas["c_ai_pay"] = repo.commit(f"feat: pay\n\n{CLAUDE}", {"src/pay/x.py": _lines("pay", 4)},
                                   env=_at(3))
    repo.git("revert", "--no-edit", shas["c_ai_pay"], env=_at(4))
    shas["r_pay"] = repo.head()
    shas["fix_auth"] = repo.commit(
        "fix: login check",
        {"src/auth/login.py": login_ai.replace("check(3)", "check(3, strict=True)")}, env=_at(5))
    shas["c_ai_ok"] = repo.commit(f"feat: more app\n\n{CLAUDE}",
                                  {"src/app.py": _lines("app", 4)}, env=_at(6))
    shas["c_ai_late"] = repo.commit(f"feat: late\n\n{CLAUDE}", {"src/late.py": "late = 1\n"},
                                    env=_at(8))
    shas["c_unknown"] = repo.commit("docs: notes", {"docs/notes.md": "n\n"},
                                    author="Una Known <u@example.org>", env=_at(9))
    shas["fix_late"] = repo.commit("fix: late", {"src/late.py": "late = 2\n"}, env=_at(60))
    shas["c_newest"] = repo.commit("feat: newest", {"src/app.py": _lines("app", 5)}, env=_at(100))
    return shas


def _audit(repo: GitRepo, **options: Any) -> Any:
    policy = load_policy_bytes(POLICY)
    return run_audit(AuditOptions(root=str(repo.path), **options), policy, classify=stand_in)


def test_counts_and_failures_without_window(repo: GitRepo, story: dict[str, str]) -> None:
    report = _audit(repo)
    assert report.commits == 11 and report.commits_in_rates == 11
    ai, human, unknown = (report.origins[o] for o in ("ai", "human", "unknown"))
    assert (ai.commits, ai.reverted, ai.fix_inducing, ai.failed) == (4, 1, 2, 3)
    assert (human.commits, human.failed) == (6, 0)
    assert (unknown.commits, unknown.failed) == (1, 0)
    assert ai.failure_rate == 0.75
    assert ai.ci95 == (0.3006, 0.9544)
    # hours to fix: pay reverted after 24 h, auth fixed after 96 h, late fixed after 52 days.
    assert ai.median_hours_to_fix == 96.0
    assert {(f.sha, f.signal, f.by) for f in report.failures} == {
        (story["c_ai_pay"], "reverted", story["r_pay"]),
        (story["c_ai_auth"], "fix_inducing", story["fix_auth"]),
        (story["c_ai_late"], "fix_inducing", story["fix_late"]),
    }
    assert report.counted["ai"] == ai
    assert report.counted["human"].commits == 7  # human + unknown (unknown counts as human)
    assert report.rules["auth"]["ai"].failed == 1
    assert report.rules["auth"]["human"].commits == 2  # c_base and fix_auth
    assert report.rules["payments"]["ai"].reverted == 1
    assert report.rules["payments"]["human"].commits == 1  # the revert
    assert report.rules["auth"]["ai"].lines == 2
    assert report.method.fixes == 2 and report.method.fixes_blamed == 2
    assert report.method.reverts == 1


def test_window_drops_late_failures_and_young_commits(repo: GitRepo,
                                                      story: dict[str, str]) -> None:
    report = _audit(repo, window_days=30)
    # Newest commit is day 100, so commits after day 70 are too young: only c_newest.
    assert report.method.excluded_young == 1
    assert report.commits == 11 and report.commits_in_rates == 10
    ai = report.origins["ai"]
    assert (ai.commits, ai.reverted, ai.fix_inducing, ai.failed) == (4, 1, 1, 2)
    assert story["c_ai_late"] not in {f.sha for f in report.failures}  # fixed after 52 days
    assert report.origins["human"].commits == 5
    assert sum(sum(p.commits.values()) for p in report.periods) == 11  # shares keep everyone


def test_szz_variant_and_range(repo: GitRepo, story: dict[str, str]) -> None:
    report = _audit(repo, szz="b", selection=RevisionSelection(f"{story['c_app']}..HEAD"))
    # c_ai_auth is outside the range: its fix is seen, but not counted.
    assert report.commits == 8
    assert report.method.failures_outside_range == 1
    assert story["c_ai_auth"] not in {f.sha for f in report.failures}
    assert report.method.szz == "b"


def test_size_buckets_and_periods(repo: GitRepo, story: dict[str, str]) -> None:
    report = _audit(repo)
    buckets = report.size_buckets
    assert set(buckets) == {"0-10", "11-50", "51-200", "201+"}
    assert sum(buckets[b][o].commits for b in buckets for o in ("ai", "human", "unknown")) == 11
    assert buckets["11-50"]["human"].commits == 1  # c_base: 11 lines
    months = [p.period for p in report.periods]
    assert months == sorted(months) and months[0] == "2023-11"
    first = report.periods[0]
    assert first.commit_share("ai") == pytest.approx(4 / sum(first.commits.values()))


AUDIT_SCHEMA: dict[str, Any] = {
    "$defs": {
        "stats": {
            "type": "object",
            "required": ["commits", "lines", "reverted", "fix_inducing", "failed",
                         "failure_rate", "ci95", "median_hours_to_fix"],
            "properties": {
                "commits": {"type": "integer", "minimum": 0},
                "failure_rate": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
                "ci95": {"oneOf": [{"type": "null"}, {
                    "type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}]},
                "median_hours_to_fix": {"type": ["number", "null"]},
            },
        },
        "by_origin": {
            "type": "object", "required": ["ai", "human", "unknown"],
            "additionalProperties": {"$ref": "#/$defs/stats"},
        },
    },
    "type": "object",
    "required": ["version", "range", "commits", "origins", "rules", "failures", "periods",
                 "size_buckets", "method"],
    "properties": {
        "version": {"const": 1},
        "range": {"type": "string"},
        "commits": {"type": "integer"},
        "origins": {"$ref": "#/$defs/by_origin"},
        "rules": {"type": "object", "additionalProperties": {"$ref": "#/$defs/by_origin"}},
        "size_buckets": {"type": "object", "additionalProperties": {"$ref": "#/$defs/by_origin"}},
        "failures": {"type": "array", "items": {
            "type": "object", "required": ["sha", "origin", "signal", "by"],
            "properties": {"signal": {"enum": ["reverted", "fix_inducing"]},
                           "origin": {"enum": ["ai", "human", "unknown"]}}}},
        "periods": {"type": "array", "items": {
            "type": "object", "required": ["period", "commits", "lines"]}},
        "method": {"type": "object", "required": ["szz", "window", "fix_pattern", "notes"]},
    },
}


def test_json_shape(repo: GitRepo, story: dict[str, str]) -> None:
    data = to_json(_audit(repo, window_days=90))
    jsonschema.validate(data, AUDIT_SCHEMA)
    assert json.loads(json.dumps(data)) == data
    assert data["range"] == "HEAD"
    assert data["method"]["window"] == "90d" and data["method"]["szz"] == "r"
    # Window 90d back from day 100: fix_late (day 60) and c_newest are too young to rate, but
    # c_ai_late's fix came 52 days after it, inside the window: 3 of 4 AI commits failed.
    assert data["method"]["excluded_young"] == 2
    assert data["origins"]["ai"]["failed"] == 3
    assert data["origins"]["ai"]["ci95"] == [0.3006, 0.9544]
    assert data["rules"]["payments"]["unknown"] == {
        "commits": 0, "lines": 0, "reverted": 0, "fix_inducing": 0, "failed": 0,
        "failure_rate": None, "ci95": None, "median_hours_to_fix": None,
    }
    assert any("R-SZZ" in note and "0.66" in note for note in data["method"]["notes"])
    assert any("proxy for DORA" in note for note in data["method"]["notes"])


def test_html_is_one_self_contained_file(repo: GitRepo, story: dict[str, str]) -> None:
    page = render_html(_audit(repo))
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") >= 3
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert "<script" not in page.lower() and "@import" not in page and "url(" not in page
    assert "R-SZZ" in page and "proxy for DORA" in page


def test_text_and_markdown_say_the_method(repo: GitRepo, story: dict[str, str]) -> None:
    report = _audit(repo, szz="l", window_days=30)
    for rendered in (render_text(report), render_markdown(report)):
        assert "L-SZZ" in rendered and "window 30d" in rendered
        assert "proxy for DORA" in rendered
        assert "75.0%" not in rendered  # window 30d: 2 of 4 failed
        assert "50.0%" in rendered


@pytest.mark.parametrize(
    ("rev_range", "pinned"),
    [("HEAD", "S"), ("main", "S"), ("v1..main", "v1..S"), ("v1..", "v1..S"),
     ("a...b", "a...S")],
)
def test_pin_range(rev_range: str, pinned: str) -> None:
    assert pin_range(rev_range, "S") == pinned
    assert pin_range(rev_range, "") == rev_range
