"""`vetgate init`: write a starter policy for the repository in hand.

It looks at the files git tracks, finds the high-risk places (authentication, payments, data
access, CI and governance files), and writes a commented policy with one rule per area found,
asking for tests (when the repository has tests) and one independent review. The result is
loaded before it is written, so it always passes `vetgate validate`. An existing file is never
overwritten without ``--force``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vetgate.atomic import write_atomically
from vetgate.errors import EXIT_PASS, UsageError
from vetgate.policy.patterns import literal_pattern
from vetgate.records import frozen

if TYPE_CHECKING:
    from vetgate.engine.related import TestIndex

SCHEMA_URL = "https://raw.githubusercontent.com/vetgate/vetgate/main/schema/vetgate.schema.json"
DOCS_URL = "https://github.com/vetgate/vetgate/blob/main/docs/policy.md"
# Beyond this many paths per area, the rule names the folders by name at any depth instead.
MAX_PATTERNS_PER_AREA = 20


@frozen
class RiskArea:
    id: str
    description: str
    words: frozenset[str]
    folder_words: frozenset[str] = frozenset()  # said of a folder only (a store.py is not one)


RISK_AREAS = (
    RiskArea("auth", "Authentication, sessions, tokens and credentials", frozenset({
        "auth", "authn", "authz", "authentication", "authorization", "login", "logins",
        "logout", "signin", "session", "sessions", "token", "tokens", "oauth", "oauth2", "sso",
        "saml", "jwt", "credentials", "passwords",
    })),
    RiskArea("payments", "Payments, billing and checkout", frozenset({
        "payment", "payments", "billing", "checkout", "invoice", "invoices", "stripe",
    })),
    RiskArea("data-access", "Databases, migrations and data models", frozenset({
        "db", "database", "databases", "migration", "migrations", "models", "datastore",
        "persistence", "repository", "repositories", "dao", "dal", "queries", "sql", "prisma",
        "orm",
    }), frozenset({"store", "stores", "storage"})),
)
# CI pipelines and review rules: changing them can switch the gate off.
GOVERNANCE_FILES = (
    ".gitlab-ci.yml", ".pre-commit-config.yaml", "CODEOWNERS", ".github/CODEOWNERS",
    "docs/CODEOWNERS", "Jenkinsfile", "azure-pipelines.yml", ".circleci/config.yml",
)
GOVERNANCE_DIRS = (".github/workflows",)
TEST_DIRS = frozenset({"tests", "test", "__tests__", "spec", "specs", "testing"})
SKIP_DIRS = TEST_DIRS | frozenset({
    "docs", "doc", "examples", "example", "vendor", "third_party", "node_modules", "fixtures",
    "testdata", ".github", "__fixtures__", "__mocks__",
})
COLOCATED_TESTS = (
    (re.compile(r"_test\.go$"), "**/*_test.go"),
    (re.compile(r"\.test\.[^/]+$"), "**/*.test.*"),
    (re.compile(r"\.spec\.[^/]+$"), "**/*.spec.*"),
    (re.compile(r"(^|/)test_[^/]*\.py$"), "**/test_*.py"),
)
_WORD_SPLIT = re.compile(r"[-_.\s]+")


@dataclass
class AreaFindings:
    area: RiskArea
    dirs: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    test_dirs: list[str] = field(default_factory=list)
    # Folders proposed because most of their source files are risky: folder -> (risky, all).
    mostly: dict[str, tuple[int, int]] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)  # source files the area's rule covers
    related: tuple[int, int] = (0, 0)  # (sources with a related test by name, sources)


# A folder becomes the area (not its files) when at least this many of its source files are
# risky, or more than half of them are.
FOLDER_MIN_RISKY = 3


def _words(name: str) -> set[str]:
    lowered = name.lower()
    return {lowered, *_WORD_SPLIT.split(lowered)}


def _is_test_file(name: str) -> bool:
    stem = name.lower().split(".", 1)[0]
    return stem.startswith("test_") or stem.endswith(("_test", "_spec")) or ".test." in name \
        or ".spec." in name


def _usable(path: str) -> bool:
    # A path that cannot be written into a UTF-8 policy as a plain pattern is left out.
    return all(ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF for ch in path)


def _is_source(path: str) -> bool:
    from vetgate.engine.related import language

    return language(path) is not None or path.lower().endswith(".sql")


def find_risky(tracked: Iterable[str]) -> tuple[list[AreaFindings], list[str], list[str]]:
    """The high-risk folders and files per area, governance paths, and test patterns."""
    findings = {area.id: AreaFindings(area) for area in RISK_AREAS}
    governance: list[str] = []
    test_roots: set[str] = set()
    colocated: set[str] = set()
    folder_sources: dict[str, list[str]] = {}
    tracked = [p for p in tracked if _usable(p)]
    for path in tracked:
        parts = path.split("/")
        if path in GOVERNANCE_FILES:
            governance.append(_escape(path) if "/" in path else literal_pattern(path))
        for directory in GOVERNANCE_DIRS:
            if path.startswith(directory + "/") and f"{directory}/**" not in governance:
                governance.append(f"{directory}/**")
        in_test_dir = False
        for index, part in enumerate(parts[:-1]):
            if part.lower() in TEST_DIRS:
                in_test_dir = True
                test_roots.add("/".join(parts[: index + 1]))
                for area in RISK_AREAS:
                    for deeper in range(index + 1, len(parts) - 1):
                        if _words(parts[deeper]) & area.words:
                            findings[area.id].test_dirs.append("/".join(parts[: deeper + 1]))
                break
        for regex, pattern in COLOCATED_TESTS:
            if not in_test_dir and regex.search(path):
                colocated.add(pattern)
        if any(part.lower() in SKIP_DIRS or part.startswith(".") for part in parts[:-1]):
            continue
        if _is_test_file(parts[-1]):
            continue
        source = _is_source(path)
        if source:
            folder_sources.setdefault("/".join(parts[:-1]), []).append(path)
        for area in RISK_AREAS:
            for index, part in enumerate(parts[:-1]):
                if _words(part) & (area.words | area.folder_words):
                    findings[area.id].dirs.append("/".join(parts[: index + 1]))
                    break
            else:
                stem = parts[-1].split(".", 1)[0]
                # Only source files are listed one by one: never a README the rule then
                # excludes with !**/*.md.
                if source and stem and _words(stem) & area.words:
                    findings[area.id].files.append(path)
    from vetgate.engine.related import TestIndex, looks_like_test

    test_index = TestIndex(p for p in tracked if looks_like_test(p))
    for found in findings.values():
        _promote_folders(found, folder_sources)
        _measure_related(found, test_index, folder_sources)
    tests = sorted(r for r in test_roots if "/" not in r or not any(
        r.startswith(other + "/") for other in test_roots))
    generic_tests = [f"{_escape(root)}/**" for root in tests] + sorted(colocated)
    return [findings[a.id] for a in RISK_AREAS], governance, generic_tests


def _promote_folders(found: AreaFindings, folder_sources: dict[str, list[str]]) -> None:
    """Propose a folder, not its files, when most of the folder is risky (an area)."""
    by_folder: dict[str, list[str]] = {}
    for path in found.files:
        by_folder.setdefault(path.rsplit("/", 1)[0] if "/" in path else "", []).append(path)
    for folder, risky in by_folder.items():
        total = len(folder_sources.get(folder, ()))
        if folder and (len(risky) >= FOLDER_MIN_RISKY or 2 * len(risky) > total):
            found.dirs.append(folder)
            found.mostly[folder] = (len(risky), total)
            found.files = [f for f in found.files if f not in risky]


def _measure_related(found: AreaFindings, index: TestIndex,
                     folder_sources: dict[str, list[str]]) -> None:
    """How many of the area's source files already have a test related to them by name (or,
    in Go, a test in their package folder)."""
    from vetgate.engine.related import language, name_relation

    dirs = _outermost(found.dirs)
    sources = [p for folder, paths in folder_sources.items()
               if any(folder == d or folder.startswith(d + "/") for d in dirs) for p in paths]
    sources += [f for f in found.files if f not in sources]
    found.sources = sources
    # A package's __init__.py is met by any test importing the package: not a naming question.
    measured = [s for s in sources if language(s) and not s.endswith("__init__.py")]
    with_tests = sum(1 for source in measured if any(
        name_relation(source, test) or (source.endswith(".go") and test.endswith("_test.go"))
        for test in index.candidates(source)))
    found.related = (with_tests, len(measured))


def _escape(path: str) -> str:
    return literal_pattern(path)[1:]


def _outermost(dirs: Sequence[str]) -> list[str]:
    kept: list[str] = []
    for directory in sorted(set(dirs)):
        if not any(directory == k or directory.startswith(k + "/") for k in kept):
            kept.append(directory)
    return kept


def area_patterns(found: AreaFindings) -> list[str]:
    """The ``paths`` of an area's rule: its outermost folders, then files outside them."""
    return [pattern for pattern, _why in commented_patterns(found)]


