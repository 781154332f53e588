"""Provenance verdicts as JSON-ready data: the item shape of ``vetgate origin --format json``
and of ``vetgate check --format json``'s ``commits``."""

from __future__ import annotations

from typing import Any

from vetgate.provenance.model import CommitOrigin, Evidence


def evidence_to_json(item: Evidence) -> dict[str, Any]:
    """One piece of evidence: ``{"detector", "kind", "tool", "detail", "where", "source"}``."""
    return {
        "detector": item.detector,
        "kind": item.kind,
        "tool": item.tool,
        "detail": item.detail,
        "where": item.where,
        "source": item.source,
    }


def commit_origin_to_json(co: CommitOrigin) -> dict[str, Any]:
    """One commit: ``{"sha", "origin", "counts_as", "tools", "subject", "evidence"}``
    (``sha`` is null for the pending commit)."""
    return {
        "sha": co.sha,
        "origin": co.origin,
        "counts_as": co.counts_as,
        "tools": list(co.tools),
        "subject": co.subject,
        "evidence": [evidence_to_json(item) for item in co.evidence],
    }
