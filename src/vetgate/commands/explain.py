"""`vetgate explain PATH...`: which rules match each path, and what they would require.

For every path: each matching rule with its id, the file and line it was written at, the
pattern that matched, its level and origin scope, and what it would require of an AI-origin
change and of a human change. Paths no rule matches say so, with the ``coverage`` setting.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from vetgate import records
from vetgate.errors import EXIT_PASS, UsageError
from vetgate.policy.model import Policy, Requirement, TestsRequirement

_COVERAGE_NOTES = {
    "ignore": "coverage: ignore, so an AI-origin change here passes",
    "warn": "coverage: warn, so an AI-origin change here gets a warning",
    "fail": "coverage: fail, so an AI-origin change here fails the check",
}


def printable(text: str) -> str:
    """``text`` safe to print: undecodable bytes as \\xNN, control characters escaped."""
    raw = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
                   for ch in raw)


def _join(items: Sequence[str]) -> str:
    return ", ".join(items)


def _requirement_json(requirement: Requirement, policy: Policy, path: str,
                      repo_files: Sequence[str] | None,
                      indexes: dict[tuple[str, ...], Any]) -> dict[str, Any]:
    from vetgate.engine.kinds import describe

    out: dict[str, Any] = {"kind": requirement.kind, "text": describe(requirement, policy)}
    for item in records.fields(requirement):
        if item.name in ("kind", "matcher"):
            continue
        value = getattr(requirement, item.name)
        out[item.name] = list(value) if isinstance(value, tuple) else value
    if isinstance(requirement, TestsRequirement) and requirement.related and (
            repo_files is not None):
        from vetgate.engine.related import (
            TestIndex,
            existing_related,
            is_source,
            no_related_test,
            repository_tests,
            suggested_test,
        )

        if is_source(policy, path):
            tests = indexes.get(requirement.patterns)
            if tests is None:  # one index of the repository's tests per run, not per path
                tests = indexes[requirement.patterns] = TestIndex(
                    repository_tests(policy, repo_files, requirement.patterns))
            out["related_tests"] = [
                {"test": r.test, "how": r.how, "why": r.why}
                for r in existing_related(policy, path, (), tests=tests)]
            # Where `check` would say to add one: beside the tests of the path's neighbours.
            out["suggested_test"] = suggested_test(path, repo_files, tests)
            if not out["related_tests"]:
                out["no_related_test"] = no_related_test(path, out["suggested_test"])
    return out


def repo_path(given: str, start: str, root: str) -> str:
    """``given`` as a repository-relative POSIX path.

    Absolute paths must lie inside the repository. A relative path is taken from the current
    directory when a file or directory of that name exists there, else from the repository root
    (so ``vetgate explain src/auth/x.py`` works from anywhere, even for files yet to be written).
    """
    if os.path.isabs(given):
        absolute = given
    else:
        from_cwd = os.path.join(start, given)
        absolute = from_cwd if os.path.lexists(from_cwd) else os.path.join(root, given)
    absolute = os.path.normpath(absolute)
    parent, name = os.path.split(absolute)
    real = os.path.join(os.path.realpath(parent), name) if name else os.path.realpath(parent)
    rel = os.path.relpath(real, os.path.realpath(root))
    if rel == os.pardir or rel.startswith(os.pardir + os.sep) or os.path.isabs(rel):
        raise UsageError(f"{printable(given)} is outside the repository ({root}); "
                         "explain paths inside it")
    if rel == os.curdir:
        raise UsageError(f"{printable(given)} is the repository root; name a file inside it")
    return rel.replace(os.sep, "/")


def explain_path(policy: Policy, path: str, repo_files: Sequence[str] | None = None,
                 indexes: dict[tuple[str, ...], Any] | None = None) -> dict[str, Any]:
    """The explanation of one repository-relative path, as plain data (the JSON format).
    ``repo_files``: the repository's files, to list the tests related to ``path`` today;
    ``indexes``: where to keep the indexes of those files' tests between calls."""
    from vetgate.engine.kinds import asked_of, rule_applies

    assert policy.matcher is not None
    indexes = {} if indexes is None else indexes
    rules = []
    for rule_id in policy.matcher.rules_for(path):
        rule = policy.rule(rule_id)
        entry: dict[str, Any] = {
            "rule": rule.id,
            "source": str(rule.source),
            "builtin": rule.builtin,
            "description": rule.description,
            "pattern": policy.matcher.deciding_pattern(rule.id, path),
            "level": rule.level,
            "origin": rule.origin,
        }
        for origin in ("ai", "human"):
            applies = rule_applies(rule, origin)
            entry[origin] = {
                "applies": applies,
                "requirements": [_requirement_json(r, policy, path, repo_files, indexes)
                                 for r in asked_of(rule, origin)],
            }
            if not applies:
                entry[origin]["reason"] = f"rule applies to {rule.origin}-origin changes"
        rules.append(entry)
    result: dict[str, Any] = {"path": path, "rules": rules}
    if not rules:
        result["note"] = f"no rule matches ({_COVERAGE_NOTES[policy.coverage]})"
    return result


