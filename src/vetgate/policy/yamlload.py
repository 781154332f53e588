"""Reading one policy file: bytes → a tree of YAML values that remember where they were written.

PyYAML's own loaders forget positions, accept duplicate keys (the last one silently wins) and
expand aliases without bound. This module keeps every value's line and column (1-based), refuses
duplicate keys, anchors and aliases, tab indentation, non-UTF-8 bytes and oversized files, and
turns every PyYAML exception into a located problem instead of a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from vetgate.policy.files import MAX_POLICY_BYTES
from vetgate.records import frozen

MAX_NESTING = 64  # deeper nesting is never a policy

_STANDARD_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")
)
_SEQ_TAG = "tag:yaml.org,2002:seq"
_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_LEADING_WHITESPACE = re.compile(r"[ \t]*")


@frozen
class Mark:
    """A position in a policy file: 1-based line and column (column counts characters)."""

    line: int
    column: int


@frozen
class YScalar:
    """A scalar as YAML 1.1 reads it: str, int, float, bool, None, or a date/datetime."""

    value: Any
    mark: Mark
    text: str  # the scalar as written (for "quote it" hints)


@frozen
class YSeq:
    items: tuple[YNode, ...]
    mark: Mark


@frozen
class YMap:
    """A mapping with string keys, in file order; duplicates and non-string keys removed."""

    items: tuple[tuple[str, Mark, YNode], ...]  # (key, where the key is, value)
    mark: Mark


YNode = YScalar | YSeq | YMap


@frozen
class Problem:
    mark: Mark
    message: str


class YamlFileError(Exception):
    """The file cannot be read as a policy at all; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def _mark(raw: yaml.Mark | None) -> Mark:
    if raw is None:
        return Mark(1, 1)
    return Mark(raw.line + 1, raw.column + 1)


def _position_mark(text: str, position: int) -> Mark:
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return Mark(line, column)


class _Refused(Exception):
    def __init__(self, mark: Mark, message: str) -> None:
        super().__init__(message)
        self.problem = Problem(mark, message)


# libyaml's parser when PyYAML was built with it (dozens of times faster), else PyYAML's own.
# Only the event stream is used: the tree is built here, iteratively, so aliases are refused
# before anything is expanded and deep nesting never recurses.
_EVENT_LOADER: type = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
_INVALID_KEY = object()


@dataclass
class _Frame:
    """An open sequence or mapping while events stream in."""

    mark: Mark
    is_map: bool
    items: list[Any]
    key: Any = None  # a mapping's pending key: None (none yet), _INVALID_KEY, or (str, Mark)
    seen: dict[str, Mark] | None = None
    discard: bool = False  # an unsupported tag: the whole value is left out


