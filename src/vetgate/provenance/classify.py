"""Classify commits as ai / human / unknown, keeping every piece of evidence.

The built-in catalog (``catalog.yaml``) and the policy's own markers are compiled once into
dictionaries keyed by folded addresses, trailer keys and logins, so classifying a commit costs a
few dictionary lookups plus parsing its trailers — audit streams whole histories through here.

A commit is **ai** if any AI mark fires (an accepted review-bot suggestion is an AI mark of kind
``suggestion``), **human** if a human declaration fires and no AI mark does, otherwise
**unknown**. ``counts_as`` then applies ``origin.suggestions`` and ``origin.unknown``.
"""

from __future__ import annotations

import functools
import itertools
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from vetgate.changes.model import Commit, CommitReading, Identity
from vetgate.policy.model import MarkerConfig, OriginConfig
from vetgate.provenance.catalog import Catalog, CatalogEntry, load_catalog
from vetgate.provenance.model import CommitOrigin, Evidence, EvidenceKind, ProvenanceContext
from vetgate.provenance.normalize import fold, fold_email
from vetgate.provenance.notes import parse_agent_traces, parse_ai_note
from vetgate.provenance.trailers import (
    SQUASH_QUOTE_INDENT,
    SQUASH_SUBJECT,
    SquashedCommit,
    Trailer,
    find_separator,
    last_paragraph,
    parse_trailers,
    squashed_commits,
    trailer_block,
)

_NOREPLY = "@users.noreply.github.com"
_DEFAULT_CONFIG = OriginConfig()
_EMPTY_CONTEXT = ProvenanceContext()
# No lazy group next to \s* in any pattern here: trailer text is attacker-controlled, and such
# pairs backtrack quadratically on long runs of blanks.
_LOOSE_TRAILER = re.compile(r"\s*([a-z0-9][a-z0-9-]*)\s*:(.*)", re.S)
_TOKENS = re.compile(r"[a-z0-9]+")
_LEADING_NOISE = re.compile(r"^[^a-z0-9]+")
_YES_WORDS = frozenset({"yes", "y", "true", "1", "on"})
# Punctuation around a declaration's first word ("No.", "none,", "(no)"); folded text.
_PUNCTUATION = string.punctuation + "\u2013\u2014\u2026\u00ab\u00bb\u201c\u201d\u2018\u2019"
_MAX_TOOL_NAME = 40
DECLARATION_KEY = "AI-Assisted"
_NOTES_REF = "refs/notes/ai"
_LEGACY_NOTES_REF = "refs/ai/authorship"
_TRACES_FILE = ".agent-trace/traces.jsonl"
_SQUASH_SUBJECT = fold(SQUASH_SUBJECT)


@dataclass(frozen=True)
class _TrailerCandidate:
    """A trailer (or a disguised trailer line) of the message, ready for matching."""

    key: str  # folded
    value: str  # folded
    raw_value: str
    detail: str  # the exact text, for evidence
    where: str
    # A line outside git's trailer block: evidence only when its value names a catalog agent
    # identity (SPEC §3, "Position"), never for value rules or the policy's trailer markers.
    identity_only: bool = False


def split_addresses(value: str) -> tuple[str, list[str]]:
    """``(name, addresses)`` of a "Name <email>" value: every ``<…>`` in it (text after an
    address must not hide it), else the words that contain ``@``. Linear, no regex."""
    addresses: list[str] = []
    first = value.find("<")
    position = first
    while position >= 0:
        close = value.find(">", position + 1)
        if close < 0:
            break
        addresses.append(value[position + 1:close])
        position = value.find("<", close + 1)
    if addresses:
        return value[:first].strip().strip('"').strip(), addresses
    words = [w.strip("<>()[]{},;:.'\"") for w in value.split() if "@" in w]
    return "", [w for w in words if "@" in w.strip("@")]


def _disguised_trailers(message: str, trailers: tuple[Trailer, ...], *, skip_quoted: bool = False
                        ) -> list[tuple[int, str, re.Match[str]]]:
    """Lines of the last paragraph to read as trailers although git did not: ``(line number,
    line, match of the folded line)``, in message order.

    A line whose key or separator is disguised (no ASCII ``Key:`` for git's
    ``find_separator``: a look-alike letter or an invisible character in the key, a full-width
    colon) is read when, folded, it has the form ``key: value``. A line git reads as
    ``Key: value`` by its ASCII key and colon, but left out because its paragraph is prose,
    stays prose (a non-ASCII character elsewhere changes nothing) — unless the paragraph becomes
    a trailer block once its disguised lines are read as trailers: one disguised line must not
    hide the plain trailers next to it.

    ``skip_quoted``: leave out lines indented like a commit git's squash message quotes (they
    are read as that commit's own trailers).
    """
    parsed = {trailer.line for trailer in trailers}
    first_line, lines = last_paragraph(message)
    disguised: list[tuple[int, str, re.Match[str]]] = []
    plain: list[tuple[int, str]] = []
    for offset, line in enumerate(lines):
        number = first_line + offset
        if number in parsed or (skip_quoted and line.startswith(SQUASH_QUOTE_INDENT)):
            continue
        if find_separator(line) >= 1:
            plain.append((number, line))  # git's call: prose here, or the block is unmasked
            continue
        if line.isascii():
            continue
        match = _LOOSE_TRAILER.match(fold(line))
        if match:
            disguised.append((number, line, match))
    if not (disguised and plain):
        return disguised
    unmasked = list(lines)
    for number, _line, match in disguised:
        unmasked[number - first_line] = f"{match.group(1)}: {match.group(2).strip()}"
    start, end = trailer_block("subject\n\n" + "\n".join(unmasked) + "\n")
    if start >= end:
        return disguised
    for number, line in plain:
        match = _LOOSE_TRAILER.match(fold(line))
        if match:
            disguised.append((number, line, match))
    disguised.sort(key=lambda item: item[0])
    return disguised


