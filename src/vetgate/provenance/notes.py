"""Line attribution records written by AI tooling: git-ai authorship notes and Agent Trace.

Both are read as data that anyone with push access can write, like trailers; both are
tolerated when malformed: a record that cannot be read yields nothing (never an exception),
and the rest of the evidence still decides.

git-ai (Git AI Standard v3.0.0, ``refs/notes/ai``)::

    src/main.rs                      <- file path at column 0 (quoted if it has whitespace)
      s_0123456789abcd::t_0123456789abcd 1-10,15   <- AI session → metadata.sessions
      h_0123456789abcd 11-14         <- a known human → metadata.humans
      d9978a8723e02b52 20-22         <- legacy prompt hash (16 or 7 hex) → metadata.prompts
    ---
    {"schema_version": "authorship/3.0.0", "prompts": {...}, "sessions": {...}, "humans": {...}}

The older layout (2025), stored at ``refs/ai/authorship/<sha>``, is one JSON object
``{"files": {path: {"authors": [{"author": "Claude", "lines": [22]}]}}, ...}``.

Agent Trace (RFC v0.1.0): JSON records with ``vcs.revision``, ``tool.name`` and
``files[].conversations[]`` carrying ``contributor.type`` (``human|ai|mixed|unknown``) and
``ranges[]`` (each may override the contributor).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from vetgate.records import frozen

# A line range list larger than this many characters is not a real attestation.
_MAX_RANGE_TEXT = 100_000
# Line numbers beyond this are nonsense (and would make counts meaningless).
_MAX_LINE = 10_000_000

_SESSION_KEY = re.compile(r"s_[0-9a-f]{14}(?:::t_[0-9a-f]{14})?")
_HUMAN_KEY = re.compile(r"h_[0-9a-f]{14}")
_PROMPT_KEY = re.compile(r"[0-9a-f]{16}|[0-9a-f]{7}")


@frozen
class Attribution:
    """Lines one contributor wrote, as a note or trace record says."""

    contributor: str  # "ai" | "mixed" | "human"
    tool: str | None  # the tool as the record names it ("claude", "cursor"), None if unnamed
    lines: int
    model: str | None = None
    # True when ``lines`` is a git-ai record's ``accepted_lines`` (the note attributes no line).
    accepted: bool = False


def count_ranges(text: str) -> int | None:
    """Lines in a range list such as ``1-4,9,12-30`` (any order); None when malformed."""
    if not text or len(text) > _MAX_RANGE_TEXT:
        return None
    total = 0
    for part in text.split(","):
        start_text, dash, end_text = part.partition("-")
        if not start_text.isdigit() or (dash and not end_text.isdigit()):
            return None
        if len(start_text) > 9 or len(end_text) > 9:
            return None
        start = int(start_text)
        end = int(end_text) if dash else start
        if start < 1 or end < start or end > _MAX_LINE:
            return None
        total += end - start + 1
    return total


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _agent(record: object) -> tuple[str | None, str | None]:
    """(tool, model) from a git-ai prompt/session record's ``agent_id``."""
    if not isinstance(record, Mapping):
        return None, None
    agent = record.get("agent_id")
    if not isinstance(agent, Mapping):
        return None, None
    return _str(agent.get("tool")), _str(agent.get("model"))


