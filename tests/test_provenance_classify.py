"""The Classifier's public interface: verdicts, evidence shape, env, declarations, accounts."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vetgate.changes.model import Commit, Identity
from vetgate.policy.model import MarkerConfig, OriginConfig, TrailerPattern
from vetgate.provenance.classify import (
    Classifier,
    agent_declaration_trailer,
    env_markers,
    is_agent_account,
)
from vetgate.provenance.model import Evidence, ProvenanceContext
from vetgate.provenance.notes import count_ranges, parse_agent_traces, parse_ai_note
from vetgate.provenance.serialize import commit_origin_to_json

HANNAH = Identity("Hannah Human", "hannah@example.com")
SHA = "a" * 40


def commit(message: str = "Change", *, author: Identity = HANNAH,
           committer: Identity | None = None, sha: str | None = SHA) -> Commit:
    return Commit(sha, (), author, committer or author, 0, 0, message)


def test_evidence_records_detector_exact_text_where_and_tool() -> None:
    message = "Add x\n\nBody.\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n"
    result = Classifier().classify(commit(message))
    assert result.origin == result.counts_as == "ai"
    assert result.evidence == (Evidence(
        detector="trailer", kind="ai", detail="Co-Authored-By: Claude <noreply@anthropic.com>",
        where="trailer, message line 5", tool="Claude Code", source="builtin",
        entry="claude-code"),)
    assert result.subject == "Add x"


def test_author_and_committer_both_checked() -> None:
    bot = Identity("Cursor Agent", "cursoragent@cursor.com")
    result = Classifier().classify(commit(committer=bot))
    assert [(e.where, e.entry) for e in result.evidence] == [("committer", "cursor-agent")]
    result = Classifier().classify(commit(author=bot))
    assert [e.where for e in result.evidence] == ["author"]  # same person reported once


def test_unknown_counts_per_config() -> None:
    assert Classifier().classify(commit()).counts_as == "human"
    strict = Classifier(OriginConfig(unknown="ai")).classify(commit())
    assert (strict.origin, strict.counts_as) == ("unknown", "ai")


def test_ai_wins_over_a_human_declaration() -> None:
    message = "Fix\n\nAI-Assisted: no\nCo-authored-by: Amp <amp@ampcode.com>\n"
    result = Classifier().classify(commit(message))
    assert result.origin == "ai"
    assert {e.kind for e in result.evidence} == {"ai", "human"}
    assert result.tools == ("Amp",)  # human declarations name no tool


def test_suggestions_count_as_configured() -> None:
    message = "Apply suggestion from @Copilot\n\nCo-authored-by: Copilot " \
              "<175728472+Copilot@users.noreply.github.com>\n"
    default = Classifier().classify(commit(message))
    lenient = Classifier(OriginConfig(suggestions="human")).classify(commit(message))
    assert (default.origin, default.counts_as) == ("ai", "ai")
    assert (lenient.origin, lenient.counts_as) == ("ai", "human")
    # every AI co-author of a suggestion commit made a suggestion; an AI author is still ai
    agent = Identity("Cursor Agent", "cursoragent@cursor.com")
    mixed = Classifier(OriginConfig(suggestions="human")).classify(commit(message, author=agent))
    assert mixed.counts_as == "ai"


def test_environment_only_for_the_pending_commit() -> None:
    context = ProvenanceContext(env={"CLAUDECODE": "1"})
    assert Classifier().classify(commit(sha=SHA), context).origin == "unknown"
    pending = Classifier().classify(commit(sha=None), context)
    assert pending.origin == "ai" and pending.sha is None
    assert pending.evidence[0].where == "environment CLAUDECODE=1"


def test_env_markers_catalog_and_policy() -> None:
    config = OriginConfig(markers=MarkerConfig(env=("MY_AGENT_SESSION",)),
                          human=MarkerConfig(env=("I_TYPED_THIS",)))
    found = env_markers({"GEMINI_CLI": "1", "MY_AGENT_SESSION": "s1", "I_TYPED_THIS": "1",
                         "PATH": "/bin"}, config)
    assert [(e.entry, e.kind, e.source) for e in found] == [
        ("gemini-cli-env", "ai", "builtin"),
        ("origin.markers.env: MY_AGENT_SESSION", "ai", "policy"),
        ("origin.human.env: I_TYPED_THIS", "human", "policy"),
    ]
    assert env_markers({}) == ()
    assert env_markers({"CLAUDECODE": ""}) == ()
    assert env_markers({"CLAUDECODE": "1"}, OriginConfig(builtin=False)) == ()


@pytest.mark.parametrize("env, trailer", [
    ({"CLAUDECODE": "1"}, ("AI-Assisted", "claude-code")),
    ({"CURSOR_AGENT": "1"}, ("AI-Assisted", "cursor")),
    ({"CODEX_THREAD_ID": "x"}, ("AI-Assisted", "codex")),
    ({"AI_AGENT": "My Agent@2"}, ("AI-Assisted", "my-agent@2")),
    ({"AGENT": "gemini"}, ("AI-Assisted", "gemini")),
    ({"REPL_ID": "r"}, None),
    ({}, None),
])
def test_agent_declaration_trailer(env: dict[str, str], trailer: tuple[str, str] | None) -> None:
    assert agent_declaration_trailer(env) == trailer


@pytest.mark.parametrize("env", [
    {"CLAUDECODE": "1"}, {"GEMINI_CLI": "1"}, {"OPENCODE": "1"}, {"AI_AGENT": "zz-new-tool"},
    {"AGENT": "amp"}, {"TERM_PROGRAM": "zed", "PAGER": "cat"}, {"REPL_ID": "1",
                                                                "REPLIT_MODE": "assistant"},
])
def test_the_declaration_trailer_classifies_as_ai(env: dict[str, str]) -> None:
    declared = agent_declaration_trailer(env)
    assert declared is not None
    key, value = declared
    result = Classifier().classify(commit(f"Add thing\n\n{key}: {value}\n"))
    assert result.origin == "ai"
    assert [e.entry for e in result.evidence] == ["ai-assisted"]


def test_declaration_from_a_policy_env_marker() -> None:
    config = OriginConfig(markers=MarkerConfig(env=("MY_AGENT_SESSION",)))
    assert agent_declaration_trailer({"MY_AGENT_SESSION": "1"}, config) == (
        "AI-Assisted", "my_agent_session")


@pytest.mark.parametrize("account, expected", [
    ("copilot-swe-agent[bot]", True),
    ("Copilot", True),
    ("@Copilot", True),
    ("claude[bot]", True),
    ("dependabot[bot]", True),  # a bot is never an independent human reviewer
    ("openhands-agent", True),
    ("devin-ai-integration", True),
    ("noreply@anthropic.com", True),
    ("Cursor Agent <cursoragent@cursor.com>", True),
    ("198982749+Copilot@users.noreply.github.com", True),
    ("41898282+github-actions[bot]@users.noreply.github.com", True),
    ("alice", False),
    ("claude", False),  # a first name
    ("Jane <jane@anthropic.com>", False),
    ("12345+alice@users.noreply.github.com", False),
    ("", False),
])
def test_is_agent_account(account: str, expected: bool) -> None:
    assert is_agent_account(account) is expected


def test_branch_and_labels_from_context() -> None:
    context = ProvenanceContext(branch="copilot/fix-1", labels=("ai-generated",))
    config = OriginConfig(markers=MarkerConfig(labels=("ai-*",)))
    classifier = Classifier(config)
    for _ in range(2):  # the second call reuses the cached context evidence
        result = classifier.classify(commit(), context)
        assert [(e.detector, e.source) for e in result.evidence] == [
            ("branch", "builtin"), ("label", "policy")]


def test_policy_markers_and_human_declarations() -> None:
    config = OriginConfig(
        markers=MarkerConfig(trailers=(TrailerPattern("Tool", "in-house*"),),
                             identities=("Build Bot <*@ci.example.com>",),
                             messages=("[gen]",)),
        human=MarkerConfig(trailers=(TrailerPattern("Written-by-hand"),)),
    )
    classifier = Classifier(config)
    assert classifier.classify(commit("Fix\n\nTool: In-House LLM\n")).origin == "ai"
    assert classifier.classify(commit("Fix\n\nTool: other\n")).origin == "unknown"
    bot = Identity("Build Bot", "runner-3@ci.example.com")
    assert classifier.classify(commit(author=bot)).origin == "ai"
    assert classifier.classify(commit("[GEN] fixtures")).origin == "ai"
    human = classifier.classify(commit("Fix\n\nWritten-by-hand: yes\n"))
    assert (human.origin, human.evidence[0].source) == ("human", "policy")


def test_git_ai_notes_and_traces_in_context() -> None:
    note = ("a.py\n  s_0123456789abcd 1-3\n---\n{\"schema_version\": \"authorship/3.0.0\", "
            "\"prompts\": {}, \"sessions\": {\"s_0123456789abcd\": {\"agent_id\": "
            "{\"tool\": \"codex\", \"id\": \"1\", \"model\": \"gpt-5\"}}}}")
    result = Classifier().classify(commit(), ProvenanceContext(notes={SHA: note}))
    assert [(e.detector, e.detail, e.where, e.tool) for e in result.evidence] == [
        ("note", "git-ai note: codex, 3 lines", "refs/notes/ai", "Codex")]
    record = {"vcs": {"type": "git", "revision": SHA[:10]}, "tool": {"name": "cursor"},
              "files": [{"path": "a.py", "conversations": [
                  {"contributor": {"type": "mixed"}, "ranges": [
                      {"start_line": 1, "end_line": 2},
                      {"start_line": 5, "end_line": 5, "contributor": {"type": "human"}}]}]}]}
    traced = Classifier().classify(commit(), ProvenanceContext(traces={SHA[:10]: (record,)}))
    assert [e.detail for e in traced.evidence] == [
        "agent trace: cursor, 2 lines (mixed)", "agent trace: 1 lines by humans"]
    assert traced.origin == "ai"


def test_parse_ai_note_edge_cases() -> None:
    assert parse_ai_note("") == ()
    assert parse_ai_note("{not json") == ()
    assert parse_ai_note('{"files": 3}') == ()
    assert parse_ai_note("a.py\n  s_0123456789abcd 9-1\n---\n{}") == ()  # bad range
    stray = parse_ai_note("a.py\n  weird-key 1-2\n  0123456 4\n---\n[]")
    assert [(a.contributor, a.tool, a.lines) for a in stray] == [("ai", None, 1)]
    accepted = parse_ai_note('---\n{"prompts": {"0123456789abcdef": {"agent_id": {"tool": '
                             '"amp"}, "accepted_lines": 7}}}')
    assert [(a.tool, a.lines) for a in accepted] == [("amp", 7)]
    assert [a.accepted for a in accepted] == [True]
    # accepted_lines count only when the note attributes no line at all
    prompts = '{"prompts": {"0123456789abcdef": {"agent_id": {"tool": "amp"}, "accepted_lines": 7}}'
    humans = ', "humans": {"h_0123456789abcd": {}}}'
    known = parse_ai_note("a.py\n  h_0123456789abcd 1-3\n---\n" + prompts + humans)
    assert [(a.contributor, a.lines) for a in known] == [("human", 3)]
    unknown_human = parse_ai_note("a.py\n  h_fedcba98765432 1-3\n---\n" + prompts + humans)
    assert unknown_human == ()
    stray_only = parse_ai_note("a.py\n  weird-key 1-3\n---\n" + prompts + "}")
    assert [(a.tool, a.lines, a.accepted) for a in stray_only] == [("amp", 7, True)]
    assert count_ranges("12-30,1-4,9") == 24
    assert count_ranges("1-") is None and count_ranges("0") is None
    assert count_ranges("9" * 5000) is None
    assert parse_agent_traces([{"files": "nope"}, 3, {"files": [{"conversations": [1]}]}]) == ()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_malformed_notes_never_raise(text: str) -> None:
    for candidate in (text, "a.py\n  " + text + "\n---\n" + text, "{" + text):
        parse_ai_note(candidate)
    Classifier().classify(commit(), ProvenanceContext(notes={SHA: text}))


@settings(max_examples=150, deadline=None)
@given(message=st.text(max_size=400),
       name=st.text(max_size=30), email=st.text(max_size=40))
def test_any_commit_classifies_without_error(message: str, name: str, email: str) -> None:
    result = Classifier().classify(commit(message, author=Identity(name, email)))
    assert result.origin in ("ai", "human", "unknown")
    commit_origin_to_json(result)


def test_json_shape() -> None:
    result = Classifier().classify(commit("aider: x"))
    assert commit_origin_to_json(result) == {
        "sha": SHA, "origin": "ai", "counts_as": "ai", "tools": ["aider"], "subject": "aider: x",
        "evidence": [{"detector": "message", "kind": "ai", "tool": "aider",
                      "detail": "aider: x", "where": "subject", "source": "builtin"}],
    }


@pytest.mark.parametrize("value", [
    "Claude <noreply@anthropic.com>.",
    "Claude <noreply@anthropic.com> (via the agent)",
    "Claude <noreply@anthropic.com>\u200b",
    "Claude <noreply@anthropic.com>\ufffd",
    "Jane <jane@example.com> <noreply@anthropic.com>",
    "noreply@anthropic.com",
    "Claude ＜noreply@anthropic.com＞",
])
def test_text_around_the_address_does_not_hide_it(value: str) -> None:
    result = Classifier().classify(commit(f"Fix\n\nCo-Authored-By: {value}\n"))
    assert [e.entry for e in result.evidence] == ["claude-code"]


@pytest.mark.parametrize("trailer", [
    "Co-authored-by: x{blanks}y", "Co-authored-by: x ({blanks}y", "Сo-authored-by: x{blanks}y",
    "Co-authored-by: Claude ({blanks}) <noreply@anthropic.com>", "Key:{blanks}\n{blanks}x",
])
def test_long_blank_runs_stay_linear(trailer: str, tmp_path: Path) -> None:
    # A hang guard, not a timing: linear matching takes milliseconds on 200,000 blanks, a
    # quadratic or backtracking pattern hours. The child process is killed at the guard.
    script = textwrap.dedent(f"""
        from vetgate.changes.model import Commit, Identity
        from vetgate.policy.model import MarkerConfig, OriginConfig, TrailerPattern
        from vetgate.provenance.classify import Classifier
        config = OriginConfig(markers=MarkerConfig(
            trailers=(TrailerPattern("Co-authored-by", "*a*b*c*@agents.example.com>"),),
            identities=("*x*y*z*",), messages=("zz",)))
        message = "subject\\n\\n" + {trailer!r}.format(blanks=" " * 200_000) + "\\n"
        author = Identity("a" * 100_000, "b" * 100_000)
        Classifier(config).classify(Commit("a" * 40, (), author, author, 0, 0, message))
    """)
    subprocess.run([sys.executable, "-c", script], cwd=tmp_path, check=True, timeout=60)


@pytest.mark.parametrize("glob, text, expected", [
    ("*[bot]@users.noreply.github.com", "1+dependabot[bot]@users.noreply.github.com", True),
    ("*[bot]@users.noreply.github.com", "1+dependabot@users.noreply.github.com", False),
    ("ai/*", "ai/x/y", True),
    ("ai/*", "xai/x", False),
    ("a?c", "abc", True),
    ("a?c", "abbc", False),
    ("*", "", True),
    ("a*b*c", "abc", True),
    ("a*b*c", "aXbYbZc", True),
    ("a*b*c", "aXcYb", False),
    ("ab*ba", "aba", False),
    ("Build Bot <*@CI.example.com>", "build bot <r-3@ci.example.com>", True),
])
def test_policy_globs(glob: str, text: str, expected: bool) -> None:
    from vetgate.provenance.index import Glob

    assert Glob(glob).match(text) is expected


@settings(max_examples=300, deadline=None)
@given(pattern=st.text(alphabet="ab*?", max_size=8), text=st.text(alphabet="ab", max_size=10))
def test_globs_agree_with_fnmatch(pattern: str, text: str) -> None:
    import fnmatch

    from vetgate.provenance.index import Glob

    assert Glob(pattern).match(text) is fnmatch.fnmatchcase(text, pattern)