def _files(count: int) -> str:
    return f"{count} source file" + ("" if count == 1 else "s")


def _count_under(found: AreaFindings, folder: str) -> int:
    return sum(1 for s in found.sources if s.startswith(folder + "/"))


def commented_patterns(found: AreaFindings) -> list[tuple[str, str]]:
    """The area rule's ``paths``, each with the one-line reason it is there."""
    dirs = _outermost(found.dirs)
    files = sorted({f for f in found.files
                    if not any(f.startswith(d + "/") for d in dirs)})
    word = found.area.id
    if len(dirs) + len(files) > MAX_PATTERNS_PER_AREA:
        names: dict[str, int] = {}
        for d in dirs:
            name = d.rsplit("/", 1)[-1]
            names[name] = names.get(name, 0) + 1
        basenames = sorted({f.rsplit("/", 1)[-1] for f in files})
        return ([(f"**/{_escape(n)}/**", f"{names[n]} folders named {n}, at any depth")
                 for n in sorted(names)]
                + [(f"**/{_escape(b)}", f"files named {b}, at any depth") for b in basenames])
    out = []
    for d in dirs:
        if d in found.mostly:
            risky, total = found.mostly[d]
            why = f"{risky} of its {total} source files are about {word}: the folder is the area"
        else:
            count = _count_under(found, d)
            why = f"a folder named for {word} ({_files(count)})"
        out.append((f"{_escape(d)}/**", why))
    for f in files:
        out.append((_escape(f) if "/" in f else literal_pattern(f),
                    f"a file named for {word}; the rest of its folder is not"))
    return out


