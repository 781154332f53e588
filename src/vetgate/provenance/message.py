"""Message detectors: trailers (git's, disguised, and agent co-author lines anywhere after the
subject), footers, subject prefixes, links, git's squash message and the policy's message
markers.
"""

from __future__ import annotations

import re

from vetgate.provenance.catalog import CatalogEntry
from vetgate.provenance.identity import IdentityDetectors
from vetgate.provenance.index import (
    _LEADING_NOISE,
    _LOOSE_TRAILER,
    TrailerCandidate,
    _line_containing,
)
from vetgate.provenance.model import Evidence
from vetgate.provenance.normalize import fold
from vetgate.provenance.trailers import (
    SQUASH_QUOTE_INDENT,
    Trailer,
    find_separator,
    last_paragraph,
    parse_trailers,
    squashed_commits,
    trailer_block,
)


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


def _git_candidate(trailer: Trailer, shift: int, suffix: str) -> TrailerCandidate:
    """One of git's trailers, ready for matching; its line moved by ``shift`` and its place
    followed by ``suffix`` (a commit quoted in git's squash message)."""
    return TrailerCandidate(key=trailer.key.lower(), value=fold(trailer.value).strip(),
                            raw_value=trailer.value, detail=f"{trailer.key}: {trailer.value}",
                            where=f"trailer, message line {trailer.line + shift}{suffix}")


# Distinct trailers remembered per classifier (see ``_people``'s memory).
_TRAILER_MEMORY = 4096
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


