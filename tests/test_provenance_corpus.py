"""The labelled corpus (tests/provenance_corpus.yaml) classified by the real Classifier."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from vetgate.changes.model import Commit, Identity
from vetgate.policy.model import MarkerConfig, OriginConfig, TrailerPattern
from vetgate.provenance.catalog import load_catalog
from vetgate.provenance.classify import Classifier
from vetgate.provenance.model import ProvenanceContext

CORPUS_FILE = Path(__file__).with_name("provenance_corpus.yaml")
CORPUS: list[dict[str, Any]] = yaml.safe_load(CORPUS_FILE.read_text("utf-8"))
SHA = "0123456789abcdef0123456789abcdef01234567"
HANNAH = "Hannah Human <hannah@example.com>"


def identity(text: str) -> Identity:
    name, _, rest = text.rpartition(" <")
    return Identity(name, rest.rstrip(">"))


def markers(raw: dict[str, Any] | None) -> MarkerConfig:
    raw = raw or {}
    return MarkerConfig(
        trailers=tuple(TrailerPattern(t["key"], t.get("value")) for t in raw.get("trailers", ())),
        identities=tuple(raw.get("identities", ())),
        messages=tuple(raw.get("messages", ())),
        env=tuple(raw.get("env", ())),
        branches=tuple(raw.get("branches", ())),
        labels=tuple(raw.get("labels", ())),
    )


def origin_config(raw: dict[str, Any] | None) -> OriginConfig:
    raw = raw or {}
    return OriginConfig(
        builtin=raw.get("builtin", True), unknown=raw.get("unknown", "human"),
        suggestions=raw.get("suggestions", "ai"), executed=raw.get("executed", "ai"),
        markers=markers(raw.get("markers")),
        human=markers(raw.get("human")),
    )


def build(case: dict[str, Any]) -> tuple[Commit, ProvenanceContext]:
    pending = "env" in case
    author = identity(case.get("author", HANNAH))
    committer = identity(case.get("committer", case.get("author", HANNAH)))
    commit = Commit(sha=None if pending else SHA, parents=(), author=author, committer=committer,
                    author_time=0, commit_time=0, message=case.get("message", "Change things"))
    traces = {}
    if "traces" in case:
        records = []
        for record in case["traces"]:
            record = dict(record)
            record["vcs"] = {**record["vcs"], "revision": SHA}
            records.append(record)
        traces = {SHA: tuple(records)}
    context = ProvenanceContext(
        env=case.get("env"), branch=case.get("branch"), labels=tuple(case.get("labels", ())),
        notes={SHA: case["note"]} if "note" in case else {}, traces=traces,
    )
    return commit, context


def test_corpus_is_large_and_balanced() -> None:
    names = [case["name"] for case in CORPUS]
    assert len(names) == len(set(names)), "case names must be unique"
    assert len(CORPUS) >= 60
    assert sum(1 for case in CORPUS if case["expect"] == "unknown") >= 15


@pytest.mark.parametrize("case", CORPUS, ids=[c["name"] for c in CORPUS])
def test_corpus_case(case: dict[str, Any]) -> None:
    commit, context = build(case)
    result = Classifier(origin_config(case.get("config"))).classify(commit, context)
    described = [item.describe() for item in result.evidence]
    assert result.origin == case["expect"], described
    fired = {item.entry for item in result.evidence}
    for entry in case.get("entries", ()):
        assert entry in fired, f"{entry} did not fire: {described}"
    expected_kinds = case.get("kinds") or (
        ["ai"] if case["expect"] == "ai" else ["human"] if case["expect"] == "human" else [])
    assert sorted({item.kind for item in result.evidence}) == sorted(expected_kinds), described
    if "tools" in case:
        assert list(result.tools) == case["tools"]
    if "counts_as" in case:
        assert result.counts_as == case["counts_as"]
    elif case["expect"] in ("ai", "human"):
        assert result.counts_as == case["expect"]
    if "where" in case:
        assert any(case["where"] in item.where for item in result.evidence), described
    if "detail" in case:
        assert any(case["detail"] in item.detail for item in result.evidence), described
    assert result.subject == commit.subject
    assert result.sha == commit.sha


def test_every_catalog_entry_has_a_positive_case() -> None:
    positives: set[str] = set()
    for case in CORPUS:
        if case["expect"] in ("ai", "human") and (case.get("config") or {}).get(
                "builtin") is not False:
            positives.update(case.get("entries", ()))
    missing = [entry.id for entry in load_catalog().entries if entry.id not in positives]
    assert not missing, f"catalog entries without a positive corpus case: {missing}"


@pytest.mark.parametrize("example", load_catalog().not_ai, ids=lambda e: e.id)
def test_catalog_look_alikes_are_not_ai(example: Any) -> None:
    author = identity(example.author or HANNAH)
    committer = identity(example.committer) if example.committer else author
    commit = Commit(SHA, (), author, committer, 0, 0, example.message or "Change things")
    result = Classifier().classify(commit)
    assert result.origin != "ai", [item.describe() for item in result.evidence]