class _TreeBuilder:
    """Builds the located tree from PyYAML events."""

    def __init__(self) -> None:
        self.resolver = yaml.resolver.Resolver()
        self.constructor = yaml.constructor.SafeConstructor()
        self.problems: list[Problem] = []

    def build(self, events: Any) -> YNode | None:
        stack: list[_Frame] = []
        root: YNode | None = None
        documents = 0
        # Dispatch on the event's exact class, commonest first (a big policy is ~50,000
        # events); a mark is made only for what can carry one into the tree or a problem.
        for event in events:
            kind = event.__class__
            value: YNode | None
            if kind is yaml.ScalarEvent:
                if event.anchor is not None:
                    self._anchor(event)
                mark = _mark(event.start_mark)
                value = self.scalar(event, mark)
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                mark = _mark(event.start_mark)
                frame = stack.pop()
                if frame.discard:
                    value = None
                elif frame.is_map:
                    value = YMap(tuple(frame.items), frame.mark)
                else:
                    value = YSeq(tuple(frame.items), frame.mark)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                if event.anchor is not None:
                    self._anchor(event)
                mark = _mark(event.start_mark)
                if len(stack) >= MAX_NESTING:
                    raise _Refused(mark, f"values are nested more than {MAX_NESTING} levels deep")
                is_map = kind is yaml.MappingStartEvent
                tag = event.tag
                if tag is None or tag == "!":
                    node_kind = yaml.MappingNode if is_map else yaml.SequenceNode
                    tag = self.resolver.resolve(node_kind, None, event.implicit)
                discard = tag != (_MAP_TAG if is_map else _SEQ_TAG)
                if discard:
                    self.problems.append(Problem(
                        mark, f"unsupported YAML tag {_describe_tag(tag)}; remove the tag"))
                stack.append(_Frame(mark, is_map, [], None, {} if is_map else None, discard))
                continue
            elif kind is yaml.AliasEvent:
                raise _Refused(_mark(event.start_mark),
                               f"YAML aliases (*{event.anchor}) are not allowed in policy "
                               "files; write the value out in full")
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _Refused(_mark(event.start_mark),
                                   "file holds more than one YAML document ('---'); a policy "
                                   "file is a single document")
                continue
            else:  # stream start and end, document end: nothing to build
                continue
            if not stack:
                root = value
            else:
                self.add(stack[-1], value, mark)
        return root

    @staticmethod
    def _anchor(event: Any) -> None:
        raise _Refused(_mark(event.start_mark),
                       f"YAML anchors (&{event.anchor}) are not allowed in policy files; write "
                       "the value out in full")

    def scalar(self, event: Any, mark: Mark) -> YScalar | None:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag == "tag:yaml.org,2002:merge":
            self.problems.append(Problem(mark, "YAML merge keys (<<) are not allowed in policy "
                                               "files; write the keys out in full"))
            return None
        if tag == _STR_TAG:
            # What SafeConstructor makes of a string is its text: no node, no constructor (most
            # scalars of a policy are strings: ids, paths, messages).
            return YScalar(event.value, mark, event.value)
        if tag not in _STANDARD_SCALAR_TAGS:
            self.problems.append(Problem(
                mark, f"unsupported YAML tag {_describe_tag(tag)}; remove the tag"))
            return None
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            value = self.constructor.yaml_constructors[tag](self.constructor, node)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            self.problems.append(Problem(mark, f"cannot read the value {event.value!r}: {exc}"))
            return None
        return YScalar(value, mark, event.value)

    def add(self, frame: _Frame, value: YNode | None, mark: Mark) -> None:
        if not frame.is_map:
            if value is not None:
                frame.items.append(value)
            return
        if frame.key is None:  # this value is a key
            frame.key = self.key(value, mark, frame)
            return
        key, frame.key = frame.key, None
        if key is not _INVALID_KEY and value is not None:
            frame.items.append((key[0], key[1], value))

    def key(self, value: YNode | None, mark: Mark, frame: _Frame) -> Any:
        if value is None:
            return _INVALID_KEY
        if not isinstance(value, YScalar):
            self.problems.append(Problem(value.mark, "mapping keys must be plain strings"))
            return _INVALID_KEY
        if not isinstance(value.value, str):
            self.problems.append(Problem(
                mark,
                f"key {value.text!r} is read as {_kind(value.value)}, not a string; "
                f'quote it ("{value.text}") if you meant the text',
            ))
            return _INVALID_KEY
        assert frame.seen is not None
        if value.value in frame.seen:
            self.problems.append(Problem(
                mark,
                f'duplicate key "{value.value}" (first defined at line '
                f"{frame.seen[value.value].line}); remove one of them",
            ))
            return _INVALID_KEY
        frame.seen[value.value] = mark
        return (value.value, mark)


