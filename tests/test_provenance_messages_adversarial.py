"""Adversarial commit messages, committed for real and judged by `vetgate check --base` against a
`forbid` rule: an AI-origin change to payments/ blocks (exit 1), a human one passes (exit 0).

Documented outcomes (docs/provenance.md, provenance/trailers.py): trailers are read the way git
reads them — only from the last paragraph, never the title — so a trailer look-alike in the body
is not a trailer; message markers such as the Claude Code footer count anywhere; look-alike
letters (Cyrillic, Greek, full-width) and invisible characters do not hide a mark; undecodable
bytes never crash the gate.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adversarial.harness import (
    CLAUDE_TRAILER,
    PAYMENTS_POLICY,
    Outcome,
    assert_decided,
    check,
    isolated_environment,
)
from conftest import GitRepo, make_repo

POLICY = PAYMENTS_POLICY

FOOTER = "🤖 Generated with [Claude Code](https://claude.com/claude-code)"
BLOCK, PASS = 1, 0

_counter = itertools.count(1)


@pytest.fixture(scope="module")
def gated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitRepo]:
    with isolated_environment(tmp_path_factory.mktemp("home")):
        repo = make_repo(tmp_path_factory.mktemp("messages") / "repo")
        repo.commit("policy", {".vetgate.yaml": POLICY, "payments/pay.py": "x = 0\n"})
        yield repo


def commit_message(repo: GitRepo, message: bytes, *, encoding: str | None = None,
                   cleanup: str | None = None, author: str | None = None) -> str:
    """Change payments/ and commit with exactly ``message`` (bytes, via -F); return the base."""
    number = next(_counter)
    repo.write("payments/pay.py", f"x = {number}\n")
    repo.git("add", "-A")
    message_file = repo.path.parent / f"msg-{number}"
    message_file.write_bytes(message)
    args = []
    if encoding:
        args += ["-c", f"i18n.commitEncoding={encoding}"]
    args += ["commit", "-q", "--no-verify", "--allow-empty-message", "-F", str(message_file)]
    if cleanup:
        args.append(f"--cleanup={cleanup}")
    if author:
        args.append(f"--author={author}")
    base = repo.head()
    repo.git(*args)
    return base


def judge(repo: GitRepo, capsys: Any, base: str) -> Outcome:
    outcome = check(repo.path, capsys, "--base", base)
    assert_decided(outcome, PASS, BLOCK)
    return outcome


def assert_verdict(repo: GitRepo, capsys: Any, message: str | bytes, expected: int,
                   **options: Any) -> Outcome:
    raw = message.encode("utf-8") if isinstance(message, str) else message
    outcome = judge(repo, capsys, commit_message(repo, raw, **options))
    assert outcome.code == expected, outcome.describe()
    return outcome


# --- bytes that are not UTF-8 -------------------------------------------------------------------

@pytest.mark.parametrize("message, expected", [
    pytest.param(b"charge \xff\xfe\n\n" + CLAUDE_TRAILER.encode() + b"\n", BLOCK, id="ai"),
    pytest.param(b"charge \xff\xfe\x80\n\nbody \xc3\x28\n", PASS, id="human"),
    pytest.param(b"\xff\n\nCo-Authored-By: Cl\xe4ude <noreply@anthropic.com>\n", BLOCK,
                 id="bad-byte-in-trailer-name"),
    pytest.param(b"subject\n\nCo-Authored-By: Claude <noreply@anthropic.com>\xff\n", BLOCK,
                 id="bad-byte-after-trailer"),
])
def test_invalid_utf8_messages(gated: GitRepo, capsys: Any, message: bytes,
                               expected: int) -> None:
    assert_verdict(gated, capsys, message, expected)


@pytest.mark.parametrize("encoding, message, expected", [
    pytest.param("latin-1", "Café\n\n" + CLAUDE_TRAILER + "\n", BLOCK, id="latin-1-ai"),
    pytest.param("latin-1", "Café à la crème\n", PASS, id="latin-1-human"),
    pytest.param("shift_jis", "決済\n\n" + CLAUDE_TRAILER + "\n", BLOCK, id="shift-jis-ai"),
    pytest.param("x-no-such-encoding", "plain\n\n" + CLAUDE_TRAILER + "\n", BLOCK,
                 id="bogus-encoding-header"),
])
def test_messages_in_legacy_encodings(gated: GitRepo, capsys: Any, encoding: str, message: str,
                                      expected: int) -> None:
    codec = "utf-8" if encoding.startswith("x-") else encoding
    assert_verdict(gated, capsys, message.encode(codec), expected, encoding=encoding)


# --- size ---------------------------------------------------------------------------------------

MEGABYTE = 1 << 20


@pytest.mark.parametrize("message, expected", [
    pytest.param("big body\n\n" + ("lorem ipsum " * 80 + "\n") * (MEGABYTE // 970) + "\n"
                 + CLAUDE_TRAILER + "\n", BLOCK, id="1MB-body-then-trailer"),
    pytest.param("big body\n\n" + ("lorem ipsum " * 80 + "\n") * (MEGABYTE // 970), PASS,
                 id="1MB-body-human"),
    pytest.param("many trailers\n\n" + "Signed-off-by: A U Thor <a@example.com>\n" * 25_000
                 + CLAUDE_TRAILER + "\n", BLOCK, id="25k-trailers"),
    pytest.param("one giant trailer\n\nX-Padding: " + "p" * MEGABYTE + "\n" + CLAUDE_TRAILER
                 + "\n", BLOCK, id="1MB-trailer-value"),
    pytest.param("continuation\n\nX-Padding: a\n" + " continued\n" * 50_000 + CLAUDE_TRAILER
                 + "\n", BLOCK, id="50k-continuation-lines"),
    pytest.param("s" * MEGABYTE + "\n\n" + CLAUDE_TRAILER + "\n", BLOCK, id="1MB-subject"),
    pytest.param("repeated\n\n" + (CLAUDE_TRAILER + "\n") * 10_000, BLOCK,
                 id="10k-identical-trailers"),
])
def test_giant_messages(gated: GitRepo, capsys: Any, message: str, expected: int) -> None:
    assert_verdict(gated, capsys, message, expected)


def test_long_runs_of_blanks_in_a_trailer_are_linear(tmp_path: Path) -> None:
    """A hang guard, not a benchmark: patterns like `^(.*?)\\s*<` once backtracked
    quadratically on long runs of blanks (20,000 blanks: ~1 s; 1 MB: hours). A linear parser
    classifies these three messages in milliseconds; the bound is 100x that."""
    trailers = ["Co-authored-by: x{blanks}y", "Co-authored-by: x ({blanks}y",
                "Сo-authored-by: x{blanks}y"]  # Cyrillic С: the disguised-trailer path
    script = textwrap.dedent(f"""
        from vetgate.changes.model import Commit, Identity
        from vetgate.provenance.classify import Classifier
        who = Identity("H", "h@example.com")
        classifier = Classifier()
        for trailer in {trailers!r}:
            message = "subject\\n\\n" + trailer.format(blanks=" " * 200_000) + "\\n"
            classifier.classify(Commit("a" * 40, (), who, who, 0, 0, message))
    """)
    subprocess.run([sys.executable, "-c", script], cwd=tmp_path, check=True, timeout=5)


# --- where a mark is written --------------------------------------------------------------------

@pytest.mark.parametrize("message, expected", [
    # SPEC §3 "Position": a whole co-author line naming an agent is a mark anywhere after the
    # subject; quoted, indented and fenced lines stay prose.
    pytest.param(f"fix\n\n{CLAUDE_TRAILER}\n\nThanks to the reviewers.\n", BLOCK,
                 id="trailer-in-body"),
    pytest.param(f"fix\n\nQuoting the old commit:\n{CLAUDE_TRAILER}\nend of quote.\n", BLOCK,
                 id="trailer-line-inside-prose"),
    pytest.param(f"fix\n\nQuoting the old commit:\n> {CLAUDE_TRAILER}\nend of quote.\n", PASS,
                 id="trailer-quoted"),
    pytest.param(f"fix\n\nAgents add:\n\n    {CLAUDE_TRAILER}\n\nThanks.\n", PASS,
                 id="trailer-indented-code"),
    pytest.param(f"fix\n\n~~~\n{CLAUDE_TRAILER}\n~~~\nThanks.\n", PASS,
                 id="trailer-fenced-code"),
    pytest.param(f"fix\n\nWe dropped `{CLAUDE_TRAILER}` from the template.\n", PASS,
                 id="trailer-inline-in-prose"),
    pytest.param(f"{CLAUDE_TRAILER}\n", PASS, id="trailer-as-the-title"),
    pytest.param(f"fix\n\n{FOOTER}\n\nmore text\n", BLOCK, id="footer-in-body"),
    # Footers are line marks (catalog line_prefixes): quoted inside prose they are prose.
    pytest.param(f"fix\n\nsome text {FOOTER} inline\n", PASS, id="footer-quoted-in-prose"),
    pytest.param(f"{FOOTER}\n", BLOCK, id="footer-as-title"),
    pytest.param(f"fix\n\n{CLAUDE_TRAILER.upper()}\n", BLOCK, id="upper-case-trailer"),
    pytest.param("fix\n\nco-authored-by  :  Claude <noreply@anthropic.com>\n", BLOCK,
                 id="blanks-before-colon"),
    pytest.param(f"fix\n\nSigned-off-by: A <a@example.com>\nnot a trailer\n{CLAUDE_TRAILER}\n",
                 BLOCK, id="mixed-block-with-git-generated-trailer"),
    pytest.param("fix\n\nCo-authored-by: Claude Dupont <claude.dupont@example.org>\n", PASS,
                 id="human-named-claude"),
    pytest.param("fix\n\nCo-authored-by: Jane Roe <jane@anthropic.com>\n", PASS,
                 id="human-at-vendor-domain"),
    pytest.param("fix\n\nGenerated-by: protoc 25.1\n", PASS, id="code-generator"),
    pytest.param("", PASS, id="empty-message"),
])
def test_where_marks_are_written(gated: GitRepo, capsys: Any, message: str,
                                 expected: int) -> None:
    assert_verdict(gated, capsys, message, expected,
                   cleanup="verbatim" if not message else None)


@pytest.mark.parametrize("value", [
    pytest.param("Claude <noreply@anthropic.com>.", id="full-stop"),
    pytest.param("Claude <noreply@anthropic.com> (via the agent)", id="word"),
    pytest.param("Claude <noreply@anthropic.com>\u200b", id="zero-width-space"),
    pytest.param("Claude <noreply@anthropic.com> <hannah@example.com>", id="second-address"),
])
def test_text_after_the_agent_address_does_not_hide_it(gated: GitRepo, capsys: Any,
                                                       value: str) -> None:
    """Every `<address>` of a co-author value counts, whatever text surrounds it."""
    assert_verdict(gated, capsys, f"charge\n\nCo-Authored-By: {value}\n", BLOCK)


def test_crlf_message_kept_verbatim(gated: GitRepo, capsys: Any) -> None:
    message = f"fix\r\n\r\n{CLAUDE_TRAILER}\r\n"
    assert_verdict(gated, capsys, message, BLOCK, cleanup="verbatim")


# --- look-alike letters and invisible characters ------------------------------------------------

EVASIONS = {
    "cyrillic-name-and-domain": "Co-Authored-By: Сlaude <noreply@аnthropic.com>",
    "greek-omicron": "Co-Authored-By: Claude <n\u03bfreply@anthropic.com>",
    "zero-width-space": "Co-Authored-By: Clau\u200bde <noreply@anthropic\u200b.com>",
    "zero-width-joiner": "Co-Authored-By: Claude <nore\u200dply@anthropic.com>",
    "soft-hyphen": "Co-Authored-By: Claude <noreply@anthro\u00adpic.com>",
    "word-joiner-and-bom": "Co-Authored-By: Claude <\u2060noreply@\ufeffanthropic.com>",
    "bidi-override": "Co-Authored-By: Claude <\u202enoreply@anthropic.com\u202c>",
    "full-width": "Co-Authored-By: Claude <ｎｏｒｅｐｌｙ＠ａｎｔｈｒｏｐｉｃ．ｃｏｍ>",
    "combining-accent": "Co-Authored-By: Claude <nore\u0301ply@anthropic.com>",
    "cyrillic-trailer-key": "Со-Authored-By: Claude <noreply@anthropic.com>",
    "zero-width-in-key": "Co-Authored\u200b-By: Claude <noreply@anthropic.com>",
    "full-width-colon": "Co-Authored-By： Claude <noreply@anthropic.com>",
    "mixed-case-domain": "Co-Authored-By: Claude <NoReply@AnThRoPiC.CoM>",
    "cyrillic-footer": "🤖 Generated with [Сlaude Сode](https://claude.com/claude-code)",
    "zero-width-footer": "🤖 Generated with [Clau\u200bde Code](https://claude.com/claude-code)",
}


@pytest.mark.parametrize("mark", list(EVASIONS.values()), ids=list(EVASIONS))
def test_look_alike_and_invisible_evasions_are_still_ai(gated: GitRepo, capsys: Any,
                                                        mark: str) -> None:
    outcome = assert_verdict(gated, capsys, f"charge\n\n{mark}\n", BLOCK)
    assert outcome.data is not None
    (commit,) = outcome.data["commits"]
    assert commit["origin"] == "ai"
    assert commit["evidence"], "the evidence must show what matched"


@pytest.mark.parametrize("author", [
    "Сlaude <noreply@аnthropic.com>",
    "Claude <noreply@anthropic\u200b.com>",
    "claude[bot] <209825114+claude[bot]@users.noreply.github.com>",
    "Clаude[bоt] <209825114+claude[bot]@users.noreply.github.com>",
])
def test_look_alike_agent_identities_are_still_ai(gated: GitRepo, capsys: Any,
                                                  author: str) -> None:
    assert_verdict(gated, capsys, "charge\n", BLOCK, author=author)
