"""Context detectors: git-ai notes, Agent Trace records, the commit-time environment, CI branch
names and labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from vetgate.provenance.catalog import CatalogEntry
from vetgate.provenance.index import (
    _LEGACY_NOTES_REF,
    _NOTES_REF,
    _TRACES_FILE,
    DECLARATION_KEY,
    DetectorBase,
    _falsy,
    _slug,
)
from vetgate.provenance.model import Evidence, ProvenanceContext
from vetgate.provenance.normalize import fold
from vetgate.provenance.notes import parse_agent_traces, parse_ai_note


class ContextDetectors(DetectorBase):
    """Marks around a commit rather than in it."""

    # The last CI context seen and its evidence (every commit of a range shares one context).
    _context_key: tuple[str | None, tuple[str, ...]] | None = None
    _context_evidence: tuple[Evidence, ...] = ()

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


