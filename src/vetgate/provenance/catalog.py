"""Load and validate the built-in catalog (``catalog.yaml``) into frozen data.

The catalog ships inside the package; a broken catalog is a packaging bug, reported as a
``VetgateError`` naming the entry and the field (never a traceback, never a silent pass).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any, Literal

from vetgate.errors import VetgateError
from vetgate.provenance.normalize import fold, fold_email
from vetgate.records import frozen

EntryKind = Literal[
    "identity", "suggestion-identity", "trailer", "message", "subject-prefix", "name-suffix",
    "env", "branch", "label", "name-pattern",
]
ENTRY_KINDS: tuple[str, ...] = (
    "identity", "suggestion-identity", "trailer", "message", "subject-prefix", "name-suffix",
    "env", "branch", "label", "name-pattern",
)
CONFIDENCES = ("H", "M", "L")
VALUE_RULES = ("any", "not-negative", "negative", "ai-words", "agent-path")

# The fields each kind may carry (besides id, tool, kind, confidence, note).
_KIND_FIELDS: dict[str, frozenset[str]] = {
    "identity": frozenset({"emails", "github", "login-only", "names_contain", "default_names",
                           "logins"}),
    "trailer": frozenset({"keys", "values", "value_prefixes", "value_rule", "verdict"}),
    "message": frozenset({"line_prefixes", "contains", "line_patterns"}),
    "subject-prefix": frozenset({"prefixes"}),
    "name-suffix": frozenset({"suffixes"}),
    "env": frozenset({"env", "declare"}),
    "branch": frozenset({"patterns"}),
    "label": frozenset({"labels"}),
    "name-pattern": frozenset({"patterns"}),
}
_KIND_FIELDS["suggestion-identity"] = _KIND_FIELDS["identity"]
_COMMON_FIELDS = frozenset({"id", "tool", "kind", "confidence", "note", "evidence"})

CATALOG_FILE = "catalog.yaml"


class CatalogError(VetgateError):
    """The built-in catalog is malformed (a packaging bug)."""


@frozen
class EnvCondition:
    """``name`` set to a non-falsy value, equal to ``value`` (folded) when given."""

    name: str
    value: str | None = None

    def __str__(self) -> str:
        return self.name if self.value is None else f"{self.name}={self.value}"


@frozen
class CatalogEntry:
    """One mark an AI tool leaves. Pattern fields hold folded text, ready for lookups."""

    id: str
    tool: str | None  # None: the tool is named by the matched value (declarations, AGENT=)
    kind: str
    confidence: str
    note: str = ""
    verdict: Literal["ai", "human"] = "ai"
    # True: the mark says an agent orchestrator *ran* the commit (evidence kind "executed"),
    # not that an agent wrote it.
    executed: bool = False
    # identity / suggestion-identity
    emails: tuple[str, ...] = ()
    github: tuple[tuple[str, str], ...] = ()  # (numeric id, login)
    login_only: tuple[str, ...] = ()  # GitHub App bot logins whose id is not published
    names_contain: tuple[str, ...] = ()
    default_names: tuple[str, ...] = ()
    logins: tuple[str, ...] = ()  # accounts named in "Apply suggestion from @login", reviews
    # trailer
    keys: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    value_prefixes: tuple[str, ...] = ()
    value_rule: str = "any"
    # message / subject-prefix / name-suffix
    line_prefixes: tuple[str, ...] = ()
    contains: tuple[str, ...] = ()
    line_patterns: tuple[str, ...] = ()  # regular expressions, full match on a folded line
    prefixes: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()
    # env: alternatives, each a conjunction
    env: tuple[tuple[EnvCondition, ...], ...] = ()
    declare: str | None = None
    # branch / label
    patterns: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()

    @property
    def is_suggestion(self) -> bool:
        return self.kind == "suggestion-identity"

    def describe_pattern(self) -> str:
        """The pattern in one line of Markdown-friendly text (for the docs table)."""
        parts: list[str] = []
        if self.emails:
            parts.append(", ".join(f"`{e}`" for e in self.emails))
        if self.github:
            parts.append(", ".join(f"`{i}+{login}@users.noreply.github.com`"
                                   for i, login in self.github))
        if self.login_only:
            parts.append(", ".join(f"`<any id>+{login}@users.noreply.github.com`"
                                   for login in self.login_only))
        if self.names_contain:
            parts.append("name contains " + ", ".join(f"`{n}`" for n in self.names_contain))
        if self.keys:
            keys = ", ".join(f"`{k}:`" for k in self.keys)
            if self.values:
                keys += " value " + " or ".join(f"`{v}`" for v in self.values)
            elif self.value_prefixes:
                keys += " value starting " + " or ".join(f"`{v}`" for v in self.value_prefixes)
            elif self.value_rule != "any":
                keys += {"not-negative": " any value but no/none/false",
                         "negative": " value no/none/false",
                         "ai-words": " value naming an AI tool or model",
                         "agent-path": " value an orchestrator role path (`rig/role/name`) or "
                                       "naming an AI model"}[self.value_rule]
            parts.append(keys)
        if self.line_prefixes:
            parts.append("a line starting " + " or ".join(f"`{p}`" for p in self.line_prefixes))
        if self.line_patterns:
            parts.append("a line matching " + " or ".join(f"`{p}`" for p in self.line_patterns))
        if self.contains:
            parts.append("message contains " + " or ".join(f"`{c}`" for c in self.contains))
        if self.prefixes:
            parts.append("subject starts " + " or ".join(f"`{p}`" for p in self.prefixes))
        if self.suffixes:
            parts.append("author name ends " + " or ".join(f"`{s}`" for s in self.suffixes))
        if self.env:
            parts.append(" or ".join(" + ".join(f"`{c}`" for c in alt) for alt in self.env))
        if self.patterns:
            head = "author or committer name matching " if self.kind == "name-pattern" else ""
            parts.append(head + " or ".join(f"`{p}`" for p in self.patterns))
        if self.labels:
            parts.append(" or ".join(f"`{label}`" for label in self.labels))
        return "; ".join(parts)


@frozen
class NotAiExample:
    """A look-alike that must never classify as AI."""

    id: str
    why: str
    author: str | None = None
    committer: str | None = None
    message: str | None = None


@frozen
class Catalog:
    entries: tuple[CatalogEntry, ...]
    identity_trailer_keys: frozenset[str]
    suggestion_subject: re.Pattern[str]
    negative_values: frozenset[str]
    falsy_env_values: frozenset[str]
    ai_words: Mapping[str, str]
    ai_word_prefixes: Mapping[str, str]
    note_tools: Mapping[str, str]
    agent_logins: frozenset[str]
    not_ai: tuple[NotAiExample, ...]

    def entry(self, entry_id: str) -> CatalogEntry:
        """The entry with this id (KeyError when there is none)."""
        for item in self.entries:
            if item.id == entry_id:
                return item
        raise KeyError(entry_id)


def _fail(where: str, message: str) -> CatalogError:
    return CatalogError(f"built-in catalog {CATALOG_FILE}: {where}: {message} "
                        "(this is a packaging bug; reinstall vetgate)")


def _str_list(raw: Any, where: str, field: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, str) and x for x in raw):
        raise _fail(where, f"`{field}` must be a list of non-empty strings")
    return tuple(raw)


def _env_condition(text: str) -> EnvCondition:
    name, eq, value = text.partition("=")
    return EnvCondition(name, fold(value) if eq else None)


def _parse_env(raw: Any, where: str) -> tuple[tuple[EnvCondition, ...], ...]:
    if not isinstance(raw, list) or not raw:
        raise _fail(where, "`env` must be a non-empty list")
    alternatives: list[tuple[EnvCondition, ...]] = []
    for alt in raw:
        items = alt if isinstance(alt, list) else [alt]
        if not items or not all(isinstance(x, str) and x and not x.startswith("=")
                                for x in items):
            raise _fail(where, "`env` items must be NAME, NAME=value, or lists of those")
        alternatives.append(tuple(_env_condition(x) for x in items))
    return tuple(alternatives)


def _folded(raw: dict[str, Any], where: str, field: str) -> tuple[str, ...]:
    return tuple(fold(x) for x in _str_list(raw.get(field), where, field))


def _identity_fields(raw: dict[str, Any], where: str) -> dict[str, Any]:
    pairs: list[tuple[str, str]] = []
    for pair in raw.get("github") or []:
        if (not isinstance(pair, dict) or set(pair) != {"id", "login"}
                or not str(pair["id"]).isdigit() or not isinstance(pair["login"], str)):
            raise _fail(where, "`github` items must be {id: <digits>, login: <login>}")
        pairs.append((str(pair["id"]), fold(pair["login"])))
    fields: dict[str, Any] = {
        "emails": tuple(fold_email(e) for e in _str_list(raw.get("emails"), where, "emails")),
        "github": tuple(pairs),
        "login_only": _folded(raw, where, "login-only"),
        "names_contain": _folded(raw, where, "names_contain"),
        "default_names": _folded(raw, where, "default_names"),
        "logins": _folded(raw, where, "logins"),
    }
    if any(not login.endswith("[bot]") for login in fields["login_only"]):
        raise _fail(where, "`login-only` is only for GitHub App bots (…[bot])")
    if not (fields["emails"] or fields["github"] or fields["login_only"]):
        raise _fail(where, "an identity needs emails, github or login-only")
    return fields


def _trailer_fields(raw: dict[str, Any], where: str) -> dict[str, Any]:
    keys = _str_list(raw.get("keys"), where, "keys")
    if not keys or not all(re.fullmatch(r"[A-Za-z0-9-]+", k) for k in keys):
        raise _fail(where, "`keys` must list trailer keys of letters, digits and -")
    rule = raw.get("value_rule", "any")
    if rule not in VALUE_RULES:
        raise _fail(where, f"`value_rule` must be one of {', '.join(VALUE_RULES)}")
    verdict = raw.get("verdict", "ai")
    if verdict not in ("ai", "human"):
        raise _fail(where, "`verdict` must be ai or human")
    return {"keys": keys, "values": _folded(raw, where, "values"),
            "value_prefixes": _folded(raw, where, "value_prefixes"), "value_rule": rule,
            "verdict": verdict}


def _message_fields(raw: dict[str, Any], where: str) -> dict[str, Any]:
    fields = {"line_prefixes": _folded(raw, where, "line_prefixes"),
              "contains": _folded(raw, where, "contains"),
              "line_patterns": _patterns(raw.get("line_patterns"), where, "line_patterns")}
    if not any(fields.values()):
        raise _fail(where, "a message entry needs line_prefixes, contains or line_patterns")
    return fields


def _required(field: str, parse: Callable[[dict[str, Any], str], tuple[str, ...]]
              ) -> Callable[[dict[str, Any], str], dict[str, Any]]:
    """A kind whose one pattern field must not be empty."""
    def fields(raw: dict[str, Any], where: str) -> dict[str, Any]:
        values = parse(raw, where)
        if not values:
            raise _fail(where, f"`{field}` is required")
        return {field: values}
    return fields


def _env_fields(raw: dict[str, Any], where: str) -> dict[str, Any]:
    declare = raw.get("declare")
    if not isinstance(declare, str) or not declare:
        raise _fail(where, "`declare` must name the AI-Assisted value (or $value)")
    return {"env": _parse_env(raw.get("env"), where), "declare": declare}


# How each kind's own fields are read (CatalogEntry field name → value).
_KIND_PARSERS: dict[str, Callable[[dict[str, Any], str], dict[str, Any]]] = {
    "identity": _identity_fields,
    "suggestion-identity": _identity_fields,
    "trailer": _trailer_fields,
    "message": _message_fields,
    "subject-prefix": _required("prefixes", lambda r, w: _folded(r, w, "prefixes")),
    "name-suffix": _required("suffixes", lambda r, w: _folded(r, w, "suffixes")),
    "env": _env_fields,
    "branch": _required("patterns", lambda r, w: _patterns(r.get("patterns"), w, "patterns")),
    "name-pattern": _required("patterns",
                              lambda r, w: _patterns(r.get("patterns"), w, "patterns")),
    "label": _required("labels", lambda r, w: _folded(r, w, "labels")),
}


def _common(raw: Any, index: int, seen: set[str]) -> tuple[str, str, str]:
    """``(id, kind, where)`` of an entry, checking the fields every entry has."""
    where = f"entries[{index}]"
    if not isinstance(raw, dict):
        raise _fail(where, "must be a mapping")
    entry_id = raw.get("id")
    if not isinstance(entry_id, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", entry_id):
        raise _fail(where, "`id` must be a lower-case slug")
    where = f"entry {entry_id}"
    if entry_id in seen:
        raise _fail(where, "duplicate id")
    seen.add(entry_id)
    kind = raw.get("kind")
    if kind not in ENTRY_KINDS:
        raise _fail(where, f"`kind` must be one of {', '.join(ENTRY_KINDS)}")
    unknown = set(raw) - _COMMON_FIELDS - _KIND_FIELDS[kind]
    if unknown:
        raise _fail(where, f"unknown field(s) for kind {kind}: {', '.join(sorted(unknown))}")
    if "tool" not in raw:
        raise _fail(where, "`tool` is required (null when the value names the tool)")
    tool = raw["tool"]
    if tool is not None and (not isinstance(tool, str) or not tool):
        raise _fail(where, "`tool` must be a name or null")
    if raw.get("confidence") not in CONFIDENCES:
        raise _fail(where, "`confidence` must be H, M or L")
    if not isinstance(raw.get("note", ""), str):
        raise _fail(where, "`note` must be text")
    return entry_id, kind, where


def _parse_entry(raw: Any, index: int, seen: set[str]) -> CatalogEntry:
    entry_id, kind, where = _common(raw, index, seen)
    fields = _KIND_PARSERS[kind](raw, where)
    tool = raw["tool"]
    if tool is None and kind not in ("trailer", "env") and not fields.get("line_patterns"):
        raise _fail(where, "only trailer, env and line_patterns entries may leave `tool` null")
    evidence = raw.get("evidence", "ai")
    if evidence not in ("ai", "executed") or (evidence == "executed"
                                              and kind not in ("trailer", "name-pattern")):
        raise _fail(where, "`evidence` is ai, or executed for trailer and name-pattern entries")
    return CatalogEntry(id=entry_id, tool=tool, kind=kind, confidence=raw["confidence"],
                        note=" ".join(raw.get("note", "").split()),
                        executed=evidence == "executed", **fields)


def _patterns(raw: Any, where: str, field: str) -> tuple[str, ...]:
    """Regular expressions, each checked to compile."""
    patterns = _str_list(raw, where, field)
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise _fail(where, f"bad pattern {pattern!r}: {exc}") from None
    return patterns


def _str_map(raw: Any, field: str) -> dict[str, str]:
    if not isinstance(raw, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                            for k, v in raw.items()):
        raise _fail(field, "must map words to tool names")
    return {fold(k): v for k, v in raw.items()}


def parse_catalog(data: Any, *, lines: tuple[int, ...] = ()) -> Catalog:
    """Validate the YAML document ``data`` and build the :class:`Catalog`."""
    if not isinstance(data, dict) or data.get("version") != 1:
        raise _fail("top level", "expected a mapping with version: 1")
    known = {"version", "identity_trailer_keys", "suggestion_subject", "negative_values",
             "falsy_env_values", "ai_words", "ai_word_prefixes", "note_tools", "agent_logins",
             "entries", "not_ai"}
    unknown = set(data) - known
    if unknown:
        raise _fail("top level", f"unknown key(s): {', '.join(sorted(unknown))}")
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise _fail("top level", "`entries` must be a non-empty list")
    seen: set[str] = set()
    entries: list[CatalogEntry] = []
    for index, raw in enumerate(raw_entries):
        try:
            entries.append(_parse_entry(raw, index, seen))
        except CatalogError as exc:
            if index < len(lines):
                raise CatalogError(f"{exc} [{CATALOG_FILE} line {lines[index]}]") from None
            raise
    try:
        suggestion = re.compile(str(data.get("suggestion_subject", "")))
    except re.error as exc:
        raise _fail("suggestion_subject", str(exc)) from None
    not_ai: list[NotAiExample] = []
    for raw in data.get("not_ai") or []:
        if not isinstance(raw, dict) or not {"id", "why"} <= set(raw) or not (
                set(raw) <= {"id", "why", "author", "committer", "message"}):
            raise _fail("not_ai", "items need id, why and author/committer/message")
        not_ai.append(NotAiExample(**raw))
    return Catalog(
        entries=tuple(entries),
        identity_trailer_keys=frozenset(
            k.lower() for k in _str_list(data.get("identity_trailer_keys"), "top level",
                                         "identity_trailer_keys")),
        suggestion_subject=suggestion,
        negative_values=frozenset(fold(v) for v in _str_list(
            data.get("negative_values"), "top level", "negative_values")),
        falsy_env_values=frozenset(
            fold(str(v)) for v in (data.get("falsy_env_values") or [])),
        ai_words=_str_map(data.get("ai_words") or {}, "ai_words"),
        ai_word_prefixes=_str_map(data.get("ai_word_prefixes") or {}, "ai_word_prefixes"),
        note_tools=_str_map(data.get("note_tools") or {}, "note_tools"),
        agent_logins=frozenset(fold(x) for x in _str_list(data.get("agent_logins"), "top level",
                                                          "agent_logins")),
        not_ai=tuple(not_ai),
    )


@functools.lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The built-in catalog, loaded and validated once per process.

    Read through the same located-YAML reader as policies (``vetgate.policy.yamlload``): tabs,
    duplicate keys, aliases and unsupported tags are refused with the line they are on, and an
    entry that fails validation is reported with its line too.
    """
    return catalog_from_bytes(
        resources.files("vetgate.provenance").joinpath(CATALOG_FILE).read_bytes())


