"""The registry of requirement kinds: check, explain, evidence gathering and SARIF metadata read
one definition, so what ``explain`` says a path needs is exactly what ``check`` requires."""

from __future__ import annotations

import json
from typing import Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import GitRepo
from vetgate.changes.model import ChangeSet, Commit, FileChange, Identity
from vetgate.commands.explain import explain_path
from vetgate.engine.evaluate import evaluate
from vetgate.engine.kinds import KINDS, needed_evidence
from vetgate.main import main
from vetgate.policy.loader import load_policy_bytes
from vetgate.policy.model import REQUIREMENT_KINDS
from vetgate.provenance.model import CommitOrigin
from vetgate.report.sarif import to_sarif

HUMAN = Identity("Hannah Human", "hannah@example.com")
CLAUDE = "Co-Authored-By: Claude <noreply@anthropic.com>"
PATHS = ["src/auth/a.py", "src/auth/b.py", "db/m.sql", "docs/x.md", "tests/auth/test_a.py",
         "signed/k.txt", "README.md"]
PATTERNS = ["src/**", "src/auth/**", "**/*.py", "db/**", "**/*.md", "tests/**", "signed/**",
            "README.md"]
REQUIREMENT_YAML = {
    "forbid": 'forbid: "write it by hand"',
    "tests": 'tests: ["tests/**"]',
    "review": "review: {count: 1}",
    "trailer": "trailer: {key: Risk-Reviewed-by}",
    "label": "label: ai-reviewed",
    "max_lines": "max_lines: 3",
    "signed": "signed: true",
}


def test_every_policy_requirement_kind_is_registered_once() -> None:
    assert tuple(KINDS) == REQUIREMENT_KINDS


@st.composite
def policies(draw: st.DrawFn) -> str:
    lines = ["version: 1", "rules:"]
    for index in range(draw(st.integers(1, 5))):
        paths = draw(st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=2, unique=True))
        kinds = draw(st.lists(st.sampled_from(REQUIREMENT_KINDS), min_size=1, max_size=4,
                              unique=True))
        origin = draw(st.sampled_from(["ai", "any", "human"]))
        lines += [f"  - id: r{index}", f"    paths: {json.dumps(paths)}", f"    origin: {origin}",
                  "    require:"]
        lines += [f"      {REQUIREMENT_YAML[kind]}" if kind != "tests" or draw(st.booleans())
                  else "      tests: related" for kind in kinds]
    return "\n".join(lines) + "\n"


changes = st.lists(st.tuples(st.sampled_from(PATHS), st.sampled_from(["ai", "human"])),
                   min_size=1, max_size=4, unique_by=lambda item: item[0])


def _change(files: list[tuple[str, str]]) -> tuple[ChangeSet, list[CommitOrigin]]:
    commits, origins, changed = [], [], []
    for number, (path, origin) in enumerate(files):
        sha = f"{number + 1:040x}"
        commits.append(Commit(sha=sha, parents=("0" * 40,), author=HUMAN, committer=HUMAN,
                              author_time=0, commit_time=0, message="change",
                              paths=frozenset([path])))
        counts_as: Literal["ai", "human"] = "ai" if origin == "ai" else "human"
        origins.append(CommitOrigin(sha=sha, origin="ai" if origin == "ai" else "unknown",
                                    counts_as=counts_as))
        changed.append(FileChange(path=path, status="M", added=1, removed=0, new_blob="n" * 40))
    change = ChangeSet(mode="range", root="/r", base="b" * 40, head="h" * 40,
                       commits=tuple(commits), files=tuple(changed))
    return change, origins


