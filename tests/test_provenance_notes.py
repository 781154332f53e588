"""Reading git-ai notes and Agent Trace files from real repositories (vetgate.changes.notes)."""

from __future__ import annotations

import json

from conftest import GitRepo
from vetgate.changes.notes import parse_trace_lines, read_agent_traces, read_ai_notes

NOTE = """src/app.py
  s_0123456789abcd::t_0123456789abcd 1-42
---
{"schema_version": "authorship/3.0.0", "base_commit_sha": "x", "prompts": {},
 "sessions": {"s_0123456789abcd": {"agent_id": {"tool": "claude", "id": "1", "model": "m"}}}}
"""


def test_no_notes_ref_gives_nothing(repo: GitRepo) -> None:
    sha = repo.commit("one", {"a.txt": "a\n"})
    assert read_ai_notes(str(repo.path), [sha]) == {}
    assert read_ai_notes(str(repo.path), []) == {}


def test_reads_notes_for_requested_commits_only(repo: GitRepo) -> None:
    first = repo.commit("one", {"a.txt": "a\n"})
    second = repo.commit("two", {"a.txt": "b\n"})
    third = repo.commit("three", {"a.txt": "c\n"})
    repo.git("notes", "--ref=ai", "add", "-m", NOTE.rstrip("\n"), first)
    repo.git("notes", "--ref=ai", "add", "-m", "other", third)
    notes = read_ai_notes(str(repo.path), [first, second])
    assert list(notes) == [first]
    assert notes[first].startswith("src/app.py\n  s_0123456789abcd")


def fast_import(repo: GitRepo, count: int, *, notes: bool) -> list[str]:
    """``count`` commits on main (and a git-ai note on each) with one `git fast-import`."""
    stream = []
    for i in range(count):
        message = f"c{i}".encode()
        stream.append(b"commit refs/heads/main\nmark :%d\n" % (i + 1))
        stream.append(b"committer A <a@x> %d +0000\n" % (1700000000 + i))
        stream.append(b"data %d\n%s\n" % (len(message), message))
    if notes:
        stream.append(b"commit refs/notes/ai\ncommitter A <a@x> 1700000000 +0000\n"
                      b"data 5\nnotes\n")
        for i in range(count):
            body = f"note-{i}".encode()
            stream.append(b"N inline :%d\ndata %d\n%s\n" % (i + 1, len(body), body))
    repo.git("fast-import", "--quiet", input=b"".join(stream))
    return repo.git("rev-list", "--reverse", "main").split()


def test_reads_many_notes_with_fanout(repo: GitRepo) -> None:
    shas = fast_import(repo, 600, notes=True)
    tree = repo.git("ls-tree", "refs/notes/ai")
    assert "tree" in tree  # fast-import fanned the notes out into subtrees
    notes = read_ai_notes(str(repo.path), shas)
    assert len(notes) == 600
    assert notes[shas[123]] == "note-123"


def test_old_layout_refs(repo: GitRepo) -> None:
    sha = repo.commit("one", {"a.txt": "a\n"})
    other = repo.commit("two", {"a.txt": "b\n"})
    legacy = json.dumps({"files": {"a.txt": {"authors": [{"author": "Claude", "lines": [1]}]}},
                         "schema_version": "authorship/0.0.1"})
    blob = repo.git("hash-object", "-w", "--stdin", input=legacy.encode()).strip()
    repo.git("update-ref", f"refs/ai/authorship/{sha}", blob)
    # a ref pointing at a commit (not a blob) is ignored, not a crash
    repo.git("update-ref", f"refs/ai/authorship/{other}", other)
    notes = read_ai_notes(str(repo.path), [sha, other])
    assert notes == {sha: legacy}


def test_new_notes_win_over_old_layout(repo: GitRepo) -> None:
    sha = repo.commit("one", {"a.txt": "a\n"})
    blob = repo.git("hash-object", "-w", "--stdin", input=b'{"files": {}}').strip()
    repo.git("update-ref", f"refs/ai/authorship/{sha}", blob)
    repo.git("notes", "--ref=ai", "add", "-m", "new", sha)
    assert read_ai_notes(str(repo.path), [sha])[sha].strip() == "new"


def test_agent_traces_at_a_revision(repo: GitRepo) -> None:
    first = repo.commit("one", {"a.txt": "a\n"})
    records = [
        {"version": "0.1.0", "id": "1", "vcs": {"type": "git", "revision": first.upper()},
         "files": []},
        {"version": "0.1.0", "id": "2", "vcs": {"type": "jj", "revision": "zzz"}, "files": []},
        {"version": "0.1.0", "id": "3", "files": []},
    ]
    text = "\n".join(json.dumps(r) for r in records) + "\nnot json\n[1, 2]\n"
    head = repo.commit("traces", {".agent-trace/traces.jsonl": text})
    traces = read_agent_traces(str(repo.path), head)
    assert list(traces) == [first]
    assert traces[first][0]["id"] == "1"
    assert read_agent_traces(str(repo.path), first) == {}  # no file at that revision


def test_parse_trace_lines_tolerates_junk() -> None:
    assert parse_trace_lines("") == {}
    assert parse_trace_lines('{"vcs": {"revision": 3}}\n{"vcs": "x"}\n{bad') == {}
