"""The policy loader: discovery, includes, cross-file checks, the built-in rule, limits, and
"never a traceback" on any input."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import GitRepo
from vetgate.errors import PolicyError, UsageError
from vetgate.policy.files import PolicyFileRefused
from vetgate.policy.loader import (
    DEFAULT_POLICY_FILE,
    DEFAULT_POLICY_LABEL,
    MemorySource,
    WorkTreeSource,
    discover,
    glob_paths,
    load_default_policy,
    load_policy,
    load_policy_bytes,
    policy_warnings,
)
from vetgate.policy.model import (
    BUILTIN_POLICY_RULE_ID,
    ReviewRequirement,
    SourceLocation,
    TestsRequirement,
)
from vetgate.policy.patterns import PatternSet
from vetgate.policy.yamlload import MAX_POLICY_BYTES

RULE = 'paths: ["src/**"]\n    require: {review: {count: 1}}'


def messages(exc: pytest.ExceptionInfo[PolicyError]) -> list[str]:
    return [str(d) for d in exc.value.diagnostics]


def load_files(files: dict[str, str | bytes], roots: list[str] | None = None) -> object:
    source = MemorySource({k: v.encode() if isinstance(v, str) else v for k, v in files.items()})
    return load_policy(roots or [DEFAULT_POLICY_FILE], source)


# --- discovery -------------------------------------------------------------------------------


def test_discover_without_a_policy_returns_none(repo: GitRepo) -> None:
    assert discover(str(repo.path)) is None


def test_discover_finds_the_root_policy(repo: GitRepo) -> None:
    repo.write(".vetgate.yaml", "version: 1\n")
    assert discover(str(repo.path)) == [".vetgate.yaml"]


def test_discover_refuses_a_misnamed_policy(repo: GitRepo) -> None:
    repo.write(".vetgate.yml", "version: 1\n")
    with pytest.raises(UsageError, match=r"found \.vetgate\.yml but vetgate reads \.vetgate\.yaml"):
        discover(str(repo.path))


def test_discover_explicit_paths(repo: GitRepo, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    repo.write("policies/a.yaml", "version: 1\n")
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("version: 1\n")
    monkeypatch.chdir(repo.path / "policies")
    found = discover(str(repo.path), ["a.yaml", str(outside)])
    assert found == ["policies/a.yaml", os.path.realpath(outside)]


def test_discover_explicit_missing_path_is_a_usage_error(repo: GitRepo) -> None:
    with pytest.raises(UsageError, match=r"policy file nope\.yaml does not exist"):
        discover(str(repo.path), ["nope.yaml"])


# --- the loaded policy -----------------------------------------------------------------------


SPEC_POLICY = """\
version: 1
groups:
  security: [alice, bob@example.com, "@acme/security"]
  policy-owners: [carol]
policy_owners: [policy-owners]
rules:
  - id: auth
    paths: ["src/**/auth/**", "!**/*.md"]
    require:
      tests: ["tests/auth/**"]
      review: {count: 1, from: [security]}
  - id: db
    paths: ["src/db/**"]
    level: warn
    origin: any
    require:
      max_lines: 200
      tests: {paths: ["tests/db/**"], min: 2}
