"""Compiled inputs kept between runs: the policy a hook or `check` judges by, and the catalog.

A hook runs on every commit, and parsing the policy (YAML, schema checks, pattern indexes) and
the catalog (YAML, hundreds of regular expressions) cost more than everything else it does. Both
are pure functions of bytes vetgate can name exactly: a policy of the object ids git records
for its file, the catalog of the installed vetgate. So the compiled value is pickled under the
repository's git dir (``git rev-parse --git-path vetgate``), with a key holding exactly those
inputs plus a fingerprint of vetgate's own code (its version, the Python version, and the size
and modification time of every file of the packages whose objects are stored). A stored value is
used only when its key is equal, byte for byte, to the key of this run: it can never be stale.

Trust: the store is in the git dir, where whoever can write already controls the repository's
hooks and ``core.fsmonitor`` command; reading a pickle from there grants nothing more. Nothing
else is read. A store that cannot be read or written is never an error (the value is computed
as without a store); ``VETGATE_NO_CACHE=1`` turns the store off. See docs/hooks.md.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys

# The packages whose objects are stored (policy model, pattern indexes, catalog index), and the
# modules that make and store them (a record's machinery, this store).
_STORED_PACKAGES = ("policy", "provenance")
_STORED_MODULES = ("records.py", "compiled.py")
_MAX_FILES = 32  # oldest removed beyond this many (a policy per branch being worked on)
_directory: str | None = None


def use_directory(path: str | None) -> None:
    """Keep compiled values under ``path`` from now on (None: keep none)."""
    global _directory
    _directory = None if os.environ.get("VETGATE_NO_CACHE") else path


def directory() -> str | None:
    """Where compiled values are kept in this run, or None."""
    return _directory


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """vetgate's version, Python's, and (size, mtime) of every file of the stored packages and
    of the modules that make them."""
    from vetgate import __version__

    package = os.path.dirname(os.path.abspath(__file__))
    stats = []
    for name in _STORED_PACKAGES:
        top = os.path.join(package, name)
        for entry in sorted(os.scandir(top), key=lambda e: e.name):
            if entry.is_file():
                info = entry.stat()
                stats.append(f"{name}/{entry.name}:{info.st_size}:{info.st_mtime_ns}")
    for name in _STORED_MODULES:
        info = os.stat(os.path.join(package, name))
        stats.append(f"{name}:{info.st_size}:{info.st_mtime_ns}")
    return f"{__version__}|{sys.version}|{';'.join(stats)}"


def _full_key(key: str) -> str:
    return f"{key}|{code_fingerprint()}"


def _path(kind: str, full_key: str) -> str | None:
    import zlib

    if _directory is None:
        return None
    return os.path.join(_directory, f"{kind}-{zlib.crc32(full_key.encode()):08x}.pickle")


def load(kind: str, key: str) -> object | None:
    """The value stored for ``key`` (``kind`` names the file: ``policy``, ``catalog``), or None.

    The first line of the file is the whole key it was stored under (with the code
    fingerprint), compared before anything else is read."""
    full = _full_key(key)
    path = _path(kind, full)
    if path is None:
        return None
    try:
        with open(path, "rb") as handle:
            if handle.readline() != full.encode("utf-8", "surrogateescape") + b"\n":
                return None
            import gc
            import pickle

            collecting = gc.isenabled()
            gc.disable()  # many small long-lived objects, no cycles: see policy.loader
            try:
                return pickle.load(handle)
            finally:
                if collecting:
                    gc.enable()
    except FileNotFoundError:
        return None
    except Exception:
        _remove(path)
        return None


def store(kind: str, key: str, value: object) -> None:
    """Keep ``value`` under ``key`` (atomically: a reader sees the old file or the new one)."""
    full = _full_key(key)
    path = _path(kind, full)
    if path is None or "\n" in full:
        return
    import pickle

    from vetgate.atomic import write_atomically

    try:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return  # tests/test_compiled.py stores every kind of policy: this is not reached
    folder = os.path.dirname(path)
    try:
        os.makedirs(folder, exist_ok=True)
        write_atomically(path, full.encode("utf-8", "surrogateescape") + b"\n", data,
                         prefix=f".{kind}-")  # _prune skips names starting with "."
        _prune(folder)
    except OSError:
        return  # a read-only git dir, a full disk: the next run computes the value again


def _prune(folder: str) -> None:
    files = [entry for entry in os.scandir(folder)
             if entry.name.endswith(".pickle") and not entry.name.startswith(".")]
    if len(files) <= _MAX_FILES:
        return
    files.sort(key=lambda entry: entry.stat().st_mtime_ns)
    for entry in files[:len(files) - _MAX_FILES]:
        _remove(entry.path)


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)