def catalog_from_bytes(data: bytes) -> Catalog:
    """Read and validate a catalog file's bytes (see :func:`load_catalog`)."""
    from vetgate.policy.yamlload import YamlFileError, YMap, YSeq, parse_yaml

    try:
        tree, problems = parse_yaml(data)
    except YamlFileError as exc:
        tree, problems = None, exc.problems
    if problems:
        raise _fail(f"line {problems[0].mark.line}", problems[0].message)
    found = {key: value for key, _mark, value in tree.items} if isinstance(tree, YMap) else {}
    entries = found.get("entries")
    lines = tuple(item.mark.line for item in entries.items) if isinstance(entries, YSeq) else ()
    return parse_catalog(plain(tree), lines=lines)


def plain(node: Any) -> Any:
    """A located YAML tree (``vetgate.policy.yamlload``) as plain lists, dicts and scalars."""
    from vetgate.policy.yamlload import YMap, YSeq

    if isinstance(node, YMap):
        return {key: plain(value) for key, _mark, value in node.items}
    if isinstance(node, YSeq):
        return [plain(item) for item in node.items]
    return None if node is None else node.value


DOCS_BEGIN = "<!-- catalog table: generated from src/vetgate/provenance/catalog.yaml -->"
DOCS_END = "<!-- end of catalog table -->"


