"""Issue 17, class 4: disguised trailers, over the whole of Unicode's confusables data.

Every character of ``confusables.json`` (generated from UTS #39 by tools/gen_confusables.py)
that looks like a character the matchers use — a letter or digit of an agent's address, ``-`` in
a trailer key, ``:`` as its separator, ``@ . < > + [ ]`` — is put in place of that character in
real agent marks, and the mark must still be found.
"""

from __future__ import annotations

import json
import unicodedata
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vetgate.changes.model import Commit, Identity
from vetgate.provenance.classify import Classifier
from vetgate.provenance.normalize import confusables, fold

HANNAH = Identity("Hannah Human", "hannah@example.com")
MARKS = (
    "Co-Authored-By: Claude <noreply@anthropic.com>",
    "Co-authored-by: Copilot <198982749+Copilot@users.noreply.github.com>",
    "Co-authored-by: Devin AI <158243242+devin-ai-integration[bot]@users.noreply.github.com>",
    "Co-authored-by: Continue <230936708+continue[bot]@users.noreply.github.com>",
    "Co-authored-by: Junie <junie@jetbrains.com>",
    "Co-authored-by: Qwen-Coder <qwen-coder@alibabacloud.com>",
    "Co-authored-by: Cascade <cascade@windsurf.ai>",
    "Co-authored-by: Oz <oz-agent@warp.dev>",
    "Co-authored-by: Codex <codex@openai.com>",
    "AI-Assisted: yes",
)
# Characters a matcher compares: everything in the marks above.
MATTER = frozenset("".join(MARKS).lower()) - {" "}
TABLE = confusables()
CLASSIFIER = Classifier()


def _entries() -> list[tuple[str, str]]:
    """(look-alike, ASCII character) for every single-character target that matters."""
    return sorted((ch, target) for ch, target in TABLE.items()
                  if len(target) == 1 and target in MATTER)


ENTRIES = _entries()


def _is_ai(line: str) -> bool:
    commit = Commit(sha="a" * 40, parents=(), author=HANNAH, committer=HANNAH,
                    author_time=0, commit_time=0, message=f"change\n\n{line}\n")
    return CLASSIFIER.classify(commit).origin == "ai"


def _disguise(mark: str, lookalike: str, target: str, which: int | None = None) -> str:
    """``mark`` with its ``which``-th occurrence of ``target`` (any case; all when None)
    replaced by ``lookalike``."""
    out = []
    seen = 0
    for ch in mark:
        if ch.lower() == target and (which is None or seen == which):
            out.append(lookalike)
        else:
            out.append(ch)
        seen += ch.lower() == target
    return "".join(out)


def test_the_table_covers_the_classes_the_review_found() -> None:
    for ch in "\u2010\u2011\u2012\u2013\u2014\u2212":
        assert TABLE[ch] == "-", hex(ord(ch))
    assert all(TABLE[chr(c)] == "-" for c in range(0x80, 0x110000)
               if unicodedata.category(chr(c)) == "Pd"
               and not unicodedata.normalize("NFKD", chr(c)).isascii())
    for ch in "\ua789\u2236\u02d0\u0589":
        assert TABLE[ch] == ":", hex(ord(ch))
    assert TABLE["\u03f2"] == "c"  # Greek lunate sigma, which NFKD would turn into ς
    covered = {target for _ch, target in ENTRIES}
    assert covered >= set("-:.<>abcdeghijlnoprstuvwyz0123456789")


def test_the_data_file_names_its_source() -> None:
    data = json.loads(resources.files("vetgate.provenance").joinpath("confusables.json")
                      .read_text(encoding="utf-8"))
    assert data["source"].startswith("Unicode UTS #39 confusables.txt, version ")
    assert data["generator"] == "tools/gen_confusables.py"


@pytest.mark.parametrize(("lookalike", "target"), ENTRIES,
                         ids=[f"U+{ord(ch):04X}->{t}" for ch, t in ENTRIES])
def test_every_lookalike_in_every_mark_still_marks(lookalike: str, target: str) -> None:
    used = [mark for mark in MARKS if target in mark.lower()]
    assert used, target
    for mark in used:
        disguised = _disguise(mark, lookalike, target)
        assert fold(disguised) == fold(mark), (disguised, fold(disguised))
        assert _is_ai(disguised), disguised


# 100 examples, not 400: every single look-alike in every mark is checked exhaustively by
# test_every_lookalike_in_every_mark_still_marks above; this property only adds the mixing.
@settings(max_examples=100, deadline=None)
@given(st.data())
def test_any_mix_of_lookalikes_still_marks(data: st.DataObject) -> None:
    mark = data.draw(st.sampled_from(MARKS))
    by_target: dict[str, list[str]] = {}
    for ch, target in ENTRIES:
        by_target.setdefault(target, []).append(ch)
    disguised = "".join(
        data.draw(st.sampled_from([ch, *by_target.get(ch.lower(), [])])) for ch in mark)
    assert _is_ai(disguised), disguised


@pytest.mark.parametrize("line", [
    "Co-Authored-By: Claude Dupont <claude.dupont@example.org>",
    "Co\u2010authored\u2010by: Hannah <hannah@example.com>",
    "Reviewed\u2011by\ua789 Claude <noreply@anthropic.com>",
])
def test_lookalikes_do_not_create_marks(line: str) -> None:
    assert not _is_ai(line)