@settings(max_examples=300, deadline=None)
@given(policies(), changes)
def test_explain_says_exactly_what_check_requires(policy_yaml: str,
                                                  files: list[tuple[str, str]]) -> None:
    policy = load_policy_bytes(policy_yaml.encode())
    change, origins = _change(files)
    result = evaluate(policy, change, origins)
    for rule in policy.rules:
        asked: dict[str, None] = {}
        applies = False
        for path, origin in files:
            for entry in explain_path(policy, path)["rules"]:
                if entry["rule"] == rule.id and entry[origin]["applies"]:
                    applies = True
                    asked.update((r["kind"], None) for r in entry[origin]["requirements"])
        (checked,) = [r for r in result.results if r.rule == rule.id]
        if not applies:
            assert checked.status == "skip", (rule.id, checked)
            continue
        expected = [r.kind for r in rule.requirements if r.kind in asked]
        assert [r.kind for r in checked.requirements] == expected, (rule.id, checked)


def test_evidence_is_gathered_for_the_kinds_of_matching_rules_only() -> None:
    policy = load_policy_bytes(b"""version: 1
rules:
  - id: sec
    paths: ["secure/**"]
    require: {review: {count: 1}, label: reviewed}
  - id: keys
    paths: ["keys/**"]
    require: {signed: true, tests: ["tests/**"]}
""")
    assert needed_evidence(policy, ["secure/a.py"]) == {"reviews", "labels"}
    assert needed_evidence(policy, ["keys/k", "docs/x"]) == {"signatures"}
    assert needed_evidence(policy, ["docs/x"]) == frozenset()


def test_sarif_rule_metadata_says_what_a_rule_requires_even_when_it_did_not_apply() -> None:
    policy = load_policy_bytes(b"""version: 1
groups: {security: [alice]}
rules:
  - id: sec
    description: Security code
    paths: ["secure/**"]
    require: {review: {count: 1, from: [security]}}
""")
    change, origins = _change([("docs/x.md", "ai")])
    data = to_sarif(evaluate(policy, change, origins))
    (sec,) = [r for r in data["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "sec"]
    assert sec["fullDescription"]["text"] == (
        "Security code. Policy rule 'sec' defined at .vetgate.yaml:4; level block (blocks the "
        "change); requires: review: 1 approval on the code host from independent members of "
        "security (alice) — an approval keeps counting while the files it covers keep the "
        "content it saw (checked in CI; pending locally).")


# --- the reported bug, end to end ---------------------------------------------------------------

ANY_TRAILER_POLICY = """\
version: 1
rules:
  - id: risky
    paths: ["db/**"]
    origin: any
    require:
      trailer: {key: Risk-Reviewed-by}
"""


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    return code, capsys.readouterr().out


def test_origin_any_trailer_check_and_explain_agree(repo: GitRepo, capsys: Any,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    base = repo.commit("policy", {".vetgate.yaml": ANY_TRAILER_POLICY, "db/m.sql": "a\n"})
    monkeypatch.chdir(repo.path)
    code, explained = _run(["explain", "db/m.sql"], capsys)
    assert code == 0
    assert "    human change: nothing further required\n" in explained
    assert ('    AI-origin change requires:\n      - trailer: every AI-origin commit touching '
            'these files carries "Risk-Reviewed-by:"\n') in explained

    repo.commit("human edit", {"db/m.sql": "b\n"})
    code, out = _run(["check", "--base", base], capsys)
    assert code == 0, out  # nothing is asked of a human-only change, as explain says

    human_head = repo.head()
    repo.commit(f"agent edit\n\n{CLAUDE}", {"db/m.sql": "c\n"})
    code, out = _run(["check", "--base", human_head], capsys)
    assert code == 1, out
    assert "✗ trailer: Add the trailer `Risk-Reviewed-by: <value>` to commit" in out

    code, out = _run(["check", "--base", base, "--format", "json"], capsys)
    (risky,) = [r for r in json.loads(out)["results"] if r["rule"] == "risky"]
    assert risky["status"] == "fail" and risky["origin"] == "ai"
    (trailer,) = risky["requirements"]
    assert trailer["paths"] == ["db/m.sql"]
    assert len(trailer["details"]) == 1  # only the AI commit is asked for the trailer