def _yaml_list(items: Sequence[str], indent: int, why: Sequence[str] = ()) -> list[str]:
    pad = " " * indent
    # JSON strings are valid YAML double-quoted scalars; they keep odd names literal.
    lines = [f"{pad}- {json.dumps(item, ensure_ascii=False)}" for item in items]
    return [f"{line}  # {reason}" if reason else line
            for line, reason in zip(lines, [*why, *[""] * (len(lines) - len(why))], strict=True)]


def _tests_lines(found: AreaFindings, tests: list[str]) -> list[str]:
    """The ``tests:`` requirement of an area, with why this form was chosen."""
    with_tests, sources = found.related
    if sources and 2 * with_tests > sources:
        return [f"      tests: related  # {with_tests} of {sources} source files here already "
                "have a test named after them (or, in Go, beside them): a change must add or "
                "update the test of each source file it touches (`vetgate explain FILE` lists "
                "them)"]
    area_tests = [f"{_escape(d)}/**" for d in _outermost(found.test_dirs)]
    if area_tests:
        return ["      tests:  # the area's own test folders: a change here must change a test "
                "there", *_yaml_list(area_tests, 8, ["a test folder named for this area"]
                                     * len(area_tests))]
    if tests:
        why = (f"only {with_tests} of {sources} source files here have a test named after "
               "them, so any test change counts; switch to `tests: related` once most do"
               if sources else "any test change counts")
        return [f"      tests:  # {why}",
                *_yaml_list(tests, 8, ["co-located tests" if t.startswith("**/") else
                                       "a test folder" for t in tests])]
    return ["      # tests: related  # no tests found; require them here once there are some"]


