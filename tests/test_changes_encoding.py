"""Issue 17, class 1: a commit's ``encoding`` header cannot hide who wrote it.

git re-encodes the whole commit buffer (headers included) from the declared encoding when it
formats a commit, so ``git -c i18n.commitEncoding=IBM037 commit`` made the author, the
co-author trailer and vetgate-mark's declaration come back empty from ``git log --format``.
vetgate reads the commit objects' bytes itself and decodes them both as UTF-8 and as declared.
These tests build the attack from nothing with real git, over the whole class: every encoding
git's iconv knows whose reading of the marks differs from ASCII.
"""

from __future__ import annotations

import codecs
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from adversarial.harness import PAYMENTS_POLICY, Outcome, assert_decided, check
from conftest import GitRepo
from vetgate.changes.commits import parse_commit_object
from vetgate.main import main

AUTHOR = b"Claude <noreply@anthropic.com>"
MESSAGE = ("charge\n\nCo-Authored-By: Claude <noreply@anthropic.com>\nAI-Assisted: claude-code\n")
# Encodings Python knows that are not ASCII-compatible (always tested, iconv or not).
PYTHON_CLASS = ("IBM037", "CP1026", "CP500", "CP273", "CP875", "CP1140", "IBM424", "UTF-16",
                "UTF-16LE", "UTF-16BE", "UTF-32", "UTF-32LE", "UTF-32BE", "UTF-7")
PROBE = (b"author Claude <noreply@anthropic.com> 1 +0000\n\n"
         b"Co-Authored-By: AI-Assisted: claude-code [bot] 0123456789\n")


def _iconv_class() -> list[str]:
    """Every encoding the system's iconv (git's converter) knows that changes the probe."""
    if shutil.which("iconv") is None:
        return []
    listing = subprocess.run(["iconv", "-l"], capture_output=True, text=True, check=False).stdout
    names = [name.strip().rstrip("/") for name in listing.replace(",", "\n").split("\n")]
    found = []
    for name in dict.fromkeys(n for n in names if n and n.isprintable() and " " not in n):
        proc = subprocess.run(["iconv", "-f", name, "-t", "UTF-8"], input=PROBE,
                              capture_output=True, check=False)
        if proc.returncode != 0 or proc.stdout != PROBE:
            found.append(name)
    return found


def encoding_class() -> list[str]:
    return list(dict.fromkeys([*PYTHON_CLASS, *_iconv_class()]))


def fast_import_commits(repo: GitRepo, encodings: list[str], message: bytes) -> list[str]:
    """One real commit per encoding (``encoding`` header as ``i18n.commitEncoding`` writes
    it), in one ``git fast-import``; their shas in order."""
    stream = io.BytesIO()
    for number, name in enumerate(encodings, start=1):
        stream.write(b"commit refs/heads/enc\nmark :%d\n" % number)
        stream.write(b"author " + AUTHOR + b" 1700000000 +0000\n")
        stream.write(b"committer Hannah Human <hannah@example.com> 1700000000 +0000\n")
        stream.write(b"encoding " + name.encode() + b"\n")
        stream.write(b"data %d\n" % len(message) + message + b"\n")
        if number == 1:
            stream.write(b"from refs/heads/main\n")
        stream.write(b"M 100644 inline payments/f%d.py\ndata 2\nx\n\n" % number)
    marks = repo.path / "marks"
    repo.git("fast-import", "--quiet", f"--export-marks={marks}", input=stream.getvalue())
    by_mark = dict(line.split() for line in marks.read_text().splitlines())
    return [by_mark[f":{n}"] for n in range(1, len(encodings) + 1)]


def origin_json(repo: GitRepo, capsys: Any, spec: str) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert main(["origin", "-C", str(repo.path), spec, "--format", "json"]) == 0
    return list(json.loads(capsys.readouterr().out)["commits"])


def test_every_encoding_of_the_class_still_shows_author_trailer_and_declaration(
        repo: GitRepo, capsys: Any) -> None:
    repo.commit("base", {"README.md": "r\n"})
    encodings = encoding_class()
    shas = fast_import_commits(repo, encodings, MESSAGE.encode())
    # The attack is real: git's own formats lose the author for the IBM037 commit.
    hidden = repo.git("log", "-1", "--format=%ae", shas[0]).strip()
    assert hidden != "noreply@anthropic.com"
    commits = origin_json(repo, capsys, "main..enc")
    assert [c["sha"] for c in commits] == shas
    for name, item in zip(encodings, commits, strict=True):
        entries = {(e["detector"], e["where"].split(" (")[0]) for e in item["evidence"]}
        assert item["origin"] == "ai", (name, item)
        assert ("identity", "author") in entries, (name, item)
        trailers = [e["detail"] for e in item["evidence"] if e["detector"] == "trailer"]
        assert "Co-Authored-By: Claude <noreply@anthropic.com>" in trailers, (name, item)
        assert "AI-Assisted: claude-code" in trailers, (name, item)


