"""Identity detectors: author, committer, co-author trailers and the authors git's squash message
quotes, against the catalog's agent identities and the policy's identity markers.
"""

from __future__ import annotations

from vetgate.changes.model import Commit, Identity
from vetgate.provenance.catalog import CatalogEntry
from vetgate.provenance.index import DetectorBase, TrailerCandidate, split_addresses
from vetgate.provenance.model import Evidence, EvidenceKind
from vetgate.provenance.normalize import fold, fold_email
from vetgate.provenance.trailers import (
    SquashedCommit,
)

# Distinct author and committer pairs remembered per classifier; past this many the memory is
# dropped and refilled (a history of ever-new identities costs what it did without it).
_PEOPLE_MEMORY = 4096


class IdentityDetectors(DetectorBase):
    """Marks in who made a commit."""

    def _people(self, commit: Commit) -> tuple[Evidence, ...]:
        """The identity marks of the commit's author and committer (catalog and policy), in
        the order found; worked out once for each distinct pair of the two."""
        author, committer = commit.author, commit.committer
        key = (author.name, author.email, committer.name, committer.email)
        found = self._people_seen.get(key)
        if found is None:
            evidence: list[Evidence] = []
            if self._builtin:
                self._identities(commit, evidence)
            self._policy_identities(commit, evidence)
            found = tuple(evidence)
            if len(self._people_seen) >= _PEOPLE_MEMORY:
                self._people_seen.clear()
            self._people_seen[key] = found
        return found

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


    def _identity_trailer(self, candidate: TrailerCandidate, suggested_by: CatalogEntry | None,
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