"""


def test_loaded_policy_shape() -> None:
    policy = load_policy_bytes(SPEC_POLICY.encode())
    assert policy.files == (".vetgate.yaml",)
    assert [r.id for r in policy.rules] == ["auth", "db", BUILTIN_POLICY_RULE_ID]
    auth, db, builtin = policy.rules
    assert auth.source == SourceLocation(".vetgate.yaml", 7, 5)
    assert str(auth.source) == ".vetgate.yaml:7"
    assert db.level == "warn" and db.origin == "any"
    # Requirements come in evaluation order, whatever order they were written in.
    assert [r.kind for r in db.requirements] == ["tests", "max_lines"]
    tests = db.requirements[0]
    assert isinstance(tests, TestsRequirement) and tests.min == 2
    assert isinstance(tests.matcher, PatternSet) and tests.matcher.match("tests/db/x.py")
    assert dict(policy.groups) == {"security": ("alice", "bob@example.com", "@acme/security"),
                                   "policy-owners": ("carol",)}
    assert policy.matcher is not None
    assert policy.matcher.rules_for("src/x/auth/login.py") == ("auth",)
    assert policy.matcher.rules_for("src/x/auth/README.md") == ()
    assert policy.matcher.rules_for(".vetgate.yaml") == (BUILTIN_POLICY_RULE_ID,)
    assert builtin.builtin and builtin.origin == "any" and builtin.level == "block"
    assert builtin.requirements == (ReviewRequirement(1, ("policy-owners",), "content"),)
    assert builtin.source == SourceLocation(".vetgate.yaml", 5, 1)


def test_builtin_rule_without_policy_owners_points_at_line_1() -> None:
    policy = load_policy_bytes(b"version: 1\n")
    (builtin,) = policy.rules
    assert builtin.source == SourceLocation(".vetgate.yaml", 1, 1)
    assert builtin.requirements == (ReviewRequirement(1, (), "content"),)


def test_builtin_rule_protects_odd_policy_file_names_literally() -> None:
    name = "policies/team #1 !.yaml"
    policy = load_files({".vetgate.yaml": f'version: 1\ninclude: ["{name}"]\n',
                         name: "rules: []\n"})
    builtin = policy.rules[-1]  # type: ignore[attr-defined]
    assert builtin.paths == ("/.vetgate.yaml", "/policies/team\\ \\#1\\ \\!.yaml")
    matcher = policy.matcher  # type: ignore[attr-defined]
    assert matcher.rules_for(name) == (BUILTIN_POLICY_RULE_ID,)
    assert matcher.rules_for("policies/team #1 .yaml") == ()


def test_includes_are_relative_to_the_including_file_and_read_once() -> None:
    policy = load_files({
        ".vetgate.yaml": 'version: 1\ninclude: [policies/main.yaml, "policies/teams/*.yaml"]\n'
                         f"rules:\n  - id: root\n    {RULE}\n",
        "policies/main.yaml": f"include: [teams/web.yml]\nrules:\n  - id: main\n    {RULE}\n",
        "policies/teams/web.yml": f"rules:\n  - id: web\n    {RULE}\n",
        "policies/teams/api.yaml": f"version: 1\nrules:\n  - id: api\n    {RULE}\n",
        "policies/teams/notes.md": "not yaml: [",
    })
    assert policy.files == (".vetgate.yaml", "policies/main.yaml",  # type: ignore[attr-defined]
                            "policies/teams/web.yml", "policies/teams/api.yaml")
    assert [r.id for r in policy.rules] == [  # type: ignore[attr-defined]
        "root", "main", "web", "api", BUILTIN_POLICY_RULE_ID]
    builtin = policy.rules[-1]  # type: ignore[attr-defined]
    # Every file read, plus the glob: a new file there would change the policy too.
    assert builtin.paths == ("/.vetgate.yaml", "/policies/main.yaml", "/policies/teams/web.yml",
                             "/policies/teams/api.yaml", "/policies/teams/*.yaml")
    assert policy.matcher.rules_for("policies/teams/new.yaml") == (  # type: ignore[attr-defined]
        BUILTIN_POLICY_RULE_ID,)


def test_diamond_includes_are_not_a_cycle() -> None:
    policy = load_files({
        ".vetgate.yaml": "version: 1\ninclude: [a.yaml, b.yaml]\n",
        "a.yaml": "include: [common.yaml]\n",
        "b.yaml": "include: [common.yaml]\n",
        "common.yaml": f"rules:\n  - id: common\n    {RULE}\n",
    })
    assert [r.id for r in policy.rules] == ["common", BUILTIN_POLICY_RULE_ID]  # type: ignore


def test_include_errors_are_located_at_the_include_entry() -> None:
    with pytest.raises(PolicyError) as exc:
        load_files({
            ".vetgate.yaml": "version: 1\ninclude:\n  - /etc/policy.yaml\n  - ../up.yaml\n"
                             "  - 'a\\b.yaml'\n  - missing.yaml\n  - 'none/*.yaml'\n"
                             "  - self.yaml\n",
            "self.yaml": "include: [self.yaml]\n",
        })
    assert messages(exc) == [
        '.vetgate.yaml:3:5: error: include "/etc/policy.yaml" is absolute; include paths are '
        "relative to the including file's directory",
        '.vetgate.yaml:4:5: error: include "../up.yaml" points outside the repository',
        '.vetgate.yaml:5:5: error: include "a\\b.yaml" contains "\\"; separate directories '
        'with "/"',
        ".vetgate.yaml:6:5: error: included file missing.yaml does not exist",
        '.vetgate.yaml:7:5: error: include "none/*.yaml" matches no .yaml or .yml file '
        "(looked for none/*.yaml)",
        "self.yaml:1:11: error: include cycle: self.yaml → self.yaml; remove one of the includes",
    ]


def test_root_cycle_names_the_chain() -> None:
    with pytest.raises(PolicyError) as exc:
        load_files({".vetgate.yaml": "version: 1\ninclude: [a.yaml]\n",
                    "a.yaml": "include: [.vetgate.yaml]\n"})
    assert messages(exc) == [
        "a.yaml:1:11: error: include cycle: .vetgate.yaml → a.yaml → .vetgate.yaml; remove one "
        "of the includes"]


def test_included_files_may_not_set_root_keys_and_version_must_be_1() -> None:
    with pytest.raises(PolicyError) as exc:
        load_files({".vetgate.yaml": "version: 1\ninclude: [team.yaml]\n",
                    "team.yaml": "version: 2\norigin: {unknown: ai}\ncase_sensitive: false\n"
                                 "policy_owners: []\nbogus: 1\n"})
    assert messages(exc) == [
        "team.yaml:1:10: error: version must be 1 (got 2); this vetgate reads version 1 policies",
        "team.yaml:2:1: error: origin may only be set in the root policy file (.vetgate.yaml); "
        "move it there",
        "team.yaml:3:1: error: case_sensitive may only be set in the root policy file "
        "(.vetgate.yaml); move it there",
        "team.yaml:4:1: error: policy_owners may only be set in the root policy file "
        "(.vetgate.yaml); move it there",
        'team.yaml:5:1: error: unknown key "bogus" at the top level (allowed: case_sensitive, '
        "coverage, groups, include, origin, policy_owners, related_tests, rules, version)",
    ]


def test_extra_policy_files_join_the_root_like_includes() -> None:
    policy = load_files({"root.yaml": "version: 1\n",
                         "extra.yaml": f"rules:\n  - id: extra\n    {RULE}\n"},
                        roots=["root.yaml", "extra.yaml"])
    assert policy.files == ("root.yaml", "extra.yaml")  # type: ignore[attr-defined]
    assert policy.rules[0].id == "extra"  # type: ignore[attr-defined]


def test_cross_file_problems_all_at_once_in_file_order() -> None:
    with pytest.raises(PolicyError) as exc:
        load_files({
            ".vetgate.yaml": "version: 1\ninclude: [team.yaml]\npolicy_owners: [owners]\n"
                             "groups: {sec: [alice]}\n"
                             f"rules:\n  - id: auth\n    {RULE}\n",
            "team.yaml": "groups: {sec: [bob]}\nrules:\n  - id: auth\n    paths: [x]\n"
                         "    require: {review: {from: [sek]}}\n",
        })
    assert messages(exc) == [
        '.vetgate.yaml:3:17: error: unknown group "owners" in policy_owners (defined groups: sec)',
        'team.yaml:1:10: error: group "sec" is already defined at .vetgate.yaml:4',
        'team.yaml:3:9: error: duplicate rule id "auth" (first defined at .vetgate.yaml:6)',
        'team.yaml:5:31: error: unknown group "sek" in review.from; did you mean "sec"? '
        "(defined groups: sec)",
    ]


def test_messages_name_files_the_way_the_source_describes_them() -> None:
    class RevisionSource(MemorySource):
        def describe(self, relpath: str) -> str:
            return f"{relpath}@abc123"

    source = RevisionSource({".vetgate.yaml": b"version: 1\nrules: 5\n"})
    with pytest.raises(PolicyError) as exc:
        load_policy([".vetgate.yaml"], source)
    assert messages(exc) == [".vetgate.yaml@abc123:2:8: error: rules must be a list (got 5)"]
    good = RevisionSource({".vetgate.yaml": f"version: 1\nrules:\n  - id: a\n    {RULE}\n"
                           .encode()})
    policy = load_policy([".vetgate.yaml"], good)
    assert policy.rules[0].source.file == ".vetgate.yaml"


def test_missing_root_file_is_a_policy_error() -> None:
    with pytest.raises(PolicyError) as exc:
        load_policy([".vetgate.yaml"], MemorySource({}))
    assert messages(exc) == [".vetgate.yaml:1:1: error: policy file not found"]


def test_case_insensitive_matching() -> None:
    policy = load_policy_bytes(
        b'version: 1\ncase_sensitive: false\nrules:\n  - id: a\n    paths: ["Src/Auth/**"]\n'
        b"    require:\n      tests: [Tests/**]\n")
    assert policy.case_sensitive is False
    assert policy.matcher is not None
    assert policy.matcher.rules_for("SRC/auth/x.py") == ("a",)
    tests = policy.rules[0].requirements[0]
    assert isinstance(tests, TestsRequirement) and tests.matcher is not None
    assert tests.matcher.match("tests/unit/x.py")


# --- the file itself -------------------------------------------------------------------------


def test_size_limit() -> None:
    fits = b"version: 1\n#" + b"x" * (MAX_POLICY_BYTES - 13) + b"\n"
    assert len(fits) == MAX_POLICY_BYTES
    load_policy_bytes(fits)
    with pytest.raises(PolicyError) as exc:
        load_policy_bytes(fits + b"\n")
    assert messages(exc) == [
        ".vetgate.yaml:1:1: error: file is larger than 1 MiB (1048576 bytes); policy files are "
        "limited to that size: split the policy into several files with include:"]


def test_work_tree_source_refuses_an_oversized_file_before_reading(repo: GitRepo) -> None:
    repo.write(".vetgate.yaml", b"#" * (3 * MAX_POLICY_BYTES))
    with pytest.raises(PolicyFileRefused) as exc:
        WorkTreeSource(str(repo.path)).read(".vetgate.yaml")
    assert exc.value.reason.startswith("is larger than 1 MiB (1048576 bytes)")


def test_billion_laughs_fails_fast() -> None:
    bomb = "version: 1\na: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n"
        for i in range(9))
    # Refused at the first anchor, before any alias is expanded: no exponential work at all.
    with pytest.raises(PolicyError) as exc:
        load_policy_bytes(bomb.encode())
    assert messages(exc) == [".vetgate.yaml:2:4: error: YAML anchors (&a) are not allowed in "
                             "policy files; write the value out in full"]


@pytest.mark.parametrize(("data", "expected"), [
    (b"\xef\xbb\xbfversion: 1\n", None),
    (b"\xff\xfev\x00", ".vetgate.yaml:1:1: error: file is encoded as UTF-16; save it as UTF-8"),
    (b"version: 1\nrules: [\xc3]\n", ".vetgate.yaml:2:9: error: file is not valid UTF-8 "
                                      "(byte 0xc3 at offset 19); save it as UTF-8"),
    (b"version: 1\n---\nversion: 1\n", ".vetgate.yaml:2:1: error: file holds more than one YAML "
                                        "document ('---'); a policy file is a single document"),
    (b"version: 1\nx: \x07\n", ".vetgate.yaml:2:4: error: control character U+0007 is not "
                               "allowed in YAML; remove it"),
    (b"version: 1\n<<: {rules: []}\n", ".vetgate.yaml:2:1: error: YAML merge keys (<<) are not "
                                       "allowed in policy files; write the keys out in full"),
    (b"version: 1\n1: x\n", ".vetgate.yaml:2:1: error: key '1' is read as an integer, not a "
                            'string; quote it ("1") if you meant the text'),
    (b"version: 1\nrules: " + b"[" * 100, ".vetgate.yaml:2:71: error: values are nested more "
                                           "than 64 levels deep"),
])
def test_file_level_problems(data: bytes, expected: str | None) -> None:
    if expected is None:
        load_policy_bytes(data)
        return
    with pytest.raises(PolicyError) as exc:
        load_policy_bytes(data)
    assert messages(exc) == [expected]


# --- the default policy ----------------------------------------------------------------------


def test_default_policy() -> None:
    policy = load_default_policy()
    assert policy.files == ()
    assert policy.rules[-1].paths == ("/.vetgate.yaml",)
    assert str(policy.rules[0].source).startswith(f"{DEFAULT_POLICY_LABEL}:")
    assert policy.matcher is not None
    assert policy.matcher.rules_for("src/app/auth/session.py") == ("auth",)
    assert policy.matcher.rules_for("billing/invoice.py") == ("payments",)
    assert policy.matcher.rules_for("migrations/001.sql") == ("migrations",)
    assert policy.matcher.rules_for("app/models/user.py") == ("data-access",)
    assert policy.matcher.rules_for("src/auth/README.md") == ()
    assert policy.matcher.rules_for(".vetgate.yaml") == (BUILTIN_POLICY_RULE_ID,)
    assert {r.level for r in policy.rules if r.id in ("data-access", "ci-and-hooks")} == {"warn"}


# --- warnings, sources, globs ----------------------------------------------------------------


def test_policy_warnings_for_rules_matching_no_tracked_file() -> None:
    policy = load_policy_bytes(
        f'version: 1\nrules:\n  - id: used\n    {RULE}\n  - id: unused\n    paths: ["x/**"]\n'
        f"    require: {{label: y}}\n".encode())
    warnings = policy_warnings(policy, ["src/a.py", "README.md"])
    assert [str(w) for w in warnings] == [
        '.vetgate.yaml:6:5: warning: rule "unused" matches no tracked file; check its paths '
        "(fine if the files are yet to be added)"]


def test_glob_paths_semantics() -> None:
    paths = ["a.yaml", ".hidden.yaml", "p/x.yaml", "p/q/y.yaml", "p/q/z.yml", "P/X.yaml"]
    assert glob_paths("*.yaml", paths) == [".hidden.yaml", "a.yaml"]
    assert glob_paths("p/*.yaml", paths) == ["p/x.yaml"]
    assert glob_paths("p/**/*.yaml", paths) == ["p/q/y.yaml", "p/x.yaml"]
    assert glob_paths("p/q/[yz].y*ml", paths) == ["p/q/y.yaml", "p/q/z.yml"]


def test_work_tree_source_glob(repo: GitRepo) -> None:
    for name in ("policies/a.yaml", "policies/teams/b.yaml", "policies/c.txt", ".git2/x.yaml"):
        repo.write(name, "x")
    source = WorkTreeSource(str(repo.path))
    assert source.glob("policies/**/*.yaml") == ["policies/a.yaml", "policies/teams/b.yaml"]
    assert source.glob("policies/*") == ["policies/a.yaml", "policies/c.txt"]
    assert source.glob("nowhere/*.yaml") == []
    with pytest.raises(PolicyFileRefused):
        source.read("policies")  # a directory is refused, never "no file"
    assert source.read("nope.yaml") is None


# --- robustness ------------------------------------------------------------------------------

KEYS = ["version", "rules", "id", "paths", "require", "review", "count", "from", "tests",
        "min", "forbid", "trailer", "key", "value", "label", "max_lines", "signed", "origin",
        "level", "groups", "include", "policy_owners", "coverage", "case_sensitive", "markers",
        "human", "trailers", "env", "fresh", "builtin", "unknown", "x"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False),
                    st.sampled_from(["block", "warn", "ai", "any", "src/**", "!x", "#c", "a\\",
                                     "[z-a]", "", "security", "../x", "*.yaml"]),
                    st.text(max_size=8))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)),
    max_leaves=25)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(KEYS), values, max_size=6))
def test_any_structure_loads_or_fails_with_located_diagnostics(document: dict[str, object]
                                                               ) -> None:
    text = yaml.safe_dump(document, allow_unicode=True)
    try:
        load_policy_bytes(text.encode("utf-8"))
    except PolicyError as exc:
        assert exc.diagnostics
        for diagnostic in exc.diagnostics:
            assert diagnostic.line >= 1 and diagnostic.column >= 1
            assert "\n" not in diagnostic.message


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda s: s.encode("utf-8")))
def test_any_bytes_load_or_fail_with_located_diagnostics(data: bytes) -> None:
    try:
        load_policy_bytes(data)
    except PolicyError as exc:
        assert exc.diagnostics


@pytest.mark.slow
def test_ten_thousand_rules_across_included_files_load() -> None:
    # 10,000 rules do not fit the 1 MiB a file may hold: ten included files of 1,000 each.
    files = {".vetgate.yaml": b'version: 1\ninclude: ["teams/*.yaml"]\n'}
    for team in range(10):
        lines = ["rules:"]
        for i in range(team * 1000, team * 1000 + 1000):
            lines += [f"  - id: rule-{i}",
                      f'    paths: ["src/team{i}/**", "**/*.gen{i}", "!**/*.md"]',
                      "    require:", f'      tests: ["tests/team{i}/**"]',
                      "      review: {count: 1}"]
        files[f"teams/t{team}.yaml"] = ("\n".join(lines) + "\n").encode()
    policy = load_policy([DEFAULT_POLICY_FILE], MemorySource(files))
    assert len(policy.rules) == 10_001
    assert policy.matcher is not None
    assert policy.matcher.rules_for("src/team9999/x.py") == ("rule-9999",)
    assert policy.matcher.rules_for("a/b.gen42") == ("rule-42",)
