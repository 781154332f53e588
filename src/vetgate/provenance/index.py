"""The catalog and the policy's markers compiled for matching, and what every detector shares.

The built-in catalog (``catalog.yaml``) and the policy's own markers are compiled once into
dictionaries keyed by folded addresses, trailer keys and logins, so classifying a commit costs a
few dictionary lookups plus parsing its trailers.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable

from vetgate.policy.model import MarkerConfig, OriginConfig
from vetgate.provenance.catalog import Catalog, CatalogEntry, load_catalog
from vetgate.provenance.model import Evidence, EvidenceKind, ProvenanceContext
from vetgate.provenance.normalize import fold, fold_email
from vetgate.provenance.trailers import (
    SQUASH_SUBJECT,
)
from vetgate.records import frozen

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
# string.punctuation written out (importing `string` costs a hook a millisecond).
_PUNCTUATION = ("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
                "\u2013\u2014\u2026\u00ab\u00bb\u201c\u201d\u2018\u2019")
_MAX_TOOL_NAME = 40
DECLARATION_KEY = "AI-Assisted"
_NOTES_REF = "refs/notes/ai"
_LEGACY_NOTES_REF = "refs/ai/authorship"
_TRACES_FILE = ".agent-trace/traces.jsonl"
_SQUASH_SUBJECT = fold(SQUASH_SUBJECT)


@frozen
class TrailerCandidate:
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


class Glob:
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


class BuiltinIndex:
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

    def identity_needles(self) -> tuple[str, ...]:
        """Texts one of which every address :meth:`identity` knows contains, folded: the
        catalog's addresses and ``login@users.noreply.github.com`` for its GitHub accounts.
        Text without any of them names no catalog identity (a prefilter)."""
        needles = set(self.emails)
        needles.update(f"{login}{_NOREPLY}" for login in self.github_logins)
        needles.update(f"{login}{_NOREPLY}" for _user_id, login in self.github_pairs)
        return tuple(sorted(needles))

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
def builtin_index() -> BuiltinIndex:
    """The packaged catalog, compiled (kept between runs when a store is in use:
    ``vetgate.compiled``; the catalog is part of the code it fingerprints)."""
    from vetgate import compiled

    if compiled.directory() is not None:
        cached = compiled.load("catalog", "builtin")
        if isinstance(cached, BuiltinIndex):
            return cached
    index = BuiltinIndex(load_catalog())
    if compiled.directory() is not None:
        compiled.store("catalog", "builtin", index)
    return index


class PolicyMarkers:
    """``origin.markers`` or ``origin.human`` compiled for matching."""

    def __init__(self, markers: MarkerConfig, section: str) -> None:
        self.section = section
        self.trailers: dict[str, list[tuple[Glob | None, str]]] = {}
        for pattern in markers.trailers:
            described = f"{section}.trailers: {pattern.key}" + (
                f" = {pattern.value}" if pattern.value is not None else "")
            glob = Glob(pattern.value) if pattern.value is not None else None
            self.trailers.setdefault(fold(pattern.key).strip(), []).append((glob, described))
        # A glob without "<" is an address glob; with "<" it matches "Name <email>".
        self.identities = tuple(
            (Glob(glob), "<" not in glob, f"{section}.identities: {glob}")
            for glob in markers.identities)
        self.messages = tuple((fold(text), f"{section}.messages: {text}")
                              for text in markers.messages if text)
        self.env = tuple(markers.env)
        self.branches = tuple((Glob(glob), f"{section}.branches: {glob}")
                              for glob in markers.branches)
        self.labels = tuple((Glob(glob), f"{section}.labels: {glob}")
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


class DetectorBase:
    """What every detector reads: the origin settings, the compiled catalog and the policy's
    compiled markers (set by ``Classifier.__init__``)."""

    config: OriginConfig
    _index: BuiltinIndex
    _builtin: bool
    _markers: PolicyMarkers
    _human: PolicyMarkers
    _policy_sets: tuple[tuple[PolicyMarkers, EvidenceKind], ...]
    _people_seen: dict[tuple[str, str, str, str], tuple[Evidence, ...]]
    _trailer_marks: dict[tuple[str, str, int, str | None], tuple[Evidence, ...]]
    _mark_key_set: frozenset[str]
    _rule_keys: tuple[str, ...]
    _identity_keys: tuple[str, ...]
    _identity_domains: tuple[str, ...]
    _line_prefix_search: Callable[[str], re.Match[str] | None] | None
    _subject_prefixes: tuple[str, ...]

