"""The shortcuts `vetgate origin` takes through whole histories decide nothing on their own.

Each shortcut (the common commit object read in a few steps, the classifier's prefilters and
its memory of authors) is checked against the exhaustive path it stands in for: the same
commit, the same verdict and evidence, on the labelled corpus, the catalog's look-alikes and
generated messages built from the pieces the detectors look for.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from test_provenance_corpus import CORPUS, HANNAH, build, identity, origin_config
from test_provenance_trailers import git_parse
from vetgate.changes.commits import _plain_commit, _read_commit, parse_commit_object
from vetgate.changes.model import Commit, Identity
from vetgate.changes.trailers import _plain_trailers, parse_trailers
from vetgate.policy.model import MarkerConfig, OriginConfig, TrailerPattern
from vetgate.provenance.catalog import load_catalog
from vetgate.provenance.classify import Classifier
from vetgate.provenance.model import CommitOrigin, ProvenanceContext
from vetgate.provenance.serialize import commit_origin_to_json

SHA = "0123456789abcdef0123456789abcdef01234567"


def _general_trailers(message: str) -> tuple[object, ...]:
    """parse_trailers by git's walk alone: the divider mode takes no shortcut, and without a
    ``---`` line it reads what the default mode reads."""
    assert "\n---" not in message and not message.startswith("---")
    return parse_trailers(message, divider=True)

EMPTY = ProvenanceContext()


class _Everything(frozenset[str]):
    """A key set that holds every key."""

    def __contains__(self, item: object) -> bool:
        return True


class Exhaustive(Classifier):
    """The classifier with every shortcut off: each detector reads each commit."""

    def __init__(self, config: OriginConfig) -> None:
        super().__init__(config)
        self._mark_key_set = _Everything()
        self._line_prefix_search = lambda text: True  # type: ignore[assignment,return-value]

    def _may_mark_trailers(self, message: str, folded: str) -> bool:
        return True

    def classify(self, commit: Commit, context: ProvenanceContext = EMPTY) -> CommitOrigin:
        self._people_seen.clear()
        self._trailer_marks.clear()
        return super().classify(commit, context)


# One classifier per configuration for every case: what it remembers from one commit must not
# change the next one's verdict.
FAST: dict[OriginConfig, Classifier] = {}


def same(config: OriginConfig, commit: Commit, context: ProvenanceContext | None = None
         ) -> CommitOrigin:
    context = context or ProvenanceContext()
    fast = FAST.setdefault(config, Classifier(config)).classify(commit, context)
    slow = Exhaustive(config).classify(commit, context)
    assert commit_origin_to_json(fast) == commit_origin_to_json(slow)
    assert fast == slow
    return fast


@pytest.mark.parametrize("case", CORPUS, ids=[c["name"] for c in CORPUS])
def test_corpus_case_is_judged_as_without_shortcuts(case: dict[str, Any]) -> None:
    commit, context = build(case)
    same(origin_config(case.get("config")), commit, context)


@pytest.mark.parametrize("example", load_catalog().not_ai, ids=lambda e: e.id)
def test_look_alike_is_judged_as_without_shortcuts(example: Any) -> None:
    author = identity(example.author or HANNAH)
    committer = identity(example.committer) if example.committer else author
    same(OriginConfig(), Commit(SHA, (), author, committer, 0, 0,
                                example.message or "Change things"))


def test_a_repeated_author_keeps_its_marks() -> None:
    classifier = Classifier()
    agent = Identity("Claude", "noreply@anthropic.com")
    human = Identity("Hannah Human", "hannah@example.com")
    verdicts = [classifier.classify(Commit(SHA, (), author, human, 0, 0, "Change\n")).origin
                for author in (agent, human, agent, human)]
    assert verdicts == ["ai", "unknown", "ai", "unknown"]


POLICY = OriginConfig(markers=MarkerConfig(
    trailers=(TrailerPattern("Reviewed-With", "bot*"), TrailerPattern("X-Made-By", None)),
    identities=("*@bots.example.com",), messages=("[auto]",)))
PIECES = [
    "Co-authored-by: ", "Co-Authored-By: ", "Signed-off-by: ", "co-authored-by:", "Assisted-by: ",
    "Generated-by: ", "AI-Assisted: ", "Reviewed-With: ", "X-Made-By: ", "Executed-By: ",
    "Claude <noreply@anthropic.com>", "Dev <dev@example.com>", "<cursoragent@cursor.com>",
    "41898282+claude[bot]@users.noreply.github.com", "noreply@anthropic.com.evil",
    "bot one", "beads/crew/emma", "yes", "no", "claude", "  ", "\t", ":", "@", "> ", "```",
    "\n", "\n\n", "\n\n", "Squashed commit of the following:", "commit 0123456789abcdef\n",
    "Author: Claude <noreply@anthropic.com>\n", "    ", "Generated with [Claude Code]",
    "_claude-opus on behalf of dev_", "cursor.com/agents/bc-1", "[auto]", "aider: ",
    "Ｃo-authored-by", "noreply@аnthropic.com", "\u200b", "# comment\n", "Conflicts:\n",
    "(cherry picked from commit ",
]


CONFIGS = [OriginConfig(), POLICY, OriginConfig(builtin=False, markers=POLICY.markers)]


@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=14), st.sampled_from(CONFIGS))
def test_generated_message_is_judged_as_without_shortcuts(pieces: list[str],
                                                          config: OriginConfig) -> None:
    human = Identity("Hannah Human", "hannah@example.com")
    same(config, Commit(SHA, (), human, human, 0, 0, "Subject\n" + "".join(pieces)))


OBJECTS = [
    b"tree t\nparent p1\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 2 +0000\n\nmsg\n",
    b"tree t\nparent p1\nparent p2\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 2 +0000\n\nm\n",
    b"tree t\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 2 +0000\ngpgsig -----BEGIN\n x\n y\n"
    b" -----END\n\nsigned\n",
    b"tree t\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 2 +0000\nencoding ISO-8859-1\n\n\xe9\n",
    b"tree t\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 2 +0000\nparent late\n\nm\n",
    b"tree t\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 2 +0000\nauthor B <b@x> 1 +0000\n\nm\n",
    b"tree t\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 2 +0000\n\nNUL\0after\n",
    b"tree t\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 2 +0000\n\nnot utf-8 \xff\n",
    b"tree t\nauthor A a@x 1 +0000\ncommitter C <c@x> 2 +0000\n\nno address\n",
    b"tree t\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 2 +0000\nparent\n\nm\n",
    b"tree t\nparent\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 2 +0000\n\nm\n",
    b"tree t\ncommitter C <c@x> 2 +0000\nauthor A <a@x> 1 +0000\n\nswapped\n",
    b"tree t\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 2 +0000\n",
    b"tree t\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 2 +0000\n\n",
    b"author A <a@x> 1 +0000\ncommitter C <c@x> 2 +0000\n\nno tree\n",
    b"tree t\nauthor  A <a@x> x +0000\ncommitter C <c@x>\n\nodd spacing\n",
    b"tree t\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 2 +0000\nmergetag object o\n type c\n"
    b"\n\nmerge tag\n",
]


@pytest.mark.parametrize("data", OBJECTS)
def test_plain_commit_reads_an_object_as_the_general_path(data: bytes) -> None:
    plain = _plain_commit(SHA, data)
    if plain is not None:
        assert plain == _read_commit(SHA, data)
    assert parse_commit_object(SHA, data) == _read_commit(SHA, data)


HEADER_LINES = [b"tree t", b"parent p", b"parent", b"author A <a@x> 1 +0000",
                b"author  A  <a@x>  12 +0000", b"author A <a@x>1 +0000", b"author A <a@x> 1x",
                b"author A <a@x> +1", b"author A <a@x>", b"author A<a@x> 1\t+0000",
                b"committer C <c@x>\x0c7", b"committer <c@x> 1_0 +0000", b"author A <a@x 1",
                b"parent \xff", b"author \xc3\xa9 <a@x> 3 +0100",
                b"committer C <c@x> 2 +0000", b"author", b"encoding UTF-8", b"encoding latin-1",
                b"gpgsig -----BEGIN", b" continued", b"  parent q", b"x-header v"]


@given(st.lists(st.sampled_from(HEADER_LINES), max_size=9).map(
           lambda lines: [b"tree t", *lines] if lines and lines[0] != b"tree t" else lines),
       st.sampled_from([b"m\n", b"", b"\xe9t\xe9\n", b"a\0b", b"Subject\n\nbody\n"]))
def test_plain_commit_agrees_on_generated_objects(lines: list[bytes], message: bytes) -> None:
    data = b"\n".join(lines) + b"\n\n" + message
    plain = _plain_commit(SHA, data)
    if plain is not None:
        assert plain == _read_commit(SHA, data)


TRAILER_LINES = ["Title", "", " ", "\t\r", "Key: v", "Co-authored-by: A <a@x>", "Bug  : 1",
                 "Signed-off-by: Dev <dev@x> ", "k-2:", "Ünïcode: x", "  cont", "prose line",
                 "# comment", "Conflicts:", "(cherry picked from commit 1)", "Key:v\r"]


@given(st.lists(st.sampled_from(TRAILER_LINES), min_size=1, max_size=8), st.booleans())
def test_plain_trailer_blocks_read_as_git_reads_them(lines: list[str], newline: bool) -> None:
    message = "\n".join(lines) + ("\n" if newline else "")
    plain = _plain_trailers(message, "#")
    if plain is not None:
        assert [(t.key, t.value) for t in plain] == git_parse(message, divider=False)
        assert plain == _general_trailers(message)