_FENCE = re.compile(r" {0,3}(```|~~~)")
# An orchestrator's role path ("beads/crew/emma", "gastown/polecats/toast"), folded.
_AGENT_PATH = re.compile(r"[a-z0-9._-]+(?:/[a-z0-9._-]+){1,4}")


def outside_trailer_lines(message: str, taken: set[int]) -> list[tuple[int, str, str, str]]:
    """Lines of trailer form (``Key: value``, the key a token of letters, digits and ``-``)
    anywhere after the subject line and not already ``taken`` (git's trailers, disguised
    lines): ``(line number, line, folded key, value)``. Quoted (``>``), indented and fenced
    code lines are prose and left out (SPEC §3, "Position")."""
    found: list[tuple[int, str, str, str]] = []
    fenced = False
    for number, line in enumerate(message.split("\n")[1:], start=2):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced or number in taken or not line or line[0] in " \t>":
            continue
        separator = find_separator(line)
        if separator >= 1:
            key, value = line[:separator].strip().lower(), line[separator + 1:]
        elif line.isascii():
            continue
        else:
            match = _LOOSE_TRAILER.match(fold(line))
            if match is None or not line.lstrip()[:1].isalnum():
                continue
            key = match.group(1)
            value = line.split(":", 1)[1] if ":" in line else match.group(2)
        found.append((number, line, key, value.strip()))
    return found


class _Glob:
    """A policy glob, matched case-insensitively over the whole (folded) text. Only ``*`` (any
    text) and ``?`` (one character) are special, so ``[bot]`` in bot logins stays literal.

    Matching is greedy and linear in the text: the pieces between stars have fixed lengths, so
    the first piece anchors at the start, the last at the end, and each middle piece at its
    leftmost occurrence (no regex backtracking over attacker-controlled text).
    """

    def __init__(self, pattern: str) -> None:
        pieces = fold(pattern).split("*")
        self.lengths = [len(piece) for piece in pieces]
        self.pieces = [re.compile("".join("." if ch == "?" else re.escape(ch) for ch in piece),
                                  re.S) for piece in pieces]

    def match(self, text: str) -> bool:
        pieces, lengths = self.pieces, self.lengths
        if len(pieces) == 1:
            return pieces[0].fullmatch(text) is not None
        if pieces[0].match(text) is None:
            return False
        position = lengths[0]
        end = len(text) - lengths[-1]
        if end < position or pieces[-1].fullmatch(text, end) is None:
            return False
        for piece in pieces[1:-1]:
            found = piece.search(text, position, end)
            if found is None:
                return False
            position = found.end()
        return True