def render_policy(areas: list[AreaFindings], governance: list[str], tests: list[str]
                  ) -> tuple[str, list[str]]:
    """The starter policy's text and the ids of the rules it holds."""
    lines = [
        f"# yaml-language-server: $schema={SCHEMA_URL}",
        "#",
        "# vetgate policy for this repository, proposed by `vetgate init` from the files git",
        "# tracks. Review it, then commit it. Check it with `vetgate validate`; see what applies",
        "# to a file with `vetgate explain PATH`. Reference: " + DOCS_URL,
        "version: 1",
        "",
        "origin:",
        "  builtin: true    # vetgate's catalog of AI marks: agent trailers, bot identities, env",
        "  unknown: human   # commits with no AI evidence count as human; \"ai\" is strict mode",
        "",
        "# Who may approve. Members are logins, emails or \"@org/team\"; review.from names groups.",
        "# groups:",
        "#   security: [\"@your-org/security\"]",
        "#   policy-owners: [your-login]",
        "# policy_owners: [policy-owners]  # must approve changes to this file (default: anyone",
        "#                                 # independent of the change)",
        "",
        "coverage: ignore  # ignore | warn | fail: AI-origin changes to paths no rule matches",
        "",
    ]
    rule_ids: list[str] = []
    rule_lines: list[str] = []
    for found in areas:
        commented = commented_patterns(found)
        if not commented:
            continue
        rule_ids.append(found.area.id)
        patterns = [p for p, _ in commented]
        rule_lines += [
            f"  - id: {found.area.id}  # applies to AI-origin changes (origin: ai, the default)",
            f"    description: {found.area.description}",
            f"    paths:  # {_files(len(found.sources))} found; the last matching pattern decides",
            *_yaml_list(patterns, 6, [why for _, why in commented]),
        ]
        if any(p.endswith("/**") for p in patterns):
            rule_lines.append('      - "!**/*.md"  # documentation in these folders needs nothing')
        rule_lines += [
            "    require:  # all of these, or the change is blocked (level: block, the default)",
            *_tests_lines(found, tests),
            "      review: {count: 1}  # one independent human approval on the pull request "
            "(CI); add from: [a-group] once groups: is filled in",
            "",
        ]
    if governance:
        rule_ids.append("ci-and-governance")
        rule_lines += [
            "  - id: ci-and-governance  # applies to AI-origin changes",
            "    description: CI pipelines, hooks and code owners (they can switch the gate off)",
            "    paths:  # the pipelines and review rules found",
            *_yaml_list(governance, 6, ["CI workflows, hooks or code owners: they decide what "
                                        "runs and who reviews"] * len(governance)),
            "    require:  # all of these, or the change is blocked",
            "      review: {count: 1}  # one independent human approval on the pull request (CI)",
            "",
        ]
    if rule_lines:
        lines += ["rules:  # one rule per high-risk area found (areas are folders wherever most "
                  "of a folder is risky)", *rule_lines]
    else:
        lines += [
            "# No high-risk folders (auth, login, session, token, payment, billing, checkout,",
            "# db, migrations, models) were found, so there are no rules yet. The built-in rule",
            "# vetgate-policy still protects this file. A rule looks like:",
            "#   - id: auth",
            "#     paths: [\"src/auth/**\"]",
            "#     require:",
            "#       tests: [\"tests/auth/**\"]",
            "#       review: {count: 1}",
            "rules: []",
            "",
        ]
    return "\n".join(lines).rstrip("\n") + "\n", rule_ids


def _write(path: str, text: str, force: bool, shown: str) -> None:
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    data = text.encode("utf-8")
    if not force:
        try:
            # O_EXCL: never clobber a file that appeared since we looked.
            with open(path, "xb") as handle:
                handle.write(data)
        except FileExistsError:
            raise UsageError(f"{shown} already exists; pass --force to overwrite it "
                             "(or --output FILE to write elsewhere)") from None
        return
    write_atomically(path, data, prefix=".vetgate-init-")


def run(*, repo: str = ".", force: bool = False, output: str = ".vetgate.yaml") -> int:
    """Write the starter policy to ``output`` (relative paths are taken from the repo root)."""
    from vetgate.changes.git import repo_root
    from vetgate.changes.repo import tracked_files
    from vetgate.policy.loader import load_policy_bytes

    start = os.path.abspath(repo)
    if not os.path.isdir(start):
        raise UsageError(f"-C {repo}: no such directory")
    root = repo_root(start)
    target = output if os.path.isabs(output) else os.path.join(root, output)
    shown = os.path.relpath(target, root) if not os.path.isabs(output) else output
    if os.path.isdir(target):
        raise UsageError(f"{shown} is a directory; pass --output FILE")
    if os.path.lexists(target) and not force:
        raise UsageError(f"{shown} already exists; pass --force to overwrite it "
                         "(or --output FILE to write elsewhere)")
    areas, governance, tests = find_risky(tracked_files(root))
    text, rule_ids = render_policy(areas, governance, tests)
    # A starter policy that does not load would be worse than none: check before writing.
    load_policy_bytes(text.encode("utf-8"), shown.replace(os.sep, "/"))
    _write(target, text, force, shown)
    if rule_ids:
        print(f"wrote {shown} with {len(rule_ids)} rule{'s' if len(rule_ids) != 1 else ''} "
              f"({', '.join(rule_ids)}); review it, check it with `vetgate validate`, "
              "and commit it")
    else:
        print(f"wrote {shown}: no high-risk folders found, so it has no rules of its own yet; "
              "the built-in vetgate-policy rule still protects the policy file itself")
    return EXIT_PASS
