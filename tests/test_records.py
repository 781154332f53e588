"""``@frozen`` behaves as ``@dataclass(frozen=True)``: the same constructor, equality, hash,
repr, immutability, pickling, ``replace`` and ``fields``, checked against a twin made by
dataclasses itself; and every record of the package is made by it, none by dataclasses."""

from __future__ import annotations

import dataclasses
import importlib
import os
import pickle
import pkgutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import vetgate
from vetgate import records
from vetgate.records import FrozenInstanceError, frozen


def _body(field: Any = records.field) -> dict[str, Any]:
    return {
        "__annotations__": {"a": "int", "b": "str", "c": "tuple[int, ...]",
                            "d": "list[int]", "e": "int"},
        "b": "",
        "c": (),
        "d": field(default_factory=list),
        "e": field(default=0, compare=False, repr=False),
        "__doc__": "A record.",
        "__module__": __name__,
    }


Ours: Any = frozen(type("Record", (), _body()))
Theirs: Any = dataclasses.dataclass(frozen=True)(type("Record", (), _body(dataclasses.field)))

values = st.tuples(st.integers(), st.text(max_size=5), st.tuples(st.integers()),
                   st.lists(st.integers(), max_size=2), st.integers())


def _both(args: tuple[Any, ...]) -> tuple[Any, Any]:
    a, b, c, d, e = args
    return Ours(a, b, c=c, d=d, e=e), Theirs(a, b, c=c, d=d, e=e)


@given(values, values)
def test_equality_hash_and_repr_are_dataclasses_own(first: tuple[Any, ...],
                                                     second: tuple[Any, ...]) -> None:
    ours_1, theirs_1 = _both(first)
    ours_2, theirs_2 = _both(second)
    assert (ours_1 == ours_2) == (theirs_1 == theirs_2)
    assert repr(ours_1) == repr(theirs_1)
    with pytest.raises(TypeError):  # a list field makes it unhashable, as in dataclasses
        hash(ours_1)
    names = [f.name for f in dataclasses.fields(theirs_1)]
    assert [f.name for f in records.fields(ours_1)] == names
    assert records.replace(ours_1, a=0) == Ours(0, *first[1:4], e=first[4])
    assert repr(records.replace(ours_1, a=0)) == repr(dataclasses.replace(theirs_1, a=0))


@given(st.integers(), st.text(max_size=3), st.integers(), st.integers())
def test_equal_records_hash_equal(a: int, b: str, e1: int, e2: int) -> None:
    body = _body()
    body["__annotations__"] = {"a": "int", "b": "str", "e": "int"}
    del body["c"], body["d"]
    hashable: Any = frozen(type("Hashable", (), body))
    assert hash(hashable(a, b, e1)) == hash(hashable(a, b, e2))  # e is not compared
    assert {hashable(a, b, e1), hashable(a, b, e2)} == {hashable(a, b)}


def test_defaults_factories_and_keywords() -> None:
    record = Ours(1)
    assert (record.a, record.b, record.c, record.d, record.e) == (1, "", (), [], 0)
    assert Ours(1).d is not Ours(1).d  # a fresh list each time, as default_factory promises
    assert Ours(a=2, b="x") == Ours(2, "x")
    with pytest.raises(TypeError):
        Ours()
    with pytest.raises(TypeError):
        Ours(1, nope=2)


def test_frozen_and_replace_and_pickle() -> None:
    record = Ours(1, "x", (2,))
    with pytest.raises(FrozenInstanceError, match="cannot assign to field 'a'"):
        record.a = 3
    with pytest.raises(FrozenInstanceError, match="cannot delete field 'b'"):
        del record.b
    with pytest.raises(FrozenInstanceError):
        record.other = 1
    with pytest.raises(AttributeError):  # FrozenInstanceError is one, as in dataclasses
        record.a = 4
    changed = records.replace(record, b="y")
    assert (changed.a, changed.b, changed.c) == (1, "y", (2,)) and record.b == "x"
    with pytest.raises(TypeError, match="has no field 'z'"):
        records.replace(record, z=1)
    from vetgate.changes.model import Identity  # a record of the package: pickled by name

    identity = Identity("A", "a@example.com")
    hash(identity)  # kept on the record, never in its pickle (str hashes are per process)
    assert "_record_hash" not in pickle.loads(pickle.dumps(identity)).__dict__
    assert pickle.loads(pickle.dumps(identity)) == identity


def test_a_dataclasses_field_or_a_mutable_default_is_refused() -> None:
    with pytest.raises(TypeError, match=r"dataclasses\.field in a record"):
        frozen(type("Bad", (), _body(dataclasses.field)))
    with pytest.raises(ValueError, match="mutable default list"):
        frozen(type("Bad", (), {"__annotations__": {"a": "list[int]"}, "a": []}))


def test_only_the_same_class_is_equal() -> None:
    assert Ours(1) != Theirs(1)
    assert Ours(1).__eq__(Theirs(1)) is NotImplemented
    assert Ours(1, e=5) == Ours(1, e=6)  # compare=False, as in dataclasses


def test_post_init_runs_after_the_fields_are_set() -> None:
    seen = []

    def __post_init__(self: Any) -> None:
        seen.append((self.a, self.b))

    body = _body()
    body["__post_init__"] = __post_init__
    record_type: Any = frozen(type("Checked", (), body))
    record_type(7, "z")
    assert seen == [(7, "z")]


def test_every_record_of_the_package_is_frozen() -> None:
    """Every record of vetgate is made by ``@frozen``; ``dataclasses`` only for the few mutable
    builders, which never sit on a hook's path."""
    mutable = {"_Frame", "RuleDraft", "FileDraft", "HistoryScan", "SzzResult", "HttpClient",
               "AreaFindings"}
    found = []
    for module in pkgutil.walk_packages(vetgate.__path__, "vetgate."):
        if module.name.endswith("__main__"):
            continue
        loaded = importlib.import_module(module.name)
        for value in vars(loaded).values():
            if not isinstance(value, type) or value.__module__ != loaded.__name__:
                continue
            if dataclasses.is_dataclass(value):
                assert value.__name__ in mutable, value
            elif "__record_fields__" in value.__dict__:
                found.append(value)
                assert value.__eq__.__code__.co_filename.endswith("records.py"), value
                # Pickled and loaded again, the same class (vetgate.compiled stores records).
                assert pickle.loads(pickle.dumps(value)) is value
    assert len(found) > 90


PROBE = ("import sys, vetgate.records as r, vetgate.policy.model;"
         "print(r._codes_path()); print(len(r._codes or {}))")


def test_compiled_constructors_are_kept_as_bytecode_is(tmp_path: Path) -> None:
    """The compiled ``__init__``s are kept beside the bytecode (here: under
    PYTHONPYCACHEPREFIX), read by the next process, and a damaged file is compiled again."""
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(tmp_path)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)

    def probe(extra: dict[str, str] | None = None) -> tuple[Path, int]:
        out = subprocess.run([sys.executable, "-c", PROBE], env={**env, **(extra or {})},
                             capture_output=True, text=True, check=True).stdout.split()
        return Path(out[0]), int(out[1])

    path, compiled = probe()
    assert str(path).startswith(str(tmp_path)) and path.is_file() and compiled > 10
    assert probe() == (path, compiled)
    path.write_bytes(b"damaged")
    assert probe() == (path, compiled)  # compiled again, and written again
    path.unlink()
    probe({"PYTHONDONTWRITEBYTECODE": "1"})
    assert not path.exists()  # no bytecode written, none of this either
