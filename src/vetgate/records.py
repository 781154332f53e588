"""``@frozen``: what ``@dataclass(frozen=True)`` makes, at a fraction of its import cost.

A class decorated ``@frozen`` is a real dataclass (``dataclasses.fields``, ``replace``,
``asdict`` and ``is_dataclass`` work) with the same ``__init__`` (defaults, ``default_factory``,
``__post_init__``), the same equality and hash (over the fields with ``compare=True``, only with
an instance of the very same class), the same ``repr`` and the same immutability
(``FrozenInstanceError``). mypy sees it as a frozen dataclass (``dataclass_transform``).

Why not ``dataclass`` itself: it compiles six methods per class from source text when the module
is imported, about half a millisecond a class. A hook imports some sixty of these classes on
every commit, a quarter of its time budget. Here only ``__init__`` is compiled (it has to be as
fast as dataclass's: some records are made thousands of times a run); equality, hash, ``repr``
and the frozen ``__setattr__`` are shared functions over an ``operator.attrgetter`` of the
fields, as fast as the generated ones. tests/test_records.py checks the equivalence on every
record of the package.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:
    def dataclass_transform(**_kwargs: Any) -> Callable[[Any], Any]:
        return lambda decorated: decorated

_T = TypeVar("_T", bound=type)
_NO_VALUE = object()  # the default of a default_factory field: "not given, call the factory"


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def frozen(cls: _T) -> _T:
    """Make ``cls`` a frozen dataclass (see the module docstring)."""
    dataclasses.dataclass(cls, init=False, repr=False, eq=False)  # fields only: no compiling
    fields = dataclasses.fields(cls)
    compared = tuple(f.name for f in fields if f.compare)
    shown = tuple(f.name for f in fields if f.repr)
    names = frozenset(f.name for f in fields)
    key = _key_of(compared)

    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is self.__class__:
            return bool(key(self) == key(other))
        return NotImplemented

    def __hash__(self: Any) -> int:
        return hash(key(self))

    def __repr__(self: Any) -> str:
        body = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
        return f"{self.__class__.__qualname__}({body})"

    def __setattr__(self: Any, name: str, value: object) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        object.__delattr__(self, name)

    for method in (__eq__, __hash__, __repr__, __setattr__, __delattr__):
        method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
        setattr(cls, method.__name__, method)
    type.__setattr__(cls, "__init__", _init(cls, fields))
    params = cls.__dict__["__dataclass_params__"]
    # What dataclasses.dataclass(frozen=True) records (read by a dataclass subclassing this one).
    params.frozen = params.eq = True
    return cls


def _key_of(names: tuple[str, ...]) -> Callable[[Any], Any]:
    """The values compared and hashed, as one object (a tuple for two fields or more)."""
    if not names:
        return lambda _record: ()
    return operator.attrgetter(*names)


def _init(cls: type, fields: tuple[dataclasses.Field[Any], ...]) -> Callable[..., None]:
    """``__init__`` as dataclasses writes it for a frozen class, compiled once."""
    scope: dict[str, Any] = {"__set": object.__setattr__, "__no_value": _NO_VALUE}
    params = []
    body = []
    for number, field in enumerate(fields):
        name = field.name
        if not field.init:  # pragma: no cover - vetgate's records have none
            raise TypeError(f"{cls.__qualname__}.{name}: @frozen has no init=False fields")
        if field.default is not dataclasses.MISSING:
            scope[f"__default{number}"] = field.default
            params.append(f"{name}=__default{number}")
        elif field.default_factory is not dataclasses.MISSING:
            scope[f"__factory{number}"] = field.default_factory
            params.append(f"{name}=__no_value")
            body.append(f"    if {name} is __no_value:\n        {name} = __factory{number}()")
        else:
            params.append(name)
        body.append(f"    __set(self, {name!r}, {name})")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body or ["    pass"])
    if not params:
        source = "def __init__(self):\n    pass"
    namespace: dict[str, Any] = {}
    exec(source, scope, namespace)
    init: Callable[..., None] = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    return init
