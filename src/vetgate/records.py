"""``@frozen`` records: what ``@dataclass(frozen=True)`` makes, at a fraction of its import cost.

A ``@frozen`` class has the constructor ``dataclass`` would write (fields in order, defaults,
``field(default_factory=...)``, ``__post_init__``), the same equality and hash (over the fields
with ``compare=True``, only with an instance of the very same class), the same ``repr``
(fields with ``repr=True``) and the same immutability (``FrozenInstanceError``). ``replace``
and ``fields`` here are ``dataclasses.replace`` and ``dataclasses.fields`` for records; mypy
sees a record as a frozen dataclass (``dataclass_transform``).

Why not ``dataclasses``: importing it loads ``inspect`` (and with it ``ast``, ``dis``,
``tokenize``), and ``@dataclass`` compiles six methods per class from source text when its
module is imported, about half a millisecond a class. A hook imports some sixty records on every
commit: together a fifth of its time budget. Here only ``__init__`` is compiled (it has to be as
fast as dataclass's: some records are made thousands of times a run); equality, hash, ``repr``
and the frozen ``__setattr__`` are shared functions over an ``operator.attrgetter`` of the
fields, as fast as the generated ones. tests/test_records.py checks the equivalence against
``dataclasses`` itself.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, overload

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:
    def dataclass_transform(**_kwargs: Any) -> Callable[[Any], Any]:
        return lambda decorated: decorated

_HASH = "_record_hash"  # where a record keeps its hash once computed
_T = TypeVar("_T", bound=type)
_R = TypeVar("_R")
_V = TypeVar("_V")


class FrozenInstanceError(AttributeError):
    """Assigning to or deleting a field of a record (``dataclasses.FrozenInstanceError``)."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Field:
    """One field of a record: its name, default (or default factory) and whether it takes part
    in equality and ``repr``."""

    __slots__ = ("compare", "default", "default_factory", "name", "repr")

    def __init__(self, default: Any = MISSING, default_factory: Any = MISSING,
                 compare: bool = True, repr: bool = True) -> None:
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.compare = compare
        self.repr = repr


@overload
def field(*, default: _V, compare: bool = ..., repr: bool = ...) -> _V: ...


@overload
def field(*, default_factory: Callable[[], _V], compare: bool = ..., repr: bool = ...) -> _V: ...


def field(*, default: Any = MISSING, default_factory: Any = MISSING, compare: bool = True,
          repr: bool = True) -> Any:
    """A field with a default or a default factory, or left out of equality or ``repr``."""
    return Field(default, default_factory, compare, repr)


def fields(record: Any) -> tuple[Field, ...]:
    """The fields of a record (or record class), in order."""
    found: tuple[Field, ...] = record.__record_fields__
    return found


def replace(record: _R, /, **changes: Any) -> _R:
    """A copy of ``record`` with ``changes`` (``dataclasses.replace``)."""
    for name in changes:
        if name not in record.__record_names__:  # type: ignore[attr-defined]
            raise TypeError(f"{type(record).__qualname__} has no field {name!r}")
    values = {name: changes[name] if name in changes else getattr(record, name)
              for name in record.__record_names__}  # type: ignore[attr-defined]
    return type(record)(**values)


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def frozen(cls: _T) -> _T:
    """Make ``cls`` a frozen record (see the module docstring)."""
    found = _fields(cls)
    compared = tuple(f.name for f in found if f.compare)
    shown = tuple(f.name for f in found if f.repr)
    names = tuple(f.name for f in found)
    key = _key_of(compared)
    own_state = cls.__dict__.get("__getstate__")

    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is self.__class__:
            return bool(key(self) == key(other))
        return NotImplemented

    def __hash__(self: Any) -> int:
        # Kept once computed (the fields never change): records are dictionary keys in loops
        # over every changed file.
        known: int | None = self.__dict__.get(_HASH)
        if known is None:
            known = self.__dict__[_HASH] = hash(key(self))
        return known

    def __getstate__(self: Any) -> dict[str, Any]:
        state: dict[str, Any] = own_state(self) if own_state else dict(self.__dict__)
        state.pop(_HASH, None)  # this process's: str hashes are salted per process
        return state

    def __repr__(self: Any) -> str:
        body = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
        return f"{self.__class__.__qualname__}({body})"

    def __setattr__(self: Any, name: str, value: object) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        object.__delattr__(self, name)

    for method in (__eq__, __hash__, __repr__, __setattr__, __delattr__, __getstate__):
        method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
        type.__setattr__(cls, method.__name__, method)
    type.__setattr__(cls, "__init__", _init(cls, found))
    type.__setattr__(cls, "__record_fields__", found)
    type.__setattr__(cls, "__record_names__", names)
    type.__setattr__(cls, "__match_args__", names)
    return cls


