"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One result per unmet requirement per file. The rule id is the policy rule id (stable across runs),
and ``partialFingerprints`` hash rule, requirement kind and path, so a code host tracks one finding
from run to run however its message changes.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from vetgate import __version__
from vetgate.engine.result import CheckResult, RequirementResult, RuleResult
from vetgate.report._common import (
    cite,
    encodable,
    fingerprint,
    requirement_paths,
    unmet,
)

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/vetgate/"
FINGERPRINT_KEY = "vetgate/v1"


def artifact_uri(path: str) -> str:
    """A repository-relative path as a relative URI reference (RFC 3986): every byte outside the
    unreserved set and ``/`` is percent-encoded, so spaces, ``%``, ``#``, ``?``, ``:`` and
    non-ASCII names survive, and a first segment like ``c:x`` cannot read as a scheme."""
    return quote(path.encode("utf-8", "surrogateescape"), safe="/")


def _level(rule: RuleResult, requirement: RequirementResult) -> str:
    if requirement.status == "pending":
        return "note"
    return "error" if rule.level == "block" else "warning"


def _descriptor(rule: RuleResult) -> dict[str, Any]:
    short = rule.description or f"vetgate policy rule {rule.rule}"
    # What the rule requires as the policy says it (a rule that did not apply requires it too).
    requires = ("; ".join(rule.requires) if rule.requires
                else ", ".join(dict.fromkeys(r.kind for r in rule.requirements)) or "none")
    full = (f"{short}. Policy rule '{rule.rule}' defined at {rule.source}; level {rule.level} "
            f"({'blocks the change' if rule.level == 'block' else 'warns only'}); "
            f"requires: {requires}.")
    help_text = (f"Rule '{rule.rule}' ({rule.source}) maps high-risk paths to requirements for "
                 "changes of the origin it applies to. Each result says the one step that meets "
                 "the requirement. Run `vetgate explain PATH` to see which rules match a path and "
                 "what they require.")
    return {
        "id": rule.rule,
        "name": rule.rule,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": "error" if rule.level == "block" else "warning"},
        "properties": {"tags": ["vetgate", "ai-origin"], "source": str(rule.source)},
    }


def _location(uri: str, line: int) -> dict[str, Any]:
    return {"physicalLocation": {
        "artifactLocation": {"uri": uri},
        "region": {"startLine": max(line, 1)},
    }}


def _evidence(rule: RuleResult) -> list[dict[str, Any]]:
    """The rule's AI evidence, each piece naming its commit (sha null: the pending commit)."""
    seen: dict[str, dict[str, Any]] = {}
    for item in rule.evidence:
        text = encodable(cite(item))
        seen.setdefault(text, {
            "commit": item.commit,
            "subject": None if item.commit_subject is None else encodable(item.commit_subject),
            "text": text,
        })
    return list(seen.values())


def _results(rule: RuleResult, index: int) -> list[dict[str, Any]]:
    out = []
    evidence = _evidence(rule)
    for requirement in unmet(rule):
        paths = requirement_paths(rule, requirement)
        # A requirement about no file (rare) is located at the rule's definition instead.
        targets = [(artifact_uri(p), 1, p) for p in paths] or [
            (artifact_uri(rule.source.file), rule.source.line, rule.source.file)
        ]
        for uri, line, path in targets:
            text = f"{rule.rule}: {requirement.message}"
            if requirement.status == "pending":
                text += " (pending: can only be met in CI)"
            out.append({
                "ruleId": rule.rule,
                "ruleIndex": index,
                "level": _level(rule, requirement),
                "message": {"text": encodable(text)},
                "locations": [_location(uri, line)],
                "partialFingerprints": {
                    FINGERPRINT_KEY: fingerprint(rule.rule, path, requirement.kind),
                },
                "properties": {
                    "requirement": requirement.kind,
                    "status": requirement.status,
                    "details": [encodable(d) for d in requirement.details],
                    "evidence": evidence,
                },
            })
    return out


def to_sarif(result: CheckResult) -> dict[str, Any]:
    """The SARIF log as plain JSON data."""
    indexes: dict[str, int] = {}
    rules: list[dict[str, Any]] = []
    for rule in result.results:
        if rule.rule not in indexes:
            indexes[rule.rule] = len(rules)
            rules.append(_descriptor(rule))
    results: list[dict[str, Any]] = []
    for rule in result.results:
        results.extend(_results(rule, indexes[rule.rule]))
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "vetgate",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {
                "verdict": result.verdict,
                "warnOnly": result.warn_only,
                "base": result.base,
                "head": result.head,
                "mode": result.mode,
                "policyFiles": list(result.policy_files),
                "policySource": encodable(result.policy_source),
                "policyNotes": [encodable(n) for n in result.policy_notes],
                "warnings": [encodable(w) for w in result.warnings],
            },
        }],
    }


def render(result: CheckResult) -> str:
    """The SARIF report (indent 2, trailing newline)."""
    return json.dumps(to_sarif(result), indent=2, ensure_ascii=False) + "\n"
