"""`vetgate origin` end to end on real repositories."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import GitRepo
from vetgate.main import main

CLAUDE_TRAILER = "Co-Authored-By: Claude <noreply@anthropic.com>"
NO_POLICY = "built-in default: the work tree has no .vetgate.yaml"
NO_STAGED_POLICY = "built-in default: the index has no .vetgate.yaml"


def run(repo: GitRepo, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["origin", "-C", str(repo.path), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_default_is_head(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("first", {"a.txt": "a\n"})
    head = repo.commit(f"Add login throttling\n\nBody.\n\n{CLAUDE_TRAILER}\n", {"a.txt": "b\n"})
    code, out, err = run(repo, capsys=capsys)
    assert (code, err) == (0, "")
    assert out == (
        f"{head[:10]}  ai  Claude Code  Add login throttling\n"
        f"    trailer, message line 5: {CLAUDE_TRAILER}  (Claude Code)\n"
        "\n"
        f"policy: {NO_POLICY}\n"
    )


def test_range_lists_every_commit_oldest_first(repo: GitRepo,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    base = repo.commit("base", {"a.txt": "a\n"})
    human = repo.commit("human change", {"a.txt": "b\n"})
    ai = repo.commit("aider: refactor", {"a.txt": "c\n"})
    declared = repo.commit("hand written\n\nAI-Assisted: no\n", {"a.txt": "d\n"})
    code, out, _ = run(repo, f"{base}..HEAD", capsys=capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"{human[:10]}  unknown (counts as human)  -  human change"
    assert lines[1] == "    no evidence (counts as human: origin.unknown)"
    assert lines[2] == f"{ai[:10]}  ai  aider  aider: refactor"
    assert lines[4] == f"{declared[:10]}  human  -  hand written"
    assert lines[5] == "    trailer, message line 3: AI-Assisted: no  (human declaration)"
    assert lines[-2:] == ["3 commits: 1 ai, 1 human, 1 unknown (unknown counts as human)",
                          f"policy: {NO_POLICY}"]


def test_json_items(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("base", {"a.txt": "a\n"})
    head = repo.commit("work", {"a.txt": "b\n"}, author="Cursor Agent <cursoragent@cursor.com>")
    code, out, _ = run(repo, "HEAD~1..HEAD", "--format", "json", capsys=capsys)
    assert code == 0
    assert json.loads(out) == {"commits": [{
        "sha": head, "origin": "ai", "counts_as": "ai", "tools": ["Cursor"], "subject": "work",
        "evidence": [{"detector": "identity", "kind": "ai", "tool": "Cursor",
                      "detail": "Cursor Agent <cursoragent@cursor.com>", "where": "author",
                      "source": "builtin"}],
    }], "policy_source": NO_POLICY, "policy_notes": []}


def test_pending_commit_with_message_file_and_env(
        repo: GitRepo, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    repo.commit("base", {"a.txt": "a\n"})
    repo.write("a.txt", "b\n")
    repo.git("add", "a.txt")
    message = repo.path / "MSG"
    message.write_text("Add retry\n\n# Please enter the commit message\nAmp-Thread-ID: T-1\n")
    monkeypatch.setenv("CLAUDECODE", "1")
    code, out, _ = run(repo, "--staged", "--message-file", str(message), "--format", "json",
                       capsys=capsys)
    assert code == 0
    item = json.loads(out)["commits"][0]
    assert item["sha"] is None and item["origin"] == "ai"
    assert [e["detector"] for e in item["evidence"]] == ["trailer", "env"]
    assert item["evidence"][0]["where"] == "trailer, message line 3"  # comment line removed
    assert item["tools"] == ["Amp", "Claude Code"]


def test_pending_commit_without_marks(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("a.txt", "a\n")  # unborn HEAD: the first commit
    repo.git("add", "a.txt")
    code, out, _ = run(repo, "--staged", capsys=capsys)
    assert code == 0
    assert out.startswith("pending  unknown (counts as human)")


def test_notes_and_traces_are_read(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    base = repo.commit("base", {"a.txt": "a\n"})
    noted = repo.commit("noted", {"a.txt": "b\n"})
    traced = repo.commit("traced", {"a.txt": "c\n"})
    note = ('a.txt\n  s_0123456789abcd 1\n---\n{"schema_version": "authorship/3.0.0", '
            '"prompts": {}, "sessions": {"s_0123456789abcd": {"agent_id": {"tool": "cursor", '
            '"id": "1", "model": "m"}}}}')
    repo.git("notes", "--ref=ai", "add", "-m", note, noted)
    record = {"version": "0.1.0", "id": "1", "vcs": {"type": "git", "revision": traced},
              "tool": {"name": "cursor"}, "files": [{"path": "a.txt", "conversations": [
                  {"contributor": {"type": "ai"}, "ranges": [{"start_line": 1,
                                                              "end_line": 1}]}]}]}
    repo.commit("record trace", {".agent-trace/traces.jsonl": json.dumps(record) + "\n"})
    code, out, _ = run(repo, f"{base}..HEAD", capsys=capsys)
    assert code == 0
    assert "    refs/notes/ai: git-ai note: cursor, 1 lines  (Cursor)" in out
    assert "    .agent-trace/traces.jsonl: agent trace: cursor, 1 lines (ai)  (Cursor)" in out
    assert out.splitlines()[-2].startswith("3 commits: 2 ai, 0 human, 1 unknown")


def test_policy_origin_settings_apply(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    policy = ("version: 1\norigin:\n  unknown: ai\n  markers:\n    messages: ['[ai]']\n"
              "rules: []\n")
    repo.commit("add policy", {".vetgate.yaml": policy})
    repo.commit("[AI] fixtures", {"f.txt": "x\n"})
    code, out, err = run(repo, "HEAD~1..HEAD", capsys=capsys)
    assert code == 0, err
    assert "ai  -  [AI] fixtures" in out
    assert "message line 1: [AI] fixtures  (policy marker)" in out
    code, out, _ = run(repo, "HEAD~1", capsys=capsys)
    assert out.startswith(f"{repo.git('rev-parse', 'HEAD~1')[:10]}  unknown (counts as ai)")


def test_explicit_policy_file(repo: GitRepo, capsys: pytest.CaptureFixture[str],
                              tmp_path: os.PathLike[str]) -> None:
    repo.commit("work", {"a.txt": "a\n"}, author="Claude <noreply@anthropic.com>")
    policy = os.path.join(str(tmp_path), "p.yaml")
    with open(policy, "w") as handle:
        handle.write("version: 1\norigin:\n  builtin: false\nrules: []\n")
    code, out, _ = run(repo, "--policy", policy, capsys=capsys)
    assert code == 0
    assert "  unknown (counts as human)  -  work" in out


def test_non_utf8_message_and_odd_identity(repo: GitRepo,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("a.txt", "a\n")
    repo.git("add", "a.txt")
    msg = repo.path / "msg"
    msg.write_bytes(b"caf\xe9 fix\n\nCo-authored-by: Codex <noreply@openai.com>\n")
    repo.git("-c", "i18n.commitEncoding=latin-1", "commit", "-q", "-F", str(msg))
    code, out, _ = run(repo, "--format", "json", capsys=capsys)
    assert code == 0
    item = json.loads(out)["commits"][0]
    assert item["origin"] == "ai" and item["tools"] == ["Codex"]


@pytest.mark.parametrize("args, message", [
    (["HEAD", "--staged"], "give either RANGE or --staged, not both"),
    (["--message-file", "x"], "--message-file describes the pending commit; add --staged"),
    (["A...B"], "three-dot range"),
    (["no-such-ref"], "unknown revision 'no-such-ref'"),
])
def test_usage_errors_exit_2_with_one_line(repo: GitRepo, capsys: pytest.CaptureFixture[str],
                                           args: list[str], message: str) -> None:
    repo.commit("base", {"a.txt": "a\n"})
    code, out, err = run(repo, *args, capsys=capsys)
    assert code == 2 and out == ""
    assert err.startswith("vetgate: error: ") and message in err
    assert len(err.strip().splitlines()) == 1


def test_empty_repository(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(repo, capsys=capsys)
    assert code == 2
    assert "HEAD does not point at a commit yet" in err


def test_not_a_repository(tmp_path: os.PathLike[str], capsys: pytest.CaptureFixture[str]
                          ) -> None:
    code = main(["origin", "-C", str(tmp_path)])
    assert code == 2
    assert (f"{tmp_path} is not inside a git repository; run vetgate from a repository, or a "
            "bare or mirror clone (or pass -C DIR)") in capsys.readouterr().err


def test_console_script(repo: GitRepo) -> None:
    repo.commit("aider: x", {"a.txt": "a\n"})
    proc = subprocess.run([sys.executable, "-m", "vetgate", "origin", "--format", "json"],
                          cwd=repo.path, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["commits"][0]["origin"] == "ai"


def test_pending_text_shows_environment(repo: GitRepo, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    repo.write("a.txt", "a\n")
    repo.git("add", "a.txt")
    monkeypatch.setenv("CLAUDECODE", "1")
    code, out, _ = run(repo, "--staged", capsys=capsys)
    assert (code, out) == (0, "pending  ai  Claude Code\n"
                              "    environment CLAUDECODE=1  (Claude Code)\n"
                              "\n"
                              f"policy: {NO_STAGED_POLICY}\n")


def test_empty_range(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("base", {"a.txt": "a\n"})
    assert run(repo, "HEAD..HEAD", capsys=capsys) == (
        0, f"no commits in HEAD..HEAD\n\npolicy: {NO_POLICY}\n", "")
    code, out, _ = run(repo, "HEAD..HEAD", "--format", "json", capsys=capsys)
    assert (code, json.loads(out)) == (0, {"commits": [], "policy_source": NO_POLICY,
                                           "policy_notes": []})


def test_terminal_without_unicode_does_not_crash(repo: GitRepo) -> None:
    repo.commit("Fix\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n",
                {"a.txt": "a\n"})
    proc = subprocess.run([sys.executable, "-m", "vetgate", "origin"], cwd=repo.path,
                          capture_output=True, check=False,
                          env={**os.environ, "PYTHONIOENCODING": "latin-1"})
    assert proc.returncode == 0, proc.stderr
    assert b"\\U0001f916 Generated with [Claude Code]" in proc.stdout


def test_a_range_asks_git_once_for_names_and_once_for_commits(
        repo: GitRepo, tmp_path: os.PathLike[str]) -> None:
    base = repo.commit("base", {"a.txt": "a\n"})
    repo.commit(f"work\n\n{CLAUDE_TRAILER}\n", {"a.txt": "b\n"})
    trace = os.path.join(tmp_path, "trace")
    proc = subprocess.run([sys.executable, "-m", "vetgate", "origin", f"{base}..HEAD"],
                          cwd=repo.path, capture_output=True, text=True, check=False,
                          env={**os.environ, "GIT_TRACE": trace})
    assert proc.returncode == 0, proc.stderr
    with open(trace, encoding="utf-8") as handle:
        commands = [line.split("trace: built-in: git ", 1)[1].split()[0]
                    for line in handle if "trace: built-in: git " in line]
    # names, store, both sides and the git-ai notes refs (none) in one rev-parse; rev-list
    # piped into one cat-file --batch (the two start together: either may trace first); the
    # Agent Trace file
    assert commands[0] == "rev-parse"
    assert sorted(commands[1:3]) == ["cat-file", "rev-list"]
    assert commands[3:] == ["cat-file"]


def test_the_compiled_store_is_kept_and_used(repo: GitRepo) -> None:
    repo.commit("aider: x", {"a.txt": "a\n"})

    def origin() -> str:
        proc = subprocess.run([sys.executable, "-m", "vetgate", "origin"], cwd=repo.path,
                              capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    first = origin()
    store = repo.path / ".git" / "vetgate"
    assert sorted(name.split("-")[0] for name in os.listdir(store)) == ["catalog", "policy"]
    assert origin() == first


def test_a_missing_side_of_the_range_is_named(repo: GitRepo,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("base", {"a.txt": "a\n"})
    code, out, err = run(repo, "nosuchbranch..HEAD", capsys=capsys)
    assert (code, out) == (2, "")
    assert "unknown revision 'nosuchbranch'" in err
    code, out, err = run(repo, "--", "-x..HEAD", capsys=capsys)
    assert (code, out) == (2, "")
    assert "unknown revision '-x'" in err
    code, out, err = run(repo, "--", "HEAD..main..x", capsys=capsys)
    assert (code, out) == (2, "")
    assert "unknown revision 'main..x'" in err


def test_a_message_larger_than_what_git_writes_at_once(repo: GitRepo,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    base = repo.commit("base", {"a.txt": "a\n"})
    body = "".join(f"line {n} of a long description\n" for n in range(3000))  # ~100 KB
    big = repo.commit(f"Big change\n\n{body}\n{CLAUDE_TRAILER}\n", {"a.txt": "b\n"})
    small = repo.commit("small change", {"a.txt": "c\n"})
    code, out, _ = run(repo, f"{base}..HEAD", "--format", "json", capsys=capsys)
    assert code == 0
    commits = json.loads(out)["commits"]
    assert [(c["sha"], c["origin"]) for c in commits] == [(big, "ai"), (small, "unknown")]
    assert commits[0]["evidence"][0]["where"] == "trailer, message line 3004"


def test_old_layout_notes_are_read_by_origin(repo: GitRepo,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    sha = repo.commit("one", {"a.txt": "a\n"})
    legacy = json.dumps({"files": {"a.txt": {"authors": [{"author": "Claude", "lines": [1]}]}},
                         "schema_version": "authorship/0.0.1"})
    blob = repo.git("hash-object", "-w", "--stdin", input=legacy.encode()).strip()
    repo.git("update-ref", f"refs/ai/authorship/{sha}", blob)
    code, out, _ = run(repo, "--format", "json", capsys=capsys)
    assert code == 0
    [commit] = json.loads(out)["commits"]
    assert (commit["origin"], commit["evidence"][0]["detector"]) == ("ai", "note")
