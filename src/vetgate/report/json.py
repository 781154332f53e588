"""``--format json``: the stable, documented object (docs/output.md; check-output.schema.json).

Key order is part of the contract: tools diff these reports, people read them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from vetgate.engine.result import CheckResult, FileResult, RequirementResult, RuleResult
from vetgate.provenance.model import CommitOrigin, Evidence
from vetgate.report._common import encodable

FORMAT_VERSION = 1


def evidence_to_json(item: Evidence) -> dict[str, Any]:
    """One piece of a rule's evidence, naming the commit it was found on (``commit`` null for
    the pending commit; ``commit`` and ``subject`` both null when it names none)."""
    subject = item.commit_subject
    return {
        "detector": item.detector,
        "kind": item.kind,
        "tool": item.tool,
        "detail": encodable(item.detail),
        "where": encodable(item.where),
        "source": item.source,
        "commit": item.commit,
        "subject": None if subject is None else encodable(subject),
    }


def _commit_origin_to_json(origin: CommitOrigin) -> dict[str, Any]:
    # The same shape as ``vetgate origin --format json`` items (SPEC section 1).
    return {
        "sha": origin.sha,
        "origin": origin.origin,
        "counts_as": origin.counts_as,
        "tools": list(origin.tools),
        "subject": encodable(origin.subject),
        "evidence": [evidence_to_json(e) for e in origin.evidence],
    }


def _commit_serializer() -> Callable[[CommitOrigin], dict[str, Any]]:
    """The provenance package's serializer when it exists, so that ``vetgate origin`` and
    ``vetgate check`` emit one shape; else the identical private one above."""
    try:
        from vetgate.provenance.serialize import (  # type: ignore[import-not-found,unused-ignore]
            commit_origin_to_json,
        )
    except ImportError:
        return _commit_origin_to_json
    return commit_origin_to_json  # type: ignore[no-any-return,unused-ignore]


def change_to_json(file: FileResult) -> dict[str, Any]:
    """One changed file, its origin and the rules that match it."""
    change = file.change
    return {
        "path": encodable(change.path),
        "old_path": None if change.old_path is None else encodable(change.old_path),
        "status": change.status,
        "added": change.added,
        "removed": change.removed,
        "binary": change.binary,
        "kind": change.kind,
        "origin": file.origin,
        "rules": list(file.rules),
    }


def requirement_to_json(requirement: RequirementResult) -> dict[str, Any]:
    """One requirement of a rule: met or not, and the sentence that says what to do."""
    return {
        "kind": requirement.kind,
        "status": requirement.status,
        "message": encodable(requirement.message),
        "paths": [encodable(p) for p in requirement.paths],
        "details": [encodable(d) for d in requirement.details],
    }


def rule_to_json(rule: RuleResult) -> dict[str, Any]:
    """One rule's outcome."""
    return {
        "rule": rule.rule,
        "source": str(rule.source),
        "level": rule.level,
        "status": rule.status,
        "description": rule.description,
        "origin": rule.origin,
        "paths": [encodable(p) for p in rule.paths],
        "reason": rule.reason,
        "evidence": [evidence_to_json(e) for e in rule.evidence],
        "requirements": [requirement_to_json(r) for r in rule.requirements],
    }


def to_json(result: CheckResult) -> dict[str, Any]:
    """The whole report as plain JSON data, keys in contract order."""
    commit_to_json = _commit_serializer()
    return {
        "version": FORMAT_VERSION,
        "verdict": result.verdict,
        "base": result.base,
        "head": result.head,
        "mode": result.mode,
        "ci": result.ci,
        "policy_files": list(result.policy_files),
        "policy_source": encodable(result.policy_source),
        "policy_notes": [encodable(n) for n in result.policy_notes],
        "commits": [commit_to_json(c) for c in result.commits],
        "changes": [change_to_json(f) for f in result.files],
        "results": [rule_to_json(r) for r in result.results],
        "warnings": [encodable(w) for w in result.warnings],
    }


def render(result: CheckResult) -> str:
    """The JSON report: indent 2, UTF-8 kept as is, one trailing newline."""
    return json.dumps(to_json(result), indent=2, ensure_ascii=False) + "\n"
