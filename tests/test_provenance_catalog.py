"""The built-in catalog: valid data, strict validation, docs table in sync, MARKERS coverage."""

from __future__ import annotations

import copy
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from vetgate.errors import VetgateError
from vetgate.provenance.catalog import (
    CATALOG_FILE,
    DOCS_BEGIN,
    DOCS_END,
    CatalogError,
    catalog_from_bytes,
    load_catalog,
    markdown_table,
    parse_catalog,
)

ROOT = Path(__file__).resolve().parents[1]
RAW: dict[str, Any] = yaml.safe_load(
    (ROOT / "src" / "vetgate" / "provenance" / CATALOG_FILE).read_text("utf-8"))


def test_catalog_loads() -> None:
    catalog = load_catalog()
    assert len(catalog.entries) >= 60
    assert catalog.entry("claude-code").emails == ("noreply@anthropic.com",)
    assert "co-authored-by" in catalog.identity_trailer_keys


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.update(version=2), "version: 1"),
    (lambda d: d.update(colour="red"), "unknown key(s): colour"),
    (lambda d: d["entries"].append(dict(d["entries"][0])), "duplicate id"),
    (lambda d: d["entries"][0].update(kind="vibes"), "`kind` must be one of"),
    (lambda d: d["entries"][0].update(confidence="X"), "confidence"),
    (lambda d: d["entries"][0].update(keys=["A"]), "unknown field(s) for kind identity: keys"),
    (lambda d: d["entries"][0].update(emails=[], github=None), "needs emails, github"),
    (lambda d: d["entries"][0].update(github=[{"id": "x1", "login": "a"}]), "<digits>"),
    (lambda d: d["entries"][0].pop("tool"), "`tool` is required"),
    (lambda d: d["entries"][0].update(tool=None), "may leave `tool` null"),
    (lambda d: d["entries"].append({"id": "b", "tool": "T", "kind": "branch",
                                    "confidence": "L", "patterns": ["("]}), "bad pattern"),
    (lambda d: d["entries"].append({"id": "e", "tool": "T", "kind": "env",
                                    "confidence": "L", "env": [["=x"]], "declare": "t"}),
     "`env` items"),
    (lambda d: d["entries"].append({"id": "t", "tool": "T", "kind": "trailer",
                                    "confidence": "L", "keys": ["Bad Key"]}), "`keys`"),
    (lambda d: d["entries"].append({"id": "s", "tool": "T", "kind": "identity",
                                    "confidence": "L", "login-only": ["human"]}), "[bot]"),
])
def test_validation_names_entry_and_problem(mutate: Any, message: str) -> None:
    data = copy.deepcopy(RAW)
    mutate(data)
    with pytest.raises(CatalogError) as excinfo:
        parse_catalog(data)
    assert message in str(excinfo.value)
    assert "packaging bug" in str(excinfo.value)
    assert isinstance(excinfo.value, VetgateError)


def test_no_entry_matches_a_whole_domain_or_a_bare_name() -> None:
    for entry in load_catalog().entries:
        for email in entry.emails:
            local, _, domain = email.partition("@")
            assert local and "." in domain and "*" not in email, entry.id


def test_markers_md_addresses_are_all_in_the_catalog() -> None:
    """Every H/M agent address MARKERS.md names is in the catalog (spot list, kept explicit)."""
    catalog = load_catalog()
    emails = {email for entry in catalog.entries for email in entry.emails}
    pairs = {pair for entry in catalog.entries for pair in entry.github}
    for email in ("noreply@anthropic.com", "aider@aider.chat", "noreply@aider.chat",
                  "noreply@aider.dev", "openhands@all-hands.dev", "opendevin@opendevin.ai",
                  "cursoragent@cursor.com", "noreply@openai.com", "codex@openai.com",
                  "amp@ampcode.com", "crush@charm.land", "noreply@opencode.ai",
                  "junie@jetbrains.com", "qwen-coder@alibabacloud.com", "roomote@roocode.com",
                  "cline-agent@users.noreply.github.com", "copilot@github.com"):
        assert email in emails, email
    for pair in (("209825114", "claude[bot]"), ("198982749", "copilot"),
                 ("223556219", "copilot"), ("175728472", "copilot"),
                 ("158243242", "devin-ai-integration[bot]"),
                 ("161369871", "google-labs-jules[bot]"), ("138933559", "factory-droid[bot]"),
                 ("219738659", "roomote[bot]"), ("276134852", "cline-cloud[bot]"),
                 ("205137888", "cline[bot]"), ("199175422", "chatgpt-codex-connector[bot]"),
                 ("62310815", "github-advanced-security[bot]")):
        assert pair in pairs, pair


def test_docs_table_is_in_sync() -> None:
    docs = (ROOT / "docs" / "provenance.md").read_text("utf-8")
    start = docs.index(DOCS_BEGIN) + len(DOCS_BEGIN)
    end = docs.index(DOCS_END)
    assert docs[start:end].strip() == markdown_table().strip(), (
        "docs/provenance.md is out of date: run "
        "`python -m vetgate.provenance.catalog docs/provenance.md`")


@pytest.mark.parametrize(("yaml_text", "message"), [
    ("version: 1\nversion: 1\n", "line 2: "),
    ("version: 1\nentries:\n\t- id: x\n", "tab"),
    ("a: &x 1\nb: *x\n", "line "),
    ("version: 1\nidentity_trailer_keys: []\nsuggestion_subject: x\nnegative_values: []\n"
     "falsy_env_values: []\nai_words: {}\nentries:\n  - id: ok\n    tool: T\n    kind: identity\n"
     "    confidence: H\n    emails: [a@b.example]\n  - id: bad\n    tool: T\n    kind: nope\n"
     "    confidence: H\n", "catalog.yaml line 13]"),
])
def test_the_catalog_is_read_through_the_located_yaml_reader(yaml_text: str,
                                                             message: str) -> None:
    """The same reader as policies: duplicate keys, tabs and aliases are refused with their
    line, and an invalid entry names the line it starts on."""
    with pytest.raises(CatalogError) as excinfo:
        catalog_from_bytes(yaml_text.encode())
    assert message in str(excinfo.value)


def test_the_shipped_catalog_reads_the_same_through_either_reader() -> None:
    from vetgate.policy.yamlload import parse_yaml
    from vetgate.provenance.catalog import plain

    data = resources.files("vetgate.provenance").joinpath("catalog.yaml").read_bytes()
    tree, problems = parse_yaml(data)
    assert problems == []
    assert plain(tree) == yaml.safe_load(data)