def test_marks_written_in_the_declared_encoding_are_read_as_declared(repo: GitRepo,
                                                                     capsys: Any) -> None:
    """The honest case: the message really is EBCDIC (or UTF-16) and says so."""
    repo.commit("base", {"README.md": "r\n"})
    names = ["IBM037", "UTF-16", "CP1026"]
    stream_shas = []
    for name in names:
        sha = fast_import_commits(repo, [name], MESSAGE.encode(codecs.lookup(name).name))[0]
        repo.git("update-ref", "refs/heads/main", sha)
        stream_shas.append(sha)
    for sha, name in zip(stream_shas, names, strict=True):
        (item,) = origin_json(repo, capsys, sha)
        trailers = [e for e in item["evidence"] if e["detector"] == "trailer"]
        assert item["origin"] == "ai"
        assert item["subject"] == "charge", name
        assert {e["detail"] for e in trailers} == {
            "Co-Authored-By: Claude <noreply@anthropic.com>", "AI-Assisted: claude-code"}


def test_a_human_declaration_hidden_from_utf8_is_still_read(repo: GitRepo, capsys: Any) -> None:
    repo.commit("base", {"README.md": "r\n"})
    message = "by hand\n\nAI-Assisted: no\n".encode("cp037")
    sha = fast_import_commits(repo, ["IBM037"], message)[0]
    (item,) = origin_json(repo, capsys, sha)
    assert item["origin"] == "ai"  # the author is Claude, read from the raw bytes
    kinds = {e["kind"] for e in item["evidence"]}
    assert kinds == {"ai", "human"}
    assert [(e["kind"], e["where"]) for e in item["evidence"]] == [
        ("human", "trailer, message line 3"),
        ("ai", "author (commit read as UTF-8, ignoring its encoding header IBM037)")]


def test_latin1_commit_keeps_its_text() -> None:
    data = (b"tree " + b"0" * 40 + b"\nauthor Ren\xe9 <rene@example.com> 1700000000 +0100\n"
            b"committer Ren\xe9 <rene@example.com> 1700000001 +0100\nencoding ISO-8859-1\n\n"
            b"caf\xe9\n")
    commit = parse_commit_object("a" * 40, data)
    assert (commit.author.name, commit.subject, commit.author_time, commit.commit_time) == (
        "René", "café", 1700000000, 1700000001)
    assert commit.encoding == "ISO-8859-1"
    assert [r.how for r in commit.other_readings] == [
        "as UTF-8, ignoring its encoding header ISO-8859-1"]
    assert commit.unreadable == ""


def _literal_commit(repo: GitRepo, author_line: bytes, message: str) -> str:
    repo.write("payments/charge.py", "c = 1\n")
    repo.git("add", "-A")
    tree = repo.git("write-tree").strip()
    body = (f"tree {tree}\nparent {repo.head()}\n".encode() + author_line
            + b"committer Hannah Human <hannah@example.com> 1700000000 +0000\n\n"
            + message.encode())
    sha = repo.git("hash-object", "-t", "commit", "-w", "--literally", "--stdin",
                   input=body).strip()
    repo.git("update-ref", "refs/heads/main", sha)
    return sha


@pytest.mark.parametrize("author_line", [
    b"", b"author Claude noreply@anthropic.com 1700000000 +0000\n",
], ids=["missing", "no-address"])
def test_an_unreadable_author_is_undecided_never_human(repo: GitRepo, capsys: Any,
                                                       author_line: bytes) -> None:
    repo.commit("base", {"README.md": "r\n"})
    sha = _literal_commit(repo, author_line, "charge\n\nAI-Assisted: no\n")
    (item,) = origin_json(repo, capsys, sha)
    assert item["origin"] == "unknown"
    undecided = [e for e in item["evidence"] if e["kind"] == "undecided"]
    problem = "is missing" if not author_line else "has no <address>"
    assert [e["detail"] for e in undecided] == [
        f"the commit cannot be read: its author header {problem}"]
    capsys.readouterr()
    assert main(["origin", "-C", str(repo.path), sha]) == 0
    assert "(undecided)" in capsys.readouterr().out