def _split_note(text: str) -> tuple[list[str], str]:
    """(attestation lines, metadata text) — the divider is the first line that is exactly ---."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if line.rstrip("\r") == "---":
            return lines[:index], "\n".join(lines[index + 1:])
    return lines, ""


def _parse_v3(text: str) -> tuple[Attribution, ...]:
    import json

    attestation, metadata_text = _split_note(text)
    try:
        metadata = json.loads(metadata_text) if metadata_text.strip() else {}
    except (ValueError, RecursionError):
        metadata = {}
    if not isinstance(metadata, Mapping):
        metadata = {}
    prompts = metadata.get("prompts")
    sessions = metadata.get("sessions")
    humans = metadata.get("humans")
    prompts = prompts if isinstance(prompts, Mapping) else {}
    sessions = sessions if isinstance(sessions, Mapping) else {}
    humans = humans if isinstance(humans, Mapping) else {}

    ai_lines: dict[tuple[str | None, str | None], int] = {}
    human_lines = 0
    attributed = False  # any line attributed, to an AI or to a human (known or not)
    for raw in attestation:
        line = raw.rstrip("\r")
        if not line.startswith("  ") or line.startswith("   "):
            continue  # a file path (column 0), or not an entry
        key, _, ranges = line[2:].partition(" ")
        count = count_ranges(ranges.strip())
        if count is None:
            continue
        if _HUMAN_KEY.fullmatch(key):
            attributed = True
            if key in humans:  # only a human the note knows counts as a declaration
                human_lines += count
            continue
        if _SESSION_KEY.fullmatch(key):
            record = sessions.get(key, sessions.get(key.split("::", 1)[0]))
        elif _PROMPT_KEY.fullmatch(key):
            record = prompts.get(key)
        else:
            continue  # stray key: tolerated, not counted
        agent = _agent(record)
        ai_lines[agent] = ai_lines.get(agent, 0) + count
        attributed = True

    accepted_lines: dict[tuple[str | None, str | None], int] = {}
    if not attributed:
        # A note that attributes no line at all (it starts with "---") but whose prompts or
        # sessions accepted AI lines: fail closed, the attestation may have been trimmed. Never
        # once any line is attributed — lines attributed to humans stay the humans'.
        for record in (*prompts.values(), *sessions.values()):
            accepted = record.get("accepted_lines") if isinstance(record, Mapping) else None
            if isinstance(accepted, int) and not isinstance(accepted, bool) and accepted > 0:
                agent = _agent(record)
                accepted_lines[agent] = accepted_lines.get(agent, 0) + min(accepted, _MAX_LINE)
    result = [Attribution("ai", tool, lines, model) for (tool, model), lines in ai_lines.items()]
    result.extend(Attribution("ai", tool, lines, model, accepted=True)
                  for (tool, model), lines in accepted_lines.items())
    if human_lines:
        result.append(Attribution("human", None, human_lines))
    return tuple(result)


def _parse_legacy(data: Mapping[str, object], is_ai_name: Callable[[str], bool]
                  ) -> tuple[Attribution, ...]:
    files = data.get("files")
    if not isinstance(files, Mapping):
        return ()
    ai_lines: dict[str, int] = {}
    for entry in files.values():
        authors = entry.get("authors") if isinstance(entry, Mapping) else None
        if not isinstance(authors, list):
            continue
        for author in authors:
            if not isinstance(author, Mapping):
                continue
            name = _str(author.get("author"))
            lines = author.get("lines")
            if name is None or not isinstance(lines, list) or not is_ai_name(name):
                continue  # names we cannot tell are AI are left unknown, not called human
            count = 0
            for item in lines:
                if isinstance(item, int) and not isinstance(item, bool) and item > 0:
                    count += 1
                elif (isinstance(item, list) and len(item) == 2
                      and all(isinstance(x, int) and not isinstance(x, bool) for x in item)
                      and 0 < item[0] <= item[1] <= _MAX_LINE):
                    count += item[1] - item[0] + 1
            if count:
                ai_lines[name] = ai_lines.get(name, 0) + count
    return tuple(Attribution("ai", name, lines) for name, lines in ai_lines.items())


def _never(_name: str) -> bool:
    return False


def parse_ai_note(text: str, is_ai_name: Callable[[str], bool] | None = None
                  ) -> tuple[Attribution, ...]:
    """Attributions of a git-ai note (v3 text, or the 2025 JSON layout); () when unreadable.

    ``is_ai_name`` decides, for the 2025 layout, whether an author name is an AI tool (names it
    does not recognise are left unknown).
    """
    if not isinstance(text, str) or not text.strip():
        return ()
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            import json

            data = json.loads(stripped)
        except (ValueError, RecursionError):
            return ()
        if isinstance(data, Mapping) and "files" in data:
            return _parse_legacy(data, is_ai_name or _never)
        return ()
    try:
        return _parse_v3(text)
    except (ValueError, TypeError, AttributeError, RecursionError):
        return ()


def _range_lines(item: object) -> int:
    if not isinstance(item, Mapping):
        return 0
    start, end = item.get("start_line"), item.get("end_line")
    if (isinstance(start, int) and isinstance(end, int) and not isinstance(start, bool)
            and not isinstance(end, bool) and 1 <= start <= end <= _MAX_LINE):
        return end - start + 1
    return 0


def _contributor(raw: object) -> tuple[str | None, str | None]:
    if not isinstance(raw, Mapping):
        return None, None
    kind = raw.get("type")
    return (kind if kind in ("human", "ai", "mixed", "unknown") else None,
            _str(raw.get("model_id")))


def parse_agent_traces(records: Sequence[Mapping[str, object]]) -> tuple[Attribution, ...]:
    """Attributions of Agent Trace records (all for one revision); malformed parts skipped."""
    totals: dict[tuple[str, str | None, str | None], int] = {}
    for record in records:
        if not isinstance(record, Mapping):
            continue
        tool_raw = record.get("tool")
        tool = _str(tool_raw.get("name")) if isinstance(tool_raw, Mapping) else None
        files = record.get("files")
        if not isinstance(files, list):
            continue
        for file_entry in files:
            conversations = (file_entry.get("conversations")
                             if isinstance(file_entry, Mapping) else None)
            if not isinstance(conversations, list):
                continue
            for conversation in conversations:
                if not isinstance(conversation, Mapping):
                    continue
                kind, model = _contributor(conversation.get("contributor"))
                ranges = conversation.get("ranges")
                if not isinstance(ranges, list):
                    continue
                for item in ranges:
                    range_kind, range_model = _contributor(
                        item.get("contributor") if isinstance(item, Mapping) else None)
                    final_kind = range_kind or kind
                    if final_kind not in ("ai", "mixed", "human"):
                        continue
                    lines = _range_lines(item)
                    if not lines:
                        continue
                    key = (final_kind, tool if final_kind != "human" else None,
                           (range_model or model) if final_kind != "human" else None)
                    totals[key] = totals.get(key, 0) + lines
    return tuple(Attribution(kind, tool, lines, model)
                 for (kind, tool, model), lines in totals.items())