class MessageDetectors(IdentityDetectors):
    """Marks in what a commit says."""

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

    def _suggested_by(self, folded_subject: str) -> CatalogEntry | None:
        """The catalog agent a suggestion subject credits ("Apply suggestion from @Copilot")."""
        match = self._index.catalog.suggestion_subject.match(folded_subject)
        if match is None or not match.group("login"):
            return None
        return self._index.mentioned_logins.get(match.group("login"))

    def _candidates(self, message: str, *, first_line: int = 1, squashed: str | None = None,
                    squash_message: bool = False) -> list[TrailerCandidate]:
        """The trailers of ``message`` (git's parse) and its disguised trailer lines.

        ``first_line``: the line of the whole commit message ``message`` starts on, and
        ``squashed`` the short sha of the quoted commit, for a message quoted in git's squash
        message; ``squash_message`` when ``message`` is git's squash message itself.
        """
        shift = first_line - 1
        suffix = f" (squashed commit {squashed})" if squashed else ""
        trailers = parse_trailers(message)
        keys = self._mark_key_set  # a trailer under any other key is no mark: not a candidate
        found = [_git_candidate(trailer, shift, suffix)
                 for trailer in trailers if trailer.key.lower() in keys]
        found.extend(self._other_candidates(message, trailers, shift=shift, squashed=squashed,
                                            squash_message=squash_message))
        return found

    def _other_candidates(self, message: str, trailers: tuple[Trailer, ...], *, shift: int,
                          squashed: str | None, squash_message: bool) -> list[TrailerCandidate]:
        """The candidates besides git's trailers: disguised trailer lines, then identity lines
        of trailer form anywhere after the subject (see :meth:`_candidates`)."""
        keys = self._mark_key_set
        found: list[TrailerCandidate] = []
        taken = {trailer.line for trailer in trailers}
        if not message.isascii():
            label = f"disguised trailer, squashed commit {squashed}" if squashed else (
                "disguised trailer")
            for number, line, match in _disguised_trailers(message, trailers,
                                                           skip_quoted=squash_message):
                value = match.group(2).strip()
                raw_value = line.split(":", 1)[1].strip() if ":" in line else value
                taken.add(number)
                if match.group(1) in keys:
                    found.append(TrailerCandidate(
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
                    found.append(TrailerCandidate(
                        key=key, value=fold(value), raw_value=value, detail=line.strip(),
                        where=f"message line {number + shift}, {where}", identity_only=True))
        return found

    def _init_trailer_prefilter(self) -> None:
        """The trailer keys a mark can fire on (a trailer under any other key is no mark),
        and what lets a message skip the trailer detectors (:meth:`_may_mark_trailers`)."""
        index = self._index
        identity_keys: set[str] = set()
        rule_keys: set[str] = set()
        if self._builtin:
            identity_keys.update(index.catalog.identity_trailer_keys)
            rule_keys.update(index.trailer_rules)
        for markers, _kind in self._policy_sets:
            rule_keys.update(markers.trailers)
        self._mark_key_set = frozenset(identity_keys | rule_keys)
        self._rule_keys = tuple(sorted(rule_keys))
        # Keys that fire only on a catalog identity in the value (co-author lines).
        self._identity_keys = tuple(sorted(identity_keys - rule_keys))
        # What follows the "@" of every address the catalog knows ("anthropic.com").
        needles = index.identity_needles() if self._builtin else ()
        domains = {needle.partition("@")[2] for needle in needles}
        if any(not domain or domain != domain.strip() or " " in domain for domain in domains):
            domains = {""}  # "" follows every "@": no prefilter
        self._identity_domains = tuple(sorted(domains))
        prefixes = index.message_prefilter if self._builtin else ()
        self._line_prefix_search = (
            re.compile("|".join(map(re.escape, prefixes))).search if prefixes else None)
        self._subject_prefixes = tuple(prefix for prefix, _entry in index.subject_prefixes)

    def _may_mark_trailers(self, message: str, folded: str) -> bool:
        """False when no trailer line of ``message`` can be a mark (most messages), True when
        one may be (then the detectors decide). ``folded`` is ``fold(message)``.

        Only for ASCII text, where folding is lower-casing: every line git (or the reading of
        lines anywhere after the subject) takes as a trailer starts with its key, which ends at
        the line's first ``:``; a key that fires only on an identity needs a catalog address in
        the message, so an ``@`` followed by a catalog domain (no catalog address holds a
        blank, so none spans the lines of a folded value). Text with other characters may hide
        a key or an address: always True.
        """
        if not message.isascii():
            return True
        colon = folded.find(":")
        rule_keys, identity_keys = self._rule_keys, self._identity_keys
        identity_line = False
        while colon >= 0:
            start = folded.rfind("\n", 0, colon) + 1
            if folded.startswith(rule_keys, start):
                return True
            identity_line = identity_line or folded.startswith(identity_keys, start)
            end = folded.find("\n", colon)
            colon = folded.find(":", end) if end >= 0 else -1
        if not identity_line:
            return False
        at = folded.find("@")
        while at >= 0:
            if folded.startswith(self._identity_domains, at + 1):
                return True
            at = folded.find("@", at + 1)
        return False

    def _trailers(self, message: str, folded: str, suggested_by: CatalogEntry | None,
                  evidence: list[Evidence], *, squash_message: bool = False) -> None:
        """The marks of the message's trailer lines; ``folded`` is ``fold(message)``."""
        if "\n" not in message.rstrip("\n"):
            return  # one line: no trailers (the fast path for most commits)
        if not self._may_mark_trailers(message, folded):
            return
        trailers = parse_trailers(message)
        keys = self._mark_key_set
        seen = self._trailer_marks
        suggested = suggested_by.id if suggested_by is not None else None
        for trailer in trailers:
            if trailer.key.lower() not in keys:
                continue  # no mark has this key
            # What a trailer shows is a function of its text, its line and the credited agent
            # (co-author lines repeat across a history): worked out once for each.
            memory_key = (trailer.key, trailer.value, trailer.line, suggested)
            marks = seen.get(memory_key)
            if marks is None:
                found: list[Evidence] = []
                self._match_trailer(_git_candidate(trailer, 0, ""), suggested_by, found)
                marks = tuple(found)
                if len(seen) >= _TRAILER_MEMORY:
                    seen.clear()
                seen[memory_key] = marks
            evidence.extend(marks)
        for candidate in self._other_candidates(message, trailers, shift=0, squashed=None,
                                                squash_message=squash_message):
            self._match_trailer(candidate, suggested_by, evidence)

    def _match_trailer(self, candidate: TrailerCandidate, suggested_by: CatalogEntry | None,
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


    def _message_marks(self, message: str, folded: str, folded_subject: str, subject: str,
                       suggested_by: CatalogEntry | None, evidence: list[Evidence]) -> None:
        index = self._index
        if folded_subject.startswith(self._subject_prefixes):  # one test for all, then which
            for prefix, entry in index.subject_prefixes:
                if folded_subject.startswith(prefix):
                    evidence.append(Evidence(detector="message", kind="ai", detail=subject,
                                             where="subject", tool=entry.tool, entry=entry.id))
        if self._line_prefix_search is not None and self._line_prefix_search(folded):
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
            found = _line_containing(message, folded, text) if text in folded else None
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