def test_an_encoding_python_cannot_decode_is_undecided(repo: GitRepo, capsys: Any) -> None:
    repo.commit("base", {"README.md": "r\n"})
    sha = fast_import_commits(repo, ["X-NO-SUCH-CHARSET"], b"by hand\n\nAI-Assisted: no\n")[0]
    # fast-import wrote the author as Claude; a human author shows the undecided verdict.
    repo.git("update-ref", "refs/heads/main", sha)
    data = repo.git("cat-file", "commit", sha).replace(
        "Claude <noreply@anthropic.com>", "Hannah Human <hannah@example.com>")
    human = repo.git("hash-object", "-t", "commit", "-w", "--stdin",
                     input=data.encode()).strip()
    (item,) = origin_json(repo, capsys, human)
    assert item["origin"] == "unknown"
    assert [e["detail"] for e in item["evidence"] if e["kind"] == "undecided"] == [
        "the commit cannot be read: its encoding header names 'X-NO-SUCH-CHARSET', which "
        "vetgate cannot decode (it was read as UTF-8)"]


# --- the gate: --base, pre-push and --ci all block --------------------------------------------


@pytest.fixture
def gated(repo: GitRepo) -> GitRepo:
    repo.commit("policy", {".vetgate.yaml": PAYMENTS_POLICY, "payments/pay.py": "p = 0\n"})
    return repo


def encoded_commit(repo: GitRepo, encoding: str, *, author: str | None = None,
                   message: str = MESSAGE) -> str:
    repo.write("payments/charge.py", f"c = '{encoding}'\n")
    repo.git("add", "-A")
    args = ["-c", f"i18n.commitEncoding={encoding}", "commit", "-q", "--no-verify", "-m", message]
    if author:
        args.append(f"--author={author}")
    repo.git(*args)
    return repo.head()


def judge(repo: GitRepo, capsys: Any, *args: str, expect: int) -> Outcome:
    outcome = check(repo.path, capsys, *args)
    assert_decided(outcome, expect)
    return outcome


@pytest.mark.parametrize("encoding", ["IBM037", "CP1026", "UTF-16"])
@pytest.mark.parametrize("mark", ["author", "co-author", "declaration"])
def test_base_check_blocks_each_hidden_mark(gated: GitRepo, capsys: Any, encoding: str,
                                            mark: str) -> None:
    base = gated.head()
    message = {"author": "charge\n", "co-author": "charge\n\nCo-Authored-By: Claude "
               "<noreply@anthropic.com>\n", "declaration": "charge\n\nAI-Assisted: claude-code\n"}
    encoded_commit(gated, encoding, message=message[mark],
                   author="Claude <noreply@anthropic.com>" if mark == "author" else None)
    outcome = judge(gated, capsys, "--base", base, expect=1)
    assert outcome.data is not None
    assert outcome.data["commits"][0]["origin"] == "ai"


def test_pre_push_blocks_an_ibm037_commit(gated: GitRepo, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    remote = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    gated.git("remote", "add", "origin", str(remote))
    gated.git("push", "-q", "--no-verify", "origin", "main")
    gated.git("fetch", "-q", "origin")
    base = gated.head()
    head = encoded_commit(gated, "IBM037")
    monkeypatch.chdir(gated.path)
    line = f"refs/heads/main {head} refs/heads/main {base}\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(line.encode())))
    assert main(["hook", "pre-push", "origin", str(remote)]) == 1
    assert "main: the policy blocks this push" in capsys.readouterr().out


def test_ci_blocks_an_ibm037_commit(gated: GitRepo, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    base = gated.head()
    gated.git("switch", "-q", "-c", "feat")
    head = encoded_commit(gated, "IBM037")
    monkeypatch.chdir(gated.path)
    for name, value in {"GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "merge_request_event",
                        "CI_MERGE_REQUEST_DIFF_BASE_SHA": base, "CI_COMMIT_SHA": head,
                        "CI_MERGE_REQUEST_IID": "7", "CI_MERGE_REQUEST_LABELS": "",
                        "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "feat"}.items():
        monkeypatch.setenv(name, value)
    outcome = judge(gated, capsys, "--ci", expect=1)
    assert outcome.data is not None
    assert outcome.data["commits"][0]["origin"] == "ai"
