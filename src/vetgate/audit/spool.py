"""Two things at once on two cores: SZZ in a forked process (a thread where there is no fork)
while the classifying pass runs, its counts spooled to a temporary file until SZZ says which
commits failed.

The classifying pass cannot count a commit before SZZ has said whether it failed, and keeping
every classified commit in memory would make memory grow with history. So the records go to an
unnamed temporary file (pickled 1,000 at a time; vetgate reads back only what it wrote) and are
counted once SZZ is done: memory stays flat, the disk holds about 100 bytes per commit while the
audit runs.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, Generic, TypeVar

_T = TypeVar("_T")
CHUNK = 1000


class Background(Generic[_T]):
    """``work()`` in a daemon thread (an interrupted audit does not wait for it)."""

    def __init__(self, work: Callable[[], _T]) -> None:
        self._work = work
        self._result: _T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="vetgate-szz", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = self._work()
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc

    def close(self) -> None:
        """Nothing to stop: the daemon thread ends with the interpreter."""

    def result(self) -> _T:
        """Wait for the work; its result, or its exception raised here."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


class Forked(Generic[_T]):
    """``work()`` in a forked child process: its Python runs on the other core, where a thread
    would share the interpreter's lock with the classifying pass (both passes are mostly Python
    reading git's output). The result, or the exception, comes back pickled through an unnamed
    temporary file. ``close()`` stops a child whose result is no longer wanted."""

    def __init__(self, work: Callable[[], _T]) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by result()/close()
        self._pid: int | None = os.fork()
        if self._pid == 0:  # pragma: no cover - the child: coverage follows only the parent
            status = 0
            try:
                try:
                    payload: tuple[bool, Any] = (True, work())
                except BaseException as exc:  # handed to the parent
                    payload = (False, exc)
                try:
                    pickle.dump(payload, self._file, protocol=pickle.HIGHEST_PROTOCOL)
                except Exception as exc:  # an unpicklable exception
                    pickle.dump((False, RuntimeError(f"{type(exc).__name__}: {exc}")),
                                self._file, protocol=pickle.HIGHEST_PROTOCOL)
                self._file.flush()
            except BaseException:
                status = 70
            finally:
                os._exit(status)  # never the parent's atexit handlers or buffered output

    def result(self) -> _T:
        """Wait for the child; its result, or its exception raised here."""
        assert self._pid is not None
        _pid, status = os.waitpid(self._pid, 0)
        self._pid = None
        with self._file:
            self._file.seek(0)
            try:
                ok, value = pickle.load(self._file)  # written by our own child just now
            except EOFError:
                raise RuntimeError(f"the SZZ process ended without a result (status {status})"
                                   ) from None
        if not ok:
            raise value
        return value

    def close(self) -> None:
        """Stop and reap the child if its result was not taken."""
        if self._pid is not None:
            with contextlib.suppress(OSError):
                os.kill(self._pid, signal.SIGTERM)
                os.waitpid(self._pid, 0)
            self._pid = None
            self._file.close()


def can_fork() -> bool:
    """True where the platform forks and no other thread runs (forking a threaded process can
    deadlock the child)."""
    return hasattr(os, "fork") and threading.active_count() == 1


def background(work: Callable[[], _T]) -> Forked[_T] | Background[_T]:
    """``work()`` beside this process's own: forked where it can be (``can_fork``), else in a
    thread."""
    if can_fork():
        return Forked(work)
    return Background(work)


def beside(work: Callable[[], _T], records: Iterable[Any]) -> tuple[_T, IO[bytes]]:
    """``work()`` beside this process (``background``) while ``records`` are spooled; the
    work's result and the spooled file. A failure on either side stops the other."""
    side = background(work)
    try:
        spooled = spool(records)
    except BaseException:
        side.close()
        raise
    try:
        return side.result(), spooled
    except BaseException:
        spooled.close()
        raise


def spool(records: Iterable[_T]) -> IO[bytes]:
    """Write ``records`` to an unnamed temporary file, ``CHUNK`` at a time."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - replay() closes it
    try:
        batch: list[_T] = []
        for record in records:
            batch.append(record)
            if len(batch) >= CHUNK:
                pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
                batch = []
        if batch:
            pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return out


def replay(spooled: IO[bytes]) -> Iterator[Any]:
    """The records ``spool`` wrote, in order; the file is closed (and gone) at the end."""
    with spooled:
        while True:
            try:
                batch = pickle.load(spooled)  # our own file, written just now
            except EOFError:
                return
            yield from batch