class _BuiltinIndex:
    """The catalog compiled into lookup tables."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.emails: dict[str, CatalogEntry] = {}
        self.github_pairs: dict[tuple[str, str], CatalogEntry] = {}
        self.github_logins: dict[str, CatalogEntry] = {}  # login-only bots
        self.mentioned_logins: dict[str, CatalogEntry] = {}  # "Apply suggestion from @login"
        self.trailer_rules: dict[str, list[CatalogEntry]] = {}
        self.line_prefixes: list[tuple[str, CatalogEntry]] = []
        self.contains: list[tuple[str, CatalogEntry]] = []
        self.subject_prefixes: list[tuple[str, CatalogEntry]] = []
        self.name_suffixes: list[tuple[str, CatalogEntry]] = []
        self.name_patterns: list[tuple[re.Pattern[str], CatalogEntry]] = []
        self.line_patterns: list[tuple[re.Pattern[str], CatalogEntry]] = []
        self.env_entries: list[CatalogEntry] = []
        self.branches: list[tuple[re.Pattern[str], CatalogEntry]] = []
        self.labels: dict[str, CatalogEntry] = {}
        agent_logins = set(catalog.agent_logins)
        for entry in catalog.entries:
            for email in entry.emails:
                self.emails.setdefault(email, entry)
            for pair in entry.github:
                self.github_pairs.setdefault(pair, entry)
                agent_logins.add(pair[1])
            for login in entry.login_only:
                self.github_logins.setdefault(login, entry)
                agent_logins.add(login)
            for login in entry.logins:
                self.mentioned_logins.setdefault(login, entry)
                agent_logins.add(login)
            for key in entry.keys:
                self.trailer_rules.setdefault(key.lower(), []).append(entry)
            self.line_prefixes.extend((p, entry) for p in entry.line_prefixes)
            self.contains.extend((c, entry) for c in entry.contains)
            self.subject_prefixes.extend((p, entry) for p in entry.prefixes)
            self.name_suffixes.extend((s, entry) for s in entry.suffixes)
            if entry.kind == "env":
                self.env_entries.append(entry)
            if entry.kind == "name-pattern":
                self.name_patterns.extend((re.compile(p), entry) for p in entry.patterns)
            else:
                self.branches.extend(
                    (re.compile(p, re.IGNORECASE), entry) for p in entry.patterns)
            self.line_patterns.extend(
                (re.compile(f"^(?:{p})$", re.M), entry) for p in entry.line_patterns)
            for label in entry.labels:
                self.labels.setdefault(label, entry)
        for entry in catalog.entries:  # bots named in suggestions, after explicit `logins`
            for _id, login in entry.github:
                self.mentioned_logins.setdefault(login, entry)
            for login in entry.login_only:
                self.mentioned_logins.setdefault(login, entry)
        self.agent_logins = frozenset(agent_logins)
        # Substrings whose absence lets a message skip the line scan entirely.
        self.message_prefilter = tuple(sorted({p for p, _ in self.line_prefixes}))

    # --- identities ---------------------------------------------------------------------------

    def identity(self, name: str, email: str) -> CatalogEntry | None:
        """The catalog entry for this name/address, or None."""
        folded = fold_email(email)
        entry = self.emails.get(folded)
        if entry is None and folded.endswith(_NOREPLY):
            local = folded[: -len(_NOREPLY)]
            user_id, plus, login = local.partition("+")
            if plus:
                entry = self.github_pairs.get((user_id, login)) or self.github_logins.get(login)
            else:
                entry = self.github_logins.get(local)
        if entry is not None and entry.names_contain:
            folded_name = fold(name)
            if not any(part in folded_name for part in entry.names_contain):
                return None
        return entry

    def is_agent_account(self, text: str) -> bool:
        raw = text.strip()
        _name, addresses = split_addresses(raw) if "<" in raw else ("", [])
        address = addresses[0] if addresses else raw
        if "@" in address.lstrip("@"):  # an address; "@login" is a mention
            folded = fold_email(address)
            if folded in self.emails:
                return True
            if folded.endswith(_NOREPLY):
                local = folded[: -len(_NOREPLY)]
                user_id, plus, login = local.partition("+")
                login = login if plus else user_id
                return (login.endswith("[bot]") or login in self.agent_logins
                        or (user_id, login) in self.github_pairs)
            return False
        login = fold(raw).lstrip("@").strip()
        return login.endswith("[bot]") or login in self.agent_logins

    # --- words --------------------------------------------------------------------------------

    def ai_tool(self, folded: str, *, leading: bool = False) -> str | None:
        """The AI tool or model family a (folded) text names, by the catalog's word list.

        ``leading``: judge only the tool the text starts with — its first word, or its first two
        words as a pair ("github copilot", "claude-code") — as for ``Generated-by:``, whose value
        names a generator and then, often, what it was fed ("protoc 25.1 (google/ai/…)").
        """
        words = self.catalog.ai_words
        prefixes = self.catalog.ai_word_prefixes
        if leading:
            tokens = [m.group() for m in itertools.islice(_TOKENS.finditer(folded), 2)]
        else:
            tokens = _TOKENS.findall(folded)
        for index, token in enumerate(tokens):
            if index + 1 < len(tokens):
                pair = words.get(f"{token}-{tokens[index + 1]}")
                if pair:
                    return pair
            single = words.get(token)
            if single:
                return single
            for prefix, tool in prefixes.items():
                if token.startswith(prefix):
                    return tool
            if leading:
                return None  # the second word alone names no tool ("Spring Roo")
        return None

    def is_negative(self, folded: str) -> bool:
        """True when a (folded) declaration value says "no AI": the value, or its first word
        stripped of punctuation, is one of the catalog's negative words ("No.", "no (by
        hand)", "None, by hand", "n/a")."""
        negative = self.catalog.negative_values
        value = folded.strip()
        if value in negative:
            return True
        first = value.split(None, 1)[0] if value else ""
        if first in negative:
            return True
        word = first.strip(_PUNCTUATION)
        return bool(word) and word in negative

    def declared_tool(self, raw_value: str, folded: str) -> str | None:
        """The tool a declaration names: a known word, else the value's first word (never a
        yes/no word)."""
        known = self.ai_tool(folded)
        if known:
            return known
        first = raw_value.strip().split(None, 1)
        if not first:
            return None
        word = fold(first[0]).strip(_PUNCTUATION)
        if not word or word in _YES_WORDS or word in self.catalog.negative_values:
            return None
        return first[0].strip(",;:")[:_MAX_TOOL_NAME] or None

    def note_tool(self, tool: str | None) -> str | None:
        if tool is None:
            return None
        return self.catalog.note_tools.get(fold(tool)) or self.ai_tool(fold(tool)) or tool


@functools.lru_cache(maxsize=1)
def _builtin_index() -> _BuiltinIndex:
    return _BuiltinIndex(load_catalog())


class _PolicyMarkers:
    """``origin.markers`` or ``origin.human`` compiled for matching."""

    def __init__(self, markers: MarkerConfig, section: str) -> None:
        self.section = section
        self.trailers: dict[str, list[tuple[_Glob | None, str]]] = {}
        for pattern in markers.trailers:
            described = f"{section}.trailers: {pattern.key}" + (
                f" = {pattern.value}" if pattern.value is not None else "")
            glob = _Glob(pattern.value) if pattern.value is not None else None
            self.trailers.setdefault(fold(pattern.key).strip(), []).append((glob, described))
        # A glob without "<" is an address glob; with "<" it matches "Name <email>".
        self.identities = tuple(
            (_Glob(glob), "<" not in glob, f"{section}.identities: {glob}")
            for glob in markers.identities)
        self.messages = tuple((fold(text), f"{section}.messages: {text}")
                              for text in markers.messages if text)
        self.env = tuple(markers.env)
        self.branches = tuple((_Glob(glob), f"{section}.branches: {glob}")
                              for glob in markers.branches)
        self.labels = tuple((_Glob(glob), f"{section}.labels: {glob}")
                            for glob in markers.labels)
        self.empty = not (self.trailers or self.identities or self.messages or self.env
                          or self.branches or self.labels)