def _fields(cls: type) -> tuple[Field, ...]:
    """The fields the class body annotates, in order; class attributes become their defaults."""
    for base in cls.__mro__[1:]:
        if "__record_fields__" in base.__dict__:  # pragma: no cover - no record inherits one
            raise TypeError(f"{cls.__qualname__}: a record cannot inherit fields")
    found = []
    annotations = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 - inspect is not loaded
    for name, annotation in annotations.items():
        if isinstance(annotation, str) and annotation.startswith(("ClassVar", "typing.ClassVar")):
            continue
        value = cls.__dict__.get(name, MISSING)
        if type(value).__module__ == "dataclasses":
            raise TypeError(f"{cls.__qualname__}.{name}: dataclasses.field in a record; use "
                            "vetgate.records.field")
        one = value if isinstance(value, Field) else Field(default=value)
        one.name = name
        if one.default is MISSING:
            if name in cls.__dict__:
                type.__delattr__(cls, name)
        else:
            type.__setattr__(cls, name, one.default)
        if isinstance(one.default, (list, dict, set)):
            raise ValueError(f"{cls.__qualname__}.{name}: mutable default "
                             f"{type(one.default).__name__}; use field(default_factory=...)")
        found.append(one)
    return tuple(found)


def _key_of(names: tuple[str, ...]) -> Callable[[Any], Any]:
    """The values compared and hashed, as one object (a tuple for two fields or more)."""
    if not names:
        return lambda _record: ()
    return operator.attrgetter(*names)


def _init(cls: type, found: tuple[Field, ...]) -> Callable[..., None]:
    """``__init__`` as dataclasses writes it for a frozen class, compiled once."""
    scope: dict[str, Any] = {"__set": object.__setattr__, "__missing": MISSING}
    params = []
    body = []
    stored = []
    seen_default = False
    for number, one in enumerate(found):
        name = one.name
        if one.default is not MISSING:
            scope[f"__default{number}"] = one.default
            params.append(f"{name}=__default{number}")
            seen_default = True
        elif one.default_factory is not MISSING:
            scope[f"__factory{number}"] = one.default_factory
            params.append(f"{name}=__missing")
            body.append(f"    if {name} is __missing:\n        {name} = __factory{number}()")
            seen_default = True
        elif seen_default:
            raise TypeError(f"non-default argument {name!r} follows default argument")
        else:
            params.append(name)
        stored.append(f"{name!r}: {name}")
    if stored:
        # One assignment of the whole instance dictionary: a frozen class cannot assign its
        # fields one by one through its own __setattr__, and one object.__setattr__ per field
        # costs a commit read from a history more than the rest of its reading.
        body.append(f"    __set(self, '__dict__', {{{', '.join(stored)}}})")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body) if params else \
        "def __init__(self):\n" + ("\n".join(body) or "    pass")
    namespace: dict[str, Any] = {}
    exec(_compiled(source), scope, namespace)
    init: Callable[..., None] = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    return init


# The compiled ``__init__`` sources, kept as Python keeps a module's bytecode: marshalled, in
# ``__pycache__`` beside this module (or under ``sys.pycache_prefix``), keyed by the exact
# source text; not written when the interpreter writes no bytecode. Compiling them is most of
# what is left of a record's import cost.
_codes: dict[str, Any] | None = None
_new_codes = False


def _codes_path() -> str:
    import importlib.util
    import sys

    pyc = importlib.util.cache_from_source(__file__)
    return pyc[:-len(".pyc")] + f".init-{sys.version_info[0]}-{sys.version_info[1]}.marshal"


def _compiled(source: str) -> Any:
    global _codes, _new_codes
    if _codes is None:
        _codes = _read_codes()
    code = _codes.get(source)
    if code is None:
        code = _codes[source] = compile(source, "<vetgate.records>", "exec")
        if not _new_codes:
            import atexit

            _new_codes = True
            atexit.register(_write_codes)
    return code


def _read_codes() -> dict[str, Any]:
    import marshal

    try:
        with open(_codes_path(), "rb") as handle:
            codes = marshal.load(handle)
    except (OSError, ValueError, EOFError, TypeError, NotImplementedError):
        return {}
    return codes if isinstance(codes, dict) else {}


def _write_codes() -> None:
    import marshal
    import os
    import sys

    from vetgate.atomic import write_atomically

    if sys.dont_write_bytecode or not _codes:
        return
    path = _codes_path()
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_atomically(path, marshal.dumps(_codes), prefix=".records-")
    except OSError:  # a read-only install: the next run compiles again
        return
