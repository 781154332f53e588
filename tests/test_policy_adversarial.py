"""Adversarial policy files through `vetgate validate`: every one either loads (exit 0) or is
refused with located one-line diagnostics (exit 2). Never a traceback, never exit 3.

Driven in-process (vetgate.main.main) for speed; only the alias bomb runs as a subprocess, so a
regression there shows up as a timeout instead of hanging the suite.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adversarial.harness import CORPUS, Outcome, assert_decided, isolated_environment, run_main
from adversarial.harness import run_process as run_vetgate_process
from conftest import GitRepo, make_repo

POLICY_NAME = "p.yaml"
LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning): \S")

HYPOTHESIS = settings(
    max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def policy_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitRepo]:
    """One repository for the whole module: a few tracked files the rules can match."""
    with isolated_environment(tmp_path_factory.mktemp("home")):
        repo = make_repo(tmp_path_factory.mktemp("policy") / "repo")
        repo.commit("files", {"src/auth/login.py": "x\n", "payments/pay.py": "x\n",
                              "db/q.sql": "x\n", "tests/auth/test_login.py": "x\n"})
        yield repo


@pytest.fixture
def validate(policy_repo: GitRepo, capsys: pytest.CaptureFixture[str],
             monkeypatch: pytest.MonkeyPatch) -> Any:
    """validate(data) writes ``data`` to p.yaml in the repository and validates it."""
    monkeypatch.chdir(policy_repo.path)

    def run(data: str | bytes, name: str = POLICY_NAME) -> Outcome:
        target = policy_repo.path / name
        target.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        outcome = run_main(["validate", name], capsys)
        assert_decided(outcome, 0, 2)
        return outcome

    return run


def errors(outcome: Outcome) -> list[re.Match[str]]:
    """The located error lines of a validate run."""
    found = [LOCATED.match(line) for line in outcome.err.splitlines()]
    return [m for m in found if m is not None and m["sev"] == "error"]


def assert_refused(outcome: Outcome, line: int | None = None, fragment: str = "") -> None:
    """Exit 2 with at least one located error (at ``line`` when given) mentioning ``fragment``."""
    assert outcome.code == 2, outcome.describe()
    located = errors(outcome)
    assert located, f"no file:line:col: error line\n{outcome.describe()}"
    for match in located:
        assert match["file"] == POLICY_NAME, outcome.describe()
    if line is not None:
        assert any(int(m["line"]) == line for m in located), \
            f"no error at line {line}\n{outcome.describe()}"
    if fragment:
        assert fragment in outcome.err, outcome.describe()


# --- every wrong type in every field ------------------------------------------------------------

# A policy that uses every field, each value on its own line in flow style, so that a wrong value
# put in place of one field has a known line. ``{name}`` placeholders are filled from DEFAULTS.
FULL_TEMPLATE = """\
version: {version}
include: {include}
origin:
  builtin: {origin.builtin}
  unknown: {origin.unknown}
  suggestions: {origin.suggestions}
  markers:
    trailers:
      - key: {markers.trailers.key}
        value: {markers.trailers.value}
    identities: {markers.identities}
    messages: {markers.messages}
    env: {markers.env}
    branches: {markers.branches}
    labels: {markers.labels}
  human:
    trailers: {human.trailers}
groups:
  security: {groups.security}
  policy-owners: [carol]
policy_owners: {policy_owners}
coverage: {coverage}
case_sensitive: {case_sensitive}
rules:
  - id: {rule.id}
    description: {rule.description}
    paths: {rule.paths}
    origin: {rule.origin}
    level: {rule.level}
    require:
      tests: {require.tests}
      review: {require.review}
  - id: data
    paths: ["db/**"]
    require:
      tests:
        paths: {tests.paths}
        min: {tests.min}
      review:
        count: {review.count}
        from: {review.from}
        fresh: {review.fresh}
      trailer:
        key: {trailer.key}
        value: {trailer.value}
      label: {label}
      max_lines: {max_lines}
      signed: {signed}
  - id: payments
    paths: ["payments/**"]
    require:
      forbid: {forbid}