def _falsy(value: str | None, falsy: frozenset[str]) -> bool:
    return value is None or fold(value.strip()) in falsy


def _slug(text: str) -> str:
    folded = fold(text).strip()
    slug = re.sub(r"[^a-z0-9._@+-]+", "-", folded).strip("-")
    return slug[:64]


def _line_containing(message: str, folded: str, text: str) -> tuple[int, str] | None:
    """Where ``text`` first occurs in ``folded`` (the normalised ``message``, line for line):
    its 1-based line number and that line of the original message, stripped; None if absent."""
    position = folded.find(text)
    if position < 0:
        return None
    number = folded.count("\n", 0, position) + 1
    lines = message.split("\n")
    return number, (lines[number - 1] if number <= len(lines) else text).strip()


class Classifier:
    """Decides the origin of commits under one ``origin:`` configuration.

    Construct once (the catalog and the policy's markers are compiled here), then call
    :meth:`classify` for each commit.
    """

    def __init__(self, config: OriginConfig = _DEFAULT_CONFIG) -> None:
        self.config = config
        self._index = _builtin_index()
        self._builtin = config.builtin
        self._markers = _PolicyMarkers(config.markers, "origin.markers")
        self._human = _PolicyMarkers(config.human, "origin.human")
        sets: list[tuple[_PolicyMarkers, EvidenceKind]] = []
        if not self._markers.empty:
            sets.append((self._markers, "ai"))
        if not self._human.empty:
            sets.append((self._human, "human"))
        self._policy_sets = tuple(sets)
        self._context_key: tuple[str | None, tuple[str, ...]] | None = None
        self._context_evidence: tuple[Evidence, ...] = ()

    # --- the verdict --------------------------------------------------------------------------

    def classify(self, commit: Commit, context: ProvenanceContext = _EMPTY_CONTEXT
                 ) -> CommitOrigin:
        """The origin of ``commit`` with all its evidence, in the order found."""
        evidence: list[Evidence] = []
        self._commit_text(commit, evidence)
        for reading in commit.other_readings:
            self._other_reading(commit, reading, evidence)
        if commit.sha is not None:
            if context.notes:
                self._note(commit.sha, context.notes, evidence)
            if context.traces:
                self._traces(commit.sha, context.traces, evidence)
        elif context.env is not None:
            evidence.extend(self.env_evidence(context.env))
        if context.branch or context.labels:
            evidence.extend(self._context_marks(context))
        return self._verdict(commit, evidence)

    def _commit_text(self, commit: Commit, evidence: list[Evidence]) -> None:
        """The marks in the commit's own text: identities, trailers and message."""
        message = commit.message
        folded_message = fold(message)
        subject = commit.subject
        folded_subject = folded_message.split("\n", 1)[0].strip()
        suggested_by = self._suggested_by(folded_subject)

        if self._builtin:
            self._identities(commit, evidence)
        self._policy_identities(commit, evidence)
        squash_message = folded_subject == _SQUASH_SUBJECT
        self._trailers(message, suggested_by, evidence, squash_message=squash_message)
        if squash_message:
            self._squashed(message, evidence)
        if self._builtin:
            self._message_marks(message, folded_message, folded_subject, subject, suggested_by,
                                evidence)
        self._policy_messages(message, folded_message, evidence)

    def _other_reading(self, commit: Commit, reading: CommitReading,
                       evidence: list[Evidence]) -> None:
        """The marks the commit's bytes show when read another way (its encoding header
        honoured or ignored): each one not found already, saying how it was read."""
        found: list[Evidence] = []
        self._commit_text(replace(commit, author=reading.author, committer=reading.committer,
                                  message=reading.message, other_readings=()), found)
        seen = {(item.detector, item.kind, item.entry, item.source) for item in evidence}
        for item in found:
            if (item.detector, item.kind, item.entry, item.source) not in seen:
                evidence.append(replace(item, where=f"{item.where} (commit read {reading.how})"))

    def _verdict(self, commit: Commit, evidence: list[Evidence]) -> CommitOrigin:
        kinds = {item.kind for item in evidence}
        config = self.config
        counts_as: Literal["ai", "human"]
        if kinds & {"ai", "suggestion", "executed"}:
            origin: Literal["ai", "human", "unknown"] = "ai"
            # An accepted suggestion or an orchestrator's run counts as the policy says.
            counts_as = "ai" if ("ai" in kinds
                                 or ("suggestion" in kinds and config.suggestions == "ai")
                                 or ("executed" in kinds and config.executed == "ai")) else "human"
        elif commit.unreadable:
            # An author or committer vetgate cannot read may be anyone: never human.
            evidence.append(Evidence(
                detector="identity", kind="undecided",
                detail=f"the commit cannot be read: {commit.unreadable}", where="commit object"))
            origin, counts_as = "unknown", self.config.unknown
        elif "human" in kinds:
            origin, counts_as = "human", "human"
        else:
            origin, counts_as = "unknown", self.config.unknown
        return CommitOrigin(sha=commit.sha, origin=origin, counts_as=counts_as,
                            evidence=tuple(evidence), subject=commit.subject)

    # --- identities ---------------------------------------------------------------------------

    def _identities(self, commit: Commit, evidence: list[Evidence]) -> None:
        index = self._index
        people: list[tuple[str, Identity]] = [("author", commit.author)]
        if commit.committer != commit.author:
            people.append(("committer", commit.committer))
        for where, person in people:
            entry = index.identity(person.name, person.email)
            if entry is not None:
                evidence.append(Evidence(
                    detector="identity", kind="suggestion" if entry.is_suggestion else "ai",
                    detail=str(person), where=where, tool=entry.tool, entry=entry.id))
        # An orchestrator's role path as the name ("beads/crew/emma"): it ran the commit.
        for where, person in people:
            folded_name = fold(person.name).strip()
            for regex, pattern_entry in index.name_patterns:
                if regex.fullmatch(folded_name):
                    evidence.append(Evidence(
                        detector="identity", kind="executed", detail=str(person),
                        where=f"{where} name", tool=pattern_entry.tool, entry=pattern_entry.id))
                    break
        # aider's "(aider)" suffix: on the author only (committer-only = the user's own edits).
        if index.name_suffixes:
            folded_name = fold(commit.author.name).strip()
            for suffix, entry in index.name_suffixes:
                if folded_name.endswith(suffix):
                    evidence.append(Evidence(
                        detector="identity", kind="ai", detail=str(commit.author),
                        where="author name", tool=entry.tool, entry=entry.id))
                    break

    def _policy_identities(self, commit: Commit, evidence: list[Evidence]) -> None:
        if not self._policy_sets:
            return
        self._policy_person("author", commit.author, str(commit.author), evidence)
        if commit.committer != commit.author:
            self._policy_person("committer", commit.committer, str(commit.committer), evidence)

    def _policy_person(self, where: str, person: Identity, detail: str,
                       evidence: list[Evidence]) -> None:
        """The policy's identity markers that match ``person``."""
        full = address = ""
        for markers, kind in self._policy_sets:
            if not markers.identities:
                continue
            if not full:
                full = fold(f"{person.name} <{person.email}>")
                address = fold_email(person.email)
            for glob, address_only, described in markers.identities:
                if glob.match(address if address_only else full):
                    evidence.append(Evidence(
                        detector="identity", kind=kind,
                        detail=detail, where=where, source="policy", entry=described))
                    break

    # --- git's own squash message -------------------------------------------------------------

    def _squashed(self, message: str, evidence: list[Evidence]) -> None:
        """The marks of the commits git quotes in its ``Squashed commit of the following:``
        message (``git merge --squash``): each quoted ``Author:`` as an identity, each quoted
        (de-indented) message's subject prefix and trailers. The squash commit itself is the
        human's; without this an AI branch squashed locally would lose its marks."""
        index = self._index
        for quoted in squashed_commits(message):
            short = quoted.sha[:10]
            if quoted.author is not None:
                self._squashed_author(quoted, short, evidence)
            body = quoted.message
            if not body:
                continue
            subject = body.split("\n", 1)[0].strip()
            folded_subject = fold(subject).strip()
            if self._builtin:
                for prefix, entry in index.subject_prefixes:
                    if folded_subject.startswith(prefix):
                        evidence.append(Evidence(
                            detector="message", kind="ai", detail=subject,
                            where=f"squashed commit {short} subject", tool=entry.tool,
                            entry=entry.id))
            if "\n" not in body.rstrip("\n"):
                continue
            suggested_by = self._suggested_by(folded_subject)
            for candidate in self._candidates(body, first_line=quoted.first_line,
                                              squashed=short):
                self._match_trailer(candidate, suggested_by, evidence)

    def _squashed_author(self, quoted: SquashedCommit, short: str,
                         evidence: list[Evidence]) -> None:
        author = quoted.author or ""
        detail = f"Author: {author}"
        where = f"squashed commit {short} author"
        raw_name, raw_addresses = split_addresses(author)
        if self._builtin:
            name, addresses = split_addresses(fold(author))
            for address in addresses:
                entry = self._index.identity(raw_name or name, address)
                if entry is not None:
                    evidence.append(Evidence(
                        detector="identity", kind="suggestion" if entry.is_suggestion else "ai",
                        detail=detail, where=where, tool=entry.tool, entry=entry.id))
                    break
            folded_name = fold(raw_name).strip()
            for suffix, suffix_entry in self._index.name_suffixes:
                if folded_name.endswith(suffix):
                    evidence.append(Evidence(
                        detector="identity", kind="ai", detail=detail, where=f"{where} name",
                        tool=suffix_entry.tool, entry=suffix_entry.id))
                    break
        if self._policy_sets and raw_addresses:
            self._policy_person(where, Identity(raw_name, raw_addresses[0]), detail, evidence)

    # --- trailers -----------------------------------------------------------------------------

    def _suggested_by(self, folded_subject: str) -> CatalogEntry | None:
        """The catalog agent a suggestion subject credits ("Apply suggestion from @Copilot")."""
        match = self._index.catalog.suggestion_subject.match(folded_subject)
        if match is None or not match.group("login"):
            return None
        return self._index.mentioned_logins.get(match.group("login"))

    def _candidates(self, message: str, *, first_line: int = 1, squashed: str | None = None,
                    squash_message: bool = False) -> list[_TrailerCandidate]:
        """The trailers of ``message`` (git's parse) and its disguised trailer lines.

        ``first_line``: the line of the whole commit message ``message`` starts on, and
        ``squashed`` the short sha of the quoted commit, for a message quoted in git's squash
        message; ``squash_message`` when ``message`` is git's squash message itself.
        """
        shift = first_line - 1
        suffix = f" (squashed commit {squashed})" if squashed else ""
        trailers = parse_trailers(message)
        found = [
            _TrailerCandidate(key=trailer.key.lower(), value=fold(trailer.value).strip(),
                              raw_value=trailer.value, detail=f"{trailer.key}: {trailer.value}",
                              where=f"trailer, message line {trailer.line + shift}{suffix}")
            for trailer in trailers
        ]
        taken = {trailer.line for trailer in trailers}
        if not message.isascii():
            label = f"disguised trailer, squashed commit {squashed}" if squashed else (
                "disguised trailer")
            for number, line, match in _disguised_trailers(message, trailers,
                                                           skip_quoted=squash_message):
                value = match.group(2).strip()
                raw_value = line.split(":", 1)[1].strip() if ":" in line else value
                taken.add(number)
                found.append(_TrailerCandidate(
                    key=match.group(1), value=value, raw_value=raw_value,
                    detail=line.strip(), where=f"message line {number + shift} ({label})"))
        if self._builtin and (not message.isascii() or message.count("@") > sum(
                trailer.value.count("@") for trailer in trailers)):
            # Some address (or disguise) stands outside git's trailers: read the other lines.
            identity_keys = self._index.catalog.identity_trailer_keys
            where = "outside the trailer block" + (
                f", squashed commit {squashed}" if squashed else "")
            for number, line, key, value in outside_trailer_lines(message, taken):
                # A whole line: the value ends with the address ("… <a@b> is gone." is prose).
                if key in identity_keys and fold(value).endswith(">"):
                    found.append(_TrailerCandidate(
                        key=key, value=fold(value), raw_value=value, detail=line.strip(),
                        where=f"message line {number + shift}, {where}", identity_only=True))
        return found

    def _trailers(self, message: str, suggested_by: CatalogEntry | None,
                  evidence: list[Evidence], *, squash_message: bool = False) -> None:
        if "\n" not in message.rstrip("\n"):
            return  # one line: no trailers (the fast path for most commits)
        for candidate in self._candidates(message, squash_message=squash_message):
            self._match_trailer(candidate, suggested_by, evidence)

    def _match_trailer(self, candidate: _TrailerCandidate, suggested_by: CatalogEntry | None,
                       evidence: list[Evidence]) -> None:
        index = self._index
        if candidate.identity_only:
            self._identity_trailer(candidate, suggested_by, evidence)
            return
        if self._builtin:
            fired = False
            if candidate.key in index.catalog.identity_trailer_keys:
                fired = self._identity_trailer(candidate, suggested_by, evidence)
            if not fired:
                for entry in index.trailer_rules.get(candidate.key, ()):
                    if self._value_matches(entry, candidate.value):
                        tool = entry.tool or index.declared_tool(candidate.raw_value,
                                                                 candidate.value)
                        evidence.append(Evidence(
                            detector="trailer",
                            kind="human" if entry.verdict == "human" else (
                                "executed" if entry.executed else "ai"),
                            detail=candidate.detail, where=candidate.where,
                            tool=None if entry.verdict == "human" else tool,
                            entry=entry.id))
                        break
        for markers, kind in self._policy_sets:
            for value_glob, described in markers.trailers.get(candidate.key, ()):
                if value_glob is None or value_glob.match(candidate.value):
                    evidence.append(Evidence(
                        detector="trailer", kind=kind,
                        detail=candidate.detail, where=candidate.where, source="policy",
                        entry=described))
                    break

    def _identity_trailer(self, candidate: _TrailerCandidate, suggested_by: CatalogEntry | None,
                          evidence: list[Evidence]) -> bool:
        # Fold first: a full-width "＜" is an angle bracket too.
        raw_name = split_addresses(candidate.raw_value)[0]
        name, addresses = split_addresses(fold(candidate.raw_value))
        entry = None
        for address in addresses:
            entry = self._index.identity(raw_name or name, address)
            if entry is not None:
                break
        if entry is None:
            return False
        name = raw_name or name
        detail = candidate.detail
        model = self._model(name, entry)
        if model:
            detail = f"{detail} [model: {model}]"
        # A suggestion is AI code a human accepted: a review bot's, or the co-author the
        # subject credits ("Apply suggestion from @Copilot" + Copilot). Any other agent
        # co-authoring such a commit wrote code in it: ai.
        suggested = entry.is_suggestion or (
            suggested_by is not None and entry.id == suggested_by.id)
        kind: EvidenceKind = "suggestion" if suggested else "ai"
        evidence.append(Evidence(detector="trailer", kind=kind, detail=detail,
                                 where=candidate.where, tool=entry.tool, entry=entry.id))
        return True

    @staticmethod
    def _model(name: str, entry: CatalogEntry) -> str | None:
        """The model a co-author name carries ("Claude Opus 4.6", "aider (gpt-4o)")."""
        name = name.strip().strip('"').strip()
        if not name or not entry.default_names:
            return None
        folded = fold(name)
        if folded in entry.default_names:
            return None
        opening = name.find("(")
        if (opening > 0 and name.endswith(")")
                and fold(name[:opening].strip()) in entry.default_names):
            return name[opening + 1:-1].strip() or None
        return name

    def _value_matches(self, entry: CatalogEntry, value: str) -> bool:
        if entry.values:
            return value in entry.values
        if entry.value_prefixes:
            return value.startswith(entry.value_prefixes)
        rule = entry.value_rule
        if rule == "any":
            return True
        if rule == "not-negative":
            return bool(value) and not self._index.is_negative(value)
        if rule == "negative":
            return self._index.is_negative(value)
        if rule == "agent-path":
            return (_AGENT_PATH.fullmatch(value) is not None
                    or self._index.ai_tool(value, leading=True) is not None)
        # ai-words: the tool the value names, not every word of it ("protoc 25.1 (…/ai/…)").
        return self._index.ai_tool(value, leading=True) is not None

    # --- message marks ------------------------------------------------------------------------

    def _message_marks(self, message: str, folded: str, folded_subject: str, subject: str,
                       suggested_by: CatalogEntry | None, evidence: list[Evidence]) -> None:
        index = self._index
        for prefix, entry in index.subject_prefixes:
            if folded_subject.startswith(prefix):
                evidence.append(Evidence(detector="message", kind="ai", detail=subject,
                                         where="subject", tool=entry.tool, entry=entry.id))
        if any(p in folded for p in index.message_prefilter):
            seen: set[str] = set()
            raw_lines: list[str] | None = None
            for number, line in enumerate(folded.split("\n"), start=1):
                stripped = _LEADING_NOISE.sub("", line)
                for prefix, entry in index.line_prefixes:
                    if entry.id not in seen and stripped.startswith(prefix):
                        seen.add(entry.id)
                        raw_lines = raw_lines or message.split("\n")
                        raw = raw_lines[number - 1] if number <= len(raw_lines) else line
                        evidence.append(Evidence(
                            detector="message", kind="ai", detail=raw.strip(),
                            where=f"message line {number}", tool=entry.tool, entry=entry.id))
        for regex, entry in index.line_patterns:
            match = regex.search(folded)
            if match is not None:
                number = folded.count("\n", 0, match.start()) + 1
                raw_line = message.split("\n")[number - 1] if number <= message.count(
                    "\n") + 1 else match.group()
                evidence.append(Evidence(
                    detector="message", kind="ai", detail=raw_line.strip(),
                    where=f"message line {number}",
                    tool=entry.tool or index.ai_tool(match.group(), leading=True), entry=entry.id))
        for text, entry in index.contains:
            found = _line_containing(message, folded, text)
            if found is not None:
                number, raw = found
                evidence.append(Evidence(
                    detector="message", kind="ai", detail=raw,
                    where=f"message line {number}", tool=entry.tool, entry=entry.id))
        if suggested_by is not None and not any(e.entry == suggested_by.id for e in evidence):
            evidence.append(Evidence(
                detector="message", kind="suggestion", detail=subject, where="subject",
                tool=suggested_by.tool, entry=suggested_by.id))

    def _policy_messages(self, message: str, folded: str, evidence: list[Evidence]) -> None:
        for markers, kind in self._policy_sets:
            for text, described in markers.messages:
                found = _line_containing(message, folded, text)
                if found is not None:
                    number, raw = found
                    evidence.append(Evidence(
                        detector="message", kind=kind,
                        detail=raw, where=f"message line {number}", source="policy",
                        entry=described))

    # --- notes and traces ---------------------------------------------------------------------

    def _note(self, sha: str, notes: Mapping[str, str], evidence: list[Evidence]) -> None:
        text = notes.get(sha)
        if not text:
            return
        index = self._index
        legacy = text.lstrip().startswith("{")
        where = f"{_LEGACY_NOTES_REF}/{sha}" if legacy else _NOTES_REF
        for item in parse_ai_note(text, lambda name: index.ai_tool(fold(name)) is not None):
            if item.contributor == "human":
                evidence.append(Evidence(
                    detector="note", kind="human",
                    detail=f"git-ai note: {item.lines} lines by known humans", where=where))
            else:
                counted = (f"{item.lines} accepted lines, none attributed" if item.accepted
                           else f"{item.lines} lines")
                evidence.append(Evidence(
                    detector="note", kind="ai",
                    detail=f"git-ai note: {item.tool or 'unnamed agent'}, {counted}",
                    where=where, tool=index.note_tool(item.tool) or "git-ai"))

    def _traces(self, sha: str, traces: Mapping[str, tuple[Mapping[str, object], ...]],
                evidence: list[Evidence]) -> None:
        records = traces.get(sha) or traces.get(sha.lower())
        if records is None:
            # vcs.revision may be abbreviated: accept a unique prefix of 7+ characters.
            matches = [recs for rev, recs in traces.items()
                       if len(rev) >= 7 and sha.lower().startswith(rev.lower())]
            records = tuple(r for recs in matches for r in recs) if matches else None
        if not records:
            return
        index = self._index
        for item in parse_agent_traces(records):
            if item.contributor == "human":
                evidence.append(Evidence(
                    detector="agent-trace", kind="human",
                    detail=f"agent trace: {item.lines} lines by humans", where=_TRACES_FILE))
            else:
                evidence.append(Evidence(
                    detector="agent-trace", kind="ai",
                    detail=(f"agent trace: {item.tool or 'unnamed tool'}, {item.lines} lines "
                            f"({item.contributor})"),
                    where=_TRACES_FILE, tool=index.note_tool(item.tool) or "Agent Trace"))

    # --- environment, branch, labels ----------------------------------------------------------

    def env_evidence(self, env: Mapping[str, str]) -> tuple[Evidence, ...]:
        """The agent environment variables present in ``env`` (catalog and policy)."""
        found: list[Evidence] = []
        falsy = self._index.catalog.falsy_env_values
        if self._builtin:
            for entry, parts, value in self._env_hits(env):
                text = " ".join(parts)
                tool = entry.tool or self._index.ai_tool(fold(value)) or value.strip()
                found.append(Evidence(detector="env", kind="ai", detail=text,
                                      where=f"environment {text}", tool=tool, entry=entry.id))
        for markers, kind in self._policy_sets:
            for name in markers.env:
                set_value = env.get(name)
                if not _falsy(set_value, falsy):
                    text = f"{name}={set_value}"
                    found.append(Evidence(
                        detector="env", kind=kind,
                        detail=text, where=f"environment {text}", source="policy",
                        entry=f"{markers.section}.env: {name}"))
        return tuple(found)

    def _env_hits(self, env: Mapping[str, str]
                  ) -> Iterable[tuple[CatalogEntry, list[str], str]]:
        """(entry, ["NAME=value", …], value of the first condition) for each entry that fires."""
        falsy = self._index.catalog.falsy_env_values
        for entry in self._index.env_entries:
            for alternative in entry.env:
                parts: list[str] = []
                for condition in alternative:
                    value = env.get(condition.name)
                    if value is None or _falsy(value, falsy):
                        break
                    if condition.value is not None and fold(value.strip()) != condition.value:
                        break
                    parts.append(f"{condition.name}={value}")
                else:
                    yield entry, parts, env[alternative[0].name]
                    break

    def declaration(self, env: Mapping[str, str]) -> tuple[str, str] | None:
        """The ``AI-Assisted`` trailer that declares the agent ``env`` shows, if any."""
        if self._builtin:
            for entry, _parts, value in self._env_hits(env):
                declared = entry.declare or "yes"
                if declared == "$value":
                    declared = _slug(value) or "yes"
                    if declared in self._index.catalog.negative_values:
                        declared = "yes"
                return DECLARATION_KEY, declared
        falsy = self._index.catalog.falsy_env_values
        for name in self._markers.env:
            if not _falsy(env.get(name), falsy):
                return DECLARATION_KEY, _slug(name) or "yes"
        return None

    def _context_marks(self, context: ProvenanceContext) -> tuple[Evidence, ...]:
        key = (context.branch, tuple(context.labels))
        if key == self._context_key:
            return self._context_evidence
        found: list[Evidence] = []
        branch = context.branch or ""
        if branch.startswith("refs/heads/"):
            branch = branch[len("refs/heads/"):]
        if branch:
            folded_branch = fold(branch)
            if self._builtin:
                for regex, entry in self._index.branches:
                    if regex.fullmatch(folded_branch):
                        found.append(Evidence(detector="branch", kind="ai", detail=branch,
                                              where="branch", tool=entry.tool, entry=entry.id))
                        break
            found.extend(self._policy_glob_hits("branch", branch, folded_branch))
        for label in context.labels:
            folded_label = fold(label).strip()
            if self._builtin:
                label_entry = self._index.labels.get(folded_label)
                if label_entry is not None:
                    found.append(Evidence(detector="label", kind="ai", detail=label,
                                          where="label", tool=label_entry.tool,
                                          entry=label_entry.id))
            found.extend(self._policy_glob_hits("label", label, folded_label))
        self._context_key, self._context_evidence = key, tuple(found)
        return self._context_evidence

    def _policy_glob_hits(self, detector: str, text: str, folded: str) -> list[Evidence]:
        """The team's ``branches``/``labels`` markers (and human declarations) ``text`` fits:
        the first matching glob of each marker set."""
        hits = []
        for markers, kind in self._policy_sets:
            globs = markers.branches if detector == "branch" else markers.labels
            for glob, described in globs:
                if glob.match(folded):
                    hits.append(Evidence(detector=detector, kind=kind, detail=text,
                                         where=detector, source="policy", entry=described))
                    break
        return hits