def markdown_table(catalog: Catalog | None = None) -> str:
    """The catalog as the Markdown table docs/provenance.md carries (kept in sync by a test)."""
    catalog = catalog or load_catalog()

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    def prose(text: str) -> str:
        return cell(text.replace("<", "&lt;").replace(">", "&gt;"))

    rows = ["| id | tool | kind | pattern | conf. | note |", "|---|---|---|---|---|---|"]
    for entry in catalog.entries:
        kind = entry.kind if entry.verdict == "ai" else f"{entry.kind} (human)"
        rows.append("| " + " | ".join(cell(x) for x in (
            f"`{entry.id}`", entry.tool or "(named by the value)", kind,
            entry.describe_pattern(), entry.confidence)) + f" | {prose(entry.note)} |")
    return "\n".join(rows) + "\n"


def update_docs(path: str) -> bool:
    """Rewrite the generated table in the Markdown file ``path``; True when it changed."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    start = text.index(DOCS_BEGIN) + len(DOCS_BEGIN)
    end = text.index(DOCS_END)
    updated = text[:start] + "\n" + markdown_table() + text[end:]
    if updated != text:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(updated)
    return updated != text


if __name__ == "__main__":  # python -m vetgate.provenance.catalog docs/provenance.md
    import sys

    if len(sys.argv) == 2:
        print("updated" if update_docs(sys.argv[1]) else "up to date")
    else:
        print(markdown_table(), end="")