"""

DEFAULTS = {
    "version": "1",
    "include": "[]",
    "origin.builtin": "true",
    "origin.unknown": "human",
    "origin.suggestions": "ai",
    "markers.trailers.key": "Assisted-by",
    "markers.trailers.value": '"*"',
    "markers.identities": '["*[bot]@users.noreply.github.com"]',
    "markers.messages": '["[ai]"]',
    "markers.env": "[MY_AGENT_SESSION]",
    "markers.branches": '["ai/*"]',
    "markers.labels": "[ai-generated]",
    "human.trailers": '[{key: AI-Assisted, value: "no"}]',
    "groups.security": '[alice, bob@example.com, "@acme/security"]',
    "policy_owners": "[policy-owners]",
    "coverage": "warn",
    "case_sensitive": "true",
    "rule.id": "auth",
    "rule.description": "Authentication",
    "rule.paths": '["src/**/auth/**", "!**/*.md"]',
    "rule.origin": "ai",
    "rule.level": "block",
    "require.tests": '["tests/auth/**"]',
    "require.review": "{count: 1, from: [security]}",
    "tests.paths": '["tests/db/**"]',
    "tests.min": "1",
    "review.count": "2",
    "review.from": "[security]",
    "review.fresh": "content",
    "trailer.key": "Risk-Reviewed-by",
    "trailer.value": '"*@example.com"',
    "label": "ai-reviewed",
    "max_lines": "200",
    "signed": "true",
    "forbid": '"AI-written changes are not accepted in payments/"',
}

# Values of every YAML type, written so they stay on the field's line.
WRONG_VALUES = {
    "int": "7",
    "negative": "-1",
    "float": "1.5",
    "bool": "true",
    "false": "false",
    "null": "null",
    "str": '"zz-not-valid"',
    "empty-str": '""',
    "list": "[7]",
    "empty-list": "[]",
    "map": "{zz: 1}",
    "date": "2024-01-01",
}

# The kinds above that are a *valid* value for each field (those cases are skipped; all the
# others must be refused at the field's line).
VALID_KINDS: dict[str, set[str]] = {
    "version": set(),
    "include": {"empty-list"},
    "origin.builtin": {"bool", "false"},
    "origin.unknown": set(),
    "origin.suggestions": set(),
    "markers.trailers.key": {"str"},
    "markers.trailers.value": {"str", "empty-str"},
    "markers.identities": {"empty-list"},
    "markers.messages": {"empty-list"},
    "markers.env": {"empty-list"},
    "markers.branches": {"empty-list"},
    "markers.labels": {"empty-list"},
    "human.trailers": {"empty-list"},
    "groups.security": set(),
    "policy_owners": {"empty-list"},
    "coverage": set(),
    "case_sensitive": {"bool", "false"},
    "rule.id": {"str"},
    "rule.description": {"str", "empty-str"},
    "rule.paths": set(),
    "rule.origin": set(),
    "rule.level": set(),
    "require.tests": set(),
    "require.review": set(),
    "tests.paths": set(),
    "tests.min": {"int"},
    "review.count": {"int"},
    "review.from": {"empty-list"},
    "review.fresh": set(),
    "trailer.key": {"str"},
    "trailer.value": {"str", "empty-str"},
    "label": {"str"},
    "max_lines": {"int"},
    "signed": {"bool"},
    "forbid": {"str"},
}


def render(field: str | None = None, value: str = "") -> tuple[str, int]:
    """FULL_TEMPLATE with ``field`` set to ``value`` (the rest default) and that field's line."""
    text = FULL_TEMPLATE
    line = 0
    for name, default in DEFAULTS.items():
        placeholder = "{" + name + "}"
        if name == field:
            line = text[: text.index(placeholder)].count("\n") + 1
            text = text.replace(placeholder, value)
        else:
            text = text.replace(placeholder, default)
    assert "{" + "rule." not in text and "{version}" not in text
    return text, line