def _related_lines(requirement: dict[str, Any]) -> list[str]:
    if "related_tests" not in requirement:
        return []
    found = requirement["related_tests"]
    if not found:
        return [f"        {printable(requirement['no_related_test'])}"]
    lines = ["        tests that would count today:"]
    lines.extend(f"          {printable(r['test'])} ({r['how']}: {r['why']})" for r in found)
    return lines


def _text(policy: Policy, explained: list[dict[str, Any]], directories: set[str]) -> str:
    files = _join(policy.files) if policy.files else "the built-in default policy"
    lines = [f"policy: {files}; commits without AI evidence count as {policy.origin.unknown} "
             f"(origin.unknown: {policy.origin.unknown})"]
    for item in explained:
        lines.append("")
        lines.append(printable(item["path"]))
        if item["path"] in directories:
            lines.append("  (a directory: rules match files, so name a file inside it)")
        if not item["rules"]:
            lines.append(f"  {item['note']}")
            continue
        for rule in item["rules"]:
            title = f"  rule {rule['rule']} ({rule['source']})"
            if rule["builtin"]:
                title += " [built-in]"
            if rule["description"]:
                title += f" — {rule['description']}"
            lines.append(title)
            lines.append(f"    matched by: {printable(rule['pattern'] or '')}")
            effect = ("an unmet requirement blocks the change" if rule["level"] == "block"
                      else "an unmet requirement only warns")
            lines.append(f"    level: {rule['level']} ({effect})")
            scope = {"ai": "AI-origin changes", "human": "human changes",
                     "any": "every change, AI-origin or human"}[rule["origin"]]
            lines.append(f"    applies to: {scope} (origin: {rule['origin']})")
            for origin, label in (("ai", "AI-origin change"), ("human", "human change")):
                part = rule[origin]
                if not part["applies"]:
                    lines.append(f"    {label}: not applicable ({part['reason']})")
                    continue
                if not part["requirements"]:
                    lines.append(f"    {label}: nothing further required")
                    continue
                lines.append(f"    {label} requires:")
                for requirement in part["requirements"]:
                    lines.append(f"      - {requirement['text']}")
                    lines.extend(_related_lines(requirement))
    return "\n".join(lines) + "\n"


def run(*, repo: str = ".", paths: Sequence[str] = (), policy: Sequence[str] | None = None,
        format: str = "text") -> int:
    """Explain each path against the repository's policy (or ``--policy`` files)."""
    from vetgate.changes.git import repo_root
    from vetgate.gate.policy import load_policy_at
    from vetgate.policy.loader import missing_file_error

    start = os.path.realpath(repo)
    if not os.path.isdir(start):
        raise UsageError(f"-C {repo}: no such directory")
    root = repo_root(start)
    explicit = [p if os.path.isabs(p) else os.path.join(start, p) for p in policy or ()]
    for given, path in zip(policy or (), explicit, strict=True):
        if not os.path.isfile(path):
            raise missing_file_error("policy file", given)
    loaded = load_policy_at(root, explicit or None, None)

    rel_paths = [repo_path(p, start, root) for p in paths]
    directories = {p for p in rel_paths if os.path.isdir(os.path.join(root, *p.split("/")))}
    repo_files: list[str] | None = None
    if any(isinstance(q, TestsRequirement) and q.related for r in loaded.rules
           for q in r.requirements):
        from vetgate.changes.repo import tracked_files

        repo_files = tracked_files(root)
    indexes: dict[tuple[str, ...], Any] = {}
    explained = [explain_path(loaded, p, repo_files, indexes) for p in rel_paths]
    if format == "json":
        document = {
            "version": 1,
            "policy": {"files": list(loaded.files), "coverage": loaded.coverage,
                       "unknown": loaded.origin.unknown},
            "paths": explained,
        }
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        sys.stdout.write(_text(loaded, explained, directories))
    return EXIT_PASS
