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
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from vetgate.errors import EXIT_PASS, UsageError
from vetgate.policy.patterns import literal_pattern

SCHEMA_URL = "https://raw.githubusercontent.com/vetgate/vetgate/main/schema/vetgate.schema.json"
DOCS_URL = "https://github.com/vetgate/vetgate/blob/main/docs/policy.md"
# Beyond this many paths per area, the rule names the folders by name at any depth instead.
MAX_PATTERNS_PER_AREA = 20


@dataclass(frozen=True)
class RiskArea:
    id: str
    description: str
    words: frozenset[str]


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
        "db", "database", "databases", "migration", "migrations", "models",
    })),
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


def find_risky(tracked: Iterable[str]) -> tuple[list[AreaFindings], list[str], list[str]]:
    """The high-risk folders and files per area, governance paths, and test patterns."""
    findings = {area.id: AreaFindings(area) for area in RISK_AREAS}
    governance: list[str] = []
    test_roots: set[str] = set()
    colocated: set[str] = set()
    for path in tracked:
        if not _usable(path):
            continue
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
        for area in RISK_AREAS:
            for index, part in enumerate(parts[:-1]):
                if _words(part) & area.words:
                    findings[area.id].dirs.append("/".join(parts[: index + 1]))
                    break
            else:
                stem = parts[-1].split(".", 1)[0]
                if stem and _words(stem) & area.words:
                    findings[area.id].files.append(path)
    tests = sorted(r for r in test_roots if "/" not in r or not any(
        r.startswith(other + "/") for other in test_roots))
    generic_tests = [f"{_escape(root)}/**" for root in tests] + sorted(colocated)
    return [findings[a.id] for a in RISK_AREAS], governance, generic_tests


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
    dirs = _outermost(found.dirs)
    files = sorted({f for f in found.files
                    if not any(f.startswith(d + "/") for d in dirs)})
    if len(dirs) + len(files) > MAX_PATTERNS_PER_AREA:
        names = sorted({d.rsplit("/", 1)[-1] for d in dirs})
        basenames = sorted({f.rsplit("/", 1)[-1] for f in files})
        return [f"**/{_escape(n)}/**" for n in names] + [f"**/{_escape(b)}" for b in basenames]
    patterns = [f"{_escape(d)}/**" for d in dirs]
    patterns += [_escape(f) if "/" in f else literal_pattern(f) for f in files]
    return patterns


def _yaml_list(items: Sequence[str], indent: int) -> list[str]:
    pad = " " * indent
    # JSON strings are valid YAML double-quoted scalars; they keep odd names literal.
    return [f"{pad}- {json.dumps(item, ensure_ascii=False)}" for item in items]


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
        patterns = area_patterns(found)
        if not patterns:
            continue
        rule_ids.append(found.area.id)
        area_tests = [f"{_escape(d)}/**" for d in _outermost(found.test_dirs)] or tests
        rule_lines += [
            f"  - id: {found.area.id}",
            f"    description: {found.area.description}",
            "    paths:",
            *_yaml_list(patterns, 6),
            '      - "!**/*.md"',
            "    require:",
        ]
        if area_tests:
            rule_lines += ["      tests:", *_yaml_list(area_tests, 8)]
        else:
            rule_lines.append("      # tests: [\"tests/**\"]  # no tests found; require them here")
        rule_lines += [
            "      review: {count: 1}  # add from: [a-group] once groups: is filled in",
            "",
        ]
    if governance:
        rule_ids.append("ci-and-governance")
        rule_lines += [
            "  - id: ci-and-governance",
            "    description: CI pipelines, hooks and code owners (they can switch the gate off)",
            "    paths:",
            *_yaml_list(governance, 6),
            "    require:",
            "      review: {count: 1}",
            "",
        ]
    if rule_lines:
        lines += ["rules:", *rule_lines]
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
    fd, temporary = tempfile.mkstemp(prefix=".vetgate-init-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


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