WRONG_TYPE_CASES = [
    pytest.param(field, kind, id=f"{field}={kind}")
    for field in DEFAULTS
    for kind in WRONG_VALUES
    if kind not in VALID_KINDS[field]
]


def test_full_template_is_valid(validate: Any) -> None:
    text, _ = render()
    outcome = validate(text)
    assert outcome.code == 0, outcome.describe()
    assert "ok" in outcome.out


@pytest.mark.parametrize("field, kind", WRONG_TYPE_CASES)
def test_every_wrong_type_in_every_field(validate: Any, field: str, kind: str) -> None:
    text, line = render(field, WRONG_VALUES[kind])
    assert_refused(validate(text), line=line)


@pytest.mark.parametrize("field", sorted(f for f in DEFAULTS if VALID_KINDS[f]))
def test_valid_kinds_really_are_valid(validate: Any, field: str) -> None:
    """The skipped cases above are skipped because they are accepted, not by accident."""
    for kind in sorted(VALID_KINDS[field]):
        text, _ = render(field, WRONG_VALUES[kind])
        outcome = validate(text)
        assert outcome.code == 0, f"{field}={kind}\n{outcome.describe()}"


SECTION_TEMPLATE = """\
version: 1
groups: {groups}
origin: {origin}
rules: {rules}
"""


@pytest.mark.parametrize("section, value", [
    pytest.param(section, value, id=f"{section}={kind}")
    for section in ("groups", "origin", "rules")
    for kind, value in WRONG_VALUES.items()
    if not (section == "rules" and kind == "empty-list")
])
def test_every_wrong_type_for_whole_sections(validate: Any, section: str, value: str) -> None:
    fill = {"groups": "{sec: [alice]}", "origin": "{unknown: human}", "rules": "[]"}
    fill[section] = value
    text = SECTION_TEMPLATE.format(**fill)
    line = text.splitlines().index(next(x for x in text.splitlines()
                                        if x.startswith(section))) + 1
    assert_refused(validate(text), line=line)


@pytest.mark.parametrize("kind", sorted(WRONG_VALUES))
def test_every_wrong_type_as_a_rule_or_require(validate: Any, kind: str) -> None:
    as_rule = f"version: 1\nrules:\n  - {WRONG_VALUES[kind]}\n"
    assert_refused(validate(as_rule), line=3)
    as_require = ("version: 1\nrules:\n  - id: a\n    paths: [a/**]\n"
                  f"    require: {WRONG_VALUES[kind]}\n")
    assert_refused(validate(as_require), line=5)


# --- random mutations of a valid policy ---------------------------------------------------------

BASE_POLICY: dict[str, Any] = yaml.safe_load(render()[0])

_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True),
    _TEXT, st.sampled_from(["ai", "human", "block", "warn", "any", "**", "!**", "#x", "a/../b",
                            "C:\\x", "src/auth/**", "@acme/team", "", " ", "\u200b"]),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(_TEXT, inner, max_size=4)),
    max_leaves=12,
)