@functools.lru_cache(maxsize=8)
def _classifier(config: OriginConfig) -> Classifier:
    return Classifier(config)


def env_markers(env: Mapping[str, str], config: OriginConfig = _DEFAULT_CONFIG
                ) -> tuple[Evidence, ...]:
    """The agent environment variables present in ``env`` as evidence (for the
    prepare-commit-msg hook and pending commits)."""
    return _classifier(config).env_evidence(env)


def agent_declaration_trailer(env: Mapping[str, str], config: OriginConfig = _DEFAULT_CONFIG
                              ) -> tuple[str, str] | None:
    """The trailer ``vetgate-mark`` appends inside an agent's shell, e.g.
    ``("AI-Assisted", "claude-code")`` for ``CLAUDECODE=1``; None outside one.

    The catalog names the value per tool (``AI_AGENT``/``AGENT`` give their own value). The
    trailer classifies as ai through the catalog's ``AI-Assisted: <not no>`` entry.
    """
    return _classifier(config).declaration(env)


def is_agent_account(login_or_email: str) -> bool:
    """True for known agent and bot accounts: any ``…[bot]`` login, ``Copilot``, the catalog's
    agent logins and identities (``Name <email>``, a bare address or a login all work). Review
    independence uses it: such an account's approval never counts as a human's."""
    if not login_or_email or not login_or_email.strip():
        return False
    return _builtin_index().is_agent_account(login_or_email)