def _decode(data: bytes) -> str:
    if len(data) > MAX_POLICY_BYTES:
        raise YamlFileError([Problem(
            Mark(1, 1),
            f"file is larger than 1 MiB ({MAX_POLICY_BYTES} bytes); policy files are limited "
            "to that size: split the policy into several files with include:",
        )])
    for bom, name in ((b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16")):
        if data.startswith(bom):
            raise YamlFileError([Problem(
                Mark(1, 1), f"file is encoded as {name}; save it as UTF-8",
            )])
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start
        line = data.count(b"\n", 0, offset) + 1
        line_start = data.rfind(b"\n", 0, offset) + 1
        column = len(data[line_start:offset].decode("utf-8", "replace")) + 1
        raise YamlFileError([Problem(
            Mark(line, column),
            f"file is not valid UTF-8 (byte 0x{data[offset]:02x} at offset {offset}); "
            "save it as UTF-8",
        )]) from None


def _check_tabs(text: str) -> None:
    problems = []
    for number, line in enumerate(text.split("\n"), start=1):
        indent = _LEADING_WHITESPACE.match(line)
        assert indent is not None
        if "\t" in indent.group() and line.strip():
            problems.append(Problem(
                Mark(number, indent.group().index("\t") + 1),
                "tab character in indentation; YAML indents with spaces only",
            ))
    if problems:
        raise YamlFileError(problems)


def _describe_tag(tag: str) -> str:
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix):] if tag.startswith(prefix) else tag


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    return f"a {type(value).__name__}"


def parse_yaml(data: bytes) -> tuple[YNode | None, list[Problem]]:
    """Parse one policy file's bytes.

    Returns the located tree (None for an empty document) and the problems that did not stop
    parsing (duplicate keys, unsupported tags — those values are left out of the tree). Raises
    ``YamlFileError`` when the file cannot be read at all (size, encoding, tabs, syntax, aliases).
    """
    text = _decode(data)
    _check_tabs(text)
    builder = _TreeBuilder()
    try:
        tree = builder.build(yaml.parse(text, Loader=_EVENT_LOADER))
    except _Refused as exc:
        raise YamlFileError([exc.problem]) from None
    except yaml.YAMLError:
        # Report in PyYAML's own words whether or not libyaml did the parsing, so messages do
        # not depend on how PyYAML was built: the pure-Python parser finds the same problem.
        pass
    else:
        return tree, builder.problems
    try:
        _TreeBuilder().build(yaml.parse(text, Loader=yaml.SafeLoader))
    except _Refused as exc:
        raise YamlFileError([exc.problem]) from None
    except yaml.MarkedYAMLError as exc:
        raise YamlFileError([_syntax_problem(exc)]) from None
    except yaml.reader.ReaderError as exc:
        raise YamlFileError([_reader_problem(text, exc)]) from None
    except yaml.YAMLError as exc:
        raise YamlFileError([Problem(Mark(1, 1), f"YAML error: {exc}")]) from None
    # libyaml refused what PyYAML accepts: fail closed all the same.
    raise YamlFileError([Problem(Mark(1, 1), "YAML error: the file cannot be parsed")])


def _reader_problem(text: str, exc: yaml.reader.ReaderError) -> Problem:
    character = exc.character
    shown = f"U+{character:04X}" if isinstance(character, int) else repr(character)
    position = exc.position
    if exc.encoding != "unicode":  # libyaml counts bytes of the UTF-8 text
        position = len(text.encode("utf-8")[:position].decode("utf-8", "replace"))
    return Problem(_position_mark(text, position),
                   f"control character {shown} is not allowed in YAML; remove it")


def _syntax_problem(exc: yaml.MarkedYAMLError) -> Problem:
    where = exc.problem_mark or exc.context_mark
    problem = (exc.problem or "invalid YAML").strip()
    if "another document" in problem:
        return Problem(_mark(where), "file holds more than one YAML document ('---'); "
                                     "a policy file is a single document")
    detail = f"YAML syntax error: {problem}"
    if exc.context and exc.context_mark is not None and exc.problem_mark is not None:
        detail += f" ({exc.context.strip()} at line {exc.context_mark.line + 1})"
    elif exc.context:
        detail += f" ({exc.context.strip()})"
    return Problem(_mark(where), detail)