def _containers(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every dict and list of the tree with its path from the root."""
    if isinstance(node, (dict, list)):
        yield path, node
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in items:
            yield from _containers(child, (*path, key))


@st.composite
def mutated_policies(draw: st.DrawFn) -> Any:
    """A copy of BASE_POLICY with a few random edits: delete a key or item, replace a value
    with any YAML value (or the same value nested deeply), add an unknown key."""
    import copy

    tree = copy.deepcopy(BASE_POLICY)
    for _ in range(draw(st.integers(1, 3))):
        containers = list(_containers(tree))
        _, container = draw(st.sampled_from(containers))
        if not container:
            continue
        keys = list(container) if isinstance(container, dict) else list(range(len(container)))
        key = draw(st.sampled_from(keys))
        action = draw(st.sampled_from(["delete", "replace", "nest", "add"]))
        if action == "delete":
            del container[key]
        elif action == "replace":
            container[key] = draw(_VALUES)
        elif action == "nest":
            value = container[key]
            for _ in range(draw(st.integers(1, 80))):
                value = [value] if draw(st.booleans()) else {"k": value}
            container[key] = value
        elif isinstance(container, dict):
            container[draw(_TEXT)] = draw(_VALUES)
        else:
            container.append(draw(_VALUES))
    return tree


def _assert_well_formed(outcome: Outcome, text: str) -> None:
    """Exit 0 with an ok line, or exit 2 with only located, in-range diagnostics."""
    if outcome.code == 0:
        assert "ok" in outcome.out, outcome.describe()
        return
    assert outcome.code == 2, outcome.describe()
    lines = [line for line in outcome.err.splitlines() if line.strip()]
    assert lines, outcome.describe()
    located = errors(outcome)
    assert located, outcome.describe()
    last_line = text.count("\n") + 2
    for match in located:
        assert 1 <= int(match["line"]) <= last_line, outcome.describe()


@HYPOTHESIS
@given(tree=mutated_policies())
def test_random_mutations_of_a_valid_policy(validate: Any, tree: Any) -> None:
    try:
        text = yaml.safe_dump(tree, allow_unicode=True, sort_keys=False, width=1 << 20)
    except (yaml.YAMLError, RecursionError):
        return  # not every Python tree is YAML; nothing to test
    _assert_well_formed(validate(text), text)


@HYPOTHESIS
@given(data=st.data())
def test_random_byte_edits_of_a_valid_policy(validate: Any, data: st.DataObject) -> None:
    raw = bytearray(render()[0].encode("utf-8"))
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(raw)))
        action = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        chunk = data.draw(st.one_of(
            st.binary(min_size=1, max_size=4),
            st.sampled_from([b"\t", b"\n", b":", b"- ", b"[", b"{", b"&a ", b"*a", b"!!str ",
                             b"---\n", b"\xef\xbb\xbf", b"\x00", b'"', b"'", b"#", b"<<: "]),
        ))
        if action == "insert":
            raw[position:position] = chunk
        elif action == "delete":
            del raw[position:position + len(chunk)]
        else:
            raw[position:position + len(chunk)] = chunk
    outcome = validate(bytes(raw))
    _assert_well_formed(outcome, bytes(raw).decode("utf-8", "replace"))


# --- file-level attacks -------------------------------------------------------------------------

VALID = 'version: 1\nrules:\n  - id: a\n    paths: ["src/auth/**"]\n    require: {forbid: "no"}\n'


def test_file_over_the_size_bound_is_refused(validate: Any) -> None:
    padding = "# " + "x" * 200 + "\n"
    text = VALID + padding * ((1 << 20) // len(padding) + 1)
    assert len(text.encode()) > 1 << 20
    assert_refused(validate(text), line=1, fragment="1 MiB")


def test_file_just_under_the_size_bound_loads(validate: Any) -> None:
    padding = "# " + "x" * 200 + "\n"
    text = VALID + padding * (((1 << 20) - len(VALID)) // len(padding))
    assert len(text.encode()) <= 1 << 20
    assert validate(text).code == 0


def test_alias_bomb_fails_fast_in_a_subprocess(policy_repo: GitRepo) -> None:
    bomb = (CORPUS / "billion-laughs.yaml").read_bytes()
    (policy_repo.path / "bomb.yaml").write_bytes(bomb)
    outcome = run_vetgate_process(["validate", "bomb.yaml"], policy_repo.path, timeout=60)
    assert_decided(outcome, 2)
    assert "bomb.yaml:4:" in outcome.err and "anchors (&a)" in outcome.err


@pytest.mark.parametrize("text, line, fragment", [
    pytest.param("version: 1\nrules: &r []\n", 2, "anchor", id="anchor"),
    pytest.param("version: 1\nx: &a [1]\nrules: *a\n", 2, "anchor", id="alias"),
    pytest.param("version: 1\nrules:\n  - <<: {id: a}\n    paths: [a]\n"
                 "    require: {forbid: x}\n", 3, "merge key", id="merge-key"),
])
def test_anchors_aliases_and_merge_keys_are_refused(validate: Any, text: str, line: int,
                                                    fragment: str) -> None:
    assert_refused(validate(text), line=line, fragment=fragment)


@pytest.mark.parametrize("text, line", [
    pytest.param("version: 1\nversion: 1\nrules: []\n", 2, id="top-level"),
    pytest.param("version: 1\nrules:\n  - id: a\n    paths: [a]\n    paths: [b]\n"
                 "    require: {forbid: x}\n", 5, id="in-rule"),
    pytest.param("version: 1\nrules:\n  - id: a\n    paths: [a]\n    require:\n"
                 "      forbid: x\n      forbid: y\n", 7, id="in-require"),
    pytest.param("version: 1\ngroups:\n  sec: [a]\n  sec: [b]\nrules: []\n", 4, id="group"),
    pytest.param("version: 1\nrules: []\nrules: []\n", 3, id="rules-twice"),
])
def test_duplicate_keys_are_refused_at_the_second_key(validate: Any, text: str,
                                                      line: int) -> None:
    assert_refused(validate(text), line=line, fragment="duplicate key")


@pytest.mark.parametrize("text, line", [
    pytest.param("version: 1\nrules:\n\t- id: a\n", 3, id="tab-indent"),
    pytest.param("version: 1\nrules:\n  - id: a\n  \t  paths: [a]\n", 4, id="mixed-indent"),
])
def test_tabs_in_indentation_are_refused(validate: Any, text: str, line: int) -> None:
    assert_refused(validate(text), line=line, fragment="tab")


@pytest.mark.parametrize("text", [
    pytest.param("version:\t1\nrules: []\n", id="tab-after-colon"),
    pytest.param('version: 1\nrules:\n  - id: a\n    description: "a\tb"\n    paths: [a]\n'
                 "    require: {forbid: x}\n", id="tab-in-string"),
    pytest.param("version: 1 \t\nrules: [] \t \n", id="trailing-tabs"),
])
def test_tabs_elsewhere_load_or_are_refused_cleanly(validate: Any, text: str) -> None:
    _assert_well_formed(validate(text), text)


@pytest.mark.parametrize("data, line", [
    pytest.param(b"version: 1\n# caf\xe9\nrules: []\n", 2, id="latin-1-comment"),
    pytest.param(b"version: 1\nrules:\n  - id: a\n    description: \xff\xfe\n", 4, id="ff-fe"),
    pytest.param(b"version: 1\nrules: [\x80]\n", 2, id="continuation-byte"),
    pytest.param(b"version: 1\nrules: []\n\xed\xa0\x80\n", 3, id="utf-8-surrogate"),
])
def test_non_utf8_bytes_are_refused_with_their_line(validate: Any, data: bytes,
                                                    line: int) -> None:
    assert_refused(validate(data), line=line, fragment="UTF-8")


def test_utf8_bom_is_accepted(validate: Any) -> None:
    outcome = validate(b"\xef\xbb\xbf" + VALID.encode())
    assert outcome.code == 0, outcome.describe()


@pytest.mark.parametrize("bom", [b"\xff\xfe", b"\xfe\xff"])
def test_utf16_is_refused_with_the_remedy(validate: Any, bom: bytes) -> None:
    encoding = "utf-16-le" if bom == b"\xff\xfe" else "utf-16-be"
    assert_refused(validate(bom + VALID.encode(encoding)), line=1, fragment="UTF-8")


@pytest.mark.parametrize("text, fragment", [
    pytest.param("", "empty", id="empty"),
    pytest.param("# only a comment\n", "empty", id="comments-only"),
    pytest.param("- version: 1\n", "mapping", id="top-level-list"),
    pytest.param("version 1\n", "mapping", id="top-level-scalar"),
    pytest.param("version: 1\nrules: []\n---\nversion: 1\n", "document", id="two-documents"),
    pytest.param("version: 1\nrules: [\n", "YAML", id="unclosed-flow"),
    pytest.param('version: 1\nrules: "\n', "YAML", id="unclosed-quote"),
    pytest.param("version: 1\nrules: []\n\x00\n", "U+0000", id="nul-byte"),
    pytest.param("version: 1\nrules: []\n\x1b[31m\n", "control character", id="escape-seq"),
    pytest.param("version: 1\nrules: " + "[" * 10_000 + "]" * 10_000 + "\n", "nested",
                 id="deep-flow-lists"),
    pytest.param("version: 1\nrules: " + "{a: " * 5_000 + "1" + "}" * 5_000 + "\n", "nested",
                 id="deep-flow-maps"),
    pytest.param("version: 1\nrules:\n" + "".join("  " * i + "-\n" for i in range(1, 300)),
                 "nested", id="deep-block-lists"),
    pytest.param("version: !!python/object/apply:os.system ['touch PWNED']\n", "tag",
                 id="python-tag"),
    pytest.param("version: 1\nrules: !!set {a: null}\n", "tag", id="set-tag"),
    pytest.param("version: 1\nrules: !custom []\n", "tag", id="custom-tag"),
    pytest.param("version: !!binary aGVsbG8=\n", "tag", id="binary-tag"),
    pytest.param("version: 1\n? [a, b]\n: c\n", "keys", id="list-key"),
    pytest.param("version: 1\n1: x\nrules: []\n", "integer", id="int-key"),
    pytest.param("version: 1\nyes: x\nrules: []\n", "boolean", id="yaml11-bool-key"),
    pytest.param("version: 1\n~: x\nrules: []\n", "null", id="null-key"),
    pytest.param("version: 1\nrules\u200b: []\n", "unknown key", id="zero-width-key"),
    pytest.param("version: 1\nrules: []\nRules: []\n", "unknown key", id="case-variant-key"),
    pytest.param("version: 2001-12-14\nrules: []\n", "version", id="date-version"),
    pytest.param("version: 1.0\nrules: []\n", "version", id="float-version"),
    pytest.param('version: "1"\nrules: []\n', "version", id="string-version"),
    pytest.param("version: 0b1\nrules: []\n", None, id="binary-int-version"),
    pytest.param("version: 1\nrules:\n  - id: a\n    paths: [a]\n    require: {max_lines: .inf}\n",
                 "max_lines", id="inf-max-lines"),
    pytest.param("version: 1\nrules:\n  - id: a\n    paths: [a]\n    require: {max_lines: .nan}\n",
                 "max_lines", id="nan-max-lines"),
    pytest.param("version: 1\nrules:\n  - id: a\n    paths: [a]\n"
                 "    require: {max_lines: " + "9" * 5000 + "}\n", None, id="huge-int"),
    pytest.param('version: 1\nrules:\n  - id: "ключ"\n    paths: [a]\n    require: {forbid: x}\n',
                 "rule id", id="unicode-id"),
    pytest.param("version: 1\nrules:\n  - id: vetgate-policy\n    paths: [a]\n"
                 "    require: {forbid: x}\n", "reserved", id="reserved-id"),
    pytest.param("version: 1\nrules:\n  - id: a\n    paths: [a]\n    require: {forbid: x}\n"
                 "  - id: a\n    paths: [b]\n    require: {forbid: y}\n", "a", id="duplicate-id"),
    pytest.param("version: 1\nrules:\n  - id: a\n    paths: ['a/../b']\n    require: {forbid: x}\n",
                 "..", id="dotdot-pattern"),
    pytest.param("version: 1\nrules:\n  - id: a\n    paths: ['C:\\\\src']\n"
                 "    require: {forbid: x}\n", "Windows", id="windows-pattern"),
    pytest.param("version: 1\nrules:\n  - id: a\n    paths: ['!a']\n    require: {forbid: x}\n",
                 "exclude", id="only-exclusions"),
    pytest.param("version: 1\nrules:\n  - id: a\n    paths: ['src/[a']\n    require: {forbid: x}\n",
                 "[", id="unclosed-bracket"),
    pytest.param("version: 1\nrules:\n  - id: a\n    paths: ['#x']\n    require: {forbid: x}\n",
                 "comment", id="comment-pattern"),
    pytest.param("version: 1\nrules:\n  - id: a\n    paths: ['a ']\n    require: {forbid: x}\n",
                 "whitespace", id="trailing-space-pattern"),
    pytest.param("version: 1\nrules:\n  - id: a\n    paths: ['a\\n']\n    require: {forbid: x}\n",
                 None, id="escaped-n-pattern"),
    pytest.param('version: 1\nrules:\n  - id: a\n    paths: ["a\\nb"]\n    require: {forbid: x}\n',
                 "line break", id="newline-pattern"),
    pytest.param("version: 1\nrules:\n  - id: a\n    paths: [a]\n"
                 "    require: {review: {from: [ghost]}}\n", "ghost", id="undefined-group"),
    pytest.param("version: 1\ninclude: ['../outside.yaml']\nrules: []\n", "outside",
                 id="include-outside"),
    pytest.param("version: 1\ninclude: ['/etc/passwd']\nrules: []\n", "absolute",
                 id="include-absolute"),
    pytest.param("version: 1\ninclude: ['p.yaml']\nrules: []\n", None, id="include-self"),
    pytest.param("version: 1\ninclude: ['nowhere/*.yaml']\nrules: []\n", "matches no",
                 id="include-glob-nothing"),
    pytest.param("version: 1\ninclude: ['missing.yaml']\nrules: []\n", "missing.yaml",
                 id="include-missing"),
    pytest.param("version: 1\ninclude: ['..\\\\x.yaml']\nrules: []\n", "\\",
                 id="include-backslash"),
])
def test_hostile_policy_files_are_refused(validate: Any, policy_repo: GitRepo, text: str,
                                         fragment: str | None) -> None:
    """Refused with the fragment in the message; ``None``: YAML reads it as something valid
    (``0b1`` is the integer 1, ``'a\\n'`` a literal backslash), so either outcome is clean."""
    outcome = validate(text)
    if fragment is None:
        _assert_well_formed(outcome, text)
    else:
        assert_refused(outcome, fragment=fragment)
    assert not (policy_repo.path / "PWNED").exists()


def test_include_cycle_is_refused(validate: Any, policy_repo: GitRepo) -> None:
    (policy_repo.path / "inc").mkdir(exist_ok=True)
    (policy_repo.path / "inc" / "a.yaml").write_text("include: [b.yaml]\nrules: []\n")
    (policy_repo.path / "inc" / "b.yaml").write_text("include: [a.yaml]\nrules: []\n")
    outcome = validate("version: 1\ninclude: [inc/a.yaml]\nrules: []\n")
    assert outcome.code == 2, outcome.describe()
    assert "cycle" in outcome.err.lower() or "includes itself" in outcome.err.lower(), \
        outcome.describe()


def test_include_through_a_symlink_to_a_device_does_not_hang(validate: Any,
                                                            policy_repo: GitRepo) -> None:
    link = policy_repo.path / "zero.yaml"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to("/dev/zero")
    outcome = validate("version: 1\ninclude: [zero.yaml]\nrules: []\n")
    assert_refused(outcome)


@pytest.mark.parametrize("target", ["dir", "/dev/null", "/dev/zero", "missing.yaml"])
def test_policy_argument_that_is_not_a_file(policy_repo: GitRepo, capsys: Any,
                                            monkeypatch: pytest.MonkeyPatch, target: str) -> None:
    monkeypatch.chdir(policy_repo.path)
    (policy_repo.path / "dir").mkdir(exist_ok=True)
    outcome = run_main(["validate", target], capsys)
    assert_decided(outcome, 2)
    assert target in outcome.err


def test_very_long_single_line_description_loads(validate: Any) -> None:
    text = VALID.replace("    paths:", f"    description: \"{'é' * 300_000}\"\n    paths:")
    assert validate(text).code == 0
