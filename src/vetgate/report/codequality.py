"""``--format codequality``: a GitLab Code Quality report (``artifacts:reports:codequality``).

A JSON array with one issue per unmet requirement per file. Severity: a failing ``block`` rule is
``blocker`` (it blocks the merge; ``major`` under ``--warn-only``, where it does not), a failing
``warn`` rule ``minor``, a pending requirement ``info``. The fingerprint hashes rule, path and
requirement kind, so GitLab tracks an issue across pipelines.
"""

from __future__ import annotations

import json
from typing import Any

from vetgate.engine.result import CheckResult, RequirementResult, RuleResult
from vetgate.report._common import encodable, fingerprint, requirement_paths, unmet


def severity(rule: RuleResult, requirement: RequirementResult, *, warn_only: bool) -> str:
    """GitLab severity (info | minor | major | critical | blocker) of one unmet requirement."""
    if requirement.status == "pending":
        return "info"
    if rule.level == "warn":
        return "minor"
    return "major" if warn_only else "blocker"


def _policy_content(result: CheckResult) -> dict[str, Any]:
    """``content.body`` (Code Climate's free text): which policy judged, and its notes."""
    if not result.policy_source:
        return {}
    body = " ".join([f"Judged by the policy {result.policy_source}.",
                     *(f"Note: {n}." for n in result.policy_notes)])
    return {"content": {"body": encodable(body)}}


def issues(result: CheckResult) -> list[dict[str, Any]]:
    """The Code Quality issues as plain JSON data."""
    out: list[dict[str, Any]] = []
    for rule in result.results:
        for requirement in unmet(rule):
            # A requirement about no file is pinned to the rule's definition in the policy.
            targets = [(p, 1) for p in requirement_paths(rule, requirement)] or [
                (rule.source.file, max(rule.source.line, 1))
            ]
            text = f"vetgate {rule.rule}: {requirement.message}"
            if requirement.status == "pending":
                text += " (pending: can only be met in CI)"
            for path, line in targets:
                out.append({
                    "description": encodable(text),
                    "check_name": f"vetgate/{rule.rule}/{requirement.kind}",
                    "fingerprint": fingerprint(rule.rule, path, requirement.kind),
                    "severity": severity(rule, requirement, warn_only=result.warn_only),
                    "location": {"path": encodable(path), "lines": {"begin": line}},
                    **_policy_content(result),
                })
    return out


def render(result: CheckResult) -> str:
    """The Code Quality report: a JSON array, UTF-8 without BOM, trailing newline."""
    return json.dumps(issues(result), indent=2, ensure_ascii=False) + "\n"
